/* sb_internal.h: shared by the sandbox/ files only; nothing outside sandbox/ includes it.
 *
 * sandbox.c   public API helpers, the parent side of sb_run
 * sb_init.c   sb_init feature probes and the sb_features report, sb_shutdown
 * sb_child.c  everything that runs between clone and exec (async-signal-safe code only)
 * sb_filter.c the two seccomp filters (built once, before any fork)
 * sb_cgroup.c cgroup v1/v2 detection and the per-run cgroup slots
 * sb_job.c    job directories: create, and remove without following symlinks
 */
#ifndef RTLR_SB_INTERNAL_H
#define RTLR_SB_INTERNAL_H

#include "sandbox.h"

#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The unprivileged identity tools run as when the server runs as root. */
#define SB_UID 65534
#define SB_GID 65534

/* Fixed fd numbers inside the sandbox (see sb_child.c). */
#define SB_FD_STATUS 3
#define SB_CG_MAX 3 /* v1: memory, pids, cpuacct */
#define SB_FD_CG0 4 /* .. SB_FD_CG0 + SB_CG_MAX - 1 */
#define SB_FD_JOB (SB_FD_CG0 + SB_CG_MAX)
#define SB_FD_NET (SB_FD_JOB + 1)
#define SB_FD_FIRST_FREE (SB_FD_NET + 1)
#define SB_FD_EXEC SB_FD_FIRST_FREE /* run stage: the binary, exec'd as /proc/self/fd/N */

/* Set-up steps the child reports on failure, with errno. */
enum sb_step {
	SB_STEP_NONE = 0,
	SB_STEP_FDS,
	SB_STEP_PDEATHSIG,
	SB_STEP_CGROUP,
	SB_STEP_NETNS,
	SB_STEP_USERNS,
	SB_STEP_MOUNT_PRIVATE,
	SB_STEP_MOUNT_RO,
	SB_STEP_MOUNT_TMP,
	SB_STEP_MOUNT_HIDE,
	SB_STEP_MKDIR_JOB,
	SB_STEP_BIND_JOB,
	SB_STEP_JOB_RW,
	SB_STEP_DEV,
	SB_STEP_PROC,
	SB_STEP_SETSID,
	SB_STEP_SPAWN,
	SB_STEP_SIGNALS,
	SB_STEP_CHDIR,
	SB_STEP_RLIMIT,
	SB_STEP_SETGROUPS,
	SB_STEP_SETGID,
	SB_STEP_SETUID,
	SB_STEP_CAPS,
	SB_STEP_NNP,
	SB_STEP_SECCOMP,
	SB_STEP_EXEC,
	SB_STEP_VIEW,
	SB_STEP_PIVOT,
	SB_STEP_MAX_
};
const char *sb_step_name(int step);

/* One record on the status pipe; written whole (smaller than PIPE_BUF, so atomic). */
struct sb_msg {
	int32_t kind; /* SB_MSG_* */
	int32_t step; /* enum sb_step, for SB_MSG_FAIL */
	int32_t err;  /* errno, for SB_MSG_FAIL */
	int32_t status; /* wait status of the tool, for SB_MSG_EXIT */
	int32_t net_reusable; /* SB_MSG_EXIT: the pooled/fresh network namespace is empty again */
};
#define SB_MSG_FAIL 1
#define SB_MSG_EXIT 2

#define SB_MAX_RLIMITS 8

/* The least view (sb_view.c builds it once at sb_init, sb_child.c mounts it per run): the tools'
 * root is a fresh tmpfs holding only these entries, built under SB_VIEW_STAGE (a tmpfs mounted
 * there in the run's own mount namespace) and then made the root with pivot_root. */
#define SB_VIEW_STAGE "/tmp"
#define SB_VIEW_MAX 24
enum sb_view_kind {
	SB_VIEW_MKDIR,	/* an empty directory (mount point of /tmp, /dev, /proc; parent of files) */
	SB_VIEW_DIR,	/* the host directory src, bound read-only (recursively) */
	SB_VIEW_FILE,	/* the host file src, bound read-only */
	SB_VIEW_LINK,	/* a symlink to target, as on the host (merged /usr: /bin -> usr/bin) */
};
struct sb_view_entry {
	enum sb_view_kind kind;
	char src[96];	   /* host path */
	char dst[112];	   /* SB_VIEW_STAGE + src */
	char target[96];   /* SB_VIEW_LINK */
};
struct sb_view {
	int n;
	struct sb_view_entry e[SB_VIEW_MAX];
	char summary[256]; /* "/usr /etc/ld.so.cache /etc/alternatives; links /bin /lib ..." */
};
/* Builds sb_g.view from the host (pidns: whether /proc is a fresh one or the host's bound).
 * Returns 0, or -1 with err when /usr is missing. */
int sb_view_init(int pidns, char *err, size_t errlen);

/* Everything the child needs, prepared by the parent before clone: the child only reads it
 * (and writes to mkdir_buf and mi_buf, its own copies). No pointer in here may need freeing by
 * the child. */
struct sb_child {
	/* fds in the parent's numbering; -1 when unused */
	int fd_in, fd_out, fd_err, fd_status, fd_cg[SB_CG_MAX], fd_job;
	int fd_net;                /* a pooled network namespace to join, or -1 */
	int check_net;             /* report whether the network namespace can be reused */

	unsigned long clone_flags; /* CLONE_NEW* (exit signal 0) */
	int vm;                    /* init shares our memory (CLONE_VM): see sb_child.c */
	int mountns, pidns, userns;
	int have_setattr;          /* mount_setattr(2) usable */
	int drop_uid;              /* setresuid(SB_UID) before exec (server runs as root) */

	const struct sb_view *view; /* the least view; NULL: the host's tree read-only (old way) */
	const char *jobdir;        /* canonical absolute path, the same inside and outside */
	const char *job_root;
	int job_root_in_tmp;       /* job_root is /tmp or below: the fresh /tmp already hides it */
	char *mkdir_buf;           /* writable copy of jobdir for mkdir -p inside the new /tmp
				    * (with a view: SB_VIEW_STAGE + jobdir, below the new root) */
	char tmp_opts[96];         /* tmpfs options for /tmp */
	char shm_opts[96];         /* tmpfs options for /dev/shm */
	char jobfd_path[40];       /* "/proc/self/fd/N": the job dir at SB_FD_JOB */
	char uid_map[48], gid_map[48];
	char *mi_buf;              /* for the /proc/self/mountinfo fallback when no mount_setattr */
	size_t mi_len;

	int n_rlimits;
	int nice;             /* > 0: the tool runs at this nice value (lower priority) */
	int rl_res[SB_MAX_RLIMITS];
	struct rlimit rl[SB_MAX_RLIMITS];

	const struct sock_fprog *prog; /* NULL: no seccomp */
	char *exec_page;           /* run stage: sb_g.exec_page, the only pointer the run filter lets
				    * execve take; holds "/proc/self/fd/<SB_FD_EXEC>" (fork mode
				    * without /proc: init copies the path there instead) */
	int exec_via_fd;           /* set by init: exec through /proc/self/fd/<SB_FD_EXEC> */
	const char *exec_path;     /* argv[0] */
	size_t exec_path_len;
	char *const *argv;
	char *const *envp;

	char *init_stack;          /* VM mode: init's stack */
	char *tool_stack;          /* the tool's stack until exec */
	size_t stack_len;
};

/* Starts the sandbox init process (sb_child.c). Returns its pid, or -1 with errno. */
pid_t sb_child_spawn(struct sb_child *c);

/* --- global state (defined in sandbox.c, set up by sb_init.c) --- */
struct sb_state {
	int inited;
	struct sb_features feat;
	char job_root[PATH_MAX];
	size_t job_root_len;
	uid_t euid;
	gid_t egid;
	int use_userns;      /* non-root: CLONE_NEWUSER mapping our own uid */
	int drop_uid;        /* root: run tools as SB_UID */
	unsigned long ns_flags;
	int have_setattr;
	int have_cgroup_pids;
	int vm_mode;         /* init may share our memory (CLONE_VM) */
	struct sock_fprog prog_build, prog_run;
	char *exec_page;
	size_t exec_page_len;
	char trace_dir[PATH_MAX];  /* RTLR_TRACE_JOBS (benchmarks only): "" off */
	int use_view;              /* the least view is in use (mount namespace, not forced off) */
	struct sb_view view;
};
extern struct sb_state sb_g;

/* Benchmarks only (RTLR_TRACE_JOBS=DIR): each sb_run() appends its command line to
 * DIR/<job>.sh, and sb_job_remove() moves the job directory to DIR/<job> instead of removing
 * it, so that the same tool commands can be replayed by a plain shell loop (the tool floor). */
void sb_trace_cmd(const struct sb_spec *spec);
int sb_trace_keep(const char *name);

/* --- seccomp (sb_filter.c) --- */
/* Builds both filters into sb_g.prog_build/prog_run; exec_page is the address execve's path must
 * have in the run stage. */
int sb_filter_build(const void *exec_page, char *err, size_t errlen);
void sb_filter_release(void);

/* --- cgroups (sb_cgroup.c) --- */
struct sb_cg_slot;
struct sb_cg_run {
	struct sb_cg_slot *slot;
	int fd_procs[SB_CG_MAX]; /* -1 when unused; owned by the slot */
	uint64_t oom0, pidsmax0;
	/* filled by sb_cg_collect */
	uint64_t peak;         /* 0: unknown */
	double cpu_s;          /* < 0 or 0: unknown */
	int oom, pids_max;
};
/* Detects the cgroup version and prepares the parent directory; fills f->cgroup_*.
 * force: NULL, "none", "v1" or "v2". Never fails: 0 when no usable controller. */
int sb_cg_init(struct sb_features *f, const char *force, char *note, size_t notelen);
void sb_cg_shutdown(void);
int sb_cg_acquire(struct sb_cg_run *r, uint64_t mem_bytes, unsigned nproc, char *err,
		  size_t errlen);
void sb_cg_kill(struct sb_cg_run *r);
void sb_cg_collect(struct sb_cg_run *r);
void sb_cg_release(struct sb_cg_run *r);
int sb_cg_have_pids(void);
void sb_cg_describe(char *out, size_t outlen);

/* --- job directories (sb_job.c) --- */
/* The job's name inside job_root, or NULL when path is not <job_root>/job-XXXXXX. */
const char *sb_job_name(const char *path);

/* --- network namespace pool (sb_netns.c) --- */
void sb_netns_enable(int on);
int sb_netns_enabled(void);
int sb_netns_take(void);     /* an fd, or -1 when the pool is empty */
void sb_netns_give(int fd);  /* only namespaces the child reported empty */
void sb_netns_shutdown(void);

/* --- helpers (sandbox.c) --- */
void sb_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *sb_strerror(int e, char *buf, size_t len);
/* strerror for one expression (thread-safe; the buffer lives until the end of the statement). */
#define SB_STRERR(e) sb_strerror((e), (char[128]){0}, 128)
int sb_write_file(const char *path, const char *s);
int sb_read_file(const char *path, char *buf, size_t len);

#endif
