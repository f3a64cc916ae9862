/* once: compute a thing once per key in this process, the other callers wait (owner: helper
 * ppapay). The one helper behind the cache's in-flight claims (cache.c), the Verilator golden
 * model build (engine_verilator.c) and the Verilator testbench golden check
 * (engine_verilator_tb.c).
 *
 * A table holds the keys being computed now ("claims"); results live with the caller (a cache,
 * a file, a table of its own). The pattern:
 *     look the result up → miss → once_claim(t, key):
 *         0: the caller holds key: look up once more (it may have been stored meanwhile),
 *            compute, store, once_done(t, key) (also after a failure: stored nothing);
 *         1: another caller held key; this one waited until its once_done: look up again (a
 *            failed computation stored nothing: the next once_claim makes this caller compute).
 * once_try_claim never waits: 1 at once while another caller holds key.
 * A table made with ONCE_TABLE_INIT(1) "lends" while waiting: it calls the hooks set with
 * once_set_wait_hooks() around every wait (the scheduler lends the waiting worker's slot to
 * another task meanwhile). Keys are strings; at most ONCE_KEY_MAX - 1 bytes of one are used.
 * Out of memory, once_claim returns 0 without a claim (computed twice, never wrong).
 * Thread-safe; tables are static (no destructor).
 */
#ifndef RTLR_ONCE_H
#define RTLR_ONCE_H

#include <pthread.h>
#include <stdint.h>

#define ONCE_KEY_MAX 160

struct once_claim;
struct once_table {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct once_claim *held;
	int lend;        /* call the wait hooks around a wait */
	uint64_t waits;  /* once_claim calls that waited (under mu) */
};

#define ONCE_TABLE_INIT(lend_) \
	{PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, (lend_), 0}

int once_claim(struct once_table *t, const char *key);
int once_try_claim(struct once_table *t, const char *key);
void once_done(struct once_table *t, const char *key);
/* 1 while some caller holds key. */
int once_held(struct once_table *t, const char *key);
uint64_t once_waits(struct once_table *t);
/* For the lending tables; set once, before any claim. */
void once_set_wait_hooks(void (*begin)(void), void (*end)(void));

#endif
