/* ppa: the PPA tier. Yosys maps a design to the liberty, OpenSTA times it and estimates its
 * power; the golden's figures are computed once per problem and kept; the tier reports the
 * candidate's, the golden's and their ratios.
 *
 * Flow per design (every tool through tool_run(), build stage, in the job directory; the
 * scripts hold only fixed text, fixed file names and the problem's validated identifiers):
 *   input: a candidate's text with the modules its top never instantiates blanked
 *          (ppa_design.h; the tier's result is memoized by that text); the candidate's or
 *          the golden's text through ppa_sanitize() (synthesis attributes such as full_case
 *          and parallel_case, unique/priority before case, comments removed: see
 *          docs/ppa_attributes.md), written as ppa_in.v;
 *   yosys: read_verilog -sv ppa_in.v; hierarchy -check -top T; synth -flatten -noabc -nofsm -top T;
 *          (latches refused); dfflibmap -liberty seq.lib; abc -liberty comb.lib;
 *          opt_clean -purge; (unmapped cells refused); tee stat; write_verilog -noattr
 *          -simple-lhs net.v
 *   sta:   read_liberty sta.lib; read_verilog net.v; link_design T; a clock on each of the
 *          golden's clocks at the problem's period (or a virtual clock); input and output
 *          delays 0 against it; driving cell: the smallest buffer of the library; load on
 *          outputs: 4 × its input capacitance; set_power_activity -global -activity 0.1
 *          -duty 0.5; report_checks -path_delay max; report_power.
 * The three library files are reduced copies of the liberty (see liberty.h): seq.lib and
 * comb.lib without power groups for Yosys and ABC, sta.lib with everything for OpenSTA.
 * Area is the sum of the kept cells' areas (what `stat -liberty` prints); delay is the data
 * arrival time of the worst path, in ns; power is OpenSTA's total, in W.
 *
 * Call order: ppa_configure() (before pipeline_init), ppa_init() (from pipeline_init, after
 * tools_init), then ppa_stage() from any thread, ppa_shutdown() at exit.
 * Errors: -1 with err means infrastructure (the trainer must mask the sample); a design that
 * does not synthesize is a PPA failure reported in the tier (checked = 0, reason set).
 */
#ifndef RTLR_PPA_H
#define RTLR_PPA_H

#include <stddef.h>

#include "problem.h"
#include "reward.pb-c.h"

#define PPA_RATIO_CAP 2.0       /* a ratio golden/candidate is capped here */
#define PPA_ACTIVITY 0.1        /* toggles per clock period on every non-clock input */
#define PPA_DEFAULT_PERIOD 10.0 /* ns, when the problem gives none */

struct ppa_metrics {
	double area, delay_ns, power;
	unsigned cells, seq_cells;
};

/* liberty: NULL for the bundled library; enabled 0 turns the tier off. */
void ppa_configure(const char *liberty, int enabled, double timeout_s);
/* The heavy-tail budget (docs/ppa.md): a candidate's Yosys and OpenSTA runs may each take
 * budget x the golden's (at least floor_s, at most the PPA timeout); past it the candidate gets
 * ppa.failed with an "over budget" reason (the worst score). budget 0: no budget. A golden
 * whose synthesis plus timing take more than golden_max_s (0: no bound) disables PPA for its
 * problem. Call before ppa_init(). */
void ppa_configure_budget(double budget, double floor_s, double golden_max_s);
/* The PPA state of a problem for GET /v1/problems/{id}: the golden's figures and run times,
 * why PPA is disabled for it, or that the golden was not computed yet (it is, with the first
 * candidate that passes). Never runs a tool. */
void ppa_problem_status(const struct problem *p, char *out, size_t outlen);
int ppa_init(const char *cache_dir, char *err, size_t errlen);
void ppa_shutdown(void);
/* 1 when the tier runs on this server (on, and initialised); 0 with --ppa 0. */
int ppa_enabled(void);
/* Identifies the liberty and the flow: part of every cache key. */
const char *ppa_key(void);
/* Describes the library, e.g. "rtlr_generic (bundled) a1b2c3d4". */
const char *ppa_liberty_name(void);

/* Runs the tier for a candidate that passed the function tier in full: file is the
 * candidate's source in job (top p->top). Fills t (metrics, golden, ratios; not the score).
 * Returns 0, or -1 with err on an infrastructure failure. */
int ppa_stage(struct problem *p, const char *job, const char *file, Rtlreward__PpaTier *t,
	      char *err, size_t errlen);
/* The tier for the n candidates of one problem that passed the function tier in full (the
 * pipeline's PPA stage): candidate i's source is cand_file in jobdirs[i]; tiers[i] is filled
 * as ppa_stage() fills it, with the same figures as a single run; rc[i] is 0, or -1 with
 * errs[i] on an infrastructure failure of that candidate only (the others keep theirs).
 * Returns 0 (the per-candidate outcomes are in rc). See ppa_group.c for what is shared. */
int ppa_stage_group(struct problem *p, const char *const *jobdirs, const char *cand_file,
		    Rtlreward__PpaTier **tiers, size_t n, int *rc, char (*errs)[512]);
/* fresh (a no_cache request): every candidate runs, the memo is neither read nor written
 * (ppa_design.h); ppa_stage_group() is fresh 0. */
int ppa_stage_group_ex(struct problem *p, const char *const *jobdirs, const char *cand_file,
		       Rtlreward__PpaTier **tiers, size_t n, int *rc, char (*errs)[512], int fresh);
/* Counters since start: OpenSTA runs for a group, candidates timed in one, candidates of a
 * group that were timed alone (their section failed: a single run gives their reason). */
void ppa_group_counts(unsigned long long *runs, unsigned long long *timed,
		      unsigned long long *alone);
/* Synthesizes and times one design (exposed for tests and the golden). Returns 0 with *ok set
 * (reason filled when 0), -1 on infrastructure failure. */
int ppa_measure(const struct problem *p, const char *job, const char *file, const char *top,
		struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *err, size_t errlen);
/* ppa_measure(), also telling what ppa_sanitize() took out of the design (stripped, may be
 * NULL; empty when nothing). Both Yosys runs (golden, candidate) read sanitized text. */
int ppa_measure_ex(const struct problem *p, const char *job, const char *file, const char *top,
		   struct ppa_metrics *m, int *ok, char *reason, size_t rlen, char *stripped,
		   size_t slen, char *err, size_t errlen);
/* capped golden/candidate ratio: 1 when both are 0, the cap when only the candidate's is. */
double ppa_ratio(double golden, double cand);

#endif
