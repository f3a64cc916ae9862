/* Unit tests for reward/engine_verilator_x.c: which designs the Verilator engine hands to Icarus
 * because of division (engine_vlx_divides) and which delays it drops with --no-timing
 * (engine_vlx_delays_ok). The verdicts these rules protect are checked end to end, against
 * iverilog, in tests/integration/test_xver.py. */
#include <check.h>
#include <stdlib.h>

#include "engine.h"

static const char *const divides[] = {
	"assign q = a / b;",
	"assign q = a % b;",
	"assign q = a / (b + 1);",
	"assign q = a / 0;",
	"assign q = a % 4'd0;",
	"assign q = a / 4'bx;",
	"assign q = a / 2 ** n;",
	"always @* begin q = a; q /= b; end",
	"assign q = a / W;",
	"assign q = a /b; // a/2",
	"assign q = a / 'h0;",
};

static const char *const no_divide[] = {
	"assign q = a / 2;",
	"assign q = a % 10;",
	"assign q = a / 8'd3 + b;",
	"assign q = a % (4'h5);",
	"assign q = a / 2.5;",
	"// q = a / b;\nassign q = a;",
	"/* a / b */ assign q = a;",
	"initial $display(\"%d / %d\", a, b);",
	"`timescale 1ns/1ps\nmodule m; endmodule",
	"localparam N = 16 / 4;",
	"assign q = a / 'd7;",
};

/* candidate text; 1 when the delays can be dropped */
static const struct {
	const char *src;
	int ok;
} delays[] = {
	{"always @(posedge clk) q <= #1 d;", 1},
	{"assign #1 y = a & b;", 1},
	{"assign #(1) y = a; always @(posedge clk) q <= #1 d; always @(posedge clk) r <= #1 q;", 1},
	{"wire [3:0] #1 w = a;", 1},
	{"and #1 g1(y, a, b);", 1},
	{"`timescale 1ns/1ps\nalways @(posedge clk) q <= #1.5 d;", 1},
	{"sub #(8) u(.a(a)); always @(posedge clk) q <= #1 d;", 1},
	{"module m #(parameter W = 8) (input a); assign #1 y = a; endmodule", 1},
	{"assign #7 y = a;", 0},
	{"assign #2 a1 = a; assign #2 y = a1;", 0},
	{"always @(posedge clk) begin #1 q = d; end", 0},
	{"always @(posedge clk) q = #1 d;", 0},
	{"always #5 clk = ~clk;", 0},
	{"assign #D y = a;", 0},
	{"assign #(1:2:3) y = a;", 0},
	{"`timescale 100s/1s\nassign #1 y = a;", 0},
	{"always @(posedge clk) if (r) q <= #1 0; else #1 q <= d;", 0},
};

static const char *const needtiming =
	"%Error-NEEDTIMINGOPT: cand.v:2:28: Use --timing or --no-timing to specify how timing "
	"controls should be handled\n"
	"   ... For error description see https://verilator.org/warn/NEEDTIMINGOPT?v=5.006\n";

START_TEST(test_divides)
{
	ck_assert_msg(engine_vlx_divides(divides[_i]), "expected a division by a maybe-0 in: %s",
		      divides[_i]);
}
END_TEST

START_TEST(test_no_divide)
{
	ck_assert_msg(!engine_vlx_divides(no_divide[_i]), "expected no risky division in: %s",
		      no_divide[_i]);
}
END_TEST

START_TEST(test_delays)
{
	char why[200] = "";
	double total;
	int ok = engine_vlx_delays_ok(delays[_i].src, "module g; endmodule", needtiming, &total, why,
				      sizeof(why));

	ck_assert_msg(ok == delays[_i].ok, "%s: expected %d, got %d (%s)", delays[_i].src,
		      delays[_i].ok, ok, why);
	if (!ok)
		ck_assert_msg(why[0], "no reason given for %s", delays[_i].src);
}
END_TEST

START_TEST(test_event_control)
{
	char why[200] = "";
	double total;
	const char *diag = "%Error-NEEDTIMINGOPT: cand.v:5:14: Use --timing or --no-timing to "
			   "specify how event controls should be handled\n";

	ck_assert(!engine_vlx_delays_ok("always @(posedge clk) q <= #1 d;", "", diag, &total, why,
					sizeof(why)));
	ck_assert_msg(why[0], "no reason");
	/* Verilator saw timing controls the scan does not find: not trusted */
	ck_assert(!engine_vlx_delays_ok("assign y = a;", "", needtiming, &total, why, sizeof(why)));
	/* the golden's continuous delays count along with the candidate's */
	ck_assert(!engine_vlx_delays_ok("assign #2 y = a;", "assign #2 y = a;", needtiming, &total,
					why, sizeof(why)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_vlx");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_loop_test(tc, test_divides, 0, sizeof(divides) / sizeof(divides[0]));
	tcase_add_loop_test(tc, test_no_divide, 0, sizeof(no_divide) / sizeof(no_divide[0]));
	tcase_add_loop_test(tc, test_delays, 0, sizeof(delays) / sizeof(delays[0]));
	tcase_add_test(tc, test_event_control);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
