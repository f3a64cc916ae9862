#include "cache.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRY (16u << 20)

static char cache_dir[1024];
static _Atomic uint64_t n_hits, n_misses, n_stores, n_tmp, n_dedup;

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

int cache_claim(const char *key)
{
	struct claim *c;
	int waited = 0;

	pthread_mutex_lock(&cl_mu);
	while (*claim_find(key)) {
		waited = 1;
		pthread_cond_wait(&cl_cv, &cl_mu);
	}
	if (waited) {
		pthread_mutex_unlock(&cl_mu);
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

void cache_set_mem_budget(size_t bytes)
{
	mem_budget = bytes;
}

static int valid_key(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	return i == 64;
}

int cache_init(const char *dir, char *err, size_t errlen)
{
	char sub[1100];

	if (mem_budget && !mem_tab) {
		mem_tab = calloc(MEM_BUCKETS, sizeof(*mem_tab));
		if (!mem_tab) {
			snprintf(err, errlen, "cache: out of memory");
			return -1;
		}
	}
	if (!dir || !dir[0]) {
		cache_dir[0] = '\0';
		return 0;
	}
	snprintf(cache_dir, sizeof(cache_dir), "%s", dir);
	snprintf(sub, sizeof(sub), "%s/results", cache_dir);
	if (mkdir_p(sub) < 0) {
		snprintf(err, errlen, "cache directory %s: %s", sub, strerror(errno));
		return -1;
	}
	return 0;
}

void cache_shutdown(void)
{
	size_t i;

	if (!mem_tab)
		return;
	pthread_mutex_lock(&mem_mu);
	for (i = 0; i < MEM_BUCKETS; i++)
		while (mem_tab[i])
			mem_drop(&mem_tab[i]);
	free(mem_tab);
	mem_tab = NULL;
	pthread_mutex_unlock(&mem_mu);
}

static int disk_get(const char *key, unsigned char **data, size_t *len)
{
	char path[1200];
	struct stat st;
	unsigned char *p = NULL;
	size_t off = 0;
	int fd;

	if (!cache_dir[0] || !valid_key(key))
		goto miss;
	snprintf(path, sizeof(path), "%s/results/%.2s/%s", cache_dir, key, key);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto miss;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > MAX_ENTRY)
		goto miss_close;
	p = malloc((size_t)st.st_size);
	if (!p)
		goto miss_close;
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, p + off, (size_t)st.st_size - off);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			goto miss_close;
		}
		off += (size_t)r;
	}
	close(fd);
	*data = p;
	*len = off;
	atomic_fetch_add(&n_hits, 1);
	return 0;
miss_close:
	free(p);
	close(fd);
miss:
	atomic_fetch_add(&n_misses, 1);
	return 1;
}

static int disk_put(const char *key, const unsigned char *data, size_t len)
{
	char dir[1100], path[1200], tmp[1300];
	size_t off = 0;
	int fd;

	if (!cache_dir[0] || !valid_key(key) || len > MAX_ENTRY)
		return -1;
	snprintf(dir, sizeof(dir), "%s/results/%.2s", cache_dir, key);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%d.%llu", dir, (int)getpid(),
		 (unsigned long long)atomic_fetch_add(&n_tmp, 1));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	atomic_fetch_add(&n_stores, 1);
	return 0;
}

int cache_get(const char *key, unsigned char **data, size_t *len)
{
	if (!valid_key(key))
		return 1;
	if (mem_get(key, data, len) == 0)
		return 0;
	if (disk_get(key, data, len) != 0)
		return 1;
	mem_put(key, *data, *len);
	return 0;
}

int cache_put(const char *key, const unsigned char *data, size_t len)
{
	if (!valid_key(key) || len > MAX_ENTRY)
		return -1;
	mem_put(key, data, len);
	if (!cache_dir[0])
		return mem_tab ? 0 : -1;
	return disk_put(key, data, len);
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
}
