#include "workload.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sbuf.h"

#define MAX_REF ((size_t)1 << 20)	/* a golden larger than this is skipped */
#define MAX_MODULES 64

const char *const wl_kind_names[WK_NKINDS] = {"fresh", "dup_exact", "dup_ws", "syntax_err", "wrong",
					      "timeout"};

/* --- RNG: splitmix64 ------------------------------------------------------------------------ */

static uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return (double)(mix64(s) >> 11) / 9007199254740992.0;
}

/* --- a small Verilog scanner: identifiers outside comments and strings ----------------------- */

static int id_start(int c)
{
	return isalpha(c) || c == '_';
}

static int id_char(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

/* Skips a comment or string at s[i]; returns the index after it, or i when there is none. */
static size_t skip_non_code(const char *s, size_t n, size_t i)
{
	if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
		while (i < n && s[i] != '\n')
			i++;
		return i;
	}
	if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
		i += 2;
		while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
			i++;
		return i + 2 > n ? n : i + 2;
	}
	if (s[i] == '"') {
		i++;
		while (i < n && s[i] != '"' && s[i] != '\n') {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		return i < n ? i + 1 : n;
	}
	return i;
}

/* Calls fn for every identifier; stops when fn returns non-zero. */
static void each_ident(const char *s, size_t n, int (*fn)(const char *s, size_t at, size_t len,
							     void *arg), void *arg)
{
	size_t i = 0;

	while (i < n) {
		size_t j = skip_non_code(s, n, i);
		if (j != i) {
			i = j;
			continue;
		}
		if (id_start((unsigned char)s[i]) && (i == 0 || !id_char((unsigned char)s[i - 1]))) {
			j = i;
			while (j < n && id_char((unsigned char)s[j]))
				j++;
			if (fn(s, i, j - i, arg))
				return;
			i = j;
			continue;
		}
		/* skip escaped identifiers and numbers such as 8'hff whole */
		if (isdigit((unsigned char)s[i]) || s[i] == '\'') {
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '\'' || s[i] == '_'))
				i++;
			continue;
		}
		i++;
	}
}

struct modnames {
	char *name[MAX_MODULES];
	size_t n;
	int after_module;
};

static int collect_modules(const char *s, size_t at, size_t len, void *arg)
{
	struct modnames *m = arg;

	if (m->after_module) {
		m->after_module = 0;
		if (m->n < MAX_MODULES)
			m->name[m->n++] = strndup(s + at, len);
		return 0;
	}
	if ((len == 6 && !memcmp(s + at, "module", 6)) || (len == 11 && !memcmp(s + at, "macromodule", 11)))
		m->after_module = 1;
	return 0;
}

struct rename_ctx {
	struct modnames *m;
	const char *ref_top, *top;
	struct sbuf *out;
	size_t last;
};

static int rename_one(const char *s, size_t at, size_t len, void *arg)
{
	struct rename_ctx *c = arg;
	size_t k;

	for (k = 0; k < c->m->n; k++) {
		if (!c->m->name[k] || strlen(c->m->name[k]) != len || memcmp(c->m->name[k], s + at, len))
			continue;
		sb_add(c->out, s + c->last, at - c->last);
		if (!strcmp(c->m->name[k], c->ref_top))
			sb_adds(c->out, c->top);
		else
			sb_addf(c->out, "lc_%s", c->m->name[k]);
		c->last = at + len;
		break;
	}
	return 0;
}

/* The golden with ref_top renamed to top and its other modules to lc_<name>. */
static char *rename_golden(const char *src, size_t n, const char *ref_top, const char *top)
{
	struct modnames m = {0};
	struct sbuf out = {0};
	struct rename_ctx c = {&m, ref_top, top, &out, 0};
	size_t k;
	int found = 0;

	each_ident(src, n, collect_modules, &m);
	for (k = 0; k < m.n; k++)
		found |= m.name[k] && !strcmp(m.name[k], ref_top);
	if (found) {
		each_ident(src, n, rename_one, &c);
		sb_add(&out, src + c.last, n - c.last);
	}
	for (k = 0; k < m.n; k++)
		free(m.name[k]);
	if (!found || out.oom) {
		sb_release(&out);
		return NULL;
	}
	return out.s;
}

struct find_end {
	const char *top;
	int state;	/* 0: looking for `module top`, 1: saw `module`, 2: inside top */
	size_t end_at;	/* offset of the top's `endmodule` */
	size_t body_at;	/* offset just after the top's name: the header starts here */
};

static int find_end_one(const char *s, size_t at, size_t len, void *arg)
{
	struct find_end *f = arg;
	int is_module = len == 6 && !memcmp(s + at, "module", 6);

	if (f->state == 0) {
		f->state = is_module ? 1 : 0;
	} else if (f->state == 1) {
		f->state = (strlen(f->top) == len && !memcmp(s + at, f->top, len)) ? 2 : 0;
		f->body_at = at + len;
	} else if (len == 9 && !memcmp(s + at, "endmodule", 9)) {
		f->end_at = at;
		return 1;
	}
	return 0;
}

/* --- loading --------------------------------------------------------------------------------- */

static int cmp_problem(const void *a, const void *b)
{
	return strcmp(((const struct wl_problem *)a)->id, ((const struct wl_problem *)b)->id);
}

static int add_problem(struct workload *w, const char *id, const char *path, const char *ref_top,
		       const char *top)
{
	struct wl_problem *p;
	struct find_end f = {top, 0, 0, 0};
	size_t len;
	char *src = sb_read_file(path, MAX_REF, &len), *code;

	if (!src)
		return 0;
	code = rename_golden(src, len, ref_top, top);
	free(src);
	if (!code)
		return 0;
	each_ident(code, strlen(code), find_end_one, &f);
	if (!f.end_at) {
		free(code);
		return 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		p = realloc(w->p, cap * sizeof(*p));
		if (!p) {
			free(code);
			return -1;
		}
		w->p = p;
		w->cap = cap;
	}
	p = &w->p[w->n];
	p->id = strdup(id);
	p->top = strdup(top);
	p->code = code;
	if (!p->id || !p->top) {
		free(p->id);
		free(p->top);
		free(code);
		return -1;
	}
	w->n++;
	return 1;
}

/* "key": "value" in a small JSON file; value copied into out (empty when absent) */
static void json_field(const char *js, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *q;

	out[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = js ? strstr(js, pat) : NULL;
	if (!p)
		return;
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')
		p++;
	if (*p != '"')
		return;
	q = strchr(++p, '"');
	if (q && (size_t)(q - p) < outlen) {
		memcpy(out, p, (size_t)(q - p));
		out[q - p] = 0;
	}
}

static int names_sorted(const char *dir, struct dirent ***list, char *err, size_t errlen)
{
	int n = scandir(dir, list, NULL, alphasort);

	if (n < 0)
		snprintf(err, errlen, "%s: cannot read the directory", dir);
	return n;
}

int wl_load_project(struct workload *w, const char *dir, char *err, size_t errlen)
{
	struct dirent **ls;
	int n = names_sorted(dir, &ls, err, errlen), i, added = 0, rc = 0;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char path[4096], ref_top[128], top[128];
		char *js;
		size_t len;

		if (ls[i]->d_name[0] == '.' || rc < 0)
			goto next;
		snprintf(path, sizeof(path), "%s/%s/problem.json", dir, ls[i]->d_name);
		js = sb_read_file(path, 65536, &len);
		if (!js)
			goto next;
		json_field(js, "ref_top", ref_top, sizeof(ref_top));
		json_field(js, "top", top, sizeof(top));
		free(js);
		if (!top[0])
			snprintf(top, sizeof(top), "TopModule");
		if (!ref_top[0])
			snprintf(ref_top, sizeof(ref_top), "%s", top);
		snprintf(path, sizeof(path), "%s/%s/reference.v", dir, ls[i]->d_name);
		rc = add_problem(w, ls[i]->d_name, path, ref_top, top);
		added += rc > 0;
next:
		free(ls[i]);
	}
	free(ls);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	qsort(w->p, w->n, sizeof(*w->p), cmp_problem);
	return added;
}

int wl_load_veval(struct workload *w, const char *dir, char *err, size_t errlen)
{
	struct dirent **ls;
	int n = names_sorted(dir, &ls, err, errlen), i, added = 0, rc = 0;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		size_t l = strlen(ls[i]->d_name);
		char path[4096], id[256];

		if (rc >= 0 && l > 7 && l - 7 < sizeof(id) && !strcmp(ls[i]->d_name + l - 7, "_ref.sv")) {
			memcpy(id, ls[i]->d_name, l - 7);
			id[l - 7] = 0;
			snprintf(path, sizeof(path), "%s/%s", dir, ls[i]->d_name);
			rc = add_problem(w, id, path, "RefModule", "TopModule");
			added += rc > 0;
		}
		free(ls[i]);
	}
	free(ls);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	qsort(w->p, w->n, sizeof(*w->p), cmp_problem);
	return added;
}

void wl_limit(struct workload *w, size_t max)
{
	while (max && w->n > max) {
		struct wl_problem *p = &w->p[--w->n];
		free(p->id);
		free(p->code);
		free(p->top);
	}
}

int wl_skip(struct workload *w, const char *id)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->p[i].id, id)) {
			free(w->p[i].id);
			free(w->p[i].code);
			free(w->p[i].top);
			memmove(&w->p[i], &w->p[i + 1], (w->n - i - 1) * sizeof(*w->p));
			w->n--;
			return 1;
		}
	return 0;
}

void wl_free(struct workload *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->p[i].id);
		free(w->p[i].code);
		free(w->p[i].top);
	}
	free(w->p);
	memset(w, 0, sizeof(*w));
}

/* --- variants -------------------------------------------------------------------------------- */

/* code with `ins` inserted before the top's endmodule */
static void with_insert(struct sbuf *o, const struct wl_problem *p, const char *ins)
{
	struct find_end f = {p->top, 0, 0, 0};

	each_ident(p->code, strlen(p->code), find_end_one, &f);
	sb_add(o, p->code, f.end_at);
	sb_adds(o, ins);
	sb_adds(o, p->code + f.end_at);
}

struct mutant_site {
	size_t at;
	int which;
};

static const char *const mut_from[] = {" & ", " | ", " + ", " - ", " ^ ", "==", "!=", " < ", " > ",
				       "'b1", "'b0", "'h0", "'d0", "&&", "||", "~", "!", "posedge",
				       "negedge", " = 0;", " = 1;", "'1", "'0"};
static const char *const mut_to[] = {" | ", " & ", " - ", " + ", " & ", "!=", "==", " > ", " < ",
				     "'b0", "'b1", "'h1", "'d1", "||", "&&", "", "", "negedge",
				     "posedge", " = 1;", " = 0;", "'0", "'1"};
#define NMUT (sizeof(mut_from) / sizeof(mut_from[0]))

/* a wrong design: one operator or constant of the top's body flipped (chosen by the RNG); the
 * unchanged golden when the body has none of them */
static void mutant(struct sbuf *o, const char *code, const struct wl_problem *p, uint64_t *rng)
{
	struct find_end f = {p->top, 0, 0, 0};
	struct mutant_site sites[256];
	size_t n = strlen(code), i, k, ns = 0, start;

	each_ident(code, n, find_end_one, &f);
	/* past the header: the first ';' after the module name */
	start = f.body_at;
	while (start < n && code[start] != ';')
		start++;
	for (i = start; i < f.end_at && ns < 256;) {
		size_t j = skip_non_code(code, n, i);
		if (j != i) {
			i = j;
			continue;
		}
		for (k = 0; k < NMUT; k++)
			if (!strncmp(code + i, mut_from[k], strlen(mut_from[k])))
				break;
		/* not the `<` of `<=`, not the `!` of `!=` */
		if (k < NMUT && (k == 7 || k == 8) && code[i + 2] == '=')
			k = NMUT;
		if (k < NMUT && !strcmp(mut_from[k], "!") && code[i + 1] == '=')
			k = NMUT;
		if (k < NMUT) {
			sites[ns].at = i;
			sites[ns++].which = (int)k;
			i += strlen(mut_from[k]);
			continue;
		}
		i++;
	}
	if (!ns) {
		/* no operator: invert the first continuous assignment, or bump a constant */
		const char *a = strstr(code + start, "assign "), *eq, *semi;
		if (a && (size_t)(a - code) < f.end_at && (eq = strchr(a, '=')) && (semi = strchr(eq, ';'))) {
			sb_add(o, code, (size_t)(eq - code) + 1);
			sb_adds(o, " ~(");
			sb_add(o, eq + 1, (size_t)(semi - eq - 1));
			sb_adds(o, ")");
			sb_adds(o, semi);
			return;
		}
		for (i = start; i + 2 < f.end_at; i++)
			if (code[i] == '=' && code[i + 1] == ' ' && isdigit((unsigned char)code[i + 2])) {
				sb_add(o, code, i + 2);
				sb_addf(o, "%c", code[i + 2] == '1' ? '2' : '1');
				sb_adds(o, code + i + 3);
				return;
			}
		sb_adds(o, code);
		return;
	}
	k = (size_t)(mix64(rng) % ns);
	sb_add(o, code, sites[k].at);
	sb_adds(o, mut_to[sites[k].which]);
	sb_adds(o, code + sites[k].at + strlen(mut_from[sites[k].which]));
}

/* comments and blank lines added: the same design after normalization */
static void ws_variant(struct sbuf *o, const char *code, uint64_t r)
{
	size_t i, n = strlen(code);

	sb_addf(o, "// sample %llu: a comment the normalizer drops\n\n", (unsigned long long)(r % 1000));
	for (i = 0; i < n; i++) {
		sb_add(o, code + i, 1);
		/* not after a line continuation (a `define's body) */
		if (code[i] == '\n' && !(i && code[i - 1] == '\\'))
			sb_adds(o, (r >> (i & 31)) & 1 ? "  \n" : "\t/* ws */\n");
	}
	sb_adds(o, "\n/* end */\n");
}

size_t wl_batch_size(const struct workload *w)
{
	return (size_t)w->prompts * w->group;
}

char *wl_batch_json(const struct workload *w, uint64_t idx, size_t first, size_t count, size_t *len,
		    unsigned kinds[WK_NKINDS])
{
	size_t item = 0, sent = 0;
	struct sbuf body = {0};
	char **sample = NULL;
	unsigned pi, g;
	uint64_t rng = w->seed * 0x2545f4914f6cdd1dull ^ (idx + 1) * 0x9e3779b97f4a7c15ull;

	if (kinds)
		memset(kinds, 0, sizeof(unsigned) * WK_NKINDS);
	sample = calloc(w->group ? w->group : 1, sizeof(*sample));
	if (!sample || !w->n)
		goto out;
	sb_adds(&body, "{\"items\":[");
	for (pi = 0; pi < w->prompts; pi++) {
		const struct wl_problem *p = &w->p[(idx * w->prompts + pi) % w->n];

		for (g = 0; g < w->group; g++) {
			struct sbuf c = {0}, tmp = {0};
			double u = unit(&rng);
			const struct wl_mix *m = &w->mix;
			enum wl_kind kind;
			char uniq[96], ins[256];

			uniq[0] = 0;
			if (w->unique)
				snprintf(uniq, sizeof(uniq), "  localparam integer LT_U_%016llx = 0;\n",
					 (unsigned long long)(mix64(&rng) ^ w->seed));
			/* the first sample of a group has nothing to repeat: a dup draw makes it fresh */
			if (u < m->dup_exact + m->dup_ws)
				kind = !g ? WK_FRESH : u < m->dup_exact ? WK_DUP_EXACT : WK_DUP_WS;
			else if (u < m->dup_exact + m->dup_ws + m->syntax_err)
				kind = WK_SYNTAX;
			else if (u < m->dup_exact + m->dup_ws + m->syntax_err + m->wrong)
				kind = WK_WRONG;
			else if (u < m->dup_exact + m->dup_ws + m->syntax_err + m->wrong + m->timeout)
				kind = WK_TIMEOUT;
			else
				kind = WK_FRESH;
			switch (kind) {
			case WK_DUP_EXACT:
				sb_adds(&c, sample[mix64(&rng) % g]);
				break;
			case WK_DUP_WS:
				ws_variant(&c, sample[mix64(&rng) % g], mix64(&rng));
				break;
			case WK_SYNTAX:
				snprintf(ins, sizeof(ins), "%s  assign = ;\n", uniq);
				with_insert(&c, p, ins);
				break;
			case WK_WRONG:
				with_insert(&tmp, p, uniq);
				if (tmp.s)
					mutant(&c, tmp.s, p, &rng);
				break;
			case WK_TIMEOUT:
				snprintf(ins, sizeof(ins), "%s  initial begin : lt_spin integer lt_i; lt_i = 0; "
					 "while (1) lt_i = lt_i + 1; end\n", uniq);
				with_insert(&c, p, ins);
				break;
			default:
				with_insert(&c, p, uniq);
			}
			sb_release(&tmp);
			if (c.oom || !c.s) {
				sb_release(&c);
				body.oom = 1;
				goto out;
			}
			sample[g] = c.s;
			if (item < first || item - first >= count) {
				item++;
				continue;
			}
			item++;
			if (kinds)
				kinds[kind]++;
			sb_addf(&body, "%s{\"problem\":", sent++ ? "," : "");
			sb_json_str(&body, p->id, strlen(p->id));
			sb_adds(&body, ",\"completion\":");
			c = (struct sbuf){0};
			sb_adds(&c, "Here is the design.\n```verilog\n");
			sb_adds(&c, sample[g]);
			sb_adds(&c, "\n```\n");
			sb_json_str(&body, c.s ? c.s : "", c.len);
			body.oom |= c.oom;
			sb_release(&c);
			sb_adds(&body, "}");
		}
		for (g = 0; g < w->group; g++) {
			free(sample[g]);
			sample[g] = NULL;
		}
	}
	sb_adds(&body, "]");
	sb_adds(&body, w->opts);
	sb_adds(&body, "}");
out:
	if (sample)
		for (g = 0; g < w->group; g++)
			free(sample[g]);
	free(sample);
	if (body.oom) {
		sb_release(&body);
		return NULL;
	}
	*len = body.len;
	return body.s;
}
