#include "scheduler.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
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
static unsigned group_max = 16;
static double coalesce_s = 0.003;

/* One pool thread's group: collecting (its coalescing window) or running (q_mu). The tasks of
 * active groups count as work in hand when the next group is sized (group_room). */
struct group {
	struct task *t[RTLR_GROUP_MAX];
	size_t n;
	int active;   /* collecting or running */
	int open;     /* collecting: takes tasks of its group (its window) */
};
static struct group *groups;   /* one per pool thread */

static _Atomic uint64_t c_groups[SCHED_NSIZE], c_grouped, c_cross, c_coalesced, c_windows,
	c_windows_alone, c_window_us, c_late;

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

/* --- the queue (all under q_mu) ------------------------------------------------------------ */

static int same_group(const struct task *a, const struct task *b)
{
	return !a->run && !b->run && a->p == b->p && a->cfg && b->cfg &&
	       pipeline_same_group(a->cfg, b->cfg);
}

static void rr_append(struct batch *b)
{
	b->rr_next = NULL;
	if (rr_tail)
		rr_tail->rr_next = b;
	else
		rr_head = b;
	rr_tail = b;
}

static void rr_unlink(struct batch *b)
{
	struct batch *prev = NULL, *c;

	for (c = rr_head; c && c != b; c = c->rr_next)
		prev = c;
	if (!c)
		return;
	if (prev)
		prev->rr_next = b->rr_next;
	else
		rr_head = b->rr_next;
	if (rr_tail == b)
		rr_tail = prev;
	b->rr_next = NULL;
}

/* Takes t out of the queue; a batch with nothing left leaves the round-robin. */
static void take(struct task *t)
{
	t->taken = 1;
	t->b->left--;
	q_len--;
	if (!t->b->left)
		rr_unlink(t->b);
}

/* The next task of the batch at the head; that batch goes to the back (round-robin). */
static struct task *pop_head(void)
{
	struct batch *b = rr_head;
	struct task *t;

	while (b->tasks[b->next].taken)
		b->next++;
	t = &b->tasks[b->next++];
	rr_head = b->rr_next;
	if (!rr_head)
		rr_tail = NULL;
	b->rr_next = NULL;
	t->taken = 1;
	b->left--;
	q_len--;
	if (b->left)
		rr_append(b);
	return t;
}

/* Queued tasks of t's group, t's own batch first, then the others in round-robin order (only
 * t's own batch when coalescing is off): counts them (out NULL) or lists up to max of them in
 * out. Examines at most RTLR_SCHED_SCAN tasks. */
static size_t scan_group(const struct task *t, size_t max, struct task **out)
{
	struct batch *own = t->b, *b = own;
	size_t found = 0, seen = 0, i;
	int first = 1;

	while (b && found < max && seen < RTLR_SCHED_SCAN) {
		for (i = b->left ? b->next : b->n; i < b->n && found < max && seen < RTLR_SCHED_SCAN;
		     i++) {
			struct task *u = &b->tasks[i];

			seen++;
			if (!u->taken && u != t && same_group(t, u)) {
				if (out)
					out[found] = u;
				found++;
			}
		}
		if (coalesce_s <= 0)
			break;
		b = first ? rr_head : b->rr_next;
		first = 0;
		if (b == own)
			b = b->rr_next;
	}
	return found;
}

/* Tasks in active groups (collecting or running). */
static size_t active_tasks(void)
{
	size_t i, n = 0;

	for (i = 0; i < n_workers; i++)
		if (groups[i].active)
			n += groups[i].n;
	return n;
}

/* The size of a group: a worker's share of the work in hand (queued, plus the tasks of the
 * groups already collecting or running), at most --group-max. One problem's batch alone is
 * spread over every worker; among many problems' work, groups are full. */
static size_t group_room(size_t queued)
{
	size_t work = queued + active_tasks(), k = (work + n_slots - 1) / n_slots;

	return k < 1 ? 1 : k > group_max ? group_max : k;
}

/* Moves up to want queued tasks of g's group into g. */
static size_t group_fill(struct group *g, size_t want)
{
	struct task *more[RTLR_GROUP_MAX];
	size_t i, m;

	if (want > group_max - g->n)
		want = group_max - g->n;
	m = scan_group(g->t[0], want, more);
	for (i = 0; i < m; i++) {
		take(more[i]);
		g->t[g->n++] = more[i];
	}
	return m;
}

/* A popped task joins an open window of its group when that group has room. */
static int hand_off(struct task *t)
{
	size_t i;

	if (t->run)
		return 0;
	for (i = 0; i < n_workers; i++) {
		struct group *g = &groups[i];

		if (!g->open || !same_group(g->t[0], t) || g->n >= group_max)
			continue;
		if (g->n >= group_room(q_len + 1))
			continue;
		g->t[g->n++] = t;
		atomic_fetch_add(&c_coalesced, 1);
		pthread_cond_broadcast(&q_cv);
		return 1;
	}
	return 0;
}

/* Waits for work and a free slot, then forms g (q_mu held). Returns 1 when g is a lone task
 * that should wait for company (its window), 0 to run it now, -1 when the pool stops. */
static int take_group(struct group *g)
{
	struct task *t;

	for (;;) {
		while ((!q_len || n_active >= n_slots) && !stopping)
			pthread_cond_wait(&q_cv, &q_mu);
		if (!q_len && stopping)
			return -1;
		t = pop_head();
		if (!hand_off(t))
			break;
	}
	g->t[0] = t;
	g->n = 1;
	if (t->run)
		return 0;
	group_fill(g, group_room(q_len + 1) - 1);
	return g->n == 1 && coalesce_s > 0 && group_max > 1 && !t->b->left && !stopping;
}

/* The coalescing window (q_mu held): g collects tasks of its group for up to --coalesce-ms. */
static void group_window(struct group *g)
{
	struct timespec ts;
	double t0 = mono_s(), end_s;
	long long ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (long long)ts.tv_nsec + (long long)(coalesce_s * 1e9);
	ts.tv_sec += (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	end_s = t0 + coalesce_s;
	g->open = 1;
	atomic_fetch_add(&c_windows, 1);
	for (;;) {
		size_t room = group_room(q_len);

		if (room > g->n)
			atomic_fetch_add(&c_coalesced, group_fill(g, room - g->n));
		if (g->n >= group_max || stopping || mono_s() >= end_s)
			break;
		if (pthread_cond_timedwait(&q_cv, &q_mu, &ts) == ETIMEDOUT && mono_s() >= end_s) {
			room = group_room(q_len);
			if (room > g->n)
				atomic_fetch_add(&c_coalesced, group_fill(g, room - g->n));
			break;
		}
	}
	g->open = 0;
	if (g->n == 1)
		atomic_fetch_add(&c_windows_alone, 1);
	atomic_fetch_add(&c_window_us, (uint64_t)((mono_s() - t0) * 1e6));
}

static unsigned size_bucket(size_t n)
{
	if (n <= 2)
		return n ? (unsigned)n - 1 : 0;
	if (n <= 4)
		return 2;
	if (n <= 8)
		return 3;
	return n <= 16 ? 4 : 5;
}

/* Runs g's tasks outside q_mu: a registration's run alone; candidates past their request's
 * deadline answered without running; the others in one pipeline_score_group call. */
static void group_run(struct group *g)
{
	struct group_item items[RTLR_GROUP_MAX];
	struct task *ts[RTLR_GROUP_MAX];
	size_t i, m = 0, cross = 0;
	double now;

	if (g->t[0]->run) {
		g->t[0]->run(g->t[0]);
		return;
	}
	now = mono_s();
	for (i = 0; i < g->n; i++) {
		struct task *t = g->t[i];

		if (t->b->deadline > 0 && now > t->b->deadline) {
			t->result = late_result(t);
			atomic_fetch_add(&c_late, 1);
			continue;
		}
		memset(&items[m], 0, sizeof(items[m]));
		items[m].completion = t->completion;
		items[m].len = t->len;
		items[m].cfg = t->cfg;
		ts[m++] = t;
	}
	if (m) {
		pipeline_score_group(ts[0]->p, items, m);
		for (i = 0; i < m; i++) {
			ts[i]->result = items[i].result;
			if (ts[i]->b != ts[0]->b)
				cross++;
		}
		atomic_fetch_add(&c_groups[size_bucket(m)], 1);
		if (m > 1)
			atomic_fetch_add(&c_grouped, m);
		atomic_fetch_add(&c_cross, cross);
	}
	for (i = 0; i < g->n; i++) {
		if (g->t[i]->result)
			g->t[i]->result->index = g->t[i]->index;
		metrics_result(g->t[i]->result);
	}
}

static void *worker(void *arg)
{
	struct group *g = arg;

	for (;;) {
		size_t i;
		int r;

		pthread_mutex_lock(&q_mu);
		r = take_group(g);
		if (r < 0) {
			pthread_mutex_unlock(&q_mu);
			return NULL;
		}
		n_active++;
		g->active = 1;
		if (r > 0)
			group_window(g);
		pthread_mutex_unlock(&q_mu);

		tl_in_task = 1;
		atomic_fetch_add(&n_busy, 1);
		group_run(g);
		atomic_fetch_sub(&n_busy, 1);
		tl_in_task = 0;
		pthread_mutex_lock(&q_mu);
		n_active--;
		g->active = 0;
		pthread_cond_broadcast(&q_cv);
		pthread_mutex_unlock(&q_mu);

		for (i = 0; i < g->n; i++) {
			struct task *t = g->t[i];

			pthread_mutex_lock(&t->b->mu);
			t->done = 1;
			t->b->remaining--;
			pthread_cond_broadcast(&t->b->cv);
			pthread_mutex_unlock(&t->b->mu);
		}
		g->n = 0;
	}
}

/* A task waiting for an identical key in flight (cache_claim) gives its slot to another task
 * while it waits, so that duplicates do not leave cores idle; it takes it back, even past the
 * limit for a moment, when the key is done (what is left is a cache lookup). A group's PPA
 * stage does the same (pipeline_set_ppa_hooks). */
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

void sched_set_grouping(unsigned gmax, double coalesce_ms)
{
	group_max = gmax < 1 ? 1 : gmax > RTLR_GROUP_MAX ? RTLR_GROUP_MAX : gmax;
	coalesce_s = coalesce_ms > 0 ? coalesce_ms / 1000.0 : 0;
}

int sched_init(unsigned workers, size_t queue_cap, double deadline, char *err, size_t errlen)
{
	unsigned i, pool;

	deadline_s = deadline;
	n_slots = workers;
	/* twice the slots: the spare threads run tasks while others wait for an identical key */
	pool = workers * 2;
	cache_set_wait_hooks(wait_begin, wait_end);
	/* a group's PPA stage (niced tools) lends its slot too: function work of other requests
	 * does not wait behind a slow synthesis (issue 14) */
	pipeline_set_ppa_hooks(wait_begin, wait_end);
	threads = calloc(pool, sizeof(*threads));
	groups = calloc(pool, sizeof(*groups));
	if (!threads || !groups) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q_cap = queue_cap;
	for (i = 0; i < pool; i++) {
		if (pthread_create(&threads[i], NULL, worker, &groups[i]) != 0) {
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
	free(groups);
	groups = NULL;
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
	b->left = 0;
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
	size_t i;

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
	b->left = n;
	for (i = 0; i < n; i++)
		tasks[i].taken = 0;
	{
		/* the smaller of the server's --deadline and the request's deadline_s */
		double d = deadline_s, r = tasks[0].cfg ? tasks[0].cfg->deadline_s : 0;

		if (r > 0 && (d <= 0 || r < d))
			d = r;
		b->deadline = d > 0 ? mono_s() + d : 0;
	}
	rr_append(b);
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

void sched_get_counters(struct sched_counters *c)
{
	unsigned i;

	for (i = 0; i < SCHED_NSIZE; i++)
		c->groups[i] = atomic_load(&c_groups[i]);
	c->grouped = atomic_load(&c_grouped);
	c->cross_batch = atomic_load(&c_cross);
	c->coalesced = atomic_load(&c_coalesced);
	c->windows = atomic_load(&c_windows);
	c->windows_alone = atomic_load(&c_windows_alone);
	c->window_us = atomic_load(&c_window_us);
	c->late = atomic_load(&c_late);
}

const char *sched_size_name(unsigned i)
{
	static const char *const names[SCHED_NSIZE] = {"1", "2", "3-4", "5-8", "9-16", "17+"};

	return i < SCHED_NSIZE ? names[i] : "?";
}
