/* Reward composition. Presets:
 *   binary        1 iff the candidate is fully equivalent (every tier passed), else 0
 *                 (CodeV-R1); the `pass` weight scales it.
 *   pass_rate     the functional pass rate, 0 when the function tier did not run.
 *   hierarchical  ChipSeek-R1 style: each tier pays only when the one before it passed:
 *                 format + syntax + interface + function × pass_rate + pass (full pass only)
 *                 + ppa × (ppa.score − 1) (full pass only). Defaults: 0, 0.1, 0.1, 0.5, 0.3,
 *                 0.1. ppa.score is the weighted mean of the three capped ratios golden /
 *                 candidate (area, delay, power; weights ppa_area 0.4, ppa_delay 0.4,
 *                 ppa_power 0.2), in [0, 2]: 1 when the candidate matches the golden, so a
 *                 full pass earns 1.0 at the golden's PPA, up to 1 + ppa when it beats it, down
 *                 to 1 − ppa when it is worse or does not synthesize (ppa.failed: score 0). A
 *                 full pass always earns more than any partial one. When the golden itself does
 *                 not synthesize (or PPA is off) the PPA term is 0.
 * A time-out, crash or sandbox kill of the candidate's own simulation scores 0 under every
 * preset, as does a policy refusal. */
#include "pipeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *preset_name(enum preset p)
{
	return p == PRESET_BINARY ? "binary" : p == PRESET_PASS_RATE ? "pass_rate" : "hierarchical";
}

void reward_weights_default(enum preset p, struct reward_weights *w)
{
	memset(w, 0, sizeof(*w));
	switch (p) {
	case PRESET_BINARY:
		w->pass = 1.0;
		break;
	case PRESET_PASS_RATE:
		w->function = 1.0;
		break;
	default:
		w->format = 0.0;
		w->syntax = 0.1;
		w->interface = 0.1;
		w->function = 0.5;
		w->pass = 0.3;
		w->ppa = 0.1;
	}
	w->ppa_area = 0.4;
	w->ppa_delay = 0.4;
	w->ppa_power = 0.2;
}

int reward_cfg_init(struct reward_cfg *cfg, const char *preset, const char *const *wkeys,
		    const double *wvals, size_t nw, const char *engine, uint64_t seed,
		    const char *mode, char *err, size_t errlen)
{
	static const char *const names[] = {"format", "syntax", "interface", "function", "pass", "ppa",
					    "ppa_area", "ppa_delay", "ppa_power"};
	size_t i, k;

	memset(cfg, 0, sizeof(*cfg));
	if (!preset || !preset[0] || !strcmp(preset, "hierarchical"))
		cfg->preset = PRESET_HIERARCHICAL;
	else if (!strcmp(preset, "binary"))
		cfg->preset = PRESET_BINARY;
	else if (!strcmp(preset, "pass_rate"))
		cfg->preset = PRESET_PASS_RATE;
	else {
		snprintf(err, errlen, "preset: '%s' is not one of hierarchical, binary, pass_rate", preset);
		return -1;
	}
	reward_weights_default(cfg->preset, &cfg->w);
	for (i = 0; i < nw; i++) {
		double *slot[] = {&cfg->w.format, &cfg->w.syntax, &cfg->w.interface, &cfg->w.function,
				  &cfg->w.pass, &cfg->w.ppa, &cfg->w.ppa_area, &cfg->w.ppa_delay,
				  &cfg->w.ppa_power};
		for (k = 0; k < 9; k++)
			if (!strcmp(wkeys[i], names[k]))
				break;
		if (k == 9) {
			snprintf(err, errlen,
				 "weights.%s: unknown weight (use format, syntax, interface, function, pass, ppa, "
				 "ppa_area, ppa_delay, ppa_power)",
				 wkeys[i]);
			return -1;
		}
		if (k >= 6 && !(wvals[i] >= 0)) {
			snprintf(err, errlen, "weights.%s: must be >= 0", wkeys[i]);
			return -1;
		}
		if (!isfinite(wvals[i]) || fabs(wvals[i]) > 1000) {
			snprintf(err, errlen, "weights.%s: must be a finite number in [-1000, 1000]", wkeys[i]);
			return -1;
		}
		*slot[k] = wvals[i];
	}
	if (cfg->w.ppa_area + cfg->w.ppa_delay + cfg->w.ppa_power <= 0) {
		snprintf(err, errlen, "weights: ppa_area + ppa_delay + ppa_power must be > 0");
		return -1;
	}
	if (!mode || !mode[0])
		cfg->mode = -1;
	else if (!strcmp(mode, "equivalence"))
		cfg->mode = MODE_EQUIVALENCE;
	else if (!strcmp(mode, "testbench"))
		cfg->mode = MODE_TESTBENCH;
	else if (!strcmp(mode, "formal"))
		cfg->mode = MODE_FORMAL;
	else {
		snprintf(err, errlen, "mode: '%s' is not one of equivalence, testbench, formal", mode);
		return -1;
	}
	if (engine && engine[0] && strcmp(engine, "auto") && strcmp(engine, "icarus") &&
	    strcmp(engine, "verilator")) {
		snprintf(err, errlen, "engine: '%s' is not one of auto, icarus, verilator", engine);
		return -1;
	}
	cfg->engine_req = engine ? engine : "";
	cfg->seed = seed;
	return 0;
}

/* ppa.score under the request's weights; 0 for a candidate whose design failed. */
static double ppa_score(const struct reward_weights *w, const Rtlreward__PpaTier *t)
{
	double sum = w->ppa_area + w->ppa_delay + w->ppa_power;

	if (!t->checked || sum <= 0)
		return 0;
	return (w->ppa_area * t->area_ratio + w->ppa_delay * t->delay_ratio +
		w->ppa_power * t->power_ratio) / sum;
}

void reward_compose(const struct reward_cfg *cfg, Rtlreward__Result *r)
{
	const struct reward_weights *w = &cfg->w;
	int fmt = r->format->ok, syn = fmt && r->syntax->ok, ifc = syn && r->interface->ok;
	int ran = ifc && r->function->checked, passed = ran && r->function->passed;
	double v = 0;

	if (r->status != RTLREWARD__STATUS__OK) {
		r->reward = 0;
		return;
	}
	r->ppa->score = ppa_score(w, r->ppa);
	/* min score: a function tier that did not complete its check although it was reached */
	if (ifc && !r->function->checked) {
		r->reward = 0;
		return;
	}
	switch (cfg->preset) {
	case PRESET_BINARY:
		v = passed ? w->pass : 0;
		break;
	case PRESET_PASS_RATE:
		v = ran ? w->function * r->function->pass_rate : 0;
		break;
	default:
		if (fmt)
			v += w->format;
		if (syn)
			v += w->syntax;
		if (ifc)
			v += w->interface;
		if (ran)
			v += w->function * r->function->pass_rate;
		if (passed) {
			v += w->pass;
			if (r->ppa->checked || r->ppa->failed)
				v += w->ppa * (r->ppa->score - 1.0);
		}
	}
	r->reward = v;
}
