#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

const char *const lt_err_names[LE_NERR] = {"none", "connect", "io", "timeout", "protocol"};

#define MAX_HEADERS 65536

double lt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int lt_url_split(const char *url, char *host, size_t hostlen, int *port)
{
	const char *p = url, *h, *e;
	char *end;
	long v;

	if (!strncmp(p, "http://", 7))
		p += 7;
	h = p;
	if (*p == '[') {
		e = strchr(p, ']');
		if (!e)
			return -1;
		h = p + 1;
		p = e + 1;
	} else {
		e = p;
		while (*e && *e != ':' && *e != '/')
			e++;
		p = e;
	}
	if ((size_t)(e - h) >= hostlen || e == h)
		return -1;
	memcpy(host, h, (size_t)(e - h));
	host[e - h] = 0;
	if (*p != ':') {
		*port = 80;
		return (*p == 0 || *p == '/') ? 0 : -1;
	}
	errno = 0;
	v = strtol(p + 1, &end, 10);
	if (errno || end == p + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
		return -1;
	*port = (int)v;
	return 0;
}

int lt_target_parse(struct lt_target *t, const char *host, int port, char *err, size_t errlen)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t->addr;
	char h[64];
	size_t n = strlen(host);

	memset(t, 0, sizeof(*t));
	if (n >= sizeof(h) || port < 1 || port > 65535) {
		snprintf(err, errlen, "bad target %.80s:%d", host, port);
		return -1;
	}
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = 0;
	} else {
		memcpy(h, host, n + 1);
	}
	if (!strcasecmp(h, "localhost"))
		snprintf(h, sizeof(h), "127.0.0.1");
	if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
		if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127)
			goto refuse;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		t->alen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr))
			goto refuse;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		t->alen = sizeof(*a6);
	} else {
		goto refuse;
	}
	snprintf(t->host, sizeof(t->host), "%s", strchr(h, ':') ? "[::1]" : h);
	t->port = port;
	return 0;
refuse:
	snprintf(err, errlen, "refusing target '%s': the load generator talks to loopback only "
		 "(127.0.0.0/8, ::1, localhost)", host);
	return -1;
}

/* waits for ev on fd until deadline: 1 ready, 0 timed out, -1 error */
static int wait_fd(int fd, short ev, double deadline)
{
	for (;;) {
		struct pollfd pf = {fd, ev, 0};
		double left = deadline - lt_now();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pf, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;	/* re-check the clock */
		return 1;
	}
}

static int send_all(int fd, const char *p, size_t n, double deadline, struct lt_resp *r)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline);
			if (rc <= 0) {
				r->err = rc == 0 ? LE_TIMEOUT : LE_IO;
				return -1;
			}
			continue;
		}
		if (w < 0) {
			r->err = LE_IO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t count_str(const char *s, size_t n, const char *pat)
{
	size_t k = 0, pl = strlen(pat);
	const char *p = s, *end = s + n;

	while (p < end && (p = memmem(p, (size_t)(end - p), pat, pl))) {
		k++;
		p += pl;
	}
	return k;
}

static void count_results(const char *s, size_t n, struct lt_resp *r, int *cached)
{
	size_t c = count_str(s, n, "\"cached\":true");

	r->n_cached += (unsigned)c;
	r->n_results += (unsigned)(c + count_str(s, n, "\"cached\":false"));
	r->n_infra += (unsigned)count_str(s, n, "\"status\":\"INFRA_ERROR\"");
	if (!r->infra_error[0]) {
		static const char pat[] = "\"status\":\"INFRA_ERROR\",\"error\":\"";
		const char *p = memmem(s, n, pat, sizeof(pat) - 1), *e;
		size_t k = 0;

		if (p) {
			p += sizeof(pat) - 1;
			for (e = p; e < s + n && *e != '"' && k + 1 < sizeof(r->infra_error); e++) {
				if (*e == '\\' && e + 1 < s + n)
					r->infra_error[k++] = *e++;
				if (k + 1 < sizeof(r->infra_error))
					r->infra_error[k++] = *e;
			}
			r->infra_error[k] = 0;
		}
	}
	if (cached)
		*cached = c > 0;
}

struct parse {
	int have_headers, chunked, done;
	long long clen;		/* -1 unknown */
	size_t raw_off;		/* bytes of raw consumed into body */
	long long chunk_left;	/* bytes left in the current chunk; -1 reading a size line */
	size_t line_off;	/* NDJSON: start of the first unprocessed line in body */
};

static int parse_headers(struct sbuf *raw, struct parse *ps, struct lt_resp *r)
{
	char *end = raw->s ? memmem(raw->s, raw->len, "\r\n\r\n", 4) : NULL, *p, *nl;
	int major, minor, code;

	if (!end)
		return raw->len > MAX_HEADERS ? -1 : 0;
	*end = 0;
	if (sscanf(raw->s, "HTTP/%d.%d %d", &major, &minor, &code) != 3)
		return -1;
	r->status = code;
	r->t_headers = lt_now();
	ps->clen = -1;
	for (p = strstr(raw->s, "\r\n"); p && p < end; p = nl) {
		p += 2;
		nl = strstr(p, "\r\n");
		if (!strncasecmp(p, "Content-Length:", 15))
			ps->clen = strtoll(p + 15, NULL, 10);
		else if (!strncasecmp(p, "Transfer-Encoding:", 18) && strcasestr(p, "chunked") &&
			 (!nl || strcasestr(p, "chunked") < nl))
			ps->chunked = 1;
		else if (!strncasecmp(p, "Retry-After:", 12))
			r->retry_after = (int)strtol(p + 12, NULL, 10);
	}
	*end = '\r';
	ps->have_headers = 1;
	ps->raw_off = (size_t)(end - raw->s) + 4;
	ps->chunk_left = -1;
	return 1;
}

/* moves what is decodable from raw into body; -1 on a malformed chunk */
static int decode(struct sbuf *raw, struct parse *ps, struct sbuf *body)
{
	if (!ps->chunked) {
		sb_add(body, raw->s + ps->raw_off, raw->len - ps->raw_off);
		ps->raw_off = raw->len;
		if (ps->clen >= 0 && (long long)body->len >= ps->clen)
			ps->done = 1;
		return 0;
	}
	while (!ps->done && ps->raw_off < raw->len) {
		if (ps->chunk_left < 0) {
			char *nl = memmem(raw->s + ps->raw_off, raw->len - ps->raw_off, "\r\n", 2), *e;
			long long v;

			if (!nl)
				return raw->len - ps->raw_off > 64 ? -1 : 0;
			v = strtoll(raw->s + ps->raw_off, &e, 16);
			if (e == raw->s + ps->raw_off || v < 0)
				return -1;
			ps->raw_off = (size_t)(nl - raw->s) + 2;
			if (v == 0) {
				ps->done = 1;	/* trailers are not read */
				return 0;
			}
			ps->chunk_left = v;
		} else if (ps->chunk_left == 0) {
			if (raw->len - ps->raw_off < 2)
				return 0;
			ps->raw_off += 2;	/* the CRLF after the data */
			ps->chunk_left = -1;
		} else {
			size_t take = raw->len - ps->raw_off;
			if ((long long)take > ps->chunk_left)
				take = (size_t)ps->chunk_left;
			sb_add(body, raw->s + ps->raw_off, take);
			ps->raw_off += take;
			ps->chunk_left -= (long long)take;
		}
	}
	/* drop what was consumed, so a long stream does not grow raw */
	if (ps->raw_off > 65536) {
		memmove(raw->s, raw->s + ps->raw_off, raw->len - ps->raw_off);
		raw->len -= ps->raw_off;
		raw->s[raw->len] = 0;
		ps->raw_off = 0;
	}
	return 0;
}

static void ndjson_lines(struct sbuf *body, struct parse *ps, struct lt_resp *r, lt_line_fn line,
			 void *arg)
{
	double t = lt_now();

	if (!body->s)
		return;	/* nothing decoded yet */
	for (;;) {
		char *nl = memchr(body->s + ps->line_off, '\n', body->len - ps->line_off);
		size_t n;
		int cached;

		if (!nl)
			break;
		n = (size_t)(nl - (body->s + ps->line_off));
		if (n) {
			count_results(body->s + ps->line_off, n, r, &cached);
			if (line)
				line(arg, t, cached);
		}
		ps->line_off += n + 1;
	}
	if (ps->line_off > 65536) {
		memmove(body->s, body->s + ps->line_off, body->len - ps->line_off);
		body->len -= ps->line_off;
		body->s[body->len] = 0;
		ps->line_off = 0;
	}
}

int lt_http(const struct lt_target *t, const char *method, const char *path, const char *ctype,
	    const char *accept, const char *body, size_t len, double timeout_s, int keep_body,
	    lt_line_fn line, void *arg, struct lt_resp *r)
{
	double deadline = lt_now() + timeout_s;
	struct sbuf raw = {0}, req = {0};
	struct parse ps = {0};
	int fd = -1, rc = -1, one = 1, stream = accept && strstr(accept, "ndjson");
	socklen_t sl = sizeof(int);
	char tmp[65536];

	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
	fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r->err = LE_CONNECT;
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&t->addr, t->alen) < 0) {
		int e = 0;
		if (errno != EINPROGRESS) {
			r->err = LE_CONNECT;
			goto out;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0 || e) {
			r->err = rc == 0 ? LE_TIMEOUT : LE_CONNECT;
			rc = -1;
			goto out;
		}
		rc = -1;
	}
	sb_addf(&req, "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\nUser-Agent: rtlreward-load\r\n",
		method, path, t->host, t->port);
	if (accept)
		sb_addf(&req, "Accept: %s\r\n", accept);
	if (body)
		sb_addf(&req, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, len);
	sb_adds(&req, "\r\n");
	if (req.oom) {
		r->err = LE_PROTO;
		goto out;
	}
	if (send_all(fd, req.s, req.len, deadline, r) < 0 || (body && send_all(fd, body, len, deadline, r) < 0))
		goto out;
	for (;;) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = wait_fd(fd, POLLIN, deadline);
			if (w <= 0) {
				r->err = w == 0 ? LE_TIMEOUT : LE_IO;
				goto out;
			}
			continue;
		}
		if (n < 0) {
			r->err = LE_IO;
			goto out;
		}
		if (n == 0) {
			/* end of stream: complete only when nothing more was announced */
			if (ps.have_headers && !ps.chunked && ps.clen < 0)
				ps.done = 1;
			if (!ps.done) {
				r->err = ps.have_headers ? LE_IO : LE_PROTO;
				if (!raw.len)
					r->err = LE_IO;
				goto out;
			}
			break;
		}
		sb_add(&raw, tmp, (size_t)n);
		if (raw.oom) {
			r->err = LE_PROTO;
			goto out;
		}
		if (!ps.have_headers) {
			int h = parse_headers(&raw, &ps, r);
			if (h < 0) {
				r->err = LE_PROTO;
				goto out;
			}
			if (!h)
				continue;
		}
		if (decode(&raw, &ps, &r->body) < 0 || r->body.oom) {
			r->err = LE_PROTO;
			goto out;
		}
		if (stream && r->status == 200)
			ndjson_lines(&r->body, &ps, r, line, arg);
		if (ps.done)
			break;
	}
	if (!stream && r->status == 200 && r->body.s)
		count_results(r->body.s, r->body.len, r, NULL);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sb_release(&raw);
	sb_release(&req);
	if (rc < 0 || !keep_body)
		sb_release(&r->body);
	return rc;
}
