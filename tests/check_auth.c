/* Unit tests for server/auth.c: the token file format and the role check. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static char err[256];

#define ADMIN "adm1n-T0ken-0123456789abcdef"
#define SCORER "sc0rer.token_0123456789+/="

START_TEST(file_format)
{
	ck_assert_int_eq(auth_parse("# tokens\n\nadmin " ADMIN "\n  scorer\t" SCORER "  \r\n", err, sizeof(err)), 0);
	ck_assert(auth_enabled());
	ck_assert_int_eq(auth_parse("", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no tokens"), "%s", err);
	ck_assert(!auth_enabled());
	ck_assert_int_eq(auth_parse("root " ADMIN "\n", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "line 1") && strstr(err, "role"), "%s", err);
	ck_assert_int_eq(auth_parse("admin " ADMIN "\nscorer short\n", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "line 2") && strstr(err, "16 to 256"), "%s", err);
	ck_assert(!auth_enabled());   /* a bad file leaves no half-loaded tokens */
	ck_assert_int_eq(auth_parse("admin " ADMIN " extra\n", err, sizeof(err)), -1);
	ck_assert_int_eq(auth_parse("admin \"" ADMIN "\"\n", err, sizeof(err)), -1);
	ck_assert_int_eq(auth_parse("admin\n", err, sizeof(err)), -1);
}
END_TEST

START_TEST(roles)
{
	auth_clear();
	/* no tokens: everything open */
	ck_assert_uint_eq(auth_check(NULL, AUTH_ADMIN), 0);
	ck_assert_int_eq(auth_parse("admin " ADMIN "\nscorer " SCORER "\n", err, sizeof(err)), 0);
	ck_assert_uint_eq(auth_check(NULL, AUTH_NONE), 0);
	ck_assert_uint_eq(auth_check(NULL, AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check("Bearer " SCORER, AUTH_SCORER), 0);
	ck_assert_uint_eq(auth_check("bearer  " SCORER " ", AUTH_SCORER), 0);
	ck_assert_uint_eq(auth_check("Bearer " SCORER, AUTH_ADMIN), 403);
	ck_assert_uint_eq(auth_check("Bearer " ADMIN, AUTH_ADMIN), 0);
	ck_assert_uint_eq(auth_check("Bearer " ADMIN, AUTH_SCORER), 0);
	/* near misses are unknown tokens */
	ck_assert_uint_eq(auth_check("Bearer " ADMIN "x", AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check("Bearer adm1n-T0ken-0123456789abcdeF", AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check("Basic " ADMIN, AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check(ADMIN, AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check("Bearer " ADMIN " " SCORER, AUTH_SCORER), 401);
	ck_assert_uint_eq(auth_check("Bearer ", AUTH_SCORER), 401);
	ck_assert_int_eq(auth_role_of("Bearer " SCORER), AUTH_SCORER);
	/* Basic with the token as the password: base64("u:" ADMIN), base64("rtlreward:" SCORER) */
	ck_assert_int_eq(auth_role_of("Basic dTphZG0xbi1UMGtlbi0wMTIzNDU2Nzg5YWJjZGVm"), AUTH_ADMIN);
	ck_assert_int_eq(auth_role_of("Basic cnRscmV3YXJkOnNjMHJlci50b2tlbl8wMTIzNDU2Nzg5Ky89"), AUTH_SCORER);
	/* no colon, wrong password, not base64 */
	ck_assert_int_eq(auth_role_of("Basic YWRtMW4tVDBrZW4tMDEyMzQ1Njc4OWFiY2RlZg=="), AUTH_NONE);
	ck_assert_int_eq(auth_role_of("Basic dTphZG0xbi1UMGtlbi0wMTIzNDU2Nzg5YWJjZGVn"), AUTH_NONE);
	ck_assert_int_eq(auth_role_of("Basic !!!!"), AUTH_NONE);
	auth_clear();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("auth");
	TCase *t = tcase_create("all");

	tcase_add_test(t, file_format);
	tcase_add_test(t, roles);
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
