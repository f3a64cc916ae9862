/* sandbox.c: runs one tool invocation on untrusted input, isolated and bounded.
 *
 * Threat model. Every job is native code execution by an attacker: Verilator copies $c() and
 * `systemc_* text into the C++ it compiles, DPI binds to libc, $system calls system(), Yosys runs
 * $readmemh at synthesis, and any tool can be crashed or made to loop or allocate without bound.
 * The attacker wants to read or change things outside the job (the host, the server, the golden
 * references, other jobs), reach the network, keep running after the job, deny service to the
 * other jobs, or forge a result. Each layer below assumes the ones before it have failed:
 *
 *  1. Source policy (reward/, not here): bans the dangerous constructs before any tool runs.
 *  2. Identity. When the server runs as root, tools run as uid/gid 65534 with no supplementary
 *     groups and no capabilities, with PR_SET_NO_NEW_PRIVS (setuid binaries give nothing; the
 *     whole view is nosuid anyway). A non-root server uses a user namespace that maps only its
 *     own uid, and the tool loses every capability before exec. The sandbox's init (trusted,
 *     pid 1 of the namespace) is not dumpable, so even a tool with its uid cannot read or write
 *     its memory to forge the status it reports.
 *  3. Namespaces (clone flags, one set per run): mount (read-only view), pid (the tool sees only
 *     its own processes; kill(2) cannot reach anything outside; killing the namespace's init
 *     kills the whole tree), net (no interface but a down loopback: no network, and abstract
 *     unix sockets are private to the run; empty namespaces are pooled and reused, see
 *     sb_netns.c), ipc (SysV/POSIX IPC private), uts.
 *  4. File-system view: the host's tree bound read-only and nosuid, recursively
 *     (mount_setattr(AT_RECURSIVE), else a remount of every mount); a fresh tmpfs on /tmp (size
 *     capped, private to the run); job_root hidden under an empty read-only tmpfs so other jobs'
 *     directories do not exist; only this job directory bound read-write (nosuid, nodev); a
 *     minimal read-only /dev (null, zero, full, random, urandom, tty; no host disk or other
 *     device is visible) with a private tmpfs /dev/shm; a fresh /proc for the new pid namespace
 *     (never the host's: an empty tmpfs if proc cannot be mounted). Reading the read-only
 *     system is allowed: tools need /usr, /etc, /lib.
 *  5. seccomp (sb_filter.c): per-stage deny-list loaded last, just before execve. Dangerous
 *     kernel surface (ptrace, bpf, io_uring, keyctl, perf, userfaultfd, modules, kexec, other
 *     ABIs) kills with SIGSYS; namespace/mount/network calls fail with EPERM; clone3 ENOSYS.
 *     The run stage also allows exactly one execve (its own) and kills any later one.
 *  6. Resource limits (rlimits, set in the tool before exec): CPU seconds (SIGXCPU, SIGKILL one
 *     second later), address space, file size (SIGXFSZ), open files, core dumps off; and, when a
 *     cgroup hierarchy is usable, a per-run cgroup with memory (no swap) and pids limits. Without
 *     cgroups the process limit falls back to RLIMIT_NPROC, which counts every process of uid
 *     65534 on the host: concurrent runs then share it.
 *  7. Supervisor (this file, in the server): a wall-clock deadline after which the namespace's
 *     init (so the whole tree), the process group and the cgroup are SIGKILLed; stdout and stderr
 *     captured through pipes with a byte cap each, drained (discarded) past the cap so the tool
 *     never blocks; the status pipe carries set-up errors and the tool's wait status; the result
 *     records which limit stopped the run. The tool cannot outlive sb_run: it returns only after
 *     the namespace's init has been reaped, which the kernel allows only once every process of
 *     the namespace is gone.
 *  8. Job directories (sb_job.c): private 0700 directories, removed without following links.
 *
 * Defaults (struct sb_limits fields left at 0):
 *   wall_s 30 s; cpu_s wall_s rounded up + 1; as_bytes 4 GiB; fsize_bytes 64 MiB;
 *   mem_bytes = as_bytes (cgroup memory, swap 0); nofile 256; nproc 64 (cgroup pids; counting
 *   the sandbox's init only when it is a fork, see sb_child.c); out_cap 256 KiB for stdout and for stderr each; /tmp tmpfs
 *   max(2 * fsize_bytes, 64 MiB), at most mem_bytes, 16384 inodes; /dev/shm tmpfs 64 MiB (at most
 *   mem_bytes); core dumps 0. Environment when envp is NULL: PATH=/usr/local/bin:/usr/bin:/bin,
 *   HOME=<job directory>, LANG=C. stdin: /dev/null, or stdin_data in a memory file.
 *
 * Limit reported (most specific cause first): SIGSYS -> SECCOMP; cgroup OOM kill -> MEMORY;
 * cgroup pids limit reached -> NPROC; SIGXCPU, or SIGKILL after cpu_s of CPU -> CPU; SIGXFSZ ->
 * FSIZE; deadline -> WALL; a failed run whose stderr says it ran out of memory (RLIMIT_AS) ->
 * MEMORY; output past the cap -> OUTPUT. The cgroup counters (OOM kill, pids limit) are reported
 * even when the tool exited 0: one of its processes was killed or could not fork.
 *
 * Cost (Debian 12, 2 vCPUs, kernel 6.18, cgroup v1; `/bin/true`, one thread, medians): 1.4 ms
 * and 1.2 ms of CPU per sandboxed run against 0.53 ms for posix_spawn; about 1,150 runs/s from
 * two threads (posix_spawn: 3,500). What keeps it there: init is spawned CLONE_VM (no copy of
 * the server, whatever its size: a fork-based init fell from 640 to 106 runs/s with a 200 MB
 * server, sb_child.c); network namespaces are reused once verified empty (sb_netns.c; creating
 * one costs about a quarter of a run); per-run cgroups are reused slots (sb_cgroup.c); the
 * read-only view is one recursive mount_setattr.
 *
 * What is not covered: kernel bugs reachable through allowed system calls (use a gVisor or VM
 * boundary per worker pool for that); side channels (CPU time, cache); disk space in the job
 * directory (put job_root on a size-capped tmpfs or quota'd file system); the fallback paths
 * (no mount_setattr, no cgroup, no pid namespace) are weaker and are reported by sb_init.
 *
 * Requirements on the caller: sb_init before any thread exists. sb_run's child is created with no
 * exit signal, so neither the server's SIGCHLD disposition nor a plain wait(-1) elsewhere can
 * take it; only a waitpid(-1, ..., __WALL or __WCLONE) in another thread could. When the server
 * runs as root, files a tool must read in the job directory must be readable by uid 65534 (e.g.
 * 0644; a root-owned 0600 file stays unreadable inside, which can also be used on purpose).
 *
 * Test hook: RTLR_SB_FORCE (read by sb_init), a comma list of "cgroup=none|v1|v2",
 * "no-setattr", "no-pidns", "no-netns-pool", "no-vm", "no-view" (the host's tree read-only, as
 * before the least view: sb_view.c).
 */
#include "sb_internal.h"
#include "buf.h"
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sb_state sb_g;

#define CHILD_STACK (64u << 10)
#define MOUNTINFO_BUF (256u << 10)
#define DRAIN_AFTER_EXIT_S 1.0

/* --- small helpers -------------------------------------------------------------------------- */

void sb_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *sb_strerror(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

int sb_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(s);
	ssize_t w;
	int e;

	if (fd < 0)
		return -1;
	w = write(fd, s, n);
	e = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

int sb_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	int e;

	if (fd < 0)
		return -1;
	while (got < len - 1) {
		ssize_t r = read(fd, buf + got, len - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *sb_step_name(int step)
{
	static const char *const names[SB_STEP_MAX_] = {
		[SB_STEP_NONE] = "none",
		[SB_STEP_FDS] = "fd set-up",
		[SB_STEP_PDEATHSIG] = "PR_SET_PDEATHSIG",
		[SB_STEP_CGROUP] = "joining the cgroup",
		[SB_STEP_NETNS] = "joining the network namespace",
		[SB_STEP_USERNS] = "user namespace maps",
		[SB_STEP_MOUNT_PRIVATE] = "making mounts private",
		[SB_STEP_MOUNT_RO] = "read-only remount of /",
		[SB_STEP_MOUNT_TMP] = "tmpfs on /tmp",
		[SB_STEP_MOUNT_HIDE] = "hiding job_root",
		[SB_STEP_MKDIR_JOB] = "creating the job mount point",
		[SB_STEP_BIND_JOB] = "binding the job directory",
		[SB_STEP_JOB_RW] = "making the job directory writable",
		[SB_STEP_DEV] = "creating /dev",
		[SB_STEP_PROC] = "mounting /proc",
		[SB_STEP_VIEW] = "building the least view (tmpfs root, read-only binds)",
		[SB_STEP_PIVOT] = "pivot_root into the least view",
		[SB_STEP_SETSID] = "setsid",
		[SB_STEP_SPAWN] = "starting the tool",
		[SB_STEP_SIGNALS] = "signal mask",
		[SB_STEP_CHDIR] = "chdir to the job directory",
		[SB_STEP_RLIMIT] = "setrlimit",
		[SB_STEP_SETGROUPS] = "setgroups",
		[SB_STEP_SETGID] = "setresgid",
		[SB_STEP_SETUID] = "setresuid",
		[SB_STEP_CAPS] = "dropping capabilities",
		[SB_STEP_NNP] = "PR_SET_NO_NEW_PRIVS",
		[SB_STEP_SECCOMP] = "loading the seccomp filter",
		[SB_STEP_EXEC] = "execve",
	};

	if (step < 0 || step >= SB_STEP_MAX_ || !names[step])
		return "unknown step";
	return names[step];
}

const char *sb_limit_name(enum sb_limit_hit l)
{
	switch (l) {
	case SB_LIMIT_NONE:
		return "none";
	case SB_LIMIT_WALL:
		return "wall";
	case SB_LIMIT_CPU:
		return "cpu";
	case SB_LIMIT_MEMORY:
		return "memory";
	case SB_LIMIT_FSIZE:
		return "fsize";
	case SB_LIMIT_NPROC:
		return "nproc";
	case SB_LIMIT_OUTPUT:
		return "output";
	case SB_LIMIT_SECCOMP:
		return "seccomp";
	}
	return "unknown";
}

/* --- sb_run --------------------------------------------------------------------------------- */

static void resolve_limits(const struct sb_limits *in, struct sb_limits *l)
{
	*l = *in;
	if (!(l->wall_s > 0))
		l->wall_s = 30;
	if (!(l->cpu_s > 0))
		l->cpu_s = ceil(l->wall_s) + 1;
	if (!l->as_bytes)
		l->as_bytes = 4ULL << 30;
	if (!l->fsize_bytes)
		l->fsize_bytes = 64ULL << 20;
	if (!l->mem_bytes)
		l->mem_bytes = l->as_bytes;
	if (!l->nofile)
		l->nofile = 256;
	if (!l->nproc)
		l->nproc = 64;
	if (!l->out_cap)
		l->out_cap = RTLR_MAX_TOOL_OUTPUT;
}

static void add_rlimit(struct sb_child *c, int res, rlim_t soft, rlim_t hard)
{
	c->rl_res[c->n_rlimits] = res;
	c->rl[c->n_rlimits].rlim_cur = soft;
	c->rl[c->n_rlimits].rlim_max = hard;
	c->n_rlimits++;
}

/* Appends what fits under the cap; the rest is counted as truncated and discarded. */
static void capture(struct buf *b, const char *p, size_t n, int *truncated)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;

	if (n > room) {
		*truncated = 1;
		n = room;
	}
	if (n)
		buf_add(b, p, n);
}

/* Reads once from *fd into b; closes it and sets -1 on EOF or error. */
static void pump(int *fd, struct buf *b, int *truncated)
{
	char chunk[32768];
	ssize_t r = read(*fd, chunk, sizeof(chunk));

	if (r > 0) {
		capture(b, chunk, (size_t)r, truncated);
		return;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd);
	*fd = -1;
}

static int memmem_any(const char *hay, size_t n)
{
	static const char *const pats[] = {
		"out of memory", "Out of memory", "Cannot allocate memory", "bad_alloc",
		"memory exhausted", "MemoryError", "failed to allocate", "Failed to allocate",
	};
	size_t i;

	if (!hay)
		return 0;
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (memmem(hay, n, pats[i], strlen(pats[i])))
			return 1;
	return 0;
}

static int stdin_fd(const struct sb_spec *spec, char *err, size_t errlen)
{
	size_t off = 0;
	int fd;

	if (!spec->stdin_data) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			sb_errf(err, errlen, "open /dev/null: %s", SB_STRERR(errno));
		return fd;
	}
	/* A memory file rather than a pipe: nothing to feed during the run, no SIGPIPE, and the
	 * tool may seek. */
	fd = memfd_create("sb-stdin", MFD_CLOEXEC);
	if (fd < 0) {
		sb_errf(err, errlen, "memfd_create: %s", SB_STRERR(errno));
		return -1;
	}
	while (off < spec->stdin_len) {
		ssize_t w = write(fd, spec->stdin_data + off, spec->stdin_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			sb_errf(err, errlen, "writing stdin: %s", SB_STRERR(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Everything one sb_run owns. */
struct run {
	const struct sb_spec *spec;
	struct sb_limits lim;
	struct sb_child c;
	struct sb_cg_run cg;
	struct buf out, err;
	int p_out[2], p_err[2], p_st[2];
	int fd_in, fd_job, fd_net;
	char *home, *mkbuf, *mibuf, *stack;
	const char *env[4];
	pid_t pid;
	double t0;
	/* outcome */
	struct rusage ru;
	struct sb_msg msgs[4];
	size_t st_len;
	int init_status, reaped, wall_killed;
	int truncated_out, truncated_err;
};

static void run_init(struct run *r, const struct sb_spec *spec)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->spec = spec;
	r->p_out[0] = r->p_out[1] = r->p_err[0] = r->p_err[1] = r->p_st[0] = r->p_st[1] = -1;
	r->fd_in = r->fd_job = r->fd_net = -1;
	for (i = 0; i < SB_CG_MAX; i++)
		r->cg.fd_procs[i] = -1;
	r->pid = -1;
	resolve_limits(&spec->lim, &r->lim);
	buf_init(&r->out, r->lim.out_cap);
	buf_init(&r->err, r->lim.out_cap);
}

static void run_release(struct run *r, int net_reusable)
{
	if (r->pid > 0 && !r->reaped) {
		kill(r->pid, SIGKILL);
		while (wait4(r->pid, &r->init_status, __WALL, NULL) < 0 && errno == EINTR)
			;
	}
	sb_cg_release(&r->cg);
	if (r->fd_net >= 0 && net_reusable && r->reaped) {
		sb_netns_give(r->fd_net);
		r->fd_net = -1;
	}
	close_fd(&r->fd_net);
	close_fd(&r->p_out[0]);
	close_fd(&r->p_out[1]);
	close_fd(&r->p_err[0]);
	close_fd(&r->p_err[1]);
	close_fd(&r->p_st[0]);
	close_fd(&r->p_st[1]);
	close_fd(&r->fd_in);
	close_fd(&r->fd_job);
	buf_release(&r->out);
	buf_release(&r->err);
	free(r->home);
	free(r->mkbuf);
	free(r->mibuf);
	free(r->stack);
}

static int check_spec(const struct sb_spec *spec, struct sb_result *res, char *err,
		      size_t errlen)
{
	if (!sb_g.inited) {
		sb_errf(err, errlen, "sandbox not initialised");
		return -1;
	}
	if (!spec || !res || !spec->argv || !spec->argv[0] || spec->argv[0][0] != '/') {
		sb_errf(err, errlen, "sb_run: argv[0] must be an absolute path");
		return -1;
	}
	if (strlen(spec->argv[0]) >= sb_g.exec_page_len) {
		sb_errf(err, errlen, "sb_run: argv[0] too long");
		return -1;
	}
	if (!spec->jobdir || !sb_job_name(spec->jobdir)) {
		sb_errf(err, errlen, "sb_run: %s is not a job directory under %s",
			spec->jobdir ? spec->jobdir : "(null)", sb_g.job_root);
		return -1;
	}
	if (spec->stage != SB_STAGE_BUILD && spec->stage != SB_STAGE_RUN) {
		sb_errf(err, errlen, "sb_run: unknown stage %d", (int)spec->stage);
		return -1;
	}
	return 0;
}

/* Opens, allocates and formats everything the child will need: nothing happens after clone
 * that could allocate or fail for want of memory. */
static int prepare(struct run *r, char *err, size_t errlen)
{
	static const char *const default_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL,
						  "LANG=C", NULL};
	const struct sb_spec *spec = r->spec;
	struct sb_child *c = &r->c;
	double tmp_size;
	int i;

	r->fd_job = open(spec->jobdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd_job < 0) {
		sb_errf(err, errlen, "open %s: %s", spec->jobdir, SB_STRERR(errno));
		return -1;
	}
	r->fd_in = stdin_fd(spec, err, errlen);
	if (r->fd_in < 0)
		return -1;
	if (pipe2(r->p_out, O_CLOEXEC) < 0 || pipe2(r->p_err, O_CLOEXEC) < 0 ||
	    pipe2(r->p_st, O_CLOEXEC) < 0) {
		sb_errf(err, errlen, "pipe2: %s", SB_STRERR(errno));
		return -1;
	}
	if (sb_cg_acquire(&r->cg, r->lim.mem_bytes, r->lim.nproc, err, errlen) < 0)
		return -1;
	if (asprintf(&r->home, "HOME=%s", spec->jobdir) < 0)
		r->home = NULL;
	if (sb_g.use_view) {
		if (asprintf(&r->mkbuf, "%s%s", SB_VIEW_STAGE, spec->jobdir) < 0)
			r->mkbuf = NULL;
	} else {
		r->mkbuf = strdup(spec->jobdir);
	}
	r->stack = malloc(2 * CHILD_STACK); /* init's (VM mode) and the tool's */
	if (sb_g.feat.mountns && !sb_g.have_setattr)
		r->mibuf = malloc(MOUNTINFO_BUF);
	if (!r->home || !r->mkbuf || !r->stack ||
	    (sb_g.feat.mountns && !sb_g.have_setattr && !r->mibuf)) {
		sb_errf(err, errlen, "out of memory");
		return -1;
	}

	c->fd_in = r->fd_in;
	c->fd_out = r->p_out[1];
	c->fd_err = r->p_err[1];
	c->fd_status = r->p_st[1];
	for (i = 0; i < SB_CG_MAX; i++)
		c->fd_cg[i] = r->cg.fd_procs[i];
	c->fd_job = r->fd_job;
	c->fd_net = -1;
	c->clone_flags = sb_g.ns_flags;
	if (sb_netns_enabled()) {
		c->check_net = 1;
		r->fd_net = sb_netns_take();
		if (r->fd_net >= 0) {
			c->fd_net = r->fd_net;
			c->clone_flags &= ~(unsigned long)CLONE_NEWNET;
		}
	}
	c->mountns = sb_g.feat.mountns;
	c->pidns = sb_g.feat.pidns;
	c->userns = sb_g.use_userns && (sb_g.ns_flags & CLONE_NEWUSER);
	c->have_setattr = sb_g.have_setattr;
	c->drop_uid = sb_g.drop_uid;
	c->view = sb_g.use_view ? &sb_g.view : NULL;
	c->jobdir = spec->jobdir;
	c->job_root = sb_g.job_root;
	c->job_root_in_tmp = !strcmp(sb_g.job_root, "/tmp") || !strncmp(sb_g.job_root, "/tmp/", 5);
	c->mkdir_buf = r->mkbuf;
	tmp_size = fmax(2.0 * (double)r->lim.fsize_bytes, 64.0 * 1024 * 1024);
	tmp_size = fmin(tmp_size, (double)r->lim.mem_bytes);
	snprintf(c->tmp_opts, sizeof(c->tmp_opts), "size=%llu,nr_inodes=16384,mode=1777",
		 (unsigned long long)tmp_size);
	snprintf(c->shm_opts, sizeof(c->shm_opts), "size=%llu,nr_inodes=1024,mode=1777",
		 (unsigned long long)fmin(64.0 * 1024 * 1024, (double)r->lim.mem_bytes));
	snprintf(c->jobfd_path, sizeof(c->jobfd_path), "/proc/self/fd/%d", SB_FD_JOB);
	snprintf(c->uid_map, sizeof(c->uid_map), "%u %u 1\n", (unsigned)sb_g.euid,
		 (unsigned)sb_g.euid);
	snprintf(c->gid_map, sizeof(c->gid_map), "%u %u 1\n", (unsigned)sb_g.egid,
		 (unsigned)sb_g.egid);
	c->mi_buf = r->mibuf;
	c->mi_len = MOUNTINFO_BUF;
	add_rlimit(c, RLIMIT_CPU, (rlim_t)ceil(r->lim.cpu_s), (rlim_t)ceil(r->lim.cpu_s) + 1);
	add_rlimit(c, RLIMIT_AS, r->lim.as_bytes, r->lim.as_bytes);
	add_rlimit(c, RLIMIT_FSIZE, r->lim.fsize_bytes, r->lim.fsize_bytes);
	add_rlimit(c, RLIMIT_NOFILE, r->lim.nofile, r->lim.nofile);
	add_rlimit(c, RLIMIT_CORE, 0, 0);
	c->nice = r->lim.nice > 19 ? 19 : r->lim.nice;
	if (!sb_g.have_cgroup_pids)
		add_rlimit(c, RLIMIT_NPROC, r->lim.nproc, r->lim.nproc);
	c->prog = sb_g.feat.seccomp ? (spec->stage == SB_STAGE_RUN ? &sb_g.prog_run
								     : &sb_g.prog_build)
				    : NULL;
	c->exec_page = spec->stage == SB_STAGE_RUN && c->prog ? sb_g.exec_page : NULL;
	c->vm = sb_g.vm_mode;
	c->exec_path = spec->argv[0];
	c->exec_path_len = strlen(spec->argv[0]);
	c->argv = (char *const *)spec->argv;
	if (spec->envp) {
		c->envp = (char *const *)spec->envp;
	} else {
		memcpy(r->env, default_env, sizeof(r->env));
		r->env[1] = r->home;
		c->envp = (char *const *)r->env;
	}
	c->init_stack = r->stack;
	c->tool_stack = r->stack + CHILD_STACK;
	c->stack_len = CHILD_STACK;
	return 0;
}

/* Kills the whole tree: the namespace's init (which takes the pid namespace with it), the
 * process group when there is no pid namespace, and the cgroup. Only while pid is unreaped. */
static void kill_tree(struct run *r)
{
	kill(r->pid, SIGKILL);
	if (!r->c.pidns)
		kill(-r->pid, SIGKILL);
	sb_cg_kill(&r->cg);
}

/* Captures output and status until init is reaped and the output pipes are closed, killing
 * everything at the deadline. */
static void supervise(struct run *r)
{
	double deadline = r->t0 + r->lim.wall_s, drain_until = 0;

	while (!r->reaped || r->p_out[0] >= 0 || r->p_err[0] >= 0) {
		struct pollfd pfd[3];
		double now = mono_now();
		int nfd = 0, timeout, i;

		if (!r->reaped && r->p_st[0] < 0) {
			/* init is gone (its status fd closed): stop what may be left, then reap. With a
			 * pid namespace the kernel has already killed the rest. */
			if (!r->c.pidns)
				kill(-r->pid, SIGKILL);
			if (!r->c.pidns || r->wall_killed)
				sb_cg_kill(&r->cg);
			while (wait4(r->pid, &r->init_status, __WALL, &r->ru) < 0 && errno == EINTR)
				;
			r->reaped = 1;
			drain_until = mono_now() + DRAIN_AFTER_EXIT_S;
			continue;
		}
		if (!r->wall_killed && now >= deadline) {
			r->wall_killed = 1;
			kill_tree(r);
		}
		if (r->reaped && now >= drain_until)
			break; /* output held open by processes out of our reach */
		if (r->reaped)
			timeout = (int)((drain_until - now) * 1000) + 1;
		else if (r->wall_killed)
			timeout = 100;
		else
			timeout = (int)(fmin(deadline - now, 60.0) * 1000) + 1;
		if (r->p_st[0] >= 0)
			pfd[nfd++] = (struct pollfd){.fd = r->p_st[0], .events = POLLIN};
		if (r->p_out[0] >= 0)
			pfd[nfd++] = (struct pollfd){.fd = r->p_out[0], .events = POLLIN};
		if (r->p_err[0] >= 0)
			pfd[nfd++] = (struct pollfd){.fd = r->p_err[0], .events = POLLIN};
		if (poll(pfd, (nfds_t)nfd, timeout) <= 0)
			continue;
		for (i = 0; i < nfd; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == r->p_st[0]) {
				char junk[64];
				ssize_t n = r->st_len < sizeof(r->msgs)
						    ? read(r->p_st[0], (char *)r->msgs + r->st_len,
							   sizeof(r->msgs) - r->st_len)
						    : read(r->p_st[0], junk, sizeof(junk));
				if (n > 0 && r->st_len < sizeof(r->msgs))
					r->st_len += (size_t)n;
				else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
					close_fd(&r->p_st[0]);
			} else if (pfd[i].fd == r->p_out[0]) {
				pump(&r->p_out[0], &r->out, &r->truncated_out);
			} else if (pfd[i].fd == r->p_err[0]) {
				pump(&r->p_err[0], &r->err, &r->truncated_err);
			}
		}
	}
}

/* Which limit stopped the run, most specific cause first (see the top of this file). */
static enum sb_limit_hit classify(const struct run *r, const struct sb_result *res, int wall)
{
	int failed = !(res->exited && res->exit_code == 0);
	int sig = res->signal;

	if (sig == SIGSYS)
		return SB_LIMIT_SECCOMP;
	if (r->cg.oom)
		return SB_LIMIT_MEMORY;
	if (r->cg.pids_max)
		return SB_LIMIT_NPROC;
	if (sig == SIGXCPU || (sig == SIGKILL && !wall && res->cpu_s >= r->lim.cpu_s))
		return SB_LIMIT_CPU;
	if (sig == SIGXFSZ)
		return SB_LIMIT_FSIZE;
	if (wall)
		return SB_LIMIT_WALL;
	if (failed && memmem_any(r->err.data, r->err.len))
		return SB_LIMIT_MEMORY;
	if (res->out_truncated || res->err_truncated)
		return SB_LIMIT_OUTPUT;
	return SB_LIMIT_NONE;
}

int sb_run(const struct sb_spec *spec, struct sb_result *res, char *err, size_t errlen)
{
	struct run r;
	struct sb_msg fail_msg = {0};
	int tool_status = 0, got_exit = 0, got_fail = 0, net_reusable = 0, ret = -1, i;

	if (res)
		memset(res, 0, sizeof(*res));
	if (check_spec(spec, res, err, errlen) < 0)
		return -1;
	run_init(&r, spec);
	if (prepare(&r, err, errlen) < 0)
		goto out;
	if (sb_g.trace_dir[0])
		sb_trace_cmd(spec);

	r.t0 = mono_now();
	r.pid = sb_child_spawn(&r.c);
	if (r.pid < 0) {
		sb_errf(err, errlen, "clone: %s", SB_STRERR(errno));
		goto out;
	}
	close_fd(&r.p_out[1]);
	close_fd(&r.p_err[1]);
	close_fd(&r.p_st[1]);
	close_fd(&r.fd_in);
	close_fd(&r.fd_job);
	if (r.c.check_net && r.fd_net < 0) {
		/* A fresh namespace: keep a handle so that it can join the pool after the run. The
		 * pid is our unreaped child, so it cannot name another process. */
		char nspath[64];
		snprintf(nspath, sizeof(nspath), "/proc/%ld/ns/net", (long)r.pid);
		r.fd_net = open(nspath, O_RDONLY | O_CLOEXEC);
	}
	fcntl(r.p_out[0], F_SETFL, O_NONBLOCK);
	fcntl(r.p_err[0], F_SETFL, O_NONBLOCK);
	supervise(&r);
	if (!r.reaped) {
		kill(r.pid, SIGKILL);
		while (wait4(r.pid, &r.init_status, __WALL, &r.ru) < 0 && errno == EINTR)
			;
		r.reaped = 1;
	}
	res->wall_s = mono_now() - r.t0;

	for (i = 0; i < (int)(r.st_len / sizeof(struct sb_msg)); i++) {
		if (r.msgs[i].kind == SB_MSG_FAIL && !got_fail) {
			fail_msg = r.msgs[i];
			got_fail = 1;
		} else if (r.msgs[i].kind == SB_MSG_EXIT) {
			tool_status = r.msgs[i].status;
			net_reusable = r.msgs[i].net_reusable;
			got_exit = 1;
		}
	}
	if (got_fail) {
		if (fail_msg.step == SB_STEP_EXEC)
			sb_errf(err, errlen, "sandbox: cannot execute %s: %s", spec->argv[0],
				SB_STRERR(fail_msg.err));
		else
			sb_errf(err, errlen, "sandbox set-up failed at %s: %s",
				sb_step_name(fail_msg.step), SB_STRERR(fail_msg.err));
		goto out;
	}
	if (!got_exit) {
		tool_status = r.init_status;
		if (!r.wall_killed && WIFEXITED(r.init_status)) {
			sb_errf(err, errlen, "sandbox init ended without a status (exit %d)",
				WEXITSTATUS(r.init_status));
			goto out;
		}
	}
	if (WIFEXITED(tool_status)) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(tool_status);
	} else {
		res->signal = WIFSIGNALED(tool_status) ? WTERMSIG(tool_status) : SIGKILL;
		res->exit_code = 128 + res->signal;
	}
	res->cpu_s = (double)r.ru.ru_utime.tv_sec + (double)r.ru.ru_utime.tv_usec / 1e6 +
		     (double)r.ru.ru_stime.tv_sec + (double)r.ru.ru_stime.tv_usec / 1e6;
	sb_cg_collect(&r.cg);
	if (r.cg.cpu_s > res->cpu_s)
		res->cpu_s = r.cg.cpu_s;
	res->peak_mem_bytes = r.cg.peak ? r.cg.peak : (uint64_t)r.ru.ru_maxrss * 1024;
	res->out_truncated = r.truncated_out;
	res->err_truncated = r.truncated_err;
	/* A tool that ended by itself just as the deadline struck did not hit it. */
	res->limit = classify(&r, res, r.wall_killed && !got_exit);
	res->out = buf_detach(&r.out, &res->out_len);
	res->err = buf_detach(&r.err, &res->err_len);
	if (!res->out || !res->err) {
		sb_result_release(res);
		sb_errf(err, errlen, "out of memory");
		goto out;
	}
	ret = 0;
out:
	run_release(&r, net_reusable);
	if (ret < 0 && res) {
		sb_result_release(res);
		memset(res, 0, sizeof(*res));
	}
	return ret;
}

void sb_result_release(struct sb_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}
