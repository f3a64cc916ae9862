#include "tools.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"

struct tools g_tools = {
	.lim = {
		.lint_s = 10,
		.compile_s = 30,
		.sim_s = 30,
		.mem_bytes = 2ull << 30,
		.fsize_bytes = 64ull << 20,
		.nproc = 64,
	},
};

static int find_bin(const char *name, char *out, size_t outlen)
{
	static const char *const dirs[] = {"/usr/bin", "/usr/local/bin", "/bin"};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(out, outlen, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	out[0] = '\0';
	return -1;
}

/* First line of `argv` output, through the sandbox so version probes run like every tool. */
static void version_of(const char *const *argv, const char *label, char *out, size_t outlen)
{
	char job[512], err[256];
	struct sb_result r;
	size_t n;

	out[0] = '\0';
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0)
		return;
	if (sb_run(&(struct sb_spec){.argv = argv, .jobdir = job, .stage = SB_STAGE_BUILD,
				     .lim = {.wall_s = 10}},
		   &r, err, sizeof(err)) == 0) {
		const char *s = r.out_len ? r.out : r.err ? r.err : "";
		n = strcspn(s, "\r\n");
		if (n > outlen - strlen(label) - 2)
			n = outlen - strlen(label) - 2;
		snprintf(out, outlen, "%s %.*s", label, (int)n, s);
		sb_result_release(&r);
	}
	sb_job_remove(job, err, sizeof(err));
}

int tools_init(char *err, size_t errlen)
{
	char v1[200], v2[200];

	if (find_bin("verilator_bin", g_tools.verilator_bin, sizeof(g_tools.verilator_bin)) < 0) {
		snprintf(err, errlen, "verilator_bin not found (install the verilator package)");
		return -1;
	}
	if (find_bin("iverilog", g_tools.iverilog, sizeof(g_tools.iverilog)) < 0 ||
	    find_bin("vvp", g_tools.vvp, sizeof(g_tools.vvp)) < 0) {
		snprintf(err, errlen, "iverilog/vvp not found (install the iverilog package)");
		return -1;
	}
	version_of((const char *const[]){g_tools.verilator_bin, "--version", NULL}, "verilator", v1,
		   sizeof(v1));
	version_of((const char *const[]){g_tools.iverilog, "-V", NULL}, "iverilog", v2, sizeof(v2));
	if (!v1[0] || !v2[0]) {
		snprintf(err, errlen, "could not run the tools in the sandbox to read their versions");
		return -1;
	}
	snprintf(g_tools.versions, sizeof(g_tools.versions), "%s; %s", v1, v2);
	return 0;
}

int tool_write_file(const char *jobdir, const char *name, const char *data, size_t len,
		    char *err, size_t errlen)
{
	char path[1024];
	int fd, ret = -1;
	size_t off = 0;

	snprintf(path, sizeof(path), "%s/%s", jobdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "create %s: %s", name, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "write %s: %s", name, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* tool runs in progress, and the most seen at once (for /metrics: registrations and scoring
 * both go through the workers, so the peak stays at or below --workers) */
static _Atomic unsigned inflight, inflight_peak;

static __thread int tl_nice;

void tools_set_thread_nice(int nice)
{
	tl_nice = nice;
}

int tool_run(const char *jobdir, const char *const *argv, enum sb_stage stage, double wall_s,
	     struct sb_result *res, char *err, size_t errlen)
{
	struct sb_spec spec = {
		.argv = argv,
		.jobdir = jobdir,
		.stage = stage,
		.lim = {
			.wall_s = wall_s,
			.as_bytes = g_tools.lim.mem_bytes,
			.mem_bytes = g_tools.lim.mem_bytes,
			.fsize_bytes = g_tools.lim.fsize_bytes,
			.nproc = g_tools.lim.nproc,
			.nice = tl_nice,
		},
	};

	unsigned now = atomic_fetch_add(&inflight, 1) + 1, peak = atomic_load(&inflight_peak);
	int ret;

	while (now > peak && !atomic_compare_exchange_weak(&inflight_peak, &peak, now))
		;
	counters_tool_run(argv[0]);
	ret = sb_run(&spec, res, err, errlen);
	atomic_fetch_sub(&inflight, 1);
	return ret;
}

void tool_inflight(unsigned *now, unsigned *peak)
{
	*now = atomic_load(&inflight);
	*peak = atomic_load(&inflight_peak);
}
