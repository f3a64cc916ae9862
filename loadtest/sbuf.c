#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sb_grow(struct sbuf *b, size_t more)
{
	size_t want, cap;
	char *n;

	if (b->oom)
		return -1;
	if (more > SB_MAX - b->len - 1) {
		b->oom = 1;
		return -1;
	}
	want = b->len + more + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > SB_MAX / 2 ? SB_MAX : cap * 2;
	n = realloc(b->s, cap);
	if (!n) {
		b->oom = 1;
		return -1;
	}
	b->s = n;
	b->cap = cap;
	return 0;
}

void sb_add(struct sbuf *b, const char *p, size_t n)
{
	if (sb_grow(b, n) < 0)
		return;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sb_adds(struct sbuf *b, const char *p)
{
	sb_add(b, p, strlen(p));
}

void sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_json_str(struct sbuf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	sb_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_add(b, p + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': sb_add(b, "\\\"", 2); break;
		case '\\': sb_add(b, "\\\\", 2); break;
		case '\n': sb_add(b, "\\n", 2); break;
		case '\t': sb_add(b, "\\t", 2); break;
		case '\r': sb_add(b, "\\r", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sb_add(b, esc, 6);
		}
	}
	sb_add(b, p + start, n - start);
	sb_add(b, "\"", 1);
}

void sb_release(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

char *sb_read_file(const char *path, size_t max, size_t *len)
{
	struct sbuf b = {0};
	char tmp[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || b.len + (size_t)r > max) {
			b.oom = 1;
			break;
		}
		if (r == 0)
			break;
		sb_add(&b, tmp, (size_t)r);
	}
	close(fd);
	if (b.oom || !b.s) {
		if (!b.oom && !b.s) {
			/* an empty file */
			b.s = calloc(1, 1);
			if (b.s) {
				*len = 0;
				return b.s;
			}
		}
		sb_release(&b);
		return NULL;
	}
	*len = b.len;
	return b.s;
}
