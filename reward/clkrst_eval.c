/* clkrst_eval: what an always block's body does when one signal is held at 0 or 1 and
 * everything else is unknown (see clkrst.h). A three-valued reading of Verilator's simplified
 * statements: an `if` whose condition is known takes one branch, an unknown one makes every
 * assignment under it unknown; an assignment whose right side is known gives its target a
 * constant. Only the forms Verilator writes for control (const, varref, not, and, or, cond,
 * comparisons, extends, concat) are read; anything else is unknown, which errs towards "not a
 * reset" (then the edge or the name decides). */
#include "clkrst_eval.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVAL_DEPTH 200

struct tv {
	int known;
	uint64_t v;   /* low 64 bits */
	int nz;       /* some bit is one (also above bit 63) */
};

static const struct tv UNKNOWN = {0, 0, 0};

static uint64_t mask(unsigned w)
{
	return w == 0 || w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
}

static struct tv known(uint64_t v, unsigned w)
{
	struct tv t;

	t.known = 1;
	t.v = v & mask(w);
	t.nz = t.v != 0;
	return t;
}

/* Verilator constants: 1'h0, 32'sh3, 8'hff, 128'h0, 4'bxx01. */
static struct tv parse_const(const char *s)
{
	const char *q = strchr(s ? s : "", '\'');
	struct tv t = {1, 0, 0};
	int base;

	if (!q)
		return UNKNOWN;
	q++;
	if (*q == 's' || *q == 'S')
		q++;
	switch (tolower((unsigned char)*q)) {
	case 'h': base = 16; break;
	case 'b': base = 2; break;
	case 'o': base = 8; break;
	case 'd': base = 10; break;
	default: return UNKNOWN;
	}
	for (q++; *q; q++) {
		int d;

		if (*q == '_')
			continue;
		if (isdigit((unsigned char)*q))
			d = *q - '0';
		else if (isxdigit((unsigned char)*q))
			d = tolower((unsigned char)*q) - 'a' + 10;
		else
			return UNKNOWN; /* x, z, ? */
		if (d >= base)
			return UNKNOWN;
		if (d)
			t.nz = 1;
		t.v = t.v * (uint64_t)base + (uint64_t)d;
	}
	return t;
}

static int tag_is(const struct vnode *n, const char *t)
{
	return !strcmp(n->tag, t);
}

static const struct env_bind *env_find(const struct clkrst_env *e, const char *name)
{
	size_t i;

	for (i = 0; name && i < e->n; i++)
		if (!strcmp(e->b[i].name, name))
			return &e->b[i];
	return NULL;
}

static struct tv ev(const struct vnode *n, const struct clkrst_env *e, int depth);

static struct tv ev_kid(const struct vnode *n, size_t k, const struct clkrst_env *e, int depth)
{
	return k < n->nkids ? ev(n->kids[k], e, depth + 1) : UNKNOWN;
}

static struct tv ev_bitwise(const struct vnode *n, const struct clkrst_env *e, int depth)
{
	struct tv a = ev_kid(n, 0, e, depth), b = ev_kid(n, 1, e, depth);
	uint64_t all = mask(n->width);

	if (tag_is(n, "and") || tag_is(n, "logand")) {
		if ((a.known && !a.nz) || (b.known && !b.nz))
			return known(0, 1);
		if (a.known && b.known)
			return tag_is(n, "and") ? known(a.v & b.v, n->width) : known(1, 1);
		return UNKNOWN;
	}
	if (tag_is(n, "or") || tag_is(n, "logor")) {
		if (tag_is(n, "logor") && ((a.known && a.nz) || (b.known && b.nz)))
			return known(1, 1);
		if (n->width && n->width <= 64 &&
		    ((a.known && a.v == all) || (b.known && b.v == all)))
			return known(all, n->width);
		if (a.known && b.known)
			return tag_is(n, "or") ? known(a.v | b.v, n->width) : known(a.nz || b.nz, 1);
		return UNKNOWN;
	}
	/* xor, xnor */
	if (a.known && b.known && n->width && n->width <= 64)
		return known(tag_is(n, "xor") ? a.v ^ b.v : ~(a.v ^ b.v), n->width);
	return UNKNOWN;
}

static struct tv ev_compare(const struct vnode *n, const struct clkrst_env *e, int depth)
{
	struct tv a = ev_kid(n, 0, e, depth), b = ev_kid(n, 1, e, depth);
	int eq;

	if (!a.known || !b.known)
		return UNKNOWN;
	eq = a.v == b.v && a.nz == b.nz;
	if (tag_is(n, "eq") || tag_is(n, "eqcase") || tag_is(n, "eqwild"))
		return known(eq, 1);
	return known(!eq, 1);
}

static struct tv ev(const struct vnode *n, const struct clkrst_env *e, int depth)
{
	struct tv a, b;

	if (depth > MAX_EVAL_DEPTH)
		return UNKNOWN;
	if (tag_is(n, "const"))
		return parse_const(n->name);
	if (tag_is(n, "varref")) {
		const struct env_bind *x = env_find(e, n->name);
		return x ? known((uint64_t)x->value, 1) : UNKNOWN;
	}
	if (tag_is(n, "not")) {
		a = ev_kid(n, 0, e, depth);
		if (!a.known || n->width == 0 || n->width > 64)
			return UNKNOWN;
		return known(~a.v, n->width);
	}
	if (tag_is(n, "lognot")) {
		a = ev_kid(n, 0, e, depth);
		return a.known ? known(!a.nz, 1) : UNKNOWN;
	}
	if (tag_is(n, "and") || tag_is(n, "or") || tag_is(n, "logand") || tag_is(n, "logor") ||
	    tag_is(n, "xor") || tag_is(n, "xnor"))
		return ev_bitwise(n, e, depth);
	if (tag_is(n, "eq") || tag_is(n, "neq") || tag_is(n, "eqcase") || tag_is(n, "neqcase") ||
	    tag_is(n, "eqwild") || tag_is(n, "neqwild"))
		return ev_compare(n, e, depth);
	if (tag_is(n, "cond") || tag_is(n, "condbound")) {
		a = ev_kid(n, 0, e, depth);
		if (a.known)
			return ev_kid(n, a.nz ? 1 : 2, e, depth);
		a = ev_kid(n, 1, e, depth);
		b = ev_kid(n, 2, e, depth);
		return a.known && b.known && a.v == b.v && a.nz == b.nz ? a : UNKNOWN;
	}
	if (tag_is(n, "redor") || tag_is(n, "redand")) {
		a = ev_kid(n, 0, e, depth);
		if (!a.known)
			return UNKNOWN;
		if (tag_is(n, "redor"))
			return known(a.nz, 1);
		return n->nkids && n->kids[0]->width && n->kids[0]->width <= 64
			       ? known(a.v == mask(n->kids[0]->width), 1)
			       : (a.nz ? UNKNOWN : known(0, 1));
	}
	if (tag_is(n, "extend") || tag_is(n, "ccast") || tag_is(n, "cast")) {
		a = ev_kid(n, 0, e, depth);
		return a;
	}
	if (tag_is(n, "extends")) {
		a = ev_kid(n, 0, e, depth);
		return a.known && !a.nz ? a : UNKNOWN;
	}
	if (tag_is(n, "concat") && n->nkids == 2) {
		a = ev_kid(n, 0, e, depth);
		b = ev_kid(n, 1, e, depth);
		if (!a.known || !b.known)
			return UNKNOWN;
		if (!a.nz && !b.nz)
			return known(0, 1);
		if (n->width && n->width <= 64 && n->kids[1]->width && n->kids[1]->width < 64)
			return known((a.v << n->kids[1]->width) | b.v, n->width);
		return UNKNOWN;
	}
	if (tag_is(n, "replicate")) {
		a = ev_kid(n, 0, e, depth);
		if (a.known && !a.nz)
			return known(0, 1);
		if (a.known && n->nkids && n->kids[0]->width == 1 && n->width && n->width <= 64)
			return known(mask(n->width), n->width);
		return UNKNOWN;
	}
	return UNKNOWN;
}

/* --- statements ------------------------------------------------------------------------- */

static const char *target_of(const struct vnode *lhs, int depth)
{
	size_t i;

	if (depth > MAX_EVAL_DEPTH)
		return NULL;
	if (tag_is(lhs, "varref"))
		return lhs->name;
	/* sel, arraysel, wordsel ...: the first varref is the base */
	for (i = 0; i < lhs->nkids; i++) {
		const char *t = target_of(lhs->kids[i], depth + 1);
		if (t)
			return t;
	}
	return NULL;
}

static void set_target(struct clkrst_targets *T, const char *name, struct tv v, int certain)
{
	size_t i;

	if (!name)
		return;
	for (i = 0; i < T->n; i++)
		if (!strcmp(T->t[i].name, name))
			break;
	if (i == T->n) {
		if (T->n >= CLKRST_MAX_TARGETS) {
			T->overflow = 1;
			return;
		}
		T->n++;
		T->t[i].name = name;
	}
	T->t[i].is_const = certain && v.known;
	T->t[i].v = v.v;
	T->t[i].nz = v.nz;
}

static void walk(const struct vnode *n, const struct clkrst_env *e, int certain,
		 struct clkrst_targets *T, int depth)
{
	size_t i;

	if (depth > MAX_EVAL_DEPTH) {
		T->overflow = 1;
		return;
	}
	if (tag_is(n, "sentree"))
		return;
	if (tag_is(n, "assign") || tag_is(n, "assigndly")) {
		if (n->nkids >= 2)
			set_target(T, target_of(n->kids[1], 0),
				   certain ? ev(n->kids[0], e, 0) : UNKNOWN, certain);
		return;
	}
	/* a loop's body (for i ...: mem[i] <= 0) counts as run: its constants are constants */
	if (tag_is(n, "begin") || tag_is(n, "while")) {
		for (i = 0; i < n->nkids; i++)
			walk(n->kids[i], e, certain, T, depth + 1);
		return;
	}
	if (tag_is(n, "if") && n->nkids >= 2) {
		struct tv c = certain ? ev(n->kids[0], e, 0) : UNKNOWN;

		if (c.known) {
			if (c.nz)
				walk(n->kids[1], e, 1, T, depth + 1);
			else if (n->nkids >= 3)
				walk(n->kids[2], e, 1, T, depth + 1);
			return;
		}
		for (i = 1; i < n->nkids; i++)
			walk(n->kids[i], e, 0, T, depth + 1);
		return;
	}
	/* case, anything else: whatever it assigns is unknown */
	for (i = 0; i < n->nkids; i++)
		walk(n->kids[i], e, 0, T, depth + 1);
}

void clkrst_targets(const struct vnode *always, const struct clkrst_env *e,
		    struct clkrst_targets *T)
{
	size_t i;

	memset(T, 0, sizeof(*T));
	for (i = 0; i < always->nkids; i++)
		walk(always->kids[i], e, 1, T, 0);
}

int clkrst_active_at(const struct clkrst_targets *at, const struct clkrst_targets *other,
		     int *nz)
{
	size_t i, j;
	int act = 0;

	*nz = 0;
	for (i = 0; i < at->n; i++) {
		const struct clkrst_target *t = &at->t[i];
		int same = 0;

		if (!t->is_const)
			continue;
		for (j = 0; j < other->n; j++)
			if (!strcmp(other->t[j].name, t->name))
				same = other->t[j].is_const && other->t[j].v == t->v &&
				       other->t[j].nz == t->nz;
		if (same)
			continue;
		act = 1;
		if (t->nz)
			*nz = 1;
	}
	return act;
}

static int reads(const struct vnode *n, const char *name, int depth)
{
	size_t i;

	if (depth > MAX_EVAL_DEPTH)
		return 1;
	if (tag_is(n, "sentree"))
		return 0;
	if (tag_is(n, "varref") && n->name && !strcmp(n->name, name))
		return 1;
	for (i = 0; i < n->nkids; i++)
		if (reads(n->kids[i], name, depth + 1))
			return 1;
	return 0;
}

int clkrst_body_reads(const struct vnode *always, const char *name)
{
	return reads(always, name, 0);
}
