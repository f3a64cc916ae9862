/* load: the shared state of one load-generator run (loadtest/main.c drives it, report.c
 * summarises it). Records are appended under `mu` by the client threads; the report reads
 * them after every thread has been joined. */
#ifndef LT_LOAD_H
#define LT_LOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "http.h"
#include "workload.h"

#define LT_MAX_RECORDS 10000000u	/* requests kept for the report */
#define LT_MAX_CAND_LAT 50000000u	/* per-candidate latencies kept (NDJSON) */
#define LT_MAX_SAMPLES 1000000u		/* one per second */

struct lt_rec {
	double sched, start, end;	/* monotonic s: when it was due, sent, answered */
	int status;			/* HTTP status, 0 when none */
	unsigned char err;		/* enum lt_err */
	unsigned n_items, n_results, n_cached, n_infra;
};

struct lt_sample {
	double t;			/* s since the run started */
	double srv_cpu_s;		/* server utime+stime+cutime+cstime, s; -1 unknown */
	long rss_kb;			/* server VmRSS, KiB; -1 unknown */
	double self_cpu_s;		/* this process's CPU time, s */
	double host_busy_s;		/* every CPU's non-idle time (/proc/stat), s; -1 unknown */
};

struct lt_metrics {
	int ok;
	double candidates, hits, dedup, rejected;
};

struct lt_run {
	/* options */
	struct lt_target tgt;
	struct workload wl;
	unsigned closed;		/* N clients, 0 = open loop */
	double rate;			/* batches/s in the open loop */
	unsigned conns;			/* open loop: concurrent connections at most */
	uint64_t max_requests;
	double seconds, req_timeout;
	int ndjson;
	int split;			/* --one-at-a-time: one item per request */
	pid_t server_pid;
	const char *csv, *lat_csv, *plot, *json, *title;

	/* run state */
	_Atomic uint64_t next, issued;
	double t0, t_end;
	pthread_mutex_t mu;
	struct lt_rec *rec;
	size_t nrec, caprec;
	float *clat;			/* per-candidate latency, ms (NDJSON) */
	size_t nclat, capclat;
	struct lt_sample *smp;
	size_t nsmp, capsmp;
	_Atomic int done;
	struct lt_metrics m0, m1;
	double wall;			/* first send to last answer, s */
	char infra[4][160];		/* the first distinct INFRA_ERROR texts seen */
	unsigned ninfra;
};

/* /metrics scrape: 0 ok */
int lt_scrape_metrics(const struct lt_target *t, struct lt_metrics *m);
/* /proc sampling of the server (-1 values when unknown) and of this process */
void lt_sample_now(const struct lt_run *r, struct lt_sample *s);
/* text report to stdout; CSV, plot and JSON files as asked. Returns 0, or 1 when a file
 * could not be written. */
int lt_report(struct lt_run *r);

#endif
