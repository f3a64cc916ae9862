/* Unit tests for reward/policy.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const reserved[] = {"tb", "RefModule", "stimulus_gen", "testbench", NULL};

static char reason[512];

static int raw(const char *s)
{
	reason[0] = 'X';
	reason[1] = 0;
	return policy_check_raw(s, strlen(s), reason, sizeof reason);
}

static int tok(const char *s)
{
	reason[0] = 'X';
	reason[1] = 0;
	return policy_check_tokens(s, strlen(s), reserved, reason, sizeof reason);
}

/* refused by the raw pass, with a reason containing `part` */
static void raw_refuses(const char *src, const char *part)
{
	int rc = raw(src);
	ck_assert_msg(rc == 1, "raw pass allowed (rc %d):\n%s", rc, src);
	ck_assert_msg(strstr(reason, part) != NULL, "reason [%s] lacks [%s] for:\n%s", reason, part,
		      src);
	ck_assert_msg(strncmp(reason, "policy: ", 8) == 0, "reason [%s]", reason);
}

static void tok_refuses(const char *src, const char *part)
{
	int rc = tok(src);
	ck_assert_msg(rc == 1, "token pass allowed (rc %d):\n%s", rc, src);
	ck_assert_msg(strstr(reason, part) != NULL, "reason [%s] lacks [%s] for:\n%s", reason, part,
		      src);
	ck_assert_msg(strncmp(reason, "policy: ", 8) == 0, "reason [%s]", reason);
}

static void allowed(const char *src)
{
	int rc = raw(src);
	ck_assert_msg(rc == 0, "raw pass refused: %s\n%s", reason, src);
	ck_assert_msg(reason[0] == 0, "reason not cleared: [%s]", reason);
	rc = tok(src);
	ck_assert_msg(rc == 0, "token pass refused: %s\n%s", reason, src);
	ck_assert_msg(reason[0] == 0, "reason not cleared: [%s]", reason);
}

/* ---------------------------------------------------------------------------------------- */
/* raw pass                                                                                  */

START_TEST(raw_include)
{
	raw_refuses("`include \"/etc/passwd\"\nmodule m; endmodule", "`include is not allowed (line 1)");
	raw_refuses("module m;\n  `include   \"x.vh\"\nendmodule", "`include is not allowed (line 2)");
	raw_refuses("`include <x.vh>\n", "`include");
	raw_refuses("`define F \"a.v\"\n`include `F\n", "`include");
	raw_refuses("`define INC `include \"/dev/zero\"\n", "`include");
}
END_TEST

START_TEST(raw_metacomments)
{
	const char *cases[] = {
		"module m; reg r /*verilator public*/; endmodule",
		"module m; reg r /*verilator  public*/; endmodule",
		"module m; reg r /* verilator public_flat_rw */; endmodule",
		"//verilator lint_off WIDTH\nmodule m; endmodule",
		"// verilator lint_off UNUSED\nmodule m; endmodule",
		"//   Verilator   coverage_off\nmodule m; endmodule",
		"/*verilator tracing_off*/ module m; endmodule",
		"/*verilator fargs -x*/ module m; endmodule",
		"module m; // synopsys translate_off\n initial $finish;\n// synopsys translate_on\nendmodule",
		"module m; /* synopsys full_case parallel_case */ endmodule",
		"module m; // synthesis translate_off\nendmodule",
		"module m; (* x *) /* synthesis syn_keep=1 */ endmodule",
		"// lint_off\nmodule m; endmodule",
		"// lint_on\nmodule m; endmodule",
		"// pragma protect begin_protected\nmodule m; endmodule",
		"/* pragma translate_off */ module m; endmodule",
		"// translate_off\nmodule m; endmodule",
		"/** verilator public */ module m; endmodule",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		raw_refuses(cases[i], "metacomment");
	raw_refuses("module m;\n\n wire a; //verilator lint_off\nendmodule", "(line 3)");
	/* ordinary comments that mention the tools are fine */
	allowed("// Verilog for the counter; works in verilator and synthesis\nmodule m; endmodule");
	allowed("/* Synthesis: a two-stage pipeline */ module m; endmodule");
}
END_TEST

START_TEST(raw_systemc_and_other_directives)
{
	const char *names[] = {"systemc_header",    "systemc_implementation", "systemc_ctor",
			       "systemc_dtor",      "systemc_interface",      "systemc_imp_header",
			       "verilog",           "verilator_config",       "pragma",
			       "begin_keywords",    "end_keywords",           "protect",
			       "undefineall",       "unconnected_drive",      "uselib"};
	char src[256], want[64];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(src, sizeof src, "module m;\n`%s\n#include <stdlib.h>\nendmodule\n", names[i]);
		snprintf(want, sizeof want, "`%s is not allowed (line 2)", names[i]);
		raw_refuses(src, want);
	}
	raw_refuses("`begin_keywords \"1364-2005\"\nmodule m; endmodule\n`end_keywords\n",
		    "`begin_keywords");
	/* an undefined macro is not allowed either */
	raw_refuses("module m; wire [`W-1:0] x; endmodule", "`W is not allowed");
	/* nor a macro named after a directive */
	raw_refuses("`define systemc_header x\n", "systemc_header");
}
END_TEST

START_TEST(raw_tool_detection)
{
	raw_refuses("`ifdef VERILATOR\nmodule m; endmodule\n`endif\n", "`ifdef VERILATOR");
	raw_refuses("`ifndef SYNTHESIS\n`endif\n", "SYNTHESIS");
	raw_refuses("`ifdef A\n`elsif __ICARUS__\n`endif\n", "__ICARUS__");
	raw_refuses("`undef YOSYS\n", "YOSYS");
	raw_refuses("`ifdef \\VERILATOR \n`endif\n", "`ifdef VERILATOR");
	raw_refuses("`define RTLR_OK 1\n", "RTLR_OK");
	raw_refuses("module m; initial if (`VERILATOR) ; endmodule", "`VERILATOR");
}
END_TEST

START_TEST(raw_nul)
{
	static const char s[] = "module m;\nwire a;\0\nendmodule";
	ck_assert_int_eq(policy_check_raw(s, sizeof s - 1, reason, sizeof reason), 1);
	ck_assert_msg(strstr(reason, "NUL byte (line 2)") != NULL, "%s", reason);
	ck_assert_int_eq(policy_check_tokens(s, sizeof s - 1, reserved, reason, sizeof reason), 1);
	ck_assert_msg(strstr(reason, "NUL") != NULL, "%s", reason);
}
END_TEST

START_TEST(raw_allows_defined_macros)
{
	allowed("`define WIDTH 8\n`define MAX(a, b) ((a) > (b) ? (a) : (b))\n"
		"module m(input [`WIDTH-1:0] a, b, output [`WIDTH-1:0] y);\n"
		"  assign y = `MAX(a, b);\nendmodule\n");
	allowed("`ifdef FAST\n`define N 2\n`else\n`define N 4\n`endif\n`undef N\n`define N 3\n"
		"module m; localparam P = `N; wire [`__LINE__:0] w; endmodule\n");
	allowed("`resetall\n`celldefine\nmodule m; endmodule\n`endcelldefine\n");
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* token pass                                                                                */

START_TEST(tok_system_tasks)
{
	const char *bad[] = {"system",	"c",	  "c32",	  "cpure",     "fopen",	    "fclose",
			     "fwrite",	"fdisplay", "readmemh",	  "readmemb",  "writememh", "finish",
			     "stop",	"fatal",  "exit",	  "dumpfile",  "dumpvars",  "random",
			     "urandom", "value$plusargs", "test$plusargs", "sscanf", "fgets",
			     "feof",	"fscanf", "sdf_annotate", "unit",      "cast",	    "fflush"};
	char src[256], want[128];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(src, sizeof src, "module m;\n  initial begin\n    $%s(\"x\");\n  end\nendmodule\n",
			 bad[i]);
		snprintf(want, sizeof want, "policy: system task $%s is not allowed in RTL (line 3)",
			 bad[i]);
		tok_refuses(src, want);
		ck_assert_str_eq(reason, want);
		/* not the raw pass's business */
		ck_assert_int_eq(raw(src), 0);
	}
	tok_refuses("module m; integer f = $fopen(\"../result.json\", \"w\"); endmodule", "$fopen");
	tok_refuses("module m; initial #1 $finish; endmodule", "$finish");
}
END_TEST

START_TEST(tok_token_pasting)
{
	/* what the candidate wrote */
	const char *src = "`define S(x) $sys``x\n"
			  "module m;\n"
			  "  initial `S(tem)(\"ls\");\n"
			  "endmodule\n";
	/* what `verilator -E` makes of it (verbatim, `line directives included) */
	const char *pp = "`line 1 \"cand.v\" 1\n"
			 " \n"
			 "module m;\n"
			 "  initial $system(\"ls\");\n"
			 "endmodule\n"
			 "\n"
			 "`line 5 \"cand.v\" 2\n";
	/* The raw pass alone does NOT see it: "$sys" and "tem" are harmless apart. The pipeline
	 * must preprocess and run the token pass on the result. */
	ck_assert_int_eq(raw(src), 0);
	tok_refuses(pp, "policy: system task $system is not allowed in RTL (line 3)");
	/* module names made by macros are plain after preprocessing */
	ck_assert_int_eq(raw("`define N tb\nmodule `N; endmodule\n"), 0);
	tok_refuses("`line 1 \"cand.v\" 1\n\nmodule tb; endmodule\n", "module name 'tb' is reserved");
}
END_TEST

START_TEST(tok_line_directives_renumber)
{
	tok_refuses("`line 100 \"cand.v\" 0\nmodule m;\ninitial $stop;\nendmodule\n",
		    "$stop is not allowed in RTL (line 101)");
	allowed("`timescale 1ns/1ps\n`default_nettype none\nmodule m; endmodule\n");
}
END_TEST

/* issue 12: a `line naming a trusted file would make the simulator's error look like the
 * harness's; refused when written, and when pasted together from tokens */
START_TEST(line_directive_refused)
{
	raw_refuses("`line 1 \"harness.v\" 0\nmodule m; endmodule\n", "may not rename its file or its lines (line 1)");
	raw_refuses("module m;\n`line 7 \"gold.v\" 0\nendmodule\n", "may not rename its file or its lines (line 2)");
	raw_refuses("`define L `line 3 \"tb.sv\" 0\nmodule m; endmodule\n", "`line is not allowed");
	raw_refuses("`define line 1\nmodule m; endmodule\n", "named after the directive `line");
	/* pasted: the raw pass cannot tell, the token pass sees the other file */
	tok_refuses("`line 1 \"candidate.v\" 1\nmodule m;\n`line 5 \"harness.v\" 0\nendmodule\n",
		    "`line naming another file (\"harness.v\") is not allowed");
	/* the preprocessor's own lines (one file) pass, as does a pasted one naming that file */
	ck_assert_int_eq(tok("`line 1 \"candidate.v\" 1\nmodule m;\n`line 2 \"candidate.v\" 0\n"
			     "endmodule\n`line 9 \"candidate.v\" 2\n"), 0);
}
END_TEST

START_TEST(tok_dpi)
{
	tok_refuses("module m;\nimport \"DPI-C\" function int system(input string s);\n"
		    "initial system(\"id\");\nendmodule",
		    "policy: DPI import \"DPI-C\" is not allowed (line 2)");
	tok_refuses("module m; import \"DPI\" function void f(); endmodule", "DPI import \"DPI\"");
	tok_refuses("module m; import \"DPI-C\" context function int getenv(input string s); endmodule",
		    "DPI import");
	tok_refuses("module m; export \"DPI-C\" function f; function void f(); endfunction endmodule",
		    "DPI export \"DPI-C\"");
	tok_refuses("module m; import\n  \"DPI-C\" pure function real sin(input real x); endmodule",
		    "DPI import");
	/* package imports are fine */
	allowed("package p; localparam int W = 4; endpackage\n"
		"module m import p::*; (output [W-1:0] y); import p::W; assign y = '0; endmodule");
}
END_TEST

START_TEST(tok_force_release_bind_root)
{
	tok_refuses("module m; wire w; initial force w = 1; endmodule",
		    "policy: 'force' is not allowed in RTL (line 1)");
	tok_refuses("module m; wire w; initial release w; endmodule", "'release'");
	tok_refuses("bind TopModule spy s(.*);\nmodule spy; endmodule", "'bind'");
	tok_refuses("module m; initial $root.tb.errors = 0; endmodule", "$root");
	tok_refuses("module m;\ninitial force tb.tb_match = 1;\nendmodule", "'force'");
}
END_TEST

START_TEST(tok_hierarchy)
{
	tok_refuses("module TopModule(input clk);\n  initial forever #1 tb.errors = 0;\nendmodule",
		    "policy: hierarchical reference 'tb.errors' reaches outside the design (line 2)");
	ck_assert_str_eq(reason,
			 "policy: hierarchical reference 'tb.errors' reaches outside the design (line 2)");
	tok_refuses("module m; initial tb.stats1.errors = 0; endmodule", "'tb.stats1'");
	tok_refuses("module m; initial tb . errors = 0; endmodule", "'tb.errors'");
	tok_refuses("module m; initial \\tb .errors = 0; endmodule", "'tb.errors'");
	tok_refuses("module m; initial testbench.dut.q = 0; endmodule", "'testbench.dut'");
	tok_refuses("module m; wire x = stim[0].y; endmodule", "'stim.y'");
	tok_refuses("module m(output o); assign o = RefModule.out; endmodule", "'RefModule.out'");
	/* a name declared in another module of the candidate does not count */
	tok_refuses("module helper; wire stats1; endmodule\n"
		    "module TopModule; initial stats1.errors = 0; endmodule",
		    "'stats1.errors'");
	/* nor a name declared only inside a function or a block: outside it the tool looks upward */
	tok_refuses("module TopModule;\n  function integer f(input x); integer stats1; f = x; endfunction\n"
		    "  initial stats1.errors = 0;\nendmodule",
		    "'stats1.errors' reaches outside the design (line 3)");
	tok_refuses("module TopModule; initial begin : b integer tb; end initial tb.x = 0; endmodule",
		    "'tb.x'");
	tok_refuses("module TopModule; initial fork integer tb; join initial tb.x = 0; endmodule",
		    "'tb.x'");
	/* a module or type name in a declaration is not a declared name: "tb dummy;" declares
	 * only dummy */
	tok_refuses("module TopModule; helper dummy(); initial helper.errors = 0; endmodule",
		    "'helper.errors'");
	tok_refuses("module TopModule(input tb_t x); initial tb_t.y = 0; endmodule", "'tb_t.y'");
	/* nor a name declared outside the module ($unit scope) */
	tok_refuses("logic tb;\nmodule TopModule; initial tb.errors = 0; endmodule", "'tb.errors'");
	/* nor does a candidate module name (upward resolution could reach the testbench) */
	tok_refuses("module stats1; endmodule\nmodule TopModule; initial stats1.errors = 0; endmodule",
		    "'stats1.errors'");
}
END_TEST

START_TEST(tok_scopes_allowed)
{
	/* names are visible in the block that declares them and in blocks inside it */
	allowed("module m;\n"
		"  typedef struct packed { logic a; logic [2:0] b; } t;\n"
		"  initial begin : blk\n"
		"    t v;\n"
		"    v.a = 1'b1;\n"
		"    begin v.b = 3'd2; end\n"
		"    fork v.a = 1'b0; join\n"
		"  end\n"
		"  wire w = blk.v.a;\n"
		"  function automatic logic g(input t p); begin g = p.a; end endfunction\n"
		"  task automatic tk(input t p, output logic o); o = p.b[0]; endtask\n"
		"  always @* begin wait fork; end\n"
		"endmodule\n");
	/* statement labels name blocks too */
	allowed("module m; initial par: fork integer k; k = 1; join_none\n"
		"  initial seq: begin integer k; k = 2; end\n"
		"  wire [31:0] a = par.k, b = seq.k;\nendmodule\n");
}
END_TEST

START_TEST(tok_nesting_limit)
{
	char *src = malloc(300 * 12 + 64);
	size_t k = 0;
	ck_assert_ptr_nonnull(src);
	k += (size_t)snprintf(src + k, 64, "module m; initial ");
	for (int i = 0; i < 300; i++)
		k += (size_t)snprintf(src + k, 16, "begin ");
	for (int i = 0; i < 300; i++)
		k += (size_t)snprintf(src + k, 16, "end ");
	k += (size_t)snprintf(src + k, 64, "endmodule");
	ck_assert_int_eq(policy_check_tokens(src, k, reserved, reason, sizeof reason), 1);
	ck_assert_msg(strstr(reason, "nest") != NULL, "%s", reason);
	free(src);
}
END_TEST

START_TEST(tok_line_args_only)
{
	/* only the arguments of `line are skipped: code after them on the line is checked */
	tok_refuses("`line 1 \"x\" 0 initial $system(\"ls\");\nmodule m; endmodule\n", "$system");
	tok_refuses("`line 1 \"x\" 0\nmodule m; endmodule\n`line 9 \"x\" 2 module tb; endmodule\n",
		    "module name 'tb' is reserved (line 2)");
	tok_refuses("`line 1 \"x\" 0\nmodule m; endmodule\n`line 9 \"x\" 2\nmodule tb; endmodule\n",
		    "module name 'tb' is reserved (line 9)");
}
END_TEST

START_TEST(tok_backticks)
{
	/* a lone backtick can assemble a directive during preprocessing */
	raw_refuses("`define BT `\n`define INC `BT``include\n`INC \"/etc/passwd\"\n",
		    "lone backtick is not allowed (line 1)");
	raw_refuses("`define P(x) ``x\n", "token pasting");
	raw_refuses("`define P(x) x``\n", "token pasting");
	raw_refuses("module m; wire a``b; endmodule", "token pasting");
	raw_refuses("`define P(x) x `` y\n", "token pasting");
	tok_refuses("module m; ` endmodule", "lone backtick");
	/* a macro argument used as a directive name: `Q(include) makes an `include, even when a
	 * macro of the same name exists (checked against verilator -E) */
	raw_refuses("`define a 1\n`define Q(a) `a\n`Q(include) \"/etc/passwd\"\n",
		    "`a uses a macro argument as a directive name (line 2)");
	raw_refuses("`define a 1\n`define Q(x, a = 2) \\\n  x + `a\n", "macro argument");
	/* the usual forms are fine */
	allowed("`define CAT(a, b) a``b\n`define STR(x) `\"x`\"\n"
		"module m; wire `CAT(w, 1); initial $display(`STR(hi)); endmodule\n");
}
END_TEST

START_TEST(tok_packages_and_instances)
{
	tok_refuses("module TopModule; initial tb_pkg::errors = 0; endmodule",
		    "policy: package reference 'tb_pkg::errors' reaches outside the design (line 1)");
	tok_refuses("module TopModule; import tb_pkg::*; endmodule", "'tb_pkg::*'");
	tok_refuses("module TopModule import tb_pkg::*; (); endmodule", "'tb_pkg::*'");
	allowed("package my_pkg; typedef logic [3:0] nib_t; endpackage\n"
		"module TopModule(input my_pkg::nib_t a, output my_pkg::nib_t y);\n"
		"  import my_pkg::*;\n  nib_t t;\n  assign t = a;\n  assign y = t;\nendmodule\n");
	/* instantiating the harness's or the golden's modules */
	tok_refuses("module TopModule(input a, output y); RefModule r(.a(a), .y(y)); endmodule",
		    "policy: module 'RefModule' is reserved and may not be instantiated (line 1)");
	tok_refuses("module TopModule; rtlr_g_sub #(.W(1)) u(); endmodule", "'rtlr_g_sub' is reserved");
	tok_refuses("module TopModule; stimulus_gen s [1:0] (); endmodule", "'stimulus_gen'");
	/* a signal may still be called tb */
	allowed("module TopModule(input ta, input tb, output y); assign y = ta & tb; endmodule");
	/* config blocks can rebind instances */
	tok_refuses("config cfg; design work.TopModule; endconfig", "'config'");
}
END_TEST

START_TEST(tok_defparam)
{
	tok_refuses("module m;\ndefparam tb.N = 1;\nendmodule",
		    "policy: defparam target 'tb.N' reaches outside the design (line 2)");
	tok_refuses("module sub #(parameter W = 1) (); endmodule\n"
		    "module m; sub u(); defparam u.W = 2, tb.X = 3; endmodule",
		    "defparam target 'tb.X'");
	allowed("module sub #(parameter W = 1) (); endmodule\n"
		"module m; sub u(); defparam u.W = 2; endmodule");
}
END_TEST

START_TEST(tok_reserved_modules)
{
	tok_refuses("module tb; endmodule", "policy: module name 'tb' is reserved (line 1)");
	tok_refuses("module TopModule; endmodule\n\nmodule RefModule(input a); endmodule",
		    "module name 'RefModule' is reserved (line 3)");
	tok_refuses("module rtlr_harness; endmodule", "'rtlr_harness' is reserved");
	tok_refuses("module \\tb (input a); endmodule", "module name 'tb' is reserved");
	tok_refuses("macromodule stimulus_gen; endmodule", "module name 'stimulus_gen' is reserved");
	tok_refuses("module automatic testbench; endmodule", "'testbench' is reserved");
	tok_refuses("interface tb; endinterface", "interface name 'tb' is reserved");
	/* the match is exact and case-sensitive */
	ck_assert_int_eq(tok("module TB; endmodule module tb_helper; endmodule "
			     "module RTLR_x; endmodule"),
			 0);
	/* no reserved list: only rtlr_ */
	ck_assert_int_eq(policy_check_tokens("module tb; endmodule", 20, NULL, reason, sizeof reason), 0);
	ck_assert_int_eq(policy_check_tokens("module rtlr_a; endmodule", 24, NULL, reason, sizeof reason),
			 1);
}
END_TEST

START_TEST(tok_directives_after_preprocessing)
{
	tok_refuses("module m;\n`systemc_header\n#include <x>\nendmodule\n", "`systemc_header");
	tok_refuses("`include \"x\"\n", "`include");
	tok_refuses("module m; wire [`W:0] x; endmodule", "`W");
	tok_refuses("module m; reg r /*verilator public*/; endmodule", "metacomment");
}
END_TEST

START_TEST(tok_strings_and_comments_are_not_code)
{
	allowed("module m;\n  // $system(\"ls\") tb.errors force\n"
		"  /* $finish; bind x y; */\n"
		"  initial $display(\"$system tb.errors = 0; force\");\nendmodule\n");
	allowed("module m; initial $display(\"esc \\\" $fopen(\\\"x\\\")\"); endmodule");
	/* an escaped identifier is a name, not a system task */
	allowed("module m; wire \\$system ; assign \\$system = 1'b0; endmodule");
}
END_TEST

/* ---------------------------------------------------------------------------------------- */
/* legitimate designs: both passes must allow them                                           */

static const char *const good[] = {
	/* 1. counter with asynchronous reset */
	"module TopModule (\n"
	"    input  wire       clk,\n"
	"    input  wire       areset,\n"
	"    output reg  [3:0] q\n"
	");\n"
	"  always @(posedge clk or posedge areset) begin\n"
	"    if (areset) q <= 4'd0;\n"
	"    else        q <= q + 4'd1;\n"
	"  end\n"
	"endmodule\n",

	/* 2. FSM with localparam and case */
	"module TopModule(input clk, input reset, input in, output out);\n"
	"  localparam [1:0] A = 2'd0, B = 2'd1, C = 2'd2, D = 2'd3;\n"
	"  reg [1:0] state, next_state;\n"
	"  always @(*) begin\n"
	"    case (state)\n"
	"      A: next_state = in ? B : A;\n"
	"      B: next_state = in ? B : C;\n"
	"      C: next_state = in ? D : A;\n"
	"      D: next_state = in ? B : C;\n"
	"      default: next_state = A;\n"
	"    endcase\n"
	"  end\n"
	"  always @(posedge clk) if (reset) state <= A; else state <= next_state;\n"
	"  assign out = (state == D);\n"
	"endmodule\n",

	/* 3. generate loop with a labelled block, and a reference into the candidate's own block */
	"module TopModule #(parameter N = 4) (input clk, input [N-1:0] d, output [N-1:0] q,\n"
	"                                      output first);\n"
	"  genvar i;\n"
	"  generate\n"
	"    for (i = 0; i < N; i = i + 1) begin : gen\n"
	"      reg x;\n"
	"      always @(posedge clk) x <= d[i];\n"
	"      assign q[i] = x;\n"
	"    end\n"
	"  endgenerate\n"
	"  assign first = gen[0].x;\n"
	"endmodule\n",

	/* 4. packed struct declared by the candidate, member access */
	"typedef struct packed {\n"
	"  logic [3:0] hi;\n"
	"  logic [3:0] lo;\n"
	"} pair_t;\n"
	"module TopModule(input logic clk, input pair_t in, output logic [3:0] sum);\n"
	"  pair_t r;\n"
	"  struct packed { logic a; logic b; } flags;\n"
	"  always_ff @(posedge clk) r <= in;\n"
	"  assign flags.a = in.hi[0];\n"
	"  assign flags.b = r.lo[0];\n"
	"  assign sum = r.hi + r.lo + {3'b0, flags.a ^ flags.b};\n"
	"endmodule\n",

	/* 5. $clog2 parameter */
	"module TopModule #(parameter DEPTH = 16, parameter AW = $clog2(DEPTH)) (\n"
	"  input clk, input we, input [AW-1:0] addr, input [7:0] din, output reg [7:0] dout);\n"
	"  reg [7:0] mem [0:DEPTH-1];\n"
	"  integer k;\n"
	"  initial for (k = 0; k < DEPTH; k = k + 1) mem[k] = 8'h00;\n"
	"  always @(posedge clk) begin\n"
	"    if (we) mem[addr] <= din;\n"
	"    dout <= mem[addr];\n"
	"  end\n"
	"endmodule\n",

	/* 6. $signed arithmetic */
	"module TopModule(input [7:0] a, input [7:0] b, output [8:0] s, output lt);\n"
	"  assign s = $signed(a) + $signed(b);\n"
	"  assign lt = $signed(a) < $signed(b);\n"
	"  wire signed [15:0] p = $signed(a) * $signed(b) >>> 2;\n"
	"endmodule\n",

	/* 7. `define constants */
	"`define WIDTH 8\n"
	"`define ZERO {`WIDTH{1'b0}}\n"
	"module TopModule(input clk, input rst, output reg [`WIDTH-1:0] q);\n"
	"  always @(posedge clk) q <= rst ? `ZERO : q + 1'b1;\n"
	"endmodule\n",

	/* 8. `timescale and `default_nettype none */
	"`timescale 1ns / 1ps\n"
	"`default_nettype none\n"
	"module TopModule(input wire a, input wire b, output wire y);\n"
	"  wire t;\n"
	"  assign t = a & b;\n"
	"  assign y = ~t;\n"
	"endmodule\n"
	"`default_nettype wire\n",

	/* 9. $display in a design */
	"module TopModule(input clk, input [3:0] x, output reg [3:0] y);\n"
	"  always @(posedge clk) begin\n"
	"    y <= x;\n"
	"    if (x == 4'hf) $display(\"x saturated at %0t\", $time);\n"
	"  end\n"
	"  initial $display(\"TopModule up\");\n"
	"endmodule\n",

	/* 10. submodule instances, named/positional/wildcard connections, downward reference */
	"module half_adder(input a, input b, output s, output c);\n"
	"  assign s = a ^ b;\n"
	"  assign c = a & b;\n"
	"endmodule\n"
	"module TopModule(input a, input b, input cin, output sum, output cout);\n"
	"  wire s1, c1, c2;\n"
	"  half_adder ha1(.a(a), .b(b), .s(s1), .c(c1));\n"
	"  half_adder ha2 (s1, cin, sum, c2);\n"
	"  assign cout = c1 | c2 | ha1.c;\n"
	"endmodule\n",

	/* 11. SV enum FSM with always_ff/always_comb and unique case */
	"module TopModule(input logic clk, input logic rst_n, input logic go, output logic busy);\n"
	"  typedef enum logic [1:0] {IDLE, RUN, DONE} state_t;\n"
	"  state_t state, state_n;\n"
	"  always_ff @(posedge clk or negedge rst_n)\n"
	"    if (!rst_n) state <= IDLE; else state <= state_n;\n"
	"  always_comb begin\n"
	"    state_n = state;\n"
	"    unique case (state)\n"
	"      IDLE: if (go) state_n = RUN;\n"
	"      RUN:  state_n = DONE;\n"
	"      DONE: state_n = IDLE;\n"
	"    endcase\n"
	"  end\n"
	"  assign busy = (state != IDLE);\n"
	"endmodule\n",

	/* 12. functions, parameterized instance array, real literals, named block */
	"module inv #(parameter W = 1) (input [W-1:0] a, output [W-1:0] y);\n"
	"  assign y = ~a;\n"
	"endmodule\n"
	"module TopModule(input [7:0] d, output [7:0] y, output [3:0] ones);\n"
	"  localparam real SCALE = 1.5e0;\n"
	"  function automatic [3:0] popcount(input [7:0] v);\n"
	"    integer j;\n"
	"    begin : count\n"
	"      popcount = 4'd0;\n"
	"      for (j = 0; j < 8; j = j + 1) popcount = popcount + v[j];\n"
	"    end\n"
	"  endfunction\n"
	"  inv #(.W(4)) u_inv [1:0] (.a(d), .y(y));\n"
	"  assign ones = popcount(d);\n"
	"endmodule\n",

	/* 13. shift register with for loop variable declared in the loop, $bits */
	"module TopModule #(parameter int N = 3) (input logic clk, input logic din,\n"
	"                                         output logic [N-1:0] taps);\n"
	"  logic [N-1:0] sr;\n"
	"  always_ff @(posedge clk) begin\n"
	"    for (int i = $bits(sr) - 1; i > 0; i--) sr[i] <= sr[i-1];\n"
	"    sr[0] <= din;\n"
	"  end\n"
	"  assign taps = sr;\n"
	"endmodule\n",
};

START_TEST(good_designs)
{
	ck_assert_uint_ge(sizeof good / sizeof good[0], 10);
	allowed(good[_i]);
}
END_TEST

START_TEST(good_designs_preprocessed)
{
	/* the `define design after `verilator -E` (only the token pass sees preprocessed text:
	 * the raw pass refuses `line) */
	const char *pp = "`line 1 \"cand.v\" 1\n\n\n"
			 "module TopModule(input clk, input rst, output reg [8-1:0] q);\n"
			 "  always @(posedge clk) q <= rst ? {8{1'b0}} : q + 1'b1;\n"
			 "endmodule\n\n`line 6 \"cand.v\" 2\n";
	ck_assert_int_eq(tok(pp), 0);
	ck_assert_int_eq(raw(pp), 1);
}
END_TEST

START_TEST(null_reason_and_args)
{
	ck_assert_int_eq(policy_check_raw("`include \"x\"", 12, NULL, 0), 1);
	ck_assert_int_eq(policy_check_tokens("module tb; endmodule", 20, reserved, NULL, 0), 1);
	ck_assert_int_eq(policy_check_raw(NULL, 0, reason, sizeof reason), -1);
	ck_assert_int_eq(policy_check_raw("", 0, reason, sizeof reason), 0);
	ck_assert_int_eq(policy_check_tokens("", 0, reserved, reason, sizeof reason), 0);
	/* a tiny reason buffer is truncated, not overrun */
	{
		char small[8];
		memset(small, 'Z', sizeof small);
		ck_assert_int_eq(policy_check_tokens("module tb; endmodule", 20, reserved, small, 6), 1);
		ck_assert_uint_eq(strlen(small), 5);
		ck_assert_int_eq(small[6], 'Z');
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy");
	TCase *r = tcase_create("raw");
	TCase *t = tcase_create("tokens");
	TCase *g = tcase_create("good");

	tcase_add_test(r, raw_include);
	tcase_add_test(r, raw_metacomments);
	tcase_add_test(r, raw_systemc_and_other_directives);
	tcase_add_test(r, raw_tool_detection);
	tcase_add_test(r, raw_nul);
	tcase_add_test(r, raw_allows_defined_macros);
	suite_add_tcase(s, r);

	tcase_add_test(t, tok_system_tasks);
	tcase_add_test(t, tok_token_pasting);
	tcase_add_test(t, tok_line_directives_renumber);
	tcase_add_test(t, tok_dpi);
	tcase_add_test(t, tok_force_release_bind_root);
	tcase_add_test(t, tok_hierarchy);
	tcase_add_test(t, tok_scopes_allowed);
	tcase_add_test(t, tok_nesting_limit);
	tcase_add_test(t, tok_line_args_only);
	tcase_add_test(t, tok_backticks);
	tcase_add_test(t, tok_packages_and_instances);
	tcase_add_test(t, tok_defparam);
	tcase_add_test(t, tok_reserved_modules);
	tcase_add_test(t, tok_directives_after_preprocessing);
	tcase_add_test(t, tok_strings_and_comments_are_not_code);
	tcase_add_test(t, null_reason_and_args);
	suite_add_tcase(s, t);

	tcase_add_loop_test(g, good_designs, 0, (int)(sizeof good / sizeof good[0]));
	tcase_add_test(g, good_designs_preprocessed);
	tcase_add_test(g, line_directive_refused);
	suite_add_tcase(s, g);
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
