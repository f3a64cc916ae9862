/* fsutil: small file-system helpers shared by server/ and reward/. */
#ifndef RTLR_FSUTIL_H
#define RTLR_FSUTIL_H

#include <stddef.h>

/* mkdir -p with mode 0700 for the directories it creates; 0, or -1 with errno. */
int mkdir_p(const char *path);
/* Copies a regular file's bytes (from, to: paths); 0, or -1 with a message in err. */
int copy_file(const char *from, const char *to, char *err, size_t errlen);

#endif
