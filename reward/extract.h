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
