/* transport: the request queues, the curl multi loop and the retry policy.
 * Locking: t->lock guards the queues and request states; the curl handles
 * are touched only by the transport thread; callbacks run unlocked. */
#include "transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http_attempt.h"
#include "log.h"
#include "ratelimit.h"
#include "stats.h"
#include "strbuf.h"

struct queue {
    struct http_request *head, *tail;
    size_t len;
};

enum req_where { Q_NONE, Q_FOREGROUND, Q_BACKGROUND, Q_DELAYED, Q_ACTIVE, Q_DONE };

struct http_request {
    atomic_int refs;
    struct transport *t;
    struct http_attempt at; /* what is sent, and the attempt in progress */
    enum api_endpoint ep;
    enum request_class cls;
    int64_t budget_ms;
    int64_t due_ms; /* delayed retry time */
    enum req_where where;
    struct http_request *prev, *next;
    http_done_fn done;
    void *arg;
};

struct transport {
    struct transport_config cfg;
    struct attempt_config attempt;
    char *base_url, *cafile;
    CURLM *multi;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    bool stopping;
    struct queue fg, bg, delayed, active;
    struct ratelimit rl;
};

/* Put r before `at` (at the tail when at is NULL). */
static void q_insert_before(struct queue *q, struct http_request *r, struct http_request *at)
{
    r->next = at;
    r->prev = at ? at->prev : q->tail;
    if (r->prev)
        r->prev->next = r;
    else
        q->head = r;
    if (at)
        at->prev = r;
    else
        q->tail = r;
    q->len++;
}

static void q_push(struct queue *q, struct http_request *r)
{
    q_insert_before(q, r, NULL);
}

static void q_remove(struct queue *q, struct http_request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        q->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        q->tail = r->prev;
    r->prev = r->next = NULL;
    q->len--;
}

/* Keep the delayed queue ordered by due time. */
static void q_insert_due(struct queue *q, struct http_request *r)
{
    struct http_request *at = q->head;
    while (at && at->due_ms <= r->due_ms)
        at = at->next;
    q_insert_before(q, r, at);
}

struct transport *transport_new(const struct transport_config *cfg)
{
    struct transport *t = xcalloc(1, sizeof *t);
    t->cfg = *cfg;
    t->base_url = xstrdup(cfg->base_url);
    t->cafile = cfg->cafile ? xstrdup(cfg->cafile) : NULL;
    t->cfg.base_url = t->base_url;
    t->cfg.cafile = t->cafile;
    if (t->cfg.max_conns < 1)
        t->cfg.max_conns = 1;
    t->attempt = (struct attempt_config){t->cafile, cfg->key, cfg->timeout_s};
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

static void *transport_main(void *arg);

int transport_start(struct transport *t)
{
    t->multi = curl_multi_init();
    if (!t->multi)
        return -ENOMEM;
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->cfg.max_conns);
    curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->cfg.max_conns);
    curl_multi_setopt(t->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    ratelimit_init(&t->rl, t->cfg.max_rps, clock_mono_ms());
    t->stopping = false;
    int rc = pthread_create(&t->thread, NULL, transport_main, t);
    if (rc != 0) {
        curl_multi_cleanup(t->multi);
        t->multi = NULL;
        return -rc;
    }
    t->running = true;
    return 0;
}

static void request_free(struct http_request *r)
{
    free(r->at.url);
    free(r->at.path);
    free(r->at.body);
    sb_free(&r->at.resp);
    free(r);
}

void transport_request_put(struct http_request *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1)
        request_free(r);
}

struct http_request *transport_submit(struct transport *t, enum http_method method,
                                      const char *path, const char *body, enum api_endpoint ep,
                                      enum request_class cls, int64_t budget_ms, int64_t attempt_ms,
                                      http_done_fn done, void *arg)
{
    struct http_request *r = xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 2); /* the caller's and the queue's */
    r->t = t;
    r->at.method = method;
    struct strbuf url = STRBUF_INIT;
    sb_printf(&url, "%s%s", t->base_url, path);
    r->at.url = sb_detach(&url, NULL);
    r->at.path = xstrdup(path);
    r->at.body = body ? xstrdup(body) : NULL;
    r->ep = ep;
    r->cls = cls;
    r->budget_ms = budget_ms;
    r->at.attempt_ms = attempt_ms;
    r->done = done;
    r->arg = arg;
    pthread_mutex_lock(&t->lock);
    if (cls == REQ_FOREGROUND) {
        r->at.deadline_ms = clock_mono_ms() + budget_ms;
        r->where = Q_FOREGROUND;
        q_push(&t->fg, r);
    } else {
        r->where = Q_BACKGROUND;
        q_push(&t->bg, r);
    }
    pthread_mutex_unlock(&t->lock);
    if (t->multi)
        curl_multi_wakeup(t->multi);
    return r;
}

void transport_promote(struct transport *t, struct http_request *r)
{
    pthread_mutex_lock(&t->lock);
    if (r->cls == REQ_BACKGROUND) {
        r->cls = REQ_FOREGROUND;
        if (r->where == Q_BACKGROUND) {
            q_remove(&t->bg, r);
            r->at.deadline_ms = clock_mono_ms() + r->budget_ms;
            r->where = Q_FOREGROUND;
            q_push(&t->fg, r);
        }
    }
    pthread_mutex_unlock(&t->lock);
    if (t->multi)
        curl_multi_wakeup(t->multi);
}

/* ---- completion and retries ------------------------------------------ */

static void finish(struct transport *t, struct http_request *r, const struct http_result *res)
{
    (void)t;
    if (res->err || res->status >= 400)
        if (res->status != 404)
            atomic_fetch_add(&g_stats.api_errors, 1);
    r->done(r, res, r->arg);
    transport_request_put(r);
}

static void fail_now(struct transport *t, struct http_request *r, int err, const char *msg)
{
    struct http_result res = {.status = 0, .body = "", .len = 0, .err = err, .errmsg = msg};
    r->where = Q_DONE;
    finish(t, r, &res);
}

/* Called on the transport thread when an attempt ends: retry it later, or
 * hand its answer to the caller. */
static void attempt_done(struct transport *t, struct http_request *r, CURLcode code)
{
    struct attempt_outcome o;
    attempt_outcome(&t->attempt, &r->at, code, &o);
    atomic_fetch_sub(&g_stats.in_flight, 1);
    stats_count_answer(r->ep, o.status);
    int64_t now = clock_mono_ms();
    /* A retry with a rotated key does not count against retries. */
    bool again = o.new_key || (o.retryable && r->at.attempts <= t->cfg.retries);
    if (again && now + o.delay_ms < r->at.deadline_ms) {
        attempt_end(&r->at);
        atomic_fetch_add(&g_stats.retries, 1);
        pthread_mutex_lock(&t->lock);
        q_remove(&t->active, r);
        r->due_ms = now + o.delay_ms;
        r->where = Q_DELAYED;
        q_insert_due(&t->delayed, r);
        pthread_mutex_unlock(&t->lock);
        return;
    }
    struct http_result res = {.status = o.status,
                              .body = r->at.resp.data ? r->at.resp.data : "",
                              .len = r->at.resp.len,
                              .err = o.err,
                              .errmsg = o.errmsg};
    pthread_mutex_lock(&t->lock);
    q_remove(&t->active, r);
    r->where = Q_DONE;
    pthread_mutex_unlock(&t->lock);
    /* res points into r->at.resp, which the cleanup keeps. */
    attempt_end(&r->at);
    finish(t, r, &res); /* may free r: nothing of r is touched after */
}

/* ---- the loop --------------------------------------------------------- */

/* Pick the next request to start: due retries first (they were admitted
 * already), then foreground, then background. Called locked. */
static struct http_request *next_request(struct transport *t, int64_t now)
{
    struct http_request *r = t->delayed.head;
    if (r && r->due_ms <= now) {
        q_remove(&t->delayed, r);
        return r;
    }
    if ((r = t->fg.head)) {
        q_remove(&t->fg, r);
        return r;
    }
    if ((r = t->bg.head)) {
        q_remove(&t->bg, r);
        r->at.deadline_ms = now + r->budget_ms;
        return r;
    }
    return NULL;
}

/* Start what may start; returns ms until something else may (-1: nothing). */
static int64_t dispatch(struct transport *t)
{
    int64_t wait = -1;
    for (;;) {
        int64_t now = clock_mono_ms();
        pthread_mutex_lock(&t->lock);
        if ((int)t->active.len >= t->cfg.max_conns) {
            pthread_mutex_unlock(&t->lock);
            break;
        }
        bool ready =
            (t->delayed.head && t->delayed.head->due_ms <= now) || t->fg.head || t->bg.head;
        if (!ready) {
            if (t->delayed.head)
                wait = t->delayed.head->due_ms - now;
            pthread_mutex_unlock(&t->lock);
            break;
        }
        int64_t token_wait = ratelimit_take(&t->rl, now);
        if (token_wait > 0) {
            wait = token_wait;
            pthread_mutex_unlock(&t->lock);
            break;
        }
        struct http_request *r = next_request(t, now);
        bool expired = r->at.deadline_ms <= now;
        if (!expired) {
            r->where = Q_ACTIVE;
            q_push(&t->active, r);
        } else {
            ratelimit_refund(&t->rl); /* nothing was sent */
        }
        pthread_mutex_unlock(&t->lock);
        if (expired) {
            fail_now(t, r, ETIMEDOUT, "timed out waiting in the request queue");
            continue;
        }
        r->at.attempts++;
        sb_reset(&r->at.resp);
        r->at.retry_after_s = 0;
        r->at.too_big = false;
        r->at.errbuf[0] = '\0';
        r->at.easy = attempt_easy(&t->attempt, &r->at, now);
        if (r->at.easy)
            curl_easy_setopt(r->at.easy, CURLOPT_PRIVATE, r);
        if (!r->at.easy || curl_multi_add_handle(t->multi, r->at.easy) != CURLM_OK) {
            attempt_end(&r->at);
            pthread_mutex_lock(&t->lock);
            q_remove(&t->active, r);
            pthread_mutex_unlock(&t->lock);
            fail_now(t, r, ENOMEM, "could not start the request");
            continue;
        }
        atomic_fetch_add(&g_stats.api_calls, 1);
        atomic_fetch_add(&g_stats.api_calls_by_endpoint[r->ep], 1);
        atomic_fetch_add(&g_stats.in_flight, 1);
    }
    return wait;
}

static int reap(struct transport *t)
{
    CURLMsg *msg;
    int left, n = 0;
    while ((msg = curl_multi_info_read(t->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct http_request *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode code = msg->data.result;
        curl_multi_remove_handle(t->multi, msg->easy_handle);
        attempt_done(t, r, code);
        n++;
    }
    return n;
}

static void cancel_all(struct transport *t)
{
    for (;;) {
        pthread_mutex_lock(&t->lock);
        struct queue *q = t->active.head    ? &t->active
                          : t->fg.head      ? &t->fg
                          : t->bg.head      ? &t->bg
                          : t->delayed.head ? &t->delayed
                                            : NULL;
        struct http_request *r = q ? q->head : NULL;
        if (r)
            q_remove(q, r);
        pthread_mutex_unlock(&t->lock);
        if (!r)
            break;
        if (r->at.easy) {
            curl_multi_remove_handle(t->multi, r->at.easy);
            attempt_end(&r->at);
            atomic_fetch_sub(&g_stats.in_flight, 1);
        }
        fail_now(t, r, ECANCELED, "the mount is shutting down");
    }
}

static void *transport_main(void *arg)
{
    struct transport *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        bool stop = t->stopping;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        int64_t wait = dispatch(t);
        int running = 0;
        curl_multi_perform(t->multi, &running);
        if (reap(t) > 0)
            continue; /* slots freed: start more before sleeping */
        long curl_wait = -1;
        curl_multi_timeout(t->multi, &curl_wait);
        int64_t timeout = 1000;
        if (curl_wait >= 0 && curl_wait < timeout)
            timeout = curl_wait;
        if (wait >= 0 && wait < timeout)
            timeout = wait;
        curl_multi_poll(t->multi, NULL, 0, (int)timeout, NULL);
    }
    cancel_all(t);
    return NULL;
}

void transport_stop(struct transport *t)
{
    if (!t || !t->running)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_mutex_unlock(&t->lock);
    curl_multi_wakeup(t->multi);
    pthread_join(t->thread, NULL);
    t->running = false;
    curl_multi_cleanup(t->multi);
    t->multi = NULL;
}

void transport_free(struct transport *t)
{
    if (!t)
        return;
    transport_stop(t);
    free(t->base_url);
    free(t->cafile);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* ---- synchronous calls -------------------------------------------------- */

struct call_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    struct http_answer *out;
};

static void call_done(struct http_request *req, const struct http_result *res, void *arg)
{
    (void)req;
    struct call_wait *w = arg;
    struct http_answer *a = w->out;
    a->status = res->status;
    a->err = res->err;
    a->len = res->len;
    a->body = xstrndup(res->body ? res->body : "", res->len);
    snprintf(a->errmsg, sizeof a->errmsg, "%s", res->errmsg ? res->errmsg : "");
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int transport_call(struct transport *t, enum http_method method, const char *path, const char *body,
                   enum api_endpoint ep, int64_t budget_ms, int64_t attempt_ms,
                   struct http_answer *out)
{
    memset(out, 0, sizeof *out);
    struct call_wait w = {.done = false, .out = out};
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    struct http_request *r = transport_submit(t, method, path, body, ep, REQ_FOREGROUND, budget_ms,
                                              attempt_ms, call_done, &w);
    /* The transport ends every request by its deadline (or at shutdown),
     * so this wait is bounded. */
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    transport_request_put(r);
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    return out->err ? -out->err : 0;
}

void http_answer_free(struct http_answer *a)
{
    free(a->body);
    a->body = NULL;
}
