/* Icarus engine: iverilog -g2012 compiles harness/testbench + golden + candidate in the build
 * stage; vvp runs the result in the run stage. Files are passed in this order so that the
 * candidate's compiler directives cannot reach the trusted sources. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "caps.h"
#include "closure.h"
#include "engine_icarus_group.h"
#include "harness.h"
#include "pipeline.h"
#include "stimulus.h"
#include "tools.h"
#include "vtext.h"


/* Compile. Returns 0 when the simulation binary exists, 1 when a limit stopped the build (the
 * candidate's: only it varies between runs), 2 when iverilog failed otherwise (out->diag
 * holds its stderr; the caller decides whose failure it is by checking the trusted parts
 * alone, never by the file names in it), -1 on infra failure. */
static int compile(const char *jobdir, const char *const *argv, struct func_out *out)
{
	struct sb_result r;
	struct timespec t0;
	char err[256];
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tool_run(jobdir, argv, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %s", err);
		return -1;
	}
	out->compile_ms += engine_ms_since(&t0);
	if (r.exited && r.exit_code == 0) {
		ret = 0;
	} else if (r.limit == SB_LIMIT_WALL || r.limit == SB_LIMIT_CPU || r.limit == SB_LIMIT_MEMORY ||
		   r.limit == SB_LIMIT_FSIZE || r.limit == SB_LIMIT_NPROC) {
		snprintf(out->reason, sizeof(out->reason), "compile stopped: %s limit",
			 sb_limit_name(r.limit));
		out->min_score = 1;
		out->compile_error = 1;
		ret = 1;
	} else {
		free(out->diag);
		out->diag = r.err ? strdup(r.err) : NULL;
		snprintf(out->infra_err, sizeof(out->infra_err), "iverilog failed (exit %d, signal %d): %.400s",
			 r.exit_code, r.signal, r.err ? r.err : "");
		ret = 2;
	}
	sb_result_release(&r);
	return ret;
}

/* A failed compile (compile() returned 2) whose trusted parts are known to compile alone: the
 * candidate's. */
static void candidate_failed(struct func_out *out, const char *what)
{
	out->compile_error = 1;
	out->infra_err[0] = '\0';
	snprintf(out->reason, sizeof(out->reason), "the candidate does not compile with %s (iverilog)",
		 what);
}

/* Runs sim.vvp; returns 0 with r filled, -1 on infra failure. */
static int simulate(const char *jobdir, struct sb_result *r, struct func_out *out)
{
	const char *argv[] = {g_tools.vvp, "-n", "sim.vvp", NULL};
	struct timespec t0;
	char err[256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tool_run(jobdir, argv, SB_STAGE_RUN, g_tools.lim.sim_s, r, err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "sandbox: %s", err);
		return -1;
	}
	out->run_ms = engine_ms_since(&t0);
	return 0;
}


static int icarus_equivalence(const struct problem *p, const char *jobdir, uint64_t seed,
			      struct func_out *out)
{
	char tag[40], gmod[320], gprefix[40], err[256];
	struct buf h;
	struct sb_result r;
	struct stim_plan pl;
	char *gold = NULL;
	int ret = -1;
	uint64_t expect = harness_samples(p);

	buf_init(&h, 4 * RTLR_MAX_REFERENCE);
	engine_new_tag(tag);
	if (stim_plan_for_job(p, seed, jobdir, &pl) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "stimulus plan: out of memory");
		goto out_noplan;
	}
	pl.track_toggles = out->want_toggles;
	if (pl.total != expect) { /* stim_total() and the plan disagree: a bug, never a verdict */
		snprintf(out->infra_err, sizeof(out->infra_err), "stimulus plan: %llu steps, expected %llu",
			 (unsigned long long)pl.total, (unsigned long long)expect);
		goto out;
	}
	/* the golden's modules get a prefix of this run too: no name a candidate could write
	 * reaches them */
	snprintf(gprefix, sizeof(gprefix), "%sG_", pl.prefix);
	snprintf(gmod, sizeof(gmod), "%s%s", gprefix, p->ref_top);
	gold = pipeline_rename_golden(p, gprefix, NULL, NULL);
	if (!gold || harness_equivalence(p, &pl, tag, gmod, &h) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "harness too large");
		goto out;
	}
	if (tool_write_file(jobdir, "harness.v", h.data, h.len, err, sizeof(err)) < 0 ||
	    tool_write_file(jobdir, "gold.v", gold, strlen(gold), err, sizeof(err)) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%s", err);
		goto out;
	}
	{
		const char *argv[] = {g_tools.iverilog, "-g2012", "-o", "sim.vvp", "-s", pl.mod,
				      "harness.v", "gold.v", "cand.v", NULL};
		int c = closure_icarus_alone(p, jobdir, "cand.v", 0, out);

		if (c == 0)
			c = compile(jobdir, argv, out);
		if (c == 2) {
			char why[512];
			int t = closure_icarus_trusted_eq(p, jobdir, argv, "cand.v", why, sizeof(why));
			if (t <= 0) {
				snprintf(out->infra_err, sizeof(out->infra_err), "%s", why);
				goto out;
			}
			candidate_failed(out, "the harness");
		}
		if (c < 0)
			goto out;
		if (c > 0) {
			ret = 0;
			goto out;
		}
	}
	if (simulate(jobdir, &r, out) < 0)
		goto out;
	engine_judge_equivalence(&r, tag, expect, out);
	stim_cov_from_plan(&pl, &out->cov);
	sb_result_release(&r);
	ret = 0;
out:
	stim_plan_release(&pl);
out_noplan:
	free(gold);
	buf_release(&h);
	return ret;
}


static int icarus_testbench(const struct problem *p, const char *jobdir, const char *cand_file,
			    struct func_out *out)
{
	char tag[40], err[256], top[64];
	struct buf tb;
	struct sb_result r;
	int ret = -1;

	buf_init(&tb, 2 * RTLR_MAX_REFERENCE);
	engine_new_tag(tag);
	if (closure_testbench(p, tag, top, sizeof(top), &tb) < 0) {
		snprintf(out->infra_err, sizeof(out->infra_err), "testbench too large");
		goto out;
	}
	for (size_t i = 0; i < p->nfiles; i++) {
		if (tool_write_file(jobdir, p->file_names[i], p->file_data[i], strlen(p->file_data[i]),
				    err, sizeof(err)) < 0) {
			snprintf(out->infra_err, sizeof(out->infra_err), "%s", err);
			goto out;
		}
	}
	if (tool_write_file(jobdir, "tb.sv", tb.data, tb.len, err, sizeof(err)) < 0 ||
	    (p->tb_style == TB_VERILOG_EVAL &&
	     tool_write_file(jobdir, "gold.v", p->prep.gold_tb, strlen(p->prep.gold_tb), err,
			     sizeof(err)) < 0)) {
		snprintf(out->infra_err, sizeof(out->infra_err), "%s", err);
		goto out;
	}
	{
		const char *argv_ve[] = {g_tools.iverilog, "-g2012", "-o", "sim.vvp", "-s", top,
					 "tb.sv", "gold.v", cand_file, NULL};
		const char *argv_rt[] = {g_tools.iverilog, "-g2012", "-o", "sim.vvp", "tb.sv", cand_file,
					 NULL};
		/* the alone elaboration picks its roots as the full run does: -s for VerilogEval,
		 * every uninstantiated module for RTLLM (whose testbench is found that way) */
		int c = closure_icarus_alone(p, jobdir, cand_file, p->tb_style != TB_VERILOG_EVAL, out);

		if (c == 0)
			c = compile(jobdir, p->tb_style == TB_VERILOG_EVAL ? argv_ve : argv_rt, out);
		if (c == 2) {
			/* prep.ok: the golden passed this testbench at preparation, so the trusted
			 * parts compile alone; before that (the golden's own run) it is the problem's */
			if (!p->prep.ok)
				goto out;
			candidate_failed(out, "the testbench");
		}
		if (c < 0)
			goto out;
		if (c > 0) {
			ret = 0;
			goto out;
		}
	}
	if (simulate(jobdir, &r, out) < 0)
		goto out;
	engine_judge_testbench(p, &r, tag, out);
	sb_result_release(&r);
	ret = 0;
out:
	buf_release(&tb);
	return ret;
}

const struct engine engine_icarus = {
	.name = "icarus",
	.equivalence = icarus_equivalence,
	.equivalence_group = icarus_equivalence_group,
	.testbench = icarus_testbench,
};

