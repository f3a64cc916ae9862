/* Verilator engine, equivalence mode: golden and candidate verilated separately (distinct
 * --prefix Vgold / Vcand), one C++ translation unit with a cycle-driven harness that includes
 * both models, linked against the Verilator runtime objects built once per (Verilator version,
 * flags) into <cache-dir>/verilator/<hash>/. Verilate and compile run in the build stage, the
 * binary in the run stage.
 *
 * The harness follows harness.c: the same xorshift64 stimulus drawn in the same order, the same
 * reset phases and sample count, outputs compared every half cycle. Verilator is 2-state: state
 * has no X: the golden's state starts at 0; the candidate's starts random when the problem has
 * a reset (so that a candidate that never resets differs, as its X does under Icarus) and at 0
 * when it has none (as the golden's). The first two samples of a clocked design (before the first edge of each
 * polarity, where Icarus sees the golden at X, a don't-care) are not compared. Verdict lines carry a
 * per-run random tag; nothing else the binary prints is trusted.
 *
 * Where the golden or the candidate assigns x or z, Icarus runs instead (func_out.note says so).
 * Testbench mode: engine_verilator_tb.c.
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
#include "fsutil.h"
#include "harness.h"
#include "hash.h"
#include "tools.h"

#define VL_INC "/usr/share/verilator/include"
#define VL_FLAGS "-std=c++17", "-O0", "-I" VL_INC, "-I" VL_INC "/vltstd", "-DVM_COVERAGE=0", \
		 "-DVM_SC=0", "-DVM_TRACE=0", "-w"
#define VL_FLAGS_STR "-std=c++17 -O0 -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=0"

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static char rt_dir[1200];   /* where verilated.o and verilated_threads.o are, once built */
static char cache_root[900];

void engine_verilator_init(const char *cache_dir)
{
	char abs[1024];

	cache_root[0] = '\0';
	if (cache_dir && cache_dir[0] && realpath(cache_dir, abs))
		snprintf(cache_root, sizeof(cache_root), "%.890s", abs);
	engine_verilator_tb_init(cache_root);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
	FILE *in = fopen(from, "rb"), *out = NULL;
	char b[65536];
	size_t n;
	int ret = -1;

	if (!in) {
		snprintf(err, errlen, "open %s: %s", from, strerror(errno));
		return -1;
	}
	out = fopen(to, "wb");
	if (!out) {
		snprintf(err, errlen, "create %s: %s", to, strerror(errno));
		goto out;
	}
	while ((n = fread(b, 1, sizeof(b), in)) > 0)
		if (fwrite(b, 1, n, out) != n) {
			snprintf(err, errlen, "write %s", to);
			goto out;
		}
	ret = 0;
out:
	if (out && fclose(out) != 0)
		ret = -1;
	fclose(in);
	return ret;
}

/* Builds the runtime objects once (under rt_lock: concurrent workers wait for one build), in a
 * job directory of their own, then moves them into the cache with an atomic rename. */
static int runtime_ready(char *err, size_t errlen)
{
	char job[512], dir[1000], tmp[1100], from[1300], to[1400], key[65];
	static const char *const objs[] = {"verilated.o", "verilated_threads.o"};
	struct hash_ctx *h;
	struct sb_result r;
	struct stat st;
	size_t i;
	int ret = -1;

	pthread_mutex_lock(&rt_lock);
	job[0] = '\0';
	if (rt_dir[0]) {
		ret = 0;
		goto out;
	}
	if (!cache_root[0]) {
		snprintf(err, errlen, "the Verilator engine needs a cache directory (--cache-dir)");
		goto out;
	}
	h = hash_new();
	hash_add_str(h, g_tools.versions);
	hash_add_str(h, VL_FLAGS_STR);
	hash_final_hex(h, key);
	snprintf(dir, sizeof(dir), "%s/verilator/%.16s", cache_root, key);
	snprintf(from, sizeof(from), "%s/verilated_threads.o", dir);
	if (stat(from, &st) == 0) {
		snprintf(rt_dir, sizeof(rt_dir), "%s", dir);
		ret = 0;
		goto out;
	}
	if (sb_job_create(job, sizeof(job), err, errlen) < 0) {
		job[0] = '\0';
		goto out;
	}
	for (i = 0; i < 2; i++) {
		const char *argv[] = {"/usr/bin/g++", VL_FLAGS, "-c", i ? VL_INC "/verilated_threads.cpp"
								: VL_INC "/verilated.cpp",
				      "-o", objs[i], NULL};
		if (tool_run(job, argv, SB_STAGE_BUILD, 300, &r, err, errlen) < 0)
			goto out;
		if (!r.exited || r.exit_code) {
			snprintf(err, errlen, "building the Verilator runtime failed: %.300s",
				 r.err ? r.err : "");
			sb_result_release(&r);
			goto out;
		}
		sb_result_release(&r);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", dir, (long)getpid());
	if (mkdir_p(tmp) < 0) {
		snprintf(err, errlen, "mkdir %.300s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		snprintf(from, sizeof(from), "%s/%s", job, objs[i]);
		snprintf(to, sizeof(to), "%s/%s", tmp, objs[i]);
		if (copy_file(from, to, err, errlen) < 0)
			goto out;
	}
	if (rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		snprintf(err, errlen, "rename %.300s: %s", tmp, strerror(errno));
		goto out;
	}
	snprintf(rt_dir, sizeof(rt_dir), "%s", dir);
	ret = 0;
out:
	if (job[0]) {
		char e2[256];
		sb_job_remove(job, e2, sizeof(e2));
	}
	pthread_mutex_unlock(&rt_lock);
	return ret;
}

/* The same seed transform as harness.c. */
static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

/* Sets input port `n` of both models. */
static void set_both(struct buf *o, const char *n, const char *expr)
{
	buf_printf(o, "  g->%s = %s; c->%s = g->%s;\n", n, expr, n, n);
}

static int cpp_harness(const struct problem *p, uint64_t seed, const char *tag, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i, ph, nph = harness_nphases(p);

	buf_adds(o, "#include \"verilated.h\"\n#include \"Vgold.h\"\n#include \"Vcand.h\"\n"
		    "#include <cstdio>\n#include <cstdint>\n#include <cstring>\n"
		    "static uint64_t rng;\nstatic Vgold *g;\nstatic Vcand *c;\n"
		    "static unsigned long long samples, mism, halfs;\nstatic int reported;\n"
		    "static uint64_t nxt() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;"
		    " return rng; }\n");
	/* printing a value in hex (width-aware) */
	buf_adds(o, "static void hexw(char *b, size_t n, const uint32_t *w, int words, int bits) {\n"
		    "  int digits = (bits + 3) / 4; if (digits > (int)n - 1) digits = (int)n - 1;\n"
		    "  for (int d = 0; d < digits; d++) { int bit = (digits - 1 - d) * 4;\n"
		    "    unsigned v = (w[bit / 32] >> (bit % 32)) & 15u; (void)words;\n"
		    "    b[d] = \"0123456789abcdef\"[v]; }\n  b[digits] = 0; }\n");
	buf_adds(o, "static void randomize(int pulse) {\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		const struct reset_spec *r;
		unsigned lo;

		if (pt->dir != PORT_IN || harness_is_clock(p, pt->name))
			continue;
		r = p->prep.nclocks ? harness_reset_of(p, pt->name) : NULL;
		if (r) {
			buf_printf(o, "  nxt(); if (pulse) { g->%s = ((rng & 63) == 0) ? %d : %d; c->%s = g->%s; }\n",
				   pt->name, !r->active_low, r->active_low, pt->name, pt->name);
			continue;
		}
		if (pt->width <= 64) {
			char e[96];
			snprintf(e, sizeof(e), "(nxt() & 0x%llxull)",
				 pt->width == 64 ? ~0ull : ((1ull << pt->width) - 1));
			set_both(o, pt->name, e);
			continue;
		}
		for (lo = 0; lo < pt->width; lo += 64) {
			unsigned hi = pt->width - 1 < lo + 63 ? pt->width - 1 : lo + 63, nb = hi - lo + 1;
			unsigned long long m = nb == 64 ? ~0ull : ((1ull << nb) - 1);
			buf_printf(o, "  { uint64_t v = nxt() & 0x%llxull;\n"
				      "    g->%s[%u] = (uint32_t)v; c->%s[%u] = (uint32_t)v;\n",
				   m, pt->name, lo / 32, pt->name, lo / 32);
			if (nb > 32)
				buf_printf(o, "    g->%s[%u] = (uint32_t)(v >> 32); c->%s[%u] = (uint32_t)(v >> 32);\n",
					   pt->name, lo / 32 + 1, pt->name, lo / 32 + 1);
			buf_adds(o, "  }\n");
		}
	}
	buf_adds(o, "}\n");
	/* compare */
	buf_adds(o, "static void check(int skip) {\n  int bad = 0;\n  samples++;\n  if (skip) return;\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		unsigned words = (pt->width + 31) / 32;

		if (pt->dir != PORT_OUT)
			continue;
		if (pt->width <= 64)
			buf_printf(o, "  { uint64_t a = (uint64_t)g->%s, b = (uint64_t)c->%s;\n"
				      "    uint32_t wa[2] = {(uint32_t)a, (uint32_t)(a >> 32)},"
				      " wb[2] = {(uint32_t)b, (uint32_t)(b >> 32)};\n"
				      "    if (a != b) {\n",
				   pt->name, pt->name);
		else
			buf_printf(o, "  { const uint32_t *wa = g->%s.data(), *wb = c->%s.data();\n"
				      "    if (memcmp(wa, wb, %u * 4)) {\n",
				   pt->name, pt->name, words);
		buf_printf(o, "      bad = 1;\n      if (!reported) { char x[300], y[300];\n"
			      "        hexw(x, sizeof x, wa, %u, %u); hexw(y, sizeof y, wb, %u, %u);\n"
			      "        printf(\"%s first %%llu %s %%s %%s\\n\", halfs * 10 + 8, x, y);\n"
			      "        reported = 1; } } }\n",
			   words, pt->width, words, pt->width, tag, pt->name);
	}
	buf_adds(o, "  if (bad) mism++;\n}\n");
	buf_adds(o, "static void half(int pulse, int skip) {\n  randomize(pulse);\n  g->eval(); c->eval();\n"
		    "  check(skip);\n");
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "  g->%s = !g->%s; c->%s = g->%s;\n", p->prep.clocks[i], p->prep.clocks[i],
			   p->prep.clocks[i], p->prep.clocks[i]);
	buf_adds(o, "  g->eval(); c->eval();\n  halfs++;\n}\n");
	buf_printf(o, "int main(int argc, char **argv) {\n"
		      "  VerilatedContext *ctx = new VerilatedContext;\n  ctx->commandArgs(argc, argv);\n"
		      "  ctx->randReset(0);\n  ctx->randSeed(%u);\n  g = new Vgold{ctx, \"g\"};\n"
		      "  ctx->randReset(%d);\n  c = new Vcand{ctx, \"c\"};\n"
		      "  rng = 0x%016llxull;\n",
		   (unsigned)(splitmix(seed) & 0x7fffffff), p->prep.nresets ? 2 : 0,
		   (unsigned long long)splitmix(seed));
	for (i = 0; i < p->prep.nclocks; i++)
		set_both(o, p->prep.clocks[i], "0");
	if (!p->prep.nclocks) {
		buf_printf(o, "  for (unsigned k = 0; k < %uu; k++) half(0, 0);\n", 2 * p->cycles);
	} else {
		for (ph = 0; ph < nph; ph++) {
			for (i = 0; i < p->prep.nresets; i++) {
				const struct reset_spec *r = &p->prep.resets[i];
				int a = ph == 0 || ph == i + 1;
				char e[8];
				snprintf(e, sizeof(e), "%d", a ? !r->active_low : r->active_low);
				set_both(o, r->name, e);
			}
			if (p->prep.nresets)
				buf_printf(o, "  for (int k = 0; k < %d; k++) half(0, %s);\n",
					   2 * HARNESS_RESET_CYCLES, ph == 0 ? "k < 2" : "0");
			for (i = 0; i < p->prep.nresets; i++) {
				const struct reset_spec *r = &p->prep.resets[i];
				char e[8];
				snprintf(e, sizeof(e), "%d", r->active_low);
				set_both(o, r->name, e);
			}
			buf_printf(o, "  for (unsigned k = 0; k < %uu; k++) half(1, %s);\n", 2 * p->cycles,
				   ph == 0 && !p->prep.nresets ? "k < 2" : "0");
		}
	}
	buf_printf(o, "  printf(\"%s done %%llu %%llu\\n\", samples, mism);\n  fflush(stdout);\n"
		      "  g->final(); c->final();\n  return 0;\n}\n",
		   tag);
	return o->overflow ? -1 : 0;
}

/* Lists the .cpp files verilator wrote into dir (relative to the job) as #include lines. */
static int add_includes(const char *jobdir, const char *sub, struct buf *o, char *err,
			size_t errlen)
{
	char path[1200];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", jobdir, sub);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "opendir %s: %s", sub, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".cpp"))
			buf_printf(o, "#include \"%s/%s\"\n", sub, de->d_name);
	}
	closedir(d);
	return 0;
}

/* Runs one build step; 0 ok, 1 candidate's fault (out filled), -1 infra. */
static int build_step(const char *jobdir, const char *const *argv, int cand_step, const char *what,
		      struct func_out *out)
{
	struct sb_result r;
	char err[256];
	int ret;

	if (tool_run(jobdir, argv, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %s", err);
		return -1;
	}
	if (r.exited && r.exit_code == 0) {
		ret = 0;
	} else if (cand_step && r.limit != SB_LIMIT_NONE && r.limit != SB_LIMIT_OUTPUT) {
		snprintf(out->reason, sizeof(out->reason), "%s stopped: %s limit", what,
			 sb_limit_name(r.limit));
		out->min_score = 1;
		out->compile_error = 1;
		ret = 1;
	} else if (cand_step && r.exited) {
		out->compile_error = 1;
		out->diag = r.err ? strdup(r.err) : NULL;
		snprintf(out->reason, sizeof(out->reason), "the candidate does not build with Verilator (%s)",
			 what);
		ret = 1;
	} else {
		snprintf(out->infra_err, sizeof(out->infra_err), "%s failed (exit %d, signal %d): %.300s",
			 what, r.exit_code, r.signal, r.err ? r.err : "");
		ret = -1;
	}
	sb_result_release(&r);
	return ret;
}

static int verilator_equivalence(const struct problem *p, const char *jobdir, uint64_t seed,
				 struct func_out *out)
{
	char tag[40], err[512], gtop[160], rt1[1300], rt2[1300], sim[600], dst2[600];
	struct buf h;
	struct sb_result r;
	struct timespec t0;
	int ret = -1, x;
	uint64_t expect = harness_samples(p);

	buf_init(&h, 4 * RTLR_MAX_REFERENCE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (runtime_ready(out->infra_err, sizeof(out->infra_err)) < 0)
		goto out;
	engine_new_tag(tag);
	if (tool_write_file(jobdir, "gold.v", p->prep.gold_eq, strlen(p->prep.gold_eq), err,
			    sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%s", err);
		goto out;
	}
	snprintf(gtop, sizeof(gtop), "rtlr_g_%s", p->ref_top);
	{
		const char *ag[] = {g_tools.verilator_bin, "--cc", "--prefix", "Vgold", "--top-module",
				    gtop, "-Mdir", "vg", "-Wno-fatal", "-Wno-lint", "-Wno-style",
				    "--no-unlimited-stack", "gold.v", NULL};
		const char *ac[] = {g_tools.verilator_bin, "--cc", "--prefix", "Vcand", "--top-module",
				    p->top, "-Mdir", "vc", "-Wno-fatal", "-Wno-lint", "-Wno-style",
				    "--no-unlimited-stack", "cand.v", NULL};
		if ((x = build_step(jobdir, ag, 0, "verilate golden", out)) != 0)
			goto out;
		x = build_step(jobdir, ac, 1, "verilate", out);
		if (x < 0)
			goto out;
		if (x > 0) {
			ret = 0;
			goto out;
		}
	}
	if (cpp_harness(p, seed, tag, &h) < 0 || add_includes(jobdir, "vg", &h, err, sizeof(err)) < 0 ||
	    add_includes(jobdir, "vc", &h, err, sizeof(err)) < 0 || h.overflow ||
	    tool_write_file(jobdir, "unit.cpp", h.data, h.len, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "harness: %.400s",
			 h.overflow ? "too large" : err);
		goto out;
	}
	/* The cache directory may not be readable by the sandbox's uid: copy the objects in. */
	snprintf(rt1, sizeof(rt1), "%s/verilated.o", rt_dir);
	snprintf(sim, sizeof(sim), "%s/rt1.o", jobdir);
	snprintf(rt2, sizeof(rt2), "%s/verilated_threads.o", rt_dir);
	snprintf(dst2, sizeof(dst2), "%s/rt2.o", jobdir);
	if (copy_file(rt1, sim, out->infra_err, sizeof(out->infra_err)) < 0 ||
	    copy_file(rt2, dst2, out->infra_err, sizeof(out->infra_err)) < 0)
		goto out;
	snprintf(rt1, sizeof(rt1), "rt1.o");
	snprintf(rt2, sizeof(rt2), "rt2.o");
	{
		const char *ab[] = {"/usr/bin/g++", VL_FLAGS, "-Ivg", "-Ivc", "unit.cpp", rt1, rt2,
				    "-pthread", "-o", "sim", NULL};
		x = build_step(jobdir, ab, 1, "g++", out);
		if (x < 0)
			goto out;
		if (x > 0) {
			ret = 0;
			goto out;
		}
	}
	out->compile_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(sim, sizeof(sim), "%s/sim", jobdir);
	{
		const char *ar[] = {sim, NULL};
		if (tool_run(jobdir, ar, SB_STAGE_RUN, g_tools.lim.sim_s, &r, err, sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %.400s", err);
			goto out;
		}
	}
	out->run_ms = ms_since(&t0);
	engine_judge_equivalence(&r, tag, expect, out);
	snprintf(out->note, sizeof(out->note),
		 p->prep.nresets ? "verilator (2-state): candidate state starts random, golden at 0; the first cycle is not compared" : "verilator (2-state): state starts at 0 (Icarus: X); the first cycle is not compared");
	sb_result_release(&r);
	ret = 0;
out:
	buf_release(&h);
	return ret;
}

/* Verilator is 2-state: where x or z is assigned, Icarus's X rule decides; where Verilator
 * refuses the golden, or the candidate on an unsupported construct, Icarus runs instead
 * (engine_verilator_tb.c). */
static int verilator_equivalence_xz(const struct problem *p, const char *jobdir, uint64_t seed,
				    struct func_out *out)
{
	int x = engine_verilator_xz_guard(p, jobdir, seed, out);

	if (x != 0)
		return x < 0 ? -1 : 0;
	x = verilator_equivalence(p, jobdir, seed, out);
	return engine_verilator_eq_refused(p, jobdir, seed, x, out);
}

const struct engine engine_verilator = {
	.name = "verilator",
	.equivalence = verilator_equivalence_xz,
	.testbench = engine_verilator_tb,
};
