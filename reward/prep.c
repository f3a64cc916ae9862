/* Preparation of a problem, once: the golden's ports and modules from Verilator's XML, the
 * clocks and resets (given or detected), the renamed goldens the engines compile, the module
 * names a candidate may not define, and for testbench mode the golden's own run. */
#include "pipeline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "caps.h"
#include "clkrst.h"
#include "engine.h"
#include "policy_trusted.h"
#include "tools.h"
#include "vtext.h"

static int add_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(char *));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -1;
	(*n)++;
	return 0;
}

/* Renames golden modules: every module m becomes prefix+m, except `keep` which becomes
 * keep_as (when keep is not NULL). */
char *pipeline_rename_golden(const struct problem *p, const char *prefix, const char *keep,
			     const char *keep_as)
{
	const struct vinfo *g = &p->prep.gold;
	const char **from = calloc(g->nmodules + 1, sizeof(char *));
	char **to = calloc(g->nmodules + 1, sizeof(char *));
	struct buf out;
	char *res = NULL;
	size_t i;

	buf_init(&out, 2 * RTLR_MAX_REFERENCE);
	if (!from || !to)
		goto out;
	for (i = 0; i < g->nmodules; i++) {
		from[i] = g->modules[i];
		if (keep && !strcmp(g->modules[i], keep)) {
			to[i] = strdup(keep_as);
		} else {
			size_t n = strlen(prefix) + strlen(g->modules[i]) + 1;
			to[i] = malloc(n);
			if (to[i])
				snprintf(to[i], n, "%s%s", prefix, g->modules[i]);
		}
		if (!to[i])
			goto out;
	}
	if (vtext_rename(p->reference, from, (const char *const *)to, g->nmodules, &out) == 0)
		res = buf_detach(&out, NULL);
out:
	for (i = 0; to && i < g->nmodules; i++)
		free(to[i]);
	free(to);
	free(from);
	buf_release(&out);
	return res;
}

/* Module names defined in a trusted text (a testbench): "module NAME". */
static int scan_module_names(const char *src, char ***v, size_t *n)
{
	const char *q = src;

	while ((q = strstr(q, "module"))) {
		const char *s;
		size_t l;
		char name[256];

		if ((q > src && (isalnum((unsigned char)q[-1]) || q[-1] == '_' || q[-1] == '$')) ||
		    isalnum((unsigned char)q[6]) || q[6] == '_') {
			q += 6;
			continue;
		}
		q += 6;
		while (isspace((unsigned char)*q))
			q++;
		s = q;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == '$')
			q++;
		l = (size_t)(q - s);
		if (l == 0 || l >= sizeof(name))
			continue;
		memcpy(name, s, l);
		name[l] = '\0';
		if (add_str(v, n, name) < 0)
			return -1;
	}
	return 0;
}

static int build_reserved(struct problem *p)
{
	char **v = NULL;
	size_t n = 0, i;
	const char **res;

	/* The golden's submodules are renamed rtlr_g_* in every flow, so a candidate may reuse
	 * their names; only the golden's top (when it differs from the candidate's) is reserved. */
	if (strcmp(p->ref_top, p->top) && add_str(&v, &n, p->ref_top) < 0)
		goto oom;
	if (p->testbench && scan_module_names(p->testbench, &v, &n) < 0)
		goto oom;
	if (add_str(&v, &n, "tb") < 0 || add_str(&v, &n, "testbench") < 0 ||
	    add_str(&v, &n, "stimulus_gen") < 0 || add_str(&v, &n, "RefModule") < 0)
		goto oom;
	res = calloc(n + 1, sizeof(char *));
	if (!res)
		goto oom;
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i], p->top)) {
			free(v[i]);
			continue;
		}
		res[i] = v[i];
	}
	/* compact NULL holes */
	{
		size_t j = 0;
		for (i = 0; i < n; i++)
			if (res[i])
				res[j++] = res[i];
		res[j] = NULL;
	}
	free(v);
	p->prep.reserved = res;
	return 0;
oom:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -1;
}

/* Runs Verilator's XML dump on `file` in jobdir. Fills vi; returns 0, 1 when the design does
 * not elaborate (diag gets stderr, malloc'd), -1 on infra failure. */
static int verilator_xml(const char *jobdir, const char *file, const char *top, struct vinfo *vi,
			 int bodies, char **diag, char *err, size_t errlen)
{
	const char *argv[] = {g_tools.verilator_bin, "--xml-only", "--no-timing", "-Wno-fatal", "-Wno-lint",
			      "-Wno-style", "--top-module", top, "--xml-output", "design.xml",
			      file, NULL};
	struct sb_result r;
	struct buf x;
	char path[1024];
	int ret = -1;

	*diag = NULL;
	if (tool_run(jobdir, argv, SB_STAGE_BUILD, g_tools.lim.lint_s, &r, err, errlen) < 0)
		return -1;
	if (!r.exited || r.exit_code != 0) {
		if (r.limit != SB_LIMIT_NONE && r.limit != SB_LIMIT_OUTPUT) {
			size_t n = 64;
			*diag = malloc(n);
			if (*diag)
				snprintf(*diag, n, "verilator stopped: %s limit", sb_limit_name(r.limit));
		} else {
			*diag = strdup(r.err ? r.err : "");
		}
		sb_result_release(&r);
		return 1;
	}
	sb_result_release(&r);
	buf_init(&x, RTLR_MAX_XML);
	snprintf(path, sizeof(path), "%s/design.xml", jobdir);
	if (buf_read_file(&x, path) < 0) {
		snprintf(err, errlen, "reading verilator xml failed");
		goto out;
	}
	if ((bodies ? vinfo_parse_xml_bodies : vinfo_parse_xml)(x.data, x.len, vi, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&x);
	return ret;
}

int pipeline_verilator_xml(const char *jobdir, const char *file, const char *top,
			   struct vinfo *vi, char **diag, char *err, size_t errlen)
{
	return verilator_xml(jobdir, file, top, vi, 0, diag, err, errlen);
}

static int golden_tb_run(struct problem *p, const char *jobdir, char *err, size_t errlen)
{
	struct func_out fo;
	char *as_cand;
	int ret = -1;

	memset(&fo, 0, sizeof(fo));
	as_cand = pipeline_rename_golden(p, "rtlr_d_", p->ref_top, p->top);
	if (!as_cand) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tool_write_file(jobdir, "golden_dut.v", as_cand, strlen(as_cand), err, errlen) < 0)
		goto out;
	if (engine_testbench(&engine_icarus, p, jobdir, "golden_dut.v", &fo) < 0) {
		snprintf(err, errlen, "golden testbench run: %.300s", fo.infra_err);
		goto out;
	}
	if (fo.compile_error) {
		snprintf(err, errlen, "the golden does not compile with its testbench: %.300s",
			 fo.diag ? fo.diag : fo.reason);
		goto out;
	}
	if (p->tb_style == TB_VERILOG_EVAL && fo.samples == 0) {
		snprintf(err, errlen, "the golden's testbench run printed no 'Mismatches: N in M samples' (%.300s)",
			 fo.reason);
		goto out;
	}
	if (!fo.passed) {
		snprintf(err, errlen, "the golden does not pass its own testbench: %.300s", fo.reason);
		goto out;
	}
	p->prep.tb_samples = fo.samples;
	p->prep.tb_timeout = strstr(fo.note, "TIMEOUT") != NULL;
	ret = 0;
out:
	func_out_release(&fo);
	free(as_cand);
	return ret;
}

static int prepare_locked(struct problem *p, char *err, size_t errlen)
{
	char job[512], e2[256];
	char *diag = NULL;
	int ret = -1, x;

	if (sb_job_create(job, sizeof(job), err, errlen) < 0)
		return -1;
	if (tool_write_file(job, "golden.v", p->reference, strlen(p->reference), err, errlen) < 0)
		goto out;
	x = verilator_xml(job, "golden.v", p->ref_top, &p->prep.gold, 1, &diag, err, errlen);
	if (x < 0)
		goto out;
	if (x > 0) {
		snprintf(err, errlen, "the golden does not elaborate with Verilator (top %s): %.400s",
			 p->ref_top, diag ? diag : "");
		goto out;
	}
	if (!p->prep.gold.nports) {
		snprintf(err, errlen, "the golden top %s has no ports", p->ref_top);
		goto out;
	}
	x = clkrst_detect(p, err, errlen);
	vinfo_release_bodies(&p->prep.gold); /* only clkrst reads them */
	if (x < 0)
		goto out;
	p->prep.gold_eq = pipeline_rename_golden(p, "rtlr_g_", NULL, NULL);
	p->prep.gold_tb = pipeline_rename_golden(p, "rtlr_g_", p->ref_top, p->ref_top);
	if (!p->prep.gold_eq || !p->prep.gold_tb || build_reserved(p) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	p->prep.done = 1; /* the golden run below reads prep like a candidate run */
	if (p->testbench && golden_tb_run(p, job, p->prep.tb_err, sizeof(p->prep.tb_err)) < 0) {
		/* the testbench cannot judge; equivalence mode still can */
		p->prep.tb_unusable = 1;
	}
	ret = 0;
out:
	free(diag);
	sb_job_remove(job, e2, sizeof(e2));
	return ret;
}

int pipeline_prepare(struct problem *p, char *err, size_t errlen)
{
	int ret;

	pthread_mutex_lock(&p->prep_lock);
	if (!p->prep.done || !p->prep.ok) {
		if (p->prep.err[0] && !p->prep.ok && p->prep.done) {
			/* failed before: keep the verdict */
		} else if (prepare_locked(p, p->prep.err, sizeof(p->prep.err)) == 0) {
			p->prep.ok = 1;
		}
		/* tool output about the golden reaches clients (422, INFRA_ERROR): no line about a
		 * file outside the job directory */
		policy_confine_diag(p->prep.err);
		policy_confine_diag(p->prep.tb_err);
		p->prep.done = 1;
	}
	ret = p->prep.ok ? 0 : -1;
	if (ret < 0)
		snprintf(err, errlen, "%s", p->prep.err);
	pthread_mutex_unlock(&p->prep_lock);
	return ret;
}
