/* check_sandbox: the sandbox proven from the outside (limits, tree kills, fd hygiene,
 * concurrency, the tools) and from the inside (build/sb-probe, run under each stage's filter).
 * The file system and job directories: check_sandbox_view; shared helpers and main: lib_sandbox.c.
 *
 * Needs root (namespaces, cgroups) and the Debian packages of the Makefile; RTLR_PROBE points at
 * build/sb-probe (default: ./build/sb-probe). Everything it creates lives under
 * /var/tmp/rtlr-sbtest-XXXXXX (not /tmp: /tmp is private inside the sandbox) and is removed.
 */
#include "lib_sandbox.h"


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;


/* --- the probe ------------------------------------------------------------------------------ */

/* Probe lines that must say ALLOWED (per stage); every other line must say refused. */
static const char *const allowed_both[] = {"write_jobdir", "write_tmp", "write_dev_shm",
					   "read_ld_cache", "socket_unix", "fork", NULL};
static const char *const allowed_build_only[] = {"execve", "execveat", "memfd_exec", NULL};

/* Refusals that only the seccomp filter can explain (not the uid): they must be these exactly. */
static const struct {
	const char *name, *want;
} seccomp_proof[] = {
	{"ptrace", "SIGSYS"},	       {"process_vm_readv", "SIGSYS"}, {"keyctl", "SIGSYS"},
	{"add_key", "SIGSYS"},	       {"io_uring_setup", "SIGSYS"},   {"bpf", "SIGSYS"},
	{"perf_event_open", "SIGSYS"}, {"userfaultfd", "SIGSYS"},      {"x32_syscall", "SIGSYS"},
	{"socket_inet", "EPERM"},      {"socket_inet6", "EPERM"},      {"socket_unix", NULL},
	{"unshare_user", "EPERM"},     {"clone_newuser", "EPERM"},     {"clone3_newuser", "ENOSYS"},
	{"connect_localhost", "EPERM"},
};

static int in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

static void check_probe(enum sb_stage stage)
{
	char host[32], *line, *save = NULL, *copy;
	struct sb_result r;
	int lines = 0, i;

	snprintf(host, sizeof(host), "%ld", (long)getpid());
	run_ok(NULL, stage, LIM(.wall_s = 20), ARGV(g_probe, "syscalls", host), &r);
	ck_assert_msg(r.exited && r.exit_code == 0, "probe failed: %d\n%s%s", r.exit_code, r.out,
		      r.err);
	copy = strdup(r.out);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		int want_allowed;

		ck_assert_msg(colon != NULL, "bad probe line: %s", line);
		*colon = '\0';
		lines++;
		want_allowed = in_list(allowed_both, line) ||
			       (stage == SB_STAGE_BUILD && in_list(allowed_build_only, line));
		if (want_allowed)
			ck_assert_msg(!strcmp(colon + 1, " ALLOWED"), "%s stage: %s should work:%s",
				      stage == SB_STAGE_RUN ? "run" : "build", line, colon + 1);
		else
			ck_assert_msg(!strncmp(colon + 1, " refused", 8), "%s stage: %s:%s",
				      stage == SB_STAGE_RUN ? "run" : "build", line, colon + 1);
		for (i = 0; i < (int)(sizeof(seccomp_proof) / sizeof(seccomp_proof[0])); i++) {
			char want[64];
			if (strcmp(seccomp_proof[i].name, line) || !seccomp_proof[i].want)
				continue;
			snprintf(want, sizeof(want), " refused (%s)", seccomp_proof[i].want);
			ck_assert_msg(!strcmp(colon + 1, want), "%s: got%s, want%s", line, colon + 1,
				      want);
		}
		if (stage == SB_STAGE_RUN && in_list(allowed_build_only, line))
			ck_assert_msg(!strcmp(colon + 1, " refused (SIGSYS)"),
				      "run stage %s:%s", line, colon + 1);
	}
	ck_assert_int_ge(lines, 50);
	free(copy);
	sb_result_release(&r);
}

START_TEST(probe_build_stage)
{
	check_probe(SB_STAGE_BUILD);
}
END_TEST

START_TEST(probe_run_stage)
{
	check_probe(SB_STAGE_RUN);
}
END_TEST

START_TEST(view_from_inside)
{
	char job[256], want[PATH_MAX + 16];
	struct sb_result r;

	new_job(job, sizeof(job));
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV(g_probe, "info"), &r);
	/* uid 65534 (a non-root server keeps its own uid, in a user namespace), pid 2 of its own
	 * pid namespace (init is 1), only fds 0-2, cwd the job */
	if (geteuid() == 0)
		snprintf(want, sizeof(want), "uid=65534 gid=65534 pid=2 ppid=1 ");
	else
		snprintf(want, sizeof(want), "uid=%d gid=%d pid=2 ppid=1 ", (int)geteuid(),
			 (int)getegid());
	ck_assert_msg(strstr(r.out, want), "%s", r.out);
	ck_assert_msg(strstr(r.out, " fds=3 "), "fd leak into the sandbox: %s", r.out);
	snprintf(want, sizeof(want), "cwd=%s\n", job);
	ck_assert_msg(strstr(r.out, want), "%s", r.out);
	sb_result_release(&r);
	drop_job(job);
}
END_TEST

/* --- exit codes and output ------------------------------------------------------------------ */

START_TEST(exit_codes)
{
	struct sb_result r;

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/true"), &r);
	ck_assert(r.exited && r.exit_code == 0 && r.signal == 0 && r.limit == SB_LIMIT_NONE);
	sb_result_release(&r);

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", "exit 3"), &r);
	ck_assert(r.exited && r.exit_code == 3);
	sb_result_release(&r);

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV(g_probe, "exit", "255"), &r);
	ck_assert(r.exited && r.exit_code == 255);
	sb_result_release(&r);

	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 10), ARGV(g_probe, "signal", "11"), &r);
	ck_assert_msg(!r.exited && r.signal == SIGSEGV && r.exit_code == 128 + SIGSEGV,
		      "exited %d signal %d code %d", r.exited, r.signal, r.exit_code);
	ck_assert_int_eq(r.limit, SB_LIMIT_NONE);
	sb_result_release(&r);

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", "kill -TERM $$"), &r);
	ck_assert(!r.exited && r.signal == SIGTERM && r.exit_code == 143);
	sb_result_release(&r);
}
END_TEST

/* lim.nice: the tool (and what it starts) runs at that nice value; 0 leaves it alone */
START_TEST(nice_value)
{
	struct sb_result r;
	char own[16];

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10, .nice = 10), ARGV("/usr/bin/nice"), &r);
	ck_assert_msg(r.exited && r.exit_code == 0 && !strcmp(r.out, "10\n"), "%s%s", r.out, r.err);
	sb_result_release(&r);
	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10, .nice = 10),
	       ARGV("/bin/sh", "-c", "/usr/bin/nice"), &r);
	ck_assert_msg(r.exited && !strcmp(r.out, "10\n"), "%s%s", r.out, r.err);
	sb_result_release(&r);
	/* 0: the tool keeps the server's own value (a server started under nice keeps it) */
	snprintf(own, sizeof(own), "%d\n", getpriority(PRIO_PROCESS, 0));
	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/usr/bin/nice"), &r);
	ck_assert_msg(r.exited && !strcmp(r.out, own), "%s%s (own %s)", r.out, r.err, own);
	sb_result_release(&r);
}
END_TEST

START_TEST(output_and_stdin)
{
	char err[256], job[PATH_MAX], path[PATH_MAX];
	const char *av[4];
	struct sb_result r;
	struct sb_spec spec = {.argv = ARGV(g_probe, "stdin"),
			       .stage = SB_STAGE_RUN,
			       .stdin_data = "hello stdin\n",
			       .stdin_len = 12,
			       .envp = probe_env};

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10),
	       ARGV("/bin/sh", "-c", "echo out; echo err >&2; echo $HOME $LANG $PATH"), &r);
	ck_assert_str_eq(r.err, "err\n");
	ck_assert(!strncmp(r.out, "out\n", 4));
	ck_assert_msg(strstr(r.out, " C /usr/local/bin:/usr/bin:/bin\n"), "%s", r.out);
	ck_assert(!r.out_truncated && !r.err_truncated);
	ck_assert(r.wall_s > 0 && r.wall_s < 10);
	sb_result_release(&r);

	new_job(job, sizeof(job));
	spec.jobdir = job;
	/* av and path are read by sb_run below */
	spec.argv = probe_in_job(job, spec.argv, av, 4, path, sizeof(path));
#ifdef __SANITIZE_ADDRESS__
	spec.lim.as_bytes = ~0ULL;
#endif
	ck_assert_msg(sb_run(&spec, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(r.out, "hello stdin\n");
	sb_result_release(&r);
	drop_job(job);
}
END_TEST

START_TEST(setup_failures_are_errors)
{
	char err[256] = "", job[PATH_MAX];
	struct sb_result r;
	struct sb_spec spec = {.argv = ARGV("/nonexistent/tool"), .stage = SB_STAGE_BUILD};

	new_job(job, sizeof(job));
	spec.jobdir = job;
	ck_assert_int_eq(sb_run(&spec, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent/tool") && strstr(err, "No such file"), "%s", err);
	ck_assert(r.out == NULL && r.err == NULL);

	spec.argv = ARGV("relative/tool");
	ck_assert_int_eq(sb_run(&spec, &r, err, sizeof(err)), -1);

	spec.argv = ARGV("/bin/true");
	spec.jobdir = g_root; /* not a job directory */
	ck_assert_int_eq(sb_run(&spec, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a job directory"), "%s", err);
	drop_job(job);
}
END_TEST

/* --- limits --------------------------------------------------------------------------------- */

START_TEST(wall_kills_sleep)
{
	struct sb_result r;
	double t0 = now_s();

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 0.5), ARGV("/bin/sleep", "100"), &r);
	ck_assert_int_eq(r.limit, SB_LIMIT_WALL);
	ck_assert(!r.exited && r.signal == SIGKILL && r.exit_code == 137);
	ck_assert_msg(now_s() - t0 < 3, "took %.2f s", now_s() - t0);
	ck_assert(r.wall_s >= 0.45 && r.wall_s < 3);
	sb_result_release(&r);
}
END_TEST

/* A sleep duration unique to this test process, to find its processes in /proc. */
static void marker_of(char *buf, size_t len, int which)
{
	snprintf(buf, len, "100%d.%d", which, (int)getpid());
}

START_TEST(wall_kills_tree)
{
	char marker[64], script[512];
	struct sb_result r;
	double t0 = now_s();

	marker_of(marker, sizeof(marker), 1);
	ck_assert_int_eq(count_marked(marker), 0);
	/* background children, a grandchild in its own session, and a shell that waits */
	snprintf(script, sizeof(script),
		 "sleep %s & sleep %s & setsid sleep %s & sh -c 'sleep %s & wait' & wait", marker,
		 marker, marker, marker);
	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 0.7), ARGV("/bin/sh", "-c", script), &r);
	ck_assert_int_eq(r.limit, SB_LIMIT_WALL);
	ck_assert_msg(now_s() - t0 < 3, "took %.2f s", now_s() - t0);
	ck_assert_int_eq(count_marked(marker), 0);
	sb_result_release(&r);
}
END_TEST

START_TEST(exit_kills_leftovers)
{
	char marker[64], script[256];
	struct sb_result r;
	double t0 = now_s();

	/* The shell exits at once; its background child holds stdout open. The run must end
	 * without waiting for it, and the child must not survive. */
	marker_of(marker, sizeof(marker), 2);
	snprintf(script, sizeof(script), "setsid sleep %s & echo started", marker);
	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", script), &r);
	ck_assert(r.exited && r.exit_code == 0);
	ck_assert_str_eq(r.out, "started\n");
	ck_assert_msg(now_s() - t0 < 3, "took %.2f s", now_s() - t0);
	ck_assert_int_eq(count_marked(marker), 0);
	sb_result_release(&r);
}
END_TEST

START_TEST(fork_bomb_stopped)
{
	const struct sb_features *f = sb_get_features();
	struct sb_result r;
	double t0 = now_s();

	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 2, .nproc = 32),
	       ARGV("/bin/sh", "-c", "f() { f & f & wait; }; f"), &r);
	ck_assert_msg(now_s() - t0 < 6, "took %.2f s", now_s() - t0);
	if (f->cgroup_version)
		ck_assert_msg(r.limit == SB_LIMIT_NPROC, "limit %s", sb_limit_name(r.limit));
	else
		ck_assert(r.limit != SB_LIMIT_OUTPUT); /* RLIMIT_NPROC leaves no evidence */
	sb_result_release(&r);
}
END_TEST

START_TEST(memory_cgroup)
{
	const struct sb_features *f = sb_get_features();
	struct sb_result r;

	if (!f->cgroup_version)
		return;
	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 20, .mem_bytes = 64u << 20),
	       ARGV(g_probe, "mem", "1024"), &r);
	ck_assert_msg(r.limit == SB_LIMIT_MEMORY && r.signal == SIGKILL, "limit %s signal %d %s",
		      sb_limit_name(r.limit), r.signal, r.err);
	ck_assert_msg(r.peak_mem_bytes >= 48u << 20 && r.peak_mem_bytes <= 80u << 20,
		      "peak %llu", (unsigned long long)r.peak_mem_bytes);
	ck_assert(r.wall_s < 15);
	sb_result_release(&r);
}
END_TEST

START_TEST(memory_rlimit_as)
{
	struct sb_result r;

#ifdef __SANITIZE_ADDRESS__
	return; /* an ASan probe cannot start under a small RLIMIT_AS */
#endif
	run_ok(NULL, SB_STAGE_RUN,
	       LIM(.wall_s = 20, .as_bytes = 128u << 20, .mem_bytes = 1024u << 20),
	       ARGV(g_probe, "mem", "1024"), &r);
	ck_assert_msg(r.limit == SB_LIMIT_MEMORY && r.exited && r.exit_code == 1,
		      "limit %s exit %d %s", sb_limit_name(r.limit), r.exit_code, r.err);
	sb_result_release(&r);

	/* Within limits: the peak is measured. */
	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 20), ARGV(g_probe, "mem", "64"), &r);
	ck_assert(r.exited && r.exit_code == 0 && r.limit == SB_LIMIT_NONE);
	ck_assert_msg(r.peak_mem_bytes >= 60u << 20, "peak %llu",
		      (unsigned long long)r.peak_mem_bytes);
	sb_result_release(&r);
}
END_TEST

START_TEST(output_capped)
{
	struct sb_result r;
	double t0 = now_s();

	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 20, .out_cap = 65536),
	       ARGV(g_probe, "flood", "10000000"), &r);
	ck_assert(r.exited && r.exit_code == 0);
	ck_assert_int_eq(r.out_len, 65536);
	ck_assert_int_eq(r.err_len, 65536);
	ck_assert(r.out_truncated && r.err_truncated);
	ck_assert_int_eq(r.limit, SB_LIMIT_OUTPUT);
	ck_assert_int_eq(strlen(r.out), 65536);
	sb_result_release(&r);

	/* An endless flood: capped, drained, killed at the deadline. */
	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 1, .out_cap = 4096), ARGV("/usr/bin/yes"), &r);
	ck_assert_int_eq(r.limit, SB_LIMIT_WALL);
	ck_assert(r.out_truncated && r.out_len == 4096);
	ck_assert_msg(now_s() - t0 < 6, "took %.2f s", now_s() - t0);
	sb_result_release(&r);
}
END_TEST

START_TEST(fsize_limit)
{
	char job[256], path[PATH_MAX + 16];
	struct sb_result r;
	struct stat st;

	new_job(job, sizeof(job));
	run_ok(job, SB_STAGE_RUN, LIM(.wall_s = 20, .fsize_bytes = 1u << 20),
	       ARGV(g_probe, "fsize", "100"), &r);
	ck_assert_msg(r.signal == SIGXFSZ && r.limit == SB_LIMIT_FSIZE, "signal %d limit %s",
		      r.signal, sb_limit_name(r.limit));
	snprintf(path, sizeof(path), "%s/big.bin", job);
	ck_assert(stat(path, &st) == 0 && st.st_size == 1 << 20);
	sb_result_release(&r);
	drop_job(job);
}
END_TEST

START_TEST(cpu_limit)
{
	struct sb_result r;

	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 15, .cpu_s = 1), ARGV(g_probe, "spin"), &r);
	ck_assert_msg(r.limit == SB_LIMIT_CPU && r.signal == SIGXCPU, "limit %s signal %d",
		      sb_limit_name(r.limit), r.signal);
	ck_assert_msg(r.cpu_s >= 0.5 && r.cpu_s < 3, "cpu %.2f", r.cpu_s);
	sb_result_release(&r);
}
END_TEST

START_TEST(seccomp_kill_reported)
{
	struct sb_result r;

	/* Run stage: the probe itself is the one allowed exec; its own execve is not. */
	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 10), ARGV(g_probe, "exec", "/bin/true"), &r);
	ck_assert_msg(r.signal == SIGSYS && r.limit == SB_LIMIT_SECCOMP, "signal %d limit %s %s",
		      r.signal, sb_limit_name(r.limit), r.out);
	sb_result_release(&r);

	/* Build stage: exec is allowed. */
	run_ok(NULL, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV(g_probe, "exec", "/bin/true"), &r);
	ck_assert(r.exited && r.exit_code == 0);
	sb_result_release(&r);
}
END_TEST

/* --- resources of the caller ---------------------------------------------------------------- */

START_TEST(fds_stable)
{
	char job[256];
	struct sb_result r;
	int before, i;

	new_job(job, sizeof(job));
	for (i = 0; i < 5; i++) { /* warm up: cgroup slots keep their fds open */
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/true"), &r);
		sb_result_release(&r);
	}
	before = count_fds();
	for (i = 0; i < 200; i++) {
		run_ok(job, i % 2 ? SB_STAGE_RUN : SB_STAGE_BUILD, LIM(.wall_s = 10),
		       ARGV("/bin/true"), &r);
		ck_assert(r.exited && r.exit_code == 0);
		sb_result_release(&r);
	}
	ck_assert_int_eq(count_fds(), before);
	drop_job(job);
}
END_TEST

struct worker {
	int id, ok;
	char msg[1400];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char job[256], err[512], id[32], want[48];
	int i;

	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0) {
		snprintf(w->msg, sizeof(w->msg), "job: %s", err);
		return NULL;
	}
	for (i = 0; i < 25; i++) {
		struct sb_result r;
		struct sb_spec spec = {.jobdir = job,
				       .stage = i % 2 ? SB_STAGE_RUN : SB_STAGE_BUILD,
				       .lim = {.wall_s = 20}};
		snprintf(id, sizeof(id), "w%d-%d", w->id, i);
		/* shell built-ins only: the run stage allows no exec after the first */
		spec.argv = ARGV("/bin/sh", "-c", "echo $0; echo $0 > f-$0; read x < f-$0; echo $x >&2",
				 id);
		if (sb_run(&spec, &r, err, sizeof(err)) < 0) {
			snprintf(w->msg, sizeof(w->msg), "run %s: %s", id, err);
			return NULL;
		}
		snprintf(want, sizeof(want), "%s\n", id);
		if (!r.exited || r.exit_code || strcmp(r.out, want) || strcmp(r.err, want)) {
			snprintf(w->msg, sizeof(w->msg), "run %s: exit %d out %s err %s", id,
				 r.exit_code, r.out, r.err);
			sb_result_release(&r);
			return NULL;
		}
		sb_result_release(&r);
		w->ok++;
	}
	sb_job_remove(job, err, sizeof(err));
	return NULL;
}

START_TEST(concurrent_runs)
{
	pthread_t t[4];
	struct worker w[4];
	int i, before = count_fds();

	for (i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		ck_assert(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++)
		ck_assert_msg(w[i].ok == 25, "worker %d: %d/25 ok: %s", i, w[i].ok, w[i].msg);
	/* New cgroup slots keep up to three fds each, pooled network namespaces one; nothing else
	 * may stay open. */
	ck_assert_int_le(count_fds(), before + 4 * 4);
}
END_TEST

START_TEST(no_channel_between_runs)
{
	/* Run 1 binds an abstract unix socket (per network namespace) and strands it in an
	 * SCM_RIGHTS cycle so that it outlives the process; run 2 must not reach it. */
	static const char leave[] =
		"import socket, array\n"
		"l = socket.socket(socket.AF_UNIX); l.bind('\\0rtlr-sbtest'); l.listen()\n"
		"a, b = socket.socketpair()\n"
		"a.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,\n"
		"    array.array('i', [a.fileno(), b.fileno(), l.fileno()]))])\n"
		"print('left')\n";
	static const char find[] =
		"import socket\n"
		"s = socket.socket(socket.AF_UNIX)\n"
		"try:\n"
		"    s.connect('\\0rtlr-sbtest'); print('reached')\n"
		"except OSError as e:\n"
		"    print('refused', e.errno)\n";
	struct sb_result r;
	int i;

	if (!have("/usr/bin/python3"))
		return;
	run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 20), ARGV("/usr/bin/python3", "-c", leave), &r);
	ck_assert_msg(r.exited && r.exit_code == 0 && !strcmp(r.out, "left\n"), "%s%s", r.out,
		      r.err);
	sb_result_release(&r);
	for (i = 0; i < 3; i++) {
		run_ok(NULL, SB_STAGE_RUN, LIM(.wall_s = 20), ARGV("/usr/bin/python3", "-c", find),
		       &r);
		ck_assert_msg(!strncmp(r.out, "refused", 7), "run %d: %s%s", i, r.out, r.err);
		sb_result_release(&r);
	}
}
END_TEST

/* --- the tools ------------------------------------------------------------------------------ */

START_TEST(tools_work_inside)
{
	char job[256];
	struct sb_result r;

	new_job(job, sizeof(job));
	write_file(job, "m.v", "module m(input a, output b); assign b=a; endmodule\n", 0644);
	write_file(job, "tb.v",
		   "module tb; reg a; wire b; m u(.a(a), .b(b));\n"
		   "initial begin a = 1; #1 $display(\"b=%b\", b); $finish; end endmodule\n",
		   0644);
	if (have("/usr/bin/verilator_bin")) {
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 30),
		       ARGV("/usr/bin/verilator_bin", "--lint-only", "-Wall", "m.v"), &r);
		ck_assert_msg(r.exited && r.exit_code == 0, "verilator: %s%s", r.out, r.err);
		sb_result_release(&r);
	}
	if (have("/usr/bin/iverilog") && have("/usr/bin/vvp")) {
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 30),
		       ARGV("/usr/bin/iverilog", "-o", "x.vvp", "m.v", "tb.v"), &r);
		ck_assert_msg(r.exited && r.exit_code == 0, "iverilog: %s%s", r.out, r.err);
		sb_result_release(&r);
		run_ok(job, SB_STAGE_RUN, LIM(.wall_s = 30), ARGV("/usr/bin/vvp", "-n", "x.vvp"), &r);
		ck_assert_msg(r.exited && r.exit_code == 0 && strstr(r.out, "b=1"), "vvp: %s%s",
			      r.out, r.err);
		sb_result_release(&r);
	}
	if (have("/usr/bin/yosys")) {
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 60),
		       ARGV("/usr/bin/yosys", "-q", "-p",
			    "read_verilog m.v; synth -top m; tee -o stat.txt stat"),
		       &r);
		ck_assert_msg(r.exited && r.exit_code == 0, "yosys: %s%s", r.out, r.err);
		sb_result_release(&r);
	}
	if (have("/usr/bin/sta")) {
		write_file(job, "s.tcl", "puts \"sta ok [expr 6*7]\"\n", 0644);
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 30),
		       ARGV("/usr/bin/sta", "-no_init", "-no_splash", "-exit", "s.tcl"), &r);
		ck_assert_msg(r.exited && r.exit_code == 0 && strstr(r.out, "sta ok 42"), "sta: %s%s",
			      r.out, r.err);
		sb_result_release(&r);
	}
	if (have("/usr/bin/g++")) {
		write_file(job, "h.cpp", "#include <cstdio>\nint main(){std::puts(\"hi g++\");}\n",
			   0644);
		run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 60),
		       ARGV("/usr/bin/g++", "-O1", "-o", "h", "h.cpp"), &r);
		ck_assert_msg(r.exited && r.exit_code == 0, "g++: %s%s", r.out, r.err);
		sb_result_release(&r);
		{
			char exe[PATH_MAX + 8];
			snprintf(exe, sizeof(exe), "%s/h", job);
			run_ok(job, SB_STAGE_RUN, LIM(.wall_s = 30), ARGV(exe), &r);
			ck_assert_msg(r.exited && r.exit_code == 0 && !strcmp(r.out, "hi g++\n"),
				      "h: %s%s", r.out, r.err);
			sb_result_release(&r);
		}
	}
	drop_job(job);
}
END_TEST

/* --- overhead -------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double d = *(const double *)a - *(const double *)b;

	return d < 0 ? -1 : d > 0;
}

START_TEST(overhead)
{
	enum { N = 100 };
	static double sb[N], plain[N];
	char job[256];
	struct sb_result r;
	int i;

	new_job(job, sizeof(job));
	for (i = 0; i < N; i++) { /* interleaved, so that both see the same machine load */
		char *const argv[] = {"/bin/true", NULL};
		double t0 = now_s();
		pid_t pid;
		int st;

		run_ok(job, SB_STAGE_RUN, LIM(.wall_s = 10), ARGV("/bin/true"), &r);
		sb_result_release(&r);
		sb[i] = now_s() - t0;
		t0 = now_s();
		ck_assert(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0);
		waitpid(pid, &st, 0);
		plain[i] = now_s() - t0;
	}
	qsort(sb, N, sizeof(double), cmp_double);
	qsort(plain, N, sizeof(double), cmp_double);
	printf("sandbox overhead, /bin/true (all namespaces, seccomp, cgroup): median %.2f ms "
	       "(p90 %.2f) vs posix_spawn median %.2f ms (p90 %.2f)\n",
	       sb[N / 2] * 1e3, sb[N * 9 / 10] * 1e3, plain[N / 2] * 1e3, plain[N * 9 / 10] * 1e3);
	/* A sanity bound only (valgrind and loaded machines are slow); the figure is printed. */
	ck_assert_msg(sb[N / 2] < 0.250, "median sandbox run %.1f ms", sb[N / 2] * 1e3);
	drop_job(job);
}
END_TEST

/* --- set-up ---------------------------------------------------------------------------------- */

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *inside = tcase_create("inside"), *limits = tcase_create("limits"),
	      *res = tcase_create("resources"),
	      *tools = tcase_create("tools");

	tcase_add_test(inside, probe_build_stage);
	tcase_add_test(inside, probe_run_stage);
	tcase_add_test(inside, view_from_inside);
	tcase_add_test(inside, exit_codes);
	tcase_add_test(inside, nice_value);
	tcase_add_test(inside, output_and_stdin);
	tcase_add_test(inside, setup_failures_are_errors);
	tcase_add_test(limits, wall_kills_sleep);
	tcase_add_test(limits, wall_kills_tree);
	tcase_add_test(limits, exit_kills_leftovers);
	tcase_add_test(limits, fork_bomb_stopped);
	tcase_add_test(limits, memory_cgroup);
	tcase_add_test(limits, memory_rlimit_as);
	tcase_add_test(limits, output_capped);
	tcase_add_test(limits, fsize_limit);
	tcase_add_test(limits, cpu_limit);
	tcase_add_test(limits, seccomp_kill_reported);
	tcase_add_test(res, fds_stable);
	tcase_add_test(res, concurrent_runs);
	tcase_add_test(res, no_channel_between_runs);
	tcase_add_test(res, overhead);
	tcase_add_test(tools, tools_work_inside);
	tcase_set_timeout(inside, 30);
	tcase_set_timeout(limits, 30);
	tcase_set_timeout(res, 40);
	tcase_set_timeout(tools, 60);
	suite_add_tcase(s, inside);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, res);
	suite_add_tcase(s, tools);
	return s;
}


int main(void)
{
	return sbt_main("check_sandbox", sandbox_suite());
}
