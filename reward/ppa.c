#include "ppa.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "caps.h"
#include "fsutil.h"
#include "hash.h"
#include "liberty.h"
#include "pipeline.h"
#include "ppa_internal.h"
#include "ppa_design.h"
#include "ppa_netcheck.h"
#include "ppa_sanitize.h"
#include "tools.h"

#define PPA_FLOW_VERSION "rtlreward-ppa-4" /* 2: attributes stripped (ppa_sanitize); 3: run
					    * times kept with the golden, budgets; 4: a candidate's
					    * unreachable modules blanked (ppa_design.h) */
#define F_SEQ "ppa_seq.lib"
#define F_COMB "ppa_comb.lib"
#define F_STA PPA_F_STA
#define F_YS "ppa_syn.ys"
#define F_TCL "ppa_sta.tcl"
#define F_STAT "ppa_stat.txt"
#define F_NET PPA_F_NET
#define F_GOLD "ppa_gold.v"
#define F_GEN PPA_F_GEN
#define F_SYN "ppa_in.v" /* the design as Yosys reads it: ppa_sanitize()d */
#define MAX_GOLDEN (4 * RTLR_MAX_PROBLEMS)
#define PPA_MAX_INPUT (RTLR_MAX_TOOL_OUTPUT + RTLR_MAX_SOURCE) /* preprocessed text or a reference */

/* The bundled library, embedded at build time. */
__asm__(".section .rodata\n"
	".global rtlr_generic_lib\n"
	"rtlr_generic_lib:\n"
	".incbin \"reward/lib/rtlr_generic.lib\"\n"
	".global rtlr_generic_lib_end\n"
	"rtlr_generic_lib_end:\n"
	".byte 0\n"
	".previous\n");
extern const char rtlr_generic_lib[], rtlr_generic_lib_end[];

static struct {
	const char *liberty_path;
	int enabled;
	double timeout_s;
	double budget, floor_s, golden_max_s;
	int ready;
	struct liberty lib;
	struct buf seq, comb, sta;
	const struct lib_cell *buffer;
	char yosys[256], sta_bin[256];
	char versions[300];
	char key[65];
	char name[1500];
	char cache_dir[1024];
	pthread_mutex_t lock;
	struct golden *gold;
	size_t ngold, capgold;
} g = {.enabled = 1, .timeout_s = 60, .budget = 10, .floor_s = 2, .golden_max_s = 10,
       .lock = PTHREAD_MUTEX_INITIALIZER};

void ppa_configure_budget(double budget, double floor_s, double golden_max_s)
{
	g.budget = budget > 0 ? budget : 0;
	g.floor_s = floor_s > 0 ? floor_s : 0.001;
	g.golden_max_s = golden_max_s > 0 ? golden_max_s : 0;
}

void ppa_configure(const char *liberty, int enabled, double timeout_s)
{
	g.liberty_path = liberty && liberty[0] ? liberty : NULL;
	g.enabled = enabled;
	if (timeout_s > 0)
		g.timeout_s = timeout_s;
}

int ppa_enabled(void)
{
	return g.enabled && g.ready;
}

const char *ppa_key(void)
{
	return g.key;
}

const char *ppa_liberty_name(void)
{
	return g.name;
}

static int simple_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '$')
			return 0;
	return 1;
}

/* First line of a tool's version output, through the sandbox. */
static void version_of(const char *bin, const char *flag, char *out, size_t outlen)
{
	const char *argv[] = {bin, flag, NULL};
	char job[512], err[256];
	struct sb_result r;

	out[0] = '\0';
	if (sb_job_create(job, sizeof(job), err, sizeof(err)) < 0)
		return;
	if (tool_run(job, argv, SB_STAGE_BUILD, 20, &r, err, sizeof(err)) == 0) {
		const char *s = r.out_len ? r.out : r.err ? r.err : "";
		snprintf(out, outlen, "%.*s", (int)strcspn(s, "\r\n"), s);
		sb_result_release(&r);
	}
	sb_job_remove(job, err, sizeof(err));
}

/* Keeps the reduced libraries next to the cache for reproducing a run by hand. */
static void save_libs(void)
{
	char dir[1200], path[1300];
	const struct buf *b[] = {&g.seq, &g.comb, &g.sta};
	const char *n[] = {F_SEQ, F_COMB, F_STA};
	size_t i;

	if (!g.cache_dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s/ppa/lib-%.16s", g.cache_dir, g.lib.hash);
	if (mkdir_p(dir) < 0)
		return;
	for (i = 0; i < 3; i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, n[i]);
		if (access(path, F_OK) == 0)
			continue;
		f = fopen(path, "w");
		if (!f)
			continue;
		fwrite(b[i]->data, 1, b[i]->len, f);
		fclose(f);
	}
}

int ppa_init(const char *cache_dir, char *err, size_t errlen)
{
	struct hash_ctx *h;
	char vy[128], vs[128];
	int n;

	snprintf(g.cache_dir, sizeof(g.cache_dir), "%s", cache_dir ? cache_dir : "");
	snprintf(g.yosys, sizeof(g.yosys), "/usr/bin/yosys");
	snprintf(g.sta_bin, sizeof(g.sta_bin), "/usr/bin/sta");
	if (!g.enabled) {
		snprintf(g.key, sizeof(g.key), "ppa-off");
		snprintf(g.name, sizeof(g.name), "(PPA off)");
		return 0;
	}
	if (access(g.yosys, X_OK) < 0 || access(g.sta_bin, X_OK) < 0) {
		snprintf(err, errlen, "ppa: /usr/bin/yosys or /usr/bin/sta not found (install the yosys "
			 "and opensta packages, or start with --ppa 0)");
		return -1;
	}
	if (liberty_load(&g.lib, g.liberty_path, g.liberty_path ? NULL : rtlr_generic_lib,
			 (size_t)(rtlr_generic_lib_end - rtlr_generic_lib), err, errlen) < 0)
		return -1;
	n = liberty_select(&g.lib, err, errlen);
	if (n < 0)
		return -1;
	buf_init(&g.seq, LIB_MAX_BYTES);
	buf_init(&g.comb, LIB_MAX_BYTES);
	buf_init(&g.sta, LIB_MAX_BYTES);
	if (liberty_write(&g.lib, LIB_PART_SEQ, 1, &g.seq) < 0 ||
	    liberty_write(&g.lib, LIB_PART_COMB, 1, &g.comb) < 0 ||
	    liberty_write(&g.lib, LIB_PART_ALL, 0, &g.sta) < 0) {
		snprintf(err, errlen, "ppa: out of memory writing the reduced library");
		return -1;
	}
	g.buffer = liberty_buffer(&g.lib);
	if (ppa_netcheck_init(err, errlen) < 0)
		return -1;
	version_of(g.yosys, "-V", vy, sizeof(vy));
	version_of(g.sta_bin, "-version", vs, sizeof(vs));
	if (!vy[0] || !vs[0]) {
		snprintf(err, errlen, "ppa: could not run yosys or sta in the sandbox");
		return -1;
	}
	snprintf(g.versions, sizeof(g.versions), "%s; opensta %s", vy, vs);
	h = hash_new();
	hash_add_str(h, PPA_FLOW_VERSION);
	hash_add_str(h, g.lib.hash);
	hash_add_str(h, g.versions);
	hash_add_u64(h, LIB_MAX_INPUTS);
	hash_add_u64(h, (unsigned long long)(PPA_ACTIVITY * 1e6));
	/* the budgets decide verdicts (over budget, PPA disabled for a slow golden) */
	hash_add_u64(h, (unsigned long long)(g.budget * 1e3));
	hash_add_u64(h, (unsigned long long)(g.floor_s * 1e3));
	hash_add_u64(h, (unsigned long long)(g.golden_max_s * 1e3));
	hash_final_hex(h, g.key);
	{
		char drive[300] = "no driving cell: no buffer";
		if (g.buffer)
			snprintf(drive, sizeof(drive), "driving cell %s/%s, load %.6g", g.buffer->name,
				 g.buffer->out_pin, g.buffer->in_cap > 0 ? 4 * g.buffer->in_cap : 0);
		snprintf(g.name, sizeof(g.name), "%s (%s; %d of %zu cells used; %s) sha256:%.12s",
			 g.lib.name, g.liberty_path ? g.liberty_path : "bundled", n, g.lib.ncells, drive,
			 g.lib.hash);
	}
	save_libs();
	g.ready = 1;
	fprintf(stderr, "rtlreward: ppa: %s; %s\n", g.name, g.versions);
	return 0;
}

void ppa_shutdown(void)
{
	pthread_mutex_lock(&g.lock);
	free(g.gold);
	g.gold = NULL;
	g.ngold = g.capgold = 0;
	pthread_mutex_unlock(&g.lock);
	ppa_netcheck_shutdown();
	ppa_memo_shutdown();
	buf_release(&g.seq);
	buf_release(&g.comb);
	buf_release(&g.sta);
	liberty_release(&g.lib);
	g.ready = 0;
}

double ppa_ratio(double golden, double cand)
{
	double r;

	if (cand <= 1e-15)
		return golden <= 1e-15 ? 1.0 : PPA_RATIO_CAP;
	r = golden / cand;
	return r > PPA_RATIO_CAP ? PPA_RATIO_CAP : r < 0 ? 0 : r;
}

/* --- one design ---------------------------------------------------------------------------- */

/* The OpenSTA commands after link_design: clocks, delays, driving cell, load, activity, the
 * two reports. Returns 0, or 1 when a port or clock name is not a simple identifier. */
int ppa_i_sta_constraints(const struct problem *p, struct buf *tcl)
{
	const struct vinfo *gv = &p->prep.gold;
	double period = p->clock_period_ns > 0 ? p->clock_period_ns : PPA_DEFAULT_PERIOD;
	double scale = g.lib.time_scale_ns;
	size_t i, k, nin = 0;

	for (i = 0; i < p->prep.nclocks; i++) {
		if (!simple_ident(p->prep.clocks[i]))
			return 1;
		buf_printf(tcl, "create_clock -name rtlr_clk%zu -period %.6g%s [get_ports {%s}]\n", i,
			   period / scale, i ? " -add" : "", p->prep.clocks[i]);
	}
	if (!p->prep.nclocks)
		buf_printf(tcl, "create_clock -name rtlr_clk0 -period %.6g\n", period / scale);
	buf_adds(tcl, "set rtlr_in {}\n");
	for (i = 0; i < gv->nports; i++) {
		const struct vport *vp = &gv->ports[i];
		int clk = 0;
		if (!simple_ident(vp->name))
			return 1;
		for (k = 0; k < p->prep.nclocks; k++)
			clk |= !strcmp(p->prep.clocks[k], vp->name);
		if (vp->dir == PORT_IN && !clk) {
			buf_printf(tcl, "lappend rtlr_in {%s}\n", vp->name);
			nin++;
		}
	}
	if (nin) {
		buf_adds(tcl, "set_input_delay 0 -clock rtlr_clk0 [get_ports $rtlr_in]\n");
		if (g.buffer)
			buf_printf(tcl, "set_driving_cell -lib_cell %s -pin %s [get_ports $rtlr_in]\n",
				   g.buffer->name, g.buffer->out_pin);
	}
	buf_adds(tcl, "set rtlr_out [all_outputs]\n"
		      "if {[llength $rtlr_out]} {\n"
		      "  set_output_delay 0 -clock rtlr_clk0 $rtlr_out\n");
	if (g.buffer && g.buffer->in_cap > 0)
		buf_printf(tcl, "  set_load %.6g $rtlr_out\n", 4 * g.buffer->in_cap);
	buf_printf(tcl, "}\n"
			"set_power_activity -global -activity %g -duty 0.5\n"
			"report_checks -path_delay max -digits 6\n"
			"report_power -digits 6\n",
		   PPA_ACTIVITY);
	return 0;
}

int ppa_i_write_sta_lib(const char *job, char *err, size_t errlen)
{
	return tool_write_file(job, F_STA, g.sta.data, g.sta.len, err, errlen);
}

int ppa_i_ready(void)
{
	return g.enabled && g.ready;
}

double ppa_i_timeout(void)
{
	return g.timeout_s;
}

const char *ppa_i_sta_bin(void)
{
	return g.sta_bin;
}

int ppa_i_simple_ident(const char *s)
{
	return simple_ident(s);
}

static int write_scripts(const struct problem *p, const char *job, const char *top, char *reason, size_t rlen, char *err, size_t errlen)
{
	struct buf ys, tcl;
	int ret = -1;

	buf_init(&ys, 64 << 10);
	buf_init(&tcl, 256 << 10);
	if (!simple_ident(top)) {
		snprintf(reason, rlen, "top module name '%s' is not a simple identifier", top);
		ret = 1;
		goto out;
	}
	buf_printf(&ys,
		   "read_verilog -sv " F_SYN "\n"
		   "hierarchy -check -top %s\n"
		   "synth -flatten -noabc -nofsm -top %s\n"
		   "select -assert-none t:$_DLATCH* t:$_SR_* t:$_DLATCHSR_*\n"
		   "design -save rtlr_pre\n"
		   "splitnets\n" /* one net per bit: Icarus simulates vectors of gates slowly */
		   "rename %s " PPA_NC_NET_TOP "\n"
		   "write_verilog -noattr " F_GEN "\n"
		   "design -load rtlr_pre\n"
		   "dfflibmap -liberty " F_SEQ "\n"
		   "abc -liberty " F_COMB "\n"
		   "opt_clean -purge\n"
		   "select -assert-none t:$_*\n"
		   "tee -q -o " F_STAT " stat\n"
		   "write_verilog -noattr -simple-lhs " F_NET "\n",
		   top, top, top);

	buf_printf(&tcl, "read_liberty " F_STA "\nread_verilog " F_NET "\nlink_design %s\n", top);
	if (ppa_i_sta_constraints(p, &tcl))
		goto bad_port;
	if (ys.overflow || tcl.overflow) {
		snprintf(reason, rlen, "too many ports for the PPA scripts");
		ret = 1;
		goto out;
	}
	if (tool_write_file(job, F_YS, ys.data, ys.len, err, errlen) < 0 ||
	    tool_write_file(job, F_TCL, tcl.data, tcl.len, err, errlen) < 0 ||
	    tool_write_file(job, F_SEQ, g.seq.data, g.seq.len, err, errlen) < 0 ||
	    tool_write_file(job, F_COMB, g.comb.data, g.comb.len, err, errlen) < 0 ||
	    tool_write_file(job, F_STA, g.sta.data, g.sta.len, err, errlen) < 0)
		goto out;
	ret = 0;
	goto out;
bad_port:
	snprintf(reason, rlen, "a port or clock name of the golden is not a simple identifier");
	ret = 1;
out:
	buf_release(&ys);
	buf_release(&tcl);
	return ret;
}

/* The first line of text starting with prefix (at a line start), into out. */
static int find_line(const char *text, const char *prefix, char *out, size_t outlen)
{
	const char *p = text;
	size_t pl = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, pl)) {
			snprintf(out, outlen, "%.*s", (int)strcspn(p, "\r\n"), p);
			return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static void yosys_reason(const struct sb_result *r, char *reason, size_t rlen)
{
	char line[400];
	const char *texts[] = {r->err ? r->err : "", r->out ? r->out : ""};
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!find_line(texts[i], "ERROR:", line, sizeof(line)))
			continue;
		if (strstr(line, "DLATCH") || strstr(line, "$_SR_") || strstr(line, "Latch inferred"))
			snprintf(reason, rlen, "synthesis: the design infers latches, which the PPA tier "
				 "does not allow (%s)", line);
		else if (strstr(line, "Assertion failed"))
			snprintf(reason, rlen, "synthesis: cells the library cannot implement remain after "
				 "mapping (%s)", line);
		else
			snprintf(reason, rlen, "synthesis: yosys: %s", line);
		return;
	}
	snprintf(reason, rlen, "synthesis: yosys exited with status %d", r->exit_code);
}

/* Classifies a finished run: 0 fine, 1 the design's failure (reason), -1 infrastructure. */
static int classify(const char *tool, const struct sb_result *r, struct run_limits *lim,
		    char *reason, size_t rlen, char *err, size_t errlen)
{
	int yo = !strcmp(tool, "yosys");

	if (lim->budget && (r->limit == SB_LIMIT_WALL || r->limit == SB_LIMIT_CPU)) {
		lim->over = yo ? 1 : 2;
		snprintf(reason, rlen, "over budget: %s ran past its budget of %.3g s (%g x the "
			 "golden's, at least %.3g s); a design this slow to %s gets the worst PPA score",
			 yo ? "synthesis (yosys)" : "timing (opensta)", yo ? lim->ty : lim->ts, g.budget,
			 g.floor_s, yo ? "synthesize" : "time");
		return 1;
	}
	if (r->limit != SB_LIMIT_NONE && r->limit != SB_LIMIT_OUTPUT) {
		snprintf(reason, rlen, "%s: %s limit hit", tool, sb_limit_name(r->limit));
		return 1;
	}
	if (r->signal) {
		/* a crash on this design's input (no limit was hit): the design's failure, as the
		 * trusted part (the golden) is synthesized alone and a candidate only after it did
		 * (closure.h: a tool failure is the candidate's unless the trusted parts fail alone) */
		snprintf(reason, rlen, "%s: killed by signal %d", tool, r->signal);
		(void)err;
		(void)errlen;
		return 1;
	}
	return 0;
}

static int parse_stat(const char *job, struct ppa_metrics *m, char *reason, size_t rlen)
{
	char path[1024];
	struct buf b;
	const char *p;
	int ret = 1;

	buf_init(&b, RTLR_MAX_TOOL_OUTPUT);
	snprintf(path, sizeof(path), "%s/%s", job, F_STAT);
	if (buf_read_file(&b, path) < 0 || !b.data) {
		snprintf(reason, rlen, "synthesis: yosys wrote no statistics");
		goto out;
	}
	p = strstr(b.data, "Number of cells:");
	if (!p || sscanf(p, "Number of cells: %u", &m->cells) != 1) {
		snprintf(reason, rlen, "synthesis: no cell count in yosys's statistics");
		goto out;
	}
	p = strchr(p, '\n');
	while (p && *++p) {
		char name[128];
		unsigned n;
		const struct lib_cell *c;

		if (sscanf(p, " %127s %u", name, &n) == 2 && (c = liberty_cell(&g.lib, name))) {
			m->area += c->area * n;
			if (c->seq)
				m->seq_cells += n;
		}
		p = strchr(p, '\n');
	}
	ret = 0;
out:
	buf_release(&b);
	return ret;
}

int ppa_i_parse_sta(const char *out, struct ppa_metrics *m, char *reason, size_t rlen)
{
	char line[400];
	const char *p;
	double in, sw, lk, tot;

	if (find_line(out, "Error", line, sizeof(line))) {
		snprintf(reason, rlen, "timing: opensta: %s", line);
		return 1;
	}
	p = strstr(out, "Creating black box");
	if (p) {
		snprintf(reason, rlen, "timing: opensta: the netlist uses cells the library lacks");
		return 1;
	}
	p = strstr(out, "data arrival time");
	if (p) {
		const char *ls = p;
		while (ls > out && ls[-1] != '\n')
			ls--;
		if (sscanf(ls, " %lf", &m->delay_ns) != 1) {
			snprintf(reason, rlen, "timing: unreadable arrival time in OpenSTA's report");
			return 1;
		}
		m->delay_ns *= g.lib.time_scale_ns;
	} else if (!strstr(out, "No paths found")) {
		snprintf(reason, rlen, "timing: OpenSTA printed no path report");
		return 1;
	}
	p = out;
	for (;;) {
		p = strstr(p, "\nTotal");
		if (!p) {
			snprintf(reason, rlen, "power: OpenSTA printed no power report");
			return 1;
		}
		p++;
		if (sscanf(p, "Total %lf %lf %lf %lf", &in, &sw, &lk, &tot) == 4)
			break;
	}
	m->power = tot;
	return 0;
}

/* The design as Yosys reads it: file's text with synthesis attributes and pragmas taken out
 * (ppa_sanitize.h), into F_SYN; what was removed goes to stripped. */
static int write_input(const char *job, const char *file, char *stripped, size_t slen, char *err,
		       size_t errlen)
{
	char path[1024], note[512];
	struct buf in, out;
	int ret = -1;

	buf_init(&in, PPA_MAX_INPUT);
	buf_init(&out, PPA_MAX_INPUT);
	snprintf(path, sizeof(path), "%s/%s", job, file);
	if (buf_read_file(&in, path) < 0) {
		snprintf(err, errlen, "ppa: reading %s: %s", file, strerror(errno));
		goto out;
	}
	if (ppa_sanitize(in.data ? in.data : "", in.len, &out, note, sizeof(note)) < 0) {
		snprintf(err, errlen, "ppa: the sanitized design does not fit in memory");
		goto out;
	}
	if (tool_write_file(job, F_SYN, out.data ? out.data : "", out.len, err, errlen) < 0)
		goto out;
	if (stripped && slen)
		snprintf(stripped, slen, "%s", note);
	ret = 0;
out:
	buf_release(&in);
	buf_release(&out);
	return ret;
}

static int measure(const struct problem *p, const char *job, const char *file, const char *top,
		   struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped,
		   size_t slen, struct run_limits *lim, char *err, size_t errlen);

int ppa_measure(const struct problem *p, const char *job, const char *file, const char *top,
		struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *err, size_t errlen)
{
	return ppa_measure_ex(p, job, file, top, m, ok, reason, rlen, NULL, 0, err, errlen);
}

int ppa_measure_ex(const struct problem *p, const char *job, const char *file, const char *top,
		   struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped,
		   size_t slen, char *err, size_t errlen)
{
	struct run_limits lim = {.ty = g.timeout_s, .ts = g.timeout_s};

	return measure(p, job, file, top, m, ok, reason, rlen, stripped, slen, &lim, err, errlen);
}

int ppa_i_synth(const struct problem *p, const char *job, const char *file, const char *top,
		struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped, size_t slen,
		struct run_limits *lim, char *err, size_t errlen)
{
	const char *yargv[] = {g.yosys, "-q", "-s", F_YS, NULL};
	struct sb_result r;
	int x;

	memset(m, 0, sizeof(*m));
	*ok = 0;
	reason[0] = '\0';
	lim->wy = lim->ws = 0;
	lim->over = 0;
	x = write_input(job, file, stripped, slen, err, errlen);
	if (x == 0)
		x = write_scripts(p, job, top, reason, rlen, err, errlen);
	if (x)
		return x < 0 ? -1 : 0;
	if (tool_run(job, yargv, SB_STAGE_BUILD, lim->ty, &r, err, errlen) < 0)
		return -1;
	lim->wy = r.wall_s;
	x = classify("yosys", &r, lim, reason, rlen, err, errlen);
	if (x == 0 && (!r.exited || r.exit_code != 0)) {
		yosys_reason(&r, reason, rlen);
		x = 1;
	}
	sb_result_release(&r);
	if (x)
		return x < 0 ? -1 : 0;
	if (parse_stat(job, m, reason, rlen))
		return 0;
	*ok = 1;
	return 0;
}

int ppa_i_sta(const char *job, struct ppa_metrics *m, int *ok, char *reason, size_t rlen,
	      struct run_limits *lim, char *err, size_t errlen)
{
	const char *sargv[] = {g.sta_bin, "-no_init", "-no_splash", "-exit", F_TCL, NULL};
	struct sb_result r;
	int x;

	*ok = 0;
	reason[0] = '\0';
	if (lim->total > 0 && lim->total - lim->wy < lim->ts)
		lim->ts = lim->total - lim->wy;
	if (lim->ts <= 0) { /* a golden's bound spent by its synthesis */
		lim->over = 2;
		snprintf(reason, rlen, "timing (opensta): no time left");
		return 0;
	}
	if (tool_run(job, sargv, SB_STAGE_BUILD, lim->ts, &r, err, errlen) < 0)
		return -1;
	lim->ws = r.wall_s;
	x = classify("opensta", &r, lim, reason, rlen, err, errlen);
	if (x == 0) {
		struct buf all;
		buf_init(&all, 2 * RTLR_MAX_TOOL_OUTPUT + 2);
		buf_adds(&all, r.out ? r.out : "");
		buf_adds(&all, "\n");
		buf_adds(&all, r.err ? r.err : "");
		x = ppa_i_parse_sta(all.data ? all.data : "", m, reason, rlen);
		buf_release(&all);
	}
	sb_result_release(&r);
	if (x)
		return x < 0 ? -1 : 0;
	*ok = 1;
	return 0;
}

static int measure(const struct problem *p, const char *job, const char *file, const char *top,
		   struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped,
		   size_t slen, struct run_limits *lim, char *err, size_t errlen)
{
	if (ppa_i_synth(p, job, file, top, m, ok, reason, rlen, stripped, slen, lim, err, errlen) < 0)
		return -1;
	if (!*ok)
		return 0;
	return ppa_i_sta(job, m, ok, reason, rlen, lim, err, errlen);
}

/* --- the golden, once per problem ---------------------------------------------------------- */

static int golden_find(const char *key, struct golden *out)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&g.lock);
	for (i = 0; i < g.ngold; i++) {
		if (!strcmp(g.gold[i].key, key)) {
			*out = g.gold[i];
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&g.lock);
	return found;
}

static void golden_keep(const struct golden *e)
{
	struct golden tmp;

	if (golden_find(e->key, &tmp))
		return;
	pthread_mutex_lock(&g.lock);
	if (g.ngold == g.capgold && g.capgold < MAX_GOLDEN) {
		size_t nc = g.capgold ? 2 * g.capgold : 64;
		struct golden *n = realloc(g.gold, nc * sizeof(*n));
		if (n) {
			g.gold = n;
			g.capgold = nc;
		}
	}
	if (g.ngold < g.capgold)
		g.gold[g.ngold++] = *e;
	pthread_mutex_unlock(&g.lock);
}

static void golden_path(const char *key, char *path, size_t len)
{
	snprintf(path, len, "%s/ppa/golden-%s", g.cache_dir, key);
}

static int golden_load(struct golden *e)
{
	char path[1300], line[512];
	FILE *f;
	int ok = 0;

	if (!g.cache_dir[0])
		return 0;
	golden_path(e->key, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, PPA_FLOW_VERSION " %d %lf %lf %lf %u %u %lf %lf", &e->ok, &e->m.area,
		   &e->m.delay_ns, &e->m.power, &e->m.cells, &e->m.seq_cells, &e->wy, &e->ws) == 8) {
		e->reason[0] = '\0';
		if (fgets(e->reason, sizeof(e->reason), f))
			e->reason[strcspn(e->reason, "\n")] = '\0';
		ok = 1;
	}
	fclose(f);
	return ok;
}

static void golden_save(const struct golden *e)
{
	char path[1300], tmp[1400], dir[1200];
	FILE *f;

	if (!g.cache_dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s/ppa", g.cache_dir);
	if (mkdir_p(dir) < 0)
		return;
	golden_path(e->key, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d.%lx", path, (int)getpid(), (unsigned long)pthread_self());
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, PPA_FLOW_VERSION " %d %.17g %.17g %.17g %u %u %.6f %.6f\n%s\n", e->ok, e->m.area,
		e->m.delay_ns, e->m.power, e->m.cells, e->m.seq_cells, e->wy, e->ws, e->reason);
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

static void golden_key(const struct problem *p, char *key)
{
	struct hash_ctx *h = hash_new();

	hash_add_str(h, g.key);
	hash_add_str(h, p->hash);
	hash_final_hex(h, key);
}

/* The golden's runs under --ppa-golden-max-s: both runs share the bound. */
static int golden_measure(struct problem *p, const char *job, struct golden *e, char *err,
			  size_t errlen)
{
	double cap = g.golden_max_s > 0 && g.golden_max_s < g.timeout_s ? g.golden_max_s : g.timeout_s;
	struct run_limits lim = {.ty = cap, .ts = g.timeout_s, .total = cap};
	int x, bound = g.golden_max_s > 0 && g.golden_max_s <= g.timeout_s;

	lim.budget = bound;
	x = measure(p, job, F_GOLD, p->ref_top, &e->m, &e->ok, e->reason, sizeof(e->reason), NULL, 0,
		    &lim, err, errlen);
	if (x < 0)
		return -1;
	e->wy = lim.wy;
	e->ws = lim.ws;
	if (bound && (lim.over || lim.wy + lim.ws > g.golden_max_s)) {
		e->ok = 0;
		snprintf(e->reason, sizeof(e->reason), "PPA disabled for this problem: the golden's "
			 "synthesis and timing take more than --ppa-golden-max-s %g s (yosys %.3g s%s)",
			 g.golden_max_s, lim.wy, lim.over == 1 ? ", stopped" : "");
	}
	return 0;
}

int ppa_i_golden(struct problem *p, struct golden *e, char *err, size_t errlen)
{
	char job[512], e2[256];
	int x;

	memset(e, 0, sizeof(*e));
	golden_key(p, e->key);
	if (golden_find(e->key, e))
		return 0;
	if (golden_load(e)) {
		golden_keep(e);
		return 0;
	}
	if (sb_job_create(job, sizeof(job), err, errlen) < 0)
		return -1;
	x = tool_write_file(job, F_GOLD, p->reference, strlen(p->reference), err, errlen);
	if (x == 0)
		x = golden_measure(p, job, e, err, errlen);
	sb_job_remove(job, e2, sizeof(e2));
	if (x < 0)
		return -1;
	golden_keep(e);
	golden_save(e);
	return 0;
}

/* --- the tier ------------------------------------------------------------------------------ */

/* A run's budget: budget x the golden's time, at least the floor, at most the timeout. */
static double budget_of(double golden_s)
{
	double b = g.budget * golden_s;

	if (b < g.floor_s)
		b = g.floor_s;
	return b < g.timeout_s ? b : g.timeout_s;
}

void ppa_i_limits(const struct golden *gd, struct run_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->ty = lim->ts = g.timeout_s;
	if (g.budget <= 0)
		return;
	lim->ty = budget_of(gd->wy);
	lim->ts = budget_of(gd->ws);
	lim->budget = lim->ty < g.timeout_s || lim->ts < g.timeout_s;
}

void ppa_problem_status(const struct problem *p, char *out, size_t outlen)
{
	struct golden e;
	struct run_limits lim;

	if (!g.enabled || !g.ready) {
		snprintf(out, outlen, "off on this server (--ppa 0)");
		return;
	}
	memset(&e, 0, sizeof(e));
	golden_key(p, e.key);
	if (!golden_find(e.key, &e) && !golden_load(&e)) {
		snprintf(out, outlen, "golden not measured yet (with the first candidate that passes in "
			 "full; PPA is disabled for the problem if that takes more than %g s)",
			 g.golden_max_s > 0 ? g.golden_max_s : g.timeout_s);
		return;
	}
	if (!e.ok) {
		snprintf(out, outlen, "%s%s", strncmp(e.reason, "PPA disabled", 12) ? "PPA disabled for "
			 "this problem: the golden does not synthesize: " : "", e.reason);
		return;
	}
	ppa_i_limits(&e, &lim);
	snprintf(out, outlen, "golden: area %.6g, delay %.6g ns, power %.6g W; yosys %.3f s, opensta "
		 "%.3f s; a candidate's budget: yosys %.3g s, opensta %.3g s", e.m.area, e.m.delay_ns,
		 e.m.power, e.wy, e.ws, lim.ty, lim.ts);
}
