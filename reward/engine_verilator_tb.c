/* Verilator engine, testbench mode: the problem's own testbench (VerilogEval `_test.sv` or
 * RTLLM style, with its delays and event controls) verilated with --timing --main, compiled as
 * one g++ translation unit (-fcoroutines, what Verilator 5.006's verilated.mk adds for timing
 * on g++ 12) and linked against runtime objects built once per (Verilator version, flags) into
 * <cache-dir>/verilator/<hash>/ (verilated.o, verilated_threads.o, verilated_timing.o; a set of
 * its own, apart from the equivalence engine's no-timing set). Verilate and g++ run in the
 * build stage, the binary in the run stage; the verdict comes from the testbench's lines that
 * carry a per-run random tag, judged by engine_judge_testbench() as under Icarus.
 *
 * Verilator's limits never score a candidate: the engine refers the candidate to Icarus
 * (func_out.refer; engine_testbench in engine.c runs Icarus and says so in func_out.note, with
 * func_out.ran = "icarus"), when
 *   - the golden, the candidate or the testbench assigns x or z (2-state values would change
 *     what Icarus's X rule decides: a don't-care golden output, an X stimulus input);
 *   - the golden does not pass its testbench under Verilator with the sample count it has
 *     under Icarus (Verilator 5.006 refuses some legal testbenches, e.g. blocking and
 *     non-blocking assignments to one variable; races settle differently). This check runs
 *     once per problem and is kept in memory and in <cache-dir>/verilator-tb/;
 *   - the candidate's build fails anywhere but in the candidate's own file, or on a construct
 *     Verilator reports as unsupported.
 * Errors in the candidate's file are its compile error; a build or run stopped by a limit is a
 * minimum score, as under Icarus.
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
#include "closure.h"
#include "fsutil.h"
#include "hash.h"
#include "once.h"
#include "pipeline.h"
#include "tools.h"
#include "vtext.h"

#define VL_INC "/usr/share/verilator/include"
#define TB_FLAGS "-std=c++17", "-fcoroutines", "-O0", "-I" VL_INC, "-I" VL_INC "/vltstd", \
		 "-DVM_COVERAGE=0", "-DVM_SC=0", "-DVM_TRACE=0", "-DVL_TIME_CONTEXT", "-w"
#define TB_FLAGS_STR "-std=c++17 -fcoroutines -O0 -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=0 " \
		     "-DVL_TIME_CONTEXT"
#define TB_NOTE "verilator --timing (2-state: state starts at 0; $random is Verilator's sequence)"
#define GCHECK_MAX 4096

static const char *const rt_objs[] = {"verilated.o", "verilated_threads.o", "verilated_timing.o"};
static const char *const rt_srcs[] = {VL_INC "/verilated.cpp", VL_INC "/verilated_threads.cpp",
				      VL_INC "/verilated_timing.cpp"};
#define NRT (sizeof(rt_objs) / sizeof(rt_objs[0]))

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static char rt_dir[1200];
static char cache_root[900];

/* The golden-under-Verilator check, once per problem (by content hash): the known verdicts
 * (gc_tab, under gc_lock), the checks running (gc_once: once.h). */
enum { GC_OK = 1, GC_REFUSED };
struct gcheck {
	char hash[65];
	int state;
	char why[300];
};
static pthread_mutex_t gc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct once_table gc_once = ONCE_TABLE_INIT(0);
static struct gcheck *gc_tab;
static size_t gc_n;

void engine_verilator_tb_init(const char *root)
{
	snprintf(cache_root, sizeof(cache_root), "%s", root ? root : "");
}

/* 1 for a char that may continue an identifier. */
static int idch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

int engine_uses_xz(const char *s)
{
	int x = 0, z = 0;
	const char *c;

	for (c = s; c && *c; c++) {
		if (c[0] == '/' && c[1] == '/') {
			while (*c && *c != '\n')
				c++;
			if (!*c)
				break;
		} else if (c[0] == '/' && c[1] == '*') {
			const char *e = strstr(c + 2, "*/");
			if (!e)
				break;
			c = e + 1;
		} else if (c[0] == '"') {
			for (c++; *c && *c != '"'; c++)
				if (*c == '\\' && c[1])
					c++;
			if (!*c)
				break;
		} else if (c[0] == '\\') {
			while (*c && *c != ' ' && *c != '\t' && *c != '\n')
				c++; /* escaped identifier */
			if (!*c)
				break;
		} else if (c[0] == '\'') {
			const char *d = c + 1;
			if ((*d == 'x' || *d == 'X' || *d == 'z' || *d == 'Z') && !idch(d[1])) {
				*d == 'x' || *d == 'X' ? (x = 1) : (z = 1);
				continue;
			}
			if (*d == 's' || *d == 'S')
				d++;
			if (!strchr("bBoOdDhH", *d) || !*d)
				continue;
			for (d++; *d == ' ' || *d == '\t'; d++)
				;
			for (; idch(*d) || *d == '?'; d++) {
				if (*d == 'x' || *d == 'X')
					x = 1;
				else if (*d == 'z' || *d == 'Z')
					z = 1;
			}
			c = d - 1;
		} else if (idch(c[0])) {
			while (idch(c[1]))
				c++; /* a whole identifier: "8'hx" never starts inside one */
		}
	}
	if (z && s && (strstr(s, "casez") || strstr(s, "casex")))
		z = 0; /* z digits as casez/casex wildcards: both simulators match them alike */
	return x || z;
}

/* Builds the timing runtime objects once (under rt_lock), in a job directory of their own, then
 * moves them into the cache with an atomic rename. */
static int runtime_ready(char *err, size_t errlen)
{
	char job[512], dir[1000], tmp[1100], from[1300], to[1400], key[65];
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
	hash_add_str(h, TB_FLAGS_STR);
	hash_add_str(h, "timing runtime");
	hash_final_hex(h, key);
	snprintf(dir, sizeof(dir), "%s/verilator/%.16s", cache_root, key);
	snprintf(from, sizeof(from), "%s/%s", dir, rt_objs[NRT - 1]);
	if (stat(from, &st) == 0) {
		snprintf(rt_dir, sizeof(rt_dir), "%s", dir);
		ret = 0;
		goto out;
	}
	if (sb_job_create(job, sizeof(job), err, errlen) < 0) {
		job[0] = '\0';
		goto out;
	}
	for (i = 0; i < NRT; i++) {
		const char *argv[] = {"/usr/bin/g++", TB_FLAGS, "-c", rt_srcs[i], "-o", rt_objs[i], NULL};
		if (tool_run(job, argv, SB_STAGE_BUILD, 300, &r, err, errlen) < 0)
			goto out;
		if (!r.exited || r.exit_code) {
			snprintf(err, errlen, "building the Verilator timing runtime failed: %.300s",
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
	for (i = 0; i < NRT; i++) {
		snprintf(from, sizeof(from), "%s/%s", job, rt_objs[i]);
		snprintf(to, sizeof(to), "%s/%s", tmp, rt_objs[i]);
		if (copy_file(from, to, err, errlen) < 0)
			goto out;
		if (chmod(to, 0444) < 0) { /* read-only, as every cached Verilator file */
			snprintf(err, errlen, "chmod %.300s: %s", to, strerror(errno));
			goto out;
		}
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

/* The first %Error line of a Verilator diagnostic, for a note. */
static void first_error(const char *s, char *dst, size_t n)
{
	const char *e = s ? strstr(s, "%Error") : NULL;
	size_t l;

	if (!e) {
		snprintf(dst, n, "%.200s", s ? s : "");
		return;
	}
	l = strcspn(e, "\n");
	snprintf(dst, n, "%.*s", (int)(l > 200 ? 200 : l), e);
}

/* Whether the verilate diagnostic is the candidate's: every %Error is in its file and none is
 * an unsupported construct. */
static int errors_are_candidates(const char *diag, const char *cand_file)
{
	const char *e = diag;
	size_t cl = strlen(cand_file);
	int any = 0;

	while (e && (e = strstr(e, "%Error"))) {
		const char *colon = strchr(e, ':'), *eol = strchr(e, '\n');
		size_t ll = eol ? (size_t)(eol - e) : strlen(e);

		if (!colon || colon > e + ll)
			return 0;
		if (memmem(e, ll, "nsupported", 10))
			return 0;
		for (colon++; *colon == ' '; colon++)
			;
		if (!strncmp(colon, "Exiting due to", 14)) {
			e += ll;
			continue;
		}
		if (strncmp(colon, cand_file, cl) || colon[cl] != ':')
			return 0;
		any = 1;
		e += ll;
	}
	return any;
}

/* Lists the .cpp files verilator wrote into <jobdir>/<sub> as #include lines. */
/* A build or run stopped by a limit (not an output cap). */
static int limit_hit(const struct sb_result *r)
{
	return r->limit != SB_LIMIT_NONE && r->limit != SB_LIMIT_OUTPUT;
}

/* Builds the testbench with dut_file (already in jobdir) and runs it. Returns 0 with a verdict
 * in out, 1 when Verilator cannot judge (why filled: not the DUT's fault), -1 on infra failure
 * (out->infra_err). The candidate's own build errors are a verdict (compile_error). */
static int build_run(const struct problem *p, const char *jobdir, const char *dut_file,
		     struct func_out *out, char *why, size_t whylen)
{
	char tag[40], err[512], seedarg[64], path[1300], src[1300], top[64];
	struct buf tb, unit;
	struct sb_result r;
	struct timespec t0;
	size_t i;
	int ret = -1, ve = p->tb_style == TB_VERILOG_EVAL;

	buf_init(&tb, 2 * RTLR_MAX_REFERENCE);
	buf_init(&unit, 1 << 20);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (runtime_ready(out->infra_err, sizeof(out->infra_err)) < 0)
		goto out;
	engine_new_tag(tag);
	if (closure_testbench(p, tag, top, sizeof(top), &tb) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "testbench too large");
		goto out;
	}
	for (i = 0; i < p->nfiles; i++)
		if (tool_write_file(jobdir, p->file_names[i], p->file_data[i], strlen(p->file_data[i]),
				    err, sizeof(err)) < 0)
			goto werr;
	if (tool_write_file(jobdir, "vtb.sv", tb.data, tb.len, err, sizeof(err)) < 0 ||
	    (ve && tool_write_file(jobdir, "vgold.v", p->prep.gold_tb, strlen(p->prep.gold_tb), err,
				   sizeof(err)) < 0))
		goto werr;
	{
		const char *av_ve[] = {g_tools.verilator_bin, "--cc", "--exe", "--main", "--timing",
				       "--top-module", top, "-Mdir", "vt", "-Wno-fatal", "-Wno-lint",
				       "-Wno-style", "--no-unlimited-stack", "vtb.sv", "vgold.v",
				       dut_file, NULL};
		const char *av_rt[] = {g_tools.verilator_bin, "--cc", "--exe", "--main", "--timing",
				       "-Mdir", "vt", "-Wno-fatal", "-Wno-lint", "-Wno-style",
				       "--no-unlimited-stack", "vtb.sv", dut_file, NULL};
		if (tool_run(jobdir, ve ? av_ve : av_rt, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err,
			     sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %.400s", err);
			goto out;
		}
		if (!r.exited || r.exit_code) {
			if (limit_hit(&r)) {
				snprintf(out->reason, sizeof(out->reason), "verilate stopped: %s limit",
					 sb_limit_name(r.limit));
				out->min_score = 1;
				out->compile_error = 1;
				ret = 0;
			} else if (r.exited && errors_are_candidates(r.err, dut_file)) {
				out->compile_error = 1;
				out->diag = r.err ? strdup(r.err) : NULL;
				snprintf(out->reason, sizeof(out->reason),
					 "the candidate does not build with Verilator (verilate)");
				ret = 0;
			} else {
				char fe[240];
				first_error(r.err, fe, sizeof(fe));
				snprintf(why, whylen, "Verilator 5.006 does not build the testbench: %s", fe);
				ret = 1;
			}
			sb_result_release(&r);
			goto out;
		}
		sb_result_release(&r);
	}
	if (engine_vl_add_includes(jobdir, "vt", &unit, err, sizeof(err)) < 0 || unit.overflow ||
	    tool_write_file(jobdir, "vunit.cpp", unit.data, unit.len, err, sizeof(err)) < 0)
		goto werr;
	/* The cache directory may not be readable by the sandbox's uid: copy the objects in. */
	for (i = 0; i < NRT; i++) {
		snprintf(src, sizeof(src), "%s/%s", rt_dir, rt_objs[i]);
		snprintf(path, sizeof(path), "%s/vrt%zu.o", jobdir, i);
		if (copy_file(src, path, out->infra_err, sizeof(out->infra_err)) < 0)
			goto out;
	}
	{
		const char *ab[] = {"/usr/bin/g++", TB_FLAGS, "-Ivt", "vunit.cpp", "vrt0.o", "vrt1.o",
				    "vrt2.o", "-pthread", "-latomic", "-o", "vsim", NULL};
		if (tool_run(jobdir, ab, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err, sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %.400s", err);
			goto out;
		}
		if (!r.exited || r.exit_code) {
			if (limit_hit(&r)) {
				snprintf(out->reason, sizeof(out->reason), "g++ stopped: %s limit",
					 sb_limit_name(r.limit));
				out->min_score = 1;
				out->compile_error = 1;
				ret = 0;
			} else {
				snprintf(why, whylen, "g++ failed on the verilated testbench (exit %d): %.150s",
					 r.exit_code, r.err ? r.err : "");
				ret = 1;
			}
			sb_result_release(&r);
			goto out;
		}
		sb_result_release(&r);
	}
	out->compile_ms = engine_ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(path, sizeof(path), "%s/vsim", jobdir);
	/* a fixed non-zero seed: Verilator seeds $random from the clock when it is 0 */
	snprintf(seedarg, sizeof(seedarg), "+verilator+seed+%u",
		 (unsigned)((p->seed ? p->seed : 1) & 0x7fffffff) | 1u);
	{
		/* undefined bits 0 and 1: the verdict must not change (engine_verilator_x.c) */
		const char *ar[] = {path, seedarg, NULL};
		ret = engine_vlx_tb_runs(p, jobdir, ar, tag, out, why, whylen);
	}
	out->run_ms = engine_ms_since(&t0);
	goto out;
werr:
	snprintf(out->infra_err, sizeof(out->infra_err), "%.500s", err);
out:
	buf_release(&unit);
	buf_release(&tb);
	return ret;
}

/* Where the golden check's verdict is kept on disk. */
static void gcheck_path(const struct problem *p, char *path, size_t n)
{
	char key[65];
	struct hash_ctx *h = hash_new();

	hash_add_str(h, p->hash);
	hash_add_str(h, p->top);
	hash_add_str(h, g_tools.versions);
	hash_add_str(h, TB_FLAGS_STR);
	hash_add_str(h, "runs: undefined bits 0, 1"); /* engine_vlx_tb_runs */
	hash_final_hex(h, key);
	snprintf(path, n, "%s/verilator-tb/%.32s", cache_root, key);
}

/* Runs the golden against its testbench under Verilator (in a job of its own). Returns 1 when
 * it passes as under Icarus, 0 when not (why filled; *transient set when a limit stopped it,
 * which a less loaded machine may not hit), -1 on infra failure (err). */
static int golden_run(const struct problem *p, char *why, size_t whylen, int *transient,
		      char *err, size_t errlen)
{
	char job[512], e2[256];
	struct func_out fo;
	char *dut = NULL;
	int ret = -1, x;

	memset(&fo, 0, sizeof(fo));
	if (sb_job_create(job, sizeof(job), err, errlen) < 0)
		return -1;
	/* the golden as the module the testbench instantiates, as prep.c names it for Icarus */
	dut = pipeline_rename_golden(p, "rtlr_d_", p->ref_top, p->top);
	if (!dut) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (tool_write_file(job, "golden_dut.v", dut, strlen(dut), err, errlen) < 0)
		goto out;
	x = build_run(p, job, "golden_dut.v", &fo, why, whylen);
	if (x < 0) {
		snprintf(err, errlen, "golden testbench run under Verilator: %.400s", fo.infra_err);
		goto out;
	}
	*transient = fo.min_score;
	if (x > 0) {
		ret = 0;
	} else if (fo.compile_error) {
		char fe[240];
		first_error(fo.diag ? fo.diag : fo.reason, fe, sizeof(fe));
		snprintf(why, whylen, "the golden does not build with its testbench under Verilator: %.200s",
			 fe);
		ret = 0;
	} else if (!fo.passed) {
		snprintf(why, whylen, "the golden does not pass its testbench under Verilator: %.200s",
			 fo.reason);
		ret = 0;
	} else {
		ret = 1;
	}
out:
	func_out_release(&fo);
	free(dut);
	sb_job_remove(job, e2, sizeof(e2));
	return ret;
}

/* Whether Verilator can judge this problem's testbench: 1 yes, 0 no (why filled), -1 infra. One
 * run per problem; concurrent callers wait for it. */
static int golden_ok(const struct problem *p, char *why, size_t whylen, char *err, size_t errlen)
{
	char path[1200], line[400];
	struct gcheck *e = NULL;
	size_t i;
	FILE *f;
	int x, transient = 0, claimed = 0;

	for (;;) {
		pthread_mutex_lock(&gc_lock);
		for (i = 0, e = NULL; i < gc_n; i++)
			if (!strcmp(gc_tab[i].hash, p->hash)) {
				e = &gc_tab[i];
				break;
			}
		if (e) {
			x = e->state == GC_OK;
			snprintf(why, whylen, "%s", e->why);
			pthread_mutex_unlock(&gc_lock);
			if (claimed)
				once_done(&gc_once, p->hash);
			return x;
		}
		pthread_mutex_unlock(&gc_lock);
		if (claimed)
			break;
		if (once_claim(&gc_once, p->hash) == 0)
			claimed = 1;
	}

	why[0] = '\0';
	gcheck_path(p, path, sizeof(path));
	x = -2;
	if ((f = fopen(path, "r"))) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (!strcmp(line, "ok")) {
				x = 1;
			} else if (!strncmp(line, "refused ", 8)) {
				snprintf(why, whylen, "%.290s", line + 8);
				x = 0;
			}
		}
		fclose(f);
	}
	if (x == -2) {
		x = golden_run(p, why, whylen, &transient, err, errlen);
		if (x > 0 || (x == 0 && !transient)) {
			char tmp[1300], dir[1200];
			snprintf(dir, sizeof(dir), "%s/verilator-tb", cache_root);
			snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
			if (mkdir_p(dir) == 0 && (f = fopen(tmp, "w"))) {
				int bad = fprintf(f, x ? "ok\n" : "refused %s\n", why) < 0;
				if (fclose(f) != 0 || bad || rename(tmp, path) < 0)
					unlink(tmp);
			}
		}
	}
	pthread_mutex_lock(&gc_lock);
	if (!(x < 0 || (x == 0 && transient))) { /* not known: the next caller tries again */
		if (!gc_tab)
			gc_tab = calloc(GCHECK_MAX, sizeof(*gc_tab));
		if (gc_tab && gc_n < GCHECK_MAX) {
			e = &gc_tab[gc_n++];
			snprintf(e->hash, sizeof(e->hash), "%s", p->hash);
			e->state = x ? GC_OK : GC_REFUSED;
			snprintf(e->why, sizeof(e->why), "%s", why);
		}
	}
	pthread_mutex_unlock(&gc_lock);
	once_done(&gc_once, p->hash);
	return x;
}

/* Refers the candidate to Icarus's testbench run (engine_testbench in engine.c runs it, after
 * removing the files the Verilator attempt wrote, and says why in the note). */
static int fall_back(const char *why, struct func_out *out)
{
	snprintf(out->refer, sizeof(out->refer), "%s", why);
	return 0;
}

int engine_verilator_tb(const struct problem *p, const char *jobdir, const char *cand_file,
			struct func_out *out)
{
	char why[300], err[512], path[1300];
	struct buf cand;
	int x, ret = -1;

	buf_init(&cand, 2 * RTLR_MAX_SOURCE);
	snprintf(path, sizeof(path), "%s/%s", jobdir, cand_file);
	if (buf_read_file(&cand, path) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "read %s: %s", cand_file,
			 strerror(errno));
		goto out;
	}
	if (engine_uses_xz(p->reference) || engine_uses_xz(cand.data) ||
	    engine_uses_xz(p->testbench)) {
		ret = fall_back(engine_uses_xz(p->testbench) ? "the testbench drives x or z (4-state needed)"
				: engine_uses_xz(p->reference) ? "the golden assigns x or z (4-state needed)"
							      : "the candidate assigns x or z (4-state needed)",
				out);
		goto out;
	}
	x = golden_ok(p, why, sizeof(why), err, sizeof(err));
	if (x < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%.500s", err);
		goto out;
	}
	if (x == 0) {
		ret = fall_back(why, out);
		goto out;
	}
	x = build_run(p, jobdir, cand_file, out, why, sizeof(why));
	if (x < 0)
		goto out;
	if (x > 0) {
		ret = fall_back(why, out);
		goto out;
	}
	if (!out->note[0])
		snprintf(out->note, sizeof(out->note), "%s", TB_NOTE);
	else {
		char n[256];
		snprintf(n, sizeof(n), "%s", out->note);
		snprintf(out->note, sizeof(out->note), "%s; %.120s", TB_NOTE, n);
	}
	ret = 0;
out:
	buf_release(&cand);
	return ret;
}

int engine_verilator_xz_guard(const struct problem *p, const char *jobdir, struct func_out *out)
{
	char path[1300];
	struct buf cand;
	const char *why = NULL;
	int ret = -1;

	buf_init(&cand, 2 * RTLR_MAX_SOURCE);
	snprintf(path, sizeof(path), "%s/cand.v", jobdir);
	if (buf_read_file(&cand, path) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "read cand.v: %s", strerror(errno));
		goto out;
	}
	if (engine_uses_xz(p->reference))
		why = "the golden assigns x or z, a don't-care only 4-state simulation keeps";
	else if (engine_uses_xz(cand.data))
		why = "the candidate assigns x or z, which 2-state simulation would turn into values";
	else if (engine_vlx_divides(p->prep.gold_eq)) /* Verilator's x/0 is 0, Icarus's X */
		why = "the golden divides by a value that may be 0 (Verilator: 0, Icarus: X)";
	else if (engine_vlx_divides(cand.data))
		why = "the candidate divides by a value that may be 0 (Verilator: 0, Icarus: X)";
	ret = 0;
	if (!why)
		goto out;
	engine_vlx_refer(out, why);
	ret = 1;
out:
	buf_release(&cand);
	return ret;
}

int engine_verilator_eq_refused(int x, struct func_out *out)
{
	char why[300], fe[240];

	if (x < 0 && strstr(out->infra_err, "golden")) {
		first_error(out->infra_err, fe, sizeof(fe));
		snprintf(why, sizeof(why), "Verilator 5.006 does not build the golden: %s", fe);
	} else if (x == 0 && out->compile_error && !out->min_score && out->diag &&
		   strstr(out->diag, "nsupported")) {
		first_error(out->diag, fe, sizeof(fe));
		snprintf(why, sizeof(why), "Verilator 5.006 does not support the candidate's %s", fe);
	} else {
		return x;
	}
	out->infra_err[0] = '\0';
	engine_vlx_refer(out, why);
	return 0;
}
