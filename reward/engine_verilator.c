/* Verilator engine, equivalence mode. Built once and kept under <cache-dir>/verilator/: the
 * Verilator runtime objects and a precompiled verilated.h, per (Verilator version, compiler and
 * its version, flags), in <hash>/; the golden model (verilated with --prefix Vgold, compiled into
 * gold.o, with its Vgold.h) per (golden text, top, all of the former), in golden/<key>/. Per
 * candidate: verilate the candidate (--prefix Vcand), compile it and a generated cycle-driven
 * harness (which sees the golden only through Vgold.h) as one unit against the PCH (-O0; -O1
 * for long simulations, with a PCH of its own), link with the runtime and golden objects (g++,
 * gold), all in the build stage; run the binary in the run stage. The compiler is clang++ when installed (RTLR_VERILATOR_CXX=g++|clang++ forces one),
 * else g++. Stage times go into func_out (Result.times.function_*_ms).
 *
 * The harness follows harness.c: the same xorshift64 stimulus drawn in the same order, the same
 * reset phases and sample count, outputs compared every half cycle. Verilator is 2-state: state
 * has no X: golden and candidate start from the same initial values (one randReset policy, the
 * same seed), and the binary runs with undefined bits 0, 1 and random; where an output digest
 * changes between the runs, Icarus judges (engine_verilator_x.c, which also decides division,
 * # delays and renamed ports). The first two samples of a clocked design (before the first edge
 * of each polarity, where Icarus sees the golden at X, a don't-care) are not compared. Verdict
 * lines carry a per-run random tag; nothing else the binary prints is trusted.
 *
 * Where the golden or the candidate assigns x or z (and the other cases of engine_verilator_x.c),
 * the candidate is referred to Icarus (func_out.refer): the engine module (engine.c) runs
 * Icarus and says so in func_out.note; this engine never calls another.
 * A group of candidates: engine_verilator_group.c (one unit, one process per undefined-bits
 * value), sharing the steps above through engine_verilator_int.h.
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
#include "stimulus.h"
#include "hash.h"
#include "once.h"
#include "tools.h"
#include "engine_verilator_int.h"

#define VL_INC "/usr/share/verilator/include"
/* The compiler flags of every translation unit: the runtime, the precompiled header, the golden
 * model and the candidate's unit (a PCH is only used under the flags it was built with). */
#define VL_FLAGS "-std=c++17", "-I" VL_INC, "-I" VL_INC "/vltstd", "-DVM_COVERAGE=0", \
		 "-DVM_SC=0", "-DVM_TRACE=0", "-w"
#define VL_FLAGS_STR "-std=c++17 -O0|-O1 -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=0"
/* The level: -O0 (0) for the usual few hundred samples, where compiling dominates; -O1 (1) for
 * a problem that simulates VL_O1_SAMPLES or more (10^6 cycles: the run 0.57 s -> 0.08 s of CPU
 * for 0.08 s more compile). Golden and candidate units of a problem use the same level; the
 * runtime objects are -O0 (they are not on the simulation's hot path). */
static const char *const opt_flag[2] = {"-O0", "-O1"};
/* verilator_bin's flags for golden and candidate alike (part of the golden model's key) */
#define VL_VERILATE "--cc", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--no-unlimited-stack", \
		    "--x-assign", "unique", "--x-initial", "unique"
#define VL_VERILATE_STR "--cc -Wno-fatal -Wno-lint -Wno-style --no-unlimited-stack " \
			"--x-assign unique --x-initial unique"
/* The precompiled header holds verilated.h, which every generated model header includes (and
 * which includes the harness's <cstdio>, <cstdint>, <cstring>). g++: rtlr_pch.h.gch, found next
 * to rtlr_pch.h by -include. clang++: verilated.h.pch built from verilated.h itself (clang checks
 * a PCH's input files by path: they must be where they were, so no job-directory file), with
 * -fpch-instantiate-templates: the STL templates verilated.h instantiates are done once in the
 * PCH, where g++ redoes them in every unit (about 70 ms of CPU each). */
#define PCH_TEXT "#include \"verilated.h\"\n#include <cstdio>\n#include <cstdint>\n#include <cstring>\n"
static const char *const gcc_pch_h[2] = {"rtlr_pch.h", "rtlr_pch_O1.h"};
static const char *const gcc_pch[2] = {"rtlr_pch.h.gch", "rtlr_pch_O1.h.gch"};
static const char *const clang_pch[2] = {"verilated.h.pch", "verilated.h.O1.pch"};

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static char rt_dir[1200];   /* verilated.o, verilated_threads.o and the PCH, once built */
static char rt_key[65];     /* hash of all that decides their content */
static int rt_pch[2];       /* the compiler was seen using the PCH, per level */
static const char *rt_ld;   /* "-fuse-ld=gold" when gold is there, else NULL */
static const char *cxx;     /* /usr/bin/clang++ or /usr/bin/g++ */
static int cxx_clang;
static char cache_root[900];

/* An argv under construction (every one here is far below the bound). */
struct av {
	const char *v[40];
	size_t n;
};

static void av_add(struct av *a, const char *s)
{
	if (s && a->n + 1 < sizeof(a->v) / sizeof(a->v[0]))
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* The compiler and the flags every unit of level lvl shares. */
static void av_cxx(struct av *a, int lvl)
{
	static const char *const f[] = {VL_FLAGS};
	size_t i;

	a->n = 0;
	av_add(a, cxx);
	av_add(a, opt_flag[lvl]);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		av_add(a, f[i]);
}

/* Use of the level's PCH (when it works). */
static void av_pch(struct av *a, int lvl, int force)
{
	if (!rt_pch[lvl] && !force)
		return;
	if (cxx_clang) {
		av_add(a, "-include-pch");
		av_add(a, clang_pch[lvl]);
	} else {
		av_add(a, "-Winvalid-pch");
		av_add(a, "-include");
		av_add(a, gcc_pch_h[lvl]);
	}
}

/* Golden models being built in this process (one build per key; the others wait: once.h). */
static struct once_table gold_once = ONCE_TABLE_INIT(0);

void engine_verilator_init(const char *cache_dir)
{
	char abs[1024];

	cache_root[0] = '\0';
	if (cache_dir && cache_dir[0] && realpath(cache_dir, abs))
		snprintf(cache_root, sizeof(cache_root), "%.890s", abs);
	engine_verilator_tb_init(cache_root);
}

/* Copies job/name into the cache directory tmp, read-only for everybody. */
static int keep_file(const char *job, const char *name, const char *tmp, char *err, size_t errlen)
{
	char from[1300], to[1300];

	snprintf(from, sizeof(from), "%s/%s", job, name);
	snprintf(to, sizeof(to), "%s/%s", tmp, name);
	if (copy_file(from, to, err, errlen) < 0)
		return -1;
	if (chmod(to, 0444) < 0) {
		snprintf(err, errlen, "chmod %.300s: %s", to, strerror(errno));
		return -1;
	}
	return 0;
}

/* Moves a filled tmp directory to dir; when another process got there first, drops tmp. */
static int publish_dir(const char *tmp, const char *dir, const char *const *names, size_t n,
		       char *err, size_t errlen)
{
	char path[1300];
	size_t i;

	if (rename(tmp, dir) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY) {
		snprintf(err, errlen, "rename %.300s: %s", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
		unlink(path);
	}
	rmdir(tmp);
	return 0;
}

/* Puts the cache file dir/name into the job directory as `as`. A hard link when the sandbox
 * cannot write through it (the server is root, so tools run as uid 65534, and the file is
 * root's and not group/other-writable: a tool, or the candidate's simulation, can unlink its
 * name but not change the cache's copy); otherwise a copy. */
static int share_file(const char *dir, const char *name, const char *jobdir, const char *as,
		      char *err, size_t errlen)
{
	char from[1300], to[1300];
	struct stat st;

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%s", jobdir, as);
	/* a second build in one job (a group split): never write through an earlier link */
	if (unlink(to) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %.300s: %s", to, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && stat(from, &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022) &&
	    link(from, to) == 0)
		return 0;
	return copy_file(from, to, err, errlen);
}

/* Links (or copies) the level's PCH files from dir into job. */
static int share_pch(const char *dir, const char *job, int lvl, char *err, size_t errlen)
{
	if (cxx_clang)
		return share_file(dir, clang_pch[lvl], job, clang_pch[lvl], err, errlen);
	if (share_file(dir, gcc_pch_h[lvl], job, gcc_pch_h[lvl], err, errlen) < 0)
		return -1;
	return share_file(dir, gcc_pch[lvl], job, gcc_pch[lvl], err, errlen);
}

/* Whether g++ -H reports the PCH `name` as used ('!' before its name) in err_text. */
static int pch_used(const char *err_text, const char *name)
{
	const char *l = err_text;

	while (l && *l) {
		if (l[0] == '!' && l[1] == ' ') {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			if (n > 4 && memmem(l, n, name, strlen(name)))
				return 1;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

/* Whether clang++'s output says it refused the PCH (it fails then, where g++ goes on without
 * it): not the candidate's fault, e.g. verilated.h changed under a running server. */
static int pch_refused(const char *diag)
{
	const char *l = diag;

	while (cxx_clang && l && *l) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n > 13 && !strncmp(l, "fatal error: ", 13) &&
		    (memmem(l, n, "AST file", 8) || memmem(l, n, "precompiled header", 18)))
			return 1;
		l = e ? e + 1 : NULL;
	}
	return 0;
}

/* Runs one trusted build tool in job (runtime, PCH, probe); -1 with err when it fails. */
static int build_trusted(const char *job, const char *const *argv, const char *what,
			 struct sb_result *keep, char *err, size_t errlen)
{
	struct sb_result r;

	if (tool_run(job, argv, SB_STAGE_BUILD, 300, &r, err, errlen) < 0)
		return -1;
	if (!r.exited || r.exit_code) {
		snprintf(err, errlen, "%s failed: %.300s", what, r.err ? r.err : "");
		sb_result_release(&r);
		return -1;
	}
	if (keep)
		*keep = r;
	else
		sb_result_release(&r);
	return 0;
}

/* The compiler: RTLR_VERILATOR_CXX (g++ or clang++) when set, else clang++ when installed,
 * else g++. */
static int pick_cxx(char *err, size_t errlen)
{
	const char *want = getenv("RTLR_VERILATOR_CXX");

	if (want && want[0] && strcmp(want, "g++") && strcmp(want, "clang++")) {
		snprintf(err, errlen, "RTLR_VERILATOR_CXX=%.100s: expected g++ or clang++", want);
		return -1;
	}
	if (want && !strcmp(want, "g++"))
		cxx_clang = 0;
	else if (want && !strcmp(want, "clang++"))
		cxx_clang = 1;
	else
		cxx_clang = access("/usr/bin/clang++", X_OK) == 0;
	cxx = cxx_clang ? "/usr/bin/clang++" : "/usr/bin/g++";
	if (access(cxx, X_OK) < 0) {
		snprintf(err, errlen, "%s: %s", cxx, strerror(errno));
		return -1;
	}
	return 0;
}

/* Builds the runtime objects and the precompiled header once (under rt_lock: concurrent workers
 * wait for one build), in a job directory of their own, then moves them into the cache with an
 * atomic rename. Checks once that the compiler uses the PCH (g++: -H prints '!' for it; clang++
 * fails on a PCH it cannot use); without it the engine still works, slower. */
static int runtime_ready(char *err, size_t errlen)
{
	char job[512], dir[1000], tmp[1100], from[1300];
	static const char *const gcc_files[] = {"verilated.o", "verilated_threads.o", "rtlr_pch.h",
						"rtlr_pch.h.gch", "rtlr_pch_O1.h", "rtlr_pch_O1.h.gch"};
	static const char *const clang_files[] = {"verilated.o", "verilated_threads.o",
						  "verilated.h.pch", "verilated.h.O1.pch"};
	const char *const *objs;
	int lvl;
	size_t i, nobj;
	struct hash_ctx *h;
	struct sb_result r;
	struct stat st;
	struct av a;
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
	if (pick_cxx(err, errlen) < 0)
		goto out;
	objs = cxx_clang ? clang_files : gcc_files;
	nobj = cxx_clang ? 4 : 6;
	rt_ld = access("/usr/bin/ld.gold", X_OK) == 0 ? "-fuse-ld=gold" : NULL;
	if (sb_job_create(job, sizeof(job), err, errlen) < 0) {
		job[0] = '\0';
		goto out;
	}
	{
		const char *argv[] = {cxx, "--version", NULL};
		if (build_trusted(job, argv, "the compiler's version", &r, err, errlen) < 0)
			goto out;
		h = hash_new();
		hash_add_str(h, g_tools.versions);
		hash_add_str(h, cxx);
		hash_add(h, r.out ? r.out : "", r.out ? strcspn(r.out, "\n") : 0);
		hash_add_str(h, VL_FLAGS_STR);
		hash_add_str(h, cxx_clang ? "clang pch: verilated.h, -O0 and -O1" : PCH_TEXT);
		hash_final_hex(h, rt_key);
		sb_result_release(&r);
	}
	snprintf(dir, sizeof(dir), "%s/verilator/%.16s", cache_root, rt_key);
	snprintf(from, sizeof(from), "%s/%s", dir, objs[nobj - 1]);
	if (stat(from, &st) < 0) {
		for (i = 0; i < 2; i++) {
			av_cxx(&a, 0);
			av_add(&a, "-c");
			av_add(&a, i ? VL_INC "/verilated_threads.cpp" : VL_INC "/verilated.cpp");
			av_add(&a, "-o");
			av_add(&a, objs[i]);
			if (build_trusted(job, a.v, "building the Verilator runtime", NULL, err,
					  errlen) < 0)
				goto out;
		}
		for (lvl = 0; lvl < 2; lvl++) {
			av_cxx(&a, lvl);
			av_add(&a, "-x");
			av_add(&a, "c++-header");
			if (cxx_clang) {
				av_add(&a, "-fpch-instantiate-templates");
				av_add(&a, VL_INC "/verilated.h");
			} else {
				av_add(&a, gcc_pch_h[lvl]);
			}
			av_add(&a, "-o");
			av_add(&a, cxx_clang ? clang_pch[lvl] : gcc_pch[lvl]);
			if ((!cxx_clang && tool_write_file(job, gcc_pch_h[lvl], PCH_TEXT,
							   strlen(PCH_TEXT), err, errlen) < 0) ||
			    build_trusted(job, a.v, "building the precompiled header", NULL, err,
					  errlen) < 0)
				goto out;
		}
		snprintf(tmp, sizeof(tmp), "%s.tmp%ld", dir, (long)getpid());
		if (mkdir_p(tmp) < 0) {
			snprintf(err, errlen, "mkdir %.300s: %s", tmp, strerror(errno));
			goto out;
		}
		for (i = 0; i < nobj; i++)
			if (keep_file(job, objs[i], tmp, err, errlen) < 0)
				goto out;
		if (publish_dir(tmp, dir, objs, nobj, err, errlen) < 0)
			goto out;
	}
	/* the probe: an empty unit with each PCH, as the candidate's unit will be compiled */
	if (tool_write_file(job, "probe.cpp", "int rtlr_probe;\n", 16, err, errlen) < 0)
		goto out;
	for (lvl = 0; lvl < 2; lvl++) {
		av_cxx(&a, lvl);
		av_pch(&a, lvl, 1);
		if (!cxx_clang)
			av_add(&a, "-H");
		av_add(&a, "-c");
		av_add(&a, "probe.cpp");
		av_add(&a, "-o");
		av_add(&a, "probe.o");
		if (share_pch(dir, job, lvl, err, errlen) < 0)
			goto out;
		if (build_trusted(job, a.v, "probing the precompiled header", &r, err, errlen) < 0) {
			if (!cxx_clang)
				goto out;
			rt_pch[lvl] = 0; /* clang++ refuses a PCH it cannot use */
		} else {
			rt_pch[lvl] = cxx_clang || pch_used(r.err, gcc_pch[lvl]);
			sb_result_release(&r);
		}
		if (!rt_pch[lvl])
			fprintf(stderr, "rtlreward: verilator: %s does not use the %s precompiled "
					"header in %s: compiling without it (%.200s)\n", cxx,
				opt_flag[lvl], dir, cxx_clang ? err : "");
	}
	fprintf(stderr, "rtlreward: verilator: %s%s, runtime and PCH in %s\n", cxx,
		rt_ld ? " (linker: gold)" : "", dir);
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

/* The C++ harness: the stimulus, compare and schedule functions come from the stimulus plan
 * (stim_emit.c, the same plan the Icarus harness is emitted from); main() constructs the
 * models, then runs the plan's schedule. */
static int cpp_harness(const struct problem *p, const struct stim_plan *pl, uint64_t seed,
		       const char *tag, struct buf *o)
{
	buf_adds(o, "#include \"verilated.h\"\n#include \"Vgold.h\"\n#include \"Vcand.h\"\n"
		    "#include <cstdio>\n#include <cstdint>\n#include <cstring>\n"
		    "static Vgold *g;\nstatic Vcand *c;\n");
	vl_harness_prelude(o);
	/* the output digest first: stim's check() calls rtlr_digest() on every compared sample
	 * (engine_verilator_x.c: a design whose outputs change with the undefined bits' start
	 * values goes to Icarus) */
	engine_vlx_digest_code(p, o);
	if (stim_emit_cpp_funcs(p, pl, tag, o) < 0)
		return -1;
	/* Golden and candidate from the same initial values: one randReset policy (0 unless the
	 * command line says +verilator+rand+reset+N, engine_vlx_run) and the RNG reseeded with the
	 * same seed before each model is built. */
	buf_printf(o, "int main(int argc, char **argv) {\n"
		      "  VerilatedContext *ctx = new VerilatedContext;\n"
		      "  ctx->randReset(0);\n  ctx->randSeed(%u);\n  ctx->commandArgs(argc, argv);\n"
		      "  { int sd = ctx->randSeed();\n"
		      "    ctx->randSeed(sd); g = new Vgold{ctx, \"g\"};\n"
		      "    ctx->randSeed(sd); c = new Vcand{ctx, \"c\"}; }\n",
		   (unsigned)vl_rand_seed(seed));
	if (stim_emit_cpp_run(pl, o) < 0)
		return -1;
	buf_printf(o, "  printf(\"%s xdigest %%016llx %%016llx\\n\", (unsigned long long)rtlr_dg,"
		      " (unsigned long long)rtlr_dc);\n", tag);
	if (stim_emit_cpp_done(p, pl, tag, o) < 0)
		return -1;
	buf_adds(o, "  g->final(); c->final();\n  return 0;\n}\n");
	return o->overflow ? -1 : 0;
}

/* Lists the .cpp files verilator wrote into dir (relative to the job) as #include lines. */
int engine_vl_add_includes(const char *jobdir, const char *sub, struct buf *o, char *err,
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

/* Runs one build step (within wall_s); 0 ok, 1 candidate's fault (out filled), -1 infra. */
static int build_step_lim(const char *jobdir, const char *const *argv, int cand_step,
			  const char *what, double wall_s, struct func_out *out)
{
	struct sb_result r;
	char err[256];
	int ret;

	if (tool_run(jobdir, argv, SB_STAGE_BUILD, wall_s, &r, err, sizeof(err)) < 0) {
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

static int build_step(const char *jobdir, const char *const *argv, int cand_step, const char *what,
		      struct func_out *out)
{
	return build_step_lim(jobdir, argv, cand_step, what, g_tools.lim.compile_s, out);
}

/* The golden model, verilated (--prefix Vgold) and compiled into gold.o once per (golden text,
 * top, Verilator version, flags) under <cache>/verilator/golden/<key>/ with its Vgold.h, the
 * only part of it the harness includes. Built in a job directory of its own, in the build
 * stage, one build per key at a time in this process (atomic rename across processes).
 * *built_ms is the build's cost when this call built it, else 0. 0 ok, -1 infra. */
static int golden_ready(const struct problem *p, int lvl, char *dir, size_t dirlen,
			double *built_ms, struct func_out *out)
{
	static const char *const keep[] = {"gold.o", "Vgold.h"};
	char key[65], gtop[160], job[512], tmp[1100], path[1300], err[512];
	struct hash_ctx *h;
	struct timespec t0;
	struct stat st;
	struct buf u;
	int ret = -1;

	*built_ms = 0;
	snprintf(gtop, sizeof(gtop), "rtlr_g_%s", p->ref_top);
	h = hash_new();
	hash_add_str(h, rt_key); /* versions, compiler, flags */
	hash_add_str(h, VL_VERILATE_STR);
	hash_add_u64(h, (unsigned long long)lvl);
	hash_add_u64(h, (unsigned long long)rt_pch[lvl]);
	hash_add_str(h, gtop);
	hash_add_str(h, p->prep.gold_eq);
	hash_final_hex(h, key);
	key[16] = '\0';
	snprintf(dir, dirlen, "%s/verilator/golden/%s", cache_root, key);
	snprintf(path, sizeof(path), "%s/Vgold.h", dir);
	if (stat(path, &st) == 0)
		return 0;
	while (once_claim(&gold_once, key))
		if (stat(path, &st) == 0)
			return 0; /* built while we waited */
	job[0] = '\0';
	buf_init(&u, 4096);
	if (stat(path, &st) == 0) { /* built while we waited */
		ret = 0;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		snprintf(out->infra_err, sizeof(out->infra_err), "golden model: %.400s", err);
		goto out;
	}
	if (tool_write_file(job, "gold.v", p->prep.gold_eq, strlen(p->prep.gold_eq), err,
			    sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%s", err);
		goto out;
	}
	{
		const char *av[] = {g_tools.verilator_bin, VL_VERILATE, "--prefix", "Vgold",
				    "--top-module", gtop, "-Mdir", "vg", "gold.v", NULL};
		struct av ac;

		av_cxx(&ac, lvl);
		av_pch(&ac, lvl, 0);
		av_add(&ac, "-Ivg");
		av_add(&ac, "-c");
		av_add(&ac, "gold.cpp");
		av_add(&ac, "-o");
		av_add(&ac, "gold.o");
		if (build_step(job, av, 0, "verilate golden", out) != 0)
			goto out;
		if (engine_vl_add_includes(job, "vg", &u, err, sizeof(err)) < 0 || u.overflow ||
		    tool_write_file(job, "gold.cpp", u.data, u.len, err, sizeof(err)) < 0 ||
		    (rt_pch[lvl] && share_pch(rt_dir, job, lvl, err, sizeof(err)) < 0)) {
			snprintf(out->infra_err, sizeof(out->infra_err), "golden model: %.400s",
				 u.overflow ? "too many files" : err);
			goto out;
		}
		if (build_step(job, ac.v, 0, "compile golden", out) != 0)
			goto out;
	}
	snprintf(path, sizeof(path), "%s/vg/Vgold.h", job);
	snprintf(tmp, sizeof(tmp), "%s/verilator/golden/%s.tmp%ld", cache_root, key, (long)getpid());
	if (mkdir_p(tmp) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "mkdir %.300s: %s", tmp,
			 strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/vg", job);
	if (keep_file(job, "gold.o", tmp, err, sizeof(err)) < 0 ||
	    keep_file(path, "Vgold.h", tmp, err, sizeof(err)) < 0 ||
	    publish_dir(tmp, dir, keep, 2, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "golden model: %.400s", err);
		goto out;
	}
	*built_ms = engine_ms_since(&t0);
	ret = 0;
out:
	if (job[0])
		sb_job_remove(job, err, sizeof(err));
	buf_release(&u);
	once_done(&gold_once, key);
	return ret;
}

/* Verilates the candidate (cand.v in jobdir, into mdir, classes named prefix...); where Verilator only asks how to treat delays (NEEDTIMINGOPT) and
 * engine_vlx_delays_ok finds them harmless, again with --no-timing (*dropped = their total);
 * where it finds them harmful, icw says why Icarus must judge. build_step's return. */
int vl_verilate(const struct problem *p, const char *jobdir, const char *prefix, const char *mdir,
		struct func_out *out, double *dropped, char *icw, size_t icwlen)
{
	const char *ac[] = {g_tools.verilator_bin, VL_VERILATE, "--prefix", prefix, "--top-module",
			    p->top, "-Mdir", mdir, "cand.v", NULL, NULL};
	char path[1300];
	struct buf cand;
	int x = build_step(jobdir, ac, 1, "verilate", out);

	if (x <= 0 || out->min_score || !out->diag || !strstr(out->diag, "NEEDTIMINGOPT"))
		return x;
	buf_init(&cand, 2 * RTLR_MAX_SOURCE);
	snprintf(path, sizeof(path), "%s/cand.v", jobdir);
	if (buf_read_file(&cand, path) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "read cand.v: %s", strerror(errno));
		x = -1;
	} else if (!engine_vlx_delays_ok(cand.data, p->prep.gold_eq, out->diag, dropped, icw,
					 icwlen)) {
		x = 0; /* icw set: Icarus judges */
	} else {
		size_t n = sizeof(ac) / sizeof(ac[0]) - 2;
		ac[n] = ac[n - 1]; /* cand.v last */
		ac[n - 1] = "--no-timing";
		free(out->diag);
		out->diag = NULL;
		out->compile_error = 0;
		out->reason[0] = '\0';
		x = build_step(jobdir, ac, 1, "verilate", out);
	}
	buf_release(&cand);
	return x;
}

int vl_models_ready(const struct problem *p, int lvl, char *gdir, size_t gdirlen,
		    struct func_out *out, char *icw, size_t icwlen)
{
	int x;

	icw[0] = '\0';
	if (runtime_ready(out->infra_err, sizeof(out->infra_err)) < 0)
		return -1;
	if (golden_ready(p, lvl, gdir, gdirlen, &out->golden_ms, out) < 0)
		return -1;
	x = engine_vlx_port_renamed(gdir);
	if (x < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "no model header Vgold.h in %.400s",
			 gdir);
		return -1;
	}
	if (x > 0)
		snprintf(icw, icwlen, "a port name is a C++ word Verilator renames (__SYM__)");
	return 0;
}

uint32_t vl_rand_seed(uint64_t seed)
{
	return (uint32_t)(splitmix(seed) & 0x7fffffff) | 1u;
}

void vl_harness_prelude(struct buf *o)
{
	/* printing a value in hex (width-aware) */
	buf_adds(o, "static void hexw(char *b, size_t n, const uint32_t *w, int words, int bits) {\n"
		    "  int digits = (bits + 3) / 4; if (digits > (int)n - 1) digits = (int)n - 1;\n"
		    "  for (int d = 0; d < digits; d++) { int bit = (digits - 1 - d) * 4;\n"
		    "    unsigned v = (w[bit / 32] >> (bit % 32)) & 15u; (void)words;\n"
		    "    b[d] = \"0123456789abcdef\"[v]; }\n  b[digits] = 0; }\n");
}

int vl_build_sim(const char *jobdir, int lvl, const char *gdir, double wall_s,
		 struct func_out *out, double *cc_ms, double *link_ms)
{
	char err[512];
	struct timespec ts;
	struct av ab;
	int x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* The cache directory may not be visible in the sandbox (/tmp is private there): the
	 * objects and the PCH are linked (or copied) into the job directory. */
	if (share_file(rt_dir, "verilated.o", jobdir, "rt1.o", err, sizeof(err)) < 0 ||
	    share_file(rt_dir, "verilated_threads.o", jobdir, "rt2.o", err, sizeof(err)) < 0 ||
	    (rt_pch[lvl] && share_pch(rt_dir, jobdir, lvl, err, sizeof(err)) < 0) ||
	    share_file(gdir, "gold.o", jobdir, "gold.o", err, sizeof(err)) < 0 ||
	    share_file(gdir, "Vgold.h", jobdir, "Vgold.h", err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%.500s", err);
		return -1;
	}
	av_cxx(&ab, lvl);
	av_pch(&ab, lvl, 0);
	av_add(&ab, "-I.");
	av_add(&ab, "-Ivc");
	av_add(&ab, "-c");
	av_add(&ab, "unit.cpp");
	av_add(&ab, "-o");
	av_add(&ab, "unit.o");
	x = build_step_lim(jobdir, ab.v, 1, cxx_clang ? "clang++" : "g++", wall_s, out);
	if (x > 0 && pch_refused(out->diag)) {
		snprintf(out->infra_err, sizeof(out->infra_err), "the PCH was refused: %.400s",
			 out->diag);
		free(out->diag);
		out->diag = NULL;
		out->compile_error = out->min_score = 0;
		out->reason[0] = '\0';
		return -1;
	}
	if (x != 0)
		return x;
	*cc_ms = engine_ms_since(&ts);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	{
		static const char *const objs[] = {"-pthread", "unit.o", "gold.o", "rt1.o", "rt2.o",
						   "-o", "sim"};
		struct av al = {.n = 0};
		size_t i;

		av_add(&al, "/usr/bin/g++"); /* a lighter driver than clang++'s for linking */
		for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
			av_add(&al, objs[i]);
		if (cxx_clang)
			av_add(&al, "-latomic"); /* clang's -O0 calls __atomic_is_lock_free */
		av_add(&al, rt_ld);
		x = build_step_lim(jobdir, al.v, 1, "link", wall_s, out);
		if (x != 0)
			return x;
	}
	*link_ms = engine_ms_since(&ts);
	return 0;
}

/* Per candidate: verilate it (--prefix Vcand), compile it with the harness as one unit against
 * the PCH, link with the cached runtime and golden objects, run (three times: engine_vlx_run).
 * Stage times go into out. When Icarus must judge instead, icw says why (and out is untouched
 * by a verdict). */
static int verilator_equivalence(const struct problem *p, const char *jobdir, uint64_t seed,
				 struct func_out *out, char *icw, size_t icwlen)
{
	char tag[40], err[512], gdir[1100], sim[600];
	struct stim_plan pl;
	struct buf h;
	struct timespec t0, ts;
	double dropped = 0;
	int ret = -1, x;
	uint64_t expect = harness_samples(p);
	int lvl = expect >= VL_O1_SAMPLES;

	icw[0] = '\0';
	buf_init(&h, 4 * RTLR_MAX_REFERENCE);
	memset(&pl, 0, sizeof(pl));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (vl_models_ready(p, lvl, gdir, sizeof(gdir), out, icw, icwlen) < 0)
		goto out;
	if (icw[0]) {
		ret = 0;
		goto out;
	}
	engine_new_tag(tag);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = vl_verilate(p, jobdir, "Vcand", "vc", out, &dropped, icw, icwlen);
	if (x < 0)
		goto out;
	if (x > 0 || icw[0]) {
		ret = 0;
		goto out;
	}
	out->verilate_ms = engine_ms_since(&ts);
	if (stim_plan_for_job(p, seed, jobdir, &pl) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "stimulus plan: out of memory");
		goto out;
	}
	pl.track_toggles = out->want_toggles;
	if (pl.total != expect) { /* stim_total() and the plan disagree: a bug, never a verdict */
		snprintf(out->infra_err, sizeof(out->infra_err), "stimulus plan: %llu steps, expected %llu",
			 (unsigned long long)pl.total, (unsigned long long)expect);
		goto out;
	}
	if (cpp_harness(p, &pl, seed, tag, &h) < 0 ||
	    engine_vl_add_includes(jobdir, "vc", &h, err, sizeof(err)) < 0 || h.overflow || tool_write_file(jobdir, "unit.cpp", h.data, h.len, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "harness: %.400s",
			 h.overflow ? "too large" : err);
		goto out;
	}
	x = vl_build_sim(jobdir, lvl, gdir, g_tools.lim.compile_s, out, &out->cc_ms, &out->link_ms);
	if (x < 0)
		goto out;
	if (x > 0) {
		ret = 0;
		goto out;
	}
	out->compile_ms = engine_ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(sim, sizeof(sim), "%s/sim", jobdir);
	if (engine_vlx_run(jobdir, sim, tag, expect, out, icw, icwlen) < 0)
		goto out;
	out->run_ms = engine_ms_since(&t0);
	stim_cov_from_plan(&pl, &out->cov);
	vl_note(out, lvl, dropped);
	ret = 0;
out:
	stim_plan_release(&pl);
	buf_release(&h);
	return ret;
}

void vl_note(struct func_out *out, int lvl, double dropped)
{
	snprintf(out->note, sizeof(out->note), "verilator (2-state): the same outputs with undefined "
		 "bits 0, 1 and random in golden and candidate alike; the first cycle is not compared%s%s",
		 lvl ? "; models compiled -O1 (long simulation)" : "",
		 dropped > 0 ? "; delays dropped (--no-timing)" : "");
}

/* Verilator is 2-state: where x or z is assigned, Icarus's X rule decides; where Verilator
 * refuses the golden, or the candidate on an unsupported construct, the candidate is referred
 * to Icarus (out->refer; engine.c runs it). */
static int verilator_equivalence_xz(const struct problem *p, const char *jobdir, uint64_t seed,
				    struct func_out *out)
{
	char icw[240];
	int x = engine_verilator_xz_guard(p, jobdir, out); /* x/z and division */

	if (x != 0)
		return x < 0 ? -1 : 0;
	if (engine_vlx_known(p, seed, NULL)) {
		engine_vlx_refer(out, "the golden reads undefined values: its outputs change with "
				      "the initial values (4-state needed)");
		return 0;
	}
	x = verilator_equivalence(p, jobdir, seed, out, icw, sizeof(icw));
	if (x == 0 && icw[0]) {
		engine_vlx_known(p, seed, icw);
		engine_vlx_refer(out, icw);
		return 0;
	}
	return engine_verilator_eq_refused(x, out);
}

const struct engine engine_verilator = {
	.name = "verilator",
	.equivalence = verilator_equivalence_xz,
	.testbench = engine_verilator_tb,
	.equivalence_group = engine_verilator_group,
};
