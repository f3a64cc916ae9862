/* cache: evidence of scored candidates, keyed by a 64-hex-digit key.
 *
 * A persistent local store: one file per key under <dir>/results/<2 hex>/<key>, written to a
 * temporary name and renamed, so a crash never leaves a torn entry and a restart keeps every
 * result. cache_get() returns a malloc'd copy (caller frees). Thread-safe.
 */
#ifndef RTLR_CACHE_H
#define RTLR_CACHE_H

#include <stddef.h>
#include <stdint.h>

int cache_init(const char *dir, char *err, size_t errlen);
void cache_shutdown(void);
int cache_get(const char *key, unsigned char **data, size_t *len);   /* 0 hit, 1 miss */
int cache_put(const char *key, const unsigned char *data, size_t len);
void cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *stores);

#endif
