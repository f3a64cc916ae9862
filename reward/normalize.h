/* normalize: the canonical form of a Verilog source for cache keys.
 *
 * Removes // and block comments and insignificant whitespace; keeps string literals (and
 * escaped identifiers, which end at whitespace) byte for byte. Tokens are separated by a single
 * space only where removing it would join two tokens; a newline is kept after each compiler
 * directive line (`define bodies end at the line end, so those newlines are significant).
 * Two sources that differ only in comments and layout give the same output; any change of a
 * token gives a different one.
 *
 * Details (all conservative: when in doubt the output keeps a difference, which only costs a
 * cache miss, never a wrong hit):
 *   - output is appended to out (out is not reset first);
 *   - a space is kept between two tokens only when the source separated them (whitespace or a
 *     comment) and they could join: word-like tokens (identifiers, keywords, numbers, `names,
 *     $names), two operator characters that occur next to each other in some Verilog/SV
 *     operator ("- -" vs "--", "& &" vs "&&", "( *" vs "(*"), two strings, a number next to '.',
 *     anything next to ' ` or \, and a `define name next to '(' (`define M(x) vs `define M (x));
 *   - based literals lose the blanks the standard allows inside them: "4 'b 1010" -> "4'b1010";
 *   - an escaped identifier is always followed by exactly one space;
 *   - a line continuation inside a directive line is written as "\\\n"; a // comment that ends
 *     in a backslash inside a directive line keeps that continuation; a block comment spanning
 *     lines inside a directive line is written as the marker "/" "**" "/" (tools disagree on
 *     whether it ends the directive);
 *   - a directive line that ends at the end of the source still gets its newline.
 *
 * Returns 0, or -1 when out fills (its max is the cap).
 */
#ifndef RTLR_NORMALIZE_H
#define RTLR_NORMALIZE_H

#include <stddef.h>
#include "buf.h"

int normalize_verilog(const char *src, size_t len, struct buf *out);

/* The lexer behind normalize_verilog(), shared with policy.c.
 *
 * Every byte of the source belongs to exactly one token. Operators are returned one character
 * at a time (VT_OP, n == 1), except the macro-text tokens `` `" and `\`" (also VT_OP).
 * A "directive line" starts at a `name that is a compiler directive (`define, `ifdef,
 * `timescale, `systemc_*, ...; not macro uses) and ends at the first newline not escaped by a
 * backslash: that newline is returned as VT_DIREND, escaped ones as VT_CONT. */
enum vtok_kind {
	VT_EOF = 0,
	VT_SPACE,	/* blanks and newlines outside directive lines; blanks inside them */
	VT_DIREND,	/* the newline that ends a directive line */
	VT_CONT,	/* backslash-newline inside a directive line */
	VT_LCOMMENT,	/* // ... (newline excluded) */
	VT_BCOMMENT,	/* block comment, delimiters included (maybe unterminated) */
	VT_IDENT,	/* identifier or keyword */
	VT_ESCID,	/* \escaped identifier, terminating whitespace excluded */
	VT_SYSID,	/* $name */
	VT_NUMBER,	/* may contain blanks: 4 'b 1010 */
	VT_STRING,	/* quotes included (an unterminated one stops before the newline) */
	VT_DIRECTIVE,	/* `name */
	VT_OP,		/* one operator/punctuation byte, or a macro-text token */
};

struct vtok {
	enum vtok_kind kind;
	const char *p;
	size_t n;
	unsigned line;	/* 1-based line of the first byte */
	int in_dir;	/* the token is inside a directive line */
};

struct vlex {
	const char *src;
	size_t len, pos;
	unsigned line;
	int in_dir;
};

void vlex_init(struct vlex *lx, const char *src, size_t len);
/* Next token; VT_EOF (n == 0) at the end, repeatedly. */
void vlex_next(struct vlex *lx, struct vtok *t);
/* Is `name (without the backtick) a compiler directive that takes the rest of its line? */
int vlex_is_line_directive(const char *name, size_t n);

/* All tokens of a source in one array (the callers that look around a token). */
struct vtoks {
	struct vtok *v;
	size_t n, cap;
};
/* Appends every token of src[0..len) to ts (free ts->v after); -1 when out of memory. */
int vlex_all(const char *src, size_t len, struct vtoks *ts);
/* Not a blank, a line end, a continuation or a comment. */
int vtok_significant(const struct vtok *t);
/* The token's text is s. */
int vtok_is(const struct vtok *t, const char *s);

#endif
