/* config: every tunable in one bounded table (name, default, min, max), set from the command
 * line. config_parse() fills g_config or returns -1 with a message; `--help` text is generated
 * from the same table so it documents every flag. */
#ifndef RTLR_CONFIG_H
#define RTLR_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_PROBLEM_DIRS 32

struct config {
	char bind[64];
	long long port;
	long long workers;
	long long queue;
	long long max_body;
	long long max_batch;
	long long max_connections;
	long long max_conn_per_client;
	long long conn_reserve;      /* connections only /healthz and /metrics may use */
	long long header_timeout;    /* seconds */
	long long body_timeout;      /* seconds */
	long long idle_timeout;      /* seconds: MHD's per-connection inactivity bound */
	char token_file[1024];       /* "": no tokens, no route needs one */
	int insecure_no_auth;        /* a non-loopback bind without tokens is accepted */
	long long lint_timeout;
	long long compile_timeout;
	long long sim_timeout;
	long long mem_limit_mb;
	long long cache_mem_mb;
	long long cache_disk_max_mb;  /* 0: the local store is not bounded */
	long long redis_ttl;          /* seconds */
	long long redis_timeout_ms;
	char redis_host[256];         /* "": no Redis layer */
	int redis_port;
	long long deadline;
	long long group_max;    /* tasks in one scheduled group (1: no grouping; docs/groups.md) */
	long long coalesce_ms;  /* coalescing window for a lone task, ms (0: off) */
	long long ppa;          /* 1: the PPA tier runs */
	long long ppa_timeout;  /* seconds for one Yosys or OpenSTA run */
	long long ppa_memo;            /* PPA results of designs kept in memory (0: off) */
	long long ppa_budget;          /* x the golden's time per candidate run (0: off) */
	long long ppa_budget_floor_ms; /* the budget's floor */
	long long ppa_golden_max_s;    /* a slower golden disables PPA for its problem (0: off) */
	long long formal_timeout; /* seconds (wall clock) for one formal check */
	long long formal_depth;   /* formal BMC steps after the reset prefix */
	char liberty[1024];     /* "": the bundled rtlr_generic library */
	char cache_dir[1024];
	char job_dir[1024];
	const char *problem_dirs[CONFIG_MAX_PROBLEM_DIRS];
	size_t nproblem_dirs;
	int no_builtin;
	int require_isolation;
};

extern struct config g_config;

/* Returns 0 to run, 1 when --help/--version was printed, -1 on a bad flag (message in err). */
int config_parse(int argc, char **argv, char *err, size_t errlen);
void config_usage(const char *prog);

#endif
