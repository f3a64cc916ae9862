#include "scheduler.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "metrics.h"

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static struct batch *rr_head, *rr_tail;   /* batches with tasks not yet taken */
static size_t q_cap, q_len;
static pthread_t *threads;
static unsigned n_workers;   /* threads in the pool */
static unsigned n_slots;     /* tasks that may run at once: the configured --workers */
static unsigned n_active;    /* tasks running and not waiting for an identical key (q_mu) */
static int stopping;
static __thread int tl_in_task;
static _Atomic unsigned n_busy;
static double deadline_s;

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static Rtlreward__Result *late_result(const struct task *t)
{
	Rtlreward__Result *r = result_new();

	if (!r)
		return NULL;
	pb_set_str(&r->problem, t->p->id);
	r->status = RTLREWARD__STATUS__INFRA_ERROR;
	pb_set_str(&r->error, "deadline exceeded: the candidate waited in the queue past its request's deadline (deadline_s or --deadline)");
	r->reward = 0;
	return r;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct task *t;

		pthread_mutex_lock(&q_mu);
		while ((!q_len || n_active >= n_slots) && !stopping)
			pthread_cond_wait(&q_cv, &q_mu);
		if (!q_len && stopping) {
			pthread_mutex_unlock(&q_mu);
			return NULL;
		}
		{
			/* one task from the batch at the head, then that batch goes to the back */
			struct batch *b = rr_head;

			t = &b->tasks[b->next++];
			rr_head = b->rr_next;
			if (!rr_head)
				rr_tail = NULL;
			b->rr_next = NULL;
			if (b->next < b->n) {
				if (rr_tail)
					rr_tail->rr_next = b;
				else
					rr_head = b;
				rr_tail = b;
			}
		}
		q_len--;
		n_active++;
		pthread_mutex_unlock(&q_mu);

		tl_in_task = 1;
		atomic_fetch_add(&n_busy, 1);
		if (t->run) {
			t->run(t);
		} else {
			if (t->b->deadline > 0 && mono_s() > t->b->deadline)
				t->result = late_result(t);
			else
				t->result = pipeline_score(t->p, t->completion, t->len, t->cfg);
			if (t->result)
				t->result->index = t->index;
			metrics_result(t->result);
		}
		atomic_fetch_sub(&n_busy, 1);
		tl_in_task = 0;
		pthread_mutex_lock(&q_mu);
		n_active--;
		pthread_cond_broadcast(&q_cv);
		pthread_mutex_unlock(&q_mu);

		pthread_mutex_lock(&t->b->mu);
		t->done = 1;
		t->b->remaining--;
		pthread_cond_broadcast(&t->b->cv);
		pthread_mutex_unlock(&t->b->mu);
	}
}

/* A task waiting for an identical key in flight (cache_claim) gives its slot to another task
 * while it waits, so that duplicates do not leave cores idle; it takes it back, even past the
 * limit for a moment, when the key is done (what is left is a cache lookup). */
static void wait_begin(void)
{
	if (!tl_in_task)
		return;
	pthread_mutex_lock(&q_mu);
	n_active--;
	pthread_cond_broadcast(&q_cv);
	pthread_mutex_unlock(&q_mu);
}

static void wait_end(void)
{
	if (!tl_in_task)
		return;
	pthread_mutex_lock(&q_mu);
	n_active++;
	pthread_mutex_unlock(&q_mu);
}

int sched_init(unsigned workers, size_t queue_cap, double deadline, char *err, size_t errlen)
{
	unsigned i, pool;

	deadline_s = deadline;
	n_slots = workers;
	/* twice the slots: the spare threads run tasks while others wait for an identical key */
	pool = workers * 2;
	cache_set_wait_hooks(wait_begin, wait_end);
	threads = calloc(pool, sizeof(*threads));
	if (!threads) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q_cap = queue_cap;
	for (i = 0; i < pool; i++) {
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
			snprintf(err, errlen, "cannot start worker thread %u", i);
			return -1;
		}
		n_workers++;
	}
	return 0;
}

void sched_shutdown(void)
{
	unsigned i;

	pthread_mutex_lock(&q_mu);
	stopping = 1;
	pthread_cond_broadcast(&q_cv);
	pthread_mutex_unlock(&q_mu);
	for (i = 0; i < n_workers; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	rr_head = rr_tail = NULL;
	n_workers = 0;
	n_active = 0;
}

void batch_init(struct batch *b, size_t n)
{
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->remaining = n;
	b->tasks = NULL;
	b->n = b->next = 0;
	b->rr_next = NULL;
	b->deadline = 0;
}

void batch_release(struct batch *b)
{
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
}

int sched_submit(struct task *tasks, size_t n)
{
	struct batch *b;

	if (!n)
		return 0;
	b = tasks[0].b;
	pthread_mutex_lock(&q_mu);
	if (stopping || q_cap - q_len < n) {
		pthread_mutex_unlock(&q_mu);
		return -1;
	}
	b->tasks = tasks;
	b->n = n;
	b->next = 0;
	b->rr_next = NULL;
	{
		/* the smaller of the server's --deadline and the request's deadline_s */
		double d = deadline_s, r = tasks[0].cfg ? tasks[0].cfg->deadline_s : 0;

		if (r > 0 && (d <= 0 || r < d))
			d = r;
		b->deadline = d > 0 ? mono_s() + d : 0;
	}
	if (rr_tail)
		rr_tail->rr_next = b;
	else
		rr_head = b;
	rr_tail = b;
	q_len += n;
	pthread_cond_broadcast(&q_cv);
	pthread_mutex_unlock(&q_mu);
	return 0;
}

void batch_wait(struct batch *b)
{
	pthread_mutex_lock(&b->mu);
	while (b->remaining)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

void sched_stats(size_t *queued, size_t *cap, unsigned *busy, unsigned *workers)
{
	pthread_mutex_lock(&q_mu);
	*queued = q_len;
	*cap = q_cap;
	pthread_mutex_unlock(&q_mu);
	*busy = atomic_load(&n_busy);
	*workers = n_slots;
}
