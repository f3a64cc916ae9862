/* Group check, Verilator engine (reward/engine_verilator_group.c), with the real tools: every
 * candidate scored in a group gets exactly the verdict its single run gives (pass rate, samples,
 * mismatches, first mismatch, reason, min_score, compile_error, note, ran), whatever the
 * group's order; the isolation cases (two candidates defining `helper` differently, a
 * candidate whose C++ does not compile though Verilator accepted it, one that crashes, one that
 * hangs, one that floods the output, one that hits the memory limit) leave the innocents their
 * single verdicts and give the guilty one its own, and count a split; candidates the guard sends
 * to Icarus go there as a group (engine.c) with the single run's note.
 *
 * Each expectation on the verdict class (pass, fail, crash, limit, Icarus) is asserted too, so a
 * test cannot pass by two equally wrong paths; the pass/fail split is confirmed against
 * iverilog directly (oracle_icarus below, a hand-written testbench).
 *
 * The Verilator runtime and golden models are cached in $RTLR_VLG_CACHE (default
 * /var/tmp/rtlr-check-vlgroup-cache) so that reruns do not rebuild them.
 * RTLR_VLG_BENCH=1 also measures 16 singles against one group of 16 (wall and CPU).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "engine.h"
#include "pipeline.h"
#include "problem.h"
#include "problems_load.h"
#include "sandbox.h"
#include "tools.h"

static struct problem *P;

#define CAND(body) "module TopModule(input clk, input reset, input en, output reg [3:0] q);\n" body \
	"endmodule\n"

static const char *const C_OK = CAND("always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1;\n");
static const char *const C_OK2 = CAND("always @(posedge clk) q <= reset ? 4'd0 : q + {3'd0, en};\n");
static const char *const C_WRONG = CAND("always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 2;\n");
static const char *const C_NORST = CAND("always @(posedge clk) if (en) q <= q + 1;\n");
/* two candidates with a module named helper each, doing different things */
static const char *const C_HELP_OK =
	"module helper(input [3:0] a, output [3:0] y); assign y = a + 4'd1; endmodule\n"
	CAND("wire [3:0] n; helper h(.a(q), .y(n));\n"
	     "always @(posedge clk) if (reset) q <= 0; else if (en) q <= n;\n");
static const char *const C_HELP_BAD =
	"module helper(input [3:0] a, output [3:0] y); assign y = a - 4'd1; endmodule\n"
	CAND("wire [3:0] n; helper h(.a(q), .y(n));\n"
	     "always @(posedge clk) if (reset) q <= 0; else if (en) q <= n;\n");
/* one candidate's module named like another's class prefix */
static const char *const C_PREFIXLIKE =
	"module Vc000000_000(input [3:0] a, output [3:0] y); assign y = a + 4'd1; endmodule\n"
	CAND("wire [3:0] n; Vc000000_000 h(.a(q), .y(n));\n"
	     "always @(posedge clk) if (reset) q <= 0; else if (en) q <= n;\n");
/* Verilator accepts it, the C++ compiler does not */
static const char *const C_CXXBAD = CAND("initial $c(\"this is not C++ at all;\");\n"
					 "always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1;\n");
/* the run never ends when en is 1 */
static const char *const C_HANG = CAND("reg [31:0] k, acc;\n"
	"always @(posedge clk) begin acc = 0; for (k = 0; k != 32'hffffffff; k = k + 1) acc = acc ^ (k * 3);\n"
	"q <= reset ? 4'd0 : q + acc[3:0]; end\n");
/* the model stops the process ($fatal) */
static const char *const C_CRASH = CAND("always @(posedge clk) begin if (en && q == 4'd3) $fatal(1, \"boom\");\n"
					"if (reset) q <= 0; else if (en) q <= q + 1; end\n");
/* output past the capture cap */
static const char *const C_FLOOD = CAND("integer i;\n"
	"always @(posedge clk) begin for (i = 0; i < 400; i = i + 1) $display(\"flood flood flood flood flood flood flood flood flood flood\");\n"
	"if (reset) q <= 0; else if (en) q <= q + 1; end\n");
/* a memory far past the address-space limit */
static const char *const C_MEM = CAND("reg [63:0] m [0:(1<<27)-1];\n"
	"always @(posedge clk) begin m[q] <= {60'd0, q}; if (reset) q <= 0; else if (en) q <= q + 1; end\n");
/* the guard's cases: x assigned, a division that may be by 0 */
static const char *const C_XZ = CAND("always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1; else q <= q ^ 4'b0000;\n"
				     "wire [3:0] unused = 4'bx;\n");
static const char *const C_DIV = CAND("wire [3:0] d = q / {3'd0, en};\n"
				      "always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1;\n");

struct verdict {
	int rc;
	struct func_out o;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_children_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static void new_job(char *job, size_t len, const char *src)
{
	char err[256];

	ck_assert_msg(sb_job_create(job, len, err, sizeof(err)) == 0, "job: %s", err);
	ck_assert_msg(tool_write_file(job, "cand.v", src, strlen(src), err, sizeof(err)) == 0, "%s",
		      err);
}

static void drop_job(const char *job)
{
	char err[256];

	sb_job_remove(job, err, sizeof(err));
}

static int bench_only(void)
{
	return getenv("RTLR_VLG_BENCH") != NULL || getenv("RTLR_VLG_VEVAL") != NULL;
}

static void single(const char *src, struct verdict *v)
{
	char job[512];

	memset(v, 0, sizeof(*v));
	new_job(job, sizeof(job), src);
	v->rc = engine_equivalence(&engine_verilator, P, job, P->seed, &v->o);
	drop_job(job);
}

static void group(const char *const *src, size_t n, struct verdict *v)
{
	struct engine_cand *c = calloc(n, sizeof(*c));
	char (*job)[512] = calloc(n, sizeof(*job));
	size_t i;

	ck_assert(c && job);
	for (i = 0; i < n; i++) {
		new_job(job[i], sizeof(job[i]), src[i]);
		c[i].jobdir = job[i];
	}
	engine_equivalence_group(&engine_verilator, P, P->seed, c, n);
	for (i = 0; i < n; i++) {
		v[i].rc = c[i].rc;
		v[i].o = c[i].out;
		drop_job(job[i]);
	}
	free(c);
	free(job);
}

/* Notes agree; the known-golden wording depends on the process's history (the first candidate
 * that finds a golden reading undefined values says how; later ones, alone or grouped, cite the
 * rule), not on the group: both forms count as one. */
static int note_eq(const char *a, const char *b)
{
	static const char g[] = "ran under Icarus: the golden reads undefined values: its outputs change";

	return !strcmp(a, b) || (!strncmp(a, g, sizeof(g) - 1) && !strncmp(b, g, sizeof(g) - 1));
}

static void same(const char *what, const struct verdict *a, const struct verdict *b)
{
	const struct func_out *x = &a->o, *y = &b->o;

	ck_assert_msg(a->rc == b->rc, "%s: rc %d vs %d (%s | %s)", what, a->rc, b->rc, x->infra_err,
		      y->infra_err);
	ck_assert_msg(x->checked == y->checked && x->passed == y->passed, "%s: checked/passed %d/%d "
		      "vs %d/%d (%s | %s)", what, x->checked, x->passed, y->checked, y->passed,
		      x->reason, y->reason);
	ck_assert_msg(x->samples == y->samples && x->mismatches == y->mismatches,
		      "%s: samples %llu/%llu vs %llu/%llu", what, (unsigned long long)x->samples,
		      (unsigned long long)x->mismatches, (unsigned long long)y->samples,
		      (unsigned long long)y->mismatches);
	ck_assert_msg(x->pass_rate == y->pass_rate, "%s: pass_rate", what);
	ck_assert_msg(x->has_first == y->has_first && x->first_time == y->first_time &&
		      !strcmp(x->first_signal, y->first_signal) &&
		      !strcmp(x->first_expected, y->first_expected) &&
		      !strcmp(x->first_got, y->first_got), "%s: first mismatch %llu %s %s %s vs %llu %s %s %s",
		      what, (unsigned long long)x->first_time, x->first_signal, x->first_expected,
		      x->first_got, (unsigned long long)y->first_time, y->first_signal,
		      y->first_expected, y->first_got);
	ck_assert_msg(!strcmp(x->reason, y->reason), "%s: reason '%s' vs '%s'", what, x->reason,
		      y->reason);
	ck_assert_msg(x->min_score == y->min_score && x->compile_error == y->compile_error,
		      "%s: min_score/compile_error %d/%d vs %d/%d", what, x->min_score,
		      x->compile_error, y->min_score, y->compile_error);
	ck_assert_msg(note_eq(x->note, y->note), "%s: note '%s' vs '%s'", what, x->note, y->note);
	ck_assert_msg((!x->ran && !y->ran) || (x->ran && y->ran && !strcmp(x->ran, y->ran)),
		      "%s: ran %s vs %s", what, x->ran ? x->ran : "-", y->ran ? y->ran : "-");
	ck_assert_msg(!strcmp(x->cov.hash, y->cov.hash), "%s: stimulus hash %s vs %s", what,
		      x->cov.hash, y->cov.hash);
}

static void release(struct verdict *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		func_out_release(&v[i].o);
}

/* Scores src[0..n) singly and as a group (and, with both, the group reversed); asserts
 * identity. */
static void identity(const char *const *src, size_t n, struct verdict *sg, int both)
{
	struct verdict *gr = calloc(n, sizeof(*gr));
	const char **rev = calloc(n, sizeof(*rev));
	char what[64];
	size_t i;

	uint64_t h0, h1, c0, c1;

	ck_assert(gr && rev);
	h0 = counters_tool_runs(CT_HARNESS);
	c0 = counters_tool_runs(CT_OTHER); /* the C++ compiler and linker */
	for (i = 0; i < n; i++)
		single(src[i], &sg[i]);
	h1 = counters_tool_runs(CT_HARNESS);
	c1 = counters_tool_runs(CT_OTHER);
	group(src, n, gr);
	/* the group really ran as one: fewer simulation processes and builds than the singles
	 * (where no candidate is guilty of anything) */
	ck_assert_msg(!both || (counters_tool_runs(CT_HARNESS) - h1 < (h1 - h0) / 2 + 1 &&
				counters_tool_runs(CT_OTHER) - c1 < c1 - c0),
		      "group: %llu runs, %llu builds; singles: %llu, %llu",
		      (unsigned long long)(counters_tool_runs(CT_HARNESS) - h1),
		      (unsigned long long)(counters_tool_runs(CT_OTHER) - c1),
		      (unsigned long long)(h1 - h0), (unsigned long long)(c1 - c0));
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "candidate %zu", i);
		same(what, &sg[i], &gr[i]);
	}
	release(gr, n);
	if (!both)
		goto out;
	for (i = 0; i < n; i++)
		rev[i] = src[n - 1 - i];
	group(rev, n, gr);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "candidate %zu (reversed group)", n - 1 - i);
		same(what, &sg[n - 1 - i], &gr[i]);
	}
	release(gr, n);
out:
	free(gr);
	free(rev);
}

static uint64_t splits(void)
{
	struct buf b;
	const char *l;
	uint64_t total = 0;

	/* the counters' own format: rtlr_group_splits_total{cause="..."} N */
	buf_init(&b, 1 << 16);
	counters_format(&b);
	for (l = b.data; l && (l = strstr(l, "split")); l++) {
		const char *e = strchr(l, '\n'), *sp;
		if (!e)
			break;
		sp = e;
		while (sp > l && sp[-1] != ' ')
			sp--;
		if (strchr(l, '{') && strchr(l, '{') < e && *sp >= '0' && *sp <= '9')
			total += strtoull(sp, NULL, 10);
		l = e;
	}
	buf_release(&b);
	return total;
}

/* pass/fail of the plain candidates against iverilog directly: golden and candidate side by
 * side under a hand-written random testbench; 1 when they agree on every sample. */
static int oracle_icarus(const char *cand)
{
	static const char *const tb =
		"module tb; reg clk = 0, reset = 1, en = 0; wire [3:0] qg, qc; integer i, bad = 0;\n"
		"RefModule g(.clk(clk), .reset(reset), .en(en), .q(qg));\n"
		"TopModule c(.clk(clk), .reset(reset), .en(en), .q(qc));\n"
		"initial begin for (i = 0; i < 400; i = i + 1) begin #5 clk = 1; #1 if (i > 2 && qg !== qc) bad = bad + 1;\n"
		"#4 clk = 0; reset = (i < 3) || ($random % 17 == 0); en = $random; end\n"
		"$display(\"BAD %0d\", bad); $finish; end endmodule\n";
	char dir[] = "/tmp/rtlr-vlg-oracle-XXXXXX", cmd[1024], path[256], line[64];
	FILE *f;
	int bad = -1;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/all.v", dir);
	f = fopen(path, "w");
	ck_assert(f);
	fprintf(f, "%s\n%s\n%s\n", P->reference, cand, tb);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iverilog -o sim all.v 2>/dev/null && vvp -n sim", dir);
	f = popen(cmd, "r");
	ck_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "BAD %d", &bad) == 1)
			break;
	pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert(system(cmd) == 0);
	ck_assert_msg(bad >= 0, "the oracle did not run");
	return bad == 0;
}

START_TEST(test_identity_plain)
{
	static const char *const src[] = {C_OK, C_WRONG, C_HELP_OK, C_HELP_BAD, C_OK2, C_NORST,
					  C_PREFIXLIKE, C_XZ, C_DIV};
	const size_t n = sizeof(src) / sizeof(src[0]);
	struct verdict sg[sizeof(src) / sizeof(src[0])];

	if (bench_only())
		return;
	identity(src, n, sg, 1);
	/* the classes, and the oracle on pass/fail */
	ck_assert_msg(sg[0].o.passed && !sg[0].o.ran, "C_OK: %s", sg[0].o.reason);
	ck_assert_msg(sg[1].o.checked && !sg[1].o.passed && sg[1].o.has_first, "C_WRONG");
	ck_assert_msg(sg[2].o.passed && !sg[3].o.passed, "helper: %s / %s", sg[2].o.reason,
		      sg[3].o.reason);
	ck_assert(sg[4].o.passed && sg[6].o.passed);
	ck_assert_msg(sg[7].o.ran && !strcmp(sg[7].o.ran, "icarus") &&
		      strstr(sg[7].o.note, "ran under Icarus: the candidate assigns x or z"), "C_XZ: %s",
		      sg[7].o.note);
	ck_assert_msg(sg[8].o.ran && strstr(sg[8].o.note, "ran under Icarus: the candidate divides"),
		      "C_DIV: %s", sg[8].o.note);
	ck_assert(oracle_icarus(C_OK) && oracle_icarus(C_OK2) && oracle_icarus(C_HELP_OK));
	ck_assert(!oracle_icarus(C_WRONG) && !oracle_icarus(C_HELP_BAD));
	release(sg, n);
}
END_TEST

START_TEST(test_isolation)
{
	static const char *const src[] = {C_OK, C_CXXBAD, C_WRONG, C_CRASH, C_FLOOD, C_HANG, C_MEM,
					  C_HELP_OK};
	const size_t n = sizeof(src) / sizeof(src[0]);
	struct verdict sg[sizeof(src) / sizeof(src[0])];
	uint64_t s0 = splits();

	if (bench_only())
		return;
	identity(src, n, sg, 0);
	if (getenv("RTLR_VLG_DEBUG")) {
		struct buf b;
		size_t i;
		buf_init(&b, 1 << 16);
		counters_format(&b);
		fprintf(stderr, "%s\n", b.data);
		buf_release(&b);
		for (i = 0; i < n; i++)
			fprintf(stderr, "%zu: rc %d checked %d passed %d min %d ce %d reason '%s' note '%s'\n", i,
				sg[i].rc, sg[i].o.checked, sg[i].o.passed, sg[i].o.min_score,
				sg[i].o.compile_error, sg[i].o.reason, sg[i].o.note);
	}
	ck_assert_msg(splits() > s0, "no split counted");
	ck_assert(sg[0].o.passed && sg[7].o.passed && sg[2].o.checked && !sg[2].o.passed);
	ck_assert_msg(sg[1].o.compile_error, "C_CXXBAD: %s", sg[1].o.reason);
	ck_assert_msg(sg[3].o.min_score && !sg[3].o.passed, "C_CRASH: %s", sg[3].o.reason);
	ck_assert_msg(sg[5].o.min_score && strstr(sg[5].o.reason, "limit"), "C_HANG: %s",
		      sg[5].o.reason);
	ck_assert_msg(sg[6].o.min_score || sg[6].o.compile_error, "C_MEM: %s", sg[6].o.reason);
	release(sg, n);
	(void)C_FLOOD;
}
END_TEST

/* RTLR_VLG_BENCH=1 (only this runs then): 16 singles against one group of 16, on the built-in
 * problems named in RTLR_VLG_BENCH_PROBLEMS (default counter4_en), 16 unique candidates each:
 * the golden renamed as the candidate, with a different comment. */
START_TEST(test_bench)
{
	const char *list = getenv("RTLR_VLG_BENCH_PROBLEMS");
	char names[512], *save = NULL, *id, err[256];

	if (!getenv("RTLR_VLG_BENCH"))
		return;
	snprintf(names, sizeof(names), "%s", list ? list : "counter4_en");
	for (id = strtok_r(names, ", ", &save); id; id = strtok_r(NULL, ", ", &save)) {
		struct problem *q = registry_get(id), *keep = P;
		char *gold, *body[16];
		const char *src[16];
		struct verdict v[16];
		double t, cpu, ws, cs;
		size_t i, pass = 0;

		ck_assert_msg(q, "no problem %s", id);
		ck_assert_msg(pipeline_prepare(q, err, sizeof(err)) == 0, "%s: %s", id, err);
		P = q;
		gold = pipeline_rename_golden(q, "rtlr_d_", q->ref_top, q->top);
		ck_assert(gold);
		for (i = 0; i < 16; i++) {
			size_t bl = strlen(gold) + 64;
			body[i] = malloc(bl);
			ck_assert(body[i]);
			snprintf(body[i], bl, "// variant %zu\n%s", i, gold);
			src[i] = body[i];
		}
		single(src[0], &v[0]); /* the golden model built before timing */
		release(v, 1);
		t = now_s();
		cpu = cpu_children_s();
		for (i = 0; i < 16; i++)
			single(src[i], &v[i]);
		ws = now_s() - t;
		cs = cpu_children_s() - cpu;
		release(v, 16);
		t = now_s();
		cpu = cpu_children_s();
		group(src, 16, v);
		for (i = 0; i < 16; i++)
			pass += v[i].o.passed && !v[i].o.ran;
		fprintf(stderr, "vlgroup bench %s: 16 singles: wall %.2f s, CPU %.2f s; one group of 16: "
			"wall %.2f s, CPU %.2f s (%zu of 16 passed under Verilator)\n", id, ws, cs,
			now_s() - t, cpu_children_s() - cpu, pass);
		release(v, 16);
		for (i = 0; i < 16; i++)
			free(body[i]);
		free(gold);
		P = keep;
		problem_unref(q);
	}
}
END_TEST

/* RTLR_VLG_VEVAL=<VerilogEval spec-to-rtl directory> (only this runs then; RTLR_VLG_VEVAL_N
 * problems, default 20): on each problem, the golden renamed as the candidate (three comment
 * variants) and its textual mutants, scored alone and as one group under Verilator; every field
 * must agree. Prints the count of candidates, of differences, and the time of both. */
static char *mutate(const char *src, const char *from, const char *to)
{
	const char *at = strstr(src, from);
	size_t n = strlen(src), lf = strlen(from), lt = strlen(to);
	char *o;

	if (!at)
		return NULL;
	o = malloc(n - lf + lt + 1);
	ck_assert(o);
	memcpy(o, src, (size_t)(at - src));
	memcpy(o + (at - src), to, lt);
	memcpy(o + (at - src) + lt, at + lf, n - (size_t)(at - src) - lf + 1);
	return o;
}

struct veval_list {
	struct problem *p[512];
	size_t n;
};

static void collect(struct problem *p, void *arg)
{
	struct veval_list *l = arg;

	if (!strncmp(p->id, "Prob", 4) && l->n < 512) {
		problem_ref(p);
		l->p[l->n++] = p;
	}
}

START_TEST(test_veval)
{
	static const char *const ops[][2] = {{" & ", " | "}, {"+", "-"}, {"posedge", "negedge"},
					     {"1'b1", "1'b0"}, {"~", ""}, {" == ", " != "},
					     {" ^ ", " & "}};
	const char *dir = getenv("RTLR_VLG_VEVAL");
	const char *nenv = getenv("RTLR_VLG_VEVAL_N");
	static struct veval_list l;
	size_t k, i, want = nenv ? (size_t)strtoul(nenv, NULL, 10) : 20, done = 0, cands = 0, grouped = 0;
	double ts = 0, tg = 0, t;
	char err[512];
	struct problem *keep = P;

	if (!dir)
		return;
	ck_assert_msg(problems_load_dir(dir, &k, err, sizeof(err)) == 0, "%s", err);
	registry_each(collect, &l);
	for (k = 0; k < l.n && done < want; k++) {
		const char *src[16];
		char *own[16];
		struct verdict sg[16], gr[16];
		char *gold;
		size_t n = 0;

		P = l.p[k];
		if (pipeline_prepare(P, err, sizeof(err)) < 0 || !P->prep.gold_eq)
			continue;
		gold = pipeline_rename_golden(P, "rtlr_d_", P->ref_top, P->top);
		ck_assert(gold);
		for (i = 0; i < 3; i++) {
			size_t bl = strlen(gold) + 32;
			own[n] = malloc(bl);
			ck_assert(own[n]);
			snprintf(own[n], bl, "// variant %zu\n%s", i, gold);
			n++;
		}
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			char *m = mutate(gold, ops[i][0], ops[i][1]);
			if (m)
				own[n++] = m;
		}
		for (i = 0; i < n; i++)
			src[i] = own[i];
		t = now_s();
		for (i = 0; i < n; i++)
			single(src[i], &sg[i]);
		ts += now_s() - t;
		t = now_s();
		group(src, n, gr);
		tg += now_s() - t;
		for (i = 0; i < n; i++) {
			char what[128];
			snprintf(what, sizeof(what), "%s candidate %zu", P->id, i);
			same(what, &sg[i], &gr[i]);
			grouped += !gr[i].o.ran;
		}
		release(sg, n);
		release(gr, n);
		for (i = 0; i < n; i++)
			free(own[i]);
		free(gold);
		cands += n;
		done++;
	}
	fprintf(stderr, "vlgroup veval: %zu problems, %zu candidates (%zu judged by Verilator), 0 "
		"differences; alone %.1f s, grouped %.1f s\n", done, cands, grouped, ts, tg);
	for (k = 0; k < l.n; k++)
		problem_unref(l.p[k]);
	P = keep;
}
END_TEST

static void setup(void)
{
	static char root[] = "/var/tmp/rtlr-check-vlgroup-XXXXXX";
	const char *cache = getenv("RTLR_VLG_CACHE");
	struct sb_config sbc;
	static char jobs[128]; /* the sandbox keeps the path */
	char err[512];
	size_t n;

	if (P)
		return;
	if (!cache)
		cache = "/var/tmp/rtlr-check-vlgroup-cache";
	mkdir(cache, 0755);
	ck_assert(mkdtemp(root));
	snprintf(jobs, sizeof(jobs), "%s/jobs", root);
	memset(&sbc, 0, sizeof(sbc));
	sbc.job_root = jobs;
	ck_assert_msg(sb_init(&sbc, err, sizeof(err)) == 0, "sandbox: %s", err);
	g_tools.lim.sim_s = 2; /* the hang pays 2 s alone, 1 s in the group */
	g_tools.lim.mem_bytes = 768ull << 20;
	ck_assert_msg(pipeline_init(cache, err, sizeof(err)) == 0, "%s", err);
	registry_init();
	ck_assert_msg(problems_load_builtin(&n, err, sizeof(err)) == 0, "%s", err);
	P = registry_get("counter4_en");
	ck_assert(P);
	ck_assert_msg(pipeline_prepare(P, err, sizeof(err)) == 0, "prepare: %s", err);
}

int main(void)
{
	Suite *s = suite_create("engine_vlgroup");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, getenv("RTLR_VLG_VEVAL") ? 7200 : 240);
	tcase_add_test(tc, test_identity_plain);
	tcase_add_test(tc, test_isolation);
	tcase_add_test(tc, test_bench);
	tcase_add_test(tc, test_veval);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
