/* api_events: the enforcement log (GET /v1/enforcement/events, paged) as
 * one cached resource: {"total": N, "events": [newest first, each once,
 * at most max]}. */
#ifndef TC_API_EVENTS_H
#define TC_API_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "transport.h"

/* Start fetching id (RES_EVENTS; tenant NULL or "" for every tenant) for
 * the cache; cache_fetch_done is called once, from the transport thread. */
void api_events_fetch(struct transport *t, struct cache_fetch *f, const struct res_id *id,
                      size_t max, int64_t budget_ms, int64_t attempt_ms);

#endif
