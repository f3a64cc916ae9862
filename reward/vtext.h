/* vtext: token-aware rewrites of trusted Verilog text (goldens and testbenches), skipping
 * comments, strings and escaped identifiers.
 *
 * vtext_rename(): every identifier token found in from[] becomes to[] (same index), except
 * where it follows '$', '`', '.' or '::'. Appends the result to out.
 * vtext_tag_prints(): inserts `tag` at the start of the format string of each $display,
 * $write, $strobe, $monitor, $error, $info, $warning and $fatal call whose first argument is
 * a string literal, so lines the trusted code prints can be told from lines anybody else prints.
 * Both return 0, or -1 when out's cap is reached.
 */
#ifndef RTLR_VTEXT_H
#define RTLR_VTEXT_H

#include <stddef.h>
#include "buf.h"

int vtext_rename(const char *src, const char *const *from, const char *const *to, size_t n,
		 struct buf *out);
int vtext_tag_prints(const char *src, const char *tag, struct buf *out);

#endif
