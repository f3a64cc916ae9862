/* sb_cgroup.c: one cgroup per run, for the memory and pids limits, the peak memory, the OOM and
 * fork-limit evidence, and killing the whole tree.
 *
 * Layout: sb_init creates <own cgroup>/rtlr-<pid>/ (v1: under the memory, pids and cpuacct
 * hierarchies; v2: one directory with +memory +pids in its subtree_control). Runs get a child:
 *
 *   v1: slots s<N>, created on demand and reused (a free list): creating and removing memory
 *       cgroups per run is slower and leaves dying memcgs behind while page cache still points
 *       at them. Per run: write the limits when they changed, reset memory.max_usage_in_bytes,
 *       read the oom_kill and pids "max" counters as a baseline (they cannot be reset).
 *       The peak is reported as max_usage minus the usage left at the start (page cache of
 *       earlier runs' files that stays charged to a reused slot).
 *   v2: r<N>, created per run and removed after (memory.peak cannot be reset before 6.12).
 *       cgroup.kill when the kernel has it.
 *
 * The child joins by writing "0" to a cgroup.procs fd opened here (the kernel checks the opener's
 * permissions), so no pid has to cross namespaces.
 *
 * v2 and delegation (production: the pod's cgroup is delegated): if our own cgroup has processes
 * it cannot enable controllers for its children ("no internal processes"), so the processes in it
 * are moved to <own>/rtlr-leaf first, as systemd-style delegation expects.
 */
#include "sb_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sb_cg_slot {
	struct sb_cg_slot *next;     /* free list */
	struct sb_cg_slot *all_next; /* every slot, for shutdown */
	char dir[SB_CG_MAX][PATH_MAX]; /* v1: memory, pids, cpuacct (any may be empty); v2: dir[0] */
	int fd_procs[SB_CG_MAX];
	uint64_t mem_limit, pids_limit;
	uint64_t usage0;
};

static struct {
	int version;
	char base[SB_CG_MAX][PATH_MAX]; /* v1: memory, pids, cpuacct bases; v2: base[0] */
	int have_mem, have_pids, have_cpu, have_memsw, have_swapmax, have_peak, have_kill;
	pthread_mutex_t lock;
	struct sb_cg_slot *free, *all;
	unsigned next_id;
} cg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t read_u64(const char *dir, const char *file, int *ok)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	*ok = 0;
	if (sb_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	*ok = 1;
	if (!strncmp(buf, "max", 3))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/* Value of "key N" in a flat-keyed file (memory.events, pids.events, memory.oom_control). */
static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], buf[1024];
	size_t klen = strlen(key);
	const char *p;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (sb_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoull(p + klen + 1, NULL, 10);
	return 0;
}

static int write_at(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return sb_write_file(path, val);
}

static int exists_at(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* Kills every process listed in dir/cgroup.procs; returns how many were listed. */
static int kill_listed(const char *dir)
{
	char path[PATH_MAX + 64], buf[4096];
	char *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (sb_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			n++;
		}
	}
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Kills what is left and waits until the cgroup is empty (at most ~500 ms). */
static int drain(const char *dir)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (kill_listed(dir) == 0)
			return 0;
		sleep_ms(5);
	}
	return -1;
}

/* --- detection ------------------------------------------------------------------------------ */

/* Finds the mount point and root of the hierarchy holding controller (v1), or of cgroup2. */
static int find_mount(int v2, const char *controller, char *mnt, size_t mntlen, char *root,
		      size_t rootlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *fields[10], *dash, *p = line, *fstype, *super;
		int i;

		for (i = 0; i < 6; i++) {
			fields[i] = p;
			p = strchr(p, ' ');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (i < 6)
			continue;
		dash = strstr(p, " - ");
		if (!dash && strncmp(p, "- ", 2) != 0)
			continue;
		p = dash ? dash + 3 : p + 2;
		fstype = p;
		p = strchr(p, ' ');
		if (!p)
			continue;
		*p++ = '\0';
		p = strchr(p, ' '); /* skip the source */
		if (!p)
			continue;
		super = p + 1;
		super[strcspn(super, "\n")] = '\0';
		if (v2 ? strcmp(fstype, "cgroup2") != 0 : strcmp(fstype, "cgroup") != 0)
			continue;
		if (!v2) {
			char *opt, *save = NULL;
			int has = 0;
			for (opt = strtok_r(super, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
				if (!strcmp(opt, controller))
					has = 1;
			if (!has)
				continue;
		}
		snprintf(mnt, mntlen, "%s", fields[4]);
		snprintf(root, rootlen, "%s", fields[3]);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Our cgroup path in the hierarchy of controller (v1), or the "0::" path (v2). */
static int own_path(int v2, const char *controller, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2;
		line[strcspn(line, "\n")] = '\0';
		if (!c1)
			continue;
		c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		*c2 = '\0';
		if (v2) {
			if (strncmp(line, "0:", 2) || c1[1] != '\0')
				continue;
		} else {
			char *opt, *save = NULL;
			int has = 0;
			for (opt = strtok_r(c1 + 1, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
				if (!strcmp(opt, controller))
					has = 1;
			if (!has)
				continue;
		}
		snprintf(out, outlen, "%s", c2 + 1);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Directory of our own cgroup: mount point + path relative to the mount's root. */
static int own_dir(int v2, const char *controller, char *out, size_t outlen)
{
	char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];
	const char *rel;
	size_t rl;

	if (find_mount(v2, controller, mnt, sizeof(mnt), root, sizeof(root)) < 0 ||
	    own_path(v2, controller, path, sizeof(path)) < 0)
		return -1;
	rel = path;
	rl = strlen(root);
	if (strcmp(root, "/") != 0 && !strncmp(path, root, rl) && (path[rl] == '/' || !path[rl]))
		rel = path + rl;
	if (strcmp(rel, "/") == 0)
		rel = "";
	if ((size_t)snprintf(out, outlen, "%s%s", mnt, rel) >= outlen)
		return -1;
	return 0;
}

/* Removes rtlr-<pid> directories left by servers that are gone (their slots first). */
static void remove_stale(const char *own)
{
	DIR *d = opendir(own);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		long pid;
		char *end;
		DIR *sd;
		struct dirent *se;

		if (strncmp(e->d_name, "rtlr-", 5) || !strcmp(e->d_name, "rtlr-leaf"))
			continue;
		pid = strtol(e->d_name + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", own, e->d_name);
		sd = opendir(path);
		if (sd) {
			while ((se = readdir(sd))) {
				char sub[PATH_MAX + 600];
				if (se->d_type != DT_DIR || se->d_name[0] == '.')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path, se->d_name);
				drain(sub);
				rmdir(sub);
			}
			closedir(sd);
		}
		rmdir(path);
	}
	closedir(d);
}

static struct sb_cg_slot *slot_new(char *err, size_t errlen);
static void slot_destroy(struct sb_cg_slot *s);

static int init_v1(char *note, size_t notelen)
{
	static const char *const ctl[SB_CG_MAX] = {"memory", "pids", "cpuacct"};
	char own[PATH_MAX];
	struct sb_cg_slot *s;
	int i;

	for (i = 0; i < SB_CG_MAX; i++) {
		cg.base[i][0] = '\0';
		if (own_dir(0, ctl[i], own, sizeof(own)) < 0)
			continue;
		remove_stale(own);
		if ((size_t)snprintf(cg.base[i], sizeof(cg.base[i]), "%s/rtlr-%ld", own,
				     (long)getpid()) >= sizeof(cg.base[i]) ||
		    (mkdir(cg.base[i], 0755) < 0 && errno != EEXIST)) {
			snprintf(note, notelen, "cannot create %s: %s", cg.base[i], SB_STRERR(errno));
			cg.base[i][0] = '\0';
			continue;
		}
	}
	cg.have_mem = cg.base[0][0] != '\0';
	cg.have_pids = cg.base[1][0] != '\0';
	cg.have_cpu = cg.base[2][0] != '\0';
	if (!cg.have_mem && !cg.have_pids) {
		if (cg.have_cpu)
			rmdir(cg.base[2]);
		return -1;
	}
	if (cg.have_mem) {
		FILE *f = fopen("/proc/swaps", "re");
		char line[256];
		int lines = 0;
		while (f && fgets(line, sizeof(line), f))
			lines++;
		if (f)
			fclose(f);
		cg.have_memsw = lines > 1 && exists_at(cg.base[0], "memory.memsw.limit_in_bytes");
	}
	cg.version = 1;
	s = slot_new(note, notelen); /* proves the hierarchy is writable */
	if (!s) {
		for (i = 0; i < SB_CG_MAX; i++)
			if (cg.base[i][0])
				rmdir(cg.base[i]);
		cg.version = 0;
		return -1;
	}
	s->next = cg.free;
	cg.free = s;
	return 0;
}

static int init_v2(char *note, size_t notelen)
{
	char own[PATH_MAX], buf[512], leaf[PATH_MAX + 16], path[PATH_MAX + 32], ctl[32] = "";
	struct sb_cg_slot *s;

	if (own_dir(1, NULL, own, sizeof(own)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", own);
	if (sb_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	cg.have_mem = strstr(buf, "memory") != NULL;
	cg.have_pids = strstr(buf, "pids") != NULL;
	cg.have_cpu = 1; /* cpu.stat's usage_usec exists in every v2 cgroup */
	if (!cg.have_mem && !cg.have_pids) {
		snprintf(note, notelen, "cgroup2 at %s has neither memory nor pids", own);
		return -1;
	}
	snprintf(ctl, sizeof(ctl), "%s%s", cg.have_mem ? "+memory " : "", cg.have_pids ? "+pids" : "");
	remove_stale(own);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", own);
	if (sb_write_file(path, ctl) < 0 && errno == EBUSY) {
		/* Processes in our own cgroup: move them to a leaf, then enable. */
		char procs[8192], *p, *end;
		snprintf(leaf, sizeof(leaf), "%s/rtlr-leaf", own);
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
			return -1;
		snprintf(path, sizeof(path), "%s/cgroup.procs", own);
		if (sb_read_file(path, procs, sizeof(procs)) == 0) {
			snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
			for (p = procs; *p; p = end) {
				char one[24];
				long pid = strtol(p, &end, 10);
				if (end == p)
					break;
				snprintf(one, sizeof(one), "%ld", pid);
				sb_write_file(path, one);
			}
		}
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", own);
		if (sb_write_file(path, ctl) < 0) {
			snprintf(note, notelen, "cannot enable %s in %s: %s", ctl, own, SB_STRERR(errno));
			return -1;
		}
	}
	if ((size_t)snprintf(cg.base[0], sizeof(cg.base[0]), "%s/rtlr-%ld", own, (long)getpid()) >=
		    sizeof(cg.base[0]) ||
	    (mkdir(cg.base[0], 0755) < 0 && errno != EEXIST)) {
		snprintf(note, notelen, "cannot create %s: %s", cg.base[0], SB_STRERR(errno));
		return -1;
	}
	if (write_at(cg.base[0], "cgroup.subtree_control", ctl) < 0) {
		snprintf(note, notelen, "cannot enable %s in %s: %s", ctl, cg.base[0], SB_STRERR(errno));
		rmdir(cg.base[0]);
		return -1;
	}
	cg.have_kill = exists_at(cg.base[0], "cgroup.kill");
	cg.version = 2;
	s = slot_new(note, notelen);
	if (!s) {
		rmdir(cg.base[0]);
		cg.version = 0;
		return -1;
	}
	cg.have_swapmax = exists_at(s->dir[0], "memory.swap.max");
	cg.have_peak = exists_at(s->dir[0], "memory.peak");
	slot_destroy(s);
	return 0;
}

int sb_cg_init(struct sb_features *f, const char *force, char *note, size_t notelen)
{
	int want1 = 1, want2 = 1;

	note[0] = '\0';
	cg.version = 0;
	if (force && !strcmp(force, "none"))
		want1 = want2 = 0;
	else if (force && !strcmp(force, "v1"))
		want2 = 0;
	else if (force && !strcmp(force, "v2"))
		want1 = 0;
	if (want2 && init_v2(note, notelen) == 0)
		goto done;
	cg.have_mem = cg.have_pids = cg.have_cpu = 0;
	if (want1 && init_v1(note, notelen) == 0)
		goto done;
	cg.version = 0;
	if (!note[0])
		snprintf(note, notelen, "%s", (want1 || want2) ? "no writable memory/pids cgroup"
							       : "disabled");
done:
	f->cgroup_version = cg.version;
	snprintf(f->cgroup_path, sizeof(f->cgroup_path), "%.255s",
		 cg.version ? (cg.have_mem || cg.version == 2 ? cg.base[0] : cg.base[1]) : "");
	return cg.version;
}

void sb_cg_describe(char *out, size_t outlen)
{
	if (!cg.version) {
		snprintf(out, outlen, "none");
		return;
	}
	snprintf(out, outlen, "v%d (%s%s%s%s)", cg.version, cg.have_mem ? "memory" : "",
		 cg.have_mem && cg.have_pids ? "," : "", cg.have_pids ? "pids" : "",
		 cg.have_cpu ? (cg.version == 1 ? ",cpuacct" : ",cpu.stat") : "");
}

/* CPU of every process of the run, including those killed at teardown (whose times wait4 never
 * sees: the kernel reaps them without accounting when the namespace's init dies). */
int sb_cg_have_pids(void)
{
	return cg.version && cg.have_pids;
}

/* --- slots ---------------------------------------------------------------------------------- */

static struct sb_cg_slot *slot_new(char *err, size_t errlen)
{
	struct sb_cg_slot *s = calloc(1, sizeof(*s));
	unsigned id;
	int i;

	if (!s) {
		sb_errf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < SB_CG_MAX; i++)
		s->fd_procs[i] = -1;
	pthread_mutex_lock(&cg.lock);
	id = cg.next_id++;
	pthread_mutex_unlock(&cg.lock);
	for (i = 0; i < SB_CG_MAX; i++) {
		char path[PATH_MAX + 32];

		if (!cg.base[i][0])
			continue;
		if ((size_t)snprintf(s->dir[i], sizeof(s->dir[i]), "%s/%c%u", cg.base[i],
				     cg.version == 1 ? 's' : 'r', id) >= sizeof(s->dir[i]) ||
		    (mkdir(s->dir[i], 0755) < 0 && errno != EEXIST)) {
			sb_errf(err, errlen, "cgroup mkdir %s: %s", s->dir[i], SB_STRERR(errno));
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", s->dir[i]);
		s->fd_procs[i] = open(path, O_WRONLY | O_CLOEXEC);
		if (s->fd_procs[i] < 0) {
			sb_errf(err, errlen, "cgroup open %s: %s", path, SB_STRERR(errno));
			goto fail;
		}
	}
	if (cg.version == 1) {
		pthread_mutex_lock(&cg.lock);
		s->all_next = cg.all;
		cg.all = s;
		pthread_mutex_unlock(&cg.lock);
	}
	return s;
fail:
	slot_destroy(s);
	return NULL;
}

static void slot_destroy(struct sb_cg_slot *s)
{
	int i;

	for (i = 0; i < SB_CG_MAX; i++) {
		int t;

		if (s->fd_procs[i] >= 0)
			close(s->fd_procs[i]);
		if (!s->dir[i][0])
			continue;
		drain(s->dir[i]);
		for (t = 0; t < 50 && rmdir(s->dir[i]) < 0 && errno == EBUSY; t++)
			sleep_ms(2);
	}
	free(s);
}

static int set_limits(struct sb_cg_slot *s, uint64_t mem, unsigned nproc, char *err,
		      size_t errlen)
{
	char v[32];
	const char *md = s->dir[0], *pd = cg.version == 1 ? s->dir[1] : s->dir[0];

	if (cg.have_mem && s->mem_limit != mem) {
		if (mem >= 1ULL << 62) /* no limit; the files do not take such numbers */
			snprintf(v, sizeof(v), "%s", cg.version == 1 ? "-1" : "max");
		else
			snprintf(v, sizeof(v), "%" PRIu64, mem);
		if (cg.version == 1) {
			/* memory.limit <= memsw.limit at all times: order the two writes. */
			if (cg.have_memsw && mem > s->mem_limit)
				write_at(md, "memory.memsw.limit_in_bytes", v);
			if (write_at(md, "memory.limit_in_bytes", v) < 0)
				goto fail;
			if (cg.have_memsw && write_at(md, "memory.memsw.limit_in_bytes", v) < 0)
				goto fail;
		} else {
			if (write_at(md, "memory.max", v) < 0)
				goto fail;
			if (cg.have_swapmax)
				write_at(md, "memory.swap.max", "0");
		}
		s->mem_limit = mem;
	}
	if (cg.have_pids && s->pids_limit != nproc) {
		snprintf(v, sizeof(v), "%u", nproc);
		if (write_at(pd, "pids.max", v) < 0)
			goto fail;
		s->pids_limit = nproc;
	}
	return 0;
fail:
	sb_errf(err, errlen, "cgroup limit in %s: %s", s->dir[0], SB_STRERR(errno));
	return -1;
}

int sb_cg_acquire(struct sb_cg_run *r, uint64_t mem_bytes, unsigned nproc, char *err,
		  size_t errlen)
{
	struct sb_cg_slot *s = NULL;
	int ok;

	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < SB_CG_MAX; i++)
		r->fd_procs[i] = -1;
	if (!cg.version)
		return 0;
	if (cg.version == 1) {
		pthread_mutex_lock(&cg.lock);
		s = cg.free;
		if (s)
			cg.free = s->next;
		pthread_mutex_unlock(&cg.lock);
	}
	if (!s)
		s = slot_new(err, errlen);
	if (!s)
		return -1;
	if (set_limits(s, mem_bytes, nproc, err, errlen) < 0) {
		r->slot = s;
		sb_cg_release(r);
		return -1;
	}
	if (cg.version == 1) {
		if (cg.have_mem) {
			write_at(s->dir[0], "memory.max_usage_in_bytes", "0");
			s->usage0 = read_u64(s->dir[0], "memory.usage_in_bytes", &ok);
			r->oom0 = read_key(s->dir[0], "memory.oom_control", "oom_kill");
		}
		if (cg.have_pids)
			r->pidsmax0 = read_key(s->dir[1], "pids.events", "max");
		if (cg.have_cpu)
			write_at(s->dir[2], "cpuacct.usage", "0");
	}
	r->slot = s;
	for (i = 0; i < SB_CG_MAX; i++)
		r->fd_procs[i] = s->fd_procs[i];
	return 0;
}

void sb_cg_kill(struct sb_cg_run *r)
{
	struct sb_cg_slot *s = r->slot;
	int i;

	if (!s)
		return;
	if (cg.version == 2 && cg.have_kill && write_at(s->dir[0], "cgroup.kill", "1") == 0)
		return;
	for (i = 0; i < SB_CG_MAX; i++)
		if (s->dir[i][0])
			kill_listed(s->dir[i]);
}

void sb_cg_collect(struct sb_cg_run *r)
{
	struct sb_cg_slot *s = r->slot;
	int ok;

	if (!s)
		return;
	if (cg.version == 1) {
		if (cg.have_mem) {
			uint64_t peak = read_u64(s->dir[0], "memory.max_usage_in_bytes", &ok);
			r->peak = ok && peak > s->usage0 ? peak - s->usage0 : 0;
			r->oom = read_key(s->dir[0], "memory.oom_control", "oom_kill") > r->oom0;
		}
		if (cg.have_pids)
			r->pids_max = read_key(s->dir[1], "pids.events", "max") > r->pidsmax0;
		if (cg.have_cpu) {
			uint64_t ns = read_u64(s->dir[2], "cpuacct.usage", &ok);
			r->cpu_s = ok ? (double)ns / 1e9 : -1;
		}
	} else {
		if (cg.have_mem) {
			if (cg.have_peak)
				r->peak = read_u64(s->dir[0], "memory.peak", &ok);
			r->oom = read_key(s->dir[0], "memory.events", "oom_kill") > 0;
		}
		if (cg.have_pids)
			r->pids_max = read_key(s->dir[0], "pids.events", "max") > 0;
		r->cpu_s = (double)read_key(s->dir[0], "cpu.stat", "usage_usec") / 1e6;
	}
}

void sb_cg_release(struct sb_cg_run *r)
{
	struct sb_cg_slot *s = r->slot;
	int i, busy = 0;

	if (!s)
		return;
	r->slot = NULL;
	for (i = 0; i < SB_CG_MAX; i++)
		r->fd_procs[i] = -1;
	if (cg.version == 2) {
		slot_destroy(s);
		return;
	}
	for (i = 0; i < SB_CG_MAX; i++)
		if (s->dir[i][0] && drain(s->dir[i]) < 0)
			busy = 1;
	if (busy)
		return; /* something unkillable (D state) is still inside: never reuse this slot */
	pthread_mutex_lock(&cg.lock);
	s->next = cg.free;
	cg.free = s;
	pthread_mutex_unlock(&cg.lock);
}

void sb_cg_shutdown(void)
{
	struct sb_cg_slot *s, *next;
	int i;

	pthread_mutex_lock(&cg.lock);
	s = cg.all;
	cg.all = NULL;
	cg.free = NULL;
	pthread_mutex_unlock(&cg.lock);
	for (; s; s = next) {
		next = s->all_next;
		slot_destroy(s);
	}
	for (i = 0; i < SB_CG_MAX; i++) {
		DIR *d;
		struct dirent *e;

		if (!cg.version || !cg.base[i][0])
			continue;
		/* Slots made by forked copies of this process (e.g. a test runner's children). */
		d = opendir(cg.base[i]);
		while (d && (e = readdir(d))) {
			char sub[PATH_MAX + 300];
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", cg.base[i], e->d_name);
			drain(sub);
			rmdir(sub);
		}
		if (d)
			closedir(d);
		rmdir(cg.base[i]);
		cg.base[i][0] = '\0';
	}
	cg.version = 0;
}
