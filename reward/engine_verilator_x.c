/* Verilator engine, equivalence mode: X and delays (issue 11, causes 5 and 6). This file owns
 * what decides whether Verilator's 2-state, no-timing simulation can give the verdict Icarus's
 * 4-state one would (Icarus's X rule: a golden X is a don't-care, a candidate X matches only X):
 *
 * - Initial values. Golden and candidate are verilated with --x-assign unique --x-initial unique
 *   (VL_VERILATE in engine_verilator.c) and constructed from the same randReset policy and seed
 *   (cpp_harness's main()). The harness binary runs three times, every undefined bit 0
 *   (+verilator+rand+reset+0), 1 (+1) and random (+2): registers and memories with no reset or
 *   initial value, out-of-range array reads and bit-selects, undriven nets. The harness prints a
 *   digest of every compared golden and candidate output (engine_vlx_digest_code); where either
 *   differs between the runs, the design reads undefined values and Icarus judges it
 *   (engine_vlx_run). The verdict otherwise is the first run's (all three saw the same outputs).
 * - Division. Verilator's x/0 and x%0 are 0 (VL_DIV), never randomised; Icarus's are X. A design
 *   with / or % by anything but a nonzero literal goes to Icarus (engine_vlx_divides).
 * - Delays. Verilator 5 refuses `#` without --timing/--no-timing (NEEDTIMINGOPT), which is not
 *   the candidate's syntax error. Delays that only postpone a value (continuous `assign #d`, net
 *   and gate delays, nonblocking `q <= #d e`) and that settle long before the harness samples
 *   (at most VLX_MAX_DELAY time units along any path) are dropped with --no-timing; any other
 *   timing control (a statement delay `#d;`, a blocking intra-assignment delay, event controls
 *   or waits inside a process, a delay that is not a literal) goes to Icarus
 *   (engine_vlx_delays_ok).
 * - Testbench mode (engine_verilator_tb.c): the testbench binary runs with undefined bits 0 and
 *   1 (engine_vlx_tb_runs); where the verdict is not the same in both, Icarus judges (the
 *   golden's own check, golden_ok, goes through the same runs).
 * - Port names. Verilator renames a port whose name is a C++ word (`set`, `new`, ...: member
 *   __SYM__set); the harness, which names ports as the golden does, would not compile and the
 *   candidate would get a syntax verdict. Such problems go to Icarus (engine_vlx_port_renamed).
 * - Problems whose golden reads undefined values are remembered (per problem and seed, in
 *   memory): their later candidates go to Icarus without a Verilator build (engine_vlx_known).
 * - engine_vlx_refer: the hand-over (func_out.refer); the engine module (engine.c) runs Icarus
 *   and says so in func_out.note ("ran under Icarus: <why>").
 */
#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "harness.h"
#include "tools.h"
#include "engine_verilator_int.h"

/* The harness (harness.h) changes inputs 2 time units after a clock edge and compares 6 units
 * later, 8 after the edge: a delay path must settle well within that. Time units are Icarus's
 * default (1 s, the harness has no `timescale); a design's own `timescale can only be larger
 * (10 s, 100 s) or smaller, and the larger is used. */
#define VLX_MAX_DELAY 3.0

static int idch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A copy of src with comments, strings and `timescale lines blanked (newlines kept) and escaped
 * identifiers turned into plain identifier characters. NULL when out of memory. */
static char *vlx_clean(const char *src)
{
	size_t n = src ? strlen(src) : 0, i = 0;
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, src ? src : "", n + 1);
	while (i < n) {
		if (s[i] == '/' && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				s[i++] = ' ';
		} else if (s[i] == '/' && s[i + 1] == '*') {
			s[i++] = ' ';
			s[i++] = ' ';
			while (i < n && !(s[i] == '*' && s[i + 1] == '/')) {
				if (s[i] != '\n')
					s[i] = ' ';
				i++;
			}
			if (i < n)
				s[i++] = ' ';
			if (i < n)
				s[i++] = ' ';
		} else if (s[i] == '"') {
			s[i++] = ' ';
			while (i < n && s[i] != '"' && s[i] != '\n') {
				if (s[i] == '\\' && i + 1 < n)
					s[i++] = ' ';
				s[i++] = ' ';
			}
			if (i < n && s[i] == '"')
				s[i++] = ' ';
		} else if (s[i] == '\\') {
			while (i < n && !is_ws(s[i]))
				s[i++] = 'e';
		} else if (s[i] == '`' && !strncmp(s + i + 1, "timescale", 9)) {
			while (i < n && s[i] != '\n')
				s[i++] = ' ';
		} else if (idch(s[i])) {
			while (i < n && idch(s[i]))
				i++;
		} else {
			i++;
		}
	}
	return s;
}

static const char *skip_ws(const char *c)
{
	while (is_ws(*c))
		c++;
	return c;
}

/* A Verilog number at c: 1 when it is a literal (decimal, real, or based without x/z/?) whose
 * value is not zero, with *end after it; 0 otherwise (zero, x/z digits, not a literal). */
static int lit_nonzero(const char *c, const char **end)
{
	int nz = 0, digits = 0;

	for (; (*c >= '0' && *c <= '9') || *c == '_'; c++) {
		nz |= *c >= '1' && *c <= '9';
		digits |= *c != '_';
	}
	{
		const char *d = skip_ws(c);
		if (*d == '\'') {
			d++;
			if (*d == 's' || *d == 'S')
				d++;
			if (!*d || !strchr("bBoOdDhH", *d))
				return 0;
			d = skip_ws(d + 1);
			nz = digits = 0;
			for (; idch(*d) || *d == '?'; d++) {
				if (strchr("xXzZ?", *d))
					return 0;
				if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'f') ||
				      (*d >= 'A' && *d <= 'F') || *d == '_'))
					return 0;
				nz |= *d != '0' && *d != '_';
				digits |= *d != '_';
			}
			c = d;
		} else if (*c == '.' && digits) {
			for (c++; (*c >= '0' && *c <= '9') || *c == '_'; c++)
				nz |= *c >= '1' && *c <= '9';
		}
	}
	if (!digits || idch(*c))
		return 0;
	*end = c;
	return nz;
}

/* The divisor after a / or % at c (just after the operator): 1 when it is a nonzero literal,
 * alone or in parentheses, not raised to a power. */
static int divisor_safe(const char *c)
{
	const char *e;
	int paren = 0;

	c = skip_ws(c);
	if (*c == '(') {
		paren = 1;
		c = skip_ws(c + 1);
	}
	if (!lit_nonzero(c, &e))
		return 0;
	e = skip_ws(e);
	if (paren) {
		if (*e != ')')
			return 0;
		e = skip_ws(e + 1);
	}
	return !(e[0] == '*' && e[1] == '*') && e[0] != '\'';
}

int engine_vlx_divides(const char *src)
{
	char *s = vlx_clean(src);
	const char *c;
	int found = 0;

	if (!s)
		return 1; /* cannot tell: the 4-state simulator judges */
	for (c = s; *c && !found; c++) {
		if (*c != '/' && *c != '%')
			continue;
		found = !divisor_safe(c[1] == '=' ? c + 2 : c + 1);
	}
	free(s);
	return found;
}

/* Keywords after which `#` is a delay that only postpones a continuous value: assign, net
 * declarations and gate primitives. */
static int cont_keyword(const char *w, size_t n)
{
	static const char *const kw[] = {
		"assign", "wire", "tri", "tri0", "tri1", "wand", "wor", "triand", "trior", "trireg",
		"uwire", "supply0", "supply1", "and", "or", "nand", "nor", "xor", "xnor", "buf",
		"not", "bufif0", "bufif1", "notif0", "notif1", "pullup", "pulldown", "interconnect"};
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == n && !strncmp(w, kw[i], n))
			return 1;
	return 0;
}

/* Keywords that may stand right before a `#` (anything else there is an instantiation's or a
 * module header's parameter list): every other is a statement delay. */
static int any_keyword(const char *w, size_t n)
{
	static const char *const kw[] = {
		"always", "always_ff", "always_comb", "always_latch", "initial", "final", "forever",
		"else", "begin", "end", "fork", "join", "join_any", "join_none", "do", "default",
		"return", "release", "force", "deassign", "disable", "reg", "logic", "repeat", "while",
		"for", "if", "case", "endcase", "wait", "fork", "var", "bit", "integer"};
	size_t i;

	if (cont_keyword(w, n))
		return 1;
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == n && !strncmp(w, kw[i], n))
			return 1;
	return 0;
}

/* The largest time unit a `timescale or timeunit in src declares, in seconds (0 when none). */
static double max_unit(const char *src)
{
	static const struct {
		const char *name;
		double s;
	} units[] = {{"fs", 1e-15}, {"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},
		     {"s", 1}};
	const char *c = src;
	double best = 0;

	while (c && (c = strstr(c, "time"))) {
		const char *d = NULL;
		if (c > src && c[-1] == '`' && !strncmp(c, "timescale", 9))
			d = c + 9;
		else if (!strncmp(c, "timeunit", 8) && (c == src || !idch(c[-1])))
			d = c + 8;
		c += 4;
		if (!d)
			continue;
		{
			double v = strtod(skip_ws(d), (char **)&d);
			size_t i;
			d = skip_ws(d);
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (!strncmp(d, units[i].name, strlen(units[i].name)) &&
				    !idch(d[strlen(units[i].name)])) {
					if (v * units[i].s > best)
						best = v * units[i].s;
					break;
				}
			if (i == sizeof(units) / sizeof(units[0]))
				best = 1e9; /* unreadable: assume the worst */
		}
	}
	return best;
}

/* The delay value at c (after the `#`), in the design's units or in seconds when it names a
 * unit (*abs = 1); -1 when it is not a plain literal (a parameter, min:typ:max, rise/fall). */
static double delay_value(const char *c, int *abs)
{
	static const char *const u[] = {"fs", "ps", "ns", "us", "ms", "s"};
	static const double us[] = {1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1};
	const char *d;
	char num[64];
	size_t n = 0, i;
	int paren = 0;
	double v;

	*abs = 0;
	c = skip_ws(c);
	if (*c == '(') {
		paren = 1;
		c = skip_ws(c + 1);
	}
	for (d = c; ((*d >= '0' && *d <= '9') || *d == '.' || *d == '_') && n < sizeof(num) - 1; d++)
		if (*d != '_')
			num[n++] = *d;
	num[n] = '\0';
	if (!n || num[0] == '.')
		return -1;
	v = strtod(num, NULL);
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strncmp(d, u[i], strlen(u[i])) && !idch(d[strlen(u[i])])) {
			v *= us[i];
			*abs = 1;
			d += strlen(u[i]);
			break;
		}
	if (idch(*d) || *d == '\'')
		return -1;
	d = skip_ws(d);
	if (paren && *d != ')')
		return -1;
	return v;
}

/* Scans one design's delays: *cont sums the continuous ones, *nba keeps the largest nonblocking
 * one (a register updated late does not delay another register: that one samples at the next
 * edge). 0 when every timing control there can be dropped, else -1 with why. */
static int scan_delays(const char *src, double unit, double *cont, double *nba, int *count,
		       const char *who, char *why, size_t whylen)
{
	char *s = vlx_clean(src);
	const char *c;
	int ret = -1;

	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (c = s; *c; c++) {
		const char *p = c, *w;
		int abs, is_cont = 0;
		double v;

		if (*c != '#')
			continue;
		if (c[1] == '#') {
			snprintf(why, whylen, "the %s has a ## cycle delay", who);
			goto out;
		}
		while (p > s && is_ws(p[-1]))
			p--;
		if (p > s && idch(p[-1])) {
			for (w = p; w > s && idch(w[-1]); w--)
				;
			if (!any_keyword(w, (size_t)(p - w)))
				continue; /* a parameter list: mod #(...) inst, module m #(...) */
			is_cont = cont_keyword(w, (size_t)(p - w));
		} else if (p > s && p[-1] == ']') {
			is_cont = 1; /* wire [3:0] #1 w = ... */
		} else if (!(p - s >= 2 && p[-1] == '=' && p[-2] == '<')) {
			snprintf(why, whylen, "the %s has a statement or blocking delay (timing needed)",
				 who);
			goto out;
		}
		if (!is_cont && !(p - s >= 2 && p[-1] == '=' && p[-2] == '<')) {
			snprintf(why, whylen, "the %s has a procedural delay (timing needed)", who);
			goto out;
		}
		v = delay_value(c + 1, &abs);
		if (v < 0) {
			snprintf(why, whylen, "the %s has a delay that is not a plain number", who);
			goto out;
		}
		if (!abs)
			v *= unit;
		if (is_cont)
			*cont += v;
		else if (v > *nba)
			*nba = v;
		(*count)++;
	}
	ret = 0;
out:
	free(s);
	return ret;
}

int engine_vlx_delays_ok(const char *cand, const char *gold, const char *diag, double *total,
			 char *why, size_t whylen)
{
	double unit = 1, cont = 0, nba = 0, u;
	int count = 0, reported = 0;
	const char *l;

	*total = 0;
	/* Verilator's own list: every timing control it refused must be a delay on an assignment
	 * ("timing controls"), not an event control or a wait inside a process */
	for (l = diag; l && (l = strstr(l, "%Error-NEEDTIMINGOPT:")); l++) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (!memmem(l, n, "how timing controls should", 26)) {
			snprintf(why, whylen, "the candidate has event controls, waits or statement "
					      "delays in a process (timing needed)");
			return 0;
		}
		reported++;
	}
	if (reported >= 40) {
		snprintf(why, whylen, "the candidate has too many delays to check");
		return 0;
	}
	u = max_unit(cand);
	if (u > unit)
		unit = u;
	u = max_unit(gold);
	if (u > unit)
		unit = u;
	if (scan_delays(gold, unit, &cont, &nba, &count, "golden", why, whylen) < 0 ||
	    scan_delays(cand, unit, &cont, &nba, &count, "candidate", why, whylen) < 0)
		return 0;
	if (!count) {
		snprintf(why, whylen, "Verilator reports timing controls the delay check does not see");
		return 0;
	}
	*total = cont + nba;
	if (*total >= VLX_MAX_DELAY) {
		snprintf(why, whylen, "the delays add up to %g time units, near the harness's "
				      "sampling (timing needed)", *total);
		return 0;
	}
	return 1;
}

void engine_vlx_digest_code(const struct problem *p, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;

	buf_adds(o, "static uint64_t rtlr_dg = 1, rtlr_dc = 1;\n"
		    "static uint64_t rtlr_mix(uint64_t h, uint64_t v) {\n"
		    "  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);\n"
		    "  return h * 0xff51afd7ed558ccdull; }\n"
		    "static void rtlr_digest() {\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		unsigned words = (pt->width + 31) / 32, k;

		if (pt->dir != PORT_OUT)
			continue;
		if (pt->width <= 64) {
			unsigned long long m = pt->width == 64 ? ~0ull : ((1ull << pt->width) - 1);
			buf_printf(o, "  rtlr_dg = rtlr_mix(rtlr_dg, (uint64_t)g->%s & 0x%llxull);\n"
				      "  rtlr_dc = rtlr_mix(rtlr_dc, (uint64_t)c->%s & 0x%llxull);\n",
				   pt->name, m, pt->name, m);
			continue;
		}
		for (k = 0; k < words; k++) {
			unsigned bits = k + 1 < words ? 32 : pt->width - 32 * k;
			unsigned long long m = bits == 32 ? 0xffffffffull : ((1ull << bits) - 1);
			buf_printf(o, "  rtlr_dg = rtlr_mix(rtlr_dg, g->%s.data()[%u] & 0x%llxull);\n"
				      "  rtlr_dc = rtlr_mix(rtlr_dc, c->%s.data()[%u] & 0x%llxull);\n",
				   pt->name, k, m, pt->name, k, m);
		}
	}
	buf_adds(o, "}\n");
}

/* The digests a run printed ("<tag> xdigest <gold> <cand>"); 0 when there is none. */
int engine_vlx_read_digest(const struct sb_result *r, const char *tag, unsigned long long d[2])
{
	const char *cur = r->out, *t;
	char line[128];
	size_t len;

	while ((t = engine_next_tagged(&cur, tag, &len))) {
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, t, len);
		line[len] = '\0';
		if (sscanf(line, " xdigest %llx %llx", &d[0], &d[1]) == 2)
			return 1;
	}
	return 0;
}

int engine_vlx_run(const char *jobdir, const char *sim, const char *tag, uint64_t expect,
		   struct func_out *out, char *why, size_t whylen)
{
	static const char *const init[] = {"+verilator+rand+reset+0", "+verilator+rand+reset+1",
					   "+verilator+rand+reset+2"};
	static const char *const init_name[] = {"0", "1", "random"};
	unsigned long long d0[2] = {0, 0}, d[2];
	char err[256];
	struct sb_result r;
	size_t k;

	why[0] = '\0';
	for (k = 0; k < sizeof(init) / sizeof(init[0]); k++) {
		const char *ar[] = {sim, init[k], NULL};
		int ok;

		if (tool_run(jobdir, ar, SB_STAGE_RUN, g_tools.lim.sim_s, &r, err, sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %.400s", err);
			return -1;
		}
		if (k == 0) {
			engine_judge_equivalence(&r, tag, expect, out);
			ok = engine_vlx_read_digest(&r, tag, d0);
			sb_result_release(&r);
			if (!out->checked)
				return 0; /* a crash, a time-out, a short run: the verdict stands */
			if (!ok) {
				snprintf(out->infra_err, sizeof(out->infra_err),
					 "the harness printed no output digest");
				return -1;
			}
			continue;
		}
		{
			struct func_out f;
			memset(&f, 0, sizeof(f));
			engine_judge_equivalence(&r, tag, expect, &f);
			ok = f.checked && engine_vlx_read_digest(&r, tag, d);
			func_out_release(&f);
		}
		sb_result_release(&r);
		if (!ok) {
			snprintf(why, whylen, "the simulation does not complete when undefined bits "
					      "start at %s (4-state needed)", init_name[k]);
			return 0;
		}
		if (d[0] != d0[0] || d[1] != d0[1]) {
			snprintf(why, whylen, "the %s reads undefined values: its outputs change when "
					      "undefined bits start at %s instead of 0 (4-state needed)",
				 d[0] != d0[0] ? "golden" : "candidate", init_name[k]);
			return 0;
		}
	}
	return 0;
}

void engine_vlx_refer(struct func_out *out, const char *why)
{
	snprintf(out->refer, sizeof(out->refer), "%s", why);
}

int engine_vlx_tb_runs(const struct problem *p, const char *jobdir, const char *const *argv,
		       const char *tag, struct func_out *out, char *why, size_t whylen)
{
	/* no random run here: golden and candidate are one model, and random values would differ
	 * between them where both are undefined (an X the golden's don't-care hides) */
	static const char *const init[] = {"+verilator+rand+reset+0", "+verilator+rand+reset+1"};
	static const char *const init_name[] = {"0", "1"};
	const char *ar[8];
	char err[256];
	struct sb_result r;
	size_t k, n;

	for (n = 0; argv[n] && n < 6; n++)
		ar[n] = argv[n];
	ar[n + 1] = NULL;
	for (k = 0; k < sizeof(init) / sizeof(init[0]); k++) {
		struct func_out f;

		ar[n] = init[k];
		if (tool_run(jobdir, ar, SB_STAGE_RUN, g_tools.lim.sim_s, &r, err, sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %.400s", err);
			return -1;
		}
		if (k == 0) {
			engine_judge_testbench(p, &r, tag, out);
			sb_result_release(&r);
			if (!out->checked)
				return 0; /* a crash, a time-out, a short run: the verdict stands */
			continue;
		}
		memset(&f, 0, sizeof(f));
		engine_judge_testbench(p, &r, tag, &f);
		sb_result_release(&r);
		if (!f.checked || f.passed != out->passed) {
			snprintf(why, whylen, "the verdict changes when undefined bits start at %s "
					      "instead of 0 (4-state needed)", init_name[k]);
			func_out_release(&f);
			return 1;
		}
		func_out_release(&f);
	}
	return 0;
}

/* (problem hash, seed) pairs whose golden was seen reading undefined values; a small ring */
#define VLX_KNOWN 256
static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char hash[65];
	uint64_t seed;
} known[VLX_KNOWN];
static size_t known_next;

int engine_vlx_known(const struct problem *p, uint64_t seed, const char *why)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&known_lock);
	for (i = 0; i < VLX_KNOWN && !found; i++)
		found = known[i].seed == seed && !strcmp(known[i].hash, p->hash);
	if (!found && why && strstr(why, "the golden reads undefined")) {
		snprintf(known[known_next].hash, sizeof(known[known_next].hash), "%s", p->hash);
		known[known_next].seed = seed;
		known_next = (known_next + 1) % VLX_KNOWN;
	}
	pthread_mutex_unlock(&known_lock);
	return found;
}

int engine_vlx_port_renamed(const char *gdir)
{
	char path[1300];
	struct buf h;
	int x;

	buf_init(&h, 1 << 20);
	snprintf(path, sizeof(path), "%s/Vgold.h", gdir);
	if (buf_read_file(&h, path) < 0) {
		buf_release(&h);
		return -1;
	}
	x = strstr(h.data, "(&__SYM__") != NULL;
	buf_release(&h);
	return x;
}
