/* problem: a golden design and how candidates are checked against it, plus the registry that
 * maps ids to problems.
 *
 * Lifecycle: problem_from_pb() builds an unprepared problem from its wire form (validating it);
 * the registry owns registered problems and hands out references: registry_get() returns the
 * problem with a reference taken, problem_unref() gives it back. Replacing a problem (same id)
 * leaves in-flight users with the old one until they drop it.
 *
 * Preparation (ports, module names, clocks/resets, the golden's own testbench run) is done once
 * per problem by pipeline_prepare() (it needs the tools) and stored in `prep` under prep_lock;
 * after `prep.done` is set the fields are read-only.
 */
#ifndef RTLR_PROBLEM_H
#define RTLR_PROBLEM_H

#include <pthread.h>
#include <stdint.h>

#include "reward.pb-c.h"
#include "vinfo.h"

/* MODE_FORMAL: the formal tier decides where it can, the equivalence simulation otherwise
 * (reward/formal.h) */
enum check_mode { MODE_EQUIVALENCE = 0, MODE_TESTBENCH = 1, MODE_FORMAL = 2 };
enum tb_style { TB_VERILOG_EVAL = 0, TB_RTLLM = 1 };

/* What a reset does while active (all are pulsed the same way by the harness): RESET puts
 * registers to constants that are all zero, SET to constants of which one is not zero, LOAD to
 * values that are not constants (an asynchronous load). */
enum reset_kind { RESET_KIND_RESET = 0, RESET_KIND_SET = 1, RESET_KIND_LOAD = 2 };

struct reset_spec {
	char *name;
	int active_low;
	int async;
	int kind;                /* enum reset_kind */
	const char *detected_by; /* static: given | async-use | sync-use | name; NULL: given */
	char *why;               /* malloc'd: how it was decided (detected only), or NULL */
};

/* How a clock of prep.clocks was found (parallel to prep.clocks). */
struct clock_info {
	int edge;                /* 1 posedge, -1 negedge, 2 both, 0 not seen as an edge */
	const char *detected_by; /* static: given | edge | name */
	char *why;               /* malloc'd, or NULL */
};

/* The problem's stimulus options (Problem.stimulus, docs/stimulus.md). */
struct stim_opts {
	unsigned reset_pulses;  /* per phase (default 2) */
	int no_reset_pulses;
	unsigned *reset_at;     /* explicit pulse cycles, sorted */
	size_t nreset_at;
	unsigned reset_hold;    /* cycles (default 1) */
	unsigned reset_cycles;  /* initial reset, cycles (default 2) */
	uint64_t *constants;    /* extra values to draw */
	size_t nconstants;
	char **constants_text;  /* as given (for GET) */
};

struct problem_prep {
	int done;            /* preparation finished (successfully or not) */
	int ok;
	char err[512];       /* why preparation failed */
	struct vinfo gold;   /* golden top ports and module names */
	char *gold_eq;       /* golden with every module renamed rtlr_g_<name> (equivalence) */
	char *gold_tb;       /* golden for testbench mode: submodules renamed, ref_top kept */
	char **clocks;       /* effective clocks (given or detected) */
	size_t nclocks;
	struct clock_info *clock_info; /* parallel to clocks (clkrst.c) */
	struct reset_spec *resets; /* effective resets */
	size_t nresets;
	const char **reserved; /* NULL-terminated module names a candidate must not define */
	/* testbench mode: what the golden's own run printed */
	uint64_t tb_samples;   /* verilog-eval: M of "Mismatches: 0 in M samples" */
	int tb_timeout;        /* verilog-eval: the golden run printed TIMEOUT too */
	int tb_unusable;       /* the golden does not pass its own testbench: testbench mode off */
	char tb_err[512];
	/* the golden against itself through the harness (stim_selfcheck), once */
	int selfcheck_done;
	char **warnings;
	size_t nwarnings;
};

struct problem {
	char *id;
	char *reference;
	char *top;
	char *ref_top;
	enum check_mode mode;
	char *testbench;
	enum tb_style tb_style;
	char **clocks;      /* as given; detection fills prep.clocks when none */
	size_t nclocks;
	struct reset_spec *resets;
	size_t nresets;
	int resets_given;
	uint64_t seed;
	unsigned cycles;
	char *prompt;
	char *source;
	char **file_names;  /* data files for the testbench, copied into each job directory */
	char **file_data;
	size_t nfiles;
	double clock_period_ns;
	struct stim_opts stim;
	char hash[65];      /* sha256 of the definition, hex */
	int builtin;        /* loaded at start-up (embedded set or --problems): the API may not
			     * replace it */

	pthread_mutex_t prep_lock;
	struct problem_prep prep;
	int refs;           /* atomic */
};

/* Validates and copies a wire Problem. Returns NULL with err (naming the field) on bad input. */
struct problem *problem_from_pb(const Rtlreward__Problem *pb, const char *source, char *err,
				size_t errlen);
/* Fills a wire Problem (strings point into p; valid while p is referenced). Caller frees the
 * arrays with problem_pb_release(). */
void problem_to_pb(const struct problem *p, Rtlreward__Problem *out);
void problem_pb_release(Rtlreward__Problem *out);
void problem_ref(struct problem *p);
void problem_unref(struct problem *p);
const char *check_mode_name(enum check_mode m);

/* Registry. */
int registry_init(void);
void registry_free(void);
/* Takes ownership of p. Replaces a problem of the same id. Returns 0, -1 when full. */
int registry_put(struct problem *p, char *err, size_t errlen);
/* As registry_put, for a problem registered over the API: returns -2 (p dropped, err says
 * why) when the id belongs to a built-in problem (p->builtin of the one registered). */
int registry_put_api(struct problem *p, char *err, size_t errlen);
struct problem *registry_get(const char *id); /* reference taken; NULL when unknown */
size_t registry_count(void);
/* Calls fn for each problem (sorted by id) under the registry lock. */
void registry_each(void (*fn)(struct problem *p, void *arg), void *arg);

#endif
