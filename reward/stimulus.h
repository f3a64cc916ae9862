/* stimulus: the equivalence harness's stimulus, defined once as data (owner: this file and
 * stimulus.c, stim_emit.c). Both harnesses (harness.c for Icarus, engine_verilator.c's C++
 * harness) are emitted from one stim_plan, so the same (problem, seed, candidate text) gives
 * the same stimulus, sample for sample, under both engines. docs/stimulus.md says what it draws.
 *
 * Time is counted in steps of 10 time units. In every step: at +2 the resets take the value the
 * schedule gives for the step and every data input is drawn; at +8 the outputs are compared (one
 * sample); at +10 the clocks scheduled for the step toggle. So no input or reset ever changes
 * at any clock's edge (clocks are set to 0 at t=0, everything else first changes at t=2).
 *
 * Clocks: one clock toggles every step. With n >= 2 clocks, clock 0 toggles on even steps and
 * clock i (1..3) on steps s with s % 2^(i+1) == 2^i - 1 (stim_plan.clk: s % mod == res, mod a
 * power of 2), residues
 * chosen so that no two clocks (of the first four) ever toggle in the same step; clocks beyond
 * the fourth share the fourth's schedule.
 *
 * Resets (clocked designs only): per phase (all resets, then each alone, as before) an initial
 * assertion, then a long reset-free run in which the resets pulse only at a few seeded points in
 * its last quarter (or at the problem's explicit stimulus.reset_at cycles, or never).
 *
 * Data inputs, per step: r0 = next(); a joint-corner step when (r0 & 7) == 0: every input takes
 * corner class (r0>>3)&7 at position k = (r0>>16) % width. Otherwise per input r = next(),
 * sel = r & 255: sel < t_uniform: uniform (one next() per 64-bit chunk); < t_corner: corner class
 * (r>>8)&7 at k = (r>>16) % width; < t_const: constant table[(r>>8) % n]; else: the value of the
 * earlier input of the same width (sibling). The xorshift64 next() is x^=x<<13; x^=x>>7; x^=x<<17.
 * Corner classes: 0 zero, 1 all ones, 2 MSB only (min signed), 3 all but MSB (max signed), 4 one,
 * 5 one-hot at k, 6 all ones but bit k, 7 0101... pattern.
 */
#ifndef RTLR_STIMULUS_H
#define RTLR_STIMULUS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "problem.h"

#define STIM_NCORNER 8
#define STIM_MAX_CONSTS 64  /* per input: the harness keeps a 64-bit bitmap of hits */
#define STIM_MAX_RESETS 32
#define STIM_MAX_CLOCK_SLOTS 4
enum stim_class { STIM_UNIFORM = 0, STIM_CORNER = 1, STIM_CONST = 2, STIM_SIBLING = 3 };

struct stim_input {
	const char *name;
	size_t port;        /* index in the golden's ports */
	unsigned width;     /* > 0 */
	int is_signed;
	int sibling;        /* index in plan.in of the earlier input of the same width, or -1 */
	uint64_t *consts;   /* the constant table (values masked to width, low 64 bits) */
	size_t nconsts;
	unsigned t_uniform, t_corner, t_const; /* thresholds on r & 255 */
};

struct stim_clock {
	const char *name;
	uint64_t mod, res;  /* toggles at the end of step s when s % mod == res */
};

struct stim_seg {
	uint64_t steps;
	uint32_t mask;      /* bit i: prep.resets[i] asserted during these steps */
};

struct stim_plan {
	struct stim_input *in;
	size_t nin;
	struct stim_clock *clk;
	size_t nclk;
	const struct reset_spec *rst; /* the problem's prep.resets when clocked, else none */
	size_t nrst;
	struct stim_seg *seg;
	size_t nseg;
	uint64_t total;       /* steps = samples of a complete run */
	uint64_t skip;        /* 2-state engines: the first samples not compared (before every
			       * clock had both edges) */
	uint64_t rng0;        /* the generator's start state */
	unsigned steps_per_cycle; /* of clock 0 (2 with one clock, 4 with more) */
	/* what the schedule gives, for the coverage report */
	uint64_t longest_free; /* longest run of steps with no reset asserted */
	unsigned reset_assertions;
	size_t nouts;
	int track_toggles;    /* the harness records which golden outputs change (registration
			       * warnings only: it costs simulation time) */
	/* names, random per run (a candidate cannot know them): everything the harness declares
	 * starts with prefix; mod = prefix + "h", instances prefix + "g" and prefix + "c" */
	char prefix[24], mod[32], gold_inst[32], cand_inst[32];
	/* group harness (engine_icarus_group.c; zero for a single run): the candidate's top module
	 * as renamed for the group (NULL: p->top), and group_done: at its end the harness sets its
	 * reg prefix + "dn" to 1 instead of calling $finish (the group's top ends the run when
	 * every harness is done) */
	const char *cand_module;
	int group_done;
};

/* What a run drew (printed by the harness in its tagged "cov" line) plus the plan's schedule. */
struct stim_cov {
	int have;
	uint64_t corner_hits, corner_total;     /* distinct (input, corner class) drawn / possible */
	uint64_t const_hits, const_total;       /* distinct (input, constant) drawn / possible */
	uint64_t sibling_draws, joint_samples;
	char hash[17];                          /* digest of every drawn input value */
	char toggles[257];                      /* per output (port order): 1 when the golden's
						 * value changed during the run */
	uint64_t longest_free_cycles;
	unsigned reset_assertions;
	char clocks[256];                       /* "clk:2/0 clk2:4/1" half period/phase in steps */
};

/* The step count (= samples) of a complete run; depends on the problem only. */
uint64_t stim_total(const struct problem *p);
/* Builds the plan from the prepared problem, the seed and the candidate's text (its numeric
 * literals join the golden's in the constant tables; NULL: the golden's only). 0, -1 on OOM. */
int stim_plan_build(const struct problem *p, uint64_t seed, const char *cand_text,
		    struct stim_plan *pl);
/* Same, reading the candidate from jobdir/cand.v. */
int stim_plan_for_job(const struct problem *p, uint64_t seed, const char *jobdir,
		      struct stim_plan *pl);
void stim_plan_release(struct stim_plan *pl);
/* Numeric literals of Verilog text (comments and strings skipped), low 64 bits each, sorted and
 * deduplicated into *out (malloc'd). Returns the count, -1 on OOM. */
long stim_literals(const char *src, uint64_t **out);
/* The corner value's 64-bit chunk at bit lo (nb bits) of a width-w input. */
uint64_t stim_corner(unsigned cls, unsigned k, unsigned lo, unsigned nb, unsigned w);

/* Emitters (stim_emit.c). Verilog: the whole harness module for Icarus (golden top
 * gold_module, candidate top p->top). C++: the stimulus/compare/schedule functions (after the
 * includes and the model pointers g, c), and main()'s schedule loop. */
int stim_emit_verilog(const struct problem *p, const struct stim_plan *pl, const char *tag,
		      const char *gold_module, struct buf *o);
int stim_emit_cpp_funcs(const struct problem *p, const struct stim_plan *pl, const char *tag,
			struct buf *o);
int stim_emit_cpp_run(const struct stim_plan *pl, struct buf *o);
int stim_emit_cpp_done(const struct problem *p, const struct stim_plan *pl, const char *tag,
		       struct buf *o);

/* Parses the harness's tagged " cov ..." line (text after the tag) into cov; fills the plan's
 * part too. 0 ok, -1 not a cov line. */
int stim_parse_cov(const char *line, struct stim_cov *cov);
void stim_cov_from_plan(const struct stim_plan *pl, struct stim_cov *cov);

#endif
