/* pipeline_group: the candidates of one problem through every tier, as one group (owner: the
 * lead). A single candidate is a group of one: pipeline_score() and pipeline_score_group() run
 * the same code, so a candidate's evidence cannot depend on the company it was scored in.
 *
 *   per candidate:  extract → raw policy → normalize → cache key → cache (hit: done; the same
 *                   key earlier in the group: a duplicate; claimed elsewhere: deferred)
 *   per group:      job dirs → preprocess (syntax_preprocess_group) → token policy →
 *                   elaborate (syntax_xml_group) → interface → function
 *                   (engine_equivalence_group; testbench mode one by one) → PPA
 *   per candidate:  store the evidence → compose the reward under the candidate's own cfg
 *
 * Claims: a group takes the cache claims of its candidates without waiting (cache_try_claim);
 * a candidate whose key another caller holds is scored after the group released its own
 * claims, through the single path that waits. So two groups never wait on each other.
 * Duplicates inside a group get a copy of the first one's evidence (cached = true), or go the
 * single path when the first one ended in INFRA_ERROR (never cached).
 */
#include "pipeline.h"
#include "pipeline_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "cache.h"
#include "extract.h"
#include "formal.h"
#include "normalize.h"
#include "policy.h"
#include "ppa.h"
#include "ppa_pay.h"
#include "syntax.h"
#include "tools.h"

#define CAND_RAW SYNTAX_CAND_RAW
#define CAND_PP SYNTAX_CAND_PP

#define TB_ALONE "testbench mode: simulated alone, not in a group (one simulation of " \
		 "several copies of a testbench would share its $finish and $random state)"

#define PPA_NICE 10

enum pstate { PS_DONE = 0, PS_RUN, PS_DUP, PS_WAIT };

struct pcand {
	struct group_item *it;
	Rtlreward__Result *r;
	enum pstate state;
	size_t dup_of;
	int claimed, composed;
	double t0;
	char *code;
	size_t codelen;
	char key[65];
	/* stages */
	int alive;              /* still going through the stages */
	char job[512];
	struct formal_out pf;
};

struct pgroup {
	struct problem *p;
	const struct engine *eng;
	uint64_t seed;
	enum check_mode mode;
	int formal;
	char note[512];         /* why auto chose the engine */
};

int pipeline_same_group(const struct reward_cfg *a, const struct reward_cfg *b)
{
	return a->mode == b->mode && a->seed == b->seed && a->formal == b->formal &&
	       a->no_cache == b->no_cache &&
	       !strcmp(a->engine_req ? a->engine_req : "", b->engine_req ? b->engine_req : "");
}

/* The group's settings (identical for every candidate: pipeline_same_group). Returns -1 with
 * err when the problem or the request cannot be scored at all. */
static int group_setup(struct pgroup *g, struct problem *p, const struct reward_cfg *cfg,
		       char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->p = p;
	g->formal = cfg->formal;
	g->mode = cfg->mode >= 0 ? (enum check_mode)cfg->mode : p->mode;
	if (g->mode == MODE_TESTBENCH && !p->testbench) {
		snprintf(err, errlen, "mode: problem has no testbench");
		return -1;
	}
	if (pipeline_prepare(p, err + 20, errlen - 20) < 0) {
		memcpy(err, "problem not usable: ", 20);
		return -1;
	}
	if (g->mode == MODE_TESTBENCH && p->prep.tb_unusable) {
		snprintf(err, errlen, "problem's testbench is unusable: %s", p->prep.tb_err);
		return -1;
	}
	g->eng = engine_pick(cfg->engine_req, p,
			     g->mode == MODE_FORMAL ? MODE_EQUIVALENCE : g->mode, g->note,
			     sizeof(g->note));
	if (!g->eng) {
		snprintf(err, errlen, "%s", g->note);
		return -1;
	}
	g->seed = cfg->seed ? cfg->seed : p->seed;
	return 0;
}

/* Extract, raw policy, normalize, key. Returns 1 when c needs the cache/stages, 0 when done. */
static int front(const struct pgroup *g, struct pcand *c, struct buf *norm)
{
	Rtlreward__Result *r = c->r;
	char reason[512];
	enum extract_how how = EXTRACT_NONE;
	double t;
	int x;

	t = pipeline_now_ms();
	x = extract_verilog(c->it->completion, c->it->len, &c->code, &c->codelen, &how, reason,
			    sizeof(reason));
	r->times->extract_ms = pipeline_now_ms() - t;
	if (x < 0) {
		pipeline_set_infra(r, "out of memory");
		return 0;
	}
	if (x > 0) {
		pb_set_str(&r->format->reason, reason);
		return 0;
	}
	pb_set_str(&r->format->extracted_by, extract_how_name(how));
	if (c->codelen > RTLR_MAX_SOURCE) {
		snprintf(reason, sizeof(reason), "extracted source is %zu bytes; the limit is %u",
			 c->codelen, RTLR_MAX_SOURCE);
		pb_set_str(&r->format->reason, reason);
		return 0;
	}
	r->format->ok = 1;
	/* the raw-text policy before the cache: it reads comments (metacomments), which the
	 * cache key drops, so a refusal is never stored under, nor served from, the key of the
	 * same text without them */
	t = pipeline_now_ms();
	x = policy_check_raw(c->code, c->codelen, reason, sizeof(reason));
	r->times->policy_ms = pipeline_now_ms() - t;
	if (x != 0) {
		if (x < 0)
			pipeline_set_infra(r, "policy check failed");
		r->format->ok = 0;
		pb_set_str(&r->format->reason, x > 0 ? reason : "policy check failed");
		return 0;
	}
	norm->len = 0;
	if (normalize_verilog(c->code, c->codelen, norm) < 0) {
		pipeline_set_infra(r, "normalize: source too large");
		return 0;
	}
	pipeline_cache_key(g->p, norm->data, norm->len, g->eng->name, g->seed, g->mode, g->formal,
			   c->key);
	pb_set_str(&r->key, c->key);
	return 1;
}

/* Replaces c->r by the cached evidence under c->key when there is one (1), else 0. */
static int cache_hit(struct pcand *c)
{
	unsigned char *data;
	size_t dlen;
	Rtlreward__Result *h;

	if (cache_get(c->key, &data, &dlen) != 0)
		return 0;
	h = rtlreward__result__unpack(NULL, dlen, data);
	free(data);
	if (!h || !h->format || !h->syntax || !h->interface || !h->function || !h->ppa || !h->times) {
		if (h)
			protobuf_c_message_free_unpacked(&h->base, NULL);
		return 0;
	}
	protobuf_c_message_free_unpacked(&c->r->base, NULL);
	c->r = h;
	c->r->cached = 1;
	return 1;
}

/* The cache step of one candidate: PS_DONE on a hit, PS_RUN with the claim taken, PS_WAIT when
 * another caller holds the key and we may not wait (a group). */
static enum pstate cache_step(struct pcand *c, int may_wait)
{
	for (;;) {
		if (cache_hit(c))
			return PS_DONE;
		if (c->claimed)
			return PS_RUN;
		if (may_wait) {
			if (cache_claim(c->key) == 0)
				c->claimed = 1;
			continue; /* look once more: claimed, or the other caller finished */
		}
		if (cache_try_claim(c->key) != 0)
			return PS_WAIT;
		c->claimed = 1;
	}
}

/* --- the stages ----------------------------------------------------------------------------- */

static void kill_cand(struct pcand *c)
{
	c->alive = 0;
}

static void stage_jobs(struct pcand **v, size_t n)
{
	char err[512];
	size_t i;

	for (i = 0; i < n; i++) {
		struct pcand *c = v[i];
		double t = pipeline_now_ms();

		c->alive = 1;
		if (sb_job_create(c->job, sizeof(c->job), err, sizeof(err)) < 0) {
			c->job[0] = '\0';
			pipeline_set_infra(c->r, "sandbox: %s", err);
			kill_cand(c);
			continue;
		}
		if (tool_write_file(c->job, CAND_RAW, c->code, c->codelen, err, sizeof(err)) < 0) {
			pipeline_set_infra(c->r, "%s", err);
			kill_cand(c);
			continue;
		}
		c->r->times->policy_ms += pipeline_now_ms() - t;
	}
}

/* The alive candidates of v as a compact list (returns the count). */
static size_t alive_list(struct pcand **v, size_t n, struct pcand **out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (v[i]->alive)
			out[m++] = v[i];
	return m;
}

/* Preprocess (one group call), token policy, cand.v. */
static void stage_preprocess(const struct pgroup *g, struct pcand **v, size_t n)
{
	struct syntax_cand *s = calloc(n ? n : 1, sizeof(*s));
	char reason[512], err[512];
	double t = pipeline_now_ms(), dt;
	size_t i;

	if (!s) {
		for (i = 0; i < n; i++) {
			pipeline_set_infra(v[i]->r, "out of memory");
			kill_cand(v[i]);
		}
		return;
	}
	for (i = 0; i < n; i++) {
		s[i].job = v[i]->job;
		s[i].r = v[i]->r;
		pb_set_str(&v[i]->r->syntax->tool, "verilator");
	}
	syntax_preprocess_group(s, n);
	dt = pipeline_now_ms() - t;
	for (i = 0; i < n; i++) {
		struct pcand *c = v[i];
		int x;

		c->r->times->syntax_ms = dt;
		if (s[i].rc < 0) {
			pipeline_set_infra(c->r, "preprocess: %s", s[i].err);
			kill_cand(c);
			continue;
		}
		if (s[i].rc > 0) {
			kill_cand(c);
			continue;
		}
		t = pipeline_now_ms();
		x = policy_check_tokens(s[i].pp, s[i].pplen, g->p->prep.reserved, reason,
					sizeof(reason));
		c->r->times->policy_ms += pipeline_now_ms() - t;
		if (x != 0) {
			if (x < 0)
				pipeline_set_infra(c->r, "policy check failed");
			c->r->format->ok = 0;
			pb_set_str(&c->r->format->reason, x > 0 ? reason : "policy check failed");
			kill_cand(c);
			continue;
		}
		if (tool_write_file(c->job, CAND_PP, s[i].pp, s[i].pplen, err, sizeof(err)) < 0) {
			pipeline_set_infra(c->r, "%s", err);
			kill_cand(c);
		}
	}
	for (i = 0; i < n; i++)
		free(s[i].pp);
	free(s);
}

/* The elaboration failed: the top module missing is an interface verdict, else syntax. */
static void xml_failed(const struct problem *p, Rtlreward__Result *r, const char *diag)
{
	char reason[512];

	if (diag && strstr(diag, "--top-module") && strstr(diag, "was not found")) {
		/* parses, but the module the problem asks for is not there */
		char **m = malloc(sizeof(char *));

		r->syntax->ok = 1;
		r->interface->ok = 0;
		if (m) {
			m[0] = strdup(p->top);
			r->interface->missing = m;
			r->interface->n_missing = m[0] ? 1 : 0;
		}
		snprintf(reason, sizeof(reason), "module %s is not defined", p->top);
		pb_set_str(&r->interface->reason, reason);
		return;
	}
	r->syntax->ok = 0;
	syntax_parse_diags(r->syntax, diag ? diag : "", 1);
	if (!r->syntax->n_diagnostics)
		syntax_add_diag(r->syntax, "", 0, 0, "error", diag ? diag : "verilator failed",
				strlen(diag ? diag : "verilator failed"));
}

/* Elaborate (one group call) and check the interface. */
static void stage_elaborate(const struct pgroup *g, struct pcand **v, size_t n)
{
	struct syntax_cand *s = calloc(n ? n : 1, sizeof(*s));
	double t = pipeline_now_ms(), dt;
	size_t i;

	if (!s) {
		for (i = 0; i < n; i++) {
			pipeline_set_infra(v[i]->r, "out of memory");
			kill_cand(v[i]);
		}
		return;
	}
	for (i = 0; i < n; i++)
		s[i].job = v[i]->job;
	syntax_xml_group(g->p->top, s, n);
	dt = pipeline_now_ms() - t;
	for (i = 0; i < n; i++) {
		struct pcand *c = v[i];

		c->r->times->syntax_ms += dt;
		if (s[i].rc < 0) {
			pipeline_set_infra(c->r, "verilator: %s", s[i].err);
			kill_cand(c);
		} else if (s[i].rc > 0) {
			xml_failed(g->p, c->r, s[i].diag);
			kill_cand(c);
		} else {
			c->r->syntax->ok = 1;
			t = pipeline_now_ms();
			if (pipeline_interface_check(g->p, &s[i].vi, c->r->interface) < 0) {
				pipeline_set_infra(c->r, "out of memory");
				kill_cand(c);
			} else if (!c->r->interface->ok) {
				kill_cand(c);
			}
			c->r->times->interface_ms = pipeline_now_ms() - t;
		}
		vinfo_release(&s[i].vi);
		free(s[i].diag);
	}
	free(s);
}

/* What one candidate's function run gave, into its Result (as the single path always did). */
static void function_tail(const struct pgroup *g, struct pcand *c, struct func_out *fo, int x,
			  double t)
{
	Rtlreward__Result *r = c->r;
	char err[512];

	r->times->function_ms = pipeline_now_ms() - t;
	r->times->function_build_ms = fo->compile_ms;
	r->times->function_verilate_ms = fo->verilate_ms;
	r->times->function_compile_ms = fo->cc_ms;
	r->times->function_link_ms = fo->link_ms;
	r->times->function_run_ms = fo->run_ms;
	r->times->function_golden_ms = fo->golden_ms;
	r->times->function_closure_ms = fo->closure_ms;
	if (fo->ran)
		pb_set_str(&r->function->engine, fo->ran); /* a fall-back: fo->note says why */
	if (x < 0) {
		pipeline_set_infra(r, "function: %s", fo->infra_err);
		kill_cand(c);
		return;
	}
	if (fo->compile_error && !fo->min_score) {
		/* Verilator accepted it, the simulator did not: a syntax failure all the same. */
		r->syntax->ok = 0;
		pb_set_str(&r->syntax->tool, fo->ran ? fo->ran : g->eng->name);
		pb_set_str(&r->syntax->note, fo->reason);
		if (fo->note[0])
			pb_set_str(&r->function->note, fo->note); /* e.g. why Icarus ran */
		syntax_parse_diags(r->syntax, fo->diag ? fo->diag : "", 0);
		if (!r->syntax->n_diagnostics)
			syntax_add_diag(r->syntax, "", 0, 0, "error", fo->reason, strlen(fo->reason));
		kill_cand(c);
		return;
	}
	pipeline_fill_function(r->function, fo);
	if (formal_after_sim(g->p, c->job, CAND_PP, g->mode == MODE_FORMAL, g->formal, &c->pf,
			     r->function, r->times, err, sizeof(err)) < 0) {
		pipeline_set_infra(r, "formal: %s", err);
		kill_cand(c);
		return;
	}
	r->times->function_ms = pipeline_now_ms() - t;
}

static void stage_function(const struct pgroup *g, struct pcand **v, size_t n)
{
	struct engine_cand *ec = calloc(n ? n : 1, sizeof(*ec));
	struct pcand **sim = calloc(n ? n : 1, sizeof(*sim));
	double t = pipeline_now_ms();
	char err[512];
	size_t i, m = 0;

	if (!ec || !sim) {
		for (i = 0; i < n; i++) {
			pipeline_set_infra(v[i]->r, "out of memory");
			kill_cand(v[i]);
		}
		goto out;
	}
	/* mode formal: a proof first, which may decide alone (formal.h) */
	for (i = 0; i < n; i++) {
		struct pcand *c = v[i];
		int x = 0;

		pb_set_str(&c->r->function->engine, g->eng->name);
		if (g->note[0])
			pb_set_str(&c->r->function->note, g->note); /* why auto chose this engine */
		if (g->mode == MODE_FORMAL) {
			double tf = pipeline_now_ms();
			x = formal_before_sim(g->p, c->job, CAND_PP, &c->pf, c->r->function,
					      c->r->times, err, sizeof(err));
			c->r->times->function_ms = pipeline_now_ms() - tf;
			if (x < 0) {
				pipeline_set_infra(c->r, "formal: %s", err);
				kill_cand(c);
				continue;
			}
		}
		if (x == 0)
			sim[m++] = c;
	}
	for (i = 0; i < m; i++)
		ec[i].jobdir = sim[i]->job;
	t = pipeline_now_ms();
	if (g->mode != MODE_TESTBENCH) {
		engine_equivalence_group(g->eng, g->p, g->seed, ec, m);
	} else {
		/* testbench mode: one candidate at a time (docs/groups.md says why) */
		for (i = 0; i < m; i++)
			ec[i].rc = engine_testbench(g->eng, g->p, ec[i].jobdir, CAND_PP, &ec[i].out);
	}
	for (i = 0; i < m; i++) {
		Rtlreward__FunctionTier *f = sim[i]->r->function;

		f->group_size = g->mode != MODE_TESTBENCH ? (uint32_t)m : 1;
		function_tail(g, sim[i], &ec[i].out, ec[i].rc, t);
		if (g->mode == MODE_TESTBENCH && m > 1) { /* said last: the notes before it stay */
			char both[1024];
			snprintf(both, sizeof(both), "%s%s%s", f->note ? f->note : "",
				 f->note && f->note[0] ? "; " : "", TB_ALONE);
			pb_set_str(&f->note, both);
		}
	}
out:
	if (ec)
		for (i = 0; i < m; i++)
			func_out_release(&ec[i].out);
	free(ec);
	free(sim);
}

static void (*ppa_hook_begin)(void), (*ppa_hook_end)(void);

void pipeline_set_ppa_hooks(void (*begin)(void), void (*end)(void))
{
	ppa_hook_begin = begin;
	ppa_hook_end = end;
}

/* PPA: only after a full functional pass (deleting logic must never pay). Its tools run at a
 * lower priority and, with the scheduler's hooks, outside the function slots: a slow synthesis
 * never holds another request's function verdict back (issue 14). */
static void stage_ppa(const struct pgroup *g, struct pcand **v, size_t n)
{
	char err[512];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (v[i]->r->function->passed && !ppa_wanted(v[i]->it->cfg))
			/* not paid for: deferred, nothing runs (ppa_pay.h) */
			ppa_pay_stage(g->p, v[i]->job, CAND_PP, 0, v[i]->r, err, sizeof(err));
		else
			k += v[i]->r->function->passed != 0;
	}
	if (!k)
		return;
	if (ppa_hook_begin)
		ppa_hook_begin();
	tools_set_thread_nice(PPA_NICE);
	{
		/* one synthesis/timing group for the paying candidates (ppa_stage_group: the
		 * same figures as single runs) */
		const char **jobs = calloc(k, sizeof(*jobs));
		Rtlreward__PpaTier **tiers = calloc(k, sizeof(*tiers));
		struct pcand **who = calloc(k, sizeof(*who));
		int *rc = calloc(k, sizeof(*rc));
		char (*errs)[512] = calloc(k, sizeof(*errs));
		size_t j = 0;
		double t;

		if (!jobs || !tiers || !who || !rc || !errs) {
			for (i = 0; i < n; i++)
				if (v[i]->r->function->passed && ppa_wanted(v[i]->it->cfg))
					pipeline_set_infra(v[i]->r, "ppa: out of memory");
			k = 0;
		}
		for (i = 0; i < n && k; i++) {
			if (!v[i]->r->function->passed || !ppa_wanted(v[i]->it->cfg))
				continue;
			who[j] = v[i];
			jobs[j] = v[i]->job;
			tiers[j++] = v[i]->r->ppa;
		}
		t = pipeline_now_ms();
		if (k)
			ppa_stage_group_ex(g->p, jobs, CAND_PP, tiers, k, rc, errs,
					   who[0]->it->cfg->no_cache);
		t = pipeline_now_ms() - t;
		for (j = 0; j < k; j++) {
			who[j]->r->times->ppa_ms = t; /* the group's wall time */
			who[j]->r->ppa_deferred = 0;
			if (rc[j] < 0)
				pipeline_set_infra(who[j]->r, "ppa: %s", errs[j]);
		}
		free(jobs);
		free(tiers);
		free(who);
		free(rc);
		free(errs);
	}
	tools_set_thread_nice(0);
	if (ppa_hook_end)
		ppa_hook_end();
}

/* A candidate served from the cache (or a duplicate's copy): says what was reused, and
 * completes PPA now when the entry deferred it and this request pays for it (ppa_pay.h). */
static void hit_ppa(const struct pgroup *g, struct pcand *c)
{
	int run = ppa_pay_hit_needs(c->it->cfg, c->r);

	if (run) {
		if (ppa_hook_begin)
			ppa_hook_begin();
		tools_set_thread_nice(PPA_NICE);
	}
	ppa_pay_hit(g->p, c->it->cfg, c->key, c->code, c->codelen, &c->r);
	if (run) {
		tools_set_thread_nice(0);
		if (ppa_hook_end)
			ppa_hook_end();
	}
}

/* Every stage for the candidates of v (cache missed, claims held). */
static void run_stages(const struct pgroup *g, struct pcand **v, size_t n)
{
	struct pcand **a = calloc(n ? n : 1, sizeof(*a));
	char err[512];
	size_t i, m;

	if (!a) {
		for (i = 0; i < n; i++)
			pipeline_set_infra(v[i]->r, "out of memory");
		return;
	}
	stage_jobs(v, n);
	m = alive_list(v, n, a);
	stage_preprocess(g, a, m);
	m = alive_list(v, n, a);
	stage_elaborate(g, a, m);
	m = alive_list(v, n, a);
	stage_function(g, a, m);
	m = alive_list(v, n, a);
	stage_ppa(g, a, m);
	for (i = 0; i < n; i++) {
		struct pcand *c = v[i];
		if (c->job[0] && sb_job_remove(c->job, err, sizeof(err)) < 0 &&
		    c->r->status == RTLREWARD__STATUS__OK)
			fprintf(stderr, "rtlreward: job directory %s not removed: %s\n", c->job, err);
		c->job[0] = '\0';
	}
	free(a);
}

/* --- the group ------------------------------------------------------------------------------ */

static void finish(struct pcand *c)
{
	Rtlreward__Result *r = c->r;

	if (!r)
		return;
	if (!c->composed && r->status == RTLREWARD__STATUS__OK)
		reward_compose(c->it->cfg, r);
	if (r->status != RTLREWARD__STATUS__OK)
		r->reward = 0;
	r->times->total_ms = pipeline_now_ms() - c->t0;
	c->it->result = r;
	c->r = NULL;
}

static void store(struct pcand *c)
{
	Rtlreward__Result *r = c->r;

	if (r->status == RTLREWARD__STATUS__OK && !c->it->cfg->no_cache) {
		size_t n;
		unsigned char *b;

		r->times->total_ms = pipeline_now_ms() - c->t0; /* before sizing: it is packed */
		n = rtlreward__result__get_packed_size(r);
		b = malloc(n ? n : 1);
		if (b) {
			rtlreward__result__pack(r, b);
			cache_put(c->key, b, n);
			free(b);
		}
	}
	if (c->claimed)
		cache_unclaim(c->key);
	c->claimed = 0;
}

/* A copy of the evidence of d for its duplicate c (cached: it was computed once). */
static void copy_evidence(struct pcand *c, const struct pcand *d)
{
	size_t n = rtlreward__result__get_packed_size(d->it->result);
	unsigned char *b = malloc(n ? n : 1);
	Rtlreward__Result *h = NULL;

	if (b) {
		rtlreward__result__pack(d->it->result, b);
		h = rtlreward__result__unpack(NULL, n, b);
		free(b);
	}
	if (!h) {
		pipeline_set_infra(c->r, "out of memory");
		return;
	}
	protobuf_c_message_free_unpacked(&c->r->base, NULL);
	c->r = h;
	c->r->cached = 1;
	cache_note_group_hit();
}

/* Scores it[0..n) of one group. may_wait: the cache step may wait for keys held elsewhere
 * (only a group of one: it holds no other claim). Candidates left PS_WAIT or failed
 * duplicates have it[i].result NULL on return; the caller scores them alone. */
static void score_items(struct problem *p, struct group_item *it, size_t n, int may_wait)
{
	struct pcand *c = calloc(n, sizeof(*c));
	struct pcand **run = calloc(n, sizeof(*run));
	struct pgroup g;
	struct buf norm;
	char err[768];
	size_t i, j, nrun = 0;
	int setup;

	buf_init(&norm, 2 * RTLR_MAX_SOURCE);
	if (!c || !run)
		goto out;
	setup = group_setup(&g, p, it[0].cfg, err, sizeof(err));
	for (i = 0; i < n; i++) {
		c[i].it = &it[i];
		c[i].t0 = pipeline_now_ms();
		c[i].r = result_new();
		if (!c[i].r)
			continue;
		pb_set_str(&c[i].r->problem, p->id);
		pb_set_str(&c[i].r->function->mode, check_mode_name(g.mode));
		if (setup < 0) {
			pipeline_set_infra(c[i].r, "%s", err);
			continue;
		}
		if (!front(&g, &c[i], &norm))
			continue;
		/* a duplicate shares the first one's run (not with no_cache: each is computed) */
		for (j = 0; j < i && !it[i].cfg->no_cache; j++)
			if (c[j].state == PS_RUN && !strcmp(c[j].key, c[i].key))
				break;
		if (j < i && !it[i].cfg->no_cache) {
			c[i].state = PS_DUP;
			c[i].dup_of = j;
			continue;
		}
		c[i].state = it[i].cfg->no_cache ? PS_RUN : cache_step(&c[i], may_wait);
		if (c[i].state == PS_RUN)
			run[nrun++] = &c[i];
	}
	/* what is final already (cache hits, refusals) is answered before the group runs */
	for (i = 0; i < n; i++) {
		if (c[i].state != PS_DONE || !c[i].r)
			continue;
		if (c[i].r->cached)
			hit_ppa(&g, &c[i]);
		finish(&c[i]);
		if (it[i].ready && it[i].result)
			it[i].ready(&it[i]);
	}
	if (nrun)
		run_stages(&g, run, nrun);
	for (i = 0; i < nrun; i++)
		store(run[i]);
	for (i = 0; i < n; i++)
		if (c[i].state == PS_RUN)
			finish(&c[i]);
	for (i = 0; i < n; i++) {
		if (c[i].state != PS_DUP)
			continue;
		if (it[c[i].dup_of].result &&
		    it[c[i].dup_of].result->status == RTLREWARD__STATUS__OK) {
			copy_evidence(&c[i], &c[c[i].dup_of]);
			if (c[i].r->status == RTLREWARD__STATUS__OK && c[i].r->cached)
				hit_ppa(&g, &c[i]);
			finish(&c[i]);
		}
	}
out:
	if (c) {
		for (i = 0; i < n; i++) {
			if (c[i].claimed)
				cache_unclaim(c[i].key);
			if (c[i].r)
				protobuf_c_message_free_unpacked(&c[i].r->base, NULL);
			free(c[i].code);
		}
	}
	free(c);
	free(run);
	buf_release(&norm);
}

void pipeline_score_group(struct problem *p, struct group_item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		it[i].result = NULL;
	if (!n)
		return;
	score_items(p, it, n, n == 1);
	for (i = 0; i < n; i++) /* deferred: held elsewhere, or a duplicate of a failed one */
		if (!it[i].result)
			score_items(p, &it[i], 1, 1);
}

Rtlreward__Result *pipeline_score(struct problem *p, const char *completion, size_t len,
				  const struct reward_cfg *cfg)
{
	struct group_item it = {.completion = completion, .len = len, .cfg = cfg};

	pipeline_score_group(p, &it, 1);
	return it.result;
}
