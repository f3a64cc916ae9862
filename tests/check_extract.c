/* Unit tests for reward/extract.c */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

struct ex {
	int rc;
	char *code;
	size_t len;
	enum extract_how how;
	char reason[256];
};

static struct ex run_n(const char *text, size_t n)
{
	struct ex e;
	memset(&e, 0, sizeof e);
	e.rc = extract_verilog(text, n, &e.code, &e.len, &e.how, e.reason, sizeof e.reason);
	if (e.rc == 0) {
		ck_assert_ptr_nonnull(e.code);
		ck_assert_uint_eq(strlen(e.code), e.len);
	} else {
		ck_assert_ptr_null(e.code);
	}
	return e;
}

static struct ex run(const char *text)
{
	return run_n(text, strlen(text));
}

static void done(struct ex *e)
{
	free(e->code);
}

#define TOP "module TopModule(input a, output b);\n  assign b = a;\nendmodule"

START_TEST(answer_with_fence)
{
	struct ex e = run("<think>\nLet me think about it.\n</think>\n<answer>\n```verilog\n" TOP
			  "\n```\n</answer>");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_FENCE);
	ck_assert_str_eq(extract_how_name(e.how), "fence");
	done(&e);
}
END_TEST

START_TEST(answer_bare)
{
	struct ex e = run("<think>x</think>\n<answer>\n" TOP "\n</answer>\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_ANSWER);
	ck_assert_str_eq(extract_how_name(e.how), "answer");
	done(&e);
}
END_TEST

START_TEST(answer_unclosed)
{
	struct ex e = run("<think>x</think>\n<answer>\n```verilog\n" TOP "\n```\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	done(&e);
	e = run("<answer>\n" TOP "\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_ANSWER);
	done(&e);
}
END_TEST

START_TEST(answer_preferred_over_think_draft)
{
	struct ex e = run("<think>draft:\n```verilog\nmodule Draft; endmodule\n```\n"
			  "I will write <answer> tags.</think>\n<answer>\n```verilog\n" TOP
			  "\n```\n</answer>");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	done(&e);
}
END_TEST

START_TEST(last_verilog_fence_wins)
{
	struct ex e = run("First try:\n```verilog\nmodule A; endmodule\n```\nBetter:\n"
			  "```verilog\nmodule B; endmodule\n```\nA test:\n```python\nprint(1)\n```\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module B; endmodule\n");
	ck_assert_int_eq(e.how, EXTRACT_FENCE);
	done(&e);
}
END_TEST

START_TEST(fence_snippet_after_module_ignored)
{
	/* a trailing usage snippet without a module does not hide the real one */
	struct ex e = run("```verilog\n" TOP "\n```\nUse it as:\n```verilog\nTopModule u(.a(x), .b(y));\n```\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	done(&e);
}
END_TEST

START_TEST(fence_tag_variants)
{
	const char *texts[] = {
		"```Verilog\n" TOP "\n```",     "``` verilog\n" TOP "\n```",
		"```  SystemVerilog \n" TOP "\n```", "```sv\n" TOP "\n```",
		"```v\n" TOP "\n```",           "````verilog\n" TOP "\n````",
		"\n  ```verilog\n" TOP "\n  ```\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct ex e = run(texts[i]);
		ck_assert_msg(e.rc == 0, "case %zu: %s", i, e.reason);
		ck_assert_msg(strcmp(e.code, TOP "\n") == 0, "case %zu: got [%s]", i, e.code);
		ck_assert_int_eq(e.how, EXTRACT_FENCE);
		done(&e);
	}
}
END_TEST

START_TEST(four_backticks_hold_three)
{
	/* an inner ``` does not close a ```` fence */
	struct ex e = run("````verilog\n// example: ```inner```\n" TOP "\n````\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "// example: ```inner```\n" TOP "\n");
	done(&e);
}
END_TEST

START_TEST(untagged_fence)
{
	struct ex e = run("Here:\n```\n" TOP "\n```\nand some ```python``` talk");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_FENCE);
	done(&e);
}
END_TEST

START_TEST(tagged_beats_untagged)
{
	struct ex e = run("```verilog\nmodule T; endmodule\n```\n```\nmodule U; endmodule\n```\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module T; endmodule\n");
	done(&e);
}
END_TEST

START_TEST(unterminated_last_fence)
{
	struct ex e = run("Sure.\n```verilog\n" TOP "\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_FENCE);
	done(&e);
}
END_TEST

START_TEST(unterminated_without_endmodule)
{
	struct ex e = run("Sure.\n```verilog\nmodule TopModule(input a);\n  assign");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_msg(strstr(e.reason, "no Verilog found") != NULL, "%s", e.reason);
	ck_assert_msg(strstr(e.reason, "endmodule") != NULL, "%s", e.reason);
}
END_TEST

START_TEST(glued_closing_fence)
{
	struct ex e = run("```verilog\nmodule M; endmodule```\nDone.");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module M; endmodule\n");
	done(&e);
}
END_TEST

START_TEST(crlf)
{
	struct ex e = run("<answer>\r\n```verilog\r\nmodule M(input a);\r\n  wire b;\r\nendmodule\r\n```\r\n</answer>\r\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module M(input a);\n  wire b;\nendmodule\n");
	ck_assert_ptr_null(strchr(e.code, '\r'));
	done(&e);
}
END_TEST

START_TEST(code_markers)
{
	struct ex e = run("Reasoning...\nCODE BEGIN\n" TOP "\nCODE END\nThat is all.");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_MARKERS);
	ck_assert_str_eq(extract_how_name(e.how), "code_markers");
	done(&e);
	/* the last pair */
	e = run("CODE BEGIN\nmodule A; endmodule\nCODE END\nCODE BEGIN\nmodule B; endmodule\nCODE END\n");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module B; endmodule\n");
	done(&e);
}
END_TEST

START_TEST(bare_with_prose)
{
	struct ex e = run("The module below implements the spec.\n\n`timescale 1ns/1ps\n" TOP
			  "\nThis module passes all tests.");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "`timescale 1ns/1ps\n" TOP "\n");
	ck_assert_int_eq(e.how, EXTRACT_BARE);
	ck_assert_str_eq(extract_how_name(e.how), "bare");
	done(&e);
}
END_TEST

START_TEST(bare_two_modules)
{
	struct ex e = run("module A(input x); endmodule\n\nmodule B; A a(.x(1'b0)); endmodule\nbye");
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module A(input x); endmodule\n\nmodule B; A a(.x(1'b0)); endmodule\n");
	done(&e);
}
END_TEST

START_TEST(empty)
{
	struct ex e = run("");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_str_eq(e.reason, "completion is empty");
	ck_assert_int_eq(e.how, EXTRACT_NONE);
	e = run(" \n\t\r\n ");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_str_eq(e.reason, "completion is empty");
	e = run_n(NULL, 0);
	ck_assert_int_eq(e.rc, 1);
}
END_TEST

START_TEST(no_code)
{
	struct ex e = run("I cannot help with that.");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_str_eq(e.reason, "no Verilog found: no module ... endmodule in the completion");
	e = run("<answer>\n```verilog\nassign a = b;\n```\n</answer>");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_str_eq(e.reason, "no Verilog found: no module ... endmodule in the completion");
	/* "endmodule" alone is not a module, nor is a module inside another word */
	e = run("submodule and endmodules");
	ck_assert_int_eq(e.rc, 1);
	e = run("module without an end");
	ck_assert_int_eq(e.rc, 1);
	ck_assert_msg(strstr(e.reason, "without endmodule") != NULL, "%s", e.reason);
}
END_TEST

START_TEST(nul_byte)
{
	static const char t[] = "```verilog\nmodule M;\0 endmodule\n```\n";
	struct ex e = run_n(t, sizeof t - 1);
	ck_assert_int_eq(e.rc, 1);
	ck_assert_msg(strstr(e.reason, "NUL") != NULL, "%s", e.reason);
	/* a NUL outside the code does not matter */
	static const char u[] = "<think>\0</think><answer>\nmodule M; endmodule\n</answer>";
	e = run_n(u, sizeof u - 1);
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module M; endmodule\n");
	done(&e);
}
END_TEST

START_TEST(length_respected)
{
	/* only the first len bytes count */
	const char *t = "module M; endmodule\nXXXX";
	struct ex e = run_n(t, 19);
	ck_assert_int_eq(e.rc, 0);
	ck_assert_str_eq(e.code, "module M; endmodule\n");
	done(&e);
	e = run_n(t, 12);
	ck_assert_int_eq(e.rc, 1);
}
END_TEST

START_TEST(long_single_line_is_linear)
{
	/* 1 MB on one line with many "module" words: a quadratic scan would time out */
	size_t n = 1 << 20, k = 0;
	char *t = malloc(n + 1);
	ck_assert_ptr_nonnull(t);
	while (k + 15 <= n) {
		memcpy(t + k, "<answer>module ", 15);
		k += 15;
	}
	t[k] = 0;
	struct ex e = run_n(t, k);
	ck_assert_int_eq(e.rc, 1);
	memcpy(t + k - 15, "endmodule      ", 15);
	e = run_n(t, k);
	ck_assert_int_eq(e.rc, 0);
	done(&e);
	free(t);
}
END_TEST

START_TEST(how_names)
{
	ck_assert_str_eq(extract_how_name(EXTRACT_NONE), "none");
	ck_assert_str_eq(extract_how_name(EXTRACT_ANSWER), "answer");
	ck_assert_str_eq(extract_how_name(EXTRACT_FENCE), "fence");
	ck_assert_str_eq(extract_how_name(EXTRACT_MARKERS), "code_markers");
	ck_assert_str_eq(extract_how_name(EXTRACT_BARE), "bare");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("extract");
	TCase *t = tcase_create("core");
	tcase_add_test(t, answer_with_fence);
	tcase_add_test(t, answer_bare);
	tcase_add_test(t, answer_unclosed);
	tcase_add_test(t, answer_preferred_over_think_draft);
	tcase_add_test(t, last_verilog_fence_wins);
	tcase_add_test(t, fence_snippet_after_module_ignored);
	tcase_add_test(t, fence_tag_variants);
	tcase_add_test(t, four_backticks_hold_three);
	tcase_add_test(t, untagged_fence);
	tcase_add_test(t, tagged_beats_untagged);
	tcase_add_test(t, unterminated_last_fence);
	tcase_add_test(t, unterminated_without_endmodule);
	tcase_add_test(t, glued_closing_fence);
	tcase_add_test(t, crlf);
	tcase_add_test(t, code_markers);
	tcase_add_test(t, bare_with_prose);
	tcase_add_test(t, bare_two_modules);
	tcase_add_test(t, empty);
	tcase_add_test(t, no_code);
	tcase_add_test(t, nul_byte);
	tcase_add_test(t, length_respected);
	tcase_add_test(t, long_single_line_is_linear);
	tcase_add_test(t, how_names);
	tcase_set_timeout(t, 20);
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
