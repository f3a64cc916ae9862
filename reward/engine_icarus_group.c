/* engine_icarus_group: the Icarus equivalence check of a group of candidates of one problem in
 * one elaboration, one compile and one simulation (owner: helper icgroup; see
 * engine_icarus_group.h and docs/group_icarus.md).
 *
 * Per call: a fresh job directory holds g.v (the golden, its modules renamed <base>G_*, once),
 * per candidate i k<i>.v ("`resetall" + the candidate, its modules renamed <base>c<iii>_*: the
 * alone elaboration's input) and c<i>.v (the golden's directive state, then the same renamed
 * candidate: the simulation's input), and per group run h.v: one harness module per candidate,
 * each emitted from the stimulus plan its single run builds (stim_plan_for_job on its own
 * cand.v), with its own tag and golden instance, plus a top that ends the run when every
 * harness is done. Any failure of a group run splits it (halves, or singles when small; a
 * compile error names files, which only choose who is tried alone first); a group of one is
 * engine_icarus.equivalence itself, so a split never changes a verdict.
 */
#include "engine_icarus_group.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "closure.h"
#include "counters.h"
#include "harness.h"
#include "pipeline.h"
#include "stimulus.h"
#include "tools.h"

#define ICG_MAX 64        /* candidates per group run */
#define ICG_FLOOR_S 2.0   /* a group run's limit: this (or the flat limit when lower) +
			   * ICG_FACTOR x n x one candidate's cost */
#define ICG_FACTOR 4.0
#define ICG_SINGLES 3     /* a failed group of at most this many splits into singles */

/* --- per problem: what one candidate costs (ms), for the group runs' limits --------------- */

struct icg_cost {
	char hash[65];
	double closure_ms, compile_ms, run_ms;
};

static pthread_mutex_t cost_lock = PTHREAD_MUTEX_INITIALIZER;
static struct icg_cost costs[1024];
static size_t ncosts, next_cost;

static int cost_get(const char *hash, struct icg_cost *o)
{
	int hit = 0;

	pthread_mutex_lock(&cost_lock);
	for (size_t i = 0; i < ncosts && !hit; i++)
		if (!strcmp(costs[i].hash, hash)) {
			*o = costs[i];
			hit = 1;
		}
	pthread_mutex_unlock(&cost_lock);
	return hit;
}

static void cost_note(const char *hash, double closure_ms, double compile_ms, double run_ms)
{
	size_t i;

	pthread_mutex_lock(&cost_lock);
	for (i = 0; i < ncosts && strcmp(costs[i].hash, hash); i++)
		;
	if (i < ncosts) { /* a moving average */
		costs[i].closure_ms = 0.75 * costs[i].closure_ms + 0.25 * closure_ms;
		costs[i].compile_ms = 0.75 * costs[i].compile_ms + 0.25 * compile_ms;
		costs[i].run_ms = 0.75 * costs[i].run_ms + 0.25 * run_ms;
	} else {
		if (ncosts < sizeof(costs) / sizeof(costs[0]))
			i = ncosts++;
		else
			i = next_cost++ % ncosts;
		snprintf(costs[i].hash, sizeof(costs[i].hash), "%s", hash);
		costs[i].closure_ms = closure_ms;
		costs[i].compile_ms = compile_ms;
		costs[i].run_ms = run_ms;
	}
	pthread_mutex_unlock(&cost_lock);
}

/* A group run's wall limit: scaled with its size and the problem's measured cost, never past
 * what n single runs could take. */
static double group_limit(double ms, size_t n, double flat)
{
	double s = (flat < ICG_FLOOR_S ? flat : ICG_FLOOR_S) + ICG_FACTOR * (double)n * ms / 1000.0;

	return s < flat * (double)n ? s : flat * (double)n;
}

/* --- the group's state ------------------------------------------------------------------- */

struct gcand {
	struct engine_cand *c;
	struct icg_src src;
	char pfx[80], top[240], kfile[32], cfile[32], tag[40];
	struct stim_plan pl;
	int have_pl, closure_ok, taken;
};

struct grun {
	const struct problem *p;
	uint64_t seed, expect;
	const char *prelude;
	char job[512], base[40], gmod[320];
	struct icg_cost cost;
};

/* The single path, exactly; its cost is remembered for the group runs' limits. */
static void single(const struct grun *g, struct gcand *x)
{
	struct engine_cand *c = x->c;

	c->rc = engine_icarus.equivalence(g->p, c->jobdir, g->seed, &c->out);
	if (c->rc == 0 && c->out.checked)
		cost_note(g->p->hash, c->out.closure_ms, c->out.compile_ms - c->out.closure_ms,
			  c->out.run_ms);
}

static enum counter_split split_cause(const struct sb_result *r, int compile)
{
	switch (r->limit) {
	case SB_LIMIT_WALL:
	case SB_LIMIT_CPU:
		return CS_TIMEOUT;
	case SB_LIMIT_MEMORY:
		return CS_MEMORY;
	case SB_LIMIT_OUTPUT:
		return CS_OUTPUT;
	default:
		break;
	}
	if (compile)
		return CS_COMPILE;
	return r->exited ? CS_OTHER : CS_CRASH;
}

/* --- alone elaboration ------------------------------------------------------------------- */

/* closure_icarus_alone for one candidate, as its single run does it first: a verdict there
 * (or an infra failure) is final and is the single run's. */
static void closure_one(const struct grun *g, struct gcand *x)
{
	struct func_out t = x->c->out;
	int rc = closure_icarus_alone(g->p, x->c->jobdir, "cand.v", 0, &t);

	if (rc == 0) {
		func_out_release(&t);
		x->closure_ok = 1;
		x->c->out.closure_ms = t.closure_ms;
		return;
	}
	x->c->out = t;
	x->c->rc = rc < 0 ? -1 : 0;
}

static void closure_group(const struct grun *g, struct gcand **xs, size_t n)
{
	const char *files[ICG_MAX] = {0}, *tops[ICG_MAX] = {0};
	enum sb_limit_hit lim;
	char err[256];
	double ms = 0;
	size_t i;
	int rc;

	if (n == 1) {
		closure_one(g, xs[0]);
		return;
	}
	for (i = 0; i < n; i++) {
		files[i] = xs[i]->kfile;
		tops[i] = xs[i]->top;
	}
	rc = closure_icarus_alone_group(g->job, files, tops, n,
					group_limit(g->cost.closure_ms, n, g_tools.lim.compile_s), &ms,
					&lim, err, sizeof(err));
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			xs[i]->closure_ok = 1;
			xs[i]->c->out.closure_ms = ms / (double)n;
		}
		return;
	}
	counters_split(lim == SB_LIMIT_WALL || lim == SB_LIMIT_CPU ? CS_TIMEOUT :
		       lim == SB_LIMIT_MEMORY ? CS_MEMORY : CS_COMPILE, n);
	if (n <= ICG_SINGLES || rc < 0) {
		for (i = 0; i < n; i++)
			closure_one(g, xs[i]);
		return;
	}
	closure_group(g, xs, n / 2);
	closure_group(g, xs + n / 2, n - n / 2);
}

/* --- simulation -------------------------------------------------------------------------- */

/* 1 when the run's tagged output holds tag's complete "done" line. */
static int has_done(const char *out, const char *tag, uint64_t expect)
{
	const char *cur = out, *t;
	size_t len;

	while ((t = engine_next_tagged(&cur, tag, &len))) {
		unsigned long long s, m;
		if (len > 6 && !strncmp(t, " done ", 6) && sscanf(t + 6, "%llu %llu", &s, &m) == 2)
			return s == expect;
	}
	return 0;
}

static int write_harness(const struct grun *g, struct gcand **xs, size_t n, const char *hfile,
			 char *err, size_t errlen)
{
	struct buf h;
	size_t i;
	int ret = -1;

	buf_init(&h, (n + 1) * 4 * RTLR_MAX_REFERENCE);
	for (i = 0; i < n; i++) {
		engine_new_tag(xs[i]->tag);
		if (harness_equivalence(g->p, &xs[i]->pl, xs[i]->tag, g->gmod, &h) < 0) {
			snprintf(err, errlen, "harness too large");
			goto out;
		}
	}
	buf_printf(&h, "module %stop;\n", g->base);
	for (i = 0; i < n; i++)
		buf_printf(&h, "  %s u%zu ();\n", xs[i]->pl.mod, i);
	buf_adds(&h, "  initial begin\n    wait (1'b1");
	for (i = 0; i < n; i++)
		buf_printf(&h, "\n      && u%zu.%sdn", i, xs[i]->pl.prefix);
	buf_adds(&h, ");\n    $finish;\n  end\nendmodule\n");
	if (h.overflow) {
		snprintf(err, errlen, "harness too large");
		goto out;
	}
	ret = tool_write_file(g->job, hfile, h.data, h.len, err, errlen);
out:
	buf_release(&h);
	return ret;
}

static void sim_group(const struct grun *g, struct gcand **xs, size_t n);

/* 1 when an error line of a failed compile's diagnostics names candidate x: its file
 * (c<i>.v:), its renamed modules (<base>c<iii>_) or its harness's names (the plan's prefix);
 * all random per call, so no candidate can write another's. A hint for the split only: the verdict still comes from x's single run. */
static int named_in_errors(const struct grun *g, const struct gcand *x, const char *diag)
{
	char file[40];
	size_t fl, pl = strlen(x->pfx), hl = x->have_pl ? strlen(x->pl.prefix) : 0;
	const char *line = diag;

	snprintf(file, sizeof(file), "%s:", x->cfile);
	fl = strlen(file);
	while (line && *line) {
		size_t n = strcspn(line, "\n");
		const char *q;
		int err = 0;

		for (q = line; q + 5 <= line + n && !err; q++)
			err = !strncmp(q, "error", 5);
		if (err && n >= fl && !strncmp(line, file, fl))
			return 1;
		for (q = line; err && q < line + n; q++) {
			size_t left = (size_t)(line + n - q);
			if ((left >= pl && !strncmp(q, x->pfx, pl)) ||
			    (left >= hl && hl && !strncmp(q, x->pl.prefix, hl)))
				return 1;
		}
		line = line[n] ? line + n + 1 : NULL;
	}
	(void)g;
	return 0;
}

/* Splits a failed group run: the candidates an error line names (a hint only) alone first,
 * then the rest as a group; without a hint, halves (or singles when small). */
static void split(const struct grun *g, struct gcand **xs, size_t n, enum counter_split cause,
		  const char *diag)
{
	struct gcand *rest[ICG_MAX];
	size_t i, nr = 0, nh = 0;

	counters_split(cause, n);
	for (i = 0; i < n; i++) {
		if (diag && named_in_errors(g, xs[i], diag)) {
			single(g, xs[i]);
			nh++;
		} else {
			rest[nr++] = xs[i];
		}
	}
	if (nh) {
		if (nr)
			sim_group(g, rest, nr);
		return;
	}
	if (n <= ICG_SINGLES) {
		for (i = 0; i < n; i++)
			single(g, xs[i]);
		return;
	}
	sim_group(g, xs, n / 2);
	sim_group(g, xs + n / 2, n - n / 2);
}

/* Judges every candidate of a complete group run (has_done checked for all). */
static void judge_all(const struct grun *g, struct gcand **xs, size_t n,
		      const struct sb_result *r, double compile_ms, double run_ms)
{
	double cl = 0, cm = compile_ms / (double)n, rm = run_ms / (double)n;

	for (size_t i = 0; i < n; i++) {
		struct func_out *o = &xs[i]->c->out;

		cl += o->closure_ms;
		o->compile_ms = o->closure_ms + cm;
		o->run_ms = rm;
		engine_judge_equivalence(r, xs[i]->tag, g->expect, o);
		stim_cov_from_plan(&xs[i]->pl, &o->cov);
		xs[i]->c->rc = 0;
	}
	cost_note(g->p->hash, cl / (double)n, cm, rm);
}

static void sim_group(const struct grun *g, struct gcand **xs, size_t n)
{
	static _Atomic unsigned runs; /* names a run's files: a job directory's are never replaced */
	const char **av = NULL;
	struct timespec t0;
	struct sb_result r;
	char err[256], top[64], hfile[32], vvp[32];
	double cms, rms;
	size_t i, k = 0;
	unsigned run = runs++;

	if (n == 1) {
		single(g, xs[0]);
		return;
	}
	snprintf(hfile, sizeof(hfile), "h%u.v", run);
	snprintf(vvp, sizeof(vvp), "g%u.vvp", run);
	snprintf(top, sizeof(top), "%stop", g->base);
	av = calloc(n + 12, sizeof(char *));
	if (!av || write_harness(g, xs, n, hfile, err, sizeof(err)) < 0) {
		free(av);
		for (i = 0; i < n; i++) /* each single run says what it says */
			single(g, xs[i]);
		return;
	}
	av[k++] = g_tools.iverilog;
	av[k++] = "-g2012";
	av[k++] = "-o";
	av[k++] = vvp;
	av[k++] = "-s";
	av[k++] = top;
	av[k++] = hfile;
	av[k++] = "g.v";
	for (i = 0; i < n; i++)
		av[k++] = xs[i]->cfile;
	av[k] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tool_run(g->job, av, SB_STAGE_BUILD,
		     group_limit(g->cost.compile_ms, n, g_tools.lim.compile_s), &r, err,
		     sizeof(err)) < 0) {
		free(av);
		split(g, xs, n, CS_OTHER, NULL);
		return;
	}
	free(av);
	cms = engine_ms_since(&t0);
	if (!(r.exited && r.exit_code == 0)) {
		enum counter_split cause = split_cause(&r, 1);
		char *diag = r.err ? strdup(r.err) : NULL;
		sb_result_release(&r);
		split(g, xs, n, cause, diag);
		free(diag);
		return;
	}
	sb_result_release(&r);
	{
		const char *sv[] = {g_tools.vvp, "-n", vvp, NULL};
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (tool_run(g->job, sv, SB_STAGE_RUN,
			     group_limit(g->cost.run_ms, n, g_tools.lim.sim_s), &r, err,
			     sizeof(err)) < 0) {
			split(g, xs, n, CS_OTHER, NULL);
			return;
		}
	}
	rms = engine_ms_since(&t0);
	{
		int complete = r.exited && r.exit_code == 0 && r.limit == SB_LIMIT_NONE;
		for (i = 0; i < n && complete; i++)
			complete = has_done(r.out ? r.out : "", xs[i]->tag, g->expect);
		if (!complete) {
			enum counter_split cause = split_cause(&r, 0);
			sb_result_release(&r);
			split(g, xs, n, cause, NULL);
			return;
		}
	}
	judge_all(g, xs, n, &r, cms, rms);
	sb_result_release(&r);
}

/* --- one call ---------------------------------------------------------------------------- */

/* Writes candidate x's two files (k<i>.v, c<i>.v) and builds its plan. 0, or -1 when it must
 * run alone (its single run then says why, an infra error included). */
static int prepare(const struct grun *g, struct gcand *x, size_t i, const char *text)
{
	struct buf b;
	char err[256];
	int ret = -1;

	snprintf(x->pfx, sizeof(x->pfx), "%sc%03zu_", g->base, i);
	snprintf(x->top, sizeof(x->top), "%s%s", x->pfx, g->p->top);
	snprintf(x->kfile, sizeof(x->kfile), "k%zu.v", i);
	snprintf(x->cfile, sizeof(x->cfile), "c%zu.v", i);
	buf_init(&b, 8 * RTLR_MAX_SOURCE + strlen(g->prelude) + 64);
	if (buf_adds(&b, "`resetall\n") < 0 || icg_rename(text, &x->src, x->pfx, &b) < 0 ||
	    tool_write_file(g->job, x->kfile, b.data, b.len, err, sizeof(err)) < 0)
		goto out;
	buf_reset(&b);
	if (buf_adds(&b, g->prelude) < 0 || icg_rename(text, &x->src, x->pfx, &b) < 0 ||
	    tool_write_file(g->job, x->cfile, b.data, b.len, err, sizeof(err)) < 0)
		goto out;
	if (stim_plan_for_job(g->p, g->seed, x->c->jobdir, &x->pl) < 0)
		goto out;
	x->have_pl = 1;
	x->pl.track_toggles = x->c->out.want_toggles;
	x->pl.cand_module = x->top;
	x->pl.group_done = 1;
	if (x->pl.total != g->expect)
		goto out;
	ret = 0;
out:
	buf_release(&b);
	return ret;
}

/* Scores the candidates xs (eligible, one timescale precision) as groups of up to ICG_MAX. */
static void run_list(const struct problem *p, uint64_t seed, const char *prelude,
		     struct gcand **xs, const char **texts, size_t n)
{
	struct grun g;
	struct gcand *ok[ICG_MAX];
	char err[256], hex[13], gp[64];
	char *gold = NULL;
	size_t i, m = 0;

	if (n > ICG_MAX) {
		run_list(p, seed, prelude, xs, texts, ICG_MAX);
		run_list(p, seed, prelude, xs + ICG_MAX, texts + ICG_MAX, n - ICG_MAX);
		return;
	}
	memset(&g, 0, sizeof(g));
	g.p = p;
	g.seed = seed;
	g.expect = harness_samples(p);
	g.prelude = prelude;
	/* before a problem's first run, what engine_pick expects of Icarus (~15 ms + ~8 us per
	 * sample), with room */
	if (!cost_get(p->hash, &g.cost)) {
		g.cost.closure_ms = 60;
		g.cost.compile_ms = 80;
		g.cost.run_ms = 30 + 0.016 * (double)g.expect;
	}
	if (n == 1)
		single(&g, xs[0]);
	if (n <= 1)
		return;
	if (sb_job_create(g.job, sizeof(g.job), err, sizeof(err)) < 0) {
		for (i = 0; i < n; i++)
			single(&g, xs[i]);
		return;
	}
	closure_random_hex(hex, 6);
	snprintf(g.base, sizeof(g.base), "rtlr_%s_", hex);
	snprintf(gp, sizeof(gp), "%sG_", g.base);
	snprintf(g.gmod, sizeof(g.gmod), "%s%s", gp, p->ref_top);
	gold = pipeline_rename_golden(p, gp, NULL, NULL);
	if (!gold || tool_write_file(g.job, "g.v", gold, strlen(gold), err, sizeof(err)) < 0) {
		for (i = 0; i < n; i++)
			single(&g, xs[i]);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (prepare(&g, xs[i], i, texts[i]) < 0)
			single(&g, xs[i]);
		else
			ok[m++] = xs[i];
	}
	if (m == 1) {
		single(&g, ok[0]);
	} else if (m > 1) {
		closure_group(&g, ok, m);
		for (i = n = 0; i < m; i++)
			if (ok[i]->closure_ok)
				ok[n++] = ok[i];
		if (n)
			sim_group(&g, ok, n);
	}
out:
	free(gold);
	sb_job_remove(g.job, err, sizeof(err));
}

void icarus_equivalence_group(const struct problem *p, uint64_t seed, struct engine_cand *c,
			      size_t n)
{
	struct gcand *x = calloc(n, sizeof(*x));
	struct gcand **list = calloc(n, sizeof(*list));
	char **texts = calloc(n, sizeof(*texts));
	const char **lt = calloc(n, sizeof(*lt));
	char why[256];
	char *prelude = icg_gold_prelude(p->reference, why, sizeof(why));
	size_t i, j;

	if (!x || !list || !texts || !lt || !prelude) {
		for (i = 0; i < n; i++)
			c[i].rc = engine_icarus.equivalence(p, c[i].jobdir, seed, &c[i].out);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char path[1100];
		struct buf b;

		x[i].c = &c[i];
		snprintf(path, sizeof(path), "%s/cand.v", c[i].jobdir);
		buf_init(&b, 4 * RTLR_MAX_SOURCE);
		if (buf_read_file(&b, path) == 0)
			texts[i] = buf_detach(&b, NULL);
		buf_release(&b);
		if (texts[i] && icg_analyze(texts[i], p->top, &x[i].src) == 0 && x[i].src.ok)
			for (j = 0; j < x[i].src.nmods && x[i].src.ok; j++)
				if (vinfo_port(&p->prep.gold, x[i].src.mods[j])) /* renaming it would
										  * rename the port */
					x[i].src.ok = 0;
		if (!texts[i] || !x[i].src.ok) {
			c[i].rc = engine_icarus.equivalence(p, c[i].jobdir, seed, &c[i].out);
			x[i].taken = 1;
		}
	}
	/* one list per timescale precision (vvp's time unit is the finest of all modules) */
	for (i = 0; i < n; i++) {
		size_t m = 0;
		int prec;

		if (x[i].taken)
			continue;
		prec = x[i].src.prec;
		for (j = i; j < n; j++)
			if (!x[j].taken && x[j].src.prec == prec) {
				list[m] = &x[j];
				lt[m++] = texts[j];
				x[j].taken = 1;
			}
		run_list(p, seed, prelude, list, lt, m);
	}
out:
	for (i = 0; x && texts && i < n; i++) {
		if (x[i].have_pl)
			stim_plan_release(&x[i].pl);
		icg_src_release(&x[i].src);
		free(texts[i]);
	}
	free(prelude);
	free(lt);
	free(texts);
	free(list);
	free(x);
}
