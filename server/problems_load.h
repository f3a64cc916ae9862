/* problems_load: registers problems at start-up. Errors name the file at fault. */
#ifndef RTLR_PROBLEMS_LOAD_H
#define RTLR_PROBLEMS_LOAD_H

#include <stddef.h>

int problems_load_builtin(size_t *count, char *err, size_t errlen);
/* A directory in the project's format, the VerilogEval v2 layout, or the RTLLM v2 layout
 * (searched up to 5 levels deep; folders starting with '.' or '_' are skipped). */
int problems_load_dir(const char *dir, size_t *count, char *err, size_t errlen);

#endif
