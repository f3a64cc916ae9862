/* sbuf: a growable string with a cap; once an append fails (out of memory or over the cap)
 * `oom` stays set and later appends are no-ops, so callers check once at the end.
 * The string is always NUL-terminated when s is not NULL. Caller frees s (sb_release). */
#ifndef LT_SBUF_H
#define LT_SBUF_H

#include <stdarg.h>
#include <stddef.h>

#define SB_MAX ((size_t)256 << 20)	/* no buffer of the load generator grows beyond this */

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sb_add(struct sbuf *b, const char *p, size_t n);
void sb_adds(struct sbuf *b, const char *p);
void sb_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a JSON string literal, quotes included */
void sb_json_str(struct sbuf *b, const char *p, size_t n);
void sb_release(struct sbuf *b);
/* reads a whole file (at most max bytes); NULL on error */
char *sb_read_file(const char *path, size_t max, size_t *len);

#endif
