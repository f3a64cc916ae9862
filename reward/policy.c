/* policy: source checks before any tool sees a candidate (see policy.h).
 * This file: the word lists and shared helpers (policy_internal.h), the raw-text checks
 * (NUL bytes, metacomments, directives, backticks) and policy_check_raw. The token pass
 * (policy_check_tokens) is in policy_tokens.c. */
#include "policy.h"
#include "policy_internal.h"
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

int pol_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

int pol_in_list(const char *p, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (pol_eq(p, n, *list))
			return 1;
	return 0;
}

int pol_is_keyword(const char *p, size_t n)
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
	return pol_is_keyword(p, n);
}

static int is_tool_macro(const char *p, size_t n)
{
	if (pol_in_list(p, n, tool_macros))
		return 1;
	return n >= 5 && (memcmp(p, "RTLR_", 5) == 0 || memcmp(p, "rtlr_", 5) == 0);
}

/* Directive names (without backtick) that are never allowed, even as a macro's name. */
static int is_foreign_directive(const char *p, size_t n)
{
	if (pol_in_list(p, n, allowed_directives))
		return 0;
	return vlex_is_line_directive(p, n) || (n >= 8 && memcmp(p, "systemc_", 8) == 0) ||
	       (n >= 9 && memcmp(p, "verilator", 9) == 0) || (n >= 7 && memcmp(p, "protect", 7) == 0);
}

/* ---------------------------------------------------------------------------------------- */
/* reasons                                                                                   */

int pol_refuse(char *reason, size_t len, const char *fmt, ...)
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
const char *pol_show(char *dst, size_t cap, const char *p, size_t n)
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

static uint64_t nhash(unsigned scope, const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ scope;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

int pol_nset_has(const struct nset *s, unsigned scope, const char *p, size_t n)
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

int pol_nset_add(struct nset *s, unsigned scope, const char *p, size_t n)
{
	size_t i;
	if (pol_nset_has(s, scope, p, n))
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

void pol_nset_free(struct nset *s)
{
	free(s->v);
	s->v = NULL;
	s->cap = s->cnt = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* shared checks                                                                             */

/* Refuses a comment that tools read as a directive. */
int pol_check_metacomment(const struct vtok *t, char *reason, size_t rl)
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
	if ((pol_in_list(word, k, meta_words) &&
	     (p == e || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '*')) ||
	    strncmp(word, "verilator", 9) == 0 || strncmp(word, "synopsys", 8) == 0 ||
	    strncmp(word, "lint_", 5) == 0)
		return pol_refuse(reason, rl,
			      "policy: metacomment '%s' is not allowed (tools read it as a "
			      "directive) (line %u)",
			      pol_show(shown, sizeof shown, t->p, (size_t)(p - t->p)), t->line);
	return 0;
}

int pol_check_nul(const char *src, size_t len, char *reason, size_t rl)
{
	const char *z = memchr(src, 0, len);
	unsigned line = 1;
	if (!z)
		return 0;
	for (const char *q = src; q < z; q++)
		line += *q == '\n';
	return pol_refuse(reason, rl, "policy: the source contains a NUL byte (line %u)", line);
}

/* Collect the names the source `defines. */
int pol_collect_macros(const char *src, size_t len, struct nset *macros)
{
	struct vlex lx;
	struct vtok t;
	int want = 0;

	vlex_init(&lx, src, len);
	for (vlex_next(&lx, &t); t.kind != VT_EOF; vlex_next(&lx, &t)) {
		if (t.kind == VT_SPACE || t.kind == VT_BCOMMENT)
			continue;
		if (want && (t.kind == VT_IDENT || t.kind == VT_ESCID)) {
			if (pol_nset_add(macros, 0, t.p, t.n) < 0)
				return -1;
		}
		want = t.kind == VT_DIRECTIVE && pol_eq(t.p, t.n, "`define");
	}
	return 0;
}

/* A directive token; op_next is the next significant token on the line (or NULL).
 * Returns 1 when refused. */
int pol_check_directive(const struct vtok *t, const struct vtok *op_next,
			   const struct nset *macros, char *reason, size_t rl)
{
	const char *name = t->p + 1;
	size_t n = t->n - 1;
	char shown[80], shown2[80];

	if (pol_eq(name, n, "include"))
		return pol_refuse(reason, rl, "policy: `include is not allowed (line %u)", t->line);
	if (is_foreign_directive(name, n))
		return pol_refuse(reason, rl, "policy: directive `%s is not allowed (line %u)",
			      pol_show(shown, sizeof shown, name, n), t->line);
	if (pol_in_list(name, n, allowed_directives)) {
		if (op_next && (op_next->kind == VT_IDENT || op_next->kind == VT_ESCID) &&
		    (pol_eq(name, n, "ifdef") || pol_eq(name, n, "ifndef") || pol_eq(name, n, "elsif") ||
		     pol_eq(name, n, "define") || pol_eq(name, n, "undef"))) {
			const char *op = op_next->p;
			size_t on = op_next->n;
			if (op_next->kind == VT_ESCID && on > 1) { /* \VERILATOR is VERILATOR */
				op++;
				on--;
			}
			if (is_tool_macro(op, on))
				return pol_refuse(reason, rl,
					      "policy: `%s %s is not allowed: the design must not "
					      "depend on the tool (line %u)",
					      pol_show(shown, sizeof shown, name, n),
					      pol_show(shown2, sizeof shown2, op, on), t->line);
			if (pol_eq(name, n, "define") && (is_foreign_directive(op, on) || pol_eq(op, on, "line")))
				return pol_refuse(reason, rl,
					      "policy: a macro may not be named after the directive "
					      "`%s (line %u)",
					      pol_show(shown, sizeof shown, op, on), t->line);
		}
		return 0;
	}
	if (is_tool_macro(name, n))
		return pol_refuse(reason, rl,
			      "policy: `%s is not allowed: the design must not depend on the tool "
			      "(line %u)",
			      pol_show(shown, sizeof shown, name, n), t->line);
	if (macros && pol_nset_has(macros, 0, name, n))
		return 0;
	return pol_refuse(reason, rl,
		      "policy: directive `%s is not allowed (neither an allowed directive nor a "
		      "macro the source defines) (line %u)",
		      pol_show(shown, sizeof shown, name, n), t->line);
}

static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

/* A backtick that is not part of a directive or macro use can assemble one during
 * preprocessing (`define BT ` then `BT``include). Refuse a lone backtick, and token pasting
 * that does not sit between two identifier characters inside a macro body. */
int pol_check_backtick(const struct vtok *t, const char *src, size_t len, char *reason,
			  size_t rl)
{
	size_t off;
	if (t->kind != VT_OP || t->p[0] != '`')
		return 0;
	if (t->n == 1)
		return pol_refuse(reason, rl, "policy: a lone backtick is not allowed (line %u)", t->line);
	if (t->n == 2 && t->p[1] == '`') {
		off = (size_t)(t->p - src);
		if (!t->in_dir || off == 0 || off + 2 >= len || !id_char(src[off - 1]) ||
		    !id_char(src[off + 2]))
			return pol_refuse(reason, rl,
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
	if (pol_check_nul(src, len, reason, reasonlen))
		return 1;
	if (pol_collect_macros(src, len, &macros) < 0) {
		pol_nset_free(&macros);
		return -1;
	}
	vlex_init(&lx, src, len);
	memset(&dir, 0, sizeof dir);
	for (vlex_next(&lx, &t);; vlex_next(&lx, &t)) {
		if (have_dir && t.kind != VT_SPACE && t.kind != VT_BCOMMENT) {
			/* the directive with the token after it (its operand, if on the same line) */
			int same_line = t.kind == VT_IDENT || t.kind == VT_ESCID;
			rc = pol_check_directive(&dir, same_line ? &t : NULL, &macros, reason, reasonlen);
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
			pol_nset_free(&formals);
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
				if (pol_nset_add(&formals, 0, t.p, t.n) < 0) {
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
			   pol_nset_has(&formals, 0, t.p + 1, t.n - 1)) {
			char shown[80];
			rc = pol_refuse(reason, reasonlen,
				    "policy: `%s uses a macro argument as a directive name (line %u)",
				    pol_show(shown, sizeof shown, t.p + 1, t.n - 1), t.line);
			break;
		}
		if (t.kind == VT_LCOMMENT || t.kind == VT_BCOMMENT) {
			rc = pol_check_metacomment(&t, reason, reasonlen);
			if (rc)
				break;
		} else if (t.kind == VT_DIRECTIVE) {
			if (pol_eq(t.p, t.n, "`line")) {
				/* a `line naming another file would make a tool's error about the
				 * candidate look like one about a trusted file */
				rc = pol_refuse(reason, reasonlen,
					    "policy: `line is not allowed: a candidate may not rename "
					    "its file or its lines (line %u)",
					    t.line);
				break;
			}
			if (def_state == 0 && pol_eq(t.p, t.n, "`define")) {
				def_state = 1;
				pol_nset_free(&formals);
			}
			dir = t;
			have_dir = 1;
		} else if (t.kind == VT_OP) {
			rc = pol_check_backtick(&t, src, len, reason, reasonlen);
			if (rc)
				break;
		}
	}
	pol_nset_free(&macros);
	pol_nset_free(&formals);
	return rc;
}
