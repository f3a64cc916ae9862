/* Unit tests for closure_rename() (reward/closure.c): the per-run renaming of trusted
 * testbenches. Every identifier the testbench declares gets the prefix, consistently, wherever
 * it occurs (also after '.', in hierarchical names and struct members); what belongs to the DUT
 * (its module names, the golden's ports, names after '.' in its instances: ports and
 * parameters), keywords, system names, macros, strings, comments and directive arguments stay.
 * That the renamed testbenches still judge alike is checked against the real datasets by
 * tests/integration/test_closed.py and was measured on all VerilogEval and RTLLM testbenches
 * (docs/threat_model.md). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "closure.h"

static const char *const keep[] = {"TopModule", "RefModule", "clk", "a", "out", NULL};
static const char *const mods[] = {"TopModule", "RefModule", NULL};

static char *ren(const char *src)
{
	struct buf o;
	char *s;

	buf_init(&o, 1 << 20);
	ck_assert_int_eq(closure_rename(src, "P_", keep, mods, &o), 0);
	s = buf_detach(&o, NULL);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void has(const char *out, const char *want)
{
	ck_assert_msg(strstr(out, want) != NULL, "[%s] not in:\n%s", want, out);
}

static void lacks(const char *out, const char *bad)
{
	ck_assert_msg(strstr(out, bad) == NULL, "[%s] in:\n%s", bad, out);
}

static const char *const ve =
	"`timescale 1 ps/1 ps\n"
	"`define OK 12\n"
	"module stimulus_gen(input clk, output reg a, output reg [511:0] title);\n"
	"  task wavedrom_start(input [511:0] t = \"\"); endtask\n"
	"  initial begin a <= 1'b0; wavedrom_start(); end\n"
	"endmodule\n"
	"module tb();\n"
	"  typedef struct packed { int errors; int clocks; } stats;\n"
	"  stats stats1;\n"
	"  reg clk = 0; logic out_ref, out_dut; wire [511:0] title;\n"
	"  stimulus_gen stim1(.clk, .*, .a);\n"
	"  RefModule good1(.a, .out(out_ref));\n"
	"  TopModule top_module1(.a, .out(out_dut));\n"
	"  initial $dumpvars(1, stim1.clk, good1.out);\n"
	"  always @(posedge clk) stats1.errors = stats1.errors + (out_ref !== out_dut ? 1 : 0);\n"
	"  final $display(\"Mismatches: %1d in %1d samples\", stats1.errors, stats1.clocks);\n"
	"  initial if (`OK == 12) std::randomize(title);\n"
	"endmodule\n";

START_TEST(verilog_eval_style)
{
	char *o = ren(ve);

	/* the testbench's own names, everywhere */
	has(o, "module P_stimulus_gen(input clk, output reg a, output reg [511:0] P_title);");
	has(o, "task P_wavedrom_start(input [511:0] P_t = \"\"); endtask");
	has(o, "P_wavedrom_start();");
	has(o, "module P_tb();");
	has(o, "typedef struct packed { int P_errors; int P_clocks; } P_stats;");
	has(o, "P_stats P_stats1;");
	has(o, "P_stimulus_gen P_stim1(.clk, .*, .a);");
	has(o, "RefModule P_good1(.a, .out(P_out_ref));");
	has(o, "TopModule P_top_module1(.a, .out(P_out_dut));");
	has(o, "$dumpvars(1, P_stim1.clk, P_good1.out);");
	has(o, "P_stats1.P_errors = P_stats1.P_errors + (P_out_ref !== P_out_dut ? 1 : 0);");
	/* strings, directives, macros, keywords, system names and std:: stay */
	has(o, "`timescale 1 ps/1 ps\n`define OK 12\n");
	has(o, "$display(\"Mismatches: %1d in %1d samples\", P_stats1.P_errors, P_stats1.P_clocks);");
	has(o, "if (`OK == 12) std::randomize(P_title);");
	has(o, "1'b0");
	lacks(o, "P_module");
	lacks(o, "P_int");
	lacks(o, "P_final");
	free(o);
}
END_TEST

START_TEST(rtllm_style)
{
	/* a parameter the testbench both declares and overrides in the DUT's instance: the
	 * override's name is the DUT's and stays, the testbench's own is renamed */
	char *o = ren("module testbench;\n  parameter W = 8;\n  reg [W-1:0] x; integer error = 0;\n"
		      "  TopModule #(.W(W)) uut(.a(x[0]), .out());\n"
		      "  initial begin x = 'hff; #1 error = x > 'd3 ? 0 : 1; "
		      "$display(\"%s\", error == 0 ? \"Passed\" : \"Failed\"); end\nendmodule\n");

	has(o, "module P_testbench;");
	has(o, "parameter P_W = 8;");
	has(o, "reg [P_W-1:0] P_x; integer P_error = 0;");
	has(o, "TopModule #(.W(P_W)) P_uut(.a(P_x[0]), .out());");
	has(o, "P_x = 'hff; #1 P_error = P_x > 'd3 ? 0 : 1;");
	has(o, "\"Passed\" : \"Failed\"");
	free(o);
}
END_TEST

START_TEST(escaped_and_labels)
{
	/* an escaped identifier is the same name as the plain one: both renamed alike; block
	 * labels and the names after them, case labels and ternaries are not '::' */
	char *o = ren("module tb;\n  wire \\good1 ; reg [1:0] s;\n  assign good1 = s ? 1'b1 : s[0];\n"
		      "  initial begin : blk case (s) 2'd1: s = 0; default: s = 1; endcase end\n"
		      "endmodule : tb\n");

	has(o, "wire \\P_good1 ; reg [1:0] P_s;");
	has(o, "assign P_good1 = P_s ? 1'b1 : P_s[0];");
	has(o, "begin : P_blk case (P_s) 2'd1: P_s = 0; default: P_s = 1; endcase end");
	has(o, "endmodule : P_tb");
	free(o);
}
END_TEST

START_TEST(comments_and_overflow)
{
	struct buf small;

	{
		char *o = ren("// module tb\n/* good1 */ module tb; endmodule\n");
		has(o, "// module tb\n/* good1 */ module P_tb; endmodule\n");
		free(o);
	}
	buf_init(&small, 8);
	ck_assert_int_eq(closure_rename(ve, "P_", keep, mods, &small), -1);
	buf_release(&small);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("closure");
	TCase *tc = tcase_create("rename");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, verilog_eval_style);
	tcase_add_test(tc, rtllm_style);
	tcase_add_test(tc, escaped_and_labels);
	tcase_add_test(tc, comments_and_overflow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
