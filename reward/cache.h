/* cache: evidence of scored candidates, keyed by a 64-hex-digit key.
 *
 * Two layers, looked up in order:
 *   mem:  an in-memory LRU bounded by a byte budget (cache_set_mem_budget(), 0 disables it);
 *   disk: a persistent local store, one file per key under <dir>/results/<2 hex>/<key>, written
 *         to a temporary name and renamed, so a crash never leaves a torn entry and a restart
 *         keeps every result. A disk hit is promoted into the LRU.
 * cache_get() returns a malloc'd copy (caller frees). Thread-safe.
 *
 * In-flight claims: cache_claim(key) makes the caller the one computing key; a second caller
 * with the same key blocks until the first calls cache_unclaim(key), then gets 1 and should
 * look the key up again (the first caller stored it, or failed and stored nothing, in which
 * case the second computes it itself). Call order: cache_get (miss) → cache_claim → (0: compute,
 * cache_put, cache_unclaim; 1: cache_get again).
 */
#ifndef RTLR_CACHE_H
#define RTLR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define CACHE_MEM_DEFAULT (256u << 20)

struct cache_stats {
	uint64_t mem_hits, mem_misses, mem_evictions, mem_bytes, mem_entries;
	uint64_t disk_hits, disk_misses, stores, dedup_waits;
};

/* Before cache_init(); bytes of entries the LRU keeps (default CACHE_MEM_DEFAULT). */
void cache_set_mem_budget(size_t bytes);
int cache_init(const char *dir, char *err, size_t errlen);
void cache_shutdown(void);
int cache_get(const char *key, unsigned char **data, size_t *len);   /* 0 hit, 1 miss */
int cache_put(const char *key, const unsigned char *data, size_t len);
/* 0: the caller computes key; 1: another caller computed it meanwhile (look up again). */
int cache_claim(const char *key);
void cache_unclaim(const char *key);
void cache_stats(struct cache_stats *s);

#endif
