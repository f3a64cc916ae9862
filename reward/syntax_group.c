/* syntax_group: one Verilator call per group for the syntax tier (owner: syngroup helper).
 * See syntax.h for the contract (each candidate gets exactly what its single call gives) and
 * docs/group_syntax.md for the design and the measurements.
 *
 * Preprocessing: `verilator -E c0 s0 c1 s1 ...` in a fresh group job, where ck is candidate k's
 * candidate.v and sk holds `undefineall and Verilator's predefined macros defined again (no
 * macro reaches the next candidate, an `undef VERILATOR neither). The output is cut at the `line 1 "<file>" 1 lines Verilator
 * prints at each file's start, and the file names turned back into candidate.v.
 * Elaboration: `verilator --xml-only` of a wrapper module instantiating every candidate's top,
 * each candidate's modules renamed apart with its own prefix (syntax_group_text.c), `resetall
 * files between them; each candidate's ports read from its renamed top in the netlist.
 *
 * File names carry a random nonce, so no candidate can name (or print) another's file. A
 * candidate the group cannot hold cleanly (an `include, a `__FILE__, a construct outside the
 * renamer's safe subset) runs alone. When the group call fails, the candidates its errors
 * name run alone (their diagnostics are then exactly their single call's, own file name and
 * line numbers), the others run as a group again; an error naming nobody, or a limit, sends
 * everyone to single calls. Output of a failed group call is never used.
 */
#include "syntax.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "buf.h"
#include "caps.h"
#include "counters.h"
#include "pipeline.h"
#include "syntax_group.h"
#include "tools.h"

#define MAX_GROUP 64                     /* members of one tool call (larger groups are cut) */
#define PP_GROUP_BYTES (RTLR_MAX_TOOL_OUTPUT / 2) /* raw source per -E call: its output is capped */
#define XML_GROUP_BYTES (512u << 10)     /* source per --xml-only call: one flat time limit */

static void pp_single(struct syntax_cand *c)
{
	c->rc = syntax_preprocess(c->job, c->r, &c->pp, &c->pplen, c->err, sizeof(c->err));
}

static void xml_single(const char *top, struct syntax_cand *c)
{
	c->rc = pipeline_verilator_xml(c->job, SYNTAX_CAND_PP, top, &c->vi, &c->diag, c->err,
				       sizeof(c->err));
}

static int make_nonce(char *out, size_t outlen)
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

static int read_job_file(const char *job, const char *name, struct buf *b, size_t max)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", job, name);
	buf_init(b, max);
	if (buf_read_file(b, path) < 0)
		return -1;
	if (!b->data && buf_add(b, "", 0) < 0)
		return -1;
	return 0;
}

static enum counter_split split_cause(const struct sb_result *sr)
{
	switch (sr->limit) {
	case SB_LIMIT_WALL:
	case SB_LIMIT_CPU: return CS_TIMEOUT;
	case SB_LIMIT_MEMORY: return CS_MEMORY;
	case SB_LIMIT_OUTPUT: return CS_OUTPUT;
	case SB_LIMIT_NONE: return sr->exited ? CS_COMPILE : CS_CRASH;
	default: return CS_OTHER;
	}
}

/* Marks in named[] the members the failed call's errors name, and in own[] those named by an
 * error that is not about reaching the end of a file ("`ifdef not terminated at EOF", "EOF in
 * ... comment": what an unterminated construct of the member before also causes). Returns 0,
 * or -1 when an error names none of them (or none is named at all). */
static int attribute(const char *text, const char *nonce, size_t n, int warnings,
		     unsigned char *named, unsigned char *own)
{
	const char *p = text ? text : "";
	int any = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		int k = sg_diag_owner(p, len, nonce, n, warnings);

		if (k == -1)
			return -1;
		if (k >= 0) {
			named[k] = 1;
			if (!memmem(p, len, "EOF", 3))
				own[k] = 1;
			any = 1;
		}
		p += len + (eol ? 1 : 0);
	}
	return any ? 0 : -1;
}

/* The failed call's aftermath, shared by both stages: named members alone, the rest again as a
 * group (via again), everyone alone when the errors name nobody. With spill (preprocessing:
 * warnings fail the call too, so they name members as errors do), a
 * member named only for reaching its end of file right after a named member is taken for a
 * victim of that member's unterminated `ifdef or comment and tried again in the group. */
static void after_failure(const struct sb_result *sr, const char *nonce, struct syntax_cand **v,
			  size_t n, int spill, void (*alone)(const char *, struct syntax_cand *),
			  void (*again)(const char *, struct syntax_cand **, size_t), const char *top)
{
	unsigned char named[MAX_GROUP], own[MAX_GROUP];
	struct syntax_cand *rest[MAX_GROUP];
	size_t i, nrest = 0;

	counters_split(split_cause(sr), n);
	memset(named, 0, sizeof(named));
	memset(own, 0, sizeof(own));
	if (sr->limit != SB_LIMIT_NONE || !sr->exited ||
	    attribute(sr->err, nonce, n, spill, named, own) < 0) {
		for (i = 0; i < n; i++)
			alone(top, v[i]);
		return;
	}
	for (i = 0; i < n; i++) {
		int victim = spill && named[i] && !own[i] && i > 0 && named[i - 1];

		if (named[i] && !victim)
			alone(top, v[i]);
		else
			rest[nrest++] = v[i];
	}
	again(top, rest, nrest);
}

/* --- preprocessing -------------------------------------------------------------------------- */

/* The separator between two members: `undefineall (every user macro gone), then Verilator's
 * predefined macros defined again with their own values, so that a member's `undef VERILATOR
 * does not reach the next one (`undefineall keeps them; redefining one with its own value is
 * silent). Read once from the Verilator that runs (verilator -E --dump-defines). */
static pthread_mutex_t sep_mu = PTHREAD_MUTEX_INITIALIZER;
static char *pp_sep;
static size_t pp_seplen;

/* Every line "`define NAME ..." with a plain NAME, and no nonce-like surprises. */
static int dump_ok(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	if (!len)
		return 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p), i = 8;

		if (n < 9 || memcmp(p, "`define ", 8))
			return 0;
		while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_'))
			i++;
		if (i == 8 || (i < n && p[i] != ' '))
			return 0;
		p += n + 1;
	}
	return 1;
}

int syntax_group_init(char *err, size_t errlen)
{
	const char *argv[] = {g_tools.verilator_bin, "-E", "--dump-defines", "empty.v", NULL};
	char job[512], e2[256];
	struct sb_result sr;
	struct buf b;
	int ret = -1;

	pthread_mutex_lock(&sep_mu);
	if (pp_sep) {
		pthread_mutex_unlock(&sep_mu);
		return 0;
	}
	memset(&sr, 0, sizeof(sr));
	buf_init(&b, RTLR_MAX_TOOL_OUTPUT + 64);
	if (sb_job_create(job, sizeof(job), err, errlen) < 0) {
		job[0] = '\0';
		goto out;
	}
	if (tool_write_file(job, "empty.v", "", 0, err, errlen) < 0 ||
	    tool_run(job, argv, SB_STAGE_BUILD, g_tools.lim.lint_s, &sr, err, errlen) < 0)
		goto out;
	if (!sr.exited || sr.exit_code != 0 || sr.out_truncated || !dump_ok(sr.out, sr.out_len)) {
		snprintf(err, errlen, "verilator -E --dump-defines: unexpected output");
		goto out;
	}
	if (buf_adds(&b, "`undefineall\n") < 0 || buf_add(&b, sr.out, sr.out_len) < 0 ||
	    (sr.out[sr.out_len - 1] != '\n' && buf_addc(&b, '\n') < 0)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	pp_sep = buf_detach(&b, &pp_seplen);
	ret = 0;
out:
	pthread_mutex_unlock(&sep_mu);
	buf_release(&b);
	sb_result_release(&sr);
	if (job[0])
		sb_job_remove(job, e2, sizeof(e2));
	return ret;
}

static void pp_alone(const char *top, struct syntax_cand *c)
{
	(void)top;
	pp_single(c);
}

static void pp_group(const char *unused, struct syntax_cand **v, size_t n);

/* The group call proper on members that all qualify (raw[k]: their candidate.v). */
static void pp_call(struct syntax_cand **v, size_t n, struct buf *raw)
{
	char job[512], err[256], nonce[20], names[2 * MAX_GROUP][64];
	const char *argv[2 * MAX_GROUP + 3];
	struct sb_result sr;
	size_t i, a = 0;

	job[0] = '\0';
	memset(&sr, 0, sizeof(sr));
	if (make_nonce(nonce, sizeof(nonce)) < 0 || sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		goto singles;
	}
	argv[a++] = g_tools.verilator_bin;
	argv[a++] = "-E";
	for (i = 0; i < n; i++) {
		snprintf(names[2 * i], sizeof(names[0]), "c%s_%zu.v", nonce, i);
		snprintf(names[2 * i + 1], sizeof(names[0]), "s%s_%zu.v", nonce, i);
		if (tool_write_file(job, names[2 * i], raw[i].data, raw[i].len, err, sizeof(err)) < 0 ||
		    tool_write_file(job, names[2 * i + 1], pp_sep, pp_seplen, err, sizeof(err)) < 0)
			goto singles;
		argv[a++] = names[2 * i];
		argv[a++] = names[2 * i + 1];
	}
	argv[a] = NULL;
	if (tool_run(job, argv, SB_STAGE_BUILD, g_tools.lim.lint_s, &sr, err, sizeof(err)) < 0)
		goto singles;
	if (!sr.exited || sr.exit_code != 0 || sr.limit != SB_LIMIT_NONE || sr.out_truncated) {
		if (sr.out_truncated && sr.exited && sr.exit_code == 0 && n > 1) {
			/* too much text for one capture: halves */
			counters_split(CS_OUTPUT, n);
			pp_group(NULL, v, n / 2);
			pp_group(NULL, v + n / 2, n - n / 2);
		} else {
			after_failure(&sr, nonce, v, n, 1, pp_alone, pp_group, NULL);
		}
		goto out;
	}
	for (i = 0; i < n; i++) {
		int x = sg_pp_split(sr.out ? sr.out : "", sr.out_len, names[2 * i], names[2 * i + 1],
				    nonce, &v[i]->pp, &v[i]->pplen);
		if (x == 0)
			v[i]->rc = 0;
		else
			pp_single(v[i]);
	}
	goto out;
singles:
	for (i = 0; i < n; i++)
		pp_single(v[i]);
out:
	sb_result_release(&sr);
	if (job[0])
		sb_job_remove(job, err, sizeof(err));
}

/* Members whose candidate.v cannot be read, or holds an `include (file names differ in a
 * group) or a `line (its errors would name a file that is not ours), run alone; the others in calls of at most PP_GROUP_BYTES of source. */
static void pp_group(const char *unused, struct syntax_cand **v, size_t n)
{
	struct buf raw[MAX_GROUP];
	struct syntax_cand *g[MAX_GROUP];
	struct buf graw[MAX_GROUP];
	size_t i, ng = 0, bytes = 0;

	(void)unused;
	if (n > MAX_GROUP) {
		pp_group(NULL, v, n / 2);
		pp_group(NULL, v + n / 2, n - n / 2);
		return;
	}
	if (n == 1) {
		pp_single(v[0]);
		return;
	}
	for (i = 0; i < n; i++) {
		if (read_job_file(v[i]->job, SYNTAX_CAND_RAW, &raw[i], RTLR_MAX_SOURCE + 1) < 0 ||
		    memmem(raw[i].data, raw[i].len, "include", 7) ||
		    memmem(raw[i].data, raw[i].len, "`line", 5)) {
			buf_release(&raw[i]);
			pp_single(v[i]);
			continue;
		}
		if (ng > 0 && bytes + raw[i].len > PP_GROUP_BYTES) {
			if (ng == 1)
				pp_single(g[0]);
			else
				pp_call(g, ng, graw);
			while (ng)
				buf_release(&graw[--ng]);
			bytes = 0;
		}
		g[ng] = v[i];
		graw[ng++] = raw[i];
		bytes += raw[i].len;
	}
	if (ng == 1)
		pp_single(g[0]);
	else if (ng > 1)
		pp_call(g, ng, graw);
	while (ng)
		buf_release(&graw[--ng]);
}

void syntax_preprocess_group(struct syntax_cand *c, size_t n)
{
	struct syntax_cand **v = calloc(n ? n : 1, sizeof(*v));
	char err[256];
	size_t i;

	if (!v || (n > 1 && syntax_group_init(err, sizeof(err)) < 0)) {
		for (i = 0; i < n; i++)
			pp_single(&c[i]);
		free(v);
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = &c[i];
	if (n)
		pp_group(NULL, v, n);
	free(v);
}

/* --- elaboration ------------------------------------------------------------------------------ */

static void xml_group(const char *top, struct syntax_cand **v, size_t n);

/* Writes the wrapper: line k+2 instantiates member k's top. The instance names carry the nonce
 * too: an upward reference (u3.x) from one member must not find another. */
static int write_wrapper(const char *job, const char *name, const char *nonce, const char *top,
			 size_t n, char *err, size_t errlen)
{
	struct buf w;
	size_t i;
	int ret = -1;

	buf_init(&w, 1u << 20);
	if (buf_printf(&w, "module w%s;\n", nonce) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (buf_printf(&w, "m%s_%zu_%s u%s_%zu ();\n", nonce, i, top, nonce, i) < 0)
			goto out;
	if (buf_adds(&w, "endmodule\n") < 0)
		goto out;
	ret = tool_write_file(job, name, w.data, w.len, err, errlen);
out:
	buf_release(&w);
	return ret;
}

/* The group call proper on members that all qualify (text[k]: renamed cand.v, with the
 * prefix m<nonce>_<k>_ and the file c<nonce>_<k>.v). */
struct text {
	char *data;
	size_t len;
};

static void xml_call(const char *top, const char *nonce, struct syntax_cand **v, size_t n,
		     const struct text *text)
{
	char job[512], err[256], wname[64], names[2 * MAX_GROUP][64], wtop[64];
	const char *argv[2 * MAX_GROUP + 14];
	struct sb_result sr;
	struct buf x;
	size_t i, a = 0;

	job[0] = '\0';
	memset(&sr, 0, sizeof(sr));
	buf_init(&x, 1);
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		goto singles;
	}
	snprintf(wname, sizeof(wname), "w%s.v", nonce);
	snprintf(wtop, sizeof(wtop), "w%s", nonce);
	if (write_wrapper(job, wname, nonce, top, n, err, sizeof(err)) < 0)
		goto singles;
	argv[a++] = g_tools.verilator_bin;
	argv[a++] = "--xml-only";
	argv[a++] = "--no-timing";
	argv[a++] = "-Wno-fatal";
	argv[a++] = "-Wno-lint";
	argv[a++] = "-Wno-style";
	argv[a++] = "--top-module";
	argv[a++] = wtop;
	argv[a++] = "--xml-output";
	argv[a++] = "design.xml";
	argv[a++] = wname;
	for (i = 0; i < n; i++) {
		snprintf(names[2 * i], sizeof(names[0]), "c%s_%zu.v", nonce, i);
		snprintf(names[2 * i + 1], sizeof(names[0]), "s%s_%zu.v", nonce, i);
		if (tool_write_file(job, names[2 * i], text[i].data, text[i].len, err, sizeof(err)) < 0 ||
		    tool_write_file(job, names[2 * i + 1], "`resetall\n", 10, err, sizeof(err)) < 0)
			goto singles;
		argv[a++] = names[2 * i];
		argv[a++] = names[2 * i + 1];
	}
	argv[a] = NULL;
	if (tool_run(job, argv, SB_STAGE_BUILD, g_tools.lim.lint_s, &sr, err, sizeof(err)) < 0)
		goto singles;
	if (!sr.exited || sr.exit_code != 0 || sr.limit != SB_LIMIT_NONE) {
		after_failure(&sr, nonce, v, n, 0, xml_single, xml_group, top);
		goto out;
	}
	if (read_job_file(job, "design.xml", &x, (size_t)RTLR_MAX_XML * n) < 0)
		goto singles;
	for (i = 0; i < n; i++) {
		char prefix[96];

		snprintf(prefix, sizeof(prefix), "m%s_%zu_", nonce, i);
		if (sg_xml_extract(x.data, x.len, prefix, top, &v[i]->vi, v[i]->err,
				   sizeof(v[i]->err)) == 0) {
			v[i]->rc = 0;
			v[i]->diag = NULL;
		} else {
			v[i]->err[0] = '\0';
			xml_single(top, v[i]);
		}
	}
	goto out;
singles:
	for (i = 0; i < n; i++)
		xml_single(top, v[i]);
out:
	buf_release(&x);
	sb_result_release(&sr);
	if (job[0])
		sb_job_remove(job, err, sizeof(err));
}

/* Runs the ng members gathered (alone when one) and frees their texts. */
static void xml_flush(const char *top, const char *nonce, struct syntax_cand **g,
		      struct text *text, size_t ng)
{
	if (ng == 1)
		xml_single(top, g[0]);
	else if (ng > 1)
		xml_call(top, nonce, g, ng, text);
	while (ng)
		free(text[--ng].data);
}

/* Members whose cand.v the renamer refuses (or that cannot be read) run alone; the others in
 * calls of at most XML_GROUP_BYTES of source. */
static void xml_group(const char *top, struct syntax_cand **v, size_t n)
{
	struct syntax_cand *g[MAX_GROUP];
	struct text text[MAX_GROUP];
	char nonce[20];
	size_t i, ng = 0, bytes = 0;

	if (n > MAX_GROUP) {
		xml_group(top, v, n / 2);
		xml_group(top, v + n / 2, n - n / 2);
		return;
	}
	if (n == 1) {
		xml_single(top, v[0]);
		return;
	}
	if (n == 0)
		return;
	if (make_nonce(nonce, sizeof(nonce)) < 0) {
		for (i = 0; i < n; i++)
			xml_single(top, v[i]);
		return;
	}
	for (i = 0; i < n; i++) {
		struct buf t;
		char prefix[96], file[64], *out = NULL;
		size_t outlen = 0;
		int x;

		snprintf(prefix, sizeof(prefix), "m%s_%zu_", nonce, ng);
		snprintf(file, sizeof(file), "c%s_%zu.v", nonce, ng);
		if (read_job_file(v[i]->job, SYNTAX_CAND_PP, &t, RTLR_MAX_TOOL_OUTPUT + 1) < 0) {
			buf_release(&t);
			xml_single(top, v[i]);
			continue;
		}
		if (ng > 0 && bytes + t.len > XML_GROUP_BYTES) {
			xml_flush(top, nonce, g, text, ng);
			ng = 0;
			bytes = 0;
			snprintf(prefix, sizeof(prefix), "m%s_%zu_", nonce, ng);
			snprintf(file, sizeof(file), "c%s_%zu.v", nonce, ng);
		}
		x = sg_rename(t.data, t.len, prefix, nonce, file, top, &out, &outlen, NULL, 0);
		buf_release(&t);
		if (x != 0) {
			xml_single(top, v[i]);
			continue;
		}
		bytes += outlen;
		g[ng] = v[i];
		text[ng].data = out;
		text[ng].len = outlen;
		ng++;
	}
	xml_flush(top, nonce, g, text, ng);
}

void syntax_xml_group(const char *top, struct syntax_cand *c, size_t n)
{
	struct syntax_cand **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v) {
		for (i = 0; i < n; i++)
			xml_single(top, &c[i]);
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = &c[i];
	xml_group(top, v, n);
	free(v);
}
