/* clkrst: clocks and resets of a golden, from how its design uses them (see clkrst.h).
 *
 * Per module, a fact sheet per signal name: how often it is a clock edge, an asynchronous
 * control active at 0 or 1, a synchronous control active at 0 or 1, with the first evidence in
 * words. Submodules' sheets reach their parents through instance connections, aliases
 * (assign a = b / ~b) move facts onto their source, and the top's ports are then decided. */
#include "clkrst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clkrst_eval.h"
#include "hash.h"

#define MAX_HIER_DEPTH 32
#define MAX_SYNC_CANDIDATES 64

struct fact {
	const char *name;
	unsigned clk_pos, clk_neg;
	unsigned arst[2];   /* async control whose body gives constants at value v */
	unsigned aload[2];  /* async control, no constants: active value from the edge */
	unsigned srst[2];   /* clocked body gives constants at value v */
	int anz, snz;       /* one of those constants is not zero */
	int disagree;       /* edge and body test disagree on the active value */
	char awhy[200], lwhy[200], swhy[200], cwhy[200];
};

struct facts {
	struct fact *v;
	size_t n, cap;
};

struct ctx {
	const struct vinfo *vi;
	struct facts *memo;   /* per vi->bodies */
	int *state;           /* 0 not done, 1 in progress, 2 done */
	struct clkrst_targets *T0, *T1;
	int oom;
};

static struct fact *fact_get(struct ctx *c, struct facts *f, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	if (f->n == f->cap) {
		size_t k = f->cap ? f->cap * 2 : 16;
		struct fact *nv = realloc(f->v, k * sizeof(*nv));
		if (!nv) {
			c->oom = 1;
			return NULL;
		}
		f->v = nv;
		f->cap = k;
	}
	memset(&f->v[f->n], 0, sizeof(f->v[0]));
	f->v[f->n].name = name;
	return &f->v[f->n++];
}

static void why_set(char *dst, size_t n, const char *src)
{
	if (!dst[0])
		snprintf(dst, n, "%s", src);
}

/* dst (when still empty) = "via (inverted): src", cut to fit. */
static void why_via(char *dst, size_t n, const char *via, int inv, const char *src)
{
	if (dst[0] || !src[0])
		return;
	if (snprintf(dst, n, "%s%s: %s", via, inv ? " (inverted)" : "", src) >= (int)n)
		dst[n - 1] = '\0'; /* cut: the evidence is still readable */
}

/* Merges `from` into `to`; inv: the connection inverts (0 <-> 1, posedge <-> negedge). */
static void fact_merge(struct fact *to, const struct fact *from, int inv, const char *via)
{
	int a = inv ? 1 : 0, b = inv ? 0 : 1;

	to->clk_pos += inv ? from->clk_neg : from->clk_pos;
	to->clk_neg += inv ? from->clk_pos : from->clk_neg;
	to->arst[0] += from->arst[a];
	to->arst[1] += from->arst[b];
	to->aload[0] += from->aload[a];
	to->aload[1] += from->aload[b];
	to->srst[0] += from->srst[a];
	to->srst[1] += from->srst[b];
	to->anz |= from->anz;
	to->snz |= from->snz;
	to->disagree |= from->disagree;
	why_via(to->awhy, sizeof(to->awhy), via, inv, from->awhy);
	why_via(to->lwhy, sizeof(to->lwhy), via, inv, from->lwhy);
	why_via(to->swhy, sizeof(to->swhy), via, inv, from->swhy);
	why_via(to->cwhy, sizeof(to->cwhy), via, inv, from->cwhy);
}

/* Held-value analysis of `always` for signal s: which values make registers constant. */
static void held(struct ctx *c, const struct vnode *always, const struct clkrst_env *base,
		 const char *s, int act[2], int nz[2])
{
	struct clkrst_env e = *base;

	if (e.n >= CLKRST_MAX_BINDS) {
		act[0] = act[1] = 0;
		return;
	}
	e.b[e.n].name = s;
	e.n++;
	e.b[e.n - 1].value = 0;
	clkrst_targets(always, &e, c->T0);
	e.b[e.n - 1].value = 1;
	clkrst_targets(always, &e, c->T1);
	act[0] = clkrst_active_at(c->T0, c->T1, &nz[0]);
	act[1] = clkrst_active_at(c->T1, c->T0, &nz[1]);
}

static void async_control(struct ctx *c, struct facts *f, const struct vnode *always,
			  const char *s, int edge)
{
	struct clkrst_env none = {.n = 0};
	struct fact *x = fact_get(c, f, s);
	int act[2], nz[2], ev = edge < 0 ? 0 : 1, v;
	char w[200];

	if (!x)
		return;
	held(c, always, &none, s, act, nz);
	if (act[ev] || act[!ev]) {
		v = act[ev] ? ev : !ev;
		if (!act[ev])
			x->disagree = 1;
		x->arst[v]++;
		x->anz |= nz[v];
		snprintf(w, sizeof(w),
			 "%s in the edge list of the always block at line %u and tested in its body: "
			 "registers take constants (%s) when it is %d",
			 edge < 0 ? "negedge" : "posedge", always->line,
			 nz[v] ? "not all zero" : "all zero", v);
	} else {
		x->aload[ev]++;
		snprintf(w, sizeof(w),
			 "%s in the edge list of the always block at line %u, named like a reset or read "
			 "in its body (no constants: asynchronous load, active value from the edge)",
			 edge < 0 ? "negedge" : "posedge", always->line);
		why_set(x->lwhy, sizeof(x->lwhy), w);
		return;
	}
	why_set(x->awhy, sizeof(x->awhy), w);
}

/* Collects the 1-bit signals the body reads (sync reset candidates; only ports matter later). */
static void candidates(const struct vnode *n, const char **out, size_t *k, int depth)
{
	size_t i, j;

	if (depth > 200 || !strcmp(n->tag, "sentree"))
		return;
	if (!strcmp(n->tag, "assign") || !strcmp(n->tag, "assigndly")) {
		if (n->nkids)
			candidates(n->kids[0], out, k, depth + 1);
		return;
	}
	if (!strcmp(n->tag, "varref") && n->name && n->width == 1) {
		for (j = 0; j < *k; j++)
			if (!strcmp(out[j], n->name))
				return;
		if (*k < MAX_SYNC_CANDIDATES)
			out[(*k)++] = n->name;
		return;
	}
	for (i = 0; i < n->nkids; i++)
		candidates(n->kids[i], out, k, depth + 1);
}

static void analyze_always(struct ctx *c, struct facts *f, const struct vnode *always)
{
	const struct vnode *st = always->nkids ? always->kids[0] : NULL;
	const char *cand[MAX_SYNC_CANDIDATES];
	struct clkrst_env inactive = {.n = 0};
	size_t i, k = 0;
	int clocked = 0;
	char w[200];

	if (!st || strcmp(st->tag, "sentree"))
		return;
	for (i = 0; i < st->nkids; i++) {
		const struct vnode *si = st->kids[i];
		const char *s;
		struct fact *x;

		if (strcmp(si->tag, "senitem") || !si->edge || !si->nkids ||
		    strcmp(si->kids[0]->tag, "varref"))
			continue;
		s = si->kids[0]->name;
		/* tested in the body, or (never read) named like a reset next to another edge */
		if (si->edge != 2 && (clkrst_body_reads(always, s) ||
				      (st->nkids > 1 && clkrst_name_is_reset(s)))) {
			async_control(c, f, always, s, si->edge);
			if (inactive.n < CLKRST_MAX_BINDS) {
				inactive.b[inactive.n].name = s;
				inactive.b[inactive.n++].value = si->edge < 0 ? 1 : 0;
			}
			continue;
		}
		x = fact_get(c, f, s);
		if (!x)
			return;
		if (si->edge > 0)
			x->clk_pos++;
		if (si->edge < 0 || si->edge == 2)
			x->clk_neg++;
		if (si->edge == 2)
			x->clk_pos++;
		clocked = 1;
		snprintf(w, sizeof(w), "%s in the edge list of the always block at line %u, not read in its body",
			 si->edge == 2 ? "both edges" : si->edge > 0 ? "posedge" : "negedge", always->line);
		why_set(x->cwhy, sizeof(x->cwhy), w);
	}
	if (!clocked)
		return;
	candidates(always, cand, &k, 0);
	for (i = 0; i < k; i++) {
		int act[2], nz[2], v;
		struct fact *x;
		size_t j;

		for (j = 0; j < inactive.n; j++)
			if (!strcmp(inactive.b[j].name, cand[i]))
				break;
		if (j < inactive.n)
			continue;
		held(c, always, &inactive, cand[i], act, nz);
		if (act[0] == act[1])
			continue;
		v = act[1];
		x = fact_get(c, f, cand[i]);
		if (!x)
			return;
		x->srst[v]++;
		x->snz |= nz[v];
		snprintf(w, sizeof(w), "tested in the clocked always block at line %u: registers take constants when it is %d",
			 always->line, v);
		why_set(x->swhy, sizeof(x->swhy), w);
	}
}

static int find_module(const struct vinfo *vi, const char *def)
{
	size_t i;

	for (i = 0; def && i < vi->nbodies; i++)
		if (!strcmp(vi->bodies[i].name, def))
			return (int)i;
	for (i = 0; def && i < vi->nbodies; i++)
		if (!strcmp(vi->bodies[i].orig, def))
			return (int)i;
	return -1;
}

/* The signal an expression connects, and whether it is inverted: x, ~x, !x. */
static const char *conn_signal(const struct vnode *n, int *inv)
{
	*inv = 0;
	while ((!strcmp(n->tag, "not") || !strcmp(n->tag, "lognot")) && n->nkids == 1) {
		*inv = !*inv;
		n = n->kids[0];
	}
	if (!strcmp(n->tag, "extend") && n->nkids == 1)
		n = n->kids[0];
	return !strcmp(n->tag, "varref") ? n->name : NULL;
}

static const struct facts *analyze_module(struct ctx *c, int mi, int depth);

static void analyze_instance(struct ctx *c, struct facts *f, const struct vnode *inst, int depth)
{
	int sub = find_module(c->vi, inst->def);
	const struct facts *sf;
	size_t i, j;
	char via[128];

	if (sub < 0)
		return;
	sf = analyze_module(c, sub, depth + 1);
	if (!sf)
		return;
	for (i = 0; i < inst->nkids; i++) {
		const struct vnode *pt = inst->kids[i];
		const char *s;
		int inv;

		if (strcmp(pt->tag, "port") || !pt->name || pt->nkids != 1)
			continue;
		s = conn_signal(pt->kids[0], &inv);
		if (!s)
			continue;
		for (j = 0; j < sf->n; j++) {
			struct fact *x;
			if (strcmp(sf->v[j].name, pt->name))
				continue;
			x = fact_get(c, f, s);
			if (!x)
				return;
			snprintf(via, sizeof(via), "instance %s (%s) port %s", inst->name ? inst->name : "?",
				 c->vi->bodies[sub].orig, pt->name);
			fact_merge(x, &sf->v[j], inv, via);
		}
	}
}

/* assign a = b / ~b: a's facts move onto b (a few rounds for chains). */
static void follow_aliases(struct ctx *c, struct facts *f, const struct vnode *body)
{
	int round;
	size_t i, j;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < body->nkids; i++) {
			const struct vnode *ca = body->kids[i];
			const char *src, *dst;
			struct fact *x, *y, tmp;
			int inv;

			if (strcmp(ca->tag, "contassign") || ca->nkids != 2 ||
			    strcmp(ca->kids[1]->tag, "varref"))
				continue;
			dst = ca->kids[1]->name;
			src = conn_signal(ca->kids[0], &inv);
			if (!src || !dst || !strcmp(src, dst))
				continue;
			for (j = 0; j < f->n; j++)
				if (!strcmp(f->v[j].name, dst))
					break;
			if (j == f->n)
				continue;
			tmp = f->v[j];
			memset(&f->v[j], 0, sizeof(f->v[j]));
			f->v[j].name = tmp.name;
			y = fact_get(c, f, src); /* may move f->v */
			if (!y)
				return;
			x = &tmp;
			{
				char via[128];
				snprintf(via, sizeof(via), "through assign %s = %s%s", dst, inv ? "~" : "", src);
				fact_merge(y, x, inv, via);
			}
		}
	}
}

static const struct facts *analyze_module(struct ctx *c, int mi, int depth)
{
	struct facts *f = &c->memo[mi];
	const struct vnode *body = c->vi->bodies[mi].body;
	size_t i;

	if (c->state[mi] == 2)
		return f;
	if (c->state[mi] == 1 || depth > MAX_HIER_DEPTH)
		return NULL;
	c->state[mi] = 1;
	for (i = 0; body && i < body->nkids && !c->oom; i++) {
		const struct vnode *it = body->kids[i];
		if (!strncmp(it->tag, "always", 6))
			analyze_always(c, f, it);
		else if (!strcmp(it->tag, "instance"))
			analyze_instance(c, f, it, depth);
	}
	if (body)
		follow_aliases(c, f, body);
	c->state[mi] = 2;
	return f;
}

/* --- decisions for the top's ports -------------------------------------------------------- */

struct decision {
	int role;          /* 0 data, 1 clock, 2 reset */
	int edge;          /* clock */
	int active_low, async, kind;
	const char *by;
	char why[320];
};

static const struct fact *top_fact(const struct facts *f, const char *name)
{
	size_t i;

	for (i = 0; f && i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

static void decide(const struct fact *x, const char *name, struct decision *d)
{
	unsigned clk = x ? x->clk_pos + x->clk_neg : 0;
	unsigned as = x ? x->arst[0] + x->arst[1] + x->aload[0] + x->aload[1] : 0;
	int nlow = clkrst_name_is_active_low(name);

	memset(d, 0, sizeof(*d));
	if (as && as >= clk) {
		int by_body = x->arst[0] + x->arst[1] != 0;
		unsigned lo = by_body ? x->arst[0] : x->aload[0];
		unsigned hi = by_body ? x->arst[1] : x->aload[1];

		d->role = 2;
		d->async = 1;
		d->active_low = lo > hi || (lo == hi && nlow);
		d->kind = by_body ? (x->anz ? RESET_KIND_SET : RESET_KIND_RESET) : RESET_KIND_LOAD;
		d->by = "async-use";
		snprintf(d->why, sizeof(d->why), "%s%s%s", by_body ? x->awhy : x->lwhy,
			 x->disagree ? " (the body's test, not the edge, gives the polarity)" : "",
			 clk ? "; also used as a clock edge elsewhere" : "");
		return;
	}
	if (clk) {
		d->role = 1;
		d->edge = x->clk_pos && x->clk_neg ? 2 : x->clk_pos ? 1 : -1;
		d->by = "edge";
		snprintf(d->why, sizeof(d->why), "%s%s", x->cwhy,
			 as ? "; also tested as an asynchronous control elsewhere" : "");
		return;
	}
	if (clkrst_name_is_reset(name)) {
		d->role = 2;
		if (x && (x->srst[0] != 0) != (x->srst[1] != 0)) {
			d->active_low = x->srst[0] != 0;
			d->kind = x->snz ? RESET_KIND_SET : RESET_KIND_RESET;
			d->by = "sync-use";
			snprintf(d->why, sizeof(d->why), "named like a reset; %s%s", x->swhy,
				 d->active_low != nlow ? " (the name suggests otherwise)" : "");
		} else {
			d->active_low = nlow;
			d->by = "name";
			snprintf(d->why, sizeof(d->why),
				 "named like a reset, not seen giving registers constants%s: active %s from the name",
				 x && x->srst[0] && x->srst[1] ? " at one value only" : "",
				 nlow ? "low" : "high");
		}
		return;
	}
	if (clkrst_name_is_clock(name)) {
		d->role = 1;
		d->by = "name";
		snprintf(d->why, sizeof(d->why), "named like a clock, never an edge of an always block");
	}
}

static int add_clock(struct problem *p, const char *name, int edge, const char *by, const char *why)
{
	char **nc = realloc(p->prep.clocks, (p->prep.nclocks + 1) * sizeof(*nc));
	struct clock_info *ni;

	if (!nc)
		return -1;
	p->prep.clocks = nc;
	ni = realloc(p->prep.clock_info, (p->prep.nclocks + 1) * sizeof(*ni));
	if (!ni)
		return -1;
	p->prep.clock_info = ni;
	nc[p->prep.nclocks] = strdup(name);
	ni[p->prep.nclocks].edge = edge;
	ni[p->prep.nclocks].detected_by = by;
	ni[p->prep.nclocks].why = why && *why ? strdup(why) : NULL;
	if (!nc[p->prep.nclocks]) {
		free(ni[p->prep.nclocks].why);
		return -1;
	}
	p->prep.nclocks++;
	return 0;
}

static int add_reset(struct problem *p, const struct reset_spec *r)
{
	struct reset_spec *nr = realloc(p->prep.resets, (p->prep.nresets + 1) * sizeof(*nr));

	if (!nr)
		return -1;
	p->prep.resets = nr;
	nr[p->prep.nresets] = *r;
	nr[p->prep.nresets].name = strdup(r->name);
	nr[p->prep.nresets].why = r->why && *r->why ? strdup(r->why) : NULL;
	if (!nr[p->prep.nresets].name) {
		free(nr[p->prep.nresets].why);
		return -1;
	}
	p->prep.nresets++;
	return 0;
}

static int is_given_clock(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nclocks; i++)
		if (!strcmp(p->clocks[i], name))
			return 1;
	return 0;
}

static int is_given_reset(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; p->resets_given && i < p->nresets; i++)
		if (!strcmp(p->resets[i].name, name))
			return 1;
	return 0;
}

static int one_bit_input(const struct problem *p, const char *name, const char *what, char *err,
			 size_t errlen)
{
	const struct vport *pt = vinfo_port(&p->prep.gold, name);

	if (!pt || pt->dir != PORT_IN || pt->width != 1) {
		snprintf(err, errlen, "%s: '%s' is not a 1-bit input of %s", what, name, p->ref_top);
		return 0;
	}
	return 1;
}

static int fill(struct problem *p, const struct decision *dec, char *err, size_t errlen)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;

	if (p->nclocks) {
		for (i = 0; i < p->nclocks; i++) {
			const struct vport *pt = vinfo_port(g, p->clocks[i]);
			size_t k = pt ? (size_t)(pt - g->ports) : 0;

			if (!one_bit_input(p, p->clocks[i], "clocks", err, errlen))
				return -1;
			if (add_clock(p, p->clocks[i], dec[k].role == 1 ? dec[k].edge : 0, "given",
				      NULL) < 0)
				goto oom;
		}
	} else {
		for (i = 0; i < g->nports; i++)
			if (dec[i].role == 1 && !is_given_reset(p, g->ports[i].name) &&
			    add_clock(p, g->ports[i].name, dec[i].edge, dec[i].by, dec[i].why) < 0)
				goto oom;
	}
	if (p->resets_given) {
		for (i = 0; i < p->nresets; i++) {
			struct reset_spec r = p->resets[i];

			if (!one_bit_input(p, r.name, "resets", err, errlen))
				return -1;
			r.detected_by = "given";
			r.why = NULL;
			if (add_reset(p, &r) < 0)
				goto oom;
		}
	} else if (p->prep.nclocks) {
		for (i = 0; i < g->nports; i++) {
			struct reset_spec r;

			if (dec[i].role != 2 || is_given_clock(p, g->ports[i].name))
				continue;
			r.name = g->ports[i].name;
			r.active_low = dec[i].active_low;
			r.async = dec[i].async;
			r.kind = dec[i].kind;
			r.detected_by = dec[i].by;
			r.why = (char *)dec[i].why;
			if (add_reset(p, &r) < 0)
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int clkrst_detect(struct problem *p, char *err, size_t errlen)
{
	const struct vinfo *g = &p->prep.gold;
	const struct facts *tf = NULL;
	struct decision *dec = calloc(g->nports + 1, sizeof(*dec));
	struct ctx c;
	size_t i;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.vi = g;
	c.memo = calloc(g->nbodies + 1, sizeof(*c.memo));
	c.state = calloc(g->nbodies + 1, sizeof(*c.state));
	c.T0 = malloc(sizeof(*c.T0));
	c.T1 = malloc(sizeof(*c.T1));
	if (!dec || !c.memo || !c.state || !c.T0 || !c.T1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < g->nbodies; i++)
		if (g->bodies[i].is_top)
			tf = analyze_module(&c, (int)i, 0);
	if (c.oom) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir == PORT_IN && pt->width == 1)
			decide(top_fact(tf, pt->name), pt->name, &dec[i]);
	}
	ret = fill(p, dec, err, errlen);
out:
	for (i = 0; c.memo && i < g->nbodies; i++)
		free(c.memo[i].v);
	free(c.memo);
	free(c.state);
	free(c.T0);
	free(c.T1);
	free(dec);
	return ret;
}

void clkrst_hash_add(struct hash_ctx *h, const struct problem *p)
{
	size_t i;

	hash_add_str(h, "clkrst-1");
	hash_add_u64(h, p->prep.nclocks);
	for (i = 0; i < p->prep.nclocks; i++)
		hash_add_str(h, p->prep.clocks[i]);
	hash_add_u64(h, p->prep.nresets);
	for (i = 0; i < p->prep.nresets; i++) {
		const struct reset_spec *r = &p->prep.resets[i];
		hash_add_str(h, r->name);
		hash_add_u64(h, (uint64_t)r->active_low * 4u + (uint64_t)r->async * 2u);
		hash_add_u64(h, (uint64_t)r->kind);
	}
}
