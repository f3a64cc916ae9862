/* ppa_pay: the PPA tier only for the requests that pay for it; lazy completion of cached
 * entries (see ppa_pay.h). Owner: helper ppapay. */
#include "ppa_pay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "once.h"
#include "policy.h"
#include "ppa.h"
#include "syntax.h"
#include "tools.h"

/* Completions in flight, by entry (not lending: the PPA stage's own hooks are around the call). */
static struct once_table pay_once = ONCE_TABLE_INIT(0);

#define REASON_NOT_WANTED                                                                      \
	"not computed: the request's weights give PPA no share (weights.ppa is 0, as in the "  \
	"presets binary and pass_rate); a request that weighs PPA computes it for this "       \
	"candidate then"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int ppa_wanted(const struct reward_cfg *cfg)
{
	return cfg->w.ppa != 0;
}

int ppa_pay_stage(struct problem *p, const char *job, const char *file, int wanted,
		  Rtlreward__Result *r, char *err, size_t errlen)
{
	double t = now_ms();
	int x;

	if (!wanted && ppa_enabled()) {
		r->ppa->checked = 0;
		r->ppa->failed = 0;
		r->ppa_deferred = 1;
		pb_set_str(&r->ppa->reason, REASON_NOT_WANTED);
		return 0;
	}
	x = ppa_stage(p, job, file, r->ppa, err, errlen);
	r->times->ppa_ms = now_ms() - t;
	r->ppa_deferred = 0;
	return x;
}

static void clear_reused(Rtlreward__Result *r)
{
	size_t i;

	for (i = 0; i < r->n_reused; i++)
		free(r->reused[i]);
	free(r->reused);
	r->reused = NULL;
	r->n_reused = 0;
	r->times->reused_ms = 0;
}

/* Sets r->reused (format .. function, and ppa when with_ppa) and times->reused_ms. */
static void mark_reused(Rtlreward__Result *r, int with_ppa)
{
	static const char *const tiers[] = {"format", "syntax", "interface", "function", "ppa"};
	size_t i, n = with_ppa ? 5 : 4;
	double ms;

	clear_reused(r);
	r->reused = calloc(n, sizeof(char *));
	for (i = 0; r->reused && i < n; i++) {
		r->reused[i] = strdup(tiers[i]);
		if (r->reused[i])
			r->n_reused++;
	}
	ms = r->times->syntax_ms + r->times->interface_ms + r->times->function_ms;
	if (with_ppa)
		ms += r->times->ppa_ms;
	r->times->reused_ms = ms;
}

static void set_infra(Rtlreward__Result *r, const char *what, const char *err)
{
	char msg[700];

	snprintf(msg, sizeof(msg), "ppa (completing a cached entry): %s: %.500s", what, err);
	r->status = RTLREWARD__STATUS__INFRA_ERROR;
	pb_set_str(&r->error, msg);
}

/* The entry under key when it is complete (PPA not deferred), else NULL. */
static Rtlreward__Result *lookup_complete(const char *key)
{
	Rtlreward__Result *c;
	unsigned char *data;
	size_t dlen;

	if (cache_get(key, &data, &dlen) != 0)
		return NULL;
	c = rtlreward__result__unpack(NULL, dlen, data);
	free(data);
	if (c && c->format && c->syntax && c->interface && c->function && c->ppa && c->times &&
	    !c->ppa_deferred)
		return c;
	if (c)
		protobuf_c_message_free_unpacked(&c->base, NULL);
	return NULL;
}

/* Runs the PPA tier for r's candidate from this request's text: preprocess, token policy, the
 * tier. 0, or -1 with r marked INFRA_ERROR. */
static int complete(struct problem *p, const char *code, size_t codelen, Rtlreward__Result *r)
{
	char job[512], err[512], reason[512];
	char *pp = NULL;
	size_t pplen = 0;
	double t = now_ms();
	int x, ret = -1;

	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		job[0] = '\0';
		set_infra(r, "sandbox", err);
		goto out;
	}
	if (tool_write_file(job, SYNTAX_CAND_RAW, code, codelen, err, sizeof(err)) < 0) {
		set_infra(r, "write", err);
		goto out;
	}
	x = syntax_preprocess(job, r, &pp, &pplen, err, sizeof(err));
	if (x != 0) {
		set_infra(r, "preprocess", x < 0 ? err : "the text preprocessed before no longer does");
		goto out;
	}
	x = policy_check_tokens(pp, pplen, p->prep.reserved, reason, sizeof(reason));
	if (x != 0) {
		set_infra(r, "token policy", x < 0 ? "check failed" : reason);
		goto out;
	}
	if (tool_write_file(job, SYNTAX_CAND_PP, pp, pplen, err, sizeof(err)) < 0) {
		set_infra(r, "write", err);
		goto out;
	}
	if (ppa_stage(p, job, SYNTAX_CAND_PP, r->ppa, err, sizeof(err)) < 0) {
		set_infra(r, "ppa", err);
		goto out;
	}
	r->times->ppa_ms = now_ms() - t;
	r->ppa_deferred = 0;
	ret = 0;
out:
	free(pp);
	if (job[0] && sb_job_remove(job, err, sizeof(err)) < 0)
		fprintf(stderr, "rtlreward: job directory %s not removed: %s\n", job, err);
	return ret;
}

/* Stores r (completed) under key, as an entry: not marked cached, nothing reused. */
static void store(const char *key, Rtlreward__Result *r)
{
	unsigned char *buf;
	size_t n;

	r->cached = 0;
	clear_reused(r);
	n = rtlreward__result__get_packed_size(r);
	buf = malloc(n ? n : 1);
	if (!buf)
		return;
	rtlreward__result__pack(r, buf);
	cache_put(key, buf, n);
	free(buf);
}

int ppa_pay_hit_needs(const struct reward_cfg *cfg, const Rtlreward__Result *r)
{
	return r->ppa_deferred && r->function->passed && ppa_wanted(cfg);
}

void ppa_pay_hit(struct problem *p, const struct reward_cfg *cfg, const char *key,
		 const char *code, size_t codelen, Rtlreward__Result **rp)
{
	Rtlreward__Result *r = *rp, *c;
	int claimed = 0, first = 1;

	if (!ppa_pay_hit_needs(cfg, r)) {
		mark_reused(r, !r->ppa_deferred);
		return;
	}
	/* one completion per entry in flight (pay_once: a table of its own) */
	for (;;) {
		if (!first && (c = lookup_complete(key))) {
			/* completed by another request meanwhile */
			if (claimed)
				once_done(&pay_once, key);
			protobuf_c_message_free_unpacked(&r->base, NULL);
			c->cached = 1;
			mark_reused(c, 1);
			*rp = c;
			return;
		}
		first = 0;
		if (claimed)
			break;
		if (once_claim(&pay_once, key) == 0)
			claimed = 1;
	}
	if (complete(p, code, codelen, r) == 0)
		store(key, r);
	once_done(&pay_once, key);
	r->cached = 1;
	mark_reused(r, 0);
}
