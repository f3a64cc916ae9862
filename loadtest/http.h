/* http: a minimal HTTP/1.1 client for the load generator, one connection per request
 * (Connection: close), loopback only.
 *
 * lt_target_parse() refuses anything but 127.0.0.0/8, ::1 and "localhost" (never resolved
 * through DNS). lt_http() is blocking with one absolute deadline covering connect, send and
 * the whole answer; it is thread-safe (no shared state). A body in chunked transfer encoding
 * is decoded; for NDJSON answers every complete result line is reported to `line` as it
 * arrives (for per-candidate latency). Per-result counts come from the wire text: the JSON
 * encoder escapes quotes inside strings, so `"cached":true` can only be the field itself.
 */
#ifndef LT_HTTP_H
#define LT_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "sbuf.h"

struct lt_target {
	struct sockaddr_storage addr;
	socklen_t alen;
	char host[64];
	int port;
};

enum lt_err { LE_NONE, LE_CONNECT, LE_IO, LE_TIMEOUT, LE_PROTO, LE_NERR };
extern const char *const lt_err_names[LE_NERR];

struct lt_resp {
	int status;			/* HTTP status; 0 when no status line arrived */
	enum lt_err err;
	int retry_after;		/* seconds, -1 when absent */
	unsigned n_results, n_cached, n_infra;
	char infra_error[160];		/* the first INFRA_ERROR's error text (JSON-escaped), or "" */
	double t_headers;		/* monotonic time the status line arrived, 0 if never */
	struct sbuf body;		/* the decoded body when keep_body (caller releases) */
};

typedef void (*lt_line_fn)(void *arg, double t, int cached);

/* 0 and t filled, or -1 with err filled (refused or malformed). */
int lt_target_parse(struct lt_target *t, const char *host, int port, char *err, size_t errlen);
/* "http://HOST:PORT[/...]" -> host and port; -1 when malformed. */
int lt_url_split(const char *url, char *host, size_t hostlen, int *port);

/* Monotonic seconds. */
double lt_now(void);

/* Performs one request. Returns 0 when an answer was read in full (r->status set), -1
 * otherwise (r->err says why). r is initialised here; release r->body afterwards. */
int lt_http(const struct lt_target *t, const char *method, const char *path, const char *ctype,
	    const char *accept, const char *body, size_t len, double timeout_s, int keep_body,
	    lt_line_fn line, void *arg, struct lt_resp *r);

#endif
