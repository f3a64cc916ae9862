/* check_ppa_group: ppa_stage_group() gives every candidate the figures a single ppa_stage()
 * run gives it (real Yosys and OpenSTA, through the sandbox), in any group order, and a
 * candidate that fails synthesis inside a group (a latch) gets its own failure while the
 * others keep their figures. Designs: the project's own 8-bit adders and a counter. */
#include <check.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "lib_sandbox.h"
#include "pipeline.h"
#include "ppa.h"
#include "problem.h"
#include "reward.pb-c.h"

#define NC 5
#define CAND "cand.v"

static const char GOLD[] =
	"module RefModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  assign y = a + b;\nendmodule\n";
static const char *const CANDS[NC] = {
	/* the golden's text */
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  assign y = a + b;\nendmodule\n",
	/* a ripple-carry chain */
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  wire [8:0] c; assign c[0] = 1'b0;\n  genvar i;\n"
	"  for (i = 0; i < 8; i = i + 1) begin : fa\n"
	"    assign y[i] = a[i] ^ b[i] ^ c[i];\n"
	"    assign c[i+1] = (a[i] & b[i]) | (c[i] & (a[i] ^ b[i]));\n  end\n"
	"  assign y[8] = c[8];\nendmodule\n",
	/* two nibbles */
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  wire [4:0] lo = a[3:0] + b[3:0];\n"
	"  wire [4:0] hi = a[7:4] + b[7:4] + lo[4];\n"
	"  assign y = {hi, lo[3:0]};\nendmodule\n",
	/* a latch (not the adder: the PPA tier alone does not judge function), refused */
	"module TopModule(input [7:0] a, input [7:0] b, output reg [8:0] y);\n"
	"  always @* if (a[0]) y = a + b;\nendmodule\n",
	/* subtract the complement */
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);\n"
	"  assign y = {1'b0, a} - ~{1'b0, b} - 9'd1;\nendmodule\n",
};

/* a clocked problem: the group run's clocks and resets */
static const char CGOLD[] =
	"module RefModule(input clk, input reset, input en, output reg [3:0] q);\n"
	"  always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1'b1;\nendmodule\n";
static const char *const CCANDS[3] = {
	"module TopModule(input clk, input reset, input en, output reg [3:0] q);\n"
	"  always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1'b1;\nendmodule\n",
	/* padded with a redundant inverted copy */
	"module TopModule(input clk, input reset, input en, output [3:0] q);\n"
	"  reg [3:0] r, nr;\n  always @(posedge clk) begin\n"
	"    if (reset) begin r <= 0; nr <= 4'hf; end\n"
	"    else if (en) begin r <= r + 1'b1; nr <= ~(r + 1'b1); end\n  end\n"
	"  assign q = (r & ~nr) | (r & nr) ;\nendmodule\n",
	/* the enable as a mux of the next value */
	"module TopModule(input clk, input reset, input en, output reg [3:0] q);\n"
	"  wire [3:0] n = en ? q + 4'd1 : q;\n"
	"  always @(posedge clk) q <= reset ? 4'd0 : n;\nendmodule\n",
};

static struct problem *prob;

static struct problem *make(const char *id, const char *gold)
{
	Rtlreward__Problem pb = RTLREWARD__PROBLEM__INIT;
	struct problem *p;
	char err[1024];

	pb.id = (char *)id;
	pb.reference = (char *)gold;
	pb.top = (char *)"TopModule";
	pb.ref_top = (char *)"RefModule";
	p = problem_from_pb(&pb, "test", err, sizeof(err));
	ck_assert_msg(p != NULL, "problem: %s", err);
	ck_assert_msg(pipeline_prepare(p, err, sizeof(err)) == 0, "prepare: %s", err);
	return p;
}

static void setup(void)
{
	char err[1024];

	ck_assert_msg(pipeline_init("", err, sizeof(err)) == 0, "pipeline_init: %s", err);
	prob = make("ppa_group_add8", GOLD);
}

static Rtlreward__PpaTier *tier(void)
{
	Rtlreward__PpaTier *t = calloc(1, sizeof(*t));
	rtlreward__ppa_tier__init(t);
	return t;
}

static void same(const Rtlreward__PpaTier *a, const Rtlreward__PpaTier *b, size_t i)
{
	ck_assert_msg(a->checked == b->checked && a->failed == b->failed, "cand %zu: checked/failed", i);
	ck_assert_msg(a->area == b->area && a->cells == b->cells && a->seq_cells == b->seq_cells,
		      "cand %zu: area %g/%g cells %u/%u", i, a->area, b->area, a->cells, b->cells);
	ck_assert_msg(a->delay_ns == b->delay_ns && a->power == b->power,
		      "cand %zu: delay %g/%g power %g/%g", i, a->delay_ns, b->delay_ns, a->power,
		      b->power);
	ck_assert_msg(!strcmp(a->reason ? a->reason : "", b->reason ? b->reason : ""),
		      "cand %zu: reason '%s' / '%s'", i, a->reason, b->reason);
}

START_TEST(group_equals_single)
{
	char jobs[3][NC][512], err[512], (*errs)[512] = calloc(NC, 512);
	const char *jp[NC], *rp[NC];
	Rtlreward__PpaTier *single[NC], *grp[NC], *rev[NC];
	unsigned long long runs0, timed0, alone0, runs1, timed1, alone1;
	int rc[NC];
	size_t i;

	setup();
	for (i = 0; i < 3 * NC; i++) { /* a tool run writes its files once per job directory */
		new_job(jobs[i / NC][i % NC], sizeof(jobs[0][0]));
		ck_assert_int_eq(put_file(jobs[i / NC][i % NC], CAND, CANDS[i % NC], 0644), 0);
	}
	for (i = 0; i < NC; i++) {
		jp[i] = jobs[1][i];
		rp[i] = jobs[2][NC - 1 - i];
		single[i] = tier();
		grp[i] = tier();
		rev[i] = tier();
		ck_assert_msg(ppa_stage(prob, jobs[0][i], CAND, single[i], err, sizeof(err)) == 0, "%s",
			      err);
	}
	ppa_group_counts(&runs0, &timed0, &alone0);
	ck_assert_int_eq(ppa_stage_group(prob, jp, CAND, grp, NC, rc, errs), 0);
	ppa_group_counts(&runs1, &timed1, &alone1);
	/* one OpenSTA run timed the four that synthesize (the latch stops at Yosys) */
	ck_assert_msg(runs1 == runs0 + 1 && timed1 == timed0 + 4 && alone1 == alone0,
		      "runs %llu timed %llu alone %llu", runs1 - runs0, timed1 - timed0,
		      alone1 - alone0);
	for (i = 0; i < NC; i++) {
		ck_assert_msg(rc[i] == 0, "cand %zu: %s", i, errs[i]);
		same(single[i], grp[i], i);
	}
	ck_assert_int_eq(ppa_stage_group(prob, rp, CAND, rev, NC, rc, errs), 0);
	for (i = 0; i < NC; i++)
		same(single[NC - 1 - i], rev[i], i);
	/* the expectations themselves: the golden's text matches it, the latch fails alone */
	ck_assert(grp[0]->checked && grp[0]->area_ratio == 1 && grp[0]->delay_ratio == 1);
	ck_assert(grp[1]->checked && grp[2]->checked && grp[4]->checked);
	ck_assert_msg(!grp[3]->checked && grp[3]->failed && strstr(grp[3]->reason, "latch"), "%s",
		      grp[3]->reason);
	for (i = 0; i < NC; i++) {
		rtlreward__ppa_tier__free_unpacked(single[i], NULL);
		rtlreward__ppa_tier__free_unpacked(grp[i], NULL);
		rtlreward__ppa_tier__free_unpacked(rev[i], NULL);
	}
	for (i = 0; i < 3 * NC; i++)
		drop_job(jobs[i / NC][i % NC]);
	free(errs);
	problem_unref(prob);
	pipeline_shutdown();
}
END_TEST

/* the clocked problem: group = single, orders as an engineer expects */
START_TEST(clocked_group_equals_single)
{
	char jobs[2][3][512], err[512], (*errs)[512] = calloc(3, 512);
	const char *jp[3];
	Rtlreward__PpaTier *single[3], *grp[3];
	int rc[3];
	size_t i;
	struct problem *cp;

	setup();
	cp = make("ppa_group_cnt4", CGOLD);
	for (i = 0; i < 3; i++) {
		new_job(jobs[0][i], sizeof(jobs[0][i]));
		new_job(jobs[1][i], sizeof(jobs[1][i]));
		ck_assert_int_eq(put_file(jobs[0][i], CAND, CCANDS[i], 0644), 0);
		ck_assert_int_eq(put_file(jobs[1][i], CAND, CCANDS[i], 0644), 0);
		jp[i] = jobs[1][i];
		single[i] = tier();
		grp[i] = tier();
		ck_assert_msg(ppa_stage(cp, jobs[0][i], CAND, single[i], err, sizeof(err)) == 0, "%s",
			      err);
	}
	ck_assert_int_eq(ppa_stage_group(cp, jp, CAND, grp, 3, rc, errs), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_msg(rc[i] == 0, "cand %zu: %s", i, errs[i]);
		same(single[i], grp[i], i);
		ck_assert_msg(grp[i]->checked && grp[i]->delay_ns > 0, "cand %zu: %s", i,
			      grp[i]->reason);
	}
	ck_assert(grp[0]->area_ratio == 1 && grp[0]->seq_cells == 4);
	ck_assert(grp[1]->seq_cells > grp[0]->seq_cells && grp[1]->area > grp[0]->area);
	for (i = 0; i < 3; i++) {
		rtlreward__ppa_tier__free_unpacked(single[i], NULL);
		rtlreward__ppa_tier__free_unpacked(grp[i], NULL);
		drop_job(jobs[0][i]);
		drop_job(jobs[1][i]);
	}
	free(errs);
	problem_unref(cp);
	problem_unref(prob);
	pipeline_shutdown();
}
END_TEST

/* RTLR_PPA_GROUP_BENCH=ROUNDS: 16 candidates (4 adders x 4) timed alone and as one group,
 * in interleaved rounds; prints wall and CPU (this process and its tool runs) per mode. */
static double cpu_now(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec +
	       (a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec) / 1e6;
}

START_TEST(bench16)
{
	const char *env = getenv("RTLR_PPA_GROUP_BENCH");
	int rounds = env ? (int)strtol(env, NULL, 10) : 0, rd, mode;
	char jobs[16][512], err[512], (*errs)[512] = calloc(16, 512);
	const char *jp[16];
	Rtlreward__PpaTier *t[16];
	double wall[2] = {0, 0}, cpu[2] = {0, 0};
	int rc[16];
	size_t i;

	if (rounds <= 0)
		return;
	setup();
	{ /* the golden, outside the measurement */
		char wj[512];
		Rtlreward__PpaTier *w = tier();
		new_job(wj, sizeof(wj));
		ck_assert_int_eq(put_file(wj, CAND, CANDS[0], 0644), 0);
		ck_assert_int_eq(ppa_stage(prob, wj, CAND, w, err, sizeof(err)), 0);
		rtlreward__ppa_tier__free_unpacked(w, NULL);
		drop_job(wj);
	}
	for (rd = 0; rd < rounds; rd++) {
		for (mode = 0; mode < 2; mode++) {
			int m = (rd & 1) ? 1 - mode : mode; /* the order alternates */
			double w0, c0;
			for (i = 0; i < 16; i++) {
				size_t d = (size_t[]){0, 1, 2, 4}[i % 4];
				new_job(jobs[i], sizeof(jobs[i]));
				ck_assert_int_eq(put_file(jobs[i], CAND, CANDS[d], 0644), 0);
				jp[i] = jobs[i];
				t[i] = tier();
			}
			w0 = now_s();
			c0 = cpu_now();
			if (m == 0) {
				for (i = 0; i < 16; i++)
					ck_assert_int_eq(ppa_stage(prob, jobs[i], CAND, t[i], err, sizeof(err)), 0);
			} else {
				ck_assert_int_eq(ppa_stage_group(prob, jp, CAND, t, 16, rc, errs), 0);
			}
			wall[m] += now_s() - w0;
			cpu[m] += cpu_now() - c0;
			for (i = 0; i < 16; i++) {
				ck_assert(t[i]->checked);
				rtlreward__ppa_tier__free_unpacked(t[i], NULL);
				drop_job(jobs[i]);
			}
		}
	}
	printf("16 candidates, %d interleaved rounds, per pass: singles wall %.0f ms cpu %.0f ms; "
	       "group wall %.0f ms cpu %.0f ms\n", rounds, wall[0] * 1000 / rounds,
	       cpu[0] * 1000 / rounds, wall[1] * 1000 / rounds, cpu[1] * 1000 / rounds);
	fflush(stdout);
	free(errs);
	problem_unref(prob);
	pipeline_shutdown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ppa_group");
	TCase *t = tcase_create("core");

	tcase_set_timeout(t, 600);
	tcase_add_test(t, group_equals_single);
	tcase_add_test(t, clocked_group_equals_single);
	tcase_add_test(t, bench16);
	suite_add_tcase(s, t);
	return sbt_main("check_ppa_group", s);
}
