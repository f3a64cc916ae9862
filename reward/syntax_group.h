/* syntax_group: the text work behind the syntax tier's group calls (owner: syngroup helper).
 *
 * syntax_group.c runs one Verilator call for a whole group (syntax.h: syntax_preprocess_group,
 * syntax_xml_group); this header holds the pure text functions it uses, kept apart so the
 * tests can call them without tools:
 *
 *   sg_pp_split()   one candidate's part of a group `verilator -E` output, with its file name
 *                   turned back into candidate.v, as its single call prints it;
 *   sg_rename()     a candidate's cand.v with its modules renamed apart (prefix) and its
 *                   `line directives naming its group file, or "run it alone";
 *   sg_xml_extract() one candidate's vinfo from the group --xml-only netlist.
 *   sg_diag_owner()  which group member a Verilator diagnostic line names.
 */
#ifndef RTLR_SYNTAX_GROUP_H
#define RTLR_SYNTAX_GROUP_H

#include <stddef.h>

#include "vinfo.h"

/* The part of out between the lines `line 1 "<cfile>" 1 and `line 1 "<sepfile>" 1, with every
 * Verilator `line directive naming cfile rewritten to name "candidate.v". Returns 0 with *pp
 * (malloc'd), 1 when out does not hold it cleanly or the part mentions the nonce anywhere else
 * (e.g. `__FILE__): the candidate then runs alone. -1: out of memory. */
int sg_pp_split(const char *out, size_t len, const char *cfile, const char *sepfile,
		const char *nonce, char **pp, size_t *pplen);

/* Renames every module the candidate defines (and every identifier spelled like one) to
 * prefix+name, and its `line directives from "candidate.v" to `file`. Returns 0 with *out
 * (malloc'd); 1 when the candidate must be elaborated alone: anything at file scope but module
 * declarations and the directives `line/`timescale/`default_nettype/`resetall, escaped
 * identifiers, $root/$unit, bind/config/interface/package/program/class/checker/primitive, an
 * unterminated string or module, no module named top, or text that contains the nonce; -1: out
 * of memory. why (may be NULL) says which. */
int sg_rename(const char *text, size_t len, const char *prefix, const char *nonce,
	      const char *file, const char *top, char **out, size_t *outlen, char *why,
	      size_t whylen);

/* vi for the module prefix+top of the group netlist, as the single call would read it with
 * --top-module top: that module as top, the candidate's other modules, the type table; the
 * prefix removed from every name. Returns 0, or -1 with err. */
int sg_xml_extract(const char *xml, size_t len, const char *prefix, const char *top,
		   struct vinfo *vi, char *err, size_t errlen);

/* Verilator diagnostic line -> group member. Files are "<c|s><nonce>_<k>.v" (member k) and
 * "w<nonce>.v" (the wrapper, whose line k+2 instantiates member k). Returns k, -1 for an error
 * naming no member (the call must split), -2 for a line that is not an error. With warnings,
 * %Warning lines count as errors (verilator -E fails on warnings). */
int sg_diag_owner(const char *line, size_t len, const char *nonce, size_t n, int warnings);

#endif
