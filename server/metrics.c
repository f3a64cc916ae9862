#include "metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "connguard.h"
#include "counters.h"
#include "ppa.h"
#include "ppa_design.h"
#include "tools.h"
#include "scheduler.h"

static const char *const routes[] = {"score", "problems", "get_reward", "healthz", "metrics", "other"};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))
static const unsigned codes[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503, 507};
#define NCODES (sizeof(codes) / sizeof(codes[0]))
static _Atomic uint64_t req_count[NROUTES][NCODES];

static _Atomic uint64_t cand_total, cand_cached, cand_infra, v_format_fail, v_syntax_fail,
	v_iface_fail, v_func_pass, v_func_fail, v_min, rejected;

/* histogram of stage latency in ms */
static const double bounds[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000};
#define NB (sizeof(bounds) / sizeof(bounds[0]))
enum { ST_SYNTAX, ST_FUNCTION, ST_TOTAL, NST };
static const char *const stage_names[] = {"syntax", "function", "total"};
static _Atomic uint64_t hist[NST][NB + 1];
static _Atomic uint64_t hist_sum_us[NST];

void metrics_request(const char *route, unsigned status)
{
	size_t r, c;

	for (r = 0; r < NROUTES - 1; r++)
		if (!strcmp(route, routes[r]))
			break;
	for (c = 0; c < NCODES; c++)
		if (codes[c] == status)
			break;
	if (c == NCODES)
		c = NCODES - 3; /* count unknown codes as 500 */
	atomic_fetch_add(&req_count[r][c], 1);
}

static void observe(int st, double ms)
{
	size_t i;

	if (ms <= 0)
		return;
	for (i = 0; i < NB; i++)
		if (ms <= bounds[i])
			break;
	atomic_fetch_add(&hist[st][i], 1);
	atomic_fetch_add(&hist_sum_us[st], (uint64_t)(ms * 1000));
}

void metrics_result(const Rtlreward__Result *r)
{
	atomic_fetch_add(&cand_total, 1);
	if (!r)
		return;
	if (r->status != RTLREWARD__STATUS__OK) {
		atomic_fetch_add(&cand_infra, 1);
		return;
	}
	if (r->cached)
		atomic_fetch_add(&cand_cached, 1);
	if (!r->format->ok)
		atomic_fetch_add(&v_format_fail, 1);
	else if (!r->syntax->ok)
		atomic_fetch_add(&v_syntax_fail, 1);
	else if (!r->interface->ok)
		atomic_fetch_add(&v_iface_fail, 1);
	else if (!r->function->checked)
		atomic_fetch_add(&v_min, 1);
	else if (r->function->passed)
		atomic_fetch_add(&v_func_pass, 1);
	else
		atomic_fetch_add(&v_func_fail, 1);
	if (!r->cached) {
		observe(ST_SYNTAX, r->times->syntax_ms);
		observe(ST_FUNCTION, r->times->function_ms);
		observe(ST_TOTAL, r->times->total_ms);
	}
}

void metrics_rejected(void)
{
	atomic_fetch_add(&rejected, 1);
}

/* What the scheduler grouped (server/scheduler.c; docs/groups.md). */
static void sched_format(struct buf *o)
{
	struct sched_counters c;
	unsigned i;

	sched_get_counters(&c);
	buf_adds(o, "# HELP rtlreward_sched_groups_total Groups the scheduler dispatched (one pipeline_score_group call each), by size.\n"
		    "# TYPE rtlreward_sched_groups_total counter\n");
	for (i = 0; i < SCHED_NSIZE; i++)
		buf_printf(o, "rtlreward_sched_groups_total{size=\"%s\"} %llu\n", sched_size_name(i),
			   (unsigned long long)c.groups[i]);
	buf_printf(o, "# HELP rtlreward_sched_grouped_tasks_total Candidates dispatched in groups of two or more.\n"
		      "# TYPE rtlreward_sched_grouped_tasks_total counter\nrtlreward_sched_grouped_tasks_total %llu\n"
		      "# HELP rtlreward_sched_cross_request_total Candidates grouped with a candidate of another request.\n"
		      "# TYPE rtlreward_sched_cross_request_total counter\nrtlreward_sched_cross_request_total %llu\n"
		      "# HELP rtlreward_sched_coalesced_total Candidates that joined a group during its coalescing window (--coalesce-ms).\n"
		      "# TYPE rtlreward_sched_coalesced_total counter\nrtlreward_sched_coalesced_total %llu\n"
		      "# HELP rtlreward_sched_windows_total Coalescing windows opened by a lone candidate, by outcome (joined: others came; alone: none did).\n"
		      "# TYPE rtlreward_sched_windows_total counter\n"
		      "rtlreward_sched_windows_total{outcome=\"joined\"} %llu\n"
		      "rtlreward_sched_windows_total{outcome=\"alone\"} %llu\n"
		      "# HELP rtlreward_sched_window_seconds_total Time spent waiting in coalescing windows.\n"
		      "# TYPE rtlreward_sched_window_seconds_total counter\nrtlreward_sched_window_seconds_total %.6f\n"
		      "# HELP rtlreward_sched_late_total Candidates answered \"deadline exceeded\" without running.\n"
		      "# TYPE rtlreward_sched_late_total counter\nrtlreward_sched_late_total %llu\n",
		   (unsigned long long)c.grouped, (unsigned long long)c.cross_batch,
		   (unsigned long long)c.coalesced, (unsigned long long)(c.windows - c.windows_alone),
		   (unsigned long long)c.windows_alone, (double)c.window_us / 1e6,
		   (unsigned long long)c.late);
}

int metrics_render(struct buf *o)
{
	size_t r, c, s, i, queued, cap;
	unsigned busy, workers;
	struct cache_stats cs;

	buf_adds(o, "# HELP rtlreward_requests_total HTTP requests by route and status.\n"
		    "# TYPE rtlreward_requests_total counter\n");
	for (r = 0; r < NROUTES; r++)
		for (c = 0; c < NCODES; c++) {
			uint64_t v = atomic_load(&req_count[r][c]);
			if (v)
				buf_printf(o, "rtlreward_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
					   routes[r], codes[c], (unsigned long long)v);
		}
	buf_printf(o, "# HELP rtlreward_candidates_total Candidates scored.\n"
		      "# TYPE rtlreward_candidates_total counter\nrtlreward_candidates_total %llu\n",
		   (unsigned long long)atomic_load(&cand_total));
	buf_adds(o, "# HELP rtlreward_verdicts_total Candidates by the first tier they failed.\n"
		    "# TYPE rtlreward_verdicts_total counter\n");
	buf_printf(o, "rtlreward_verdicts_total{verdict=\"pass\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"function_fail\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"min_score\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"interface_fail\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"syntax_fail\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"format_fail\"} %llu\n"
		      "rtlreward_verdicts_total{verdict=\"infra_error\"} %llu\n",
		   (unsigned long long)atomic_load(&v_func_pass),
		   (unsigned long long)atomic_load(&v_func_fail),
		   (unsigned long long)atomic_load(&v_min),
		   (unsigned long long)atomic_load(&v_iface_fail),
		   (unsigned long long)atomic_load(&v_syntax_fail),
		   (unsigned long long)atomic_load(&v_format_fail),
		   (unsigned long long)atomic_load(&cand_infra));
	buf_printf(o, "# HELP rtlreward_rejected_total Requests refused with 429.\n"
		      "# TYPE rtlreward_rejected_total counter\nrtlreward_rejected_total %llu\n",
		   (unsigned long long)atomic_load(&rejected));
	cache_stats(&cs);
	buf_printf(o, "# HELP rtlreward_cache_total Cache lookups and stores by layer (mem: LRU, disk: local SQLite store, redis: shared; group: a duplicate answered from its twin in the same group).\n"
		      "# TYPE rtlreward_cache_total counter\n"
		      "rtlreward_cache_total{layer=\"group\",event=\"hit\"} %llu\n"
		      "rtlreward_cache_total{layer=\"mem\",event=\"hit\"} %llu\n"
		      "rtlreward_cache_total{layer=\"mem\",event=\"miss\"} %llu\n"
		      "rtlreward_cache_total{layer=\"mem\",event=\"eviction\"} %llu\n"
		      "rtlreward_cache_total{layer=\"disk\",event=\"hit\"} %llu\n"
		      "rtlreward_cache_total{layer=\"disk\",event=\"miss\"} %llu\n"
		      "rtlreward_cache_total{layer=\"disk\",event=\"store\"} %llu\n"
		      "rtlreward_cache_total{layer=\"disk\",event=\"eviction\"} %llu\n"
		      "rtlreward_cache_total{layer=\"disk\",event=\"error\"} %llu\n"
		      "rtlreward_cache_total{layer=\"redis\",event=\"hit\"} %llu\n"
		      "rtlreward_cache_total{layer=\"redis\",event=\"miss\"} %llu\n"
		      "rtlreward_cache_total{layer=\"redis\",event=\"store\"} %llu\n"
		      "rtlreward_cache_total{layer=\"redis\",event=\"error\"} %llu\n"
		      "rtlreward_cache_total{layer=\"redis\",event=\"skip\"} %llu\n"
		      "# TYPE rtlreward_cache_disk_bytes gauge\nrtlreward_cache_disk_bytes %llu\n"
		      "# TYPE rtlreward_cache_disk_entries gauge\nrtlreward_cache_disk_entries %llu\n"
		      "# TYPE rtlreward_cache_redis_enabled gauge\nrtlreward_cache_redis_enabled %d\n"
		      "# HELP rtlreward_cache_dedup_total Lookups that waited for an identical key in flight.\n"
		      "# TYPE rtlreward_cache_dedup_total counter\nrtlreward_cache_dedup_total %llu\n"
		      "# TYPE rtlreward_cache_mem_bytes gauge\nrtlreward_cache_mem_bytes %llu\n"
		      "# TYPE rtlreward_cache_mem_entries gauge\nrtlreward_cache_mem_entries %llu\n"
		      "# HELP rtlreward_infra_errors_total Candidates answered INFRA_ERROR.\n"
		      "# TYPE rtlreward_infra_errors_total counter\nrtlreward_infra_errors_total %llu\n",
		   (unsigned long long)cs.group_hits,
		   (unsigned long long)cs.mem_hits, (unsigned long long)cs.mem_misses,
		   (unsigned long long)cs.mem_evictions, (unsigned long long)cs.disk_hits,
		   (unsigned long long)cs.disk_misses, (unsigned long long)cs.stores,
		   (unsigned long long)cs.disk_evictions, (unsigned long long)cs.disk_errors,
		   (unsigned long long)cs.redis_hits, (unsigned long long)cs.redis_misses,
		   (unsigned long long)cs.redis_stores, (unsigned long long)cs.redis_errors,
		   (unsigned long long)cs.redis_skips, (unsigned long long)cs.disk_bytes,
		   (unsigned long long)cs.disk_entries, cs.redis_on,
		   (unsigned long long)cs.dedup_waits, (unsigned long long)cs.mem_bytes,
		   (unsigned long long)cs.mem_entries, (unsigned long long)atomic_load(&cand_infra));
	counters_format(o);
	{
		unsigned long long mh, ms, gr, gt, ga;
		ppa_memo_counts(&mh, &ms);
		ppa_group_counts(&gr, &gt, &ga);
		buf_printf(o, "# HELP rtlreward_ppa_memo_hits_total Candidates whose PPA tier was an identical design's (memo or same group: ppa.reused_design).\n"
			      "# TYPE rtlreward_ppa_memo_hits_total counter\nrtlreward_ppa_memo_hits_total %llu\n"
			      "# HELP rtlreward_ppa_memo_designs_total Designs whose PPA tier entered the memo.\n"
			      "# TYPE rtlreward_ppa_memo_designs_total counter\nrtlreward_ppa_memo_designs_total %llu\n"
			      "# HELP rtlreward_ppa_sta_group_runs_total OpenSTA runs that timed a group; _timed: candidates timed in them; _alone: candidates of a group timed again alone.\n"
			      "# TYPE rtlreward_ppa_sta_group_runs_total counter\nrtlreward_ppa_sta_group_runs_total %llu\n"
			      "rtlreward_ppa_sta_group_timed_total %llu\nrtlreward_ppa_sta_group_alone_total %llu\n",
			   mh, ms, gr, gt, ga);
	}
	sched_stats(&queued, &cap, &busy, &workers);
	buf_printf(o, "# TYPE rtlreward_queue_depth gauge\nrtlreward_queue_depth %zu\n"
		      "# TYPE rtlreward_queue_capacity gauge\nrtlreward_queue_capacity %zu\n"
		      "# TYPE rtlreward_workers_busy gauge\nrtlreward_workers_busy %u\n"
		      "# TYPE rtlreward_workers gauge\nrtlreward_workers %u\n",
		   queued, cap, busy, workers);
	sched_format(o);
	{
		struct cg_stats g;
		unsigned tnow, tpeak;

		cg_get_stats(&g);
		tool_inflight(&tnow, &tpeak);
		buf_printf(o, "# HELP rtlreward_connections Open HTTP connections by class (ordinary budget, or the reserve for /healthz and /metrics).\n"
			      "# TYPE rtlreward_connections gauge\n"
			      "rtlreward_connections{class=\"ordinary\"} %u\n"
			      "rtlreward_connections{class=\"reserve\"} %u\n"
			      "# HELP rtlreward_connections_dropped_total Connections closed by the server before their request was in.\n"
			      "# TYPE rtlreward_connections_dropped_total counter\n"
			      "rtlreward_connections_dropped_total{reason=\"header_timeout\"} %llu\n"
			      "rtlreward_connections_dropped_total{reason=\"body_timeout\"} %llu\n"
			      "rtlreward_connections_dropped_total{reason=\"budget\"} %llu\n"
			      "# TYPE rtlreward_connections_reserve_total counter\n"
			      "rtlreward_connections_reserve_total %llu\n"
			      "# HELP rtlreward_tool_runs Tool runs (sandboxed processes) in progress, and the most at once since start-up.\n"
			      "# TYPE rtlreward_tool_runs gauge\nrtlreward_tool_runs %u\n"
			      "# TYPE rtlreward_tool_runs_peak gauge\nrtlreward_tool_runs_peak %u\n",
			   g.open_ordinary, g.open_reserve, g.header_timeouts, g.body_timeouts, g.refused,
			   g.to_reserve, tnow, tpeak);
	}
	buf_adds(o, "# HELP rtlreward_stage_seconds Latency of uncached pipeline stages.\n"
		    "# TYPE rtlreward_stage_seconds histogram\n");
	for (s = 0; s < NST; s++) {
		uint64_t cum = 0;
		for (i = 0; i <= NB; i++) {
			cum += atomic_load(&hist[s][i]);
			if (i < NB)
				buf_printf(o, "rtlreward_stage_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n",
					   stage_names[s], bounds[i] / 1000.0, (unsigned long long)cum);
			else
				buf_printf(o, "rtlreward_stage_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n",
					   stage_names[s], (unsigned long long)cum);
		}
		buf_printf(o, "rtlreward_stage_seconds_sum{stage=\"%s\"} %.6f\n"
			      "rtlreward_stage_seconds_count{stage=\"%s\"} %llu\n",
			   stage_names[s], (double)atomic_load(&hist_sum_us[s]) / 1e6, stage_names[s],
			   (unsigned long long)cum);
	}
	return o->overflow ? -1 : 0;
}
