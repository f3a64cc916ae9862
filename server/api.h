/* api: request handlers. Each takes the request body and fills a response (status, content
 * type, body). Errors never escape as crashes: a bad request is a 4xx with an Error message
 * naming the field, an overloaded queue a 429. */
#ifndef RTLR_API_H
#define RTLR_API_H

#include <stddef.h>
#include "buf.h"

enum api_fmt { FMT_JSON = 0, FMT_PROTO = 1 };

struct api_resp {
	unsigned status;
	const char *content_type;
	struct buf body;
	unsigned retry_after;   /* seconds, for 429 */
	const char *allow;      /* for 405 */
	const char *www_authenticate; /* for 401 and 403 */
	struct api_stream *stream; /* set: the body is streamed by api_stream_read (NDJSON) */
};

struct api_req {
	const char *method;
	const char *url;
	const char *content_type;  /* may be NULL */
	const char *accept;        /* may be NULL */
	const char *authorization; /* may be NULL */
	const char *body;
	size_t body_len;
};

struct api_stream;
/* Streaming: copies up to max bytes of the next finished results into out, blocking until one
 * is ready; returns the count, or -1 at the end. api_stream_free() waits for the batch to
 * finish (the workers still use it) and frees everything; http.c owns the stream once the
 * response is queued. */
long api_stream_read(struct api_stream *st, char *out, size_t max);
void api_stream_free(struct api_stream *st);

void api_resp_init(struct api_resp *r);
void api_resp_release(struct api_resp *r);
/* Dispatches on method and url; returns the route name for metrics. */
const char *api_handle(const struct api_req *req, struct api_resp *resp);
/* Fills resp with an Error message. */
void api_error(struct api_resp *resp, enum api_fmt fmt, unsigned status, const char *field,
	       const char *fmt_msg, ...) __attribute__((format(printf, 5, 6)));

#endif
