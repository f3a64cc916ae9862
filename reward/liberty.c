#include "liberty.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hash.h"

static void set_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct lx {
	const char *s;
	size_t n, i;
	int err;
};

static unsigned line_of(const struct lx *x, size_t at)
{
	unsigned line = 1;
	size_t k;

	for (k = 0; k < at && k < x->n; k++)
		line += x->s[k] == '\n';
	return line;
}

/* Whitespace, backslash-newline continuations and comments. */
static void skip_ws(struct lx *x)
{
	while (x->i < x->n) {
		char c = x->s[x->i];

		if (isspace((unsigned char)c)) {
			x->i++;
		} else if (c == '\\' && x->i + 1 < x->n &&
			   (x->s[x->i + 1] == '\n' || x->s[x->i + 1] == '\r')) {
			x->i += 2;
		} else if (c == '/' && x->i + 1 < x->n && x->s[x->i + 1] == '*') {
			const char *e = memmem(x->s + x->i + 2, x->n - x->i - 2, "*/", 2);
			x->i = e ? (size_t)(e - x->s) + 2 : x->n;
		} else if (c == '/' && x->i + 1 < x->n && x->s[x->i + 1] == '/') {
			while (x->i < x->n && x->s[x->i] != '\n')
				x->i++;
		} else {
			break;
		}
	}
}

/* Past a string starting at x->i (the opening quote). */
static void skip_string(struct lx *x)
{
	x->i++;
	while (x->i < x->n && x->s[x->i] != '"') {
		if (x->s[x->i] == '\\' && x->i + 1 < x->n)
			x->i++;
		x->i++;
	}
	if (x->i < x->n)
		x->i++;
}

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '+';
}

static int read_ident(struct lx *x, char *out, size_t outlen)
{
	size_t st = x->i, n;

	while (x->i < x->n && is_ident(x->s[x->i]))
		x->i++;
	n = x->i - st;
	if (!n)
		return -1;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, x->s + st, n);
	out[n] = '\0';
	return 0;
}

/* Copies text[a, b) without quotes and surrounding blanks into out. */
static void copy_clean(const char *s, size_t a, size_t b, char *out, size_t outlen)
{
	size_t o = 0;

	while (a < b && (isspace((unsigned char)s[a]) || s[a] == '"'))
		a++;
	while (b > a && (isspace((unsigned char)s[b - 1]) || s[b - 1] == '"'))
		b--;
	for (; a < b && o + 1 < outlen; a++)
		if (s[a] != '"' && s[a] != '\\' && s[a] != '\n' && s[a] != '\r')
			out[o++] = s[a];
	out[o] = '\0';
}

/* At '(': reads to the matching ')'. */
static int read_args(struct lx *x, char *out, size_t outlen)
{
	size_t st = ++x->i;
	int depth = 1;

	while (x->i < x->n) {
		char c = x->s[x->i];
		if (c == '"') {
			skip_string(x);
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			break;
		else if (c == '{' || c == '}' || c == ';')
			return -1;
		x->i++;
	}
	if (x->i >= x->n)
		return -1;
	copy_clean(x->s, st, x->i, out, outlen);
	x->i++;
	return 0;
}

/* After ':': the value up to ';' or the end of the line. */
static void read_value(struct lx *x, char *out, size_t outlen)
{
	size_t st;

	skip_ws(x);
	st = x->i;
	while (x->i < x->n && x->s[x->i] != ';' && x->s[x->i] != '\n' && x->s[x->i] != '}') {
		if (x->s[x->i] == '"') {
			skip_string(x);
			continue;
		}
		x->i++;
	}
	copy_clean(x->s, st, x->i, out, outlen);
	if (x->i < x->n && x->s[x->i] == ';')
		x->i++;
}

/* At '{': past the matching '}'. */
static int skip_group(struct lx *x)
{
	int depth = 0;

	while (x->i < x->n) {
		char c = x->s[x->i];
		if (c == '"') {
			skip_string(x);
			continue;
		}
		if (c == '/' && x->i + 1 < x->n && (x->s[x->i + 1] == '*' || x->s[x->i + 1] == '/')) {
			skip_ws(x);
			continue;
		}
		x->i++;
		if (c == '{')
			depth++;
		else if (c == '}' && --depth == 0)
			return 0;
	}
	return -1;
}

/* One statement: `name : value ;`, `name (args) ;` or `name (args) { ... }`.
 * Returns 1 at the closing '}' of the enclosing group (consumed), 0 after a statement, -1 on
 * a syntax error. *group is set when the statement opens a group (x->i at its '{'). */
static int next_stmt(struct lx *x, char *name, size_t nlen, char *val, size_t vlen, int *group,
		     size_t *start)
{
	*group = 0;
	val[0] = '\0';
	skip_ws(x);
	if (x->i >= x->n)
		return -1;
	if (x->s[x->i] == '}') {
		x->i++;
		return 1;
	}
	if (x->s[x->i] == ';') {
		x->i++;
		name[0] = '\0';
		return 0;
	}
	*start = x->i;
	if (read_ident(x, name, nlen) < 0)
		return -1;
	skip_ws(x);
	if (x->i < x->n && x->s[x->i] == ':') {
		x->i++;
		read_value(x, val, vlen);
		return 0;
	}
	if (x->i >= x->n || x->s[x->i] != '(')
		return -1;
	if (read_args(x, val, vlen) < 0)
		return -1;
	skip_ws(x);
	if (x->i < x->n && x->s[x->i] == '{') {
		*group = 1;
		return 0;
	}
	if (x->i < x->n && x->s[x->i] == ';')
		x->i++;
	return 0;
}

static double num(const char *s)
{
	char *e;
	double v = strtod(s, &e);

	return e == s ? 0 : v;
}

/* Strips blanks, parentheses and quotes: "(A)" -> "A". */
static void bare_expr(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in && o + 1 < outlen; in++)
		if (!isspace((unsigned char)*in) && *in != '(' && *in != ')' && *in != '"')
			out[o++] = *in;
	out[o] = '\0';
}

static int parse_pin(struct lx *x, const char *pname, struct lib_cell *c, int *nfunc,
		     char *ofunc, size_t oflen)
{
	char name[64], val[512], dir[32] = "", func[256] = "";
	double cap = 0;
	size_t st;
	int g, r;

	while ((r = next_stmt(x, name, sizeof(name), val, sizeof(val), &g, &st)) == 0) {
		if (g) {
			if (skip_group(x) < 0)
				return -1;
			continue;
		}
		if (!strcmp(name, "direction"))
			set_str(dir, sizeof(dir), val);
		else if (!strcmp(name, "function"))
			set_str(func, sizeof(func), val);
		else if (!strcmp(name, "capacitance"))
			cap = num(val);
	}
	if (r < 0)
		return -1;
	if (!strcmp(dir, "input")) {
		if (!c->nin++) {
			set_str(c->in_pin, sizeof(c->in_pin), pname);
			c->in_cap = cap;
		}
	} else if (!strcmp(dir, "output")) {
		if (!c->nout++)
			set_str(c->out_pin, sizeof(c->out_pin), pname);
		if (func[0]) {
			char b[256];
			(*nfunc)++;
			bare_expr(func, b, sizeof(b));
			if (!strcmp(b, "0") || !strcmp(b, "1"))
				c->constant = 1;
			if (c->nout == 1)
				snprintf(ofunc, oflen, "%s", b);
		}
	} else if (!strcmp(dir, "inout")) {
		c->unusable = 1;
	}
	return 0;
}

static void family_of(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), k = n;

	while (k > 0 && isdigit((unsigned char)name[k - 1]))
		k--;
	if (k < n && k > 0 && (name[k - 1] == 'X' || name[k - 1] == 'x'))
		k--;
	if (k < n && k > 1 && name[k - 1] == '_')
		n = k - 1;
	snprintf(out, outlen, "%.*s", (int)n, name);
}

static int parse_cell(struct lx *x, struct lib_cell *c)
{
	static const char *const special[] = {"is_isolation_cell", "is_level_shifter", "always_on",
					      "clock_gating_integrated_cell", "pad_cell",
					      "is_macro_cell", "is_clock_gating_cell", NULL};
	char name[64], val[512], ofunc[256] = "";
	size_t st;
	int g, r, nfunc = 0, k;

	while ((r = next_stmt(x, name, sizeof(name), val, sizeof(val), &g, &st)) == 0) {
		if (g) {
			if (!strcmp(name, "pin")) {
				char pname[64];
				set_str(pname, sizeof(pname), val);
				x->i++; /* past '{' */
				if (parse_pin(x, pname, c, &nfunc, ofunc, sizeof(ofunc)) < 0)
					return -1;
				continue;
			}
			if (!strcmp(name, "ff"))
				c->seq = 1;
			else if (!strcmp(name, "latch"))
				c->latch = 1;
			else if (!strcmp(name, "statetable") || !strcmp(name, "test_cell") ||
				 !strcmp(name, "bus") || !strcmp(name, "bundle"))
				c->unusable = 1;
			if (skip_group(x) < 0)
				return -1;
			continue;
		}
		if (!strcmp(name, "area")) {
			c->area = num(val);
		} else if (!strcmp(name, "dont_use")) {
			if (!strcmp(val, "true"))
				c->unusable = 1;
		} else {
			for (k = 0; special[k]; k++)
				if (!strcmp(name, special[k]) && strcmp(val, "false"))
					c->unusable = 1;
		}
	}
	if (r < 0)
		return -1;
	if (!c->seq && !nfunc)
		c->unusable = 1;
	c->buffer = c->nin == 1 && c->nout == 1 && !c->seq && !strcmp(ofunc, c->in_pin);
	return 0;
}

static double time_scale(const char *u)
{
	char *e;
	double v = strtod(u, &e);

	if (e == u)
		v = 1;
	while (*e == ' ')
		e++;
	if (!strcmp(e, "ns"))
		return v;
	if (!strcmp(e, "ps"))
		return v * 1e-3;
	if (!strcmp(e, "us"))
		return v * 1e3;
	return 0;
}

static int parse_library(struct liberty *l, char *err, size_t errlen)
{
	struct lx x = {.s = l->text, .n = l->len};
	char name[64], val[512];
	size_t st, cap = 0;
	int g, r;

	skip_ws(&x);
	if (read_ident(&x, name, sizeof(name)) < 0 || strcmp(name, "library")) {
		snprintf(err, errlen, "liberty: the file does not start with a library group");
		return -1;
	}
	skip_ws(&x);
	if (x.i >= x.n || x.s[x.i] != '(' || read_args(&x, l->name, sizeof(l->name)) < 0) {
		snprintf(err, errlen, "liberty: bad library header");
		return -1;
	}
	skip_ws(&x);
	if (x.i >= x.n || x.s[x.i] != '{') {
		snprintf(err, errlen, "liberty: bad library header");
		return -1;
	}
	x.i++;
	snprintf(l->time_unit, sizeof(l->time_unit), "1ns");
	while ((r = next_stmt(&x, name, sizeof(name), val, sizeof(val), &g, &st)) == 0) {
		if (!g) {
			if (!strcmp(name, "time_unit"))
				set_str(l->time_unit, sizeof(l->time_unit), val);
			else if (!strcmp(name, "leakage_power_unit"))
				set_str(l->leakage_unit, sizeof(l->leakage_unit), val);
			else if (!strcmp(name, "capacitive_load_unit"))
				set_str(l->cap_unit, sizeof(l->cap_unit), val);
			continue;
		}
		if (strcmp(name, "cell")) {
			if (skip_group(&x) < 0)
				break;
			continue;
		}
		if (l->ncells >= LIB_MAX_CELLS) {
			snprintf(err, errlen, "liberty: more than %u cells", LIB_MAX_CELLS);
			return -1;
		}
		if (l->ncells == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct lib_cell *n = realloc(l->cells, nc * sizeof(*n));
			if (!n) {
				snprintf(err, errlen, "liberty: out of memory");
				return -1;
			}
			l->cells = n;
			cap = nc;
		}
		{
			struct lib_cell *c = &l->cells[l->ncells];
			memset(c, 0, sizeof(*c));
			set_str(c->name, sizeof(c->name), val);
			family_of(c->name, c->family, sizeof(c->family));
			c->start = st;
			x.i++;
			if (parse_cell(&x, c) < 0)
				break;
			c->end = x.i;
			l->ncells++;
		}
	}
	if (r != 1) {
		snprintf(err, errlen, "liberty: syntax error near line %u", line_of(&x, x.i));
		return -1;
	}
	l->time_scale_ns = time_scale(l->time_unit);
	if (l->time_scale_ns <= 0) {
		snprintf(err, errlen, "liberty: time_unit '%s' is not understood", l->time_unit);
		return -1;
	}
	return 0;
}

static int read_all(const char *path, struct buf *b, char *err, size_t errlen)
{
	gzFile f = gzopen(path, "rb");
	char chunk[65536];
	int n, ret = -1;

	if (!f) {
		snprintf(err, errlen, "liberty %s: %s", path, strerror(errno ? errno : ENOENT));
		return -1;
	}
	while ((n = gzread(f, chunk, sizeof(chunk))) > 0) {
		if (buf_add(b, chunk, (size_t)n) < 0) {
			snprintf(err, errlen, "liberty %s: larger than %u MiB uncompressed", path,
				 LIB_MAX_BYTES >> 20);
			goto out;
		}
	}
	if (n < 0) {
		int e;
		snprintf(err, errlen, "liberty %s: %s", path, gzerror(f, &e));
		goto out;
	}
	ret = 0;
out:
	gzclose(f);
	return ret;
}

int liberty_load(struct liberty *l, const char *path, const char *data, size_t len, char *err,
		 size_t errlen)
{
	struct buf b;
	struct hash_ctx *h;

	memset(l, 0, sizeof(*l));
	buf_init(&b, LIB_MAX_BYTES);
	if (path) {
		if (read_all(path, &b, err, errlen) < 0)
			goto fail;
	} else if (buf_add(&b, data, len) < 0) {
		snprintf(err, errlen, "liberty: too large");
		goto fail;
	}
	if (!b.len) {
		snprintf(err, errlen, "liberty: empty file");
		goto fail;
	}
	if (memchr(b.data, '\0', b.len)) {
		snprintf(err, errlen, "liberty: the file holds NUL bytes (not a text liberty file)");
		goto fail;
	}
	l->text = buf_detach(&b, &l->len);
	if (!l->text) {
		snprintf(err, errlen, "liberty: empty file");
		goto fail;
	}
	if (parse_library(l, err, errlen) < 0) {
		liberty_release(l);
		return -1;
	}
	h = hash_new();
	hash_add(h, l->text, l->len);
	hash_final_hex(h, l->hash);
	return 0;
fail:
	buf_release(&b);
	return -1;
}

void liberty_release(struct liberty *l)
{
	free(l->text);
	free(l->cells);
	memset(l, 0, sizeof(*l));
}

static int mappable(const struct lib_cell *c)
{
	if (c->unusable || c->latch)
		return 0;
	if (c->seq)
		return c->nout >= 1;
	return c->nin >= 1 && c->nin <= LIB_MAX_INPUTS && c->nout == 1 && !c->constant;
}

int liberty_select(struct liberty *l, char *err, size_t errlen)
{
	size_t i, j;
	int n = 0, comb = 0;

	for (i = 0; i < l->ncells; i++) {
		struct lib_cell *c = &l->cells[i];
		c->keep = mappable(c);
		if (!c->keep)
			continue;
		/* one per family: the smallest area (the first on a tie) */
		for (j = 0; j < i; j++) {
			struct lib_cell *o = &l->cells[j];
			if (!o->keep || o->seq != c->seq || strcmp(o->family, c->family))
				continue;
			if (c->area < o->area)
				o->keep = 0;
			else
				c->keep = 0;
			break;
		}
	}
	for (i = 0; i < l->ncells; i++) {
		n += l->cells[i].keep;
		comb += l->cells[i].keep && !l->cells[i].seq;
	}
	if (!comb) {
		snprintf(err, errlen, "liberty %s: no usable combinational cell", l->name);
		return -1;
	}
	return n;
}

static int is_power_group(const char *s, size_t n, size_t i, size_t *end)
{
	static const char *const names[] = {"internal_power", "leakage_power"};
	struct lx x = {.s = s, .n = n};
	size_t k;

	if (i > 0 && is_ident(s[i - 1]))
		return 0;
	for (k = 0; k < 2; k++) {
		size_t m = strlen(names[k]);
		char dummy[8];
		if (i + m > n || memcmp(s + i, names[k], m) || (i + m < n && is_ident(s[i + m])))
			continue;
		x.i = i + m;
		skip_ws(&x);
		if (x.i >= n || s[x.i] != '(' || read_args(&x, dummy, sizeof(dummy)) < 0)
			return 0;
		skip_ws(&x);
		if (x.i >= n || s[x.i] != '{' || skip_group(&x) < 0)
			return 0;
		*end = x.i;
		return 1;
	}
	return 0;
}

/* Copies s[a, b) leaving out power groups. */
static int add_stripped(struct buf *out, const char *s, size_t a, size_t b)
{
	size_t i = a, from = a, end;

	while (i < b) {
		char c = s[i];
		if (c == '"') {
			struct lx x = {.s = s, .n = b, .i = i};
			skip_string(&x);
			i = x.i;
		} else if (c == '/' && i + 1 < b && s[i + 1] == '*') {
			const char *e = memmem(s + i + 2, b - i - 2, "*/", 2);
			i = e ? (size_t)(e - s) + 2 : b;
		} else if ((c == 'i' || c == 'l') && is_power_group(s, b, i, &end)) {
			if (buf_add(out, s + from, i - from) < 0)
				return -1;
			i = from = end;
		} else {
			i++;
		}
	}
	return buf_add(out, s + from, b - from);
}

int liberty_write(const struct liberty *l, enum lib_part part, int strip_power, struct buf *out)
{
	size_t i, at = 0;

	for (i = 0; i < l->ncells; i++) {
		const struct lib_cell *c = &l->cells[i];
		int want = c->keep && (part == LIB_PART_ALL || (part == LIB_PART_SEQ) == !!c->seq);

		if (buf_add(out, l->text + at, c->start - at) < 0)
			return -1;
		if (want) {
			if (strip_power ? add_stripped(out, l->text, c->start, c->end) < 0
					: buf_add(out, l->text + c->start, c->end - c->start) < 0)
				return -1;
		}
		at = c->end;
	}
	return buf_add(out, l->text + at, l->len - at);
}

const struct lib_cell *liberty_cell(const struct liberty *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->ncells; i++)
		if (!strcmp(l->cells[i].name, name))
			return &l->cells[i];
	return NULL;
}

const struct lib_cell *liberty_buffer(const struct liberty *l)
{
	const struct lib_cell *best = NULL;
	size_t i;

	for (i = 0; i < l->ncells; i++) {
		const struct lib_cell *c = &l->cells[i];
		if (c->keep && c->buffer && (!best || c->area < best->area))
			best = c;
	}
	return best;
}
