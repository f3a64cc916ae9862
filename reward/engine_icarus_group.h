/* engine_icarus_group: the Icarus engine's equivalence check for a group of candidates of one
 * problem (owner: helper icgroup; docs/group_icarus.md).
 *
 * One `iverilog -t null` elaborates every candidate alone (each its own root, its modules
 * renamed apart; closure.h), one `iverilog` compiles one harness module per candidate (each with
 * the stimulus plan, tag and golden instance its single run would get) + the golden once + every
 * candidate, and one `vvp` runs them all; each verdict comes from its own tagged lines. A group
 * run that fails in any way (compile error, limit, crash, output cap, a missing verdict) is
 * split (counters_split) down to single runs, which are exactly engine_icarus.equivalence.
 * Candidates whose text could reach or disturb another inside one simulation are never grouped
 * (icg_analyze): they run alone.
 */
#ifndef RTLR_ENGINE_ICARUS_GROUP_H
#define RTLR_ENGINE_ICARUS_GROUP_H

#include <stddef.h>

#include "buf.h"
#include "engine.h"

/* What grouping needs to know of a candidate's preprocessed text. */
struct icg_src {
	int ok;             /* may share a simulation with other candidates */
	char why[160];      /* why not, when !ok */
	char **mods;        /* the modules it defines (malloc'd) */
	size_t nmods;
	int prec;           /* finest `timescale precision it states (log10 of seconds), 1000: none;
			     * only candidates with equal prec share a run (vvp's time unit is the
			     * finest precision of all modules, and %t prints in it) */
};

/* Decides whether text (a candidate's cand.v) may be grouped and collects its module names:
 * no escaped identifiers, design units other than modules, text outside modules, system tasks
 * with process-wide state ($monitor), directives other than `timescale `default_nettype
 * `resetall `celldefine `endcelldefine `line, nor a module name used after '.' or around '::'
 * (where renaming the module could rename something else); it must define top. 0, -1 on OOM. */
int icg_analyze(const char *text, const char *top, struct icg_src *s);
void icg_src_release(struct icg_src *s);
/* Appends text with every identifier token naming one of s's modules prefixed (outside
 * directive lines, strings and comments). 0, -1 when out is full. */
int icg_rename(const char *text, const struct icg_src *s, const char *prefix, struct buf *out);
/* The golden's directive state for the candidates: "`resetall" and the golden's own
 * state-setting directives in order (malloc'd), or NULL when the golden cannot be shared
 * (conditional or other directives, system tasks with process-wide state); why says so. */
char *icg_gold_prelude(const char *reference, char *why, size_t whylen);

/* The engine's group function (struct engine.equivalence_group). */
void icarus_equivalence_group(const struct problem *p, uint64_t seed, struct engine_cand *c,
			      size_t n);

#endif
