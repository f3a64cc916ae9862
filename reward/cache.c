#include "cache.h"
#include "cache_internal.h"
#include "fsutil.h"
#include "once.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint64_t n_dedup, n_group_hits;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cache_valid_key(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	return i == 64;
}

/* --- mem: LRU with a byte budget ------------------------------------------------------------ */

#define MEM_BUCKETS 65536u
#define MEM_OVERHEAD 128u      /* bytes counted per entry on top of its data */

struct ment {
	char key[65];
	unsigned char *data;
	size_t len;
	struct ment *hnext;            /* bucket chain */
	struct ment *prev, *next;      /* LRU list: head most recent */
};

static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ment **mem_tab;
static struct ment *lru_head, *lru_tail;
static size_t mem_budget = CACHE_MEM_DEFAULT, mem_used, mem_count;
static uint64_t m_hits, m_misses, m_evict;

static unsigned bucket_of(const char *key)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < 16 && key[i]; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h % MEM_BUCKETS;
}

static void lru_unlink(struct ment *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct ment *e)
{
	e->prev = NULL;
	e->next = lru_head;
	if (lru_head)
		lru_head->prev = e;
	lru_head = e;
	if (!lru_tail)
		lru_tail = e;
}

static struct ment **mem_find(const char *key)
{
	struct ment **pp = &mem_tab[bucket_of(key)];

	while (*pp && strcmp((*pp)->key, key))
		pp = &(*pp)->hnext;
	return pp;
}

/* Under mem_mu. */
static void mem_drop(struct ment **pp)
{
	struct ment *e = *pp;

	*pp = e->hnext;
	lru_unlink(e);
	mem_used -= e->len + MEM_OVERHEAD;
	mem_count--;
	free(e->data);
	free(e);
}

static int mem_get(const char *key, unsigned char **data, size_t *len)
{
	struct ment **pp, *e;
	unsigned char *p;
	int ret = 1;

	if (!mem_tab)
		return 1;
	pthread_mutex_lock(&mem_mu);
	pp = mem_find(key);
	e = *pp;
	if (e && (p = malloc(e->len ? e->len : 1))) {
		memcpy(p, e->data, e->len);
		*data = p;
		*len = e->len;
		lru_unlink(e);
		lru_push(e);
		m_hits++;
		ret = 0;
	} else {
		m_misses++;
	}
	pthread_mutex_unlock(&mem_mu);
	return ret;
}

static void mem_put(const char *key, const unsigned char *data, size_t len)
{
	struct ment **pp, *e;

	if (!mem_tab || len + MEM_OVERHEAD > mem_budget)
		return;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->data = malloc(len ? len : 1))) {
		free(e);
		return;
	}
	memcpy(e->data, data, len);
	e->len = len;
	snprintf(e->key, sizeof(e->key), "%s", key);
	pthread_mutex_lock(&mem_mu);
	pp = mem_find(key);
	if (*pp)
		mem_drop(pp);
	while (lru_tail && mem_used + len + MEM_OVERHEAD > mem_budget) {
		mem_drop(mem_find(lru_tail->key));
		m_evict++;
	}
	pp = &mem_tab[bucket_of(key)];
	e->hnext = *pp;
	*pp = e;
	lru_push(e);
	mem_used += len + MEM_OVERHEAD;
	mem_count++;
	pthread_mutex_unlock(&mem_mu);
}

/* --- in-flight claims (once.h) ---------------------------------------------------------------- */

static struct once_table claims = ONCE_TABLE_INIT(1);

void cache_set_wait_hooks(void (*begin)(void), void (*end)(void))
{
	once_set_wait_hooks(begin, end);
}

int cache_claim(const char *key)
{
	if (once_claim(&claims, key) == 0)
		return 0;
	atomic_fetch_add(&n_dedup, 1);
	return 1;
}

int cache_try_claim(const char *key)
{
	return once_try_claim(&claims, key);
}

void cache_unclaim(const char *key)
{
	once_done(&claims, key);
}

/* --- redis: optional, shared by replicas ----------------------------------------------------- */

#define REDIS_POOL 8             /* connections; a thread takes a free one, else waits for one */
#define REDIS_BACKOFF_MS 1000    /* after a failure the layer is skipped this long */
#define REDIS_LOG_MS 10000       /* at most one log line about Redis failing per interval */

struct rslot {
	pthread_mutex_t mu;
	redisContext *c;
	unsigned epoch;          /* r_epoch when c connected */
};

static struct rslot rpool[REDIS_POOL];
static pthread_once_t rpool_once = PTHREAD_ONCE_INIT;
static char r_host[256];
static int r_port, r_timeout_ms = 50, r_on;
static long long r_ttl = 7 * 24 * 3600;
static _Atomic int64_t r_down_until, r_last_log;
static atomic_int r_failing;
static _Atomic unsigned r_next;
static _Atomic unsigned r_epoch;  /* bumped by every failure: older connections are replaced */
static _Atomic uint64_t r_hits, r_misses, r_stores, r_errs, r_skips;

static void rpool_make(void)
{
	size_t i;

	for (i = 0; i < REDIS_POOL; i++)
		pthread_mutex_init(&rpool[i].mu, NULL);
}

void cache_set_redis(const char *host, int port, long long ttl_s, int timeout_ms)
{
	snprintf(r_host, sizeof(r_host), "%s", host ? host : "");
	r_port = port;
	r_ttl = ttl_s > 0 ? ttl_s : 1;
	r_timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
}

static struct rslot *rslot_take(void)
{
	unsigned start = atomic_fetch_add(&r_next, 1), i;

	for (i = 0; i < REDIS_POOL; i++)
		if (pthread_mutex_trylock(&rpool[(start + i) % REDIS_POOL].mu) == 0)
			return &rpool[(start + i) % REDIS_POOL];
	pthread_mutex_lock(&rpool[start % REDIS_POOL].mu);
	return &rpool[start % REDIS_POOL];
}

/* Under s->mu: drops the connection, skips the layer for REDIS_BACKOFF_MS, logs at most once
 * per REDIS_LOG_MS. */
static void redis_fail(struct rslot *s, const char *why)
{
	int64_t now = now_ms(), last = atomic_load(&r_last_log);
	uint64_t n = atomic_fetch_add(&r_errs, 1) + 1;

	if (s->c) {
		redisFree(s->c);
		s->c = NULL;
	}
	atomic_fetch_add(&r_epoch, 1);
	atomic_store(&r_down_until, now + REDIS_BACKOFF_MS);
	atomic_store(&r_failing, 1);
	if (now - last >= REDIS_LOG_MS && atomic_compare_exchange_strong(&r_last_log, &last, now))
		fprintf(stderr, "rtlreward: cache: redis %s:%d: %s; going on without it (retried "
			"after %d ms; %llu errors so far)\n", r_host, r_port, why, REDIS_BACKOFF_MS,
			(unsigned long long)n);
}

static void redis_ok(void)
{
	if (atomic_exchange(&r_failing, 0))
		fprintf(stderr, "rtlreward: cache: redis %s:%d reachable again\n", r_host, r_port);
}

/* A slot with a live connection (locked; release with pthread_mutex_unlock), or NULL when the
 * layer is off, backing off, or the connection failed. */
static struct rslot *redis_conn(void)
{
	struct timeval tv = {r_timeout_ms / 1000, (r_timeout_ms % 1000) * 1000};
	struct rslot *s;

	if (!r_on)
		return NULL;
	if (now_ms() < atomic_load(&r_down_until)) {
		atomic_fetch_add(&r_skips, 1);
		return NULL;
	}
	s = rslot_take();
	if (s->c && s->epoch != atomic_load(&r_epoch)) {
		/* connected before a failure (Redis may have restarted since): a fresh one */
		redisFree(s->c);
		s->c = NULL;
	}
	if (!s->c) {
		s->epoch = atomic_load(&r_epoch);
		s->c = redisConnectWithTimeout(r_host, r_port, tv);
		if (!s->c || s->c->err) {
			char why[200];
			snprintf(why, sizeof(why), "connect: %s", s->c ? s->c->errstr : "out of memory");
			redis_fail(s, why);
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		if (redisSetTimeout(s->c, tv) != REDIS_OK) {
			redis_fail(s, "setting the timeout failed");
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		redisEnableKeepAlive(s->c);
	}
	return s;
}

/* Under s->mu: the reply, or NULL after redis_fail(). An error reply is counted, logged, and
 * keeps the connection. */
static redisReply *redis_check(struct rslot *s, redisReply *r)
{
	char why[200];

	if (!r) {
		snprintf(why, sizeof(why), "%s", s->c->errstr[0] ? s->c->errstr : "no reply");
		redis_fail(s, why);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "error reply: %.150s", r->str ? r->str : "");
		freeReplyObject(r);
		redis_fail(s, why);
		return NULL;
	}
	redis_ok();
	return r;
}

static int redis_get(const char *key, unsigned char **data, size_t *len)
{
	struct rslot *s = redis_conn();
	redisReply *r;
	int ret = 1;

	if (!s)
		return 1;
	r = redis_check(s, redisCommand(s->c, "GET " CACHE_REDIS_PREFIX "%s", key));
	if (r && r->type == REDIS_REPLY_STRING && r->len > 0 && (size_t)r->len <= MAX_ENTRY &&
	    (*data = malloc((size_t)r->len))) {
		memcpy(*data, r->str, (size_t)r->len);
		*len = (size_t)r->len;
		ret = 0;
	}
	if (r)
		atomic_fetch_add(ret ? &r_misses : &r_hits, 1);
	if (r)
		freeReplyObject(r);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int redis_put(const char *key, const unsigned char *data, size_t len)
{
	struct rslot *s = redis_conn();
	redisReply *r;

	if (!s)
		return -1;
	r = redis_check(s, redisCommand(s->c, "SET " CACHE_REDIS_PREFIX "%s %b EX %lld", key,
					 (const char *)data, len, r_ttl));
	if (r) {
		atomic_fetch_add(&r_stores, 1);
		freeReplyObject(r);
	}
	pthread_mutex_unlock(&s->mu);
	return r ? 0 : -1;
}

static void redis_close(void)
{
	size_t i;

	for (i = 0; i < REDIS_POOL; i++) {
		pthread_mutex_lock(&rpool[i].mu);
		if (rpool[i].c)
			redisFree(rpool[i].c);
		rpool[i].c = NULL;
		pthread_mutex_unlock(&rpool[i].mu);
	}
	r_on = 0;
	atomic_store(&r_down_until, 0);
	atomic_store(&r_failing, 0);
}

void cache_set_mem_budget(size_t bytes)
{
	mem_budget = bytes;
}

void cache_set_disk_max(uint64_t bytes)
{
	cache_disk_max = bytes;
}

int cache_init(const char *dir, char *err, size_t errlen)
{
	int rc = SQLITE_OK;

	pthread_once(&cache_db_key_once, cache_db_key_make);
	pthread_once(&rpool_once, rpool_make);
	if (mem_budget && !mem_tab) {
		mem_tab = calloc(MEM_BUCKETS, sizeof(*mem_tab));
		if (!mem_tab) {
			snprintf(err, errlen, "cache: out of memory");
			return -1;
		}
	}
	r_on = r_host[0] != '\0';
	if (r_on)
		fprintf(stderr, "rtlreward: cache: redis %s:%d, key prefix " CACHE_REDIS_PREFIX
			", ttl %lld s, timeout %d ms\n", r_host, r_port, r_ttl, r_timeout_ms);
	if (!dir || !dir[0]) {
		cache_db_path[0] = '\0';
		return 0;
	}
	if (!sqlite3_threadsafe()) {
		snprintf(err, errlen, "cache: this SQLite library was built without thread support");
		return -1;
	}
	if (mkdir_p(dir) < 0) {
		snprintf(err, errlen, "cache directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (cache_disk_open(dir, &rc, err, errlen) == 0)
		goto opened;
	cache_disk_close(1);
	if ((rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB) {
		cache_db_path[0] = '\0';
		return -1;
	}
	/* an unreadable database is kept for inspection, and the server starts with an empty one */
	fprintf(stderr, "rtlreward: cache: %s; moving it aside to %s.corrupt-*, starting empty\n",
		err, cache_db_path);
	if (cache_disk_move_aside() < 0) {
		snprintf(err, errlen, "cache database %s: unreadable, and moving it aside failed: %s",
			 cache_db_path, strerror(errno));
		cache_db_path[0] = '\0';
		return -1;
	}
	if (cache_disk_open(dir, &rc, err, errlen) < 0) {
		cache_disk_close(0);
		return -1;
	}
opened:
	cache_ckpt_start();
	fprintf(stderr, "rtlreward: cache: %s: %llu entries, %llu bytes of results%s\n", cache_db_path,
		(unsigned long long)atomic_load(&cache_d_entries), (unsigned long long)atomic_load(&cache_d_bytes),
		cache_disk_max ? "" : " (no bound)");
	return 0;
}

void cache_shutdown(void)
{
	size_t i;

	cache_ckpt_end();
	cache_disk_close(0);
	redis_close();
	if (mem_tab) {
		pthread_mutex_lock(&mem_mu);
		for (i = 0; i < MEM_BUCKETS; i++)
			while (mem_tab[i])
				mem_drop(&mem_tab[i]);
		free(mem_tab);
		mem_tab = NULL;
		m_hits = m_misses = m_evict = 0;
		pthread_mutex_unlock(&mem_mu);
	}
	atomic_store(&cache_n_hits, 0);
	atomic_store(&cache_n_misses, 0);
	atomic_store(&cache_n_stores, 0);
	atomic_store(&cache_n_devict, 0);
	atomic_store(&cache_n_derr, 0);
	atomic_store(&cache_n_imported, 0);
	atomic_store(&cache_d_bytes, 0);
	atomic_store(&cache_d_entries, 0);
	atomic_store(&n_dedup, 0);
	atomic_store(&r_hits, 0);
	atomic_store(&r_misses, 0);
	atomic_store(&r_stores, 0);
	atomic_store(&r_errs, 0);
	atomic_store(&r_skips, 0);
}

int cache_get(const char *key, unsigned char **data, size_t *len)
{
	if (!cache_valid_key(key))
		return 1;
	if (mem_get(key, data, len) == 0)
		return 0;
	if (cache_disk_get(key, data, len) == 0) {
		mem_put(key, *data, *len);
		return 0;
	}
	if (redis_get(key, data, len) == 0) {
		mem_put(key, *data, *len);
		cache_disk_put(key, *data, *len);
		return 0;
	}
	return 1;
}

int cache_put(const char *key, const unsigned char *data, size_t len)
{
	int stored = 0;

	if (!cache_valid_key(key) || len > MAX_ENTRY)
		return -1;
	if (mem_tab && len + MEM_OVERHEAD <= mem_budget) {
		mem_put(key, data, len);
		stored = 1;
	}
	if (cache_disk_put(key, data, len) == 0)
		stored = 1;
	if (redis_put(key, data, len) == 0)
		stored = 1;
	return stored ? 0 : -1;
}

void cache_note_group_hit(void)
{
	atomic_fetch_add(&n_group_hits, 1);
}

void cache_stats(struct cache_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&mem_mu);
	s->mem_hits = m_hits;
	s->mem_misses = m_misses;
	s->mem_evictions = m_evict;
	s->mem_bytes = mem_used;
	s->mem_entries = mem_count;
	pthread_mutex_unlock(&mem_mu);
	s->disk_hits = atomic_load(&cache_n_hits);
	s->disk_misses = atomic_load(&cache_n_misses);
	s->stores = atomic_load(&cache_n_stores);
	s->dedup_waits = atomic_load(&n_dedup);
	s->group_hits = atomic_load(&n_group_hits);
	s->disk_bytes = atomic_load(&cache_d_bytes);
	s->disk_entries = atomic_load(&cache_d_entries);
	s->disk_evictions = atomic_load(&cache_n_devict);
	s->disk_errors = atomic_load(&cache_n_derr);
	s->imported = atomic_load(&cache_n_imported);
	s->redis_hits = atomic_load(&r_hits);
	s->redis_misses = atomic_load(&r_misses);
	s->redis_stores = atomic_load(&r_stores);
	s->redis_errors = atomic_load(&r_errs);
	s->redis_skips = atomic_load(&r_skips);
	s->redis_on = r_on;
}
