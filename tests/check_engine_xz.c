/* Unit tests for engine_uses_xz() (reward/engine_verilator_tb.c): which Verilog texts the
 * 2-state Verilator engine hands to Icarus. */
#include <check.h>
#include <stdlib.h>

#include "engine.h"

static const char *const uses[] = {
	"assign y = 1'bx;",
	"assign y = 1'hx;",
	"always @* case (s) default: next = 'x; endcase",
	"q <= 64'hx;",
	"assign y = 4'b10xZ;",
	"assign y = 8'sh_x0;",
	"assign y = 8'h X0;",
	"assign t = en ? d : 1'bz;",
	"assign t = en ? d : 'z;",
	"assign y = 4'dx;",
};

static const char *const clean[] = {
	"assign y = 8'hff + 4'b1010;",
	"// assign y = 1'bx;\nassign y = 0;",
	"/* 1'bx */ assign y = 1'b0;",
	"initial $display(\"1'bx 'x\");",
	"casez (in) 8'bzzzzzzz1: pos = 0; 8'b1???????: pos = 7; endcase",
	"wire x; assign y = x ^ z_in; assign w = 'hab;",
	"assign y = xval ? 4'b0 : 4'hf; wire [3:0] \\a'bx ; ",
	"assign y = int'(x);",
	"assign y = '1; assign z = '0;",
	"",
};

START_TEST(test_uses)
{
	ck_assert_msg(engine_uses_xz(uses[_i]), "expected x/z in: %s", uses[_i]);
}
END_TEST

START_TEST(test_clean)
{
	ck_assert_msg(!engine_uses_xz(clean[_i]), "expected no x/z in: %s", clean[_i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_xz");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_loop_test(tc, test_uses, 0, sizeof(uses) / sizeof(uses[0]));
	tcase_add_loop_test(tc, test_clean, 0, sizeof(clean) / sizeof(clean[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
