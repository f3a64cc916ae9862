/* sb_filter.c: the seccomp filters of the two stages, built once by sb_init with libseccomp and
 * exported to plain BPF (struct sock_fprog), so that the child only needs prctl(PR_SET_SECCOMP).
 *
 * Both filters are deny-lists on top of the other layers (default ALLOW: the toolchain's set of
 * system calls changes with every glibc, gcc and Verilator; the mount, pid, net and ipc
 * namespaces, the unprivileged uid, the rlimits and the cgroup are what confine the allowed
 * calls). Actions:
 *
 *   KILL_PROCESS (SIGSYS, reported as SB_LIMIT_SECCOMP): calls no EDA tool or compiler makes and
 *     that are kernel attack surface or escape primitives: ptrace, process_vm_*, bpf,
 *     perf_event_open, keyctl/add_key/request_key, io_uring_*, userfaultfd, kexec_*, *_module,
 *     reboot, open_by_handle_at, pidfd_getfd, iopl/ioperm, kcmp, the non-native ABIs (x32 and
 *     i386 through int 0x80: libseccomp's bad-architecture action). Run stage: any execve other
 *     than the sandbox's own first one, and execveat.
 *   EPERM: calls a tool might plausibly try and should see fail gracefully: socket() for every
 *     family but AF_UNIX, mount/umount2/pivot_root/chroot and the new mount API, unshare, setns,
 *     clone with a CLONE_NEW* flag, swapon/off, acct, quotactl, set*name, clock setting, syslog,
 *     vhangup, name_to_handle_at, ioctl(TIOCSTI/TIOCLINUX).
 *   ENOSYS: clone3, whose flags live in memory seccomp cannot read; glibc then falls back to
 *     clone, whose flags the filter checks.
 *
 * One exec in the run stage. The filter has to allow the exec of the simulator itself and then
 * refuse every later one. sb_init maps one page at a random address (2^35 possible pages) holding
 * the constant string "/proc/self/fd/9", and the run filter allows execve only when its path
 * argument is that exact pointer; the child opens the binary as fd 9 and execs through that
 * string (sb_child.c). After the exec the new image has no pointer to that page and the address
 * appears nowhere it can read (the filter itself is not readable without CAP_SYS_ADMIN), so a
 * second execve needs a guess, and a wrong guess kills the process. (The path being constant,
 * the page is never written during runs, which matters when the child shares our memory.)
 * Consequence: the run stage executes binaries; a #! script would find its fd closed.
 */
#include "sb_internal.h"

#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const char *const kill_calls[] = {
	"ptrace",	 "process_vm_readv",  "process_vm_writev", "bpf",
	"perf_event_open", "keyctl",	       "add_key",	     "request_key",
	"io_uring_setup",  "io_uring_enter",    "io_uring_register", "userfaultfd",
	"kexec_load",	 "kexec_file_load",   "init_module",	     "finit_module",
	"delete_module",   "reboot",	       "open_by_handle_at", "pidfd_getfd",
	"iopl",		 "ioperm",	       "kcmp",		     "lookup_dcookie",
	"uselib",	 "create_module",     "get_kernel_syms",   "query_module",
	"nfsservctl",	 NULL,
};

static const char *const eperm_calls[] = {
	"mount",	 "umount2",	"pivot_root",	 "chroot",	  "unshare",
	"setns",	 "fsopen",	"fsconfig",	 "fsmount",	  "fspick",
	"move_mount",	 "open_tree",	"mount_setattr", "swapon",	  "swapoff",
	"acct",		 "quotactl",	"quotactl_fd",	 "sethostname",	  "setdomainname",
	"settimeofday",	 "clock_settime", "clock_adjtime", "adjtimex",	  "syslog",
	"vhangup",	 "name_to_handle_at", "fanotify_init", NULL,
};

static const unsigned long ns_flags[] = {
	CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
	CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP,
};

static int add_list(scmp_filter_ctx ctx, const char *const *names, uint32_t action)
{
	for (; *names; names++) {
		int nr = seccomp_syscall_resolve_name(*names);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: the kernel cannot have it either */
		if (seccomp_rule_add(ctx, action, nr, 0) < 0)
			return -1;
	}
	return 0;
}

static int add_common(scmp_filter_ctx ctx)
{
	size_t i;

	if (add_list(ctx, kill_calls, SCMP_ACT_KILL_PROCESS) < 0 ||
	    add_list(ctx, eperm_calls, SCMP_ACT_ERRNO(EPERM)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
			     SCMP_A0_32(SCMP_CMP_NE, AF_UNIX)) < 0)
		return -1;
	for (i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0_64(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i])) < 0)
			return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			     SCMP_A1_32(SCMP_CMP_EQ, TIOCSTI)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			     SCMP_A1_32(SCMP_CMP_EQ, TIOCLINUX)) < 0)
		return -1;
	return 0;
}

/* Exports ctx as BPF into prog (malloc'ed filter array). */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd, ret = -1;

	fd = memfd_create("sb-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		sb_errf(err, errlen, "memfd_create: %s", SB_STRERR(errno));
		return -1;
	}
	if (seccomp_export_bpf(ctx, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		sb_errf(err, errlen, "seccomp_export_bpf failed");
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *p = realloc(data, cap ? cap * 2 : 4096);
			if (!p)
				goto out;
			data = p;
			cap = cap ? cap * 2 : 4096;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > 4096) {
		sb_errf(err, errlen, "seccomp filter has an unexpected size (%zu bytes)", len);
		goto out;
	}
	prog->len = (unsigned short)(len / sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)data;
	data = NULL;
	ret = 0;
out:
	free(data);
	close(fd);
	return ret;
}

static int build(enum sb_stage stage, const void *exec_page, struct sock_fprog *prog, char *err,
		 size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret = -1;

	if (!ctx) {
		sb_errf(err, errlen, "seccomp_init failed");
		return -1;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    add_common(ctx) < 0) {
		sb_errf(err, errlen, "building the %s seccomp filter failed",
			stage == SB_STAGE_RUN ? "run" : "build");
		goto out;
	}
	if (stage == SB_STAGE_RUN &&
	    (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execve), 1,
			      SCMP_A0_64(SCMP_CMP_NE, (uint64_t)(uintptr_t)exec_page)) < 0 ||
	     seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execveat), 0) < 0)) {
		sb_errf(err, errlen, "building the run-stage exec rule failed");
		goto out;
	}
	ret = export(ctx, prog, err, errlen);
out:
	seccomp_release(ctx);
	return ret;
}

int sb_filter_build(const void *exec_page, char *err, size_t errlen)
{
	/* libseccomp asks the kernel which actions exist through seccomp(2); where that call is
	 * not available (valgrind does not know it) it would refuse KILL_PROCESS. sb_init loads the
	 * filters in a child before trusting them, so assuming API level 3 (Linux 4.14) is safe. */
	if (seccomp_api_get() < 3)
		seccomp_api_set(3);
	if (build(SB_STAGE_BUILD, exec_page, &sb_g.prog_build, err, errlen) < 0)
		return -1;
	if (build(SB_STAGE_RUN, exec_page, &sb_g.prog_run, err, errlen) < 0) {
		sb_filter_release();
		return -1;
	}
	return 0;
}

void sb_filter_release(void)
{
	free(sb_g.prog_build.filter);
	free(sb_g.prog_run.filter);
	sb_g.prog_build.filter = NULL;
	sb_g.prog_run.filter = NULL;
	sb_g.prog_build.len = 0;
	sb_g.prog_run.len = 0;
}
