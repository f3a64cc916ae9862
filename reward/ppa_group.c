/* ppa_group: the PPA tier for the passing candidates of one problem (see ppa.h,
 * ppa_stage_group). Owner: the PPA tier; the pipeline's PPA stage calls it.
 *
 * Today each candidate runs its own Yosys and OpenSTA processes through ppa_stage(), so its
 * figures are those of a single run by construction. One Yosys process for the whole group
 * (design -reset, or design -stash, between candidates) was measured and does not give the
 * same figures: Yosys 0.23 keeps process-wide state (the IdString table and its free list,
 * the autoidx counter, object hash indices) that changes the order in which ABC receives the
 * logic, and ABC's mapping depends on that order; on the first 30 VerilogEval references, 4
 * candidates mapped differently inside a group than alone (2 with design -stash and a fixed
 * autoidx base). bench/bench_ppa_group_identity.py reproduces it. Until a group run can start
 * each candidate from the same state (a fork per candidate inside Yosys, which needs a
 * plugin), the group entry point keeps single-run figures and shares the golden only.
 */
#include "ppa.h"

#include <stdio.h>
#include <string.h>

int ppa_stage_group(struct problem *p, const char *const *jobdirs, const char *cand_file,
		    Rtlreward__PpaTier **tiers, size_t n, int *rc, char (*errs)[512])
{
	size_t i;

	for (i = 0; i < n; i++) {
		errs[i][0] = '\0';
		rc[i] = ppa_stage(p, jobdirs[i], cand_file, tiers[i], errs[i], sizeof(errs[i]));
	}
	return 0;
}
