/* policy: refuse what synthesizable RTL never needs, before any tool sees the candidate.
 *
 * Two passes, both required:
 *   policy_check_raw()   on the extracted source, before preprocessing: `include, Verilator
 *                        and synthesis metacomments (/*verilator ...*/, // verilator ...,
 *                        lint_off), `systemc_* blocks, and any backtick directive outside an
 *                        allowlist (`define `undef `ifdef `ifndef `elsif `else `endif
 *                        `timescale `default_nettype `resetall `line `celldefine `endcelldefine).
 *   policy_check_tokens() on the preprocessed source (macros expanded, so token pasting is
 *                        resolved): system tasks/functions outside an allowlist ($system, $c,
 *                        $fopen, $fwrite, $readmemh, $finish, $stop, $dumpfile, ... are refused),
 *                        DPI import/export, force/release, bind, $root and upward hierarchical
 *                        references, and modules whose names are reserved.
 *
 * reserved: NULL-terminated list of module names the candidate must not define (the harness's
 * and the golden's); names starting with "rtlr_" are always reserved.
 *
 * Both return 0 when allowed, 1 when refused (reason filled, e.g. "policy: $system is not
 * allowed (line 7)"), -1 on internal error.
 */
#ifndef RTLR_POLICY_H
#define RTLR_POLICY_H

#include <stddef.h>

int policy_check_raw(const char *src, size_t len, char *reason, size_t reasonlen);
int policy_check_tokens(const char *src, size_t len, const char *const *reserved,
			char *reason, size_t reasonlen);

#endif
