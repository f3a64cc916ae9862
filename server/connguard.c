/* connguard: connection budget, per-client limit, reserve and request deadlines (see
 * connguard.h). */
#include "connguard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CG_RESERVE_PER_CLIENT 2
#define CG_RESERVE_HEADER_S 5
#define CG_REFUSE_SLACK 64      /* refused connections live until MHD closes them */

enum cg_class { CG_FREE = 0, CG_ORDINARY, CG_RESERVE, CG_REFUSED };
enum cg_phase { PH_HEADERS, PH_BODY, PH_HANDLER };

struct cg_conn {
	enum cg_class cls;
	enum cg_phase phase;
	int fd;
	int killed;                /* shut down by the watchdog */
	unsigned char addr[16];    /* client address: IPv4 in the first 4 bytes, or IPv6 */
	unsigned char alen;
	double deadline;           /* CLOCK_MONOTONIC s; 0: none */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct cg_conn *slots;
static size_t nslots;
static unsigned lim_conn, lim_client, lim_reserve, t_header, t_body;
static unsigned n_ord, n_res;
static struct cg_stats st;
static pthread_t wd;
static int wd_started, stopping;

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void key_of(const struct sockaddr *a, unsigned char out[16], unsigned char *len)
{
	memset(out, 0, 16);
	*len = 0;
	if (!a)
		return;
	if (a->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)a)->sin_addr, 4);
		*len = 4;
	} else if (a->sa_family == AF_INET6) {
		const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(x)) {
			memcpy(out, x->s6_addr + 12, 4);
			*len = 4;
		} else {
			memcpy(out, x->s6_addr, 16);
			*len = 16;
		}
	}
}

/* Connections of class `cls` from this address (under mu). */
static unsigned count_from(const unsigned char *k, unsigned char len, enum cg_class cls)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < nslots; i++)
		if (slots[i].cls == cls && slots[i].alen == len && !memcmp(slots[i].addr, k, len))
			n++;
	return n;
}

static void *watchdog(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		struct timespec ts;
		double now = mono_s();
		size_t i;

		for (i = 0; i < nslots; i++) {
			struct cg_conn *c = &slots[i];
			if (c->cls == CG_FREE || c->killed || c->deadline <= 0 || now < c->deadline)
				continue;
			/* the fd is still MHD's: cg_close (under mu) runs before MHD closes it */
			shutdown(c->fd, SHUT_RDWR);
			c->killed = 1;
			if (c->phase == PH_BODY)
				st.body_timeouts++;
			else
				st.header_timeouts++;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

unsigned cg_init(unsigned max_conn, unsigned per_client, unsigned reserve, unsigned header_s,
		 unsigned body_s, char *err, size_t errlen)
{
	lim_conn = max_conn;
	lim_client = per_client;
	lim_reserve = reserve;
	t_header = header_s;
	t_body = body_s;
	nslots = (size_t)max_conn + reserve + CG_REFUSE_SLACK;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	stopping = 0;
	if (pthread_create(&wd, NULL, watchdog, NULL) != 0) {
		snprintf(err, errlen, "cannot start the connection watchdog thread");
		free(slots);
		slots = NULL;
		return 0;
	}
	wd_started = 1;
	return (unsigned)nslots;
}

void cg_shutdown(void)
{
	if (wd_started) {
		pthread_mutex_lock(&mu);
		stopping = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		pthread_join(wd, NULL);
		wd_started = 0;
	}
	free(slots);
	slots = NULL;
	nslots = 0;
	n_ord = n_res = 0;
}

struct cg_conn *cg_open(int fd, const struct sockaddr *addr)
{
	struct cg_conn *c = NULL;
	unsigned char k[16], kl;
	size_t i;
	double now = mono_s();

	key_of(addr, k, &kl);
	pthread_mutex_lock(&mu);
	for (i = 0; i < nslots; i++)
		if (slots[i].cls == CG_FREE) {
			c = &slots[i];
			break;
		}
	if (!c) {
		st.refused++;
		shutdown(fd, SHUT_RDWR);
		goto out;
	}
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	memcpy(c->addr, k, 16);
	c->alen = kl;
	c->phase = PH_HEADERS;
	if (n_ord < lim_conn && count_from(k, kl, CG_ORDINARY) < lim_client) {
		c->cls = CG_ORDINARY;
		c->deadline = now + t_header;
		n_ord++;
	} else if (n_res < lim_reserve && count_from(k, kl, CG_RESERVE) < CG_RESERVE_PER_CLIENT) {
		c->cls = CG_RESERVE;
		c->deadline = now + (t_header < CG_RESERVE_HEADER_S ? t_header : CG_RESERVE_HEADER_S);
		n_res++;
		st.to_reserve++;
	} else {
		c->cls = CG_REFUSED;
		c->killed = 1;
		st.refused++;
		shutdown(fd, SHUT_RDWR);
	}
out:
	pthread_mutex_unlock(&mu);
	return c;
}

void cg_close(struct cg_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&mu);
	if (c->cls == CG_ORDINARY)
		n_ord--;
	else if (c->cls == CG_RESERVE)
		n_res--;
	memset(c, 0, sizeof(*c));
	c->cls = CG_FREE;
	pthread_mutex_unlock(&mu);
}

static void set_phase(struct cg_conn *c, enum cg_phase ph, double secs)
{
	if (!c)
		return;
	pthread_mutex_lock(&mu);
	c->phase = ph;
	c->deadline = secs > 0 ? mono_s() + secs : 0;
	pthread_mutex_unlock(&mu);
}

void cg_headers_done(struct cg_conn *c)
{
	set_phase(c, PH_BODY, t_body);
}

void cg_body_done(struct cg_conn *c)
{
	set_phase(c, PH_HANDLER, 0);
}

void cg_request_done(struct cg_conn *c)
{
	if (c && c->cls == CG_RESERVE)
		set_phase(c, PH_HEADERS, t_header < CG_RESERVE_HEADER_S ? t_header : CG_RESERVE_HEADER_S);
	else
		set_phase(c, PH_HEADERS, t_header);
}

int cg_is_reserve(const struct cg_conn *c)
{
	int r;

	if (!c)
		return 1;
	pthread_mutex_lock(&mu);
	r = c->cls != CG_ORDINARY;
	pthread_mutex_unlock(&mu);
	return r;
}

void cg_get_stats(struct cg_stats *s)
{
	pthread_mutex_lock(&mu);
	*s = st;
	s->open_ordinary = n_ord;
	s->open_reserve = n_res;
	pthread_mutex_unlock(&mu);
}
