#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"

struct config g_config;

struct num_opt {
	const char *name;
	long long *slot;
	long long def, min, max;
	const char *help;
};

static struct num_opt num_opts[] = {
	{"port", &g_config.port, 8080, 0, 65535, "TCP port (0: any free port, printed at start)"},
	{"workers", &g_config.workers, 0, 0, 256, "scoring threads (0: one per usable core, plus one)"},
	{"queue", &g_config.queue, 16384, 1, 1 << 20, "candidates waiting at most; more gets 429"},
	{"max-body", &g_config.max_body, RTLR_MAX_BODY_DEFAULT, 1024, 1LL << 30, "request body cap, bytes (413 above)"},
	{"max-batch", &g_config.max_batch, RTLR_MAX_BATCH_DEFAULT, 1, 1 << 20, "items in one score request (413 above)"},
	{"max-connections", &g_config.max_connections, 256, 4, 4096, "concurrent HTTP connections (the ordinary budget)"},
	{"max-connections-per-client", &g_config.max_conn_per_client, 64, 1, 4096, "connections one client address may hold; more go to the reserve or are closed"},
	{"connection-reserve", &g_config.conn_reserve, 8, 1, 256, "extra connections that only GET /healthz and /metrics may use, when the budget is spent"},
	{"header-timeout", &g_config.header_timeout, 10, 1, 600, "seconds for a request's headers to arrive (from connect, or from the end of the previous request)"},
	{"body-timeout", &g_config.body_timeout, 60, 1, 3600, "seconds for a request's body to arrive once its headers are in"},
	{"idle-timeout", &g_config.idle_timeout, 60, 1, 3600, "seconds a connection may make no progress while its response is sent"},
	{"lint-timeout", &g_config.lint_timeout, 10, 1, 600, "seconds for one Verilator run"},
	{"compile-timeout", &g_config.compile_timeout, 30, 1, 3600, "seconds for one simulator compile"},
	{"sim-timeout", &g_config.sim_timeout, 30, 1, 3600, "seconds for one simulation"},
	{"deadline", &g_config.deadline, 0, 0, 86400, "seconds a request's candidates may wait in the queue (0: no limit); later ones get INFRA_ERROR"},
	{"group-max", &g_config.group_max, 16, 1, RTLR_GROUP_MAX, "candidates of one problem scored together in one group at most (1: no grouping; docs/groups.md)"},
	{"coalesce-ms", &g_config.coalesce_ms, 3, 0, 1000, "ms a lone candidate waits for more of its problem's candidates from other requests before it runs; 0: off, and groups then form only within one request (docs/groups.md)"},
	{"cache-mem", &g_config.cache_mem_mb, 256, 0, 1 << 20, "in-memory LRU cache budget, MiB (0: off)"},
	{"cache-disk-max", &g_config.cache_disk_max_mb, 0, 0, 1 << 24, "local store bound, MiB of entries; least recently used go first (0: no bound)"},
	{"redis-ttl", &g_config.redis_ttl, 7 * 24 * 3600, 1, 10LL * 365 * 24 * 3600, "seconds a result stays in Redis (SET ... EX)"},
	{"redis-timeout", &g_config.redis_timeout_ms, 50, 1, 10000, "ms for the Redis connect and each command"},
	{"mem-limit", &g_config.mem_limit_mb, 2048, 64, 1 << 20, "address space per tool run, MiB"},
	{"ppa", &g_config.ppa, 1, 0, 1, "1: PPA tier (Yosys + OpenSTA) for full passes; 0: off"},
	{"ppa-timeout", &g_config.ppa_timeout, 60, 1, 3600, "seconds for one Yosys or OpenSTA run"},
	{"ppa-budget", &g_config.ppa_budget, 10, 0, 100000, "a candidate's Yosys or OpenSTA run may take this many times the golden's (at least --ppa-budget-floor-ms); past it the candidate gets the worst PPA score (0: only --ppa-timeout)"},
	{"ppa-budget-floor-ms", &g_config.ppa_budget_floor_ms, 2000, 1, 3600000, "the smallest PPA budget of a candidate's run, ms"},
	{"ppa-golden-max-s", &g_config.ppa_golden_max_s, 10, 0, 3600, "seconds the golden's synthesis plus timing may take; a slower golden disables PPA for its problem (0: only --ppa-timeout)"},
	{"ppa-memo", &g_config.ppa_memo, 8192, 0, 1 << 20, "designs whose PPA results are kept in memory, so a candidate that is the same design as an earlier one (the same text once modules its top never instantiates are blanked) is not synthesized again (0: off; docs/ppa.md#same-design)"},
	{"formal-timeout", &g_config.formal_timeout, 5, 1, 3600, "seconds (wall clock) for one formal check (mode formal, formal=confirm; docs/formal.md)"},
	{"formal-depth", &g_config.formal_depth, 24, 1, 1000, "formal steps from reset after the reset prefix (clock cycles; half periods for multi-clock designs)"},
};
#define NNUM (sizeof(num_opts) / sizeof(num_opts[0]))

void config_usage(const char *prog)
{
	size_t i;

	printf("usage: %s [options]\n\n"
	       "rtlreward: a reward server for RL on RTL generation.\n\n"
	       "  --bind ADDR           address to listen on (default 127.0.0.1; :: or 0.0.0.0 for all:\n"
	       "                        then --token-file or --insecure-no-auth is required)\n"
	       "  --problems DIR        load problems from DIR (repeatable): the project's format\n"
	       "                        (DIR/<id>/problem.json + reference.v), the VerilogEval v2\n"
	       "                        spec-to-rtl layout (ProbNNN_name_{prompt.txt,ref.sv,test.sv}),\n"
	       "                        or the RTLLM v2 layout (<name>/testbench.v + verified_<name>.v)\n"
	       "  --no-builtin          do not register the built-in problem set\n"
	       "  --cache-dir DIR       persistent result cache, DIR/results.sqlite3 (default ./.cache;\n"
	       "                        '' disables)\n"
	       "  --redis HOST:PORT     shared result cache in Redis, after the local layers (off by\n"
	       "                        default; [v6addr]:PORT for IPv6)\n"
	       "  --job-dir DIR         where sandbox job directories go (default $TMPDIR/rtlreward-<pid>)\n"
	       "  --require-isolation   refuse to start without namespaces and seccomp\n"
	       "  --token-file FILE     bearer tokens, one per line: 'admin TOKEN' or 'scorer TOKEN'\n"
	       "                        (docs/threat_model_server.md); without it no route needs a token\n"
	       "  --insecure-no-auth    allow a non-loopback --bind without --token-file\n"
	       "  --liberty FILE        liberty for the PPA tier, plain or .gz (default: the bundled\n"
	       "                        generic teaching library rtlr_generic)\n",
	       prog);
	for (i = 0; i < NNUM; i++) {
		char flag[64];
		snprintf(flag, sizeof(flag), "--%s N", num_opts[i].name);
		printf("  %-21s %s (default %lld, %lld..%lld)\n", flag, num_opts[i].help, num_opts[i].def,
		       num_opts[i].min, num_opts[i].max);
	}
	printf("  --help                this text\n  --version             the version\n");
}

static int parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* HOST:PORT or [HOST]:PORT into g_config.redis_host, redis_port. */
static int parse_hostport(const char *s, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	long long port;

	if (!colon || parse_ll(colon + 1, &port) < 0 || port < 1 || port > 65535)
		goto bad;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(g_config.redis_host))
		goto bad;
	snprintf(g_config.redis_host, sizeof(g_config.redis_host), "%.*s", (int)hl, h);
	g_config.redis_port = (int)port;
	return 0;
bad:
	snprintf(err, errlen, "--redis: '%s' is not HOST:PORT (port 1..65535)", s);
	return -1;
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; anything else (0.0.0.0, ::, a host address, a
 * name) counts as reachable from elsewhere. */
static int bind_is_loopback(const char *b)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, b, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, b, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int config_parse(int argc, char **argv, char *err, size_t errlen)
{
	size_t i;
	int a;
	const char *tmp = getenv("TMPDIR");

	memset(&g_config, 0, sizeof(g_config));
	snprintf(g_config.bind, sizeof(g_config.bind), "127.0.0.1");
	snprintf(g_config.cache_dir, sizeof(g_config.cache_dir), ".cache");
	snprintf(g_config.job_dir, sizeof(g_config.job_dir), "%s/rtlreward-%d",
		 tmp && tmp[0] ? tmp : "/tmp", (int)getpid());
	for (i = 0; i < NNUM; i++)
		*num_opts[i].slot = num_opts[i].def;

	for (a = 1; a < argc; a++) {
		const char *f = argv[a], *val = NULL;
		const char *eq;
		char name[64];

		if (strncmp(f, "--", 2)) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", f);
			return -1;
		}
		f += 2;
		eq = strchr(f, '=');
		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - f), f);
			val = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", f);
		}
		if (!strcmp(name, "help")) {
			config_usage(argv[0]);
			return 1;
		}
		if (!strcmp(name, "version")) {
			printf("rtlreward 0.1\n");
			return 1;
		}
		if (!strcmp(name, "no-builtin")) {
			g_config.no_builtin = 1;
			continue;
		}
		if (!strcmp(name, "insecure-no-auth")) {
			g_config.insecure_no_auth = 1;
			continue;
		}
		if (!strcmp(name, "require-isolation")) {
			g_config.require_isolation = 1;
			continue;
		}
		if (!val) {
			if (a + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value", name);
				return -1;
			}
			val = argv[++a];
		}
		if (!strcmp(name, "bind")) {
			snprintf(g_config.bind, sizeof(g_config.bind), "%s", val);
		} else if (!strcmp(name, "cache-dir")) {
			snprintf(g_config.cache_dir, sizeof(g_config.cache_dir), "%s", val);
		} else if (!strcmp(name, "redis")) {
			if (val[0] && parse_hostport(val, err, errlen) < 0)
				return -1;
			if (!val[0])
				g_config.redis_host[0] = '\0';
		} else if (!strcmp(name, "liberty")) {
			if (access(val, R_OK) < 0) {
				snprintf(err, errlen, "--liberty %s: %s", val, strerror(errno));
				return -1;
			}
			snprintf(g_config.liberty, sizeof(g_config.liberty), "%s", val);
		} else if (!strcmp(name, "token-file")) {
			snprintf(g_config.token_file, sizeof(g_config.token_file), "%s", val);
		} else if (!strcmp(name, "job-dir")) {
			snprintf(g_config.job_dir, sizeof(g_config.job_dir), "%s", val);
		} else if (!strcmp(name, "problems")) {
			if (g_config.nproblem_dirs >= CONFIG_MAX_PROBLEM_DIRS) {
				snprintf(err, errlen, "--problems: at most %d directories", CONFIG_MAX_PROBLEM_DIRS);
				return -1;
			}
			g_config.problem_dirs[g_config.nproblem_dirs++] = val;
		} else {
			for (i = 0; i < NNUM; i++)
				if (!strcmp(name, num_opts[i].name))
					break;
			if (i == NNUM) {
				snprintf(err, errlen, "unknown option --%s (see --help)", name);
				return -1;
			}
			if (parse_ll(val, num_opts[i].slot) < 0 || *num_opts[i].slot < num_opts[i].min ||
			    *num_opts[i].slot > num_opts[i].max) {
				snprintf(err, errlen, "--%s: '%s' is not a number in %lld..%lld", name, val,
					 num_opts[i].min, num_opts[i].max);
				return -1;
			}
		}
	}
	if (!g_config.token_file[0] && !g_config.insecure_no_auth && !bind_is_loopback(g_config.bind)) {
		snprintf(err, errlen, "--bind %s is not a loopback address and no --token-file is given: "
			 "anyone who reaches the port could register problems and replace goldens. Give "
			 "--token-file FILE (docs/threat_model_server.md), or --insecure-no-auth to accept that",
			 g_config.bind);
		return -1;
	}
	if (g_config.workers == 0) {
		/* one per usable core (the affinity mask: a container's cpuset), plus one: a worker
		 * spends ~15% of a candidate between tool runs (sandbox set-up, files, reaping), and
		 * the spare keeps the cores busy meanwhile (bench/bench_throughput.py: 0.84 of the
		 * tool floor with 2 workers on 2 cores, 0.91 with 3) */
		cpu_set_t set;
		long n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
								      : sysconf(_SC_NPROCESSORS_ONLN);
		g_config.workers = (n > 0 ? n : 1) + 1;
	}
	return 0;
}
