#include "cache.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRY (16u << 20)

static char cache_dir[1024];
static _Atomic uint64_t n_hits, n_misses, n_stores, n_tmp;

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
}

int cache_get(const char *key, unsigned char **data, size_t *len)
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

int cache_put(const char *key, const unsigned char *data, size_t len)
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

void cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *stores)
{
	*hits = atomic_load(&n_hits);
	*misses = atomic_load(&n_misses);
	*stores = atomic_load(&n_stores);
}
