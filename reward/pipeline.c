#include "pipeline.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "caps.h"
#include "cache.h"
#include "clkrst.h"
#include "extract.h"
#include "formal.h"
#include "hash.h"
#include "normalize.h"
#include "policy.h"
#include "syntax.h"
#include "ppa.h"
#include "tools.h"

#define PIPELINE_VERSION "rtlreward-pipeline-4"
#define CAND_RAW SYNTAX_CAND_RAW
#define CAND_PP SYNTAX_CAND_PP

int pipeline_init(const char *cache_dir, char *err, size_t errlen)
{
	if (tools_init(err, errlen) < 0)
		return -1;
	if (ppa_init(cache_dir, err, errlen) < 0)
		return -1;
	if (cache_init(cache_dir, err, errlen) < 0)
		return -1;
	engine_verilator_init(cache_dir);
	return formal_init(err, errlen);
}

void pipeline_shutdown(void)
{
	cache_shutdown();
	ppa_shutdown();
}

void pb_set_str(char **field, const char *s)
{
	char *n = strdup(s ? s : "");

	if (!n)
		return;
	if (*field && *field != protobuf_c_empty_string)
		free(*field);
	*field = n;
}

static void *zalloc_msg(size_t size, void (*init)(void *))
{
	void *m = malloc(size);

	if (m)
		init(m);
	return m;
}

Rtlreward__Result *result_new(void)
{
	Rtlreward__Result *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	rtlreward__result__init(r);
	r->format = zalloc_msg(sizeof(*r->format), (void (*)(void *))rtlreward__format_tier__init);
	r->syntax = zalloc_msg(sizeof(*r->syntax), (void (*)(void *))rtlreward__syntax_tier__init);
	r->interface = zalloc_msg(sizeof(*r->interface),
				  (void (*)(void *))rtlreward__interface_tier__init);
	r->function = zalloc_msg(sizeof(*r->function),
				 (void (*)(void *))rtlreward__function_tier__init);
	r->ppa = zalloc_msg(sizeof(*r->ppa), (void (*)(void *))rtlreward__ppa_tier__init);
	r->times = zalloc_msg(sizeof(*r->times), (void (*)(void *))rtlreward__stage_times__init);
	if (!r->format || !r->syntax || !r->interface || !r->function || !r->ppa || !r->times) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return NULL;
	}
	r->status = RTLREWARD__STATUS__OK;
	pb_set_str(&r->ppa->reason, "not computed: the function tier did not pass in full");
	return r;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void set_infra(Rtlreward__Result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_infra(Rtlreward__Result *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = RTLREWARD__STATUS__INFRA_ERROR;
	pb_set_str(&r->error, msg);
}

static int interface_check(const struct problem *p, const struct vinfo *cand,
			   Rtlreward__InterfaceTier *it)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;
	char a[64], b[64], msg[512];

	for (i = 0; i < g->nports; i++) {
		const struct vport *gp = &g->ports[i], *cp = vinfo_port(cand, gp->name);
		if (!cp) {
			char **n = realloc(it->missing, (it->n_missing + 1) * sizeof(char *));
			if (!n)
				return -1;
			it->missing = n;
			n[it->n_missing] = strdup(gp->name);
			if (n[it->n_missing])
				it->n_missing++;
		} else if (cp->dir != gp->dir || cp->width != gp->width) {
			Rtlreward__PortMismatch *m = malloc(sizeof(*m)), **nm;
			if (!m)
				return -1;
			rtlreward__port_mismatch__init(m);
			vport_describe(gp, a, sizeof(a));
			vport_describe(cp, b, sizeof(b));
			pb_set_str(&m->name, gp->name);
			pb_set_str(&m->expected, a);
			pb_set_str(&m->got, b);
			nm = realloc(it->mismatched, (it->n_mismatched + 1) * sizeof(*nm));
			if (!nm) {
				protobuf_c_message_free_unpacked(&m->base, NULL);
				return -1;
			}
			it->mismatched = nm;
			nm[it->n_mismatched++] = m;
		}
	}
	for (i = 0; i < cand->nports; i++) {
		if (!vinfo_port(g, cand->ports[i].name)) {
			char **n = realloc(it->extra, (it->n_extra + 1) * sizeof(char *));
			if (!n)
				return -1;
			it->extra = n;
			n[it->n_extra] = strdup(cand->ports[i].name);
			if (n[it->n_extra])
				it->n_extra++;
		}
	}
	it->ok = !it->n_missing && !it->n_extra && !it->n_mismatched;
	if (!it->ok) {
		snprintf(msg, sizeof(msg), "ports of %s differ from the golden's: %zu missing, %zu extra, %zu mismatched",
			 p->top, it->n_missing, it->n_extra, it->n_mismatched);
		pb_set_str(&it->reason, msg);
	}
	return 0;
}

/* The stimulus coverage of an equivalence run (docs/stimulus.md). */
static void fill_coverage(Rtlreward__FunctionTier *f, const struct stim_cov *c)
{
	Rtlreward__Coverage *m;
	char buf[sizeof(c->clocks)], *save = NULL, *tok;
	size_t n = 0;

	if (!c->have)
		return;
	m = malloc(sizeof(*m));
	if (!m)
		return;
	rtlreward__coverage__init(m);
	m->corner_hits = c->corner_hits;
	m->corner_total = c->corner_total;
	m->constant_hits = c->const_hits;
	m->constant_total = c->const_total;
	m->sibling_draws = c->sibling_draws;
	m->joint_corner_samples = c->joint_samples;
	m->longest_reset_free_cycles = c->longest_free_cycles;
	m->reset_assertions = c->reset_assertions;
	pb_set_str(&m->stimulus_hash, c->hash);
	snprintf(buf, sizeof(buf), "%s", c->clocks);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		n++;
	if (n)
		m->clocks = calloc(n, sizeof(*m->clocks));
	snprintf(buf, sizeof(buf), "%s", c->clocks);
	for (tok = strtok_r(buf, " ", &save); m->clocks && tok; tok = strtok_r(NULL, " ", &save)) {
		Rtlreward__ClockSchedule *k = malloc(sizeof(*k));
		char *colon = strrchr(tok, ':');
		unsigned long long hp = 0, ph = 0;

		if (!k || !colon)
			break;
		rtlreward__clock_schedule__init(k);
		*colon = '\0';
		sscanf(colon + 1, "%llu/%llu", &hp, &ph);
		pb_set_str(&k->name, tok);
		k->half_period = hp;
		k->phase = ph;
		m->clocks[m->n_clocks++] = k;
	}
	f->coverage = m;
}

static void fill_function(Rtlreward__FunctionTier *f, const struct func_out *fo)
{
	f->checked = fo->checked;
	f->passed = fo->passed;
	f->pass_rate = fo->pass_rate;
	f->samples = fo->samples;
	f->mismatches = fo->mismatches;
	if (fo->reason[0])
		pb_set_str(&f->reason, fo->reason);
	if (fo->note[0] && f->note && f->note[0]) {
		char both[800];
		snprintf(both, sizeof(both), "%s; %s", f->note, fo->note);
		pb_set_str(&f->note, both);
	} else if (fo->note[0]) {
		pb_set_str(&f->note, fo->note);
	}
	fill_coverage(f, &fo->cov);
	if (fo->has_first) {
		Rtlreward__Mismatch *m = malloc(sizeof(*m));
		if (m) {
			rtlreward__mismatch__init(m);
			m->time = fo->first_time;
			pb_set_str(&m->signal, fo->first_signal);
			pb_set_str(&m->expected, fo->first_expected);
			pb_set_str(&m->got, fo->first_got);
			f->first_mismatch = m;
		}
	}
}

static void cache_key(const struct problem *p, const char *norm, size_t normlen,
		      const char *engine, uint64_t seed, enum check_mode mode, int formal,
		      char key[65])
{
	struct hash_ctx *h = hash_new();

	hash_add_u64(h, mode);
	hash_add_str(h, PIPELINE_VERSION);
	hash_add_str(h, p->hash);
	clkrst_hash_add(h, p); /* detected clocks/resets decide the verdict too */
	hash_add_u64(h, normlen);
	hash_add(h, norm, normlen);
	hash_add_str(h, engine);
	hash_add_u64(h, seed);
	hash_add_str(h, g_tools.versions);
	hash_add_str(h, ppa_key());
	if (mode == MODE_FORMAL || formal) { /* keys without the formal tier are unchanged */
		hash_add_u64(h, (uint64_t)formal);
		hash_add_str(h, formal_key());
	}
	hash_final_hex(h, key);
}

/* The evidence stages, after the cache missed. Returns with r filled; INFRA_ERROR on failure. */
static void run_stages(struct problem *p, const char *code, size_t codelen,
		       const struct engine *eng, uint64_t seed, enum check_mode mode, int formal,
		       Rtlreward__Result *r)
{
	char job[512], err[512], reason[512];
	char *pp = NULL, *diag = NULL;
	size_t pplen = 0;
	struct vinfo cand;
	struct func_out fo;
	struct formal_out pf;
	double t;
	int x;

	memset(&cand, 0, sizeof(cand));
	memset(&fo, 0, sizeof(fo));
	memset(&pf, 0, sizeof(pf));
	job[0] = '\0';

	t = now_ms();
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		set_infra(r, "sandbox: %s", err);
		goto out;
	}
	if (tool_write_file(job, CAND_RAW, code, codelen, err, sizeof(err)) < 0) {
		set_infra(r, "%s", err);
		goto out;
	}
	r->times->policy_ms += now_ms() - t;

	/* syntax: preprocess, token policy, then elaborate with Verilator */
	t = now_ms();
	pb_set_str(&r->syntax->tool, "verilator");
	x = syntax_preprocess(job, r, &pp, &pplen, err, sizeof(err));
	if (x < 0) {
		set_infra(r, "preprocess: %s", err);
		goto out;
	}
	if (x > 0) {
		r->times->syntax_ms = now_ms() - t;
		goto out;
	}
	{
		double tp = now_ms();
		x = policy_check_tokens(pp, pplen, p->prep.reserved, reason, sizeof(reason));
		r->times->policy_ms += now_ms() - tp;
	}
	if (x != 0) {
		if (x < 0)
			set_infra(r, "policy check failed");
		r->format->ok = 0;
		pb_set_str(&r->format->reason, x > 0 ? reason : "policy check failed");
		goto out;
	}
	if (tool_write_file(job, CAND_PP, pp, pplen, err, sizeof(err)) < 0) {
		set_infra(r, "%s", err);
		goto out;
	}
	x = pipeline_verilator_xml(job, CAND_PP, p->top, &cand, &diag, err, sizeof(err));
	r->times->syntax_ms = now_ms() - t;
	if (x < 0) {
		set_infra(r, "verilator: %s", err);
		goto out;
	}
	if (x > 0) {
		if (diag && strstr(diag, "--top-module") && strstr(diag, "was not found")) {
			/* parses, but the module the problem asks for is not there */
			r->syntax->ok = 1;
			r->interface->ok = 0;
			{
				char **n = malloc(sizeof(char *));
				if (n) {
					n[0] = strdup(p->top);
					r->interface->missing = n;
					r->interface->n_missing = n[0] ? 1 : 0;
				}
			}
			snprintf(reason, sizeof(reason), "module %s is not defined", p->top);
			pb_set_str(&r->interface->reason, reason);
			goto out;
		}
		r->syntax->ok = 0;
		syntax_parse_diags(r->syntax, diag ? diag : "", 1);
		if (!r->syntax->n_diagnostics)
			syntax_add_diag(r->syntax, "", 0, 0, "error", diag ? diag : "verilator failed",
				 strlen(diag ? diag : "verilator failed"));
		goto out;
	}
	r->syntax->ok = 1;

	/* interface */
	t = now_ms();
	if (interface_check(p, &cand, r->interface) < 0) {
		set_infra(r, "out of memory");
		goto out;
	}
	r->times->interface_ms = now_ms() - t;
	if (!r->interface->ok)
		goto out;

	/* function (mode formal: a proof first, which may decide alone; formal.h) */
	t = now_ms();
	pb_set_str(&r->function->engine, eng->name);
	if (mode == MODE_FORMAL) {
		x = formal_before_sim(p, job, CAND_PP, &pf, r->function, r->times, err, sizeof(err));
		if (x < 0) {
			set_infra(r, "formal: %s", err);
			goto out;
		}
		r->times->function_ms = now_ms() - t;
		if (x > 0)
			goto ppa;
	}
	if (mode != MODE_TESTBENCH)
		x = engine_equivalence(eng, p, job, seed, &fo);
	else
		x = engine_testbench(eng, p, job, CAND_PP, &fo);
	r->times->function_ms = now_ms() - t;
	r->times->function_build_ms = fo.compile_ms;
	r->times->function_verilate_ms = fo.verilate_ms;
	r->times->function_compile_ms = fo.cc_ms;
	r->times->function_link_ms = fo.link_ms;
	r->times->function_run_ms = fo.run_ms;
	r->times->function_golden_ms = fo.golden_ms;
	r->times->function_closure_ms = fo.closure_ms;
	if (fo.ran)
		pb_set_str(&r->function->engine, fo.ran); /* a fall-back: fo.note says why */
	if (x < 0) {
		set_infra(r, "function: %s", fo.infra_err);
		goto out;
	}
	if (fo.compile_error && !fo.min_score) {
		/* Verilator accepted it, the simulator did not: a syntax failure all the same. */
		r->syntax->ok = 0;
		pb_set_str(&r->syntax->tool, fo.ran ? fo.ran : eng->name);
		pb_set_str(&r->syntax->note, fo.reason);
		if (fo.note[0])
			pb_set_str(&r->function->note, fo.note); /* e.g. why Icarus ran */
		syntax_parse_diags(r->syntax, fo.diag ? fo.diag : "", 0);
		if (!r->syntax->n_diagnostics)
			syntax_add_diag(r->syntax, "", 0, 0, "error", fo.reason, strlen(fo.reason));
		goto out;
	}
	fill_function(r->function, &fo);
	if (formal_after_sim(p, job, CAND_PP, mode == MODE_FORMAL, formal, &pf, r->function,
			     r->times, err, sizeof(err)) < 0) {
		set_infra(r, "formal: %s", err);
		goto out;
	}
	r->times->function_ms = now_ms() - t;

ppa:
	/* PPA: only after a full functional pass (deleting logic must never pay) */
	if (r->function->passed) {
		t = now_ms();
		x = ppa_stage(p, job, CAND_PP, r->ppa, err, sizeof(err));
		r->times->ppa_ms = now_ms() - t;
		if (x < 0) {
			set_infra(r, "ppa: %s", err);
			goto out;
		}
	}
out:
	func_out_release(&fo);
	vinfo_release(&cand);
	free(diag);
	free(pp);
	if (job[0] && sb_job_remove(job, err, sizeof(err)) < 0 && r->status == RTLREWARD__STATUS__OK)
		fprintf(stderr, "rtlreward: job directory %s not removed: %s\n", job, err);
}

Rtlreward__Result *pipeline_score(struct problem *p, const char *completion, size_t len,
				  const struct reward_cfg *cfg)
{
	Rtlreward__Result *r = result_new();
	char reason[512], key[65], err[512];
	char *code = NULL;
	size_t codelen = 0;
	enum extract_how how = EXTRACT_NONE;
	const struct engine *eng;
	struct buf norm;
	uint64_t seed;
	enum check_mode mode;
	double t0 = now_ms(), t;
	int x, claimed = 0;

	if (!r)
		return NULL;
	buf_init(&norm, 2 * RTLR_MAX_SOURCE);
	pb_set_str(&r->problem, p->id);
	mode = cfg->mode >= 0 ? (enum check_mode)cfg->mode : p->mode;
	pb_set_str(&r->function->mode, check_mode_name(mode));
	if (mode == MODE_TESTBENCH && !p->testbench) {
		set_infra(r, "mode: problem has no testbench");
		goto out;
	}
	if (pipeline_prepare(p, err, sizeof(err)) < 0) {
		set_infra(r, "problem not usable: %s", err);
		goto out;
	}
	if (mode == MODE_TESTBENCH && p->prep.tb_unusable) {
		set_infra(r, "problem's testbench is unusable: %s", p->prep.tb_err);
		goto out;
	}
	err[0] = '\0';
	eng = engine_pick(cfg->engine_req, p, mode == MODE_FORMAL ? MODE_EQUIVALENCE : mode, err,
			  sizeof(err));
	if (!eng) {
		set_infra(r, "%s", err);
		goto out;
	}
	if (err[0])
		pb_set_str(&r->function->note, err); /* why auto chose this engine */
	seed = cfg->seed ? cfg->seed : p->seed;

	/* format */
	t = now_ms();
	x = extract_verilog(completion, len, &code, &codelen, &how, reason, sizeof(reason));
	r->times->extract_ms = now_ms() - t;
	if (x < 0) {
		set_infra(r, "out of memory");
		goto out;
	}
	if (x > 0) {
		pb_set_str(&r->format->reason, reason);
		goto out;
	}
	pb_set_str(&r->format->extracted_by, extract_how_name(how));
	if (codelen > RTLR_MAX_SOURCE) {
		snprintf(reason, sizeof(reason), "extracted source is %zu bytes; the limit is %u", codelen,
			 RTLR_MAX_SOURCE);
		pb_set_str(&r->format->reason, reason);
		goto out;
	}
	r->format->ok = 1;

	/* the raw-text policy before the cache: it reads comments (metacomments), which the
	 * cache key drops, so a refusal is never stored under, nor served from, the key of the
	 * same text without them */
	t = now_ms();
	x = policy_check_raw(code, codelen, reason, sizeof(reason));
	r->times->policy_ms = now_ms() - t;
	if (x != 0) {
		if (x < 0)
			set_infra(r, "policy check failed");
		r->format->ok = 0;
		pb_set_str(&r->format->reason, x > 0 ? reason : "policy check failed");
		goto out;
	}

	/* cache */
	if (normalize_verilog(code, codelen, &norm) < 0) {
		set_infra(r, "normalize: source too large");
		goto out;
	}
	cache_key(p, norm.data, norm.len, eng->name, seed, mode, cfg->formal, key);
	pb_set_str(&r->key, key);
	while (!cfg->no_cache) {
		unsigned char *data;
		size_t dlen;

		/* a miss claims the key (then looks once more); an identical key in flight is
		 * waited for, then looked up again */
		if (cache_get(key, &data, &dlen) != 0) {
			if (claimed)
				break;
			if (cache_claim(key) == 0)
				claimed = 1;
			continue;
		}
		{
			Rtlreward__Result *c = rtlreward__result__unpack(NULL, dlen, data);
			free(data);
			if (c && c->format && c->syntax && c->interface && c->function && c->ppa && c->times) {
				if (claimed)
					cache_unclaim(key);
				claimed = 0;
				protobuf_c_message_free_unpacked(&r->base, NULL);
				r = c;
				r->cached = 1;
				r->times->total_ms = now_ms() - t0;
				goto compose;
			}
			if (c)
				protobuf_c_message_free_unpacked(&c->base, NULL);
			break;
		}
	}

	run_stages(p, code, codelen, eng, seed, mode, cfg->formal, r);
	r->times->total_ms = now_ms() - t0;
	if (r->status == RTLREWARD__STATUS__OK) {
		size_t n = rtlreward__result__get_packed_size(r);
		unsigned char *buf = malloc(n ? n : 1);
		if (buf) {
			rtlreward__result__pack(r, buf);
			cache_put(key, buf, n);
			free(buf);
		}
	}
	if (claimed)
		cache_unclaim(key);
compose:
	reward_compose(cfg, r);
out:
	if (r->status != RTLREWARD__STATUS__OK)
		r->reward = 0;
	if (!r->times->total_ms)
		r->times->total_ms = now_ms() - t0;
	buf_release(&norm);
	free(code);
	return r;
}

int pipeline_same_group(const struct reward_cfg *a, const struct reward_cfg *b)
{
	return a->mode == b->mode && a->seed == b->seed && a->formal == b->formal &&
	       a->no_cache == b->no_cache &&
	       !strcmp(a->engine_req ? a->engine_req : "", b->engine_req ? b->engine_req : "");
}

void pipeline_score_group(struct problem *p, struct group_item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		it[i].result = pipeline_score(p, it[i].completion, it[i].len, it[i].cfg);
}
