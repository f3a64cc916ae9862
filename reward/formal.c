/* The formal tier: Yosys scripts, their verdicts, and the pipeline hooks (see formal.h and
 * docs/formal.md for the semantics and their limits). */
#include "formal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "harness.h"
#include "hash.h"
#include "pipeline.h"
#include "tools.h"

#define FORMAL_FLOW_VERSION "rtlreward-formal-1"
#define F_GOLD "fgold.v"
#define F_YS "formal.ys"
#define F_PRE "formal_pre.log"
#define F_IND "formal_ind.log"
#define MITER "rtlr_formal_miter"

static struct {
	double timeout_s;
	unsigned depth;
	char yosys[256];
	char version[128];
	char key[65];
	int ready;
} g = {.timeout_s = 5, .depth = 24};

void formal_configure(double timeout_s, unsigned depth)
{
	if (timeout_s > 0)
		g.timeout_s = timeout_s;
	if (depth > 0)
		g.depth = depth;
}

int formal_init(char *err, size_t errlen)
{
	const char *argv[] = {"/usr/bin/yosys", "-V", NULL};
	struct sb_result r;
	char job[512], e2[256];
	struct hash_ctx *h;

	(void)err;
	(void)errlen;
	snprintf(g.yosys, sizeof(g.yosys), "/usr/bin/yosys");
	g.version[0] = '\0';
	if (access(g.yosys, X_OK) == 0 && sb_job_create(job, sizeof(job), e2, sizeof(e2)) == 0) {
		if (tool_run(job, argv, SB_STAGE_BUILD, 20, &r, e2, sizeof(e2)) == 0) {
			const char *s = r.out_len ? r.out : "";
			if (r.exited && r.exit_code == 0)
				snprintf(g.version, sizeof(g.version), "%.*s", (int)strcspn(s, "\r\n"), s);
			sb_result_release(&r);
		}
		sb_job_remove(job, e2, sizeof(e2));
	}
	g.ready = g.version[0] != '\0';
	h = hash_new();
	hash_add_str(h, FORMAL_FLOW_VERSION);
	hash_add_str(h, g.ready ? g.version : "no yosys");
	hash_add_u64(h, (uint64_t)(g.timeout_s * 1000));
	hash_add_u64(h, g.depth);
	hash_final_hex(h, g.key);
	if (!g.ready)
		fprintf(stderr, "rtlreward: formal: /usr/bin/yosys not usable: every proof is unknown\n");
	return 0;
}

const char *formal_key(void)
{
	return g.key;
}

int formal_parse_option(const char *s, int *out, char *err, size_t errlen)
{
	if (!s || !s[0] || !strcmp(s, "off"))
		*out = FORMAL_OFF;
	else if (!strcmp(s, "confirm"))
		*out = FORMAL_CONFIRM;
	else {
		snprintf(err, errlen, "formal: '%.64s' is not one of off, confirm", s);
		return -1;
	}
	return 0;
}

const char *formal_verdict_str(const struct formal_out *o, char *buf, size_t len)
{
	switch (o->verdict) {
	case PROOF_PROVED:
		return "proved";
	case PROOF_BOUNDED:
		snprintf(buf, len, "bounded(%u)", o->depth);
		return buf;
	case PROOF_REFUTED:
		return "refuted";
	case PROOF_UNKNOWN:
		return "unknown";
	default:
		return "";
	}
}

static int simple_name(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static double ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Steps with every reset asserted (and, in the clk2fflogic model, the clocks toggling 0,1,0,1:
 * the harness's reset phase) before the inputs are free; 0 when nothing is reset. A native
 * step is a clock cycle, a clk2fflogic step half of one. */
static unsigned reset_prefix(const struct problem *p, int native)
{
	if (!p->prep.nclocks || !p->prep.nresets)
		return 0;
	return native ? HARNESS_RESET_CYCLES : 2 * HARNESS_RESET_CYCLES;
}

static void set_reset(const struct problem *p, unsigned pre, int native, struct buf *o)
{
	unsigned s;
	size_t i;

	for (s = 1; s <= pre; s++) {
		for (i = 0; i < p->prep.nresets; i++)
			buf_printf(o, " -set-at %u in_%s 1'b%d", s, p->prep.resets[i].name,
				   !p->prep.resets[i].active_low);
		for (i = 0; !native && i < p->prep.nclocks; i++)
			buf_printf(o, " -set-at %u in_%s 1'b%u", s, p->prep.clocks[i], (s - 1) % 2);
	}
}

/* The native model is exact where every flip-flop of both designs is a positive-edge one on the
 * problem's single clock and the clock is used nowhere else: one SAT step is one clock cycle
 * (async2sync: an asynchronous reset acts within its step). Any of these checks failing
 * (NATIVE_REFUSED in Yosys's message) sends the check to the clk2fflogic model. */
#define NATIVE_MARK "rtlr_native_model"
static void native_checks(const struct problem *p, struct buf *o)
{
	const char *m = MITER;

	buf_adds(o, "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$sr t:$_DLATCH* t:$_SR_* "
		    "t:$ff t:$_FF_ t:$dffsr t:$dffsre t:$aldff t:$aldffe w:" NATIVE_MARK "\n");
	buf_adds(o, "async2sync\ndffunmap\n");
	buf_printf(o, "miter -equiv -flatten -make_assert -ignore_gold_x rtlr_g_%s %s %s\n",
		   p->ref_top, p->top, m);
	buf_printf(o, "hierarchy -top %s\n", m);
	buf_printf(o, "select -assert-none %s/t:* %s/t:$* %%d\n", m, m);
	buf_printf(o, "check -assert %s\n", m);
	buf_printf(o, "select -assert-none %s/t:$ff %s/t:$_* %s/t:$dffe %s/t:$sdff* %s/t:$adff* "
		      "%s/t:$aldff* %s/t:$dffsr* %s/t:$dlatch* w:" NATIVE_MARK "\n", m, m, m, m, m,
		   m, m, m);
	if (!p->prep.nclocks) {
		buf_printf(o, "select -assert-none %s/t:$dff w:" NATIVE_MARK " %%u\n", m);
		return;
	}
	buf_printf(o, "select -assert-none %s/t:$dff r:CLK_POLARITY=0 %%i w:" NATIVE_MARK " %%u\n", m);
	buf_printf(o, "select -assert-none %s/w:in_%s %%x:-[CLK] %s/t:* %%i w:" NATIVE_MARK " %%u\n",
		   m, p->prep.clocks[0], m);
	buf_printf(o, "select -assert-none %s/t:$dff %s/w:in_%s %%x:+[CLK] %s/t:$dff %%i %%d "
		      "w:" NATIVE_MARK " %%u\n", m, m, p->prep.clocks[0], m);
}

/* The whole Yosys run: elaboration, the refusals, the model (native or clk2fflogic), the reset
 * prefix checked step by step (a plain BMC: -verify stops the script on a difference), then
 * temporal induction from the end of the prefix: a base case one step longer each round (a
 * difference there is a counterexample from reset) interleaved with an induction step over
 * arbitrary states (proved when it holds), up to `depth` steps after the prefix or the time
 * budget. */
static int write_script(const struct problem *p, const char *cand_file, unsigned depth, int to,
			int native, struct buf *o)
{
	unsigned pre = reset_prefix(p, native);
	const char *common = "-show-inputs -prove-asserts -set-def-inputs -set-init-undef";

	buf_printf(o, "read_verilog -sv %s\nread_verilog -sv %s\n", F_GOLD, cand_file);
	buf_adds(o, "hierarchy -check\nproc\nflatten\nmemory\nopt_clean\n");
	/* the designs' own assert/assume/cover statements are no part of the question */
	buf_adds(o, "chformal -remove\n");
	if (native) {
		native_checks(p, o);
	} else {
		buf_adds(o, "clk2fflogic\n");
		buf_printf(o, "miter -equiv -flatten -make_assert -ignore_gold_x rtlr_g_%s %s " MITER
			      "\n", p->ref_top, p->top);
		buf_adds(o, "hierarchy -top " MITER "\n");
		/* anything but Yosys's internal cells left after flattening is a module nobody
		 * defined (a blackbox): an equivalence resting on it proves nothing */
		buf_adds(o, "select -assert-none " MITER "/t:* " MITER "/t:$* %d\n");
		/* a combinational loop or two drivers on one net are constraints that can make the
		 * SAT problem vacuous (no solution: nothing to refute): refused */
		buf_adds(o, "check -assert " MITER "\n");
	}
	if (pre) {
		buf_printf(o, "tee -o %s sat -verify -seq %u %s", F_PRE, pre, common);
		set_reset(p, pre, native, o);
		buf_printf(o, " -dump_vcd formal_cex.vcd -timeout %d " MITER "\n", to);
	}
	buf_printf(o, "tee -o %s sat -tempinduct -seq %u -maxsteps %u %s", F_IND, pre, depth, common);
	set_reset(p, pre, native, o);
	buf_printf(o, " -dump_vcd formal_cex.vcd -timeout %d " MITER "\n", to);
	return o->overflow ? -1 : 0;
}

static int read_job_file(const char *jobdir, const char *name, struct buf *b)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", jobdir, name);
	return access(path, F_OK) == 0 ? buf_read_file(b, path) : -1;
}

/* The line of Yosys's output holding the first "ERROR:" (with its "file:line: " prefix). */
static void first_error(const struct sb_result *r, char *out, size_t outlen)
{
	const char *s = NULL, *txt = NULL;

	if (r->err && (s = strstr(r->err, "ERROR:")))
		txt = r->err;
	else if (r->out && (s = strstr(r->out, "ERROR:")))
		txt = r->out;
	if (!s) {
		snprintf(out, outlen, "yosys exit %d", r->exit_code);
		return;
	}
	while (s > txt && s[-1] != '\n')
		s--;
	snprintf(out, outlen, "%.*s", (int)strcspn(s, "\r\n"), s);
}

/* Why Yosys stopped before the BMC said anything. */
static void judge_error(const struct sb_result *r, const char *cand_file, struct formal_out *out)
{
	char e[300];

	first_error(r, e, sizeof(e));
	if (strstr(e, "is not part of the design"))
		snprintf(out->note, sizeof(out->note),
			 "refused: the design instantiates a module nobody defines (%.200s)", e);
	else if (strstr(e, "selection is not empty"))
		snprintf(out->note, sizeof(out->note),
			 "refused: module instances are left after flattening (a blackbox or "
			 "keep_hierarchy): an equivalence would rest on them");
	else if (strstr(e, "in 'check -assert'")) {
		const char *w = r->err ? strstr(r->err, "Warning: ") : NULL;
		snprintf(out->note, sizeof(out->note), "refused: yosys check found a combinational loop, "
			 "conflicting drivers or an undriven signal (%.*s)",
			 w ? (int)strcspn(w + 9, "\r\n") : 0, w ? w + 9 : "");
	} else if (strstr(e, F_GOLD))
		snprintf(out->note, sizeof(out->note), "yosys cannot read the golden: %.200s", e);
	else if (strstr(e, cand_file) || strstr(e, "candidate.v")) /* its `line directives */
		snprintf(out->note, sizeof(out->note), "yosys cannot read the candidate: %.200s", e);
	else
		snprintf(out->note, sizeof(out->note), "yosys stopped: %.250s", e);
}

/* The last "Base case for induction length K proven." of a temporal induction log: K. */
static unsigned base_proven(const char *log)
{
	static const char pat[] = "Base case for induction length ";
	const char *q = log;
	unsigned k = 0, v;

	while ((q = strstr(q, pat))) {
		q += sizeof(pat) - 1;
		if (sscanf(q, "%u proven", &v) == 1 && v > k)
			k = v;
	}
	return k;
}

static void judge(const struct problem *p, const char *jobdir, const char *cand_file,
		  const struct sb_result *r, struct formal_out *out)
{
	unsigned pre = reset_prefix(p, out->native), k;
	int timed = r->limit == SB_LIMIT_WALL || r->limit == SB_LIMIT_CPU;
	struct buf pl, il;

	/* the logs hold a model table per failed induction step: room for long ones */
	buf_init(&pl, 32u << 20);
	buf_init(&il, 32u << 20);
	out->verdict = PROOF_UNKNOWN;
	/* a log may exist and be empty (Yosys killed at the budget): data is then NULL */
	if (pre && read_job_file(jobdir, F_PRE, &pl) == 0 && pl.len &&
	    strstr(pl.data, "model found: FAIL!")) {
		out->verdict = PROOF_REFUTED; /* the replay confirms it or turns it into unknown */
		out->depth = pre;
		goto out;
	}
	if (read_job_file(jobdir, F_IND, &il) < 0 || !il.len) {
		if (timed || (pl.len && strstr(pl.data, "TIMEOUT")))
			snprintf(out->note, sizeof(out->note), "time-out before the proof started (%gs)",
				 g.timeout_s);
		else if (r->limit == SB_LIMIT_MEMORY)
			snprintf(out->note, sizeof(out->note), "yosys ran out of memory");
		else
			judge_error(r, cand_file, out);
		goto out;
	}
	k = base_proven(il.data);
	if (strstr(il.data, "model found for base case: FAIL!")) {
		out->verdict = PROOF_REFUTED;
		out->depth = pre + k + 1;
	} else if (strstr(il.data, "Induction step proven: SUCCESS!")) {
		out->verdict = PROOF_PROVED;
		out->depth = pre + k;
	} else if (k) {
		out->verdict = PROOF_BOUNDED;
		out->depth = pre + k;
		snprintf(out->note, sizeof(out->note),
			 "bounded(%u): no difference in %u steps from reset (%u with the resets "
			 "asserted, then every input free; a step is %s); induction did not close%s",
			 pre + k, pre + k, pre, out->native ? "a clock cycle" : "half a clock period",
			 strstr(il.data, "Reached maximum") ? "" : " in the time budget");
	} else {
		snprintf(out->note, sizeof(out->note), "time-out: no step after the reset was checked in "
			 "the budget (%gs)", g.timeout_s);
	}
out:
	buf_release(&pl);
	buf_release(&il);
}

int formal_check(const struct problem *p, const char *jobdir, const char *cand_file,
		 struct formal_out *out, char *err, size_t errlen)
{
	struct sb_result r;
	struct buf ys;
	double t0 = ms_now();
	int to, native, ret = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->verdict = PROOF_UNKNOWN;
	buf_init(&ys, 1u << 20);
	if (!g.ready) {
		snprintf(out->note, sizeof(out->note), "no proof: yosys is not available");
		ret = 0;
		goto out;
	}
	for (i = 0; i < p->prep.gold.nports; i++) {
		const struct vport *pt = &p->prep.gold.ports[i];
		if (!simple_name(pt->name) || pt->dir == PORT_INOUT) {
			snprintf(out->note, sizeof(out->note), "no proof: port '%.100s' (%s) is not "
				 "supported by the formal tier", pt->name,
				 pt->dir == PORT_INOUT ? "inout" : "name");
			ret = 0;
			goto out;
		}
	}
	if (tool_write_file(jobdir, F_GOLD, p->prep.gold_eq, strlen(p->prep.gold_eq), err,
			    errlen) < 0)
		goto out;
	/* native first where it may apply; Yosys refuses it (NATIVE_MARK) where it does not */
	for (native = p->prep.nclocks <= 1; native >= 0; native--) {
		const char *argv[] = {g.yosys, "-q", "-s", native ? "formal_native.ys" : F_YS, NULL};
		double left = g.timeout_s - (ms_now() - t0) / 1e3;

		if (left < 1)
			left = 1;
		to = (int)(left + 0.999);
		buf_reset(&ys);
		if (write_script(p, cand_file, g.depth, to, native, &ys) < 0) {
			snprintf(err, errlen, "formal: script too large");
			goto out;
		}
		if (tool_write_file(jobdir, argv[3], ys.data, ys.len, err, errlen) < 0)
			goto out;
		/* the budget is the wall clock of the whole check (-timeout bounds one SAT call) */
		if (tool_run(jobdir, argv, SB_STAGE_BUILD, left + 2, &r, err, errlen) < 0)
			goto out;
		if (native && ((r.err && strstr(r.err, NATIVE_MARK)) ||
			       (r.out && strstr(r.out, NATIVE_MARK)))) {
			sb_result_release(&r);
			continue;
		}
		out->native = native;
		judge(p, jobdir, cand_file, &r, out);
		sb_result_release(&r);
		break;
	}
	out->ms = ms_now() - t0;
	if (out->verdict == PROOF_REFUTED) {
		double t1 = ms_now();
		int x = formal_replay(p, jobdir, F_GOLD, cand_file, out, err, errlen);
		out->replay_ms = ms_now() - t1;
		if (x < 0)
			goto out;
		if (x == 0)
			out->verdict = PROOF_UNKNOWN; /* note says why */
	}
	ret = 0;
out:
	if (!out->ms)
		out->ms = ms_now() - t0;
	buf_release(&ys);
	return ret;
}

/* --- composition with the simulation ------------------------------------------------------- */

static void add_note(Rtlreward__FunctionTier *f, const char *s)
{
	char both[1024];

	if (!s[0])
		return;
	if (f->note && f->note[0]) {
		snprintf(both, sizeof(both), "%s; %s", f->note, s);
		pb_set_str(&f->note, both);
	} else {
		pb_set_str(&f->note, s);
	}
}

static void set_proof(const struct formal_out *fo, Rtlreward__FunctionTier *f,
		      Rtlreward__StageTimes *t)
{
	char b[48];

	pb_set_str(&f->proof, formal_verdict_str(fo, b, sizeof(b)));
	f->proof_depth = fo->depth;
	t->formal_ms += fo->ms;
	t->formal_replay_ms += fo->replay_ms;
}

int formal_before_sim(const struct problem *p, const char *jobdir, const char *cand_file,
		      struct formal_out *fo, Rtlreward__FunctionTier *f, Rtlreward__StageTimes *t,
		      char *err, size_t errlen)
{
	if (formal_check(p, jobdir, cand_file, fo, err, errlen) < 0)
		return -1;
	set_proof(fo, f, t); /* shown even when the simulation cannot run after it */
	if (fo->verdict != PROOF_PROVED) {
		if (fo->verdict != PROOF_REFUTED)
			add_note(f, fo->note);
		return 0;
	}
	f->checked = 1;
	f->passed = 1;
	f->pass_rate = 1;
	pb_set_str(&f->engine, "yosys");
	add_note(f, "proved: golden and candidate are equivalent from reset for every input sequence "
		    "(Yosys SAT, k-induction); no simulation ran");
	return 1;
}

int formal_after_sim(const struct problem *p, const char *jobdir, const char *cand_file,
		     int formal_mode, int opt, struct formal_out *fo, Rtlreward__FunctionTier *f,
		     Rtlreward__StageTimes *t, char *err, size_t errlen)
{
	char b[700];

	if (!formal_mode) {
		if (opt != FORMAL_CONFIRM)
			return 0;
		if (!f->checked || !f->passed) {
			add_note(f, "formal confirm: no proof (the simulation did not pass)");
			return 0;
		}
		if (formal_check(p, jobdir, cand_file, fo, err, errlen) < 0)
			return -1;
		set_proof(fo, f, t);
	}
	switch (fo->verdict) {
	case PROOF_PROVED:
		/* formal mode returned before the simulation; confirm: the pass stands */
		add_note(f, "proved: equivalent from reset for every input sequence");
		break;
	case PROOF_REFUTED:
		if (f->passed || !f->first_mismatch) {
			Rtlreward__Mismatch *m = malloc(sizeof(*m));
			if (m) {
				rtlreward__mismatch__init(m);
				m->time = fo->first_time;
				pb_set_str(&m->signal, fo->first_signal);
				pb_set_str(&m->expected, fo->first_expected);
				pb_set_str(&m->got, fo->first_got);
				if (f->first_mismatch)
					protobuf_c_message_free_unpacked(&f->first_mismatch->base, NULL);
				f->first_mismatch = m;
			}
		}
		/* the counterexample's steps count as samples, its failing step as a mismatch (a
		 * simulation that did not finish keeps its minimum score) */
		if (f->checked) {
			f->samples += fo->depth;
			f->mismatches += 1;
			f->pass_rate = (double)(f->samples - f->mismatches) / (double)f->samples;
		}
		f->passed = 0;
		snprintf(b, sizeof(b), "refuted: a %u-step counterexample from reset, reproduced in "
			 "Icarus (%s differs at step %u)", fo->depth, fo->first_signal, fo->first_step);
		add_note(f, b);
		if (!f->reason || !f->reason[0])
			pb_set_str(&f->reason, "the formal tier found an input sequence where the "
					       "candidate differs from the golden");
		break;
	default:
		/* formal mode: before_sim already said why */
		snprintf(b, sizeof(b), "%s%sthe simulation's verdict stands",
			 formal_mode ? "" : fo->note[0] ? fo->note : "no proof",
			 formal_mode ? "" : "; ");
		add_note(f, b);
	}
	return 0;
}
