/* formal: the formal tier (docs/formal.md). A Yosys miter of the golden and the candidate,
 * proved with Yosys's own SAT solver, and a counterexample replayed in Icarus before it may fail
 * anything.
 *
 *   read both (golden renamed rtlr_g_*) → hierarchy -check → proc; flatten; memory → clk2fflogic
 *   → miter -equiv -ignore_gold_x → refuse leftover module instances (blackboxes) →
 *   BMC from reset (sat -seq N, undef modelled, registers start undefined unless initialised)
 *   → when it holds, k-induction (sat -tempinduct-inductonly) for an unbounded proof.
 *
 * Verdicts: proved (induction closed), bounded(N) (no difference in N steps from reset),
 * refuted (a counterexample the replay reproduced), unknown (time-out, refused or unsupported
 * design, counterexample not reproduced). unknown never passes or fails a candidate by itself.
 *
 * How modes compose (formal_before_sim / formal_after_sim, called by the pipeline):
 *   mode "formal"     the proof runs first; proved decides alone (pass, no simulation);
 *                     otherwise the equivalence simulation runs and the result is merged.
 *   formal "confirm"  the simulation runs as always; after a full pass the proof runs.
 *   merge             refuted turns a pass into a fail (first_mismatch from the replay, its steps
 *                     counted as samples); bounded and unknown leave the simulation's verdict,
 *                     said in function.note.
 *
 * Owner: this file and formal.c / formal_replay.c; the pipeline only calls the two hooks.
 */
#ifndef RTLR_FORMAL_H
#define RTLR_FORMAL_H

#include <stddef.h>
#include <stdint.h>

#include "problem.h"
#include "reward.pb-c.h"

enum formal_opt { FORMAL_OFF = 0, FORMAL_CONFIRM = 1 };
enum proof_verdict { PROOF_NONE = 0, PROOF_UNKNOWN, PROOF_PROVED, PROOF_BOUNDED, PROOF_REFUTED };

struct formal_out {
	enum proof_verdict verdict;
	unsigned depth;       /* bounded/proved: BMC steps; refuted: the counterexample's length */
	int has_first;        /* refuted: the replay's first mismatch */
	uint64_t first_time;
	char first_signal[128];
	char first_expected[256];
	char first_got[256];
	unsigned first_step;
	int native;           /* the model: 1 step = 1 clock cycle (native), else half a period */
	char note[512];
	double ms, replay_ms;
};

/* Server flags: seconds for one check (--formal-timeout), steps after the reset prefix
 * (--formal-depth). Before formal_init. */
void formal_configure(double timeout_s, unsigned depth);
/* Finds Yosys and reads its version (part of formal_key). A missing Yosys is not an error: every
 * proof is then unknown. */
int formal_init(char *err, size_t errlen);
const char *formal_key(void);
/* Validates a request's "formal" option ("", off, confirm); -1 with err naming the field. */
int formal_parse_option(const char *s, int *out, char *err, size_t errlen);

/* One check of jobdir/cand_file against p (prepared). Returns 0 with out filled (any verdict),
 * -1 when the sandbox failed (err). */
int formal_check(const struct problem *p, const char *jobdir, const char *cand_file,
		 struct formal_out *out, char *err, size_t errlen);
/* "proved", "bounded(N)", "refuted", "unknown". */
const char *formal_verdict_str(const struct formal_out *o, char *buf, size_t len);

/* Pipeline hooks. before_sim (mode formal): runs the proof; returns 1 when it decided alone (f
 * filled: proved), 0 when the simulation must run, -1 on infra failure (err). after_sim: runs
 * the proof when the option asks for it and the simulation passed (confirm), or merges the
 * proof formal mode already ran (fo from before_sim); -1 on infra failure. */
int formal_before_sim(const struct problem *p, const char *jobdir, const char *cand_file,
		      struct formal_out *fo, Rtlreward__FunctionTier *f, Rtlreward__StageTimes *t,
		      char *err, size_t errlen);
int formal_after_sim(const struct problem *p, const char *jobdir, const char *cand_file,
		     int formal_mode, int opt, struct formal_out *fo, Rtlreward__FunctionTier *f,
		     Rtlreward__StageTimes *t, char *err, size_t errlen);

/* formal_replay.c: drives golden and candidate with the counterexample in formal_cex.vcd
 * (jobdir) under Icarus; 1 when a mismatch was reproduced (out->first_*), 0 when not (why in
 * out->note), -1 on infra failure. */
int formal_replay(const struct problem *p, const char *jobdir, const char *gold_file,
		  const char *cand_file, struct formal_out *out, char *err, size_t errlen);

#endif
