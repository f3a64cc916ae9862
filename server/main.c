/* rtlreward-server: start-up and shutdown. Everything that can fail at start-up is reported
 * here, on stderr, with what to do about it. */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cache.h"
#include "config.h"
#include "fsutil.h"
#include "http.h"
#include "pipeline.h"
#include "problem.h"
#include "formal.h"
#include "ppa.h"
#include "ppa_design.h"
#include "problems_load.h"
#include "sandbox.h"
#include "scheduler.h"
#include "tools.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int main(int argc, char **argv)
{
	char err[1024];
	struct sb_config sbc;
	size_t i, n, total = 0;
	int r;

	r = config_parse(argc, argv, err, sizeof(err));
	if (r > 0)
		return 0;
	if (r < 0) {
		fprintf(stderr, "rtlreward: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (g_config.token_file[0]) {
		if (auth_load(g_config.token_file, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtlreward: %s\n", err);
			return 2;
		}
	} else if (g_config.insecure_no_auth) {
		fprintf(stderr, "rtlreward: warning: --insecure-no-auth: no token needed on %s; anyone who "
			"reaches the port may register problems\n", g_config.bind);
	}
	if (mkdir_p(g_config.job_dir) < 0) {
		fprintf(stderr, "rtlreward: --job-dir %s: %s\n", g_config.job_dir, strerror(errno));
		return 1;
	}
	memset(&sbc, 0, sizeof(sbc));
	sbc.job_root = g_config.job_dir;
	sbc.require_isolation = g_config.require_isolation;
	if (sb_init(&sbc, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtlreward: sandbox: %s\n", err);
		return 1;
	}
	fprintf(stderr, "rtlreward: sandbox: %s\n", sb_get_features()->summary);
	g_tools.lim.lint_s = (double)g_config.lint_timeout;
	g_tools.lim.compile_s = (double)g_config.compile_timeout;
	g_tools.lim.sim_s = (double)g_config.sim_timeout;
	g_tools.lim.mem_bytes = (uint64_t)g_config.mem_limit_mb << 20;
	cache_set_mem_budget((size_t)g_config.cache_mem_mb << 20);
	cache_set_disk_max((uint64_t)g_config.cache_disk_max_mb << 20);
	cache_set_redis(g_config.redis_host, g_config.redis_port, g_config.redis_ttl,
			(int)g_config.redis_timeout_ms);
	ppa_configure(g_config.liberty, (int)g_config.ppa, (double)g_config.ppa_timeout);
	ppa_memo_configure((size_t)g_config.ppa_memo);
	ppa_configure_budget((double)g_config.ppa_budget, (double)g_config.ppa_budget_floor_ms / 1000,
			     (double)g_config.ppa_golden_max_s);
	formal_configure((double)g_config.formal_timeout, (unsigned)g_config.formal_depth);
	if (pipeline_init(g_config.cache_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtlreward: %s\n", err);
		return 1;
	}
	fprintf(stderr, "rtlreward: tools: %s\n", g_tools.versions);
	registry_init();
	if (!g_config.no_builtin) {
		if (problems_load_builtin(&n, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtlreward: built-in problems: %s\n", err);
			return 1;
		}
		total += n;
	}
	for (i = 0; i < g_config.nproblem_dirs; i++) {
		if (problems_load_dir(g_config.problem_dirs[i], &n, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtlreward: %s\n", err);
			return 1;
		}
		fprintf(stderr, "rtlreward: loaded %zu problems from %s\n", n, g_config.problem_dirs[i]);
		total += n;
	}
	sched_set_grouping((unsigned)g_config.group_max, (double)g_config.coalesce_ms);
	if (sched_init((unsigned)g_config.workers, (size_t)g_config.queue, (double)g_config.deadline, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtlreward: %s\n", err);
		return 1;
	}
	if (http_start(g_config.bind, (unsigned)g_config.port, (unsigned)g_config.max_connections, err,
		       sizeof(err)) < 0) {
		fprintf(stderr, "rtlreward: %s\n", err);
		return 1;
	}
	fprintf(stderr, "rtlreward: %zu problems, %lld workers, cache %s\n", registry_count(),
		g_config.workers, g_config.cache_dir[0] ? g_config.cache_dir : "(off)");
	printf("rtlreward: listening on http://%s%s%s:%u\n", strchr(g_config.bind, ':') ? "[" : "",
	       g_config.bind, strchr(g_config.bind, ':') ? "]" : "", http_port());
	fflush(stdout);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_flag)
		pause();
	fprintf(stderr, "rtlreward: shutting down\n");
	http_stop();
	sched_shutdown();
	registry_free();
	pipeline_shutdown();
	sb_shutdown();
	return 0;
}
