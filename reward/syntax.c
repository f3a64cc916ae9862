/* syntax: see syntax.h. */
#include "syntax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "pipeline.h" /* pb_set_str */
#include "tools.h"

#define CAND_RAW SYNTAX_CAND_RAW
#define CAND_PP SYNTAX_CAND_PP

/* --- diagnostics ------------------------------------------------------------------------- */

int syntax_add_diag(Rtlreward__SyntaxTier *s, const char *file, unsigned line, unsigned col,
		    const char *sev, const char *msg, size_t msglen)
{
	Rtlreward__Diagnostic *d, **nd;
	char m[RTLR_MAX_DIAG_MESSAGE];

	if (s->n_diagnostics >= RTLR_MAX_DIAGNOSTICS) {
		s->truncated = 1;
		return 0;
	}
	nd = realloc(s->diagnostics, (s->n_diagnostics + 1) * sizeof(*nd));
	if (!nd)
		return -1;
	s->diagnostics = nd;
	d = malloc(sizeof(*d));
	if (!d)
		return -1;
	rtlreward__diagnostic__init(d);
	if (msglen >= sizeof(m))
		msglen = sizeof(m) - 1;
	memcpy(m, msg, msglen);
	m[msglen] = '\0';
	pb_set_str(&d->file, file);
	pb_set_str(&d->severity, sev);
	pb_set_str(&d->message, m);
	d->line = line;
	d->column = col;
	nd[s->n_diagnostics++] = d;
	return 0;
}

/* Verilator: "%Error[-CODE]: file:line:col: message"; Icarus: "file:line: [error:] message".
 * Only errors are kept; lines about our own files are dropped. */
void syntax_parse_diags(Rtlreward__SyntaxTier *s, const char *text, int verilator)
{
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol ? eol + 1 : NULL;
		if (verilator) {
			char file[256];
			unsigned ln = 0, col = 0;
			int off = 0;
			const char *q;

			if (strncmp(line, "%Error", 6))
				continue;
			q = strchr(line, ':');
			if (!q)
				continue;
			q++;
			while (*q == ' ')
				q++;
			if (sscanf(q, "%255[^:]:%u:%u: %n", file, &ln, &col, &off) == 3 && off > 0) {
				syntax_add_diag(s, file, ln, col, "error", q + off, strlen(q + off));
			} else if (!strncmp(q, "Exiting due to", 14)) {
				continue;
			} else {
				syntax_add_diag(s, "", 0, 0, "error", q, strlen(q));
			}
		} else {
			char file[256];
			unsigned ln = 0;
			int off = 0;

			if (sscanf(line, "%255[^:]:%u: %n", file, &ln, &off) == 2 && off > 0) {
				const char *m = line + off;
				if (!strncmp(m, "warning:", 8))
					continue;
				if (!strncmp(m, "error: ", 7))
					m += 7;
				if (strstr(file, "harness.v") || strstr(file, "gold.v") || strstr(file, "tb.sv"))
					continue;
				syntax_add_diag(s, file, ln, 0, "error", m, strlen(m));
			} else if (strstr(line, "error") || strstr(line, "Error")) {
				syntax_add_diag(s, "", 0, 0, "error", line, strlen(line));
			}
		}
	}
}

/* --- stages -------------------------------------------------------------------------------- */

/* verilator -E: expands macros in isolation, so the token policy sees what the simulators see
 * and no `define reaches a trusted file. Returns 0 with *pp (malloc'd), 1 on a preprocessing
 * error (diagnostics filled), -1 on infra failure. */
int syntax_preprocess(const char *job, Rtlreward__Result *r, char **pp, size_t *pplen, char *err,
		      size_t errlen)
{
	const char *argv[] = {g_tools.verilator_bin, "-E", CAND_RAW, NULL};
	struct sb_result sr;

	if (tool_run(job, argv, SB_STAGE_BUILD, g_tools.lim.lint_s, &sr, err, errlen) < 0)
		return -1;
	if (!sr.exited || sr.exit_code != 0 || sr.out_truncated) {
		r->syntax->ok = 0;
		if (sr.out_truncated)
			syntax_add_diag(r->syntax, CAND_RAW, 0, 0, "error", "preprocessed source too large", 29);
		else if (sr.limit != SB_LIMIT_NONE)
			syntax_add_diag(r->syntax, CAND_RAW, 0, 0, "error", sb_limit_name(sr.limit),
				 strlen(sb_limit_name(sr.limit)));
		else
			syntax_parse_diags(r->syntax, sr.err ? sr.err : "", 1);
		if (!r->syntax->n_diagnostics)
			syntax_add_diag(r->syntax, CAND_RAW, 0, 0, "error", "preprocessing failed", 20);
		sb_result_release(&sr);
		return 1;
	}
	*pp = sr.out;
	*pplen = sr.out_len;
	sr.out = NULL;
	sb_result_release(&sr);
	return 0;
}

/* The group calls (syntax_preprocess_group, syntax_xml_group) are in syntax_group.c. */
