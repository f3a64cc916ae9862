/* report: /metrics scraping, /proc sampling, and the text, CSV, JSON and PNG outputs. */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"

extern char **environ;

#define MAX_STATUSES 16
#define LATE_S 0.050	/* open loop: a send this much after its scheduled time counts as late */

/* --- /metrics -------------------------------------------------------------------------------- */

static double metric_sum(const char *s, const char *name, const char *label)
{
	size_t nl = strlen(name);
	const char *p = s;
	double sum = 0;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		if (*p != '#' && !strncmp(p, name, nl) && (p[nl] == ' ' || p[nl] == '{')) {
			const char *sp = memchr(p, ' ', eol ? (size_t)(eol - p) : strlen(p));
			int match = !label || (p[nl] == '{' && sp && memmem(p, (size_t)(sp - p), label,
									    strlen(label)));
			if (sp && match)
				sum += strtod(sp + 1, NULL);
		}
		p = eol ? eol + 1 : NULL;
	}
	return sum;
}

int lt_scrape_metrics(const struct lt_target *t, struct lt_metrics *m)
{
	struct lt_resp r;

	memset(m, 0, sizeof(*m));
	if (lt_http(t, "GET", "/metrics", NULL, NULL, NULL, 0, 10, 1, NULL, NULL, &r) < 0 ||
	    r.status != 200 || !r.body.s) {
		sb_release(&r.body);
		return -1;
	}
	m->candidates = metric_sum(r.body.s, "rtlreward_candidates_total", NULL);
	/* every layer's hits: a candidate answered from the cache hits exactly one layer (a
	 * lookup that waited for an identical key in flight then hits the LRU) */
	m->hits = metric_sum(r.body.s, "rtlreward_cache_total", "event=\"hit\"");
	m->dedup = metric_sum(r.body.s, "rtlreward_cache_dedup_total", NULL);
	m->rejected = metric_sum(r.body.s, "rtlreward_rejected_total", NULL);
	m->ok = 1;
	sb_release(&r.body);
	return 0;
}

/* --- /proc ----------------------------------------------------------------------------------- */

void lt_sample_now(const struct lt_run *r, struct lt_sample *s)
{
	struct rusage ru;
	char path[64], buf[4096];
	FILE *f;

	s->t = lt_now() - r->t0;
	s->srv_cpu_s = -1;
	s->rss_kb = -1;
	getrusage(RUSAGE_SELF, &ru);
	s->self_cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s->host_busy_s = -1;
	f = fopen("/proc/stat", "r");
	if (f) {
		unsigned long long v[8] = {0};
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8)
			s->host_busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
					 (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	if (!r->server_pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)r->server_pid);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		char *p;
		buf[n] = 0;
		fclose(f);
		/* fields after "(comm)": state ppid ... utime(14) stime cutime cstime */
		p = strrchr(buf, ')');
		if (p) {
			unsigned long long ut, st;
			long long cut, cst;
			if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
				   &ut, &st, &cut, &cst) == 4)
				s->srv_cpu_s = (double)(ut + st + (unsigned long long)cut +
							(unsigned long long)cst) / (double)sysconf(_SC_CLK_TCK);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)r->server_pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f))
			if (!strncmp(buf, "VmRSS:", 6)) {
				s->rss_kb = strtol(buf + 6, NULL, 10);
				break;
			}
		fclose(f);
	}
}

/* --- statistics ------------------------------------------------------------------------------ */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return NAN;
	k = (size_t)ceil(q * (double)n);
	return v[k ? k - 1 : 0];
}

static double pctf(const float *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return NAN;
	k = (size_t)ceil(q * (double)n);
	return v[k ? k - 1 : 0];
}

static int cmp_rec_end(const void *a, const void *b)
{
	double x = ((const struct lt_rec *)a)->end, y = ((const struct lt_rec *)b)->end;

	return x < y ? -1 : x > y;
}

struct summary {
	uint64_t issued, answered, ok, failed, results, cached, infra, late;
	unsigned status[MAX_STATUSES][2];	/* code, count */
	unsigned nstatus;
	unsigned errs[LE_NERR];
	double wall, lat[4], clat[4], max_lag, srv_cores, srv_cpu, self_cores, host_cores;
	long rss_first, rss_last, rss_max;
	double rss_slope;	/* KiB per minute */
	int have_srv, have_rss, have_clat;
};

static void count_status(struct summary *s, int code)
{
	unsigned i;

	for (i = 0; i < s->nstatus; i++)
		if (s->status[i][0] == (unsigned)code) {
			s->status[i][1]++;
			return;
		}
	if (s->nstatus < MAX_STATUSES) {
		s->status[s->nstatus][0] = (unsigned)code;
		s->status[s->nstatus++][1] = 1;
	}
}

static unsigned status_count(const struct summary *s, int code)
{
	unsigned i;

	for (i = 0; i < s->nstatus; i++)
		if (s->status[i][0] == (unsigned)code)
			return s->status[i][1];
	return 0;
}

static void summarise(struct lt_run *r, struct summary *s, double *lat)
{
	size_t i, nlat = 0, nr = 0;
	double last = r->t0, sx = 0, sy = 0, sxx = 0, sxy = 0;
	const struct lt_sample *a, *b;

	memset(s, 0, sizeof(*s));
	s->issued = atomic_load(&r->issued);
	s->rss_max = -1;
	for (i = 0; i < r->nrec; i++) {
		const struct lt_rec *x = &r->rec[i];
		if (x->end > last)
			last = x->end;
		if (x->start - x->sched > LATE_S)
			s->late++;
		if (x->start - x->sched > s->max_lag)
			s->max_lag = x->start - x->sched;
		if (x->err != LE_NONE) {
			s->failed++;
			s->errs[x->err < LE_NERR ? x->err : LE_PROTO]++;
			continue;
		}
		s->answered++;
		count_status(s, x->status);
		if (x->status != 200)
			continue;
		s->ok++;
		s->results += x->n_results;
		s->cached += x->n_cached;
		s->infra += x->n_infra;
		lat[nlat++] = (x->end - x->sched) * 1e3;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_d);
	s->lat[0] = pct(lat, nlat, 0.50);
	s->lat[1] = pct(lat, nlat, 0.90);
	s->lat[2] = pct(lat, nlat, 0.99);
	s->lat[3] = nlat ? lat[nlat - 1] : NAN;
	if (r->nclat) {
		qsort(r->clat, r->nclat, sizeof(*r->clat), cmp_f);
		s->clat[0] = pctf(r->clat, r->nclat, 0.50);
		s->clat[1] = pctf(r->clat, r->nclat, 0.90);
		s->clat[2] = pctf(r->clat, r->nclat, 0.99);
		s->clat[3] = r->clat[r->nclat - 1];
		s->have_clat = 1;
	}
	s->wall = last - r->t0;
	r->wall = s->wall;
	if (r->nsmp >= 2) {
		a = &r->smp[0];
		b = &r->smp[r->nsmp - 1];
		s->self_cores = (b->self_cpu_s - a->self_cpu_s) / (b->t - a->t > 0 ? b->t - a->t : 1);
		s->host_cores = a->host_busy_s >= 0 && b->host_busy_s >= 0 ?
			(b->host_busy_s - a->host_busy_s) / (b->t - a->t > 0 ? b->t - a->t : 1) : NAN;
		if (a->srv_cpu_s >= 0 && b->srv_cpu_s >= 0) {
			s->have_srv = 1;
			s->srv_cpu = b->srv_cpu_s - a->srv_cpu_s;
			s->srv_cores = s->srv_cpu / (b->t - a->t > 0 ? b->t - a->t : 1);
		}
	}
	for (i = 0; i < r->nsmp; i++) {
		const struct lt_sample *x = &r->smp[i];
		if (x->rss_kb < 0)
			continue;
		if (!s->have_rss)
			s->rss_first = x->rss_kb;
		s->have_rss = 1;
		s->rss_last = x->rss_kb;
		if (x->rss_kb > s->rss_max)
			s->rss_max = x->rss_kb;
		nr++;
		sx += x->t;
		sy += (double)x->rss_kb;
		sxx += x->t * x->t;
		sxy += x->t * (double)x->rss_kb;
	}
	if (nr >= 2 && nr * sxx - sx * sx > 0)
		s->rss_slope = 60.0 * ((double)nr * sxy - sx * sy) / ((double)nr * sxx - sx * sx);
}

static void pr_lat(const char *what, const double *l)
{
	printf("  %-28s p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms\n", what, l[0], l[1], l[2], l[3]);
}

static void print_text(const struct lt_run *r, const struct summary *s)
{
	unsigned i;
	double d = s->wall > 0 ? s->wall : 1;

	printf("rtlreward-load: results over %.2f s\n", s->wall);
	printf("  requests                     %llu sent = %llu answered + %llu failed (connect %u, io %u, "
	       "timeout %u, protocol %u)\n",
	       (unsigned long long)s->issued, (unsigned long long)s->answered,
	       (unsigned long long)s->failed, s->errs[LE_CONNECT], s->errs[LE_IO], s->errs[LE_TIMEOUT],
	       s->errs[LE_PROTO]);
	printf("  http status                 ");
	for (i = 0; i < s->nstatus; i++)
		printf(" %u: %u", s->status[i][0], s->status[i][1]);
	printf("%s\n", s->nstatus ? "" : " none");
	printf("  throughput                   %.2f candidates/s, %.3f batches/s (%llu candidates in "
	       "%llu answered batches)\n",
	       (double)s->results / d, (double)s->ok / d, (unsigned long long)s->results,
	       (unsigned long long)s->ok);
	pr_lat("batch latency (200s)", s->lat);
	if (s->have_clat)
		pr_lat("candidate latency (NDJSON)", s->clat);
	if (!r->closed)
		printf("  schedule                     %llu sends more than %.0f ms late, max lag %.1f ms "
		       "(latency counts from the schedule)\n",
		       (unsigned long long)s->late, LATE_S * 1e3, s->max_lag * 1e3);
	printf("  cache hit rate (responses)   %.4f (%llu of %llu results cached); %llu INFRA_ERROR\n",
	       s->results ? (double)s->cached / (double)s->results : 0.0,
	       (unsigned long long)s->cached, (unsigned long long)s->results,
	       (unsigned long long)s->infra);
	for (i = 0; i < r->ninfra; i++)
		printf("    INFRA_ERROR e.g.           %s\n", r->infra[i]);
	if (r->m0.ok && r->m1.ok) {
		double dc = r->m1.candidates - r->m0.candidates, dh = r->m1.hits - r->m0.hits;
		printf("  server /metrics delta        candidates %.0f, cache hits %.0f (rate %.4f), dedup "
		       "waits %.0f, 429s %.0f\n",
		       dc, dh, dc > 0 ? dh / dc : 0.0, r->m1.dedup - r->m0.dedup,
		       r->m1.rejected - r->m0.rejected);
	} else {
		printf("  server /metrics delta        unavailable\n");
	}
	if (s->have_srv)
		printf("  server CPU                   %.2f s over the run = %.2f cores busy (of %ld online)\n",
		       s->srv_cpu, s->srv_cores, sysconf(_SC_NPROCESSORS_ONLN));
	else if (r->server_pid)
		printf("  server CPU                   unavailable (/proc/%d)\n", (int)r->server_pid);
	if (s->have_rss)
		printf("  server RSS                   first %ld, last %ld, max %ld KiB; slope %+.1f KiB/min\n",
		       s->rss_first, s->rss_last, s->rss_max, s->rss_slope);
	printf("  load generator CPU           %.2f cores\n", s->self_cores);
	printf("  host CPU (every process)     %.2f cores busy of %ld (a shared machine: what the server "
	       "did not get went elsewhere)\n", s->host_cores, sysconf(_SC_NPROCESSORS_ONLN));
}

/* --- files ----------------------------------------------------------------------------------- */

static int write_csv(struct lt_run *r, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i, j = 0, cap = 0;
	double *lat = NULL, win_t[10] = {0};
	unsigned long long cum = 0, win_c[10] = {0};
	size_t row = 0;

	if (!f) {
		fprintf(stderr, "rtlreward-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* after summarise(): this reorders the records and may merge the last sample interval */
	qsort(r->rec, r->nrec, sizeof(*r->rec), cmp_rec_end);
	fprintf(f, "t_s,batches,candidates,cand_per_s,p50_ms,p90_ms,p99_ms,http_200,http_429,"
		   "http_other,failed,cached,rss_kib,server_cores,loadgen_cores,host_cores,cand_per_s_10s\n");
	for (i = 1; i < r->nsmp; i++) {
		const struct lt_sample *a = &r->smp[i - 1], *b = &r->smp[i];

		/* a last interval shorter than half a second joins the one before it */
		if (i + 2 == r->nsmp && r->nsmp > 2 && r->smp[i + 1].t - b->t < 0.5) {
			r->smp[i] = *a;	/* the next row then spans a .. last */
			continue;
		}
		double dt = b->t - a->t > 1e-6 ? b->t - a->t : 1e-6;
		unsigned long long ok = 0, c429 = 0, other = 0, failed = 0, cands = 0, cached = 0;
		size_t nl = 0;

		for (; j < r->nrec && r->rec[j].end - r->t0 <= b->t; j++) {
			const struct lt_rec *x = &r->rec[j];
			if (x->err != LE_NONE) {
				failed++;
				continue;
			}
			if (x->status == 429)
				c429++;
			else if (x->status != 200)
				other++;
			if (x->status != 200)
				continue;
			ok++;
			cands += x->n_results;
			cached += x->n_cached;
			if (nl == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				double *n = realloc(lat, nc * sizeof(*n));
				if (!n)
					continue;
				lat = n;
				cap = nc;
			}
			lat[nl++] = (x->end - x->sched) * 1e3;
		}
		qsort(lat, nl, sizeof(*lat), cmp_d);
		fprintf(f, "%.3f,%llu,%llu,%.3f,", b->t, ok, cands, (double)cands / dt);
		if (nl)
			fprintf(f, "%.2f,%.2f,%.2f,", pct(lat, nl, 0.5), pct(lat, nl, 0.9), pct(lat, nl, 0.99));
		else
			fprintf(f, ",,,");
		fprintf(f, "%llu,%llu,%llu,%llu,%llu,", ok, c429, other, failed, cached);
		if (b->rss_kb >= 0)
			fprintf(f, "%ld", b->rss_kb);
		fprintf(f, ",");
		if (a->srv_cpu_s >= 0 && b->srv_cpu_s >= 0)
			fprintf(f, "%.3f", (b->srv_cpu_s - a->srv_cpu_s) / dt);
		fprintf(f, ",%.3f,", (b->self_cpu_s - a->self_cpu_s) / dt);
		if (a->host_busy_s >= 0 && b->host_busy_s >= 0)
			fprintf(f, "%.3f", (b->host_busy_s - a->host_busy_s) / dt);
		/* candidates/s over the last 10 rows (big batches make the per-second rate spiky) */
		{
			size_t k = row % 10;
			double t_old = row >= 10 ? win_t[k] : r->smp[0].t;
			unsigned long long c_old = row >= 10 ? win_c[k] : 0;

			cum += cands;
			fprintf(f, ",%.3f\n", b->t - t_old > 0 ? (double)(cum - c_old) / (b->t - t_old) : 0.0);
			win_t[k] = b->t;
			win_c[k] = cum;
			row++;
		}
	}
	free(lat);
	if (fclose(f) != 0) {
		fprintf(stderr, "rtlreward-load: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static int write_lat_csv(const struct lt_run *r, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "rtlreward-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "sched_s,start_s,end_s,latency_ms,status,error,items,results,cached,infra\n");
	for (i = 0; i < r->nrec; i++) {
		const struct lt_rec *x = &r->rec[i];
		fprintf(f, "%.6f,%.6f,%.6f,%.3f,%d,%s,%u,%u,%u,%u\n", x->sched - r->t0,
			x->start - r->t0, x->end - r->t0, (x->end - x->sched) * 1e3, x->status,
			lt_err_names[x->err < LE_NERR ? x->err : LE_PROTO], x->n_items, x->n_results,
			x->n_cached, x->n_infra);
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void json_num(FILE *f, const char *key, double v, int comma)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
	else
		fprintf(f, "\"%s\":%.6g%s", key, v, comma ? "," : "");
}

static void json_lat(FILE *f, const char *key, const double *l)
{
	fprintf(f, "\"%s\":{", key);
	json_num(f, "p50", l[0], 1);
	json_num(f, "p90", l[1], 1);
	json_num(f, "p99", l[2], 1);
	json_num(f, "max", l[3], 0);
	fprintf(f, "},");
}

static int write_json(const struct lt_run *r, const struct summary *s, const char *path,
		      const char *png)
{
	FILE *f = fopen(path, "w");
	double d = s->wall > 0 ? s->wall : 1;
	unsigned i;

	if (!f) {
		fprintf(stderr, "rtlreward-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"mode\":\"%s\",\"rate\":%g,\"clients\":%u,\"prompts\":%u,\"group\":%u,",
		r->closed ? "closed" : "open", r->rate, r->closed ? r->closed : r->conns,
		r->wl.prompts, r->wl.group);
	fprintf(f, "\"issued\":%llu,\"answered\":%llu,\"failed\":%llu,\"ok\":%llu,",
		(unsigned long long)s->issued, (unsigned long long)s->answered,
		(unsigned long long)s->failed, (unsigned long long)s->ok);
	fprintf(f, "\"errors\":{");
	for (i = 1; i < LE_NERR; i++)
		fprintf(f, "\"%s\":%u%s", lt_err_names[i], s->errs[i], i + 1 < LE_NERR ? "," : "");
	fprintf(f, "},\"status\":{");
	for (i = 0; i < s->nstatus; i++)
		fprintf(f, "\"%u\":%u%s", s->status[i][0], s->status[i][1], i + 1 < s->nstatus ? "," : "");
	fprintf(f, "},\"http_429\":%u,", status_count(s, 429));
	json_num(f, "wall_s", s->wall, 1);
	fprintf(f, "\"results\":%llu,\"cached\":%llu,\"infra\":%llu,", (unsigned long long)s->results,
		(unsigned long long)s->cached, (unsigned long long)s->infra);
	json_num(f, "candidates_per_s", (double)s->results / d, 1);
	json_num(f, "batches_per_s", (double)s->ok / d, 1);
	json_num(f, "hit_rate", s->results ? (double)s->cached / (double)s->results : NAN, 1);
	json_lat(f, "latency_ms", s->lat);
	if (s->have_clat)
		json_lat(f, "candidate_latency_ms", s->clat);
	fprintf(f, "\"late\":%llu,", (unsigned long long)s->late);
	json_num(f, "max_lag_ms", s->max_lag * 1e3, 1);
	if (r->m0.ok && r->m1.ok) {
		fprintf(f, "\"metrics\":{");
		json_num(f, "candidates", r->m1.candidates - r->m0.candidates, 1);
		json_num(f, "hits", r->m1.hits - r->m0.hits, 1);
		json_num(f, "dedup", r->m1.dedup - r->m0.dedup, 1);
		json_num(f, "rejected", r->m1.rejected - r->m0.rejected, 0);
		fprintf(f, "},");
	}
	if (s->have_srv) {
		json_num(f, "server_cpu_s", s->srv_cpu, 1);
		json_num(f, "server_cores", s->srv_cores, 1);
	}
	if (s->have_rss)
		fprintf(f, "\"rss_kib\":{\"first\":%ld,\"last\":%ld,\"max\":%ld,\"slope_per_min\":%.3f},",
			s->rss_first, s->rss_last, s->rss_max, s->rss_slope);
	if (png)
		fprintf(f, "\"plot\":\"%s\",", png);
	json_num(f, "host_cores", s->host_cores, 1);
	json_num(f, "loadgen_cores", s->self_cores, 0);
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* a path safe to paste into a gnuplot single-quoted string */
static int plain_path(const char *p)
{
	return !strpbrk(p, "'\\\n\r");
}

/* writes <png>.gp and runs gnuplot on it; 0 when the PNG was written, -2 when gnuplot is
 * missing (not an error of the run: the CSV is there), -1 on failure */
static int plot(const struct lt_run *r, const char *csv, const char *png)
{
	char gp[4096];
	const char *argv[3];
	FILE *f;
	pid_t pid;
	int st, e;

	if (!plain_path(csv) || !plain_path(png) || strlen(png) > sizeof(gp) - 4) {
		fprintf(stderr, "rtlreward-load: --plot: a path without quotes or backslashes, please\n");
		return -1;
	}
	snprintf(gp, sizeof(gp), "%s.gp", png);
	f = fopen(gp, "w");
	if (!f) {
		fprintf(stderr, "rtlreward-load: %s: %s\n", gp, strerror(errno));
		return -1;
	}
	fprintf(f, "# written by rtlreward-load; run: gnuplot '%s'\n"
		   "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		   "  set terminal pngcairo size 1100,1000 noenhanced font ',10'\n"
		   "} else {\n  set terminal png size 1100,1000 noenhanced\n}\n"
		   "set output '%s'\nset datafile separator ','\nset grid\nset key top left\n"
		   "set multiplot layout 3,1 title '",
		gp, png);
	for (const char *t = r->title; *t; t++)
		if (*t != '\'' && *t != '\\' && *t != '\n')
			fputc(*t, f);
	fprintf(f, "'\n"
		   "set xlabel 'time (s)'\nset ylabel 'candidates/s'\n"
		   "plot '%s' every ::1 using 1:17 with lines lw 2 title 'candidates/s (10 s average)', "
		   "'' every ::1 using 1:4 with impulses title 'candidates answered in the second', "
		   "'' every ::1 using 1:9 with points pt 7 ps 0.5 title '429s in the second'\n"
		   "set ylabel 'batch latency (ms)'\n"
		   "plot '%s' every ::1 using 1:5 with linespoints pt 7 ps 0.4 title 'p50', "
		   "'' every ::1 using 1:6 with linespoints pt 7 ps 0.4 title 'p90', "
		   "'' every ::1 using 1:7 with linespoints pt 7 ps 0.4 title 'p99'\n"
		   "set ylabel 'server RSS (MiB)'\nset y2label 'cores busy'\nset y2tics\nset ytics nomirror\n"
		   "set yrange [0:*]\nset y2range [0:*]\n"
		   "plot '%s' every ::1 using 1:($13/1024) with lines title 'server RSS (MiB)', "
		   "'' every ::1 using 1:14 axes x1y2 with lines title 'server cores', "
		   "'' every ::1 using 1:15 axes x1y2 with lines title 'load generator cores', "
		   "'' every ::1 using 1:16 axes x1y2 with lines dt 2 title 'whole machine cores'\n"
		   "unset multiplot\n",
		csv, csv, csv);
	if (fclose(f) != 0)
		return -1;
	argv[0] = "gnuplot";
	argv[1] = gp;
	argv[2] = NULL;
	e = posix_spawnp(&pid, "gnuplot", NULL, NULL, (char *const *)argv, environ);
	if (e) {
		fprintf(stderr, "rtlreward-load: gnuplot could not be started (%s): no PNG written; "
			"the data is in %s and the script in %s (Debian package gnuplot-nox)\n",
			strerror(e), csv, gp);
		return -2;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || access(png, F_OK) != 0) {
		fprintf(stderr, "rtlreward-load: gnuplot failed on %s: no PNG written (the data is in %s)\n",
			gp, csv);
		return -1;
	}
	return 0;
}

int lt_report(struct lt_run *r)
{
	struct summary s;
	double *lat = calloc(r->nrec + 1, sizeof(*lat));
	char csvbuf[4096];
	const char *csv = r->csv, *png = NULL;
	int rc = 0;

	if (!lat) {
		fprintf(stderr, "rtlreward-load: out of memory for the report\n");
		return 1;
	}
	summarise(r, &s, lat);
	free(lat);
	print_text(r, &s);
	if (r->plot && !csv) {
		snprintf(csvbuf, sizeof(csvbuf), "%s.csv", r->plot);
		csv = csvbuf;
	}
	if (csv) {
		if (write_csv(r, csv) < 0)
			rc = 1;
		else
			printf("  per-second samples           %s\n", csv);
	}
	if (r->lat_csv) {
		if (write_lat_csv(r, r->lat_csv) < 0)
			rc = 1;
		else
			printf("  per-request records          %s\n", r->lat_csv);
	}
	if (r->plot && csv && rc == 0) {
		int p = plot(r, csv, r->plot);
		if (p == 0) {
			png = r->plot;
			printf("  plot                         %s\n", png);
		} else if (p == -1) {
			rc = 1;
		}
	}
	if (r->json && write_json(r, &s, r->json, png) < 0)
		rc = 1;
	fflush(stdout);
	return rc;
}
