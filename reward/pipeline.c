/* pipeline: the tiers' shared helpers (Result construction, the interface check, the function
 * tier's fill, the cache key) and start-up; the flow of candidates through the stages is
 * pipeline_group.c (a single candidate is a group of one). */
#include "pipeline.h"
#include "pipeline_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "caps.h"
#include "cache.h"
#include "clkrst.h"
#include "formal.h"
#include "hash.h"
#include "ppa.h"
#include "syntax.h"
#include "tools.h"

#define PIPELINE_VERSION "rtlreward-pipeline-4"

int pipeline_init(const char *cache_dir, char *err, size_t errlen)
{
	if (tools_init(err, errlen) < 0)
		return -1;
	if (syntax_group_init(err, errlen) < 0) /* not fatal: groups preprocess one by one */
		fprintf(stderr, "rtlreward: syntax groups off: %s\n", err);
	if (ppa_init(cache_dir, err, errlen) < 0)
		return -1;
	if (cache_init(cache_dir, err, errlen) < 0)
		return -1;
	engine_verilator_init(cache_dir);
	return formal_init(err, errlen);
}

void pipeline_shutdown(void)
{
	cache_shutdown();
	ppa_shutdown();
}

void pb_set_str(char **field, const char *s)
{
	char *n = strdup(s ? s : "");

	if (!n)
		return;
	if (*field && *field != protobuf_c_empty_string)
		free(*field);
	*field = n;
}

static void *zalloc_msg(size_t size, void (*init)(void *))
{
	void *m = malloc(size);

	if (m)
		init(m);
	return m;
}

Rtlreward__Result *result_new(void)
{
	Rtlreward__Result *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	rtlreward__result__init(r);
	r->format = zalloc_msg(sizeof(*r->format), (void (*)(void *))rtlreward__format_tier__init);
	r->syntax = zalloc_msg(sizeof(*r->syntax), (void (*)(void *))rtlreward__syntax_tier__init);
	r->interface = zalloc_msg(sizeof(*r->interface),
				  (void (*)(void *))rtlreward__interface_tier__init);
	r->function = zalloc_msg(sizeof(*r->function),
				 (void (*)(void *))rtlreward__function_tier__init);
	r->ppa = zalloc_msg(sizeof(*r->ppa), (void (*)(void *))rtlreward__ppa_tier__init);
	r->times = zalloc_msg(sizeof(*r->times), (void (*)(void *))rtlreward__stage_times__init);
	if (!r->format || !r->syntax || !r->interface || !r->function || !r->ppa || !r->times) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return NULL;
	}
	r->status = RTLREWARD__STATUS__OK;
	pb_set_str(&r->ppa->reason, "not computed: the function tier did not pass in full");
	return r;
}

double pipeline_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void pipeline_set_infra(Rtlreward__Result *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = RTLREWARD__STATUS__INFRA_ERROR;
	pb_set_str(&r->error, msg);
}

int pipeline_interface_check(const struct problem *p, const struct vinfo *cand,
			   Rtlreward__InterfaceTier *it)
{
	const struct vinfo *g = &p->prep.gold;
	size_t i;
	char a[64], b[64], msg[512];

	for (i = 0; i < g->nports; i++) {
		const struct vport *gp = &g->ports[i], *cp = vinfo_port(cand, gp->name);
		if (!cp) {
			char **n = realloc(it->missing, (it->n_missing + 1) * sizeof(char *));
			if (!n)
				return -1;
			it->missing = n;
			n[it->n_missing] = strdup(gp->name);
			if (n[it->n_missing])
				it->n_missing++;
		} else if (cp->dir != gp->dir || cp->width != gp->width) {
			Rtlreward__PortMismatch *m = malloc(sizeof(*m)), **nm;
			if (!m)
				return -1;
			rtlreward__port_mismatch__init(m);
			vport_describe(gp, a, sizeof(a));
			vport_describe(cp, b, sizeof(b));
			pb_set_str(&m->name, gp->name);
			pb_set_str(&m->expected, a);
			pb_set_str(&m->got, b);
			nm = realloc(it->mismatched, (it->n_mismatched + 1) * sizeof(*nm));
			if (!nm) {
				protobuf_c_message_free_unpacked(&m->base, NULL);
				return -1;
			}
			it->mismatched = nm;
			nm[it->n_mismatched++] = m;
		}
	}
	for (i = 0; i < cand->nports; i++) {
		if (!vinfo_port(g, cand->ports[i].name)) {
			char **n = realloc(it->extra, (it->n_extra + 1) * sizeof(char *));
			if (!n)
				return -1;
			it->extra = n;
			n[it->n_extra] = strdup(cand->ports[i].name);
			if (n[it->n_extra])
				it->n_extra++;
		}
	}
	it->ok = !it->n_missing && !it->n_extra && !it->n_mismatched;
	if (!it->ok) {
		snprintf(msg, sizeof(msg), "ports of %s differ from the golden's: %zu missing, %zu extra, %zu mismatched",
			 p->top, it->n_missing, it->n_extra, it->n_mismatched);
		pb_set_str(&it->reason, msg);
	}
	return 0;
}

/* The stimulus coverage of an equivalence run (docs/stimulus.md). */
static void fill_coverage(Rtlreward__FunctionTier *f, const struct stim_cov *c)
{
	Rtlreward__Coverage *m;
	char buf[sizeof(c->clocks)], *save = NULL, *tok;
	size_t n = 0;

	if (!c->have)
		return;
	m = malloc(sizeof(*m));
	if (!m)
		return;
	rtlreward__coverage__init(m);
	m->corner_hits = c->corner_hits;
	m->corner_total = c->corner_total;
	m->constant_hits = c->const_hits;
	m->constant_total = c->const_total;
	m->sibling_draws = c->sibling_draws;
	m->joint_corner_samples = c->joint_samples;
	m->longest_reset_free_cycles = c->longest_free_cycles;
	m->reset_assertions = c->reset_assertions;
	pb_set_str(&m->stimulus_hash, c->hash);
	snprintf(buf, sizeof(buf), "%s", c->clocks);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		n++;
	if (n)
		m->clocks = calloc(n, sizeof(*m->clocks));
	snprintf(buf, sizeof(buf), "%s", c->clocks);
	for (tok = strtok_r(buf, " ", &save); m->clocks && tok; tok = strtok_r(NULL, " ", &save)) {
		Rtlreward__ClockSchedule *k = malloc(sizeof(*k));
		char *colon = strrchr(tok, ':');
		unsigned long long hp = 0, ph = 0;

		if (!k || !colon)
			break;
		rtlreward__clock_schedule__init(k);
		*colon = '\0';
		sscanf(colon + 1, "%llu/%llu", &hp, &ph);
		pb_set_str(&k->name, tok);
		k->half_period = hp;
		k->phase = ph;
		m->clocks[m->n_clocks++] = k;
	}
	f->coverage = m;
}

void pipeline_fill_function(Rtlreward__FunctionTier *f, const struct func_out *fo)
{
	f->checked = fo->checked;
	f->passed = fo->passed;
	f->pass_rate = fo->pass_rate;
	f->samples = fo->samples;
	f->mismatches = fo->mismatches;
	if (fo->reason[0])
		pb_set_str(&f->reason, fo->reason);
	if (fo->note[0] && f->note && f->note[0]) {
		char both[800];
		snprintf(both, sizeof(both), "%s; %s", f->note, fo->note);
		pb_set_str(&f->note, both);
	} else if (fo->note[0]) {
		pb_set_str(&f->note, fo->note);
	}
	fill_coverage(f, &fo->cov);
	if (fo->has_first) {
		Rtlreward__Mismatch *m = malloc(sizeof(*m));
		if (m) {
			rtlreward__mismatch__init(m);
			m->time = fo->first_time;
			pb_set_str(&m->signal, fo->first_signal);
			pb_set_str(&m->expected, fo->first_expected);
			pb_set_str(&m->got, fo->first_got);
			f->first_mismatch = m;
		}
	}
}

void pipeline_cache_key(const struct problem *p, const char *norm, size_t normlen,
		      const char *engine, uint64_t seed, enum check_mode mode, int formal,
		      char key[65])
{
	struct hash_ctx *h = hash_new();

	hash_add_u64(h, mode);
	hash_add_str(h, PIPELINE_VERSION);
	hash_add_str(h, p->hash);
	clkrst_hash_add(h, p); /* detected clocks/resets decide the verdict too */
	hash_add_u64(h, normlen);
	hash_add(h, norm, normlen);
	hash_add_str(h, engine);
	hash_add_u64(h, seed);
	hash_add_str(h, g_tools.versions);
	hash_add_str(h, ppa_key());
	if (mode == MODE_FORMAL || formal) { /* keys without the formal tier are unchanged */
		hash_add_u64(h, (uint64_t)formal);
		hash_add_str(h, formal_key());
	}
	hash_final_hex(h, key);
}
