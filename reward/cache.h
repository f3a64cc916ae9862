/* cache: evidence of scored candidates, keyed by a 64-hex-digit key.
 *
 * Three layers, looked up in order:
 *   mem:   an in-memory LRU bounded by a byte budget (cache_set_mem_budget(), 0 disables it);
 *   disk:  a persistent local store, one SQLite database <dir>/results.sqlite3 (WAL,
 *          synchronous=NORMAL: a crash or kill -9 never leaves a torn entry, a power loss may
 *          lose the last transactions, never the database); one connection per thread.
 *          Optionally bounded (cache_set_disk_max()): the least recently used entries go.
 *          A store of the old layout (<dir>/results/<2 hex>/<key>) is imported once at start.
 *   redis: optional, shared by replicas (cache_set_redis()); every command has a timeout, and
 *          when Redis fails the layer is skipped for a second: a lookup never fails or waits
 *          longer than the timeout because of it. hiredis writes to its socket with write(2):
 *          a process using this layer must ignore SIGPIPE (the server does).
 * A hit in a lower layer is promoted into the layers above it (redis → disk and mem,
 * disk → mem). cache_put() writes every layer. cache_get() returns a malloc'd copy (caller
 * frees). Thread-safe.
 *
 * In-flight claims (this process only; replicas sharing Redis may compute a key twice):
 * cache_claim(key) makes the caller the one computing key; a second caller with the same key
 * blocks until the first calls cache_unclaim(key), then gets 1 and should look the key up again
 * (the first caller stored it, or failed and stored nothing, in which case the second computes
 * it itself). Call order: cache_get (miss) → cache_claim → (0: compute, cache_put,
 * cache_unclaim; 1: cache_get again).
 *
 * Order of calls: cache_set_*() → cache_init() → get/put/claim from any thread →
 * cache_shutdown() once no other thread uses the cache (it may be initialised again).
 */
#ifndef RTLR_CACHE_H
#define RTLR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define CACHE_MEM_DEFAULT (256u << 20)
#define CACHE_MAX_ENTRY (16u << 20)      /* bytes of one entry, every layer */
#define CACHE_REDIS_PREFIX "rtlr:v1:"

struct cache_stats {
	uint64_t mem_hits, mem_misses, mem_evictions, mem_bytes, mem_entries;
	uint64_t disk_hits, disk_misses, stores, dedup_waits;
	uint64_t group_hits; /* duplicates answered from an identical candidate of their group */
	uint64_t disk_bytes, disk_entries, disk_evictions, disk_errors, imported;
	uint64_t redis_hits, redis_misses, redis_stores, redis_errors, redis_skips;
	int redis_on;
};

/* Before cache_init(); bytes of entries the LRU keeps (default CACHE_MEM_DEFAULT). */
void cache_set_mem_budget(size_t bytes);
/* Before cache_init(); bytes of entry data the local store keeps (0: no bound). */
void cache_set_disk_max(uint64_t bytes);
/* Before cache_init(); host NULL or "" turns the layer off. ttl_s: SET ... EX ttl_s;
 * timeout_ms: connect and each command. */
void cache_set_redis(const char *host, int port, long long ttl_s, int timeout_ms);
int cache_init(const char *dir, char *err, size_t errlen);
void cache_shutdown(void);
int cache_get(const char *key, unsigned char **data, size_t *len);   /* 0 hit, 1 miss */
int cache_put(const char *key, const unsigned char *data, size_t len);
/* 0: the caller computes key; 1: another caller computed it meanwhile (look up again). */
int cache_claim(const char *key);
/* Like cache_claim but never waits: 1 when another caller holds key now (a group defers that
 * candidate until its own claims are released, so two groups never wait on each other). */
int cache_try_claim(const char *key);
void cache_unclaim(const char *key);
/* A duplicate inside a group was answered from its twin's run (counted as a hit of layer
 * "group" in /metrics: every cached answer is one hit of one layer). */
void cache_note_group_hit(void);
void cache_stats(struct cache_stats *s);
/* Called by cache_claim() around its wait for an identical key in flight (the scheduler lends
 * the waiting task's slot to another task meanwhile). Set once, before any claim. */
void cache_set_wait_hooks(void (*begin)(void), void (*end)(void));

#endif
