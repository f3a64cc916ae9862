/* sb_init.c: sandbox start-up and shutdown. sb_init probes what the kernel offers (namespaces,
 * mount_setattr, seccomp, no_new_privs, cgroups), maps the run stage's exec page, creates the job
 * root, and writes the sb_features report; sb_shutdown and sb_get_features. The threat model and
 * the layers these probes enable are described at the top of sandbox.c.
 */
#include "sb_internal.h"

#include <errno.h>
#include <fcntl.h>
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
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* --- sb_init: feature probes ---------------------------------------------------------------- */

/* Runs fn in a forked child and returns its exit code (-1 if it did not exit). */
static int in_child(int (*fn)(unsigned long), unsigned long arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int try_unshare(unsigned long flags)
{
	return unshare((int)flags) == 0 ? 0 : 1;
}

/* In a new mount namespace only: are mount changes and mount_setattr possible? */
static int try_mountns(unsigned long extra)
{
	struct {
		uint64_t set, clr, prop, userns;
	} a = {.set = 1 /* MOUNT_ATTR_RDONLY */};

	if (unshare((int)(CLONE_NEWNS | extra)) < 0)
		return 1;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 1;
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x8000 /* AT_RECURSIVE */, &a, sizeof(a)) < 0)
		return errno == ENOSYS ? 2 : 3;
	return 0;
}

static int try_seccomp(unsigned long unused)
{
	int s;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sb_g.prog_build, 0, 0) < 0)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0 || errno != EPERM)
		return 3;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &sb_g.prog_run, 0, 0) < 0)
		return 2;
	return 0;
}

static int try_nnp(unsigned long unused)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
			       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1
		       ? 0
		       : 1;
}

static int has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, tok, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/* Maps one page at a random address for the run stage's single allowed execve (sb_filter.c). */
static int map_exec_page(char *err, size_t errlen)
{
	long pg = sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < 64; i++) {
		uint64_t r;
		uintptr_t addr;
		void *p;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			continue;
		/* 2^47 user space: pick a page between 1 TiB and 127 TiB */
		addr = (uintptr_t)((1ULL << 40) + (r % ((126ULL << 40) / (uint64_t)pg)) * (uint64_t)pg);
		p = mmap((void *)addr, (size_t)pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			continue;
		if (p != (void *)addr) { /* old kernels ignore MAP_FIXED_NOREPLACE */
			munmap(p, (size_t)pg);
			continue;
		}
		sb_g.exec_page = p;
		sb_g.exec_page_len = (size_t)pg;
		snprintf(p, (size_t)pg, "/proc/self/fd/%d", SB_FD_EXEC);
		return 0;
	}
	sb_errf(err, errlen, "cannot map the exec page");
	return -1;
}

static int make_job_root(const char *root, char *err, size_t errlen)
{
	char tmp[PATH_MAX], real[PATH_MAX];
	char *s;

	if (!root || root[0] != '/') {
		sb_errf(err, errlen, "job_root must be an absolute path");
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", root) >= sizeof(tmp) - 32) {
		sb_errf(err, errlen, "job_root too long");
		return -1;
	}
	for (s = tmp + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char ch = *s;
			*s = '\0';
			if (mkdir(tmp, 0711) < 0 && errno != EEXIST) {
				sb_errf(err, errlen, "mkdir %s: %s", tmp, SB_STRERR(errno));
				return -1;
			}
			*s = ch;
			if (!ch)
				break;
		}
	}
	if (!realpath(root, real)) {
		sb_errf(err, errlen, "realpath %s: %s", root, SB_STRERR(errno));
		return -1;
	}
	if (!strcmp(real, "/")) {
		sb_errf(err, errlen, "job_root must not be /");
		return -1;
	}
	memcpy(sb_g.job_root, real, strlen(real) + 1);
	sb_g.job_root_len = strlen(real);
	return 0;
}

static void append(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *dst, size_t len, const char *fmt, ...)
{
	size_t used = strlen(dst);
	va_list ap;

	if (used >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + used, len - used, fmt, ap);
	va_end(ap);
}

int sb_init(const struct sb_config *cfg, char *err, size_t errlen)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} ns[] = {
		{CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"}, {CLONE_NEWNET, "net"},
		{CLONE_NEWIPC, "ipc"},  {CLONE_NEWUTS, "uts"},
	};
	struct sb_features *f = &sb_g.feat;
	const char *force = getenv("RTLR_SB_FORCE");
	char cgforce[16] = "", cgnote[256], missing[128] = "", have[128] = "", cgdesc[64];
	int *field[5], mnt, i, vg;
	unsigned long extra = 0;

	if (sb_g.inited) {
		sb_errf(err, errlen, "sb_init called twice");
		return -1;
	}
	if (!cfg) {
		sb_errf(err, errlen, "no configuration");
		return -1;
	}
	memset(&sb_g, 0, sizeof(sb_g));
	if (make_job_root(cfg->job_root, err, errlen) < 0)
		return -1;
	{
		const char *t = getenv("RTLR_TRACE_JOBS");
		if (t && t[0] == '/' && strlen(t) < sizeof(sb_g.trace_dir))
			snprintf(sb_g.trace_dir, sizeof(sb_g.trace_dir), "%s", t);
	}
	sb_g.euid = geteuid();
	sb_g.egid = getegid();
	if (force) {
		const char *c = strstr(force, "cgroup=");
		if (c)
			snprintf(cgforce, sizeof(cgforce), "%.*s", (int)strcspn(c + 7, ","), c + 7);
	}
	if (map_exec_page(err, errlen) < 0)
		return -1;
	if (sb_filter_build(sb_g.exec_page, err, errlen) < 0)
		goto fail;

	/* user namespace: needed (and used) only when we are not root */
	f->userns = in_child(try_unshare, CLONE_NEWUSER) == 0;
	if (sb_g.euid == 0) {
		sb_g.drop_uid = 1;
	} else if (f->userns) {
		sb_g.use_userns = 1;
		extra = CLONE_NEWUSER;
	}
	field[0] = &f->mountns;
	field[1] = &f->pidns;
	field[2] = &f->netns;
	field[3] = &f->ipcns;
	field[4] = &f->utsns;
	mnt = (sb_g.euid == 0 || sb_g.use_userns) ? in_child(try_mountns, extra) : 1;
	f->mountns = mnt == 0 || mnt == 2;
	sb_g.have_setattr = mnt == 0 && !(force && has_token(force, "no-setattr"));
	for (i = 1; i < 5; i++)
		*field[i] = (sb_g.euid == 0 || sb_g.use_userns) &&
			    in_child(try_unshare, ns[i].flag | extra) == 0;
	if (force && has_token(force, "no-pidns"))
		f->pidns = 0;
	for (i = 0; i < 5; i++) {
		if (*field[i]) {
			sb_g.ns_flags |= ns[i].flag;
			append(have, sizeof(have), "%s%s", have[0] ? "," : "", ns[i].name);
		} else {
			append(missing, sizeof(missing), "%s%s", missing[0] ? "," : "", ns[i].name);
		}
	}
	if (sb_g.ns_flags && sb_g.use_userns)
		sb_g.ns_flags |= CLONE_NEWUSER;
	sb_netns_enable(sb_g.drop_uid && f->netns && f->pidns &&
			!(force && has_token(force, "no-netns-pool")));
	/* valgrind aborts on a CLONE_VM that is neither a thread nor a vfork */
	vg = getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload");
	sb_g.vm_mode = sb_g.drop_uid && f->pidns && f->mountns && !vg &&
		       !(force && has_token(force, "no-vm"));
	sb_g.use_view = f->mountns && !(force && has_token(force, "no-view"));
	if (sb_g.use_view && sb_view_init(f->pidns, err, errlen) < 0)
		goto fail;
	f->seccomp = in_child(try_seccomp, 0) == 0;
	f->no_new_privs = in_child(try_nnp, 0) == 0;
	sb_cg_init(f, cgforce[0] ? cgforce : NULL, cgnote, sizeof(cgnote));
	sb_g.have_cgroup_pids = sb_cg_have_pids();
	sb_cg_describe(cgdesc, sizeof(cgdesc));

	snprintf(f->summary, sizeof(f->summary), "namespaces: %s", have[0] ? have : "none");
	if (missing[0])
		append(f->summary, sizeof(f->summary), " (MISSING: %s)", missing);
	append(f->summary, sizeof(f->summary), "; identity: %s",
	       sb_g.drop_uid ? "uid 65534" : sb_g.use_userns ? "user namespace" : "SAME UID, NO USERNS");
	append(f->summary, sizeof(f->summary), "; seccomp: %s", f->seccomp ? "yes" : "MISSING");
	if (f->seccomp)
		append(f->summary, sizeof(f->summary), " (build %u, run %u insns)",
		       sb_g.prog_build.len, sb_g.prog_run.len);
	append(f->summary, sizeof(f->summary), "; no_new_privs: %s",
	       f->no_new_privs ? "yes" : "MISSING");
	append(f->summary, sizeof(f->summary), "; cgroup: %s", cgdesc);
	if (f->cgroup_version)
		append(f->summary, sizeof(f->summary), " at %s", f->cgroup_path);
	else
		append(f->summary, sizeof(f->summary), " (%s; pids via RLIMIT_NPROC)", cgnote);
	if (f->mountns)
		append(f->summary, sizeof(f->summary), "; read-only view: %s",
		       sb_g.have_setattr ? "mount_setattr" : "remount walk");
	append(f->summary, sizeof(f->summary), "; least view: %s",
	       sb_g.use_view ? "yes" : "NO (the host's tree, read-only)");
	if (sb_netns_enabled())
		append(f->summary, sizeof(f->summary), "; network namespaces: pooled");
	append(f->summary, sizeof(f->summary), "; spawn: %s",
	       sb_g.vm_mode ? "shared memory (CLONE_VM)" : "fork");

	if (cfg->require_isolation && (missing[0] || !f->seccomp || !f->no_new_privs)) {
		sb_errf(err, errlen, "isolation required but unavailable: %s", f->summary);
		sb_cg_shutdown();
		sb_netns_shutdown();
		goto fail;
	}
	sb_g.inited = 1;
	return 0;
fail:
	sb_filter_release();
	munmap(sb_g.exec_page, sb_g.exec_page_len);
	sb_g.exec_page = NULL;
	return -1;
}

void sb_shutdown(void)
{
	if (!sb_g.inited)
		return;
	sb_cg_shutdown();
	sb_netns_shutdown();
	sb_filter_release();
	if (sb_g.exec_page)
		munmap(sb_g.exec_page, sb_g.exec_page_len);
	memset(&sb_g, 0, sizeof(sb_g));
}

const struct sb_features *sb_get_features(void)
{
	return sb_g.inited ? &sb_g.feat : NULL;
}
