/* pipeline_internal: what pipeline.c (the tiers' helpers) shares with pipeline_group.c (the
 * flow of one group of candidates through the stages). Not for other modules. */
#ifndef RTLR_PIPELINE_INTERNAL_H
#define RTLR_PIPELINE_INTERNAL_H

#include "pipeline.h"
#include "vinfo.h"

double pipeline_now_ms(void);
void pipeline_set_infra(Rtlreward__Result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int pipeline_interface_check(const struct problem *p, const struct vinfo *cand,
			     Rtlreward__InterfaceTier *it);
void pipeline_fill_function(Rtlreward__FunctionTier *f, const struct func_out *fo);
void pipeline_cache_key(const struct problem *p, const char *norm, size_t normlen,
			const char *engine, uint64_t seed, enum check_mode mode, int formal,
			char key[65]);

#endif
