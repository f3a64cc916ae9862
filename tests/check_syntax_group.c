/* Unit tests for the syntax tier's group calls (reward/syntax_group.c): for groups of 1..16
 * candidates in various orders, each candidate's preprocessing (rc, diagnostics, text byte for
 * byte) and elaboration (rc, raw diagnostics, vinfo: top, modules, ports) equal its single
 * call's; the group really is one call when it can be (tool-run counter); and the pure text
 * functions (renamer refusals, diagnostic attribution) behave. Real Verilator in the sandbox;
 * the candidates are our own small designs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "buf.h"
#include "counters.h"
#include "lib_sandbox.h"
#include "pipeline.h"
#include "syntax.h"
#include "syntax_group.h"
#include "tools.h"

#define TOP "top_module"

/* Each a candidate.v; comments say what it exercises. */
static const char *const cands[] = {
	/* 0 good */
	"module top_module(input a, input b, output y);\n  assign y = a & b;\nendmodule\n",
	/* 1 macros: W 8, FOO defined, `ifdef */
	"`define W 8\n`define FOO\nmodule top_module(input [`W-1:0] a, output y);\n"
	"`ifdef FOO\n  assign y = ^a;\n`else\n  assign y = 1'b0;\n`endif\nendmodule\n",
	/* 2 the same macro name W with another value */
	"`define W 4\nmodule top_module(input [`W-1:0] a, output y);\n  assign y = &a;\nendmodule\n",
	/* 3 uses `W without defining it: -E leaves `W, --xml-only fails (must not borrow 1's or 2's) */
	"module top_module(input [`W-1:0] a, output y);\n  assign y = a[0];\nendmodule\n",
	/* 4 `ifdef FOO / W without defining them: the `else branch alone */
	"`ifdef FOO\nmodule top_module(input a, output y); assign y = a; endmodule\n`else\n"
	"module top_module(input [3:0] a, output [1:0] y); assign y = a[1:0]; endmodule\n`endif\n",
	/* 5 preprocessing error: unterminated `ifdef */
	"module top_module(input a, output y);\n`ifdef BAR\n  assign y = a;\nendmodule\n",
	/* 6 syntax error (missing semicolon) on line 3 */
	"module top_module(input a, input b, output y);\n  wire t\n  assign t = a | b;\n"
	"  assign y = t;\nendmodule\n",
	/* 7 elaboration error: undeclared signal under `default_nettype none */
	"`default_nettype none\nmodule top_module(input wire a, output wire y);\n"
	"  assign y = a & nosuch;\nendmodule\n",
	/* 8 missing top module */
	"module adder(input [3:0] a, b, output [4:0] s);\n  assign s = a + b;\nendmodule\n",
	/* 9 helper submodule, parameter, clock */
	"module helper(input a, output b); assign b = ~a; endmodule\n"
	"module top_module #(parameter W = 4) (input clk, input [W-1:0] d, output reg [W-1:0] q,"
	" output z);\n  helper h(.a(d[0]), .b(z));\n  always @(posedge clk) q <= d;\nendmodule\n",
	/* 10 another `helper` with other ports (a collision), negedge reset */
	"module helper(input [1:0] a, output [1:0] b); assign b = a ^ 2'b11; endmodule\n"
	"module top_module(input clk, input rst_n, input [1:0] x, output reg [1:0] y);\n"
	"  wire [1:0] w;\n  helper hh(.a(x), .b(w));\n"
	"  always @(posedge clk or negedge rst_n) if (!rst_n) y <= 0; else y <= w;\nendmodule\n",
	/* 11 `default_nettype none and `timescale at the end (must not reach 12) */
	"`timescale 1ns/1ps\nmodule top_module(input wire a, output wire y); assign y = ~a; endmodule\n"
	"`default_nettype none\n",
	/* 12 an implicit net (fine alone) */
	"module top_module(input a, input b, output y);\n  assign n1 = a ^ b;\n  assign y = n1;\nendmodule\n",
	/* 13 `__FILE__ and `__LINE__ */
	"module top_module(input a, output y);\n  initial $display(\"%s %0d\", `__FILE__, `__LINE__);\n"
	"  assign y = a;\nendmodule\n",
	/* 14 a port and a module both named sub; a module named hab next to 8'hab */
	"module sub(input [7:0] i, output [7:0] o); assign o = i + 8'hab; endmodule\n"
	"module hab(input x, output y); assign y = x; endmodule\n"
	"module top_module(input [7:0] a, output [7:0] sub, output z);\n"
	"  sub u(.i(a), .o(sub));\n  hab k(.x(a[0]), .y(z));\nendmodule\n",
	/* 15 SystemVerilog: signed ports, unpacked array port, always_ff */
	"module top_module(input logic clk, input logic signed [7:0] a, input logic [3:0] m [0:1],"
	" output logic signed [8:0] y);\n  always_ff @(posedge clk) y <= a + $signed({1'b0, m[0]});\n"
	"endmodule\n",
	/* 16 `include of itself */
	"`include \"candidate.v\"\nmodule top_module(input a, output y); assign y = a; endmodule\n",
	/* 17 an escaped identifier and generate */
	"module top_module(input [3:0] a, output [3:0] \\y$ );\n  genvar i;\n"
	"  generate for (i = 0; i < 4; i = i + 1) begin : g\n    assign \\y$ [i] = a[3 - i];\n"
	"  end endgenerate\nendmodule\n",
	/* 18 a `line directive of its own */
	"module top_module(input a, output y);\n`line 40 \"other.v\" 0\n  assign y = a;\nendmodule\n",
	/* 19 no ports (an empty module element in the netlist), a `resetall */
	"`resetall\nmodule top_module;\nendmodule\n",
	/* 20 two errors, one in an instantiated submodule with a missing module */
	"module top_module(input a, output y);\n  missing_mod u(.a(a), .y(y));\n  assign q = ;\n"
	"endmodule\n",
	/* 21 something at file scope (a function): runs alone */
	"function automatic f(input x); f = ~x; endfunction\n"
	"module top_module(input a, output y); assign y = f(a); endmodule\n",
	/* 22 unterminated block comment */
	"module top_module(input a, output y); assign y = a; endmodule\n/* open\n",
	/* 23 good, with a nested begin/end and a case */
	"module top_module(input [1:0] s, input [3:0] d, output reg y);\n  always @(*) begin\n"
	"    case (s) 2'd0: y = d[0]; 2'd1: y = d[1]; 2'd2: y = d[2]; default: y = d[3]; endcase\n"
	"  end\nendmodule\n",
	/* 24 a parameter without a default */
	"module top_module #(parameter W) (input [W-1:0] a, output y); assign y = a[0]; endmodule\n",
	/* 25 inout, tri-state */
	"module top_module(input en, input d, inout io, output q);\n  assign io = en ? d : 1'bz;\n"
	"  assign q = io;\nendmodule\n",
	/* 26 a ref port and a real input */
	"module top_module(ref logic r, input real x, output logic y);\n  assign y = x > 0.5;\n"
	"endmodule\n",
	/* 27 a port of an interface type that is nowhere */
	"module top_module(bus_if.mp b, output y); assign y = 1'b0; endmodule\n",
	/* 28 a packed struct port */
	"module top_module(input struct packed {logic a; logic [2:0] b;} s, output [3:0] y);\n"
	"  assign y = {s.a, s.b};\nendmodule\n",
	/* 29 upward references to what a group wrapper might hold */
	"module top_module(input a, output y); assign y = u0.y | u1.y | a; endmodule\n",
	/* 30 instantiates itself */
	"module top_module(input a, output y); top_module t(.a(a), .y(y)); endmodule\n",
	/* 31 the top twice */
	"module top_module(input a, output y); assign y = a; endmodule\n"
	"module top_module(input b, output z); assign z = b; endmodule\n",
	/* 32 an unused module with an elaboration error */
	"module unused_m(input a, output y); assign y = nosuch; endmodule\n"
	"module top_module(input a, output y); assign y = a; endmodule\n",
	/* 33 instantiates a module named like a file of the job directory */
	"module top_module(input a, output y); cand c(.a(a), .y(y)); endmodule\n",
	/* 34 undefines Verilator's predefined macros (must not reach 35) */
	"`undef VERILATOR\n`undef SV_COV_OK\n`undefineall\n"
	"module top_module(input a, output y); assign y = a; endmodule\n",
	/* 35 tests them */
	"`ifdef VERILATOR\nmodule top_module(input [`SV_COV_OK:0] a, output y); assign y = a[0]; endmodule\n"
	"`else\nmodule top_module(input a, output y); assign y = a; endmodule\n`endif\n",
	/* 36 CRLF line ends, a multi-line macro with arguments, `elsif, `undef */
	"`define MX(a, b) \\\r\n  ((a) > (b) ? (a) : (b))\r\n`ifndef NOPE\r\n`define K 3\r\n`elsif X\r\n"
	"`define K 4\r\n`endif\r\nmodule top_module(input [3:0] a, b, output [3:0] y);\r\n"
	"  assign y = `MX(a, b) + `K;\r\nendmodule\r\n`undef K\r\n",
	/* 37 redefines a macro with another value (a warning: -E fails) */
	"`define R 1\n`define R 2\nmodule top_module(input [`R:0] a, output y); assign y = a[0]; endmodule\n",
};
#define NC (sizeof(cands) / sizeof(cands[0]))

/* What one candidate got. */
struct got {
	int pp_rc;
	char *pp;
	size_t pplen;
	char *pp_diags;  /* the syntax tier's diagnostics, one per line */
	int xml_rc;      /* -9: not run */
	char *xml_diag;
	char *vinfo;     /* top, modules and ports, printed */
};

static struct got single[NC];

static char *diags_text(const Rtlreward__SyntaxTier *s)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1u << 20);
	buf_printf(&b, "ok=%d truncated=%d\n", s->ok, s->truncated);
	for (i = 0; i < s->n_diagnostics; i++)
		buf_printf(&b, "%s:%u:%u:%s:%s\n", s->diagnostics[i]->file, s->diagnostics[i]->line,
			   s->diagnostics[i]->column, s->diagnostics[i]->severity,
			   s->diagnostics[i]->message);
	return buf_detach(&b, NULL);
}

static char *vinfo_text(const struct vinfo *vi)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1u << 20);
	buf_printf(&b, "top=%s\n", vi->top ? vi->top : "(null)");
	for (i = 0; i < vi->nmodules; i++)
		buf_printf(&b, "module %s\n", vi->modules[i]);
	for (i = 0; i < vi->nports; i++)
		buf_printf(&b, "port %s dir=%d w=%u s=%d pos=%d neg=%d\n", vi->ports[i].name,
			   (int)vi->ports[i].dir, vi->ports[i].width, vi->ports[i].is_signed,
			   vi->ports[i].posedge, vi->ports[i].negedge);
	return buf_detach(&b, NULL);
}

static void new_cand_job(char *job, size_t len, size_t k)
{
	char err[256];

	ck_assert_msg(sb_job_create(job, len, err, sizeof(err)) == 0, "job: %s", err);
	ck_assert_msg(tool_write_file(job, SYNTAX_CAND_RAW, cands[k], strlen(cands[k]), err,
				      sizeof(err)) == 0, "%s", err);
}

static void got_free(struct got *g)
{
	free(g->pp);
	free(g->pp_diags);
	free(g->xml_diag);
	free(g->vinfo);
	memset(g, 0, sizeof(*g));
}

/* Runs the candidates idx[0..n) through the group calls (n = 0: singles for idx[0]) and
 * fills out[]. */
static void run(const size_t *idx, size_t n, int as_group, struct got *out)
{
	size_t m = n ? n : 1, i, nx = 0;
	char (*jobs)[512] = calloc(m, sizeof(*jobs)), err[256];
	Rtlreward__Result **r = calloc(m, sizeof(*r));
	struct syntax_cand *c = calloc(m, sizeof(*c)), *x = calloc(m, sizeof(*x));
	size_t *xi = calloc(m, sizeof(*xi));

	ck_assert(jobs && r && c && x && xi);
	for (i = 0; i < m; i++) {
		new_cand_job(jobs[i], sizeof(jobs[i]), idx[i]);
		r[i] = result_new();
		ck_assert(r[i]);
		c[i].job = jobs[i];
		c[i].r = r[i];
	}
	if (as_group)
		syntax_preprocess_group(c, m);
	else
		c[0].rc = syntax_preprocess(c[0].job, c[0].r, &c[0].pp, &c[0].pplen, c[0].err,
					    sizeof(c[0].err));
	for (i = 0; i < m; i++) {
		ck_assert_msg(c[i].rc >= 0, "cand %zu: infra %s", idx[i], c[i].err);
		out[i].pp_rc = c[i].rc;
		out[i].pp = c[i].pp;
		out[i].pplen = c[i].pplen;
		out[i].pp_diags = diags_text(r[i]->syntax);
		out[i].xml_rc = -9;
		if (c[i].rc == 0) {
			ck_assert(tool_write_file(jobs[i], SYNTAX_CAND_PP, c[i].pp, c[i].pplen, err,
						  sizeof(err)) == 0);
			x[nx].job = jobs[i];
			xi[nx++] = i;
		}
	}
	if (as_group)
		syntax_xml_group(TOP, x, nx);
	else if (nx)
		x[0].rc = pipeline_verilator_xml(x[0].job, SYNTAX_CAND_PP, TOP, &x[0].vi, &x[0].diag,
						 x[0].err, sizeof(x[0].err));
	for (i = 0; i < nx; i++) {
		struct got *g = &out[xi[i]];

		ck_assert_msg(x[i].rc >= 0, "cand %zu: xml infra %s", idx[xi[i]], x[i].err);
		g->xml_rc = x[i].rc;
		g->xml_diag = x[i].diag;
		g->vinfo = x[i].rc == 0 ? vinfo_text(&x[i].vi) : strdup("");
		vinfo_release(&x[i].vi);
	}
	for (i = 0; i < m; i++) {
		protobuf_c_message_free_unpacked(&r[i]->base, NULL);
		sb_job_remove(jobs[i], err, sizeof(err));
	}
	free(jobs);
	free(r);
	free(c);
	free(x);
	free(xi);
}

static void check_same(size_t k, const struct got *g, const char *ctx)
{
	const struct got *s = &single[k];

	ck_assert_msg(g->pp_rc == s->pp_rc, "%s cand %zu: pp rc %d, alone %d", ctx, k, g->pp_rc,
		      s->pp_rc);
	ck_assert_msg(g->pplen == s->pplen && (!s->pplen || !memcmp(g->pp, s->pp, s->pplen)),
		      "%s cand %zu: pp text differs:\n--- group\n%.*s\n--- alone\n%.*s", ctx, k,
		      (int)g->pplen, g->pp ? g->pp : "", (int)s->pplen, s->pp ? s->pp : "");
	ck_assert_msg(!strcmp(g->pp_diags, s->pp_diags), "%s cand %zu: pp diags\n%s\nalone\n%s",
		      ctx, k, g->pp_diags, s->pp_diags);
	ck_assert_msg(g->xml_rc == s->xml_rc, "%s cand %zu: xml rc %d, alone %d (%s)", ctx, k,
		      g->xml_rc, s->xml_rc, g->xml_diag ? g->xml_diag : "");
	ck_assert_msg(!strcmp(g->xml_diag ? g->xml_diag : "", s->xml_diag ? s->xml_diag : ""),
		      "%s cand %zu: xml diag\n%s\nalone\n%s", ctx, k, g->xml_diag ? g->xml_diag : "",
		      s->xml_diag ? s->xml_diag : "");
	ck_assert_msg(!strcmp(g->vinfo ? g->vinfo : "", s->vinfo ? s->vinfo : ""),
		      "%s cand %zu: vinfo\n%s\nalone\n%s", ctx, k, g->vinfo ? g->vinfo : "",
		      s->vinfo ? s->vinfo : "");
}

static void tools_setup(void)
{
	char err[256];
	size_t k;

	if (tools_init(err, sizeof(err)) < 0 || syntax_group_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "tools_init: %s\n", err);
		exit(1);
	}
	for (k = 0; k < NC; k++) {
		run(&k, 0, 0, &single[k]);
		if (getenv("RTLR_SG_DUMP"))
			printf("cand %zu: pp %d xml %d\n%s%s%s\n", k, single[k].pp_rc, single[k].xml_rc,
			       single[k].pp_diags, single[k].xml_diag ? single[k].xml_diag : "",
			       single[k].vinfo ? single[k].vinfo : "");
	}
}

/* The expectations of the corpus itself, alone (so the comparisons below compare something). */
START_TEST(test_singles_as_expected)
{
	static const int pp_fail[] = {5, 16, 22};
	static const int xml_fail[] = {3, 6, 7, 8, 20};
	size_t i;

	for (i = 0; i < sizeof(pp_fail) / sizeof(pp_fail[0]); i++)
		ck_assert_msg(single[pp_fail[i]].pp_rc == 1, "cand %d should fail -E", pp_fail[i]);
	for (i = 0; i < sizeof(xml_fail) / sizeof(xml_fail[0]); i++)
		ck_assert_msg(single[xml_fail[i]].pp_rc == 0 && single[xml_fail[i]].xml_rc == 1,
			      "cand %d should fail --xml-only", xml_fail[i]);
	ck_assert(strstr(single[8].xml_diag, "--top-module") && strstr(single[8].xml_diag, "was not found"));
	ck_assert(strstr(single[6].xml_diag, "candidate.v:3:"));
	ck_assert(strstr(single[1].pp, "[8-1:0]") && strstr(single[2].pp, "[4-1:0]"));
	ck_assert(strstr(single[4].vinfo, "port a dir=0 w=4"));
	ck_assert(strstr(single[9].vinfo, "port clk dir=0 w=1 s=0 pos=1"));
	ck_assert(strstr(single[10].vinfo, "port rst_n dir=0 w=1 s=0 pos=0 neg=1"));
	ck_assert(strstr(single[14].vinfo, "port sub dir=1 w=8"));
	ck_assert(strstr(single[15].vinfo, "port a dir=0 w=8 s=1"));
	ck_assert(strstr(single[13].pp, "\"candidate.v\""));
	ck_assert(strstr(single[35].pp, "[1:0]"));
	ck_assert(strstr(single[36].vinfo, "port b dir=0 w=4"));
	for (i = 0; i < NC; i++)
		ck_assert_msg(single[i].pp_rc == 1 || single[i].xml_rc >= 0, "cand %zu", i);
}
END_TEST

/* Group of size _i+1 (1..16), members picked in an order that changes with the size. */
START_TEST(test_group_equals_singles)
{
	size_t n = (size_t)_i + 1, idx[16] = {0}, i;
	struct got g[16];
	char ctx[64];

	for (i = 0; i < n; i++)
		idx[i] = (i * 7 + (size_t)_i * 5 + (size_t)_i / 3) % NC;
	memset(g, 0, sizeof(g));
	run(idx, n, 1, g);
	snprintf(ctx, sizeof(ctx), "group of %zu", n);
	for (i = 0; i < n; i++) {
		check_same(idx[i], &g[i], ctx);
		got_free(&g[i]);
	}
}
END_TEST

/* Every candidate in one group, forwards and backwards. */
static void whole(int backwards)
{
	size_t idx[NC], i;
	struct got g[NC];

	uint64_t before = counters_tool_runs(CT_VERILATOR), runs;

	for (i = 0; i < NC; i++)
		idx[i] = backwards ? NC - 1 - i : i;
	memset(g, 0, sizeof(g));
	run(idx, NC, 1, g);
	runs = counters_tool_runs(CT_VERILATOR) - before;
	if (getenv("RTLR_SG_DUMP"))
		printf("whole corpus%s: %llu verilator runs for %zu candidates\n",
		       backwards ? ", backwards" : "", (unsigned long long)runs, NC);
	/* singles would be 2 per candidate that preprocesses; the group must stay well under one */
	ck_assert_msg(runs < NC, "%llu verilator runs for %zu candidates", (unsigned long long)runs, NC);
	for (i = 0; i < NC; i++) {
		check_same(idx[i], &g[i], backwards ? "all, backwards" : "all");
		got_free(&g[i]);
	}
}

START_TEST(test_whole_corpus)
{
	whole(_i);
}
END_TEST

/* Good candidates only: one -E and one --xml-only for the whole group. */
START_TEST(test_one_call_per_stage)
{
	static const size_t good[] = {0, 1, 2, 4, 9, 10, 11, 12, 14, 15, 19, 23, 0, 9, 10, 23};
	size_t n = sizeof(good) / sizeof(good[0]), i;
	struct got g[16];
	uint64_t before = counters_tool_runs(CT_VERILATOR), runs;

	memset(g, 0, sizeof(g));
	run(good, n, 1, g);
	runs = counters_tool_runs(CT_VERILATOR) - before;
	for (i = 0; i < n; i++) {
		check_same(good[i], &g[i], "good");
		got_free(&g[i]);
	}
	ck_assert_msg(runs == 2, "16 good candidates took %llu verilator runs, not 2",
		      (unsigned long long)runs);
}
END_TEST

/* One syntax error among good ones: the group, the guilty alone, the rest again = 1 + 3. */
START_TEST(test_broken_one_splits_out)
{
	static const size_t idx[] = {0, 1, 2, 9, 6, 10, 12, 23};
	size_t n = sizeof(idx) / sizeof(idx[0]), i;
	struct got g[8];
	uint64_t before = counters_tool_runs(CT_VERILATOR), runs;

	memset(g, 0, sizeof(g));
	run(idx, n, 1, g);
	runs = counters_tool_runs(CT_VERILATOR) - before;
	for (i = 0; i < n; i++) {
		check_same(idx[i], &g[i], "one broken");
		got_free(&g[i]);
	}
	ck_assert_msg(runs == 4, "took %llu verilator runs, not 4", (unsigned long long)runs);
}
END_TEST

/* An `include runs alone without a try in the group: -E for it, -E for the rest, --xml-only
 * for the rest = 3 runs (a group try would make it 4). */
START_TEST(test_include_alone)
{
	static const size_t idx[] = {0, 16, 1, 2};
	size_t n = sizeof(idx) / sizeof(idx[0]), i;
	struct got g[4];
	uint64_t before = counters_tool_runs(CT_VERILATOR), runs;

	memset(g, 0, sizeof(g));
	run(idx, n, 1, g);
	runs = counters_tool_runs(CT_VERILATOR) - before;
	for (i = 0; i < n; i++) {
		check_same(idx[i], &g[i], "include");
		got_free(&g[i]);
	}
	ck_assert_msg(runs == 3, "took %llu verilator runs, not 3", (unsigned long long)runs);
}
END_TEST

/* Measurement (RTLR_SG_BENCH=1 only): 16 good candidates, 16 single calls per stage against
 * one group call per stage, wall and CPU (this process and its reaped children, i.e. the
 * sandboxed tools). Asserts only that the group is not slower. */
static double cpu_now(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
	       (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
			b.ru_stime.tv_usec) / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

START_TEST(test_bench)
{
	static const size_t sets[2][16] = {
		{0, 1, 2, 4, 9, 10, 11, 12, 14, 15, 19, 23, 0, 9, 10, 23},
		/* 3 of 16 broken (about the GRPO share): a -E error, a syntax and an elaboration error */
		{0, 1, 2, 5, 9, 10, 11, 6, 14, 15, 19, 23, 7, 9, 10, 23},
	};
	const size_t *good = sets[_i];
	enum { REPS = 5 };
	double w[2][REPS], c[2][REPS];
	uint64_t runs[2] = {0, 0};
	size_t n = 16, i, k, rep;
	struct got g[16];

	if (!getenv("RTLR_SG_BENCH"))
		return;
	for (rep = 0; rep < REPS; rep++) {
		for (k = 0; k < 2; k++) {
			double t0 = now_s(), c0 = cpu_now();
			uint64_t r0 = counters_tool_runs(CT_VERILATOR);

			memset(g, 0, sizeof(g));
			if (k)
				run(good, n, 1, g);
			else
				for (i = 0; i < n; i++)
					run(&good[i], 0, 0, &g[i]);
			w[k][rep] = now_s() - t0;
			c[k][rep] = cpu_now() - c0;
			runs[k] = counters_tool_runs(CT_VERILATOR) - r0;
			for (i = 0; i < n; i++)
				got_free(&g[i]);
		}
	}
	for (k = 0; k < 2; k++) {
		qsort(w[k], REPS, sizeof(double), cmp_d);
		qsort(c[k], REPS, sizeof(double), cmp_d);
	}
	printf("syntax, 16 candidates (%s), -E + --xml-only, median of %d (min..max):\n"
	       "  16 x single: %llu runs, wall %.0f ms (%.0f..%.0f), cpu %.0f ms (%.0f..%.0f)\n"
	       "  group of 16: %llu runs, wall %.0f ms (%.0f..%.0f), cpu %.0f ms (%.0f..%.0f)\n",
	       _i ? "3 broken" : "all good", REPS, (unsigned long long)runs[0], w[0][REPS / 2] * 1e3, w[0][0] * 1e3, w[0][REPS - 1] * 1e3, c[0][REPS / 2] * 1e3,
	       c[0][0] * 1e3, c[0][REPS - 1] * 1e3, (unsigned long long)runs[1], w[1][REPS / 2] * 1e3, w[1][0] * 1e3,
	       w[1][REPS - 1] * 1e3, c[1][REPS / 2] * 1e3, c[1][0] * 1e3, c[1][REPS - 1] * 1e3);
	fflush(stdout);
	ck_assert(w[1][REPS / 2] < w[0][REPS / 2]);
}
END_TEST

/* A macro redefined with another value: a warning fails -E; it names the member, which runs
 * alone while the rest regroups: -E group, it alone, the rest, --xml-only = 4 runs. */
START_TEST(test_warning_names_member)
{
	static const size_t idx[] = {0, 37, 1, 2};
	size_t n = sizeof(idx) / sizeof(idx[0]), i;
	struct got g[4];
	uint64_t before = counters_tool_runs(CT_VERILATOR), runs;

	ck_assert_int_eq(single[37].pp_rc, 1);
	memset(g, 0, sizeof(g));
	run(idx, n, 1, g);
	runs = counters_tool_runs(CT_VERILATOR) - before;
	for (i = 0; i < n; i++) {
		check_same(idx[i], &g[i], "warning");
		got_free(&g[i]);
	}
	ck_assert_msg(runs == 4, "took %llu verilator runs, not 4", (unsigned long long)runs);
}
END_TEST

/* Macro state between members, explicitly: 34 undefines the predefined macros 35 tests, 1 and 2
 * define W (differently) that 3 uses undefined, 1 defines FOO that 4 tests. */
START_TEST(test_macro_neighbours)
{
	static const size_t idx[] = {34, 35, 1, 3, 4, 2, 3, 35};
	size_t n = sizeof(idx) / sizeof(idx[0]), i;
	struct got g[8];

	memset(g, 0, sizeof(g));
	run(idx, n, 1, g);
	for (i = 0; i < n; i++) {
		check_same(idx[i], &g[i], "macro neighbours");
		got_free(&g[i]);
	}
}
END_TEST

/* --- the text functions ------------------------------------------------------------------- */

START_TEST(test_rename_refusals)
{
	static const char *const refused[] = {
		"function f; endfunction\nmodule top_module; endmodule\n",
		"module top_module; wire \\a ; endmodule\n",
		"module top_module; initial $display($root.top_module); endmodule\n",
		"interface i; endinterface\nmodule top_module; endmodule\n",
		"module top_module; bind top_module foo f(); endmodule\n",
		"`celldefine\nmodule top_module; endmodule\n",
		"`line 3 \"x.v\" 0\nmodule top_module; endmodule\n",
		"module other; endmodule\n",
		"module top_module; wire n0nce; endmodule\n",
		"module top_module; initial $display(\"open); endmodule\n",
		"module top_module;\n",
		"(* keep *) module top_module; endmodule\n",
	};
	size_t i, ol;
	char *o, why[128];

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int x = sg_rename(refused[i], strlen(refused[i]), "P_", "n0nce", "f.v", TOP, &o, &ol,
				  why, sizeof(why));
		ck_assert_msg(x == 1, "accepted: %s", refused[i]);
		ck_assert(why[0]);
		ck_assert(o == NULL);
	}
}
END_TEST

START_TEST(test_rename_text)
{
	const char *t = "`line 1 \"candidate.v\" 1\n`timescale 1ns/1ps\nmodule sub(input [7:0] sub,"
			" output o); assign o = sub == 8'hab; endmodule\nmodule hab; endmodule\n"
			"module top_module(output [7:0] y); sub sub(.sub(8'd3), .o()); hab h(); "
			"assign y = 8'sh ab + \"sub hab\"; endmodule : top_module\n";
	const char *want = "`line 1 \"F.v\" 1\n`timescale 1ns/1ps\nmodule P_sub(input [7:0] P_sub,"
			   " output o); assign o = P_sub == 8'hab; endmodule\nmodule P_hab; endmodule\n"
			   "module P_top_module(output [7:0] y); P_sub P_sub(.P_sub(8'd3), .o()); P_hab h(); "
			   "assign y = 8'sh ab + \"sub hab\"; endmodule : P_top_module\n";
	char *o = NULL, why[128];
	size_t ol;

	int x = sg_rename(t, strlen(t), "P_", "n0nce", "F.v", TOP, &o, &ol, why, sizeof(why));

	ck_assert_msg(x == 0, "refused: %s", why);
	ck_assert_str_eq(o, want);
	ck_assert_uint_eq(ol, strlen(want));
	free(o);
}
END_TEST

START_TEST(test_diag_owner)
{
	static const struct {
		const char *line;
		int want;
	} t[] = {
		{"%Error: cN_3.v:4:2: syntax error", 3},
		{"%Error-PINNOTFOUND: sN_0.v:1:1: x", 0},
		{"%Error: wN.v:5:1: Cannot find file containing module: 'mN_3_top_module'", 3},
		{"%Error: wN.v:1:1: x", -1},
		{"%Error: cN_9.v:1:1: x", -1},
		{"%Error: cM_1.v:1:1: x", -1},
		{"%Error: candidate.v:1:1: x", -1},
		{"%Error: Internal Error", -1},
		{"%Error: Exiting due to 2 error(s)", -2},
		{"%Warning-WIDTH: cN_1.v:1:1: x", -2},
		{"      : ... note", -2},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(sg_diag_owner(t[i].line, strlen(t[i].line), "N", 4, 0) == t[i].want,
			      "%s", t[i].line);
	ck_assert_int_eq(sg_diag_owner("%Warning-REDEFMACRO: sN_2.v:3:1: x", 34, "N", 4, 1), 2);
	ck_assert_int_eq(sg_diag_owner("%Warning-REDEFMACRO: x.v:3:1: x", 31, "N", 4, 1), -1);
}
END_TEST

START_TEST(test_pp_split_refuses_nonce)
{
	const char *out = "`line 1 \"cN_0.v\" 1\nx = \"cN_0.v\";\n`line 2 \"cN_0.v\" 2\n"
			  "`line 1 \"sN_0.v\" 1\n";
	const char *ok = "`line 1 \"cN_0.v\" 1\nx;\n`line 2 \"cN_0.v\" 2\n`line 1 \"sN_0.v\" 1\n";
	char *pp;
	size_t n;

	ck_assert_int_eq(sg_pp_split(out, strlen(out), "cN_0.v", "sN_0.v", "N", &pp, &n), 1);
	ck_assert_int_eq(sg_pp_split(ok, strlen(ok), "cN_0.v", "sN_0.v", "N", &pp, &n), 0);
	ck_assert_str_eq(pp, "`line 1 \"candidate.v\" 1\nx;\n`line 2 \"candidate.v\" 2\n");
	free(pp);
	ck_assert_int_eq(sg_pp_split(ok, strlen(ok), "cN_1.v", "sN_1.v", "N", &pp, &n), 1);
}
END_TEST

/* Hostile text never crashes the text functions: the corpus cut, spliced and bit-flipped
 * (seeded), through the renamer, the splitter and the netlist reader (under `make asan` too). */
START_TEST(test_text_mutations)
{
	unsigned seed = 12345;
	size_t it;

	for (it = 0; it < 3000; it++) {
		const char *a = cands[it % NC], *b = cands[(it * 7 + 3) % NC];
		size_t la = strlen(a), lb = strlen(b), cut, n, k, ol;
		char t[4096], *o = NULL, why[128];
		int x;

		seed = seed * 1103515245u + 12345u;
		cut = la ? (seed >> 8) % (la + 1) : 0;
		n = cut + lb < sizeof(t) ? cut + lb : sizeof(t) - 1;
		memcpy(t, a, cut);
		memcpy(t + cut, b, n - cut);
		for (k = 0; k < 3 && n; k++) {
			seed = seed * 1103515245u + 12345u;
			t[(seed >> 4) % n] = "`\"\\/*'()\n;m$ "[(seed >> 12) % 14];
		}
		t[n] = '\0';
		x = sg_rename(t, n, "P_", "n0nce", "F.v", TOP, &o, &ol, why, sizeof(why));
		ck_assert(x == 0 || x == 1);
		ck_assert(x == 0 ? o != NULL : o == NULL);
		free(o);
		x = sg_pp_split(t, n, "cN_0.v", "sN_0.v", "N", &o, &ol);
		ck_assert(x == 0 || x == 1);
		free(o);
		{
			struct vinfo vi;
			char err[128];

			if (sg_xml_extract(t, n, "P_", TOP, &vi, err, sizeof(err)) == 0)
				vinfo_release(&vi);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syntax_group");
	TCase *tc = tcase_create("group");
	TCase *tt = tcase_create("text");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, tools_setup, NULL);
	tcase_add_test(tc, test_singles_as_expected);
	tcase_add_loop_test(tc, test_group_equals_singles, 0, 16);
	tcase_add_loop_test(tc, test_whole_corpus, 0, 2);
	tcase_add_test(tc, test_one_call_per_stage);
	tcase_add_test(tc, test_broken_one_splits_out);
	tcase_add_test(tc, test_include_alone);
	tcase_add_test(tc, test_macro_neighbours);
	tcase_add_test(tc, test_warning_names_member);
	tcase_add_loop_test(tc, test_bench, 0, 2);
	tcase_add_test(tt, test_rename_refusals);
	tcase_add_test(tt, test_rename_text);
	tcase_add_test(tt, test_diag_owner);
	tcase_add_test(tt, test_pp_split_refuses_nonce);
	tcase_add_test(tt, test_text_mutations);
	suite_add_tcase(s, tt);
	suite_add_tcase(s, tc);
	return sbt_main("syntax_group", s);
}
