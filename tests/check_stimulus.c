/* Unit tests for reward/stimulus.c: the literal scanner behind the constant tables and the
 * corner values (the emitters write the same function in Verilog and C++). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stimulus.h"

static void lits(const char *src, const uint64_t *want, long n)
{
	uint64_t *v = NULL;
	long got = stim_literals(src, &v), i;

	ck_assert_msg(got == n, "%s: %ld literals, want %ld", src, got, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(v[i] == want[i], "%s: [%ld] = %llx, want %llx", src, i,
			      (unsigned long long)v[i], (unsigned long long)want[i]);
	free(v);
}

START_TEST(literal_forms)
{
	static const uint64_t a[] = {0xDEADBEEFull};
	static const uint64_t b[] = {5, 100, 0xff};
	static const uint64_t c[] = {3, 0x2a};
	static const uint64_t d[] = {0xfull};

	lits("assign eq = a == 32'hDEAD_BEEF;", a, 1);
	lits("x = 8'd100 + 'hff - 5;", b, 3);
	/* comments, strings, identifiers with digits, x/z literals, '0 fills are not values */
	lits("// 77\n/* 88 */ $display(\"99\"); reg r2d2; y = 4'bxx01; z = '0; w = 2'b11 + 6'o52;", c, 2);
	/* a sized literal is truncated to its size; a signed base is read */
	lits("q = 4'shFF;", d, 1);
	lits("", NULL, 0);
}
END_TEST

START_TEST(corners)
{
	ck_assert_uint_eq(stim_corner(0, 0, 0, 8, 8), 0);
	ck_assert_uint_eq(stim_corner(1, 0, 0, 8, 8), 0xff);
	ck_assert_uint_eq(stim_corner(2, 0, 0, 8, 8), 0x80);
	ck_assert_uint_eq(stim_corner(3, 0, 0, 8, 8), 0x7f);
	ck_assert_uint_eq(stim_corner(4, 0, 0, 8, 8), 1);
	ck_assert_uint_eq(stim_corner(5, 3, 0, 8, 8), 0x08);
	ck_assert_uint_eq(stim_corner(6, 3, 0, 8, 8), 0xf7);
	ck_assert_uint_eq(stim_corner(7, 0, 0, 8, 8), 0x55);
	/* a 100-bit input: MSB in the second chunk, one-hot at bit 70 */
	ck_assert_uint_eq(stim_corner(2, 0, 0, 64, 100), 0);
	ck_assert_uint_eq(stim_corner(2, 0, 64, 36, 100), 1ull << 35);
	ck_assert_uint_eq(stim_corner(5, 70, 64, 36, 100), 1ull << 6);
	ck_assert_uint_eq(stim_corner(1, 0, 0, 64, 100), ~0ull);
	ck_assert_uint_eq(stim_corner(4, 0, 64, 36, 100), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stimulus");
	TCase *t = tcase_create("core");

	tcase_add_test(t, literal_forms);
	tcase_add_test(t, corners);
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
