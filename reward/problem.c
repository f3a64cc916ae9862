#include "problem.h"
#include "clkrst.h"
#include "policy_trusted.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "hash.h"
#include "stimulus.h"

#define DEFAULT_CYCLES 200
#define MAX_CYCLES 10000000u
#define DEFAULT_SEED 1
#define DEFAULT_PERIOD_NS 10.0

const char *check_mode_name(enum check_mode m)
{
	return m == MODE_TESTBENCH ? "testbench" : m == MODE_FORMAL ? "formal" : "equivalence";
}

static int valid_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > RTLR_MAX_ID)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return 0;
	}
	return strcmp(s, ".") && strcmp(s, "..");
}

static int valid_ident(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) > 256 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '$')
			return 0;
	return 1;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Problem.stimulus into p->stim (validated). 0, or -1 with err naming the field. */
static int stim_opts_from_pb(struct problem *p, const Rtlreward__Stimulus *s, char *err,
			     size_t errlen)
{
	size_t i;

	p->stim.reset_hold = 1;
	p->stim.reset_cycles = 2;
	p->stim.reset_pulses = 2;
	if (!s)
		return 0;
	if (s->reset_pulses > 64 || s->n_reset_at > 256 || s->n_constants > STIM_MAX_CONSTS ||
	    s->reset_hold > 1000000 || s->reset_cycles > 1000000) {
		snprintf(err, errlen, "stimulus: at most 64 reset_pulses, 256 reset_at, %d constants, "
			 "10^6 reset_hold and reset_cycles", STIM_MAX_CONSTS);
		return -1;
	}
	if (s->reset_pulses)
		p->stim.reset_pulses = s->reset_pulses;
	p->stim.no_reset_pulses = s->no_reset_pulses;
	if (s->reset_hold)
		p->stim.reset_hold = s->reset_hold;
	if (s->reset_cycles)
		p->stim.reset_cycles = s->reset_cycles;
	if (s->n_reset_at) {
		p->stim.reset_at = calloc(s->n_reset_at, sizeof(unsigned));
		if (!p->stim.reset_at)
			goto oom;
		for (i = 0; i < s->n_reset_at; i++)
			p->stim.reset_at[i] = s->reset_at[i];
		p->stim.nreset_at = s->n_reset_at;
		qsort(p->stim.reset_at, p->stim.nreset_at, sizeof(unsigned), cmp_uint);
	}
	if (s->n_constants) {
		p->stim.constants = calloc(s->n_constants, sizeof(uint64_t));
		p->stim.constants_text = calloc(s->n_constants, sizeof(char *));
		if (!p->stim.constants || !p->stim.constants_text)
			goto oom;
		for (i = 0; i < s->n_constants; i++) {
			uint64_t *v = NULL;
			long n;

			if (!s->constants[i] || strlen(s->constants[i]) > 200)
				n = 0;
			else
				n = stim_literals(s->constants[i], &v);
			if (n < 0)
				goto oom;
			if (n != 1) {
				free(v);
				snprintf(err, errlen, "stimulus.constants[%zu]: not one Verilog number", i);
				return -1;
			}
			p->stim.constants[i] = v[0];
			free(v);
			p->stim.constants_text[i] = strdup(s->constants[i]);
			if (!p->stim.constants_text[i])
				goto oom;
			p->stim.nconstants++;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void stim_opts_hash(const struct problem *p, struct hash_ctx *h, int given)
{
	size_t i;

	if (!given)
		return;
	hash_add_str(h, "stimulus-v1");
	hash_add_u64(h, p->stim.reset_pulses);
	hash_add_u64(h, (uint64_t)p->stim.no_reset_pulses);
	hash_add_u64(h, p->stim.reset_hold);
	hash_add_u64(h, p->stim.reset_cycles);
	hash_add_u64(h, p->stim.nreset_at);
	for (i = 0; i < p->stim.nreset_at; i++)
		hash_add_u64(h, p->stim.reset_at[i]);
	hash_add_u64(h, p->stim.nconstants);
	for (i = 0; i < p->stim.nconstants; i++)
		hash_add_u64(h, p->stim.constants[i]);
}

static void problem_free(struct problem *p)
{
	size_t i;

	if (!p)
		return;
	free(p->id);
	free(p->reference);
	free(p->top);
	free(p->ref_top);
	free(p->testbench);
	free(p->prompt);
	free(p->source);
	free_strv(p->clocks, p->nclocks);
	free_strv(p->file_names, p->nfiles);
	free_strv(p->file_data, p->nfiles);
	for (i = 0; i < p->nresets; i++)
		free(p->resets[i].name);
	free(p->resets);
	vinfo_release(&p->prep.gold);
	free(p->prep.gold_eq);
	free(p->prep.gold_tb);
	for (i = 0; p->prep.clock_info && i < p->prep.nclocks; i++)
		free(p->prep.clock_info[i].why);
	free(p->prep.clock_info);
	free_strv(p->prep.clocks, p->prep.nclocks);
	for (i = 0; i < p->prep.nresets; i++) {
		free(p->prep.resets[i].name);
		free(p->prep.resets[i].why);
	}
	free(p->prep.resets);
	free_strv(p->prep.warnings, p->prep.nwarnings);
	free(p->stim.reset_at);
	free(p->stim.constants);
	free_strv(p->stim.constants_text, p->stim.nconstants);
	if (p->prep.reserved) {
		for (i = 0; p->prep.reserved[i]; i++)
			free((char *)p->prep.reserved[i]);
		free(p->prep.reserved);
	}
	pthread_mutex_destroy(&p->prep_lock);
	free(p);
}

void problem_ref(struct problem *p)
{
	atomic_fetch_add_explicit((_Atomic int *)&p->refs, 1, memory_order_relaxed);
}

void problem_unref(struct problem *p)
{
	if (p && atomic_fetch_sub_explicit((_Atomic int *)&p->refs, 1, memory_order_acq_rel) == 1)
		problem_free(p);
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

struct problem *problem_from_pb(const Rtlreward__Problem *pb, const char *source, char *err,
				size_t errlen)
{
	struct problem *p = calloc(1, sizeof(*p));
	struct hash_ctx *h;
	size_t i;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->prep_lock, NULL);
	p->refs = 1;
	if (!pb->id || !valid_id(pb->id))
		BAD("id: must be 1-%u characters of [A-Za-z0-9_.-]", RTLR_MAX_ID);
	if (!pb->reference || !pb->reference[0])
		BAD("reference: the golden RTL is required");
	if (strlen(pb->reference) > RTLR_MAX_REFERENCE)
		BAD("reference: larger than %u bytes", RTLR_MAX_REFERENCE);
	if (!pb->top || !pb->top[0])
		BAD("top: the module name the candidate must define is required");
	if (!valid_ident(pb->top))
		BAD("top: '%s' is not a simple Verilog identifier", pb->top);
	if (pb->ref_top && pb->ref_top[0] && !valid_ident(pb->ref_top))
		BAD("ref_top: '%s' is not a simple Verilog identifier", pb->ref_top);
	if (!pb->mode || !pb->mode[0] || !strcmp(pb->mode, "equivalence"))
		p->mode = MODE_EQUIVALENCE;
	else if (!strcmp(pb->mode, "testbench"))
		p->mode = MODE_TESTBENCH;
	else if (!strcmp(pb->mode, "formal"))
		p->mode = MODE_FORMAL;
	else
		BAD("mode: '%s' is not one of equivalence, testbench, formal", pb->mode);
	if (p->mode == MODE_TESTBENCH && (!pb->testbench || !pb->testbench[0]))
		BAD("testbench: required when mode is testbench");
	if (pb->testbench && strlen(pb->testbench) > RTLR_MAX_REFERENCE)
		BAD("testbench: larger than %u bytes", RTLR_MAX_REFERENCE);
	if (pb->tb_style && pb->tb_style[0]) {
		if (!strcmp(pb->tb_style, "verilog-eval"))
			p->tb_style = TB_VERILOG_EVAL;
		else if (!strcmp(pb->tb_style, "rtllm"))
			p->tb_style = TB_RTLLM;
		else
			BAD("tb_style: '%s' is not one of verilog-eval, rtllm", pb->tb_style);
	} else if (pb->testbench && pb->testbench[0]) {
		p->tb_style = strstr(pb->testbench, "Mismatches:") ? TB_VERILOG_EVAL : TB_RTLLM;
	}
	if (pb->cycles > MAX_CYCLES)
		BAD("cycles: at most %u", MAX_CYCLES);
	for (i = 0; i < pb->n_clocks; i++)
		if (!pb->clocks[i] || !valid_ident(pb->clocks[i]))
			BAD("clocks[%zu]: not a Verilog identifier", i);
	for (i = 0; i < pb->n_resets; i++)
		if (!pb->resets[i]->name || !valid_ident(pb->resets[i]->name))
			BAD("resets[%zu].name: not a Verilog identifier", i);
		else if (reset_kind_parse(pb->resets[i]->kind) < 0)
			BAD("resets[%zu].kind: '%s' is not one of reset, set, load", i, pb->resets[i]->kind);
	if (pb->clock_period_ns < 0 || pb->clock_period_ns > 1e6)
		BAD("clock_period_ns: must be between 0 and 1e6");
	if (pb->n_files > 64)
		BAD("files: at most 64 data files");
	{
		size_t total = 0;
		for (i = 0; i < pb->n_files; i++) {
			const char *fn = pb->files[i]->key;
			size_t k;
			if (!fn || !fn[0] || fn[0] == '.' || strlen(fn) > 64)
				BAD("files: '%s' is not a plain file name", fn ? fn : "");
			for (k = 0; fn[k]; k++)
				if (!isalnum((unsigned char)fn[k]) && fn[k] != '_' && fn[k] != '-' && fn[k] != '.')
					BAD("files: '%s' is not a plain file name", fn);
			if (!strncmp(fn, "cand", 4) || !strncmp(fn, "gold", 4) || !strcmp(fn, "tb.sv") ||
			    !strcmp(fn, "harness.v") || !strncmp(fn, "sim", 3) || !strcmp(fn, "design.xml"))
				BAD("files: '%s' is a name the server uses itself", fn);
			total += pb->files[i]->value ? strlen(pb->files[i]->value) : 0;
		}
		if (total > 4 * RTLR_MAX_REFERENCE)
			BAD("files: more than %u bytes in all", 4 * RTLR_MAX_REFERENCE);
	}
	{
		/* before any tool sees them: no `include or file task reaching outside the job */
		const char **fn = calloc(2 * pb->n_files + 1, sizeof(char *));
		char why[512];
		int x;

		if (!fn)
			BAD("out of memory");
		for (i = 0; i < pb->n_files; i++) {
			fn[i] = pb->files[i]->key;
			fn[pb->n_files + i] = pb->files[i]->value ? pb->files[i]->value : "";
		}
		x = policy_check_trusted(pb->reference, pb->testbench && pb->testbench[0] ? pb->testbench : NULL,
					 fn, fn + pb->n_files, pb->n_files, why, sizeof(why));
		free(fn);
		if (x)
			BAD("%s", why);
	}

	p->id = strdup(pb->id);
	p->reference = strdup(pb->reference);
	p->top = strdup(pb->top);
	p->ref_top = strdup(pb->ref_top && pb->ref_top[0] ? pb->ref_top : pb->top);
	p->testbench = pb->testbench && pb->testbench[0] ? strdup(pb->testbench) : NULL;
	p->prompt = strdup(pb->prompt ? pb->prompt : "");
	p->source = strdup(source ? source : "api");
	p->seed = pb->seed ? pb->seed : DEFAULT_SEED;
	p->cycles = pb->cycles ? pb->cycles : DEFAULT_CYCLES;
	p->clock_period_ns = pb->clock_period_ns > 0 ? pb->clock_period_ns : DEFAULT_PERIOD_NS;
	if (!p->id || !p->reference || !p->top || !p->ref_top || !p->prompt || !p->source ||
	    (pb->testbench && pb->testbench[0] && !p->testbench))
		BAD("out of memory");
	if (pb->n_clocks) {
		p->clocks = calloc(pb->n_clocks, sizeof(char *));
		if (!p->clocks)
			BAD("out of memory");
		for (i = 0; i < pb->n_clocks; i++) {
			p->clocks[i] = strdup(pb->clocks[i]);
			if (!p->clocks[i])
				BAD("out of memory");
			p->nclocks++;
		}
	}
	if (pb->n_files) {
		p->file_names = calloc(pb->n_files, sizeof(char *));
		p->file_data = calloc(pb->n_files, sizeof(char *));
		if (!p->file_names || !p->file_data)
			BAD("out of memory");
		for (i = 0; i < pb->n_files; i++) {
			p->file_names[i] = strdup(pb->files[i]->key);
			p->file_data[i] = strdup(pb->files[i]->value ? pb->files[i]->value : "");
			p->nfiles++;
			if (!p->file_names[i] || !p->file_data[i])
				BAD("out of memory");
		}
	}
	if (pb->n_resets) {
		p->resets = calloc(pb->n_resets, sizeof(*p->resets));
		if (!p->resets)
			BAD("out of memory");
		for (i = 0; i < pb->n_resets; i++) {
			p->resets[i].name = strdup(pb->resets[i]->name);
			if (!p->resets[i].name)
				BAD("out of memory");
			p->resets[i].active_low = pb->resets[i]->active_low;
			p->resets[i].async = pb->resets[i]->async;
			p->resets[i].kind = reset_kind_parse(pb->resets[i]->kind);
			p->nresets++;
		}
		p->resets_given = 1;
	}
	if (stim_opts_from_pb(p, pb->stimulus, err, errlen) < 0)
		goto fail;

	h = hash_new();
	hash_add_str(h, "rtlreward-problem-v1");
	hash_add_str(h, p->id);
	hash_add_str(h, p->reference);
	hash_add_str(h, p->top);
	hash_add_str(h, p->ref_top);
	hash_add_u64(h, p->mode);
	hash_add_str(h, p->testbench ? p->testbench : "");
	hash_add_u64(h, p->tb_style);
	hash_add_u64(h, p->nclocks);
	for (i = 0; i < p->nclocks; i++)
		hash_add_str(h, p->clocks[i]);
	hash_add_u64(h, p->nresets);
	for (i = 0; i < p->nresets; i++) {
		hash_add_str(h, p->resets[i].name);
		hash_add_u64(h, (unsigned)p->resets[i].active_low * 2u + (unsigned)p->resets[i].async);
		if (p->resets[i].kind) /* only when not the default, so older hashes stay */
			hash_add_str(h, reset_kind_name(p->resets[i].kind));
	}
	hash_add_u64(h, p->nfiles);
	for (i = 0; i < p->nfiles; i++) {
		hash_add_str(h, p->file_names[i]);
		hash_add_str(h, p->file_data[i]);
	}
	hash_add_u64(h, p->seed);
	hash_add_u64(h, p->cycles);
	hash_add(h, &p->clock_period_ns, sizeof(p->clock_period_ns));
	stim_opts_hash(p, h, pb->stimulus != NULL);
	hash_final_hex(h, p->hash);
	return p;
fail:
	problem_free(p);
	return NULL;
}

void problem_to_pb(const struct problem *p, Rtlreward__Problem *out)
{
	const char *const *clocks = (const char *const *)(p->prep.done ? p->prep.clocks : p->clocks);
	size_t nclocks = p->prep.done ? p->prep.nclocks : p->nclocks;
	const struct reset_spec *resets = p->prep.done ? p->prep.resets : p->resets;
	size_t nresets = p->prep.done ? p->prep.nresets : p->nresets;
	size_t i;

	rtlreward__problem__init(out);
	out->id = p->id;
	out->reference = p->reference;
	out->top = p->top;
	out->ref_top = p->ref_top;
	out->mode = (char *)check_mode_name(p->mode);
	out->testbench = p->testbench ? p->testbench : (char *)"";
	out->tb_style = p->testbench ? (char *)(p->tb_style == TB_RTLLM ? "rtllm" : "verilog-eval")
				     : (char *)"";
	out->seed = p->seed;
	out->cycles = p->cycles;
	out->prompt = p->prompt;
	out->hash = (char *)p->hash;
	out->source = p->source;
	out->clock_period_ns = p->clock_period_ns;
	if (nclocks) {
		out->clocks = calloc(nclocks, sizeof(char *));
		if (out->clocks) {
			for (i = 0; i < nclocks; i++)
				out->clocks[i] = (char *)clocks[i];
			out->n_clocks = nclocks;
		}
	}
	if (nresets) {
		out->resets = calloc(nresets, sizeof(*out->resets));
		if (out->resets) {
			for (i = 0; i < nresets; i++) {
				Rtlreward__ResetSpec *r = malloc(sizeof(*r));
				if (!r)
					break;
				rtlreward__reset_spec__init(r);
				r->name = resets[i].name;
				r->active_low = resets[i].active_low;
				r->async = resets[i].async;
				r->kind = (char *)reset_kind_name(resets[i].kind);
				r->detected_by = (char *)(p->prep.done ? (resets[i].detected_by
									      ? resets[i].detected_by
									      : "given")
								   : "given");
				r->why = resets[i].why ? resets[i].why : (char *)"";
				out->resets[out->n_resets++] = r;
			}
		}
	}
	{
		Rtlreward__Stimulus *st = malloc(sizeof(*st));
		if (st) {
			rtlreward__stimulus__init(st);
			st->reset_pulses = p->stim.reset_pulses;
			st->no_reset_pulses = p->stim.no_reset_pulses;
			st->reset_hold = p->stim.reset_hold;
			st->reset_cycles = p->stim.reset_cycles;
			st->n_reset_at = p->stim.nreset_at;
			st->reset_at = (uint32_t *)p->stim.reset_at;
			st->n_constants = p->stim.nconstants;
			st->constants = p->stim.constants_text;
			out->stimulus = st;
		}
	}
	if (p->prep.selfcheck_done) {
		out->n_warnings = p->prep.nwarnings;
		out->warnings = p->prep.warnings;
	}
	if (p->prep.done && p->prep.clock_info && nclocks) {
		out->clock_specs = calloc(nclocks, sizeof(*out->clock_specs));
		for (i = 0; out->clock_specs && i < nclocks; i++) {
			Rtlreward__ClockSpec *c = malloc(sizeof(*c));
			if (!c)
				break;
			rtlreward__clock_spec__init(c);
			c->name = (char *)clocks[i];
			c->edge = (char *)clock_edge_name(p->prep.clock_info[i].edge);
			c->detected_by = (char *)p->prep.clock_info[i].detected_by;
			c->why = p->prep.clock_info[i].why ? p->prep.clock_info[i].why : (char *)"";
			out->clock_specs[out->n_clock_specs++] = c;
		}
	}
	if (p->prep.done && p->prep.ok && p->prep.gold.nports) {
		out->ports = calloc(p->prep.gold.nports, sizeof(*out->ports));
		if (out->ports) {
			for (i = 0; i < p->prep.gold.nports; i++) {
				Rtlreward__Port *q = malloc(sizeof(*q));
				if (!q)
					break;
				rtlreward__port__init(q);
				q->name = p->prep.gold.ports[i].name;
				q->dir = (char *)port_dir_name(p->prep.gold.ports[i].dir);
				q->width = p->prep.gold.ports[i].width;
				out->ports[out->n_ports++] = q;
			}
		}
	}
}

void problem_pb_release(Rtlreward__Problem *out)
{
	size_t i;

	free(out->clocks);
	for (i = 0; i < out->n_resets; i++)
		free(out->resets[i]);
	free(out->resets);
	for (i = 0; i < out->n_ports; i++)
		free(out->ports[i]);
	free(out->ports);
	free(out->stimulus);
	out->stimulus = NULL;
	out->warnings = NULL;
	out->n_warnings = 0;
	for (i = 0; i < out->n_clock_specs; i++)
		free(out->clock_specs[i]);
	free(out->clock_specs);
	out->clock_specs = NULL;
	out->n_clock_specs = 0;
	out->clocks = NULL;
	out->resets = NULL;
	out->ports = NULL;
	out->n_clocks = out->n_resets = out->n_ports = 0;
}

/* --- registry: a sorted array under a rwlock; lookups are binary searches. ------------------ */

static pthread_rwlock_t reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct problem **reg;
static size_t reg_n, reg_alloc;

int registry_init(void)
{
	return 0;
}

void registry_free(void)
{
	size_t i;

	pthread_rwlock_wrlock(&reg_lock);
	for (i = 0; i < reg_n; i++)
		problem_unref(reg[i]);
	free(reg);
	reg = NULL;
	reg_n = reg_alloc = 0;
	pthread_rwlock_unlock(&reg_lock);
}

static size_t reg_find(const char *id, int *found)
{
	size_t lo = 0, hi = reg_n;

	*found = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(reg[mid]->id, id);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int put(struct problem *p, int keep_builtin, char *err, size_t errlen)
{
	int found, ret = -1;
	size_t at;

	pthread_rwlock_wrlock(&reg_lock);
	at = reg_find(p->id, &found);
	if (found && keep_builtin && reg[at]->builtin) {
		snprintf(err, errlen, "problem '%.200s' is built in (%.200s) and cannot be replaced; "
			 "register it under another id", p->id, reg[at]->source ? reg[at]->source : "");
		ret = -2;
		goto out;
	}
	if (found) {
		problem_unref(reg[at]);
		reg[at] = p;
		ret = 0;
		goto out;
	}
	if (reg_n >= RTLR_MAX_PROBLEMS) {
		snprintf(err, errlen, "too many problems (at most %u)", RTLR_MAX_PROBLEMS);
		goto out;
	}
	if (reg_n == reg_alloc) {
		size_t n = reg_alloc ? reg_alloc * 2 : 64;
		struct problem **r = realloc(reg, n * sizeof(*r));
		if (!r) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		reg = r;
		reg_alloc = n;
	}
	memmove(reg + at + 1, reg + at, (reg_n - at) * sizeof(*reg));
	reg[at] = p;
	reg_n++;
	ret = 0;
out:
	pthread_rwlock_unlock(&reg_lock);
	if (ret < 0)
		problem_unref(p);
	return ret;
}

int registry_put(struct problem *p, char *err, size_t errlen)
{
	return put(p, 0, err, errlen);
}

int registry_put_api(struct problem *p, char *err, size_t errlen)
{
	p->builtin = 0;
	return put(p, 1, err, errlen);
}

struct problem *registry_get(const char *id)
{
	struct problem *p = NULL;
	int found;
	size_t at;

	pthread_rwlock_rdlock(&reg_lock);
	at = reg_find(id, &found);
	if (found) {
		p = reg[at];
		problem_ref(p);
	}
	pthread_rwlock_unlock(&reg_lock);
	return p;
}

size_t registry_count(void)
{
	size_t n;

	pthread_rwlock_rdlock(&reg_lock);
	n = reg_n;
	pthread_rwlock_unlock(&reg_lock);
	return n;
}

void registry_each(void (*fn)(struct problem *p, void *arg), void *arg)
{
	size_t i;

	pthread_rwlock_rdlock(&reg_lock);
	for (i = 0; i < reg_n; i++)
		fn(reg[i], arg);
	pthread_rwlock_unlock(&reg_lock);
}
