/* sb-probe: proves the sandbox from the inside (cf. bubblewrap's tests/try-syscall.c).
 *
 *   sb-probe syscalls [HOST_PID]
 *       Tries each forbidden operation in a forked child and prints one line per operation:
 *         name: ALLOWED
 *         name: refused (EPERM)        the call failed with that errno
 *         name: refused (SIGSYS)       the seccomp filter killed the child
 *         name: refused (no effect)    accepted by the kernel but without effect
 *       HOST_PID, a pid of the host (e.g. the test process), must not be visible inside.
 *       Also prints a few operations that must work (writing in the job dir and /tmp, reading
 *       /etc/ld.so.cache, AF_UNIX sockets) so a sandbox that refuses everything does not pass.
 *       Reading /etc/passwd must be refused (the least view has no /etc/passwd).
 *
 *   sb-probe hostfiles PATH..
 *       Tries to read each PATH (a file: its first bytes; a directory: its entries) and prints
 *         PATH: READABLE (N bytes|N entries)
 *         PATH: blocked (ENOENT)       cannot be opened: errno
 *         PATH: blocked (empty)        opens, but there is nothing in it (an empty mount point
 *                                      or a parent directory of the job)
 *
 *   Helpers for tests/check_sandbox.c:
 *   sb-probe info             uid, gid, pid, ppid, hostname, open fds, cwd
 *   sb-probe mem MIB          allocate and touch MIB MiB, 16 MiB at a time
 *   sb-probe fsize MIB        write MIB MiB to ./big.bin
 *   sb-probe flood BYTES      write BYTES bytes to stdout, and as many to stderr
 *   sb-probe spin             burn CPU forever
 *   sb-probe exec PATH ARG..  execv(PATH) and report the failure, if any
 *   sb-probe signal N         kill itself with signal N
 *   sb-probe exit N           exit with status N
 *   sb-probe write PATH       create PATH and write to it; prints ok / refused (errno)
 *   sb-probe stdin            copy stdin to stdout
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static long host_pid;
extern char **environ;

static long sys_ok(long r)
{
	return r < 0 ? -1 : 0;
}

/* --- the forbidden operations: return 0 when the operation succeeded --- */

static int t_socket_inet(void) { return (int)sys_ok(socket(AF_INET, SOCK_STREAM, 0)); }
static int t_socket_inet6(void) { return (int)sys_ok(socket(AF_INET6, SOCK_DGRAM, 0)); }
static int t_socket_netlink(void) { return (int)sys_ok(socket(AF_NETLINK, SOCK_RAW, 0)); }
static int t_socket_packet(void) { return (int)sys_ok(socket(AF_PACKET, SOCK_RAW, 0)); }
static int t_socket_vsock(void) { return (int)sys_ok(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0)); }

static int t_connect_localhost(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(6379)};
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(s, (struct sockaddr *)&a, sizeof(a));
}

static int t_ptrace(void) { return (int)sys_ok(ptrace(PTRACE_TRACEME, 0, NULL, NULL)); }

static int t_process_vm_readv(void)
{
	char buf[8], src[8] = "x";
	struct iovec l = {buf, sizeof(buf)}, r = {src, sizeof(src)};

	return (int)sys_ok(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0));
}

static int t_mount(void)
{
	mkdir("probe-mnt", 0755);
	return mount("none", "probe-mnt", "tmpfs", 0, NULL);
}

static int t_umount(void) { return umount2("/proc", MNT_DETACH); }
static int t_unshare_user(void) { return unshare(CLONE_NEWUSER); }
static int t_unshare_net(void) { return unshare(CLONE_NEWNET); }
static int t_unshare_mount(void) { return unshare(CLONE_NEWNS); }

static int t_clone_newuser(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int t_clone3_newuser(void)
{
	struct clone_args a;
	long pid;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_NEWUSER;
	a.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int t_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);

	if (fd < 0)
		return -1;
	return setns(fd, CLONE_NEWUTS);
}

static int t_keyctl(void)
{
	return (int)sys_ok(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
}

static int t_add_key(void)
{
	return (int)sys_ok(syscall(SYS_add_key, "user", "rtlr", "x", 1, KEY_SPEC_PROCESS_KEYRING));
}

static int t_request_key(void)
{
	return (int)sys_ok(syscall(SYS_request_key, "user", "rtlr", NULL, KEY_SPEC_PROCESS_KEYRING));
}

static int t_io_uring_setup(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return (int)sys_ok(syscall(SYS_io_uring_setup, 4, &p));
}

static int t_bpf(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return (int)sys_ok(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
}

static int t_perf_event_open(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	return (int)sys_ok(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
}

static int t_userfaultfd(void) { return (int)sys_ok(syscall(SYS_userfaultfd, 0)); }
static int t_kexec_load(void) { return (int)sys_ok(syscall(SYS_kexec_load, 0, 0, NULL, 0)); }
static int t_init_module(void) { return (int)sys_ok(syscall(SYS_init_module, NULL, 0, "")); }
static int t_finit_module(void) { return (int)sys_ok(syscall(SYS_finit_module, -1, "", 0)); }
static int t_delete_module(void) { return (int)sys_ok(syscall(SYS_delete_module, "rtlr", 0)); }
static int t_reboot(void) { return (int)sys_ok(syscall(SYS_reboot, 0, 0, 0, NULL)); }
static int t_pivot_root(void) { return (int)sys_ok(syscall(SYS_pivot_root, ".", ".")); }
static int t_chroot(void) { return chroot("."); }
static int t_swapon(void) { return (int)sys_ok(syscall(SYS_swapon, "/nonexistent", 0)); }
static int t_x32_getpid(void) { return (int)sys_ok(syscall(__X32_SYSCALL_BIT | 39)); }
static int t_setuid_root(void) { return setuid(0); }
static int t_sethostname(void) { return sethostname("rtlr-probe", 10); }
static int t_mknod_dev(void) { return mknod("probe-null", S_IFCHR | 0666, makedev(1, 3)); }

static int t_execve(void)
{
	char *argv[] = {"/bin/true", NULL};

	execve(argv[0], argv, environ);
	return -1;
}

static int t_execveat(void)
{
	char *argv[] = {"/bin/true", NULL};

	syscall(SYS_execveat, AT_FDCWD, argv[0], argv, environ, 0);
	return -1;
}

static int t_memfd_exec(void)
{
	char *argv[] = {"true", NULL};
	char buf[65536];
	int in = open("/bin/true", O_RDONLY), fd = memfd_create("x", 0);
	ssize_t r;

	if (in < 0 || fd < 0)
		return -1;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)r) != r)
			return -1;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return -1;
}

static int create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, "probe\n", 6) != 6) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int t_write_etc(void) { return create("/etc/rtlr_probe"); }
static int t_write_usr(void) { return create("/usr/rtlr_probe"); }
static int t_write_root(void) { return create("/rtlr_probe"); }
static int t_write_parent(void) { return create("../rtlr_probe"); }
static int t_write_var_tmp(void) { return create("/var/tmp/rtlr_probe"); }
static int t_write_dev_shm(void) { return create("/dev/shm/rtlr_probe"); } /* private tmpfs */
static int t_write_proc_sys(void) { return create("/proc/sys/kernel/hostname"); }
static int t_write_sysrq(void) { return create("/proc/sysrq-trigger"); }
static int t_write_jobdir(void) { return create("./rtlr_probe"); }
static int t_write_tmp(void) { return create("/tmp/rtlr_probe"); }

static int t_read_passwd(void)
{
	char buf[64];
	int fd = open("/etc/passwd", O_RDONLY);

	return fd >= 0 && read(fd, buf, sizeof(buf)) > 0 ? 0 : -1;
}

/* The dynamic loader's cache: part of the least view, must stay readable. */
static int t_read_ld_cache(void)
{
	char buf[64];
	int fd = open("/etc/ld.so.cache", O_RDONLY);

	return fd >= 0 && read(fd, buf, sizeof(buf)) > 0 ? 0 : -1;
}

static int t_socket_unix(void) { return (int)sys_ok(socket(AF_UNIX, SOCK_STREAM, 0)); }
/* Returns 1 (no effect) when the signal was accepted but init is still there: a namespace's
 * init ignores SIGKILL from inside (we would be dead with it otherwise). */
static int t_kill_init(void)
{
	if (kill(1, SIGKILL) < 0)
		return -1;
	usleep(100000);
	return kill(1, 0) == 0 ? 1 : 0;
}

static int t_read_init_mem(void)
{
	char buf[16];
	int fd = open("/proc/1/mem", O_RDONLY);

	if (fd < 0)
		return -1;
	if (lseek(fd, 0x400000, SEEK_SET) < 0 || read(fd, buf, sizeof(buf)) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}
static int t_kill_host(void) { return host_pid > 1 ? kill((pid_t)host_pid, 0) : -1; }
static int t_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	if (p < 0)
		return -1;
	waitpid(p, NULL, 0);
	return 0;
}

struct probe {
	const char *name;
	int (*fn)(void);
};

static const struct probe probes[] = {
	{"read_passwd", t_read_passwd}, /* the host's /etc is not in the least view */
	{"socket_inet", t_socket_inet},
	{"socket_inet6", t_socket_inet6},
	{"socket_netlink", t_socket_netlink},
	{"socket_packet", t_socket_packet},
	{"socket_vsock", t_socket_vsock},
	{"connect_localhost", t_connect_localhost},
	{"ptrace", t_ptrace},
	{"process_vm_readv", t_process_vm_readv},
	{"mount", t_mount},
	{"umount", t_umount},
	{"unshare_user", t_unshare_user},
	{"unshare_net", t_unshare_net},
	{"unshare_mount", t_unshare_mount},
	{"clone_newuser", t_clone_newuser},
	{"clone3_newuser", t_clone3_newuser},
	{"setns", t_setns},
	{"keyctl", t_keyctl},
	{"add_key", t_add_key},
	{"request_key", t_request_key},
	{"io_uring_setup", t_io_uring_setup},
	{"bpf", t_bpf},
	{"perf_event_open", t_perf_event_open},
	{"userfaultfd", t_userfaultfd},
	{"kexec_load", t_kexec_load},
	{"init_module", t_init_module},
	{"finit_module", t_finit_module},
	{"delete_module", t_delete_module},
	{"reboot", t_reboot},
	{"pivot_root", t_pivot_root},
	{"chroot", t_chroot},
	{"swapon", t_swapon},
	{"x32_syscall", t_x32_getpid},
	{"setuid_root", t_setuid_root},
	{"sethostname", t_sethostname},
	{"mknod_dev", t_mknod_dev},
	{"execve", t_execve},
	{"execveat", t_execveat},
	{"memfd_exec", t_memfd_exec},
	{"write_etc", t_write_etc},
	{"write_usr", t_write_usr},
	{"write_root", t_write_root},
	{"write_parent", t_write_parent},
	{"write_var_tmp", t_write_var_tmp},
	{"write_proc_sys", t_write_proc_sys},
	{"write_sysrq", t_write_sysrq},
	{"kill_init", t_kill_init},
	{"read_init_mem", t_read_init_mem},
	{"kill_host", t_kill_host},
	/* must work */
	{"write_dev_shm", t_write_dev_shm},
	{"write_jobdir", t_write_jobdir},
	{"write_tmp", t_write_tmp},
	{"read_ld_cache", t_read_ld_cache},
	{"socket_unix", t_socket_unix},
	{"fork", t_fork},
};

static void run_probe(const struct probe *p)
{
	int st, r;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s: probe fork failed (%s)\n", p->name, strerrorname_np(errno));
		return;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) { /* the exec probes must not print */
			dup2(fd, 1);
			dup2(fd, 2);
		}
		errno = 0;
		r = p->fn();
		if (r == 0)
			_exit(0);
		if (r == 1)
			_exit(254);
		_exit(errno > 0 && errno < 255 ? errno : 255);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	if (WIFSIGNALED(st)) {
		printf("%s: refused (%s)\n", p->name,
		       WTERMSIG(st) == SIGSYS ? "SIGSYS" : sigabbrev_np(WTERMSIG(st)));
	} else if (WEXITSTATUS(st) == 0) {
		printf("%s: ALLOWED\n", p->name);
	} else if (WEXITSTATUS(st) == 254) {
		printf("%s: refused (no effect)\n", p->name);
	} else {
		const char *n = WEXITSTATUS(st) == 255 ? NULL : strerrorname_np(WEXITSTATUS(st));
		printf("%s: refused (%s)\n", p->name, n ? n : "failed");
	}
}

/* One line for sb-probe hostfiles: what of path can be read. */
static void host_file(const char *path)
{
	char buf[256];
	struct dirent *e;
	long n = 0;
	DIR *d;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("%s: blocked (%s)\n", path, strerrorname_np(errno));
		return;
	}
	d = fdopendir(fd);
	if (d) {
		while ((e = readdir(d)))
			n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
		if (n)
			printf("%s: READABLE (%ld entries)\n", path, n);
		else
			printf("%s: blocked (empty)\n", path);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0)
		printf("%s: READABLE (%ld bytes)\n", path, n);
	else
		printf("%s: blocked (%s)\n", path, n < 0 ? strerrorname_np(errno) : "empty");
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end) {
		fprintf(stderr, "sb-probe: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void write_n(int fd, long n)
{
	static char block[65536];

	memset(block, 'x', sizeof(block));
	while (n > 0) {
		ssize_t w = write(fd, block, n > (long)sizeof(block) ? sizeof(block) : (size_t)n);
		if (w <= 0)
			return;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "syscalls";
	size_t i;

	if (!strcmp(cmd, "syscalls")) {
		if (argc > 2)
			host_pid = num(argv[2]);
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			run_probe(&probes[i]);
		unlink("rtlr_probe");
		unlink("/tmp/rtlr_probe");
		unlink("/dev/shm/rtlr_probe");
		rmdir("probe-mnt");
		return 0;
	}
	if (!strcmp(cmd, "info")) {
		struct utsname u;
		char cwd[4096];
		uname(&u);
		printf("uid=%d gid=%d pid=%d ppid=%d host=%s fds=%d cwd=%s\n", (int)getuid(),
		       (int)getgid(), (int)getpid(), (int)getppid(), u.nodename, count_fds(),
		       getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		return 0;
	}
	if (!strcmp(cmd, "mem") && argc > 2) {
		long mib = num(argv[2]), got;
		for (got = 0; got < mib; got += 16) {
			char *p = malloc(16u << 20);
			if (!p) {
				fprintf(stderr, "sb-probe: %s after %ld MiB\n", strerror(ENOMEM), got);
				return 1;
			}
			memset(p, 1, 16u << 20);
		}
		printf("allocated %ld MiB\n", mib);
		return 0;
	}
	if (!strcmp(cmd, "fsize") && argc > 2) {
		int fd = open("big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return 1;
		write_n(fd, num(argv[2]) << 20);
		close(fd);
		return 0;
	}
	if (!strcmp(cmd, "flood") && argc > 2) {
		write_n(1, num(argv[2]));
		write_n(2, num(argv[2]));
		return 0;
	}
	if (!strcmp(cmd, "spin")) {
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	if (!strcmp(cmd, "exec") && argc > 2) {
		execv(argv[2], argv + 2);
		printf("exec %s: %s\n", argv[2], strerrorname_np(errno));
		return 1;
	}
	if (!strcmp(cmd, "signal") && argc > 2) {
		kill(getpid(), (int)num(argv[2]));
		return 1;
	}
	if (!strcmp(cmd, "exit") && argc > 2)
		return (int)num(argv[2]);
	if (!strcmp(cmd, "write") && argc > 2) {
		if (create(argv[2]) == 0)
			printf("%s: ok\n", argv[2]);
		else
			printf("%s: refused (%s)\n", argv[2], strerrorname_np(errno));
		return 0;
	}
	if (!strcmp(cmd, "hostfiles")) {
		for (i = 2; i < (size_t)argc; i++)
			host_file(argv[i]);
		return 0;
	}
	if (!strcmp(cmd, "stdin")) {
		char buf[4096];
		ssize_t r;
		while ((r = read(0, buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)r) != r)
				return 1;
		return 0;
	}
	fprintf(stderr, "usage: sb-probe syscalls [HOST_PID] | info | mem MIB | fsize MIB | flood N |"
			" spin | exec PATH.. | signal N | exit N | write PATH | stdin | hostfiles PATH..\n");
	return 2;
}
