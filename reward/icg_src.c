/* icg_src: the source-text side of the Icarus group check (owner: helper icgroup; see
 * engine_icarus_group.h): which candidates may share one simulation, their module names, the
 * renaming that keeps them apart, and the golden's directive state replayed before each
 * candidate file. Conservative by design: whatever this file is not sure of makes the candidate
 * (or the problem) run alone, never a different verdict. */
#include "engine_icarus_group.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"

/* System tasks and functions without process-wide state: the policy's allowlist
 * (policy_tokens.c) without $monitor* (one monitor per process: a later call replaces an
 * earlier one, so output, and with it the output cap, would depend on the group) and without
 * $write* (text without a newline would glue another harness's tagged line to it, hiding that
 * line, e.g. a first mismatch, while the run still looks complete). */
static const char *const safe_systf[] = {
	"clog2", "signed", "unsigned", "bits", "size", "left", "right", "high", "low", "increment",
	"dimensions", "countones", "onehot", "onehot0", "isunknown", "countbits", "display",
	"displayb", "displayh", "displayo", "strobe",
	"strobeb", "strobeh", "strobeo", "time", "stime", "realtime", "info", "warning", "error",
	"rtoi", "itor", "bitstoreal", "realtobits", "shortrealtobits", "bitstoshortreal", "floor",
	"ceil", "ln", "log10", "exp", "sqrt", "pow", NULL,
};

/* Directives whose state a `resetall clears and a replay restores; `line only renumbers. */
static const char *const state_directives[] = {
	"timescale", "default_nettype", "resetall", "celldefine", "endcelldefine",
	"unconnected_drive", "nounconnected_drive", NULL,
};

/* Design units with names in a process-wide namespace other than modules', and keywords that
 * reach across design units. */
static const char *const other_units[] = {
	"interface", "program", "package", "primitive", "class", "checker", "config", "bind",
	"library", "import", "export", NULL,
};

static int in_list(const char *const *v, const char *p, size_t n)
{
	for (; *v; v++)
		if (strlen(*v) == n && !memcmp(*v, p, n))
			return 1;
	return 0;
}

/* Index of the next (dir > 0) or previous significant token from i, or (size_t)-1. */
static size_t sig_from(const struct vtoks *ts, size_t i, int dir)
{
	for (;;) {
		if (dir < 0 && i == 0)
			return (size_t)-1;
		i = dir > 0 ? i + 1 : i - 1;
		if (i >= ts->n)
			return (size_t)-1;
		if (vtok_significant(&ts->v[i]))
			return i;
	}
}

static int is_op(const struct vtoks *ts, size_t i, char c)
{
	return i != (size_t)-1 && ts->v[i].kind == VT_OP && ts->v[i].n == 1 && ts->v[i].p[0] == c;
}

/* "::" made of the tokens at i and the next significant one. */
static int scope_op(const struct vtoks *ts, size_t i)
{
	size_t j;

	if (!is_op(ts, i, ':'))
		return 0;
	j = sig_from(ts, i, 1);
	return is_op(ts, j, ':') && ts->v[j].p == ts->v[i].p + 1;
}

/* log10 of the precision a `timescale line states (the text after the directive), or 1000
 * when it cannot be read. */
static int timescale_prec(const char *p, size_t n)
{
	static const struct { const char *u; int e; } units[] = {
		{"s", 0}, {"ms", -3}, {"us", -6}, {"ns", -9}, {"ps", -12}, {"fs", -15},
	};
	char line[128], unit[8];
	const char *sl;
	int mag, k;
	size_t i;

	if (n >= sizeof(line))
		return 1000;
	memcpy(line, p, n);
	line[n] = '\0';
	sl = strchr(line, '/');
	if (!sl || sscanf(sl + 1, " %d %n", &mag, &k) != 1)
		return 1000;
	sl += 1 + k;
	for (i = 0; i + 1 < sizeof(unit) && isalpha((unsigned char)sl[i]); i++)
		unit[i] = sl[i];
	unit[i] = '\0';
	for (k = 0; k < 6; k++)
		if (!strcmp(unit, units[k].u))
			return units[k].e + (mag == 100 ? 2 : mag == 10 ? 1 : mag == 1 ? 0 : 1000);
	return 1000;
}

static int add_mod(struct icg_src *s, const char *p, size_t n)
{
	char **nv;

	for (size_t i = 0; i < s->nmods; i++)
		if (strlen(s->mods[i]) == n && !memcmp(s->mods[i], p, n))
			return 0;
	nv = realloc(s->mods, (s->nmods + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	s->mods = nv;
	s->mods[s->nmods] = strndup(p, n);
	if (!s->mods[s->nmods])
		return -1;
	s->nmods++;
	return 0;
}

static int refuse(struct icg_src *s, const char *what, const struct vtok *t)
{
	s->ok = 0;
	snprintf(s->why, sizeof(s->why), "%s%s%.*s%s (line %u)", what, t ? " '" : "",
		 t ? (int)(t->n > 40 ? 40 : t->n) : 0, t ? t->p : "", t ? "'" : "", t ? t->line : 0);
	return 0;
}

/* The first pass: design units, directives, system names; collects module names. */
static int scan_units(const struct vtoks *ts, struct icg_src *s)
{
	int depth = 0;
	size_t i;

	for (i = 0; i < ts->n && s->ok; i++) {
		const struct vtok *t = &ts->v[i];

		if (!vtok_significant(t) || (t->in_dir && t->kind != VT_DIRECTIVE))
			continue;
		if (t->kind == VT_DIRECTIVE) {
			if (vtok_is(t, "`line"))
				continue;
			if (!in_list(state_directives, t->p + 1, t->n - 1))
				return refuse(s, "directive", t);
			if (!vtok_is(t, "`timescale")) {
				/* the lexer takes the whole line; Icarus takes at most one word
				 * (`default_nettype, `unconnected_drive): code after it would
				 * escape this scan */
				size_t j, args = 0;
				for (j = i + 1; j < ts->n && ts->v[j].kind != VT_DIREND; j++)
					args += vtok_significant(&ts->v[j]);
				if (args > ((vtok_is(t, "`default_nettype") ||
					     vtok_is(t, "`unconnected_drive")) ? 1u : 0u))
					return refuse(s, "text after a directive", t);
			}
			if (vtok_is(t, "`timescale")) {
				size_t j = i + 1, e;
				int pr;
				while (j < ts->n && ts->v[j].kind != VT_DIREND)
					j++;
				e = j < ts->n ? (size_t)(ts->v[j].p - t->p) : strlen(t->p);
				pr = timescale_prec(t->p + t->n, e - t->n);
				if (pr == 1000)
					return refuse(s, "unreadable `timescale", t);
				if (pr < s->prec)
					s->prec = pr;
			}
			continue;
		}
		if (t->kind == VT_ESCID)
			return refuse(s, "escaped identifier", t);
		if (t->kind == VT_SYSID && !in_list(safe_systf, t->p + 1, t->n - 1))
			return refuse(s, "system task", t);
		if (t->kind == VT_IDENT && in_list(other_units, t->p, t->n))
			return refuse(s, "keyword", t);
		if (t->kind == VT_IDENT && (vtok_is(t, "module") || vtok_is(t, "macromodule"))) {
			size_t j = sig_from(ts, i, 1);
			if (depth)
				return refuse(s, "nested module", t);
			while (j != (size_t)-1 && (vtok_is(&ts->v[j], "static") ||
						   vtok_is(&ts->v[j], "automatic")))
				j = sig_from(ts, j, 1);
			if (j == (size_t)-1 || ts->v[j].kind != VT_IDENT)
				return refuse(s, "module without a plain name", t);
			if (add_mod(s, ts->v[j].p, ts->v[j].n) < 0)
				return -1;
			depth = 1;
			continue;
		}
		if (t->kind == VT_IDENT && vtok_is(t, "endmodule")) {
			size_t j = sig_from(ts, i, 1), l = j == (size_t)-1 ? j : sig_from(ts, j, 1);
			if (is_op(ts, j, ':') && l != (size_t)-1 && ts->v[l].kind == VT_IDENT)
				i = l; /* endmodule : name */
			depth = 0;
			continue;
		}
		if (!depth)
			return refuse(s, "text outside a module", t);
	}
	return 0;
}

int icg_analyze(const char *text, const char *top, struct icg_src *s)
{
	struct vtoks ts = {0};
	int ret = -1;
	size_t i, k;

	memset(s, 0, sizeof(*s));
	s->ok = 1;
	s->prec = 1000;
	if (vlex_all(text, strlen(text), &ts) < 0 || scan_units(&ts, s) < 0)
		goto out;
	for (i = 0; i < ts.n && s->ok; i++) {
		const struct vtok *t = &ts.v[i];
		size_t pv, nx;
		int hit = 0;

		if (t->kind != VT_IDENT || t->in_dir)
			continue;
		for (k = 0; k < s->nmods && !hit; k++)
			hit = strlen(s->mods[k]) == t->n && !memcmp(s->mods[k], t->p, t->n);
		if (!hit)
			continue;
		pv = sig_from(&ts, i, -1);
		nx = sig_from(&ts, i, 1);
		if (is_op(&ts, pv, '.') || scope_op(&ts, nx) ||
		    (is_op(&ts, pv, ':') && pv > 0 && scope_op(&ts, sig_from(&ts, pv, -1))))
			refuse(s, "module name used as a member or scope", t);
	}
	if (s->ok) {
		int has_top = 0;
		for (k = 0; k < s->nmods; k++)
			has_top |= !strcmp(s->mods[k], top);
		if (!has_top)
			refuse(s, "no module named like the top", NULL);
	}
	ret = 0;
out:
	free(ts.v);
	if (ret < 0) {
		icg_src_release(s);
		s->ok = 0;
		snprintf(s->why, sizeof(s->why), "out of memory");
	}
	return ret;
}

void icg_src_release(struct icg_src *s)
{
	for (size_t i = 0; i < s->nmods; i++)
		free(s->mods[i]);
	free(s->mods);
	s->mods = NULL;
	s->nmods = 0;
}

int icg_rename(const char *text, const struct icg_src *s, const char *prefix, struct buf *out)
{
	struct vlex lx;
	struct vtok t;

	vlex_init(&lx, text, strlen(text));
	for (;;) {
		int hit = 0;

		vlex_next(&lx, &t);
		if (t.kind == VT_EOF)
			break;
		if (t.kind == VT_IDENT && !t.in_dir)
			for (size_t k = 0; k < s->nmods && !hit; k++)
				hit = strlen(s->mods[k]) == t.n && !memcmp(s->mods[k], t.p, t.n);
		if (hit && buf_adds(out, prefix) < 0)
			return -1;
		if (buf_add(out, t.p, t.n) < 0)
			return -1;
	}
	return out->overflow ? -1 : 0;
}

char *icg_gold_prelude(const char *reference, char *why, size_t whylen)
{
	struct vtoks ts = {0};
	struct buf o;
	char *res = NULL;
	size_t i;

	buf_init(&o, 1 << 16);
	if (vlex_all(reference, strlen(reference), &ts) < 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	buf_adds(&o, "`resetall\n");
	for (i = 0; i < ts.n; i++) {
		const struct vtok *t = &ts.v[i];

		if (t->kind == VT_SYSID && !in_list(safe_systf, t->p + 1, t->n - 1)) {
			snprintf(why, whylen, "the golden calls %.*s", (int)t->n, t->p);
			goto out;
		}
		if (t->kind != VT_DIRECTIVE || vtok_is(t, "`line"))
			continue;
		if (!in_list(state_directives, t->p + 1, t->n - 1)) {
			snprintf(why, whylen, "the golden uses %.*s", (int)t->n, t->p);
			goto out;
		}
		/* the directive's whole line, as written, when it holds nothing else */
		{
			size_t j, args = 0, max = vtok_is(t, "`timescale") ? 99 :
				(vtok_is(t, "`default_nettype") || vtok_is(t, "`unconnected_drive")) ? 1 : 0;
			for (j = i + 1; j < ts.n && ts.v[j].kind != VT_DIREND; j++)
				args += vtok_significant(&ts.v[j]);
			if (args > max) {
				snprintf(why, whylen, "the golden has text after %.*s", (int)t->n, t->p);
				goto out;
			}
		}
		while (i < ts.n && ts.v[i].kind != VT_DIREND) {
			if (ts.v[i].kind != VT_LCOMMENT && ts.v[i].kind != VT_BCOMMENT)
				buf_add(&o, ts.v[i].p, ts.v[i].n);
			i++;
		}
		buf_addc(&o, '\n');
	}
	if (!o.overflow)
		res = buf_detach(&o, NULL);
	else
		snprintf(why, whylen, "the golden's directives are too long");
out:
	free(ts.v);
	buf_release(&o);
	return res;
}
