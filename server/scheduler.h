/* scheduler: a bounded queue of candidate tasks feeding a pool of worker threads.
 *
 * A request submits its whole batch at once (all or nothing: when the queue cannot take it,
 * sched_submit() fails at once and the server answers 429), then waits for the batch.
 * Fairness: each submitted batch is its own queue; workers take one task from each waiting
 * batch in turn (round-robin), so a small request is not stuck behind an 8k-candidate one.
 * Tasks and the batch are owned by the submitter and must outlive batch_wait().
 *
 * Groups (docs/groups.md): a worker that takes a task also takes the queued tasks that can
 * share its group (same problem, pipeline_same_group settings; from any batch) and scores them
 * in one pipeline_score_group call. A group holds a worker's share of the work in hand,
 * ceil((queued tasks + tasks of the groups already collecting or running) / --workers), at most
 * --group-max: one problem's batch alone is spread over every worker, and among many problems'
 * work the groups are full. A task that
 * is alone (its group has nothing else queued and its request nothing else left) waits up to
 * --coalesce-ms for more tasks of its group (concurrent one-candidate requests) before it runs.
 * With --coalesce-ms 0, groups form only within one request.
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
	size_t left;        /* tasks not yet taken (tasks may be taken out of order, in groups) */
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
	int taken;                  /* scheduler's (under its lock): a worker took it */
};

/* deadline_s: per-request deadline in seconds from submission (0: none). A task still queued
 * at its request's deadline is answered INFRA_ERROR "deadline exceeded" without running. */
/* Grouping, set before sched_init: at most group_max tasks in one group (1: no grouping), and
 * the coalescing window for a lone task in ms (0: off). */
void sched_set_grouping(unsigned group_max, double coalesce_ms);
int sched_init(unsigned workers, size_t queue_cap, double deadline_s, char *err, size_t errlen);
void sched_shutdown(void);
void batch_init(struct batch *b, size_t n);
void batch_release(struct batch *b);
int sched_submit(struct task *tasks, size_t n);   /* 0, or -1 when the queue is full */
void batch_wait(struct batch *b);
/* Waits until task i of the batch (or any, for streaming: see api.c) is done; under b->mu the
 * caller may read tasks[i].done. Each completion broadcasts b->cv. */
void sched_stats(size_t *queued, size_t *cap, unsigned *busy, unsigned *workers);

/* What the scheduler did, for /metrics (counts since start-up). */
#define SCHED_NSIZE 6   /* group sizes: 1, 2, 3-4, 5-8, 9-16, 17+ */
struct sched_counters {
	uint64_t groups[SCHED_NSIZE];  /* groups dispatched (pipeline_score_group calls) by size */
	uint64_t grouped;       /* tasks dispatched in groups of two or more */
	uint64_t cross_batch;   /* tasks grouped with a task of another request */
	uint64_t coalesced;     /* tasks that joined a group during its coalescing window */
	uint64_t windows;       /* coalescing windows opened */
	uint64_t windows_alone; /* windows that closed with no other task */
	uint64_t window_us;     /* time spent waiting in windows, microseconds */
	uint64_t late;          /* tasks answered "deadline exceeded" without running */
};
void sched_get_counters(struct sched_counters *c);
const char *sched_size_name(unsigned i);

#endif
