/* check_sandbox_view: the sandbox's file system from the outside: writes outside the job fail,
 * the least view (only /usr and a few /etc files of the host), a private /tmp, other jobs hidden,
 * and job directories removed without following links, even after a kill or in a deep tree.
 *
 * Needs root, like check_sandbox (shared helpers and main: lib_sandbox.c).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- file system ---------------------------------------------------------------------------- */

START_TEST(writes_outside_fail)
{
	char job[256], script[4096], path[PATH_MAX + 32];
	struct sb_result r;

	new_job(job, sizeof(job));
	snprintf(script, sizeof(script),
		 "cat %s; echo pwn > %s; echo pwn >> %s; echo pwn > ../x; echo pwn > %s/x;"
		 "touch /tmp/../etc/rtlr_sb_x; touch /usr/rtlr_sb_x; touch /rtlr_sb_x;"
		 "mkdir %s/evil; rm -f %s; echo done",
		 g_canary, g_canary, g_canary, g_jobs, g_root, g_canary);
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", script), &r);
	/* the least view: nothing of the host outside /usr and a few /etc files */
	if (strstr(sb_get_features()->summary, "least view: yes"))
		ck_assert_msg(!strstr(r.out, CANARY), "reading outside must be blocked: %s", r.out);
	ck_assert_msg(strstr(r.out, "done"), "%s", r.out);
	ck_assert(file_equals(g_canary, CANARY));
	ck_assert(access("/etc/rtlr_sb_x", F_OK) < 0 && access("/usr/rtlr_sb_x", F_OK) < 0 &&
		  access("/rtlr_sb_x", F_OK) < 0);
	snprintf(path, sizeof(path), "%s/x", g_jobs);
	ck_assert(access(path, F_OK) < 0);
	snprintf(path, sizeof(path), "%s/evil", g_root);
	ck_assert(access(path, F_OK) < 0);
	sb_result_release(&r);
	drop_job(job);
}
END_TEST

/* The least view, from the inside: sb-probe tries the host's secrets, the server's working
 * directory, the test's own files and another job's directory; each must be blocked (the job's
 * parents hold only the path to this job: other_jobs_hidden). And what
 * the tools need is there (else a probe that cannot read anything would pass). */
START_TEST(least_view)
{
	char a[256], b[256], cwd[PATH_MAX], other[PATH_MAX + 16], self[PATH_MAX + 16];
	const char *blocked[] = {"/etc/passwd", "/etc/shadow", "/etc/hostname", "/etc/hosts",
				 "/etc/ssh", "/etc/ssl", "/var/log", "/var/lib",
				 "/root", "/home", "/work", "/srv", "/opt", "/mnt",
				 "/media", "/run", "/sys", "/boot", cwd, g_canary, a, other, NULL};
	const char *readable[] = {"/usr/bin", "/usr/lib", "/bin", "/lib64", "/etc/ld.so.cache",
				  "/etc/alternatives", "/proc/self/status", "/tmp/f", self, NULL};
	const char *argv[48];
	struct sb_result r;
	int n = 0, i;

	/* without a mount namespace (or forced off: RTLR_SB_FORCE=no-view) the tools see the
	 * host's tree read-only, and sb_init says so */
	if (!sb_get_features()->mountns) {
		ck_assert(strstr(sb_get_features()->summary, "least view: NO"));
		return;
	}
	if (getenv("RTLR_SB_FORCE") && strstr(getenv("RTLR_SB_FORCE"), "no-view"))
		return;
	ck_assert_msg(strstr(sb_get_features()->summary, "least view: yes"), "%s",
		      sb_get_features()->summary);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	new_job(a, sizeof(a));
	new_job(b, sizeof(b));
	write_file(a, "secret.v", "module secret; endmodule\n", 0644);
	snprintf(other, sizeof(other), "%s/secret.v", a);
	snprintf(self, sizeof(self), "%s/sb-probe", b);
	argv[n++] = g_probe;
	argv[n++] = "hostfiles";
	for (i = 0; blocked[i]; i++)
		argv[n++] = blocked[i];
	for (i = 0; readable[i]; i++)
		argv[n++] = readable[i];
	argv[n] = NULL;
	run_ok(b, SB_STAGE_BUILD, LIM(.wall_s = 10),
	       ARGV("/bin/sh", "-c", "echo x > /tmp/f; exec \"$0\" \"$@\"", g_probe), &r);
	sb_result_release(&r);
	/* /tmp is private per run: the second run (the probe) sees none of the first's files */
	run_ok(b, SB_STAGE_BUILD, LIM(.wall_s = 10), argv, &r);
	ck_assert_msg(r.exited && r.exit_code == 0, "%s%s", r.out, r.err);
	for (i = 0; blocked[i]; i++) {
		char want[PATH_MAX + 32];
		snprintf(want, sizeof(want), "%s: blocked (", blocked[i]);
		ck_assert_msg(strstr(r.out, want), "%s must be blocked:\n%s", blocked[i], r.out);
	}
	for (i = 0; readable[i]; i++) {
		char want[PATH_MAX + 32];
		snprintf(want, sizeof(want), "%s: %s", readable[i],
			 strcmp(readable[i], "/tmp/f") ? "READABLE (" : "blocked (");
		ck_assert_msg(strstr(r.out, want), "%s:\n%s", want, r.out);
	}
	sb_result_release(&r);
	drop_job(a);
	drop_job(b);
}
END_TEST

START_TEST(tmp_is_private)
{
	char job[256], host_marker[64], script[512];
	struct sb_result r;

	snprintf(host_marker, sizeof(host_marker), "/tmp/rtlr-sbtest-host-%ld", (long)getpid());
	write_file("/tmp", host_marker + 5, "host\n", 0644);
	new_job(job, sizeof(job));
	snprintf(script, sizeof(script),
		 "test -e %s && echo host-visible; ls -A /tmp | wc -l; echo mine > /tmp/run1",
		 host_marker);
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", script), &r);
	ck_assert_msg(!strcmp(r.out, "0\n"), "%s", r.out);
	sb_result_release(&r);
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10),
	       ARGV("/bin/sh", "-c", "test -e /tmp/run1 && echo leaked; echo ok"), &r);
	ck_assert_str_eq(r.out, "ok\n");
	sb_result_release(&r);
	ck_assert(access("/tmp/run1", F_OK) < 0);
	unlink(host_marker);
	drop_job(job);
}
END_TEST

START_TEST(other_jobs_hidden)
{
	char a[256], b[256], script[1024];
	struct sb_result r;

	new_job(a, sizeof(a));
	new_job(b, sizeof(b));
	write_file(a, "secret.v", "module secret; endmodule\n", 0644);
	snprintf(script, sizeof(script), "ls %s; cat %s/secret.v; ls -A %s", a, a, g_jobs);
	run_ok(b, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", script), &r);
	ck_assert_msg(!strstr(r.out, "secret"), "%s", r.out);
	snprintf(script, sizeof(script), "%s\n", strrchr(b, '/') + 1);
	ck_assert_msg(!strcmp(r.out, script), "job_root should show only this job: %s", r.out);
	sb_result_release(&r);
	drop_job(a);
	drop_job(b);
}
END_TEST

START_TEST(job_remove_never_follows_links)
{
	char job[256], script[4096], path[PATH_MAX + 32], err[256];
	struct sb_result r;
	struct stat st;

	new_job(job, sizeof(job));
	snprintf(script, sizeof(script),
		 "ln -s %s link; ln -s %s flink; mkdir -p a/b/c; ln -s %s a/b/c/l;"
		 "ln -s / a/root; touch a/b/c/f; chmod 000 a/b; ln -s .. up; echo ok",
		 g_canary_dir, g_canary, g_canary_dir);
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 10), ARGV("/bin/sh", "-c", script), &r);
	ck_assert_str_eq(r.out, "ok\n");
	sb_result_release(&r);
	drop_job(job);
	ck_assert(lstat(job, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/keep.txt", g_canary_dir);
	ck_assert(file_equals(path, CANARY));
	ck_assert(file_equals(g_canary, CANARY));

	/* paths that are not job directories */
	ck_assert_int_eq(sb_job_remove("/etc", err, sizeof(err)), -1);
	ck_assert_int_eq(sb_job_remove(g_jobs, err, sizeof(err)), -1);
	ck_assert_int_eq(sb_job_remove(g_canary_dir, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/../canary-dir", g_jobs);
	ck_assert_int_eq(sb_job_remove(path, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/job-abcdef/../../canary-dir", g_jobs);
	ck_assert_int_eq(sb_job_remove(path, err, sizeof(err)), -1);
	ck_assert_int_eq(sb_job_remove("jobs/job-abcdef", err, sizeof(err)), -1);
	ck_assert(file_equals(g_canary, CANARY));
}
END_TEST

START_TEST(job_remove_after_kill_and_deep_tree)
{
	char job[256];
	struct sb_result r;

	new_job(job, sizeof(job));
	run_ok(job, SB_STAGE_BUILD, LIM(.wall_s = 1.5),
	       ARGV("/bin/sh", "-c",
		    "i=0; while [ $i -lt 600 ]; do mkdir d && cd d || exit 1; i=$((i+1)); done;"
		    "chmod 000 .; while :; do echo x >> ../f; done"),
	       &r);
	ck_assert_int_eq(r.limit, SB_LIMIT_WALL);
	sb_result_release(&r);
	drop_job(job);
	ck_assert(access(job, F_OK) < 0);
}
END_TEST

/* --- set-up ---------------------------------------------------------------------------------- */

static Suite *sandbox_view_suite(void)
{
	Suite *s = suite_create("sandbox_view");
	TCase *fs = tcase_create("files");

	tcase_add_test(fs, writes_outside_fail);
	tcase_add_test(fs, least_view);
	tcase_add_test(fs, tmp_is_private);
	tcase_add_test(fs, other_jobs_hidden);
	tcase_add_test(fs, job_remove_never_follows_links);
	tcase_add_test(fs, job_remove_after_kill_and_deep_tree);
	tcase_set_timeout(fs, 30);
	suite_add_tcase(s, fs);
	return s;
}

int main(void)
{
	return sbt_main("check_sandbox_view", sandbox_view_suite());
}
