/* policy_tokens: the token pass of the source checks (see policy.h): tokenize, bracket
 * matching, scopes, declared names, the hierarchy check, the per-token checks and
 * policy_check_tokens. Shared helpers are in policy.c (policy_internal.h). */
#include "policy.h"
#include "policy_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* word lists of the token pass                                                              */

/* Keywords that start a declaration whose declarators we collect. */
static const char *const decl_keywords[] = {
	"wire", "reg", "logic", "bit", "byte", "shortint", "int", "longint", "integer", "time",
	"real", "realtime", "shortreal", "string", "event", "chandle", "tri", "tri0", "tri1",
	"triand", "trior", "trireg", "wand", "wor", "supply0", "supply1", "uwire", "var", "input",
	"output", "inout", "ref", "parameter", "localparam", "specparam", "genvar", "typedef",
	"struct", "union", "enum", "const", "function", "task", "interconnect", "signed",
	"unsigned", NULL,
};

/* Keywords that may follow "label :" */
static const char *const label_keywords[] = {
	"begin", "for", "if", "case", "casex", "casez", "fork", "foreach", "while", "repeat",
	"forever", "do", "assert", "assume", "cover", "generate", "unique", "unique0", "priority",
	"always", "always_ff", "always_comb", "always_latch", "initial", NULL,
};

static const char *const unit_openers[] = {
	"module", "macromodule", "interface", "program", "package", "primitive", "checker", "config",
	NULL,
};

static const char *const unit_closers[] = {
	"endmodule", "endinterface", "endprogram", "endpackage", "endprimitive", "endchecker",
	"endconfig", NULL,
};

static const char *const allowed_systf[] = {
	"clog2", "signed", "unsigned", "bits", "size", "left", "right", "high", "low", "increment",
	"dimensions", "countones", "onehot", "onehot0", "isunknown", "countbits", "display",
	"displayb", "displayh", "displayo", "write", "writeb", "writeh", "writeo", "strobe",
	"strobeb", "strobeh", "strobeo", "monitor", "monitorb", "monitorh", "monitoro", "time",
	"stime", "realtime", "info", "warning", "error", "rtoi", "itor", "bitstoreal", "realtobits",
	"shortrealtobits", "bitstoshortreal", "floor", "ceil", "ln", "log10", "exp", "sqrt", "pow",
	NULL,
};

/* ---------------------------------------------------------------------------------------- */
/* token pass                                                                                */

struct tok {
	enum vtok_kind kind;
	const char *p;
	size_t n;
	unsigned line;
};

struct toks {
	struct tok *v;
	size_t n, cap;
	long *match;	 /* per token: index of the matching bracket, or -1 */
	unsigned *scope; /* per token: the scope it is in (0: outside any design unit) */
	unsigned *parent; /* per scope */
	unsigned char *is_root; /* per scope: a design unit (lookups stop there) or 0 */
	size_t nscopes;
};

static int toks_push(struct toks *ts, const struct vtok *t)
{
	if (ts->n == ts->cap) {
		size_t ncap = ts->cap ? ts->cap * 2 : 1024;
		struct tok *nv = realloc(ts->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		ts->v = nv;
		ts->cap = ncap;
	}
	ts->v[ts->n].kind = t->kind;
	ts->v[ts->n].p = t->p;
	ts->v[ts->n].n = t->n;
	ts->v[ts->n].line = t->line;
	ts->n++;
	return 0;
}

static void toks_free(struct toks *ts)
{
	free(ts->v);
	free(ts->match);
	free(ts->scope);
	free(ts->parent);
	free(ts->is_root);
}

static const struct tok eof_tok = {VT_EOF, "", 0, 0};

static const struct tok *at(const struct toks *ts, size_t i)
{
	return i < ts->n ? &ts->v[i] : &eof_tok;
}

static int is_op(const struct tok *t, char c)
{
	return t->kind == VT_OP && t->n == 1 && t->p[0] == c;
}

static int is_kw(const struct tok *t, const char *w)
{
	return t->kind == VT_IDENT && pol_eq(t->p, t->n, w);
}

/* A user name: non-keyword identifier or escaped identifier. */
static int is_name(const struct tok *t)
{
	return (t->kind == VT_IDENT && !pol_is_keyword(t->p, t->n)) || t->kind == VT_ESCID;
}

/* The name as tools compare it: \tb is tb. */
static void name_of(const struct tok *t, const char **p, size_t *n)
{
	*p = t->p;
	*n = t->n;
	if (t->kind == VT_ESCID && *n > 1) {
		(*p)++;
		(*n)--;
	}
}

/* Lex into significant tokens: comments are checked and dropped, `line lines renumber. */
static int tokenize(const char *src, size_t len, struct toks *ts, char *reason, size_t rl)
{
	struct vlex lx;
	struct vtok t;
	int in_line_dir = 0, line_args = 0; /* `line N "file" L: the arguments seen so far */
	long line_to = -1;
	const char *line_file = NULL; /* the file the first `line names (the preprocessor's) */
	size_t line_file_n = 0;

	vlex_init(&lx, src, len);
	for (vlex_next(&lx, &t); t.kind != VT_EOF; vlex_next(&lx, &t)) {
		switch (t.kind) {
		case VT_SPACE:
		case VT_CONT:
			continue;
		case VT_DIREND:
			if (in_line_dir && line_to > 0)
				lx.line = (unsigned)line_to;
			in_line_dir = 0;
			continue;
		case VT_LCOMMENT:
		case VT_BCOMMENT:
			if (pol_check_metacomment(&t, reason, rl))
				return 1;
			continue;
		case VT_OP:
			if (pol_check_backtick(&t, src, len, reason, rl))
				return 1;
			break;
		default:
			break;
		}
		/* skip only the arguments of `line; anything else on its line is checked */
		if (in_line_dir && line_args == 0 && t.kind == VT_NUMBER) {
			long v = 0;
			for (size_t i = 0; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++)
				v = v < 100000000 ? v * 10 + (t.p[i] - '0') : v;
			line_to = v;
			line_args = 1;
			continue;
		}
		if (in_line_dir && line_args == 1 && t.kind == VT_STRING) {
			/* the preprocessor names the candidate's own file in each `line it writes;
			 * one pasted together by the candidate may name another */
			if (!line_file) {
				line_file = t.p;
				line_file_n = t.n;
			} else if (t.n != line_file_n || memcmp(t.p, line_file, t.n)) {
				char shown[80];
				return pol_refuse(reason, rl,
					      "policy: `line naming another file (%s) is not allowed "
					      "(line %u)",
					      pol_show(shown, sizeof shown, t.p, t.n), t.line);
			}
		}
		if (in_line_dir && ((line_args == 1 && t.kind == VT_STRING) ||
				    (line_args == 2 && t.kind == VT_NUMBER))) {
			line_args++;
			continue;
		}
		if (t.kind == VT_DIRECTIVE && pol_eq(t.p, t.n, "`line") && !t.in_dir) {
			in_line_dir = 1;
			line_args = 0;
			line_to = -1;
			continue;
		}
		line_args = 3; /* no more arguments after something else */
		if (toks_push(ts, &t) < 0)
			return -1;
	}
	return 0;
}

static int compute_match(struct toks *ts)
{
	size_t *stack, sp = 0;

	ts->match = malloc((ts->n ? ts->n : 1) * sizeof *ts->match);
	stack = malloc((ts->n ? ts->n : 1) * sizeof *stack);
	if (!ts->match || !stack) {
		free(stack);
		return -1;
	}
	for (size_t i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->v[i];
		ts->match[i] = -1;
		if (t->kind != VT_OP || t->n != 1)
			continue;
		char c = t->p[0];
		if (c == '(' || c == '[' || c == '{') {
			stack[sp++] = i;
		} else if (c == ')' || c == ']' || c == '}') {
			char o = c == ')' ? '(' : c == ']' ? '[' : '{';
			if (sp && ts->v[stack[sp - 1]].p[0] == o) {
				sp--;
				ts->match[i] = (long)stack[sp];
				ts->match[stack[sp]] = (long)i;
			}
		}
	}
	free(stack);
	return 0;
}

/* Scopes: design units, functions, tasks, begin/end and fork/join blocks. A name declared in
 * a scope is visible in it and in the scopes nested in it, up to the design unit. */
#define MAX_SCOPE_DEPTH 256

enum { SC_UNIT = 1, SC_FUNC, SC_TASK, SC_BLOCK, SC_FORK };

static int prev_is(const struct toks *ts, size_t i, size_t back, const char *w)
{
	return i >= back && is_kw(&ts->v[i - back], w);
}

static int opener_kind(const struct toks *ts, size_t i)
{
	const struct tok *t = &ts->v[i];
	if (t->kind != VT_IDENT)
		return 0;
	if (pol_in_list(t->p, t->n, unit_openers))
		return (prev_is(ts, i, 1, "virtual") || prev_is(ts, i, 1, "extern")) ? 0 : SC_UNIT;
	if (is_kw(t, "function") || is_kw(t, "task")) {
		/* prototypes have no body: extern, pure virtual, DPI imports/exports */
		if (prev_is(ts, i, 1, "extern") || prev_is(ts, i, 1, "pure") ||
		    prev_is(ts, i, 2, "pure") || prev_is(ts, i, 1, "context") ||
		    (i > 0 && ts->v[i - 1].kind == VT_STRING))
			return 0;
		return is_kw(t, "function") ? SC_FUNC : SC_TASK;
	}
	if (is_kw(t, "begin"))
		return SC_BLOCK;
	if (is_kw(t, "fork"))
		return (prev_is(ts, i, 1, "wait") || prev_is(ts, i, 1, "disable")) ? 0 : SC_FORK;
	return 0;
}

static int closer_kind(const struct tok *t)
{
	if (t->kind != VT_IDENT)
		return 0;
	if (pol_in_list(t->p, t->n, unit_closers))
		return SC_UNIT;
	if (is_kw(t, "endfunction"))
		return SC_FUNC;
	if (is_kw(t, "endtask"))
		return SC_TASK;
	if (is_kw(t, "end"))
		return SC_BLOCK;
	if (is_kw(t, "join") || is_kw(t, "join_any") || is_kw(t, "join_none"))
		return SC_FORK;
	return 0;
}

/* Returns 0, -1 on allocation failure, 1 when blocks nest deeper than MAX_SCOPE_DEPTH. */
static int compute_scopes(struct toks *ts)
{
	unsigned stack_id[MAX_SCOPE_DEPTH + 1];
	int stack_kind[MAX_SCOPE_DEPTH + 1];
	size_t depth = 0;
	unsigned cur = 0;

	ts->scope = malloc((ts->n ? ts->n : 1) * sizeof *ts->scope);
	ts->parent = malloc((ts->n + 1) * sizeof *ts->parent);
	ts->is_root = malloc(ts->n + 1);
	if (!ts->scope || !ts->parent || !ts->is_root)
		return -1;
	ts->nscopes = 1;
	ts->parent[0] = 0;
	ts->is_root[0] = 1;
	for (size_t i = 0; i < ts->n; i++) {
		int ok = opener_kind(ts, i), ck;
		ts->scope[i] = cur; /* an opener belongs to the enclosing scope */
		if (ok) {
			unsigned id = (unsigned)ts->nscopes++;
			if (depth == MAX_SCOPE_DEPTH)
				return 1;
			ts->parent[id] = cur;
			ts->is_root[id] = ok == SC_UNIT;
			stack_id[depth] = id;
			stack_kind[depth++] = ok;
			cur = id;
			continue;
		}
		ck = closer_kind(&ts->v[i]);
		if (ck) {
			/* close up to the innermost scope of this kind, if there is one */
			size_t d = depth;
			while (d > 0 && stack_kind[d - 1] != ck)
				d--;
			if (d > 0) {
				depth = d - 1;
				cur = depth ? stack_id[depth - 1] : 0;
			}
		}
	}
	return 0;
}

/* Is the name declared in scope s or a scope around it (within its design unit)? */
static int visible(const struct toks *ts, const struct nset *decl, unsigned s, const char *p,
		   size_t n)
{
	for (;;) {
		if (pol_nset_has(decl, s, p, n))
			return 1;
		if (ts->is_root[s])
			return 0;
		s = ts->parent[s];
	}
}

/* Past a bracket group starting at i (or just past i when unmatched). */
static size_t skip_group(const struct toks *ts, size_t i)
{
	long m = ts->match[i];
	return (m > (long)i) ? (size_t)m + 1 : i + 1;
}

static size_t skip_brackets(const struct toks *ts, size_t i)
{
	while (i < ts->n && is_op(&ts->v[i], '['))
		i = skip_group(ts, i);
	return i;
}

/* Past an initializer: up to (not past) a ',' or ';' at this level, or an unmatched closer. */
static size_t skip_expr(const struct toks *ts, size_t k)
{
	while (k < ts->n) {
		const struct tok *t = &ts->v[k];
		if (is_op(t, ',') || is_op(t, ';'))
			return k;
		if (is_op(t, '(') || is_op(t, '[') || is_op(t, '{')) {
			k = skip_group(ts, k);
			continue;
		}
		if (is_op(t, ')') || is_op(t, ']') || is_op(t, '}'))
			return k;
		k++;
	}
	return k;
}

static int add_name(struct nset *s, unsigned scope, const struct tok *t)
{
	const char *p;
	size_t n;
	name_of(t, &p, &n);
	return pol_nset_add(s, scope, p, n);
}

/* Collect declarators from the declaration starting at s (a declaration keyword or a type /
 * module name). Returns the index to continue from (> s), or (size_t)-1 on allocation
 * failure. */
static size_t scan_decl(const struct toks *ts, size_t s, struct nset *decl)
{
	int inst_mode = is_name(&ts->v[s]); /* a module instantiation or a user-typed decl */
	int last_was_name = 0;
	unsigned scope = ts->scope[s];
	size_t k = s;

	while (k < ts->n) {
		const struct tok *t = &ts->v[k];
		if (is_op(t, ';'))
			return k + 1;
		if (is_op(t, ')') || is_op(t, ']') || is_op(t, '}'))
			return k > s ? k : k + 1;
		if (is_op(t, '(')) {
			if (last_was_name && !inst_mode)
				return k; /* function/task ports: the main loop reads them */
			k = skip_group(ts, k);
			continue;
		}
		if (is_op(t, '[') || is_op(t, '{')) {
			k = skip_group(ts, k);
			continue;
		}
		if (is_op(t, '=')) {
			k = skip_expr(ts, k + 1);
			last_was_name = 0;
			continue;
		}
		if (is_op(t, '#')) {
			k++;
			if (k < ts->n && is_op(&ts->v[k], '('))
				k = skip_group(ts, k);
			else if (k < ts->n)
				k++;
			continue;
		}
		if (is_op(t, ',') || is_op(t, ':')) {
			k++;
			continue;
		}
		if (t->kind == VT_IDENT && pol_is_keyword(t->p, t->n)) {
			last_was_name = 0;
			k++;
			continue;
		}
		if (is_name(t)) {
			size_t j = skip_brackets(ts, k + 1);
			const struct tok *nx = at(ts, j);
			if (is_name(nx)) { /* a type name, then the declarator */
				k = j;
				continue;
			}
			if (is_op(nx, ':') && is_op(at(ts, j + 1), ':')) { /* pkg::type */
				k = j + 2;
				continue;
			}
			if (is_op(nx, '.') && is_name(at(ts, j + 1)) && is_name(at(ts, j + 2))) {
				k = j + 2; /* interface.modport port */
				continue;
			}
			if (is_op(nx, '#')) { /* parameterized module or class type */
				k = j;
				continue;
			}
			if (add_name(decl, scope, t) < 0)
				return (size_t)-1;
			last_was_name = 1;
			k = j;
			continue;
		}
		return k > s ? k : k + 1; /* not a declaration after all */
	}
	return k;
}

static int collect_declared(const struct toks *ts, struct nset *decl)
{
	size_t i = 0;

	while (i < ts->n) {
		const struct tok *t = &ts->v[i];
		unsigned scope = ts->scope[i];

		if (t->kind == VT_IDENT && pol_is_keyword(t->p, t->n)) {
			if (pol_in_list(t->p, t->n, unit_openers)) {
				size_t j = i + 1;
				while (is_kw(at(ts, j), "automatic") || is_kw(at(ts, j), "static"))
					j++;
				if (is_name(at(ts, j))) {
					if (add_name(decl, ts->scope[j], &ts->v[j]) < 0 ||
					    add_name(decl, SCOPE_GLOBAL, &ts->v[j]) < 0)
						return -1;
					j++; /* not a type name: M #(...) (...) is a header */
				}
				i = j;
				continue;
			}
			if (pol_in_list(t->p, t->n, decl_keywords)) {
				size_t r = scan_decl(ts, i, decl);
				if (r == (size_t)-1)
					return -1;
				i = r;
				continue;
			}
			if (is_kw(t, "class")) { /* class names scope like packages: C::x */
				size_t j = i + 1;
				while (is_kw(at(ts, j), "automatic") || is_kw(at(ts, j), "static"))
					j++;
				if (is_name(at(ts, j)) && add_name(decl, SCOPE_GLOBAL, &ts->v[j]) < 0)
					return -1;
				i = j;
				continue;
			}
			if ((is_kw(t, "begin") || is_kw(t, "fork")) && is_op(at(ts, i + 1), ':') &&
			    is_name(at(ts, i + 2))) {
				if (add_name(decl, scope, &ts->v[i + 2]) < 0)
					return -1;
				i += 3;
				continue;
			}
			i++;
			continue;
		}
		if (is_name(t)) {
			size_t j;
			const struct tok *nx;
			if (is_op(at(ts, i + 1), ':') && at(ts, i + 2)->kind == VT_IDENT &&
			    pol_in_list(at(ts, i + 2)->p, at(ts, i + 2)->n, label_keywords)) {
				if (add_name(decl, scope, t) < 0)
					return -1;
				i += 2;
				continue;
			}
			j = skip_brackets(ts, i + 1);
			nx = at(ts, j);
			if (is_name(nx) || (is_op(nx, '#') && is_op(at(ts, j + 1), '('))) {
				size_t r = scan_decl(ts, i, decl);
				if (r == (size_t)-1)
					return -1;
				i = r;
				continue;
			}
		}
		i++;
	}
	return 0;
}

static int check_hierarchy(const struct toks *ts, const struct nset *decl, char *reason,
			   size_t rl)
{
	int in_defparam = 0;
	char a[80], b[80];

	for (size_t i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->v[i];
		const char *p;
		size_t n, j;

		if (is_kw(t, "defparam"))
			in_defparam = 1;
		else if (is_op(t, ';'))
			in_defparam = 0;
		if (!is_name(t) && !is_kw(t, "this") && !is_kw(t, "super") && !is_kw(t, "local"))
			continue;
		if (i > 0 && is_op(&ts->v[i - 1], '.'))
			continue; /* a later component */
		if (i > 1 && is_op(&ts->v[i - 1], ':') && is_op(&ts->v[i - 2], ':'))
			continue; /* pkg::item */
		if (is_name(t) && is_op(at(ts, i + 1), ':') && is_op(at(ts, i + 2), ':')) {
			/* pkg::item and import pkg::*: only the candidate's own packages (and std);
			 * the harness's package variables are outside the design */
			name_of(t, &p, &n);
			if (pol_nset_has(decl, SCOPE_GLOBAL, p, n) || pol_eq(p, n, "std"))
				continue;
			pol_show(a, sizeof a, p, n);
			pol_show(b, sizeof b, at(ts, i + 3)->p, at(ts, i + 3)->n);
			return pol_refuse(reason, rl,
				      "policy: package reference '%s::%s' reaches outside the design "
				      "(line %u)",
				      a, b, t->line);
		}
		j = skip_brackets(ts, i + 1);
		if (!is_op(at(ts, j), '.') ||
		    !(at(ts, j + 1)->kind == VT_IDENT || at(ts, j + 1)->kind == VT_ESCID))
			continue;
		if (t->kind == VT_IDENT && pol_is_keyword(t->p, t->n))
			continue; /* this.x, super.x */
		name_of(t, &p, &n);
		if (visible(ts, decl, ts->scope[i], p, n))
			continue;
		/* interface_name.modport_name port_name, for an interface the source defines */
		if (is_name(at(ts, j + 2)) && pol_nset_has(decl, SCOPE_GLOBAL, p, n))
			continue;
		pol_show(a, sizeof a, p, n);
		{
			const char *q;
			size_t qn;
			name_of(at(ts, j + 1), &q, &qn);
			pol_show(b, sizeof b, q, qn);
		}
		if (in_defparam)
			return pol_refuse(reason, rl,
				      "policy: defparam target '%s.%s' reaches outside the design "
				      "(line %u)",
				      a, b, t->line);
		return pol_refuse(reason, rl,
			      "policy: hierarchical reference '%s.%s' reaches outside the design "
			      "(line %u)",
			      a, b, t->line);
	}
	return 0;
}

static int reserved_name(const char *p, size_t n, const char *const *reserved)
{
	if (n >= 5 && memcmp(p, "rtlr_", 5) == 0)
		return 1;
	if (reserved)
		for (; *reserved; reserved++)
			if (pol_eq(p, n, *reserved))
				return 1;
	return 0;
}

static int check_each_token(const struct toks *ts, const struct nset *macros,
			    const char *const *reserved, char *reason, size_t rl)
{
	char shown[80], shown2[80];

	for (size_t i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->v[i];

		if (t->kind == VT_SYSID) {
			const char *name = t->p + 1;
			size_t n = t->n - 1;
			if (pol_eq(name, n, "root"))
				return pol_refuse(reason, rl,
					      "policy: $root reaches outside the design (line %u)",
					      t->line);
			if (!pol_in_list(name, n, allowed_systf))
				return pol_refuse(reason, rl,
					      "policy: system task $%s is not allowed in RTL (line %u)",
					      pol_show(shown, sizeof shown, name, n), t->line);
			continue;
		}
		if (t->kind == VT_DIRECTIVE) {
			const struct tok *nx = at(ts, i + 1);
			struct vtok a, b;
			a.kind = t->kind;
			a.p = t->p;
			a.n = t->n;
			a.line = t->line;
			a.in_dir = 0;
			b.kind = nx->kind;
			b.p = nx->p;
			b.n = nx->n;
			b.line = nx->line;
			b.in_dir = 0;
			if (pol_check_directive(&a, nx->line == t->line ? &b : NULL, macros, reason, rl))
				return 1;
			continue;
		}
		if (is_name(t) && !(i > 0 && at(ts, i - 1)->kind == VT_IDENT &&
				    pol_in_list(at(ts, i - 1)->p, at(ts, i - 1)->n, unit_openers))) {
			/* instantiating the harness's or the golden's modules */
			const char *p;
			size_t n, j = skip_brackets(ts, i + 1);
			name_of(t, &p, &n);
			if ((is_name(at(ts, j)) || (is_op(at(ts, j), '#') && is_op(at(ts, j + 1), '('))) &&
			    reserved_name(p, n, reserved))
				return pol_refuse(reason, rl,
					      "policy: module '%s' is reserved and may not be "
					      "instantiated (line %u)",
					      pol_show(shown, sizeof shown, p, n), t->line);
		}
		if (t->kind != VT_IDENT)
			continue;
		if (is_kw(t, "force") || is_kw(t, "release") || is_kw(t, "bind") || is_kw(t, "config"))
			return pol_refuse(reason, rl, "policy: '%s' is not allowed in RTL (line %u)",
				      pol_show(shown, sizeof shown, t->p, t->n), t->line);
		if ((is_kw(t, "import") || is_kw(t, "export")) && at(ts, i + 1)->kind == VT_STRING)
			return pol_refuse(reason, rl, "policy: DPI %s %s is not allowed (line %u)",
				      is_kw(t, "import") ? "import" : "export",
				      pol_show(shown, sizeof shown, at(ts, i + 1)->p, at(ts, i + 1)->n),
				      t->line);
		if (pol_in_list(t->p, t->n, unit_openers) && !(i > 0 && is_kw(&ts->v[i - 1], "virtual"))) {
			size_t j = i + 1;
			const char *p;
			size_t n;
			while (is_kw(at(ts, j), "automatic") || is_kw(at(ts, j), "static"))
				j++;
			if (!is_name(at(ts, j)))
				continue;
			name_of(at(ts, j), &p, &n);
			if (reserved_name(p, n, reserved))
				return pol_refuse(reason, rl, "policy: %s name '%s' is reserved (line %u)",
					      is_kw(t, "macromodule")
						      ? "module"
						      : pol_show(shown2, sizeof shown2, t->p, t->n),
					      pol_show(shown, sizeof shown, p, n), at(ts, j)->line);
		}
	}
	return 0;
}

int policy_check_tokens(const char *src, size_t len, const char *const *reserved,
			char *reason, size_t reasonlen)
{
	struct toks ts = {0};
	struct nset decl = {0}, macros = {0};
	int rc;

	if (reason && reasonlen)
		reason[0] = 0;
	if (!src)
		return -1;
	if (pol_check_nul(src, len, reason, reasonlen))
		return 1;
	rc = tokenize(src, len, &ts, reason, reasonlen);
	if (rc)
		goto out;
	if (compute_match(&ts) < 0 || pol_collect_macros(src, len, &macros) < 0) {
		rc = -1;
		goto out;
	}
	rc = compute_scopes(&ts);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		rc = pol_refuse(reason, reasonlen, "policy: blocks nest more than %d deep",
			    MAX_SCOPE_DEPTH);
		goto out;
	}
	rc = check_each_token(&ts, &macros, reserved, reason, reasonlen);
	if (rc)
		goto out;
	if (collect_declared(&ts, &decl) < 0) {
		rc = -1;
		goto out;
	}
	rc = check_hierarchy(&ts, &decl, reason, reasonlen);
out:
	toks_free(&ts);
	pol_nset_free(&decl);
	pol_nset_free(&macros);
	return rc;
}
