/* ppa_sanitize: the text Yosys synthesizes for the PPA tier, with everything taken out that
 * would make the synthesized hardware differ from the RTL the simulators ran.
 *
 * Owner: the PPA tier (ppa.c calls it for the candidate and for the golden); pure text in,
 * text out, no state, so other flows that synthesize (group runs) can call it as well.
 *
 * What is stripped (replaced by blanks, newlines kept so Yosys's line numbers stay right):
 *   - every attribute instance (* ... *): full_case and parallel_case change what Yosys builds
 *     for a case statement that does not cover every value (the simulators ignore them), and
 *     others change synthesis too (blackbox, keep_hierarchy, init, mem2reg, nomem2reg, ...).
 *     None has a meaning in simulation, so stripping them leaves the simulated design as it
 *     was. `@(*)` and `@(* )` are event controls, not attributes, and are kept.
 *   - the SystemVerilog keywords unique, unique0 and priority before case, casez, casex or
 *     if: Yosys 0.23 reads `unique case` and `priority case` as full_case (checked: a
 *     3-of-4 case shrinks from 10 to 7 cells). Without the keyword the statement means, in
 *     simulation, what it meant with it whenever the simulators raised no violation.
 *   - comments: preprocessing (verilator -E) already drops them and the policy refuses
 *     metacomments (synopsys/synthesis full_case, parallel_case, translate_off/on); removing
 *     them here as well means no comment pragma can reach Yosys even if that changes.
 * Everything else is copied byte for byte.
 *
 * ppa_sanitize() appends the result to out and, when note is given, a short description of
 * what was removed ("attribute full_case (line 4); unique (line 9)"), empty when nothing was;
 * the count of removed items is returned, or -1 when out fills (its max is the cap).
 */
#ifndef RTLR_PPA_SANITIZE_H
#define RTLR_PPA_SANITIZE_H

#include <stddef.h>

#include "buf.h"

int ppa_sanitize(const char *src, size_t len, struct buf *out, char *note, size_t notelen);

#endif
