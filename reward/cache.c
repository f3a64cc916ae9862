#include "cache.h"
#include "fsutil.h"

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

#define MAX_ENTRY CACHE_MAX_ENTRY

static _Atomic uint64_t n_dedup;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int valid_key(const char *key)
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

/* --- in-flight claims ------------------------------------------------------------------------ */

struct claim {
	char key[65];
	struct claim *next;
};

static pthread_mutex_t cl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cl_cv = PTHREAD_COND_INITIALIZER;
static struct claim *claims;

static struct claim **claim_find(const char *key)
{
	struct claim **pp = &claims;

	while (*pp && strcmp((*pp)->key, key))
		pp = &(*pp)->next;
	return pp;
}

static void (*hook_begin)(void), (*hook_end)(void);

void cache_set_wait_hooks(void (*begin)(void), void (*end)(void))
{
	hook_begin = begin;
	hook_end = end;
}

int cache_claim(const char *key)
{
	struct claim *c;

	pthread_mutex_lock(&cl_mu);
	if (*claim_find(key)) {
		pthread_mutex_unlock(&cl_mu);
		if (hook_begin)
			hook_begin();
		pthread_mutex_lock(&cl_mu);
		while (*claim_find(key))
			pthread_cond_wait(&cl_cv, &cl_mu);
		pthread_mutex_unlock(&cl_mu);
		if (hook_end)
			hook_end();
		atomic_fetch_add(&n_dedup, 1);
		return 1;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		/* out of memory: compute without a claim (correct, only not deduplicated) */
		snprintf(c->key, sizeof(c->key), "%s", key);
		c->next = claims;
		claims = c;
	}
	pthread_mutex_unlock(&cl_mu);
	return 0;
}

void cache_unclaim(const char *key)
{
	struct claim **pp, *c;

	pthread_mutex_lock(&cl_mu);
	pp = claim_find(key);
	c = *pp;
	if (c) {
		*pp = c->next;
		free(c);
	}
	pthread_cond_broadcast(&cl_cv);
	pthread_mutex_unlock(&cl_mu);
}

/* --- disk: one SQLite database, one connection per thread ------------------------------------ */

#define DB_NAME "results.sqlite3"
#define DB_SCHEMA 1
#define DB_BUSY_MS 2000          /* a writer waits this long for another writer's transaction */
#define TOUCH_AFTER_S 3600       /* a disk hit refreshes last_used when it is older than this */
#define EVICT_BATCH 64           /* entries one eviction transaction deletes at most */
#define CKPT_MS 1000             /* the background checkpoint runs this often after writes */
#define AUTOCKPT_PAGES 20000     /* a writer checkpoints itself only when the WAL is this big */

struct dbc {
	sqlite3 *db;
	sqlite3_stmt *get, *ins, *upd, *touch, *oldest, *del;
	struct dbc *next;
};

/* A thread's connection and the store generation it was opened for: cache_shutdown() closes
 * every connection and bumps the generation, so a stale holder is never used. */
struct dbc_holder {
	struct dbc *c;
	unsigned gen;
};

static char db_path[1100];
static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;   /* dbc_all, db_gen */
static struct dbc *dbc_all;
static _Atomic unsigned db_gen = 1;
static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;
static uint64_t disk_max;
static _Atomic uint64_t d_bytes, d_entries;
static _Atomic uint64_t n_hits, n_misses, n_stores, n_devict, n_derr, n_imported;
static atomic_int evicting;
/* Writers of this process take turns on w_mu rather than in SQLite's busy handler, which
 * sleeps a millisecond or more per retry; other processes on the same file still meet the
 * busy timeout. */
static pthread_mutex_t w_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t w_since_ckpt;
/* The WAL is copied into the database by a thread of its own (PASSIVE: it never blocks a
 * writer), so that no scoring worker pays for the checkpoint's fsync. */
static pthread_t ckpt_thr;
static int ckpt_running, ckpt_stop;
static pthread_mutex_t ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ckpt_cv = PTHREAD_COND_INITIALIZER;

static void dbc_close(struct dbc *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->get);
	sqlite3_finalize(c->ins);
	sqlite3_finalize(c->upd);
	sqlite3_finalize(c->touch);
	sqlite3_finalize(c->oldest);
	sqlite3_finalize(c->del);
	sqlite3_close_v2(c->db);
	free(c);
}

static void holder_free(void *p)
{
	struct dbc_holder *h = p;
	struct dbc **pp;

	pthread_mutex_lock(&db_mu);
	if (h->c && h->gen == atomic_load(&db_gen)) {
		for (pp = &dbc_all; *pp; pp = &(*pp)->next)
			if (*pp == h->c) {
				*pp = h->c->next;
				dbc_close(h->c);
				break;
			}
	}
	pthread_mutex_unlock(&db_mu);
	free(h);
}

static void db_key_make(void)
{
	pthread_key_create(&db_key, holder_free);
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* A new connection with its statements; NULL with err filled. */
static struct dbc *dbc_open(int *rc_out, char *err, size_t errlen)
{
	struct dbc *c = calloc(1, sizeof(*c));
	int rc = SQLITE_NOMEM;

	if (!c)
		goto fail;
	rc = sqlite3_open_v2(db_path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(c->db, DB_BUSY_MS);
	rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_wal_autocheckpoint(c->db, AUTOCKPT_PAGES);
	if ((rc = prep(c->db, "SELECT data, last_used FROM results WHERE key = ?1", &c->get)) ||
	    (rc = prep(c->db, "INSERT OR IGNORE INTO results(key, data, size, created, last_used) "
		       "VALUES (?1, ?2, ?3, ?4, ?4)", &c->ins)) ||
	    (rc = prep(c->db, "UPDATE results SET data = ?2, size = ?3, last_used = ?4 WHERE key = ?1",
		       &c->upd)) ||
	    (rc = prep(c->db, "UPDATE results SET last_used = ?2 WHERE key = ?1", &c->touch)) ||
	    (rc = prep(c->db, "SELECT key, size FROM results ORDER BY last_used LIMIT ?1", &c->oldest)) ||
	    (rc = prep(c->db, "DELETE FROM results WHERE key = ?1", &c->del)))
		goto fail;
	return c;
fail:
	snprintf(err, errlen, "cache database %s: %s", db_path,
		 c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	*rc_out = rc;
	dbc_close(c);
	return NULL;
}

/* The calling thread's connection, opened on first use; NULL when the store is off or the
 * database cannot be opened (counted as a disk error; err and *rc say why). */
static struct dbc *dbc_get_err(int *rc, char *err, size_t errlen)
{
	struct dbc_holder *h;
	unsigned gen = atomic_load(&db_gen);

	if (!db_path[0])
		return NULL;
	h = pthread_getspecific(db_key);
	if (h && h->gen == gen && h->c)
		return h->c;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h || pthread_setspecific(db_key, h)) {
			free(h);
			atomic_fetch_add(&n_derr, 1);
			*rc = SQLITE_NOMEM;
			snprintf(err, errlen, "cache: out of memory");
			return NULL;
		}
	}
	h->c = dbc_open(rc, err, errlen);
	h->gen = gen;
	if (!h->c) {
		atomic_fetch_add(&n_derr, 1);
		return NULL;
	}
	pthread_mutex_lock(&db_mu);
	h->c->next = dbc_all;
	dbc_all = h->c;
	pthread_mutex_unlock(&db_mu);
	return h->c;
}

static struct dbc *dbc_get(void)
{
	char err[256];
	int rc;

	return dbc_get_err(&rc, err, sizeof(err));
}

static void st_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int disk_get(const char *key, unsigned char **data, size_t *len)
{
	struct dbc *c = dbc_get();
	unsigned char *p = NULL;
	sqlite3_int64 last = 0;
	int rc, n = 0;

	if (!c)
		return 1;
	sqlite3_bind_text(c->get, 1, key, 64, SQLITE_STATIC);
	rc = sqlite3_step(c->get);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(c->get, 0);
		if (n > 0 && (unsigned)n <= MAX_ENTRY && (p = malloc((size_t)n)))
			memcpy(p, sqlite3_column_blob(c->get, 0), (size_t)n);
		last = sqlite3_column_int64(c->get, 1);
	} else if (rc != SQLITE_DONE) {
		atomic_fetch_add(&n_derr, 1);
	}
	st_done(c->get);
	if (!p) {
		atomic_fetch_add(&n_misses, 1);
		return 1;
	}
	*data = p;
	*len = (size_t)n;
	atomic_fetch_add(&n_hits, 1);
	if (disk_max && time(NULL) - last > TOUCH_AFTER_S) {
		sqlite3_bind_text(c->touch, 1, key, 64, SQLITE_STATIC);
		sqlite3_bind_int64(c->touch, 2, (sqlite3_int64)time(NULL));
		pthread_mutex_lock(&w_mu);
		if (sqlite3_step(c->touch) != SQLITE_DONE)
			atomic_fetch_add(&n_derr, 1);
		st_done(c->touch);
		pthread_mutex_unlock(&w_mu);
	}
	return 0;
}

/* Deletes the least recently used entries, one short transaction of at most EVICT_BATCH,
 * while the store holds more than 90% of disk_max. One thread at a time. */
static void disk_evict(struct dbc *c)
{
	char keys[EVICT_BATCH][65];
	sqlite3_int64 sizes[EVICT_BATCH];
	int n = 0, i;

	if (atomic_exchange(&evicting, 1))
		return;
	pthread_mutex_lock(&w_mu);
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int(c->oldest, 1, EVICT_BATCH);
	while (n < EVICT_BATCH && sqlite3_step(c->oldest) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(c->oldest, 0);
		snprintf(keys[n], sizeof(keys[n]), "%s", k ? (const char *)k : "");
		sizes[n++] = sqlite3_column_int64(c->oldest, 1);
	}
	st_done(c->oldest);
	for (i = 0; i < n && atomic_load(&d_bytes) > disk_max / 10 * 9; i++) {
		sqlite3_bind_text(c->del, 1, keys[i], -1, SQLITE_STATIC);
		if (sqlite3_step(c->del) == SQLITE_DONE && sqlite3_changes(c->db) == 1) {
			atomic_fetch_sub(&d_bytes, (uint64_t)sizes[i]);
			atomic_fetch_sub(&d_entries, 1);
			atomic_fetch_add(&n_devict, 1);
		}
		st_done(c->del);
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		atomic_fetch_add(&n_derr, 1);
	}
out:
	pthread_mutex_unlock(&w_mu);
	atomic_store(&evicting, 0);
}

static int disk_put(const char *key, const unsigned char *data, size_t len)
{
	struct dbc *c = dbc_get();
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	int rc, added;

	if (!c || len > MAX_ENTRY)
		return -1;
	sqlite3_bind_text(c->ins, 1, key, 64, SQLITE_STATIC);
	sqlite3_bind_blob(c->ins, 2, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(c->ins, 3, (sqlite3_int64)len);
	sqlite3_bind_int64(c->ins, 4, now);
	pthread_mutex_lock(&w_mu);
	rc = sqlite3_step(c->ins);
	added = rc == SQLITE_DONE && sqlite3_changes(c->db) == 1;
	st_done(c->ins);
	if (rc == SQLITE_DONE && !added) {
		/* the key is there already (an entry the pipeline could not use): replace it */
		sqlite3_bind_text(c->upd, 1, key, 64, SQLITE_STATIC);
		sqlite3_bind_blob(c->upd, 2, data, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(c->upd, 3, (sqlite3_int64)len);
		sqlite3_bind_int64(c->upd, 4, now);
		rc = sqlite3_step(c->upd);
		st_done(c->upd);
	}
	pthread_mutex_unlock(&w_mu);
	atomic_fetch_add(&w_since_ckpt, 1);
	if (rc != SQLITE_DONE) {
		atomic_fetch_add(&n_derr, 1);
		return -1;
	}
	atomic_fetch_add(&n_stores, 1);
	if (added) {
		atomic_fetch_add(&d_bytes, len);
		atomic_fetch_add(&d_entries, 1);
	}
	if (disk_max && atomic_load(&d_bytes) > disk_max)
		disk_evict(c);
	return 0;
}

static void *ckpt_main(void *arg)
{
	struct timespec ts;
	struct dbc *c;

	(void)arg;
	pthread_mutex_lock(&ckpt_mu);
	while (!ckpt_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += CKPT_MS / 1000;
		ts.tv_nsec += (CKPT_MS % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ckpt_cv, &ckpt_mu, &ts);
		if (ckpt_stop)
			break;
		pthread_mutex_unlock(&ckpt_mu);
		if (atomic_exchange(&w_since_ckpt, 0) && (c = dbc_get()))
			sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&ckpt_mu);
	}
	pthread_mutex_unlock(&ckpt_mu);
	return NULL;   /* the thread's connection is closed by holder_free() */
}

static void ckpt_start(void)
{
	ckpt_stop = 0;
	ckpt_running = pthread_create(&ckpt_thr, NULL, ckpt_main, NULL) == 0;
}

static void ckpt_end(void)
{
	if (!ckpt_running)
		return;
	pthread_mutex_lock(&ckpt_mu);
	ckpt_stop = 1;
	pthread_cond_signal(&ckpt_cv);
	pthread_mutex_unlock(&ckpt_mu);
	pthread_join(ckpt_thr, NULL);
	ckpt_running = 0;
}

static int read_capped(const char *path, unsigned char **out, size_t *outlen)
{
	struct stat st;
	unsigned char *p = NULL;
	size_t off = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > MAX_ENTRY)
		goto out;
	p = malloc((size_t)st.st_size);
	if (!p)
		goto out;
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, p + off, (size_t)st.st_size - off);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			goto out;
		}
		off += (size_t)r;
	}
	*out = p;
	*outlen = off;
	p = NULL;
	ret = 0;
out:
	free(p);
	close(fd);
	return ret;
}

/* The store of the old layout, <dir>/results/<2 hex>/<key>: imported once, in one transaction,
 * then renamed to <dir>/results.imported. */
static void disk_import_old(struct dbc *c, const char *dir)
{
	char old[1100], sub[1200], path[1500], done[1100];
	DIR *d, *sd;
	struct dirent *e, *f;
	uint64_t n = 0, stores0 = atomic_load(&n_stores);
	struct stat st;

	snprintf(old, sizeof(old), "%s/results", dir);
	if (stat(old, &st) < 0 || !S_ISDIR(st.st_mode) || !(d = opendir(old)))
		return;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%.2s", old, e->d_name);
		if (!(sd = opendir(sub)))
			continue;
		while ((f = readdir(sd))) {
			unsigned char *data;
			size_t len;

			if (!valid_key(f->d_name) || strncmp(f->d_name, e->d_name, 2))
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
			if (read_capped(path, &data, &len) < 0)
				continue;
			if (disk_put(f->d_name, data, len) == 0)
				n++;
			free(data);
		}
		closedir(sd);
	}
	closedir(d);
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		fprintf(stderr, "rtlreward: cache: importing %s failed: %s; it stays where it is\n", old,
			sqlite3_errmsg(c->db));
		return;
	}
	atomic_store(&n_stores, stores0);   /* imports are not stores of computed results */
	atomic_store(&n_imported, n);
	snprintf(done, sizeof(done), "%s/results.imported", dir);
	if (rename(old, done) < 0)
		fprintf(stderr, "rtlreward: cache: imported %llu entries from %s into %s; renaming it "
			"to %s failed (%s): it will be imported again (entries already there are kept)\n",
			(unsigned long long)n, old, db_path, done, strerror(errno));
	else
		fprintf(stderr, "rtlreward: cache: imported %llu entries from the old store %s into "
			"%s; the old directory is now %s (safe to delete)\n", (unsigned long long)n, old,
			db_path, done);
}

static const char db_schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS results ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" data BLOB NOT NULL,"
	" size INTEGER NOT NULL,"      /* bytes of data: the bound and the gauge read the index */
	" created INTEGER NOT NULL,"   /* unix seconds */
	" last_used INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS results_lru ON results(last_used, size);";

/* Creates the schema on a connection of its own; -1 with err and *rc filled. */
static int disk_schema(int *rc, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *msg = NULL;
	int ver = -1, ret = -1;

	*rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			      SQLITE_OPEN_NOMUTEX, NULL);
	if (*rc != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, DB_BUSY_MS);
	*rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (*rc != SQLITE_OK)
		goto out;
	*rc = sqlite3_step(st);
	if (*rc != SQLITE_ROW)
		goto out;
	ver = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);   /* a statement still stepping holds a read transaction */
	st = NULL;
	if (ver > DB_SCHEMA) {
		*rc = SQLITE_ERROR;
		snprintf(err, errlen, "cache database %s: schema %d is newer than this server's (%d)",
			 db_path, ver, DB_SCHEMA);
		goto out_quiet;
	}
	*rc = sqlite3_exec(db, db_schema, NULL, NULL, &msg);
	if (*rc == SQLITE_OK)
		*rc = sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, &msg);
	if (*rc == SQLITE_OK)
		ret = 0;
out:
	if (ret < 0)
		snprintf(err, errlen, "cache database %s: %s", db_path,
			 msg ? msg : db ? sqlite3_errmsg(db) : sqlite3_errstr(*rc));
out_quiet:
	sqlite3_free(msg);
	sqlite3_finalize(st);
	sqlite3_close_v2(db);
	return ret;
}

/* Opens (creating) <dir>/results.sqlite3 and the calling thread's connection, counts what it
 * holds, imports the old layout; -1 with err and *rc filled. */
static int disk_open(const char *dir, int *rc, char *err, size_t errlen)
{
	struct dbc *c;
	sqlite3_stmt *st = NULL;

	snprintf(db_path, sizeof(db_path), "%s/" DB_NAME, dir);
	if (disk_schema(rc, err, errlen) < 0)
		return -1;
	c = dbc_get_err(rc, err, errlen);
	if (!c)
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM results",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		atomic_store(&d_bytes, (uint64_t)sqlite3_column_int64(st, 0));
		atomic_store(&d_entries, (uint64_t)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	disk_import_old(c, dir);
	return 0;
}

/* Moves an unreadable database (and its WAL) aside; 0 when it did. */
static int disk_move_aside(void)
{
	char to[1200], from[1200];
	const char *sfx[] = {"", "-wal", "-shm"};
	long long t = (long long)time(NULL);
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", db_path, sfx[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%lld%s", db_path, t, sfx[i]);
		if (rename(from, to) < 0 && (i == 0 || errno != ENOENT))
			return -1;
	}
	return 0;
}

/* Closes every connection; keep_path: db_path stays (to move the file aside, open again). */
static void disk_close(int keep_path)
{
	struct dbc *c;

	pthread_mutex_lock(&db_mu);
	while ((c = dbc_all)) {
		dbc_all = c->next;
		dbc_close(c);
	}
	atomic_fetch_add(&db_gen, 1);
	if (!keep_path)
		db_path[0] = '\0';
	pthread_mutex_unlock(&db_mu);
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
	disk_max = bytes;
}

int cache_init(const char *dir, char *err, size_t errlen)
{
	int rc = SQLITE_OK;

	pthread_once(&db_key_once, db_key_make);
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
		db_path[0] = '\0';
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
	if (disk_open(dir, &rc, err, errlen) == 0)
		goto opened;
	disk_close(1);
	if ((rc & 0xff) != SQLITE_CORRUPT && (rc & 0xff) != SQLITE_NOTADB) {
		db_path[0] = '\0';
		return -1;
	}
	/* an unreadable database is kept for inspection, and the server starts with an empty one */
	fprintf(stderr, "rtlreward: cache: %s; moving it aside to %s.corrupt-*, starting empty\n",
		err, db_path);
	if (disk_move_aside() < 0) {
		snprintf(err, errlen, "cache database %s: unreadable, and moving it aside failed: %s",
			 db_path, strerror(errno));
		db_path[0] = '\0';
		return -1;
	}
	if (disk_open(dir, &rc, err, errlen) < 0) {
		disk_close(0);
		return -1;
	}
opened:
	ckpt_start();
	fprintf(stderr, "rtlreward: cache: %s: %llu entries, %llu bytes of results%s\n", db_path,
		(unsigned long long)atomic_load(&d_entries), (unsigned long long)atomic_load(&d_bytes),
		disk_max ? "" : " (no bound)");
	return 0;
}

void cache_shutdown(void)
{
	size_t i;

	ckpt_end();
	disk_close(0);
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
	atomic_store(&n_hits, 0);
	atomic_store(&n_misses, 0);
	atomic_store(&n_stores, 0);
	atomic_store(&n_devict, 0);
	atomic_store(&n_derr, 0);
	atomic_store(&n_imported, 0);
	atomic_store(&d_bytes, 0);
	atomic_store(&d_entries, 0);
	atomic_store(&n_dedup, 0);
	atomic_store(&r_hits, 0);
	atomic_store(&r_misses, 0);
	atomic_store(&r_stores, 0);
	atomic_store(&r_errs, 0);
	atomic_store(&r_skips, 0);
}

int cache_get(const char *key, unsigned char **data, size_t *len)
{
	if (!valid_key(key))
		return 1;
	if (mem_get(key, data, len) == 0)
		return 0;
	if (disk_get(key, data, len) == 0) {
		mem_put(key, *data, *len);
		return 0;
	}
	if (redis_get(key, data, len) == 0) {
		mem_put(key, *data, *len);
		disk_put(key, *data, *len);
		return 0;
	}
	return 1;
}

int cache_put(const char *key, const unsigned char *data, size_t len)
{
	int stored = 0;

	if (!valid_key(key) || len > MAX_ENTRY)
		return -1;
	if (mem_tab && len + MEM_OVERHEAD <= mem_budget) {
		mem_put(key, data, len);
		stored = 1;
	}
	if (disk_put(key, data, len) == 0)
		stored = 1;
	if (redis_put(key, data, len) == 0)
		stored = 1;
	return stored ? 0 : -1;
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
	s->disk_hits = atomic_load(&n_hits);
	s->disk_misses = atomic_load(&n_misses);
	s->stores = atomic_load(&n_stores);
	s->dedup_waits = atomic_load(&n_dedup);
	s->disk_bytes = atomic_load(&d_bytes);
	s->disk_entries = atomic_load(&d_entries);
	s->disk_evictions = atomic_load(&n_devict);
	s->disk_errors = atomic_load(&n_derr);
	s->imported = atomic_load(&n_imported);
	s->redis_hits = atomic_load(&r_hits);
	s->redis_misses = atomic_load(&r_misses);
	s->redis_stores = atomic_load(&r_stores);
	s->redis_errors = atomic_load(&r_errs);
	s->redis_skips = atomic_load(&r_skips);
	s->redis_on = r_on;
}
