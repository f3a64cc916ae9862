/* Unit tests for reward/cache.c: the LRU, its byte budget, the local store across a restart,
 * and in-flight claims. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"

static char dir[256];

static void key_of(int i, char key[65])
{
	snprintf(key, 65, "%064x", i);
}

static void start(size_t budget, const char *d)
{
	char err[256];

	cache_set_mem_budget(budget);
	ck_assert_msg(cache_init(d, err, sizeof(err)) == 0, "cache_init: %s", err);
}

static void setup(void)
{
	char cmd[300];

	snprintf(dir, sizeof(dir), "/tmp/rtlr-check-cache-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void)
{
	char cmd[300];

	cache_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int get_str(const char *key, char *out, size_t outlen)
{
	unsigned char *d;
	size_t n;

	if (cache_get(key, &d, &n) != 0)
		return 1;
	snprintf(out, outlen, "%.*s", (int)n, (const char *)d);
	free(d);
	return 0;
}

START_TEST(mem_hit_and_miss)
{
	char k[65], got[64];
	struct cache_stats s;

	start(1 << 20, "");
	key_of(1, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 1);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"evidence", 8), 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "evidence");
	cache_stats(&s);
	ck_assert_uint_eq(s.mem_hits, 1);
	ck_assert_uint_eq(s.mem_entries, 1);
	ck_assert_int_eq(cache_put("not-a-key", (const unsigned char *)"x", 1), -1);
}
END_TEST

START_TEST(budget_evicts_least_recent)
{
	char k[65], got[64];
	unsigned char blob[1000];
	struct cache_stats s;
	int i;

	memset(blob, 'b', sizeof(blob));
	/* room for about 4 entries of 1000 bytes (+ overhead) */
	start(4 * 1200, "");
	for (i = 0; i < 4; i++) {
		key_of(i, k);
		ck_assert_int_eq(cache_put(k, blob, sizeof(blob)), 0);
	}
	key_of(0, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);   /* 0 is now most recent */
	key_of(4, k);
	ck_assert_int_eq(cache_put(k, blob, sizeof(blob)), 0); /* evicts 1 */
	key_of(1, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 1);
	key_of(0, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	cache_stats(&s);
	ck_assert_uint_eq(s.mem_evictions, 1);
	ck_assert_uint_le(s.mem_bytes, 4 * 1200);
}
END_TEST

START_TEST(restart_keeps_results)
{
	char k[65], got[64];
	struct cache_stats s;

	start(1 << 20, dir);
	key_of(7, k);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"kept", 4), 0);
	cache_shutdown();
	start(1 << 20, dir);                      /* the LRU is empty again */
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "kept");
	cache_stats(&s);
	ck_assert_uint_ge(s.disk_hits, 1);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0); /* promoted: now a mem hit */
	cache_stats(&s);
	ck_assert_uint_ge(s.mem_hits, 1);
}
END_TEST

START_TEST(mem_off_disk_only)
{
	char k[65], got[64];
	struct cache_stats s;

	start(0, dir);
	key_of(9, k);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"disk", 4), 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	cache_stats(&s);
	ck_assert_uint_eq(s.mem_entries, 0);
}
END_TEST

static int computed;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;

static void *scorer(void *arg)
{
	const char *k = arg;
	char got[64];
	int i;

	for (i = 0; i < 100; i++) {
		if (get_str(k, got, sizeof(got)) == 0)
			return NULL;
		if (cache_claim(k) == 0) {
			if (get_str(k, got, sizeof(got)) != 0) {
				pthread_mutex_lock(&cmu);
				computed++;
				pthread_mutex_unlock(&cmu);
				usleep(50000);
				cache_put(k, (const unsigned char *)"once", 4);
			}
			cache_unclaim(k);
			return NULL;
		}
	}
	return NULL;
}

START_TEST(claims_compute_once)
{
	pthread_t t[8];
	char k[65];
	int i;

	start(1 << 20, "");
	key_of(42, k);
	computed = 0;
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, scorer, k), 0);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(computed, 1);
}
END_TEST

START_TEST(failed_claim_lets_next_compute)
{
	char k[65];

	start(1 << 20, "");
	key_of(43, k);
	ck_assert_int_eq(cache_claim(k), 0);
	cache_unclaim(k);                 /* computed nothing (an infra error) */
	ck_assert_int_eq(cache_claim(k), 0); /* the next caller becomes the one computing */
	cache_unclaim(k);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mem_hit_and_miss);
	tcase_add_test(tc, budget_evicts_least_recent);
	tcase_add_test(tc, restart_keeps_results);
	tcase_add_test(tc, mem_off_disk_only);
	tcase_add_test(tc, claims_compute_once);
	tcase_add_test(tc, failed_claim_lets_next_compute);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
