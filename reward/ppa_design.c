/* ppa_design: see ppa_design.h. */
#include "ppa_design.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "normalize.h"
#include "ppa.h"

/* Keywords that open design units with names of their own, or reach across units: a source
 * holding one keeps every module. */
static const char *const other_units[] = {
	"interface", "program", "package", "primitive", "class", "checker", "config", "bind",
	"library", "import", "export", "extern", NULL,
};

struct mod {
	const char *name;
	size_t nlen;
	size_t from, to;    /* bytes: the module keyword to the end of endmodule [: name] */
	size_t t0, t1;      /* tokens of the body */
	int directive;      /* a directive inside */
	int keep;
};

struct scan {
	struct vtok *v;
	size_t n, cap;
	struct mod *m;
	size_t nm, capm;
};

static int tok_is(const struct vtok *t, const char *s)
{
	return strlen(s) == t->n && !memcmp(t->p, s, t->n);
}

static int significant(const struct vtok *t)
{
	return t->kind != VT_SPACE && t->kind != VT_DIREND && t->kind != VT_CONT &&
	       t->kind != VT_LCOMMENT && t->kind != VT_BCOMMENT;
}

static int lex_all(const char *src, size_t len, struct scan *s)
{
	struct vlex lx;
	struct vtok t;

	vlex_init(&lx, src, len);
	for (;;) {
		vlex_next(&lx, &t);
		if (t.kind == VT_EOF)
			return 0;
		if (s->n == s->cap) {
			size_t c = s->cap ? 2 * s->cap : 256;
			struct vtok *nv = realloc(s->v, c * sizeof(*nv));
			if (!nv)
				return -1;
			s->v = nv;
			s->cap = c;
		}
		s->v[s->n++] = t;
	}
}

/* Next significant token after i, or s->n. */
static size_t next_sig(const struct scan *s, size_t i)
{
	for (i++; i < s->n && !significant(&s->v[i]); i++)
		;
	return i;
}

static struct mod *add_mod(struct scan *s)
{
	if (s->nm == s->capm) {
		size_t c = s->capm ? 2 * s->capm : 16;
		struct mod *nm = realloc(s->m, c * sizeof(*nm));
		if (!nm)
			return NULL;
		s->m = nm;
		s->capm = c;
	}
	memset(&s->m[s->nm], 0, sizeof(s->m[0]));
	return &s->m[s->nm++];
}

/* Splits the source into modules: 1 when it can be judged, 0 when not, -1 out of memory. */
static int units(const char *src, struct scan *s)
{
	struct mod *cur = NULL;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct vtok *t = &s->v[i];

		if (!significant(t))
			continue;
		if (t->kind == VT_DIRECTIVE || t->in_dir) {
			if (cur)
				cur->directive = 1;
			continue;
		}
		if (t->kind == VT_ESCID)
			return 0;
		if (t->kind == VT_IDENT) {
			const char *const *k;
			for (k = other_units; *k; k++)
				if (tok_is(t, *k))
					return 0;
		}
		if (t->kind == VT_IDENT && (tok_is(t, "module") || tok_is(t, "macromodule"))) {
			size_t j = next_sig(s, i);
			if (cur || j >= s->n || s->v[j].kind != VT_IDENT)
				return 0;
			if (!(cur = add_mod(s)))
				return -1;
			cur->name = s->v[j].p;
			cur->nlen = s->v[j].n;
			cur->from = (size_t)(t->p - src);
			cur->t0 = j + 1;
			i = j;
			continue;
		}
		if (t->kind == VT_IDENT && tok_is(t, "endmodule")) {
			size_t j = next_sig(s, i), l;
			if (!cur)
				return 0;
			cur->t1 = i;
			cur->to = (size_t)(t->p - src) + t->n;
			if (j < s->n && s->v[j].kind == VT_OP && s->v[j].p[0] == ':' &&
			    (l = next_sig(s, j)) < s->n && s->v[l].kind == VT_IDENT) {
				cur->to = (size_t)(s->v[l].p - src) + s->v[l].n;
				i = l;
			}
			cur = NULL;
			continue;
		}
		if (!cur)
			return 0; /* text outside a module */
	}
	return cur ? 0 : 1;
}

static struct mod *find(struct scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < s->nm; i++)
		if (s->m[i].nlen == n && !memcmp(s->m[i].name, p, n))
			return &s->m[i];
	return NULL;
}

/* Marks what top reaches; 0 when top is not defined (or defined twice). */
static int reach(struct scan *s, const char *top)
{
	struct mod *m = NULL;
	size_t i, k, tl = strlen(top);
	int grew = 1;

	for (i = 0; i < s->nm; i++) {
		if (s->m[i].nlen == tl && !memcmp(s->m[i].name, top, tl)) {
			if (m)
				return 0;
			m = &s->m[i];
		}
	}
	if (!m)
		return 0;
	m->keep = 1;
	while (grew) {
		grew = 0;
		for (i = 0; i < s->nm; i++) {
			if (!s->m[i].keep)
				continue;
			for (k = s->m[i].t0; k < s->m[i].t1; k++) {
				struct mod *x;
				if (s->v[k].kind != VT_IDENT || !(x = find(s, s->v[k].p, s->v[k].n)) ||
				    x->keep)
					continue;
				x->keep = 1;
				grew = 1;
			}
		}
	}
	for (i = 0; i < s->nm; i++)
		if (!s->m[i].keep && s->m[i].directive)
			return 0;
	return 1;
}

int ppa_design_text(const char *src, size_t len, const char *top, struct buf *out)
{
	struct scan s = {0};
	size_t i, at = 0, start = out->len;
	int judged, dropped = 0;

	if (lex_all(src, len, &s) < 0 || (judged = units(src, &s)) < 0) {
		dropped = -1;
		goto out;
	}
	judged = judged && reach(&s, top);
	for (i = 0; judged && i < s.nm; i++) {
		const struct mod *m = &s.m[i];
		size_t b;
		if (m->keep)
			continue;
		buf_add(out, src + at, m->from - at);
		for (b = m->from; b < m->to; b++)
			buf_add(out, src[b] == '\n' ? "\n" : " ", 1);
		at = m->to;
		dropped++;
	}
	buf_add(out, src + at, len - at);
	/* trailing whitespace down to one newline */
	while (out->len > start && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t' ||
				    out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
		out->len--;
	buf_adds(out, "\n");
	if (out->overflow)
		dropped = -1;
out:
	free(s.v);
	free(s.m);
	return dropped;
}

void ppa_design_key(const struct problem *p, const char *text, size_t len, char key[65])
{
	struct hash_ctx *h = hash_new();

	hash_add_str(h, "rtlreward-ppa-design-1");
	hash_add_str(h, ppa_key());
	hash_add_str(h, p->hash);
	hash_add_str(h, p->top);
	hash_add(h, text, len);
	hash_final_hex(h, key);
}

/* --- the memo ------------------------------------------------------------------------------- */

/* Entries in an array, found through a chained hash index; a full memo replaces its least
 * recently used entry (found by a scan: it runs once per synthesized design, next to a Yosys
 * run of tens of milliseconds at least). */
struct entry {
	char key[65];
	unsigned char *b; /* the packed tier */
	size_t n;
	unsigned long long used;
	long next;        /* next entry of the bucket, -1 at the end */
};

static struct {
	pthread_mutex_t lock;
	struct entry *e;
	long *bucket;
	size_t n, cap, nb;
	unsigned long long tick, hits, stored;
} M = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t bucket_of(const char *key)
{
	unsigned long long h = 0;

	for (int i = 0; i < 16 && key[i]; i++)
		h = h * 16 + (unsigned)(key[i] <= '9' ? key[i] - '0' : (key[i] | 32) - 'a' + 10);
	return (size_t)(h % M.nb);
}

void ppa_memo_configure(size_t entries)
{
	pthread_mutex_lock(&M.lock);
	M.cap = entries;
	pthread_mutex_unlock(&M.lock);
}

int ppa_memo_enabled(void)
{
	size_t c;

	pthread_mutex_lock(&M.lock);
	c = M.cap;
	pthread_mutex_unlock(&M.lock);
	return c > 0;
}

/* Swaps the contents of two tiers (both built by protobuf-c's default allocator, so each
 * string is freed by whichever message holds it at the end). */
static void swap_tier(Rtlreward__PpaTier *a, Rtlreward__PpaTier *b)
{
	Rtlreward__PpaTier t = *a;

	*a = *b;
	*b = t;
}

int ppa_tier_copy(Rtlreward__PpaTier *dst, const Rtlreward__PpaTier *src)
{
	size_t n = rtlreward__ppa_tier__get_packed_size(src);
	unsigned char *b = malloc(n ? n : 1);
	Rtlreward__PpaTier *c;

	if (!b)
		return -1;
	rtlreward__ppa_tier__pack(src, b);
	c = rtlreward__ppa_tier__unpack(NULL, n, b);
	free(b);
	if (!c)
		return -1;
	swap_tier(dst, c);
	rtlreward__ppa_tier__free_unpacked(c, NULL);
	return 0;
}

static long lookup(const char *key)
{
	long i;

	if (!M.nb)
		return -1;
	for (i = M.bucket[bucket_of(key)]; i >= 0; i = M.e[i].next)
		if (!strcmp(M.e[i].key, key))
			return i;
	return -1;
}

int ppa_memo_get(const char *key, Rtlreward__PpaTier *t)
{
	Rtlreward__PpaTier *c = NULL;
	long i;

	pthread_mutex_lock(&M.lock);
	i = lookup(key);
	if (i >= 0) {
		M.e[i].used = ++M.tick;
		c = rtlreward__ppa_tier__unpack(NULL, M.e[i].n, M.e[i].b);
		if (c)
			M.hits++;
	}
	pthread_mutex_unlock(&M.lock);
	if (!c)
		return 0;
	swap_tier(t, c);
	rtlreward__ppa_tier__free_unpacked(c, NULL);
	return 1;
}

/* Takes entry i out of its bucket's chain. */
static void unlink_entry(long i)
{
	long *pp = &M.bucket[bucket_of(M.e[i].key)];

	while (*pp >= 0 && *pp != i)
		pp = &M.e[*pp].next;
	if (*pp == i)
		*pp = M.e[i].next;
}

static int grow(void)
{
	size_t i;

	if (M.e)
		return 0;
	M.nb = 2 * M.cap + 1;
	M.e = calloc(M.cap, sizeof(*M.e));
	M.bucket = malloc(M.nb * sizeof(*M.bucket));
	if (!M.e || !M.bucket) {
		free(M.e);
		free(M.bucket);
		M.e = NULL;
		M.bucket = NULL;
		M.nb = 0;
		return -1;
	}
	for (i = 0; i < M.nb; i++)
		M.bucket[i] = -1;
	return 0;
}

void ppa_memo_put(const char *key, const Rtlreward__PpaTier *t)
{
	size_t n = rtlreward__ppa_tier__get_packed_size(t), i;
	unsigned char *b = malloc(n ? n : 1);
	long at;

	if (!b)
		return;
	rtlreward__ppa_tier__pack(t, b);
	pthread_mutex_lock(&M.lock);
	if (!M.cap || grow() < 0 || lookup(key) >= 0)
		goto done; /* off, no memory, or another group stored it meanwhile */
	if (M.n < M.cap) {
		at = (long)M.n++;
	} else {
		at = 0;
		for (i = 1; i < M.n; i++)
			if (M.e[i].used < M.e[at].used)
				at = (long)i;
		unlink_entry(at);
		free(M.e[at].b);
	}
	snprintf(M.e[at].key, sizeof(M.e[at].key), "%s", key);
	M.e[at].b = b;
	M.e[at].n = n;
	M.e[at].used = ++M.tick;
	M.e[at].next = M.bucket[bucket_of(key)];
	M.bucket[bucket_of(key)] = at;
	M.stored++;
	b = NULL;
done:
	pthread_mutex_unlock(&M.lock);
	free(b);
}

void ppa_memo_counts(unsigned long long *hits, unsigned long long *stored)
{
	pthread_mutex_lock(&M.lock);
	*hits = M.hits;
	*stored = M.stored;
	pthread_mutex_unlock(&M.lock);
}

void ppa_memo_shutdown(void)
{
	size_t i;

	pthread_mutex_lock(&M.lock);
	for (i = 0; i < M.n; i++)
		free(M.e[i].b);
	free(M.e);
	free(M.bucket);
	M.e = NULL;
	M.bucket = NULL;
	M.n = M.nb = 0;
	pthread_mutex_unlock(&M.lock);
}
