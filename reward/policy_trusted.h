/* policy_trusted: what a problem's own texts (the reference and the testbench) may do, checked
 * when the problem is built (problem_from_pb), before any tool sees them.
 *
 * They are trusted to be correct, not to be harmless: a registration is a text from a client,
 * and the tools run it with a read-only view of the host. So the checks are about reaching the
 * host, not about style:
 *   - `include "NAME" only of one of the problem's own data files (files{}), whose text then
 *     passes the same checks; <...>, a path, a macro, anything but a string literal is
 *     refused;
 *   - backtick directives outside an allowlist (`define `undef `undefineall `ifdef `ifndef
 *     `elsif `else `endif `timescale `default_nettype `resetall `celldefine `endcelldefine
 *     `unconnected_drive `nounconnected_drive `line `pragma `begin_keywords `end_keywords
 *     `__FILE__ `__LINE__) and not a macro that one of the two texts defines are refused
 *     (`uselib, `systemc_*, `verilator_config, ...), as are token pasting (``) and a lone
 *     backtick;
 *   - system tasks and functions outside an allowlist (simulation and testbench I/O:
 *     $display.. $fwrite.. $fscanf $finish $random $dumpvars ...) are refused ($system, $c,
 *     $readmempath, $sdf_annotate, ...); DPI import/export is refused;
 *   - the tasks that name a file ($fopen $fopenr $fopenw $fopena $readmemh $readmemb
 *     $writememh $writememb $dumpfile) take as first argument a string literal, or a macro
 *     whose every definition is one string literal, holding a relative path inside the job
 *     directory: characters A-Z a-z 0-9 _ - . / +, not starting with /, no .. component.
 *     A reference (golden RTL) may only read ($readmemh/$readmemb); opening, writing and
 *     dumping files is for testbenches.
 * Comments and the insides of string literals are not looked at (except as above).
 *
 * policy_confine_diag(): a second line of defence for messages that carry tool output about a
 * problem's texts: every line that names a location in a file outside the job directory (an
 * absolute path followed by ':' and a digit), and Verilator's source excerpt lines that follow
 * it ("  12 | text", "     | ^~~"), are replaced by "[a line about a file outside the job
 * directory was removed]", so no host file's content is echoed to a client.
 */
#ifndef RTLR_POLICY_TRUSTED_H
#define RTLR_POLICY_TRUSTED_H

#include <stddef.h>

/* reference and testbench (may be NULL); files and file_data: the problem's data files'
 * names and contents (file_data may be NULL). An included file is checked like the text that
 * includes it (8 levels at most). 0 allowed, 1 refused (reason names the text, the line and
 * the construct), -1 out of memory. */
int policy_check_trusted(const char *reference, const char *testbench, const char *const *files,
			 const char *const *file_data, size_t nfiles, char *reason,
			 size_t reasonlen);
/* Filters msg in place (see above). */
void policy_confine_diag(char *msg);

#endif
