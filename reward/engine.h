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
#include "stimulus.h"

struct engine_cand;

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
	double closure_ms;    /* the candidate's alone elaboration (closure.c), part of compile_ms */
	struct stim_cov cov;  /* equivalence harness: what the stimulus reached */
	int want_toggles;     /* input, set by the caller: record which outputs change (cov.toggles) */
	const char *ran;      /* static name of the engine that produced the verdict when it is not
			       * the one called (a fall-back to Icarus), else NULL */
	/* Set by an engine (with return 0) that cannot judge this candidate: why Icarus must judge
	 * it instead. The engine module (engine_equivalence, engine_testbench, the group entry)
	 * then runs Icarus and says so in note ("ran under Icarus: <refer>"), ran = "icarus";
	 * engines never call each other. */
	char refer[300];
};

struct engine {
	const char *name;
	int (*equivalence)(const struct problem *p, const char *jobdir, uint64_t seed,
			   struct func_out *out);
	int (*testbench)(const struct problem *p, const char *jobdir, const char *cand_file,
			 struct func_out *out);
	/* Optional: equivalence mode for a group of n >= 2 candidates of one problem (same seed):
	 * fills every c[i] exactly as equivalence(p, c[i].jobdir, seed, &c[i].out) would (pass rate,
	 * samples, mismatches, first mismatch, reason, min_score, compile_error); a failure of the
	 * group run is split (counters_split) until only the guilty candidate pays its own limit. */
	void (*equivalence_group)(const struct problem *p, uint64_t seed, struct engine_cand *c,
				  size_t n);
};

/* One candidate of a group: its job directory (holding cand.v, preprocessed and checked) and
 * what its single run would give. */
struct engine_cand {
	const char *jobdir;
	struct func_out out;  /* the caller zeroes it and sets out.want_toggles as for a single run */
	int rc;               /* 0: a verdict in out; -1: infra failure (out.infra_err) */
};

/* The group entry point (engine.c): counts the group, then calls e->equivalence_group for
 * n >= 2 where the engine has one, else e->equivalence per candidate; candidates the engine
 * referred to Icarus (out.refer) then go to Icarus as a group of their own (engine_refer_group). */
void engine_equivalence_group(const struct engine *e, const struct problem *p, uint64_t seed,
			      struct engine_cand *c, size_t n);
/* The single entry points (engine.c): e->equivalence / e->testbench, then, where the engine
 * referred the candidate (out->refer), the Icarus run with its note. Callers use these, never
 * the struct members directly. */
int engine_equivalence(const struct engine *e, const struct problem *p, const char *jobdir,
		       uint64_t seed, struct func_out *out);
int engine_testbench(const struct engine *e, const struct problem *p, const char *jobdir,
		     const char *cand_file, struct func_out *out);
/* The referred candidates among c[0..n) (out.refer set, rc 0) scored by Icarus as one group,
 * each with the note and ran a single fall-back gives. */
void engine_refer_group(const struct problem *p, uint64_t seed, struct engine_cand *c, size_t n);

extern const struct engine engine_icarus;
extern const struct engine engine_verilator;

/* Where the Verilator engine keeps its runtime objects (<cache_dir>/verilator/); once at start. */
void engine_verilator_init(const char *cache_dir);

/* Picks the engine for a request's "engine" field ("", "auto", "icarus", "verilator") and the
 * check mode the request runs in. Returns NULL with err for an unknown or unavailable engine.
 * For "auto" (or "") it picks by expected cost for that mode (build cost against simulated
 * samples; p must be prepared) and writes why into err ("auto: verilator (...)"); otherwise err
 * is left empty on success. */
const struct engine *engine_pick(const char *name, const struct problem *p, enum check_mode mode,
				 char *err, size_t errlen);
void func_out_release(struct func_out *f);
/* A random tag "RTLR<hex>:" for one run. */
void engine_new_tag(char tag[40]);
/* The next line of *cursor that starts with tag (the text after it, *len bytes), or NULL. */
const char *engine_next_tagged(const char **cursor, const char *tag, size_t *len);
struct sb_result;
struct buf;
struct timespec;
/* Fills out from the tagged output of a generated equivalence harness run (r), which must
 * report `expect` samples; an incomplete run is a min_score failure with its reason. */
void engine_judge_equivalence(const struct sb_result *r, const char *tag, uint64_t expect,
			      struct func_out *out);
/* Fills out from the tagged output of a run of the problem's own testbench (either engine):
 * VerilogEval's "Mismatches: N in M samples" (M must be the golden's count) or RTLLM's pass /
 * fail text; an incomplete run is a min_score failure. */
void engine_judge_testbench(const struct problem *p, const struct sb_result *r, const char *tag,
			    struct func_out *out);

/* Verilator testbench mode (engine_verilator_tb.c): the problem's testbench built with
 * --timing against runtime objects of their own (kept apart from the equivalence set); refers
 * the candidate to Icarus (out->refer) where Verilator cannot judge. */
void engine_verilator_tb_init(const char *cache_root);
/* Shared by the engines: milliseconds since t0 (CLOCK_MONOTONIC); the generated .cpp files of
 * a Verilator -Mdir sub/ as #include lines of one translation unit. */
double engine_ms_since(const struct timespec *t0);
int engine_vl_add_includes(const char *jobdir, const char *sub, struct buf *o, char *err,
			   size_t errlen);
int engine_verilator_tb(const struct problem *p, const char *jobdir, const char *cand_file,
			struct func_out *out);
/* 1 when Verilog text assigns X or Z (a based literal with x/z digits, 'x, 'z; z digits count
 * only outside designs that use casez, where they are wildcards): a 2-state simulator would
 * score it differently from Icarus's X rule. */
int engine_uses_xz(const char *src);
/* Before a Verilator equivalence run (cand.v in jobdir): where the golden or the candidate
 * assigns x or z, or divides by a value that may be 0, refers the candidate to Icarus
 * (out->refer says why). Returns 1 when referred, 0 when Verilator may run, -1 on infra
 * failure. */
int engine_verilator_xz_guard(const struct problem *p, const char *jobdir, struct func_out *out);
/* After a Verilator equivalence run that returned x: where Verilator refused the golden (an
 * infra error naming it) or the candidate on an unsupported construct, refers the candidate to
 * Icarus (out->refer) and returns 0; else returns x. */
int engine_verilator_eq_refused(int x, struct func_out *out);

/* engine_verilator_x.c: what decides whether Verilator's 2-state, no-timing run gives Icarus's
 * verdict (see its header). engine_vlx_divides: 1 when src has / or % by anything but a nonzero
 * literal (Verilator's x/0 is 0, Icarus's X). engine_vlx_delays_ok: for a candidate Verilator
 * refused with NEEDTIMINGOPT (diag), 1 when every delay of candidate and golden only postpones a
 * value and they add up to little (*total, time units): --no-timing then gives the verdict;
 * 0 with why otherwise. engine_vlx_digest_code: the C++ harness's rtlr_digest() (a hash of the
 * compared outputs of both models, g and c). engine_vlx_run: runs the harness binary with
 * undefined bits 0, 1 and random; fills out from the first run; why set (and 0 returned) when
 * the outputs differ between the runs; -1 on infra failure. engine_vlx_refer: refers the
 * candidate to Icarus with why (out->refer). The division rule on golden and cand.v is applied
 * by engine_verilator_xz_guard, with the x/z rule. */
int engine_vlx_divides(const char *src);
int engine_vlx_delays_ok(const char *cand, const char *gold, const char *diag, double *total,
			 char *why, size_t whylen);
void engine_vlx_digest_code(const struct problem *p, struct buf *o);
int engine_vlx_run(const char *jobdir, const char *sim, const char *tag, uint64_t expect,
		   struct func_out *out, char *why, size_t whylen);
void engine_vlx_refer(struct func_out *out, const char *why);
/* Testbench mode: runs argv (the binary and its fixed arguments, at most 6) with undefined bits
 * 0 and 1; fills out from the first run. 1 with why when the verdict differs between
 * the runs (Icarus must judge), 0, -1 on infra failure. */
int engine_vlx_tb_runs(const struct problem *p, const char *jobdir, const char *const *argv,
		       const char *tag, struct func_out *out, char *why, size_t whylen);
/* With why NULL: 1 when the golden of (p, seed) was seen reading undefined values (its later
 * candidates go straight to Icarus). With why: records (p, seed) when why says so. */
int engine_vlx_known(const struct problem *p, uint64_t seed, const char *why);
/* 1 when Verilator renamed one of the golden model's ports (a C++ word: __SYM__<name>) in
 * gdir/Vgold.h, 0 when not, -1 when unreadable. */
int engine_vlx_port_renamed(const char *gdir);

#endif
