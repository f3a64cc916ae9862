/* sandbox: run one tool invocation on untrusted input, isolated and bounded.
 *
 * Call order:
 *   sb_init()            once per process, before any thread forks; probes kernel features.
 *   sb_job_create()      makes a fresh private job directory under the configured root.
 *   sb_run() ...         any number of times, from any thread, with the job dir as cwd.
 *   sb_result_release()  after each sb_run(), frees the captured output.
 *   sb_job_remove()      removes the job directory and everything below it (also after a kill).
 *   sb_shutdown()        at exit.
 *
 * Errors: functions return 0 on success and -1 on failure with a message in err (never exit).
 * sb_run() returns 0 whenever the child was started and reaped, whatever it did; a limit hit,
 * a signal or a non-zero exit are reported in sb_result, not as a failure. -1 means the sandbox
 * itself failed (fork, pipe, namespace set-up): the caller maps that to INFRA_ERROR.
 *
 * Ownership: sb_spec and everything it points to stay owned by the caller and are only read.
 * sb_result.out/err are owned by the result; sb_result_release() frees them.
 */
#ifndef RTLR_SANDBOX_H
#define RTLR_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

enum sb_stage {
	SB_STAGE_BUILD, /* may exec the toolchain (compilers, iverilog driver); no network */
	SB_STAGE_RUN,   /* runs a built simulation: no exec after the first, no network */
};

enum sb_limit_hit {
	SB_LIMIT_NONE = 0,
	SB_LIMIT_WALL,    /* wall-clock deadline: the whole process tree was killed */
	SB_LIMIT_CPU,     /* RLIMIT_CPU */
	SB_LIMIT_MEMORY,  /* RLIMIT_AS or cgroup memory */
	SB_LIMIT_FSIZE,   /* RLIMIT_FSIZE (SIGXFSZ) */
	SB_LIMIT_NPROC,   /* pids */
	SB_LIMIT_OUTPUT,  /* output past the capture cap (the run continues; flag only) */
	SB_LIMIT_SECCOMP, /* killed by the seccomp filter (SIGSYS) */
};

struct sb_limits {
	double wall_s;        /* wall-clock deadline; 0 = 30 s */
	double cpu_s;         /* RLIMIT_CPU, seconds; 0 = wall_s rounded up + 1 */
	uint64_t as_bytes;    /* RLIMIT_AS; 0 = 4 GiB */
	uint64_t fsize_bytes; /* RLIMIT_FSIZE; 0 = 64 MiB */
	uint64_t mem_bytes;   /* cgroup memory limit when cgroups are usable; 0 = as_bytes */
	unsigned nofile;      /* RLIMIT_NOFILE; 0 = 256 */
	unsigned nproc;       /* processes (cgroup pids, else RLIMIT_NPROC); 0 = 64 */
	size_t out_cap;       /* bytes kept of stdout and of stderr each; 0 = 256 KiB */
	int nice;             /* > 0: run at this nice value (1..19), so other tools come first */
};

struct sb_spec {
	const char *const *argv; /* argv[0] is an absolute path */
	const char *const *envp; /* NULL: a minimal fixed environment (PATH, HOME=jobdir, LANG=C) */
	const char *jobdir;      /* from sb_job_create(); cwd of the child, writable */
	enum sb_stage stage;
	struct sb_limits lim;
	const char *stdin_data;  /* NULL: /dev/null */
	size_t stdin_len;
};

struct sb_result {
	int exited;          /* 1: normal exit, exit_code valid */
	int exit_code;       /* exit code, or 128+N for death by signal N */
	int signal;          /* terminating signal or 0 */
	enum sb_limit_hit limit;
	double wall_s, cpu_s;
	uint64_t peak_mem_bytes;
	char *out;           /* captured stdout, NUL-terminated, at most out_cap bytes */
	size_t out_len;
	char *err;           /* captured stderr */
	size_t err_len;
	int out_truncated, err_truncated;
};

/* Kernel features found by sb_init(); shown by /healthz and logged at start-up. */
struct sb_features {
	int userns, mountns, pidns, netns, ipcns, utsns;
	int seccomp;
	int cgroup_version;   /* 2, 1, or 0 when no usable cgroup controller was found */
	char cgroup_path[256];
	int no_new_privs;
	char summary[512];    /* one human-readable line, e.g. "namespaces: mount,pid,net,ipc,uts; seccomp: yes; cgroup: v1 (memory,pids)" */
};

struct sb_config {
	const char *job_root;    /* parent of job directories; created if missing */
	int require_isolation;   /* 1: sb_init fails if namespaces or seccomp are unavailable */
};

int sb_init(const struct sb_config *cfg, char *err, size_t errlen);
void sb_shutdown(void);
const struct sb_features *sb_get_features(void);

/* Creates <job_root>/job-XXXXXX (mode 0700); writes its path into path. */
int sb_job_create(char *path, size_t pathlen, char *err, size_t errlen);
/* Removes a job directory created by sb_job_create; refuses paths outside job_root and never
 * follows symlinks planted inside it. */
int sb_job_remove(const char *path, char *err, size_t errlen);

int sb_run(const struct sb_spec *spec, struct sb_result *res, char *err, size_t errlen);
void sb_result_release(struct sb_result *res);

const char *sb_limit_name(enum sb_limit_hit l);

#endif
