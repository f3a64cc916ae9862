/* Unit tests for reward/once.c: with threads, exactly one caller computes a key and the others
 * wait and then see its result; a try-claim never waits; a failed computation lets the next
 * caller compute; other keys are independent; a lending table calls the wait hooks around a
 * wait, a plain one does not. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "once.h"

#define NTHREADS 8

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A computation and its result store, the way callers of once.h use it. */
struct work {
	struct once_table *t;
	const char *key;
	pthread_barrier_t start;
	atomic_int stored;       /* the result: 0 none yet */
	atomic_int computed;     /* computations run */
	atomic_int fail_first;   /* the first computation fails (stores nothing) */
	atomic_int seen[NTHREADS];
	atomic_int next;
};

static void *caller(void *arg)
{
	struct work *w = arg;
	int me = atomic_fetch_add(&w->next, 1), claimed = 0;

	pthread_barrier_wait(&w->start);
	for (;;) {
		int v = atomic_load(&w->stored);
		if (v) {
			if (claimed)
				once_done(w->t, w->key);
			atomic_store(&w->seen[me], v);
			return NULL;
		}
		if (claimed)
			break;
		if (once_claim(w->t, w->key) == 0)
			claimed = 1;
	}
	/* the holder computes */
	{
		int n = atomic_fetch_add(&w->computed, 1) + 1;
		double t0 = now_ms();
		/* long enough for the others to find the claim and wait on it */
		while (once_waits(w->t) < (uint64_t)n && now_ms() - t0 < 5000)
			usleep(1000);
		usleep(20 * 1000);
		if (!(n == 1 && atomic_load(&w->fail_first)))
			atomic_store(&w->stored, 42);
	}
	once_done(w->t, w->key);
	atomic_store(&w->seen[me], atomic_load(&w->stored));
	return NULL;
}

static void run_callers(struct work *w)
{
	pthread_t th[NTHREADS];
	int i;

	pthread_barrier_init(&w->start, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, caller, w), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&w->start);
}

START_TEST(one_computes_others_wait)
{
	static struct once_table t = ONCE_TABLE_INIT(0);
	static struct work w;
	int i;

	memset(&w, 0, sizeof(w));
	w.t = &t;
	w.key = "k-one";
	run_callers(&w);
	ck_assert_int_eq(atomic_load(&w.computed), 1);
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(atomic_load(&w.seen[i]), 42);
	ck_assert_uint_ge(once_waits(&t), 1);
	ck_assert_int_eq(once_held(&t, "k-one"), 0);
}
END_TEST

START_TEST(failed_computation_lets_next_compute)
{
	static struct once_table t = ONCE_TABLE_INIT(0);
	static struct work w;
	int i, ok;

	memset(&w, 0, sizeof(w));
	w.t = &t;
	w.key = "k-fail";
	atomic_store(&w.fail_first, 1);
	run_callers(&w);
	/* the first stored nothing (and saw nothing); exactly one waiter then became the one
	 * computing, and every other caller saw its result */
	ck_assert_int_eq(atomic_load(&w.computed), 2);
	for (i = 0, ok = 0; i < NTHREADS; i++)
		ok += atomic_load(&w.seen[i]) == 42;
	ck_assert_int_eq(ok, NTHREADS - 1);
	/* and sequentially: claim, fail (done without a result), the next claim holds again */
	ck_assert_int_eq(once_claim(&t, "k-seq"), 0);
	once_done(&t, "k-seq");
	ck_assert_int_eq(once_claim(&t, "k-seq"), 0);
	once_done(&t, "k-seq");
}
END_TEST

static struct once_table hold_t = ONCE_TABLE_INIT(0);
static atomic_int hold_release, hold_has;

static void *holder(void *arg)
{
	ck_assert_int_eq(once_claim(&hold_t, (const char *)arg), 0);
	atomic_store(&hold_has, 1);
	while (!atomic_load(&hold_release))
		usleep(1000);
	once_done(&hold_t, (const char *)arg);
	return NULL;
}

START_TEST(try_claim_never_waits)
{
	pthread_t th;
	double t0;

	atomic_store(&hold_release, 0);
	atomic_store(&hold_has, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, holder, "k-try"), 0);
	while (!atomic_load(&hold_has))
		usleep(1000);
	t0 = now_ms();
	ck_assert_int_eq(once_try_claim(&hold_t, "k-try"), 1); /* held: at once, no claim */
	ck_assert_double_lt(now_ms() - t0, 100);
	/* another key is independent, even a blocking claim of it */
	ck_assert_int_eq(once_try_claim(&hold_t, "k-other"), 0);
	ck_assert_int_eq(once_held(&hold_t, "k-other"), 1);
	once_done(&hold_t, "k-other");
	t0 = now_ms();
	ck_assert_int_eq(once_claim(&hold_t, "k-other2"), 0);
	ck_assert_double_lt(now_ms() - t0, 100);
	once_done(&hold_t, "k-other2");
	atomic_store(&hold_release, 1);
	pthread_join(th, NULL);
	/* released: the try-claim holds it now */
	ck_assert_int_eq(once_try_claim(&hold_t, "k-try"), 0);
	ck_assert_int_eq(once_held(&hold_t, "k-try"), 1);
	once_done(&hold_t, "k-try");
	ck_assert_int_eq(once_held(&hold_t, "k-try"), 0);
	ck_assert_uint_eq(once_waits(&hold_t), 0);
}
END_TEST

static atomic_int hooks_begun, hooks_ended;
static void hook_b(void)
{
	atomic_fetch_add(&hooks_begun, 1);
}
static void hook_e(void)
{
	atomic_fetch_add(&hooks_ended, 1);
}

struct hook_arg {
	struct once_table *t;
	atomic_int got;
};

static void *hook_waiter(void *arg)
{
	struct hook_arg *a = arg;

	atomic_store(&a->got, once_claim(a->t, "k-hook") + 10);
	return NULL;
}

static void wait_once(struct once_table *t, int *waited)
{
	static struct hook_arg a;
	pthread_t th;
	double t0;

	a.t = t;
	atomic_store(&a.got, 0);
	ck_assert_int_eq(once_claim(t, "k-hook"), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, hook_waiter, &a), 0);
	t0 = now_ms();
	while (once_waits(t) == 0 && now_ms() - t0 < 5000)
		usleep(1000);
	usleep(20 * 1000);
	ck_assert_int_eq(atomic_load(&a.got), 0); /* still waiting */
	once_done(t, "k-hook");
	pthread_join(th, NULL);
	*waited = atomic_load(&a.got) - 10;
}

START_TEST(lending_table_calls_wait_hooks)
{
	static struct once_table lend = ONCE_TABLE_INIT(1), plain = ONCE_TABLE_INIT(0);
	int w;

	once_set_wait_hooks(hook_b, hook_e);
	atomic_store(&hooks_begun, 0);
	atomic_store(&hooks_ended, 0);
	wait_once(&plain, &w);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(atomic_load(&hooks_begun), 0);
	ck_assert_int_eq(atomic_load(&hooks_ended), 0);
	wait_once(&lend, &w);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(atomic_load(&hooks_begun), 1);
	ck_assert_int_eq(atomic_load(&hooks_ended), 1);
	/* no wait, no hooks */
	ck_assert_int_eq(once_claim(&lend, "k-free"), 0);
	once_done(&lend, "k-free");
	ck_assert_int_eq(atomic_load(&hooks_begun), 1);
	once_set_wait_hooks(NULL, NULL);
}
END_TEST

START_TEST(long_keys_cut_consistently)
{
	static struct once_table t = ONCE_TABLE_INIT(0);
	char a[400], b[400];

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 2] = 'b'; /* differs past ONCE_KEY_MAX: the same claim */
	ck_assert_int_eq(once_try_claim(&t, a), 0);
	ck_assert_int_eq(once_try_claim(&t, b), 1);
	b[10] = 'b'; /* differs inside: another claim */
	ck_assert_int_eq(once_try_claim(&t, b), 0);
	once_done(&t, a);
	once_done(&t, b);
	ck_assert_int_eq(once_held(&t, a), 0);
	ck_assert_int_eq(once_held(&t, b), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("once");
	TCase *tc = tcase_create("once");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, one_computes_others_wait);
	tcase_add_test(tc, failed_computation_lets_next_compute);
	tcase_add_test(tc, try_claim_never_waits);
	tcase_add_test(tc, lending_table_calls_wait_hooks);
	tcase_add_test(tc, long_keys_cut_consistently);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
