/* vinfo: a small reader for Verilator's --xml-only output (see vinfo.h).
 *
 * The XML is produced by our own Verilator run on the golden or the candidate; it is trusted to
 * be well-formed XML but not trusted in its content, so every lookup is bounded and a missing or
 * odd attribute is an error, not a crash. Only the parts we need are read:
 *   <netlist><module name= topModule=><var name= dir= dtype_id=/> ... <senitem edgeType=>
 *   <varref name=/></senitem> ... </module> ... <typetable> dtypes </typetable></netlist>
 */
#include "vinfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

#define MAX_DEPTH 512
#define MAX_DTYPES 65536

struct dtype {
	long id;
	char kind;        /* b basic, p packarray, u unpackarray, e enum, r ref, s struct, n union, m member, o other */
	long sub;         /* sub_dtype_id */
	long left, right; /* basic or packarray range */
	int has_range;
	int is_signed;
	char name[16];
	long parent;      /* member: the struct/union it belongs to */
	int width;        /* memo: -1 unknown, -2 in progress */
};

struct xml_attr {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

struct parser {
	const char *p, *end;
	struct vinfo *vi;
	struct dtype *dt;
	size_t ndt, adt;
	/* port dtype ids, parallel to vi->ports */
	long *port_dtype;
	size_t aports;
	char *err;
	size_t errlen;
	/* module bodies (vinfo_parse_xml_bodies) */
	int want_bodies;
	long cur_mod;      /* index into vi->bodies of the open module, -1 none */
	int mod_depth;     /* element depth of that module */
	int cap_depth;     /* depth of the captured item being read, -1 none */
	size_t nnodes;
	struct vnode *cap[MAX_DEPTH];
};

static int fail(struct parser *ps, const char *msg)
{
	snprintf(ps->err, ps->errlen, "verilator xml: %s", msg);
	return -1;
}

/* Decode the five XML entities into a fresh string. */
static char *xml_strdup(const char *s, size_t n)
{
	char *o = malloc(n + 1), *q = o;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}};
			size_t k;
			int done = 0;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].e);
				if (i + el <= n && memcmp(s + i, ents[k].e, el) == 0) {
					*q++ = ents[k].c;
					i += el - 1;
					done = 1;
					break;
				}
			}
			if (done)
				continue;
		}
		*q++ = s[i];
	}
	*q = '\0';
	return o;
}

static const struct xml_attr *attr(const struct xml_attr *a, size_t na, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i < na; i++)
		if (a[i].nlen == l && memcmp(a[i].name, name, l) == 0)
			return &a[i];
	return NULL;
}

static int attr_is(const struct xml_attr *a, size_t na, const char *name, const char *val)
{
	const struct xml_attr *x = attr(a, na, name);
	return x && x->vlen == strlen(val) && memcmp(x->val, val, x->vlen) == 0;
}

static long attr_long(const struct xml_attr *a, size_t na, const char *name, long dflt)
{
	const struct xml_attr *x = attr(a, na, name);
	char tmp[32];
	char *endp;
	long v;

	if (!x || x->vlen == 0 || x->vlen >= sizeof(tmp))
		return dflt;
	memcpy(tmp, x->val, x->vlen);
	tmp[x->vlen] = '\0';
	errno = 0;
	v = strtol(tmp, &endp, 10);
	if (errno || *endp)
		return dflt;
	return v;
}

/* Verilator constants look like 32'sh3, 32'h1f, 1'b1. */
static int parse_const(const struct xml_attr *a, size_t na, long *out)
{
	const struct xml_attr *x = attr(a, na, "name");
	char tmp[64], *q, *endp;
	int base = 10;
	long v;

	if (!x || x->vlen == 0 || x->vlen >= sizeof(tmp))
		return -1;
	memcpy(tmp, x->val, x->vlen);
	tmp[x->vlen] = '\0';
	/* &apos; arrives undecoded */
	q = strstr(tmp, "&apos;");
	if (q) {
		q += 6;
	} else {
		q = strchr(tmp, '\'');
		if (!q)
			return -1;
		q++;
	}
	if (*q == 's' || *q == 'S')
		q++;
	switch (tolower((unsigned char)*q)) {
	case 'h': base = 16; break;
	case 'd': base = 10; break;
	case 'o': base = 8; break;
	case 'b': base = 2; break;
	default: return -1;
	}
	q++;
	errno = 0;
	v = strtol(q, &endp, base);
	if (errno || *endp)
		return -1;
	*out = v;
	return 0;
}

static struct dtype *dtype_new(struct parser *ps)
{
	if (ps->ndt == ps->adt) {
		size_t n = ps->adt ? ps->adt * 2 : 64;
		struct dtype *d;

		if (n > MAX_DTYPES)
			return NULL;
		d = realloc(ps->dt, n * sizeof(*d));
		if (!d)
			return NULL;
		ps->dt = d;
		ps->adt = n;
	}
	memset(&ps->dt[ps->ndt], 0, sizeof(ps->dt[0]));
	ps->dt[ps->ndt].width = -1;
	ps->dt[ps->ndt].parent = -1;
	return &ps->dt[ps->ndt++];
}

static struct dtype *dtype_find(struct parser *ps, long id)
{
	size_t i;

	for (i = 0; i < ps->ndt; i++)
		if (ps->dt[i].kind != 'm' && ps->dt[i].id == id)
			return &ps->dt[i];
	return NULL;
}

static int dtype_width(struct parser *ps, long id, int depth)
{
	struct dtype *d = dtype_find(ps, id);
	int w = 0;
	size_t i;

	if (!d || depth > 64)
		return 0;
	if (d->width >= 0)
		return d->width;
	if (d->width == -2)
		return 0;
	d->width = -2;
	switch (d->kind) {
	case 'b':
		if (d->has_range)
			w = (int)labs(d->left - d->right) + 1;
		else if (!strcmp(d->name, "int") || !strcmp(d->name, "integer"))
			w = 32;
		else if (!strcmp(d->name, "byte"))
			w = 8;
		else if (!strcmp(d->name, "shortint"))
			w = 16;
		else if (!strcmp(d->name, "longint") || !strcmp(d->name, "time"))
			w = 64;
		else
			w = 1;
		break;
	case 'p':
		w = (int)(labs(d->left - d->right) + 1) * dtype_width(ps, d->sub, depth + 1);
		break;
	case 'e':
	case 'r':
		w = dtype_width(ps, d->sub, depth + 1);
		break;
	case 's':
	case 'n':
		for (i = 0; i < ps->ndt; i++) {
			if (ps->dt[i].kind == 'm' && ps->dt[i].parent == d->id) {
				int mw = dtype_width(ps, ps->dt[i].sub, depth + 1);
				if (d->kind == 's')
					w += mw;
				else if (mw > w)
					w = mw;
			}
		}
		break;
	default:
		w = 0; /* unpacked arrays and the rest are not port-representable */
	}
	if (w < 0 || w > (1 << 24))
		w = 0;
	d->width = w;
	return w;
}

static int dtype_signed(struct parser *ps, long id, int depth)
{
	struct dtype *d = dtype_find(ps, id);

	if (!d || depth > 64)
		return 0;
	if (d->kind == 'b')
		return d->is_signed;
	if (d->kind == 'r' || d->kind == 'e')
		return dtype_signed(ps, d->sub, depth + 1);
	return 0;
}

static int add_module(struct parser *ps, const struct xml_attr *a, size_t na)
{
	const struct xml_attr *n = attr(a, na, "origName");
	char **m;

	if (!n)
		n = attr(a, na, "name");
	if (!n)
		return fail(ps, "module without a name");
	m = realloc(ps->vi->modules, (ps->vi->nmodules + 1) * sizeof(*m));
	if (!m)
		return fail(ps, "out of memory");
	ps->vi->modules = m;
	m[ps->vi->nmodules] = xml_strdup(n->val, n->vlen);
	if (!m[ps->vi->nmodules])
		return fail(ps, "out of memory");
	ps->vi->nmodules++;
	return 0;
}

static int add_port(struct parser *ps, const struct xml_attr *a, size_t na)
{
	const struct xml_attr *n = attr(a, na, "origName"), *d = attr(a, na, "dir");
	struct vinfo *vi = ps->vi;
	struct vport *p;

	if (!n)
		n = attr(a, na, "name");
	if (!n || !d)
		return fail(ps, "port without name or direction");
	if (vi->nports >= RTLR_MAX_PORTS)
		return fail(ps, "too many ports");
	if (vi->nports == ps->aports) {
		size_t k = ps->aports ? ps->aports * 2 : 16;
		struct vport *np = realloc(vi->ports, k * sizeof(*np));
		long *nd;

		if (!np)
			return fail(ps, "out of memory");
		vi->ports = np;
		nd = realloc(ps->port_dtype, k * sizeof(*nd));
		if (!nd)
			return fail(ps, "out of memory");
		ps->port_dtype = nd;
		ps->aports = k;
	}
	p = &vi->ports[vi->nports];
	memset(p, 0, sizeof(*p));
	p->name = xml_strdup(n->val, n->vlen);
	if (!p->name)
		return fail(ps, "out of memory");
	if (d->vlen == 5 && !memcmp(d->val, "input", 5))
		p->dir = PORT_IN;
	else if (d->vlen == 6 && !memcmp(d->val, "output", 6))
		p->dir = PORT_OUT;
	else
		p->dir = PORT_INOUT;
	ps->port_dtype[vi->nports] = attr_long(a, na, "dtype_id", -1);
	vi->nports++;
	return 0;
}

static void mark_edge(struct parser *ps, const struct xml_attr *a, size_t na, int edge)
{
	const struct xml_attr *n = attr(a, na, "name");
	size_t i;

	if (!n)
		return;
	for (i = 0; i < ps->vi->nports; i++) {
		struct vport *p = &ps->vi->ports[i];
		if (strlen(p->name) == n->vlen && !memcmp(p->name, n->val, n->vlen)) {
			if (edge > 0)
				p->posedge = 1;
			else if (edge < 0)
				p->negedge = 1;
		}
	}
}

/* --- module bodies ---------------------------------------------------------------------- */

static void vnode_free(struct vnode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		vnode_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->def);
	free(n);
}

static struct vnode *vnode_new(struct parser *ps, struct vnode *parent, const char *tag, size_t tlen)
{
	struct vnode *n;

	if (ps->nnodes >= RTLR_MAX_VNODES) {
		ps->vi->bodies_truncated = 1;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (tlen >= sizeof(n->tag))
		tlen = sizeof(n->tag) - 1;
	memcpy(n->tag, tag, tlen);
	n->tag[tlen] = '\0';
	n->dtype = -1;
	if (parent) {
		if (parent->nkids == parent->akids) {
			size_t k = parent->akids ? parent->akids * 2 : 4;
			struct vnode **nk = realloc(parent->kids, k * sizeof(*nk));

			if (!nk) {
				free(n);
				return NULL;
			}
			parent->kids = nk;
			parent->akids = k;
		}
		parent->kids[parent->nkids++] = n;
	}
	ps->nnodes++;
	return n;
}

static int body_module(struct parser *ps, const struct xml_attr *a, size_t na, int is_top, int depth)
{
	const struct xml_attr *n = attr(a, na, "name"), *o = attr(a, na, "origName");
	struct vinfo *vi = ps->vi;
	struct vmodule *m = realloc(vi->bodies, (vi->nbodies + 1) * sizeof(*m));

	if (!m)
		return fail(ps, "out of memory");
	vi->bodies = m;
	m = &vi->bodies[vi->nbodies];
	memset(m, 0, sizeof(*m));
	vi->nbodies++;
	if (!o)
		o = n;
	m->name = n ? xml_strdup(n->val, n->vlen) : strdup("");
	m->orig = o ? xml_strdup(o->val, o->vlen) : strdup("");
	m->body = vnode_new(ps, NULL, "module", 6);
	if (!m->name || !m->orig || !m->body)
		return fail(ps, "out of memory");
	m->is_top = is_top;
	ps->cur_mod = (long)vi->nbodies - 1;
	ps->mod_depth = depth;
	return 0;
}

static int is_body_item(const char *name, size_t nlen)
{
	return (nlen >= 6 && !memcmp(name, "always", 6)) ||
	       (nlen == 8 && !memcmp(name, "instance", 8)) ||
	       (nlen == 10 && !memcmp(name, "contassign", 10)) ||
	       (nlen == 3 && !memcmp(name, "var", 3));
}

/* An element opened at `depth` (its index on the element stack). */
static int body_open(struct parser *ps, const char *name, size_t nlen, const struct xml_attr *a,
		     size_t na, int depth, int selfclose)
{
	struct vnode *parent = NULL, *n;
	const struct xml_attr *x;

	if (!ps->want_bodies || ps->cur_mod < 0 || ps->vi->bodies_truncated)
		return 0;
	if (ps->cap_depth >= 0 && depth > ps->cap_depth)
		parent = ps->cap[depth - 1];
	else if (depth == ps->mod_depth + 1 && is_body_item(name, nlen))
		parent = ps->vi->bodies[ps->cur_mod].body;
	if (!parent)
		return 0;
	n = vnode_new(ps, parent, name, nlen);
	if (!n)
		return ps->vi->bodies_truncated ? 0 : fail(ps, "out of memory");
	if ((x = attr(a, na, "name")) && !(n->name = xml_strdup(x->val, x->vlen)))
		return fail(ps, "out of memory");
	if (((x = attr(a, na, "defName")) || (x = attr(a, na, "dir"))) &&
	    !(n->def = xml_strdup(x->val, x->vlen)))
		return fail(ps, "out of memory");
	n->edge = attr_is(a, na, "edgeType", "POS") ? 1 : attr_is(a, na, "edgeType", "NEG") ? -1 :
		  attr_is(a, na, "edgeType", "BOTH") ? 2 : 0;
	n->dtype = attr_long(a, na, "dtype_id", -1);
	if ((x = attr(a, na, "loc"))) {
		const char *c = memchr(x->val, ',', x->vlen);
		if (c)
			n->line = (unsigned)strtoul(c + 1, NULL, 10);
	}
	if (!selfclose) {
		ps->cap[depth] = n;
		if (ps->cap_depth < 0)
			ps->cap_depth = depth;
	}
	return 0;
}

/* The element at `depth` closed. */
static void body_close(struct parser *ps, int depth)
{
	if (ps->cap_depth == depth)
		ps->cap_depth = -1;
	if (ps->cur_mod >= 0 && depth == ps->mod_depth)
		ps->cur_mod = -1;
}

static void body_widths(struct parser *ps, struct vnode *n, int depth)
{
	size_t i;

	if (depth > MAX_DEPTH)
		return;
	if (n->dtype >= 0)
		n->width = (unsigned)dtype_width(ps, n->dtype, 0);
	for (i = 0; i < n->nkids; i++)
		body_widths(ps, n->kids[i], depth + 1);
}

void vinfo_release_bodies(struct vinfo *vi)
{
	size_t i;

	for (i = 0; i < vi->nbodies; i++) {
		free(vi->bodies[i].name);
		free(vi->bodies[i].orig);
		vnode_free(vi->bodies[i].body);
	}
	free(vi->bodies);
	vi->bodies = NULL;
	vi->nbodies = 0;
}

/* Parses one tag starting after '<'. Fills name and attributes; *selfclose / *closing. */
static int parse_tag(struct parser *ps, const char **name, size_t *nlen, struct xml_attr *attrs,
		     size_t maxattrs, size_t *nattrs, int *selfclose, int *closing)
{
	const char *p = ps->p, *end = ps->end;

	*selfclose = 0;
	*closing = 0;
	*nattrs = 0;
	if (p < end && *p == '/') {
		*closing = 1;
		p++;
	}
	*name = p;
	while (p < end && !isspace((unsigned char)*p) && *p != '>' && *p != '/')
		p++;
	*nlen = (size_t)(p - *name);
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			return fail(ps, "truncated tag");
		if (*p == '>') {
			p++;
			break;
		}
		if (*p == '/' && p + 1 < end && p[1] == '>') {
			*selfclose = 1;
			p += 2;
			break;
		}
		{
			const char *an = p, *av;
			size_t anl;
			char q;

			while (p < end && *p != '=' && !isspace((unsigned char)*p) && *p != '>')
				p++;
			anl = (size_t)(p - an);
			if (p >= end || *p != '=')
				return fail(ps, "attribute without value");
			p++;
			if (p >= end || (*p != '"' && *p != '\''))
				return fail(ps, "unquoted attribute");
			q = *p++;
			av = p;
			while (p < end && *p != q)
				p++;
			if (p >= end)
				return fail(ps, "unterminated attribute");
			if (*nattrs < maxattrs) {
				attrs[*nattrs].name = an;
				attrs[*nattrs].nlen = anl;
				attrs[*nattrs].val = av;
				attrs[*nattrs].vlen = (size_t)(p - av);
				(*nattrs)++;
			}
			p++;
		}
	}
	ps->p = p;
	return 0;
}

#define TAG_IS(s) (nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)

static int parse_xml(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen,
		     int want_bodies)
{
	struct parser ps;
	/* element stack: names only as kinds we care about */
	enum { E_OTHER, E_MODULE_TOP, E_MODULE, E_SENITEM, E_TYPETABLE, E_RANGE, E_DTYPE, E_NETLIST } stack[MAX_DEPTH];
	int depth = 0, ret = -1, in_top = 0, in_netlist = 0, in_typetable = 0, senedge = 0;
	int sen_depth = -1, range_k = 0, top_seen = 0;
	long cur_struct = -1;
	long cur_idx = -1; /* index of the open packarray dtype */
	size_t i;

	memset(vi, 0, sizeof(*vi));
	memset(&ps, 0, sizeof(ps));
	ps.p = xml;
	ps.end = xml + len;
	ps.vi = vi;
	ps.err = err;
	ps.errlen = errlen;
	ps.want_bodies = want_bodies;
	ps.cur_mod = -1;
	ps.cap_depth = -1;

	while (ps.p < ps.end) {
		const char *name;
		size_t nlen, nattrs;
		struct xml_attr attrs[16];
		int selfclose, closing;

		ps.p = memchr(ps.p, '<', (size_t)(ps.end - ps.p));
		if (!ps.p)
			break;
		ps.p++;
		if (ps.p < ps.end && (*ps.p == '?' || *ps.p == '!')) {
			const char *e = strstr(ps.p, ">");
			if (!e)
				break;
			ps.p = e + 1;
			continue;
		}
		if (parse_tag(&ps, &name, &nlen, attrs, 16, &nattrs, &selfclose, &closing) < 0)
			goto out;
		if (closing) {
			if (depth == 0) {
				fail(&ps, "unbalanced closing tag");
				goto out;
			}
			depth--;
			body_close(&ps, depth);
			switch (stack[depth]) {
			case E_MODULE_TOP: in_top = 0; break;
			case E_SENITEM: sen_depth = -1; break;
			case E_TYPETABLE: in_typetable = 0; break;
			case E_NETLIST: in_netlist = 0; break;
			case E_DTYPE: cur_idx = -1; cur_struct = -1; break;
			default: break;
			}
			continue;
		}
		if (depth >= MAX_DEPTH) {
			fail(&ps, "nesting too deep");
			goto out;
		}
		if (body_open(&ps, name, nlen, attrs, nattrs, depth, selfclose) < 0)
			goto out;
		{
			int kind = E_OTHER;

			if (TAG_IS("netlist")) {
				in_netlist = 1;
				kind = E_NETLIST;
			} else if (in_netlist && !in_typetable && TAG_IS("module")) {
				if (add_module(&ps, attrs, nattrs) < 0)
					goto out;
				if (ps.want_bodies &&
				    body_module(&ps, attrs, nattrs,
						attr_is(attrs, nattrs, "topModule", "1") && !top_seen, depth) < 0)
					goto out;
				if (attr_is(attrs, nattrs, "topModule", "1") && !top_seen) {
					const struct xml_attr *n = attr(attrs, nattrs, "origName");
					if (!n)
						n = attr(attrs, nattrs, "name");
					vi->top = xml_strdup(n->val, n->vlen);
					if (!vi->top) {
						fail(&ps, "out of memory");
						goto out;
					}
					in_top = 1;
					top_seen = 1;
					kind = E_MODULE_TOP;
				} else {
					kind = E_MODULE;
				}
			} else if (in_top && TAG_IS("var") && attr(attrs, nattrs, "dir") &&
				   stack[depth - 1] == E_MODULE_TOP) {
				if (add_port(&ps, attrs, nattrs) < 0)
					goto out;
			} else if (in_top && TAG_IS("senitem")) {
				senedge = attr_is(attrs, nattrs, "edgeType", "POS") ? 1 :
					  attr_is(attrs, nattrs, "edgeType", "NEG") ? -1 :
					  attr_is(attrs, nattrs, "edgeType", "BOTH") ? 2 : 0;
				sen_depth = depth;
				kind = E_SENITEM;
			} else if (in_top && sen_depth >= 0 && depth == sen_depth + 1 && TAG_IS("varref")) {
				if (senedge == 2) {
					mark_edge(&ps, attrs, nattrs, 1);
					mark_edge(&ps, attrs, nattrs, -1);
				} else {
					mark_edge(&ps, attrs, nattrs, senedge);
				}
			} else if (in_netlist && TAG_IS("typetable")) {
				in_typetable = 1;
				kind = E_TYPETABLE;
			} else if (in_typetable && nlen > 5 && !memcmp(name + nlen - 5, "dtype", 5)) {
				struct dtype *d = dtype_new(&ps);

				if (!d) {
					fail(&ps, "too many types");
					goto out;
				}
				d->id = attr_long(attrs, nattrs, "id", -1);
				d->sub = attr_long(attrs, nattrs, "sub_dtype_id", -1);
				if (TAG_IS("basicdtype")) {
					const struct xml_attr *n = attr(attrs, nattrs, "name");
					d->kind = 'b';
					if (attr(attrs, nattrs, "left") && attr(attrs, nattrs, "right")) {
						d->left = attr_long(attrs, nattrs, "left", 0);
						d->right = attr_long(attrs, nattrs, "right", 0);
						d->has_range = 1;
					}
					d->is_signed = attr_is(attrs, nattrs, "signed", "true");
					if (n && n->vlen < sizeof(d->name)) {
						memcpy(d->name, n->val, n->vlen);
						d->name[n->vlen] = '\0';
					}
				} else if (TAG_IS("packarraydtype")) {
					d->kind = 'p';
				} else if (TAG_IS("unpackarraydtype")) {
					d->kind = 'u';
				} else if (TAG_IS("enumdtype")) {
					d->kind = 'e';
				} else if (TAG_IS("refdtype")) {
					d->kind = 'r';
				} else if (TAG_IS("structdtype")) {
					d->kind = 's';
				} else if (TAG_IS("uniondtype")) {
					d->kind = 'n';
				} else if (TAG_IS("memberdtype")) {
					d->kind = 'm';
					d->parent = cur_struct;
				} else {
					d->kind = 'o';
				}
				if (!selfclose) {
					kind = E_DTYPE;
					if (d->kind == 's' || d->kind == 'n')
						cur_struct = d->id;
					cur_idx = (long)(ps.ndt - 1);
					if (d->kind == 'm') {
						/* members sit inside their struct; keep the struct current */
						kind = E_OTHER;
						cur_idx = -1;
					}
				}
				range_k = 0;
			} else if (in_typetable && TAG_IS("range")) {
				kind = E_RANGE;
				range_k = 0;
			} else if (in_typetable && TAG_IS("const") && depth > 0 && stack[depth - 1] == E_RANGE &&
				   cur_idx >= 0 && (ps.dt[cur_idx].kind == 'p' || ps.dt[cur_idx].kind == 'u')) {
				struct dtype *cur_dt = &ps.dt[cur_idx];
				long v;
				if (parse_const(attrs, nattrs, &v) == 0) {
					if (range_k == 0)
						cur_dt->left = v;
					else if (range_k == 1)
						cur_dt->right = v;
					cur_dt->has_range = 1;
				}
				range_k++;
			}
			if (!selfclose)
				stack[depth++] = kind;
		}
	}
	if (!top_seen) {
		fail(&ps, "no top module in the netlist");
		goto out;
	}
	for (i = 0; i < vi->nports; i++) {
		vi->ports[i].width = (unsigned)dtype_width(&ps, ps.port_dtype[i], 0);
		vi->ports[i].is_signed = dtype_signed(&ps, ps.port_dtype[i], 0);
	}
	for (i = 0; i < vi->nbodies; i++)
		body_widths(&ps, vi->bodies[i].body, 0);
	ret = 0;
out:
	free(ps.dt);
	free(ps.port_dtype);
	if (ret < 0)
		vinfo_release(vi);
	return ret;
}

int vinfo_parse_xml(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen)
{
	return parse_xml(xml, len, vi, err, errlen, 0);
}

int vinfo_parse_xml_bodies(const char *xml, size_t len, struct vinfo *vi, char *err, size_t errlen)
{
	return parse_xml(xml, len, vi, err, errlen, 1);
}

void vinfo_release(struct vinfo *vi)
{
	size_t i;

	vinfo_release_bodies(vi);
	for (i = 0; i < vi->nmodules; i++)
		free(vi->modules[i]);
	free(vi->modules);
	for (i = 0; i < vi->nports; i++)
		free(vi->ports[i].name);
	free(vi->ports);
	free(vi->top);
	memset(vi, 0, sizeof(*vi));
}

const struct vport *vinfo_port(const struct vinfo *vi, const char *name)
{
	size_t i;

	for (i = 0; i < vi->nports; i++)
		if (!strcmp(vi->ports[i].name, name))
			return &vi->ports[i];
	return NULL;
}

const char *port_dir_name(enum port_dir d)
{
	return d == PORT_IN ? "input" : d == PORT_OUT ? "output" : "inout";
}

void vport_describe(const struct vport *p, char *out, size_t outlen)
{
	if (p->width > 1)
		snprintf(out, outlen, "%s [%u:0]", port_dir_name(p->dir), p->width - 1);
	else if (p->width == 1)
		snprintf(out, outlen, "%s", port_dir_name(p->dir));
	else
		snprintf(out, outlen, "%s (unpacked)", port_dir_name(p->dir));
}
