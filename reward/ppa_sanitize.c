/* ppa_sanitize: see ppa_sanitize.h. */
#include "ppa_sanitize.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "normalize.h"

struct san {
	struct buf *out;
	char *note;
	size_t notelen, used;
	int count, fail;
};

static int is_op(const struct vtok *t, char c)
{
	return t->kind == VT_OP && t->n == 1 && t->p[0] == c;
}

static int is_word(const struct vtok *t, const char *w)
{
	size_t n = strlen(w);
	return t->kind == VT_IDENT && t->n == n && !memcmp(t->p, w, n);
}

static int insignificant(const struct vtok *t)
{
	return t->kind == VT_SPACE || t->kind == VT_LCOMMENT || t->kind == VT_BCOMMENT ||
	       t->kind == VT_CONT;
}

/* The next significant token after the lexer's position, without moving it. */
static void peek_significant(const struct vlex *lx, struct vtok *t)
{
	struct vlex c = *lx;

	do
		vlex_next(&c, t);
	while (t->kind != VT_EOF && insignificant(t));
}

/* Blanks out src[a, b) into the output, keeping newlines. */
static void blank(struct san *s, const char *a, const char *b)
{
	for (; a < b; a++)
		if (buf_addc(s->out, *a == '\n' ? '\n' : ' ') < 0)
			s->fail = 1;
}

static void copy(struct san *s, const char *a, size_t n)
{
	if (buf_add(s->out, a, n) < 0)
		s->fail = 1;
}

/* Appends "what text (line N)" to the note, the text on one line: blank runs become one space,
 * at most 60 bytes of it. */
static void note_add(struct san *s, const char *what, const char *p, size_t n, unsigned line)
{
	char text[64];
	size_t k = 0, i;
	int w;

	s->count++;
	if (!s->note || s->used + 1 >= s->notelen)
		return;
	for (i = 0; i < n && k + 1 < sizeof(text) - 3; i++) {
		char c = p[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (k && text[k - 1] != ' ')
				text[k++] = ' ';
			continue;
		}
		text[k++] = c;
	}
	while (k && text[k - 1] == ' ')
		k--;
	text[k] = '\0';
	w = snprintf(s->note + s->used, s->notelen - s->used, "%s%s%s%s (line %u)",
		     s->used ? "; " : "", what, what[0] && k ? " " : "", text, line);
	if (w > 0)
		s->used += (size_t)w < s->notelen - s->used ? (size_t)w : s->notelen - s->used - 1;
}

static int contains_ci(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w), i;

	for (i = 0; i + k <= n; i++)
		if (!strncasecmp(p + i, w, k))
			return 1;
	return 0;
}

/* A comment: always removed; noted when it reads like a synthesis pragma. */
static void comment(struct san *s, const struct vtok *t)
{
	static const char *const words[] = {"synopsys", "synthesis", "pragma", "translate_",
					    "full_case", "parallel_case", NULL};
	int i;

	for (i = 0; words[i]; i++) {
		if (contains_ci(t->p, t->n, words[i])) {
			note_add(s, "comment pragma", t->p, t->n, t->line);
			break;
		}
	}
	blank(s, t->p, t->p + t->n);
}

/* At "(*" (the '(' in t): removes the attribute instance up to its "*)". Leaves the text as it
 * is when the instance is unterminated (Yosys then fails on it: no score, no bonus). */
static void attribute(struct san *s, struct vlex *lx, const struct vtok *open)
{
	struct vlex save = *lx;
	struct vtok t, prev = *open;
	int depth = 0, want_name = 1;
	const char *names = NULL;

	vlex_next(lx, &t); /* the '*' of "(*" */
	for (;;) {
		prev = t;
		vlex_next(lx, &t);
		if (t.kind == VT_EOF)
			break;
		if (is_op(&prev, '*') && is_op(&t, ')') && prev.p + 1 == t.p && depth == 0) {
			note_add(s, "attribute", names ? names : "", names ? (size_t)(prev.p - names) : 0,
				 open->line);
			blank(s, open->p, t.p + 1);
			return;
		}
		if (is_op(&t, '(') || is_op(&t, '{') || is_op(&t, '['))
			depth++;
		else if ((is_op(&t, ')') || is_op(&t, '}') || is_op(&t, ']')) && depth > 0)
			depth--;
		else if (is_op(&t, ',') && depth == 0)
			want_name = 1;
		else if (want_name && (t.kind == VT_IDENT || t.kind == VT_ESCID)) {
			if (!names)
				names = t.p;
			want_name = 0;
		}
	}
	*lx = save; /* unterminated: copy as is */
	copy(s, open->p, open->n);
}

int ppa_sanitize(const char *src, size_t len, struct buf *out, char *note, size_t notelen)
{
	struct san s = {.out = out, .note = note, .notelen = notelen};
	struct vlex lx;
	struct vtok t, nx;
	int after_at = 0;

	if (note && notelen)
		note[0] = '\0';
	vlex_init(&lx, src, len);
	for (;;) {
		vlex_next(&lx, &t);
		if (t.kind == VT_EOF)
			break;
		if (t.kind == VT_LCOMMENT || t.kind == VT_BCOMMENT) {
			comment(&s, &t);
			continue;
		}
		if (insignificant(&t)) {
			copy(&s, t.p, t.n);
			continue;
		}
		if (is_op(&t, '(') && !after_at) {
			struct vlex c = lx;
			struct vtok star, close;
			vlex_next(&c, &star);
			vlex_next(&c, &close);
			if (is_op(&star, '*') && star.p == t.p + 1 &&
			    !(is_op(&close, ')') && close.p == star.p + 1)) {
				attribute(&s, &lx, &t);
				after_at = 0;
				continue;
			}
		}
		after_at = is_op(&t, '@');
		if (is_word(&t, "unique") || is_word(&t, "unique0") || is_word(&t, "priority")) {
			peek_significant(&lx, &nx);
			if (is_word(&nx, "case") || is_word(&nx, "casez") || is_word(&nx, "casex") ||
			    is_word(&nx, "if")) {
				note_add(&s, "", t.p, t.n, t.line);
				blank(&s, t.p, t.p + t.n);
				continue;
			}
		}
		copy(&s, t.p, t.n);
	}
	return s.fail ? -1 : s.count;
}
