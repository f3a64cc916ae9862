/* ppa_netcheck: does the hardware Yosys built behave like the RTL the simulators ran?
 *
 * Owner: the PPA tier (ppa.c calls it after a candidate synthesized). Yosys and the simulators
 * can read the same text differently (unsized constant arithmetic: 32 bits in Yosys, no loss
 * in Icarus; attributes and pragmas: ppa_sanitize.h), and a netlist that is smaller because
 * it is wrong must not earn a PPA bonus. So the generic netlist Yosys wrote right after
 * `synth` (gates and flip-flops of Yosys's own library, simulated with Yosys's simcells.v;
 * the later mapping to the liberty is a semantics-preserving step the tests check separately)
 * is simulated by Icarus beside the candidate's RTL, with seeded random stimulus on every
 * non-clock input, resets held for the first cycles, clocks toggled together; after the reset
 * cycles, every output of the netlist must equal the RTL's whenever the RTL's value has no X
 * or Z bit (an X in the RTL is a don't-care; an X in the netlist where the RTL is defined is
 * a difference). A gate-level netlist has one meaning in every simulator, so the check does
 * not depend on which engine scored the function tier.
 *
 * Skipped (ran = 0, note says why; the PPA is then scored as before): a port that is not a
 * simple identifier, an inout or unpacked port, or Icarus failing to compile the pair (the
 * candidate was judged by Verilator and uses what Icarus lacks). Cost: one Icarus compile
 * and run of 2 x PPA_NC_CYCLES samples per scored candidate.
 */
#ifndef RTLR_PPA_NETCHECK_H
#define RTLR_PPA_NETCHECK_H

#include <stddef.h>

#include "problem.h"

#define PPA_NC_CYCLES 100      /* clock cycles compared (each half cycle sampled) */
#define PPA_NC_RESET_CYCLES 4  /* resets held, nothing compared */
#define PPA_NC_SIMCELLS "/usr/share/yosys/simcells.v"
#define PPA_NC_NET_TOP "rtlr_ppa_net" /* the netlist's module name (rtlr_ names are reserved) */

struct ppa_netcheck {
	int ran;                  /* the comparison ran to its end */
	int equal;                /* ran, and no sample differed */
	unsigned long long samples, bad;
	char note[400];           /* skipped: why; different: the first difference */
};

/* Loads simcells.v once (before any check). Returns 0, or -1 with err. */
int ppa_netcheck_init(char *err, size_t errlen);
void ppa_netcheck_shutdown(void);
/* Compares rtl_file (module p->top) with net_file (module PPA_NC_NET_TOP) in job. Returns 0
 * with out filled, or -1 with err on an infrastructure failure. */
int ppa_netcheck_run(const struct problem *p, const char *job, const char *rtl_file,
		     const char *net_file, double timeout_s, struct ppa_netcheck *out, char *err,
		     size_t errlen);

#endif
