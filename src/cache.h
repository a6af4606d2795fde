/* cache: API resources by path, with a TTL, stale-if-error, single-flight
 * fetching and an LRU memory bound. It knows nothing of HTTP or FUSE: it
 * asks a fetcher to fetch, and the fetcher reports back with
 * cache_fetch_done(). Time comes from clock.h, so tests can expire entries
 * without sleeping. */
#ifndef TC_CACHE_H
#define TC_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "api_error.h"
#include "resource.h"

struct cache;
struct cache_entry;

/* One fetch in flight. fetcher_data belongs to the fetcher (its request
 * handle); the cache clears it when the fetch is done. */
struct cache_fetch {
    struct cache *cache;
    struct cache_entry *entry;
    void *fetcher_data;
};

struct cache_fetcher {
    /* Begin fetching id. Called with the cache locked: it must only queue
     * the work and return; cache_fetch_done() must come later, from
     * another thread, exactly once. */
    void (*start)(void *ctx, struct cache_fetch *fetch, const struct res_id *id, bool background);
    /* A foreground reader now waits for this background fetch: move it
     * ahead of the remaining background work. Called with the cache locked. */
    void (*promote)(void *ctx, struct cache_fetch *fetch);
    void *ctx;
};

struct cache_config {
    int64_t ttl_ms;       /* fresh for this long */
    int64_t stale_ttl_ms; /* on failure, serve data up to this age (0: never) */
    size_t max_bytes;     /* LRU bound on accounted bytes */
    int64_t hold_ms;      /* after a failed refresh, serve stale without retrying for this long */
};

/* How long a caller may wait, and how to tell it was interrupted. */
struct wait_ctx {
    int64_t deadline_ms; /* clock_mono_ms() time at which to give up (ETIMEDOUT) */
    bool (*interrupted)(void *arg);
    void *arg;
};

struct cache *cache_new(const struct cache_config *cfg, const struct cache_fetcher *fetcher);
/* All fetches must be done (the transport stopped) before freeing. */
void cache_free(struct cache *c);

/* A fresh resource, fetched if needed (single-flight). Returns 0 with *out
 * referenced (resource_put() it), including RES_POLICY_NONE; a cached 404
 * is -ENOENT. Failures: -errno with *err filled; stale data within
 * stale_ttl is served instead when there is some. */
int cache_get(struct cache *c, const struct res_id *id, const struct wait_ctx *w,
              struct resource **out, struct api_error *err);
/* The cached resource if it is fresh; never fetches. NULL otherwise. */
struct resource *cache_peek(struct cache *c, const struct res_id *id);
/* Warm id in the background unless it is fresh or already being fetched. */
void cache_prefetch(struct cache *c, const struct res_id *id);

/* The fetcher's report: res (its reference passes to the cache) or err. */
void cache_fetch_done(struct cache_fetch *f, struct resource *res, const struct api_error *err);

/* Put a known answer in the cache (a write's response). Takes res's reference. */
void cache_insert(struct cache *c, const struct res_id *id, struct resource *res);
/* Forget entries: one, those whose API path starts with prefix, or all. A
 * fetch already in flight for a forgotten entry cannot bring it back. */
void cache_drop(struct cache *c, const struct res_id *id);
void cache_drop_prefix(struct cache *c, const char *path_prefix);
/* Forget every entry of kind whose tenant and sub are these (NULL: any). */
void cache_drop_kind(struct cache *c, enum res_kind kind, const char *tenant, const char *sub);
void cache_drop_all(struct cache *c);

size_t cache_bytes(struct cache *c);

#endif
