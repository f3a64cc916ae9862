/* sb_job.c: job directories <job_root>/job-XXXXXX.
 *
 * Created with mkdtemp (mode 0700) and, when the server runs as root, handed to the sandbox uid
 * so the tools can write in it. Files the server puts there for a tool to read must therefore be
 * readable by that uid (e.g. 0644): a 0600 file owned by root stays unreadable inside.
 *
 * Removal walks the tree with openat/unlinkat relative to directory fds, O_NOFOLLOW|O_DIRECTORY
 * on every open and AT_SYMLINK_NOFOLLOW on every stat: a symlink planted by a tool is unlinked,
 * never followed. The walk is iterative (one directory fd open at a time, going back up through
 * "..") so that a hostile tree of any depth cannot exhaust fds or stack. It assumes nothing
 * inside is still running (sb_run has killed the whole tree before it returns).
 */
#include "sb_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOB_PREFIX "job-"

int sb_job_create(char *path, size_t pathlen, char *err, size_t errlen)
{
	char tmpl[PATH_MAX];
	int fd, ret = -1;

	if (!sb_g.inited) {
		sb_errf(err, errlen, "sandbox not initialised");
		return -1;
	}
	if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/" JOB_PREFIX "XXXXXX", sb_g.job_root) >=
	    sizeof(tmpl)) {
		sb_errf(err, errlen, "job root path too long");
		return -1;
	}
	if (!mkdtemp(tmpl)) {
		sb_errf(err, errlen, "mkdtemp %s: %s", tmpl, SB_STRERR(errno));
		return -1;
	}
	fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		sb_errf(err, errlen, "open %s: %s", tmpl, SB_STRERR(errno));
		goto out;
	}
	if (sb_g.drop_uid && fchown(fd, SB_UID, SB_GID) < 0) {
		sb_errf(err, errlen, "chown %s: %s", tmpl, SB_STRERR(errno));
		goto out;
	}
	if (strlen(tmpl) + 1 > pathlen) {
		sb_errf(err, errlen, "job path buffer too small");
		goto out;
	}
	memcpy(path, tmpl, strlen(tmpl) + 1);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		rmdir(tmpl);
	return ret;
}

const char *sb_job_name(const char *path)
{
	const char *name;

	if (strncmp(path, sb_g.job_root, sb_g.job_root_len) || path[sb_g.job_root_len] != '/')
		return NULL;
	name = path + sb_g.job_root_len + 1;
	if (strncmp(name, JOB_PREFIX, strlen(JOB_PREFIX)) || strchr(name, '/') ||
	    strlen(name) != strlen(JOB_PREFIX) + 6 || strstr(name, ".."))
		return NULL;
	return name;
}

static int is_dir_entry(int dfd, const struct dirent *e, int *isdir)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN) {
		*isdir = e->d_type == DT_DIR;
		return 0;
	}
	if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	*isdir = S_ISDIR(st.st_mode);
	return 0;
}

/* Opens a subdirectory without following links; makes it readable first if a tool chmod'ed it
 * to 000 (only matters when the server is not root). */
static int open_subdir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == EACCES) {
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    fchmodat(dfd, name, 0700, 0) == 0)
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

/* Empties the directory open as fd (consumed), descending without recursion. */
static int empty_tree(int fd, char *err, size_t errlen)
{
	DIR *d = fdopendir(fd);
	unsigned long depth = 0, rounds = 0;
	int ret = -1;

	if (!d) {
		sb_errf(err, errlen, "fdopendir: %s", SB_STRERR(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		struct dirent *e;
		int dfd = dirfd(d), found = 0, next = -1;

		if (++rounds > 10000000UL) { /* cannot happen with a sane file system */
			errno = ELOOP;
			goto fail_errno;
		}

		while ((e = readdir(d))) {
			int isdir;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			found = 1;
			if (is_dir_entry(dfd, e, &isdir) < 0) {
				if (errno == ENOENT)
					continue;
				goto fail_errno;
			}
			if (!isdir) {
				if (unlinkat(dfd, e->d_name, 0) < 0 && errno != ENOENT)
					goto fail_errno;
				continue;
			}
			if (unlinkat(dfd, e->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
				continue;
			if (errno != ENOTEMPTY && errno != EEXIST)
				goto fail_errno;
			next = open_subdir(dfd, e->d_name);
			if (next < 0)
				goto fail_errno;
			break;
		}
		if (next >= 0) { /* descend */
			closedir(d);
			d = fdopendir(next);
			if (!d) {
				close(next);
				goto fail_errno;
			}
			depth++;
			continue;
		}
		if (found) { /* removed something: scan again until a scan finds nothing */
			rewinddir(d);
			continue;
		}
		if (depth == 0)
			break;
		/* This directory is empty: go back up; the rescan of the parent removes it. */
		next = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail_errno;
		closedir(d);
		d = fdopendir(next);
		if (!d) {
			close(next);
			goto fail_errno;
		}
		depth--;
	}
	ret = 0;
	goto out;
fail_errno:
	sb_errf(err, errlen, "removing job tree: %s", SB_STRERR(errno));
out:
	if (d)
		closedir(d);
	return ret;
}

int sb_job_remove(const char *path, char *err, size_t errlen)
{
	const char *name;
	struct stat st;
	int rootfd = -1, fd, ret = -1;

	if (!sb_g.inited) {
		sb_errf(err, errlen, "sandbox not initialised");
		return -1;
	}
	name = path ? sb_job_name(path) : NULL;
	if (!name) {
		sb_errf(err, errlen, "refusing to remove %s: not a job directory under %s",
			path ? path : "(null)", sb_g.job_root);
		return -1;
	}
	rootfd = open(sb_g.job_root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0) {
		sb_errf(err, errlen, "open %s: %s", sb_g.job_root, SB_STRERR(errno));
		return -1;
	}
	if (fstatat(rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			ret = 0;
		else
			sb_errf(err, errlen, "stat %s: %s", path, SB_STRERR(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		sb_errf(err, errlen, "refusing to remove %s: not a directory", path);
		goto out;
	}
	if (sb_g.trace_dir[0] && sb_trace_keep(name) == 0) {
		ret = 0;
		goto out;
	}
	fd = open_subdir(rootfd, name);
	if (fd < 0) {
		sb_errf(err, errlen, "open %s: %s", path, SB_STRERR(errno));
		goto out;
	}
	if (empty_tree(fd, err, errlen) < 0)
		goto out;
	if (unlinkat(rootfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		sb_errf(err, errlen, "rmdir %s: %s", path, SB_STRERR(errno));
		goto out;
	}
	ret = 0;
out:
	close(rootfd);
	return ret;
}

/* --- tracing for the tool-floor benchmark (RTLR_TRACE_JOBS) ------------------------------- */

static void put_quoted(FILE *f, const char *a)
{
	fputc('\'', f);
	for (; *a; a++) {
		if (*a == '\'')
			fputs("'\\''", f);
		else
			fputc(*a, f);
	}
	fputc('\'', f);
}

void sb_trace_cmd(const struct sb_spec *spec)
{
	const char *name = sb_job_name(spec->jobdir);
	char path[PATH_MAX + 64];
	FILE *f;
	size_t i;

	if (!name)
		return;
	snprintf(path, sizeof(path), "%s/%s.sh", sb_g.trace_dir, name);
	f = fopen(path, "ae");
	if (!f)
		return;
	for (i = 0; spec->argv[i]; i++) {
		if (i)
			fputc(' ', f);
		put_quoted(f, spec->argv[i]);
	}
	fputs(spec->stdin_data ? " # (stdin not replayed)\n" : " </dev/null\n", f);
	fclose(f);
}

int sb_trace_keep(const char *name)
{
	char from[PATH_MAX + 64], to[PATH_MAX + 64];

	snprintf(from, sizeof(from), "%s/%s", sb_g.job_root, name);
	snprintf(to, sizeof(to), "%s/%s", sb_g.trace_dir, name);
	return rename(from, to) == 0 ? 0 : -1;
}
