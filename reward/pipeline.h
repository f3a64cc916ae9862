/* pipeline: candidates through every tier (a single one is a group of one:
 * pipeline_group.c), and the reward composed from the evidence.
 *
 *   extract → policy (raw) → normalize → cache key → cache → preprocess (Verilator -E) →
 *   policy (tokens) → syntax + ports (Verilator --xml-only) → interface → function (engine)
 *   → PPA (when paid) → store evidence in the cache → compose the reward.
 *
 * The cache holds evidence, not rewards: the key is hash(pipeline version, problem hash,
 * normalized candidate, engine, seed, tool versions), and the reward is composed from the
 * evidence for each request, so changing weights (a curriculum) never invalidates the cache.
 *
 * pipeline_score() always returns a Result (allocated; free with
 * protobuf_c_message_free_unpacked(&r->base, NULL)), or NULL only when out of memory.
 * A failure of the tools or the sandbox gives status INFRA_ERROR with `error` set and reward 0,
 * which the trainer must mask; it is never cached.
 */
#ifndef RTLR_PIPELINE_H
#define RTLR_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "problem.h"
#include "reward.pb-c.h"

enum preset { PRESET_HIERARCHICAL = 0, PRESET_BINARY, PRESET_PASS_RATE };

struct reward_weights {
	double format, syntax, interface, function, pass, ppa;
	double ppa_area, ppa_delay, ppa_power; /* how ppa.score weighs the three ratios */
};

struct reward_cfg {
	enum preset preset;
	struct reward_weights w;
	const char *engine_req;  /* as requested: "", auto, icarus, verilator */
	uint64_t seed;           /* 0: the problem's */
	int no_cache;
	int mode;                /* -1: the problem's; else enum check_mode */
	double deadline_s;       /* the request's queue deadline (0: none); not part of any key */
	int formal;              /* enum formal_opt (reward/formal.h): the request's "formal" */
};

/* Fills cfg from a request's preset, weight overrides and engine. Returns -1 with err naming
 * the field on bad input. */
int reward_cfg_init(struct reward_cfg *cfg, const char *preset, const char *const *wkeys,
		    const double *wvals, size_t nw, const char *engine, uint64_t seed,
		    const char *mode, char *err, size_t errlen);
void reward_weights_default(enum preset p, struct reward_weights *w);
const char *preset_name(enum preset p);

/* Composes result->reward from its tiers under cfg. */
void reward_compose(const struct reward_cfg *cfg, Rtlreward__Result *r);

int pipeline_init(const char *cache_dir, char *err, size_t errlen);
void pipeline_shutdown(void);
int pipeline_prepare(struct problem *p, char *err, size_t errlen);
/* Registration warnings (stim_check.c): after a successful pipeline_prepare, runs the golden
 * against itself through the equivalence harness once per problem and fills p->prep.warnings
 * (shown by POST /v1/problems and GET /v1/problems/{id}). Scoring does not call it. */
void stim_selfcheck(struct problem *p);
/* The golden's text with every module m renamed prefix+m, except `keep`, renamed keep_as
 * (when keep is not NULL); malloc'd, NULL when out of memory or the rename fails. */
char *pipeline_rename_golden(const struct problem *p, const char *prefix, const char *keep,
			     const char *keep_as);
Rtlreward__Result *pipeline_score(struct problem *p, const char *completion, size_t len,
				  const struct reward_cfg *cfg);
/* One candidate of a group (pipeline_score_group). */
struct group_item {
	const char *completion;
	size_t len;
	const struct reward_cfg *cfg;
	Rtlreward__Result *result;  /* filled: as pipeline_score would return it (NULL: OOM) */
	/* optional: called as soon as this item's result is final while the rest of the group
	 * still runs (a cache hit, a format or policy refusal): the caller may take result and
	 * answer it at once; the pipeline does not touch the Result afterwards */
	void (*ready)(struct group_item *it);
	void *arg;
};
/* 1 when two requests' settings let their candidates of one problem be scored as one group
 * (same mode, engine, seed, formal, cache use). */
int pipeline_same_group(const struct reward_cfg *a, const struct reward_cfg *b);
/* Scores n candidates of problem p whose cfgs are pipeline_same_group: the cache-missing unique
 * ones go through every tool stage together (one tool run per stage where the stage groups),
 * and each result is what pipeline_score gives for it alone (evidence identical; times and
 * `cached` say what was shared or reused). */
void pipeline_score_group(struct problem *p, struct group_item *it, size_t n);
/* Called around the PPA stage of a worker's group (set once, before scoring): the scheduler
 * lends the worker's function slot to other work while the synthesis runs. */
void pipeline_set_ppa_hooks(void (*begin)(void), void (*end)(void));
/* Used by preparation and the syntax tier. */
int pipeline_verilator_xml(const char *jobdir, const char *file, const char *top,
			   struct vinfo *vi, char **diag, char *err, size_t errlen);
/* A Result with every tier allocated and defaults set. */
Rtlreward__Result *result_new(void);
/* Replaces a string field (frees the old unless it is protobuf-c's shared empty string). */
void pb_set_str(char **field, const char *s);

#endif
