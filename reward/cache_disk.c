/* cache_disk: the cache's disk layer, one SQLite database (<dir>/results.sqlite3) with one
 * connection per thread, its eviction, background WAL checkpoint and the import of the old
 * one-file-per-entry layout. Split out of cache.c; cache_internal.h is the interface. */
#include "cache.h"
#include "cache_internal.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

char cache_db_path[1100];
static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;   /* dbc_all, db_gen */
static struct dbc *dbc_all;
static _Atomic unsigned db_gen = 1;
static pthread_key_t db_key;
pthread_once_t cache_db_key_once = PTHREAD_ONCE_INIT;
uint64_t cache_disk_max;
_Atomic uint64_t cache_d_bytes, cache_d_entries;
_Atomic uint64_t cache_n_hits, cache_n_misses, cache_n_stores, cache_n_devict, cache_n_derr, cache_n_imported;
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

void cache_db_key_make(void)
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
	rc = sqlite3_open_v2(cache_db_path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
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
	snprintf(err, errlen, "cache database %s: %s", cache_db_path,
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

	if (!cache_db_path[0])
		return NULL;
	h = pthread_getspecific(db_key);
	if (h && h->gen == gen && h->c)
		return h->c;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h || pthread_setspecific(db_key, h)) {
			free(h);
			atomic_fetch_add(&cache_n_derr, 1);
			*rc = SQLITE_NOMEM;
			snprintf(err, errlen, "cache: out of memory");
			return NULL;
		}
	}
	h->c = dbc_open(rc, err, errlen);
	h->gen = gen;
	if (!h->c) {
		atomic_fetch_add(&cache_n_derr, 1);
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

int cache_disk_get(const char *key, unsigned char **data, size_t *len)
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
		atomic_fetch_add(&cache_n_derr, 1);
	}
	st_done(c->get);
	if (!p) {
		atomic_fetch_add(&cache_n_misses, 1);
		return 1;
	}
	*data = p;
	*len = (size_t)n;
	atomic_fetch_add(&cache_n_hits, 1);
	if (cache_disk_max && time(NULL) - last > TOUCH_AFTER_S) {
		sqlite3_bind_text(c->touch, 1, key, 64, SQLITE_STATIC);
		sqlite3_bind_int64(c->touch, 2, (sqlite3_int64)time(NULL));
		pthread_mutex_lock(&w_mu);
		if (sqlite3_step(c->touch) != SQLITE_DONE)
			atomic_fetch_add(&cache_n_derr, 1);
		st_done(c->touch);
		pthread_mutex_unlock(&w_mu);
	}
	return 0;
}

/* Deletes the least recently used entries, one short transaction of at most EVICT_BATCH,
 * while the store holds more than 90% of cache_disk_max. One thread at a time. */
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
	for (i = 0; i < n && atomic_load(&cache_d_bytes) > cache_disk_max / 10 * 9; i++) {
		sqlite3_bind_text(c->del, 1, keys[i], -1, SQLITE_STATIC);
		if (sqlite3_step(c->del) == SQLITE_DONE && sqlite3_changes(c->db) == 1) {
			atomic_fetch_sub(&cache_d_bytes, (uint64_t)sizes[i]);
			atomic_fetch_sub(&cache_d_entries, 1);
			atomic_fetch_add(&cache_n_devict, 1);
		}
		st_done(c->del);
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		atomic_fetch_add(&cache_n_derr, 1);
	}
out:
	pthread_mutex_unlock(&w_mu);
	atomic_store(&evicting, 0);
}

int cache_disk_put(const char *key, const unsigned char *data, size_t len)
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
		atomic_fetch_add(&cache_n_derr, 1);
		return -1;
	}
	atomic_fetch_add(&cache_n_stores, 1);
	if (added) {
		atomic_fetch_add(&cache_d_bytes, len);
		atomic_fetch_add(&cache_d_entries, 1);
	}
	if (cache_disk_max && atomic_load(&cache_d_bytes) > cache_disk_max)
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

void cache_ckpt_start(void)
{
	ckpt_stop = 0;
	ckpt_running = pthread_create(&ckpt_thr, NULL, ckpt_main, NULL) == 0;
}

void cache_ckpt_end(void)
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
	uint64_t n = 0, stores0 = atomic_load(&cache_n_stores);
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

			if (!cache_valid_key(f->d_name) || strncmp(f->d_name, e->d_name, 2))
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
			if (read_capped(path, &data, &len) < 0)
				continue;
			if (cache_disk_put(f->d_name, data, len) == 0)
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
	atomic_store(&cache_n_stores, stores0);   /* imports are not stores of computed results */
	atomic_store(&cache_n_imported, n);
	snprintf(done, sizeof(done), "%s/results.imported", dir);
	if (rename(old, done) < 0)
		fprintf(stderr, "rtlreward: cache: imported %llu entries from %s into %s; renaming it "
			"to %s failed (%s): it will be imported again (entries already there are kept)\n",
			(unsigned long long)n, old, cache_db_path, done, strerror(errno));
	else
		fprintf(stderr, "rtlreward: cache: imported %llu entries from the old store %s into "
			"%s; the old directory is now %s (safe to delete)\n", (unsigned long long)n, old,
			cache_db_path, done);
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

	*rc = sqlite3_open_v2(cache_db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
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
			 cache_db_path, ver, DB_SCHEMA);
		goto out_quiet;
	}
	*rc = sqlite3_exec(db, db_schema, NULL, NULL, &msg);
	if (*rc == SQLITE_OK)
		*rc = sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, &msg);
	if (*rc == SQLITE_OK)
		ret = 0;
out:
	if (ret < 0)
		snprintf(err, errlen, "cache database %s: %s", cache_db_path,
			 msg ? msg : db ? sqlite3_errmsg(db) : sqlite3_errstr(*rc));
out_quiet:
	sqlite3_free(msg);
	sqlite3_finalize(st);
	sqlite3_close_v2(db);
	return ret;
}

/* Opens (creating) <dir>/results.sqlite3 and the calling thread's connection, counts what it
 * holds, imports the old layout; -1 with err and *rc filled. */
int cache_disk_open(const char *dir, int *rc, char *err, size_t errlen)
{
	struct dbc *c;
	sqlite3_stmt *st = NULL;

	snprintf(cache_db_path, sizeof(cache_db_path), "%s/" DB_NAME, dir);
	if (disk_schema(rc, err, errlen) < 0)
		return -1;
	c = dbc_get_err(rc, err, errlen);
	if (!c)
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM results",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		atomic_store(&cache_d_bytes, (uint64_t)sqlite3_column_int64(st, 0));
		atomic_store(&cache_d_entries, (uint64_t)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	disk_import_old(c, dir);
	return 0;
}

/* Moves an unreadable database (and its WAL) aside; 0 when it did. */
int cache_disk_move_aside(void)
{
	char to[1200], from[1200];
	const char *sfx[] = {"", "-wal", "-shm"};
	long long t = (long long)time(NULL);
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", cache_db_path, sfx[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%lld%s", cache_db_path, t, sfx[i]);
		if (rename(from, to) < 0 && (i == 0 || errno != ENOENT))
			return -1;
	}
	return 0;
}

/* Closes every connection; keep_path: cache_db_path stays (to move the file aside, open again). */
void cache_disk_close(int keep_path)
{
	struct dbc *c;

	pthread_mutex_lock(&db_mu);
	while ((c = dbc_all)) {
		dbc_all = c->next;
		dbc_close(c);
	}
	atomic_fetch_add(&db_gen, 1);
	if (!keep_path)
		cache_db_path[0] = '\0';
	pthread_mutex_unlock(&db_mu);
}
