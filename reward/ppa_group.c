/* ppa_group: the PPA tier for one candidate (ppa_stage) or for the passing candidates of one
 * problem (ppa_stage_group). Owner: the PPA tier; the pipeline's PPA stage calls it. ppa.c
 * keeps the libraries, the scripts, the runs and the golden (ppa_internal.h).
 *
 * Per candidate, in its own job directory: the golden (once per problem), the budget, the
 * design text (ppa_design.h: unreachable modules blanked, written as ppa_design.v) and its memo
 * key; then, unless the memo knows the design or an earlier candidate of the group is the same
 * design (its tier is copied after it is done, reused_design set), one Yosys run
 * (ppa_i_synth), the netlist check (ppa_netcheck) and the figures, remembered. Timing:
 *   - alone, or when the group run cannot give a candidate's figures: its own OpenSTA run
 *     (ppa_i_sta), as documented in ppa.h;
 *   - in a group of two or more: ONE OpenSTA run in a group job directory: the library read
 *     once, then for each candidate its netlist (copied in as ppa_net_<i>.v, its top module
 *     renamed rtlr_ppa_c<i>) read, linked, constrained and reported between tagged markers.
 *     A candidate whose section is incomplete or holds an error (a Tcl error is caught and
 *     printed inside the section), or every candidate when stderr shows an error or a black
 *     box, or the ones not finished when the run hits a limit, gets its own single run, so
 *     its figures or its reason are exactly a single run's. The group run's time limit is the
 *     sum of the candidates' OpenSTA budgets.
 * Yosys stays one process per candidate: one Yosys process for a group (design -reset or
 * design -stash between designs) does not give a single run's figures with Yosys 0.23. Its
 * process-wide state (the IdString table and its free list, the autoidx counter) changes the
 * order in which ABC receives the logic, and ABC's mapping depends on it: on the first 30
 * VerilogEval references 4 mapped differently inside a group (2 with design -stash and a fixed
 * autoidx base); bench/bench_ppa_group_identity.py reproduces it. OpenSTA's figures do not
 * depend on what it timed before (tests/check_ppa_group.c).
 */
#include "ppa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "engine.h"
#include "once.h"
#include "pipeline.h"
#include "ppa_design.h"
#include "ppa_internal.h"
#include "ppa_netcheck.h"
#include "tools.h"

#define F_GROUP_TCL "ppa_group.tcl"
#define F_DESIGN "ppa_design.v" /* the candidate as the tier reads it (ppa_design.h) */

enum { C_DONE, C_STA, C_SYNTH, C_WAIT };

/* Designs being synthesized now, by memo key: a caller synthesizes a design only while it holds
 * its key, so two groups with the same design run it once. A caller waits for another's key
 * only when it holds none itself (after its own designs are done), so no two wait on each
 * other. */
static struct once_table claims = ONCE_TABLE_INIT(0);

static unsigned long long n_runs, n_timed, n_alone; /* group OpenSTA runs; candidates timed in
						     * one; candidates of a group timed alone */

void ppa_group_counts(unsigned long long *runs, unsigned long long *timed,
		      unsigned long long *alone)
{
	*runs = __atomic_load_n(&n_runs, __ATOMIC_RELAXED);
	*timed = __atomic_load_n(&n_timed, __ATOMIC_RELAXED);
	*alone = __atomic_load_n(&n_alone, __ATOMIC_RELAXED);
}

struct cand {
	size_t idx;
	const char *job;
	Rtlreward__PpaTier *t;
	struct golden gd;
	struct run_limits lim;
	struct ppa_metrics m;
	int ok, timed; /* timed: the group run gave delay and power */
	char reason[512];
	char key[65];  /* the design's memo key; empty when the memo is off */
	int held;      /* this caller holds key in claims */
	int waiting;   /* another caller was synthesizing the design (C_WAIT) */
	int fresh;     /* no_cache: computed, never taken from (nor put in) the memo */
	struct cand *leader; /* the same design earlier in the group: its tier is copied */
};

/* The design the tier reads (ppa_design.h) into the job as F_DESIGN; its memo key into c. */
static int write_design(struct problem *p, const char *file, struct cand *c, char *err,
			size_t errlen)
{
	char path[1024];
	struct buf in, out;
	int ret = -1;

	buf_init(&in, RTLR_MAX_TOOL_OUTPUT * 64);
	buf_init(&out, RTLR_MAX_TOOL_OUTPUT * 64 + 2);
	snprintf(path, sizeof(path), "%s/%s", c->job, file);
	if (buf_read_file(&in, path) < 0) {
		snprintf(err, errlen, "ppa: reading %s: %s", file, strerror(errno));
		goto out;
	}
	if (ppa_design_text(in.data ? in.data : "", in.len, p->top, &out) < 0) {
		snprintf(err, errlen, "ppa: the design does not fit in memory");
		goto out;
	}
	if (tool_write_file(c->job, F_DESIGN, out.data, out.len, err, errlen) < 0)
		goto out;
	c->key[0] = '\0';
	if (ppa_memo_enabled() && !c->fresh)
		ppa_design_key(p, out.data, out.len, c->key);
	ret = 0;
out:
	buf_release(&in);
	buf_release(&out);
	return ret;
}

/* The memo's tier for c's design, marked as a copy: 1, or 0 when it has none. */
static int reused(struct cand *c)
{
	if (!c->key[0] || !ppa_memo_get(c->key, c->t))
		return 0;
	c->t->reused_design = 1;
	return 1;
}

/* Golden, budget, the design and the memo: C_DONE when the tier is decided, C_SYNTH when
 * Yosys is next. */
static int prepare(struct problem *p, const char *file, struct cand *c, char *err, size_t errlen)
{
	Rtlreward__PpaTier *t = c->t;
	char msg[700];

	t->checked = 0;
	t->failed = 0;
	if (!ppa_i_ready()) {
		pb_set_str(&t->reason, "PPA is off on this server (--ppa 0)");
		return C_DONE;
	}
	pb_set_str(&t->liberty, ppa_liberty_name());
	pb_set_str(&t->area_unit, "liberty area unit (um^2 for sky130 and rtlr_generic)");
	pb_set_str(&t->power_unit, "W");
	pb_set_str(&t->delay_unit, "ns");
	if (ppa_i_golden(p, &c->gd, err, errlen) < 0)
		return -1;
	if (!c->gd.ok) {
		if (!strncmp(c->gd.reason, "PPA disabled", 12))
			snprintf(msg, sizeof(msg), "not scored: %s", c->gd.reason);
		else
			snprintf(msg, sizeof(msg), "not scored: the golden does not synthesize: %s",
				 c->gd.reason);
		pb_set_str(&t->reason, msg);
		return C_DONE;
	}
	t->golden_area = c->gd.m.area;
	t->golden_delay_ns = c->gd.m.delay_ns;
	t->golden_power = c->gd.m.power;
	t->golden_cells = c->gd.m.cells;
	t->golden_seq_cells = c->gd.m.seq_cells;
	ppa_i_limits(&c->gd, &c->lim);
	if (write_design(p, file, c, err, errlen) < 0)
		return -1;
	return reused(c) ? C_DONE : C_SYNTH;
}

static void release(struct cand *c)
{
	if (c->held)
		once_done(&claims, c->key);
	c->held = 0;
}

/* Decided by the design alone: kept for the same design later. */
static void remember(struct cand *c)
{
	if (c->key[0])
		ppa_memo_put(c->key, c->t);
	release(c);
}

/* After prepare(): C_SYNTH when this caller now holds the design (or the memo is off), C_DONE
 * when the memo has it meanwhile, C_WAIT when another caller is synthesizing it. */
static int claim(struct cand *c)
{
	if (!c->key[0])
		return C_SYNTH;
	if (once_try_claim(&claims, c->key))
		return C_WAIT;
	c->held = 1;
	if (reused(c)) {
		release(c);
		return C_DONE;
	}
	return C_SYNTH;
}

/* C_WAIT: waits until the other caller is done; C_DONE with its tier, or C_SYNTH when it
 * stored none (a failure of its own, or evicted): this caller holds the design then. */
static int wait_other(struct cand *c)
{
	for (;;) {
		if (reused(c))
			return C_DONE;
		if (once_claim(&claims, c->key) == 0) {
			c->held = 1;
			if (!reused(c))
				return C_SYNTH;
			release(c);
			return C_DONE;
		}
	}
}

/* Yosys: C_DONE when the tier is decided (remembered), C_STA when timing is next. */
static int synth(struct problem *p, struct cand *c, char *err, size_t errlen)
{
	Rtlreward__PpaTier *t = c->t;
	char msg[700], stripped[512];

	if (ppa_i_synth(p, c->job, F_DESIGN, p->top, &c->m, &c->ok, c->reason, sizeof(c->reason),
			stripped, sizeof(stripped), &c->lim, err, errlen) < 0)
		return -1;
	if (stripped[0]) {
		snprintf(msg, sizeof(msg), "stripped before synthesis (they change what Yosys builds, "
			 "not what the simulators ran): %s", stripped);
		pb_set_str(&t->stripped, msg);
	}
	if (!c->ok) {
		t->failed = 1;
		pb_set_str(&t->reason, c->reason);
		remember(c);
		return C_DONE;
	}
	return C_STA;
}

/* After timing: the netlist check (on the design Yosys read) and the figures. */
static int figures(struct problem *p, struct cand *c, char *err, size_t errlen)
{
	Rtlreward__PpaTier *t = c->t;
	struct ppa_netcheck nc;
	char msg[700], reason[512];

	if (!c->ok) {
		t->failed = 1;
		pb_set_str(&t->reason, c->reason);
		return 0;
	}
	if (ppa_netcheck_run(p, c->job, F_DESIGN, PPA_F_GEN, ppa_i_timeout(), &nc, err, errlen) < 0)
		return -1;
	t->netlist_samples = nc.ran ? nc.samples : 0;
	if (!nc.ran)
		snprintf(msg, sizeof(msg), "%s", nc.note);
	else if (nc.equal)
		snprintf(msg, sizeof(msg), "netlist equals the RTL on %llu samples", nc.samples);
	else
		snprintf(msg, sizeof(msg), "netlist differs from the RTL on %llu of %llu samples: %s",
			 nc.bad, nc.samples, nc.note);
	pb_set_str(&t->netlist_check, msg);
	if (nc.ran && !nc.equal) {
		t->failed = 1;
		snprintf(reason, sizeof(reason), "not scored: the synthesized netlist does not behave "
			 "like the RTL that was simulated (%.400s)", msg);
		pb_set_str(&t->reason, reason);
		return 0;
	}
	t->area = c->m.area;
	t->cells = c->m.cells;
	t->seq_cells = c->m.seq_cells;
	t->delay_ns = c->m.delay_ns;
	t->power = c->m.power;
	t->area_ratio = ppa_ratio(c->gd.m.area, c->m.area);
	t->delay_ratio = ppa_ratio(c->gd.m.delay_ns, c->m.delay_ns);
	t->power_ratio = ppa_ratio(c->gd.m.power, c->m.power);
	t->checked = 1;
	pb_set_str(&t->reason, "");
	return 0;
}

static int finish(struct problem *p, struct cand *c, char *err, size_t errlen)
{
	if (figures(p, c, err, errlen) < 0)
		return -1;
	remember(c);
	return 0;
}

/* The rest of a candidate's tier after prepare(), alone: 0 or -1 (infrastructure). */
static int alone(struct problem *p, struct cand *c, int x, char *err, size_t errlen)
{
	if (x == C_SYNTH)
		x = claim(c);
	if (x == C_WAIT)
		x = wait_other(c);
	if (x == C_SYNTH)
		x = synth(p, c, err, errlen);
	if (x == C_STA)
		x = ppa_i_sta(c->job, &c->m, &c->ok, c->reason, sizeof(c->reason), &c->lim, err,
			      errlen) < 0 ? -1 : finish(p, c, err, errlen);
	release(c); /* an infrastructure failure stored nothing */
	return x < 0 ? -1 : 0;
}

int ppa_stage(struct problem *p, const char *job, const char *file, Rtlreward__PpaTier *t,
	      char *err, size_t errlen)
{
	struct cand c;

	memset(&c, 0, sizeof(c));
	c.job = job;
	c.t = t;
	return alone(p, &c, prepare(p, file, &c, err, errlen), err, errlen);
}

/* --- one OpenSTA run for a group ------------------------------------------------------------ */

/* Copies c's netlist into gjob as ppa_net_<j>.v with its top renamed rtlr_ppa_c<j>. */
static int copy_netlist(const struct problem *p, const struct cand *c, size_t j, const char *gjob)
{
	char path[1024], name[64], head[300], err[256];
	struct buf in, out;
	const char *s;
	size_t hl;
	int ret = -1;

	buf_init(&in, RTLR_MAX_TOOL_OUTPUT * 64);
	buf_init(&out, RTLR_MAX_TOOL_OUTPUT * 64);
	snprintf(path, sizeof(path), "%s/%s", c->job, PPA_F_NET);
	hl = (size_t)snprintf(head, sizeof(head), "module %s(", p->top);
	if (buf_read_file(&in, path) < 0 || !in.data || hl >= sizeof(head))
		goto out;
	/* Yosys writes the one flattened module as "module TOP(ports);" at a line start */
	for (s = in.data; s; s = strchr(s, '\n')) {
		if (*s == '\n')
			s++;
		if (!strncmp(s, head, hl))
			break;
	}
	if (!s)
		goto out;
	buf_add(&out, in.data, (size_t)(s - in.data));
	buf_printf(&out, "module rtlr_ppa_c%zu(", j);
	buf_adds(&out, s + hl);
	if (out.overflow)
		goto out;
	snprintf(name, sizeof(name), "ppa_net_%zu.v", j);
	if (tool_write_file(gjob, name, out.data, out.len, err, sizeof(err)) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&in);
	buf_release(&out);
	return ret;
}

/* The section of out between "<tag>begin j\n" and "<tag>end j", into sec; 0 when complete. */
static int section(const char *out, const char *tag, size_t j, struct buf *sec)
{
	char b[80], e[80];
	const char *s, *t;

	snprintf(b, sizeof(b), "%sbegin %zu\n", tag, j);
	snprintf(e, sizeof(e), "\n%send %zu\n", tag, j);
	s = strstr(out, b);
	if (!s)
		return -1;
	s += strlen(b);
	t = strstr(s, e);
	if (!t)
		return -1;
	buf_reset(sec);
	buf_add(sec, s, (size_t)(t - s));
	buf_adds(sec, "\n");
	return sec->overflow ? -1 : 0;
}

/* Times the candidates of v in one OpenSTA run; those it gives figures get timed = 1. */
static void sta_group(const struct problem *p, struct cand **v, size_t k)
{
	const char *argv[] = {ppa_i_sta_bin(), "-no_init", "-no_splash", "-exit", F_GROUP_TCL, NULL};
	char gjob[512], err[512], tag[40];
	struct buf tcl, cons, sec;
	struct sb_result r;
	double limit = 0;
	size_t j;
	int ran = 0;

	buf_init(&tcl, RTLR_MAX_TOOL_OUTPUT);
	buf_init(&cons, 256 << 10);
	buf_init(&sec, RTLR_MAX_TOOL_OUTPUT + 2);
	if (sb_job_create(gjob, sizeof(gjob), err, sizeof(err)) < 0)
		goto out;
	if (ppa_i_write_sta_lib(gjob, err, sizeof(err)) < 0 || ppa_i_sta_constraints(p, &cons))
		goto rm;
	engine_new_tag(tag);
	buf_adds(&tcl, "read_liberty " PPA_F_STA "\n");
	for (j = 0; j < k; j++) {
		if (copy_netlist(p, v[j], j, gjob) < 0)
			continue;
		buf_printf(&tcl, "puts \"%sbegin %zu\"\nif {[catch {\nread_verilog ppa_net_%zu.v\n"
			   "link_design rtlr_ppa_c%zu\n", tag, j, j, j);
		buf_add(&tcl, cons.data, cons.len);
		buf_printf(&tcl, "} rtlr_e]} {\n  puts \"Error: $rtlr_e\"\n}\nputs \"%send %zu\"\n", tag,
			   j);
		limit += v[j]->lim.ts;
	}
	if (tcl.overflow || cons.overflow || limit <= 0 ||
	    tool_write_file(gjob, F_GROUP_TCL, tcl.data, tcl.len, err, sizeof(err)) < 0)
		goto rm;
	if (tool_run(gjob, argv, SB_STAGE_BUILD, limit, &r, err, sizeof(err)) < 0)
		goto rm;
	ran = 1;
	__atomic_add_fetch(&n_runs, 1, __ATOMIC_RELAXED);
	/* an error or a black box on stderr cannot be attributed: everyone runs alone */
	if (r.err && (strstr(r.err, "Error") || strstr(r.err, "black box")))
		goto release;
	for (j = 0; j < k && r.out; j++) {
		char reason[512];
		struct ppa_metrics m = v[j]->m;
		if (section(r.out, tag, j, &sec) < 0 || strstr(sec.data, "Creating black box") ||
		    ppa_i_parse_sta(sec.data, &m, reason, sizeof(reason)))
			continue;
		v[j]->m = m;
		v[j]->ok = 1;
		v[j]->timed = 1;
		__atomic_add_fetch(&n_timed, 1, __ATOMIC_RELAXED);
	}
release:
	sb_result_release(&r);
rm:
	sb_job_remove(gjob, err, sizeof(err));
out:
	(void)ran;
	buf_release(&tcl);
	buf_release(&cons);
	buf_release(&sec);
}

/* The same design earlier in the group (memo on): its tier will be copied. */
static struct cand *leader_of(struct cand *c, size_t i)
{
	size_t j;

	if (!c[i].key[0])
		return NULL;
	for (j = 0; j < i; j++)
		if (!c[j].leader && c[j].key[0] && !strcmp(c[j].key, c[i].key))
			return &c[j];
	return NULL;
}

/* Candidates of the same design as a leader: its tier, or (the leader failed on the
 * infrastructure) their own single run. */
static void follow(struct problem *p, const char *cand_file, struct cand *c, size_t n, int *rc,
		   char (*errs)[512])
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct cand *x = &c[i];
		if (!x->leader)
			continue;
		if (rc[x->leader->idx] == 0 && ppa_tier_copy(x->t, x->leader->t) == 0) {
			x->t->reused_design = 1;
			ppa_memo_note_reuse();
			continue;
		}
		if (ppa_stage(p, x->job, cand_file, x->t, errs[i], 512) < 0)
			rc[i] = -1;
	}
}

int ppa_stage_group(struct problem *p, const char *const *jobdirs, const char *cand_file,
		    Rtlreward__PpaTier **tiers, size_t n, int *rc, char (*errs)[512])
{
	return ppa_stage_group_ex(p, jobdirs, cand_file, tiers, n, rc, errs, 0);
}

int ppa_stage_group_ex(struct problem *p, const char *const *jobdirs, const char *cand_file,
		       Rtlreward__PpaTier **tiers, size_t n, int *rc, char (*errs)[512], int fresh)
{
	struct cand *c = calloc(n ? n : 1, sizeof(*c));
	struct cand **v = calloc(n ? n : 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		rc[i] = 0;
		errs[i][0] = '\0';
	}
	if (!c || !v) {
		for (i = 0; i < n; i++) {
			rc[i] = -1;
			snprintf(errs[i], 512, "ppa: out of memory");
		}
		goto out;
	}
	for (i = 0; i < n; i++) {
		int x;
		c[i].idx = i;
		c[i].job = jobdirs[i];
		c[i].t = tiers[i];
		c[i].fresh = fresh;
		x = prepare(p, cand_file, &c[i], errs[i], 512);
		if (x == C_SYNTH && (c[i].leader = leader_of(c, i)))
			continue; /* the same design as an earlier one: copied after it is done */
		if (x == C_SYNTH)
			x = claim(&c[i]);
		if (x == C_WAIT) {
			c[i].waiting = 1; /* after this group's own designs */
			continue;
		}
		if (x == C_SYNTH)
			x = synth(p, &c[i], errs[i], 512);
		if (x < 0)
			rc[i] = -1;
		else if (x == C_STA)
			v[k++] = &c[i];
	}
	if (k >= 2)
		sta_group(p, v, k);
	for (i = 0; i < k; i++) {
		struct cand *x = v[i];
		if (k >= 2 && !x->timed)
			__atomic_add_fetch(&n_alone, 1, __ATOMIC_RELAXED);
		if (!x->timed && ppa_i_sta(x->job, &x->m, &x->ok, x->reason, sizeof(x->reason), &x->lim,
					   errs[x->idx], 512) < 0) {
			rc[x->idx] = -1;
			continue;
		}
		if (finish(p, x, errs[x->idx], 512) < 0)
			rc[x->idx] = -1;
	}
	for (i = 0; i < n; i++)
		release(&c[i]); /* infrastructure failures stored nothing */
	/* designs another group was synthesizing: this one holds none now, so it may wait */
	for (i = 0; i < n; i++)
		if (c[i].waiting && alone(p, &c[i], C_WAIT, errs[i], 512) < 0)
			rc[i] = -1;
	follow(p, cand_file, c, n, rc, errs);
out:
	free(c);
	free(v);
	return 0;
}
