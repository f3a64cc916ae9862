/* ppa_netcheck: see ppa_netcheck.h. */
#include "ppa_netcheck.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "engine.h"
#include "tools.h"

#define F_TB "ppa_nc_tb.v"
#define F_CELLS "ppa_nc_cells.v"
#define F_VVP "ppa_nc.vvp"
#define NC_TB_TOP "rtlr_nc_tb"

static struct buf cells; /* simcells.v */

/* simcells.v's modules outside `ifdef blocks: a check compiles only those its netlist
 * instantiates (Icarus elaborates nothing else: the bench is the only root), so it does not
 * parse 3,600 lines of cells per candidate. A netlist naming a cell not found here gets the
 * whole file, as before. */
struct cell {
	char name[48];
	size_t from, to;
};
static struct cell *cellv;
static size_t ncells;

static const char *next_line(const char *l, const char *e)
{
	const char *nl = memchr(l, '\n', (size_t)(e - l));

	return nl ? nl + 1 : e;
}

static void index_cells(void)
{
	const char *s = cells.data, *e = cells.data + cells.len, *l;
	struct cell *cur = NULL;
	int depth = 0;

	for (l = s; l < e; l = next_line(l, e)) {
		if (!strncmp(l, "`ifdef", 6) || !strncmp(l, "`ifndef", 7))
			depth++;
		else if (!strncmp(l, "`endif", 6) && depth > 0)
			depth--;
		else if (!depth && !cur && !strncmp(l, "module \\", 8)) {
			size_t n = strcspn(l + 8, " \t\n(;");
			struct cell *nv = realloc(cellv, (ncells + 1) * sizeof(*nv));
			if (!nv || n + 2 > sizeof(nv->name)) {
				cellv = nv ? nv : cellv;
				continue;
			}
			cellv = nv;
			cur = &cellv[ncells++];
			snprintf(cur->name, sizeof(cur->name), "%.*s", (int)n, l + 8);
			cur->from = (size_t)(l - s);
		} else if (cur && !strncmp(l, "endmodule", 9)) {
			cur->to = (size_t)(next_line(l, e) - s);
			cur = NULL;
		}
	}
	if (cur) /* unterminated: not indexed */
		ncells--;
}

int ppa_netcheck_init(char *err, size_t errlen)
{
	buf_init(&cells, 1 << 20);
	if (buf_read_file(&cells, PPA_NC_SIMCELLS) < 0 || !cells.len) {
		snprintf(err, errlen, "ppa: cannot read %s (the yosys package)", PPA_NC_SIMCELLS);
		buf_release(&cells);
		return -1;
	}
	index_cells();
	return 0;
}

void ppa_netcheck_shutdown(void)
{
	buf_release(&cells);
	free(cellv);
	cellv = NULL;
	ncells = 0;
}

/* The cells net instantiates (escaped names \$...), in simcells.v's order, into out; the
 * whole file when one is not indexed or the netlist cannot be read. */
static void cells_for(const char *job, const char *net_file, struct buf *out)
{
	char path[1024];
	struct buf net;
	unsigned char *use = calloc(ncells ? ncells : 1, 1);
	const char *p;
	size_t i;
	int whole = !use;

	buf_init(&net, RTLR_MAX_TOOL_OUTPUT * 64);
	snprintf(path, sizeof(path), "%s/%s", job, net_file);
	if (whole || buf_read_file(&net, path) < 0 || !net.data)
		whole = 1;
	for (p = net.data; !whole && (p = strstr(p, "\\$")); p++) {
		size_t n = strcspn(p + 1, " \t\n(;");
		for (i = 0; i < ncells; i++)
			if (strlen(cellv[i].name) == n && !memcmp(cellv[i].name, p + 1, n))
				break;
		if (i == ncells)
			whole = 1;
		else
			use[i] = 1;
	}
	if (whole) {
		buf_add(out, cells.data, cells.len);
	} else {
		for (i = 0; i < ncells; i++)
			if (use[i])
				buf_add(out, cells.data + cellv[i].from, cellv[i].to - cellv[i].from);
	}
	buf_release(&net);
	free(use);
}

static int plain_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int is_clock(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nclocks; i++)
		if (!strcmp(p->prep.clocks[i], name))
			return 1;
	return 0;
}

static const struct reset_spec *reset_of(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nresets; i++)
		if (!strcmp(p->prep.resets[i].name, name))
			return &p->prep.resets[i];
	return NULL;
}

/* The reset values at the start (assert 1) and after the reset cycles (assert 0). */
static void resets(const struct problem *p, struct buf *o, int assert)
{
	size_t i;

	for (i = 0; i < p->prep.nresets; i++) {
		const struct reset_spec *r = &p->prep.resets[i];
		buf_printf(o, "    i_%s = 1'b%d;\n", r->name, assert ? !r->active_low : r->active_low);
	}
}

/* Writes the comparison bench; 1 (note set) when the ports do not allow it. */
static int write_tb(const struct problem *p, const char *tag, struct buf *o, char *note,
		    size_t nlen)
{
	const struct vinfo *gv = &p->prep.gold;
	size_t i;
	unsigned k;

	for (i = 0; i < gv->nports; i++) {
		const struct vport *v = &gv->ports[i];
		if (!plain_ident(v->name) || !v->width || (v->dir != PORT_IN && v->dir != PORT_OUT)) {
			snprintf(note, nlen, "skipped: port %s is not a plain input or output",
				 v->name ? v->name : "?");
			return 1;
		}
	}
	buf_adds(o, "module " NC_TB_TOP ";\n");
	for (i = 0; i < gv->nports; i++) {
		const struct vport *v = &gv->ports[i];
		if (v->dir == PORT_IN)
			buf_printf(o, "  reg [%u:0] i_%s;\n", v->width - 1, v->name);
		else
			buf_printf(o, "  wire [%u:0] r_%s, n_%s;\n", v->width - 1, v->name, v->name);
	}
	buf_adds(o, "  integer rtlr_s, rtlr_n, rtlr_bad, rtlr_rep;\n");
	for (k = 0; k < 2; k++) {
		int first = 1;
		buf_printf(o, "  %s %s (", k ? PPA_NC_NET_TOP : p->top, k ? "u_n" : "u_r");
		for (i = 0; i < gv->nports; i++) {
			const struct vport *v = &gv->ports[i];
			buf_printf(o, "%s.%s(%s_%s)", first ? "" : ", ", v->name,
				   v->dir == PORT_IN ? "i" : k ? "n" : "r", v->name);
			first = 0;
		}
		buf_adds(o, ");\n");
	}
	buf_adds(o, "  task rtlr_rand;\n    begin\n");
	for (i = 0; i < gv->nports; i++) {
		const struct vport *v = &gv->ports[i];
		if (v->dir != PORT_IN || is_clock(p, v->name) || reset_of(p, v->name))
			continue;
		buf_printf(o, "      i_%s = {", v->name);
		for (k = 0; k < (v->width + 31) / 32; k++)
			buf_printf(o, "%s$random(rtlr_s)", k ? ", " : "");
		buf_adds(o, "};\n");
	}
	buf_adds(o, "    end\n  endtask\n  task rtlr_cmp;\n    begin\n      rtlr_n = rtlr_n + 1;\n");
	for (i = 0; i < gv->nports; i++) {
		const struct vport *v = &gv->ports[i];
		if (v->dir != PORT_OUT)
			continue;
		buf_printf(o,
			   "      if ((^r_%s) !== 1'bx && n_%s !== r_%s) begin\n"
			   "        if (!rtlr_rep) $display(\"%sfirst %%0t %s %%h %%h\", $time, r_%s, n_%s);\n"
			   "        rtlr_rep = 1;\n        rtlr_bad = rtlr_bad + 1;\n      end\n",
			   v->name, v->name, v->name, tag, v->name, v->name, v->name);
	}
	buf_adds(o, "    end\n  endtask\n  initial begin\n"
		    "    rtlr_s = 1; rtlr_n = 0; rtlr_bad = 0; rtlr_rep = 0;\n");
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "    i_%s = 1'b0;\n", p->prep.clocks[i]);
	resets(p, o, 1);
	buf_printf(o, "    repeat (%d) begin\n      #2 rtlr_rand;\n      #8;\n", 2 * PPA_NC_RESET_CYCLES);
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "      i_%s = ~i_%s;\n", p->prep.clocks[i], p->prep.clocks[i]);
	/* resets change between clock edges, never in an edge's time step (a zero-delay netlist
	 * races such a change where the RTL does not) */
	buf_adds(o, "    end\n    #1;\n");
	resets(p, o, 0);
	buf_printf(o, "    repeat (%d) begin\n      #1 rtlr_rand;\n      #6 rtlr_cmp;\n      #2;\n",
		   2 * PPA_NC_CYCLES);
	for (i = 0; i < p->prep.nclocks; i++)
		buf_printf(o, "      i_%s = ~i_%s;\n", p->prep.clocks[i], p->prep.clocks[i]);
	buf_printf(o, "      #1;\n    end\n    $display(\"%sdone %%0d %%0d\", rtlr_n, rtlr_bad);\n"
		      "    $finish;\n  end\nendmodule\n", tag);
	return 0;
}

/* Reads the tagged lines of the run into out. */
static void judge(const struct sb_result *r, const char *tag, struct ppa_netcheck *out)
{
	const char *cur = r->out ? r->out : "", *t;
	char line[300];
	size_t len;
	int done = 0;

	while ((t = engine_next_tagged(&cur, tag, &len))) {
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, t, len);
		line[len] = '\0';
		if (!strncmp(line, "first ", 6))
			snprintf(out->note, sizeof(out->note), "first difference at time %s", line + 6);
		else if (sscanf(line, "done %llu %llu", &out->samples, &out->bad) == 2)
			done = 1;
	}
	out->ran = 1;
	if (!done) {
		out->samples = out->bad = 0;
		snprintf(out->note, sizeof(out->note), "the comparison of netlist and RTL did not "
			 "finish (%s)", r->limit != SB_LIMIT_NONE ? sb_limit_name(r->limit) :
			 r->signal ? "killed by a signal" : "no final line");
		return;
	}
	out->equal = out->bad == 0 && out->samples > 0;
}

int ppa_netcheck_run(const struct problem *p, const char *job, const char *rtl_file,
		     const char *net_file, double timeout_s, struct ppa_netcheck *out, char *err,
		     size_t errlen)
{
	const char *cargv[] = {g_tools.iverilog, "-g2012", "-o", F_VVP, "-s", NC_TB_TOP, F_TB,
			       rtl_file, net_file, F_CELLS, NULL};
	const char *rargv[] = {g_tools.vvp, "-n", F_VVP, NULL};
	char tag[40];
	struct buf tb, used;
	struct sb_result r;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&tb, RTLR_MAX_REFERENCE);
	buf_init(&used, 2 << 20);
	engine_new_tag(tag);
	if (write_tb(p, tag, &tb, out->note, sizeof(out->note))) {
		ret = 0;
		goto out;
	}
	if (tb.overflow) {
		snprintf(out->note, sizeof(out->note), "skipped: too many ports");
		ret = 0;
		goto out;
	}
	cells_for(job, net_file, &used);
	if (used.overflow) {
		snprintf(err, errlen, "ppa: the netlist's cells do not fit in memory");
		goto out;
	}
	if (tool_write_file(job, F_TB, tb.data, tb.len, err, errlen) < 0 ||
	    tool_write_file(job, F_CELLS, used.data ? used.data : "", used.len, err, errlen) < 0)
		goto out;
	if (tool_run(job, cargv, SB_STAGE_BUILD, timeout_s, &r, err, errlen) < 0)
		goto out;
	if (!r.exited || r.exit_code != 0) {
		char why[64];
		if (r.limit != SB_LIMIT_NONE)
			snprintf(why, sizeof(why), "%s limit", sb_limit_name(r.limit));
		else
			snprintf(why, sizeof(why), "status %d", r.exit_code);
		snprintf(out->note, sizeof(out->note), "skipped: Icarus does not compile the RTL with "
			 "the netlist (%s)", why);
		sb_result_release(&r);
		ret = 0;
		goto out;
	}
	sb_result_release(&r);
	if (tool_run(job, rargv, SB_STAGE_RUN, timeout_s, &r, err, errlen) < 0)
		goto out;
	judge(&r, tag, out);
	sb_result_release(&r);
	ret = 0;
out:
	buf_release(&tb);
	buf_release(&used);
	return ret;
}
