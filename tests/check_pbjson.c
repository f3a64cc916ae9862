/* Unit tests for server/pbjson.c: JSON <-> protobuf-c by reflection; round trips and encoding.
 * The decoder and its errors: check_pbjson_decode.c. The test schema and helpers: lib_pbjson.c.
 *
 * Round trips are checked against protobuf-c itself: message -> JSON -> message, then both
 * messages are packed to the wire format and the bytes compared. Encoder output is also parsed
 * by json-c (an independent parser) to check that it is valid JSON.
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

/* ---- round trips -------------------------------------------------------------------------- */

START_TEST(roundtrip_random_reward_messages)
{
	size_t i;
	int k;

	for (i = 0; i < pbt_n_reward_msgs; i++) {
		for (k = 0; k < 30; k++) {
			ProtobufCMessage *m = pbt_new_msg(pbt_reward_msgs[i]);
			pbt_fill_message(m, 0);
			pbt_roundtrip(m);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	}
}
END_TEST

START_TEST(roundtrip_random_all_types)
{
	int k;

	for (k = 0; k < 150; k++) {
		ProtobufCMessage *m = pbt_new_msg(&pbjt__all__descriptor);
		pbt_fill_message(m, 0);
		pbt_roundtrip(m);
		protobuf_c_message_free_unpacked(m, NULL);
	}
}
END_TEST

START_TEST(roundtrip_built_messages)
{
	/* hand-built, one of every reward.proto message type, all values non-default */
	Rtlreward__ResetSpec rst = RTLREWARD__RESET_SPEC__INIT;
	Rtlreward__Port port = RTLREWARD__PORT__INIT, port2 = RTLREWARD__PORT__INIT;
	Rtlreward__Port *ports[] = { &port, &port2 };
	Rtlreward__ResetSpec *resets[] = { &rst };
	char *clocks[] = { "clk", "clk_b" };
	Rtlreward__Problem prob = RTLREWARD__PROBLEM__INIT;
	Rtlreward__Problem *probs[] = { &prob };
	Rtlreward__ProblemList plist = RTLREWARD__PROBLEM_LIST__INIT;
	Rtlreward__ScoreItem item = RTLREWARD__SCORE_ITEM__INIT, item2 = RTLREWARD__SCORE_ITEM__INIT;
	Rtlreward__ScoreItem *items[] = { &item, &item2 };
	Rtlreward__ScoreRequest__WeightsEntry w1 = RTLREWARD__SCORE_REQUEST__WEIGHTS_ENTRY__INIT,
					      w2 = RTLREWARD__SCORE_REQUEST__WEIGHTS_ENTRY__INIT;
	Rtlreward__ScoreRequest__WeightsEntry *weights[] = { &w1, &w2 };
	Rtlreward__ScoreRequest req = RTLREWARD__SCORE_REQUEST__INIT;
	Rtlreward__FormatTier fmt = RTLREWARD__FORMAT_TIER__INIT;
	Rtlreward__Diagnostic dg = RTLREWARD__DIAGNOSTIC__INIT;
	Rtlreward__Diagnostic *dgs[] = { &dg, &dg };
	Rtlreward__SyntaxTier syn = RTLREWARD__SYNTAX_TIER__INIT;
	Rtlreward__PortMismatch pm = RTLREWARD__PORT_MISMATCH__INIT;
	Rtlreward__PortMismatch *pms[] = { &pm };
	char *missing[] = { "q" }, *extra[] = { "x", "y" };
	Rtlreward__InterfaceTier itf = RTLREWARD__INTERFACE_TIER__INIT;
	Rtlreward__Mismatch mm = RTLREWARD__MISMATCH__INIT;
	Rtlreward__FunctionTier fn = RTLREWARD__FUNCTION_TIER__INIT;
	Rtlreward__Coverage cov = RTLREWARD__COVERAGE__INIT;
	Rtlreward__ClockSchedule csch = RTLREWARD__CLOCK_SCHEDULE__INIT;
	Rtlreward__ClockSchedule *cschs[] = { &csch };
	Rtlreward__Stimulus stim = RTLREWARD__STIMULUS__INIT;
	uint32_t reset_at[] = { 3, 400 };
	char *consts[] = { "32'hDEADBEEF" };
	Rtlreward__PpaTier ppa = RTLREWARD__PPA_TIER__INIT;
	Rtlreward__StageTimes st = RTLREWARD__STAGE_TIMES__INIT;
	Rtlreward__Result res = RTLREWARD__RESULT__INIT;
	Rtlreward__Result *results[] = { &res, &res };
	Rtlreward__ScoreResponse resp = RTLREWARD__SCORE_RESPONSE__INIT;
	Rtlreward__Error er = RTLREWARD__ERROR__INIT;

	rst.name = "rst_n";
	rst.active_low = 1;
	rst.async = 1;
	port.name = "clk";
	port.dir = "input";
	port.width = 1;
	port2.name = "q";
	port2.dir = "output";
	port2.width = 32;
	prob.id = "p1.x-y_z";
	prob.reference = "module top(input clk, output [31:0] q);\n\tassign q = 0; // \"x\"\nendmodule\n";
	prob.top = "top";
	prob.ref_top = "ref";
	prob.mode = "testbench";
	prob.testbench = "`timescale 1ns/1ps\n";
	prob.tb_style = "rtllm";
	prob.n_clocks = 2;
	prob.clocks = clocks;
	prob.n_resets = 1;
	prob.resets = resets;
	prob.seed = UINT64_MAX;
	prob.cycles = 4294967295u;
	prob.prompt = "Implement a counter \xe2\x80\x94 see \\spec\\";
	prob.hash = "0123456789abcdef";
	prob.n_ports = 2;
	prob.ports = ports;
	prob.source = "dir:/tmp/x";
	prob.clock_period_ns = 2.5;
	stim.reset_pulses = 3;
	stim.n_reset_at = 2;
	stim.reset_at = reset_at;
	stim.n_constants = 1;
	stim.constants = consts;
	prob.stimulus = &stim;
	plist.n_problems = 1;
	plist.problems = probs;
	item.problem = "p1";
	item.completion = "```verilog\nmodule top; endmodule\n```";
	item2.problem = "p2";
	item2.completion = "";
	w1.key = "syntax";
	w1.value = 0.25;
	w2.key = "function";
	w2.value = -1e-300;
	req.n_items = 2;
	req.items = items;
	req.preset = "binary";
	req.n_weights = 2;
	req.weights = weights;
	req.engine = "verilator";
	req.seed = 9007199254740993ULL; /* 2^53 + 1: not representable as a double */
	req.no_cache = 1;
	fmt.ok = 1;
	fmt.reason = "r";
	fmt.extracted_by = "fence";
	dg.file = "cand.v";
	dg.line = 12;
	dg.column = 7;
	dg.severity = "error";
	dg.message = "syntax error near 'endmodule'";
	syn.ok = 0;
	syn.n_diagnostics = 2;
	syn.diagnostics = dgs;
	syn.truncated = 1;
	syn.tool = "iverilog";
	syn.note = "n";
	pm.name = "d";
	pm.expected = "input [7:0]";
	pm.got = "input [3:0]";
	itf.ok = 0;
	itf.n_missing = 1;
	itf.missing = missing;
	itf.n_extra = 2;
	itf.extra = extra;
	itf.n_mismatched = 1;
	itf.mismatched = pms;
	itf.reason = "ports differ";
	mm.time = 123456789012ULL;
	mm.signal = "q";
	mm.expected = "8'h0f";
	mm.got = "8'hxx";
	fn.checked = 1;
	fn.passed = 0;
	fn.pass_rate = 2.0 / 3.0;
	fn.samples = 600;
	fn.mismatches = 200;
	fn.first_mismatch = &mm;
	fn.mode = "equivalence";
	fn.engine = "icarus";
	fn.reason = "mismatch";
	fn.note = "x";
	csch.name = "clk";
	csch.half_period = 2;
	csch.phase = 1;
	cov.corner_hits = 7;
	cov.corner_total = 16;
	cov.longest_reset_free_cycles = 150;
	cov.n_clocks = 1;
	cov.clocks = cschs;
	cov.stimulus_hash = "00ff";
	fn.coverage = &cov;
	ppa.checked = 1;
	ppa.reason = "-";
	ppa.area = 123.456;
	ppa.cells = 17;
	ppa.seq_cells = 4;
	ppa.delay_ns = 0.1 + 0.2;
	ppa.power = 1e-9;
	ppa.golden_area = 100;
	ppa.golden_delay_ns = 0.25;
	ppa.golden_power = 5e-10;
	ppa.area_ratio = 1.23456;
	ppa.delay_ratio = 1.2;
	ppa.power_ratio = 2;
	ppa.score = 0.42;
	ppa.liberty = "sky130.lib";
	ppa.area_unit = "um^2";
	ppa.power_unit = "W";
	ppa.golden_cells = 15;
	st.extract_ms = 0.012;
	st.policy_ms = 0.001;
	st.syntax_ms = 12.5;
	st.interface_ms = 0.3;
	st.function_ms = 250.75;
	st.ppa_ms = 1000;
	st.total_ms = 1263.563;
	res.index = 3;
	res.status = RTLREWARD__STATUS__INFRA_ERROR;
	res.error = "tool crashed";
	res.reward = -0.5;
	res.format = &fmt;
	res.syntax = &syn;
	res.interface = &itf;
	res.function = &fn;
	res.ppa = &ppa;
	res.cached = 1;
	res.times = &st;
	res.problem = "p1";
	res.key = "deadbeef";
	resp.n_results = 2;
	resp.results = results;
	er.error = "bad request";
	er.field = "items[0].completion";
	er.code = 400;

	pbt_roundtrip(&rst.base);
	pbt_roundtrip(&port.base);
	pbt_roundtrip(&prob.base);
	pbt_roundtrip(&plist.base);
	pbt_roundtrip(&item.base);
	pbt_roundtrip(&req.base);
	pbt_roundtrip(&fmt.base);
	pbt_roundtrip(&dg.base);
	pbt_roundtrip(&syn.base);
	pbt_roundtrip(&pm.base);
	pbt_roundtrip(&itf.base);
	pbt_roundtrip(&mm.base);
	pbt_roundtrip(&fn.base);
	pbt_roundtrip(&ppa.base);
	pbt_roundtrip(&st.base);
	pbt_roundtrip(&res.base);
	pbt_roundtrip(&resp.base);
	pbt_roundtrip(&er.base);

	/* and the JSON holds what was put in */
	{
		struct json_object *o = pbt_enc_json(&req.base);
		ck_assert_str_eq(json_object_get_string(pbt_jget(o, "items.0.completion")), item.completion);
		ck_assert_double_eq(json_object_get_double(pbt_jget(o, "weights.syntax")), 0.25);
		ck_assert_double_eq(json_object_get_double(pbt_jget(o, "weights.function")), -1e-300);
		ck_assert_uint_eq(json_object_get_uint64(pbt_jget(o, "seed")), 9007199254740993ULL);
		ck_assert(json_object_get_boolean(pbt_jget(o, "no_cache")));
		json_object_put(o);
		o = pbt_enc_json(&resp.base);
		ck_assert_str_eq(json_object_get_string(pbt_jget(o, "results.1.status")), "INFRA_ERROR");
		ck_assert_double_eq(json_object_get_double(pbt_jget(o, "results.0.function.pass_rate")),
				    2.0 / 3.0);
		ck_assert_double_eq(json_object_get_double(pbt_jget(o, "results.0.ppa.delay_ns")), 0.1 + 0.2);
		ck_assert_uint_eq(json_object_get_uint64(pbt_jget(o, "results.0.function.first_mismatch.time")),
				  123456789012ULL);
		ck_assert_str_eq(json_object_get_string(pbt_jget(o, "results.0.syntax.diagnostics.1.message")),
				 "syntax error near 'endmodule'");
		json_object_put(o);
	}
}
END_TEST

/* ---- encoding ----------------------------------------------------------------------------- */

START_TEST(encode_exact_text)
{
	Rtlreward__Port port = RTLREWARD__PORT__INIT;
	Rtlreward__ScoreItem item = RTLREWARD__SCORE_ITEM__INIT;
	char *j;

	port.name = "data_in";
	port.dir = "input";
	port.width = 8;
	j = pbt_enc(&port.base);
	ck_assert_str_eq(j, "{\"name\":\"data_in\",\"dir\":\"input\",\"width\":8}");
	free(j);

	/* proto3 defaults are written */
	port.name = (char *)protobuf_c_empty_string;
	port.dir = (char *)protobuf_c_empty_string;
	port.width = 0;
	j = pbt_enc(&port.base);
	ck_assert_str_eq(j, "{\"name\":\"\",\"dir\":\"\",\"width\":0}");
	free(j);

	/* escapes: quote, backslash, controls, DEL; UTF-8 passes through; / is not escaped */
	item.problem = "a\"b\\c/d";
	item.completion = "\n\t\r\b\f\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80";
	j = pbt_enc(&item.base);
	ck_assert_str_eq(j, "{\"problem\":\"a\\\"b\\\\c/d\",\"completion\":"
			    "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f \xc3\xa9\xf0\x9f\x98\x80\"}");
	free(j);

	/* invalid UTF-8 becomes U+FFFD so the output stays valid JSON (pbt_enc() checks with json-c);
	 * each bad byte is replaced, valid sequences around them are kept */
	item.problem = "x\xff\xc3y\xed\xa0\x80\xc0\xaf\xe2\x82";
	item.completion = "\xc3\xa9";
	j = pbt_enc(&item.base);
	ck_assert_str_eq(j, "{\"problem\":\"x\\ufffd\\ufffdy\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
			    "\\ufffd\\ufffd\",\"completion\":\"\xc3\xa9\"}");
	free(j);
}
END_TEST

START_TEST(encode_defaults_enums_numbers)
{
	Rtlreward__Result res = RTLREWARD__RESULT__INIT;
	Rtlreward__ScoreRequest req = RTLREWARD__SCORE_REQUEST__INIT;
	struct json_object *o;
	char *j;

	/* unset sub-messages are objects of defaults, nested ones too */
	res.status = RTLREWARD__STATUS__OK;
	res.reward = NAN;
	o = pbt_enc_json(&res.base);
	ck_assert_str_eq(json_object_get_string(pbt_jget(o, "status")), "OK");
	ck_assert(json_object_is_type(pbt_jget(o, "reward"), json_type_null));
	ck_assert(json_object_is_type(pbt_jget(o, "format"), json_type_object));
	ck_assert(!json_object_get_boolean(pbt_jget(o, "format.ok")));
	ck_assert_str_eq(json_object_get_string(pbt_jget(o, "format.extracted_by")), "");
	ck_assert(json_object_is_type(pbt_jget(o, "function.first_mismatch"), json_type_object));
	ck_assert_int_eq(json_object_get_int64(pbt_jget(o, "function.first_mismatch.time")), 0);
	ck_assert_str_eq(json_object_get_string(pbt_jget(o, "function.first_mismatch.signal")), "");
	ck_assert(json_object_is_type(pbt_jget(o, "syntax.diagnostics"), json_type_array));
	ck_assert_int_eq(json_object_array_length(pbt_jget(o, "syntax.diagnostics")), 0);
	ck_assert(json_object_is_type(pbt_jget(o, "times.total_ms"), json_type_double));
	ck_assert_str_eq(json_object_get_string(pbt_jget(o, "error")), "");
	ck_assert_int_eq(json_object_get_int(pbt_jget(o, "index")), 0);
	/* every field of Result is there */
	ck_assert_int_eq(json_object_object_length(o), (int)rtlreward__result__descriptor.n_fields);
	ck_assert_int_eq(json_object_object_length(pbt_jget(o, "ppa")),
			 (int)rtlreward__ppa_tier__descriptor.n_fields);
	json_object_put(o);

	/* STATUS_UNSPECIFIED by name; an unnamed value as its number; infinities as null */
	res.status = 0;
	res.reward = -INFINITY;
	j = pbt_enc(&res.base);
	ck_assert_ptr_nonnull(strstr(j, "\"status\":\"STATUS_UNSPECIFIED\""));
	ck_assert_ptr_nonnull(strstr(j, "\"reward\":null"));
	free(j);
	res.status = 77;
	res.reward = -0.0;
	j = pbt_enc(&res.base);
	ck_assert_ptr_nonnull(strstr(j, "\"status\":77,"));
	ck_assert_ptr_nonnull(strstr(j, "\"reward\":-0.0,"));
	free(j);

	/* 64-bit integers are JSON numbers, all digits */
	req.seed = UINT64_MAX;
	j = pbt_enc(&req.base);
	ck_assert_ptr_nonnull(strstr(j, "\"seed\":18446744073709551615,"));
	ck_assert_ptr_nonnull(strstr(j, "\"items\":[],"));
	ck_assert_ptr_nonnull(strstr(j, "\"weights\":{},"));
	free(j);
}
END_TEST

START_TEST(encode_double_format)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 0.0, "0.0" },
		{ -0.0, "-0.0" },
		{ 1.0, "1.0" },
		{ -2.5, "-2.5" },
		{ 0.1, "0.1" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 123.456, "123.456" },
		{ 1e-7, "1e-7" },
		{ 0.000001, "0.000001" },
		{ 1e21, "1e+21" },
		{ 1e16, "10000000000000000.0" },
		{ 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 9007199254740993.0, "9007199254740992.0" },
	};
	char out[40];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = pbjson_format_double(out, cases[i].v);
		ck_assert_str_eq(out, cases[i].s);
		ck_assert_uint_eq(n, strlen(cases[i].s));
	}
	pbjson_format_double(out, NAN);
	ck_assert_str_eq(out, "null");
	pbjson_format_double(out, INFINITY);
	ck_assert_str_eq(out, "null");
	pbjson_format_float(out, 0.1f);
	ck_assert_str_eq(out, "0.1");
	pbjson_format_float(out, 16777216.0f);
	ck_assert_str_eq(out, "16777216.0");
	pbjson_format_float(out, 3.4028235e38f);
	ck_assert_str_eq(out, "3.4028235e+38");
	pbjson_format_float(out, 7.0385307e-26f); /* the float Grisu with double bounds gets wrong */
	ck_assert_float_eq(strtof(out, NULL), 7.0385307e-26f);
}
END_TEST

START_TEST(encode_double_roundtrip_random)
{
	/* every finite double reads back to the same bits, and nearly always in the fewest
	 * digits: Grisu2 keeps a safety margin, so when the shortest candidate lies within a hair
	 * of the rounding boundary (~0.05% of random doubles) it writes a digit or two more */
	char out[40], ref[40];
	long i, total = 0, longer = 0;

	for (i = 0; i < 40000; i++) {
		uint64_t b = pbt_rnd();
		double v, back;
		int p, sig = 0, z = 0;
		const char *q;
		memcpy(&v, &b, sizeof(v));
		if (i % 4 == 1)
			v = (double)(int64_t)(pbt_rnd() % 2000001 - 1000000) / 1000.0;
		if (i % 4 == 2)
			v = (double)(pbt_rnd() % 100000) / (double)(pbt_rnd() % 999 + 1);
		if (!isfinite(v))
			continue;
		total++;
		pbjson_format_double(out, v);
		back = strtod(out, NULL);
		ck_assert_msg(memcmp(&back, &v, sizeof(v)) == 0, "%.17g printed as %s", v, out);
		for (p = 1; p < 17; p++) {
			snprintf(ref, sizeof(ref), "%.*e", p - 1, v);
			if (strtod(ref, NULL) == v)
				break;
		}
		for (q = out; *q == '-' || *q == '0' || *q == '.'; q++)
			;
		for (; *q && *q != 'e'; q++) {
			if (*q == '0')
				z++;
			else if (*q != '.')
				sig += z + 1, z = 0;
		}
		if (sig > p)
			longer++;
		ck_assert_int_le(sig, 17);
	}
	for (i = 0; i < 40000; i++) {
		uint32_t b = (uint32_t)pbt_rnd();
		float v, back;
		memcpy(&v, &b, sizeof(v));
		if (!isfinite(v))
			continue;
		pbjson_format_float(out, v);
		back = strtof(out, NULL);
		ck_assert_msg(memcmp(&back, &v, sizeof(v)) == 0, "%.9g printed as %s", v, out);
	}
	ck_assert_int_lt(longer * 200, total); /* under 0.5% longer than needed */
}
END_TEST

START_TEST(encode_all_types_and_presence)
{
	Pbjt__All a = PBJT__ALL__INIT, child = PBJT__ALL__INIT;
	Pbjt__All__MI32Entry e1 = PBJT__ALL__MI32_ENTRY__INIT;
	Pbjt__All__MI32Entry *m_i32[] = { &e1 };
	Pbjt__All__MBoolEntry b1 = PBJT__ALL__MBOOL_ENTRY__INIT;
	Pbjt__All__MBoolEntry *m_bool[] = { &b1 };
	uint8_t bytes[] = { 0xfb, 0xff, 0x00, 'a' };
	float fl[] = { 1.5f, -0.0f };
	char *j;

	/* nothing set: explicit-presence fields are left out, the oneof too */
	j = pbt_enc(&a.base);
	ck_assert_str_eq(j, "{\"r_i32\":[],\"r_s64\":[],\"r_u64\":[],\"r_fl\":[],\"r_db\":[],"
			    "\"r_b\":[],\"r_s\":[],\"r_by\":[],\"r_color\":[],\"kids\":[],"
			    "\"m_i32\":{},\"m_u64\":{},\"m_bool\":{},\"m_str\":{}}");
	free(j);

	a.has_i32 = 1;
	a.i32 = INT32_MIN;
	a.has_u32 = 1;
	a.u32 = UINT32_MAX;
	a.has_s64 = 1;
	a.s64 = INT64_MIN;
	a.has_fl = 1;
	a.fl = 0.3f;
	a.has_by = 1;
	a.by.len = sizeof(bytes);
	a.by.data = bytes;
	a.has_color = 1;
	a.color = PBJT__COLOR__GREEN;
	a.child = &child;
	a.n_r_fl = 2;
	a.r_fl = fl;
	e1.has_key = 1;
	e1.key = -7;
	e1.value = "neg";
	a.n_m_i32 = 1;
	a.m_i32 = m_i32;
	b1.has_key = 1;
	b1.key = 1;
	b1.has_value = 1;
	b1.value.len = 2;
	b1.value.data = bytes;
	a.n_m_bool = 1;
	a.m_bool = m_bool;
	a.choice_case = PBJT__ALL__CHOICE_O_I64;
	a.o_i64 = -5;
	j = pbt_enc(&a.base);
	ck_assert_ptr_nonnull(strstr(j, "{\"i32\":-2147483648,\"u32\":4294967295,"
					"\"s64\":-9223372036854775808,\"fl\":0.3,\"by\":\"+/8AYQ==\","
					"\"color\":\"GREEN\",\"child\":{\"r_i32\":[]"));
	ck_assert_ptr_nonnull(strstr(j, "\"r_fl\":[1.5,-0.0],"));
	ck_assert_ptr_nonnull(strstr(j, "\"m_i32\":{\"-7\":\"neg\"},"));
	ck_assert_ptr_nonnull(strstr(j, "\"m_bool\":{\"true\":\"+/8=\"},"));
	ck_assert_ptr_nonnull(strstr(j, "\"o_i64\":-5}"));
	ck_assert_ptr_null(strstr(j, "o_str"));
	free(j);
	pbt_roundtrip(&a.base);
}
END_TEST

START_TEST(encode_cap)
{
	Rtlreward__ScoreItem item = RTLREWARD__SCORE_ITEM__INIT;
	char big[3000];
	struct buf b;

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	item.problem = "p";
	item.completion = big;

	/* fits exactly */
	buf_init(&b, 3000 + 30);
	ck_assert_int_eq(pbjson_encode(&item.base, &b), 0);
	ck_assert_uint_eq(b.len, strlen("{\"problem\":\"p\",\"completion\":\"\"}") + 2999);
	buf_release(&b);

	/* too small: -1, and the buffer keeps what it had */
	buf_init(&b, 1000);
	ck_assert_int_eq(buf_adds(&b, "prefix"), 0);
	ck_assert_int_eq(pbjson_encode(&item.base, &b), -1);
	ck_assert_int_eq(b.overflow, 1);
	ck_assert_uint_eq(b.len, 6);
	ck_assert_str_eq(b.data, "prefix");
	buf_release(&b);

	/* also when the cap is hit inside the staging area's last flush */
	buf_init(&b, 20);
	ck_assert_int_eq(pbjson_encode(&item.base, &b), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
}
END_TEST

/* ---- timing (printed, not asserted) -------------------------------------------------------- */

START_TEST(timing_score_response_1024)
{
	enum { N = 1024 };
	Rtlreward__ScoreResponse *resp = (Rtlreward__ScoreResponse *)pbt_new_msg(
		&rtlreward__score_response__descriptor);
	struct buf b;
	double best = 1e9, total = 0, t0, t1;
	size_t len = 0;
	int i, iters = 30;

	resp->n_results = N;
	resp->results = calloc(N, sizeof(*resp->results));
	for (i = 0; i < N; i++) {
		/* a realistic result: every tier filled, measured times and computed ratios */
		Rtlreward__Result *r = (Rtlreward__Result *)pbt_new_msg(&rtlreward__result__descriptor);
		Rtlreward__FunctionTier *fn;
		Rtlreward__PpaTier *ppa;
		Rtlreward__StageTimes *st;
		unsigned k;
		resp->results[i] = r;
		r->index = (uint32_t)i;
		r->status = RTLREWARD__STATUS__OK;
		r->reward = 0.3 + 0.7 * (double)(i % 97) / 97.0;
		r->cached = 1;
		r->problem = strdup("verilog_eval_prob_042");
		r->key = strdup("3f9a0c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a");
		r->format = (Rtlreward__FormatTier *)pbt_new_msg(&rtlreward__format_tier__descriptor);
		r->format->ok = 1;
		r->format->extracted_by = strdup("fence");
		r->syntax = (Rtlreward__SyntaxTier *)pbt_new_msg(&rtlreward__syntax_tier__descriptor);
		r->syntax->ok = 1;
		r->syntax->tool = strdup("iverilog");
		r->syntax->n_diagnostics = 2;
		r->syntax->diagnostics = calloc(2, sizeof(void *));
		for (k = 0; k < 2; k++) {
			Rtlreward__Diagnostic *dg =
				(Rtlreward__Diagnostic *)pbt_new_msg(&rtlreward__diagnostic__descriptor);
			dg->file = strdup("candidate.v");
			dg->line = 10 + k;
			dg->column = 3;
			dg->severity = strdup("warning");
			dg->message = strdup("implicit declaration of wire 'tmp' [-Wimplicit]");
			r->syntax->diagnostics[k] = dg;
		}
		r->interface = (Rtlreward__InterfaceTier *)pbt_new_msg(&rtlreward__interface_tier__descriptor);
		r->interface->ok = 1;
		r->function = fn = (Rtlreward__FunctionTier *)pbt_new_msg(&rtlreward__function_tier__descriptor);
		fn->checked = 1;
		fn->passed = i % 3 != 0;
		fn->pass_rate = (double)(600 - i % 7) / 600.0;
		fn->samples = 600;
		fn->mismatches = (uint64_t)(i % 7);
		fn->first_mismatch = (Rtlreward__Mismatch *)pbt_new_msg(&rtlreward__mismatch__descriptor);
		fn->first_mismatch->time = 12345;
		fn->first_mismatch->signal = strdup("q");
		fn->first_mismatch->expected = strdup("8'h3c");
		fn->first_mismatch->got = strdup("8'h3d");
		fn->mode = strdup("equivalence");
		fn->coverage = (Rtlreward__Coverage *)pbt_new_msg(&rtlreward__coverage__descriptor);
		fn->coverage->corner_hits = 9;
		fn->coverage->corner_total = 24;
		fn->coverage->longest_reset_free_cycles = 150;
		fn->coverage->stimulus_hash = strdup("0123456789abcdef");
		fn->engine = strdup("icarus");
		r->ppa = ppa = (Rtlreward__PpaTier *)pbt_new_msg(&rtlreward__ppa_tier__descriptor);
		ppa->checked = 1;
		ppa->area = 1234.5678 + i;
		ppa->cells = 120;
		ppa->seq_cells = 16;
		ppa->delay_ns = 1.234 + i * 1e-3;
		ppa->power = 2.345e-4;
		ppa->golden_area = 1111.25;
		ppa->golden_delay_ns = 1.5;
		ppa->golden_power = 2.0e-4;
		ppa->area_ratio = ppa->area / ppa->golden_area;
		ppa->delay_ratio = ppa->delay_ns / ppa->golden_delay_ns;
		ppa->power_ratio = ppa->power / ppa->golden_power;
		ppa->score = 1.0 / (ppa->area_ratio * ppa->delay_ratio);
		ppa->liberty = strdup("sky130_fd_sc_hd__tt_025C_1v80.lib");
		ppa->area_unit = strdup("um^2");
		ppa->power_unit = strdup("W");
		ppa->golden_cells = 110;
		r->times = st = (Rtlreward__StageTimes *)pbt_new_msg(&rtlreward__stage_times__descriptor);
		st->extract_ms = 0.012345 + i * 1e-6;
		st->policy_ms = 0.000987;
		st->syntax_ms = 15.123456;
		st->interface_ms = 0.456789;
		st->function_ms = 250.987654 + i / 7.0;
		st->ppa_ms = 1834.56789;
		st->total_ms = 2101.148 + i / 3.0;
	}
	buf_init(&b, PBT_CAP);
	for (i = 0; i < iters; i++) {
		buf_reset(&b);
		t0 = pbt_now_ms();
		ck_assert_int_eq(pbjson_encode(&resp->base, &b), 0);
		t1 = pbt_now_ms();
		total += t1 - t0;
		if (t1 - t0 < best)
			best = t1 - t0;
		len = b.len;
	}
	printf("pbjson timing: encode ScoreResponse of %d results (%zu bytes of JSON): "
	       "best %.3f ms, mean %.3f ms over %d runs\n",
	       N, len, best, total / iters, iters);
	{
		/* and back, for information */
		ProtobufCMessage *m;
		t0 = pbt_now_ms();
		m = pbt_dec_n(&rtlreward__score_response__descriptor, b.data, b.len);
		t1 = pbt_now_ms();
		printf("pbjson timing: decode of the same: %.3f ms\n", t1 - t0);
		pbt_assert_same_wire(&resp->base, m);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	fflush(stdout);
	buf_release(&b);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pbjson");
	TCase *tc = tcase_create("roundtrip");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_random_reward_messages);
	tcase_add_test(tc, roundtrip_random_all_types);
	tcase_add_test(tc, roundtrip_built_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, encode_exact_text);
	tcase_add_test(tc, encode_defaults_enums_numbers);
	tcase_add_test(tc, encode_double_format);
	tcase_add_test(tc, encode_double_roundtrip_random);
	tcase_add_test(tc, encode_all_types_and_presence);
	tcase_add_test(tc, encode_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("timing");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, timing_score_response_1024);
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
