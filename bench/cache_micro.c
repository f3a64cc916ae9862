/* cache_micro DIR [REDIS_PORT]: latency of reward/cache.c's layers, as a scoring worker sees it.
 * Built and run by bench/bench_cache.py against build/librtlr.a.
 *
 * 1. cache_put into SQLite (LRU off) from NTHR threads at once, ENTRY bytes each;
 * 2. cache_get hits from SQLite (LRU off), from NTHR threads;
 * 2b. cache_get hits from SQLite on one thread while the other thread writes new entries;
 * 3. cache_get hits from the LRU;
 * 4. with REDIS_PORT: puts and hits through Redis only (no local store, LRU off).
 * Prints one line per measurement: name, count, p50, p99, max in microseconds. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"

#define NTHR 2
#define PER 2000
#define ENTRY 1500

static double lat[NTHR][PER];
static int mode, base;           /* 0 put, 1 get, 2 thread 0 puts new keys, the others get */
static unsigned char blob[ENTRY];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void *worker(void *arg)
{
	int t = (int)(long)arg, i;
	char key[65];

	for (i = 0; i < PER; i++) {
		unsigned char *d;
		size_t n;
		double t0;

		snprintf(key, sizeof(key), "%064x", base + t * PER + i);
		if (mode == 2 && t == 0)
			snprintf(key, sizeof(key), "%064x", (1 << 22) + i);
		t0 = now_us();
		if (mode == 0 || (mode == 2 && t == 0)) {
			if (cache_put(key, blob, sizeof(blob)) != 0)
				abort();
		} else {
			if (cache_get(key, &d, &n) != 0)
				abort();
			free(d);
		}
		lat[t][i] = now_us() - t0;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *name, int m)
{
	pthread_t th[NTHR];
	static double all[NTHR * PER];
	size_t n = NTHR * PER;
	int i;

	mode = m;
	for (i = 0; i < NTHR; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < NTHR; i++)
		pthread_join(th[i], NULL);
	memcpy(all, lat, sizeof(all));
	if (m == 2) {               /* the readers' latencies only */
		memcpy(all, lat[1], sizeof(lat[0]) * (NTHR - 1));
		n = (NTHR - 1) * PER;
	}
	qsort(all, n, sizeof(all[0]), cmp);
	printf("%s n=%zu p50=%.1f p99=%.1f max=%.1f us\n", name, n, all[n / 2],
	       all[(size_t)(n * 0.99)], all[n - 1]);
	fflush(stdout);
}

static void init(const char *dir, size_t mem, const char *rhost, int rport)
{
	char err[512];

	cache_set_mem_budget(mem);
	cache_set_redis(rhost, rport, 600, 1000);
	if (cache_init(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "cache_init: %s\n", err);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 7);
	init(argv[1], 0, NULL, 0);
	base = 0;
	run("sqlite put", 0);
	run("sqlite hit", 1);
	run("sqlite hit while the other thread writes", 2);
	cache_shutdown();
	init(argv[1], 256u << 20, NULL, 0);
	run("sqlite hit (promoting into the LRU)", 1);
	run("mem hit", 1);
	cache_shutdown();
	if (argc > 2) {
		init("", 0, "127.0.0.1", (int)strtol(argv[2], NULL, 10));
		base = 1 << 20;
		run("redis put", 0);
		run("redis hit", 1);
		cache_shutdown();
	}
	return 0;
}
