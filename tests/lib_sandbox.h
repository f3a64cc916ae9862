/* lib_sandbox.h: helpers shared by the sandbox suites (check_sandbox, check_sandbox_view):
 * the test tree under /var/tmp/rtlr-sbtest-XXXXXX with its canaries, job helpers, run_ok (which
 * runs the probe from a copy in the job directory), small file and /proc helpers, and
 * sbt_main, the common main (sb_init, run one suite, clean up).
 */
#ifndef RTLR_LIB_SANDBOX_H
#define RTLR_LIB_SANDBOX_H

#include "sandbox.h"

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

extern char g_root[64];          /* /var/tmp/rtlr-sbtest-XXXXXX */
extern char g_jobs[128];         /* g_root/jobs: job_root */
extern char g_canary[128];       /* g_root/canary.txt */
extern char g_canary_dir[128];
extern char g_probe[];           /* PATH_MAX */
extern const char CANARY[];
/* the probe's environment (NULL: the default) */
#ifdef __SANITIZE_ADDRESS__
extern const char *const probe_env[];
#else
extern const char *const *const probe_env;
#endif

double now_s(void);
void new_job(char *job, size_t len);
void drop_job(const char *job);
/* The least view shows the tools nothing of the host but /usr and a few /etc files: the probe
 * runs from a copy in the job directory. Returns argv with argv[0] replaced (in av). */
const char *const *probe_in_job(const char *job, const char *const *argv, const char **av,
				size_t avlen, char *path, size_t plen);
/* Runs argv in job (a fresh job when job is NULL) and asserts that sb_run itself succeeded. */
void run_ok(const char *job, enum sb_stage stage, struct sb_limits lim, const char *const *argv,
	    struct sb_result *r);
int put_file(const char *dir, const char *name, const char *text, mode_t mode);
void write_file(const char *dir, const char *name, const char *text, mode_t mode);
int file_equals(const char *path, const char *text);
int count_fds(void);
/* Number of processes whose command line contains marker (an argument of its own). */
int count_marked(const char *marker);
int have(const char *path);
/* Copies src to dst (mode 0755, which must not exist). */
int copy_file_to(const char *src, const char *dst);
/* The common main of the sandbox suites: sets up the test tree, sb_init, runs s, cleans up.
 * name prefixes the messages. Returns the process exit code. */
int sbt_main(const char *name, Suite *s);

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define LIM(...) ((struct sb_limits){__VA_ARGS__})

#endif
