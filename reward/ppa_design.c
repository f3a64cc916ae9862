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
	struct vtoks t;
	struct mod *m;
	size_t nm, capm;
};

/* Next significant token after i, or s->t.n. */
static size_t next_sig(const struct scan *s, size_t i)
{
	for (i++; i < s->t.n && !vtok_significant(&s->t.v[i]); i++)
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

	for (i = 0; i < s->t.n; i++) {
		const struct vtok *t = &s->t.v[i];

		if (!vtok_significant(t))
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
				if (vtok_is(t, *k))
					return 0;
		}
		if (t->kind == VT_IDENT && (vtok_is(t, "module") || vtok_is(t, "macromodule"))) {
			size_t j = next_sig(s, i);
			if (cur || j >= s->t.n || s->t.v[j].kind != VT_IDENT)
				return 0;
			if (!(cur = add_mod(s)))
				return -1;
			cur->name = s->t.v[j].p;
			cur->nlen = s->t.v[j].n;
			cur->from = (size_t)(t->p - src);
			cur->t0 = j + 1;
			i = j;
			continue;
		}
		if (t->kind == VT_IDENT && vtok_is(t, "endmodule")) {
			size_t j = next_sig(s, i), l;
			if (!cur)
				return 0;
			cur->t1 = i;
			cur->to = (size_t)(t->p - src) + t->n;
			if (j < s->t.n && s->t.v[j].kind == VT_OP && s->t.v[j].p[0] == ':' &&
			    (l = next_sig(s, j)) < s->t.n && s->t.v[l].kind == VT_IDENT) {
				cur->to = (size_t)(s->t.v[l].p - src) + s->t.v[l].n;
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

/* Past this many modules nothing is blanked (the scan stays linear in the text). */
#define MAX_MODULES 4096

static int by_name(const void *a, const void *b, void *ctx)
{
	const struct scan *sc = ctx;
	const struct mod *x = &sc->m[*(const size_t *)a], *y = &sc->m[*(const size_t *)b];
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);

	return c ? c : (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

/* The module named p[0..n) through the sorted index, or NULL. */
static struct mod *find(struct scan *s, const size_t *idx, const char *p, size_t n)
{
	size_t lo = 0, hi = s->nm;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct mod *m = &s->m[idx[mid]];
		size_t k = m->nlen < n ? m->nlen : n;
		int c = memcmp(m->name, p, k);
		if (!c)
			c = (m->nlen > n) - (m->nlen < n);
		if (!c)
			return &s->m[idx[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Marks what top reaches (each module's body scanned once); 0 when it cannot be judged: top
 * not defined or defined twice, too many modules, a directive in a module dropped. -1: memory. */
static int reach(struct scan *s, const char *top)
{
	size_t *idx, *work, nw = 0, i, k, tl = strlen(top);
	struct mod *m;
	int ret = 0;

	if (s->nm > MAX_MODULES)
		return 0;
	idx = malloc((s->nm + 1) * sizeof(*idx));
	work = malloc((s->nm + 1) * sizeof(*work));
	if (!idx || !work) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < s->nm; i++)
		idx[i] = i;
	qsort_r(idx, s->nm, sizeof(*idx), by_name, s);
	for (i = 0; i + 1 < s->nm; i++) {
		const struct mod *x = &s->m[idx[i]], *y = &s->m[idx[i + 1]];
		if (x->nlen == y->nlen && !memcmp(x->name, y->name, x->nlen))
			goto out; /* a name defined twice */
	}
	m = find(s, idx, top, tl);
	if (!m)
		goto out;
	m->keep = 1;
	work[nw++] = (size_t)(m - s->m);
	while (nw) {
		const struct mod *w = &s->m[work[--nw]];
		for (k = w->t0; k < w->t1; k++) {
			struct mod *x;
			if (s->t.v[k].kind != VT_IDENT || !(x = find(s, idx, s->t.v[k].p, s->t.v[k].n)) ||
			    x->keep)
				continue;
			x->keep = 1;
			work[nw++] = (size_t)(x - s->m);
		}
	}
	for (i = 0; i < s->nm; i++)
		if (!s->m[i].keep && s->m[i].directive)
			goto out;
	ret = 1;
out:
	free(idx);
	free(work);
	return ret;
}

int ppa_design_text(const char *src, size_t len, const char *top, struct buf *out)
{
	struct scan s = {0};
	size_t i, at = 0, end = 0, start = out->len;
	int judged, dropped = 0;

	if (vlex_all(src, len, &s.t) < 0 || (judged = units(src, &s)) < 0) {
		dropped = -1;
		goto out;
	}
	if (judged > 0 && (judged = reach(&s, top)) < 0) {
		dropped = -1;
		goto out;
	}
	/* after the last kept module only dropped modules and directives remain (units() judged
	 * nothing else there), and a directive acts on the text after it: cut there */
	for (i = 0; judged && i < s.nm; i++)
		if (s.m[i].keep && s.m[i].to > end)
			end = s.m[i].to;
	for (i = 0; judged && i < s.nm; i++) {
		const struct mod *m = &s.m[i];
		size_t b;
		if (m->keep)
			continue;
		dropped++;
		if (m->from >= end)
			continue;
		buf_add(out, src + at, m->from - at);
		for (b = m->from; b < m->to; b++)
			buf_add(out, src[b] == '\n' ? "\n" : " ", 1);
		at = m->to;
	}
	buf_add(out, src + at, (judged ? end : len) - at);
	/* trailing whitespace down to one newline */
	while (out->len > start && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t' ||
				    out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
		out->len--;
	buf_adds(out, "\n");
	if (out->overflow)
		dropped = -1;
out:
	free(s.t.v);
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
	size_t n, ecap, cap, nb; /* entries used, allocated, the bound; buckets */
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

/* Room for one more entry: the array doubles up to cap; the buckets are sized for cap at the
 * first store (one long per entry of the bound). */
static int grow(void)
{
	size_t i, c;
	struct entry *ne;

	if (!M.bucket) {
		M.nb = M.cap + 1;
		M.bucket = malloc(M.nb * sizeof(*M.bucket));
		if (!M.bucket) {
			M.nb = 0;
			return -1;
		}
		for (i = 0; i < M.nb; i++)
			M.bucket[i] = -1;
	}
	if (M.n < M.ecap)
		return 0;
	c = M.ecap ? 2 * M.ecap : 64;
	if (c > M.cap)
		c = M.cap;
	ne = realloc(M.e, c * sizeof(*ne));
	if (!ne)
		return -1;
	M.e = ne;
	M.ecap = c;
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
	if (!M.cap || lookup(key) >= 0)
		goto done; /* off, or another caller stored it meanwhile */
	if (M.n < M.cap && grow() == 0) {
		at = (long)M.n++;
	} else if (M.n) {
		at = 0;
		for (i = 1; i < M.n; i++)
			if (M.e[i].used < M.e[at].used)
				at = (long)i;
		unlink_entry(at);
		free(M.e[at].b);
	} else {
		goto done; /* no memory for the first entry */
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

void ppa_memo_note_reuse(void)
{
	pthread_mutex_lock(&M.lock);
	M.hits++;
	pthread_mutex_unlock(&M.lock);
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
	M.n = M.nb = M.ecap = 0;
	pthread_mutex_unlock(&M.lock);
}
