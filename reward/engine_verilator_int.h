/* engine_verilator_int.h: what engine_verilator.c (the single equivalence path: runtime, golden
 * model, verilating, building) shares with engine_verilator_group.c (the group path). Owner:
 * vlgroup. Not for other modules: they go through struct engine (engine.h).
 */
#ifndef RTLR_ENGINE_VERILATOR_INT_H
#define RTLR_ENGINE_VERILATOR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "sandbox.h"

/* Samples from which models are compiled -O1 (level 1) instead of -O0 (level 0). */
#define VL_O1_SAMPLES 250000

/* The runtime objects, the PCH and the golden model of level lvl (built once, cached); gdir gets
 * the golden's directory. -1 on infra failure (out->infra_err); 0, with icw set when Icarus must
 * judge every candidate of the problem (a port Verilator renames), else icw empty. */
int vl_models_ready(const struct problem *p, int lvl, char *gdir, size_t gdirlen,
		    struct func_out *out, char *icw, size_t icwlen);
/* Verilates jobdir/cand.v with --prefix prefix into jobdir/mdir (NEEDTIMINGOPT: the delays
 * check, --no-timing, *dropped; icw when Icarus must judge). 0 ok, 1 the candidate's verdict
 * is in out (compile error, limit), -1 infra. */
int vl_verilate(const struct problem *p, const char *jobdir, const char *prefix, const char *mdir,
		struct func_out *out, double *dropped, char *icw, size_t icwlen);
/* Compiles jobdir/unit.cpp (-I. -Ivc, the level's PCH) and links it with the runtime and golden
 * objects into jobdir/sim, each step within wall_s. 0 ok, 1 the build failed on the unit (out:
 * compile_error, diag, reason; min_score when a limit stopped it), -1 infra. */
int vl_build_sim(const char *jobdir, int lvl, const char *gdir, double wall_s,
		 struct func_out *out, double *cc_ms, double *link_ms);
/* The harness's helpers every unit has once (hexw). */
void vl_harness_prelude(struct buf *o);
/* The models' randSeed for a run seed (the same in golden and candidate). */
uint32_t vl_rand_seed(uint64_t seed);
/* engine_verilator_x.c: the digests a harness run printed ("<tag> xdigest <gold> <cand>");
 * 0 when there is none. */
int engine_vlx_read_digest(const struct sb_result *r, const char *tag, unsigned long long d[2]);
/* engine_verilator_group.c: struct engine's equivalence_group. */
void engine_verilator_group(const struct problem *p, uint64_t seed, struct engine_cand *c,
			    size_t n);
/* The note of a Verilator verdict. */
void vl_note(struct func_out *out, int lvl, double dropped);

#endif
