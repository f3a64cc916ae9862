/* scheduler: a bounded queue of candidate tasks feeding a pool of worker threads.
 *
 * A request submits its whole batch at once (all or nothing: when the queue cannot take it,
 * sched_submit() fails at once and the server answers 429), then waits for the batch.
 * Fairness: each submitted batch is its own queue; workers take one task from each waiting
 * batch in turn (round-robin), so a small request is not stuck behind an 8k-candidate one.
 * Tasks and the batch are owned by the submitter and must outlive batch_wait().
 */
#ifndef RTLR_SCHEDULER_H
#define RTLR_SCHEDULER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

struct task;

struct batch {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t remaining;
	/* owned by the scheduler's lock while queued */
	struct task *tasks;
	size_t n, next;
	struct batch *rr_next;
	double deadline;    /* CLOCK_MONOTONIC seconds; 0: none. Tasks taken later are not run */
};

struct task {
	struct problem *p;          /* referenced by the submitter */
	const char *completion;
	size_t len;
	const struct reward_cfg *cfg;
	Rtlreward__Result *result;  /* filled by a worker */
	uint32_t index;
	int done;                   /* set under b->mu once result is filled */
	struct batch *b;
	/* set: a worker calls run(t) instead of scoring (registration's preparation: the tools
	 * it runs count against the same --workers slots and --queue as candidates); result
	 * stays NULL and the deadline does not apply */
	void (*run)(struct task *t);
	void *arg;
};

/* deadline_s: per-request deadline in seconds from submission (0: none). A task still queued
 * at its request's deadline is answered INFRA_ERROR "deadline exceeded" without running. */
int sched_init(unsigned workers, size_t queue_cap, double deadline_s, char *err, size_t errlen);
void sched_shutdown(void);
void batch_init(struct batch *b, size_t n);
void batch_release(struct batch *b);
int sched_submit(struct task *tasks, size_t n);   /* 0, or -1 when the queue is full */
void batch_wait(struct batch *b);
/* Waits until task i of the batch (or any, for streaming: see api.c) is done; under b->mu the
 * caller may read tasks[i].done. Each completion broadcasts b->cv. */
void sched_stats(size_t *queued, size_t *cap, unsigned *busy, unsigned *workers);

#endif
