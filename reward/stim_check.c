/* stim_check: registration warnings (owner: the stimulus files' owner). The golden runs once
 * against itself through the equivalence harness (the engine `auto` picks, the problem's seed);
 * what the harness saw becomes the problem's warnings (Problem.warnings): an output that never
 * changes, a golden that looks held in reset the whole run, a golden that does not match itself
 * (undefined values or simulator ordering), a harness that could not run it. */
#include "pipeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tools.h"

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;

static int warn(char ***v, size_t *n, const char *msg)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(char *));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = strdup(msg);
	if (!nv[*n])
		return -1;
	(*n)++;
	return 0;
}

static void judge(const struct problem *p, const struct func_out *fo, char ***v, size_t *n)
{
	const struct vinfo *g = &p->prep.gold;
	char msg[640];
	size_t i, k = 0, quiet = 0, outs = 0;

	if (fo->compile_error) {
		snprintf(msg, sizeof(msg), "the golden does not build in the equivalence harness: %.400s",
			 fo->reason);
		warn(v, n, msg);
		return;
	}
	if (!fo->checked) {
		snprintf(msg, sizeof(msg), "the golden's run against itself did not complete: %.400s",
			 fo->reason);
		warn(v, n, msg);
		return;
	}
	if (!fo->passed) {
		snprintf(msg, sizeof(msg), "the golden does not match itself under the harness (%llu of "
			 "%llu samples differ): its outputs depend on undefined values or on the "
			 "simulator's event order", (unsigned long long)fo->mismatches,
			 (unsigned long long)fo->samples);
		warn(v, n, msg);
	}
	if (!fo->cov.have)
		return;
	for (i = 0; i < g->nports; i++) {
		if (g->ports[i].dir != PORT_OUT || !g->ports[i].width)
			continue;
		outs++;
		if (k < strlen(fo->cov.toggles) && fo->cov.toggles[k] == '0') {
			snprintf(msg, sizeof(msg), "output %.200s never changes under the harness",
				 g->ports[i].name);
			warn(v, n, msg);
			quiet++;
		}
		k++;
	}
	if (outs && quiet == outs && p->prep.nresets) {
		size_t m = 0;
		m += (size_t)snprintf(msg, sizeof(msg), "no output ever changes: the golden may be held "
					  "in reset the whole run (resets as the harness drives them:");
		for (i = 0; i < p->prep.nresets && m < sizeof(msg) - 80; i++)
			m += (size_t)snprintf(msg + m, sizeof(msg) - m, " %.40s active %s",
					      p->prep.resets[i].name,
					      p->prep.resets[i].active_low ? "low" : "high");
		snprintf(msg + m, sizeof(msg) - m, ")");
		warn(v, n, msg);
	}
}

/* Once per problem (equivalence problems only): fills p->prep.warnings. */
void stim_selfcheck(struct problem *p)
{
	char job[512], err[512];
	const struct engine *eng;
	struct func_out fo;
	char **v = NULL, *as_cand = NULL;
	size_t n = 0;

	if (p->prep.selfcheck_done || !p->prep.ok || p->mode != MODE_EQUIVALENCE)
		return;
	pthread_mutex_lock(&check_lock);
	if (p->prep.selfcheck_done) {
		pthread_mutex_unlock(&check_lock);
		return;
	}
	memset(&fo, 0, sizeof(fo));
	fo.want_toggles = 1;
	job[0] = '\0';
	eng = engine_pick("auto", p, MODE_EQUIVALENCE, err, sizeof(err));
	as_cand = pipeline_rename_golden(p, "rtlr_d_", p->ref_top, p->top);
	if (!eng || !as_cand) {
		char m2[600];
		snprintf(m2, sizeof(m2), "self-check not run: %.400s", eng ? "out of memory" : err);
		warn(&v, &n, m2);
		goto out;
	}
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		goto out; /* the sandbox's trouble, not the problem's: no warning */
	}
	if (tool_write_file(job, "cand.v", as_cand, strlen(as_cand), err, sizeof(err)) < 0)
		goto out;
	if (engine_equivalence(eng, p, job, p->seed, &fo) < 0) {
		snprintf(err, sizeof(err), "the golden's run against itself failed: %.400s", fo.infra_err);
		warn(&v, &n, err);
		goto out;
	}
	judge(p, &fo, &v, &n);
out:
	if (job[0])
		sb_job_remove(job, err, sizeof(err));
	func_out_release(&fo);
	free(as_cand);
	p->prep.warnings = v;
	p->prep.nwarnings = n;
	__atomic_store_n(&p->prep.selfcheck_done, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&check_lock);
}
