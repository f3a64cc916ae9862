/* buf: a growable byte buffer with a maximum fixed at creation (cf. curl's dynbuf).
 *
 * Ownership: the buf owns `data`; buf_release() frees it and leaves an empty buffer that may be
 * reused after buf_init(). buf_detach() hands `data` to the caller (free() it) and resets the buf.
 * The contents are always NUL-terminated (the NUL is not counted in `len`).
 * Appending past `max` fails with -1 and sets `overflow`; the contents stay as they were before
 * the failing call, so a capped capture can keep what fit.
 */
#ifndef RTLR_BUF_H
#define RTLR_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;
	int overflow;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Append s as a JSON string literal, quotes included. */
int buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Read a whole file (at most max bytes; larger → -1 with errno EFBIG). */
int buf_read_file(struct buf *b, const char *path);

#endif
