#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"
#include "config.h"
#include "connguard.h"
#include "metrics.h"

struct conn {
	struct buf body;
	int too_big;
	int answered;
};

/* A streamed response: waiting for the next result is not idleness, so MHD's idle time-out
 * is off while the reader waits and back on (restarted) once it has bytes to send. */
struct stream_ctx {
	struct api_stream *st;
	struct MHD_Connection *c;
};

static struct MHD_Daemon *daemon_;

static struct cg_conn *guard_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *sc = cls;
	long n;

	(void)pos;
	MHD_set_connection_option(sc->c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	n = api_stream_read(sc->st, buf, max);
	/* from 0 to a value restarts MHD's activity clock (MHD_set_connection_option) */
	MHD_set_connection_option(sc->c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)g_config.idle_timeout);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free_cb(void *cls)
{
	struct stream_ctx *sc = cls;

	api_stream_free(sc->st);
	free(sc);
}

static enum MHD_Result queue(struct MHD_Connection *c, struct api_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char ra[32];

	if (r->stream) {
		struct stream_ctx *sc = malloc(sizeof(*sc));

		mr = NULL;
		if (sc) {
			sc->st = r->stream;
			sc->c = c;
			mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32768, stream_cb, sc,
							       stream_free_cb);
		}
		if (!mr) {
			api_stream_free(r->stream);
			free(sc);
		}
		r->stream = NULL;   /* owned by the response now */
	} else {
		mr = MHD_create_response_from_buffer(r->body.len,
						     r->body.data ? r->body.data : (void *)"",
						     MHD_RESPMEM_MUST_COPY);
	}
	if (!mr)
		return MHD_NO;
	MHD_add_response_header(mr, "Content-Type", r->content_type);
	if (r->retry_after) {
		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(mr, "Retry-After", ra);
	}
	if (r->allow)
		MHD_add_response_header(mr, "Allow", r->allow);
	if (r->www_authenticate)
		MHD_add_response_header(mr, "WWW-Authenticate", r->www_authenticate);
	if (cg_is_reserve(guard_of(c)))
		MHD_add_response_header(mr, "Connection", "close");
	ret = MHD_queue_response(c, r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static int reserve_route(const char *method, const char *url)
{
	return (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
	       (!strcmp(url, "/healthz") || !strcmp(url, "/metrics"));
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct conn *st = *con_cls;
	struct api_resp resp;
	struct api_req req;
	const char *route;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!st) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		buf_init(&st->body, (size_t)g_config.max_body);
		*con_cls = st;
		cg_headers_done(guard_of(c));
		if (cg_is_reserve(guard_of(c)) && !reserve_route(method, url)) {
			/* a reserve connection: the budget is spent, only probes and scrapers */
			api_resp_init(&resp);
			resp.retry_after = 1;
			api_error(&resp, FMT_JSON, 503, "", "the connection budget is spent "
				  "(--max-connections, --max-connections-per-client); only GET /healthz "
				  "and /metrics are served now; retry later");
			metrics_request("other", 503);
			ret = queue(c, &resp);
			api_resp_release(&resp);
			st->answered = 1;
			return ret;
		}
		if (cl && strtoull(cl, NULL, 10) > (unsigned long long)g_config.max_body) {
			/* refuse before reading the body */
			api_resp_init(&resp);
			api_error(&resp, FMT_JSON, 413, "", "request body of %s bytes exceeds the limit of %lld (--max-body)",
				  cl, g_config.max_body);
			metrics_request("other", 413);
			ret = queue(c, &resp);
			api_resp_release(&resp);
			st->answered = 1;
			return ret;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!st->answered && !st->too_big && buf_add(&st->body, upload_data, *upload_data_size) < 0)
			st->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->answered)
		return MHD_YES;
	cg_body_done(guard_of(c));
	api_resp_init(&resp);
	if (st->too_big) {
		api_error(&resp, FMT_JSON, 413, "", "request body exceeds the limit of %lld bytes (--max-body)",
			  g_config.max_body);
		route = "other";
	} else {
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.url = url;
		req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
		req.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		req.body = st->body.data ? st->body.data : "";
		req.body_len = st->body.len;
		route = api_handle(&req, &resp);
	}
	metrics_request(route, resp.status);
	ret = queue(c, &resp);
	api_resp_release(&resp);
	st->answered = 1;
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn *st = *con_cls;

	(void)cls;
	(void)toe;
	cg_request_done(guard_of(c));
	if (st) {
		buf_release(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *a = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		*socket_context = fd ? cg_open(fd->connect_fd, a ? a->client_addr : NULL) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		cg_close(*socket_context);
		*socket_context = NULL;
	}
}

int http_start(const char *bind, unsigned port, unsigned max_conn, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned limit;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, bind, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, bind, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--bind %s: not an IPv4 or IPv6 address", bind);
		return -1;
	}
	limit = cg_init(max_conn, (unsigned)g_config.max_conn_per_client,
			(unsigned)g_config.conn_reserve, (unsigned)g_config.header_timeout,
			(unsigned)g_config.body_timeout, err, errlen);
	if (!limit)
		return -1;
	daemon_ = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				   MHD_OPTION_NOTIFY_CONNECTION, notify_conn, NULL,
				   MHD_OPTION_CONNECTION_LIMIT, limit,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)g_config.idle_timeout,
				   MHD_OPTION_END);
	if (!daemon_) {
		cg_shutdown();
		snprintf(err, errlen, "cannot listen on %s:%u (in use, or no permission?)", bind, port);
		return -1;
	}
	return 0;
}

unsigned http_port(void)
{
	const union MHD_DaemonInfo *i;

	if (!daemon_)
		return 0;
	i = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : 0;
}

void http_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	cg_shutdown();
}
