/* syntax_group_text: the pure text functions of the syntax group calls (syntax_group.h).
 * Owner: syngroup helper. No tools here: splitting a group preprocessing output, renaming a
 * candidate's modules apart, reading one candidate out of a group netlist. */
#include "syntax_group.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"

/* --- preprocessing output ------------------------------------------------------------------ */

/* Offset of the line that is exactly `text` (without its '\n') in s, or -1. */
static long find_line(const char *s, size_t len, size_t from, const char *text)
{
	size_t tl = strlen(text), i = from;

	while (i + tl <= len) {
		const char *p = memmem(s + i, len - i, text, tl);
		size_t at;

		if (!p)
			return -1;
		at = (size_t)(p - s);
		if ((at == 0 || s[at - 1] == '\n') && (at + tl == len || s[at + tl] == '\n'))
			return (long)at;
		i = at + 1;
	}
	return -1;
}

/* `line <digits> "<file>" <digit> exactly: returns the offset of the opening quote, or 0. */
static size_t line_directive(const char *l, size_t n, const char *file)
{
	size_t i = 6, fl = strlen(file);

	if (n < 6 || memcmp(l, "`line ", 6))
		return 0;
	if (i >= n || !isdigit((unsigned char)l[i]))
		return 0;
	while (i < n && isdigit((unsigned char)l[i]))
		i++;
	if (i + fl + 5 != n || l[i] != ' ' || l[i + 1] != '"' || memcmp(l + i + 2, file, fl) ||
	    l[i + 2 + fl] != '"' || l[i + 3 + fl] != ' ' || !isdigit((unsigned char)l[i + 4 + fl]))
		return 0;
	return i + 1;
}

int sg_pp_split(const char *out, size_t len, const char *cfile, const char *sepfile,
		const char *nonce, char **pp, size_t *pplen)
{
	char first[300], sep[300];
	long a, b;
	size_t i;
	struct buf o;

	*pp = NULL;
	*pplen = 0;
	snprintf(first, sizeof(first), "`line 1 \"%s\" 1", cfile);
	snprintf(sep, sizeof(sep), "`line 1 \"%s\" 1", sepfile);
	a = find_line(out, len, 0, first);
	if (a < 0)
		return 1;
	b = find_line(out, len, (size_t)a, sep);
	if (b < 0 || find_line(out, len, (size_t)a + 1, first) >= 0)
		return 1;
	buf_init(&o, (size_t)(b - a) + 64);
	for (i = (size_t)a; i < (size_t)b;) {
		const char *l = out + i, *eol = memchr(l, '\n', (size_t)b - i);
		size_t n = eol ? (size_t)(eol - l) : (size_t)b - i, q = line_directive(l, n, cfile);

		if (q) {
			if (buf_add(&o, l, q + 1) < 0 || buf_adds(&o, "candidate.v") < 0 ||
			    buf_add(&o, l + q + 1 + strlen(cfile), n - q - 1 - strlen(cfile)) < 0)
				goto oom;
		} else if (buf_add(&o, l, n) < 0) {
			goto oom;
		}
		if (eol && buf_addc(&o, '\n') < 0)
			goto oom;
		i += n + (eol ? 1 : 0);
	}
	if (memmem(o.data ? o.data : "", o.len, nonce, strlen(nonce))) {
		buf_release(&o);
		return 1;
	}
	if (!o.data && buf_add(&o, "", 0) < 0)
		goto oom;
	*pp = buf_detach(&o, pplen);
	return 0;
oom:
	buf_release(&o);
	return -1;
}

/* --- renaming modules apart ----------------------------------------------------------------- */

struct names {
	char **v;
	size_t n;
};

static int names_has(const struct names *nm, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (strlen(nm->v[i]) == n && !memcmp(nm->v[i], s, n))
			return 1;
	return 0;
}

static int names_add(struct names *nm, const char *s, size_t n)
{
	char **v;

	if (names_has(nm, s, n))
		return 0;
	v = realloc(nm->v, (nm->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	nm->v = v;
	v[nm->n] = strndup(s, n);
	if (!v[nm->n])
		return -1;
	nm->n++;
	return 0;
}

static void names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

static int id0(int c)
{
	return isalpha(c) || c == '_';
}

static int idc(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

static int refused_word(const char *s, size_t n)
{
	static const char *const w[] = {"bind", "config", "library", "interface", "package",
					"program", "class", "checker", "primitive", "extern"};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (word_is(s, n, w[i]))
			return 1;
	return 0;
}

struct lex {
	const char *s;
	size_t len;
	struct names *nm;
	struct buf *out; /* NULL: collect names only */
	const char *prefix, *file;
	const char *why;
};

#define EMIT(p, n)                                                                 \
	do {                                                                       \
		if (lx->out && buf_add(lx->out, (p), (n)) < 0)                     \
			return -1;                                                 \
	} while (0)

/* A directive at s[i] ('`'): `line naming candidate.v is rewritten, three others copied,
 * anything else refused. Sets *next past the line. */
static int lex_directive(struct lex *lx, size_t i, size_t *next)
{
	const char *s = lx->s;
	size_t j = i + 1, e;
	const char *eol = memchr(s + i, '\n', lx->len - i);

	e = eol ? (size_t)(eol - s) : lx->len;
	while (j < e && idc((unsigned char)s[j]))
		j++;
	if (word_is(s + i + 1, j - i - 1, "line")) {
		size_t q = line_directive(s + i, e - i, "candidate.v");
		if (!q) {
			lx->why = "a `line directive naming another file";
			return 1;
		}
		EMIT(s + i, q + 1);
		EMIT(lx->file, strlen(lx->file));
		EMIT(s + i + q + 12, e - (i + q + 12));
	} else if (word_is(s + i + 1, j - i - 1, "timescale") ||
		   word_is(s + i + 1, j - i - 1, "default_nettype") ||
		   word_is(s + i + 1, j - i - 1, "resetall")) {
		EMIT(s + i, e - i);
	} else {
		lx->why = "a compiler directive other than `timescale/`default_nettype/`resetall";
		return 1;
	}
	*next = e;
	return 0;
}

/* A based literal's tail at s[i] ('\''): 's? base digits. Returns the end. */
static size_t lex_based(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;

	if (j < len && (s[j] == 's' || s[j] == 'S'))
		j++;
	if (j >= len || !strchr("bBoOdDhH", s[j]))
		return i + 1;
	j++;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	while (j < len && (isxdigit((unsigned char)s[j]) || strchr("_xXzZ?", s[j])))
		j++;
	return j;
}

/* One pass over the text; 0, 1 (refused: lx->why), -1 out of memory. */
static int lex_pass(struct lex *lx)
{
	const char *s = lx->s;
	size_t i = 0, len = lx->len;
	int depth = 0, want_name = 0, label = 0; /* label: 1 after endmodule, 2 after its ':' */

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t j = i + 1;

		if (isspace(c)) {
			EMIT(s + i, 1);
			i++;
			continue;
		}
		if (label == 1 && c == ':') {
			label = 2;
			EMIT(s + i, 1);
			i++;
			continue;
		}
		if (label == 2 && id0(c)) {
			/* endmodule : name (renamed like the module) */
			while (j < len && idc((unsigned char)s[j]))
				j++;
			label = 0;
			if (lx->out && names_has(lx->nm, s + i, j - i))
				EMIT(lx->prefix, strlen(lx->prefix));
			EMIT(s + i, j - i);
			i = j;
			continue;
		}
		label = 0;
		if (c == '`') {
			int x = lex_directive(lx, i, &j);
			if (x)
				return x;
			i = j;
			continue;
		}
		if (c == '"') {
			while (j < len && s[j] != '"' && s[j] != '\n')
				j += s[j] == '\\' && j + 1 < len ? 2 : 1;
			if (j >= len || s[j] != '"') {
				lx->why = "an unterminated string";
				return 1;
			}
			j++;
		} else if (c == '/' && i + 1 < len && (s[i + 1] == '/' || s[i + 1] == '*')) {
			const char *e = s[i + 1] == '/' ? memchr(s + i, '\n', len - i)
							: memmem(s + i + 2, len - i - 2, "*/", 2);
			if (!e) {
				lx->why = "an unterminated comment";
				return 1;
			}
			j = (size_t)(e - s) + (s[i + 1] == '/' ? 0 : 2);
		} else if (c == '\\') {
			lx->why = "an escaped identifier";
			return 1;
		} else if (c == '$') {
			while (j < len && idc((unsigned char)s[j]))
				j++;
			if (word_is(s + i, j - i, "$root") || word_is(s + i, j - i, "$unit")) {
				lx->why = "$root or $unit";
				return 1;
			}
		} else if (isdigit(c)) {
			while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
				j++;
		} else if (c == '\'') {
			j = lex_based(s, len, i);
		} else if (id0(c)) {
			while (j < len && idc((unsigned char)s[j]))
				j++;
			if (refused_word(s + i, j - i)) {
				lx->why = "bind/config/interface/package/program/class/checker/primitive/extern";
				return 1;
			}
			if (word_is(s + i, j - i, "module") || word_is(s + i, j - i, "macromodule")) {
				depth++;
				want_name = 1;
			} else if (depth == 0) {
				lx->why = "something at file scope other than a module";
				return 1;
			} else if (word_is(s + i, j - i, "endmodule")) {
				depth--;
				label = 1;
			} else if (want_name && (word_is(s + i, j - i, "static") ||
						 word_is(s + i, j - i, "automatic"))) {
				/* lifetime before the name */
			} else if (want_name) {
				want_name = 0;
				if (!lx->out && names_add(lx->nm, s + i, j - i) < 0)
					return -1;
			}
			if (lx->out && names_has(lx->nm, s + i, j - i)) {
				EMIT(lx->prefix, strlen(lx->prefix));
			}
		} else if (depth == 0) {
			lx->why = "something at file scope other than a module";
			return 1;
		} else if (want_name) {
			lx->why = "a module without a plain name";
			return 1;
		}
		EMIT(s + i, j - i);
		i = j;
	}
	if (depth != 0) {
		lx->why = "an unterminated module";
		return 1;
	}
	return 0;
}

int sg_rename(const char *text, size_t len, const char *prefix, const char *nonce,
	      const char *file, const char *top, char **out, size_t *outlen, char *why,
	      size_t whylen)
{
	struct names nm = {0};
	struct buf o;
	struct lex lx = {.s = text, .len = len, .nm = &nm, .prefix = prefix, .file = file};
	int x;

	*out = NULL;
	*outlen = 0;
	buf_init(&o, len * 2 + 4096);
	if (memmem(text, len, nonce, strlen(nonce))) {
		lx.why = "the text contains the group's nonce";
		x = 1;
		goto out;
	}
	x = lex_pass(&lx);
	if (x)
		goto out;
	if (!names_has(&nm, top, strlen(top))) {
		lx.why = "no module named like the top";
		x = 1;
		goto out;
	}
	lx.out = &o;
	x = lex_pass(&lx);
	if (x)
		goto out;
	if (!o.data && buf_add(&o, "", 0) < 0) {
		x = -1;
		goto out;
	}
	*out = buf_detach(&o, outlen);
out:
	if (x > 0 && why)
		snprintf(why, whylen, "%s", lx.why ? lx.why : "refused");
	if (x < 0 && why)
		snprintf(why, whylen, "out of memory");
	buf_release(&o);
	names_free(&nm);
	return x;
}

/* --- one candidate out of the group netlist --------------------------------------------------- */

/* The value of attribute `name` in the tag [t, e), or NULL (*vlen set). */
static const char *tag_attr(const char *t, const char *e, const char *name, size_t *vlen)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), " %s=\"", name);
	p = memmem(t, (size_t)(e - t), pat, strlen(pat));
	if (!p)
		return NULL;
	p += strlen(pat);
	q = memchr(p, '"', (size_t)(e - p));
	if (!q)
		return NULL;
	*vlen = (size_t)(q - p);
	return p;
}

static void strip_prefix(char *s, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (s && !strncmp(s, prefix, pl))
		memmove(s, s + pl, strlen(s + pl) + 1);
}

int sg_xml_extract(const char *xml, size_t len, const char *prefix, const char *top,
		   struct vinfo *vi, char *err, size_t errlen)
{
	const char *end = xml + len, *nl, *tt, *tte, *p;
	size_t pl = strlen(prefix), tl = strlen(top), i;
	struct buf o, rest;
	int ret = -1, seen_top = 0;

	memset(vi, 0, sizeof(*vi));
	buf_init(&o, len + 256);
	buf_init(&rest, len + 1);
	nl = memmem(xml, len, "<netlist>", 9);
	tt = nl ? memmem(nl, (size_t)(end - nl), "<typetable", 10) : NULL;
	tte = tt ? memmem(tt, (size_t)(end - tt), "</typetable>", 12) : NULL;
	if (!tte) {
		snprintf(err, errlen, "group netlist: no netlist or type table");
		goto out;
	}
	tte += 12;
	if (buf_adds(&o, "<verilator_xml><netlist>") < 0)
		goto oom;
	for (p = nl; (p = memmem(p, (size_t)(tt - p), "<module ", 8)) != NULL;) {
		const char *te = memchr(p, '>', (size_t)(tt - p)), *v, *me;
		size_t vl = 0;

		if (!te) {
			snprintf(err, errlen, "group netlist: unterminated module tag");
			goto out;
		}
		me = te[-1] == '/' ? te + 1 : memmem(te, (size_t)(tt - te), "</module>", 9);
		if (!me) {
			snprintf(err, errlen, "group netlist: unterminated module");
			goto out;
		}
		if (te[-1] != '/')
			me += 9;
		v = tag_attr(p, te, "origName", &vl);
		if (!v)
			v = tag_attr(p, te, "name", &vl);
		if (v && vl >= pl && !memcmp(v, prefix, pl)) {
			if (vl == pl + tl && !memcmp(v + pl, top, tl) && !seen_top) {
				seen_top = 1;
				if (buf_adds(&o, "<module topModule=\"1\"") < 0 ||
				    buf_add(&o, p + 7, (size_t)(me - p - 7)) < 0)
					goto oom;
			} else if (buf_add(&rest, p, (size_t)(me - p)) < 0) {
				goto oom;
			}
		}
		p = me;
	}
	if (!seen_top) {
		snprintf(err, errlen, "group netlist: module %s%s not found", prefix, top);
		goto out;
	}
	if ((rest.len && buf_add(&o, rest.data, rest.len) < 0) ||
	    buf_add(&o, tt, (size_t)(tte - tt)) < 0 || buf_adds(&o, "</netlist></verilator_xml>") < 0)
		goto oom;
	if (vinfo_parse_xml(o.data, o.len, vi, err, errlen) < 0)
		goto out;
	strip_prefix(vi->top, prefix);
	for (i = 0; i < vi->nmodules; i++)
		strip_prefix(vi->modules[i], prefix);
	for (i = 0; i < vi->nports; i++)
		strip_prefix(vi->ports[i].name, prefix);
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	buf_release(&o);
	buf_release(&rest);
	return ret;
}

/* --- diagnostics -------------------------------------------------------------------------- */

int sg_diag_owner(const char *line, size_t len, const char *nonce, size_t n, int warnings)
{
	char l[512], file[300];
	const char *q;
	unsigned ln = 0;
	size_t nl = strlen(nonce);
	int off = 0;

	if ((len < 6 || memcmp(line, "%Error", 6)) &&
	    (!warnings || len < 8 || memcmp(line, "%Warning", 8)))
		return -2;
	if (len >= sizeof(l))
		len = sizeof(l) - 1;
	memcpy(l, line, len);
	l[len] = '\0';
	q = strchr(l, ':');
	if (!q)
		return -1;
	q++;
	while (*q == ' ')
		q++;
	if (!strncmp(q, "Exiting due to", 14))
		return -2;
	if (sscanf(q, "%299[^:]:%u:%n", file, &ln, &off) != 2 || off <= 0)
		return -1;
	if (strlen(file) > nl + 2 && (file[0] == 'c' || file[0] == 's') &&
	    !strncmp(file + 1, nonce, nl) && file[nl + 1] == '_' && isdigit((unsigned char)file[nl + 2])) {
		char *e;
		unsigned long kk = strtoul(file + nl + 2, &e, 10);

		if (!strcmp(e, ".v") && kk < n)
			return (int)kk;
		return -1;
	}
	if (file[0] == 'w' && !strncmp(file + 1, nonce, nl) && !strcmp(file + 1 + nl, ".v") &&
	    ln >= 2 && ln - 2 < n)
		return (int)(ln - 2);
	return -1;
}
