/* Unit tests for server/pbjson.c: decoding JSON into protobuf-c messages by reflection, and
 * the decoder's errors (exact messages, field paths, limits, partial messages freed).
 * Round trips and encoding: check_pbjson.c. The test schema and helpers: lib_pbjson.c.
 *
 * Besides reward.proto, a proto2 test schema (lib_pbjson.h) covers what reward.proto lacks: every
 * scalar type, bytes, explicit presence, defaults, oneof, required fields, non-string map keys,
 * message map values and a recursive message.
 *
 * Run under valgrind with: CK_FORK=no valgrind --leak-check=full --error-exitcode=99 <binary>
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "buf.h"
#include "pbjson.h"
#include "reward.pb-c.h"

#include "lib_pbjson.h"

/* ---- decoding ----------------------------------------------------------------------------- */

START_TEST(decode_score_request)
{
	const char *j =
		"\xef\xbb\xbf { \"items\" : [ {\"problem\":\"p1\",\"completion\":\"line1\\nline2 \\\"q\\\" "
		"\\u00e9\\ud83d\\ude00\\/\"},\n"
		"  {\"problem\":\"p2\"} ],\r\n\t\"preset\":\"pass_rate\",\"weights\":{\"syntax\":0.5,"
		"\"function\":2,\"ppa\":-1e-3, \"odd key\": 1E2},\"engine\":null,\"seed\":\"18446744073709551615\","
		"\"noCache\":true} ";
	Rtlreward__ScoreRequest *r =
		(Rtlreward__ScoreRequest *)pbt_dec(&rtlreward__score_request__descriptor, j);

	ck_assert_uint_eq(r->n_items, 2);
	ck_assert_str_eq(r->items[0]->problem, "p1");
	ck_assert_str_eq(r->items[0]->completion,
			 "line1\nline2 \"q\" \xc3\xa9\xf0\x9f\x98\x80/");
	ck_assert_str_eq(r->items[1]->problem, "p2");
	ck_assert_str_eq(r->items[1]->completion, "");
	ck_assert_ptr_eq(r->items[1]->completion, protobuf_c_empty_string); /* untouched default */
	ck_assert_str_eq(r->preset, "pass_rate");
	ck_assert_uint_eq(r->n_weights, 4);
	ck_assert_str_eq(r->weights[0]->key, "syntax");
	ck_assert_double_eq(r->weights[0]->value, 0.5);
	ck_assert_str_eq(r->weights[1]->key, "function");
	ck_assert_double_eq(r->weights[1]->value, 2.0);
	ck_assert_str_eq(r->weights[2]->key, "ppa");
	ck_assert_double_eq(r->weights[2]->value, -0.001);
	ck_assert_str_eq(r->weights[3]->key, "odd key");
	ck_assert_double_eq(r->weights[3]->value, 100.0);
	ck_assert_str_eq(r->engine, ""); /* null: default */
	ck_assert_uint_eq(r->seed, UINT64_MAX);
	ck_assert_int_eq(r->no_cache, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* {} is all defaults */
	r = (Rtlreward__ScoreRequest *)pbt_dec(&rtlreward__score_request__descriptor, "{}");
	ck_assert_uint_eq(r->n_items, 0);
	ck_assert_ptr_null(r->items);
	ck_assert_uint_eq(r->n_weights, 0);
	ck_assert_str_eq(r->preset, "");
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* decoding does not need a NUL after the input */
	{
		char *copy = malloc(14);
		memcpy(copy, "{\"seed\":12345", 13);
		copy[13] = '}';
		r = (Rtlreward__ScoreRequest *)pbt_dec_n(&rtlreward__score_request__descriptor, copy, 14);
		ck_assert_uint_eq(r->seed, 12345);
		protobuf_c_message_free_unpacked(&r->base, NULL);
		free(copy);
	}
}
END_TEST

START_TEST(decode_result_nested)
{
	const char *j = "{\"index\":4,\"status\":\"INFRA_ERROR\",\"reward\":0.75,"
			"\"function\":{\"checked\":true,\"samples\":12345678901234,"
			"\"first_mismatch\":{\"time\":\"42\",\"signal\":\"q\"}},"
			"\"syntax\":{\"diagnostics\":[{\"line\":3,\"message\":\"m1\"},{\"line\":4}]},"
			"\"interface\":{\"missing\":[\"a\",\"b\"],\"mismatched\":[]},"
			"\"times\":{\"total_ms\":1.5e3}}";
	Rtlreward__Result *r = (Rtlreward__Result *)pbt_dec(&rtlreward__result__descriptor, j);

	ck_assert_uint_eq(r->index, 4);
	ck_assert_int_eq(r->status, RTLREWARD__STATUS__INFRA_ERROR);
	ck_assert_double_eq(r->reward, 0.75);
	ck_assert_ptr_nonnull(r->function);
	ck_assert_int_eq(r->function->checked, 1);
	ck_assert_uint_eq(r->function->samples, 12345678901234ULL);
	ck_assert_ptr_nonnull(r->function->first_mismatch);
	ck_assert_uint_eq(r->function->first_mismatch->time, 42);
	ck_assert_str_eq(r->function->first_mismatch->signal, "q");
	ck_assert_uint_eq(r->syntax->n_diagnostics, 2);
	ck_assert_uint_eq(r->syntax->diagnostics[0]->line, 3);
	ck_assert_str_eq(r->syntax->diagnostics[0]->message, "m1");
	ck_assert_uint_eq(r->syntax->diagnostics[1]->line, 4);
	ck_assert_uint_eq(r->interface->n_missing, 2);
	ck_assert_str_eq(r->interface->missing[1], "b");
	ck_assert_uint_eq(r->interface->n_mismatched, 0);
	ck_assert_double_eq(r->times->total_ms, 1500.0);
	ck_assert_ptr_null(r->ppa); /* not given: unset, as unpack leaves it */
	ck_assert_ptr_null(r->format);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* enum by number, and a number the enum does not name (open enum) */
	r = (Rtlreward__Result *)pbt_dec(&rtlreward__result__descriptor, "{\"status\":1}");
	ck_assert_int_eq(r->status, RTLREWARD__STATUS__OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	r = (Rtlreward__Result *)pbt_dec(&rtlreward__result__descriptor, "{\"status\":9}");
	ck_assert_int_eq(r->status, 9);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}
END_TEST

START_TEST(decode_all_types)
{
	const char *j =
		"{\"i32\":-2147483648,\"s32\":\"-5\",\"sf32\":2147483647,\"u32\":4294967295,"
		"\"f32\":1e3,\"i64\":\"-9223372036854775808\",\"s64\":-9223372036854775808,"
		"\"sf64\":9223372036854775807,\"u64\":18446744073709551615,\"f64\":\"123\","
		"\"fl\":0.1,\"db\":\"-1.5e-300\",\"b\":false,\"s\":\"str\",\"by\":\"-_8AYQ\","
		"\"color\":0,\"child\":{\"i32\":2.0,\"kids\":[{\"b\":true},{}]},"
		"\"r_i32\":[1,-2,3],\"r_s64\":[\"-1\",2],\"r_u64\":[0],\"r_fl\":[\"NaN\",1.5],"
		"\"r_db\":[1e-320],\"r_b\":[true,false,true],\"r_s\":[\"\",\"x\"],"
		"\"r_by\":[\"\",\"AA==\",\"AAE\"],\"r_color\":[\"RED\",2,\"GREEN\"],"
		"\"m_i32\":{\"-1\":\"m\",\"0\":\"z\"},\"m_u64\":{\"18446744073709551615\":{\"u32\":1}},"
		"\"m_bool\":{\"false\":\"AQI=\",\"true\":\"\"},\"m_str\":{\"k\":\"BLUE\",\"l\":1},"
		"\"o_msg\":{\"s\":\"in oneof\"},\"req\":{\"a\":7}}";
	Pbjt__All *a = (Pbjt__All *)pbt_dec(&pbjt__all__descriptor, j);

	ck_assert(a->has_i32 && a->i32 == INT32_MIN);
	ck_assert(a->has_s32 && a->s32 == -5);
	ck_assert(a->has_sf32 && a->sf32 == INT32_MAX);
	ck_assert(a->has_u32 && a->u32 == UINT32_MAX);
	ck_assert(a->has_f32 && a->f32 == 1000);
	ck_assert(a->has_i64 && a->i64 == INT64_MIN);
	ck_assert(a->has_s64 && a->s64 == INT64_MIN);
	ck_assert(a->has_sf64 && a->sf64 == INT64_MAX);
	ck_assert(a->has_u64 && a->u64 == UINT64_MAX);
	ck_assert(a->has_f64 && a->f64 == 123);
	ck_assert(a->has_fl && a->fl == 0.1f);
	ck_assert(a->has_db && a->db == -1.5e-300);
	ck_assert(a->has_b && a->b == 0);
	ck_assert_str_eq(a->s, "str");
	ck_assert(a->has_by && a->by.len == 4 && memcmp(a->by.data, "\xfb\xff\x00" "a", 4) == 0);
	ck_assert(a->has_color && a->color == PBJT__COLOR__RED);
	ck_assert_ptr_nonnull(a->child);
	ck_assert(a->child->has_i32 && a->child->i32 == 2);
	ck_assert_uint_eq(a->child->n_kids, 2);
	ck_assert(a->child->kids[0]->has_b && a->child->kids[0]->b);
	ck_assert(!a->child->kids[1]->has_b);
	ck_assert_str_eq(a->child->kids[1]->s, "dflt"); /* proto2 default kept */
	ck_assert_uint_eq(a->n_r_i32, 3);
	ck_assert_int_eq(a->r_i32[1], -2);
	ck_assert_uint_eq(a->n_r_s64, 2);
	ck_assert_int_eq(a->r_s64[0], -1);
	ck_assert_uint_eq(a->n_r_fl, 2);
	ck_assert(isnan(a->r_fl[0]));
	ck_assert_uint_eq(a->n_r_db, 1);
	ck_assert_double_eq(a->r_db[0], 1e-320);
	ck_assert_uint_eq(a->n_r_b, 3);
	ck_assert_int_eq(a->r_b[2], 1);
	ck_assert_uint_eq(a->n_r_s, 2);
	ck_assert_str_eq(a->r_s[1], "x");
	ck_assert_uint_eq(a->n_r_by, 3);
	ck_assert_uint_eq(a->r_by[0].len, 0);
	ck_assert_uint_eq(a->r_by[1].len, 1);
	ck_assert_uint_eq(a->r_by[2].len, 2);
	ck_assert_int_eq(a->r_by[2].data[1], 1);
	ck_assert_uint_eq(a->n_r_color, 3);
	ck_assert_int_eq(a->r_color[1], PBJT__COLOR__BLUE);
	ck_assert_uint_eq(a->n_m_i32, 2);
	ck_assert(a->m_i32[0]->has_key && a->m_i32[0]->key == -1);
	ck_assert_str_eq(a->m_i32[0]->value, "m");
	ck_assert_uint_eq(a->n_m_u64, 1);
	ck_assert_uint_eq(a->m_u64[0]->key, UINT64_MAX);
	ck_assert_uint_eq(a->m_u64[0]->value->u32, 1);
	ck_assert_uint_eq(a->n_m_bool, 2);
	ck_assert(a->m_bool[0]->has_key && a->m_bool[0]->key == 0);
	ck_assert(a->m_bool[0]->has_value && a->m_bool[0]->value.len == 2);
	ck_assert(a->m_bool[1]->key == 1 && a->m_bool[1]->has_value && a->m_bool[1]->value.len == 0);
	ck_assert_uint_eq(a->n_m_str, 2);
	ck_assert_str_eq(a->m_str[1]->key, "l");
	ck_assert(a->m_str[1]->has_value && a->m_str[1]->value == PBJT__COLOR__GREEN);
	ck_assert_int_eq(a->choice_case, PBJT__ALL__CHOICE_O_MSG);
	ck_assert_str_eq(a->o_msg->s, "in oneof");
	ck_assert_int_eq(a->req->a, 7);
	pbt_roundtrip(&a->base);
	protobuf_c_message_free_unpacked(&a->base, NULL);

	/* the non-finite spellings; null is NaN in arrays (how the encoder writes NaN there) */
	a = (Pbjt__All *)pbt_dec(&pbjt__all__descriptor,
				 "{\"db\":\"-Infinity\",\"fl\":\"Infinity\",\"r_db\":[null,\"NaN\",1],"
				 "\"r_fl\":[null]}");
	ck_assert(a->has_db && isinf(a->db) && a->db < 0);
	ck_assert(a->has_fl && isinf(a->fl) && a->fl > 0);
	ck_assert_uint_eq(a->n_r_db, 3);
	ck_assert(isnan(a->r_db[0]) && isnan(a->r_db[1]) && a->r_db[2] == 1.0);
	ck_assert(a->n_r_fl == 1 && isnan(a->r_fl[0]));
	{
		char *j2 = pbt_enc(&a->base);
		ck_assert_ptr_nonnull(strstr(j2, "\"fl\":null,\"db\":null,"));
		ck_assert_ptr_nonnull(strstr(j2, "\"r_db\":[null,null,1.0]"));
		free(j2);
	}
	protobuf_c_message_free_unpacked(&a->base, NULL);
	/* a singular null is the default: the field stays unset */
	a = (Pbjt__All *)pbt_dec(&pbjt__all__descriptor, "{\"db\":null,\"s\":null,\"child\":null}");
	ck_assert(!a->has_db);
	ck_assert_str_eq(a->s, "dflt");
	ck_assert_ptr_null(a->child);
	protobuf_c_message_free_unpacked(&a->base, NULL);

	/* integral spellings of integers; -0 is 0 for unsigned */
	a = (Pbjt__All *)pbt_dec(&pbjt__all__descriptor,
				 "{\"u64\":-0,\"i64\":1.5e1,\"u32\":\"4.2e1\",\"i32\":-0.0e5,\"f64\":"
				 "0.000000000000000000000000000001e30,\"s64\":0e999999999}");
	ck_assert_uint_eq(a->u64, 0);
	ck_assert_int_eq(a->i64, 15);
	ck_assert_uint_eq(a->u32, 42);
	ck_assert_int_eq(a->i32, 0);
	ck_assert_uint_eq(a->f64, 1);
	ck_assert_int_eq(a->s64, 0);
	protobuf_c_message_free_unpacked(&a->base, NULL);

	/* depth: 32 nested objects are fine */
	{
		char deep[1024];
		size_t n = 0;
		int i;
		for (i = 0; i < 31; i++)
			n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"child\":");
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"i32\":1");
		for (i = 0; i < 32; i++)
			deep[n++] = '}';
		deep[n] = '\0';
		a = (Pbjt__All *)pbt_dec(&pbjt__all__descriptor, deep);
		protobuf_c_message_free_unpacked(&a->base, NULL);
	}
}
END_TEST

START_TEST(decode_camel_case_names)
{
	Rtlreward__Problem *p = (Rtlreward__Problem *)pbt_dec(
		&rtlreward__problem__descriptor,
		"{\"refTop\":\"r\",\"tbStyle\":\"rtllm\",\"clockPeriodNs\":5,\"resets\":[{\"activeLow\":true}]}");

	ck_assert_str_eq(p->ref_top, "r");
	ck_assert_str_eq(p->tb_style, "rtllm");
	ck_assert_double_eq(p->clock_period_ns, 5.0);
	ck_assert_int_eq(p->resets[0]->active_low, 1);
	protobuf_c_message_free_unpacked(&p->base, NULL);
	pbt_dec_err(&rtlreward__problem__descriptor, "{\"RefTop\":\"r\"}", "unknown field 'RefTop'");
	pbt_dec_err(&rtlreward__problem__descriptor, "{\"ref_Top\":\"r\"}", "unknown field 'ref_Top'");
}
END_TEST

/* ---- decoding errors ---------------------------------------------------------------------- */

#define REQ (&rtlreward__score_request__descriptor)
#define ALL (&pbjt__all__descriptor)

START_TEST(errors_field_paths)
{
	pbt_dec_err_exact(REQ, "{\"itemz\":[]}", "unknown field 'itemz'");
	pbt_dec_err_exact(REQ, "{\"items\":[{\"problem\":\"a\",\"completon\":\"x\"}]}",
			  "items[0]: unknown field 'completon'");
	pbt_dec_err_exact(REQ, "{\"items\":[{},{},{},{\"completion\":5}]}",
			  "items[3].completion: expected a string, got a number");
	pbt_dec_err_exact(REQ, "{\"weights\":{\"syntax\":\"high\"}}",
			  "weights.syntax: expected a number, got the string 'high'");
	pbt_dec_err_exact(REQ, "{\"weights\":{\"syntax\":{}}}",
			  "weights.syntax: expected a number, got an object");
	pbt_dec_err_exact(REQ, "{\"weights\":{\"a b\":true}}",
			  "weights['a b']: expected a number, got a boolean");
	pbt_dec_err_exact(ALL, "{\"m_i32\":{\"1\":null}}", "m_i32.1: expected a string, got null");
	pbt_dec_err_exact(ALL, "{\"m_str\":{\"k\":null}}",
			  "m_str.k: expected an enum value name or number, got null");
	pbt_dec_err_exact(REQ, "{\"weights\":[]}", "weights: expected an object, got an array");
	pbt_dec_err_exact(REQ, "{\"preset\":1}", "preset: expected a string, got a number");
	pbt_dec_err_exact(REQ, "{\"preset\":{}}", "preset: expected a string, got an object");
	pbt_dec_err_exact(REQ, "{\"items\":{}}", "items: expected an array, got an object");
	pbt_dec_err_exact(REQ, "{\"items\":[null]}", "items[0]: expected an object, got null");
	pbt_dec_err_exact(REQ, "{\"items\":[\"x\"]}", "items[0]: expected an object, got a string");
	pbt_dec_err_exact(REQ, "{\"no_cache\":\"yes\"}", "no_cache: expected true or false, got a string");
	pbt_dec_err_exact(REQ, "{\"no_cache\":1}", "no_cache: expected true or false, got a number");
	pbt_dec_err_exact(REQ, "{\"seed\":1.5}", "seed: expected an integer, got 1.5");
	pbt_dec_err_exact(REQ, "{\"seed\":\"12a\"}", "seed: expected an integer, got the string '12a'");
	pbt_dec_err_exact(REQ, "{\"seed\":\"\"}", "seed: expected an integer, got the string ''");
	pbt_dec_err_exact(REQ, "{\"seed\":true}", "seed: expected an integer, got a boolean");
	pbt_dec_err_exact(REQ, "{\"seed\":18446744073709551616}",
			  "seed: 18446744073709551616 is out of range for uint64");
	pbt_dec_err_exact(REQ, "{\"seed\":-1}", "seed: -1 is out of range for uint64");
	pbt_dec_err_exact(REQ, "{\"seed\":1e20}", "seed: 1e20 is out of range for uint64");
	pbt_dec_err_exact(REQ, "{\"seed\":99999999999999999999999999}",
			  "seed: 99999999999999999999999999 is out of range for uint64");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"status\":\"FINE\"}",
			  "status: unknown value 'FINE' for enum rtlreward.Status");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"status\":\"ok\"}",
			  "status: unknown value 'ok' for enum rtlreward.Status");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"status\":1.5}",
			  "status: expected an integer, got 1.5");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"status\":[]}",
			  "status: expected an enum value name or number, got an array");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"index\":4294967296}",
			  "index: 4294967296 is out of range for uint32");
	pbt_dec_err_exact(&rtlreward__result__descriptor,
			  "{\"function\":{\"first_mismatch\":{\"time\":-5}}}",
			  "function.first_mismatch.time: -5 is out of range for uint64");
	pbt_dec_err_exact(&rtlreward__result__descriptor,
			  "{\"syntax\":{\"diagnostics\":[{},{\"line\":\"x\"}]}}",
			  "syntax.diagnostics[1].line: expected an integer, got the string 'x'");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"times\":{\"total_ms\":1e400}}",
			  "times.total_ms: 1e400 is out of range for double");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"times\":{\"total_ms\":\"fast\"}}",
			  "times.total_ms: expected a number, got the string 'fast'");
	pbt_dec_err_exact(&rtlreward__result__descriptor, "{\"format\":[]}",
			  "format: expected an object, got an array");

	/* the test schema: other types, oneof, required, map keys */
	pbt_dec_err_exact(ALL, "{\"i32\":2147483648}", "i32: 2147483648 is out of range for int32");
	pbt_dec_err_exact(ALL, "{\"i32\":-2147483649}", "i32: -2147483649 is out of range for int32");
	pbt_dec_err_exact(ALL, "{\"i64\":9223372036854775808}",
			  "i64: 9223372036854775808 is out of range for int64");
	pbt_dec_err_exact(ALL, "{\"i64\":\"-9223372036854775809\"}",
			  "i64: -9223372036854775809 is out of range for int64");
	pbt_dec_err_exact(ALL, "{\"fl\":1e39}", "fl: 1e39 is out of range for float");
	pbt_dec_err_exact(ALL, "{\"by\":\"a\"}", "by: invalid base64 (bad length)");
	pbt_dec_err(ALL, "{\"by\":\"ab!d\"}", "by: invalid base64 (bad character");
	pbt_dec_err_exact(ALL, "{\"by\":5}", "by: expected a base64 string, got a number");
	pbt_dec_err_exact(ALL, "{\"color\":\"PURPLE\"}", "color: unknown value 'PURPLE' for enum pbjt.Color");
	pbt_dec_err_exact(ALL, "{\"r_color\":[\"RED\",\"red\"]}",
			  "r_color[1]: unknown value 'red' for enum pbjt.Color");
	pbt_dec_err_exact(ALL, "{\"r_i32\":[1,2,null]}", "r_i32[2]: expected an integer, got null");
	pbt_dec_err_exact(ALL, "{\"kids\":[{\"kids\":[{},{\"s\":1}]}]}",
			  "kids[0].kids[1].s: expected a string, got a number");
	pbt_dec_err_exact(ALL, "{\"o_str\":\"a\",\"o_i64\":1}",
			  "o_i64: only one field of a oneof may be set, and 'o_str' is already");
	pbt_dec_err_exact(ALL, "{\"o_msg\":{},\"o_str\":\"a\"}",
			  "o_str: only one field of a oneof may be set, and 'o_msg' is already");
	pbt_dec_err_exact(ALL, "{\"req\":{\"b\":\"x\"}}", "req: missing required field 'a'");
	pbt_dec_err_exact(ALL, "{\"req\":{\"a\":null}}", "req.a: required field must not be null");
	pbt_dec_err_exact(ALL, "{\"m_i32\":{\"x\":\"a\"}}",
			  "m_i32.x: invalid map key 'x' (expected a decimal integer)");
	pbt_dec_err_exact(ALL, "{\"m_i32\":{\"01\":\"a\"}}",
			  "m_i32.01: invalid map key '01' (expected a decimal integer)");
	pbt_dec_err_exact(ALL, "{\"m_i32\":{\"2147483648\":\"a\"}}",
			  "m_i32.2147483648: 2147483648 is out of range for int32");
	pbt_dec_err_exact(ALL, "{\"m_bool\":{\"yes\":\"\"}}",
			  "m_bool.yes: invalid map key 'yes' (expected true or false)");
	pbt_dec_err_exact(ALL, "{\"m_u64\":{\"1\":{\"u32\":-1}}}",
			  "m_u64.1.u32: -1 is out of range for uint32");
	pbt_dec_err_exact(ALL, "{\"m_str\":{\"k\":\"BLACK\"}}",
			  "m_str.k: unknown value 'BLACK' for enum pbjt.Color");
}
END_TEST

START_TEST(errors_duplicates)
{
	pbt_dec_err_exact(REQ, "{\"preset\":\"a\",\"preset\":\"b\"}", "duplicate field 'preset'");
	pbt_dec_err_exact(REQ, "{\"items\":[],\"seed\":1,\"items\":[]}", "duplicate field 'items'");
	pbt_dec_err_exact(REQ, "{\"no_cache\":true,\"noCache\":false}", "duplicate field 'no_cache'");
	pbt_dec_err_exact(REQ, "{\"items\":[{\"problem\":\"a\",\"problem\":\"a\"}]}",
			  "items[0]: duplicate field 'problem'");
	pbt_dec_err_exact(REQ, "{\"preset\":null,\"preset\":\"b\"}", "duplicate field 'preset'");
	pbt_dec_err_exact(REQ, "{\"weights\":{\"a\":1,\"b\":2,\"a\":3}}", "weights: duplicate key 'a'");
	pbt_dec_err_exact(REQ, "{\"weights\":{\"a\":1,\"\\u0061\":2}}", "weights: duplicate key 'a'");
	pbt_dec_err_exact(ALL, "{\"m_bool\":{\"true\":\"\",\"true\":\"\"}}", "m_bool: duplicate key 'true'");
	pbt_dec_err_exact(ALL, "{\"m_i32\":{\"5\":\"a\",\"-5\":\"b\",\"5\":\"c\"}}",
			  "m_i32: duplicate key '5'");
	pbt_dec_err_exact(ALL, "{\"m_u64\":{\"18446744073709551615\":{},\"18446744073709551615\":{}}}",
			  "m_u64: duplicate key '18446744073709551615'");
}
END_TEST

START_TEST(errors_malformed)
{
	pbt_dec_err_exact(REQ, "{\"preset\": }",
			  "malformed JSON at offset 11 (line 1, column 12): unexpected character");
	pbt_dec_err_exact(REQ, "{\"preset\":\"a\",}",
			  "malformed JSON at offset 14 (line 1, column 15): expected a quoted field name");
	pbt_dec_err_exact(REQ, "{\n  \"preset\": \"a\"\n  \"engine\": \"b\"}",
			  "malformed JSON at offset 20 (line 3, column 3): expected ',' or '}' after a field");
	pbt_dec_err_exact(REQ, "{\"items\":[{}{}]}",
			  "malformed JSON at offset 12 (line 1, column 13): expected ',' or ']' in array");
	pbt_dec_err_exact(REQ, "{\"items\":[{\"problem\":\"a\"",
			  "malformed JSON at offset 24 (line 1, column 25): unexpected end of data");
	pbt_dec_err_exact(REQ, "{\"preset\":\"abc",
			  "malformed JSON at offset 14 (line 1, column 15): unexpected end of data in string");
	pbt_dec_err_exact(REQ, "{\"preset\"",
			  "malformed JSON at offset 9 (line 1, column 10): unexpected end of data");
	pbt_dec_err_exact(REQ, "{\"preset\" \"a\"}",
			  "malformed JSON at offset 10 (line 1, column 11): expected ':' after field name");
	pbt_dec_err_exact(REQ, "{preset:\"a\"}",
			  "malformed JSON at offset 1 (line 1, column 2): expected a quoted field name");
	pbt_dec_err(REQ, "{'preset':'a'}", "malformed JSON at offset 1 ");
	pbt_dec_err(REQ, "{\"no_cache\":True}", "malformed JSON at offset 12 ");
	pbt_dec_err(REQ, "{\"no_cache\":tru}", "invalid literal (expected 'true')");
	pbt_dec_err(REQ, "{\"preset\":nul}", "invalid literal (expected 'null')");
	pbt_dec_err(REQ, "{\"seed\":NaN}", "malformed JSON at offset 8 ");
	pbt_dec_err(REQ, "{\"seed\":01}", "invalid number: leading zeros are not allowed");
	pbt_dec_err(REQ, "{\"seed\":1.}", "invalid number: digit expected after '.'");
	pbt_dec_err(REQ, "{\"seed\":.5}", "malformed JSON at offset 8 ");
	pbt_dec_err(REQ, "{\"seed\":+1}", "malformed JSON at offset 8 ");
	pbt_dec_err(REQ, "{\"seed\":1e}", "invalid number: digit expected in exponent");
	pbt_dec_err(REQ, "{\"seed\":-}", "invalid number: digit expected");
	pbt_dec_err(REQ, "{\"seed\":0x10}", "malformed JSON at offset 9 ");
	pbt_dec_err(REQ, "{\"preset\":\"a\" /* c */}", "malformed JSON at offset 14 ");
	pbt_dec_err(REQ, "{\"preset\":\"\\x\"}", "invalid escape sequence");
	pbt_dec_err(REQ, "{\"preset\":\"\\u12g4\"}", "invalid \\u escape");
	pbt_dec_err(REQ, "{\"preset\":\"a\tb\"}", "control character in string (must be escaped)");
	pbt_dec_err(REQ, "{\"items\":[{},]}", "malformed JSON at offset 13 ");

	/* trailing garbage */
	pbt_dec_err_exact(REQ, "{\"preset\":\"a\"} x",
			  "malformed JSON at offset 15 (line 1, column 16): trailing garbage after the "
			  "JSON object");
	pbt_dec_err(REQ, "{}{}", "malformed JSON at offset 2 (line 1, column 3): trailing garbage");
	pbt_dec_err(REQ, "{}\n\n}", "malformed JSON at offset 4 (line 3, column 1): trailing garbage");
	pbt_dec_err_n(REQ, "{}\0", 3, "malformed JSON at offset 2 (line 1, column 3): trailing garbage");
	pbt_dec_err_n(REQ, "{\"preset\":\"a\0b\"}", 16, "NUL byte in string");

	/* empty body and non-objects */
	pbt_dec_err_exact(REQ, "", "empty body (expected a JSON object)");
	pbt_dec_err_n(REQ, NULL, 0, "empty body");
	pbt_dec_err_exact(REQ, " \r\n\t ", "empty body (expected a JSON object)");
	pbt_dec_err_exact(REQ, "[]", "expected a JSON object, got an array");
	pbt_dec_err_exact(REQ, "\"{}\"", "expected a JSON object, got a string");
	pbt_dec_err_exact(REQ, "null", "expected a JSON object, got null");
	pbt_dec_err_exact(REQ, "<html>",
			  "malformed JSON at offset 0 (line 1, column 1): unexpected character");
	pbt_dec_err(REQ, "{", "unexpected end of data");
}
END_TEST

START_TEST(errors_strings)
{
	pbt_dec_err_exact(REQ, "{\"items\":[{\"completion\":\"ab\xff\"}]}",
			  "items[0].completion: string is not valid UTF-8 (bad byte at offset 27)");
	/* overlong, encoded surrogate, above U+10FFFF, truncated, lone continuation */
	pbt_dec_err(REQ, "{\"preset\":\"\xc0\xaf\"}", "preset: string is not valid UTF-8");
	pbt_dec_err(REQ, "{\"preset\":\"\xe0\x80\xaf\"}", "preset: string is not valid UTF-8");
	pbt_dec_err(REQ, "{\"preset\":\"\xed\xa0\x80\"}", "preset: string is not valid UTF-8");
	pbt_dec_err(REQ, "{\"preset\":\"\xf4\x90\x80\x80\"}", "preset: string is not valid UTF-8");
	pbt_dec_err(REQ, "{\"preset\":\"\xf0\x9f\x98\"}", "preset: string is not valid UTF-8");
	pbt_dec_err(REQ, "{\"preset\":\"\x80\"}", "preset: string is not valid UTF-8");
	pbt_dec_err_exact(REQ, "{\"preset\":\"a\\u0000b\"}",
			  "preset: string contains a NUL character (\\u0000 at offset 12)");
	pbt_dec_err(REQ, "{\"preset\":\"\\ud800\"}", "preset: string has an unpaired UTF-16 surrogate");
	pbt_dec_err(REQ, "{\"preset\":\"\\ud800\\u0041\"}", "preset: string has an unpaired UTF-16");
	pbt_dec_err(REQ, "{\"preset\":\"\\udc00\\ud800\"}", "preset: string has an unpaired UTF-16");
	pbt_dec_err(REQ, "{\"weights\":{\"\xff\":1}}", "weights: key is not valid UTF-8");
	pbt_dec_err(REQ, "{\"weights\":{\"a\\u0000\":1}}", "weights: key contains a NUL character");
	pbt_dec_err_exact(REQ, "{\"pre\xffset\":1}",
			  "field name is not valid UTF-8 (bad byte at offset 5)");
	pbt_dec_err(REQ, "{\"pre\\u0000set\":1}", "field name contains a NUL character");
	pbt_dec_err_exact(REQ, "{\"pr\xc3\xa9set\":1}", "unknown field 'pr\\xc3\\xa9set'");
	pbt_dec_err(ALL, "{\"m_i32\":{\"1\":\"\xfe\"}}", "m_i32.1: string is not valid UTF-8");
	{
		/* the longest valid sequences are accepted */
		Rtlreward__ScoreRequest *r = (Rtlreward__ScoreRequest *)pbt_dec(
			REQ, "{\"preset\":\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xdf\xbf\\udbff\\udfff\"}");
		ck_assert_str_eq(r->preset, "\xf4\x8f\xbf\xbf\xef\xbf\xbf\xdf\xbf\xf4\x8f\xbf\xbf");
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
}
END_TEST

START_TEST(errors_depth_and_size)
{
	char *s = malloc(1 << 20); /* the 20000-item body below is ~420 kB */
	size_t n = 0;
	int i;

	/* 33 levels of objects through a recursive message type */
	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(s + n, 64, "{\"child\":");
	n += (size_t)snprintf(s + n, 64, "{}");
	for (i = 0; i < 32; i++)
		s[n++] = '}';
	s[n] = '\0';
	pbt_dec_err_exact(ALL, s, "malformed JSON at offset 288 (line 1, column 289): nesting deeper "
			      "than 32 levels");
	/* arrays count too */
	n = 0;
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(s + n, 64, "{\"kids\":[");
	n += (size_t)snprintf(s + n, 64, "{}");
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(s + n, 64, "]}");
	s[n] = '\0';
	pbt_dec_err(ALL, s, "nesting deeper than 32 levels");

	/* deep garbage in reward.proto stops at the first wrong type, without recursion */
	n = (size_t)snprintf(s, 64, "{\"items\":");
	for (i = 0; i < 100000; i++)
		s[n++] = '[';
	s[n] = '\0';
	pbt_dec_err_exact(REQ, s, "items[0]: expected an object, got an array");

	/* a big but valid array: linear, and every element is there */
	n = (size_t)snprintf(s, 64, "{\"items\":[");
	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(s + n, 64, "%s{\"problem\":\"p%d\"}", i ? "," : "", i);
	n += (size_t)snprintf(s + n, 64, "]}");
	{
		Rtlreward__ScoreRequest *r = (Rtlreward__ScoreRequest *)pbt_dec_n(REQ, s, n);
		ck_assert_uint_eq(r->n_items, 20000);
		ck_assert_str_eq(r->items[19999]->problem, "p19999");
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	/* a shorter one cut anywhere fails cleanly (valgrind: nothing leaks from partial messages) */
	n = (size_t)snprintf(s, 64, "{\"items\":[");
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(s + n, 64, "%s{\"problem\":\"p%d\",\"completion\":\"c\"}",
				      i ? "," : "", i);
	n += (size_t)snprintf(s + n, 64, "],\"weights\":{\"a\":1,\"b\":2}}");
	pbt_free_unpacked_ok(REQ, s, n);
	for (i = 0; i < (int)n; i++)
		pbt_dec_err_n(REQ, s, (size_t)i, i ? "unexpected end of data" : "empty body");
	free(s);
}
END_TEST

START_TEST(errors_partial_messages_are_freed)
{
	/* failures deep inside every kind of container; valgrind checks that nothing leaks */
	pbt_dec_err(ALL, "{\"kids\":[{\"r_s\":[\"a\",\"b\",1]}]}", "kids[0].r_s[2]");
	pbt_dec_err(ALL, "{\"m_u64\":{\"1\":{\"m_str\":{\"x\":\"RED\",\"y\":\"NO\"}}}}", "m_u64.1.m_str.y");
	pbt_dec_err(ALL, "{\"o_msg\":{\"r_by\":[\"AA==\",\"!\"]}}", "o_msg.r_by[1]");
	pbt_dec_err(ALL, "{\"o_str\":\"abc\",\"child\":{\"by\":\"AAAA\",\"s\":\"x\",\"i32\":\"z\"}}",
		    "child.i32");
	pbt_dec_err(ALL, "{\"m_i32\":{\"1\":\"a\",\"2\":7}}", "m_i32.2");
	pbt_dec_err(ALL, "{\"m_bool\":{\"true\":\"AA\",\"false\":\"A\"}}", "m_bool.false");
	pbt_dec_err(ALL, "{\"s\":\"x\",\"by\":\"AQID\",\"r_u64\":[1,2,3,4,5,6,7,8,9],\"req\":{}}",
		    "req: missing required field");
	pbt_dec_err(&rtlreward__problem__descriptor,
		    "{\"clocks\":[\"a\",\"b\"],\"resets\":[{\"name\":\"r\"}],\"ports\":[{},7]}",
		    "ports[1]");
	pbt_dec_err(REQ, "{\"weights\":{\"a\":1,\"b\":2},\"items\":[{\"problem\":\"x\"}],\"seed\":\"y\"}",
		    "seed");
}
END_TEST

START_TEST(error_buffer_handling)
{
	char small[16];
	ProtobufCMessage *m;

	/* truncated but terminated; NULL or zero-size err is fine */
	m = pbjson_decode(REQ, "{\"itemz\":1}", 11, small, sizeof(small));
	ck_assert_ptr_null(m);
	ck_assert_str_eq(small, "unknown field '");
	ck_assert_ptr_null(pbjson_decode(REQ, "{\"itemz\":1}", 11, NULL, 0));
	ck_assert_ptr_null(pbjson_decode(REQ, "{\"itemz\":1}", 11, small, 0));
	ck_assert_str_eq(small, "unknown field '");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pbjson_decode");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, decode_score_request);
	tcase_add_test(tc, decode_result_nested);
	tcase_add_test(tc, decode_all_types);
	tcase_add_test(tc, decode_camel_case_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, errors_field_paths);
	tcase_add_test(tc, errors_duplicates);
	tcase_add_test(tc, errors_malformed);
	tcase_add_test(tc, errors_strings);
	tcase_add_test(tc, errors_depth_and_size);
	tcase_add_test(tc, errors_partial_messages_are_freed);
	tcase_add_test(tc, error_buffer_handling);
	suite_add_tcase(s, tc);
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
