/* Unit tests for reward/normalize.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"

static char *norm_n(const char *s, size_t n)
{
	struct buf b;
	char *p;
	buf_init(&b, 1 << 20);
	ck_assert_int_eq(normalize_verilog(s, n, &b), 0);
	p = buf_detach(&b, NULL);
	ck_assert_ptr_nonnull(p);
	return p;
}

static char *norm(const char *s)
{
	return norm_n(s, strlen(s));
}

static void expect(const char *src, const char *want)
{
	char *got = norm(src);
	ck_assert_msg(strcmp(got, want) == 0, "normalize(%s)\n got [%s]\nwant [%s]", src, got, want);
	free(got);
}

static void same(const char *a, const char *b)
{
	char *x = norm(a), *y = norm(b);
	ck_assert_msg(strcmp(x, y) == 0, "expected equal:\n[%s] -> [%s]\n[%s] -> [%s]", a, x, b, y);
	free(x);
	free(y);
}

static void differ(const char *a, const char *b)
{
	char *x = norm(a), *y = norm(b);
	ck_assert_msg(strcmp(x, y) != 0, "expected different:\n[%s]\n[%s]\nboth -> [%s]", a, b, x);
	free(x);
	free(y);
}

static const char *design =
	"// counter\n"
	"module counter #(parameter W = 4) (\n"
	"    input  wire         clk,   // clock\n"
	"    input  wire         rst_n, /* active low */\n"
	"    output reg [W-1:0]  q\n"
	");\n"
	"  always @(posedge clk or negedge rst_n)\n"
	"    if (!rst_n) q <= {W{1'b0}};\n"
	"    else        q <= q + 1'b1;\n"
	"endmodule\n";

START_TEST(exact_output)
{
	expect(design, "module counter#(parameter W=4)(input wire clk,input wire rst_n,output reg[W-1:0]q"
		       ");always@(posedge clk or negedge rst_n)if(!rst_n)q<={W{1'b0}};else q<=q+1'b1;"
		       "endmodule");
}
END_TEST

START_TEST(comments_and_layout_ignored)
{
	same(design, "module counter #(parameter W=4)(input wire clk,input wire rst_n,output reg "
		     "[W-1:0] q);always @(posedge clk or negedge rst_n) if(!rst_n) q<={W{1'b0}}; "
		     "else q<=q+1'b1; endmodule");
	same("module m; /* a\n block\n comment */ wire a; endmodule",
	     "module m;\nwire a;\nendmodule");
	same("module m;wire a;endmodule", "  module\tm ;\r\n wire  a ; // trailing\r\nendmodule  ");
	same("assign a = b /* one */ + /* two */ c;", "assign a=b+c;");
	same("// only a comment\n", "");
	same("/* only a comment */", "   \n\t ");
	/* a comment separates tokens like a blank does */
	same("wire/**/a;", "wire a;");
}
END_TEST

START_TEST(token_changes_differ)
{
	differ("wire a;", "wire b;");			/* identifier */
	differ("wire ab;", "wire a b;");		/* split identifier */
	differ("assign x = 4'd3;", "assign x = 4'd4;"); /* number */
	differ("assign x = 8'hff;", "assign x = 8'hfF;");
	differ("assign x = a + b;", "assign x = a - b;"); /* operator */
	differ("assign x = a & b;", "assign x = a && b;");
	differ("initial $display(\"hi\");", "initial $display(\"ho\");"); /* string */
	differ("initial $display(\"a b\");", "initial $display(\"a  b\");"); /* blank in string */
	differ("initial $display(\"a\tb\");", "initial $display(\"a b\");");
	same("initial $display(\"a\");", "initial $display( \"a\" );"); /* blanks outside */
}
END_TEST

START_TEST(operator_joins)
{
	differ("assign x = a - -b;", "assign x = a --b;");
	differ("assign x = a & &b;", "assign x = a && b;");
	differ("assign x = a | |b;", "assign x = a || b;");
	differ("assign x = a < <b;", "assign x = a << b;");
	differ("assign x = a = = b;", "assign x = a == b;");
	differ("assign x = a * * b;", "assign x = a ** b;");
	differ("always @( *) x = y;", "always @(*) x = y;");
	differ("(* keep *) wire a;", "( * keep * ) wire a;");
	differ("assign x = a / /* c */ /b;", "assign x = a //b\n;");
	expect("assign x = a - -b;", "assign x=a- -b;");
	expect("assign x = a --b;", "assign x=a--b;");
	expect("assign x = a / /b;", "assign x=a/ /b;");
	/* no join possible: the space goes */
	expect("assign x = ( a ) ;", "assign x=(a);");
	expect("x = - a;", "x=-a;");
}
END_TEST

START_TEST(strings_kept)
{
	expect("initial $display(\"a // not a comment /* nor this */\"); // but this is",
	       "initial $display(\"a // not a comment /* nor this */\");");
	expect("s = \"esc \\\" quote // still string\"; // gone",
	       "s=\"esc \\\" quote // still string\";");
	differ("s = \"x // y\";", "s = \"x \";");
	/* adjacent strings keep their separation */
	differ("s = {\"a\" \"b\"};", "s = {\"a\"\"b\"};");
}
END_TEST

START_TEST(escaped_identifiers)
{
	expect("wire \\foo+bar ;", "wire \\foo+bar ;");
	expect("wire \\foo+bar\n;", "wire \\foo+bar ;");
	expect("assign \\a.b  = \\c// ;", "assign \\a.b =\\c// ;");
	same("wire \\a  , b;", "wire \\a\t, b;");
	differ("wire \\ab ;", "wire \\a b;");
	differ("wire \\a+b ;", "wire \\a +b;");
}
END_TEST

START_TEST(based_literals)
{
	expect("x = 4 'b 1010;", "x=4'b1010;");
	same("x = 4 'b1010;", "x = 4'b1010;");
	same("x = 4'b 1010;", "x = 4'b1010;");
	same("x = 8 'sh FF;", "x = 8'shFF;");
	same("x = 'h 1F;", "x = 'h1F;");
	differ("x = 4'b1010;", "x = 4'b1011;");
	differ("x = 4'b1010;", "x = 5'b1010;");
	differ("x = 4'b1010;", "x = 4'd1010;");
	expect("x = '0; y = 'z;", "x='0;y='z;");
	expect("#10ns x = 1.5e3;", "#10ns x=1.5e3;");
	differ("#10ns;", "#10 ns;");
	differ("x = 1.5;", "x = 1. 5;");
	expect("x = int'(y);", "x=int'(y);");
}
END_TEST

START_TEST(directive_lines)
{
	expect("`timescale 1ns / 1ps\nmodule m; endmodule", "`timescale 1ns/1ps\nmodule m;endmodule");
	expect("`define W 8 // width\nwire [`W-1:0] x;", "`define W 8\nwire[`W-1:0]x;");
	expect("`ifdef A\n wire x;\n`else\n wire y;\n`endif", "`ifdef A\nwire x; `else\nwire y; `endif\n");
	/* the newline ending a `define is significant */
	differ("`define A 1\n+ 2", "`define A 1 + 2\n");
	same("`define A 1\n+ 2", "`define A 1\n\n   + 2");
	/* a directive line at the end gets its newline anyway */
	same("`endif", "`endif\n");
	/* // inside a define body is a comment; inside a string in it, it is not */
	same("`define X 1 // one\n", "`define X 1\n");
	differ("`define X \"a // b\"\n", "`define X \"a \"\n");
	/* `define M(x) vs `define M (x): a macro with an argument vs one without */
	differ("`define M(x) x\n", "`define M (x) x\n");
	expect("`define M(x) (x) + 1\n", "`define M(x)(x)+1\n");
	/* macro text is substituted as text: "=`EQ" can become "==", so the separation next to
	 * a `name is kept */
	differ("`define EQ =\nassign a =`EQ b;", "`define EQ =\nassign a = `EQ b;");
	differ("assign a = b`W;", "assign a = b `W;");
	/* macro uses are not directive lines */
	same("assign y = `W\n - 1;", "assign y = `W -1;");
}
END_TEST

START_TEST(define_continuation)
{
	const char *a = "`define ADD(a, b) \\\n  ((a) + \\\n   (b))\nwire x = `ADD(1, 2);\n";
	expect(a, "`define ADD(a,b) \\\n((a)+ \\\n(b))\nwire x= `ADD(1,2);");
	same(a, "`define ADD(a,b) \\\n((a)+\t\\\n    (b)) // sum\nwire x = `ADD(1,2);");
	/* without the continuation the body ends at the first line */
	differ(a, "`define ADD(a, b)\n  ((a) + \n   (b))\nwire x = `ADD(1, 2);\n");
	/* CRLF continuations are the same continuation */
	same(a, "`define ADD(a, b) \\\r\n  ((a) + \\\r\n   (b))\r\nwire x = `ADD(1, 2);\r\n");
	/* a // comment ending in a backslash inside a define keeps the continuation */
	differ("`define A 1 // c \\\n+ 2\n", "`define A 1\n+ 2\n");
	/* a block comment spanning lines in a define leaves a marker */
	differ("`define A 1 /* x\n */ + 2\n", "`define A 1\n+ 2\n");
	same("`define A 1 /* x\n */ + 2\n", "`define A 1 /* other\n\n text */ + 2\n");
}
END_TEST

START_TEST(block_comments_spanning_lines)
{
	same("module m;\n/*\n * header\n * more\n */\nwire a;\nendmodule\n", "module m; wire a; endmodule");
	same("wire a; /* unterminated", "wire a;");
	/* a // inside a block comment is nothing; a block comment inside // is nothing */
	same("wire a; /* // */ wire b;", "wire a; wire b;");
	same("wire a; // /* \nwire b;", "wire a; wire b;");
}
END_TEST

START_TEST(overflow)
{
	struct buf b;
	buf_init(&b, 8);
	ck_assert_int_eq(normalize_verilog(design, strlen(design), &b), -1);
	ck_assert_int_eq(b.overflow, 1);
	buf_release(&b);
}
END_TEST

START_TEST(appends)
{
	struct buf b;
	buf_init(&b, 1024);
	ck_assert_int_eq(buf_adds(&b, "K:"), 0);
	ck_assert_int_eq(normalize_verilog("wire  a ;", 9, &b), 0);
	ck_assert_str_eq(b.data, "K:wire a;");
	buf_release(&b);
}
END_TEST

START_TEST(binary_bytes)
{
	/* NUL and high bytes are kept and separation around them too */
	static const char a[] = "wire a\0;", c[] = "wire a \0;";
	char *x = norm_n(a, sizeof a - 1), *y = norm_n(c, sizeof c - 1);
	ck_assert_uint_eq(strlen(x), 6); /* "wire a" then the NUL */
	ck_assert_int_ne(memcmp(x, y, 8), 0);
	free(x);
	free(y);
	differ("x = \xc3\xa9 \xc3\xa9;", "x = \xc3\xa9\xc3\xa9;");
}
END_TEST

START_TEST(lexer_lines)
{
	struct vlex lx;
	struct vtok t;
	const char *s = "`define A 1 \\\n 2\nwire /* x\n y */ \\e$c ;\n\"s\\\"t\" $sys `A";
	enum vtok_kind kinds[32];
	unsigned lines[32];
	size_t k = 0;
	vlex_init(&lx, s, strlen(s));
	for (vlex_next(&lx, &t); t.kind != VT_EOF && k < 32; vlex_next(&lx, &t)) {
		if (t.kind == VT_SPACE)
			continue;
		kinds[k] = t.kind;
		lines[k++] = t.line;
	}
	enum vtok_kind wk[] = {VT_DIRECTIVE, VT_IDENT, VT_NUMBER, VT_CONT, VT_NUMBER, VT_DIREND,
			       VT_IDENT, VT_BCOMMENT, VT_ESCID, VT_OP, VT_STRING, VT_SYSID,
			       VT_DIRECTIVE};
	unsigned wl[] = {1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5};
	ck_assert_uint_eq(k, sizeof wk / sizeof wk[0]);
	for (size_t i = 0; i < k; i++) {
		ck_assert_msg(kinds[i] == wk[i], "token %zu kind %d want %d", i, kinds[i], wk[i]);
		ck_assert_msg(lines[i] == wl[i], "token %zu line %u want %u", i, lines[i], wl[i]);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *t = tcase_create("core");
	tcase_add_test(t, exact_output);
	tcase_add_test(t, comments_and_layout_ignored);
	tcase_add_test(t, token_changes_differ);
	tcase_add_test(t, operator_joins);
	tcase_add_test(t, strings_kept);
	tcase_add_test(t, escaped_identifiers);
	tcase_add_test(t, based_literals);
	tcase_add_test(t, directive_lines);
	tcase_add_test(t, define_continuation);
	tcase_add_test(t, block_comments_spanning_lines);
	tcase_add_test(t, overflow);
	tcase_add_test(t, appends);
	tcase_add_test(t, binary_bytes);
	tcase_add_test(t, lexer_lines);
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
