/* sb_view.c: the least view, what the tools see of the host's file system (parent side).
 *
 * Built once at sb_init from the host: the tools' root is a fresh tmpfs holding
 *   /usr                     bound read-only (binaries, libraries, share/verilator,
 *                            share/yosys, iverilog's lib/x86_64-linux-gnu/ivl, perl, tcl)
 *   /bin /sbin /lib /lib32   as on the host: symlinks into usr on a merged-/usr system
 *   /lib64 /libx32           (Debian 12), otherwise bound read-only
 *   /etc/ld.so.cache         the dynamic loader's cache
 *   /etc/alternatives        /usr/bin/c++ and cc resolve through it (Debian alternatives)
 *   /tmp /dev /proc          empty mount points: a private tmpfs, our own device nodes, a
 *                            fresh proc of the run's pid namespace (the host's, read-only,
 *                            only when no pid namespace can be had)
 *   the job directory        bound read-write at its own path (its parents are empty dirs)
 * and nothing else: no other /etc file (passwd, shadow, hosts), no /root, /home, /work, /var,
 * /srv, /opt, /mnt, /media, /run, /sys, no cache directory, no other job directory. The engines
 * hand tools their cached files by hard link or copy into the job directory, so the cache
 * needs no mount. sb_child.c (setup_view) mounts it per run; docs/threat_model_sandbox.md.
 */
#include "sb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int add(struct sb_view *v, enum sb_view_kind kind, const char *src, const char *target)
{
	struct sb_view_entry *e;

	if (v->n >= SB_VIEW_MAX)
		return -1;
	e = &v->e[v->n++];
	e->kind = kind;
	snprintf(e->src, sizeof(e->src), "%s", src);
	snprintf(e->dst, sizeof(e->dst), "%s%s", SB_VIEW_STAGE, src);
	snprintf(e->target, sizeof(e->target), "%s", target ? target : "");
	return 0;
}

/* The host path as a link, a directory or a file; 0 when added, 1 when absent. */
static int add_host(struct sb_view *v, const char *path, int want_dir)
{
	struct stat st;
	char target[96];
	ssize_t n;

	if (lstat(path, &st) < 0)
		return 1;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0 || (size_t)n >= sizeof(target) - 1)
			return 1;
		target[n] = '\0';
		return add(v, SB_VIEW_LINK, path, target);
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return 1;
	return add(v, want_dir ? SB_VIEW_DIR : SB_VIEW_FILE, path, NULL);
}

int sb_view_init(int pidns, char *err, size_t errlen)
{
	static const char *const top[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
	struct sb_view *v = &sb_g.view;
	char links[128] = "", binds[160] = "";
	size_t i;
	int r = 0;

	memset(v, 0, sizeof(*v));
	if (add_host(v, "/usr", 1) != 0 || v->e[0].kind != SB_VIEW_DIR) {
		snprintf(err, errlen, "least view: /usr is not a directory");
		return -1;
	}
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		r |= add_host(v, top[i], 1) < 0;
	r |= add(v, SB_VIEW_MKDIR, "/etc", NULL);
	r |= add_host(v, "/etc/ld.so.cache", 0) < 0;
	r |= add_host(v, "/etc/alternatives", 1) < 0;
	r |= add(v, SB_VIEW_MKDIR, "/tmp", NULL);
	r |= add(v, SB_VIEW_MKDIR, "/dev", NULL);
	r |= add(v, pidns ? SB_VIEW_MKDIR : SB_VIEW_DIR, "/proc", NULL);
	if (r) {
		snprintf(err, errlen, "least view: too many entries");
		return -1;
	}
	for (i = 0; i < (size_t)v->n; i++) {
		const struct sb_view_entry *e = &v->e[i];
		char *to = e->kind == SB_VIEW_LINK ? links : binds;
		size_t cap = e->kind == SB_VIEW_LINK ? sizeof(links) : sizeof(binds);
		size_t len = strlen(to);

		if (e->kind == SB_VIEW_MKDIR)
			continue;
		snprintf(to + len, cap - len, "%s%s", len ? " " : "", e->src);
	}
	if (snprintf(v->summary, sizeof(v->summary), "fresh root: %s read-only%s%s; /tmp, /dev%s, "
		     "job dir", binds, links[0] ? "; links " : "", links, pidns ? ", /proc" : "") >=
	    (int)sizeof(v->summary))
		memcpy(v->summary + sizeof(v->summary) - 4, "...", 4); /* a summary: cut is fine */
	return 0;
}
