/* cache: one mutex guards the table, the LRU list and every entry; it is
 * held only for table work, never across a fetch, so a reader of fresh data
 * never waits for the network. Waiters sleep on one condition variable and
 * wake at least every 100 ms to notice interrupts and deadlines. */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "stats.h"
#include "strbuf.h"

#define WAIT_STEP_MS 100

struct cache_entry {
    char *key; /* the API path */
    char *tenant, *sub;
    enum res_kind kind;
    struct resource *res; /* last answer kept (data or a 404), or NULL */
    int64_t stored_ms;    /* when res arrived */
    int64_t hold_until_ms;
    bool fetching, background, detached;
    struct cache_fetch fetch;
    unsigned long seq; /* fetches completed */
    int last_err;      /* 0 if the last fetch succeeded */
    struct api_error last_api_err;
    int refs; /* table membership + waiters + fetch in flight */
    size_t bytes;
    struct cache_entry *hnext;
    struct cache_entry *lru_prev, *lru_next;
};

struct cache {
    struct cache_config cfg;
    struct cache_fetcher fetcher;
    pthread_mutex_t lock;
    pthread_cond_t done;
    struct cache_entry **buckets;
    size_t nbuckets, count;
    struct cache_entry lru; /* sentinel: lru.lru_next is the most recent */
    size_t bytes;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void lru_unlink(struct cache_entry *e)
{
    if (e->lru_prev) {
        e->lru_prev->lru_next = e->lru_next;
        e->lru_next->lru_prev = e->lru_prev;
        e->lru_prev = e->lru_next = NULL;
    }
}

static void lru_push_front(struct cache *c, struct cache_entry *e)
{
    lru_unlink(e);
    e->lru_next = c->lru.lru_next;
    e->lru_prev = &c->lru;
    c->lru.lru_next->lru_prev = e;
    c->lru.lru_next = e;
}

struct cache *cache_new(const struct cache_config *cfg, const struct cache_fetcher *fetcher)
{
    struct cache *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->fetcher = *fetcher;
    pthread_mutex_init(&c->lock, NULL);
    clock_cond_init(&c->done);
    c->nbuckets = 1024;
    c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
    c->lru.lru_next = c->lru.lru_prev = &c->lru;
    return c;
}

static void entry_set_res(struct cache *c, struct cache_entry *e, struct resource *res)
{
    /* Nobody else sees res yet: its freshness is written once, here. */
    if (res)
        res->expires_ms = clock_mono_ms() + c->cfg.ttl_ms;
    if (!e->detached)
        c->bytes -= e->res ? e->res->bytes : 0;
    resource_put(e->res);
    e->res = res;
    if (!e->detached)
        c->bytes += res ? res->bytes : 0;
    atomic_store(&g_stats.cache_bytes, (long)c->bytes);
}

static void entry_free(struct cache_entry *e)
{
    resource_put(e->res);
    free(e->key);
    free(e->tenant);
    free(e->sub);
    free(e);
}

static void entry_unref(struct cache_entry *e)
{
    if (--e->refs == 0)
        entry_free(e);
}

/* Remove e from the table (it lives on while waiters or a fetch hold it). */
static void entry_detach(struct cache *c, struct cache_entry *e)
{
    if (e->detached)
        return;
    struct cache_entry **pp = &c->buckets[hash_key(e->key) & (c->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(e);
    c->bytes -= e->bytes + (e->res ? e->res->bytes : 0);
    c->count--;
    e->detached = true;
    atomic_store(&g_stats.cache_bytes, (long)c->bytes);
    atomic_store(&g_stats.cache_entries, (long)c->count);
    entry_unref(e);
}

static struct cache_entry *entry_find(struct cache *c, const char *key)
{
    struct cache_entry *e = c->buckets[hash_key(key) & (c->nbuckets - 1)];
    while (e && strcmp(e->key, key) != 0)
        e = e->hnext;
    return e;
}

static void table_grow(struct cache *c)
{
    size_t n = c->nbuckets * 2;
    struct cache_entry **b = xcalloc(n, sizeof *b);
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct cache_entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->hnext;
            size_t j = hash_key(e->key) & (n - 1);
            e->hnext = b[j];
            b[j] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

static struct cache_entry *entry_create(struct cache *c, const char *key, const struct res_id *id)
{
    if (c->count >= c->nbuckets)
        table_grow(c);
    struct cache_entry *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->kind = id->kind;
    e->tenant = xstrdup(id->tenant ? id->tenant : "");
    e->sub = xstrdup(id->sub ? id->sub : "");
    e->refs = 1;
    e->bytes = sizeof *e + strlen(key) + strlen(e->tenant) + strlen(e->sub) + 3 + 48;
    size_t j = hash_key(key) & (c->nbuckets - 1);
    e->hnext = c->buckets[j];
    c->buckets[j] = e;
    c->count++;
    c->bytes += e->bytes;
    lru_push_front(c, e);
    atomic_store(&g_stats.cache_entries, (long)c->count);
    return e;
}

/* Evict least recently used entries that nobody is using until the
 * accounted bytes fit the bound again. */
static void evict(struct cache *c)
{
    struct cache_entry *e = c->lru.lru_prev;
    while (c->bytes > c->cfg.max_bytes && e != &c->lru) {
        struct cache_entry *prev = e->lru_prev;
        if (e->refs == 1 && !e->fetching) {
            entry_detach(c, e);
            atomic_fetch_add(&g_stats.evictions, 1);
        }
        e = prev;
    }
}

static void res_id_of(const struct cache_entry *e, struct res_id *id)
{
    id->kind = e->kind;
    id->tenant = e->tenant;
    id->sub = e->sub;
}

static void start_fetch(struct cache *c, struct cache_entry *e, bool background)
{
    struct res_id id;
    res_id_of(e, &id);
    e->fetching = true;
    e->background = background;
    e->fetch.cache = c;
    e->fetch.entry = e;
    e->fetch.fetcher_data = NULL;
    e->refs++;
    c->fetcher.start(c->fetcher.ctx, &e->fetch, &id, background);
}

static struct cache_entry *lookup_or_create(struct cache *c, const struct res_id *id)
{
    struct strbuf key = STRBUF_INIT;
    res_id_path(id, &key);
    struct cache_entry *e = entry_find(c, key.data);
    if (!e)
        e = entry_create(c, key.data, id);
    sb_free(&key);
    return e;
}

static bool is_fresh(const struct cache *c, const struct cache_entry *e, int64_t now)
{
    return e->res && now - e->stored_ms < c->cfg.ttl_ms;
}

static bool may_serve_stale(const struct cache *c, const struct cache_entry *e, int64_t now)
{
    return e->res && c->cfg.stale_ttl_ms > 0 && now - e->stored_ms <= c->cfg.stale_ttl_ms;
}

/* Hand out e's answer: data (or "no policy") is a reference, a 404 an errno. */
static int deliver(struct cache_entry *e, struct resource **out, struct api_error *err)
{
    if (e->res->status == RES_NOT_FOUND) {
        *err = e->res->err;
        err->err = ENOENT;
        return -ENOENT;
    }
    *out = resource_ref(e->res);
    return 0;
}

/* Drop an entry that holds nothing and that nobody waits for, so failed
 * lookups of names that never existed do not accumulate. */
static void forget_if_empty(struct cache *c, struct cache_entry *e)
{
    if (!e->res && !e->fetching && e->refs == 1 && !e->detached)
        entry_detach(c, e);
}

/* Drop a waiter's (or a finished fetch's) reference; e may be freed. */
static void release_waiter(struct cache *c, struct cache_entry *e)
{
    e->refs--;
    if (e->detached) {
        if (e->refs == 0)
            entry_free(e);
    } else {
        forget_if_empty(c, e);
    }
}

int cache_get(struct cache *c, const struct res_id *id, const struct wait_ctx *w,
              struct resource **out, struct api_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = lookup_or_create(c, id);
    int64_t now = clock_mono_ms();
    if (is_fresh(c, e, now)) {
        lru_push_front(c, e);
        atomic_fetch_add(&g_stats.cache_hits, 1);
        int rc = deliver(e, out, err);
        pthread_mutex_unlock(&c->lock);
        return rc;
    }
    if (!e->fetching && now < e->hold_until_ms && may_serve_stale(c, e, now)) {
        atomic_fetch_add(&g_stats.stale_serves, 1);
        int rc = deliver(e, out, err);
        pthread_mutex_unlock(&c->lock);
        return rc;
    }
    atomic_fetch_add(&g_stats.cache_misses, 1);
    if (!e->fetching)
        start_fetch(c, e, false);
    else if (e->background) {
        e->background = false;
        if (e->fetch.fetcher_data)
            c->fetcher.promote(c->fetcher.ctx, &e->fetch);
    }

    e->refs++;
    unsigned long seq = e->seq;
    int rc = 0;
    while (e->seq == seq) {
        now = clock_mono_ms();
        if (w && w->interrupted && w->interrupted(w->arg)) {
            rc = -EINTR;
            break;
        }
        if (w && now >= w->deadline_ms) {
            rc = -ETIMEDOUT;
            break;
        }
        int64_t step = WAIT_STEP_MS;
        if (w && w->deadline_ms - now < step)
            step = w->deadline_ms - now;
        /* The condition variable runs on the real monotonic clock (the
         * deadline may come from a test's fake one): wait a relative step. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += step / 1000;
        ts.tv_nsec += (step % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->done, &c->lock, &ts);
    }
    if (rc == 0) {
        now = clock_mono_ms();
        if (e->last_err == 0 && e->res) {
            rc = deliver(e, out, err);
        } else if (may_serve_stale(c, e, now)) {
            atomic_fetch_add(&g_stats.stale_serves, 1);
            rc = deliver(e, out, err);
        } else {
            *err = e->last_api_err;
            rc = -(e->last_err ? e->last_err : EIO);
        }
    } else {
        api_error_set(err, -rc, 0, NULL,
                      rc == -EINTR ? "interrupted while waiting for the API"
                                   : "timed out waiting for the API");
    }
    release_waiter(c, e);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

struct resource *cache_peek(struct cache *c, const struct res_id *id)
{
    struct strbuf key = STRBUF_INIT;
    res_id_path(id, &key);
    struct resource *r = NULL;
    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = entry_find(c, key.data);
    if (e && is_fresh(c, e, clock_mono_ms()))
        r = resource_ref(e->res);
    pthread_mutex_unlock(&c->lock);
    sb_free(&key);
    return r;
}

void cache_prefetch(struct cache *c, const struct res_id *id)
{
    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = lookup_or_create(c, id);
    int64_t now = clock_mono_ms();
    if (!e->fetching && !is_fresh(c, e, now) && now >= e->hold_until_ms) {
        atomic_fetch_add(&g_stats.prefetches, 1);
        start_fetch(c, e, true);
    }
    pthread_mutex_unlock(&c->lock);
}

void cache_fetch_done(struct cache_fetch *f, struct resource *res, const struct api_error *err)
{
    struct cache *c = f->cache;
    struct cache_entry *e = f->entry;
    pthread_mutex_lock(&c->lock);
    int64_t now = clock_mono_ms();
    e->fetching = false;
    e->fetch.fetcher_data = NULL;
    if (res) {
        entry_set_res(c, e, res);
        if (!e->detached)
            lru_push_front(c, e); /* just fetched: the last to evict */
        e->stored_ms = now;
        e->hold_until_ms = 0;
        e->last_err = 0;
    } else {
        e->last_api_err = *err;
        e->last_err = err->err ? err->err : EIO;
        int64_t hold = c->cfg.hold_ms < c->cfg.ttl_ms ? c->cfg.hold_ms : c->cfg.ttl_ms;
        e->hold_until_ms = now + hold;
    }
    e->seq++;
    pthread_cond_broadcast(&c->done);
    release_waiter(c, e); /* the fetch's reference */
    evict(c);
    pthread_mutex_unlock(&c->lock);
}

void cache_insert(struct cache *c, const struct res_id *id, struct resource *res)
{
    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = lookup_or_create(c, id);
    if (e->fetching) {
        /* The answer in flight predates this one: let it land elsewhere. */
        entry_detach(c, e);
        e = lookup_or_create(c, id);
    }
    entry_set_res(c, e, res);
    e->stored_ms = clock_mono_ms();
    e->hold_until_ms = 0;
    e->last_err = 0;
    lru_push_front(c, e);
    evict(c);
    pthread_mutex_unlock(&c->lock);
}

void cache_drop(struct cache *c, const struct res_id *id)
{
    struct strbuf key = STRBUF_INIT;
    res_id_path(id, &key);
    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = entry_find(c, key.data);
    if (e)
        entry_detach(c, e);
    pthread_mutex_unlock(&c->lock);
    sb_free(&key);
}

void cache_drop_prefix(struct cache *c, const char *prefix)
{
    size_t n = strlen(prefix);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct cache_entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->hnext;
            if (strncmp(e->key, prefix, n) == 0)
                entry_detach(c, e);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void cache_drop_kind(struct cache *c, enum res_kind kind, const char *tenant, const char *sub)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct cache_entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->hnext;
            if (e->kind == kind && (!tenant || strcmp(e->tenant, tenant) == 0) &&
                (!sub || strcmp(e->sub, sub) == 0))
                entry_detach(c, e);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void cache_drop_all(struct cache *c)
{
    cache_drop_prefix(c, "");
}

size_t cache_bytes(struct cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->bytes;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    cache_drop_all(c);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->done);
    free(c);
}
