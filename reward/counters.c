/* counters: see counters.h. */
#include "counters.h"

#include <stdatomic.h>
#include <string.h>

static const char *const tool_names[CT_NTOOLS] = {"verilator", "iverilog", "vvp", "yosys", "sta",
						  "harness", "other"};
static const char *const split_names[CS_NCAUSES] = {"timeout", "compile", "crash", "output",
						    "memory", "other"};
/* group sizes: 1, 2, 3-4, 5-8, 9-16, 17+ */
#define NSIZE 6
static const char *const size_names[NSIZE] = {"1", "2", "3-4", "5-8", "9-16", "17+"};
static _Atomic uint64_t tool_runs[CT_NTOOLS];
static _Atomic uint64_t groups[2][NSIZE];       /* [0] icarus and others, [1] verilator */
static _Atomic uint64_t group_cands[2];
static _Atomic uint64_t splits[CS_NCAUSES], split_cands[CS_NCAUSES];

void counters_tool_run(const char *argv0)
{
	const char *b = argv0 ? strrchr(argv0, '/') : NULL;
	enum counter_tool t = CT_OTHER;

	b = b ? b + 1 : (argv0 ? argv0 : "");
	if (!strncmp(b, "verilator", 9))
		t = CT_VERILATOR;
	else if (!strcmp(b, "iverilog"))
		t = CT_IVERILOG;
	else if (!strcmp(b, "vvp"))
		t = CT_VVP;
	else if (!strncmp(b, "yosys", 5))
		t = CT_YOSYS;
	else if (!strcmp(b, "sta"))
		t = CT_STA;
	else if (b[0] == 'V' || !strncmp(b, "sim", 3) || !strncmp(b, "./", 2))
		t = CT_HARNESS;
	atomic_fetch_add(&tool_runs[t], 1);
}

static size_t size_bucket(size_t n)
{
	if (n <= 2)
		return n ? n - 1 : 0;
	if (n <= 4)
		return 2;
	if (n <= 8)
		return 3;
	return n <= 16 ? 4 : 5;
}

void counters_group(const char *engine, size_t n)
{
	int e = engine && !strcmp(engine, "verilator");

	atomic_fetch_add(&groups[e][size_bucket(n)], 1);
	atomic_fetch_add(&group_cands[e], n);
}

void counters_split(enum counter_split cause, size_t n)
{
	if ((unsigned)cause >= CS_NCAUSES)
		cause = CS_OTHER;
	atomic_fetch_add(&splits[cause], 1);
	atomic_fetch_add(&split_cands[cause], n);
}

uint64_t counters_tool_runs(enum counter_tool t)
{
	return (unsigned)t < CT_NTOOLS ? atomic_load(&tool_runs[t]) : 0;
}

const char *counters_tool_name(enum counter_tool t)
{
	return (unsigned)t < CT_NTOOLS ? tool_names[t] : "?";
}

const char *counters_split_name(enum counter_split c)
{
	return (unsigned)c < CS_NCAUSES ? split_names[c] : "?";
}

void counters_format(struct buf *o)
{
	size_t i, e;

	buf_adds(o, "# HELP rtlreward_tool_runs_total Sandboxed tool runs by tool (verilator, iverilog, vvp, yosys, sta; harness: a built simulation binary).\n"
		    "# TYPE rtlreward_tool_runs_total counter\n");
	for (i = 0; i < CT_NTOOLS; i++)
		buf_printf(o, "rtlreward_tool_runs_total{tool=\"%s\"} %llu\n", tool_names[i],
			   (unsigned long long)atomic_load(&tool_runs[i]));
	buf_adds(o, "# HELP rtlreward_function_groups_total Function-tier runs by engine and group size (candidates checked together; 1: alone).\n"
		    "# TYPE rtlreward_function_groups_total counter\n");
	for (e = 0; e < 2; e++)
		for (i = 0; i < NSIZE; i++)
			buf_printf(o, "rtlreward_function_groups_total{engine=\"%s\",size=\"%s\"} %llu\n",
				   e ? "verilator" : "icarus", size_names[i],
				   (unsigned long long)atomic_load(&groups[e][i]));
	buf_adds(o, "# HELP rtlreward_function_group_candidates_total Candidates handed to the function tier in groups, by engine.\n"
		    "# TYPE rtlreward_function_group_candidates_total counter\n");
	for (e = 0; e < 2; e++)
		buf_printf(o, "rtlreward_function_group_candidates_total{engine=\"%s\"} %llu\n",
			   e ? "verilator" : "icarus", (unsigned long long)atomic_load(&group_cands[e]));
	buf_adds(o, "# HELP rtlreward_group_splits_total Failed group runs split and scored again, by cause; _candidates: how many candidates they held.\n"
		    "# TYPE rtlreward_group_splits_total counter\n");
	for (i = 0; i < CS_NCAUSES; i++)
		buf_printf(o, "rtlreward_group_splits_total{cause=\"%s\"} %llu\n"
			      "rtlreward_group_split_candidates_total{cause=\"%s\"} %llu\n",
			   split_names[i], (unsigned long long)atomic_load(&splits[i]), split_names[i],
			   (unsigned long long)atomic_load(&split_cands[i]));
}
