/* slowloris: slow clients and a /healthz probe for the load generator (see slowloris.h). */
#include "slowloris.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SL_MAX 4096

static void nap(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int lt_slow_source(struct lt_slow *s, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&s->src;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&s->src;

	memset(&s->src, 0, sizeof(s->src));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1 && (ntohl(a4->sin_addr.s_addr) >> 24) == 127 &&
	    s->tgt->addr.ss_family == AF_INET) {
		a4->sin_family = AF_INET;
		s->srclen = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1 && IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) &&
	    s->tgt->addr.ss_family == AF_INET6) {
		a6->sin6_family = AF_INET6;
		s->srclen = sizeof(*a6);
		return 0;
	}
	snprintf(err, errlen, "--slow-from %s: a loopback address of the target's family expected", addr);
	return -1;
}

/* A new slow connection: connected (blocking, 2 s) and its request started; -1 on failure. */
static int slow_open(struct lt_slow *s)
{
	static const char start[] = "POST /v1/score HTTP/1.1\r\nHost: rtlreward\r\nContent-Type: application/json\r\n";
	struct timeval tv = {2, 0};
	int fd = socket(s->tgt->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((s->srclen && bind(fd, (struct sockaddr *)&s->src, s->srclen) < 0) ||
	    connect(fd, (const struct sockaddr *)&s->tgt->addr, s->tgt->alen) < 0 ||
	    send(fd, start, sizeof(start) - 1, MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void *slow_main(void *arg)
{
	struct lt_slow *s = arg;
	int *fd = calloc(s->n, sizeof(int));
	double *since = calloc(s->n, sizeof(double));
	double *again = calloc(s->n, sizeof(double));   /* a closed slot reopens after interval */
	struct pollfd *pf = calloc(s->n, sizeof(*pf));
	double t_end = lt_now() + s->seconds, next = 0;
	unsigned i, line = 0;

	if (!fd || !since || !again || !pf)
		goto out;
	for (i = 0; i < s->n; i++)
		fd[i] = -1;
	while (!s->stop && lt_now() < t_end) {
		double now = lt_now();
		char hdr[64], b[256];
		int nh;

		for (i = 0; i < s->n; i++) {
			if (fd[i] >= 0 || now < again[i])
				continue;
			fd[i] = slow_open(s);
			if (fd[i] < 0) {
				s->connect_fail++;
				again[i] = now + s->interval;
				continue;
			}
			since[i] = lt_now();
			s->opened++;
		}
		if (now >= next) {
			nh = snprintf(hdr, sizeof(hdr), "X-Slow-%u: 1\r\n", line++);
			for (i = 0; i < s->n; i++)
				if (fd[i] >= 0)
					send(fd[i], hdr, (size_t)nh, MSG_NOSIGNAL | MSG_DONTWAIT);
			next = now + s->interval;
		}
		for (i = 0; i < s->n; i++) {
			pf[i].fd = fd[i];
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		poll(pf, s->n, 100);
		for (i = 0; i < s->n; i++) {
			ssize_t r;
			double held;
			if (fd[i] < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(fd[i], b, sizeof(b), MSG_DONTWAIT);
			if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR)))
				continue;   /* an answer before the close (e.g. 408): wait for the close */
			held = lt_now() - since[i];
			s->closed_by_server++;
			s->held_sum += held;
			if (held > s->held_max)
				s->held_max = held;
			close(fd[i]);
			fd[i] = -1;
			again[i] = lt_now() + s->interval;
		}
	}
out:
	for (i = 0; fd && i < s->n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	free(fd);
	free(since);
	free(again);
	free(pf);
	return NULL;
}

static void *probe_main(void *arg)
{
	struct lt_slow *s = arg;
	double t_end = lt_now() + s->seconds;

	nap(0.5);   /* let the slow connections take their places first */
	while (!s->stop && lt_now() < t_end) {
		struct lt_resp r;
		double t0 = lt_now(), ms;

		lt_http(s->tgt, "GET", "/healthz", NULL, NULL, NULL, 0, 1.0, 0, NULL, NULL, &r);
		ms = (lt_now() - t0) * 1e3;
		s->probes++;
		if (r.err == LE_NONE && r.status == 200)
			s->probes_ok++;
		s->probe_sum_ms += ms;
		if (ms > s->probe_max_ms)
			s->probe_max_ms = ms;
		nap(0.5);
	}
	return NULL;
}

int lt_slow_start(struct lt_slow *s)
{
	if (s->n == 0 || s->n > SL_MAX)
		return -1;
	if (pthread_create(&s->th, NULL, slow_main, s) != 0)
		return -1;
	if (pthread_create(&s->probe, NULL, probe_main, s) != 0) {
		s->stop = 1;
		pthread_join(s->th, NULL);
		return -1;
	}
	s->started = 1;
	return 0;
}

void lt_slow_stop(struct lt_slow *s)
{
	if (!s->started)
		return;
	s->stop = 1;
	pthread_join(s->th, NULL);
	pthread_join(s->probe, NULL);
	s->started = 0;
}

void lt_slow_report(const struct lt_slow *s, FILE *out)
{
	fprintf(out, "slowloris: %u slow connections (a header line every %.1f s): %llu opened, "
		"%llu closed by the server (held %.1f s on average, %.1f s at most), %llu failed to "
		"connect\n",
		s->n, s->interval, s->opened, s->closed_by_server,
		s->closed_by_server ? s->held_sum / (double)s->closed_by_server : 0.0, s->held_max,
		s->connect_fail);
	fprintf(out, "slowloris: GET /healthz probes: %llu of %llu answered 200 within 1 s, latency "
		"mean %.1f ms, max %.1f ms\n",
		s->probes_ok, s->probes, s->probes ? s->probe_sum_ms / (double)s->probes : 0.0,
		s->probe_max_ms);
}
