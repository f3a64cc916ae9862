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
#include "harness.h"
#include "pipeline.h"
#include "stimulus.h"
#include "tools.h"
#include "vtext.h"

void engine_new_tag(char tag[40])
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i * 3)) ^ (unsigned char)rand();
	}
	memcpy(tag, "RTLR", 4);
	for (i = 0; i < sizeof(r); i++) {
		static const char hx[] = "0123456789abcdef";
		tag[4 + 2 * i] = hx[r[i] >> 4];
		tag[5 + 2 * i] = hx[r[i] & 15];
	}
	tag[20] = ':';
	tag[21] = '\0';
}

void func_out_release(struct func_out *f)
{
	free(f->diag);
	f->diag = NULL;
}

double engine_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

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

/* Judges a simulation that ended without the expected final line. */
static void judge_abnormal(const struct sb_result *r, struct func_out *out)
{
	out->min_score = 1;
	out->checked = 0;
	out->passed = 0;
	out->pass_rate = 0;
	if (r->limit != SB_LIMIT_NONE && r->limit != SB_LIMIT_OUTPUT)
		snprintf(out->reason, sizeof(out->reason), "simulation stopped: %s limit",
			 sb_limit_name(r->limit));
	else if (!r->exited)
		snprintf(out->reason, sizeof(out->reason), "simulation crashed (signal %d)", r->signal);
	else
		snprintf(out->reason, sizeof(out->reason),
			 "simulation ended before the check finished (exit %d)", r->exit_code);
}

/* Iterates over the trusted lines: those starting with tag; returns the text after it. */
const char *engine_next_tagged(const char **cursor, const char *tag, size_t *len)
{
	size_t tl = strlen(tag);
	const char *p = *cursor;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p;

		p = eol ? eol + 1 : p + n;
		if (n >= tl && !memcmp(line, tag, tl)) {
			*cursor = p;
			*len = n - tl;
			return line + tl;
		}
	}
	*cursor = p;
	return NULL;
}

/* Judges the output of a generated equivalence harness (either engine): the tagged "first"
 * line gives the first mismatch, the tagged "done <samples> <mismatches>" line the verdict,
 * which counts only when the sample count is the expected one. */
void engine_judge_equivalence(const struct sb_result *r, const char *tag, uint64_t expect,
			      struct func_out *out)
{
	const char *cur, *t;
	char line[1024];
	size_t len;
	int have_done = 0;
	unsigned long long samples = 0, mism = 0;

	cur = r->out;
	while ((t = engine_next_tagged(&cur, tag, &len))) {
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, t, len);
		line[len] = '\0';
		if (!strncmp(line, " first ", 7) && !out->has_first) {
			unsigned long long tm;
			char sig[128], ex[256], got[256];
			if (sscanf(line + 7, "%llu %127s %255s %255s", &tm, sig, ex, got) == 4) {
				out->has_first = 1;
				out->first_time = tm;
				snprintf(out->first_signal, sizeof(out->first_signal), "%s", sig);
				snprintf(out->first_expected, sizeof(out->first_expected), "%s", ex);
				snprintf(out->first_got, sizeof(out->first_got), "%s", got);
			}
		} else if (!strncmp(line, " cov ", 5)) {
			stim_parse_cov(line + 5, &out->cov);
		} else if (!strncmp(line, " done ", 6)) {
			if (sscanf(line + 6, "%llu %llu", &samples, &mism) == 2)
				have_done = 1;
		}
	}
	if (!have_done || samples != expect) {
		judge_abnormal(r, out);
		if (have_done)
			snprintf(out->reason, sizeof(out->reason),
				 "simulation reported %llu samples, expected %llu", samples,
				 (unsigned long long)expect);
	} else {
		out->checked = 1;
		out->samples = samples;
		out->mismatches = mism;
		out->pass_rate = samples ? (double)(samples - mism) / (double)samples : 0;
		out->passed = mism == 0 && samples > 0;
		if (!out->passed && !out->reason[0])
			snprintf(out->reason, sizeof(out->reason), "%llu of %llu samples mismatch", mism,
				 samples);
	}
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

/* Parses the trusted output of a testbench run. */
void engine_judge_testbench(const struct problem *p, const struct sb_result *r, const char *tag,
			    struct func_out *out)
{
	const char *cur = r->out, *t;
	size_t len;
	int have = 0, timeout = 0, pass_str = 0, fail_str = 0;
	unsigned long long n = 0, m = 0;
	char line[1024];

	while ((t = engine_next_tagged(&cur, tag, &len))) {
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, t, len);
		line[len] = '\0';
		if (p->tb_style == TB_VERILOG_EVAL) {
			unsigned long long a, b;
			char sig[128];
			if (sscanf(line, "Mismatches: %llu in %llu samples", &a, &b) == 2) {
				n = a;
				m = b;
				have = 1;
			} else if (!strncmp(line, "TIMEOUT", 7)) {
				timeout = 1;
			} else if (sscanf(line, "Hint: Output '%127[^']' has %llu mismatches. First mismatch occurred at time %llu",
					  sig, &a, &b) == 3) {
				if (!out->has_first || b < out->first_time) {
					out->has_first = 1;
					out->first_time = b;
					snprintf(out->first_signal, sizeof(out->first_signal), "%s", sig);
				}
			}
		} else {
			char low[1024];
			size_t i;
			for (i = 0; i <= len; i++)
				low[i] = (char)((line[i] >= 'A' && line[i] <= 'Z') ? line[i] + 32 : line[i]);
			if (strstr(low, "error") || strstr(low, "fail"))
				fail_str = 1;
			else if (strstr(low, "pass"))
				pass_str = 1;
		}
	}
	if (p->tb_style == TB_VERILOG_EVAL) {
		if (!have) {
			judge_abnormal(r, out);
			return;
		}
		out->samples = m;
		out->mismatches = n;
		if (p->prep.done && p->prep.tb_samples && m != p->prep.tb_samples) {
			out->min_score = 1;
			snprintf(out->reason, sizeof(out->reason),
				 "testbench counted %llu samples, the golden's run %llu", m,
				 (unsigned long long)p->prep.tb_samples);
			return;
		}
		if (timeout && !(p->prep.done && p->prep.tb_timeout)) {
			out->min_score = 1;
			snprintf(out->reason, sizeof(out->reason), "testbench timed out");
			return;
		}
		out->checked = 1;
		out->pass_rate = m ? (double)(m - (n > m ? m : n)) / (double)m : 0;
		out->passed = n == 0 && m > 0;
		if (!out->passed)
			snprintf(out->reason, sizeof(out->reason), "%llu of %llu samples mismatch", n, m);
		if (timeout)
			snprintf(out->note, sizeof(out->note),
				 "the testbench printed TIMEOUT, as it does for the golden");
	} else {
		if (!pass_str && !fail_str) {
			judge_abnormal(r, out);
			return;
		}
		out->checked = 1;
		out->samples = 1;
		out->passed = pass_str && !fail_str;
		out->mismatches = out->passed ? 0 : 1;
		out->pass_rate = out->passed ? 1.0 : 0.0;
		if (!out->passed)
			snprintf(out->reason, sizeof(out->reason), "the testbench reported a failure");
	}
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
	.testbench = icarus_testbench,
};

const struct engine *engine_pick(const char *name, const struct problem *p, enum check_mode mode,
				 char *err, size_t errlen)
{
	if (!name || !name[0] || !strcmp(name, "auto")) {
		/* Expected cost per candidate on this machine (bench/bench_verilator.py): Icarus
		 * ~15 ms + ~8 us per sample; Verilator ~0.25 s of build per new candidate (the golden
		 * model prebuilt, the PCH; 0.14 s with clang++, 0.25 s with g++) + ~0.2 us per sample
		 * (0.05 us at -O1, which long simulations get). Only
		 * equivalence problems with a reset go to Verilator: without one, 2-state start
		 * values would change verdicts that Icarus's X decides; nor goldens that assign x
		 * or z (a don't-care under Icarus's X rule, a plain value in 2 states). Testbench
		 * mode always runs Icarus: a Verilator --timing build of the testbench costs more
		 * than a whole Icarus run of it. */
		uint64_t n = p->prep.done ? harness_samples(p) : 0;
		double ic = 15 + (double)n * 0.008, vl = 250 + (double)n * 0.0002;

		if (mode == MODE_TESTBENCH) {
			snprintf(err, errlen, "auto: icarus (testbench mode: a Verilator --timing build of "
					      "the testbench costs more than an Icarus run)");
			return &engine_icarus;
		}
		if (p->prep.gold_eq && engine_uses_xz(p->prep.gold_eq)) {
			snprintf(err, errlen, "auto: icarus (the golden assigns x or z: 4-state needed)");
			return &engine_icarus;
		}
		if (p->prep.gold_eq && engine_vlx_divides(p->prep.gold_eq)) {
			snprintf(err, errlen, "auto: icarus (the golden divides by a value that may be "
					      "0: 4-state needed)");
			return &engine_icarus;
		}
		if (p->prep.nresets && p->prep.nclocks && vl < ic) {
			snprintf(err, errlen, "auto: verilator (%llu samples: ~%.0f ms vs icarus ~%.0f ms)",
				 (unsigned long long)n, vl, ic);
			return &engine_verilator;
		}
		snprintf(err, errlen, "auto: icarus (%llu samples: ~%.0f ms vs verilator ~%.0f ms%s)",
			 (unsigned long long)n, ic, vl,
			 !p->prep.nresets && p->prep.nclocks ? "; no reset: 2-state start would differ" : "");
		return &engine_icarus;
	}
	if (!strcmp(name, "icarus"))
		return &engine_icarus;
	if (!strcmp(name, "verilator"))
		return &engine_verilator;
	snprintf(err, errlen, "engine: '%s' is not one of auto, icarus, verilator", name);
	return NULL;
}
