/* stimulus: the plan both equivalence harnesses are emitted from (see stimulus.h): clock
 * schedules, the reset schedule as segments, per-input constant tables (numeric literals of the
 * golden, the candidate and the problem's stimulus.constants), the draw thresholds, and the
 * random names of the harness's own identifiers. */
#include "stimulus.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "caps.h"
#include "harness.h"

#define W_UNIFORM 128u
#define W_CORNER 64u
#define W_CONST 40u
#define W_SIBLING 24u
#define MAX_LITERALS 512

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

uint64_t stim_corner(unsigned cls, unsigned k, unsigned lo, unsigned nb, unsigned w)
{
	uint64_t m = nb >= 64 ? ~0ull : (1ull << nb) - 1;
	uint64_t msb = (w - 1 >= lo && w - 1 < lo + nb) ? 1ull << (w - 1 - lo) : 0;
	uint64_t oh = (k >= lo && k < lo + nb) ? 1ull << (k - lo) : 0;

	switch (cls & 7) {
	case 0: return 0;
	case 1: return m;
	case 2: return msb;
	case 3: return m & ~msb;
	case 4: return lo == 0 ? 1 : 0;
	case 5: return oh;
	case 6: return m & ~oh;
	default: return m & 0x5555555555555555ull;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int digit_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A based number's digits at *q (base 2, 8, 10 or 16); -1 when it holds x/z/? digits. */
static int based_digits(const char **q, unsigned base, uint64_t *v)
{
	const char *s = *q;
	int xz = 0, any = 0;

	*v = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++) {
		int d;
		if (*s == '_')
			continue;
		if (strchr("xXzZ?", *s)) {
			xz = any = 1;
			continue;
		}
		d = digit_val(*s);
		if (d < 0 || (unsigned)d >= base)
			break;
		*v = *v * base + (unsigned)d;
		any = 1;
	}
	*q = s;
	return any && !xz ? 0 : -1;
}

long stim_literals(const char *src, uint64_t **out)
{
	uint64_t *v = NULL;
	size_t n = 0, i, j;
	const char *q = src;

	*out = NULL;
	v = malloc(MAX_LITERALS * sizeof(*v));
	if (!v)
		return -1;
	while (*q && n < MAX_LITERALS) {
		uint64_t val = 0, size = 0;
		int sized = 0;

		if (q[0] == '/' && q[1] == '/') {
			q = strchr(q, '\n');
			if (!q)
				break;
			continue;
		}
		if (q[0] == '/' && q[1] == '*') {
			q = strstr(q + 2, "*/");
			if (!q)
				break;
			q += 2;
			continue;
		}
		if (*q == '"') {
			for (q++; *q && *q != '"'; q++)
				if (*q == '\\' && q[1])
					q++;
			if (*q)
				q++;
			continue;
		}
		if (*q == '\\') { /* escaped identifier */
			while (*q && !isspace((unsigned char)*q))
				q++;
			continue;
		}
		if (isalpha((unsigned char)*q) || *q == '_' || *q == '$' || *q == '`') {
			q++;
			while (isalnum((unsigned char)*q) || *q == '_' || *q == '$')
				q++;
			continue;
		}
		if (isdigit((unsigned char)*q)) {
			if (based_digits(&q, 10, &val) < 0)
				continue;
			{
				const char *t = q;
				while (*t == ' ' || *t == '\t')
					t++;
				if (*t != '\'') {
					v[n++] = val;
					continue;
				}
				size = val;
				sized = 1;
				q = t;
			}
		}
		if (*q == '\'') {
			unsigned base;
			const char *t = q + 1;
			if (*t == 's' || *t == 'S')
				t++;
			switch (*t) {
			case 'b': case 'B': base = 2; break;
			case 'o': case 'O': base = 8; break;
			case 'd': case 'D': base = 10; break;
			case 'h': case 'H': base = 16; break;
			default: /* '0, '1, 'x, 'z fills; a cast */
				q = strchr("01xXzZ", *t) && *t ? t + 1 : t;
				continue;
			}
			t++;
			if (based_digits(&t, base, &val) == 0) {
				if (sized && size > 0 && size < 64)
					val &= (1ull << size) - 1;
				v[n++] = val;
			}
			q = t;
			continue;
		}
		q++;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = j = 0; i < n; i++)
		if (!j || v[j - 1] != v[i])
			v[j++] = v[i];
	*out = v;
	return (long)j;
}

/* Random hex for the harness's names (independent of the verdict tag). */
static void random_prefix(char *out, size_t n)
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i * 5)) ^ (unsigned char)rand();
	}
	snprintf(out, n, "r%02x%02x%02x%02x%02x%02x%02x%02x_", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
}

static int is_clock(const struct problem *p, const char *name)
{
	return harness_is_clock(p, name);
}

/* The clock schedule (see stimulus.h). */
static void plan_clocks(const struct problem *p, struct stim_plan *pl)
{
	size_t i;

	pl->nclk = p->prep.nclocks;
	pl->steps_per_cycle = pl->nclk > 1 ? 4 : 2;
	for (i = 0; i < pl->nclk; i++) {
		unsigned j = i < STIM_MAX_CLOCK_SLOTS ? (unsigned)i : STIM_MAX_CLOCK_SLOTS - 1;
		pl->clk[i].name = p->prep.clocks[i];
		if (pl->nclk == 1) {
			pl->clk[i].mod = 1;
			pl->clk[i].res = 0;
		} else if (j == 0) {
			pl->clk[i].mod = 2;
			pl->clk[i].res = 0;
		} else {
			pl->clk[i].mod = 1ull << (j + 1);
			pl->clk[i].res = (1ull << j) - 1;
		}
	}
}

/* Steps of each phase's initial reset: the asked cycles, and at least until every clock had
 * both edges. */
static uint64_t reset_steps(const struct problem *p, unsigned spc, uint64_t edges)
{
	uint64_t r = (uint64_t)p->stim.reset_cycles * spc;

	return r < edges ? edges : r;
}

/* Steps until every clock had a posedge and a negedge (the first samples a 2-state engine
 * does not compare). */
static uint64_t both_edges(const struct stim_plan *pl)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < pl->nclk; i++)
		if (pl->clk[i].res + pl->clk[i].mod + 1 > m)
			m = pl->clk[i].res + pl->clk[i].mod + 1;
	return m;
}

uint64_t stim_total(const struct problem *p)
{
	struct stim_plan pl;
	uint64_t run, e;
	size_t nph = harness_nphases(p);

	if (!p->prep.nclocks)
		return 2ull * p->cycles;
	memset(&pl, 0, sizeof(pl));
	pl.clk = calloc(p->prep.nclocks, sizeof(*pl.clk));
	if (!pl.clk)
		return 0;
	plan_clocks(p, &pl);
	e = both_edges(&pl);
	run = (uint64_t)p->cycles * pl.steps_per_cycle;
	free(pl.clk);
	return (uint64_t)nph * ((p->prep.nresets ? reset_steps(p, pl.steps_per_cycle, e) : 0) + run);
}

static int add_seg(struct stim_plan *pl, size_t *cap, uint64_t steps, uint32_t mask)
{
	if (!steps)
		return 0;
	if (pl->nseg && pl->seg[pl->nseg - 1].mask == mask) {
		pl->seg[pl->nseg - 1].steps += steps;
		return 0;
	}
	if (pl->nseg == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		struct stim_seg *ns = realloc(pl->seg, nc * sizeof(*ns));
		if (!ns)
			return -1;
		pl->seg = ns;
		*cap = nc;
	}
	pl->seg[pl->nseg].steps = steps;
	pl->seg[pl->nseg].mask = mask;
	pl->nseg++;
	return 0;
}

/* One phase's run of `run` steps with the pulses of `mask`: seeded points in the last quarter,
 * or the problem's explicit cycles. */
static int plan_run(const struct problem *p, struct stim_plan *pl, size_t *cap, uint64_t run,
		    uint32_t mask, uint64_t *rs)
{
	unsigned spc = pl->steps_per_cycle;
	uint64_t pos = 0, q = run / 4;
	size_t i, np;

	if (p->stim.nreset_at) {
		uint64_t hold = (uint64_t)p->stim.reset_hold * spc;
		for (i = 0; i < p->stim.nreset_at; i++) {
			uint64_t at = (uint64_t)p->stim.reset_at[i] * spc;
			if (at < pos || at >= run)
				continue;
			if (add_seg(pl, cap, at - pos, 0) < 0 ||
			    add_seg(pl, cap, at + hold > run ? run - at : hold, mask) < 0)
				return -1;
			pos = at + hold > run ? run : at + hold;
		}
		return add_seg(pl, cap, run - pos, 0);
	}
	np = p->stim.no_reset_pulses ? 0 : p->stim.reset_pulses;
	if (q < (uint64_t)(2 * spc + 2) * (np ? np : 1))
		np = 0;
	if (np) {
		uint64_t slot = q / np, base = run - q;
		if (add_seg(pl, cap, base, 0) < 0)
			return -1;
		pos = base;
		for (i = 0; i < np; i++) {
			uint64_t hold, off;
			*rs = splitmix(*rs);
			hold = 1 + (*rs % (2 * spc));       /* 1 step (no edge) .. 2 cycles */
			off = (*rs >> 20) % (slot - hold - 1);
			if (add_seg(pl, cap, off, 0) < 0 || add_seg(pl, cap, hold, mask) < 0 ||
			    add_seg(pl, cap, slot - off - hold, 0) < 0)
				return -1;
			pos += slot;
		}
	}
	return add_seg(pl, cap, run - pos, 0);
}

static int plan_resets(const struct problem *p, uint64_t seed, struct stim_plan *pl)
{
	size_t cap = 0, ph, i, nph = harness_nphases(p);
	uint64_t run, rs = splitmix(seed ^ 0x5eed5eed5eedull), e, free_run = 0;

	if (!pl->nclk) {
		pl->total = 2ull * p->cycles;
		return add_seg(pl, &cap, pl->total, 0);
	}
	e = both_edges(pl);
	pl->skip = e;
	run = (uint64_t)p->cycles * pl->steps_per_cycle;
	for (ph = 0; ph < nph; ph++) {
		uint32_t mask = 0;
		for (i = 0; i < pl->nrst; i++)
			if (ph == 0 || ph == i + 1)
				mask |= 1u << i;
		if (pl->nrst && add_seg(pl, &cap, reset_steps(p, pl->steps_per_cycle, e), mask) < 0)
			return -1;
		if (plan_run(p, pl, &cap, run, mask, &rs) < 0)
			return -1;
	}
	for (i = 0; i < pl->nseg; i++) {
		pl->total += pl->seg[i].steps;
		if (pl->seg[i].mask) {
			pl->reset_assertions++;
			free_run = 0;
		} else {
			free_run += pl->seg[i].steps;
			if (free_run > pl->longest_free)
				pl->longest_free = free_run;
		}
	}
	return 0;
}

/* The constant table of a width-w input: the literals (exact, then +-1), masked, unique. */
static int plan_consts(struct stim_input *in, const uint64_t *lit, size_t nlit)
{
	uint64_t m = in->width >= 64 ? ~0ull : (1ull << in->width) - 1;
	size_t pass, i, j, n = 0;

	if (in->width < 2 || !nlit)
		return 0;
	in->consts = malloc(STIM_MAX_CONSTS * sizeof(uint64_t));
	if (!in->consts)
		return -1;
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < nlit && n < STIM_MAX_CONSTS; i++) {
			uint64_t v = (lit[i] + (pass == 1 ? 1 : pass == 2 ? (uint64_t)-1 : 0)) & m;
			for (j = 0; j < n && in->consts[j] != v; j++)
				;
			if (j == n)
				in->consts[n++] = v;
		}
	}
	in->nconsts = n;
	return 0;
}

int stim_plan_build(const struct problem *p, uint64_t seed, const char *cand_text,
		    struct stim_plan *pl)
{
	const struct vinfo *g = &p->prep.gold;
	uint64_t *lg = NULL, *lc = NULL, *lit = NULL;
	long ng, nc = 0;
	size_t i, j, nlit = 0;
	int ret = -1;

	memset(pl, 0, sizeof(*pl));
	random_prefix(pl->prefix, sizeof(pl->prefix));
	snprintf(pl->mod, sizeof(pl->mod), "%sh", pl->prefix);
	snprintf(pl->gold_inst, sizeof(pl->gold_inst), "%sg", pl->prefix);
	snprintf(pl->cand_inst, sizeof(pl->cand_inst), "%sc", pl->prefix);
	pl->rng0 = splitmix(seed);
	pl->in = calloc(g->nports + 1, sizeof(*pl->in));
	pl->clk = calloc(p->prep.nclocks + 1, sizeof(*pl->clk));
	if (!pl->in || !pl->clk)
		goto out;
	plan_clocks(p, pl);
	if (pl->nclk) {
		pl->rst = p->prep.resets;
		pl->nrst = p->prep.nresets > STIM_MAX_RESETS ? STIM_MAX_RESETS : p->prep.nresets;
	}
	if (plan_resets(p, seed, pl) < 0)
		goto out;
	ng = stim_literals(p->reference, &lg);
	if (ng < 0 || (cand_text && (nc = stim_literals(cand_text, &lc)) < 0))
		goto out;
	lit = malloc(((size_t)ng + (size_t)nc + p->stim.nconstants + 1) * sizeof(*lit));
	if (!lit)
		goto out;
	for (i = 0; i < p->stim.nconstants; i++) /* the problem's own first: they survive the cap */
		lit[nlit++] = p->stim.constants[i];
	for (i = 0; i < (size_t)ng; i++)
		lit[nlit++] = lg[i];
	for (i = 0; i < (size_t)nc; i++)
		lit[nlit++] = lc[i];
	for (i = 0; i < g->nports; i++) {
		const struct vport *pt = &g->ports[i];
		struct stim_input *in;
		unsigned u = W_UNIFORM, k = W_CONST, s = W_SIBLING;

		if (pt->dir == PORT_OUT && pt->width)
			pl->nouts++;
		if (pt->dir != PORT_IN || !pt->width || is_clock(p, pt->name))
			continue;
		if (pl->nclk && harness_reset_of(p, pt->name))
			continue;
		in = &pl->in[pl->nin];
		in->name = pt->name;
		in->port = i;
		in->width = pt->width;
		in->is_signed = pt->is_signed;
		in->sibling = -1;
		for (j = pl->nin; j-- > 0;)
			if (pl->in[j].width == in->width) {
				in->sibling = (int)j;
				break;
			}
		if (plan_consts(in, lit, nlit) < 0)
			goto out;
		if (!in->nconsts) {
			u += k;
			k = 0;
		}
		if (in->sibling < 0) {
			u += s;
			s = 0;
		}
		in->t_uniform = u;
		in->t_corner = u + W_CORNER;
		in->t_const = u + W_CORNER + k;
		pl->nin++;
	}
	ret = 0;
out:
	free(lg);
	free(lc);
	free(lit);
	if (ret < 0)
		stim_plan_release(pl);
	return ret;
}

int stim_plan_for_job(const struct problem *p, uint64_t seed, const char *jobdir,
		      struct stim_plan *pl)
{
	char path[1100];
	struct buf b;
	int ret;

	snprintf(path, sizeof(path), "%s/cand.v", jobdir);
	buf_init(&b, 4 * RTLR_MAX_SOURCE);
	ret = stim_plan_build(p, seed, buf_read_file(&b, path) == 0 ? b.data : NULL, pl);
	buf_release(&b);
	return ret;
}

void stim_plan_release(struct stim_plan *pl)
{
	size_t i;

	for (i = 0; pl->in && i < pl->nin; i++)
		free(pl->in[i].consts);
	free(pl->in);
	free(pl->clk);
	free(pl->seg);
	pl->in = NULL;
	pl->clk = NULL;
	pl->seg = NULL;
	pl->nin = pl->nclk = pl->nseg = 0;
}

void stim_cov_from_plan(const struct stim_plan *pl, struct stim_cov *cov)
{
	size_t i, n = 0;

	cov->corner_total = 0;
	cov->const_total = 0;
	for (i = 0; i < pl->nin; i++) {
		cov->corner_total += STIM_NCORNER;
		cov->const_total += pl->in[i].nconsts;
	}
	cov->longest_free_cycles = pl->steps_per_cycle ? pl->longest_free / pl->steps_per_cycle
						       : pl->longest_free / 2;
	cov->reset_assertions = pl->reset_assertions;
	cov->clocks[0] = '\0';
	for (i = 0; i < pl->nclk; i++) {
		int w = snprintf(cov->clocks + n, sizeof(cov->clocks) - n, "%s%s:%llu/%llu",
				 i ? " " : "", pl->clk[i].name, (unsigned long long)pl->clk[i].mod,
				 (unsigned long long)pl->clk[i].res);
		if (w < 0 || (size_t)w >= sizeof(cov->clocks) - n)
			break;
		n += (size_t)w;
	}
}

int stim_parse_cov(const char *line, struct stim_cov *cov)
{
	unsigned long long a, b, c, d;
	char h[17], t[258];

	t[0] = '\0';
	if (sscanf(line, "%llu %llu %llu %llu %16s %257s", &a, &b, &c, &d, h, t) < 5)
		return -1;
	cov->have = 1;
	cov->corner_hits = a;
	cov->const_hits = b;
	cov->sibling_draws = c;
	cov->joint_samples = d;
	snprintf(cov->hash, sizeof(cov->hash), "%s", h);
	snprintf(cov->toggles, sizeof(cov->toggles), "%s", t[0] == 't' ? t + 1 : "");
	return 0;
}
