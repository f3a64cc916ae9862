/* Unit tests for reward/liberty.c: parsing, reduction, writing, gzip input, bad input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "liberty.h"

extern const char rtlr_generic_lib[], rtlr_generic_lib_end[];

static const char *small_lib =
	"/* a comment with { braces } and \"quotes\" */\n"
	"library (tiny) {\n"
	"  time_unit : \"1ps\" ;\n"
	"  leakage_power_unit : \"1nW\";\n"
	"  capacitive_load_unit (1, ff);\n"
	"  lu_table_template (t) { variable_1 : input_net_transition; index_1 (\"1, 2\"); }\n"
	"  cell (NAND2_X1) { area : 2.0; pin (A) { direction : input; capacitance : 0.5; }\n"
	"    pin (B) { direction : input; }\n"
	"    pin (Y) { direction : output; function : \"!(A&B)\";\n"
	"      timing () { related_pin : \"A\"; cell_rise (t) { values (\"1, 2\"); } } }\n"
	"    internal_power () { related_pin : \"A\"; rise_power (t) { values (\"1, 2\"); } }\n"
	"    leakage_power () { value : 1.0; } }\n"
	"  cell (NAND2_X2) { area : 3.0; pin (A) { direction : input; } pin (B) { direction : input; }\n"
	"    pin (Y) { direction : output; function : \"!(A&B)\"; } }\n"
	"  cell (\"buf_4\") { area : 4.0; pin (A) { direction : input; capacitance : 0.25; }\n"
	"    pin (X) { direction : output; function : \"(A)\"; } }\n"
	"  cell (buf_1) { area : 1.5; dont_use : true; pin (A) { direction : input; }\n"
	"    pin (X) { direction : output; function : \"A\"; } }\n"
	"  cell (AOI22_X1) { area : 5; pin (A1) { direction : input; } pin (A2) { direction : input; }\n"
	"    pin (B1) { direction : input; } pin (B2) { direction : input; }\n"
	"    pin (Y) { direction : output; function : \"!(A1&A2|B1&B2)\"; } }\n"
	"  cell (TIEHI) { area : 1; pin (H) { direction : output; function : \"1\"; } }\n"
	"  cell (FILL) { area : 1; }\n"
	"  cell (LAT) { area : 6; latch (IQ, IQN) { enable : \"G\"; data_in : \"D\"; }\n"
	"    pin (D) { direction : input; } pin (G) { direction : input; }\n"
	"    pin (Q) { direction : output; function : \"IQ\"; } }\n"
	"  cell (DFF_X1) { area : 8; ff (IQ, IQN) { next_state : \"D\"; clocked_on : \"CK\"; }\n"
	"    pin (D) { direction : input; } pin (CK) { direction : input; clock : true; }\n"
	"    pin (Q) { direction : output; function : \"IQ\"; } }\n"
	"  cell (SDFF_X1) { area : 9; ff (IQ, IQN) { next_state : \"D\"; clocked_on : \"CK\"; }\n"
	"    test_cell () { pin (D) { direction : input; } }\n"
	"    pin (D) { direction : input; } pin (CK) { direction : input; }\n"
	"    pin (Q) { direction : output; function : \"IQ\"; } }\n"
	"}\n";

static int kept(const struct liberty *l, const char *name)
{
	const struct lib_cell *c = liberty_cell(l, name);
	ck_assert_msg(c != NULL, "cell %s not found", name);
	return c->keep;
}

START_TEST(bundled_library)
{
	struct liberty l;
	char err[256];
	const struct lib_cell *c;

	ck_assert_int_eq(liberty_load(&l, NULL, rtlr_generic_lib,
				      (size_t)(rtlr_generic_lib_end - rtlr_generic_lib), err,
				      sizeof(err)), 0);
	ck_assert_str_eq(l.name, "rtlr_generic");
	ck_assert_uint_eq(l.ncells, 18);
	ck_assert_double_eq(l.time_scale_ns, 1.0);
	ck_assert_int_eq(liberty_select(&l, err, sizeof(err)), 18);
	c = liberty_cell(&l, "INV_X1");
	ck_assert_ptr_nonnull(c);
	ck_assert_double_eq_tol(c->area, 3.75, 1e-12);
	ck_assert_uint_eq(c->nin, 1);
	ck_assert_int_eq(c->buffer, 0);
	c = liberty_cell(&l, "MUX2_X1");
	ck_assert_uint_eq(c->nin, 3);
	ck_assert_str_eq(c->out_pin, "Y");
	c = liberty_cell(&l, "DFFR_X1");
	ck_assert_int_eq(c->seq, 1);
	ck_assert_uint_eq(c->nin, 3);
	c = liberty_buffer(&l);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->name, "BUF_X1");
	ck_assert_str_eq(c->in_pin, "A");
	ck_assert_double_eq_tol(c->in_cap, 0.0018, 1e-12);
	liberty_release(&l);
}
END_TEST

START_TEST(selection_rules)
{
	struct liberty l;
	char err[256];

	ck_assert_int_eq(liberty_load(&l, NULL, small_lib, strlen(small_lib), err, sizeof(err)), 0);
	ck_assert_str_eq(l.name, "tiny");
	ck_assert_uint_eq(l.ncells, 10);
	ck_assert_double_eq_tol(l.time_scale_ns, 1e-3, 1e-15);
	ck_assert_int_eq(liberty_select(&l, err, sizeof(err)), 3);
	ck_assert_int_eq(kept(&l, "NAND2_X1"), 1);  /* smallest of its family */
	ck_assert_int_eq(kept(&l, "NAND2_X2"), 0);
	ck_assert_int_eq(kept(&l, "buf_4"), 1);     /* buf_1 is smaller but dont_use */
	ck_assert_int_eq(kept(&l, "buf_1"), 0);
	ck_assert_int_eq(kept(&l, "AOI22_X1"), 0);  /* more than LIB_MAX_INPUTS inputs */
	ck_assert_int_eq(kept(&l, "TIEHI"), 0);
	ck_assert_int_eq(kept(&l, "FILL"), 0);
	ck_assert_int_eq(kept(&l, "LAT"), 0);
	ck_assert_int_eq(kept(&l, "DFF_X1"), 1);
	ck_assert_int_eq(kept(&l, "SDFF_X1"), 0);   /* test_cell: scan flop */
	ck_assert_str_eq(liberty_buffer(&l)->name, "buf_4");
	ck_assert_str_eq(liberty_buffer(&l)->out_pin, "X");
	ck_assert_double_eq_tol(liberty_buffer(&l)->in_cap, 0.25, 1e-12);
	liberty_release(&l);
}
END_TEST

START_TEST(write_parts)
{
	struct liberty l, r;
	struct buf b;
	char err[256];

	ck_assert_int_eq(liberty_load(&l, NULL, small_lib, strlen(small_lib), err, sizeof(err)), 0);
	ck_assert_int_eq(liberty_select(&l, err, sizeof(err)), 3);

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(liberty_write(&l, LIB_PART_COMB, 1, &b), 0);
	ck_assert_ptr_null(strstr(b.data, "internal_power"));
	ck_assert_ptr_null(strstr(b.data, "leakage_power ()"));
	ck_assert_ptr_nonnull(strstr(b.data, "lu_table_template"));
	ck_assert_ptr_nonnull(strstr(b.data, "cell_rise"));
	ck_assert_int_eq(liberty_load(&r, NULL, b.data, b.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.ncells, 2);
	ck_assert_ptr_nonnull(liberty_cell(&r, "NAND2_X1"));
	ck_assert_ptr_nonnull(liberty_cell(&r, "buf_4"));
	liberty_release(&r);
	buf_release(&b);

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(liberty_write(&l, LIB_PART_SEQ, 1, &b), 0);
	ck_assert_int_eq(liberty_load(&r, NULL, b.data, b.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.ncells, 1);
	ck_assert_int_eq(r.cells[0].seq, 1);
	liberty_release(&r);
	buf_release(&b);

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(liberty_write(&l, LIB_PART_ALL, 0, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "internal_power"));
	ck_assert_int_eq(liberty_load(&r, NULL, b.data, b.len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.ncells, 3);
	liberty_release(&r);
	buf_release(&b);
	liberty_release(&l);
}
END_TEST

START_TEST(gzip_and_plain_files)
{
	char path[] = "/tmp/check_liberty_XXXXXX";
	struct liberty a, b;
	char err[256];
	int fd = mkstemp(path);
	gzFile z;

	ck_assert_int_ge(fd, 0);
	close(fd);
	z = gzopen(path, "wb");
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(gzwrite(z, small_lib, (unsigned)strlen(small_lib)), (int)strlen(small_lib));
	gzclose(z);
	ck_assert_int_eq(liberty_load(&a, path, NULL, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(liberty_load(&b, NULL, small_lib, strlen(small_lib), err, sizeof(err)), 0);
	ck_assert_uint_eq(a.ncells, 10);
	ck_assert_str_eq(a.hash, b.hash); /* the hash is of the uncompressed text */
	liberty_release(&a);
	liberty_release(&b);
	unlink(path);
	ck_assert_int_eq(liberty_load(&a, "/nonexistent/x.lib", NULL, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.lib"));
}
END_TEST

static void bad(const char *text, const char *want)
{
	struct liberty l;
	char err[256] = "";

	ck_assert_int_eq(liberty_load(&l, NULL, text, strlen(text), err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "for [%s]: error [%s] lacks [%s]", text, err, want);
}

START_TEST(bad_input)
{
	struct liberty l;
	char err[256];

	bad("", "empty");
	bad("hello world", "library group");
	bad("library (x) {\n cell (A) { area : 1;\n", "syntax error");
	bad("library (x) {\n cell (A) { pin (Y) { direction : output; } \n}\n", "syntax error");
	bad("library (x) { time_unit : \"1fortnight\"; }", "time_unit");
	bad("library (x) { a : 1; \0 }", "syntax error");
	/* parses, but there is nothing to map onto */
	ck_assert_int_eq(liberty_load(&l, NULL, "library (x) { cell (F) { area : 1; } }", 38, err,
				      sizeof(err)), 0);
	ck_assert_int_eq(liberty_select(&l, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no usable combinational cell"));
	liberty_release(&l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("liberty");
	TCase *t = tcase_create("core");
	tcase_add_test(t, bundled_library);
	tcase_add_test(t, selection_rules);
	tcase_add_test(t, write_parts);
	tcase_add_test(t, gzip_and_plain_files);
	tcase_add_test(t, bad_input);
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
