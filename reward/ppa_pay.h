/* ppa_pay: the PPA tier only for the requests that pay for it (owner: helper ppapay).
 *
 * The PPA tier (ppa.h) costs a Yosys and an OpenSTA run per passing candidate, and the presets
 * binary and pass_rate ignore it. So:
 *   ppa_wanted()     the request's weights give PPA a share: weights.ppa != 0 (the
 *                    hierarchical preset by default, or an explicit "ppa" weight under any
 *                    preset; the ppa_area/ppa_delay/ppa_power weights only split ppa.score);
 *   ppa_pay_stage()  the PPA call of the evidence stages, after a full functional pass: runs the
 *                    tier when wanted (or when PPA is off on this server, which costs nothing
 *                    and says so); otherwise leaves it, ppa.reason saying why, ppa_deferred set;
 *   ppa_pay_hit()    on a cache hit: says what was reused (Result.reused, times.reused_ms) and,
 *                    when the entry's PPA was deferred and this request wants it, computes it
 *                    now (verilator -E on the request's text again, the token policy again, then
 *                    the tier; the other tiers are not recomputed) and stores the completed
 *                    entry under the same key. Concurrent requests complete one entry once.
 * The cache key does not depend on any of this, and reward_compose reads only the PPA tier, so a
 * hierarchical request gets the same reward whether its PPA was computed now or earlier.
 * The request's text normalizes to the entry's (that is what the key says), so its preprocessed
 * text is the one the entry's other tiers judged, up to comments, spacing and line numbers.
 */
#ifndef RTLR_PPA_PAY_H
#define RTLR_PPA_PAY_H

#include <stddef.h>

#include "pipeline.h"

int ppa_wanted(const struct reward_cfg *cfg);
/* file: the preprocessed candidate in job. Fills r->ppa, r->times->ppa_ms, r->ppa_deferred.
 * 0, or -1 with err on an infrastructure failure. */
int ppa_pay_stage(struct problem *p, const char *job, const char *file, int wanted,
		  Rtlreward__Result *r, char *err, size_t errlen);
/* *rp: the entry just read from the cache under key (r->cached set); code: this request's
 * extracted text. May replace *rp by a newer entry of the same key. On an infrastructure
 * failure of the completion, (*rp)->status is INFRA_ERROR with error set (nothing stored). */
void ppa_pay_hit(struct problem *p, const struct reward_cfg *cfg, const char *key,
		 const char *code, size_t codelen, Rtlreward__Result **rp);
/* 1 when ppa_pay_hit() will run the PPA tier for r (a deferred entry, a request that wants
 * PPA): the caller wraps the call as it wraps its PPA stage (nice, scheduler hooks). */
int ppa_pay_hit_needs(const struct reward_cfg *cfg, const Rtlreward__Result *r);

#endif
