/* fsutil: small file-system helpers shared by server/ and reward/. */
#ifndef RTLR_FSUTIL_H
#define RTLR_FSUTIL_H

/* mkdir -p with mode 0700 for the directories it creates; 0, or -1 with errno. */
int mkdir_p(const char *path);

#endif
