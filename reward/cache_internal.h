/* cache_internal: what cache.c (memory LRU, in-flight claims, Redis, the public API) and
 * cache_disk.c (the SQLite store) share. Private to the cache. */
#ifndef RTLR_CACHE_INTERNAL_H
#define RTLR_CACHE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"

#define MAX_ENTRY CACHE_MAX_ENTRY

/* cache.c: whether key is 64 lowercase hex digits. */
int cache_valid_key(const char *key);

/* cache_disk.c: the store's path ("" when off), size bound and counters. */
extern char cache_db_path[1100];
extern pthread_once_t cache_db_key_once;
extern uint64_t cache_disk_max;
extern _Atomic uint64_t cache_d_bytes, cache_d_entries;
extern _Atomic uint64_t cache_n_hits, cache_n_misses, cache_n_stores, cache_n_devict, cache_n_derr,
	cache_n_imported;

/* The thread-specific key of each thread's connection (run under cache_db_key_once). */
void cache_db_key_make(void);
/* 0 with a malloc'd copy of the entry, 1 when absent or the store is off. */
int cache_disk_get(const char *key, unsigned char **data, size_t *len);
/* 0 when stored. */
int cache_disk_put(const char *key, const unsigned char *data, size_t len);
/* The background WAL checkpoint thread. */
void cache_ckpt_start(void);
void cache_ckpt_end(void);
/* Opens (creating) <dir>/results.sqlite3; -1 with err and *rc filled. */
int cache_disk_open(const char *dir, int *rc, char *err, size_t errlen);
/* Moves an unreadable database (and its WAL) aside; 0 when it did. */
int cache_disk_move_aside(void);
/* Closes every connection; keep_path: cache_db_path stays. */
void cache_disk_close(int keep_path);

#endif
