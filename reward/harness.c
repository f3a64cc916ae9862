#include "harness.h"

#include <string.h>

#include "stimulus.h"

int harness_is_clock(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nclocks; i++)
		if (!strcmp(p->prep.clocks[i], name))
			return 1;
	return 0;
}

const struct reset_spec *harness_reset_of(const struct problem *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->prep.nresets; i++)
		if (!strcmp(p->prep.resets[i].name, name))
			return &p->prep.resets[i];
	return NULL;
}

size_t harness_nphases(const struct problem *p)
{
	size_t k = p->prep.nresets;

	if (!p->prep.nclocks || k == 0)
		return 1;
	if (k == 1)
		return 1;
	return 1 + (k > 4 ? 4 : k);
}

uint64_t harness_samples(const struct problem *p)
{
	return stim_total(p);
}

int harness_equivalence(const struct problem *p, const struct stim_plan *pl, const char *tag,
			const char *gold_module, struct buf *o)
{
	return stim_emit_verilog(p, pl, tag, gold_module, o);
}
