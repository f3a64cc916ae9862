/* ppa_design: the design the PPA tier synthesizes, as text, and the memo of its results.
 *
 * Owner: the PPA tier (ppa_group.c calls it before a candidate's synthesis). The tier's outcome
 * (figures, netlist check, reasons) is a pure function of the flow (ppa_key()), the problem (its
 * golden and constraints) and the text handed to Yosys and to the netlist check. That text is
 * the candidate's preprocessed source with the modules its top never instantiates blanked out,
 * so two candidates that differ only there (a testbench or helper module left in the answer, a
 * trailing blank line) are one design: synthesized once, per group and across groups (the memo).
 *
 * ppa_design_text(): src with every module unreachable from top replaced by blanks (newlines
 * kept, so Yosys's line numbers of the kept text stay those of the candidate's file) and the
 * trailing whitespace cut to one newline. Reachable: top, and every module whose name appears as
 * an identifier in a reachable module's body (a superset of what is instantiated). Nothing is
 * dropped (the text is copied, whitespace cut) when the source holds anything this cannot judge:
 * text outside modules other than compiler directives, a directive inside an unreachable module
 * (its effect would outlive the module), escaped identifiers, design units or keywords with
 * names of their own (interface, package, primitive, config, bind, ...), a nested or unnamed
 * module, or no module named top. Returns the number of modules dropped, -1 when out fills.
 *
 * The memo: PpaTier results by ppa_design_key() (flow, problem, text), least recently used
 * evicted beyond --ppa-memo entries (0: off: every candidate runs its own PPA). In memory only:
 * a restart starts empty (the result cache keeps whole results across restarts).
 */
#ifndef RTLR_PPA_DESIGN_H
#define RTLR_PPA_DESIGN_H

#include <stddef.h>

#include "buf.h"
#include "problem.h"
#include "reward.pb-c.h"

int ppa_design_text(const char *src, size_t len, const char *top, struct buf *out);

/* The memo key of a design text for problem p: hex into key. */
void ppa_design_key(const struct problem *p, const char *text, size_t len, char key[65]);

/* entries: the memo's size (0: off). Call before any lookup. */
void ppa_memo_configure(size_t entries);
int ppa_memo_enabled(void);
/* 1 and t replaced by the stored tier (t's old contents freed) when key is known, else 0. */
int ppa_memo_get(const char *key, Rtlreward__PpaTier *t);
/* Stores a copy of t under key. */
void ppa_memo_put(const char *key, const Rtlreward__PpaTier *t);
/* Copies src's contents into dst (dst's old contents freed); -1 when out of memory. */
int ppa_tier_copy(Rtlreward__PpaTier *dst, const Rtlreward__PpaTier *src);
/* Counters since start: lookups that hit, designs stored. */
void ppa_memo_counts(unsigned long long *hits, unsigned long long *stored);
void ppa_memo_shutdown(void);

#endif
