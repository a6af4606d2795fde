/* test_cache: the cache against a fake fetcher and the fake clock. The fake
 * fetcher only records each start(); the test (or a thread of its own)
 * completes the fetch later with cache_fetch_done(), never inside start(),
 * which runs with the cache locked. TTL, stale-if-error, the hold window,
 * single-flight, promotion, 404s, the LRU bound, drops, and the races the
 * design guards against (a late answer must not undo a drop or an insert). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "clock.h"
#include "resource.h"
#include "stats.h"
#include "strbuf.h"

#define T_A    "8f1c2e4a-1b2c-4d5e-8f90-123456789abc"
#define T_B    "1234abcd-0000-4000-8000-0000000000b2"
#define DOMAIN "mail.acmecorp.com"

/* ---- the fake fetcher ---------------------------------------------------- */

#define MAX_PENDING 64

struct pending {
    struct cache_fetch *fetch;
    enum res_kind kind;
    char tenant[128], sub[128];
    bool background;
};

struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int starts, bg_starts, promotes;
    struct cache_fetch *promoted;
    struct pending p[MAX_PENDING];
    int np;
};

static struct fake F = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static int fetcher_marker; /* fetcher_data of every fetch: "a request handle" */

static void fake_start(void *ctx, struct cache_fetch *fetch, const struct res_id *id,
                       bool background)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->starts++;
    f->bg_starts += background;
    if (f->np < MAX_PENDING) {
        struct pending *p = &f->p[f->np++];
        p->fetch = fetch;
        p->kind = id->kind;
        snprintf(p->tenant, sizeof p->tenant, "%s", id->tenant ? id->tenant : "");
        snprintf(p->sub, sizeof p->sub, "%s", id->sub ? id->sub : "");
        p->background = background;
    }
    fetch->fetcher_data = &fetcher_marker;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static void fake_promote(void *ctx, struct cache_fetch *fetch)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->promotes++;
    f->promoted = fetch;
    pthread_mutex_unlock(&f->mu);
}

static void fake_reset(void)
{
    pthread_mutex_lock(&F.mu);
    F.starts = F.bg_starts = F.promotes = 0;
    F.promoted = NULL;
    F.np = 0;
    pthread_mutex_unlock(&F.mu);
}

static int fake_starts(void)
{
    pthread_mutex_lock(&F.mu);
    int n = F.starts;
    pthread_mutex_unlock(&F.mu);
    return n;
}

static int fake_pending(void)
{
    pthread_mutex_lock(&F.mu);
    int n = F.np;
    pthread_mutex_unlock(&F.mu);
    return n;
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Take the oldest pending fetch, waiting up to timeout_ms (real time) for
 * one to start. NULL if none did. */
static struct cache_fetch *take_pending(int timeout_ms, struct pending *info)
{
    int64_t until = real_ms() + timeout_ms;
    pthread_mutex_lock(&F.mu);
    while (F.np == 0 && real_ms() < until) {
        pthread_mutex_unlock(&F.mu);
        sleep_ms(1);
        pthread_mutex_lock(&F.mu);
    }
    struct cache_fetch *fetch = NULL;
    if (F.np > 0) {
        if (info)
            *info = F.p[0];
        fetch = F.p[0].fetch;
        memmove(&F.p[0], &F.p[1], (size_t)(F.np - 1) * sizeof F.p[0]);
        F.np--;
    }
    pthread_mutex_unlock(&F.mu);
    return fetch;
}

static void complete_ok(struct cache_fetch *fetch, struct resource *res)
{
    cache_fetch_done(fetch, res, NULL);
}

static void complete_err(struct cache_fetch *fetch, int err, int status, const char *code)
{
    struct api_error e;
    api_error_set(&e, err, status, code, "injected failure");
    cache_fetch_done(fetch, NULL, &e);
}

/* Wait (real time, bounded) until the counter reaches want. */
static bool wait_counter(atomic_ulong *counter, unsigned long want, int timeout_ms)
{
    int64_t until = real_ms() + timeout_ms;
    while (atomic_load(counter) < want) {
        if (real_ms() > until)
            return false;
        sleep_ms(1);
    }
    return true;
}

/* ---- resources ------------------------------------------------------------ */

static struct resource *mkres(enum res_kind kind, const char *json)
{
    cJSON *j = cJSON_Parse(json);
    if (!j) {
        fprintf(stderr, "bad fixture JSON: %s\n", json);
        abort();
    }
    return resource_from_json(kind, j);
}

/* A tenant resource with a version number and padding of pad bytes. */
static struct resource *tenant_res(const char *tenant, int version, size_t pad)
{
    struct strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "{\"tenant_id\":\"%s\",\"version\":%d,\"pad\":\"", tenant, version);
    for (size_t i = 0; i < pad; i++)
        sb_putc(&sb, 'x');
    sb_puts(&sb, "\"}");
    struct resource *r = mkres(RES_TENANT, sb.data);
    sb_free(&sb);
    return r;
}

static int res_version(const struct resource *r)
{
    long long v = -1;
    if (!r || !r->json || json_int(r->json, "version", &v) != 0)
        return -1;
    return (int)v;
}

static int refs(struct resource *r)
{
    return atomic_load(&r->refs);
}

/* ---- cache_get from a thread ---------------------------------------------- */

struct getter {
    struct cache *c;
    enum res_kind kind;
    const char *tenant, *sub;
    struct wait_ctx w;
    bool use_w;
    int rc;
    struct resource *out;
    struct api_error err;
    atomic_bool done;
    int64_t returned_ms; /* real time */
    pthread_t th;
    pthread_barrier_t *barrier;
};

static void *getter_main(void *arg)
{
    struct getter *g = arg;
    struct res_id id = {g->kind, g->tenant, g->sub};
    if (g->barrier)
        pthread_barrier_wait(g->barrier);
    g->rc = cache_get(g->c, &id, g->use_w ? &g->w : NULL, &g->out, &g->err);
    g->returned_ms = real_ms();
    atomic_store(&g->done, true);
    return NULL;
}

static void getter_start(struct getter *g, struct cache *c, enum res_kind kind, const char *tenant,
                         const char *sub)
{
    memset(g, 0, sizeof *g);
    g->c = c;
    g->kind = kind;
    g->tenant = tenant;
    g->sub = sub;
    pthread_create(&g->th, NULL, getter_main, g);
}

/* Wait (bounded) for a getter to return; false if it is still blocked. */
static bool getter_wait(struct getter *g, int timeout_ms)
{
    int64_t until = real_ms() + timeout_ms;
    while (!atomic_load(&g->done) && real_ms() < until)
        sleep_ms(1);
    return atomic_load(&g->done);
}

/* Join a reader, failing whatever it still waits for (so a broken cache
 * fails the test instead of hanging it). */
static void join_draining(struct getter *g)
{
    while (!atomic_load(&g->done)) {
        struct cache_fetch *fetch = take_pending(2, NULL);
        if (fetch) {
            CHECK(!"a reader waited for a fetch the test did not expect");
            complete_err(fetch, EIO, 503, "drained");
        }
    }
    pthread_join(g->th, NULL);
}

/* cache_get id; when it starts a fetch, answer it with answer (or fail with
 * err when answer is NULL). *fetched tells whether a fetch was started. */
static int get_answering(struct cache *c, enum res_kind kind, const char *tenant, const char *sub,
                         struct resource *answer, int err, bool *fetched, struct resource **out,
                         struct api_error *aerr)
{
    CHECK_INT(fake_pending(), 0);
    int before = fake_starts();
    struct getter g;
    getter_start(&g, c, kind, tenant, sub);
    /* Serve every fetch until the reader returns (a broken cache may ask
     * more than once: that must fail the test, not hang it). */
    int answered = 0;
    while (!atomic_load(&g.done)) {
        struct cache_fetch *fetch = take_pending(2, NULL);
        if (!fetch)
            continue;
        if (answered == 0 && answer)
            complete_ok(fetch, answer);
        else
            complete_err(fetch, err ? err : EIO, err == EIO ? 503 : 0, "injected");
        answered++;
    }
    pthread_join(g.th, NULL);
    if (answered == 0 && answer)
        resource_put(answer);
    CHECK(answered <= 1);
    *fetched = fake_starts() > before;
    CHECK(*fetched == (answered > 0));
    *out = g.out;
    if (aerr)
        *aerr = g.err;
    return g.rc;
}

/* Expect a fresh hit: no fetch, the given resource. */
static void expect_hit(struct cache *c, enum res_kind kind, const char *tenant, const char *sub,
                       struct resource *want)
{
    bool fetched;
    struct resource *out = NULL;
    int rc = get_answering(c, kind, tenant, sub, NULL, EIO, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(!fetched);
    CHECK(out == want);
    resource_put(out);
}

/* Expect a miss answered by the API with answer, which the reader gets. */
static void expect_fetch(struct cache *c, enum res_kind kind, const char *tenant, const char *sub,
                         struct resource *answer)
{
    bool fetched;
    struct resource *out = NULL;
    int rc = get_answering(c, kind, tenant, sub, answer, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == answer);
    resource_put(out);
}

static const struct cache_fetcher fetcher = {fake_start, fake_promote, &F};

static struct cache *new_cache(int64_t ttl, int64_t stale, size_t max_bytes, int64_t hold)
{
    fake_reset();
    /* The fake clock starts at the real monotonic time: the cache's timed
     * waits use CLOCK_MONOTONIC deadlines derived from clock_mono_ms(). */
    clock_set_fake(real_ms(), 1700000000);
    struct cache_config cfg = {ttl, stale, max_bytes, hold};
    return cache_new(&cfg, &fetcher);
}

static struct res_id rid(enum res_kind kind, const char *tenant, const char *sub)
{
    struct res_id id = {kind, tenant, sub};
    return id;
}

/* ---- TTL ------------------------------------------------------------------ */

static void test_ttl(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    bool fetched;
    struct resource *out = NULL;
    struct resource *r1 = tenant_res(T_A, 1, 10);
    resource_ref(r1); /* ours, to watch the cache let go of it */

    unsigned long misses = atomic_load(&g_stats.cache_misses);
    int rc = get_answering(c, RES_TENANT, T_A, NULL, r1, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == r1);
    CHECK_INT(atomic_load(&g_stats.cache_misses) - misses, 1);
    CHECK_INT(refs(r1), 3); /* ours, the cache's, the reader's */
    resource_put(out);

    /* The fetch asked for the right thing. */
    CHECK_INT(fake_starts(), 1);
    CHECK_INT(F.bg_starts, 0);

    /* Fresh for just under ttl: no fetch. */
    unsigned long hits = atomic_load(&g_stats.cache_hits);
    clock_advance_fake(10000);
    expect_hit(c, RES_TENANT, T_A, NULL, r1);
    clock_advance_fake(19999);
    expect_hit(c, RES_TENANT, T_A, NULL, r1);
    CHECK_INT(atomic_load(&g_stats.cache_hits) - hits, 2);
    struct res_id id = rid(RES_TENANT, T_A, NULL);
    struct resource *p = cache_peek(c, &id);
    CHECK(p == r1);
    resource_put(p);
    CHECK_INT(fake_starts(), 1);

    /* At ttl: expired, exactly one fetch, and the new answer replaces the old. */
    clock_advance_fake(1);
    CHECK(cache_peek(c, &id) == NULL);
    struct resource *r2 = tenant_res(T_A, 2, 10);
    rc = get_answering(c, RES_TENANT, T_A, NULL, r2, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == r2);
    CHECK_INT(res_version(out), 2);
    CHECK_INT(fake_starts(), 2);
    CHECK_INT(refs(r1), 1); /* the cache let go of the old answer */
    resource_put(out);
    resource_put(r1);

    /* Another key is independent. */
    struct resource *rb = tenant_res(T_B, 1, 10);
    expect_fetch(c, RES_TENANT, T_B, NULL, rb);
    expect_hit(c, RES_TENANT, T_A, NULL, r2);

    /* cache_prefetch of a fresh entry does nothing. */
    int starts = fake_starts();
    cache_prefetch(c, &id);
    CHECK_INT(fake_starts(), starts);
    CHECK_INT(fake_pending(), 0);
    cache_free(c);
}

/* ---- stale-if-error and the hold window ----------------------------------- */

static void test_stale_if_error(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    bool fetched;
    struct resource *out = NULL;
    struct api_error err;
    struct resource *r1 = tenant_res(T_A, 1, 10);
    int rc = get_answering(c, RES_TENANT, T_A, NULL, r1, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    resource_put(out);

    /* Expired, the refresh fails: the old value is served, counted. */
    clock_advance_fake(31000);
    unsigned long stale = atomic_load(&g_stats.stale_serves);
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == r1);
    CHECK_INT(atomic_load(&g_stats.stale_serves) - stale, 1);
    resource_put(out);

    /* Hold window: for hold_ms after a failed refresh, stale data is served
     * without asking again (and without a prefetch). */
    clock_advance_fake(4999);
    int starts = fake_starts();
    expect_hit(c, RES_TENANT, T_A, NULL, r1);
    struct res_id id = rid(RES_TENANT, T_A, NULL);
    cache_prefetch(c, &id);
    CHECK_INT(fake_starts(), starts);
    CHECK_INT(fake_pending(), 0);
    CHECK_INT(atomic_load(&g_stats.stale_serves) - stale, 2);
    CHECK(cache_peek(c, &id) == NULL); /* stale is not fresh */

    /* After the hold: a new attempt, failing again, stale again. */
    clock_advance_fake(1);
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == r1);
    CHECK_INT(atomic_load(&g_stats.stale_serves) - stale, 3);
    resource_put(out);

    /* Exactly stale_ttl old: still served. */
    clock_advance_fake(300000 - 31000 - 5000); /* age 300000 */
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, ETIMEDOUT, &fetched, &out, &err);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == r1);
    resource_put(out);

    /* Beyond stale_ttl: the error, with the fetcher's details. */
    clock_advance_fake(1);
    stale = atomic_load(&g_stats.stale_serves);
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, -EIO);
    CHECK(fetched);
    CHECK(out == NULL);
    CHECK_INT(err.err, EIO);
    CHECK_INT(err.http_status, 503);
    CHECK_STR(err.code, "injected");
    CHECK_INT(atomic_load(&g_stats.stale_serves) - stale, 0);

    /* The errno of the failure is passed through (no hold beyond stale). */
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, ECONNREFUSED, &fetched, &out, &err);
    CHECK_INT(rc, -ECONNREFUSED);
    CHECK(fetched);
    CHECK_INT(err.err, ECONNREFUSED);

    /* A success after failures: fresh again, no hold left over. */
    struct resource *r2 = tenant_res(T_A, 2, 10);
    rc = get_answering(c, RES_TENANT, T_A, NULL, r2, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(out == r2);
    resource_put(out);
    clock_advance_fake(29999);
    expect_hit(c, RES_TENANT, T_A, NULL, r2);
    cache_free(c);

    /* A failure with nothing cached is the error. */
    c = new_cache(30000, 300000, 64 << 20, 5000);
    rc = get_answering(c, RES_TENANT, T_B, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, -EIO);
    CHECK(fetched);
    CHECK(out == NULL);
    cache_free(c);

    /* stale_ttl = 0: never stale. */
    c = new_cache(30000, 0, 64 << 20, 5000);
    struct resource *r3 = tenant_res(T_A, 3, 10);
    rc = get_answering(c, RES_TENANT, T_A, NULL, r3, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    resource_put(out);
    clock_advance_fake(30001);
    stale = atomic_load(&g_stats.stale_serves);
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, -EIO);
    CHECK(out == NULL);
    /* ... also right after the failure (no stale serve from the hold). */
    rc = get_answering(c, RES_TENANT, T_A, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, -EIO);
    CHECK(out == NULL);
    CHECK_INT(atomic_load(&g_stats.stale_serves) - stale, 0);
    cache_free(c);
}

/* ---- single-flight -------------------------------------------------------- */

#define NTHREADS 8

static void test_single_flight(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    struct getter g[NTHREADS];
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    unsigned long misses = atomic_load(&g_stats.cache_misses);
    for (int i = 0; i < NTHREADS; i++) {
        memset(&g[i], 0, sizeof g[i]);
        g[i].c = c;
        g[i].kind = RES_DOMAINS;
        g[i].tenant = T_A;
        g[i].barrier = &barrier;
        pthread_create(&g[i].th, NULL, getter_main, &g[i]);
    }
    /* Every reader is waiting once each has counted its miss. */
    CHECK(wait_counter(&g_stats.cache_misses, misses + NTHREADS, 5000));
    struct pending info;
    struct cache_fetch *fetch = take_pending(1000, &info);
    CHECK(fetch != NULL);
    CHECK_INT(fake_starts(), 1);
    CHECK_INT(info.kind, RES_DOMAINS);
    CHECK_STR(info.tenant, T_A);
    CHECK(!info.background);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(!atomic_load(&g[i].done));
    struct resource *r = mkres(RES_DOMAINS, "{\"tenant_id\":\"" T_A "\",\"domains\":["
                                            "{\"domain_name\":\"" DOMAIN "\"}],\"count\":1}");
    if (fetch)
        complete_ok(fetch, r);
    for (int i = 0; i < NTHREADS; i++) {
        join_draining(&g[i]);
        CHECK_INT(g[i].rc, 0);
        CHECK(g[i].out == r);
    }
    CHECK_INT(fake_starts(), 1);
    CHECK_INT(refs(r), NTHREADS + 1);
    for (int i = 0; i < NTHREADS; i++)
        resource_put(g[i].out);
    CHECK_INT(refs(r), 1);
    CHECK(resource_child(r, DOMAIN) != NULL);
    pthread_barrier_destroy(&barrier);

    /* Concurrent failures: one fetch, every reader gets the error. */
    clock_advance_fake(400000);
    fake_reset();
    misses = atomic_load(&g_stats.cache_misses);
    for (int i = 0; i < NTHREADS; i++) {
        memset(&g[i], 0, sizeof g[i]);
        g[i].c = c;
        g[i].kind = RES_DOMAINS;
        g[i].tenant = T_A;
        pthread_create(&g[i].th, NULL, getter_main, &g[i]);
    }
    CHECK(wait_counter(&g_stats.cache_misses, misses + NTHREADS, 5000));
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    if (fetch)
        complete_err(fetch, EIO, 503, "unavailable");
    for (int i = 0; i < NTHREADS; i++) {
        join_draining(&g[i]);
        CHECK_INT(g[i].rc, -EIO);
        CHECK(g[i].out == NULL);
        CHECK_STR(g[i].err.code, "unavailable");
    }
    CHECK_INT(fake_starts(), 1);
    cache_free(c);
}

/* ---- promotion ------------------------------------------------------------ */

static void test_promotion(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    struct res_id id = rid(RES_USAGE, T_A, "6b1e0a52-7c3d-4e8f-9a10-b2c3d4e5f607");
    unsigned long prefetches = atomic_load(&g_stats.prefetches);
    cache_prefetch(c, &id);
    CHECK_INT(fake_starts(), 1);
    CHECK_INT(F.bg_starts, 1);
    CHECK_INT(atomic_load(&g_stats.prefetches) - prefetches, 1);
    /* Already in flight: no second start. */
    cache_prefetch(c, &id);
    CHECK_INT(fake_starts(), 1);
    CHECK_INT(F.promotes, 0);

    /* A foreground reader promotes the background fetch, once. */
    unsigned long misses = atomic_load(&g_stats.cache_misses);
    struct getter g1, g2;
    getter_start(&g1, c, RES_USAGE, T_A, id.sub);
    CHECK(wait_counter(&g_stats.cache_misses, misses + 1, 5000));
    pthread_mutex_lock(&F.mu);
    CHECK_INT(F.promotes, 1);
    CHECK(F.np == 1 && F.promoted == F.p[0].fetch);
    pthread_mutex_unlock(&F.mu);
    getter_start(&g2, c, RES_USAGE, T_A, id.sub);
    CHECK(wait_counter(&g_stats.cache_misses, misses + 2, 5000));
    CHECK_INT(F.promotes, 1);
    CHECK_INT(fake_starts(), 1);

    struct pending info;
    struct cache_fetch *fetch = take_pending(1000, &info);
    CHECK(fetch != NULL);
    CHECK_INT(info.kind, RES_USAGE);
    CHECK_STR(info.sub, id.sub);
    struct resource *r = mkres(RES_USAGE, "{\"sends_today\":18,\"remaining_sends\":7}");
    if (fetch)
        complete_ok(fetch, r);
    join_draining(&g1);
    join_draining(&g2);
    CHECK_INT(g1.rc, 0);
    CHECK_INT(g2.rc, 0);
    CHECK(g1.out == r);
    CHECK(g2.out == r);
    resource_put(g1.out);
    resource_put(g2.out);
    CHECK_INT(F.promotes, 1);

    /* A completed prefetch serves the next reader from cache. */
    struct res_id id2 = rid(RES_USAGE, T_A, "other-mailbox");
    cache_prefetch(c, &id2);
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    struct resource *r2 = mkres(RES_USAGE, "{\"sends_today\":1}");
    if (fetch)
        complete_ok(fetch, r2);
    expect_hit(c, RES_USAGE, T_A, "other-mailbox", r2);
    CHECK_INT(F.promotes, 1);
    cache_free(c);
}

/* ---- 404 and "no policy" -------------------------------------------------- */

static void test_not_found(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    bool fetched;
    struct resource *out = (struct resource *)&out;
    struct api_error err;
    static const char body[] =
        "{\"error\":{\"code\":\"tenant_not_found\",\"message\":\"Tenant does not exist\"}}";
    struct res_id id = rid(RES_TENANT, T_B, NULL);
    struct resource *nf = NULL;
    struct api_error derr;
    CHECK_INT(resource_decode(&id, 404, body, strlen(body), &nf, &derr), 0);
    CHECK(nf && nf->status == RES_NOT_FOUND);

    int rc = get_answering(c, RES_TENANT, T_B, NULL, nf, 0, &fetched, &out, &err);
    CHECK_INT(rc, -ENOENT);
    CHECK(fetched);
    CHECK(out == NULL);
    CHECK_INT(err.err, ENOENT);
    CHECK_INT(err.http_status, 404);
    CHECK_STR(err.code, "tenant_not_found");
    CHECK_STR(err.message, "Tenant does not exist");

    /* Cached: within ttl no second request. */
    clock_advance_fake(20000);
    out = (struct resource *)&out;
    rc = get_answering(c, RES_TENANT, T_B, NULL, NULL, EIO, &fetched, &out, &err);
    CHECK_INT(rc, -ENOENT);
    CHECK(!fetched);
    CHECK(out == NULL);
    CHECK_STR(err.code, "tenant_not_found");
    struct resource *peeked = cache_peek(c, &id); /* the 404 itself is what is cached */
    CHECK(peeked == nf);
    resource_put(peeked);

    /* No policy for a scope is data, not an error. */
    static const char pbody[] =
        "{\"error\":{\"code\":\"policy_not_found\",\"message\":\"No limit policy\"}}";
    struct res_id pid = rid(RES_POLICY, T_A, DOMAIN);
    struct resource *none = NULL;
    CHECK_INT(resource_decode(&pid, 404, pbody, strlen(pbody), &none, &derr), 0);
    CHECK(none && none->status == RES_POLICY_NONE);
    rc = get_answering(c, RES_POLICY, T_A, DOMAIN, none, 0, &fetched, &out, &err);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == none);
    CHECK(out && out->status == RES_POLICY_NONE);
    resource_put(out);
    expect_hit(c, RES_POLICY, T_A, DOMAIN, none);
    /* The tenant-wide policy is another entry. */
    struct resource *tp = mkres(RES_POLICY, "{\"daily_send_limit\":20}");
    expect_fetch(c, RES_POLICY, T_A, "", tp);
    cache_free(c);
}

/* ---- LRU ------------------------------------------------------------------ */

static void insert_tenant(struct cache *c, const char *tenant, int version, size_t pad)
{
    struct res_id id = rid(RES_TENANT, tenant, NULL);
    cache_insert(c, &id, tenant_res(tenant, version, pad));
}

static bool cached(struct cache *c, enum res_kind kind, const char *tenant, const char *sub)
{
    struct res_id id = rid(kind, tenant, sub);
    struct resource *r = cache_peek(c, &id);
    resource_put(r);
    return r != NULL;
}

static void test_lru(void)
{
    /* Measure what one entry costs (same key length, same JSON size). */
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    CHECK_INT(cache_bytes(c), 0);
    insert_tenant(c, "tenant-01", 1, 1000);
    size_t one = cache_bytes(c);
    CHECK(one > 1000);
    insert_tenant(c, "tenant-02", 1, 1000);
    CHECK_INT(cache_bytes(c), 2 * one);
    /* Replacing an entry's resource does not leak accounting. */
    insert_tenant(c, "tenant-02", 2, 1000);
    CHECK_INT(cache_bytes(c), 2 * one);
    cache_free(c);

    /* Room for three. */
    size_t max = 3 * one + one / 2;
    c = new_cache(30000, 300000, max, 5000);
    insert_tenant(c, "tenant-01", 1, 1000);
    insert_tenant(c, "tenant-02", 1, 1000);
    insert_tenant(c, "tenant-03", 1, 1000);
    CHECK_INT(cache_bytes(c), 3 * one);
    CHECK(cached(c, RES_TENANT, "tenant-01", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-02", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-03", NULL));

    /* Reading tenant-01 makes tenant-02 the least recently used. */
    struct res_id id1 = rid(RES_TENANT, "tenant-01", NULL);
    struct resource *r1 = cache_peek(c, &id1);
    CHECK(r1 != NULL);
    if (r1) {
        resource_put(r1);
        expect_hit(c, RES_TENANT, "tenant-01", NULL, r1);
    }
    unsigned long evictions = atomic_load(&g_stats.evictions);
    insert_tenant(c, "tenant-04", 1, 1000);
    CHECK(cache_bytes(c) <= max);
    CHECK_INT(atomic_load(&g_stats.evictions) - evictions, 1);
    CHECK(cached(c, RES_TENANT, "tenant-01", NULL));
    CHECK(!cached(c, RES_TENANT, "tenant-02", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-03", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-04", NULL));
    /* Then tenant-03 (now the oldest). */
    insert_tenant(c, "tenant-05", 1, 1000);
    CHECK(cache_bytes(c) <= max);
    CHECK(!cached(c, RES_TENANT, "tenant-03", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-01", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-04", NULL));
    CHECK(cached(c, RES_TENANT, "tenant-05", NULL));

    /* A reader's resource outlives its eviction. */
    struct res_id id4 = rid(RES_TENANT, "tenant-04", NULL);
    struct resource *held = cache_peek(c, &id4);
    CHECK(held != NULL);
    if (held)
        CHECK_INT(refs(held), 2);
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "tenant-%02d", 10 + (i % 90));
        insert_tenant(c, name, i, 500 + (size_t)(i * 37) % 1500);
        CHECK(cache_bytes(c) <= max);
    }
    CHECK(!cached(c, RES_TENANT, "tenant-04", NULL));
    if (held) {
        CHECK_INT(refs(held), 1);
        CHECK_STR(json_str(held->json, "tenant_id"), "tenant-04");
        resource_put(held);
    }

    /* A resource bigger than the whole bound is not kept. */
    insert_tenant(c, "tenant-99", 1, 4 * one);
    CHECK(cache_bytes(c) <= max);

    /* Answers arriving from fetches are bounded too. */
    for (int i = 0; i < 20; i++) {
        struct resource *out;
        bool fetched;
        snprintf(name, sizeof name, "fetched-%02d", i);
        int rc = get_answering(c, RES_TENANT, name, NULL, tenant_res(name, i, 900), 0, &fetched,
                               &out, NULL);
        CHECK_INT(rc, 0);
        CHECK(fetched);
        resource_put(out);
        CHECK(cache_bytes(c) <= max);
    }

    /* An entry a reader waits on is not evicted under it, even when it is
     * the least recently used: the answer lands in the cache. */
    unsigned long misses = atomic_load(&g_stats.cache_misses);
    struct getter g;
    getter_start(&g, c, RES_TENANT, "busy-tenant", NULL);
    CHECK(wait_counter(&g_stats.cache_misses, misses + 1, 5000));
    struct cache_fetch *fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "tenant-%02d", 10 + i);
        insert_tenant(c, name, 1000 + i, 1000);
        CHECK(cache_bytes(c) <= max);
    }
    struct resource *late = tenant_res("busy-tenant", 7, 10);
    if (fetch)
        complete_ok(fetch, late);
    join_draining(&g);
    CHECK_INT(g.rc, 0);
    CHECK(g.out == late);
    resource_put(g.out);
    CHECK(cached(c, RES_TENANT, "busy-tenant", NULL));
    CHECK(cache_bytes(c) <= max);

    cache_drop_all(c);
    CHECK_INT(cache_bytes(c), 0);
    cache_free(c);
}

/* ---- drops ---------------------------------------------------------------- */

static void test_drop(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    struct res_id ids[] =
        {
            rid(RES_TENANTS, NULL, NULL),   rid(RES_TENANT, T_A, NULL),
            rid(RES_DOMAINS, T_A, NULL),    rid(RES_DNS, T_A, DOMAIN),
            rid(RES_DKIM, T_A, DOMAIN),     rid(RES_POLICY, T_A, ""),
            rid(RES_POLICY, T_A, DOMAIN),   rid(RES_MAILBOXES, T_A, NULL),
            rid(RES_TENANT, T_B, NULL),     rid(RES_DOMAINS, T_B, NULL),
            rid(RES_TENANT, T_A "0", NULL), /* a longer id sharing T_A as a prefix */
        };
    size_t n = sizeof ids / sizeof ids[0];
    for (size_t i = 0; i < n; i++)
        cache_insert(c, &ids[i],
                     mkres(ids[i].kind, "{\"tenants\":[],\"domains\":[],"
                                        "\"mailboxes\":[]}"));
    for (size_t i = 0; i < n; i++)
        CHECK(cached(c, ids[i].kind, ids[i].tenant, ids[i].sub));

    /* A reader holding a dropped resource keeps it. */
    struct resource *held = cache_peek(c, &ids[2]);
    CHECK(held != NULL);

    cache_drop(c, &ids[2]);
    CHECK(!cached(c, RES_DOMAINS, T_A, NULL));
    for (size_t i = 0; i < n; i++)
        if (i != 2)
            CHECK(cached(c, ids[i].kind, ids[i].tenant, ids[i].sub));
    if (held) {
        CHECK_INT(refs(held), 1);
        CHECK(cJSON_IsArray(cJSON_GetObjectItem(held->json, "domains")));
        resource_put(held);
    }
    /* Dropping what is not there is harmless. */
    cache_drop(c, &ids[2]);
    struct res_id ghost = rid(RES_USAGE, T_A, "no-such-mailbox");
    cache_drop(c, &ghost);

    /* Everything under the tenant, not the tenant itself. */
    cache_drop_prefix(c, "/v1/tenants/" T_A "/");
    CHECK(cached(c, RES_TENANTS, NULL, NULL));
    CHECK(cached(c, RES_TENANT, T_A, NULL));
    CHECK(!cached(c, RES_DNS, T_A, DOMAIN));
    CHECK(!cached(c, RES_DKIM, T_A, DOMAIN));
    CHECK(!cached(c, RES_POLICY, T_A, ""));
    CHECK(!cached(c, RES_POLICY, T_A, DOMAIN));
    CHECK(!cached(c, RES_MAILBOXES, T_A, NULL));
    CHECK(cached(c, RES_TENANT, T_B, NULL));
    CHECK(cached(c, RES_DOMAINS, T_B, NULL));
    CHECK(cached(c, RES_TENANT, T_A "0", NULL));

    /* A dropped entry is fetched again. */
    struct resource *fresh = mkres(RES_MAILBOXES, "{\"mailboxes\":[]}");
    expect_fetch(c, RES_MAILBOXES, T_A, NULL, fresh);

    cache_drop_all(c);
    for (size_t i = 0; i < n; i++)
        CHECK(!cached(c, ids[i].kind, ids[i].tenant, ids[i].sub));
    CHECK(!cached(c, RES_MAILBOXES, T_A, NULL));
    CHECK_INT(cache_bytes(c), 0);
    cache_free(c);
}

/* ---- the races ------------------------------------------------------------ */

static void test_drop_during_fetch(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    struct res_id id = rid(RES_MAILBOXES, T_A, NULL);
    bool fetched;
    struct resource *out;

    /* cache_drop */
    cache_prefetch(c, &id);
    struct cache_fetch *fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    cache_drop(c, &id);
    struct resource *old = mkres(RES_MAILBOXES, "{\"mailboxes\":[],\"version\":1}");
    resource_ref(old);
    if (fetch)
        complete_ok(fetch, old);
    CHECK(!cached(c, RES_MAILBOXES, T_A, NULL));
    CHECK_INT(refs(old), 1); /* nobody kept the late answer */
    resource_put(old);
    struct resource *nw = mkres(RES_MAILBOXES, "{\"mailboxes\":[],\"version\":2}");
    expect_fetch(c, RES_MAILBOXES, T_A, NULL, nw);

    /* cache_drop_prefix, with a foreground reader already waiting: that
     * reader gets the answer it asked for; later readers do not. */
    clock_advance_fake(30000);
    unsigned long misses = atomic_load(&g_stats.cache_misses);
    struct getter g;
    getter_start(&g, c, RES_MAILBOXES, T_A, NULL);
    CHECK(wait_counter(&g_stats.cache_misses, misses + 1, 5000));
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    cache_drop_prefix(c, "/v1/tenants/" T_A);
    old = mkres(RES_MAILBOXES, "{\"mailboxes\":[],\"version\":3}");
    if (fetch)
        complete_ok(fetch, old);
    join_draining(&g);
    CHECK_INT(g.rc, 0);
    CHECK(g.out == old);
    resource_put(g.out);
    CHECK(!cached(c, RES_MAILBOXES, T_A, NULL));
    nw = mkres(RES_MAILBOXES, "{\"mailboxes\":[],\"version\":4}");
    int rc = get_answering(c, RES_MAILBOXES, T_A, NULL, nw, 0, &fetched, &out, NULL);
    CHECK_INT(rc, 0);
    CHECK(fetched);
    CHECK(out == nw);
    CHECK_INT(res_version(out), 4);
    resource_put(out);

    /* cache_drop_all, and a failure arriving late: the error must not
     * stick to the new entry either. */
    clock_advance_fake(30000);
    cache_prefetch(c, &id);
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    cache_drop_all(c);
    if (fetch)
        complete_err(fetch, EIO, 500, "late");
    CHECK(!cached(c, RES_MAILBOXES, T_A, NULL));
    nw = mkres(RES_MAILBOXES, "{\"mailboxes\":[],\"version\":5}");
    expect_fetch(c, RES_MAILBOXES, T_A, NULL, nw);
    cache_drop_all(c);
    CHECK_INT(cache_bytes(c), 0);
    cache_free(c);
}

static void test_insert_during_fetch(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    struct res_id id = rid(RES_DOMAINS, T_A, NULL);

    cache_prefetch(c, &id);
    struct cache_fetch *fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    struct resource *ins = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":2}");
    cache_insert(c, &id, ins);
    struct resource *late = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":1}");
    if (fetch)
        complete_ok(fetch, late);
    expect_hit(c, RES_DOMAINS, T_A, NULL, ins);
    struct resource *p = cache_peek(c, &id);
    CHECK(p == ins);
    CHECK_INT(res_version(p), 2);
    resource_put(p);

    /* Same with a foreground reader waiting on the old fetch. */
    clock_advance_fake(30000);
    unsigned long misses = atomic_load(&g_stats.cache_misses);
    struct getter g;
    getter_start(&g, c, RES_DOMAINS, T_A, NULL);
    CHECK(wait_counter(&g_stats.cache_misses, misses + 1, 5000));
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    struct resource *ins2 = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":4}");
    cache_insert(c, &id, ins2);
    late = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":3}");
    if (fetch)
        complete_ok(fetch, late);
    join_draining(&g);
    CHECK_INT(g.rc, 0);
    resource_put(g.out);
    expect_hit(c, RES_DOMAINS, T_A, NULL, ins2);

    /* A late failure does not disturb the inserted answer either. */
    clock_advance_fake(30000);
    cache_prefetch(c, &id);
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    struct resource *ins3 = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":6}");
    cache_insert(c, &id, ins3);
    if (fetch)
        complete_err(fetch, EIO, 502, "late");
    expect_hit(c, RES_DOMAINS, T_A, NULL, ins3);

    /* The inserted answer ages like any other. */
    clock_advance_fake(30000);
    struct resource *r4 = mkres(RES_DOMAINS, "{\"domains\":[],\"version\":7}");
    expect_fetch(c, RES_DOMAINS, T_A, NULL, r4);
    cache_drop_all(c);
    CHECK_INT(cache_bytes(c), 0);
    cache_free(c);
}

/* ---- interrupt and deadline ----------------------------------------------- */

static atomic_bool interrupt_flag;
static atomic_int interrupt_calls;

static bool interrupted(void *arg)
{
    (void)arg;
    atomic_fetch_add(&interrupt_calls, 1);
    return atomic_load(&interrupt_flag);
}

static void test_interrupt_and_deadline(void)
{
    struct cache *c = new_cache(30000, 300000, 64 << 20, 5000);
    clock_use_real(); /* real waiting: the wake-ups are what is tested */

    /* Ctrl-C while waiting: -EINTR within well under a second. */
    atomic_store(&interrupt_flag, false);
    struct getter g;
    memset(&g, 0, sizeof g);
    g.c = c;
    g.kind = RES_DNS;
    g.tenant = T_A;
    g.sub = DOMAIN;
    g.use_w = true;
    g.w.deadline_ms = clock_mono_ms() + 60000;
    g.w.interrupted = interrupted;
    pthread_create(&g.th, NULL, getter_main, &g);
    struct cache_fetch *fetch = take_pending(2000, NULL);
    CHECK(fetch != NULL);
    sleep_ms(20);
    CHECK(!atomic_load(&g.done));
    int64_t t0 = real_ms();
    atomic_store(&interrupt_flag, true);
    bool returned = getter_wait(&g, 3000);
    CHECK(returned);
    if (!returned && fetch) { /* unblock it so the test can end */
        complete_ok(fetch, mkres(RES_DNS, "{}"));
        fetch = NULL;
    }
    join_draining(&g);
    CHECK_INT(g.rc, -EINTR);
    CHECK_INT(g.err.err, EINTR);
    CHECK(g.out == NULL);
    CHECK(g.returned_ms - t0 < 1000);
    CHECK(atomic_load(&interrupt_calls) >= 1);
    /* The fetch goes on and lands for the next reader. */
    struct resource *dns = mkres(RES_DNS, "{\"domain_name\":\"" DOMAIN "\"}");
    if (fetch)
        complete_ok(fetch, dns);
    else
        resource_put(dns);
    if (fetch)
        CHECK(cached(c, RES_DNS, T_A, DOMAIN));

    /* Already interrupted: returns at once (the fetch still starts). */
    memset(&g, 0, sizeof g);
    g.c = c;
    g.kind = RES_DKIM;
    g.tenant = T_A;
    g.sub = DOMAIN;
    g.use_w = true;
    g.w.deadline_ms = clock_mono_ms() + 60000;
    g.w.interrupted = interrupted;
    t0 = real_ms();
    pthread_create(&g.th, NULL, getter_main, &g);
    returned = getter_wait(&g, 3000);
    CHECK(returned);
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    if (!returned && fetch) {
        complete_err(fetch, EIO, 503, "x");
        fetch = NULL;
    }
    join_draining(&g);
    CHECK_INT(g.rc, -EINTR);
    CHECK(g.returned_ms - t0 < 500);
    if (fetch)
        complete_err(fetch, EIO, 503, "x");
    atomic_store(&interrupt_flag, false);

    /* Deadline: -ETIMEDOUT at about the deadline, not before. */
    memset(&g, 0, sizeof g);
    g.c = c;
    g.kind = RES_USAGE;
    g.tenant = T_A;
    g.sub = "mbox";
    g.use_w = true;
    t0 = real_ms();
    g.w.deadline_ms = clock_mono_ms() + 60;
    g.w.interrupted = interrupted;
    pthread_create(&g.th, NULL, getter_main, &g);
    returned = getter_wait(&g, 3000);
    CHECK(returned);
    fetch = take_pending(1000, NULL);
    CHECK(fetch != NULL);
    if (!returned && fetch) {
        complete_err(fetch, EIO, 503, "x");
        fetch = NULL;
    }
    join_draining(&g);
    CHECK_INT(g.rc, -ETIMEDOUT);
    CHECK_INT(g.err.err, ETIMEDOUT);
    CHECK(g.out == NULL);
    CHECK(g.returned_ms - t0 >= 55);
    CHECK(g.returned_ms - t0 < 1000);
    if (fetch)
        complete_err(fetch, EIO, 503, "x");

    /* With the fake clock: a deadline already passed, and one passed by
     * advancing the clock from another thread while the reader waits. */
    clock_set_fake(real_ms(), 1700000000);
    memset(&g, 0, sizeof g);
    g.c = c;
    g.kind = RES_USAGE;
    g.tenant = T_A;
    g.sub = "mbox2";
    g.use_w = true;
    g.w.deadline_ms = clock_mono_ms();
    pthread_create(&g.th, NULL, getter_main, &g);
    returned = getter_wait(&g, 3000);
    CHECK(returned);
    fetch = take_pending(1000, NULL);
    if (!returned && fetch) {
        complete_err(fetch, EIO, 503, "x");
        fetch = NULL;
    }
    join_draining(&g);
    CHECK_INT(g.rc, -ETIMEDOUT);
    if (fetch)
        complete_err(fetch, EIO, 503, "x");

    memset(&g, 0, sizeof g);
    g.c = c;
    g.kind = RES_USAGE;
    g.tenant = T_A;
    g.sub = "mbox3";
    g.use_w = true;
    g.w.deadline_ms = clock_mono_ms() + 30000;
    pthread_create(&g.th, NULL, getter_main, &g);
    fetch = take_pending(2000, NULL);
    CHECK(fetch != NULL);
    sleep_ms(5);
    CHECK(!atomic_load(&g.done));
    clock_advance_fake(30000);
    returned = getter_wait(&g, 3000);
    CHECK(returned);
    if (!returned && fetch) {
        complete_err(fetch, EIO, 503, "x");
        fetch = NULL;
    }
    join_draining(&g);
    CHECK_INT(g.rc, -ETIMEDOUT);
    if (fetch)
        complete_err(fetch, EIO, 503, "x");
    CHECK_INT(fake_pending(), 0);
    cache_free(c);
}

int main(void)
{
    test_ttl();
    test_stale_if_error();
    test_single_flight();
    test_promotion();
    test_not_found();
    test_lru();
    test_drop();
    test_drop_during_fetch();
    test_insert_during_fetch();
    test_interrupt_and_deadline();
    clock_use_real();
    return check_report("test_cache");
}
