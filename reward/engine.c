/* engine: the engine layer's one module (owner: the lead). What every engine shares lives here:
 * the engine table and the `auto` choice (engine_pick), the verdict judging of tagged output
 * (engine_judge_equivalence, engine_judge_testbench), run tags, and the group entry point
 * (engine_equivalence_group) that hands a group of candidates to an engine's group function, or
 * scores them one by one where an engine has none. Engines (engine_icarus.c,
 * engine_verilator*.c) implement struct engine and do not call each other's internals.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "harness.h"
#include "sandbox.h"
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

void engine_equivalence_group(const struct engine *e, const struct problem *p, uint64_t seed,
			      struct engine_cand *c, size_t n)
{
	size_t i;

	if (!n)
		return;
	counters_group(e->name, n);
	if (n > 1 && e->equivalence_group)
		e->equivalence_group(p, seed, c, n);
	else
		for (i = 0; i < n; i++)
			c[i].rc = e->equivalence(p, c[i].jobdir, seed, &c[i].out);
	if (e != &engine_icarus)
		engine_refer_group(p, seed, c, n); /* the fall-backs (below) */
}

/* ---- fall-backs (owner: vlgroup) ------------------------------------------------------------
 * An engine that cannot judge a candidate says why in func_out.refer (returning 0); here, and
 * only here, Icarus then runs instead, and the note says so. The notes and verdicts are those
 * the engines gave when they called Icarus themselves. */

/* Files a Verilator attempt may leave in the job directory that Icarus's equivalence run
 * writes itself. */
static void refer_reset_eq(const char *jobdir, struct func_out *out, char *why, size_t whylen)
{
	static const char *const written[] = {"gold.v", "harness.v"};
	char path[1300];
	size_t i;
	int wt = out->want_toggles; /* the registration self-check asks for toggles */

	snprintf(why, whylen, "%s", out->refer);
	for (i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", jobdir, written[i]);
		unlink(path);
	}
	func_out_release(out);
	memset(out, 0, sizeof(*out));
	out->want_toggles = wt;
}

static void refer_note_eq(struct func_out *out, const char *why)
{
	out->ran = "icarus";
	snprintf(out->note, sizeof(out->note), "ran under Icarus: %.230s", why);
}

int engine_equivalence(const struct engine *e, const struct problem *p, const char *jobdir,
		       uint64_t seed, struct func_out *out)
{
	char why[sizeof(out->refer)];
	int x = e->equivalence(p, jobdir, seed, out);

	if (x < 0 || !out->refer[0] || e == &engine_icarus)
		return x;
	refer_reset_eq(jobdir, out, why, sizeof(why));
	x = engine_icarus.equivalence(p, jobdir, seed, out);
	refer_note_eq(out, why);
	return x;
}

int engine_testbench(const struct engine *e, const struct problem *p, const char *jobdir,
		     const char *cand_file, struct func_out *out)
{
	char why[sizeof(out->refer)], icnote[256], path[1300];
	size_t i;
	int x = e->testbench(p, jobdir, cand_file, out);

	if (x < 0 || !out->refer[0] || e == &engine_icarus)
		return x;
	snprintf(why, sizeof(why), "%s", out->refer);
	for (i = 0; i < p->nfiles; i++) { /* the testbench's files, as the attempt wrote them */
		snprintf(path, sizeof(path), "%s/%s", jobdir, p->file_names[i]);
		unlink(path);
	}
	func_out_release(out);
	memset(out, 0, sizeof(*out));
	x = engine_icarus.testbench(p, jobdir, cand_file, out);
	out->ran = "icarus";
	snprintf(icnote, sizeof(icnote), "%s", out->note);
	snprintf(out->note, sizeof(out->note), "testbench ran under Icarus: %.170s%s%.50s", why,
		 icnote[0] ? "; " : "", icnote);
	return x;
}

void engine_refer_group(const struct problem *p, uint64_t seed, struct engine_cand *c, size_t n)
{
	struct engine_cand *sub = NULL;
	char (*why)[sizeof(c->out.refer)] = NULL;
	size_t *at = NULL, i, m = 0;

	for (i = 0; i < n; i++)
		m += c[i].rc == 0 && c[i].out.refer[0];
	if (!m)
		return;
	sub = calloc(m, sizeof(*sub));
	why = calloc(m, sizeof(*why));
	at = calloc(m, sizeof(*at));
	if (!sub || !why || !at) { /* scored one by one, as single runs are */
		for (i = 0; i < n; i++)
			if (c[i].rc == 0 && c[i].out.refer[0]) {
				char w[sizeof(c->out.refer)];
				refer_reset_eq(c[i].jobdir, &c[i].out, w, sizeof(w));
				c[i].rc = engine_icarus.equivalence(p, c[i].jobdir, seed, &c[i].out);
				refer_note_eq(&c[i].out, w);
			}
		goto out;
	}
	for (i = 0, m = 0; i < n; i++)
		if (c[i].rc == 0 && c[i].out.refer[0]) {
			at[m] = i;
			sub[m].jobdir = c[i].jobdir;
			refer_reset_eq(c[i].jobdir, &c[i].out, why[m], sizeof(why[m]));
			sub[m].out.want_toggles = c[i].out.want_toggles;
			m++;
		}
	engine_equivalence_group(&engine_icarus, p, seed, sub, m);
	for (i = 0; i < m; i++) {
		c[at[i]].out = sub[i].out; /* the diag pointer moves with it */
		c[at[i]].rc = sub[i].rc;
		refer_note_eq(&c[at[i]].out, why[i]);
	}
out:
	free(sub);
	free(why);
	free(at);
}
