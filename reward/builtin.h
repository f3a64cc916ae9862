/* The built-in problem set, embedded at build time from problems/ by tools/embed. */
#ifndef RTLR_BUILTIN_H
#define RTLR_BUILTIN_H

#include <stddef.h>

struct builtin_file {
	const char *path; /* relative to problems/, e.g. "counter_sync/problem.json" */
	const char *data; /* NUL-terminated */
	size_t len;
};

extern const struct builtin_file builtin_files[];
extern const size_t builtin_nfiles;

#endif
