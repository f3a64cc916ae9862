/* extract: find the Verilog in a model completion.
 *
 * Order of preference (the first that yields code wins):
 *   1. <answer>...</answer> (the last one); its inside is searched again with 2-4, and used
 *      as is when none of them applies.
 *   2. the last fenced block tagged verilog, systemverilog, sv or v (```verilog ... ```);
 *      failing that, the last untagged fence whose body contains "module".
 *   3. CODE BEGIN ... CODE END (the last pair).
 *   4. bare code: from the first "module" keyword to the last "endmodule".
 * The result must contain both "module" and "endmodule" tokens, else format fails.
 *
 * Details:
 *   - "yields code" means a region holding module ... endmodule; a step that finds only a
 *     region without them is skipped (a trailing ```verilog usage snippet does not hide the
 *     module before it). An <answer> that yields nothing falls through to 2-4 over the whole
 *     completion (reported as "fence", "code_markers" or "bare"). how is EXTRACT_ANSWER when
 *     the code came from the answer's inside without a fence or markers.
 *   - <answer> and </answer> match in any case; a missing </answer> runs to the end.
 *   - A fence opens at a run of 3 or more backticks; its tag is the rest of that line, trimmed,
 *     any case (```Verilog, ``` verilog, ````sv). It closes at the next run at least as long,
 *     anywhere (also "endmodule```"). An unterminated last fence runs to the end of the text
 *     when that holds an endmodule.
 *   - Bare code prefers a "module" that starts its line (prose says "the module below"), and
 *     takes the directive lines (`timescale, `define) and blank lines just above it.
 *   - The code is trimmed, CRLF becomes LF, and it ends in a newline.
 *   - A NUL byte inside the code is a format failure ("the code contains a NUL byte ...").
 *   - Reasons: "completion is empty", "no Verilog found: no module ... endmodule in the
 *     completion", "no Verilog found: a module without endmodule in the completion", ...
 *
 * extract_verilog() returns 0 and a malloc'd NUL-terminated *code (caller frees) on success;
 * 1 when no code was found, with a one-line reason; -1 on allocation failure.
 */
#ifndef RTLR_EXTRACT_H
#define RTLR_EXTRACT_H

#include <stddef.h>

enum extract_how {
	EXTRACT_NONE = 0,
	EXTRACT_ANSWER,
	EXTRACT_FENCE,
	EXTRACT_MARKERS,
	EXTRACT_BARE,
};

int extract_verilog(const char *text, size_t len, char **code, size_t *code_len,
		    enum extract_how *how, char *reason, size_t reasonlen);
const char *extract_how_name(enum extract_how how); /* "answer", "fence", "code_markers", "bare" */

#endif
