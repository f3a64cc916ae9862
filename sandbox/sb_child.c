/* sb_child.c: the code that runs between clone and exec.
 *
 * The server is multi-threaded, so the child of clone may only call async-signal-safe functions:
 * no malloc, no stdio, no locks, no libseccomp. Everything is prepared by the parent in a
 * struct sb_child (sb_internal.h) and only read here. glibc wrappers that broadcast to all
 * threads (setresuid, setgroups, ...) are replaced by raw syscalls because glibc still believes
 * the parent's threads exist in the child (we clone with the raw syscall, not fork()).
 *
 * Two processes (cf. bubblewrap's pid 1 and nsjail's subproc):
 *
 *   parent thread --clone(CLONE_NEW*)--> init (pid 1 of the new pid namespace, trusted code)
 *        init: fds, PDEATHSIG, cgroup, [netns], [userns maps], mounts, setsid, NNP, not dumpable
 *        init --clone(CLONE_VM|CLONE_VFORK)--> tool
 *             tool: signals, PDEATHSIG, chdir, rlimits, drop uid/caps, NNP, seccomp, execve
 *        init: reaps everything, and when the tool exits sends its wait status on the status
 *              pipe and exits; the kernel then kills whatever is left in the pid namespace.
 *
 * The tool is not pid 1 because pid 1 of a namespace ignores signals it has no handler for:
 * SIGXCPU, SIGXFSZ, SIGPIPE and raise() would not kill it.
 *
 * Failure of a step: one struct sb_msg {SB_MSG_FAIL, step, errno} on the status fd, then _exit.
 */
#include "sb_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sanitizer instrumentation must not run here: between clone and exec the stack is our own
 * (ASan cannot follow the switch and then needs to mmap under the new RLIMIT_AS). */
#define CHILD __attribute__((no_sanitize_address, no_sanitize("undefined")))

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define SB_AT_RECURSIVE 0x8000
#define SB_MOUNT_ATTR_RDONLY 0x00000001
#define SB_MOUNT_ATTR_NOSUID 0x00000002
#define SB_MOUNT_ATTR_NODEV 0x00000004

struct sb_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct sb_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

CHILD static void report(int fd, int step, int err)
{
	struct sb_msg m = {.kind = SB_MSG_FAIL, .step = step, .err = err};
	ssize_t w;

	do
		w = write(fd, &m, sizeof(m));
	while (w < 0 && errno == EINTR);
}

CHILD static __attribute__((noreturn)) void fail_fd(int fd, int step)
{
	report(fd, step, errno);
	_exit(127);
}

CHILD static __attribute__((noreturn)) void fail(int step)
{
	fail_fd(SB_FD_STATUS, step);
}

CHILD static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

CHILD static int write_path(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret, e;

	if (fd < 0)
		return -1;
	ret = write_all(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

/* Closes every fd >= from. close_range(2) (5.9+), else a walk of /proc/self/fd. */
CHILD static int close_from(int from)
{
	char buf[2048];
	int dfd, again;

	if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -1;
	do {
		long n;

		again = 0;
		dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -1;
		while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
			long off = 0;
			while (off < n) {
				unsigned short reclen;
				const char *name;
				int fd = 0;

				memcpy(&reclen, buf + off + 16, sizeof(reclen));
				name = buf + off + 19;
				if (name[0] >= '0' && name[0] <= '9') {
					for (; *name >= '0' && *name <= '9'; name++)
						fd = fd * 10 + (*name - '0');
					if (fd >= from && fd != dfd) {
						close(fd);
						again = 1;
					}
				}
				off += reclen;
			}
		}
		close(dfd);
	} while (again);
	return 0;
}

/* Moves the fds we keep to 0..SB_FD_JOB and closes every other inherited fd, including the
 * copies of other concurrent runs' pipes that this child got from the multi-threaded parent. */
CHILD static void setup_fds(const struct sb_child *c)
{
	int src[SB_FD_FIRST_FREE] = {c->fd_in,	   c->fd_out,	c->fd_err,
				     c->fd_status, c->fd_cg[0], c->fd_cg[1],
				     c->fd_cg[2],  c->fd_job,	c->fd_net};
	int tmp[SB_FD_FIRST_FREE];
	int i;

	for (i = 0; i < SB_FD_FIRST_FREE; i++) {
		tmp[i] = -1;
		if (src[i] >= 0) {
			tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 16);
			if (tmp[i] < 0)
				fail_fd(c->fd_status, SB_STEP_FDS);
		}
	}
	for (i = 0; i < SB_FD_FIRST_FREE; i++) {
		if (tmp[i] >= 0) {
			if (dup3(tmp[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
				fail_fd(tmp[SB_FD_STATUS], SB_STEP_FDS);
		} else {
			close(i);
		}
	}
	if (close_from(SB_FD_FIRST_FREE) < 0)
		fail(SB_STEP_FDS);
}

/* 1 when the network namespace of the caller has no unix socket at all (sb_netns.c). */
CHILD static int netns_empty(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/proc/thread-self/net/unix", O_RDONLY | O_CLOEXEC), lines = 0, i;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return n == 0 && lines == 1; /* the header line only */
}

CHILD static int set_mount_attr(const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
	struct sb_mount_attr a = {.attr_set = set, .attr_clr = clr};

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a));
}

/* Unescapes mountinfo's \ooo sequences in place. */
CHILD static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

CHILD static int has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);

	while (*opts) {
		if (!strncmp(opts, o, n) && (opts[n] == ',' || opts[n] == '\0'))
			return 1;
		opts = strchr(opts, ',');
		if (!opts)
			break;
		opts++;
	}
	return 0;
}

/* Fallback without mount_setattr: read-only bind remount of every mount in our namespace, keeping
 * the per-mount flags (which may be locked). Uses the parent-allocated mi_buf. */
CHILD static int remount_all_ro(const struct sb_child *c)
{
	char *p, *end;
	size_t len = 0;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, c->mi_buf + len, c->mi_len - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len >= c->mi_len - 1) {
			close(fd);
			errno = E2BIG;
			return -1;
		}
	}
	close(fd);
	c->mi_buf[len] = '\0';
	for (p = c->mi_buf; p < c->mi_buf + len; p = end + 1) {
		char *f[6];
		unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID;
		int i;

		end = strchr(p, '\n');
		if (!end)
			end = c->mi_buf + len;
		*end = '\0';
		for (i = 0; i < 6; i++) {
			f[i] = p;
			p = strchr(p, ' ');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (i < 5)
			continue;
		unescape(f[4]);
		if (has_opt(f[5], "nodev"))
			fl |= MS_NODEV;
		if (has_opt(f[5], "noexec"))
			fl |= MS_NOEXEC;
		if (has_opt(f[5], "noatime"))
			fl |= MS_NOATIME;
		if (has_opt(f[5], "nodiratime"))
			fl |= MS_NODIRATIME;
		if (has_opt(f[5], "relatime"))
			fl |= MS_RELATIME;
		if (mount("none", f[4], "none", fl, NULL) < 0 && errno != ENOENT && errno != EACCES)
			return -1;
	}
	return 0;
}

/* mkdir -p of the job directory's path below a fresh tmpfs (existing parts give EEXIST). */
CHILD static int mkdir_p(char *path)
{
	char *s;

	for (s = path + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char ch = *s;
			*s = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				*s = ch;
				return -1;
			}
			*s = ch;
			if (!ch)
				break;
		}
	}
	return 0;
}

/* "/proc/self/fd/<fd>" into buf (no snprintf here). */
CHILD static void fd_path(char *buf, int fd)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[12];
	int n = 0;

	memcpy(buf, prefix, sizeof(prefix) - 1);
	buf += sizeof(prefix) - 1;
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* A minimal /dev of our own: the host's device nodes are not even visible, and /dev/shm is a
 * private tmpfs. As root the nodes are made with mknod (0666 whatever the host's modes are);
 * in a user namespace (no CAP_MKNOD) the host's nodes are bound one by one. */
CHILD static void setup_dev(const struct sb_child *c)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} nodes[] = {
		{"/dev/null", 1, 3},    {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
		{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	static const struct {
		const char *target, *path;
	} links[] = {
		{"/proc/self/fd", "/dev/fd"},	  {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
	};
	enum { N = sizeof(nodes) / sizeof(nodes[0]) };
	int host[N];
	size_t i;

	for (i = 0; i < N; i++) /* before /dev is covered */
		host[i] = c->userns ? open(nodes[i].path, O_PATH | O_CLOEXEC) : -1;
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=755") <
	    0)
		fail(SB_STEP_DEV);
	umask(0);
	for (i = 0; i < N; i++) {
		if (!c->userns) {
			if (mknod(nodes[i].path, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
				fail(SB_STEP_DEV);
		} else if (host[i] >= 0) {
			char src[32];
			int fd = open(nodes[i].path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

			if (fd < 0)
				fail(SB_STEP_DEV);
			close(fd);
			fd_path(src, host[i]);
			if (mount(src, nodes[i].path, "none", MS_BIND, NULL) < 0)
				fail(SB_STEP_DEV);
			close(host[i]);
		}
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i].target, links[i].path) < 0)
			fail(SB_STEP_DEV);
	if (mkdir("/dev/shm", 01777) < 0 ||
	    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, c->shm_opts) < 0)
		fail(SB_STEP_DEV);
	umask(022);
	if (c->have_setattr ? set_mount_attr("/dev", 0, SB_MOUNT_ATTR_RDONLY, 0) < 0
			    : mount("none", "/dev", "none", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
						   MS_NOEXEC, NULL) < 0)
		fail(SB_STEP_DEV);
}

/* The file-system view: the host's tree read-only and nosuid, a private tmpfs on /tmp, the other
 * job directories hidden under a read-only tmpfs, this job directory bound read-write, our own
 * /dev and a fresh /proc. */
CHILD static void setup_mounts(const struct sb_child *c)
{
	int fd;

	umask(022); /* the server's umask must not decide whether uid 65534 can reach the job */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		fail(SB_STEP_MOUNT_PRIVATE);
	/* The parent's fd to the job directory points into the parent's mount namespace, which
	 * cannot be a bind source here: reopen it in ours, before job_root gets hidden. */
	fd = open(c->jobdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || dup3(fd, SB_FD_JOB, O_CLOEXEC) < 0)
		fail(SB_STEP_BIND_JOB);
	close(fd);
	if (c->have_setattr) {
		if (set_mount_attr("/", SB_AT_RECURSIVE, SB_MOUNT_ATTR_RDONLY | SB_MOUNT_ATTR_NOSUID,
				   0) < 0)
			fail(SB_STEP_MOUNT_RO);
	} else if (remount_all_ro(c) < 0) {
		fail(SB_STEP_MOUNT_RO);
	}
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, c->tmp_opts) < 0)
		fail(SB_STEP_MOUNT_TMP);
	if (!c->job_root_in_tmp &&
	    mount("tmpfs", c->job_root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64k,nr_inodes=64,mode=755") < 0)
		fail(SB_STEP_MOUNT_HIDE);
	if (mkdir_p(c->mkdir_buf) < 0)
		fail(SB_STEP_MKDIR_JOB);
	if (mount(c->jobfd_path, c->jobdir, "none", MS_BIND, NULL) < 0)
		fail(SB_STEP_BIND_JOB);
	if (c->have_setattr) {
		if (set_mount_attr(c->jobdir, 0, SB_MOUNT_ATTR_NOSUID | SB_MOUNT_ATTR_NODEV,
				   SB_MOUNT_ATTR_RDONLY) < 0)
			fail(SB_STEP_JOB_RW);
	} else if (mount("none", c->jobdir, "none", MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL) <
		   0) {
		fail(SB_STEP_JOB_RW);
	}
	/* Nothing may be created next to the job directory (the tmpfs is private anyway). */
	if (!c->job_root_in_tmp &&
	    (c->have_setattr ? set_mount_attr(c->job_root, 0, SB_MOUNT_ATTR_RDONLY, 0)
			     : mount("none", c->job_root, "none",
				     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				     NULL)) < 0)
		fail(SB_STEP_MOUNT_HIDE);
	setup_dev(c);
	if (c->pidns &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		/* Never leave the host's /proc visible: an empty tmpfs instead. */
		if (mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=4,mode=555") < 0)
			fail(SB_STEP_PROC);
	}
}

CHILD static void reset_signals(void)
{
	struct sb_ksigaction sa = {.handler = SIG_DFL};
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		syscall(SYS_rt_sigaction, sig, &sa, NULL, 8);
	}
}

CHILD static int drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/* Lowering a limit cannot fail on Linux. Valgrind's emulation refuses to change some hard limits
 * (it keeps NOFILE for itself): then at least the soft limit, without ever raising anything. */
CHILD static int set_limit(int res, const struct rlimit *want)
{
	struct rlimit cur;

	if (setrlimit((__rlimit_resource_t)res, want) == 0)
		return 0;
	if (errno != EPERM || getrlimit((__rlimit_resource_t)res, &cur) < 0)
		return -1;
	if (want->rlim_cur > cur.rlim_max)
		return -1;
	cur.rlim_cur = want->rlim_cur;
	return setrlimit((__rlimit_resource_t)res, &cur);
}

/* The tool: runs on c->stack, sharing init's memory until execve (CLONE_VM|CLONE_VFORK). */
CHILD static int tool_main(void *arg)
{
	const struct sb_child *c = arg;
	uint64_t none = 0;
	int i;

	reset_signals();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail(SB_STEP_PDEATHSIG);
	if (c->mountns ? chdir(c->jobdir) < 0 : fchdir(SB_FD_JOB) < 0)
		fail(SB_STEP_CHDIR);
	for (i = 0; i < c->n_rlimits; i++)
		if (set_limit(c->rl_res[i], &c->rl[i]) < 0)
			fail(SB_STEP_RLIMIT);
	if (c->drop_uid) {
		if (syscall(SYS_setgroups, 0, NULL) < 0)
			fail(SB_STEP_SETGROUPS);
		if (syscall(SYS_setresgid, SB_GID, SB_GID, SB_GID) < 0)
			fail(SB_STEP_SETGID);
		if (syscall(SYS_setresuid, SB_UID, SB_UID, SB_UID) < 0)
			fail(SB_STEP_SETUID);
	}
	if (drop_caps() < 0)
		fail(SB_STEP_CAPS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(SB_STEP_NNP);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8) < 0)
		fail(SB_STEP_SIGNALS);
	/* Seccomp last: from here on only execve (and, on failure, write + exit). */
	if (c->prog && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, c->prog, 0, 0) < 0)
		fail(SB_STEP_SECCOMP);
	execve(c->exec_page ? c->exec_page : c->exec_path, c->argv, c->envp);
	fail(SB_STEP_EXEC);
}

CHILD static __attribute__((noreturn)) void child_init(struct sb_child *c)
{
	struct sb_msg m = {.kind = SB_MSG_EXIT};
	pid_t tool, p;
	int st = 0, i, replaced_net = 0;

	setup_fds(c);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail(SB_STEP_PDEATHSIG);

	for (i = 0; i < SB_CG_MAX; i++) {
		if (c->fd_cg[i] < 0)
			continue;
		if (write_all(SB_FD_CG0 + i, "0", 1) < 0)
			fail(SB_STEP_CGROUP);
		close(SB_FD_CG0 + i);
	}
	if (c->fd_net >= 0) {
		/* A pooled namespace: join it, and make sure nothing was left in it. */
		if (setns(SB_FD_NET, CLONE_NEWNET) < 0)
			fail(SB_STEP_NETNS);
		if (!netns_empty()) {
			if (unshare(CLONE_NEWNET) < 0)
				fail(SB_STEP_NETNS);
			replaced_net = 1;
		}
	}
	close(SB_FD_NET);
	if (c->userns) {
		if (write_path("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
			fail(SB_STEP_USERNS);
		if (write_path("/proc/self/uid_map", c->uid_map) < 0 ||
		    write_path("/proc/self/gid_map", c->gid_map) < 0)
			fail(SB_STEP_USERNS);
	}
	if (c->mountns)
		setup_mounts(c);
	umask(022);
	if (setsid() < 0)
		fail(SB_STEP_SETSID);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(SB_STEP_NNP);
	/* Not dumpable (only now: /proc/self would become root's and the maps and the job's bind
	 * source unreachable): a tool with the same uid (user-namespace mode) must not reach init's
	 * memory through /proc/1/mem to forge the status it reports. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(SB_STEP_NNP);
	if (c->exec_page)
		memcpy(c->exec_page, c->exec_path, c->exec_path_len + 1);

	tool = clone(tool_main, c->stack + c->stack_len, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	if (tool < 0)
		fail(SB_STEP_SPAWN);
	/* The tool has exec'd (or failed): init keeps only the status fd. */
	close(0);
	close(1);
	close(2);
	close(SB_FD_JOB);
	for (;;) {
		int s;

		p = waitpid(-1, &s, __WALL);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p == tool) {
			st = s;
			break;
		}
	}
	m.status = st;
	if (c->check_net && c->pidns && !replaced_net) {
		/* Kill the rest of the pid namespace (kill(-1) cannot leave it, and skips init), reap
		 * it, then see whether the network namespace is empty again. */
		kill(-1, SIGKILL);
		while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
			;
		m.net_reusable = netns_empty();
	}
	if (write_all(SB_FD_STATUS, (const char *)&m, sizeof(m)) < 0)
		_exit(126);
	_exit(0);
}

CHILD pid_t sb_child_spawn(struct sb_child *c)
{
	sigset_t all, old;
	long pid;
	int e;

	/* No handler of the server may run in the child: block everything across clone. The child
	 * keeps everything blocked until the tool unblocks just before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = syscall(SYS_clone, c->clone_flags, NULL, NULL, NULL, NULL);
	if (pid == 0)
		child_init(c);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return (pid_t)pid;
}
