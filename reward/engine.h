/* engine: a simulator behind one interface, for both functional check modes.
 *
 * An engine gets a prepared problem, a job directory holding the candidate as cand.v (already
 * preprocessed and policy-checked), and fills a func_out. It returns 0 when it produced a
 * verdict (whatever it is) and -1 when the tools or the harness failed (func_out.infra_err
 * says why): the caller reports INFRA_ERROR, never a reward, for -1.
 *
 * Verdicts come only from lines that start with a per-run random tag the candidate cannot know;
 * a run that does not reach its end with the expected sample count is a failure, and a time-out,
 * crash or sandbox kill of the candidate's own simulation sets min_score.
 */
#ifndef RTLR_ENGINE_H
#define RTLR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "problem.h"

struct func_out {
	int checked;          /* the run was judged against its expected end */
	int passed;
	uint64_t samples, mismatches;
	double pass_rate;
	int has_first;
	uint64_t first_time;
	char first_signal[128];
	char first_expected[256];
	char first_got[256];
	char reason[512];     /* why it failed (candidate's fault) */
	char note[256];
	int min_score;        /* timeout, crash or kill of the candidate's simulation */
	int compile_error;    /* the candidate does not compile with this engine */
	char *diag;           /* malloc'd compiler output for compile_error */
	char infra_err[512];  /* set with return -1 */
	double compile_ms, run_ms; /* build (all of it) and simulation, wall */
	/* parts of compile_ms where the engine measures them (Verilator), else 0: verilating the
	 * candidate, compiling its unit, linking, and building the golden model (paid by the
	 * first candidate of a problem only) */
	double verilate_ms, cc_ms, link_ms, golden_ms;
};

struct engine {
	const char *name;
	int (*equivalence)(const struct problem *p, const char *jobdir, uint64_t seed,
			   struct func_out *out);
	int (*testbench)(const struct problem *p, const char *jobdir, const char *cand_file,
			 struct func_out *out);
};

extern const struct engine engine_icarus;
extern const struct engine engine_verilator;

/* Where the Verilator engine keeps its runtime objects (<cache_dir>/verilator/); once at start. */
void engine_verilator_init(const char *cache_dir);

/* Picks the engine for a request's "engine" field ("", "auto", "icarus", "verilator").
 * Returns NULL with err for an unknown or unavailable engine. For "auto" (or "") it picks by
 * expected cost (build cost against simulated samples; p must be prepared) and writes why into
 * err ("auto: verilator (...)"); otherwise err is left empty on success. */
const struct engine *engine_pick(const char *name, const struct problem *p, char *err,
				 size_t errlen);
void func_out_release(struct func_out *f);
/* A random tag "RTLR<hex>:" for one run. */
void engine_new_tag(char tag[40]);
/* The next line of *cursor that starts with tag (the text after it, *len bytes), or NULL. */
const char *engine_next_tagged(const char **cursor, const char *tag, size_t *len);
struct sb_result;
/* Fills out from the tagged output of a generated equivalence harness run (r), which must
 * report `expect` samples; an incomplete run is a min_score failure with its reason. */
void engine_judge_equivalence(const struct sb_result *r, const char *tag, uint64_t expect,
			      struct func_out *out);

#endif
