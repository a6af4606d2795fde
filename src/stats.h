/* stats: process-wide counters shown in .tenantcorefs/stats.json. Counters
 * are atomics so hot paths never take a lock to count. */
#ifndef TC_STATS_H
#define TC_STATS_H

#include <stdatomic.h>

#include "api_error.h"
#include "strbuf.h"

struct stats {
    atomic_ulong api_calls;              /* HTTP requests sent, retries included */
    atomic_ulong api_calls_by_endpoint[EP_COUNT];
    atomic_ulong retries;
    atomic_ulong api_errors;             /* requests that ended in failure */
    atomic_long in_flight;
    atomic_ulong connections;            /* connections opened */
    atomic_ulong cache_hits;
    atomic_ulong cache_misses;
    atomic_ulong stale_serves;
    atomic_ulong evictions;
    atomic_ulong prefetches;
    atomic_long cache_bytes;
    atomic_long cache_entries;
    atomic_ulong notifications;          /* kernel invalidations sent */
};

extern struct stats g_stats;

void stats_reset(void);
/* stats.json: pretty JSON, ends with a newline. cache_max, max_conns and
 * ttl are reported too (tenantcorefs-apply sizes its jobs by max_conns and
 * states how old the values it reads may be). */
void stats_render(struct strbuf *sb, long cache_max, unsigned max_conns, unsigned ttl);

#endif
