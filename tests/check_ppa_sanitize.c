/* Unit tests for reward/ppa_sanitize.c: what reaches Yosys in the PPA tier. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppa_sanitize.h"

static char note[512];
static int count;

static char *san(const char *s)
{
	struct buf b;
	char *p;

	buf_init(&b, 1 << 20);
	count = ppa_sanitize(s, strlen(s), &b, note, sizeof(note));
	ck_assert_int_ge(count, 0);
	p = buf_detach(&b, NULL);
	if (!p)
		p = strdup("");
	ck_assert_ptr_nonnull(p);
	/* same length, same lines: Yosys's line numbers stay those of the source */
	ck_assert_uint_eq(strlen(p), strlen(s));
	for (size_t i = 0; s[i]; i++)
		ck_assert_int_eq(s[i] == '\n', p[i] == '\n');
	return p;
}

static void expect(const char *src, const char *want, int n)
{
	char *got = san(src);
	ck_assert_msg(strcmp(got, want) == 0, "sanitize(%s)\n got [%s]\nwant [%s]", src, got, want);
	ck_assert_msg(count == n, "sanitize(%s): %d removed, want %d (%s)", src, count, n, note);
	free(got);
}

START_TEST(attributes_removed)
{
	expect("(* full_case *) case (s)", "                case (s)", 1);
	expect("(*full_case,parallel_case*)case(s)", "                           case(s)", 1);
	ck_assert_str_eq(note, "attribute full_case,parallel_case (line 1)");
	expect("(* parallel_case = 1 *)\ncase", "                       \ncase", 1);
	expect("(* keep *) wire w; (* blackbox *) module m; endmodule",
	       "           wire w;                module m; endmodule", 2);
	/* a multi-line instance keeps its newlines; a name after a nested expression counts */
	expect("(* a = (2*3),\n   full_case *) x", "             \n                x", 1);
	ck_assert_str_eq(note, "attribute a = (2*3), full_case (line 1)");
	/* a string holding "*)" does not end it */
	expect("(* s = \"*)\" *)y", "              y", 1);
}
END_TEST

START_TEST(event_controls_kept)
{
	expect("always @(*) y = a;", "always @(*) y = a;", 0);
	expect("always @ (*) y = a;", "always @ (*) y = a;", 0);
	expect("always @(* ) y = a;", "always @(* ) y = a;", 0);
	expect("always @ ( * ) y = a;", "always @ ( * ) y = a;", 0);
	expect("y = a * (b) * c;", "y = a * (b) * c;", 0);
	expect("y = (a) * b;", "y = (a) * b;", 0);
	/* "( *" with a blank is no attribute for Yosys (a syntax error there): kept as is */
	expect("( * full_case * ) case", "( * full_case * ) case", 0);
	/* unterminated: kept (Yosys fails on it, the tier then scores nothing) */
	expect("(* full_case ) case (s)", "(* full_case ) case (s)", 0);
}
END_TEST

START_TEST(case_keywords_removed)
{
	expect("unique case (s)", "       case (s)", 1);
	expect("priority casez (s)", "         casez (s)", 1);
	expect("unique0 casex(s)", "        casex(s)", 1);
	expect("unique if (a) b = 1;", "       if (a) b = 1;", 1);
	expect("priority\n  case (s)", "        \n  case (s)", 1);
	ck_assert_str_eq(note, "priority (line 1)");
	/* other uses are not touched */
	expect("wire unique_x; reg priority_q;", "wire unique_x; reg priority_q;", 0);
	expect("case (unique) 1: ; endcase", "case (unique) 1: ; endcase", 0);
}
END_TEST

START_TEST(comments_removed)
{
	expect("case (s) // synopsys full_case parallel_case\n",
	       "case (s)                                    \n", 1);
	ck_assert_str_eq(note, "comment pragma // synopsys full_case parallel_case (line 1)");
	expect("/* synthesis translate_off */ x", "                              x", 1);
	expect("a /* plain\n comment */ b // hi", "a         \n            b      ", 0);
	expect("s = \"// not a comment (* x *)\";", "s = \"// not a comment (* x *)\";", 0);
}
END_TEST

START_TEST(untouched_design)
{
	const char *d = "module m(input clk, input [3:0] a, output reg [3:0] q);\n"
			"  always @(posedge clk) begin\n"
			"    case (a)\n      4'd1: q <= a * 4'd3;\n      default: q <= 0;\n"
			"    endcase\n  end\nendmodule\n";
	expect(d, d, 0);
	ck_assert_str_eq(note, "");
}
END_TEST

START_TEST(overflow)
{
	struct buf b;

	buf_init(&b, 4);
	ck_assert_int_eq(ppa_sanitize("module m; endmodule", 19, &b, NULL, 0), -1);
	buf_release(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ppa_sanitize");
	TCase *t = tcase_create("core");
	tcase_add_test(t, attributes_removed);
	tcase_add_test(t, event_controls_kept);
	tcase_add_test(t, case_keywords_removed);
	tcase_add_test(t, comments_removed);
	tcase_add_test(t, untouched_design);
	tcase_add_test(t, overflow);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
