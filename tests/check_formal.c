/* Unit tests for the formal tier's request option and its merge with the simulation's verdict
 * (reward/formal.c); the proofs themselves are tested with Yosys in
 * tests/integration/test_formal.py. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formal.h"
#include "pipeline.h"

static Rtlreward__Result *sim_result(int checked, int passed, uint64_t samples, uint64_t mism)
{
	Rtlreward__Result *r = result_new();

	ck_assert_ptr_nonnull(r);
	r->function->checked = checked;
	r->function->passed = passed;
	r->function->samples = samples;
	r->function->mismatches = mism;
	r->function->pass_rate = samples ? (double)(samples - mism) / (double)samples : 0;
	return r;
}

static struct formal_out proof(enum proof_verdict v, unsigned depth, const char *note)
{
	struct formal_out fo;

	memset(&fo, 0, sizeof(fo));
	fo.verdict = v;
	fo.depth = depth;
	snprintf(fo.note, sizeof(fo.note), "%s", note);
	if (v == PROOF_REFUTED) {
		fo.has_first = 1;
		fo.first_time = 17;
		fo.first_step = 6;
		snprintf(fo.first_signal, sizeof(fo.first_signal), "q");
		snprintf(fo.first_expected, sizeof(fo.first_expected), "beef");
		snprintf(fo.first_got, sizeof(fo.first_got), "beee");
	}
	fo.ms = 12;
	return fo;
}

static int merge(Rtlreward__Result *r, struct formal_out *fo)
{
	char b[48], err[128];

	/* formal_mode = 1: the proof already ran (fo) and formal_before_sim recorded it */
	pb_set_str(&r->function->proof, formal_verdict_str(fo, b, sizeof(b)));
	r->times->formal_ms = fo->ms;
	return formal_after_sim(NULL, NULL, NULL, 1, FORMAL_OFF, fo, r->function, r->times, err,
				sizeof(err));
}

START_TEST(test_option)
{
	char err[128];
	int v = -1;

	ck_assert_int_eq(formal_parse_option("", &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, FORMAL_OFF);
	ck_assert_int_eq(formal_parse_option("off", &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, FORMAL_OFF);
	ck_assert_int_eq(formal_parse_option("confirm", &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, FORMAL_CONFIRM);
	ck_assert_int_eq(formal_parse_option("Confirm", &v, err, sizeof(err)), -1);
	ck_assert_msg(!strncmp(err, "formal: ", 8), "error names the field: %s", err);
}
END_TEST

START_TEST(test_refuted_fails_a_pass)
{
	Rtlreward__Result *r = sim_result(1, 1, 400, 0);
	struct formal_out fo = proof(PROOF_REFUTED, 6, "");

	ck_assert_int_eq(merge(r, &fo), 0);
	ck_assert(!r->function->passed && r->function->checked);
	ck_assert_str_eq(r->function->proof, "refuted");
	ck_assert_uint_eq(r->function->samples, 406);
	ck_assert_uint_eq(r->function->mismatches, 1);
	ck_assert(r->function->pass_rate < 1 && r->function->pass_rate > 0.99);
	ck_assert_ptr_nonnull(r->function->first_mismatch);
	ck_assert_str_eq(r->function->first_mismatch->got, "beee");
	ck_assert_double_eq(r->times->formal_ms, 12);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}
END_TEST

START_TEST(test_refuted_keeps_min_score)
{
	Rtlreward__Result *r = sim_result(0, 0, 0, 0); /* the simulation timed out */
	struct formal_out fo = proof(PROOF_REFUTED, 6, "");

	ck_assert_int_eq(merge(r, &fo), 0);
	ck_assert(!r->function->passed && !r->function->checked);
	ck_assert_double_eq(r->function->pass_rate, 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}
END_TEST

START_TEST(test_bounded_unknown_leave_the_verdict)
{
	enum proof_verdict v[] = {PROOF_BOUNDED, PROOF_UNKNOWN};
	const char *name[] = {"bounded(9)", "unknown"};
	int k, passed;

	for (k = 0; k < 2; k++)
		for (passed = 0; passed < 2; passed++) {
			Rtlreward__Result *r = sim_result(1, passed, 400, passed ? 0 : 3);
			struct formal_out fo = proof(v[k], 9, "why");
			double rate = r->function->pass_rate;

			ck_assert_int_eq(merge(r, &fo), 0);
			ck_assert_int_eq(r->function->passed, passed);
			ck_assert_double_eq(r->function->pass_rate, rate);
			ck_assert_str_eq(r->function->proof, name[k]);
			ck_assert_ptr_nonnull(strstr(r->function->note, "verdict stands"));
			/* formal mode: formal_before_sim already wrote why */
			ck_assert_ptr_null(strstr(r->function->note, "why"));
			protobuf_c_message_free_unpacked(&r->base, NULL);
		}
}
END_TEST

START_TEST(test_confirm_skips_a_failure)
{
	Rtlreward__Result *r = sim_result(1, 0, 400, 3);
	struct formal_out fo;
	char err[128];

	memset(&fo, 0, sizeof(fo));
	/* no problem, no job: a proof attempt would crash; confirm must not try one */
	ck_assert_int_eq(formal_after_sim(NULL, NULL, NULL, 0, FORMAL_CONFIRM, &fo, r->function,
					  r->times, err, sizeof(err)), 0);
	ck_assert_str_eq(r->function->proof, "");
	ck_assert_ptr_nonnull(strstr(r->function->note, "no proof"));
	ck_assert_int_eq(formal_after_sim(NULL, NULL, NULL, 0, FORMAL_OFF, &fo, r->function,
					  r->times, err, sizeof(err)), 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}
END_TEST

START_TEST(test_verdict_str)
{
	struct formal_out fo = proof(PROOF_BOUNDED, 26, "");
	char b[32];

	ck_assert_str_eq(formal_verdict_str(&fo, b, sizeof(b)), "bounded(26)");
	fo.verdict = PROOF_NONE;
	ck_assert_str_eq(formal_verdict_str(&fo, b, sizeof(b)), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("formal");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_option);
	tcase_add_test(tc, test_refuted_fails_a_pass);
	tcase_add_test(tc, test_refuted_keeps_min_score);
	tcase_add_test(tc, test_bounded_unknown_leave_the_verdict);
	tcase_add_test(tc, test_confirm_skips_a_failure);
	tcase_add_test(tc, test_verdict_str);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
