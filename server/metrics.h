/* metrics: process-wide counters and histograms, exported as Prometheus text. Lock-free
 * atomics; safe from any thread. */
#ifndef RTLR_METRICS_H
#define RTLR_METRICS_H

#include "buf.h"
#include "reward.pb-c.h"

void metrics_request(const char *route, unsigned status);
void metrics_result(const Rtlreward__Result *r);
void metrics_rejected(void);
int metrics_render(struct buf *out);

#endif
