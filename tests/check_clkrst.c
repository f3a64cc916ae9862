/* Unit tests for reward/clkrst*.c: clocks and resets classified from the golden's design. Each
 * case is a small Verilog design run through the real `verilator --xml-only` (the same flags
 * prep.c uses) and read by vinfo_parse_xml_bodies(), then clkrst_detect(). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "clkrst.h"
#include "problem.h"

struct det {
	struct problem p;
	char err[512];
	int rc;
};

static char *run_xml(const char *src, const char *top)
{
	char dir[] = "/tmp/check_clkrst_XXXXXX", path[256], xml[256];
	struct buf x;
	FILE *f;
	pid_t pid;
	int st;
	char *out = NULL;

	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/golden.v", dir);
	snprintf(xml, sizeof(xml), "%s/design.xml", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(src, f);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		const char *argv[] = {"verilator", "--xml-only", "--no-timing", "-Wno-fatal", "-Wno-lint",
				      "-Wno-style", "--top-module", top, "--xml-output", xml, path, NULL};
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		goto out;
	buf_init(&x, RTLR_MAX_XML);
	if (buf_read_file(&x, xml) == 0)
		out = buf_detach(&x, NULL);
	buf_release(&x);
out:
	unlink(path);
	unlink(xml);
	rmdir(dir);
	return out;
}

/* Detects on src (top "top"); given clocks/resets may be set in d->p before. */
static void detect(struct det *d, const char *src)
{
	char *xml = run_xml(src, "top");

	ck_assert_msg(xml != NULL, "verilator --xml-only failed on:\n%s", src);
	d->p.ref_top = (char *)"top";
	ck_assert_msg(vinfo_parse_xml_bodies(xml, strlen(xml), &d->p.prep.gold, d->err,
					     sizeof(d->err)) == 0, "%s", d->err);
	free(xml);
	d->rc = clkrst_detect(&d->p, d->err, sizeof(d->err));
}

static void release(struct det *d)
{
	size_t i;

	for (i = 0; i < d->p.prep.nclocks; i++) {
		free(d->p.prep.clocks[i]);
		free(d->p.prep.clock_info[i].why);
	}
	free(d->p.prep.clocks);
	free(d->p.prep.clock_info);
	for (i = 0; i < d->p.prep.nresets; i++) {
		free(d->p.prep.resets[i].name);
		free(d->p.prep.resets[i].why);
	}
	free(d->p.prep.resets);
	vinfo_release(&d->p.prep.gold);
}

/* "clk:posedge:edge,..." and "rstb:low:sync:reset:sync-use,..." summaries. */
static void summary(const struct det *d, char *out, size_t n)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < d->p.prep.nclocks && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%sC %s %s %s", k ? "; " : "", d->p.prep.clocks[i],
				      clock_edge_name(d->p.prep.clock_info[i].edge),
				      d->p.prep.clock_info[i].detected_by);
	for (i = 0; i < d->p.prep.nresets && k < n; i++) {
		const struct reset_spec *r = &d->p.prep.resets[i];
		k += (size_t)snprintf(out + k, n - k, "%sR %s %s %s %s %s", k ? "; " : "", r->name,
				      r->active_low ? "low" : "high", r->async ? "async" : "sync",
				      reset_kind_name(r->kind), r->detected_by);
	}
}

static void expect(const char *src, const char *want)
{
	struct det d;
	char got[1024];

	memset(&d, 0, sizeof(d));
	detect(&d, src);
	ck_assert_msg(d.rc == 0, "clkrst_detect: %s", d.err);
	summary(&d, got, sizeof(got));
	ck_assert_msg(!strcmp(got, want), "\n%s\n  want: %s\n  got:  %s", src, want, got);
	release(&d);
}

struct tcase_src {
	const char *what, *src, *want;
};

static const struct tcase_src cases[] = {
	{"sync rstb tested as !rstb",
	 "module top(input clk, input rstb, input [3:0] d, output reg [3:0] q);\n"
	 "always @(posedge clk) if (!rstb) q <= 0; else q <= q + d;\nendmodule\n",
	 "C clk posedge edge; R rstb low sync reset sync-use"},
	{"sync rstb tested as if (rstb) ... else reset",
	 "module top(input clk, input rstb, input [3:0] d, output reg [3:0] q);\n"
	 "always @(posedge clk) if (rstb) q <= d; else q <= 4'h0;\nendmodule\n",
	 "C clk posedge edge; R rstb low sync reset sync-use"},
	{"async resetb",
	 "module top(input clk, input resetb, input d, output reg q);\n"
	 "always @(posedge clk or negedge resetb) if (!resetb) q <= 0; else q <= d;\nendmodule\n",
	 "C clk posedge edge; R resetb low async reset async-use"},
	{"async rst_ni, two registers, begin/end",
	 "module top(input clk_i, input rst_ni, input [7:0] d, output reg [7:0] q, output reg v);\n"
	 "always @(posedge clk_i or negedge rst_ni) begin\n"
	 "  if (~rst_ni) begin q <= 8'd0; v <= 1'b0; end\n"
	 "  else begin q <= d; v <= 1'b1; end\nend\nendmodule\n",
	 "C clk_i posedge edge; R rst_ni low async reset async-use"},
	{"async set aset is not a clock",
	 "module top(input clk, input aset, input [7:0] d, output reg [7:0] q);\n"
	 "always @(posedge clk or posedge aset) if (aset) q <= 8'hff; else q <= d;\nendmodule\n",
	 "C clk posedge edge; R aset high async set async-use"},
	{"oddly named clock and async clear",
	 "module top(input ck, input clear, input d, output reg q);\n"
	 "always @(negedge clear or posedge ck) if (clear == 1'b0) q <= 0; else q <= d;\nendmodule\n",
	 "C ck posedge edge; R clear low async reset async-use"},
	{"async init, active high, nothing like a reset in its name",
	 "module top(input tick, input init, input [2:0] d, output reg [2:0] q);\n"
	 "always @(posedge tick or posedge init) begin if (init) q <= 3'b101; else q <= d; end\nendmodule\n",
	 "C tick posedge edge; R init high async set async-use"},
	{"two clocks and a negedge clock",
	 "module top(input clka, input clkb, input cn, input d, output reg qa, output reg qb, output reg qn);\n"
	 "always @(posedge clka) qa <= d;\nalways @(posedge clkb) qb <= qa;\n"
	 "always @(negedge cn) qn <= qb;\nendmodule\n",
	 "C clka posedge edge; C clkb posedge edge; C cn negedge edge"},
	{"both edges of one clock",
	 "module top(input clk, input d, output reg p, output reg n);\n"
	 "always @(posedge clk) p <= d;\nalways @(negedge clk) n <= d;\nendmodule\n",
	 "C clk both edge"},
	{"combinational: no clock, no reset pulsed",
	 "module top(input reset, input [3:0] a, output [3:0] y);\n"
	 "assign y = reset ? 4'd0 : a + 4'd1;\nendmodule\n",
	 ""},
	{"clk named but never an edge (combinational body)",
	 "module top(input clk, input a, output y);\nassign y = a;\nendmodule\n",
	 "C clk none name"},
	{"sync rst_n tested as if (rst_n) q <= 0: the body wins over the name",
	 "module top(input clk, input rst_n, input d, output reg q);\n"
	 "always @(posedge clk) if (rst_n) q <= 0; else q <= d;\nendmodule\n",
	 "C clk posedge edge; R rst_n high sync reset sync-use"},
	{"sync reset under an enable: polarity from the name",
	 "module top(input clk, input en, input nrst, input d, output reg q);\n"
	 "always @(posedge clk) if (en) begin if (!nrst) q <= 0; else q <= d; end\nendmodule\n",
	 "C clk posedge edge; R nrst low sync reset name"},
	{"async reset in a submodule, connected straight and inverted",
	 "module dff(input c, input r, input d, output reg q);\n"
	 "always @(posedge c or negedge r) if (!r) q <= 0; else q <= d;\nendmodule\n"
	 "module top(input clk, input rstb, input srst, input d, output q1, output q2);\n"
	 "dff u1(.c(clk), .r(rstb), .d(d), .q(q1));\n"
	 "dff u2(.c(clk), .r(~srst), .d(d), .q(q2));\nendmodule\n",
	 "C clk posedge edge; R rstb low async reset async-use; R srst high async reset async-use"},
	{"parameterized submodules: Verilator's copies (sub__W4, sub__W2) are followed",
	 "module sub #(parameter W = 1) (input c, input r, input [W-1:0] d, output reg [W-1:0] q);\n"
	 "always @(posedge c or negedge r) if (!r) q <= 0; else q <= d;\nendmodule\n"
	 "module top(input clk, input rb, input [3:0] d, output [3:0] q, output [1:0] q2);\n"
	 "sub #(.W(4)) u(.c(clk), .r(rb), .d(d), .q(q));\n"
	 "sub #(.W(2)) u2(.c(clk), .r(rb), .d(d[1:0]), .q(q2));\nendmodule\n",
	 "C clk posedge edge; R rb low async reset async-use"},
	{"async reset through an alias wire rst = ~rst_n",
	 "module top(input clk, input rst_n, input d, output reg q);\n"
	 "wire rst = ~rst_n;\n"
	 "always @(posedge clk or posedge rst) if (rst) q <= 1'b0; else q <= d;\nendmodule\n",
	 "C clk posedge edge; R rst_n low async reset async-use"},
	{"asynchronous load",
	 "module top(input clk, input load, input [3:0] d, output reg [3:0] q);\n"
	 "always @(posedge clk or posedge load) if (load) q <= d; else q <= q + 4'd1;\nendmodule\n",
	 "C clk posedge edge; R load high async load async-use"},
	{"async reset of a memory in a for loop",
	 "module top(input clk, input rst_n, input [1:0] a, input [7:0] d, output [7:0] q);\n"
	 "reg [7:0] m [0:3]; integer i;\n"
	 "always @(posedge clk or negedge rst_n)\n"
	 "  if (!rst_n) begin for (i = 0; i < 4; i = i + 1) m[i] <= 8'd0; end\n"
	 "  else m[a] <= d;\nassign q = m[a];\nendmodule\n",
	 "C clk posedge edge; R rst_n low async reset async-use"},
	{"async and sync resets together",
	 "module top(input clk, input arst_n, input srst, input [3:0] d, output reg [3:0] q);\n"
	 "always @(posedge clk or negedge arst_n)\n"
	 "  if (!arst_n) q <= 0; else if (srst) q <= 4'd9; else q <= d;\nendmodule\n",
	 "C clk posedge edge; R arst_n low async reset async-use; R srst high sync set sync-use"},
	{"names that contain rst but are not resets",
	 "module top(input clk, input first, input burst, input d, output reg q);\n"
	 "always @(posedge clk) if (first) q <= 0; else if (burst) q <= d;\nendmodule\n",
	 "C clk posedge edge"},
	{"a reset-named edge never read in the body is not a second clock",
	 "module top(input clk, input rst, input d, output reg q);\n"
	 "always @(posedge clk or posedge rst) q <= d;\nendmodule\n",
	 "C clk posedge edge; R rst high async load async-use"},
	{"reset expressed as a ternary on a vector",
	 "module top(input clk, input resetn, input [7:0] d, output reg [7:0] q);\n"
	 "always @(posedge clk) q <= resetn ? d : 8'h00;\nendmodule\n",
	 "C clk posedge edge; R resetn low sync reset sync-use"},
};

START_TEST(test_case)
{
	expect(cases[_i].src, cases[_i].want);
}
END_TEST

static const char *const reset_high[] = {"rst", "reset", "areset", "srst", "clr", "RST", "Rst", "rst_i",
					 "reset_in", "sys_rst", "i_rst", "rst1", "aclr", "clear", NULL};
static const char *const reset_low[] = {"rst_n", "rstn", "rst_ni", "rstb", "resetb", "nrst", "aresetn",
					"arstn", "reset_n", "RST_N", "reset_l", "rst_b", "n_rst", "clr_n",
					"rst_sync_n", "resetn", "nreset", "clrn", NULL};
static const char *const not_reset[] = {"first", "burst", "worst", "clear_count", "preset", "d", "clk",
					"ena", "load", "rstate", NULL};
static const char *const clock_names[] = {"clk", "clock", "clk_i", "i_clk", "sys_clk", "clka", "clk0",
					  "wclk", "CLK", "Clock", NULL};

START_TEST(test_names)
{
	size_t i;

	for (i = 0; reset_high[i]; i++) {
		ck_assert_msg(clkrst_name_is_reset(reset_high[i]), "%s: a reset", reset_high[i]);
		ck_assert_msg(!clkrst_name_is_active_low(reset_high[i]), "%s: active high", reset_high[i]);
	}
	for (i = 0; reset_low[i]; i++) {
		ck_assert_msg(clkrst_name_is_reset(reset_low[i]), "%s: a reset", reset_low[i]);
		ck_assert_msg(clkrst_name_is_active_low(reset_low[i]), "%s: active low", reset_low[i]);
	}
	for (i = 0; not_reset[i]; i++)
		ck_assert_msg(!clkrst_name_is_reset(not_reset[i]), "%s: not a reset", not_reset[i]);
	for (i = 0; clock_names[i]; i++)
		ck_assert_msg(clkrst_name_is_clock(clock_names[i]), "%s: a clock", clock_names[i]);
	ck_assert(!clkrst_name_is_clock("clkrst"));
	ck_assert(!clkrst_name_is_clock("block"));
}
END_TEST

/* Sync resets by name only (the body does not show them): every spelling's polarity. */
START_TEST(test_name_polarity_in_design)
{
	static const char *const names[] = {"rst", "reset", "rst_n", "rstn", "rst_ni", "rstb", "resetb",
					    "nrst", "aresetn", "areset", "srst", "clr"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char src[512], want[256];
		int low = clkrst_name_is_active_low(names[i]);

		/* the reset only reaches the output through a register that also needs en */
		snprintf(src, sizeof(src),
			 "module top(input clk, input %s, input en, input d, output reg q);\n"
			 "always @(posedge clk) if (en) q <= d ^ %s;\nendmodule\n", names[i], names[i]);
		snprintf(want, sizeof(want), "C clk posedge edge; R %s %s sync reset name", names[i],
			 low ? "low" : "high");
		expect(src, want);
	}
}
END_TEST

START_TEST(test_given_override)
{
	struct det d;
	struct reset_spec given = {.name = (char *)"aset", .active_low = 1, .async = 0};
	char *clocks[] = {(char *)"clk"};
	char got[512];

	memset(&d, 0, sizeof(d));
	d.p.clocks = clocks;
	d.p.nclocks = 1;
	d.p.resets = &given;
	d.p.nresets = 1;
	d.p.resets_given = 1;
	detect(&d, "module top(input clk, input aset, input rst, input [7:0] d, output reg [7:0] q);\n"
		   "always @(posedge clk or posedge aset) if (aset) q <= 8'hff; else if (rst) q <= 0; else q <= d;\n"
		   "endmodule\n");
	ck_assert_msg(d.rc == 0, "%s", d.err);
	summary(&d, got, sizeof(got));
	ck_assert_str_eq(got, "C clk posedge given; R aset low sync reset given");
	release(&d);

	/* a given name that is not a 1-bit input is refused */
	memset(&d, 0, sizeof(d));
	clocks[0] = (char *)"q";
	d.p.clocks = clocks;
	d.p.nclocks = 1;
	detect(&d, "module top(input clk, input d, output reg q);\nalways @(posedge clk) q <= d;\nendmodule\n");
	ck_assert_int_eq(d.rc, -1);
	ck_assert_msg(strstr(d.err, "clocks: 'q' is not a 1-bit input"), "%s", d.err);
	release(&d);
}
END_TEST

START_TEST(test_why)
{
	struct det d;

	memset(&d, 0, sizeof(d));
	detect(&d, cases[4].src); /* aset */
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(d.p.prep.nresets, 1);
	ck_assert_msg(d.p.prep.resets[0].why && strstr(d.p.prep.resets[0].why, "posedge in the edge list") &&
			      strstr(d.p.prep.resets[0].why, "not all zero"),
		      "%s", d.p.prep.resets[0].why);
	ck_assert_msg(strstr(d.p.prep.clock_info[0].why, "not read in its body"), "%s",
		      d.p.prep.clock_info[0].why);
	release(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clkrst");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_case, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_name_polarity_in_design);
	tcase_add_test(tc, test_given_override);
	tcase_add_test(tc, test_why);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
