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
#include "metrics.h"

struct conn {
	struct buf body;
	int too_big;
	int answered;
};

static struct MHD_Daemon *daemon_;

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	long n = api_stream_read(cls, buf, max);

	(void)pos;
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free_cb(void *cls)
{
	api_stream_free(cls);
}

static enum MHD_Result queue(struct MHD_Connection *c, struct api_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char ra[32];

	if (r->stream) {
		mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32768, stream_cb, r->stream,
						       stream_free_cb);
		if (!mr)
			api_stream_free(r->stream);
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
	ret = MHD_queue_response(c, r->status, mr);
	MHD_destroy_response(mr);
	return ret;
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
	(void)c;
	(void)toe;
	if (st) {
		buf_release(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

int http_start(const char *bind, unsigned port, unsigned max_conn, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
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
	daemon_ = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				   MHD_OPTION_CONNECTION_LIMIT, max_conn,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
				   MHD_OPTION_END);
	if (!daemon_) {
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
}
