/* rtlreward-load: a load generator for rtlreward's POST /v1/score, loopback only.
 *
 * Closed loop (--closed N: N clients, each sends its next batch when the previous one was
 * answered) or open loop (--rate R batches/s on a fixed schedule; latency is measured from the
 * scheduled send time, so a slow server cannot hide its queueing: no coordinated omission).
 * Bounded by --requests and --seconds (whichever comes first; a request in flight at the end
 * is bounded by --req-timeout). See --help and README "Throughput".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "slowloris.h"

/* SIGINT/SIGTERM: stop sending, let the requests in flight finish, then report */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n\n"
		"rtlreward-load: GRPO-shaped load against rtlreward's POST /v1/score (loopback only).\n\n"
		"target\n"
		"  --url URL            http://127.0.0.1:PORT (also --host H --port P); only 127.0.0.0/8,\n"
		"                       ::1 and localhost are accepted\n"
		"mode (one of)\n"
		"  --closed N           N concurrent clients, each sends its next batch when answered\n"
		"  --rate R             open loop: R batches/s on a schedule; latency from the scheduled\n"
		"                       time; --conns C connections at most (default 64)\n"
		"bounds\n"
		"  --requests N         batches at most (default 1000)\n"
		"  --seconds S          stop sending after S seconds (default 10)\n"
		"  --req-timeout S      deadline of one request: connect + send + answer (default 60)\n"
		"workload\n"
		"  --problems DIR       the project's problem format (default ./problems when present)\n"
		"  --veval DIR          VerilogEval v2 dataset_spec-to-rtl (the server must load it too)\n"
		"  --max-problems K     the first K problems by id (default all)\n"
		"  --skip ID            leave problem ID out (repeatable)\n"
		"  --prompts P          prompts per batch (default 4)\n"
		"  --group G            samples per prompt (default 16)\n"
		"  --dup-exact F        share of samples repeating an earlier one of the group exactly\n"
		"  --dup-ws F           share repeating one with comments and whitespace added\n"
		"  --syntax-err F       share with a syntax error\n"
		"  --wrong F            share with one operator or constant flipped\n"
		"  --timeout F          share whose simulation never ends (costs the server --sim-timeout)\n"
		"  --unique             fresh samples carry a unique localparam: cache hits are only the\n"
		"                       intended duplicates (also across batches and runs of other seeds)\n"
		"  --seed N             workload seed (default 1)\n"
		"request options\n"
		"  --no-cache --engine E --mode M --preset P\n"
		"  --ndjson             ask for streamed results: per-candidate latency is reported\n"
		"  --one-at-a-time      send the same batches' candidates one per request (a baseline;\n"
		"                       --requests then counts candidates)\n"
		"slow clients (instead of the scoring load)\n"
		"  --slowloris N        hold N connections that send a header line every --slow-interval\n"
		"                       seconds and never finish (reopened when the server closes them),\n"
		"                       probe GET /healthz every 0.5 s; for --seconds; exit 1 when a\n"
		"                       probe failed\n"
		"  --slow-interval S    seconds between header lines (default 1)\n"
		"  --slow-from ADDR     loopback source address of the slow connections (e.g. 127.0.0.2)\n"
		"report\n"
		"  --server-pid PID     server CPU (utime+stime of it and its children) and RSS per second\n"
		"  --csv FILE           per-second samples   --lat-csv FILE  per-request records\n"
		"  --plot FILE.png      gnuplot PNG of throughput, latency, server CPU and RSS over time\n"
		"  --json FILE          the summary as JSON   --title T  plot title\n"
		"  --print-batch N      print batch N's request body and exit\n",
		argv0);
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void add_rec(struct lt_run *r, const struct lt_rec *x)
{
	pthread_mutex_lock(&r->mu);
	if (r->nrec == r->caprec && r->caprec < LT_MAX_RECORDS) {
		size_t cap = r->caprec ? r->caprec * 2 : 4096;
		struct lt_rec *n;
		if (cap > LT_MAX_RECORDS)
			cap = LT_MAX_RECORDS;
		n = realloc(r->rec, cap * sizeof(*n));
		if (n) {
			r->rec = n;
			r->caprec = cap;
		}
	}
	if (r->nrec < r->caprec)
		r->rec[r->nrec++] = *x;
	pthread_mutex_unlock(&r->mu);
}

static void add_infra(struct lt_run *r, const char *e)
{
	unsigned i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->ninfra; i++)
		if (!strcmp(r->infra[i], e))
			break;
	if (i == r->ninfra && r->ninfra < sizeof(r->infra) / sizeof(r->infra[0]))
		snprintf(r->infra[r->ninfra++], sizeof(r->infra[0]), "%s", e);
	pthread_mutex_unlock(&r->mu);
}

struct line_ctx {
	struct lt_run *r;
	double sched;
};

static void on_line(void *arg, double t, int cached)
{
	struct line_ctx *c = arg;
	struct lt_run *r = c->r;

	(void)cached;
	pthread_mutex_lock(&r->mu);
	if (r->nclat == r->capclat && r->capclat < LT_MAX_CAND_LAT) {
		size_t cap = r->capclat ? r->capclat * 2 : 65536;
		float *n = realloc(r->clat, cap * sizeof(*n));
		if (n) {
			r->clat = n;
			r->capclat = cap;
		}
	}
	if (r->nclat < r->capclat)
		r->clat[r->nclat++] = (float)((t - c->sched) * 1e3);
	pthread_mutex_unlock(&r->mu);
}

static void sleep_until(double t)
{
	for (;;) {
		double left = t - lt_now();
		struct timespec ts;

		if (left <= 0 || interrupted)
			return;
		if (left > 0.2)
			left = 0.2;	/* wake up to notice an interrupt */
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void *client(void *arg)
{
	struct lt_run *r = arg;
	size_t bsize = wl_batch_size(&r->wl);

	for (;;) {
		uint64_t idx = atomic_fetch_add(&r->next, 1);
		struct lt_rec x = {0};
		struct lt_resp resp;
		struct line_ctx lc = {r, 0};
		unsigned kinds[WK_NKINDS];
		size_t len;
		char *body;

		if (idx >= r->max_requests || interrupted)
			break;
		if (r->closed) {
			if (lt_now() >= r->t_end)
				break;
		} else if (r->t0 + (double)idx / r->rate >= r->t_end) {
			break;
		}
		if (r->split)	/* request idx is item idx % size of batch idx / size */
			body = wl_batch_json(&r->wl, idx / bsize, idx % bsize, 1, &len, kinds);
		else
			body = wl_batch_json(&r->wl, idx, 0, bsize, &len, kinds);
		if (!body) {
			fprintf(stderr, "rtlreward-load: out of memory building batch %llu\n",
				(unsigned long long)idx);
			break;
		}
		if (r->closed) {
			x.sched = lt_now();
		} else {
			x.sched = r->t0 + (double)idx / r->rate;
			sleep_until(x.sched);
			if (interrupted) {
				free(body);
				break;
			}
		}
		x.start = lt_now();
		lc.sched = x.sched;
		atomic_fetch_add(&r->issued, 1);
		lt_http(&r->tgt, "POST", "/v1/score", "application/json",
			r->ndjson ? "application/x-ndjson" : NULL, body, len, r->req_timeout, 0,
			r->ndjson ? on_line : NULL, &lc, &resp);
		x.end = lt_now();
		x.status = resp.err == LE_NONE ? resp.status : 0;
		x.err = (unsigned char)resp.err;
		x.n_items = r->split ? 1 : (unsigned)bsize;
		x.n_results = resp.n_results;
		x.n_cached = resp.n_cached;
		x.n_infra = resp.n_infra;
		add_rec(r, &x);
		if (resp.infra_error[0])
			add_infra(r, resp.infra_error);
		free(body);
	}
	return NULL;
}

static void add_sample(struct lt_run *r)
{
	struct lt_sample s;

	lt_sample_now(r, &s);
	pthread_mutex_lock(&r->mu);
	if (r->nsmp == r->capsmp && r->capsmp < LT_MAX_SAMPLES) {
		size_t cap = r->capsmp ? r->capsmp * 2 : 256;
		struct lt_sample *n = realloc(r->smp, cap * sizeof(*n));
		if (n) {
			r->smp = n;
			r->capsmp = cap;
		}
	}
	if (r->nsmp < r->capsmp)
		r->smp[r->nsmp++] = s;
	pthread_mutex_unlock(&r->mu);
}

static void *sampler(void *arg)
{
	struct lt_run *r = arg;
	double next = r->t0 + 1.0;

	while (!atomic_load(&r->done)) {
		double now = lt_now();
		if (now >= next) {
			add_sample(r);
			next += 1.0;
			continue;
		}
		sleep_until(now + (next - now < 0.05 ? next - now : 0.05));
	}
	return NULL;
}

enum {
	O_URL = 256, O_HOST, O_PORT, O_CLOSED, O_RATE, O_CONNS, O_REQUESTS, O_SECONDS, O_REQ_TIMEOUT,
	O_PROBLEMS, O_VEVAL, O_MAXP, O_PROMPTS, O_GROUP, O_DUPX, O_DUPW, O_SYNTAX, O_WRONG,
	O_TIMEOUT, O_UNIQUE, O_SEED, O_NOCACHE, O_ENGINE, O_MODE, O_PRESET, O_NDJSON, O_PID,
	O_CSV, O_LATCSV, O_PLOT, O_JSON, O_TITLE, O_PRINT, O_SPLIT, O_SKIP, O_SLOW, O_SLOWINT,
	O_SLOWFROM, O_HELP
};

static const struct option longopts[] = {
	{"url", 1, 0, O_URL}, {"host", 1, 0, O_HOST}, {"port", 1, 0, O_PORT},
	{"closed", 1, 0, O_CLOSED}, {"rate", 1, 0, O_RATE}, {"conns", 1, 0, O_CONNS},
	{"requests", 1, 0, O_REQUESTS}, {"seconds", 1, 0, O_SECONDS},
	{"req-timeout", 1, 0, O_REQ_TIMEOUT}, {"problems", 1, 0, O_PROBLEMS},
	{"veval", 1, 0, O_VEVAL}, {"max-problems", 1, 0, O_MAXP}, {"prompts", 1, 0, O_PROMPTS},
	{"group", 1, 0, O_GROUP}, {"dup-exact", 1, 0, O_DUPX}, {"dup-ws", 1, 0, O_DUPW},
	{"syntax-err", 1, 0, O_SYNTAX}, {"wrong", 1, 0, O_WRONG}, {"timeout", 1, 0, O_TIMEOUT},
	{"unique", 0, 0, O_UNIQUE}, {"seed", 1, 0, O_SEED}, {"no-cache", 0, 0, O_NOCACHE},
	{"engine", 1, 0, O_ENGINE}, {"mode", 1, 0, O_MODE}, {"preset", 1, 0, O_PRESET},
	{"ndjson", 0, 0, O_NDJSON}, {"server-pid", 1, 0, O_PID}, {"csv", 1, 0, O_CSV},
	{"lat-csv", 1, 0, O_LATCSV}, {"plot", 1, 0, O_PLOT}, {"json", 1, 0, O_JSON},
	{"title", 1, 0, O_TITLE}, {"print-batch", 1, 0, O_PRINT}, {"one-at-a-time", 0, 0, O_SPLIT},
	{"skip", 1, 0, O_SKIP}, {"slowloris", 1, 0, O_SLOW}, {"slow-interval", 1, 0, O_SLOWINT},
	{"slow-from", 1, 0, O_SLOWFROM},
	{"help", 0, 0, O_HELP},
	{0, 0, 0, 0}};

/* a request option value: a short word of [A-Za-z0-9_-] (it goes into the JSON body as is) */
static int word_ok(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || s[i] == '-' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return n > 0 && n < 64;
}

int main(int argc, char **argv)
{
	static struct lt_run run;
	struct lt_run *r = &run;
	const char *url = NULL, *host = "127.0.0.1", *problems = NULL, *veval = NULL;
	char err[512], uhost[256];
	struct sbuf opts = {0};
	double v, max_problems = 0, print_batch = -1;
	int port = 8080, c, rc = 1, have_problems = 0, closed_set = 0;
	unsigned k, nthreads;
	pthread_t *th = NULL, smp;
	struct sigaction sa;
	const char *skip[256], *slow_from = NULL;
	size_t nskip = 0, i;
	static struct lt_slow slow;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_mutex_init(&r->mu, NULL);
	r->max_requests = 1000;
	r->seconds = 10;
	r->req_timeout = 60;
	r->conns = 64;
	r->wl.prompts = 4;
	r->wl.group = 16;
	r->wl.seed = 1;
	r->title = "rtlreward-load";
	r->closed = 1;

#define NUM(lo, hi)                                                                          \
	do {                                                                                 \
		if (parse_num(optarg, (lo), (hi), &v) < 0) {                                 \
			fprintf(stderr, "rtlreward-load: --%s: expected a number in [%g, %g], got '%s'\n", \
				longopts[optidx].name, (double)(lo), (double)(hi), optarg);  \
			goto out;                                                            \
		}                                                                            \
	} while (0)

	for (;;) {
		int optidx = 0;
		c = getopt_long(argc, argv, "", longopts, &optidx);
		if (c == -1)
			break;
		/* getopt_long leaves optidx alone for unknown options */
		switch (c) {
		case O_URL: url = optarg; break;
		case O_HOST: host = optarg; break;
		case O_PORT: NUM(1, 65535); port = (int)v; break;
		case O_CLOSED: NUM(1, 4096); r->closed = (unsigned)v; closed_set = 1; break;
		case O_RATE: NUM(0.001, 1e6); r->rate = v; break;
		case O_CONNS: NUM(1, 4096); r->conns = (unsigned)v; break;
		case O_REQUESTS: NUM(1, 1e12); r->max_requests = (uint64_t)v; break;
		case O_SECONDS: NUM(0.1, 86400 * 7); r->seconds = v; break;
		case O_REQ_TIMEOUT: NUM(0.1, 86400); r->req_timeout = v; break;
		case O_PROBLEMS: problems = optarg; break;
		case O_VEVAL: veval = optarg; break;
		case O_MAXP: NUM(0, 1e9); max_problems = v; break;
		case O_PROMPTS: NUM(1, 100000); r->wl.prompts = (unsigned)v; break;
		case O_GROUP: NUM(1, 100000); r->wl.group = (unsigned)v; break;
		case O_DUPX: NUM(0, 1); r->wl.mix.dup_exact = v; break;
		case O_DUPW: NUM(0, 1); r->wl.mix.dup_ws = v; break;
		case O_SYNTAX: NUM(0, 1); r->wl.mix.syntax_err = v; break;
		case O_WRONG: NUM(0, 1); r->wl.mix.wrong = v; break;
		case O_TIMEOUT: NUM(0, 1); r->wl.mix.timeout = v; break;
		case O_UNIQUE: r->wl.unique = 1; break;
		case O_SEED: NUM(0, 9e15); r->wl.seed = (uint64_t)v; break;
		case O_NOCACHE: sb_adds(&opts, ",\"no_cache\":true"); break;
		case O_ENGINE:
		case O_MODE:
		case O_PRESET:
			if (!word_ok(optarg)) {
				fprintf(stderr, "rtlreward-load: --%s: a short word expected\n",
					longopts[optidx].name);
				goto out;
			}
			sb_addf(&opts, ",\"%s\":\"%s\"", longopts[optidx].name, optarg);
			break;
		case O_NDJSON: r->ndjson = 1; break;
		case O_PID: NUM(1, 4194304); r->server_pid = (pid_t)v; break;
		case O_CSV: r->csv = optarg; break;
		case O_LATCSV: r->lat_csv = optarg; break;
		case O_PLOT: r->plot = optarg; break;
		case O_JSON: r->json = optarg; break;
		case O_TITLE: r->title = optarg; break;
		case O_PRINT: NUM(0, 1e15); print_batch = v; break;
		case O_SPLIT: r->split = 1; break;
		case O_SKIP:
			if (nskip == sizeof(skip) / sizeof(skip[0])) {
				fprintf(stderr, "rtlreward-load: --skip: at most %zu\n", nskip);
				goto out;
			}
			skip[nskip++] = optarg;
			break;
		case O_SLOW: NUM(1, 4096); slow.n = (unsigned)v; break;
		case O_SLOWINT: NUM(0.05, 60); slow.interval = v; break;
		case O_SLOWFROM: slow_from = optarg; break;
		case O_HELP: usage(stdout, argv[0]); rc = 0; goto out;
		default: usage(stderr, argv[0]); rc = 2; goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtlreward-load: unexpected argument '%s'\n", argv[optind]);
		rc = 2;
		goto out;
	}
	if (r->rate > 0 && closed_set) {
		fprintf(stderr, "rtlreward-load: --closed and --rate exclude each other\n");
		rc = 2;
		goto out;
	}
	if (r->rate > 0)
		r->closed = 0;
	if (r->wl.mix.dup_exact + r->wl.mix.dup_ws + r->wl.mix.syntax_err + r->wl.mix.wrong +
	    r->wl.mix.timeout > 1.0 + 1e-9) {
		fprintf(stderr, "rtlreward-load: the shares (--dup-exact ... --timeout) add up to more than 1\n");
		rc = 2;
		goto out;
	}
	if (opts.oom || opts.len >= sizeof(r->wl.opts)) {
		fprintf(stderr, "rtlreward-load: request options too long\n");
		goto out;
	}
	if (opts.s)
		memcpy(r->wl.opts, opts.s, opts.len + 1);
	if (url) {
		if (lt_url_split(url, uhost, sizeof(uhost), &port) < 0) {
			fprintf(stderr, "rtlreward-load: --url %s: expected http://HOST:PORT\n", url);
			rc = 2;
			goto out;
		}
		host = uhost;
	}
	if (lt_target_parse(&r->tgt, host, port, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtlreward-load: %s\n", err);
		rc = 2;
		goto out;
	}

	if (slow.n) {
		slow.tgt = &r->tgt;
		if (!slow.interval)
			slow.interval = 1;
		slow.seconds = r->seconds;
		if (slow_from && lt_slow_source(&slow, slow_from, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtlreward-load: %s\n", err);
			rc = 2;
			goto out;
		}
		printf("rtlreward-load: %s:%d, slowloris: %u connections%s%s, %.1f s\n", r->tgt.host,
		       r->tgt.port, slow.n, slow_from ? " from " : "", slow_from ? slow_from : "",
		       slow.seconds);
		fflush(stdout);
		if (lt_slow_start(&slow) < 0) {
			fprintf(stderr, "rtlreward-load: cannot start the slowloris threads\n");
			goto out;
		}
		sleep_until(lt_now() + slow.seconds);   /* or an interrupt */
		lt_slow_stop(&slow);
		lt_slow_report(&slow, stdout);
		rc = slow.probes && slow.probes_ok == slow.probes ? 0 : 1;
		goto out;
	}

	/* workload */
	if (!problems && !veval && access("problems", F_OK) == 0)
		problems = "problems";
	if (problems) {
		int n = wl_load_project(&r->wl, problems, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "rtlreward-load: --problems: %s\n", err);
			goto out;
		}
		have_problems += n;
	}
	if (veval) {
		int n = wl_load_veval(&r->wl, veval, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "rtlreward-load: --veval: %s\n", err);
			goto out;
		}
		have_problems += n;
	}
	for (i = 0; i < nskip; i++)
		if (!wl_skip(&r->wl, skip[i]))
			fprintf(stderr, "rtlreward-load: --skip %s: no such problem\n", skip[i]);
	wl_limit(&r->wl, (size_t)max_problems);
	if (!have_problems || !r->wl.n) {
		fprintf(stderr, "rtlreward-load: no problems: give --problems DIR (the project's format) "
			"or --veval DIR (VerilogEval dataset_spec-to-rtl)\n");
		goto out;
	}
	if (print_batch >= 0) {
		size_t len;
		char *b = wl_batch_json(&r->wl, (uint64_t)print_batch, 0, wl_batch_size(&r->wl), &len,
					NULL);
		if (b) {
			fwrite(b, 1, len, stdout);
			fputc('\n', stdout);
			free(b);
			rc = 0;
		}
		goto out;
	}

	printf("rtlreward-load: %s:%d, %s, %zu problems, batches of %u x %u (dup exact %.2f, "
	       "dup ws %.2f, syntax %.2f, wrong %.2f, timeout %.2f%s), seed %llu, at most %llu "
	       "requests / %.1f s\n",
	       r->tgt.host, r->tgt.port, r->closed ? "closed loop" : "open loop", r->wl.n,
	       r->wl.prompts, r->wl.group, r->wl.mix.dup_exact, r->wl.mix.dup_ws,
	       r->wl.mix.syntax_err, r->wl.mix.wrong, r->wl.mix.timeout,
	       r->wl.unique ? ", unique" : "", (unsigned long long)r->wl.seed,
	       (unsigned long long)r->max_requests, r->seconds);
	if (!r->closed)
		printf("rtlreward-load: target %.3f batches/s, %u connections at most\n", r->rate, r->conns);
	fflush(stdout);

	r->m0.ok = lt_scrape_metrics(&r->tgt, &r->m0) == 0;
	nthreads = r->closed ? r->closed : r->conns;
	th = calloc(nthreads, sizeof(*th));
	if (!th)
		goto out;
	r->t0 = lt_now();
	r->t_end = r->t0 + r->seconds;
	add_sample(r);
	if (pthread_create(&smp, NULL, sampler, r) != 0) {
		fprintf(stderr, "rtlreward-load: cannot start a thread\n");
		goto out;
	}
	for (k = 0; k < nthreads; k++)
		if (pthread_create(&th[k], NULL, client, r) != 0) {
			fprintf(stderr, "rtlreward-load: only %u of %u client threads started\n", k,
				nthreads);
			nthreads = k;
			break;
		}
	for (k = 0; k < nthreads; k++)
		pthread_join(th[k], NULL);
	atomic_store(&r->done, 1);
	pthread_join(smp, NULL);
	add_sample(r);
	r->m1.ok = lt_scrape_metrics(&r->tgt, &r->m1) == 0;
	rc = lt_report(r);
out:
	free(th);
	free(r->rec);
	free(r->clat);
	free(r->smp);
	wl_free(&r->wl);
	sb_release(&opts);
	return rc;
}
