/* api: the TenantCore endpoints on top of the transport. Reads are served
 * to the cache as a fetcher (answers decoded into resources); writes are
 * synchronous calls that return the parsed answer or an api_error. */
#ifndef TC_API_H
#define TC_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "api_error.h"
#include "cache.h"
#include "transport.h"

struct api_config {
    int64_t read_budget_ms;    /* timeout × (retries + 1) */
    int64_t read_attempt_ms;   /* timeout */
    int64_t action_budget_ms;  /* action_timeout: sync, provision, mkdir, verify */
    int64_t write_budget_ms;   /* other writes: as reads */
    int64_t write_attempt_ms;
    size_t events_max; /* newest enforcement events kept (enforcement_max) */
};

struct api;

struct api *api_new(struct transport *t, const struct api_config *cfg);
void api_free(struct api *a);
/* The cache's fetcher: GETs as resources. */
struct cache_fetcher api_fetcher(struct api *a);

/* One write to endpoint ep (its method, path and time limits from the
 * endpoint table). On success (a 2xx) returns 0 and, if answer is non-NULL,
 * the parsed JSON object or NULL when the body is not one. On failure
 * -errno with *err filled (HTTP status, API code and message, or the
 * transport's error). */
int api_call(struct api *a, enum api_endpoint ep, const struct ep_args *args, const cJSON *body,
             cJSON **answer, struct api_error *err);

/* One synchronous GET (the mount's start-up check). */
int api_get(struct api *a, const struct res_id *id, struct resource **out, struct api_error *err);

#endif
