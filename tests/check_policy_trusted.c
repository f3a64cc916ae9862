/* Unit tests for reward/policy_trusted.c: host-reaching constructs in references and
 * testbenches, and the confinement of diagnostics. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_trusted.h"

static char reason[512];
static const char *const files[] = {"data.hex", "defs.vh", "evil.vh", "loop.vh", NULL};
static const char *const file_data[] = {
	"@0 ff\n01 02\n",
	"`define W 8\n",
	"`include \"/etc/passwd\"\n",      /* a data file that includes a host file */
	"`include \"loop.vh\"\n",          /* includes itself */
	NULL,
};

static int chk(const char *ref, const char *tb)
{
	reason[0] = '\0';
	return policy_check_trusted(ref, tb, files, file_data, 4, reason, sizeof(reason));
}

static const char *const ref_ok = "module RefModule(input a, output y);\n  assign y = ~a;\nendmodule\n";

#define REFUSED_TB(tb, part) do { \
	int rc_ = chk(ref_ok, tb); \
	ck_assert_msg(rc_ == 1, "allowed (rc %d):\n%s", rc_, tb); \
	ck_assert_msg(strstr(reason, part) != NULL, "reason [%s] lacks [%s]", reason, part); \
	ck_assert_msg(strstr(reason, "testbench: line ") == reason, "reason [%s]", reason); \
} while (0)

#define REFUSED_REF(ref, part) do { \
	int rc_ = chk(ref, NULL); \
	ck_assert_msg(rc_ == 1, "allowed (rc %d):\n%s", rc_, ref); \
	ck_assert_msg(strstr(reason, part) != NULL, "reason [%s] lacks [%s]", reason, part); \
	ck_assert_msg(strstr(reason, "reference: line ") == reason, "reason [%s]", reason); \
} while (0)

#define ALLOWED(ref, tb) do { \
	int rc_ = chk(ref, tb); \
	ck_assert_msg(rc_ == 0, "refused (rc %d, %s):\n%s\n%s", rc_, reason, ref, tb ? tb : ""); \
} while (0)

START_TEST(includes)
{
	REFUSED_REF("`include \"/etc/passwd\"\nmodule m; endmodule\n", "`include \"/etc/passwd\"");
	REFUSED_REF("module m;\n`include \"/proc/self/environ\"\nendmodule\n", "line 2");
	REFUSED_REF("`include \"../../../../../../etc/passwd\"\n", "only the problem's own files");
	REFUSED_REF("`include <passwd>\n", "string literal");
	REFUSED_REF("`define F \"/etc/passwd\"\n`include `F\n", "string literal");
	REFUSED_REF("`include \"other.vh\"\n", "only the problem's own files");
	/* hidden in a macro body: still the literal that counts */
	REFUSED_REF("`define INC `include \"/etc/shadow\"\n`INC\n", "/etc/shadow");
	ALLOWED("`include \"defs.vh\"\nmodule m; endmodule\n", NULL);
	/* an included file passes the same checks */
	ck_assert_int_eq(chk("`include \"evil.vh\"\nmodule m; endmodule\n", NULL), 1);
	ck_assert_msg(strstr(reason, "reference (`include \"evil.vh\"): line 1: `include \"/etc/passwd\"") == reason,
		      "%s", reason);
	ck_assert_int_eq(chk(ref_ok, "`include \"loop.vh\"\n"), 1);
	ck_assert_msg(strstr(reason, "nested more than 8 deep"), "%s", reason);
	/* comments and strings are not code */
	ALLOWED("// `include \"/etc/passwd\"\n/* `include \"/etc/passwd\" */\n"
		"module m; initial $display(\"`include /etc/passwd\"); endmodule\n", NULL);
}
END_TEST

START_TEST(directives)
{
	REFUSED_REF("`uselib file=/etc/passwd\nmodule m; endmodule\n", "`uselib");
	REFUSED_REF("`systemc_header\n#include <stdlib.h>\n`systemc_interface\n", "`systemc_header");
	REFUSED_REF("`verilator_config\n", "`verilator_config");
	REFUSED_REF("`define P(x) x\n`P(`)include \"/etc/passwd\"\n", "lone backtick");
	REFUSED_REF("`define S(x) $read``x\n", "$read");
	REFUSED_REF("`define S(x) rd``x\n", "token pasting");
	ALLOWED("`timescale 1ns/1ps\n`default_nettype none\n`define W 8\n`ifdef W\n"
		"module m(input [`W-1:0] a); endmodule\n`else\n`endif\n`undef W\n", NULL);
	/* a macro the other text defines is a macro, not a directive */
	ALLOWED("`define CLKP 10\nmodule m; endmodule\n", "module tb; initial #`CLKP $finish; endmodule\n");
	ALLOWED("`define STR(x) `\"x`\"\nmodule m; initial $display(`STR(hi)); endmodule\n", NULL);
}
END_TEST

START_TEST(system_tasks)
{
	REFUSED_TB("module tb; initial $system(\"cat /etc/passwd\"); endmodule\n", "$system");
	REFUSED_TB("module tb; initial $c(\"system(0);\"); endmodule\n", "$c ");
	REFUSED_TB("module tb; initial $readmempath(\"/etc\"); endmodule\n", "$readmempath");
	REFUSED_TB("module tb; initial $sdf_annotate(\"/etc/passwd\"); endmodule\n", "$sdf_annotate");
	REFUSED_TB("import \"DPI-C\" function int system(input string s);\nmodule tb; endmodule\n", "DPI import");
	REFUSED_TB("export \"DPI-C\" function f;\n", "DPI export");
	ALLOWED(ref_ok, "module tb; integer i; initial begin $display(\"%d\", $random); "
		"$dumpvars(0, tb); $fdisplay(1, \"x\"); i = $urandom_range(3, 0); $finish; end endmodule\n");
	/* an escaped identifier is a name, not a system task */
	ALLOWED(ref_ok, "module tb; wire \\$system ; endmodule\n");
	/* a package import is not DPI */
	ALLOWED("package p; endpackage\nmodule m; import p::*; endmodule\n", NULL);
}
END_TEST

START_TEST(file_tasks)
{
	REFUSED_TB("module tb; reg [7:0] m[0:3]; initial $readmemh(\"/etc/passwd\", m); endmodule\n",
		   "outside the job directory");
	REFUSED_TB("module tb; reg [7:0] m[0:3]; initial $readmemb(\"../../../../etc/passwd\", m); endmodule\n",
		   "outside the job directory");
	REFUSED_TB("module tb; integer f; initial f = $fopen(\"/proc/self/environ\", \"r\"); endmodule\n",
		   "$fopen");
	REFUSED_TB("module tb; integer f; reg [8*16:1] n; initial begin n = \"/etc/passwd\"; "
		   "f = $fopen(n, \"r\"); end endmodule\n", "not an expression");
	REFUSED_TB("`define F \"/etc/passwd\"\nmodule tb; integer f; initial f = $fopen(`F, \"r\"); endmodule\n",
		   "`F");
	/* one bad definition of the macro is enough */
	REFUSED_TB("`define F \"ok.dat\"\n`undef F\n`define F \"/etc/hosts\"\nmodule tb; integer f;"
		   " initial f = $fopen(`F); endmodule\n", "`F");
	REFUSED_TB("`define OPEN(p) $fopen(p)\n", "$fopen");
	REFUSED_TB("module tb; initial $dumpfile(\"/tmp/x.vcd\"); endmodule\n", "$dumpfile");
	REFUSED_TB("module tb; initial $writememh(\"../x\", m); endmodule\n", "$writememh");
	REFUSED_TB("`define RM $readmemh\nmodule tb; initial `RM(\"/etc/passwd\", m); endmodule\n", "$readmemh");
	/* the shapes the RTLLM and VerilogEval testbenches use */
	ALLOWED(ref_ok, "`define TESTFILE \"test_data.dat\"\nmodule tb; integer fp; reg [7:0] r[0:3];\n"
		"initial begin $dumpfile(\"wave.vcd\"); fp = $fopen(`TESTFILE, \"r\");\n"
		"$readmemh(\"reference.dat\", r); $readmemh( \"sub/data.hex\" , r); $fclose(fp); end endmodule\n");
	/* a reference may read a ROM image, not open or write files */
	ALLOWED("module m; reg [7:0] r[0:3]; initial $readmemh(\"data.hex\", r); endmodule\n", NULL);
	REFUSED_REF("module m; integer f; initial f = $fopen(\"out.txt\", \"w\"); endmodule\n", "$fopen");
	REFUSED_REF("module m; initial $dumpfile(\"wave.vcd\"); endmodule\n", "$dumpfile");
}
END_TEST

static void confined(const char *in, const char *must_not, const char *must)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "%s", in);
	policy_confine_diag(buf);
	ck_assert_msg(!strstr(buf, must_not), "kept [%s] in:\n%s", must_not, buf);
	if (must)
		ck_assert_msg(strstr(buf, must) != NULL, "lost [%s] in:\n%s", must, buf);
}

START_TEST(confine_diag)
{
	confined("the golden does not elaborate with Verilator (top m): %Error: /etc/passwd:1:5: syntax error, unexpected ':'\n"
		 "    1 | root:x:0:0:root:/root:/bin/bash\n      |     ^\n%Error: golden.v:3:1: other\n",
		 "root:x", "golden.v:3:1: other");
	confined("/etc/passwd:1: syntax error\n/etc/passwd:2: error: daemon:x:1:1 bad\nI give up.\n",
		 "daemon:x", "I give up.");
	confined("%Error: golden.v:2:3: Cannot find include file: '/etc/passwd'\n",
		 "XXXX", "Cannot find include file");
	confined("plain message without paths", "XXXX", "plain message without paths");
	/* the replacement never writes past the input */
	{
		char tiny[8] = "/a:1\n";
		policy_confine_diag(tiny);
		ck_assert(strlen(tiny) <= 5);
		ck_assert(!strstr(tiny, "/a:1"));
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy_trusted");
	TCase *t = tcase_create("all");

	tcase_add_test(t, includes);
	tcase_add_test(t, directives);
	tcase_add_test(t, system_tasks);
	tcase_add_test(t, file_tasks);
	tcase_add_test(t, confine_diag);
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
