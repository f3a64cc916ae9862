/* closure: the candidate's design is closed, and who failed is decided without its text.
 *
 * A candidate may name nothing outside its own module tree (the harness, the golden, the
 * testbench), whatever one tool believes about its constant expressions, escaped identifiers
 * or generate blocks. Two layers, both on every Icarus run:
 *
 *   closure_icarus_alone()   elaborates the candidate ALONE with the simulator that will run it
 *                            (iverilog -g2012 -t null, with the same root selection as the full
 *                            run: -s <top>, or every uninstantiated module when the full run has
 *                            no -s). An upward or rooted name, a call of a task of the harness,
 *                            a defparam into it: none resolves without the trusted parts, so
 *                            the elaboration fails and the candidate gets a closure verdict
 *                            (compile_error, reason "closure: ...", score 0). Verilator decides
 *                            its own runs the same way: its equivalence engine verilates the
 *                            candidate alone (--prefix Vcand), and the syntax stage elaborates it
 *                            alone (--top-module <top>) before any run.
 *   closure_testbench()      the problem's testbench for one run: every identifier it declares
 *                            (modules, instances, variables, tasks, functions, types, blocks)
 *                            gets a random per-run prefix independent of the verdict tag; kept
 *                            are keywords, the DUT's module names (top, ref_top), the golden's
 *                            port names, macro names and the names after '.' inside an instance
 *                            of the DUT (its ports and parameters). So no name a candidate can
 *                            write at compile time reaches the testbench, even where the
 *                            testbench overrides the DUT's parameters (which the alone
 *                            elaboration, with default parameters, cannot mirror).
 *
 * Attribution: a failed build is the candidate's unless the trusted parts fail alone.
 * closure_icarus_trusted_eq() compiles the equivalence harness + golden with the golden
 * itself standing in for the candidate (cached per problem once it passed); testbench mode's
 * trusted check is the golden's own testbench run at preparation (prep.ok). No file name or
 * text from a tool's stderr decides who failed.
 */
#ifndef RTLR_CLOSURE_H
#define RTLR_CLOSURE_H

#include <stddef.h>

#include "buf.h"
#include "engine.h"
#include "problem.h"
#include "sandbox.h"

/* 2*nbytes random hex digits and a NUL into out (getrandom; never derived from a tag). */
void closure_random_hex(char *out, size_t nbytes);

/* Trusted text with every identifier it declares renamed prefix+name (see above); keep is a
 * NULL-terminated list of names left alone, inst_mods the modules whose instances' named
 * connections (.port(...), #(.PARAM(...))) keep their names. Returns 0, -1 when out is full. */
int closure_rename(const char *src, const char *prefix, const char *const *keep,
		   const char *const *inst_mods, struct buf *out);

/* The testbench for one run, renamed (random prefix) and its prints tagged; top gets the
 * renamed name of the VerilogEval top module "tb". Returns 0, -1 on overflow or memory. */
int closure_testbench(const struct problem *p, const char *tag, char *top, size_t toplen,
		      struct buf *out);

/* Elaborates cand_file alone in jobdir (-s <p->top> unless all_roots). Returns 0 when it
 * elaborates, 1 when not (out: compile_error, diag, reason "closure: ..."; a limit sets
 * min_score), -1 on infra failure (out->infra_err). Adds its time to out->compile_ms. */
int closure_icarus_alone(const struct problem *p, const char *jobdir, const char *cand_file,
			 int all_roots, struct func_out *out);

/* The alone elaboration of a group (engine_icarus_group.c): one iverilog -g2012 -t null in jobdir
 * over files[0..n) (each "`resetall" + one candidate with its modules renamed apart), roots
 * tops[i] (each candidate's renamed top). Returns 0 when the whole run elaborates, which each
 * candidate then does alone too (its names resolve only inside its own renamed modules: others'
 * carry a random prefix it cannot know); 1 when not (the caller checks the candidates alone:
 * closure_icarus_alone), *limit set when a limit stopped it; -1 on infra failure (err). *ms gets
 * the run's wall time. */
int closure_icarus_alone_group(const char *jobdir, const char *const *files,
			       const char *const *tops, size_t n, double wall_s, double *ms,
			       enum sb_limit_hit *limit, char *err, size_t errlen);

/* Whether the full build command argv (its trusted files already in jobdir) succeeds with the
 * golden standing in for the candidate: argv is run with cand_file replaced by the golden
 * renamed to the candidate's top, and sim.vvp by trusted.vvp. Returns 1 yes (cached per
 * problem), 0 no (why filled), -1 on infra failure (why filled). */
int closure_icarus_trusted_eq(const struct problem *p, const char *jobdir,
			      const char *const *argv, const char *cand_file, char *why,
			      size_t whylen);

#endif
