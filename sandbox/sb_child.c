/* sb_child.c: the code that runs between clone and exec.
 *
 * Two processes (cf. bubblewrap's pid 1 and nsjail's subproc):
 *
 *   parent thread --clone(CLONE_NEW*)--> init (pid 1 of the new pid namespace, trusted code)
 *        init: fds, PDEATHSIG, [cgroups], [netns], [userns maps], mounts, setsid, NNP
 *        init --clone(CLONE_VM|CLONE_VFORK)--> tool
 *             tool: [cgroups], signals, PDEATHSIG, chdir, rlimits, drop uid/caps, NNP, seccomp,
 *                   execve
 *        init: reaps everything; when the tool exits it sends the tool's wait status on the
 *              status pipe and exits; the kernel then kills whatever is left in the namespace.
 *
 * The tool is not pid 1 because pid 1 of a namespace ignores signals it has no handler for:
 * SIGXCPU, SIGXFSZ, SIGPIPE and raise() would not kill it.
 *
 * Memory. init is created with CLONE_VM when it can be ("VM mode": root, a pid namespace, and a
 * kernel/emulator that accepts it): it shares the server's address space like a posix_spawn
 * child, so starting it costs no page-table copy, and it does not leave a copy-on-write image of
 * the server alive for the whole run (with a fork, every page the server writes while a tool runs
 * is copied once per run in flight, and the fork itself grows with the server's size). The
 * price: this code runs on its own stack in the server's memory, concurrently with the server.
 * So it uses raw system calls only (no libc wrapper: they write errno, which is the server
 * thread's thread-local errno here), no allocation, no locks, no stdio, and only writes to memory
 * the parent set aside for it (the struct sb_child and its buffers, the two stacks). And since
 * an OOM kill takes every process sharing its victim's memory, and a memory cgroup's OOM killer
 * would rate init by the server's size, init never joins the run's cgroups in VM mode: the tool
 * joins them itself, first thing, before it has allocated anything (its own memory starts at
 * exec). Otherwise ("fork mode": user namespace, no pid namespace, valgrind) init is a plain
 * fork and joins the cgroups itself.
 *
 * Failure of a step: one struct sb_msg {SB_MSG_FAIL, step, errno} on the status fd, then exit.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* No sanitizer instrumentation (ASan cannot follow our stacks), and no loops turned into calls
 * of memcpy/memset (which sanitizers intercept). */
#ifdef __clang__
#define CHILD __attribute__((no_sanitize("address", "undefined")))
#else
#define CHILD                                                                                    \
	__attribute__((no_sanitize_address, no_sanitize("undefined"),                            \
		       optimize("no-tree-loop-distribute-patterns")))
#endif

#define SB_AT_RECURSIVE 0x8000
#define SB_DEV_NODES 6 /* the nodes setup_dev makes */
#define SB_MOUNT_ATTR_RDONLY 0x00000001
#define SB_MOUNT_ATTR_NOSUID 0x00000002
#define SB_MOUNT_ATTR_NODEV 0x00000004
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

struct sb_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct sb_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* --- raw system calls: return the result or -errno, never touch errno ---------------------- */

#if defined(__x86_64__)
#define SB_HAVE_RAW 1
CHILD static inline long rawsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* long sb_clone_raw(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg):
 * clone onto a new stack and call fn(arg) there, then exit with its result. Unlike glibc's
 * clone() it never writes errno (-errno is returned). */
long sb_clone_raw(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl sb_clone_raw\n"
	".type sb_clone_raw,@function\n"
	"sb_clone_raw:\n"
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %rcx, 8(%rsi)\n"
	"	mov %rdx, 0(%rsi)\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	mov $56, %eax\n" /* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $231, %eax\n" /* SYS_exit_group */
	"	syscall\n"
	"	hlt\n"
	".size sb_clone_raw, .-sb_clone_raw\n");
#elif defined(__aarch64__)
#define SB_HAVE_RAW 1
CHILD static inline long rawsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory", "cc");
	return x0;
}

long sb_clone_raw(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl sb_clone_raw\n"
	".type sb_clone_raw,%function\n"
	"sb_clone_raw:\n"
	"	and x1, x1, #-16\n"
	"	stp x2, x3, [x1, #-16]!\n"
	"	mov x2, #0\n"
	"	mov x3, #0\n"
	"	mov x4, #0\n"
	"	mov x8, #220\n" /* SYS_clone */
	"	svc #0\n"
	"	cbz x0, 1f\n"
	"	ret\n"
	"1:	ldp x1, x0, [sp], #16\n"
	"	blr x1\n"
	"	mov x8, #94\n" /* SYS_exit_group */
	"	svc #0\n"
	".size sb_clone_raw, .-sb_clone_raw\n");
#else
/* Other architectures: fork mode only (errno writes are harmless in a process of its own). */
static long rawsys(long n, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(n, a, b, c, d, e, f);

	return r < 0 ? -errno : r;
}
#endif

#define SYS1(n, a) rawsys(n, (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) rawsys(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) rawsys(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) rawsys(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS5(n, a, b, c, d, e) rawsys(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

CHILD static long c_open(const char *path, int flags, int mode)
{
	return SYS4(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);
}

CHILD static long c_close(int fd)
{
	return SYS1(SYS_close, fd);
}

CHILD static long c_mount(const char *src, const char *dst, const char *type, unsigned long fl,
			  const char *data)
{
	return SYS5(SYS_mount, src, dst, type, fl, data);
}

CHILD static long c_mkdir(const char *path, int mode)
{
	return SYS3(SYS_mkdirat, AT_FDCWD, path, mode);
}

CHILD static long c_prctl(int op, unsigned long a)
{
	return SYS5(SYS_prctl, op, a, 0, 0, 0);
}

CHILD static long c_mount_attr(const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
	struct sb_mount_attr a = {.attr_set = set, .attr_clr = clr};

	return SYS5(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a));
}

CHILD static __attribute__((noreturn)) void c_exit(int code)
{
	for (;;)
		SYS1(SYS_exit_group, code);
}

/* --- tiny string helpers (libc's may be intercepted by sanitizers) --------------------------- */

CHILD static size_t c_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

CHILD static int c_prefix(const char *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != p[i])
			return 0;
	return 1;
}

/* --- reporting ------------------------------------------------------------------------------ */

CHILD static long write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		long w = SYS3(SYS_write, fd, s, n);
		if (w == -EINTR)
			continue;
		if (w < 0)
			return w;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reports step with error -neg (a negative return of rawsys) and exits. */
CHILD static __attribute__((noreturn)) void fail_fd(int fd, int step, long neg)
{
	struct sb_msg m = {.kind = SB_MSG_FAIL, .step = step, .err = (int32_t)-neg};

	write_all(fd, &m, sizeof(m));
	c_exit(127);
}

CHILD static __attribute__((noreturn)) void fail(int step, long neg)
{
	fail_fd(SB_FD_STATUS, step, neg);
}

/* Calls that must succeed: on a negative result, report and exit. */
#define MUST(step, expr)                                                                         \
	do {                                                                                     \
		long r_ = (expr);                                                                \
		if (r_ < 0)                                                                      \
			fail(step, r_);                                                          \
	} while (0)

CHILD static long write_path(const char *path, const char *s)
{
	long fd = c_open(path, O_WRONLY, 0), r;

	if (fd < 0)
		return fd;
	r = write_all((int)fd, s, c_strlen(s));
	c_close((int)fd);
	return r;
}

/* --- fds ------------------------------------------------------------------------------------ */

/* Closes every fd >= from: close_range(2) (5.9+), else a walk of /proc/self/fd. */
CHILD static long close_from(int from)
{
	char buf[2048];
	long r = SYS3(SYS_close_range, from, ~0U, 0);
	int again;

	if (r == 0 || (r != -ENOSYS && r != -EINVAL))
		return r;
	do {
		long dfd = c_open("/proc/self/fd", O_RDONLY | O_DIRECTORY, 0), n;

		if (dfd < 0)
			return dfd;
		again = 0;
		while ((n = SYS3(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
			long off = 0;
			while (off < n) {
				unsigned short reclen;
				const char *name = buf + off + 19;
				int fd = 0;

				__builtin_memcpy(&reclen, buf + off + 16, sizeof(reclen));
				if (name[0] >= '0' && name[0] <= '9') {
					for (; *name >= '0' && *name <= '9'; name++)
						fd = fd * 10 + (*name - '0');
					if (fd >= from && fd != dfd) {
						c_close(fd);
						again = 1;
					}
				}
				off += reclen;
			}
		}
		c_close((int)dfd);
	} while (again);
	return 0;
}

/* Moves the fds we keep to 0..SB_FD_NET and closes every other inherited fd, including the
 * copies of other concurrent runs' pipes that this child got from the multi-threaded parent
 * (fork mode; in VM mode the fd table is copied all the same). */
CHILD static void setup_fds(const struct sb_child *c)
{
	int src[SB_FD_FIRST_FREE] = {c->fd_in,	   c->fd_out,	c->fd_err,
				     c->fd_status, c->fd_cg[0], c->fd_cg[1],
				     c->fd_cg[2],  c->fd_job,	c->fd_net};
	long tmp[SB_FD_FIRST_FREE];
	int i;

	for (i = 0; i < SB_FD_FIRST_FREE; i++) {
		tmp[i] = -1;
		if (src[i] >= 0) {
			tmp[i] = SYS3(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 16);
			if (tmp[i] < 0)
				fail_fd(c->fd_status, SB_STEP_FDS, tmp[i]);
		}
	}
	for (i = 0; i < SB_FD_FIRST_FREE; i++) {
		if (tmp[i] >= 0) {
			long r = SYS3(SYS_dup3, tmp[i], i, i < 3 ? 0 : O_CLOEXEC);
			if (r < 0)
				fail_fd((int)tmp[SB_FD_STATUS], SB_STEP_FDS, r);
		} else {
			c_close(i);
		}
	}
	MUST(SB_STEP_FDS, close_from(SB_FD_FIRST_FREE));
}

/* "/proc/self/fd/<fd>" into buf (at least 32 bytes). */
CHILD static void fd_path(char *buf, int fd)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[12];
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(prefix) - 1; i++)
		*buf++ = prefix[i];
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* 1 when the network namespace of the caller has no unix socket at all (sb_netns.c). */
CHILD static int netns_empty(void)
{
	char buf[512];
	long fd = c_open("/proc/thread-self/net/unix", O_RDONLY, 0), n;
	int lines = 0, i;

	if (fd < 0)
		return 0;
	while ((n = SYS3(SYS_read, fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	c_close((int)fd);
	return n == 0 && lines == 1; /* the header line only */
}

/* --- mounts --------------------------------------------------------------------------------- */

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
	size_t n = c_strlen(o);

	while (*opts) {
		if (c_prefix(opts, o, n) && (opts[n] == ',' || opts[n] == '\0'))
			return 1;
		while (*opts && *opts != ',')
			opts++;
		if (*opts)
			opts++;
	}
	return 0;
}

/* Fallback without mount_setattr: read-only bind remount of every mount in our namespace, keeping
 * the per-mount flags (which may be locked). Uses the parent-allocated mi_buf. */
CHILD static long remount_all_ro(const struct sb_child *c)
{
	char *p, *end, *lim;
	size_t len = 0;
	long fd = c_open("/proc/self/mountinfo", O_RDONLY, 0);

	if (fd < 0)
		return fd;
	for (;;) {
		long r = SYS3(SYS_read, fd, c->mi_buf + len, c->mi_len - 1 - len);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			c_close((int)fd);
			return r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len >= c->mi_len - 1) {
			c_close((int)fd);
			return -E2BIG;
		}
	}
	c_close((int)fd);
	c->mi_buf[len] = '\0';
	lim = c->mi_buf + len;
	for (p = c->mi_buf; p < lim; p = end + 1) {
		char *f[6];
		unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID;
		long r;
		int i;

		for (end = p; end < lim && *end != '\n'; end++)
			;
		*end = '\0';
		for (i = 0; i < 6; i++) {
			f[i] = p;
			while (*p && *p != ' ')
				p++;
			if (!*p)
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
		r = c_mount("none", f[4], "none", fl, NULL);
		if (r < 0 && r != -ENOENT && r != -EACCES)
			return r;
	}
	return 0;
}

/* mkdir -p of the job directory's path below a fresh tmpfs (existing parts give EEXIST). */
CHILD static long mkdir_p(char *path)
{
	char *s;

	for (s = path + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char ch = *s;
			long r;

			*s = '\0';
			r = c_mkdir(path, 0755);
			*s = ch;
			if (r < 0 && r != -EEXIST)
				return r;
			if (!ch)
				break;
		}
	}
	return 0;
}

CHILD static long make_ro(const struct sb_child *c, const char *path, unsigned long keep)
{
	if (c->have_setattr)
		return c_mount_attr(path, 0, SB_MOUNT_ATTR_RDONLY, 0);
	return c_mount("none", path, "none", MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL);
}

/* A minimal /dev of our own: the host's device nodes are not even visible, and /dev/shm is a
 * private tmpfs. As root the nodes are made with mknod (0666 whatever the host's modes are);
 * in a user namespace (no CAP_MKNOD) the host's nodes are bound one by one. */
CHILD static void open_host_dev(const struct sb_child *c, long *host);
CHILD static void setup_dev(const struct sb_child *c, long *host)
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
	size_t i;

	_Static_assert(N == SB_DEV_NODES, "open_host_dev opens the same nodes");
	MUST(SB_STEP_DEV, c_mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
				  "size=64k,nr_inodes=64,mode=755"));
	SYS1(SYS_umask, 0);
	for (i = 0; i < N; i++) {
		if (!c->userns) {
			MUST(SB_STEP_DEV, SYS4(SYS_mknodat, AT_FDCWD, nodes[i].path, S_IFCHR | 0666,
					       makedev(nodes[i].maj, nodes[i].min)));
		} else if (host && host[i] >= 0) {
			char src[32];
			long fd = c_open(nodes[i].path, O_WRONLY | O_CREAT | O_EXCL, 0666);

			if (fd < 0)
				fail(SB_STEP_DEV, fd);
			c_close((int)fd);
			fd_path(src, (int)host[i]);
			MUST(SB_STEP_DEV, c_mount(src, nodes[i].path, "none", MS_BIND, NULL));
			c_close((int)host[i]);
		}
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		MUST(SB_STEP_DEV, SYS3(SYS_symlinkat, links[i].target, AT_FDCWD, links[i].path));
	MUST(SB_STEP_DEV, c_mkdir("/dev/shm", 01777));
	MUST(SB_STEP_DEV, c_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  c->shm_opts));
	SYS1(SYS_umask, 022);
	MUST(SB_STEP_DEV, make_ro(c, "/dev", MS_NOSUID | MS_NOEXEC));
}

/* In a user namespace (no mknod), the host's device nodes to bind, opened before /dev is
 * covered or the root changes (SB_DEV_NODES entries, -errno when not available). */
CHILD static void open_host_dev(const struct sb_child *c, long *host)
{
	static const char *const paths[SB_DEV_NODES] = {"/dev/null", "/dev/zero", "/dev/full",
							"/dev/random", "/dev/urandom", "/dev/tty"};
	int i;

	for (i = 0; i < SB_DEV_NODES; i++)
		host[i] = c->userns ? c_open(paths[i], O_PATH, 0) : -1;
}

/* The least view (sb_view.c): a tmpfs at SB_VIEW_STAGE filled with read-only binds of what the
 * tools need and the job directory, which then becomes the root (pivot_root; the old root is
 * detached, so nothing else of the host can be reached, not even by "..": the kernel confines
 * the new root). Binds are made read-only by the caller's recursive step. */
CHILD static void setup_view(const struct sb_child *c)
{
	const struct sb_view *v = c->view;
	int i;

	MUST(SB_STEP_VIEW, c_mount("tmpfs", SB_VIEW_STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
				   "size=256k,nr_inodes=1024,mode=755"));
	for (i = 0; i < v->n; i++) {
		const struct sb_view_entry *e = &v->e[i];
		long fd;

		switch (e->kind) {
		case SB_VIEW_MKDIR:
			MUST(SB_STEP_VIEW, c_mkdir(e->dst, 0755));
			break;
		case SB_VIEW_DIR:
			MUST(SB_STEP_VIEW, c_mkdir(e->dst, 0755));
			MUST(SB_STEP_VIEW, c_mount(e->src, e->dst, "none", MS_BIND | MS_REC, NULL));
			break;
		case SB_VIEW_FILE:
			fd = c_open(e->dst, O_WRONLY | O_CREAT | O_EXCL, 0444);
			if (fd < 0)
				fail(SB_STEP_VIEW, fd);
			c_close((int)fd);
			MUST(SB_STEP_VIEW, c_mount(e->src, e->dst, "none", MS_BIND, NULL));
			break;
		case SB_VIEW_LINK:
			MUST(SB_STEP_VIEW, SYS3(SYS_symlinkat, e->target, AT_FDCWD, e->dst));
			break;
		}
	}
	/* the private /tmp first: a job directory below /tmp gets its mount point inside it */
	MUST(SB_STEP_MOUNT_TMP, c_mount("tmpfs", SB_VIEW_STAGE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
					c->tmp_opts));
	MUST(SB_STEP_MKDIR_JOB, mkdir_p(c->mkdir_buf));
	MUST(SB_STEP_BIND_JOB, c_mount(c->jobfd_path, c->mkdir_buf, "none", MS_BIND, NULL));
	MUST(SB_STEP_PIVOT, SYS1(SYS_chdir, SB_VIEW_STAGE));
	MUST(SB_STEP_PIVOT, SYS2(SYS_pivot_root, ".", "."));
	MUST(SB_STEP_PIVOT, SYS2(SYS_umount2, ".", MNT_DETACH));
	MUST(SB_STEP_PIVOT, SYS1(SYS_chdir, "/"));
}

/* With a view: the tools' root is the view (setup_view), read-only and nosuid; the job
 * directory read-write; a private /tmp; our own /dev; a fresh /proc. */
CHILD static int setup_view_mounts(const struct sb_child *c)
{
	long fd, host[SB_DEV_NODES];
	int proc_ok = 1;

	SYS1(SYS_umask, 022);
	MUST(SB_STEP_MOUNT_PRIVATE, c_mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL));
	fd = c_open(c->jobdir, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		fail(SB_STEP_BIND_JOB, fd);
	MUST(SB_STEP_BIND_JOB, SYS3(SYS_dup3, fd, SB_FD_JOB, O_CLOEXEC));
	c_close((int)fd);
	open_host_dev(c, host);
	setup_view(c);
	/* /proc before the read-only step: without mount_setattr that step reads mountinfo */
	if (c->pidns && c_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		if (c->vm)
			fail(SB_STEP_PROC, -EPERM);
		MUST(SB_STEP_PROC, c_mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
					   "size=4k,nr_inodes=4,mode=555"));
		proc_ok = 0;
	}
	if (c->have_setattr)
		MUST(SB_STEP_MOUNT_RO, c_mount_attr("/", SB_AT_RECURSIVE,
						    SB_MOUNT_ATTR_RDONLY | SB_MOUNT_ATTR_NOSUID, 0));
	else
		MUST(SB_STEP_MOUNT_RO, remount_all_ro(c));
	for (fd = 0; fd < 2; fd++) {
		const char *rw = fd ? c->jobdir : "/tmp";
		if (c->have_setattr)
			MUST(SB_STEP_JOB_RW, c_mount_attr(rw, 0, SB_MOUNT_ATTR_NOSUID | SB_MOUNT_ATTR_NODEV,
							  SB_MOUNT_ATTR_RDONLY));
		else
			MUST(SB_STEP_JOB_RW, c_mount("none", rw, "none",
						     MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL));
	}
	/* no /proc/self/fd to bind the host's nodes through without a proc */
	setup_dev(c, proc_ok ? host : NULL);
	for (fd = 0; !proc_ok && fd < SB_DEV_NODES; fd++)
		if (host[fd] >= 0)
			c_close((int)host[fd]);
	return proc_ok;
}

/* The file-system view: the host's tree read-only and nosuid, a private tmpfs on /tmp, the other
 * job directories hidden under a read-only tmpfs, this job directory bound read-write, our own
 * /dev and a fresh /proc. Returns whether /proc is usable for the exec through /proc/self/fd. */
CHILD static int setup_mounts(const struct sb_child *c)
{
	long fd, host[SB_DEV_NODES];

	if (c->view)
		return setup_view_mounts(c);
	SYS1(SYS_umask, 022); /* the server's umask must not decide who can reach the job */
	MUST(SB_STEP_MOUNT_PRIVATE, c_mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL));
	/* The parent's fd to the job directory points into the parent's mount namespace, which
	 * cannot be a bind source here: reopen it in ours, before job_root gets hidden. */
	fd = c_open(c->jobdir, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		fail(SB_STEP_BIND_JOB, fd);
	MUST(SB_STEP_BIND_JOB, SYS3(SYS_dup3, fd, SB_FD_JOB, O_CLOEXEC));
	c_close((int)fd);
	if (c->have_setattr)
		MUST(SB_STEP_MOUNT_RO, c_mount_attr("/", SB_AT_RECURSIVE,
						    SB_MOUNT_ATTR_RDONLY | SB_MOUNT_ATTR_NOSUID, 0));
	else
		MUST(SB_STEP_MOUNT_RO, remount_all_ro(c));
	MUST(SB_STEP_MOUNT_TMP, c_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, c->tmp_opts));
	if (!c->job_root_in_tmp)
		MUST(SB_STEP_MOUNT_HIDE, c_mount("tmpfs", c->job_root, "tmpfs",
						 MS_NOSUID | MS_NODEV | MS_NOEXEC,
						 "size=64k,nr_inodes=64,mode=755"));
	MUST(SB_STEP_MKDIR_JOB, mkdir_p(c->mkdir_buf));
	MUST(SB_STEP_BIND_JOB, c_mount(c->jobfd_path, c->jobdir, "none", MS_BIND, NULL));
	if (c->have_setattr)
		MUST(SB_STEP_JOB_RW, c_mount_attr(c->jobdir, 0, SB_MOUNT_ATTR_NOSUID | SB_MOUNT_ATTR_NODEV,
						  SB_MOUNT_ATTR_RDONLY));
	else
		MUST(SB_STEP_JOB_RW, c_mount("none", c->jobdir, "none",
					     MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL));
	/* Nothing may be created next to the job directory (the tmpfs is private anyway). */
	if (!c->job_root_in_tmp)
		MUST(SB_STEP_MOUNT_HIDE, make_ro(c, c->job_root, MS_NOSUID | MS_NODEV | MS_NOEXEC));
	open_host_dev(c, host);
	setup_dev(c, host);
	if (!c->pidns)
		return 1; /* the host's /proc stays, read-only */
	if (c_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return 1;
	/* Never leave the host's /proc visible: an empty tmpfs instead (a user namespace may not
	 * be allowed a new proc). VM mode relies on /proc/self/fd: no fallback there. */
	if (c->vm)
		fail(SB_STEP_PROC, -EPERM);
	MUST(SB_STEP_PROC, c_mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				   "size=4k,nr_inodes=4,mode=555"));
	return 0;
}

/* --- the tool ------------------------------------------------------------------------------- */

/* Joins the run's cgroups by writing "0" to the cgroup.procs fds the parent opened (the kernel
 * checks the opener's permissions, and "0" names the caller in any pid namespace). */
CHILD static void join_cgroups(const struct sb_child *c)
{
	int i;

	for (i = 0; i < SB_CG_MAX; i++) {
		if (c->fd_cg[i] < 0)
			continue;
		MUST(SB_STEP_CGROUP, write_all(SB_FD_CG0 + i, "0", 1));
		c_close(SB_FD_CG0 + i);
	}
}

CHILD static void reset_signals(void)
{
	struct sb_ksigaction sa = {.handler = SIG_DFL};
	int sig;

	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			SYS4(SYS_rt_sigaction, sig, &sa, NULL, 8);
}

/* Lowering a limit cannot fail on Linux. Valgrind's emulation refuses to change some hard limits
 * (it keeps NOFILE for itself): then at least the soft limit, without ever raising anything. */
CHILD static long set_limit(int res, const struct rlimit *want)
{
	struct rlimit cur;
	long r = SYS4(SYS_prlimit64, 0, res, want, NULL);

	if (r != -EPERM)
		return r;
	r = SYS4(SYS_prlimit64, 0, res, NULL, &cur);
	if (r < 0)
		return r;
	if (want->rlim_cur > cur.rlim_max)
		return -EPERM;
	cur.rlim_cur = want->rlim_cur;
	return SYS4(SYS_prlimit64, 0, res, &cur, NULL);
}

/* Runs on c->tool_stack, sharing init's memory until execve (CLONE_VM|CLONE_VFORK). */
CHILD static int tool_main(void *arg)
{
	const struct sb_child *c = arg;
	struct __user_cap_header_struct caph = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct capd[2];
	uint64_t none = 0;
	const char *path = c->exec_path;
	int i;

	if (c->vm)
		join_cgroups(c);
	reset_signals();
	MUST(SB_STEP_PDEATHSIG, c_prctl(PR_SET_PDEATHSIG, SIGKILL));
	if (c->mountns)
		MUST(SB_STEP_CHDIR, SYS1(SYS_chdir, c->jobdir));
	else
		MUST(SB_STEP_CHDIR, SYS1(SYS_fchdir, SB_FD_JOB));
	for (i = 0; i < c->n_rlimits; i++)
		MUST(SB_STEP_RLIMIT, set_limit(c->rl_res[i], &c->rl[i]));
	if (c->nice > 0) /* PRIO_PROCESS 0 = this process; its children inherit it */
		MUST(SB_STEP_RLIMIT, SYS3(SYS_setpriority, PRIO_PROCESS, 0, c->nice));
	if (c->drop_uid) {
		MUST(SB_STEP_SETGROUPS, SYS2(SYS_setgroups, 0, NULL));
		MUST(SB_STEP_SETGID, SYS3(SYS_setresgid, SB_GID, SB_GID, SB_GID));
		MUST(SB_STEP_SETUID, SYS3(SYS_setresuid, SB_UID, SB_UID, SB_UID));
	}
	for (i = 0; i < 2; i++)
		capd[i].effective = capd[i].permitted = capd[i].inheritable = 0;
	MUST(SB_STEP_CAPS, SYS2(SYS_capset, &caph, capd));
	MUST(SB_STEP_NNP, c_prctl(PR_SET_NO_NEW_PRIVS, 1));
	if (c->exec_via_fd) {
		/* Run stage: exec through the constant "/proc/self/fd/N" string in sb_g.exec_page, the
		 * only pointer the filter lets execve take (opened as the tool's own uid). */
		long fd = c_open(c->exec_path, O_PATH, 0);
		if (fd < 0)
			fail(SB_STEP_EXEC, fd);
		if (fd != SB_FD_EXEC) {
			MUST(SB_STEP_EXEC, SYS3(SYS_dup3, fd, SB_FD_EXEC, O_CLOEXEC));
			c_close((int)fd);
		}
		path = c->exec_page;
	} else if (c->exec_page) {
		path = c->exec_page; /* fork mode without /proc: init copied the path there */
	}
	MUST(SB_STEP_SIGNALS, SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8));
	/* Seccomp last: from here on only execve (and, on failure, write + exit). */
	if (c->prog)
		MUST(SB_STEP_SECCOMP, SYS3(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, c->prog));
	fail(SB_STEP_EXEC, SYS3(SYS_execve, path, c->argv, c->envp));
}

/* --- init ----------------------------------------------------------------------------------- */

static long sb_spawn_tool(struct sb_child *c, int (*fn)(void *));

CHILD static int init_main(void *arg)
{
	struct sb_child *c = arg;
	struct sb_msg m = {.kind = SB_MSG_EXIT};
	int st = 0, i, replaced_net = 0, proc_ok = 1;
	long tool;

	setup_fds(c);
	MUST(SB_STEP_PDEATHSIG, c_prctl(PR_SET_PDEATHSIG, SIGKILL));
	if (!c->vm) /* see the top of this file */
		join_cgroups(c);
	if (c->fd_net >= 0) {
		/* A pooled namespace: join it, and make sure nothing was left in it. */
		MUST(SB_STEP_NETNS, SYS2(SYS_setns, SB_FD_NET, CLONE_NEWNET));
		if (!netns_empty()) {
			MUST(SB_STEP_NETNS, SYS1(SYS_unshare, CLONE_NEWNET));
			replaced_net = 1;
		}
	}
	c_close(SB_FD_NET);
	if (c->userns) {
		long r = write_path("/proc/self/setgroups", "deny");
		if (r < 0 && r != -ENOENT)
			fail(SB_STEP_USERNS, r);
		MUST(SB_STEP_USERNS, write_path("/proc/self/uid_map", c->uid_map));
		MUST(SB_STEP_USERNS, write_path("/proc/self/gid_map", c->gid_map));
	}
	if (c->mountns)
		proc_ok = setup_mounts(c);
	SYS1(SYS_umask, 022);
	MUST(SB_STEP_SETSID, SYS1(SYS_setsid, 0));
	MUST(SB_STEP_NNP, c_prctl(PR_SET_NO_NEW_PRIVS, 1));
	if (!c->vm) {
		/* Fork mode: our own copy of memory. Not dumpable (only now: /proc/self would turn
		 * root's and the maps and bind source above unreachable), so that a tool with the
		 * same uid cannot reach init through /proc/1/mem and forge its status. */
		MUST(SB_STEP_NNP, c_prctl(PR_SET_DUMPABLE, 0));
		if (c->exec_page && !proc_ok) {
			for (i = 0; i <= (int)c->exec_path_len; i++)
				c->exec_page[i] = c->exec_path[i];
		}
	}
	c->exec_via_fd = c->exec_page && proc_ok;

	tool = sb_spawn_tool(c, tool_main);
	if (tool < 0)
		fail(SB_STEP_SPAWN, tool);
	/* The tool has exec'd (or failed): init keeps only the status fd. */
	c_close(0);
	c_close(1);
	c_close(2);
	c_close(SB_FD_JOB);
	for (i = 0; i < SB_CG_MAX; i++)
		c_close(SB_FD_CG0 + i);
	for (;;) {
		int s = 0;
		long p = SYS4(SYS_wait4, -1, &s, __WALL, NULL);

		if (p == -EINTR)
			continue;
		if (p < 0)
			break;
		if (p == tool) {
			st = s;
			break;
		}
	}
	m.status = st;
	if (c->check_net && c->pidns && !replaced_net) {
		/* Kill the rest of the pid namespace (kill(-1) cannot leave it, and skips init), reap
		 * it, then see whether the network namespace is empty again. */
		long p;

		SYS2(SYS_kill, -1, SIGKILL);
		while ((p = SYS4(SYS_wait4, -1, NULL, __WALL, NULL)) > 0 || p == -EINTR)
			;
		m.net_reusable = netns_empty();
	}
	if (write_all(SB_FD_STATUS, &m, sizeof(m)) < 0)
		c_exit(126);
	c_exit(0);
}

/* --- spawning ------------------------------------------------------------------------------- */

/* The tool, from init: vfork-like, on its own stack. */
CHILD static long sb_spawn_tool(struct sb_child *c, int (*fn)(void *))
{
#ifdef SB_HAVE_RAW
	return sb_clone_raw(CLONE_VM | CLONE_VFORK | SIGCHLD, c->tool_stack + c->stack_len, fn, c);
#else
	long pid = clone(fn, c->tool_stack + c->stack_len, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	return pid < 0 ? -errno : pid;
#endif
}

static int vm_broken; /* CLONE_VM refused once (e.g. valgrind): fork mode from then on */

pid_t sb_child_spawn(struct sb_child *c)
{
	sigset_t all, old;
	long pid = -ENOSYS;
	int e;

	/* No handler of the server may run in the child: block everything across clone. The child
	 * keeps everything blocked until the tool unblocks just before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
#ifdef SB_HAVE_RAW
	if (c->vm && !__atomic_load_n(&vm_broken, __ATOMIC_RELAXED)) {
		pid = sb_clone_raw(c->clone_flags | CLONE_VM, c->init_stack + c->stack_len, init_main,
				   c);
		if (pid == -EINVAL)
			__atomic_store_n(&vm_broken, 1, __ATOMIC_RELAXED);
	}
#endif
	if (pid < 0 && (!c->vm || pid == -EINVAL || pid == -ENOSYS)) {
		c->vm = 0;
		pid = rawsys(SYS_clone, (long)c->clone_flags, 0, 0, 0, 0, 0);
		if (pid == 0)
			c_exit(init_main(c));
	}
	e = pid < 0 ? (int)-pid : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		errno = e;
		return -1;
	}
	return (pid_t)pid;
}
