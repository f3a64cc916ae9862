/* closure: a closed candidate design and unforgeable failure attribution (see closure.h).
 * Owns the per-run renaming of trusted testbenches, the candidate's alone elaboration under
 * Icarus and the cached check that the trusted parts compile without the candidate. */
#include "closure.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "caps.h"
#include "pipeline.h"
#include "policy.h"
#include "tools.h"
#include "vtext.h"

void closure_random_hex(char *out, size_t nbytes)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char r[32];
	size_t i;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	if (getrandom(r, nbytes, 0) != (ssize_t)nbytes) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = 0; i < nbytes; i++)
			r[i] = (unsigned char)(((uint64_t)ts.tv_nsec >> (i * 5)) ^ (uint64_t)rand());
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hx[r[i] >> 4];
		out[2 * i + 1] = hx[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

/* --- renaming trusted text ------------------------------------------------------------- */

struct nameset {
	const char **p;
	size_t *n;
	size_t len, cap;
};

static int ns_has(const struct nameset *s, const char *p, size_t n)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->n[i] == n && !memcmp(s->p[i], p, n))
			return 1;
	return 0;
}

static int ns_add(struct nameset *s, const char *p, size_t n)
{
	if (ns_has(s, p, n))
		return 0;
	if (s->len == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 64;
		const char **np = realloc(s->p, c * sizeof(*np));
		size_t *nn;
		if (!np)
			return -1;
		s->p = np;
		nn = realloc(s->n, c * sizeof(*nn));
		if (!nn)
			return -1;
		s->n = nn;
		s->cap = c;
	}
	s->p[s->len] = p;
	s->n[s->len++] = n;
	return 0;
}

static int in_strv(const char *const *v, const char *p, size_t n)
{
	for (; v && *v; v++)
		if (strlen(*v) == n && !memcmp(*v, p, n))
			return 1;
	return 0;
}

static int id_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int id_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Length of a token at p that is not a name of the design (a comment, string, directive with
 * the arguments that are not design names, system name, number or based literal), or 0; *kind
 * gets the significant character it leaves behind ('"', 'x', '0'; 0 for a comment). */
static size_t literal_len(const char *p, char *kind)
{
	const char *s = p;

	*kind = 0;
	if (p[0] == '/' && p[1] == '/')
		return strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");
		return e ? (size_t)(e + 2 - p) : strlen(p);
	}
	if (*p == '"') {
		for (p++; *p && *p != '"' && *p != '\n'; p++)
			if (*p == '\\' && p[1])
				p++;
		*kind = '"';
		return (size_t)(p - s) + (*p == '"');
	}
	if (*p == '`') {
		static const char *const rest_of_line[] = {"timescale", "include", "default_nettype",
			"unconnected_drive", "begin_keywords", "pragma", "line", NULL};
		static const char *const name_next[] = {"define", "ifdef", "ifndef", "elsif", "undef",
							NULL};
		size_t dl;
		for (p++; id_char(*p); p++)
			;
		dl = (size_t)(p - s - 1);
		*kind = 'x';
		if (in_strv(rest_of_line, s + 1, dl)) /* arguments, not names of the design */
			return (size_t)(p - s) + strcspn(p, "\n");
		if (in_strv(name_next, s + 1, dl)) {
			while (*p == ' ' || *p == '\t')
				p++;
			while (id_char(*p))
				p++; /* the macro's name */
		}
		return (size_t)(p - s);
	}
	if (*p == '$' && id_char(p[1])) {
		for (p++; id_char(*p); p++)
			;
		*kind = 'x';
		return (size_t)(p - s);
	}
	*kind = '0';
	if (isdigit((unsigned char)*p)) {
		while (id_char(*p) || *p == '.')
			p++; /* 12, 1.5e3, 1ps */
		return (size_t)(p - s);
	}
	if (*p == '\'') {
		const char *q = p + 1;
		if (*q == 's' || *q == 'S')
			q++;
		if (*q && strchr("bBoOdDhH", *q)) {
			for (q++; *q == ' ' || *q == '\t'; q++)
				;
			while (isxdigit((unsigned char)*q) || (*q && strchr("_?xXzZ", *q)))
				q++;
			return (size_t)(q - s);
		}
		if (*q && strchr("01xXzZ", *q) && !id_char(q[1]))
			return 2;
		return 1;
	}
	*kind = 0;
	return 0;
}

/* One scan of trusted text. Pass 0 collects into names the identifiers the text declares (any
 * that appears somewhere other than after '.' or around '::'); pass 1 writes the text to out
 * with each of them prefixed. */
static int scan(const char *src, int pass, struct nameset *names, const char *prefix,
		const char *const *keep, const char *const *inst_mods, struct buf *out)
{
	const char *p = src;
	char prev = ' ', pprev = ' '; /* the last two significant characters */
	int in_inst = 0; /* inside an instance of one of inst_mods, up to its ';' */

	while (*p) {
		const char *s = p;
		char kind;
		size_t k = literal_len(p, &kind);

		if (k) {
			if (pass && buf_add(out, p, k) < 0)
				return -1;
			p += k;
			if (kind)
				pprev = prev, prev = kind;
			continue;
		}
		if (id_start(*p) || *p == '\\') {
			int esc = *p == '\\';
			const char *b = esc ? p + 1 : p; /* the name without its backslash */
			const char *q;
			size_t n;
			int member, scoped;

			if (esc)
				for (p++; *p && !isspace((unsigned char)*p); p++)
					;
			else
				while (id_char(*p))
					p++;
			n = (size_t)(p - b);
			for (q = p; *q && isspace((unsigned char)*q); q++)
				;
			member = prev == '.';
			scoped = (prev == ':' && pprev == ':') || (q[0] == ':' && q[1] == ':');
			if (!member && !scoped && in_strv(inst_mods, b, n))
				in_inst = 1;
			if (pass == 0) {
				if (!member && !scoped && n && !in_strv(keep, b, n) &&
				    !(!esc && policy_is_keyword(b, n)) && ns_add(names, b, n) < 0)
					return -1;
			} else if (n && !scoped && !(member && in_inst) && ns_has(names, b, n)) {
				if ((esc && buf_addc(out, '\\') < 0) || buf_adds(out, prefix) < 0 ||
				    buf_add(out, b, n) < 0)
					return -1;
			} else if (buf_add(out, s, (size_t)(p - s)) < 0) {
				return -1;
			}
			pprev = prev, prev = 'x';
			continue;
		}
		if (*p == ';')
			in_inst = 0;
		if (!isspace((unsigned char)*p))
			pprev = prev, prev = *p;
		if (pass && buf_addc(out, *p) < 0)
			return -1;
		p++;
	}
	return 0;
}

int closure_rename(const char *src, const char *prefix, const char *const *keep,
		   const char *const *inst_mods, struct buf *out)
{
	struct nameset names = {0};
	int ret;

	ret = scan(src, 0, &names, prefix, keep, inst_mods, out);
	if (ret == 0)
		ret = scan(src, 1, &names, prefix, keep, inst_mods, out);
	free(names.p);
	free(names.n);
	return ret;
}

int closure_testbench(const struct problem *p, const char *tag, char *top, size_t toplen,
		      struct buf *out)
{
	const struct vinfo *g = &p->prep.gold;
	const char **keep = calloc(g->nports + g->nmodules + 3, sizeof(char *));
	const char *mods[3] = {p->top, p->ref_top, NULL};
	char prefix[32], hex[17];
	struct buf tmp;
	size_t i, k = 0;
	int ret = -1;

	buf_init(&tmp, 2 * RTLR_MAX_REFERENCE);
	if (!keep)
		goto out;
	keep[k++] = p->top;
	keep[k++] = p->ref_top;
	for (i = 0; i < g->nports; i++)
		keep[k++] = g->ports[i].name;
	for (i = 0; i < g->nmodules; i++)
		keep[k++] = g->modules[i]; /* the golden's submodules, should a testbench name one */
	closure_random_hex(hex, 8);
	snprintf(prefix, sizeof(prefix), "rtlr_%s_", hex);
	snprintf(top, toplen, "%stb", prefix);
	if (closure_rename(p->testbench, prefix, keep, mods, &tmp) < 0 || tmp.overflow)
		goto out;
	if (buf_addc(&tmp, '\0') < 0)
		goto out;
	ret = vtext_tag_prints(tmp.data, tag, out);
out:
	free(keep);
	buf_release(&tmp);
	return ret;
}

/* --- Icarus: the candidate alone, the trusted parts without it -------------------------- */

/* The first line of s that says "error" (or the first line), for a reason. */
static void first_line(const char *s, char *dst, size_t n)
{
	const char *e = s ? strstr(s, "error") : NULL;
	size_t l;

	if (!s) {
		snprintf(dst, n, "%s", "");
		return;
	}
	if (e)
		while (e > s && e[-1] != '\n')
			e--;
	else
		e = s;
	l = strcspn(e, "\n");
	snprintf(dst, n, "%.*s", (int)(l > 200 ? 200 : l), e);
}

int closure_icarus_alone(const struct problem *p, const char *jobdir, const char *cand_file,
			 int all_roots, struct func_out *out)
{
	const char *av_top[] = {g_tools.iverilog, "-g2012", "-t", "null", "-s", p->top, cand_file,
				NULL};
	const char *av_all[] = {g_tools.iverilog, "-g2012", "-t", "null", cand_file, NULL};
	struct sb_result r;
	struct timespec t0;
	char err[256], fl[240];
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tool_run(jobdir, all_roots ? av_all : av_top, SB_STAGE_BUILD, g_tools.lim.compile_s, &r,
		     err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %s", err);
		return -1;
	}
	out->closure_ms = engine_ms_since(&t0);
	out->compile_ms += out->closure_ms;
	if (r.exited && r.exit_code == 0) {
		ret = 0;
	} else if (r.limit != SB_LIMIT_NONE && r.limit != SB_LIMIT_OUTPUT) {
		snprintf(out->reason, sizeof(out->reason), "closure: elaborating the candidate alone "
			 "stopped: %s limit", sb_limit_name(r.limit));
		out->min_score = 1;
		out->compile_error = 1;
		ret = 1;
	} else {
		/* only the candidate was given to the tool: whatever failed is its own */
		first_line(r.err, fl, sizeof(fl));
		out->compile_error = 1;
		out->diag = r.err ? strdup(r.err) : NULL;
		snprintf(out->reason, sizeof(out->reason),
			 "closure: the candidate does not elaborate alone with iverilog (every name "
			 "must resolve inside its own design): %s", fl);
		ret = 1;
	}
	sb_result_release(&r);
	return ret;
}

int closure_icarus_alone_group(const char *jobdir, const char *const *files,
			       const char *const *tops, size_t n, double wall_s, double *ms,
			       enum sb_limit_hit *limit, char *err, size_t errlen)
{
	const char **av = calloc(3 * n + 8, sizeof(char *));
	struct sb_result r;
	struct timespec t0;
	size_t i, k = 0;
	int ret = -1;

	*limit = SB_LIMIT_NONE;
	if (!av) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	av[k++] = g_tools.iverilog;
	av[k++] = "-g2012";
	av[k++] = "-t";
	av[k++] = "null";
	for (i = 0; i < n; i++) {
		av[k++] = "-s";
		av[k++] = tops[i];
	}
	for (i = 0; i < n; i++)
		av[k++] = files[i];
	av[k] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tool_run(jobdir, av, SB_STAGE_BUILD, wall_s, &r, err, errlen) < 0)
		goto out;
	*ms = engine_ms_since(&t0);
	*limit = r.limit;
	ret = r.exited && r.exit_code == 0 ? 0 : 1;
	sb_result_release(&r);
out:
	free(av);
	return ret;
}

/* Problems (by content hash) whose harness and golden compiled with the golden as candidate. */
static pthread_mutex_t tr_lock = PTHREAD_MUTEX_INITIALIZER;
static char (*tr_ok)[65];
static size_t tr_n;

static int trusted_known(const char *hash)
{
	int hit = 0;

	pthread_mutex_lock(&tr_lock);
	for (size_t i = 0; i < tr_n && !hit; i++)
		hit = !strcmp(tr_ok[i], hash);
	pthread_mutex_unlock(&tr_lock);
	return hit;
}

static void trusted_remember(const char *hash)
{
	pthread_mutex_lock(&tr_lock);
	if (tr_n < 100000) {
		char (*n)[65] = realloc(tr_ok, (tr_n + 1) * sizeof(*n));
		if (n) {
			tr_ok = n;
			snprintf(tr_ok[tr_n++], 65, "%s", hash);
		}
	}
	pthread_mutex_unlock(&tr_lock);
}

int closure_icarus_trusted_eq(const struct problem *p, const char *jobdir,
			      const char *const *argv, const char *cand_file, char *why,
			      size_t whylen)
{
	const char *av[32];
	struct sb_result r;
	char err[256];
	char *dut;
	size_t i;
	int ret;

	if (trusted_known(p->hash))
		return 1;
	/* the very command of the full build, the golden standing in for the candidate */
	for (i = 0; argv[i] && i < sizeof(av) / sizeof(av[0]) - 1; i++)
		av[i] = !strcmp(argv[i], cand_file) ? "trusted_dut.v" :
			!strcmp(argv[i], "sim.vvp") ? "trusted.vvp" : argv[i];
	av[i] = NULL;
	dut = pipeline_rename_golden(p, "rtlr_d_", p->ref_top, p->top);
	if (!dut) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (tool_write_file(jobdir, "trusted_dut.v", dut, strlen(dut), err, sizeof(err)) < 0) {
		free(dut);
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	free(dut);
	if (tool_run(jobdir, av, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err, sizeof(err)) < 0) {
		snprintf(why, whylen, "sandbox: %s", err);
		return -1;
	}
	if (r.exited && r.exit_code == 0) {
		trusted_remember(p->hash);
		ret = 1;
	} else {
		snprintf(why, whylen, "iverilog fails on the harness and the golden alone (exit %d, "
			 "signal %d): %.300s", r.exit_code, r.signal, r.err ? r.err : "");
		ret = 0;
	}
	sb_result_release(&r);
	return ret;
}
