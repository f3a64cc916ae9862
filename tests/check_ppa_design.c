/* check_ppa_design: the design the PPA tier reads and the memo of its results.
 *
 * Text (no tools): modules the top never reaches are blanked (lines kept), instantiated ones
 * kept, and anything the scan cannot judge keeps every module. Memo (real Yosys, OpenSTA and
 * Icarus through the sandbox): a candidate that is the same design as an earlier one (in its
 * group, or in a later call) gets the tier its own run gives, marked reused_design, without a
 * Yosys run; failures are remembered as well; --ppa-memo 0 runs everything; a full memo drops
 * its least recently used design. Designs: the project's own adders and a latch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "lib_sandbox.h"
#include "pipeline.h"
#include "ppa.h"
#include "ppa_design.h"
#include "problem.h"
#include "reward.pb-c.h"

#define CAND "cand.v"

static const char TOP[] =
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  assign y = a + b;\nendmodule";
static const char PAD_A[] = "\nmodule Pad_a(input x, output z); assign z = ~x; endmodule\n\n";
static const char PAD_B[] =
	"\n\nmodule Helper_b(input [3:0] q, output r);\n  wire [3:0] w = q + 1;\n"
	"  assign r = ^w;\nendmodule : Helper_b\n";

static char *design(const char *src, const char *top, int *dropped)
{
	struct buf o;
	char *s;

	buf_init(&o, 1 << 20);
	*dropped = ppa_design_text(src, strlen(src), top, &o);
	buf_adds(&o, "");
	s = strndup(o.data ? o.data : "", o.len);
	buf_release(&o);
	return s;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(unreachable_dropped)
{
	char *a = cat3(TOP, PAD_A, ""), *b = cat3(TOP, PAD_B, ""), *c = cat3(TOP, "\n\n \n", "");
	int da, db, dc;
	char *oa = design(a, "TopModule", &da), *ob = design(b, "TopModule", &db),
	     *oc = design(c, "TopModule", &dc);
	char *want = cat3(TOP, "\n", "");

	ck_assert_int_eq(da, 1);
	ck_assert_int_eq(db, 1);
	ck_assert_int_eq(dc, 0);
	/* trailing helper modules and blank lines: the same design text */
	ck_assert_str_eq(oa, want);
	ck_assert_str_eq(ob, want);
	ck_assert_str_eq(oc, want);
	free(a), free(b), free(c), free(oa), free(ob), free(oc), free(want);
	{ /* as `verilator -E` writes them: line markers after the top depend on what follows */
		char *p1 = cat3("`line 1 \"candidate.v\" 1\n", TOP,
				"\nmodule Tb_0(input x, output y); endmodule\n\n`line 7 \"candidate.v\" 2\n");
		char *p2 = cat3("`line 1 \"candidate.v\" 1\n", TOP,
				"\n\n`line 6 \"candidate.v\" 0\nmodule Tb_1(input x, output y); "
				"endmodule\n\n`line 8 \"candidate.v\" 2\n");
		char *o1 = design(p1, "TopModule", &da), *o2 = design(p2, "TopModule", &db);
		char *w = cat3("`line 1 \"candidate.v\" 1\n", TOP, "\n");
		ck_assert_int_eq(da, 1);
		ck_assert_int_eq(db, 1);
		ck_assert_str_eq(o1, w);
		ck_assert_str_eq(o2, w);
		free(p1), free(p2), free(o1), free(o2), free(w);
	}
}
END_TEST

START_TEST(before_top_blanked_lines_kept)
{
	char *src = cat3(PAD_B, TOP, PAD_A);
	int d;
	char *o = design(src, "TopModule", &d);
	const char *at;

	ck_assert_int_eq(d, 2);
	ck_assert_ptr_eq(strstr(o, "Helper_b"), NULL);
	ck_assert_ptr_eq(strstr(o, "Pad_a"), NULL);
	at = strstr(o, "module TopModule");
	ck_assert_ptr_nonnull(at);
	/* the top starts on the line it starts on in the candidate's file */
	{
		char *pre = strndup(o, (size_t)(at - o));
		ck_assert_uint_eq(lines(pre), lines(PAD_B));
		free(pre);
	}
	free(src);
	free(o);
}
END_TEST

START_TEST(reachable_kept)
{
	static const char src[] =
		"`timescale 1ns/1ps\n"
		"module Leaf(input a, output b); assign b = ~a; endmodule\n"
		"module Unused(input a, output b); assign b = a; endmodule\n"
		"module Mid(input a, output b); Leaf l(.a(a), .b(b)); endmodule\n"
		"module TopModule(input a, output b); Mid m(.a(a), .b(b)); endmodule\n"
		"module Named(input a, output b); endmodule\n";
	static const char named[] =
		"module TopModule(input a, output b); wire Named; assign b = a; endmodule\n"
		"module Named(input a, output b); endmodule\n";
	int d;
	char *o = design(src, "TopModule", &d), *n;

	ck_assert_int_eq(d, 2);
	ck_assert_ptr_nonnull(strstr(o, "module Leaf"));
	ck_assert_ptr_nonnull(strstr(o, "module Mid"));
	ck_assert_ptr_nonnull(strstr(o, "`timescale 1ns/1ps"));
	ck_assert_ptr_eq(strstr(o, "Unused"), NULL);
	ck_assert_ptr_eq(strstr(o, "module Named"), NULL);
	/* a name that only looks like a use still keeps the module (a superset is safe) */
	n = design(named, "TopModule", &d);
	ck_assert_int_eq(d, 0);
	ck_assert_ptr_nonnull(strstr(n, "module Named"));
	free(o);
	free(n);
}
END_TEST

/* Whatever the scan cannot judge keeps every module. */
START_TEST(unsure_keeps_all)
{
	static const char *const srcs[] = {
		/* an attribute outside a module would attach to the next one */
		"(* keep *) module Pad(input a, output b); endmodule\n",
		"module Pad(input a, output b); wire \\esc ; endmodule\n",
		"package p; endpackage\nmodule Pad(input a, output b); endmodule\n",
		"module Pad(input a, output b); endmodule\nbind Pad Foo f();\n",
		/* a directive inside an unused module outlives it */
		"module Pad(input a, output b);\n`default_nettype none\nendmodule\n",
		"module Pad(input a, output b); module Inner; endmodule endmodule\n",
		"wire stray;\nmodule Pad(input a, output b); endmodule\n",
	};
	size_t i;

	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		char *src = cat3(TOP, "\n", srcs[i]);
		int d;
		char *o = design(src, "TopModule", &d);
		ck_assert_msg(d == 0 && strstr(o, "Pad"), "case %zu: dropped %d", i, d);
		free(src);
		free(o);
	}
	{ /* a module name defined twice: copied */
		int d;
		char *src = cat3(TOP, "\nmodule Pad(input a); endmodule\n", "module Pad(input b); endmodule\n");
		char *o = design(src, "TopModule", &d);
		ck_assert_int_eq(d, 0);
		free(src), free(o);
	}
	{ /* no top, or two: copied */
		int d;
		char *two = cat3(TOP, "\n", TOP);
		char *o = design(PAD_A, "TopModule", &d), *o2;
		ck_assert_int_eq(d, 0);
		ck_assert_ptr_nonnull(strstr(o, "Pad_a"));
		o2 = design(two, "TopModule", &d);
		ck_assert_int_eq(d, 0);
		free(o), free(o2), free(two);
	}
}
END_TEST


/* A chain of 2,000 modules, each instantiating the next, after 2,000 unused ones: every chain
 * module kept, every unused one blanked. Past 4,096 modules nothing is blanked. */
START_TEST(long_chain)
{
	struct buf src, o;
	int i, d;

	buf_init(&src, 8 << 20);
	buf_init(&o, 8 << 20);
	for (i = 0; i < 2000; i++)
		buf_printf(&src, "module U%d(input a, output b); assign b = a; endmodule\n", i);
	buf_adds(&src, "module TopModule(input a, output b); C0 c(.a(a), .b(b)); endmodule\n");
	for (i = 0; i < 2000; i++)
		buf_printf(&src, "module C%d(input a, output b); C%d c(.a(a), .b(b)); endmodule\n", i,
			   i + 1);
	buf_adds(&src, "module C2000(input a, output b); assign b = ~a; endmodule\n");
	d = ppa_design_text(src.data, src.len, "TopModule", &o);
	ck_assert_int_eq(d, 2000);
	buf_adds(&o, "");
	ck_assert_ptr_nonnull(strstr(o.data, "module C2000("));
	ck_assert_ptr_eq(strstr(o.data, "module U1999("), NULL);
	buf_reset(&o);
	for (i = 2000; i < 4100; i++)
		buf_printf(&src, "module U%d(input a, output b); endmodule\n", i);
	ck_assert_int_eq(ppa_design_text(src.data, src.len, "TopModule", &o), 0);
	buf_release(&src);
	buf_release(&o);
}
END_TEST

static Rtlreward__PpaTier *tier(double area, const char *reason)
{
	Rtlreward__PpaTier *t = calloc(1, sizeof(*t));

	rtlreward__ppa_tier__init(t);
	t->area = area;
	t->checked = area > 0;
	if (reason)
		t->reason = strdup(reason);
	return t;
}

/* The memo alone: get returns what put stored, least recently used goes first. */
START_TEST(memo_lru)
{
	Rtlreward__PpaTier *a = tier(1, NULL), *b = tier(2, "two"), *x = tier(0, NULL);
	unsigned long long h0, s0, h1, s1;

	ppa_memo_configure(2);
	ppa_memo_counts(&h0, &s0);
	ppa_memo_put("aaaa", a);
	ppa_memo_put("bbbb", b);
	ck_assert(ppa_memo_get("aaaa", x) && x->area == 1); /* a is now the most recent */
	ppa_memo_put("cccc", a);                            /* b goes */
	ck_assert(!ppa_memo_get("bbbb", x));
	ck_assert(ppa_memo_get("cccc", x) && x->area == 1);
	ck_assert(ppa_memo_get("aaaa", x) && x->area == 1);
	ppa_memo_put("bbbb", b);                            /* c goes now */
	ck_assert(ppa_memo_get("bbbb", x) && x->area == 2 && !strcmp(x->reason, "two"));
	ck_assert(!ppa_memo_get("cccc", x));
	ppa_memo_counts(&h1, &s1);
	ck_assert_uint_eq(h1 - h0, 4);
	ck_assert_uint_eq(s1 - s0, 4);
	ppa_memo_configure(0);
	ppa_memo_put("dddd", a);
	ck_assert(!ppa_memo_enabled());
	rtlreward__ppa_tier__free_unpacked(a, NULL);
	rtlreward__ppa_tier__free_unpacked(b, NULL);
	rtlreward__ppa_tier__free_unpacked(x, NULL);
	ppa_memo_shutdown();
}
END_TEST

static const char GOLD[] =
	"module RefModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  assign y = a + b;\nendmodule\n";
static const char RIPPLE[] =
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  wire [8:0] c; assign c[0] = 1'b0;\n  genvar i;\n"
	"  for (i = 0; i < 8; i = i + 1) begin : fa\n"
	"    assign y[i] = a[i] ^ b[i] ^ c[i];\n"
	"    assign c[i+1] = (a[i] & b[i]) | (c[i] & (a[i] ^ b[i]));\n  end\n"
	"  assign y[8] = c[8];\nendmodule";
static const char LATCH[] =
	"module TopModule(input [7:0] a, input [7:0] b, output reg [8:0] y);\n"
	"  always @* if (a[0]) y = a + b;\nendmodule";

static struct problem *make(void)
{
	Rtlreward__Problem pb = RTLREWARD__PROBLEM__INIT;
	struct problem *p;
	char err[1024];

	pb.id = (char *)"ppa_design_add8";
	pb.reference = (char *)GOLD;
	pb.top = (char *)"TopModule";
	pb.ref_top = (char *)"RefModule";
	p = problem_from_pb(&pb, "test", err, sizeof(err));
	ck_assert_msg(p != NULL, "problem: %s", err);
	ck_assert_msg(pipeline_prepare(p, err, sizeof(err)) == 0, "prepare: %s", err);
	return p;
}

static void same(const Rtlreward__PpaTier *a, const Rtlreward__PpaTier *b, size_t i)
{
	ck_assert_msg(a->checked == b->checked && a->failed == b->failed, "cand %zu: checked/failed", i);
	ck_assert_msg(a->area == b->area && a->cells == b->cells && a->seq_cells == b->seq_cells &&
		      a->delay_ns == b->delay_ns && a->power == b->power,
		      "cand %zu: area %g/%g delay %g/%g", i, a->area, b->area, a->delay_ns, b->delay_ns);
	ck_assert_msg(!strcmp(a->reason, b->reason) && !strcmp(a->netlist_check, b->netlist_check) &&
		      a->netlist_samples == b->netlist_samples,
		      "cand %zu: reason '%s' / '%s'", i, a->reason, b->reason);
}

#define NG 6

/* candidate texts of the group: two designs and a latch, each with different helpers */
static char *group_text(size_t i)
{
	static const char *const base[NG] = {TOP, TOP, RIPPLE, TOP, LATCH, LATCH};
	static const char *const tail[NG] = {PAD_A, PAD_B, PAD_A, "\n", PAD_A, PAD_B};

	return cat3(base[i], tail[i], "");
}

/* Each candidate alone, memo off: the oracle for the memo's answers. */
static void singles(struct problem *p, Rtlreward__PpaTier **out)
{
	char job[512], err[512];
	uint64_t y0;
	size_t i;

	ppa_memo_configure(0);
	{ /* the golden first (computed once per problem, with the first candidate) */
		Rtlreward__PpaTier *w = tier(0, NULL);
		new_job(job, sizeof(job));
		ck_assert_int_eq(put_file(job, CAND, TOP, 0644), 0);
		ck_assert_msg(ppa_stage(p, job, CAND, w, err, sizeof(err)) == 0, "%s", err);
		rtlreward__ppa_tier__free_unpacked(w, NULL);
		drop_job(job);
	}
	y0 = counters_tool_runs(CT_YOSYS);
	for (i = 0; i < NG; i++) {
		char *src = group_text(i);
		new_job(job, sizeof(job));
		ck_assert_int_eq(put_file(job, CAND, src, 0644), 0);
		out[i] = tier(0, NULL);
		ck_assert_msg(ppa_stage(p, job, CAND, out[i], err, sizeof(err)) == 0, "%s", err);
		ck_assert(!out[i]->reused_design);
		drop_job(job);
		free(src);
	}
	ck_assert_uint_eq(counters_tool_runs(CT_YOSYS) - y0, NG); /* off: one run each */
}

START_TEST(memo_group_equals_single)
{
	char jobs[NG][512], err[512], (*errs)[512] = calloc(NG, 512), job[512];
	const char *jp[NG];
	Rtlreward__PpaTier *one[NG], *grp[NG], *later;
	struct problem *p;
	int rc[NG];
	uint64_t y0;
	size_t i;

	ck_assert_msg(pipeline_init("", err, sizeof(err)) == 0, "pipeline_init: %s", err);
	p = make();
	singles(p, one);
	/* the expectations: the adder as the golden, the ripple chain checked, the latch fails */
	ck_assert(one[0]->checked && one[0]->area_ratio == 1 && one[2]->checked);
	ck_assert_msg(one[4]->failed && strstr(one[4]->reason, "latch"), "%s", one[4]->reason);
	same(one[0], one[1], 1); /* helpers never reach Yosys: the design alone */
	same(one[0], one[3], 3);
	same(one[4], one[5], 5);

	ppa_memo_configure(64);
	for (i = 0; i < NG; i++) {
		char *src = group_text(i);
		new_job(jobs[i], sizeof(jobs[i]));
		ck_assert_int_eq(put_file(jobs[i], CAND, src, 0644), 0);
		jp[i] = jobs[i];
		grp[i] = tier(0, NULL);
		free(src);
	}
	y0 = counters_tool_runs(CT_YOSYS);
	ck_assert_int_eq(ppa_stage_group(p, jp, CAND, grp, NG, rc, errs), 0);
	/* three designs, three Yosys runs */
	ck_assert_uint_eq(counters_tool_runs(CT_YOSYS) - y0, 3);
	for (i = 0; i < NG; i++) {
		ck_assert_msg(rc[i] == 0, "cand %zu: %s", i, errs[i]);
		same(one[i], grp[i], i);
		ck_assert_msg(grp[i]->reused_design == (i == 1 || i == 3 || i == 5), "cand %zu", i);
	}
	/* a later candidate of a known design: no run at all */
	{
		char *src = cat3(RIPPLE, "\nmodule Other; endmodule\n", "");
		later = tier(0, NULL);
		new_job(job, sizeof(job));
		ck_assert_int_eq(put_file(job, CAND, src, 0644), 0);
		y0 = counters_tool_runs(CT_YOSYS);
		ck_assert_int_eq(ppa_stage(p, job, CAND, later, err, sizeof(err)), 0);
		ck_assert_uint_eq(counters_tool_runs(CT_YOSYS), y0);
		ck_assert(later->reused_design);
		same(one[2], later, 2);
		drop_job(job);
		free(src);
		rtlreward__ppa_tier__free_unpacked(later, NULL);
	}
	for (i = 0; i < NG; i++) {
		rtlreward__ppa_tier__free_unpacked(one[i], NULL);
		rtlreward__ppa_tier__free_unpacked(grp[i], NULL);
		drop_job(jobs[i]);
	}
	ppa_memo_configure(0);
	ppa_memo_shutdown();
	free(errs);
	problem_unref(p);
	pipeline_shutdown();
}
END_TEST


static char *slurp(const char *job, const char *name)
{
	char path[1024];
	FILE *f;
	char *s = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", job, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	if (getdelim(&s, &n, 0, f) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(f);
	return s;
}

/* The netlist check compiles only the simcells.v cells its netlist instantiates: every cell
 * the netlist names is defined, nothing else is (the whole file has 149 modules), and the
 * check still compares (a missing cell would make Icarus fail and the check say "skipped"). */
START_TEST(netcheck_cells)
{
	static const char cnt[] =
		"module TopModule(input clk, input reset, input [7:0] a, input [7:0] b, "
		"output reg [8:0] y);\n  always @(posedge clk) if (reset) y <= 0; else y <= a + b;\n"
		"endmodule\n";
	const char *designs[2] = {RIPPLE, cnt};
	char job[512], err[512];
	struct problem *p;
	size_t i;

	ck_assert_msg(pipeline_init("", err, sizeof(err)) == 0, "pipeline_init: %s", err);
	p = make();
	ppa_memo_configure(0);
	for (i = 0; i < 2; i++) {
		Rtlreward__PpaTier *t = tier(0, NULL);
		char *gen, *cells, *q;
		unsigned used = 0, defined = 0;
		new_job(job, sizeof(job));
		ck_assert_int_eq(put_file(job, CAND, designs[i], 0644), 0);
		ck_assert_msg(ppa_stage(p, job, CAND, t, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(t->netlist_samples > 0 && strstr(t->netlist_check, "netlist equals"),
			      "design %zu: %s", i, t->netlist_check);
		gen = slurp(job, "ppa_gen.v");
		cells = slurp(job, "ppa_nc_cells.v");
		for (q = gen; (q = strstr(q, "\\$")); q++) {
			char name[64], def[80];
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(q, " ("), q);
			snprintf(def, sizeof(def), "module %s ", name);
			ck_assert_msg(strstr(cells, def), "design %zu: %s not defined", i, name);
			used++;
		}
		for (q = cells; *q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : q + strlen(q))
			defined += !strncmp(q, "module ", 7);
		/* Yosys writes its generic gates and flip-flops as expressions, so a netlist
		 * usually names no cell at all, and then none is compiled */
		ck_assert_msg(defined <= used && defined < 20,
			      "design %zu: %u cells used, %u defined", i, used, defined);
		free(gen);
		free(cells);
		rtlreward__ppa_tier__free_unpacked(t, NULL);
		drop_job(job);
	}
	problem_unref(p);
	pipeline_shutdown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ppa_design");
	TCase *t = tcase_create("text");
	TCase *m = tcase_create("memo");

	tcase_add_test(t, unreachable_dropped);
	tcase_add_test(t, before_top_blanked_lines_kept);
	tcase_add_test(t, reachable_kept);
	tcase_add_test(t, unsure_keeps_all);
	tcase_add_test(t, memo_lru);
	tcase_add_test(t, long_chain);
	tcase_set_timeout(m, 300);
	tcase_add_test(m, memo_group_equals_single);
	tcase_add_test(m, netcheck_cells);
	suite_add_tcase(s, t);
	suite_add_tcase(s, m);
	return sbt_main("check_ppa_design", s);
}
