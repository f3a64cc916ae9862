/* normalize: the canonical form of a Verilog source for cache keys.
 *
 * Removes // and block comments and insignificant whitespace; keeps string literals (and
 * escaped identifiers, which end at whitespace) byte for byte. Tokens are separated by a single
 * space only where removing it would join two tokens; a newline is kept after each compiler
 * directive line (`define bodies end at the line end, so those newlines are significant).
 * Two sources that differ only in comments and layout give the same output; any change of a
 * token gives a different one.
 *
 * Returns 0, or -1 when out fills (its max is the cap).
 */
#ifndef RTLR_NORMALIZE_H
#define RTLR_NORMALIZE_H

#include <stddef.h>
#include "buf.h"

int normalize_verilog(const char *src, size_t len, struct buf *out);

#endif
