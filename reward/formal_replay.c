/* formal_replay: a counterexample from the Yosys BMC (formal_cex.vcd, the miter's in_* inputs
 * per step) replayed in Icarus on the golden and the candidate, compared with the harness's X
 * rule (an X in the golden is a don't-care, an X from the candidate matches only X). A refuted
 * proof counts only when this replay reproduces a mismatch.
 *
 * A step of the native model (one clock cycle) is: the inputs while the clock is low, compare,
 * rising edge, falling edge. A step of the clk2fflogic model (a flip-flop takes the data of the
 * step before its clock's edge) is: the clocks change, then the other inputs (#1), then the
 * outputs are compared (#1). Owner: the formal tier (formal.h). */
#include "formal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "engine.h"
#include "harness.h"
#include "tools.h"

#define F_TB "freplay.v"
#define MAX_STEPS 4096

struct cex_sig {
	char id[32];
	const struct vport *port;
	char **val; /* per step (1-based), binary digits, NULL: unchanged */
};

/* Reads the VCD: the in_<port> variables and their value at each step. Yosys writes the initial
 * state (when the model has one) as "#0" inside $dumpvars and step 1 right after its $end;
 * otherwise "#1" opens step 1; "#t" opens step t. */
static int parse_vcd(const struct problem *p, const char *text, struct cex_sig *sigs,
		     size_t *nsigs, unsigned *nsteps)
{
	const char *q = text;
	unsigned step = 0;
	int in_dump = 0;

	*nsigs = 0;
	*nsteps = 0;
	while (q && *q) {
		const char *eol = strchr(q, '\n');
		size_t len = eol ? (size_t)(eol - q) : strlen(q);
		char line[4200];

		if (len >= sizeof(line))
			return -1;
		memcpy(line, q, len);
		line[len] = '\0';
		q = eol ? eol + 1 : NULL;
		if (!strncmp(line, "$var", 4)) {
			char id[32], name[300];
			unsigned w;
			const struct vport *pt;
			if (sscanf(line, "$var wire %u %31s %299s", &w, id, name) != 3)
				continue;
			if (strncmp(name, "\\in_", 4))
				continue;
			pt = vinfo_port(&p->prep.gold, name + 4);
			if (!pt || pt->width != w || *nsigs >= RTLR_MAX_PORTS)
				return -1;
			snprintf(sigs[*nsigs].id, sizeof(sigs[*nsigs].id), "%s", id);
			sigs[*nsigs].port = pt;
			sigs[*nsigs].val = calloc(MAX_STEPS + 1, sizeof(char *));
			if (!sigs[*nsigs].val)
				return -1;
			(*nsigs)++;
		} else if (!strncmp(line, "$dumpvars", 9)) {
			in_dump = 1;
		} else if (!strncmp(line, "$end", 4) && in_dump) {
			in_dump = 0;
			step = 1;
		} else if (line[0] == '#') {
			long t = strtol(line + 1, NULL, 10);
			if (t >= 1) {
				/* a last "#N+1" (or "#-1" with no steps) closes the dump */
				if (t > MAX_STEPS + 1)
					return -1;
				in_dump = 0;
				step = (unsigned)t;
			}
		} else if (step && step <= MAX_STEPS && !in_dump && line[0]) {
			const char *v = line, *id;
			size_t i, vl;
			if (line[0] == 'b') {
				v = line + 1;
				id = strchr(line, ' ');
				if (!id)
					continue;
				vl = (size_t)(id - v);
				id++;
			} else {
				vl = 1;
				id = line + 1;
			}
			for (i = 0; i < *nsigs; i++) {
				if (strcmp(sigs[i].id, id))
					continue;
				free(sigs[i].val[step]);
				sigs[i].val[step] = strndup(v, vl);
				if (!sigs[i].val[step])
					return -1;
			}
			if (step > *nsteps)
				*nsteps = step;
		}
	}
	return *nsteps ? 0 : -1;
}

static void assign(struct buf *o, const struct cex_sig *s, unsigned step)
{
	const char *v = s->val[step];
	size_t i;

	if (!v)
		return;
	buf_printf(o, "    rtlr_i_%s = %u'b", s->port->name, s->port->width);
	for (i = 0; v[i]; i++)
		buf_addc(o, v[i] == '1' ? '1' : v[i] == '0' ? '0' : 'x');
	buf_adds(o, ";\n");
}

static void connect(struct buf *o, const struct problem *p, const char *mod, const char *inst,
		    char side)
{
	size_t i;

	buf_printf(o, "  %s %s (", mod, inst);
	for (i = 0; i < p->prep.gold.nports; i++) {
		const struct vport *pt = &p->prep.gold.ports[i];
		buf_printf(o, "%s\n    .%s(", i ? "," : "", pt->name);
		if (pt->dir == PORT_IN)
			buf_printf(o, "rtlr_i_%s)", pt->name);
		else
			buf_printf(o, "rtlr_%c_%s)", side, pt->name);
	}
	buf_adds(o, ");\n");
}

static int write_tb(const struct problem *p, const struct cex_sig *sigs, size_t nsigs,
		    unsigned nsteps, int native, const char *tag, struct buf *o)
{
	const struct vinfo *g = &p->prep.gold;
	unsigned s;
	size_t i;

	buf_adds(o, "`timescale 1ns/1ns\nmodule rtlr_freplay;\n  integer rtlr_mism;\n"
		    "  reg rtlr_bad, rtlr_rep;\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir == PORT_IN)
			buf_printf(o, "  reg [%u:0] rtlr_i_%s;\n", pt->width - 1, pt->name);
		else
			buf_printf(o, "  wire [%u:0] rtlr_g_%s, rtlr_c_%s;\n", pt->width - 1, pt->name,
				   pt->name);
	}
	{
		char gm[300];
		snprintf(gm, sizeof(gm), "rtlr_g_%s", p->ref_top);
		connect(o, p, gm, "rtlr_gold", 'g');
		connect(o, p, p->top, "rtlr_cand", 'c');
	}
	buf_adds(o, "  task rtlr_check;\n    input integer step;\n    begin\n      rtlr_bad = 0;\n");
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		if (pt->dir != PORT_OUT)
			continue;
		buf_printf(o, "      if (rtlr_g_%s !== (rtlr_g_%s ^ rtlr_c_%s ^ rtlr_g_%s)) begin\n"
			      "        rtlr_bad = 1;\n        if (!rtlr_rep) begin\n"
			      "          $display(\"%s first %%0t %%0d %s %%h %%h\", $time, step, "
			      "rtlr_g_%s, rtlr_c_%s);\n          rtlr_rep = 1;\n        end\n      end\n",
			   pt->name, pt->name, pt->name, pt->name, tag, pt->name, pt->name, pt->name);
	}
	buf_adds(o, "      if (rtlr_bad) rtlr_mism = rtlr_mism + 1;\n    end\n  endtask\n");
	buf_adds(o, "  initial begin\n    rtlr_mism = 0;\n    rtlr_rep = 0;\n");
	if (native) {
		/* one step is one cycle: inputs while the clock is low, compare, rising edge */
		for (i = 0; i < p->prep.nclocks; i++)
			buf_printf(o, "    rtlr_i_%s = 1'b0;\n", p->prep.clocks[i]);
		for (s = 1; s <= nsteps; s++) {
			buf_adds(o, "    #1;\n");
			for (i = 0; i < nsigs; i++)
				if (!harness_is_clock(p, sigs[i].port->name))
					assign(o, &sigs[i], s);
			buf_printf(o, "    #1 rtlr_check(%u);\n    #1;\n", s);
			for (i = 0; i < p->prep.nclocks; i++)
				buf_printf(o, "    rtlr_i_%s = 1'b1;\n", p->prep.clocks[i]);
			buf_adds(o, "    #1;\n");
			for (i = 0; i < p->prep.nclocks; i++)
				buf_printf(o, "    rtlr_i_%s = 1'b0;\n", p->prep.clocks[i]);
		}
	} else {
		/* clk2fflogic: a flip-flop takes the data of the step before its clock's edge, so
		 * the clocks change first, then the other inputs */
		for (s = 1; s <= nsteps; s++) {
			for (i = 0; i < nsigs; i++)
				if (harness_is_clock(p, sigs[i].port->name))
					assign(o, &sigs[i], s);
			buf_adds(o, "    #1;\n");
			for (i = 0; i < nsigs; i++)
				if (!harness_is_clock(p, sigs[i].port->name))
					assign(o, &sigs[i], s);
			buf_printf(o, "    #1 rtlr_check(%u);\n    #1;\n", s);
		}
	}
	buf_printf(o, "    $display(\"%s done %u %%0d\", rtlr_mism);\n    $finish;\n  end\nendmodule\n",
		   tag, nsteps);
	return o->overflow ? -1 : 0;
}

/* Reads the tagged lines; 1 when the replay ran to its end and found a mismatch. */
static int judge_replay(const struct sb_result *r, const char *tag, unsigned nsteps,
			struct formal_out *out)
{
	const char *cur = r->out, *t;
	size_t len;
	int done = 0;
	unsigned long long steps = 0, mism = 0;

	while ((t = engine_next_tagged(&cur, tag, &len))) {
		char line[1024];
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, t, len);
		line[len] = '\0';
		if (!strncmp(line, " first ", 7) && !out->has_first) {
			unsigned long long tm;
			unsigned st;
			if (sscanf(line + 7, "%llu %u %127s %255s %255s", &tm, &st, out->first_signal,
				   out->first_expected, out->first_got) == 5) {
				out->has_first = 1;
				out->first_time = tm;
				out->first_step = st;
			}
		} else if (!strncmp(line, " done ", 6)) {
			done = sscanf(line + 6, "%llu %llu", &steps, &mism) == 2;
		}
	}
	if (!done || steps != nsteps) {
		snprintf(out->note, sizeof(out->note), "the counterexample could not be replayed "
			 "(the replay did not finish: %s)", r->limit ? sb_limit_name(r->limit) :
			 "ended early");
		out->has_first = 0;
		return 0;
	}
	if (!mism || !out->has_first) {
		snprintf(out->note, sizeof(out->note), "a %u-step counterexample from Yosys was not "
			 "reproduced in Icarus (simulation and the proof's X or clock model differ)",
			 nsteps);
		out->has_first = 0;
		return 0;
	}
	return 1;
}

int formal_replay(const struct problem *p, const char *jobdir, const char *gold_file,
		  const char *cand_file, struct formal_out *out, char *err, size_t errlen)
{
	const char *cargv[] = {g_tools.iverilog, "-g2012", "-o", "freplay.vvp", F_TB, gold_file,
			       cand_file, NULL};
	const char *rargv[] = {g_tools.vvp, "-n", "freplay.vvp", NULL};
	struct cex_sig *sigs = calloc(RTLR_MAX_PORTS, sizeof(*sigs));
	struct buf vcd, tb;
	struct sb_result r;
	size_t nsigs = 0, i;
	unsigned nsteps = 0, s;
	char path[1024], tag[40];
	int ret = -1;

	buf_init(&vcd, 64u << 20);
	buf_init(&tb, 64u << 20);
	if (!sigs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/formal_cex.vcd", jobdir);
	if (buf_read_file(&vcd, path) < 0 || parse_vcd(p, vcd.data, sigs, &nsigs, &nsteps) < 0) {
		snprintf(out->note, sizeof(out->note), "the counterexample could not be read");
		ret = 0;
		goto out;
	}
	/* a value unchanged from the step before is repeated: every step assigns every input */
	for (i = 0; i < nsigs; i++)
		for (s = 2; s <= nsteps; s++)
			if (!sigs[i].val[s] && sigs[i].val[s - 1])
				sigs[i].val[s] = strdup(sigs[i].val[s - 1]);
	out->depth = nsteps;
	engine_new_tag(tag);
	if (write_tb(p, sigs, nsigs, nsteps, out->native, tag, &tb) < 0) {
		snprintf(out->note, sizeof(out->note), "the counterexample is too long to replay");
		ret = 0;
		goto out;
	}
	if (tool_write_file(jobdir, F_TB, tb.data, tb.len, err, errlen) < 0)
		goto out;
	if (tool_run(jobdir, cargv, SB_STAGE_BUILD, g_tools.lim.compile_s, &r, err, errlen) < 0)
		goto out;
	if (!r.exited || r.exit_code != 0) {
		snprintf(out->note, sizeof(out->note), "the counterexample could not be replayed "
			 "(iverilog: %.200s)", r.err ? r.err : "");
		sb_result_release(&r);
		ret = 0;
		goto out;
	}
	sb_result_release(&r);
	if (tool_run(jobdir, rargv, SB_STAGE_RUN, g_tools.lim.sim_s, &r, err, errlen) < 0)
		goto out;
	ret = judge_replay(&r, tag, nsteps, out);
	sb_result_release(&r);
out:
	for (i = 0; sigs && i < nsigs; i++) {
		for (s = 0; s <= MAX_STEPS; s++)
			free(sigs[i].val[s]);
		free(sigs[i].val);
	}
	free(sigs);
	buf_release(&vcd);
	buf_release(&tb);
	return ret;
}
