/* normalize: a small Verilog lexer and the canonical token text built on it. */
#include "normalize.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* character classes                                                                         */

static int is_blank(char c) /* whitespace that is not a newline */
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int is_ws(char c)
{
	return is_blank(c) || c == '\n';
}

static int is_id_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_id_char(char c)
{
	return is_id_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_base_char(char c)
{
	return c == 'b' || c == 'B' || c == 'o' || c == 'O' || c == 'd' || c == 'D' || c == 'h' ||
	       c == 'H';
}

static int is_based_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' ||
	       c == 'X' || c == 'z' || c == 'Z' || c == '?' || c == '_';
}

/* ---------------------------------------------------------------------------------------- */
/* directives that take the rest of their line                                               */

static const char *const line_directives[] = {
	"define", "undef", "undefineall", "ifdef", "ifndef", "elsif", "else", "endif", "include",
	"timescale", "default_nettype", "resetall", "line", "celldefine", "endcelldefine",
	"pragma", "begin_keywords", "end_keywords", "unconnected_drive", "nounconnected_drive",
	"default_decay_time", "default_trireg_strength", "delay_mode_distributed",
	"delay_mode_path", "delay_mode_unit", "delay_mode_zero", "protect", "endprotect",
	"protected", "endprotected", "accelerate", "noaccelerate", "expand_vectornets",
	"noexpand_vectornets", "remove_gatenames", "noremove_gatenames", "remove_netnames",
	"noremove_netnames", "suppress_faults", "nosuppress_faults", "enable_portfaults",
	"disable_portfaults", "uselib", "verilog", "error", NULL,
};

int vlex_is_line_directive(const char *name, size_t n)
{
	for (const char *const *d = line_directives; *d; d++)
		if (strlen(*d) == n && memcmp(*d, name, n) == 0)
			return 1;
	if (n >= 8 && memcmp(name, "systemc_", 8) == 0)
		return 1;
	if (n >= 9 && memcmp(name, "verilator", 9) == 0)
		return 1;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* lexer                                                                                     */

void vlex_init(struct vlex *lx, const char *src, size_t len)
{
	lx->src = src;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->in_dir = 0;
}

static void count_lines(struct vlex *lx, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (lx->src[i] == '\n')
			lx->line++;
}

/* Skip whitespace allowed inside a based literal; no newline in a directive line. Returns the
 * new position (lines are counted by the caller over the whole token). */
static size_t skip_number_ws(const struct vlex *lx, size_t i)
{
	while (i < lx->len && (lx->in_dir ? is_blank(lx->src[i]) : is_ws(lx->src[i])))
		i++;
	return i;
}

/* At i: ' [sS]? base. Returns the position after the base char, or 0 when not a base. */
static size_t base_end(const struct vlex *lx, size_t i)
{
	const char *s = lx->src;
	if (i >= lx->len || s[i] != '\'')
		return 0;
	i++;
	if (i < lx->len && (s[i] == 's' || s[i] == 'S'))
		i++;
	if (i < lx->len && is_base_char(s[i]))
		return i + 1;
	return 0;
}

/* After a base: optional blanks, then based digits. */
static size_t based_digits(const struct vlex *lx, size_t i)
{
	size_t j = skip_number_ws(lx, i);
	if (j < lx->len && is_based_digit(lx->src[j])) {
		while (j < lx->len && is_based_digit(lx->src[j]))
			j++;
		return j;
	}
	return i; /* malformed: no digits; do not swallow the blanks */
}

static size_t lex_number(const struct vlex *lx, size_t i)
{
	const char *s = lx->src;
	size_t n = lx->len, j, b;

	if (s[i] == '\'') { /* unsized based literal or '0 '1 'x 'z */
		b = base_end(lx, i);
		if (b)
			i = based_digits(lx, b);
		else
			i += 2; /* '0 '1 'x 'z (caller checked) */
		goto tail;
	}
	while (i < n && (is_digit(s[i]) || s[i] == '_'))
		i++;
	/* size, then blanks, then 'b... */
	j = skip_number_ws(lx, i);
	b = base_end(lx, j);
	if (b) {
		i = based_digits(lx, b);
		goto tail;
	}
	if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
		i++;
		while (i < n && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && is_digit(s[j])) {
			i = j;
			while (i < n && (is_digit(s[i]) || s[i] == '_'))
				i++;
		}
	}
tail:
	/* time units (10ns, 1step) and anything glued on stay part of the token */
	while (i < n && is_id_char(s[i]))
		i++;
	return i;
}

void vlex_next(struct vlex *lx, struct vtok *t)
{
	const char *s = lx->src;
	size_t n = lx->len, i = lx->pos, st = i;
	char c;

	t->line = lx->line;
	t->in_dir = lx->in_dir;
	t->p = s + i;
	if (i >= n) {
		t->kind = VT_EOF;
		t->n = 0;
		return;
	}
	c = s[i];

	if (lx->in_dir && c == '\n') {
		t->kind = VT_DIREND;
		i++;
		lx->in_dir = 0;
		goto done;
	}
	if (lx->in_dir && c == '\\') {
		size_t j = i + 1;
		if (j < n && s[j] == '\r')
			j++;
		if (j < n && s[j] == '\n') {
			t->kind = VT_CONT;
			i = j + 1;
			goto done;
		}
	}
	if (is_ws(c)) {
		t->kind = VT_SPACE;
		while (i < n && (lx->in_dir ? is_blank(s[i]) : is_ws(s[i])))
			i++;
		goto done;
	}
	if (c == '/' && i + 1 < n && s[i + 1] == '/') {
		t->kind = VT_LCOMMENT;
		while (i < n && s[i] != '\n')
			i++;
		if (lx->in_dir) { /* leave a final backslash to be lexed as a continuation */
			size_t e = i;
			if (e > st + 2 && s[e - 1] == '\r')
				e--;
			if (e > st + 2 && s[e - 1] == '\\')
				i = e - 1;
		}
		goto done;
	}
	if (c == '/' && i + 1 < n && s[i + 1] == '*') {
		t->kind = VT_BCOMMENT;
		i += 2;
		while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'))
			i++;
		i = i < n ? i + 2 : n;
		goto done;
	}
	if (c == '"') {
		t->kind = VT_STRING;
		i++;
		while (i < n && s[i] != '"' && s[i] != '\n') {
			if (s[i] == '\\' && i + 1 < n)
				i++; /* escaped char, including an escaped newline */
			i++;
		}
		if (i < n && s[i] == '"')
			i++;
		goto done;
	}
	if (c == '\\' && i + 1 < n && !is_ws(s[i + 1])) {
		t->kind = VT_ESCID;
		while (i < n && !is_ws(s[i]))
			i++;
		goto done;
	}
	if (is_id_start(c)) {
		t->kind = VT_IDENT;
		while (i < n && is_id_char(s[i]))
			i++;
		goto done;
	}
	if (c == '$' && i + 1 < n && is_id_start(s[i + 1])) {
		t->kind = VT_SYSID;
		i++;
		while (i < n && is_id_char(s[i]))
			i++;
		goto done;
	}
	if (is_digit(c) || (c == '\'' && base_end(lx, i)) ||
	    (c == '\'' && i + 1 < n &&
	     (s[i + 1] == '0' || s[i + 1] == '1' || s[i + 1] == 'x' || s[i + 1] == 'X' ||
	      s[i + 1] == 'z' || s[i + 1] == 'Z') &&
	     !(i + 2 < n && is_id_char(s[i + 2])))) {
		t->kind = VT_NUMBER;
		i = lex_number(lx, i);
		goto done;
	}
	if (c == '`') {
		if (i + 1 < n && is_id_start(s[i + 1])) {
			t->kind = VT_DIRECTIVE;
			i++;
			while (i < n && is_id_char(s[i]))
				i++;
			if (!lx->in_dir && vlex_is_line_directive(s + st + 1, i - st - 1))
				lx->in_dir = 1;
			goto done;
		}
		t->kind = VT_OP;
		if (i + 1 < n && (s[i + 1] == '`' || s[i + 1] == '"'))
			i += 2;
		else if (i + 3 < n && s[i + 1] == '\\' && s[i + 2] == '`' && s[i + 3] == '"')
			i += 4;
		else
			i++;
		goto done;
	}
	t->kind = VT_OP;
	i++;
done:
	t->n = i - st;
	count_lines(lx, st, i);
	lx->pos = i;
}

/* ---------------------------------------------------------------------------------------- */
/* normalization                                                                             */

/* Multi-character operators of Verilog/SystemVerilog, plus comment delimiters: two operator
 * characters that are adjacent in one of these must keep a separating space. */
static const char *const multi_ops[] = {
	"<<<=", ">>>=", "<<=", ">>=", "<<<", ">>>", "===", "!==", "==?", "!=?", "<->", "->>",
	"|->", "|=>", "&&&", "#-#", "#=#", "##", "**", "==", "!=", "<=", ">=", "&&", "||", "<<",
	">>", "->", "~&", "~|", "~^", "^~", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
	"^=", "::", "+:", "-:", "(*", "*)", ".*", "@@", ":/", ":=", "//", "/*", "*/", "*>", "=>",
	"+=>", "-=>", "[*", "[=", "[->", "[+]", "*::*", NULL,
};

static int known_op_char(char c)
{
	return c && strchr("(){}[];,.:?+-*/%=!<>&|^~#@", c) != NULL;
}

static int op_pair_joins(char a, char b)
{
	if (!known_op_char(a) || !known_op_char(b))
		return 1; /* unknown bytes: keep whatever separation there was */
	for (const char *const *o = multi_ops; *o; o++)
		for (const char *p = *o; p[0] && p[1]; p++)
			if (p[0] == a && p[1] == b)
				return 1;
	return 0;
}

static int word_like(const struct vtok *t)
{
	return t->kind == VT_IDENT || t->kind == VT_SYSID || t->kind == VT_NUMBER ||
	       t->kind == VT_DIRECTIVE || t->kind == VT_ESCID ||
	       (t->kind == VT_OP && t->n == 1 && t->p[0] == '$');
}

static int op_is(const struct vtok *t, char c)
{
	return t->kind == VT_OP && t->n == 1 && t->p[0] == c;
}

static int touchy_op(const struct vtok *t) /* ` ' \ and the macro-text tokens */
{
	return t->kind == VT_OP && (t->n > 1 || t->p[0] == '`' || t->p[0] == '\'' ||
				    t->p[0] == '\\' || !known_op_char(t->p[0]));
}

/* Would a and b, written with no space between them, read differently than with one? */
static int joins(const struct vtok *a, const struct vtok *b, int a_is_define_name)
{
	if (a->kind == VT_ESCID)
		return 0; /* always written with its terminating space */
	if (touchy_op(a) || touchy_op(b))
		return 1;
	if (a->kind == VT_DIRECTIVE || b->kind == VT_DIRECTIVE)
		return 1;
	if (word_like(a) && word_like(b))
		return 1;
	if (a->kind == VT_STRING && b->kind == VT_STRING)
		return 1;
	if ((a->kind == VT_NUMBER && op_is(b, '.')) || (op_is(a, '.') && b->kind == VT_NUMBER))
		return 1;
	if (a_is_define_name && op_is(b, '('))
		return 1;
	if (a->kind == VT_OP && b->kind == VT_OP)
		return op_pair_joins(a->p[0], b->p[0]);
	return 0;
}

static int emit_number(struct buf *out, const struct vtok *t)
{
	size_t i = 0, j;
	while (i < t->n) {
		j = i;
		while (j < t->n && !is_ws(t->p[j]))
			j++;
		if (buf_add(out, t->p + i, j - i) < 0)
			return -1;
		while (j < t->n && is_ws(t->p[j]))
			j++;
		i = j;
	}
	return 0;
}

static int has_newline(const struct vtok *t)
{
	return memchr(t->p, '\n', t->n) != NULL;
}

int normalize_verilog(const char *src, size_t len, struct buf *out)
{
	struct vlex lx;
	struct vtok t, prev;
	int have_prev = 0, sep = 0, define_state = 0, prev_is_define_name = 0;
	static const struct vtok marker = {VT_OP, "/**/", 4, 0, 1};

	memset(&prev, 0, sizeof prev);
	vlex_init(&lx, src, len);
	for (;;) {
		const struct vtok *tok = &t;
		vlex_next(&lx, &t);
		switch (t.kind) {
		case VT_EOF:
			if (lx.in_dir && buf_addc(out, '\n') < 0)
				return -1;
			return 0;
		case VT_SPACE:
		case VT_LCOMMENT:
			sep = 1;
			continue;
		case VT_BCOMMENT:
			if (t.in_dir && has_newline(&t)) {
				tok = &marker; /* keep a trace: tools differ on where the line ends */
				break;
			}
			sep = 1;
			continue;
		case VT_DIREND:
			if (buf_addc(out, '\n') < 0)
				return -1;
			have_prev = sep = define_state = 0;
			continue;
		case VT_CONT:
			if (have_prev && sep && prev.kind != VT_ESCID && buf_addc(out, ' ') < 0)
				return -1;
			if (buf_add(out, "\\\n", 2) < 0)
				return -1;
			have_prev = sep = 0;
			continue;
		default:
			break;
		}
		if (have_prev && sep && joins(&prev, tok, prev_is_define_name) &&
		    buf_addc(out, ' ') < 0)
			return -1;
		if (tok->kind == VT_NUMBER) {
			if (emit_number(out, tok) < 0)
				return -1;
		} else if (buf_add(out, tok->p, tok->n) < 0) {
			return -1;
		}
		if (tok->kind == VT_ESCID && buf_addc(out, ' ') < 0)
			return -1;
		/* `define NAME: NAME next to '(' decides whether the macro has arguments */
		prev_is_define_name = 0;
		if (define_state == 1 && (tok->kind == VT_IDENT || tok->kind == VT_ESCID)) {
			prev_is_define_name = 1;
			define_state = 2;
		} else if (tok->kind == VT_DIRECTIVE && tok->n == 7 &&
			   memcmp(tok->p, "`define", 7) == 0) {
			define_state = 1;
		} else {
			define_state = define_state == 1 ? 2 : define_state;
		}
		prev = *tok;
		have_prev = 1;
		sep = 0;
	}
}

int vlex_all(const char *src, size_t len, struct vtoks *ts)
{
	struct vlex lx;
	struct vtok t;

	vlex_init(&lx, src, len);
	for (;;) {
		vlex_next(&lx, &t);
		if (t.kind == VT_EOF)
			return 0;
		if (ts->n == ts->cap) {
			size_t c = ts->cap ? 2 * ts->cap : 256;
			struct vtok *nv = realloc(ts->v, c * sizeof(*nv));
			if (!nv)
				return -1;
			ts->v = nv;
			ts->cap = c;
		}
		ts->v[ts->n++] = t;
	}
}

int vtok_significant(const struct vtok *t)
{
	return t->kind != VT_SPACE && t->kind != VT_DIREND && t->kind != VT_CONT &&
	       t->kind != VT_LCOMMENT && t->kind != VT_BCOMMENT;
}

int vtok_is(const struct vtok *t, const char *s)
{
	return strlen(s) == t->n && !memcmp(t->p, s, t->n);
}
