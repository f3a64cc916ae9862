/* connguard: who may hold an HTTP connection, and for how long before its request is in.
 *
 * libmicrohttpd's own time-out (MHD_OPTION_CONNECTION_TIMEOUT) is an idle time-out: a client
 * that sends one header byte every few seconds never trips it, so a few hundred such clients
 * (slowloris) used to hold every connection for as long as they liked. This module keeps a
 * table of open connections (filled from MHD's connection notifications) and a watchdog thread
 * that enforces deadlines on the request, whatever the byte rate:
 *   - headers: --header-timeout seconds from connect (or from the end of the previous request
 *     on a kept-alive connection) until the request line and headers are in;
 *   - body: --body-timeout seconds from the headers until the body is in.
 * A connection past its deadline is shut down (shutdown(2) on its socket: MHD's thread sees
 * the end of the stream and closes it). Once the body is in, the handler runs without a
 * deadline (scoring takes what it takes); a response that stops moving is MHD's idle time-out
 * (--idle-timeout).
 *
 * Budget: --max-connections ordinary connections in all, at most --max-connections-per-client
 * of them from one client address (IPv4 address, or IPv6 address; an IPv4-mapped IPv6 address
 * counts as its IPv4 address). A connection beyond either bound is put in the reserve
 * (--connection-reserve connections, at most two per client address) when there is room, and
 * closed at once otherwise. A reserve connection may only GET /healthz or /metrics (anything
 * else is answered 503 with Retry-After), has a header deadline of at most 5 s, and is closed
 * after one response. So a client that holds its whole budget, or many clients that hold all
 * of it, cannot keep a health probe or a scraper out.
 *
 * Thread safety: every function takes the module's lock; cg_open/cg_close are called from
 * MHD's listening thread, the phase functions from the connection's own thread.
 */
#ifndef RTLR_CONNGUARD_H
#define RTLR_CONNGUARD_H

#include <stddef.h>
#include <sys/socket.h>

struct cg_conn;

struct cg_stats {
	unsigned open_ordinary, open_reserve;
	unsigned long long to_reserve;      /* connections put in the reserve */
	unsigned long long refused;         /* closed at once: budget and reserve spent */
	unsigned long long header_timeouts; /* shut down: headers not in by the deadline */
	unsigned long long body_timeouts;   /* shut down: body not in by the deadline */
};

/* Slots for max_conn + reserve connections, plus room for the ones refused at once; returns
 * the number of connections MHD should accept at most (its MHD_OPTION_CONNECTION_LIMIT), or 0
 * with err. Starts the watchdog thread. */
unsigned cg_init(unsigned max_conn, unsigned per_client, unsigned reserve, unsigned header_s,
		 unsigned body_s, char *err, size_t errlen);
void cg_shutdown(void);
/* A new connection (MHD_CONNECTION_NOTIFY_STARTED): classified, header deadline set. A refused
 * one's socket is shut down at once (it keeps its slot until cg_close); NULL only when every
 * slot is taken (then too the socket is shut down). */
struct cg_conn *cg_open(int fd, const struct sockaddr *addr);
void cg_close(struct cg_conn *c);          /* MHD_CONNECTION_NOTIFY_CLOSED; c may be NULL */
void cg_headers_done(struct cg_conn *c);   /* first handler call: the body deadline starts */
void cg_body_done(struct cg_conn *c);      /* the handler runs: no deadline */
void cg_request_done(struct cg_conn *c);   /* response sent: headers of the next request due */
int cg_is_reserve(const struct cg_conn *c); /* 1: only /healthz and /metrics, one response */
void cg_get_stats(struct cg_stats *s);

#endif
