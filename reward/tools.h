/* tools: where the EDA tools are, their versions (part of every cache key), and one call that
 * runs a tool through the sandbox with the limits of its stage.
 *
 * tools_init() once at start-up (after sb_init): finds the binaries, reads their versions.
 * tool_run() is thread-safe.
 */
#ifndef RTLR_TOOLS_H
#define RTLR_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"

struct tool_limits {
	double lint_s;      /* verilator lint / xml / preprocess */
	double compile_s;   /* iverilog compile */
	double sim_s;       /* vvp run */
	uint64_t mem_bytes; /* address space per tool run */
	uint64_t fsize_bytes;
	unsigned nproc;
};

struct tools {
	char verilator_bin[256];
	char iverilog[256];
	char vvp[256];
	char versions[512]; /* "verilator 5.006; iverilog 11.0" */
	struct tool_limits lim;
};

extern struct tools g_tools;

int tools_init(char *err, size_t errlen);
/* Writes data to <jobdir>/<name>. */
int tool_write_file(const char *jobdir, const char *name, const char *data, size_t len,
		    char *err, size_t errlen);
int tool_run(const char *jobdir, const char *const *argv, enum sb_stage stage, double wall_s,
	     struct sb_result *res, char *err, size_t errlen);
/* The nice value of the tool runs this thread starts from now on (0: normal). The PPA stage
 * runs its tools at a lower priority, so function checks of other requests come first. */
void tools_set_thread_nice(int nice);
/* Tool runs in progress now, and the most there have been at once since start-up. */
void tool_inflight(unsigned *now, unsigned *peak);

#endif
