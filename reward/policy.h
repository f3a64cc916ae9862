/* policy: refuse what synthesizable RTL never needs, before any tool sees the candidate.
 *
 * Two passes, both required:
 *   policy_check_raw()   on the extracted source, before preprocessing: `include, Verilator
 *                        and synthesis metacomments (a comment whose first word is verilator,
 *                        synopsys, synthesis, pragma, lint_off, lint_on, translate_off,
 *                        translate_on, cadence, ambit or coverage, any case, any spacing),
 *                        `systemc_* blocks, `line (and a macro named line), and any
 *                        backtick directive outside an allowlist
 *                        (`define `undef `ifdef `ifndef `elsif `else `endif `timescale
 *                        `default_nettype `resetall `celldefine `endcelldefine, plus
 *                        `__FILE__ `__LINE__ and uses of macros the source itself defines).
 *                        Tool-detection macros (VERILATOR, SYNTHESIS, __ICARUS__, IVERILOG,
 *                        YOSYS, FORMAL, COCOTB_SIM, names starting RTLR_/rtlr_) may not be
 *                        tested, defined or undefined. Backticks that could assemble a
 *                        directive during preprocessing are refused: a lone backtick, token
 *                        pasting (``) not between two identifier characters inside a macro
 *                        body, and a macro argument used as a directive name
 *                        (`define Q(a) `a, then `Q(include)). A NUL byte is refused.
 *                        This pass cannot see token pasting (`define S(x) $sys``x): the token
 *                        pass on the preprocessed text is what catches it.
 *   policy_check_tokens() on the preprocessed source (macros expanded, so token pasting is
 *                        resolved; the arguments of `line directives are skipped and renumber
 *                        the lines; every `line must name the file the first one names, the
 *                        preprocessor's own, so that one pasted together from tokens cannot
 *                        name a trusted file):
 *                        system tasks/functions outside an allowlist ($system,
 *                        $c, $fopen, $fwrite, $readmemh, $finish, $stop, $dumpfile, ... are
 *                        refused), DPI import/export (import/export followed by a string),
 *                        force, release, bind, config, $root, hierarchical references and
 *                        defparams whose first component is not declared in the same design
 *                        unit, in the scope of the reference or one around it (ports, nets,
 *                        variables, instances, genvars, block labels, types, functions, the
 *                        unit's own name; other modules' names do not count), pkg::item and
 *                        import pkg::* for a package the source does not define (std is
 *                        fine), modules (and other design units) whose names are reserved,
 *                        instances of reserved modules, directives outside the allowlist
 *                        above, metacomments and stray backticks.
 *
 * reserved: NULL-terminated list of module names the candidate must not define (the harness's
 * and the golden's); names starting with "rtlr_" are always reserved. Escaped identifiers are
 * compared without their backslash (\tb is tb).
 *
 * Both return 0 when allowed, 1 when refused (reason filled, e.g. "policy: system task $system
 * is not allowed in RTL (line 7)"), -1 on internal error (out of memory).
 */
#ifndef RTLR_POLICY_H
#define RTLR_POLICY_H

#include <stddef.h>

int policy_check_raw(const char *src, size_t len, char *reason, size_t reasonlen);
int policy_check_tokens(const char *src, size_t len, const char *const *reserved,
			char *reason, size_t reasonlen);
/* 1 when p[0..n) is a SystemVerilog (IEEE 1800-2017) keyword. */
int policy_is_keyword(const char *p, size_t n);

#endif
