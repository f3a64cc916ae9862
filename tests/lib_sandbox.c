/* lib_sandbox.c: helpers shared by the sandbox suites (see lib_sandbox.h): the test tree and
 * its canaries, job and run helpers, file and /proc helpers, and sbt_main, their common main.
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

char g_root[64];          /* /var/tmp/rtlr-sbtest-XXXXXX */
char g_jobs[128];         /* g_root/jobs: job_root */
char g_canary[128];       /* g_root/canary.txt */
char g_canary_dir[128];
char g_probe[PATH_MAX];
const char CANARY[] = "canary: must not change\n";

/* --- helpers -------------------------------------------------------------------------------- */

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void new_job(char *job, size_t len)
{
	char err[256];

	ck_assert_msg(sb_job_create(job, len, err, sizeof(err)) == 0, "sb_job_create: %s", err);
}

void drop_job(const char *job)
{
	char err[256];

	ck_assert_msg(sb_job_remove(job, err, sizeof(err)) == 0, "sb_job_remove: %s", err);
}

#ifdef __SANITIZE_ADDRESS__
const char *const probe_env[] = {"PATH=/usr/bin:/bin", "LANG=C",
					"ASAN_OPTIONS=detect_leaks=0:handle_segv=0", NULL};
#else
const char *const *const probe_env = NULL;
#endif

/* The least view shows the tools nothing of the host but /usr and a few /etc files: the probe
 * runs from a copy in the job directory. Returns argv with argv[0] replaced (in av). */
const char *const *probe_in_job(const char *job, const char *const *argv,
				       const char **av, size_t avlen, char *path, size_t plen)
{
	size_t i;

	if (strcmp(argv[0], g_probe))
		return argv;
	snprintf(path, plen, "%s/sb-probe", job);
	if (access(path, F_OK) < 0)
		ck_assert_msg(copy_file_to(g_probe, path) == 0, "copying the probe to %s", path);
	av[0] = path;
	for (i = 1; argv[i - 1] && i < avlen; i++)
		av[i] = argv[i];
	av[avlen - 1] = NULL;
	return av;
}

/* Runs argv in job (a fresh job when job is NULL) and asserts that sb_run itself succeeded. */
void run_ok(const char *job, enum sb_stage stage, struct sb_limits lim,
		   const char *const *argv, struct sb_result *r)
{
	char err[512], tmp[256], path[PATH_MAX];
	const char *av[64];
	struct sb_spec spec = {.argv = argv, .jobdir = job, .stage = stage, .lim = lim};
	int rc;

	if (!job) {
		new_job(tmp, sizeof(tmp));
		spec.jobdir = tmp;
	}
	spec.argv = probe_in_job(spec.jobdir, argv, av, 64, path, sizeof(path));
#ifdef __SANITIZE_ADDRESS__
	/* `make asan` builds the probe with ASan too, which needs terabytes of address space, and
	 * whose leak checker at exit needs ptrace, which the filter kills. */
	if (!strcmp(argv[0], g_probe)) {
		if (!spec.lim.as_bytes)
			spec.lim.as_bytes = ~0ULL;
		spec.envp = probe_env;
	}
#endif
	rc = sb_run(&spec, r, err, sizeof(err));
	ck_assert_msg(rc == 0, "sb_run %s: %s", argv[0], err);
	if (!job)
		drop_job(tmp);
}


int put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	ck_assert_msg(put_file(dir, name, text, mode) == 0, "writing %s/%s: %s", dir, name,
		      strerror(errno));
}

int file_equals(const char *path, const char *text)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* Number of processes whose command line contains marker (an argument of its own). */
int count_marked(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len, i;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (i = 0; i < len;) {
			if (!strcmp(buf + i, marker)) {
				n++;
				break;
			}
			i += (ssize_t)strlen(buf + i) + 1;
		}
	}
	if (d)
		closedir(d);
	return n;
}

int have(const char *path)
{
	return access(path, X_OK) == 0;
}

/* --- set-up ---------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Copies src to dst (mode 0755, which must not exist). */
int copy_file_to(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, ret = -1;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			goto out;
	}
	if (n == 0 && fchmod(out, 0755) == 0)
		ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/* Copies g_probe to g_root/sb-probe (mode 0755) and points g_probe at the copy. */
static int copy_probe(void)
{
	char dst[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s/sb-probe", g_root);
	if (copy_file_to(g_probe, dst) < 0)
		return -1;
	snprintf(g_probe, sizeof(g_probe), "%s", dst);
	return 0;
}

int sbt_main(const char *name, Suite *s)
{
	char err[512];
	const char *probe = getenv("RTLR_PROBE");
	struct sb_config cfg = {.require_isolation = 1};
	SRunner *sr;
	int failed;

	if (!realpath(probe && *probe ? probe : "build/sb-probe", g_probe)) {
		fprintf(stderr, "%s: probe %s not found (set RTLR_PROBE)\n", name,
			probe ? probe : "build/sb-probe");
		return 1;
	}
	snprintf(g_root, sizeof(g_root), "/var/tmp/rtlr-sbtest-XXXXXX");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(g_root, 0755);
	snprintf(g_jobs, sizeof(g_jobs), "%s/jobs", g_root);
	snprintf(g_canary, sizeof(g_canary), "%s/canary.txt", g_root);
	snprintf(g_canary_dir, sizeof(g_canary_dir), "%s/canary-dir", g_root);
	/* World-writable on purpose: only the sandbox's read-only view may protect them. */
	if (put_file(g_root, "canary.txt", CANARY, 0666) < 0 || mkdir(g_canary_dir, 0777) < 0 ||
	    chmod(g_canary_dir, 0777) < 0 || put_file(g_canary_dir, "keep.txt", CANARY, 0666) < 0) {
		fprintf(stderr, "%s: canaries: %s\n", name, strerror(errno));
		return 1;
	}
	/* The probe runs inside the sandbox's view, where /tmp is private: a checkout under /tmp
	 * would be invisible there, so run a copy from g_root (visible, read-only). */
	if (copy_probe() < 0) {
		fprintf(stderr, "%s: copying the probe: %s\n", name, strerror(errno));
		nftw(g_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	cfg.job_root = g_jobs;
	if (sb_init(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: sb_init: %s\n", name, err);
		nftw(g_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	printf("sandbox features: %s\n", sb_get_features()->summary);
	fflush(stdout);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	sb_shutdown();
	nftw(g_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? 1 : 0;
}
