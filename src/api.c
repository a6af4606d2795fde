/* api: endpoint paths, the fetcher for the cache, and the write calls. */
#include "api.h"
#include "api_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "log.h"
#include "strbuf.h"

struct api {
    struct transport *t;
    struct api_config cfg;
};

struct api *api_new(struct transport *t, const struct api_config *cfg)
{
    struct api *a = xcalloc(1, sizeof *a);
    a->t = t;
    a->cfg = *cfg;
    return a;
}

void api_free(struct api *a)
{
    free(a);
}

/* ---- reads: the cache's fetcher ----------------------------------------- */

struct fetch_job {
    struct cache_fetch *fetch;
    struct res_id id;
    char *tenant, *sub;
};

static void fetch_finished(struct http_request *req, const struct http_result *res, void *arg)
{
    struct fetch_job *job = arg;
    struct resource *r = NULL;
    struct api_error err;
    memset(&err, 0, sizeof err);
    if (res->err) {
        api_error_set(&err, res->err, 0, NULL, res->errmsg);
    } else if (resource_decode(&job->id, res->status, res->body, res->len, &r, &err) != 0) {
        r = NULL;
    }
    if (!r)
        log_debug("fetch of %s failed: %s %s", api_endpoint_name(res_kind_endpoint(job->id.kind)),
                  errno_name(err.err), err.message);
    cache_fetch_done(job->fetch, r, &err);
    transport_request_put(req); /* the reference start() left in fetcher_data */
    free(job->tenant);
    free(job->sub);
    free(job);
}

static void fetch_start(void *ctx, struct cache_fetch *f, const struct res_id *id, bool background)
{
    struct api *a = ctx;
    if (id->kind == RES_EVENTS) {
        api_events_fetch(a->t, f, id, a->cfg.events_max, a->cfg.read_budget_ms,
                         a->cfg.read_attempt_ms);
        return;
    }
    struct fetch_job *job = xcalloc(1, sizeof *job);
    job->fetch = f;
    job->tenant = id->tenant ? xstrdup(id->tenant) : NULL;
    job->sub = id->sub ? xstrdup(id->sub) : NULL;
    job->id.kind = id->kind;
    job->id.tenant = job->tenant;
    job->id.sub = job->sub;
    struct strbuf path = STRBUF_INIT;
    res_id_path(id, &path);
    f->fetcher_data = transport_submit(a->t, HTTP_GET, path.data, NULL, res_kind_endpoint(id->kind),
                                       background ? REQ_BACKGROUND : REQ_FOREGROUND,
                                       a->cfg.read_budget_ms, a->cfg.read_attempt_ms,
                                       fetch_finished, job);
    sb_free(&path);
}

static void fetch_promote(void *ctx, struct cache_fetch *f)
{
    struct api *a = ctx;
    transport_promote(a->t, f->fetcher_data);
}

struct cache_fetcher api_fetcher(struct api *a)
{
    struct cache_fetcher f = {.start = fetch_start, .promote = fetch_promote, .ctx = a};
    return f;
}

int api_get(struct api *a, const struct res_id *id, struct resource **out, struct api_error *err)
{
    struct strbuf path = STRBUF_INIT;
    res_id_path(id, &path);
    struct http_answer ans;
    int rc = transport_call(a->t, HTTP_GET, path.data, NULL, res_kind_endpoint(id->kind),
                            a->cfg.read_budget_ms, a->cfg.read_attempt_ms, &ans);
    sb_free(&path);
    *out = NULL;
    if (rc != 0)
        api_error_set(err, ans.err, 0, NULL, ans.errmsg);
    else
        rc = resource_decode(id, ans.status, ans.body, ans.len, out, err);
    if (rc == 0 && (*out)->status == RES_NOT_FOUND) {
        *err = (*out)->err;
        resource_put(*out);
        *out = NULL;
        rc = -ENOENT;
    }
    http_answer_free(&ans);
    return rc;
}

/* ---- writes ---------------------------------------------------------- */

int api_call(struct api *a, enum api_endpoint ep, const struct ep_args *args, const cJSON *body,
             cJSON **answer, struct api_error *err)
{
    if (answer)
        *answer = NULL;
    struct strbuf path = STRBUF_INIT, json = STRBUF_INIT;
    endpoint_path(ep, args, &path);
    if (body)
        json_print_compact(&json, body);
    bool long_action = endpoint(ep)->long_action;
    int64_t budget = long_action ? a->cfg.action_budget_ms : a->cfg.write_budget_ms;
    int64_t attempt = long_action ? a->cfg.action_budget_ms : a->cfg.write_attempt_ms;
    struct http_answer ans;
    int rc = transport_call(a->t, endpoint_method(ep), path.data, body ? json.data : NULL, ep,
                            budget, attempt, &ans);
    sb_free(&path);
    sb_free(&json);
    if (rc != 0) {
        api_error_set(err, ans.err, 0, NULL, ans.errmsg);
    } else if (ans.status < 200 || ans.status > 299) {
        api_error_from_http(err, ep, ans.status, ans.body, ans.len);
        rc = -err->err;
    } else if (answer) {
        cJSON *parsed = json_parse_untrusted(ans.body, ans.len);
        if (cJSON_IsObject(parsed))
            *answer = parsed;
        else
            cJSON_Delete(parsed);
    }
    http_answer_free(&ans);
    return rc;
}
