/* syntax: the syntax tier's tool runs and diagnostics (owner: syntax helper / the lead).
 *
 * Per candidate job directory: candidate.v (the extracted text) is preprocessed with
 * `verilator -E` (macros expanded in isolation), the result written by the pipeline as cand.v
 * after the token policy, then elaborated with `verilator --xml-only` for the ports.
 *
 * The group calls do the same for n candidates of one problem and give each candidate exactly
 * what its single call gives (return code, diagnostics with the candidate's own file name and
 * line numbers, preprocessed text, ports); where one call for the whole group cannot, they fall
 * back to single calls for the candidates concerned.
 */
#ifndef RTLR_SYNTAX_H
#define RTLR_SYNTAX_H

#include <stddef.h>

#include "reward.pb-c.h"
#include "vinfo.h"

#define SYNTAX_CAND_RAW "candidate.v"
#define SYNTAX_CAND_PP "cand.v"

int syntax_add_diag(Rtlreward__SyntaxTier *s, const char *file, unsigned line, unsigned col,
		    const char *sev, const char *msg, size_t msglen);
/* Verilator: "%Error[-CODE]: file:line:col: message"; Icarus: "file:line: [error:] message".
 * Only errors are kept; lines about our own files are dropped. */
void syntax_parse_diags(Rtlreward__SyntaxTier *s, const char *text, int verilator);
/* verilator -E on job/candidate.v. Returns 0 with *pp (malloc'd), 1 on a preprocessing error
 * (r->syntax filled), -1 on infra failure (err). */
int syntax_preprocess(const char *job, Rtlreward__Result *r, char **pp, size_t *pplen, char *err,
		      size_t errlen);

/* One candidate of a group call. The caller sets job (and r for preprocessing); the call fills
 * the rest as the single call would: rc 0/1/-1 and pp/pplen (preprocess), rc 0/1/-1 with vi or
 * diag (xml: pipeline_verilator_xml's contract), err on -1. pp and diag are malloc'd (the
 * caller frees), vi released with vinfo_release. */
struct syntax_cand {
	const char *job;
	Rtlreward__Result *r;
	int rc;
	char *pp;
	size_t pplen;
	struct vinfo vi;
	char *diag;
	char err[256];
};
void syntax_preprocess_group(struct syntax_cand *c, size_t n);
/* Reads Verilator's predefined macros (verilator -E --dump-defines, one sandboxed run) for the
 * separators of the group preprocessing. Called by the first group call when not before; call
 * it at start-up to keep that run out of the first request. Returns 0, or -1 with err (group
 * preprocessing then uses single calls). */
int syntax_group_init(char *err, size_t errlen);
/* --xml-only of job/cand.v with top module `top`, for every candidate. */
void syntax_xml_group(const char *top, struct syntax_cand *c, size_t n);

#endif
