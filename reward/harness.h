/* harness: the equivalence testbench the server generates from the golden's ports.
 *
 * Golden (every module renamed with a prefix) and candidate side by side, driven by the
 * stimulus plan of stimulus.h (seeded, corner- and constant-biased draws, long reset-free
 * stretches, independent clock schedules; emitted once per engine from the same plan), one
 * reset phase per variant (all resets asserted, then each alone), outputs compared every step
 * with VerilogEval's X rule: an X in the golden is a don't-care, an X from the candidate matches
 * only X.
 *
 * Per step of 10 time units: resets and inputs change at +2, outputs are compared at +8, the
 * scheduled clocks toggle at +10. Every line the harness prints starts with `tag` (a per-run
 * random nonce the candidate cannot know): "<tag> first <time> <signal> <expected> <got>" once,
 * "<tag> cov ..." (stim_parse_cov), then "<tag> done <samples> <mismatches>" at the end.
 * harness_samples() is the sample count a complete run must report.
 */
#ifndef RTLR_HARNESS_H
#define RTLR_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "problem.h"

#define HARNESS_RESET_CYCLES 2

struct stim_plan;
int harness_equivalence(const struct problem *p, const struct stim_plan *pl, const char *tag,
			const char *gold_module, struct buf *out);
uint64_t harness_samples(const struct problem *p);
/* Shared with the Verilator engine's C++ harness, so both drive the same stimulus: whether a
 * port is one of the problem's clocks, its reset spec (NULL when none), the reset phases. */
int harness_is_clock(const struct problem *p, const char *name);
const struct reset_spec *harness_reset_of(const struct problem *p, const char *name);
size_t harness_nphases(const struct problem *p);

#endif
