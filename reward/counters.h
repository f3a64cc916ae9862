/* counters: process-wide counts for /metrics (owner: the lead; thread-safe, lock-free).
 *
 * Tool runs per stage (tools.c counts every sandboxed run by its tool: verilator, iverilog,
 * vvp, yosys, sta, other), groups by size, and splits of failed group runs by cause. The server's
 * /metrics prints them (counters_format); tests read them to assert what ran.
 */
#ifndef RTLR_COUNTERS_H
#define RTLR_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum counter_tool { CT_VERILATOR = 0, CT_IVERILOG, CT_VVP, CT_YOSYS, CT_STA, CT_HARNESS, CT_OTHER,
		    CT_NTOOLS };
/* Causes of a group split (a failed group run scored again in halves or singly). */
enum counter_split { CS_TIMEOUT = 0, CS_COMPILE, CS_CRASH, CS_OUTPUT, CS_MEMORY, CS_OTHER,
		     CS_NCAUSES };

/* Counts one tool run; argv0 is the binary run (its basename decides the tool). */
void counters_tool_run(const char *argv0);
/* Counts one group of n candidates handed to an engine (n = 1: a single). */
void counters_group(const char *engine, size_t n);
/* Counts one split of a group of n candidates, and why. */
void counters_split(enum counter_split cause, size_t n);
uint64_t counters_tool_runs(enum counter_tool t);
const char *counters_tool_name(enum counter_tool t);
const char *counters_split_name(enum counter_split c);
/* Appends the counters in Prometheus text format. */
void counters_format(struct buf *o);

#endif
