/* slowloris: the load generator's slow-client mode (--slowloris N). Loopback only, bounded.
 *
 * One thread holds N connections, each sending the start of a request and then one more
 * header line every --slow-interval seconds, never finishing its headers; a connection the
 * server closes is replaced --slow-interval seconds later (bounded churn). Meanwhile a probe
 * thread sends GET /healthz (1 s deadline) every 0.5 s from the target's own address. Both stop at
 * --seconds. The slow connections come from --slow-from (another loopback address, so that
 * the scoring clients, if any, count as a different client), default the target's family's
 * loopback 127.0.0.1 or ::1.
 */
#ifndef LT_SLOWLORIS_H
#define LT_SLOWLORIS_H

#include <pthread.h>
#include <stdio.h>

#include "http.h"

struct lt_slow {
	/* options */
	const struct lt_target *tgt;
	unsigned n;
	double interval, seconds;
	struct sockaddr_storage src;
	socklen_t srclen;		/* 0: no explicit source address */

	/* results (read after lt_slow_stop) */
	unsigned long long opened, closed_by_server, connect_fail;
	double held_max, held_sum;	/* seconds a closed connection was held */
	unsigned long long probes, probes_ok;
	double probe_max_ms, probe_sum_ms;

	pthread_t th, probe;
	volatile int stop;
	int started;
};

/* Parses --slow-from (a loopback address of the target's family). 0, or -1 with err. */
int lt_slow_source(struct lt_slow *s, const char *addr, char *err, size_t errlen);
int lt_slow_start(struct lt_slow *s);
void lt_slow_stop(struct lt_slow *s);
void lt_slow_report(const struct lt_slow *s, FILE *out);

#endif
