/* policy: source checks before any tool sees a candidate (see policy.h). */
#include "policy.h"
#include "normalize.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* word lists                                                                                */

static const char *const sv_keywords[] = { /* sorted (strcmp order) */
	"accept_on", "alias", "always", "always_comb", "always_ff", "always_latch", "and", "assert",
	"assign", "assume", "automatic", "before", "begin", "bind", "bins", "binsof", "bit", "break",
	"buf", "bufif0", "bufif1", "byte", "case", "casex", "casez", "cell", "chandle", "checker",
	"class", "clocking", "cmos", "config", "const", "constraint", "context", "continue", "cover",
	"covergroup", "coverpoint", "cross", "deassign", "default", "defparam", "design", "disable",
	"dist", "do", "edge", "else", "end", "endcase", "endchecker", "endclass", "endclocking",
	"endconfig", "endfunction", "endgenerate", "endgroup", "endinterface", "endmodule",
	"endpackage", "endprimitive", "endprogram", "endproperty", "endsequence", "endspecify",
	"endtable", "endtask", "enum", "event", "eventually", "expect", "export", "extends", "extern",
	"final", "first_match", "for", "force", "foreach", "forever", "fork", "forkjoin", "function",
	"generate", "genvar", "global", "highz0", "highz1", "if", "iff", "ifnone", "ignore_bins",
	"illegal_bins", "implements", "implies", "import", "incdir", "include", "initial", "inout",
	"input", "inside", "instance", "int", "integer", "interconnect", "interface", "intersect",
	"join", "join_any", "join_none", "large", "let", "liblist", "library", "local", "localparam",
	"logic", "longint", "macromodule", "matches", "medium", "modport", "module", "nand",
	"negedge", "nettype", "new", "nexttime", "nmos", "nor", "noshowcancelled", "not", "notif0",
	"notif1", "null", "or", "output", "package", "packed", "parameter", "pmos", "posedge",
	"primitive", "priority", "program", "property", "protected", "pull0", "pull1", "pulldown",
	"pullup", "pulsestyle_ondetect", "pulsestyle_onevent", "pure", "rand", "randc", "randcase",
	"randsequence", "rcmos", "real", "realtime", "ref", "reg", "reject_on", "release", "repeat",
	"restrict", "return", "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1", "s_always",
	"s_eventually", "s_nexttime", "s_until", "s_until_with", "scalared", "sequence", "shortint",
	"shortreal", "showcancelled", "signed", "small", "soft", "solve", "specify", "specparam",
	"static", "string", "strong", "strong0", "strong1", "struct", "super", "supply0", "supply1",
	"sync_accept_on", "sync_reject_on", "table", "tagged", "task", "this", "throughout", "time",
	"timeprecision", "timeunit", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand",
	"trior", "trireg", "type", "typedef", "union", "unique", "unique0", "unsigned", "until",
	"until_with", "untyped", "use", "uwire", "var", "vectored", "virtual", "void", "wait",
	"wait_order", "wand", "weak", "weak0", "weak1", "while", "wildcard", "wire", "with", "within",
	"wor", "xnor", "xor",
};

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

/* Backtick directives a candidate may use (besides macros it defines itself). */
static const char *const allowed_directives[] = {
	"define", "undef", "ifdef", "ifndef", "elsif", "else", "endif", "timescale",
	"default_nettype", "resetall", "line", "celldefine", "endcelldefine", "__FILE__",
	"__LINE__", NULL,
};

/* Macros that tell which tool is running: a candidate must not branch on them. */
static const char *const tool_macros[] = {
	"VERILATOR", "verilator", "verilator3", "SYNTHESIS", "__ICARUS__", "IVERILOG", "YOSYS",
	"FORMAL", "COCOTB_SIM", "SYSTEMVERILOG", "VCS", "MODEL_TECH", "QUESTA", "XCELIUM",
	"INCA", "__VERILATOR__", NULL,
};

/* First words of a comment that tools read as instructions. */
static const char *const meta_words[] = {
	"verilator", "synopsys", "synthesis", "pragma", "lint_off", "lint_on", "translate_off",
	"translate_on", "cadence", "ambit", "coverage", "tracing_off", "tracing_on", "xilinx",
	"altera", "exemplar", "pragma_protect", NULL,
};

static int eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

static int in_list(const char *p, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (eq(p, n, *list))
			return 1;
	return 0;
}

static int is_keyword(const char *p, size_t n)
{
	size_t lo = 0, hi = sizeof sv_keywords / sizeof sv_keywords[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *k = sv_keywords[mid];
		size_t kn = strlen(k);
		int c = memcmp(p, k, n < kn ? n : kn);
		if (c == 0)
			c = n < kn ? -1 : n > kn ? 1 : 0;
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int policy_is_keyword(const char *p, size_t n)
{
	return is_keyword(p, n);
}

static int is_tool_macro(const char *p, size_t n)
{
	if (in_list(p, n, tool_macros))
		return 1;
	return n >= 5 && (memcmp(p, "RTLR_", 5) == 0 || memcmp(p, "rtlr_", 5) == 0);
}

/* Directive names (without backtick) that are never allowed, even as a macro's name. */
static int is_foreign_directive(const char *p, size_t n)
{
	if (in_list(p, n, allowed_directives))
		return 0;
	return vlex_is_line_directive(p, n) || (n >= 8 && memcmp(p, "systemc_", 8) == 0) ||
	       (n >= 9 && memcmp(p, "verilator", 9) == 0) || (n >= 7 && memcmp(p, "protect", 7) == 0);
}

/* ---------------------------------------------------------------------------------------- */
/* reasons                                                                                   */

__attribute__((format(printf, 3, 4))) static int refuse(char *reason, size_t len,
							 const char *fmt, ...)
{
	va_list ap;
	if (reason && len) {
		va_start(ap, fmt);
		vsnprintf(reason, len, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* A name fit for a one-line reason: printable ASCII, at most 64 bytes. */
static const char *show(char *dst, size_t cap, const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++) {
		unsigned char c = (unsigned char)p[i];
		dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		if (k >= 64) {
			dst[k++] = '.';
			dst[k++] = '.';
			dst[k++] = '.';
			break;
		}
	}
	dst[k] = 0;
	return dst;
}

/* ---------------------------------------------------------------------------------------- */
/* a set of names, each in a scope                                                          */

struct nent {
	const char *p;
	size_t n;
	unsigned scope;
	int used;
};

struct nset {
	struct nent *v;
	size_t cap, cnt;
};

#define SCOPE_GLOBAL 0xffffffffu /* names of the design units the source defines */

static uint64_t nhash(unsigned scope, const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ scope;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int nset_has(const struct nset *s, unsigned scope, const char *p, size_t n)
{
	if (!s->cap)
		return 0;
	for (size_t i = nhash(scope, p, n) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		const struct nent *e = &s->v[i];
		if (!e->used)
			return 0;
		if (e->scope == scope && e->n == n && memcmp(e->p, p, n) == 0)
			return 1;
	}
}

static int nset_add(struct nset *s, unsigned scope, const char *p, size_t n)
{
	size_t i;
	if (nset_has(s, scope, p, n))
		return 0;
	if ((s->cnt + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct nent *nv = calloc(ncap, sizeof *nv);
		if (!nv)
			return -1;
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->v[k].used)
				continue;
			i = nhash(s->v[k].scope, s->v[k].p, s->v[k].n) & (ncap - 1);
			while (nv[i].used)
				i = (i + 1) & (ncap - 1);
			nv[i] = s->v[k];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	i = nhash(scope, p, n) & (s->cap - 1);
	while (s->v[i].used)
		i = (i + 1) & (s->cap - 1);
	s->v[i].p = p;
	s->v[i].n = n;
	s->v[i].scope = scope;
	s->v[i].used = 1;
	s->cnt++;
	return 0;
}

static void nset_free(struct nset *s)
{
	free(s->v);
	s->v = NULL;
	s->cap = s->cnt = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* shared checks                                                                             */

/* Refuses a comment that tools read as a directive. */
static int check_metacomment(const struct vtok *t, char *reason, size_t rl)
{
	const char *p = t->p + 2, *e = t->p + t->n;
	char word[32], shown[80];
	size_t k = 0;

	if (t->kind == VT_BCOMMENT && e - p >= 2 && e[-1] == '/' && e[-2] == '*')
		e -= 2;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '*' ||
			 *p == '/' || *p == '!' || *p == '\f' || *p == '\v'))
		p++;
	while (p < e && k + 1 < sizeof word &&
	       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		*p == '_')) {
		char c = *p++;
		word[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	word[k] = 0;
	if (!k)
		return 0;
	/* tools read "word<blank>..." or "word" alone; "Synthesis: ..." is prose */
	if ((in_list(word, k, meta_words) &&
	     (p == e || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '*')) ||
	    strncmp(word, "verilator", 9) == 0 || strncmp(word, "synopsys", 8) == 0 ||
	    strncmp(word, "lint_", 5) == 0)
		return refuse(reason, rl,
			      "policy: metacomment '%s' is not allowed (tools read it as a "
			      "directive) (line %u)",
			      show(shown, sizeof shown, t->p, (size_t)(p - t->p)), t->line);
	return 0;
}

static int check_nul(const char *src, size_t len, char *reason, size_t rl)
{
	const char *z = memchr(src, 0, len);
	unsigned line = 1;
	if (!z)
		return 0;
	for (const char *q = src; q < z; q++)
		line += *q == '\n';
	return refuse(reason, rl, "policy: the source contains a NUL byte (line %u)", line);
}

/* Collect the names the source `defines. */
static int collect_macros(const char *src, size_t len, struct nset *macros)
{
	struct vlex lx;
	struct vtok t;
	int want = 0;

	vlex_init(&lx, src, len);
	for (vlex_next(&lx, &t); t.kind != VT_EOF; vlex_next(&lx, &t)) {
		if (t.kind == VT_SPACE || t.kind == VT_BCOMMENT)
			continue;
		if (want && (t.kind == VT_IDENT || t.kind == VT_ESCID)) {
			if (nset_add(macros, 0, t.p, t.n) < 0)
				return -1;
		}
		want = t.kind == VT_DIRECTIVE && eq(t.p, t.n, "`define");
	}
	return 0;
}

/* A directive token; op_next is the next significant token on the line (or NULL).
 * Returns 1 when refused. */
static int check_directive(const struct vtok *t, const struct vtok *op_next,
			   const struct nset *macros, char *reason, size_t rl)
{
	const char *name = t->p + 1;
	size_t n = t->n - 1;
	char shown[80], shown2[80];

	if (eq(name, n, "include"))
		return refuse(reason, rl, "policy: `include is not allowed (line %u)", t->line);
	if (is_foreign_directive(name, n))
		return refuse(reason, rl, "policy: directive `%s is not allowed (line %u)",
			      show(shown, sizeof shown, name, n), t->line);
	if (in_list(name, n, allowed_directives)) {
		if (op_next && (op_next->kind == VT_IDENT || op_next->kind == VT_ESCID) &&
		    (eq(name, n, "ifdef") || eq(name, n, "ifndef") || eq(name, n, "elsif") ||
		     eq(name, n, "define") || eq(name, n, "undef"))) {
			const char *op = op_next->p;
			size_t on = op_next->n;
			if (op_next->kind == VT_ESCID && on > 1) { /* \VERILATOR is VERILATOR */
				op++;
				on--;
			}
			if (is_tool_macro(op, on))
				return refuse(reason, rl,
					      "policy: `%s %s is not allowed: the design must not "
					      "depend on the tool (line %u)",
					      show(shown, sizeof shown, name, n),
					      show(shown2, sizeof shown2, op, on), t->line);
			if (eq(name, n, "define") && (is_foreign_directive(op, on) || eq(op, on, "line")))
				return refuse(reason, rl,
					      "policy: a macro may not be named after the directive "
					      "`%s (line %u)",
					      show(shown, sizeof shown, op, on), t->line);
		}
		return 0;
	}
	if (is_tool_macro(name, n))
		return refuse(reason, rl,
			      "policy: `%s is not allowed: the design must not depend on the tool "
			      "(line %u)",
			      show(shown, sizeof shown, name, n), t->line);
	if (macros && nset_has(macros, 0, name, n))
		return 0;
	return refuse(reason, rl,
		      "policy: directive `%s is not allowed (neither an allowed directive nor a "
		      "macro the source defines) (line %u)",
		      show(shown, sizeof shown, name, n), t->line);
}

static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

/* A backtick that is not part of a directive or macro use can assemble one during
 * preprocessing (`define BT ` then `BT``include). Refuse a lone backtick, and token pasting
 * that does not sit between two identifier characters inside a macro body. */
static int check_backtick(const struct vtok *t, const char *src, size_t len, char *reason,
			  size_t rl)
{
	size_t off;
	if (t->kind != VT_OP || t->p[0] != '`')
		return 0;
	if (t->n == 1)
		return refuse(reason, rl, "policy: a lone backtick is not allowed (line %u)", t->line);
	if (t->n == 2 && t->p[1] == '`') {
		off = (size_t)(t->p - src);
		if (!t->in_dir || off == 0 || off + 2 >= len || !id_char(src[off - 1]) ||
		    !id_char(src[off + 2]))
			return refuse(reason, rl,
				      "policy: token pasting (``) is allowed only between two "
				      "identifier characters in a macro body (line %u)",
				      t->line);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* raw pass                                                                                  */

int policy_check_raw(const char *src, size_t len, char *reason, size_t reasonlen)
{
	struct nset macros = {0}, formals = {0};
	struct vlex lx;
	struct vtok t, dir;
	int have_dir = 0, rc = 0;
	/* inside `define: 1 wants the name, 2 after it, 3 in the formals, 4 in the body */
	int def_state = 0, depth = 0, want_formal = 0;
	const char *name_end = NULL;

	if (reason && reasonlen)
		reason[0] = 0;
	if (!src)
		return -1;
	if (check_nul(src, len, reason, reasonlen))
		return 1;
	if (collect_macros(src, len, &macros) < 0) {
		nset_free(&macros);
		return -1;
	}
	vlex_init(&lx, src, len);
	memset(&dir, 0, sizeof dir);
	for (vlex_next(&lx, &t);; vlex_next(&lx, &t)) {
		if (have_dir && t.kind != VT_SPACE && t.kind != VT_BCOMMENT) {
			/* the directive with the token after it (its operand, if on the same line) */
			int same_line = t.kind == VT_IDENT || t.kind == VT_ESCID;
			rc = check_directive(&dir, same_line ? &t : NULL, &macros, reason, reasonlen);
			have_dir = 0;
			if (rc)
				break;
		}
		if (t.kind == VT_EOF)
			break;
		/* A macro's formal argument used as a directive name (`define Q(a) `a) is replaced
		 * by the argument: `Q(include) would be an `include. */
		if (t.kind == VT_DIREND) {
			def_state = 0;
			nset_free(&formals);
		} else if (def_state == 1 && (t.kind == VT_IDENT || t.kind == VT_ESCID)) {
			def_state = 2;
			name_end = t.p + t.n;
			continue;
		} else if (def_state == 2 && t.kind != VT_SPACE && t.kind != VT_CONT) {
			if (t.kind == VT_OP && t.p[0] == '(' && t.p == name_end) {
				def_state = 3;
				depth = 1;
				want_formal = 1;
				continue;
			}
			def_state = 4;
		} else if (def_state == 3) {
			if ((t.kind == VT_IDENT || t.kind == VT_ESCID) && want_formal && depth == 1) {
				if (nset_add(&formals, 0, t.p, t.n) < 0) {
					rc = -1;
					break;
				}
				want_formal = 0;
			} else if (t.kind == VT_OP && t.p[0] == ',' && depth == 1) {
				want_formal = 1;
			} else if (t.kind == VT_OP && t.p[0] == '(') {
				depth++;
			} else if (t.kind == VT_OP && t.p[0] == ')' && --depth == 0) {
				def_state = 4;
			}
		} else if (def_state == 4 && t.kind == VT_DIRECTIVE &&
			   nset_has(&formals, 0, t.p + 1, t.n - 1)) {
			char shown[80];
			rc = refuse(reason, reasonlen,
				    "policy: `%s uses a macro argument as a directive name (line %u)",
				    show(shown, sizeof shown, t.p + 1, t.n - 1), t.line);
			break;
		}
		if (t.kind == VT_LCOMMENT || t.kind == VT_BCOMMENT) {
			rc = check_metacomment(&t, reason, reasonlen);
			if (rc)
				break;
		} else if (t.kind == VT_DIRECTIVE) {
			if (eq(t.p, t.n, "`line")) {
				/* a `line naming another file would make a tool's error about the
				 * candidate look like one about a trusted file */
				rc = refuse(reason, reasonlen,
					    "policy: `line is not allowed: a candidate may not rename "
					    "its file or its lines (line %u)",
					    t.line);
				break;
			}
			if (def_state == 0 && eq(t.p, t.n, "`define")) {
				def_state = 1;
				nset_free(&formals);
			}
			dir = t;
			have_dir = 1;
		} else if (t.kind == VT_OP) {
			rc = check_backtick(&t, src, len, reason, reasonlen);
			if (rc)
				break;
		}
	}
	nset_free(&macros);
	nset_free(&formals);
	return rc;
}

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
	return t->kind == VT_IDENT && eq(t->p, t->n, w);
}

/* A user name: non-keyword identifier or escaped identifier. */
static int is_name(const struct tok *t)
{
	return (t->kind == VT_IDENT && !is_keyword(t->p, t->n)) || t->kind == VT_ESCID;
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
			if (check_metacomment(&t, reason, rl))
				return 1;
			continue;
		case VT_OP:
			if (check_backtick(&t, src, len, reason, rl))
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
				return refuse(reason, rl,
					      "policy: `line naming another file (%s) is not allowed "
					      "(line %u)",
					      show(shown, sizeof shown, t.p, t.n), t.line);
			}
		}
		if (in_line_dir && ((line_args == 1 && t.kind == VT_STRING) ||
				    (line_args == 2 && t.kind == VT_NUMBER))) {
			line_args++;
			continue;
		}
		if (t.kind == VT_DIRECTIVE && eq(t.p, t.n, "`line") && !t.in_dir) {
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
	if (in_list(t->p, t->n, unit_openers))
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
	if (in_list(t->p, t->n, unit_closers))
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
		if (nset_has(decl, s, p, n))
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
	return nset_add(s, scope, p, n);
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
		if (t->kind == VT_IDENT && is_keyword(t->p, t->n)) {
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

		if (t->kind == VT_IDENT && is_keyword(t->p, t->n)) {
			if (in_list(t->p, t->n, unit_openers)) {
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
			if (in_list(t->p, t->n, decl_keywords)) {
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
			    in_list(at(ts, i + 2)->p, at(ts, i + 2)->n, label_keywords)) {
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
			if (nset_has(decl, SCOPE_GLOBAL, p, n) || eq(p, n, "std"))
				continue;
			show(a, sizeof a, p, n);
			show(b, sizeof b, at(ts, i + 3)->p, at(ts, i + 3)->n);
			return refuse(reason, rl,
				      "policy: package reference '%s::%s' reaches outside the design "
				      "(line %u)",
				      a, b, t->line);
		}
		j = skip_brackets(ts, i + 1);
		if (!is_op(at(ts, j), '.') ||
		    !(at(ts, j + 1)->kind == VT_IDENT || at(ts, j + 1)->kind == VT_ESCID))
			continue;
		if (t->kind == VT_IDENT && is_keyword(t->p, t->n))
			continue; /* this.x, super.x */
		name_of(t, &p, &n);
		if (visible(ts, decl, ts->scope[i], p, n))
			continue;
		/* interface_name.modport_name port_name, for an interface the source defines */
		if (is_name(at(ts, j + 2)) && nset_has(decl, SCOPE_GLOBAL, p, n))
			continue;
		show(a, sizeof a, p, n);
		{
			const char *q;
			size_t qn;
			name_of(at(ts, j + 1), &q, &qn);
			show(b, sizeof b, q, qn);
		}
		if (in_defparam)
			return refuse(reason, rl,
				      "policy: defparam target '%s.%s' reaches outside the design "
				      "(line %u)",
				      a, b, t->line);
		return refuse(reason, rl,
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
			if (eq(p, n, *reserved))
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
			if (eq(name, n, "root"))
				return refuse(reason, rl,
					      "policy: $root reaches outside the design (line %u)",
					      t->line);
			if (!in_list(name, n, allowed_systf))
				return refuse(reason, rl,
					      "policy: system task $%s is not allowed in RTL (line %u)",
					      show(shown, sizeof shown, name, n), t->line);
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
			if (check_directive(&a, nx->line == t->line ? &b : NULL, macros, reason, rl))
				return 1;
			continue;
		}
		if (is_name(t) && !(i > 0 && at(ts, i - 1)->kind == VT_IDENT &&
				    in_list(at(ts, i - 1)->p, at(ts, i - 1)->n, unit_openers))) {
			/* instantiating the harness's or the golden's modules */
			const char *p;
			size_t n, j = skip_brackets(ts, i + 1);
			name_of(t, &p, &n);
			if ((is_name(at(ts, j)) || (is_op(at(ts, j), '#') && is_op(at(ts, j + 1), '('))) &&
			    reserved_name(p, n, reserved))
				return refuse(reason, rl,
					      "policy: module '%s' is reserved and may not be "
					      "instantiated (line %u)",
					      show(shown, sizeof shown, p, n), t->line);
		}
		if (t->kind != VT_IDENT)
			continue;
		if (is_kw(t, "force") || is_kw(t, "release") || is_kw(t, "bind") || is_kw(t, "config"))
			return refuse(reason, rl, "policy: '%s' is not allowed in RTL (line %u)",
				      show(shown, sizeof shown, t->p, t->n), t->line);
		if ((is_kw(t, "import") || is_kw(t, "export")) && at(ts, i + 1)->kind == VT_STRING)
			return refuse(reason, rl, "policy: DPI %s %s is not allowed (line %u)",
				      is_kw(t, "import") ? "import" : "export",
				      show(shown, sizeof shown, at(ts, i + 1)->p, at(ts, i + 1)->n),
				      t->line);
		if (in_list(t->p, t->n, unit_openers) && !(i > 0 && is_kw(&ts->v[i - 1], "virtual"))) {
			size_t j = i + 1;
			const char *p;
			size_t n;
			while (is_kw(at(ts, j), "automatic") || is_kw(at(ts, j), "static"))
				j++;
			if (!is_name(at(ts, j)))
				continue;
			name_of(at(ts, j), &p, &n);
			if (reserved_name(p, n, reserved))
				return refuse(reason, rl, "policy: %s name '%s' is reserved (line %u)",
					      is_kw(t, "macromodule")
						      ? "module"
						      : show(shown2, sizeof shown2, t->p, t->n),
					      show(shown, sizeof shown, p, n), at(ts, j)->line);
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
	if (check_nul(src, len, reason, reasonlen))
		return 1;
	rc = tokenize(src, len, &ts, reason, reasonlen);
	if (rc)
		goto out;
	if (compute_match(&ts) < 0 || collect_macros(src, len, &macros) < 0) {
		rc = -1;
		goto out;
	}
	rc = compute_scopes(&ts);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		rc = refuse(reason, reasonlen, "policy: blocks nest more than %d deep",
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
	nset_free(&decl);
	nset_free(&macros);
	return rc;
}
