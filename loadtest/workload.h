/* workload: GRPO-shaped batches of candidates built from problems on disk.
 *
 * Problems come from the project's format (DIR/<id>/reference.v + problem.json) or the
 * VerilogEval v2 spec-to-rtl layout (DIR/ProbNNN_name_ref.sv). A problem's base candidate is
 * its golden with the golden's module names renamed (ref_top -> top, other modules -> lc_*),
 * so it passes in full. Each batch is P prompts x G samples; each sample is, by draw from a
 * RNG seeded with (seed, batch index): an exact duplicate of an earlier sample of its group, a
 * comment/whitespace variant of one (the server's normalization makes it the same key), a
 * syntax error, a wrong design (an operator mutant), a simulation that never ends (hits the
 * server's --sim-timeout), or a fresh correct copy. With `unique` every fresh sample carries a
 * localparam named after (seed, batch, sample), so cache hits are only the intended ones.
 *
 * Call order: wl_load_* (any number) -> wl_batch_json (any thread; reads only) -> wl_free.
 */
#ifndef LT_WORKLOAD_H
#define LT_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

struct wl_problem {
	char *id;
	char *code;	/* base candidate: the golden renamed so that it defines `top` */
	char *top;
};

struct wl_mix {
	double dup_exact, dup_ws, syntax_err, wrong, timeout;	/* shares in [0, 1], sum <= 1 */
};

struct workload {
	struct wl_problem *p;
	size_t n, cap;
	unsigned prompts, group;
	struct wl_mix mix;
	uint64_t seed;
	int unique;
	/* request options appended to the JSON body: e.g. ,"no_cache":true,"engine":"icarus" */
	char opts[512];
};

/* counts of what a batch holds, by kind */
enum wl_kind { WK_FRESH, WK_DUP_EXACT, WK_DUP_WS, WK_SYNTAX, WK_WRONG, WK_TIMEOUT, WK_NKINDS };
extern const char *const wl_kind_names[WK_NKINDS];

/* Loads every problem under dir; returns the number added, -1 on error (err filled). */
int wl_load_project(struct workload *w, const char *dir, char *err, size_t errlen);
int wl_load_veval(struct workload *w, const char *dir, char *err, size_t errlen);
/* Keeps the first max problems (sorted by id); 0 keeps all. */
void wl_limit(struct workload *w, size_t max);
/* Drops the problem with this id; 1 when there was one. */
int wl_skip(struct workload *w, const char *id);

/* The JSON body of a request holding items [first, first + count) of batch idx (malloc'd,
 * *len set); kinds[] (may be NULL) gets what they are. Returns NULL on out of memory.
 * Deterministic in (w->seed, idx): the same items whichever slice is asked for. */
char *wl_batch_json(const struct workload *w, uint64_t idx, size_t first, size_t count, size_t *len,
		    unsigned kinds[WK_NKINDS]);
size_t wl_batch_size(const struct workload *w);
void wl_free(struct workload *w);

#endif
