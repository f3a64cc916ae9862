/* clkrst_eval: a three-valued reading of an always block's body with some 1-bit signals held
 * at known values (internal to clkrst.c; see clkrst_eval.c). */
#ifndef RTLR_CLKRST_EVAL_H
#define RTLR_CLKRST_EVAL_H

#include <stdint.h>

#include "vinfo.h"

#define CLKRST_MAX_BINDS 8
#define CLKRST_MAX_TARGETS 512

struct env_bind {
	const char *name;
	int value;
};

struct clkrst_env {
	struct env_bind b[CLKRST_MAX_BINDS];
	size_t n;
};

struct clkrst_target {
	const char *name;
	int is_const;   /* every path the held values allow gives it this constant */
	uint64_t v;
	int nz;
};

struct clkrst_targets {
	struct clkrst_target t[CLKRST_MAX_TARGETS];
	size_t n;
	int overflow;
};

/* What the always block (its kids after the sentree) assigns under env e. */
void clkrst_targets(const struct vnode *always, const struct clkrst_env *e,
		    struct clkrst_targets *T);
/* 1 when some target is a constant under `at` and not that constant under `other`; *nz: one
 * such constant is not zero. */
int clkrst_active_at(const struct clkrst_targets *at, const struct clkrst_targets *other, int *nz);
/* 1 when the body (not the edge list) reads `name`. */
int clkrst_body_reads(const struct vnode *always, const char *name);

#endif
