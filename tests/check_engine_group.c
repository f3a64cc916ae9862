/* Icarus group check (reward/engine_icarus_group.c) with the real tools: every candidate scored
 * in a group gets exactly the verdict its single run (engine_icarus.equivalence) gives, on
 * built-in problems and on this file's own small ones, in groups of several sizes and orders;
 * and one test per isolation case (module collisions, no time advance, a zero-delay loop, an
 * output flood, a construct Icarus refuses, a port the harness needs, the memory limit) that
 * asserts the innocent candidates' verdicts, the guilty one's, and that the group split.
 * The single run is the oracle: it is the path every server before grouping used, and the
 * expected pass/fail of each rewrite and mutant is asserted on it too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "engine.h"
#include "engine_icarus_group.h"
#include "pipeline.h"
#include "policy.h"
#include "problem.h"
#include "problems_load.h"
#include "reward.pb-c.h"
#include "sandbox.h"
#include "tools.h"

static char g_root[64];

static uint64_t splits(const char *cause);

/* --- own problems ------------------------------------------------------------------------ */

static const char comb_ref[] =
	"module RefModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	"                 output z);\n"
	"  always @* case (op) 2'd0: y = a + b; 2'd1: y = a - b; 2'd2: y = a & b;\n"
	"    default: y = a ^ b; endcase\n"
	"  assign z = ~|y;\nendmodule\n";

static const char seq_ref[] =
	"`timescale 1ns/1ps\n"
	"module RefModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	"                 output reg [3:0] q, output wrap);\n"
	"  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	"  assign wrap = en & (q == 4'hf);\nendmodule\n";

static const char twoclk_ref[] =
	"module RefModule(input clka, input clkb, input [3:0] da, input [3:0] db,\n"
	"                 output reg [3:0] qa, output reg [3:0] qb);\n"
	"  always @(posedge clka) qa <= da;\n"
	"  always @(posedge clkb) qb <= qa ^ db;\nendmodule\n";

static const char xgold_ref[] =
	"module RefModule(input [1:0] sel, input [11:0] data, output reg [3:0] y);\n"
	"  always @* case (sel) 2'd0: y = data[3:0]; 2'd1: y = data[7:4]; 2'd2: y = data[11:8];\n"
	"    default: y = 4'bxxxx; endcase\nendmodule\n";

static struct problem *own_problem(const char *id, const char *ref, const char *clk1,
				   const char *clk2)
{
	Rtlreward__Problem pb;
	char *clocks[2] = {(char *)clk1, (char *)clk2};
	char err[512];
	struct problem *p;

	rtlreward__problem__init(&pb);
	pb.id = (char *)id;
	pb.reference = (char *)ref;
	pb.top = "TopModule";
	pb.ref_top = "RefModule";
	pb.mode = "equivalence";
	pb.seed = 7;
	pb.cycles = 60;
	pb.n_clocks = clk2 ? 2 : clk1 ? 1 : 0;
	pb.clocks = clocks;
	p = problem_from_pb(&pb, "test", err, sizeof(err));
	ck_assert_msg(p != NULL, "%s: %s", id, err);
	ck_assert_msg(pipeline_prepare(p, err, sizeof(err)) == 0, "%s: %s", id, err);
	return p;
}

static struct problem *builtin(const char *id)
{
	struct problem *p = registry_get(id);
	char err[512];

	ck_assert_msg(p != NULL, "no built-in %s", id);
	ck_assert_msg(pipeline_prepare(p, err, sizeof(err)) == 0, "%s: %s", id, err);
	return p;
}

/* --- scoring ----------------------------------------------------------------------------- */

static void new_job(char *job, size_t len, const char *text)
{
	char err[256];

	ck_assert_int_eq(sb_job_create(job, len, err, sizeof(err)), 0);
	ck_assert_int_eq(tool_write_file(job, "cand.v", text, strlen(text), err, sizeof(err)), 0);
}

static int single(const struct problem *p, const char *text, struct func_out *o)
{
	char job[512], err[256];
	int rc;

	memset(o, 0, sizeof(*o));
	new_job(job, sizeof(job), text);
	rc = engine_icarus.equivalence(p, job, p->seed, o);
	sb_job_remove(job, err, sizeof(err));
	return rc;
}

static void group(const struct problem *p, const char *const *texts, size_t n,
		  struct engine_cand *c)
{
	char (*jobs)[512] = calloc(n, sizeof(*jobs)), err[256];

	for (size_t i = 0; i < n; i++) {
		new_job(jobs[i], sizeof(jobs[i]), texts[i]);
		memset(&c[i], 0, sizeof(c[i]));
		c[i].jobdir = jobs[i];
	}
	engine_equivalence_group(&engine_icarus, p, p->seed, c, n);
	for (size_t i = 0; i < n; i++)
		sb_job_remove(jobs[i], err, sizeof(err));
	free(jobs);
}

#define SAME_NUM(f) ck_assert_msg(a->f == b->f, "%s: " #f " %llu vs %llu", what, \
				  (unsigned long long)a->f, (unsigned long long)b->f)
#define SAME_STR(f) ck_assert_msg(!strcmp(a->f, b->f), "%s: " #f " [%s] vs [%s]", what, a->f, b->f)

/* a: single, b: in a group */
static void same(const struct func_out *a, int rca, const struct func_out *b, int rcb,
		 const char *what)
{
	ck_assert_msg(rca == rcb, "%s: rc %d vs %d (%s / %s)", what, rca, rcb, a->infra_err,
		      b->infra_err);
	SAME_NUM(checked);
	SAME_NUM(passed);
	SAME_NUM(samples);
	SAME_NUM(mismatches);
	ck_assert_msg(a->pass_rate == b->pass_rate, "%s: pass_rate", what);
	SAME_NUM(has_first);
	SAME_NUM(first_time);
	SAME_STR(first_signal);
	SAME_STR(first_expected);
	SAME_STR(first_got);
	SAME_STR(reason);
	SAME_STR(note);
	SAME_NUM(min_score);
	SAME_NUM(compile_error);
	SAME_NUM(cov.have);
	SAME_NUM(cov.corner_hits);
	SAME_NUM(cov.corner_total);
	SAME_NUM(cov.const_hits);
	SAME_NUM(cov.const_total);
	SAME_NUM(cov.sibling_draws);
	SAME_NUM(cov.joint_samples);
	SAME_STR(cov.hash);
	SAME_STR(cov.toggles);
	SAME_NUM(cov.longest_free_cycles);
	SAME_NUM(cov.reset_assertions);
	SAME_STR(cov.clocks);
	/* the alone elaboration's diagnostics name only the candidate's own text; the harness
	 * compile's name the run's random prefixes (two single runs differ there too) */
	ck_assert_msg(!a->diag == !b->diag, "%s: diag", what);
	if (a->diag && !strncmp(a->reason, "closure:", 8))
		ck_assert_msg(!strcmp(a->diag, b->diag), "%s: diag [%s] vs [%s]", what, a->diag,
			      b->diag);
}

/* A case: the candidate's text and what its single run must say (1 pass, 0 fail: a checked
 * run with mismatches, -1 no checked run, 2 any checked run: a racy design, whose verdict
 * depends on Icarus's process order, which the group must not change). */
struct cand {
	const char *text;
	int expect;
};

/* Scores cs singly (checking each expectation) and then as groups: all of them in the given
 * order, reversed, and in chunks of 3; every verdict must equal the single one. */
static void identity(const struct problem *p, const struct cand *cs, size_t n)
{
	struct func_out *ref = calloc(n, sizeof(*ref));
	int *rrc = calloc(n, sizeof(int));
	const char **texts = calloc(n, sizeof(char *));
	struct engine_cand *c = calloc(n, sizeof(*c));
	size_t i, k, chunk;
	uint64_t vvp;
	char what[160], reason[256];

	for (i = 0; i < n; i++) {
		ck_assert_msg(policy_check_tokens(cs[i].text, strlen(cs[i].text), NULL, reason,
						  sizeof(reason)) == 0, "%s #%zu: %s", p->id, i, reason);
		rrc[i] = single(p, cs[i].text, &ref[i]);
		ck_assert_msg(rrc[i] == 0, "%s #%zu: infra %s", p->id, i, ref[i].infra_err);
		if (cs[i].expect == 1)
			ck_assert_msg(ref[i].passed, "%s #%zu must pass: %s", p->id, i, ref[i].reason);
		else if (cs[i].expect == 0)
			ck_assert_msg(ref[i].checked && !ref[i].passed && ref[i].mismatches,
				      "%s #%zu must fail: %s", p->id, i, ref[i].reason);
		else if (cs[i].expect == -1)
			ck_assert_msg(!ref[i].checked, "%s #%zu must not be checked", p->id, i);
		else
			ck_assert_msg(ref[i].checked, "%s #%zu must be checked", p->id, i);
	}
	for (i = 0; i < n; i++)
		texts[i] = cs[i].text;
	vvp = counters_tool_runs(CT_VVP);
	group(p, texts, n, c);
	vvp = counters_tool_runs(CT_VVP) - vvp;
	if (n >= 8) /* they did share simulations */
		ck_assert_msg(2 * vvp < n, "%s: %llu vvp runs for %zu candidates (splits: %llu "
			      "timeout, %llu compile, %llu other)", p->id, (unsigned long long)vvp, n,
			      (unsigned long long)splits("timeout"), (unsigned long long)splits("compile"),
			      (unsigned long long)splits("other"));
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s all #%zu", p->id, i);
		same(&ref[i], rrc[i], &c[i].out, c[i].rc, what);
		func_out_release(&c[i].out);
	}
	for (i = 0; i < n; i++)
		texts[i] = cs[n - 1 - i].text;
	group(p, texts, n, c);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s reversed #%zu", p->id, n - 1 - i);
		same(&ref[n - 1 - i], rrc[n - 1 - i], &c[i].out, c[i].rc, what);
		func_out_release(&c[i].out);
	}
	for (chunk = 3; chunk <= 3; chunk++)
		for (k = 0; k < n; k += chunk) {
			size_t m = n - k < chunk ? n - k : chunk;
			for (i = 0; i < m; i++)
				texts[i] = cs[k + i].text;
			group(p, texts, m, c);
			for (i = 0; i < m; i++) {
				snprintf(what, sizeof(what), "%s chunk%zu #%zu", p->id, chunk, k + i);
				same(&ref[k + i], rrc[k + i], &c[i].out, c[i].rc, what);
				func_out_release(&c[i].out);
			}
		}
	for (i = 0; i < n; i++)
		func_out_release(&ref[i]);
	free(ref);
	free(rrc);
	free(texts);
	free(c);
}

/* The golden as a candidate (rename RefModule, ref_ submodules to x_), optionally with one
 * textual mutation. */
static char *from_ref(const struct problem *p, const char *from, const char *to)
{
	struct buf o;
	const char *s = p->reference, *q;

	buf_init(&o, 1 << 20);
	while (*s) {
		if (from && (q = strstr(s, from)) == s) {
			buf_adds(&o, to);
			s += strlen(from);
			from = NULL; /* once */
		} else if (!strncmp(s, "RefModule", 9)) {
			buf_adds(&o, "TopModule");
			s += 9;
		} else {
			buf_addc(&o, *s++);
		}
	}
	ck_assert_msg(!from, "%s: mutation not applied", p->id);
	return buf_detach(&o, NULL);
}

/* --- identity ---------------------------------------------------------------------------- */

static const struct cand comb_cands[] = {
	{"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y,\n"
	 "  output z);\n  assign y = op == 0 ? a + b : op == 1 ? a + ~b + 8'd1 : op == 2 ? a & b : a ^ b;\n"
	 "  assign z = y == 0;\nendmodule\n", 1},
	/* two candidates defining `helper`, differently */
	{"module helper(input [7:0] x, input [7:0] w, output [7:0] s); assign s = x + w; endmodule\n"
	 "module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	 "  output z);\n  wire [7:0] s; helper h(.x(a), .w(b), .s(s));\n"
	 "  always @* begin y = s; if (op == 1) y = a - b; if (op == 2) y = a & b;\n"
	 "    if (op == 3) y = a ^ b; end\n  assign z = !y;\nendmodule\n", 1},
	{"module helper(input [7:0] x, input [7:0] w, output [7:0] s); assign s = x ^ w; endmodule\n"
	 "module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	 "  output z);\n  wire [7:0] s; helper h(.x(a), .w(b), .s(s));\n"
	 "  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b; 3: y = s; endcase\n"
	 "  assign z = ~|y;\nendmodule\n", 1},
	/* a module named like a renamed one */
	{"module c000_helper(input [7:0] x, output [7:0] s); assign s = ~x; endmodule\n"
	 "module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	 "  output z);\n  wire [7:0] nb; c000_helper u(.x(b), .s(nb));\n"
	 "  always @* case (op) 0: y = a + b; 1: y = a + nb + 1; 2: y = a & b; default: y = a ^ b;\n"
	 "  endcase\n  assign z = ~|y;\nendmodule\n", 1},
	{"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	 "  output z);\n  always @* case (op) 0: y = a + b; 1: y = b - a; 2: y = a & b;\n"
	 "    default: y = a ^ b; endcase\n  assign z = ~|y;\nendmodule\n", 0},
	{"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	 "  output z);\n  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b;\n"
	 "    default: y = a ^ b; endcase\n  assign z = |y;\nendmodule\n", 0},
	/* `default_nettype none, then a candidate that needs implicit nets */
	{"`default_nettype none\n"
	 "module TopModule(input wire [7:0] a, input wire [7:0] b, input wire [1:0] op,\n"
	 "  output reg [7:0] y, output wire z);\n  always @* case (op) 0: y = a + b; 1: y = a - b;\n"
	 "    2: y = a & b; default: y = a ^ b; endcase\n  assign z = ~|y;\nendmodule\n", 1},
	{"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y,\n"
	 "  output z);\n  assign t = op[0]; assign y = op[1] ? (t ? a ^ b : a & b) : (t ? a - b : a + b);\n"
	 "  assign z = ~|y;\nendmodule\n", 1},
	/* the same precision, different units */
	{"`timescale 1ns/1ps\n"
	 "module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y,\n"
	 "  output z);\n  assign #1 y = op == 0 ? a + b : op == 1 ? a - b : op == 2 ? a & b : a ^ b;\n"
	 "  assign z = ~|y;\nendmodule\n", 1},
	{"`timescale 1us/1ps\n"
	 "module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output [7:0] y,\n"
	 "  output z);\n  assign #2 y = op == 0 ? a + b : op == 1 ? a - b : op == 2 ? a | b : a ^ b;\n"
	 "  assign z = ~|y;\nendmodule\n", 0},
};

static const struct cand seq_cands[] = {
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n"
	 "  always @(posedge clk) begin if (rst) q <= 4'd0; else if (ld) q <= d;\n"
	 "    else q <= q + {3'd0, en}; end\n  assign wrap = en && &q;\nendmodule\n", 1},
	/* passes only with the golden's `timescale 1ns/1ps inherited (a #9 s delay would miss
	 * the compare at +8) */
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n"
	 "  always @(posedge clk) if (rst) q <= #9 0; else if (ld) q <= #9 d; else if (en) q <= #9 q + 1;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 1},
	{"`resetall\n"
	 "module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n"
	 "  always @(posedge clk) if (rst) q <= #9 0; else if (ld) q <= #9 d; else if (en) q <= #9 q + 1;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 0},
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n"
	 "  always @(posedge clk) if (rst) q <= 1; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 0},
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n"
	 "  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	 "  assign wrap = en & (q == 4'he);\nendmodule\n", 0},
	{"`default_nettype none\n"
	 "module TopModule(input wire clk, input wire rst, input wire en, input wire ld,\n"
	 "  input wire [3:0] d, output reg [3:0] q, output wire wrap);\n"
	 "  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 1},
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n  assign full = &q;\n"
	 "  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	 "  assign wrap = en & full;\nendmodule\n", 1},
	/* races: blocking assignments read and written by processes of one edge */
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n  reg [3:0] n; reg e;\n"
	 "  always @(posedge clk) e = en;\n"
	 "  always @(posedge clk) if (rst) q = 0; else if (ld) q = d; else if (e) q = q + 1;\n"
	 "  always @(posedge clk) n = q;\n  assign wrap = en & (n == 4'hf);\nendmodule\n", 2},
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n  reg [3:0] n;\n"
	 "  always @(posedge clk) n = q + 1;\n"
	 "  always @(posedge clk) if (rst) q = 0; else if (ld) q = d; else if (en) q = n;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 2},
	/* a module named like a port (renaming it would rename the port: runs alone) */
	{"module d(input [3:0] x, output [3:0] y); assign y = x; endmodule\n"
	 "module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q, output wrap);\n  wire [3:0] dd; \\d u(.x(d), .y(dd));\n"
	 "  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= dd; else if (en) q <= q + 1;\n"
	 "  assign wrap = en & (q == 4'hf);\nendmodule\n", 1},
	/* no `wrap`: alone it elaborates, with the harness it does not */
	{"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	 "  output reg [3:0] q);\n"
	 "  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	 "endmodule\n", -1},
};

static const struct cand twoclk_cands[] = {
	{"module TopModule(input clka, input clkb, input [3:0] da, input [3:0] db,\n"
	 "  output reg [3:0] qa, output reg [3:0] qb);\n"
	 "  always @(posedge clkb) qb <= db ^ qa;\n  always @(posedge clka) qa <= da;\nendmodule\n", 1},
	{"module TopModule(input clka, input clkb, input [3:0] da, input [3:0] db,\n"
	 "  output reg [3:0] qa, output reg [3:0] qb);\n"
	 "  always @(posedge clka) qa <= da;\n  always @(posedge clkb) qb <= qa | db;\nendmodule\n", 0},
	{"module TopModule(input clka, input clkb, input [3:0] da, input [3:0] db,\n"
	 "  output reg [3:0] qa, output reg [3:0] qb);\n"
	 "  always @(negedge clka) qa <= da;\n  always @(posedge clkb) qb <= qa ^ db;\nendmodule\n", 0},
	{"module TopModule(input clka, input clkb, input [3:0] da, input [3:0] db,\n"
	 "  output [3:0] qa, output reg [3:0] qb);\n  reg [3:0] r; assign qa = r;\n"
	 "  always @(posedge clka) r <= da;\n  always @(posedge clkb) qb <= r ^ db;\nendmodule\n", 1},
};

static const struct cand xgold_cands[] = {
	{"module TopModule(input [1:0] sel, input [11:0] data, output [3:0] y);\n"
	 "  assign y = sel == 3 ? 4'd0 : data >> (4 * sel);\nendmodule\n", 1},
	{"module TopModule(input [1:0] sel, input [11:0] data, output reg [3:0] y);\n"
	 "  always @* case (sel) 2'd0: y = data[3:0]; 2'd1: y = data[7:4]; 2'd2: y = data[11:8];\n"
	 "    default: y = 4'bxxxx; endcase\nendmodule\n", 1},
	{"module TopModule(input [1:0] sel, input [11:0] data, output reg [3:0] y);\n"
	 "  always @* case (sel) 2'd0: y = data[3:0]; 2'd1: y = data[7:4]; default: y = 4'bx;\n"
	 "  endcase\nendmodule\n", 0},
	{"module TopModule(input [1:0] sel, input [11:0] data, output [3:0] y);\n"
	 "  assign y = sel[1] ? data[11:8] : sel[0] ? data[3:0] : data[7:4];\nendmodule\n", 0},
};

/* --- source analysis --------------------------------------------------------------------- */

static void analyze(const char *text, int ok, const char *why)
{
	struct icg_src s;

	ck_assert_int_eq(icg_analyze(text, "TopModule", &s), 0);
	ck_assert_msg(s.ok == ok, "ok %d for [%s] (%s)", s.ok, text, s.why);
	if (why)
		ck_assert_msg(strstr(s.why, why), "why [%s] for [%s]", s.why, text);
	icg_src_release(&s);
}

START_TEST(source_rules)
{
	static const char top[] = "module TopModule(input a, output y); assign y = a; endmodule\n";
	struct icg_src s;
	struct buf o;
	char *pre, why[160];

	analyze(top, 1, NULL);
	analyze("`timescale 1ns/10ps\n`default_nettype none\n`celldefine\n"
		"module TopModule(input a, output y); assign y = a; endmodule\n`endcelldefine\n", 1, NULL);
	analyze("module helper(input a, output y); assign y = a; endmodule\n", 0, "no module");
	analyze("module TopModule(input a, output y); wire \\w ; assign y = a; endmodule\n", 0,
		"escaped");
	analyze("package p; endpackage\nmodule TopModule(input a, output y); assign y = a; endmodule\n",
		0, "keyword");
	analyze("typedef logic t;\nmodule TopModule(input a, output y); assign y = a; endmodule\n", 0,
		"outside");
	analyze("module TopModule(input a, output y); initial $monitor(a); assign y = a; endmodule\n", 0,
		"system task");
	analyze("module TopModule(input a, output y); always @(a) $write(\"%b\", a); assign y = a; endmodule\n",
		0, "system task");
	analyze("`celldefine module TopModule(input a, output y); assign y = a; endmodule\n", 0,
		"after a directive");
	analyze("module h(input a, output y); assign y = a; endmodule\n"
		"module TopModule(input a, output y); h u(.a(a), .y(y)); wire w = u.h; endmodule\n", 0,
		"member");
	analyze("module TopModule(input a, output y); assign y = a; endmodule : TopModule\n", 1, NULL);
	/* precisions */
	ck_assert_int_eq(icg_analyze("`timescale 1ns/10ps\n`timescale 1us / 1 ns\n" "module "
				     "TopModule(input a, output y); assign y = a; endmodule\n",
				     "TopModule", &s), 0);
	ck_assert_int_eq(s.prec, -11);
	icg_src_release(&s);
	/* renaming: module names at every use, not inside numbers, strings, comments, directives */
	ck_assert_int_eq(icg_analyze("`timescale 1ns/1ps\n"
				     "module hab(input [7:0] x, output [7:0] y); assign y = x ^ 8'hab; endmodule\n"
				     "module TopModule(input [7:0] a, output [7:0] y); // hab\n"
				     "  hab hab(.x(a), .y(y)); initial $display(\"hab %m\"); endmodule : TopModule\n",
				     "TopModule", &s), 0);
	ck_assert(s.ok);
	buf_init(&o, 1 << 16);
	ck_assert_int_eq(icg_rename("`timescale 1ns/1ps\n"
				    "module hab(input [7:0] x, output [7:0] y); assign y = x ^ 8'hab; endmodule\n"
				    "module TopModule(input [7:0] a, output [7:0] y); // hab\n"
				    "  hab hab(.x(a), .y(y)); initial $display(\"hab %m\"); endmodule : TopModule\n",
				    &s, "P_", &o), 0);
	ck_assert_str_eq(o.data, "`timescale 1ns/1ps\n"
			 "module P_hab(input [7:0] x, output [7:0] y); assign y = x ^ 8'hab; endmodule\n"
			 "module P_TopModule(input [7:0] a, output [7:0] y); // hab\n"
			 "  P_hab P_hab(.x(a), .y(y)); initial $display(\"hab %m\"); endmodule : P_TopModule\n");
	buf_release(&o);
	icg_src_release(&s);
	/* the golden's directive state */
	pre = icg_gold_prelude("`timescale 1ns/1ps // unit\n`default_nettype none\nmodule R; endmodule\n"
			       "`default_nettype wire\n", why, sizeof(why));
	ck_assert_ptr_nonnull(pre);
	ck_assert_str_eq(pre, "`resetall\n`timescale 1ns/1ps \n`default_nettype none\n"
			 "`default_nettype wire\n");
	free(pre);
	ck_assert_ptr_null(icg_gold_prelude("`define W 4\nmodule R; endmodule\n", why, sizeof(why)));
	ck_assert_ptr_null(icg_gold_prelude("module R; initial $random; endmodule\n", why, sizeof(why)));
}
END_TEST

START_TEST(identity_own)
{
	struct problem *p;

	p = own_problem("icg_comb", comb_ref, NULL, NULL);
	identity(p, comb_cands, sizeof(comb_cands) / sizeof(comb_cands[0]));
	problem_unref(p);
	p = own_problem("icg_seq", seq_ref, "clk", NULL);
	identity(p, seq_cands, sizeof(seq_cands) / sizeof(seq_cands[0]));
	problem_unref(p);
	p = own_problem("icg_2clk", twoclk_ref, "clka", "clkb");
	identity(p, twoclk_cands, sizeof(twoclk_cands) / sizeof(twoclk_cands[0]));
	problem_unref(p);
	p = own_problem("icg_xgold", xgold_ref, NULL, NULL);
	identity(p, xgold_cands, sizeof(xgold_cands) / sizeof(xgold_cands[0]));
	problem_unref(p);
}
END_TEST

/* Built-ins: the golden as candidate, rewrites and mutants of it. */
START_TEST(identity_builtin)
{
	static const struct {
		const char *id;
		const char *muts[4][2]; /* from, to; to NULL: a rewrite that passes */
	} set[] = {
		{"counter4_en", {{"q + 4'd1", "q + 4'd2"}, {"if (reset)", "if (!reset)"},
				 {"q + 4'd1", "4'd1 + q"}, {NULL, NULL}}},
		{"mealy_seq110", {{"&& !x", "&& x"}, {"S_1  : S_0;", "S_11 : S_0;"},
				  {"2'bxx", "2'b00"}, {NULL, NULL}}},
		{"add8_cout", {{"{1'b0, b}", "{1'b0, a}"}, {"{1'b0, a} +", "{1'b0, a} -"},
			       {NULL, NULL}, {NULL, NULL}}},
		{"rot100_load", {{"{q[98:0], q[99]}", "{q[0], q[99:1]}"}, {"100'd0", "100'd1"},
				 {NULL, NULL}, {NULL, NULL}}},
	};
	for (size_t k = 0; k < sizeof(set) / sizeof(set[0]); k++) {
		struct problem *p = builtin(set[k].id);
		struct cand cs[5];
		char *own[5] = {0};
		size_t n = 0;

		own[n] = from_ref(p, NULL, NULL);
		cs[n].text = own[n];
		cs[n++].expect = 1;
		for (size_t m = 0; m < 4 && set[k].muts[m][0]; m++) {
			int rewrite = !strcmp(set[k].muts[m][0], "q + 4'd1") &&
				      !strcmp(set[k].muts[m][1], "4'd1 + q");
			rewrite |= !strcmp(set[k].muts[m][0], "2'bxx"); /* the golden's x: a don't-care */
			own[n] = from_ref(p, set[k].muts[m][0], set[k].muts[m][1]);
			cs[n].text = own[n];
			cs[n++].expect = rewrite ? 1 : 0;
		}
		identity(p, cs, n);
		for (size_t i = 0; i < n; i++)
			free(own[i]);
		problem_unref(p);
	}
}
END_TEST

/* --- isolation --------------------------------------------------------------------------- */

static uint64_t splits(const char *cause)
{
	struct buf o;
	char needle[96];
	const char *q;
	uint64_t n = 0;

	buf_init(&o, 1 << 20);
	counters_format(&o);
	snprintf(needle, sizeof(needle), "rtlreward_group_splits_total{cause=\"%s\"} ", cause);
	q = strstr(o.data, needle);
	if (q)
		n = strtoull(q + strlen(needle), NULL, 10);
	buf_release(&o);
	return n;
}

/* Scores innocents + guilty (inserted at position at) as one group and singly; every verdict
 * must equal its single one, the innocents' must be their expected ones, and the guilty one's
 * must be unchecked with min_score as given; returns the vvp runs the group took. */
static uint64_t isolate(const struct problem *p, const struct cand *inn, size_t ni,
			const char *guilty, size_t at, int guilty_min, const char *reason_has)
{
	const char *texts[16];
	struct engine_cand c[16];
	struct func_out ref;
	size_t i, k = 0;
	uint64_t v0;
	int rc;

	for (i = 0; i <= ni; i++)
		texts[i] = i == at ? guilty : inn[k++].text;
	v0 = counters_tool_runs(CT_VVP);
	group(p, texts, ni + 1, c);
	v0 = counters_tool_runs(CT_VVP) - v0;
	for (i = 0, k = 0; i <= ni; i++) {
		char what[64];
		snprintf(what, sizeof(what), "%s isolation #%zu%s", p->id, i, i == at ? " (guilty)" : "");
		rc = single(p, texts[i], &ref);
		same(&ref, rc, &c[i].out, c[i].rc, what);
		if (i == at) {
			ck_assert_msg(!c[i].out.checked && c[i].out.min_score == guilty_min,
				      "%s: checked %d min_score %d (%s)", what, c[i].out.checked,
				      c[i].out.min_score, c[i].out.reason);
			ck_assert_msg(strstr(c[i].out.reason, reason_has), "%s: reason %s", what,
				      c[i].out.reason);
		} else {
			ck_assert_msg(c[i].rc == 0 && c[i].out.checked &&
				      c[i].out.passed == (inn[k].expect == 1), "%s: %s", what,
				      c[i].out.reason);
			k++;
		}
		func_out_release(&ref);
		func_out_release(&c[i].out);
	}
	return v0;
}


static void comb_inn(struct cand *inn)
{
	inn[0] = comb_cands[1]; /* helper (add) */
	inn[1] = comb_cands[2]; /* helper (xor) */
	inn[2] = comb_cands[4]; /* a mutant */
}

START_TEST(iso_collisions)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	const char *texts[3] = {comb_cands[1].text, comb_cands[2].text, comb_cands[3].text};
	struct engine_cand c[3];
	uint64_t v0, s0 = splits("compile");

	/* warm: the problem's first candidate runs alone (its cost sets the limits) */
	group(p, texts, 2, c);
	func_out_release(&c[0].out);
	func_out_release(&c[1].out);
	v0 = counters_tool_runs(CT_VVP);
	group(p, texts, 3, c);
	ck_assert_uint_eq(counters_tool_runs(CT_VVP) - v0, 1); /* one simulation, no split */
	ck_assert_uint_eq(splits("compile"), s0);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(c[i].rc == 0 && c[i].out.passed, "#%d: %s", i, c[i].out.reason);
		func_out_release(&c[i].out);
	}
	problem_unref(p);
}
END_TEST

static const char no_time[] =
	"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	"  output z);\n  reg t = 0;\n  initial forever t = ~t;\n"
	"  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b; default: y = a ^ b; endcase\n"
	"  assign z = ~|y;\nendmodule\n";

START_TEST(iso_no_time_advance)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	struct cand inn[3];
	uint64_t s0 = splits("timeout");

	comb_inn(inn);
	ck_assert_uint_gt(isolate(p, inn, 3, no_time, 1, 1, "limit"), 1);
	ck_assert_uint_gt(splits("timeout"), s0);
	problem_unref(p);
}
END_TEST

static const char zero_loop[] =
	"module TopModule(input clk, input rst, input en, input ld, input [3:0] d,\n"
	"  output reg [3:0] q, output wrap);\n  reg t;\n"
	"  always @(posedge clk) if (ld && d == 4'h9) while (ld) t = ~t;\n"
	"  always @(posedge clk) if (rst) q <= 0; else if (ld) q <= d; else if (en) q <= q + 1;\n"
	"  assign wrap = en & (q == 4'hf);\nendmodule\n";

START_TEST(iso_zero_delay_loop)
{
	struct problem *p = own_problem("icg_seq", seq_ref, "clk", NULL);
	struct cand inn[3] = {seq_cands[0], seq_cands[1], seq_cands[3]};
	uint64_t s0 = splits("timeout");

	ck_assert_uint_gt(isolate(p, inn, 3, zero_loop, 3, 1, "limit"), 1);
	ck_assert_uint_gt(splits("timeout"), s0);
	problem_unref(p);
}
END_TEST

static const char flood[] =
	"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	"  output z);\n  always @(a) repeat (400) $display(\"flood %b %b %b\", a, b, op);\n"
	"  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b; default: y = a ^ b; endcase\n"
	"  assign z = ~|y;\nendmodule\n";

START_TEST(iso_flood)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	struct cand inn[3];
	uint64_t s0 = splits("output");

	comb_inn(inn);
	ck_assert_uint_gt(isolate(p, inn, 3, flood, 0, 1, "simulation"), 1);
	ck_assert_uint_gt(splits("output"), s0);
	problem_unref(p);
}
END_TEST

/* Verilator takes unpacked structs; Icarus 11 does not ("sorry"): the alone elaboration's
 * verdict. */
static const char icarus_refuses[] =
	"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	"  output z);\n  typedef struct { logic [7:0] v; } s_t;\n  s_t s;\n"
	"  always @* begin s.v = a + b; y = s.v; end\n  assign z = ~|y;\nendmodule\n";

START_TEST(iso_icarus_refuses)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	struct cand inn[3];
	uint64_t s0 = splits("compile");
	uint64_t v;

	comb_inn(inn);
	v = isolate(p, inn, 3, icarus_refuses, 2, 0, "closure");
	ck_assert_uint_eq(v, 1); /* the others still share one simulation */
	ck_assert_uint_gt(splits("compile"), s0);
	problem_unref(p);
}
END_TEST

/* Elaborates alone, not with the harness (no port z): the group compile fails and splits. */
static const char no_port[] =
	"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y);\n"
	"  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b; default: y = a ^ b; endcase\n"
	"endmodule\n";

START_TEST(iso_harness_compile)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	struct cand inn[3];
	uint64_t s0 = splits("compile");

	comb_inn(inn);
	isolate(p, inn, 3, no_port, 3, 0, "does not compile");
	ck_assert_uint_gt(splits("compile"), s0);
	problem_unref(p);
}
END_TEST

static const char memory_hog[] =
	"module TopModule(input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y,\n"
	"  output z);\n  reg [7:0] m [0:(1<<23)-1], m2 [0:(1<<23)-1], m3 [0:(1<<23)-1];\n"
	"  always @* case (op) 0: y = a + b; 1: y = a - b; 2: y = a & b; default: y = m[a] ^ m2[a] ^ m3[a];\n"
	"  endcase\n"
	"  assign z = ~|y;\nendmodule\n";

START_TEST(iso_memory)
{
	struct problem *p = own_problem("icg_comb", comb_ref, NULL, NULL);
	struct cand inn[3];
	uint64_t s0 = splits("memory") + splits("crash") + splits("other");

	comb_inn(inn);
	isolate(p, inn, 3, memory_hog, 1, 1, "");
	ck_assert_uint_gt(splits("memory") + splits("crash") + splits("other"), s0);
	problem_unref(p);
}
END_TEST

/* --- cost (reported, not asserted) ------------------------------------------------------- */

static double cpu_children(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

START_TEST(cost_16)
{
	struct problem *p = builtin("counter4_en");
	char *texts[16];
	struct engine_cand c[16];
	struct func_out o;
	double w0, c0, ws, cs, wg, cg;
	size_t i;

	for (i = 0; i < 16; i++) {
		char mut[64];
		snprintf(mut, sizeof(mut), "q + 4'd1; // %zu", i);
		texts[i] = from_ref(p, "q + 4'd1;", i % 4 ? mut : "q + 4'd3;");
	}
	group(p, (const char *const *)texts, 2, c); /* warm */
	func_out_release(&c[0].out);
	func_out_release(&c[1].out);
	w0 = wall();
	c0 = cpu_children();
	for (i = 0; i < 16; i++) {
		single(p, texts[i], &o);
		func_out_release(&o);
	}
	ws = wall() - w0;
	cs = cpu_children() - c0;
	w0 = wall();
	c0 = cpu_children();
	group(p, (const char *const *)texts, 16, c);
	wg = wall() - w0;
	cg = cpu_children() - c0;
	for (i = 0; i < 16; i++) {
		ck_assert_msg(c[i].rc == 0 && c[i].out.passed == (i % 4 != 0), "#%zu", i);
		func_out_release(&c[i].out);
		free(texts[i]);
	}
	fprintf(stderr, "engine_group: counter4_en, 16 candidates: singles %.0f ms wall %.0f ms "
		"CPU; one group %.0f ms wall %.0f ms CPU (%.1fx wall, %.1fx CPU)\n", ws * 1e3,
		cs * 1e3, wg * 1e3, cg * 1e3, ws / wg, cs / (cg > 0 ? cg : 1e-9));
	problem_unref(p);
}
END_TEST

/* --- set-up ------------------------------------------------------------------------------ */

static double t_start;

static void fx_start(void)
{
	t_start = wall();
}

static void fx_end(void)
{
	if (getenv("RTLR_TEST_TIMES"))
		fprintf(stderr, "engine_group: test took %.1f s\n", wall() - t_start);
}

int main(void)
{
	struct sb_config sbc;
	char err[512], jobs[128], cache[128], cmd[160];
	size_t n;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int nf;

	snprintf(g_root, sizeof(g_root), "/var/tmp/rtlr-icg-XXXXXX");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(jobs, sizeof(jobs), "%s/jobs", g_root);
	snprintf(cache, sizeof(cache), "%s/cache", g_root);
	memset(&sbc, 0, sizeof(sbc));
	sbc.job_root = jobs;
	if (sb_init(&sbc, err, sizeof(err)) < 0 || pipeline_init(cache, err, sizeof(err)) < 0) {
		fprintf(stderr, "engine_group: %s\n", err);
		return 1;
	}
	g_tools.lim.sim_s = 1.5;    /* the guilty ones' own limits, kept short */
	g_tools.lim.compile_s = 10;
	g_tools.lim.mem_bytes = 256ull << 20;
	registry_init();
	if (problems_load_builtin(&n, err, sizeof(err)) < 0) {
		fprintf(stderr, "engine_group: %s\n", err);
		return 1;
	}
	/* RTLR_CHECK_ONLY=name[,name]: run only those tests */
#define ADD(t) do { const char *o = getenv("RTLR_CHECK_ONLY"); \
		if (!o || strstr(o, #t)) tcase_add_test(tc, t); } while (0)
	s = suite_create("engine_group");
	tc = tcase_create("icarus");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fx_start, fx_end);
	ADD(source_rules);
	ADD(identity_own);
	ADD(identity_builtin);
	ADD(iso_collisions);
	ADD(iso_no_time_advance);
	ADD(iso_zero_delay_loop);
	ADD(iso_flood);
	ADD(iso_icarus_refuses);
	ADD(iso_harness_compile);
	ADD(iso_memory);
	ADD(cost_16);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	if (system(cmd) != 0)
		fprintf(stderr, "engine_group: could not remove %s\n", g_root);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
