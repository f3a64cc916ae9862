/* Verilator engine, equivalence mode, a group of candidates of one problem (owner: vlgroup;
 * engine.h's equivalence_group). Each candidate gets exactly the verdict its single run
 * (engine_verilator.c) gives; what is shared is the build and the process:
 *
 * - Per candidate, as alone: the x/z and division guard, the known-golden rule (both refer the
 *   candidate to Icarus through out.refer; engine.c runs Icarus for the referred ones as a group
 *   of their own), and verilating its cand.v in its own job directory (into vcg/, with a class
 *   prefix of its own: "Vc" + 6 random hex digits of this group + "_" + 3-digit index; all
 *   prefixes have one length, so two candidates' classes, whatever their modules are called,
 *   never share a name, nor with Vgold or Verilated*). A candidate whose verilation is not
 *   clean (an error, a limit, delays Icarus must judge) takes the single path, which gives its
 *   verdict exactly.
 * - One unit for the group, in a job directory of its own: the golden's Vgold.h (the golden
 *   model is built once per problem, as for singles), every candidate's generated files (vc/),
 *   and per candidate a namespace rtlr_<i> holding the harness a single run would have (its own
 *   stimulus plan from stim_plan_for_job, its own tag, golden instance, VerilatedContext, RNG
 *   seeding and output digest) and a run() function. One compile, one link (each within the
 *   single build limit: a candidate whose build would hit the limit alone makes the group's hit
 *   it too). A failed group build is split in halves (counters_split CS_COMPILE); a group of
 *   one takes the single path.
 * - One process per undefined-bits value (0, 1, random: engine_vlx_run's three runs): the
 *   binary runs the listed candidates one after another, each under an alarm (its budget: half
 *   the single run's limit at most, less where the problem's measured per-candidate cost is
 *   small), and ends each with a tagged "end" line. A candidate is judged from its own tagged
 *   lines only when its end line is there; the first candidate without one (it crashed, hung,
 *   flooded the output, hit the memory limit, or only ran slowly) takes the single path and pays
 *   its own limit there; the candidates after it are run again by the same binary, without it
 *   (counters_split with the cause). So no candidate changes another's verdict, and a candidate
 *   whose run takes more than half the single limit is judged alone.
 */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "counters.h"
#include "engine_verilator_int.h"
#include "fsutil.h"
#include "harness.h"
#include "stimulus.h"
#include "tools.h"

enum { G_GROUP = 0, G_DONE, G_SINGLE };
#define GROUP_MAX 512
/* the known-golden rule's reason (as engine_verilator.c gives it) */
#define KNOWN_WHY "the golden reads undefined values: its outputs change with the initial " \
		  "values (4-state needed)"

struct gcand {
	struct engine_cand *c;
	int state;
	int run;                     /* the next undefined-bits run (0, 1, 2) */
	char prefix[24];
	char tag[40];
	struct stim_plan pl;
	double dropped;
	unsigned long long d0[2];    /* run 0's digests */
};

struct group {
	const struct problem *p;
	uint64_t seed;
	int lvl;
	uint64_t expect;
	char gdir[1100];
	char job[512];
	struct gcand *g;
	size_t n;
	double build_ms;             /* the group builds' wall time, shared out at the end */
	double run_ms;               /* the group runs' wall time, likewise */
	size_t built;                /* candidates judged from a group run */
};

/* ---- per-problem cost: a candidate's run in a group, measured ---------------------------- */

#define COST_SLOTS 64
static pthread_mutex_t cost_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char hash[65];
	double ms;
} cost[COST_SLOTS];
static size_t cost_next;

static double cost_get(const struct problem *p)
{
	double ms = 0;
	size_t i;

	pthread_mutex_lock(&cost_lock);
	for (i = 0; i < COST_SLOTS; i++)
		if (!strcmp(cost[i].hash, p->hash))
			ms = cost[i].ms;
	pthread_mutex_unlock(&cost_lock);
	return ms;
}

static void cost_put(const struct problem *p, double ms)
{
	size_t i;

	pthread_mutex_lock(&cost_lock);
	for (i = 0; i < COST_SLOTS; i++)
		if (!strcmp(cost[i].hash, p->hash)) {
			cost[i].ms = ms > cost[i].ms ? ms : (cost[i].ms + ms) / 2;
			break;
		}
	if (i == COST_SLOTS) {
		snprintf(cost[cost_next].hash, sizeof(cost[cost_next].hash), "%s", p->hash);
		cost[cost_next].ms = ms;
		cost_next = (cost_next + 1) % COST_SLOTS;
	}
	pthread_mutex_unlock(&cost_lock);
}

/* A candidate's budget in a group run, ms: half the single run's limit at most (a candidate
 * that needs more is judged alone, under its own limit), 50 times the problem's measured
 * per-candidate cost where that is smaller, 2 s at least. */
static long block_budget_ms(const struct problem *p)
{
	double half = g_tools.lim.sim_s * 500, ms = cost_get(p) * 50;

	if (ms < 2000)
		ms = 2000;
	if (ms > half || cost_get(p) <= 0)
		ms = half;
	return (long)ms;
}

/* ---- the unit ------------------------------------------------------------------------------ */

/* #include lines for the files of vc/ that belong to prefix. */
static int add_includes(const char *job, const char *prefix, struct buf *o)
{
	char path[1200];
	struct dirent *de;
	size_t pl = strlen(prefix);
	DIR *d;

	snprintf(path, sizeof(path), "%s/vc", job);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".cpp") && !strncmp(de->d_name, prefix, pl))
			buf_printf(o, "#include \"vc/%s\"\n", de->d_name);
	}
	closedir(d);
	return 0;
}

/* One candidate's namespace: the harness a single run has, and run(). */
static int emit_cand(const struct group *G, size_t i, struct buf *o)
{
	const struct gcand *g = &G->g[i];

	buf_printf(o, "namespace rtlr_%zu {\nstatic Vgold *g;\nstatic %s *c;\n", i, g->prefix);
	engine_vlx_digest_code(G->p, o);
	if (stim_emit_cpp_funcs(G->p, &g->pl, g->tag, o) < 0)
		return -1;
	buf_printf(o, "static void run(int argc, const char **argv) {\n"
		      "  VerilatedContext *ctx = new VerilatedContext;\n"
		      "  ctx->randReset(0);\n  ctx->randSeed(%u);\n  ctx->commandArgs(argc, argv);\n"
		      "  { int sd = ctx->randSeed();\n"
		      "    ctx->randSeed(sd); g = new Vgold{ctx, \"g\"};\n"
		      "    ctx->randSeed(sd); c = new %s{ctx, \"c\"}; }\n",
		   (unsigned)vl_rand_seed(G->seed), g->prefix);
	if (stim_emit_cpp_run(&g->pl, o) < 0)
		return -1;
	buf_printf(o, "  printf(\"%s xdigest %%016llx %%016llx\\n\", (unsigned long long)rtlr_dg,"
		      " (unsigned long long)rtlr_dc);\n", g->tag);
	if (stim_emit_cpp_done(G->p, &g->pl, g->tag, o) < 0)
		return -1;
	buf_printf(o, "  g->final(); c->final();\n  printf(\"%s end\\n\");\n  fflush(stdout);\n"
		      "  delete g; delete c; g = NULL; c = NULL;\n}\n}\n", g->tag);
	return o->overflow ? -1 : 0;
}

/* The group's unit.cpp for the candidates idx[0..m). */
static int write_unit(const struct group *G, const size_t *idx, size_t m, char *err,
		      size_t errlen)
{
	struct buf o;
	size_t k;
	int ret = -1;

	buf_init(&o, m * 4 * RTLR_MAX_REFERENCE + 65536);
	buf_adds(&o, "#include \"verilated.h\"\n#include \"Vgold.h\"\n");
	for (k = 0; k < m; k++)
		buf_printf(&o, "#include \"%s.h\"\n", G->g[idx[k]].prefix);
	buf_adds(&o, "#include <cstdio>\n#include <cstdint>\n#include <cstring>\n#include <cstdlib>\n"
		     "#include <csignal>\n#include <sys/time.h>\n#include <unistd.h>\n");
	vl_harness_prelude(&o);
	for (k = 0; k < m; k++)
		if (emit_cand(G, idx[k], &o) < 0) {
			snprintf(err, errlen, "harness: too large");
			goto out;
		}
	/* argv: +verilator+rand+reset+N, the budget (ms) of each candidate, the candidates */
	buf_adds(&o, "static void rtlr_alarm(int) { _exit(86); }\n"
		     "int main(int argc, char **argv) {\n"
		     "  if (argc < 3) return 2;\n"
		     "  const char *av[2] = {argv[0], argv[1]};\n"
		     "  long budget = atol(argv[2]);\n"
		     "  signal(SIGALRM, rtlr_alarm);\n"
		     "  for (int a = 3; a < argc; a++) {\n"
		     "    struct itimerval it; memset(&it, 0, sizeof it);\n"
		     "    it.it_value.tv_sec = budget / 1000; it.it_value.tv_usec = (budget % 1000) * 1000;\n"
		     "    setitimer(ITIMER_REAL, &it, nullptr);\n"
		     "    switch (atoi(argv[a])) {\n");
	for (k = 0; k < m; k++)
		buf_printf(&o, "    case %zu: rtlr_%zu::run(2, av); break;\n", idx[k], idx[k]);
	buf_adds(&o, "    default: return 3;\n    }\n"
		     "    memset(&it, 0, sizeof it);\n    setitimer(ITIMER_REAL, &it, nullptr);\n"
		     "  }\n  return 0;\n}\n");
	for (k = 0; k < m; k++)
		if (add_includes(G->job, G->g[idx[k]].prefix, &o) < 0) {
			snprintf(err, errlen, "opendir vc: %s", strerror(errno));
			goto out;
		}
	if (o.overflow) {
		snprintf(err, errlen, "harness: too large");
		goto out;
	}
	ret = tool_write_file(G->job, "unit.cpp", o.data, o.len, err, errlen);
out:
	buf_release(&o);
	return ret;
}

/* ---- runs ---------------------------------------------------------------------------------- */

static int has_end(const struct sb_result *r, const char *tag)
{
	const char *cur = r->out, *t;
	size_t len;

	while ((t = engine_next_tagged(&cur, tag, &len)))
		if (len == 4 && !memcmp(t, " end", 4))
			return 1;
	return 0;
}

static enum counter_split split_cause(const struct sb_result *r)
{
	if (r->limit == SB_LIMIT_WALL || r->limit == SB_LIMIT_CPU || (r->exited && r->exit_code == 86))
		return CS_TIMEOUT;
	if (r->limit == SB_LIMIT_MEMORY)
		return CS_MEMORY;
	if (r->limit == SB_LIMIT_OUTPUT)
		return CS_OUTPUT;
	if (!r->exited)
		return CS_CRASH;
	return CS_OTHER;
}

/* Judges candidate g from a run (undefined bits: g->run) whose output holds its end line, as
 * engine_vlx_run judges its own runs. */
static void judge_one(struct group *G, struct gcand *g, const struct sb_result *r)
{
	static const char *const init_name[] = {"0", "1", "random"};
	struct func_out *out = &g->c->out;
	unsigned long long d[2];
	char why[240];

	if (g->run == 0) {
		engine_judge_equivalence(r, g->tag, G->expect, out);
		if (!out->checked) { /* a short run: the verdict stands */
			g->state = G_DONE;
			return;
		}
		if (!engine_vlx_read_digest(r, g->tag, g->d0)) {
			g->state = G_SINGLE; /* no digest: the single path says what is wrong */
			return;
		}
		g->run = 1;
		return;
	}
	{
		struct func_out f;
		int ok;

		memset(&f, 0, sizeof(f));
		engine_judge_equivalence(r, g->tag, G->expect, &f);
		ok = f.checked && engine_vlx_read_digest(r, g->tag, d);
		func_out_release(&f);
		why[0] = '\0';
		if (!ok)
			snprintf(why, sizeof(why), "the simulation does not complete when undefined bits "
						   "start at %s (4-state needed)", init_name[g->run]);
		else if (d[0] != g->d0[0] || d[1] != g->d0[1])
			snprintf(why, sizeof(why), "the %s reads undefined values: its outputs change when "
						   "undefined bits start at %s instead of 0 (4-state needed)",
				 d[0] != g->d0[0] ? "golden" : "candidate", init_name[g->run]);
		if (why[0]) {
			engine_vlx_known(G->p, G->seed, why);
			engine_vlx_refer(out, why);
			g->state = G_DONE;
			return;
		}
	}
	if (++g->run == 3)
		g->state = G_DONE;
}

/* Runs the built binary for the candidates idx[0..m) still in the group, undefined bits k,
 * until each has its end line or has left for the single path. 0, -1 on infra failure. */
static int run_all(struct group *G, const size_t *idx, size_t m, int k)
{
	static const char *const init[] = {"+verilator+rand+reset+0", "+verilator+rand+reset+1",
					   "+verilator+rand+reset+2"};
	const char **av = calloc(m + 5, sizeof(*av));
	char (*num)[8] = calloc(m + 1, sizeof(*num));
	char sim[600], bud[32], err[256];
	long budget = block_budget_ms(G->p);
	size_t j, l, first = 0;
	struct timespec t0;
	int ret = -1;

	if (!av || !num)
		goto out;
	snprintf(sim, sizeof(sim), "%s/sim", G->job);
	snprintf(bud, sizeof(bud), "%ld", budget);
	for (;;) {
		struct sb_result r;
		size_t na = 0, done = 0;

		av[na++] = sim;
		av[na++] = init[k];
		av[na++] = bud;
		for (j = first; j < m; j++)
			if (G->g[idx[j]].state == G_GROUP && G->g[idx[j]].run == k) {
				snprintf(num[j], sizeof(num[j]), "%zu", idx[j]);
				av[na++] = num[j];
			}
		av[na] = NULL;
		if (na == 3)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (tool_run(G->job, av, SB_STAGE_RUN, (double)(na - 3) * (double)budget / 1000 + 5, &r,
			     err, sizeof(err)) < 0)
			goto out;
		for (j = first; j < m; j++) {
			struct gcand *g = &G->g[idx[j]];
			if (g->state != G_GROUP || g->run != k)
				continue;
			if (!has_end(&r, g->tag)) {
				/* the first without its end line: alone it pays its own limit */
				g->state = G_SINGLE;
				counters_split(split_cause(&r), na - 3 - done);
				first = j + 1;
				break;
			}
			judge_one(G, g, &r);
			done++;
		}
		G->run_ms += engine_ms_since(&t0);
		if (done)
			cost_put(G->p, engine_ms_since(&t0) / (double)done);
		l = j;
		sb_result_release(&r);
		if (l == m)
			break;
	}
	ret = 0;
out:
	free(av);
	free(num);
	return ret;
}

/* Builds the unit for idx[0..m) and runs it; a failed build splits the set in halves. */
static void build_and_run(struct group *G, size_t *idx, size_t m)
{
	struct func_out f;
	struct timespec t0;
	double cc = 0, ln = 0;
	char err[256];
	size_t j;
	int x, k;

	err[0] = '\0';
	if (m == 1) {
		G->g[idx[0]].state = G_SINGLE;
		return;
	}
	memset(&f, 0, sizeof(f));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 3; k++) { /* an earlier build's, in a split */
		static const char *const old[] = {"unit.cpp", "unit.o", "sim"};
		char path[1300];
		snprintf(path, sizeof(path), "%s/%s", G->job, old[k]);
		unlink(path);
	}
	if (write_unit(G, idx, m, err, sizeof(err)) < 0)
		x = -1;
	else
		x = vl_build_sim(G->job, G->lvl, G->gdir, g_tools.lim.compile_s, &f, &cc, &ln);
	func_out_release(&f);
	G->build_ms += engine_ms_since(&t0);
	if (x != 0) {
		counters_split(x > 0 && !f.min_score ? CS_COMPILE : f.min_score ? CS_TIMEOUT : CS_OTHER,
			       m);
		build_and_run(G, idx, m / 2);
		build_and_run(G, idx + m / 2, m - m / 2);
		return;
	}
	for (k = 0; k < 3; k++)
		if (run_all(G, idx, m, k) < 0) {
			for (j = 0; j < m; j++)
				if (G->g[idx[j]].state == G_GROUP)
					G->g[idx[j]].state = G_SINGLE;
			return;
		}
	for (j = 0; j < m; j++)
		if (G->g[idx[j]].state == G_DONE && !G->g[idx[j]].c->out.refer[0])
			G->built++;
}

/* ---- the group ----------------------------------------------------------------------------- */

/* Copies jobdir/vcg/ (the candidate's generated files) into the group's vc/. */
static int take_files(const char *jobdir, const char *gjob, char *err, size_t errlen)
{
	char from[1300], to[1300];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(from, sizeof(from), "%s/vcg", jobdir);
	d = opendir(from);
	if (!d) {
		snprintf(err, errlen, "opendir %.200s: %s", from, strerror(errno));
		return -1;
	}
	while (ret == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/vcg/%s", jobdir, de->d_name);
		snprintf(to, sizeof(to), "%s/vc/%s", gjob, de->d_name);
		ret = copy_file(from, to, err, errlen);
	}
	closedir(d);
	return ret;
}

/* 1 when the text names a file ($fopen, $readmem*, $writemem*, $dumpfile): candidates of a
 * group share a job directory, where one could read what another wrote; such a candidate is
 * judged alone. */
static int names_files(const char *src)
{
	static const char *const t[] = {"$fopen", "$readmem", "$writemem", "$dumpfile"};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strstr(src, t[i]))
			return 1;
	return 0;
}

/* Per candidate, first (as the single path does first): the x/z and division guard and the
 * known-golden rule. 1 when they decided (a referral, or rc -1). */
static int cand_guard(struct group *G, struct gcand *g)
{
	struct func_out *out = &g->c->out;
	int x = engine_verilator_xz_guard(G->p, g->c->jobdir, out);

	if (x != 0) {
		g->c->rc = x < 0 ? -1 : 0;
		g->state = G_DONE;
		return 1;
	}
	if (engine_vlx_known(G->p, G->seed, NULL)) {
		engine_vlx_refer(out, KNOWN_WHY);
		g->state = G_DONE;
		return 1;
	}
	return 0;
}

/* Per candidate, after the golden model is there: verilating, the plan, its files. */
static void cand_prepare(struct group *G, struct gcand *g, const char *rnd, size_t i)
{
	struct func_out *out = &g->c->out;
	struct func_out f;
	struct timespec ts;
	char icw[240], err[256], path[1300];
	struct buf src;
	int x;

	snprintf(g->prefix, sizeof(g->prefix), "Vc%.6s_%03u", rnd, (unsigned)(i % 1000));
	buf_init(&src, 2 * RTLR_MAX_SOURCE);
	snprintf(path, sizeof(path), "%s/cand.v", g->c->jobdir);
	x = buf_read_file(&src, path) < 0 || names_files(src.data);
	buf_release(&src);
	if (x) {
		g->state = G_SINGLE;
		return;
	}
	memset(&f, 0, sizeof(f));
	icw[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = vl_verilate(G->p, g->c->jobdir, g->prefix, "vcg", &f, &g->dropped, icw, sizeof(icw));
	out->verilate_ms = engine_ms_since(&ts);
	func_out_release(&f);
	if (x != 0 || icw[0]) {
		g->state = G_SINGLE; /* its verdict, or the reason Icarus must judge, exactly */
		return;
	}
	if (stim_plan_for_job(G->p, G->seed, g->c->jobdir, &g->pl) < 0 || g->pl.total != G->expect ||
	    take_files(g->c->jobdir, G->job, err, sizeof(err)) < 0) {
		g->state = G_SINGLE;
		return;
	}
	g->pl.track_toggles = out->want_toggles;
	engine_new_tag(g->tag);
}

/* The golden model, once for the group. 0 ready; 1 every candidate left has its outcome (a
 * referral to Icarus, as the single path gives: a renamed port, a golden Verilator refuses;
 * or the infra error); -1 the single path takes them. */
static int group_models(struct group *G)
{
	struct func_out f;
	char icw[240];
	size_t i;
	int x, ret;

	memset(&f, 0, sizeof(f));
	x = vl_models_ready(G->p, G->lvl, G->gdir, sizeof(G->gdir), &f, icw, sizeof(icw));
	if (x == 0 && !icw[0]) {
		for (i = 0; i < G->n && G->g[i].state != G_GROUP; i++)
			;
		if (i < G->n)
			G->g[i].c->out.golden_ms = f.golden_ms;
		func_out_release(&f);
		return 0;
	}
	if (x == 0)
		engine_vlx_refer(&f, icw);
	else if (engine_verilator_eq_refused(x, &f) != 0) {
		func_out_release(&f);
		return -1;
	}
	for (i = 0; i < G->n; i++) {
		struct engine_cand *c = G->g[i].c;
		if (G->g[i].state != G_GROUP)
			continue;
		snprintf(c->out.refer, sizeof(c->out.refer), "%s", f.refer);
		c->rc = 0;
		G->g[i].state = G_DONE;
	}
	ret = 1;
	func_out_release(&f);
	return ret;
}

/* Singles scored one after another: the first that finds the golden reading undefined values
 * says how it found it; every later one is sent to Icarus by the known-golden rule, with its
 * reason. The group gives its candidates, in order, the same reasons. */
static void known_as_in_order(struct group *G)
{
	static const char found[] = "the golden reads undefined values: its outputs change when";
	size_t i;
	int first = 1;

	for (i = 0; i < G->n; i++) {
		struct func_out *out = &G->g[i].c->out;
		if (G->g[i].state != G_DONE || strncmp(out->refer, found, sizeof(found) - 1))
			continue;
		if (!first)
			snprintf(out->refer, sizeof(out->refer), "%s", KNOWN_WHY);
		first = 0;
	}
}

/* A candidate judged in the group: the single path's note and coverage; the build and the
 * runs' time shared out. */
static void cand_finish(struct group *G, struct gcand *g)
{
	struct func_out *out = &g->c->out;
	double share = (double)(G->built ? G->built : 1);

	stim_cov_from_plan(&g->pl, &out->cov);
	vl_note(out, G->lvl, g->dropped);
	out->compile_ms = out->verilate_ms + G->build_ms / share;
	out->cc_ms = out->compile_ms - out->verilate_ms;
	out->run_ms = G->run_ms / share;
	g->c->rc = 0;
}

void engine_verilator_group(const struct problem *p, uint64_t seed, struct engine_cand *c,
			    size_t n)
{
	struct group G;
	char err[256], rnd[40], path[1300];
	size_t i, m = 0, *idx = NULL;
	int x;

	if (n > GROUP_MAX) { /* class prefixes have 3 digits */
		engine_verilator_group(p, seed, c, GROUP_MAX);
		engine_verilator_group(p, seed, c + GROUP_MAX, n - GROUP_MAX);
		return;
	}
	memset(&G, 0, sizeof(G));
	G.p = p;
	G.seed = seed;
	G.expect = harness_samples(p);
	G.lvl = G.expect >= VL_O1_SAMPLES;
	G.n = n;
	G.g = calloc(n, sizeof(*G.g));
	idx = calloc(n, sizeof(*idx));
	if (!G.g || !idx) {
		for (i = 0; i < n; i++)
			c[i].rc = engine_verilator.equivalence(p, c[i].jobdir, seed, &c[i].out);
		goto out;
	}
	for (i = 0; i < n; i++) {
		G.g[i].c = &c[i];
		m += !cand_guard(&G, &G.g[i]);
	}
	if (!m)
		goto out;
	x = group_models(&G);
	if (x > 0)
		goto out;
	if (x < 0 || sb_job_create(G.job, sizeof(G.job), err, sizeof(err)) < 0 ||
	    (snprintf(path, sizeof(path), "%s/vc", G.job), mkdir(path, 0755) < 0)) {
		for (i = 0; i < n; i++) /* the single path says it for each */
			if (G.g[i].state == G_GROUP)
				G.g[i].state = G_SINGLE;
		goto singles;
	}
	engine_new_tag(rnd);
	for (i = 0, m = 0; i < n; i++) {
		if (G.g[i].state != G_GROUP)
			continue;
		cand_prepare(&G, &G.g[i], rnd + 4, i);
		if (G.g[i].state == G_GROUP)
			idx[m++] = i;
	}
	if (m)
		build_and_run(&G, idx, m);
	known_as_in_order(&G);
	for (i = 0; i < n; i++)
		if (G.g[i].state == G_DONE && G.g[i].prefix[0] && !c[i].out.refer[0])
			cand_finish(&G, &G.g[i]);
singles:
	for (i = 0; i < n; i++) {
		int wt = c[i].out.want_toggles;
		if (G.g[i].state != G_SINGLE)
			continue;
		func_out_release(&c[i].out);
		memset(&c[i].out, 0, sizeof(c[i].out));
		c[i].out.want_toggles = wt;
		c[i].rc = engine_verilator.equivalence(p, c[i].jobdir, seed, &c[i].out);
	}
out:
	if (G.job[0])
		sb_job_remove(G.job, err, sizeof(err));
	for (i = 0; G.g && i < n; i++)
		stim_plan_release(&G.g[i].pl);
	free(G.g);
	free(idx);
}
