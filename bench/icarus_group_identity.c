/* icarus_group_identity JOBROOT PROBLEMS_DIR CANDS_DIR [SUBSTRING]: engine-level group-vs-single
 * verdict identity of the Icarus group check (reward/engine_icarus_group.c). Built and run by
 * bench/bench_icarus_group_identity.py against build/librtlr.a.
 *
 * CANDS_DIR/<problem id>/c<k>.v are preprocessed candidates (k < 16). Per problem: every
 * candidate the token policy allows is scored alone (engine_icarus.equivalence, one after
 * another) and then all of them as one group (engine_equivalence_group); every field of the
 * verdict must be the same. Prints each difference, then one summary line and the splits. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "counters.h"
#include "engine.h"
#include "pipeline.h"
#include "policy.h"
#include "problem.h"
#include "problems_load.h"
#include "sandbox.h"
#include "tools.h"

#define MAXC 16

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void mkjob(char *job, const char *text)
{
	char err[256];

	if (sb_job_create(job, 512, err, sizeof(err)) < 0 ||
	    tool_write_file(job, "cand.v", text, strlen(text), err, sizeof(err)) < 0) {
		fprintf(stderr, "job: %s\n", err);
		exit(1);
	}
}

/* 0 when the verdicts are the same, else which part differs */
static int differs(const struct func_out *a, int ra, const struct func_out *b, int rb)
{
	if (ra != rb)
		return 1;
	if (a->checked != b->checked || a->passed != b->passed || a->samples != b->samples ||
	    a->mismatches != b->mismatches || a->pass_rate != b->pass_rate)
		return 2;
	if (a->has_first != b->has_first || a->first_time != b->first_time ||
	    strcmp(a->first_signal, b->first_signal) || strcmp(a->first_expected, b->first_expected) ||
	    strcmp(a->first_got, b->first_got))
		return 3;
	if (strcmp(a->reason, b->reason) || a->min_score != b->min_score ||
	    a->compile_error != b->compile_error || strcmp(a->note, b->note))
		return 4;
	if (strcmp(a->cov.hash, b->cov.hash) || a->cov.corner_hits != b->cov.corner_hits ||
	    a->cov.const_hits != b->cov.const_hits || a->cov.sibling_draws != b->cov.sibling_draws ||
	    a->cov.joint_samples != b->cov.joint_samples || strcmp(a->cov.clocks, b->cov.clocks))
		return 5;
	return 0;
}

static void show(const char *what, int rc, const struct func_out *o)
{
	printf("  %s: rc %d checked %d passed %d %llu/%llu first %llu %s %s/%s reason [%s] infra [%s]\n",
	       what, rc, o->checked, o->passed, (unsigned long long)o->mismatches,
	       (unsigned long long)o->samples, (unsigned long long)o->first_time, o->first_signal,
	       o->first_expected, o->first_got, o->reason, o->infra_err);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Scores one problem's candidates alone and grouped; returns the differences. */
static size_t one_problem(struct problem *p, const char *dir, size_t *total, double *ts,
			  double *tg)
{
	char *texts[MAXC], jobs[MAXC][512], err[512];
	struct func_out so[MAXC];
	struct engine_cand c[MAXC];
	int sr[MAXC];
	size_t nt = 0, i, diffs = 0;
	double t0;

	for (i = 0; i < MAXC; i++) {
		char path[1300], why[256];
		struct buf b;

		buf_init(&b, 1 << 22);
		snprintf(path, sizeof(path), "%s/c%zu.v", dir, i);
		if (buf_read_file(&b, path) == 0 &&
		    policy_check_tokens(b.data, b.len, (const char *const *)p->prep.reserved, why,
					sizeof(why)) == 0)
			texts[nt++] = buf_detach(&b, NULL);
		buf_release(&b);
	}
	t0 = now();
	for (i = 0; i < nt; i++) {
		memset(&so[i], 0, sizeof(so[i]));
		mkjob(jobs[i], texts[i]);
		sr[i] = engine_icarus.equivalence(p, jobs[i], p->seed, &so[i]);
		sb_job_remove(jobs[i], err, sizeof(err));
	}
	*ts += now() - t0;
	t0 = now();
	for (i = 0; i < nt; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		mkjob(jobs[i], texts[i]);
		c[i].jobdir = jobs[i];
	}
	engine_equivalence_group(&engine_icarus, p, p->seed, c, nt);
	*tg += now() - t0;
	for (i = 0; i < nt; i++) {
		int d = differs(&so[i], sr[i], &c[i].out, c[i].rc);

		sb_job_remove(jobs[i], err, sizeof(err));
		(*total)++;
		if (d) {
			diffs++;
			printf("DIFF %s #%zu (part %d)\n", p->id, i, d);
			show("alone", sr[i], &so[i]);
			show("group", c[i].rc, &c[i].out);
		}
		func_out_release(&so[i]);
		func_out_release(&c[i].out);
		free(texts[i]);
	}
	fflush(stdout);
	return diffs;
}

int main(int argc, char **argv)
{
	struct sb_config sbc = {0};
	char err[512], jobs[1100], cache[1100], *ids[4096];
	size_t n, ni = 0, k, total = 0, diffs = 0, nprob = 0;
	double ts = 0, tg = 0;
	uint64_t v0, v1;
	struct buf o;
	const char *q;
	DIR *d;
	struct dirent *e;

	if (argc < 4) {
		fprintf(stderr, "usage: %s JOBROOT PROBLEMS_DIR CANDS_DIR [SUBSTRING]\n", argv[0]);
		return 2;
	}
	snprintf(jobs, sizeof(jobs), "%s/jobs", argv[1]);
	snprintf(cache, sizeof(cache), "%s/cache", argv[1]);
	sbc.job_root = jobs;
	if (sb_init(&sbc, err, sizeof(err)) < 0 || pipeline_init(cache, err, sizeof(err)) < 0 ||
	    registry_init() < 0 || problems_load_dir(argv[2], &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	d = opendir(argv[3]);
	while (d && (e = readdir(d)) && ni < 4096)
		if (e->d_name[0] != '.')
			ids[ni++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(ids, ni, sizeof(char *), by_name);
	v0 = counters_tool_runs(CT_VVP);
	for (k = 0; k < ni; k++) {
		struct problem *p;
		char dir[1200];

		if (argc > 4 && !strstr(ids[k], argv[4]))
			continue;
		p = registry_get(ids[k]);
		if (!p)
			continue;
		if (pipeline_prepare(p, err, sizeof(err)) == 0) {
			snprintf(dir, sizeof(dir), "%s/%s", argv[3], ids[k]);
			diffs += one_problem(p, dir, &total, &ts, &tg);
			nprob++;
		}
		problem_unref(p);
	}
	v1 = counters_tool_runs(CT_VVP);
	printf("identity: %zu problems, %zu candidates, %zu differences; alone %.1f s, grouped "
	       "%.1f s, %llu vvp runs in all\n", nprob, total, diffs, ts, tg,
	       (unsigned long long)(v1 - v0));
	buf_init(&o, 1 << 20);
	counters_format(&o);
	for (q = o.data; q && (q = strstr(q, "rtlreward_group_splits_total{")); q++)
		printf("  %.*s\n", (int)strcspn(q, "\n"), q);
	buf_release(&o);
	return diffs ? 1 : 0;
}
