/* Unit tests for reward/cache.c: the LRU, its byte budget, the local SQLite store across a
 * restart (big entries, threads, the bound, the old layout imported, a corrupt file), the Redis
 * layer against a real redis-server on loopback, and in-flight claims. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static void redis_stop(void);

static void teardown(void)
{
	char cmd[300];

	cache_shutdown();
	redis_stop();
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


static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

START_TEST(sqlite_put_get)
{
	char k[65], got[64], path[300];
	struct cache_stats s;

	start(0, dir);
	snprintf(path, sizeof(path), "%s/results.sqlite3", dir);
	ck_assert(exists(path));
	key_of(11, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 1);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"in sqlite", 9), 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "in sqlite");
	/* the same key again replaces, it does not add */
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"replaced", 8), 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "replaced");
	cache_stats(&s);
	ck_assert_uint_eq(s.disk_entries, 1);
	ck_assert_uint_eq(s.disk_hits, 2);
	ck_assert_uint_eq(s.disk_misses, 1);
	ck_assert_uint_eq(s.disk_errors, 0);
	ck_assert_uint_eq(s.mem_entries, 0);
}
END_TEST

START_TEST(sqlite_many_survive_restart)
{
	char k[65], got[64], want[64];
	struct cache_stats s;
	int i;

	start(0, dir);
	for (i = 0; i < 300; i++) {
		key_of(1000 + i, k);
		snprintf(want, sizeof(want), "value %d", i);
		ck_assert_int_eq(cache_put(k, (const unsigned char *)want, strlen(want)), 0);
	}
	cache_shutdown();
	start(0, dir);
	cache_stats(&s);
	ck_assert_uint_eq(s.disk_entries, 300);
	for (i = 0; i < 300; i++) {
		key_of(1000 + i, k);
		snprintf(want, sizeof(want), "value %d", i);
		ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
		ck_assert_str_eq(got, want);
	}
	key_of(1300, k);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 1);
}
END_TEST

static unsigned char *pattern(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return p;
}

START_TEST(big_entries)
{
	char k[65];
	size_t n = 4u << 20, got_n;
	unsigned char *big = pattern(n, 7), *got;
	struct cache_stats s;

	start(1 << 20, dir);     /* the LRU (1 MiB) cannot hold it; the store can */
	key_of(21, k);
	ck_assert_int_eq(cache_put(k, big, n), 0);
	cache_stats(&s);
	ck_assert_uint_eq(s.mem_entries, 0);
	cache_shutdown();
	start(1 << 20, dir);
	ck_assert_int_eq(cache_get(k, &got, &got_n), 0);
	ck_assert_uint_eq(got_n, n);
	ck_assert(memcmp(got, big, n) == 0);
	free(got);
	free(big);
	/* above the cap of one entry: refused by every layer */
	big = pattern(CACHE_MAX_ENTRY + 1, 8);
	key_of(22, k);
	ck_assert_int_eq(cache_put(k, big, CACHE_MAX_ENTRY + 1), -1);
	ck_assert_int_eq(cache_get(k, &got, &got_n), 1);
	free(big);
}
END_TEST

#define NTHR 4
#define PER_THR 150

static void *hammer(void *arg)
{
	int t = (int)(long)arg, i, j, bad = 0;
	char k[65], want[64], got[64];

	for (i = 0; i < PER_THR; i++) {
		key_of(5000 + t * PER_THR + i, k);
		snprintf(want, sizeof(want), "thread %d entry %d", t, i);
		if (cache_put(k, (const unsigned char *)want, strlen(want)) != 0)
			bad++;
		/* read back an entry of every thread that has written it already (or miss) */
		for (j = 0; j < NTHR; j++) {
			key_of(5000 + j * PER_THR + i / 2, k);
			snprintf(want, sizeof(want), "thread %d entry %d", j, i / 2);
			if (get_str(k, got, sizeof(got)) == 0 && strcmp(got, want))
				bad++;
		}
	}
	return (void *)(long)bad;
}

START_TEST(threads_put_and_get)
{
	pthread_t t[NTHR];
	struct cache_stats s;
	char k[65], want[64], got[64];
	void *bad;
	int i, j;

	start(0, dir);           /* every lookup goes to SQLite */
	for (i = 0; i < NTHR; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, (void *)(long)i), 0);
	for (i = 0; i < NTHR; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_int_eq((int)(long)bad, 0);
	}
	cache_stats(&s);
	ck_assert_uint_eq(s.disk_errors, 0);
	ck_assert_uint_eq(s.disk_entries, NTHR * PER_THR);
	for (i = 0; i < NTHR; i++)
		for (j = 0; j < PER_THR; j++) {
			key_of(5000 + i * PER_THR + j, k);
			snprintf(want, sizeof(want), "thread %d entry %d", i, j);
			ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
			ck_assert_str_eq(got, want);
		}
}
END_TEST

START_TEST(disk_bound_evicts_oldest)
{
	char k[65], got[64];
	unsigned char blob[1000];
	struct cache_stats s;
	int i;

	memset(blob, 'd', sizeof(blob));
	cache_set_disk_max(10000);
	start(0, dir);
	for (i = 0; i < 40; i++) {
		key_of(600 + i, k);
		ck_assert_int_eq(cache_put(k, blob, sizeof(blob)), 0);
	}
	cache_stats(&s);
	ck_assert_uint_le(s.disk_bytes, 10000);
	ck_assert_uint_ge(s.disk_evictions, 30);
	key_of(639, k);                  /* the newest is kept */
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	key_of(600, k);                  /* the oldest went */
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 1);
	cache_shutdown();
	start(0, dir);                   /* the count after a restart is the table's */
	cache_stats(&s);
	ck_assert_uint_le(s.disk_bytes, 10000);
	ck_assert_uint_eq(s.disk_bytes, s.disk_entries * sizeof(blob));
	cache_set_disk_max(0);
}
END_TEST

START_TEST(old_layout_imported_once)
{
	char k[65], got[64], path[400], cmd[600];
	struct cache_stats s;
	FILE *f;

	key_of(0xab, k);
	snprintf(path, sizeof(path), "%s/results/%.2s", dir, k);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/results/%.2s/%s", dir, k, k);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("from the file store", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/results/%.2s/.tmp.1.2", dir, k);  /* a torn temporary */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("half", f);
	fclose(f);
	start(0, dir);
	cache_stats(&s);
	ck_assert_uint_eq(s.imported, 1);
	ck_assert_uint_eq(s.stores, 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "from the file store");
	snprintf(path, sizeof(path), "%s/results", dir);
	ck_assert(!exists(path));
	snprintf(path, sizeof(path), "%s/results.imported", dir);
	ck_assert(exists(path));
	cache_shutdown();
	start(0, dir);
	cache_stats(&s);
	ck_assert_uint_eq(s.imported, 0);
	ck_assert_uint_eq(s.disk_entries, 1);
}
END_TEST

START_TEST(corrupt_database_moved_aside)
{
	char k[65], got[64], path[400];
	glob_t g;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "mkdir -p %s", dir);
	ck_assert_int_eq(system(path), 0);
	snprintf(path, sizeof(path), "%s/results.sqlite3", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 512; i++)
		fputs("this is not a database ", f);
	fclose(f);
	start(0, dir);
	key_of(31, k);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"fresh", 5), 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "fresh");
	snprintf(path, sizeof(path), "%s/results.sqlite3.corrupt-*", dir);
	ck_assert_int_eq(glob(path, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	globfree(&g);
}
END_TEST

/* --- Redis: a real redis-server on a free loopback port -------------------------------------- */

static pid_t redis_pid;
static int redis_port;

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int redis_start(void)
{
	char port[16], cmd[300];
	int i;

	if (system("command -v redis-server >/dev/null 2>&1") != 0)
		return -1;
	redis_port = free_port();
	snprintf(port, sizeof(port), "%d", redis_port);
	redis_pid = fork();
	ck_assert_int_ge(redis_pid, 0);
	if (redis_pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
		       "--save", "", "--appendonly", "no", "--dir", "/tmp", "--loglevel", "warning",
		       (char *)NULL);
		_exit(127);
	}
	snprintf(cmd, sizeof(cmd), "redis-cli -p %d ping 2>/dev/null | grep -q PONG", redis_port);
	for (i = 0; i < 100; i++) {
		if (system(cmd) == 0)
			return 0;
		usleep(50000);
	}
	ck_abort_msg("redis-server did not answer on port %d", redis_port);
	return -1;
}

static void redis_stop(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
}

START_TEST(redis_shared_between_stores)
{
	char k[65], k2[65], got[64], dir2[300], cmd[400];
	struct cache_stats s;
	int i;

	if (redis_start() < 0) {
		fprintf(stderr, "SKIP redis_shared_between_stores: redis-server not installed\n");
		return;
	}
	cache_set_redis("127.0.0.1", redis_port, 60, 1000);
	start(0, dir);                         /* replica A */
	key_of(77, k);
	ck_assert_int_eq(cache_put(k, (const unsigned char *)"shared", 6), 0);
	cache_stats(&s);
	ck_assert_uint_eq(s.redis_stores, 1);
	cache_shutdown();
	snprintf(dir2, sizeof(dir2), "%s-b", dir);
	start(0, dir2);                        /* replica B: its own, empty local store */
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "shared");
	cache_stats(&s);
	ck_assert_uint_eq(s.redis_hits, 1);
	ck_assert_uint_eq(s.disk_hits, 0);
	ck_assert_int_eq(get_str(k, got, sizeof(got)), 0);  /* promoted into B's store */
	cache_stats(&s);
	ck_assert_uint_eq(s.redis_hits, 1);
	ck_assert_uint_eq(s.disk_hits, 1);
	key_of(78, k2);
	ck_assert_int_eq(get_str(k2, got, sizeof(got)), 1);
	cache_stats(&s);
	ck_assert_uint_eq(s.redis_misses, 1);
	ck_assert_uint_eq(s.redis_errors, 0);

	/* Redis gone: lookups and stores go on locally, errors are counted, then skipped */
	redis_stop();
	ck_assert_int_eq(cache_put(k2, (const unsigned char *)"local", 5), 0);
	ck_assert_int_eq(get_str(k2, got, sizeof(got)), 0);
	ck_assert_str_eq(got, "local");
	for (i = 0; i < 5; i++) {
		key_of(80 + i, k2);
		ck_assert_int_eq(get_str(k2, got, sizeof(got)), 1);
	}
	cache_stats(&s);
	ck_assert_uint_ge(s.redis_errors, 1);
	ck_assert_uint_ge(s.redis_skips, 4);
	cache_shutdown();
	cache_set_redis(NULL, 0, 0, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir2);
	ck_assert_int_eq(system(cmd), 0);
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

	signal(SIGPIPE, SIG_IGN);   /* as the server: a write to a Redis that went away */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mem_hit_and_miss);
	tcase_add_test(tc, budget_evicts_least_recent);
	tcase_add_test(tc, restart_keeps_results);
	tcase_add_test(tc, mem_off_disk_only);
	tcase_add_test(tc, sqlite_put_get);
	tcase_add_test(tc, sqlite_many_survive_restart);
	tcase_add_test(tc, big_entries);
	tcase_add_test(tc, threads_put_and_get);
	tcase_add_test(tc, disk_bound_evicts_oldest);
	tcase_add_test(tc, old_layout_imported_once);
	tcase_add_test(tc, corrupt_database_moved_aside);
	tcase_add_test(tc, redis_shared_between_stores);
	tcase_add_test(tc, claims_compute_once);
	tcase_add_test(tc, failed_claim_lets_next_compute);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? 1 : 0;
}
