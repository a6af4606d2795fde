/* api.c — the /v1 request pipeline: count the request, add latency, serve
 * an override or an injected fault, authenticate, route, parse the body and
 * call the handler; then shape the reply (error shape, extra fields). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "handlers.h"
#include "json_util.h"
#include "router.h"

struct api_route {
    api_handler fn;
    bool takes_body;
};

#define R(method, pattern, fn, body)                                                               \
    {                                                                                              \
        method, pattern, &(const struct api_route)                                                 \
        {                                                                                          \
            fn, body                                                                               \
        }                                                                                          \
    }

static const struct route api_routes[] = {
    R("GET", "/v1/tenants", h_tenants_list, false),
    R("GET", "/v1/tenants/{tenant_id}", h_tenant_get, false),
    R("DELETE", "/v1/tenants/{tenant_id}", h_tenant_delete, false),
    R("POST", "/v1/tenants/{tenant_id}/sync", h_tenant_sync, false),
    R("GET", "/v1/tenants/{tenant_id}/domains", h_domains_list, false),
    R("POST", "/v1/tenants/{tenant_id}/domains", h_domain_add, true),
    R("POST", "/v1/tenants/{tenant_id}/domains/{domain_name}/verify", h_domain_verify, false),
    R("POST", "/v1/tenants/{tenant_id}/domains/{domain_name}/enable-dkim", h_domain_enable_dkim,
      false),
    R("GET", "/v1/tenants/{tenant_id}/domains/{domain_name}/dkim-status", h_domain_dkim_status,
      false),
    R("GET", "/v1/tenants/{tenant_id}/domains/{domain_name}/dns", h_domain_dns, false),
    R("GET", "/v1/tenants/{tenant_id}/mailboxes", h_mailboxes_list, false),
    R("POST", "/v1/tenants/{tenant_id}/mailboxes", h_mailboxes_provision, true),
    R("PATCH", "/v1/tenants/{tenant_id}/mailboxes/{mailbox_id}", h_mailbox_patch, true),
    R("GET", "/v1/tenants/{tenant_id}/mailboxes/{mailbox_id}/usage", h_mailbox_usage, false),
    R("POST", "/v1/tenants/{tenant_id}/mailbox-limits", h_limits_set, true),
    R("GET", "/v1/tenants/{tenant_id}/mailbox-limits", h_limits_get, false),
};
#define NROUTES (sizeof(api_routes) / sizeof(*api_routes))

/* Unmatched requests are counted under "<METHOD> (unmatched)". */
#define UNMATCHED "(unmatched)"

static const char *route_keys[NROUTES];
static char route_key_buf[NROUTES][96];

const char *const *api_route_keys(size_t *n)
{
    for (size_t i = 0; i < NROUTES; i++) {
        snprintf(route_key_buf[i], sizeof(route_key_buf[i]), "%s %s", api_routes[i].method,
                 api_routes[i].pattern);
        route_keys[i] = route_key_buf[i];
    }
    *n = NROUTES;
    return route_keys;
}

void reply_json(struct reply *r, int status, cJSON *json, bool extra_fields)
{
    if (extra_fields)
        json_add_extra_fields(json);
    r->status = status;
    r->body = json_print(json);
    r->body_len = strlen(r->body);
    r->content_type = "application/json";
    cJSON_Delete(json);
}

void reply_error(struct reply *r, int status, enum error_shape shape, bool extra_fields,
                 const char *code, const char *message)
{
    r->status = status;
    if (shape == ERR_NONE) {
        r->body = NULL;
        r->body_len = 0;
        return;
    }
    char *text = json_error_body(shape, code, message);
    if (extra_fields) {
        cJSON *j = cJSON_Parse(text);
        free(text);
        reply_json(r, status, j, true);
        return;
    }
    r->body = text;
    r->body_len = strlen(text);
    r->content_type = "application/json";
}

void *api_fail(struct api_call *c, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
    va_end(ap);
    c->status = status;
    c->code = code;
    cJSON_Delete(c->json);
    c->json = NULL;
    return NULL;
}

void api_ok(struct api_call *c, cJSON *json)
{
    c->status = 200;
    c->json = json;
}

struct emu_tenant *api_own_tenant(struct api_call *c)
{
    struct emu_tenant *t = store_find_tenant(&c->app->store, c->params[0]);
    if (!t || t->account != c->account)
        return api_fail(c, 404, "tenant_not_found", "Tenant %.200s not found", c->params[0]);
    return t;
}

struct emu_domain *api_domain(struct api_call *c, struct emu_tenant *t)
{
    long i = tenant_find_domain(t, c->params[1]);
    if (i < 0)
        return api_fail(c, 404, "domain_not_found",
                        "Domain %.200s is not registered on this tenant", c->params[1]);
    return &t->domains[i];
}

/* Account index for "Authorization: Bearer KEY", or -1. */
static int authenticate(const struct emu_app *app, const char *header)
{
    if (!header)
        return -1;
    header += strspn(header, " \t");
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\t'))
        return -1;
    const char *key = header + 6 + strspn(header + 6, " \t");
    size_t len = strcspn(key, " \t");
    if (key[len + strspn(key + len, " \t")] != '\0')
        return -1;
    for (int i = 0; i < app->opts.naccounts; i++) {
        const char *k = app->opts.accounts[i].key;
        if (strlen(k) == len && memcmp(k, key, len) == 0)
            return i;
    }
    return -1;
}

/* Strict parse: one JSON value and nothing but whitespace after it. */
static cJSON *parse_body(const struct http_request *req)
{
    if (!req->body || req->body_len == 0)
        return NULL;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end, 0);
    if (!j)
        return NULL;
    while (end && (size_t)(end - req->body) < req->body_len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (!end || (size_t)(end - req->body) != req->body_len) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static void serve_override(struct override *o, struct reply *out)
{
    out->status = o->status;
    out->body = o->body;
    out->body_len = o->body_len;
    o->body = NULL;
    snprintf(out->ctype_buf, sizeof(out->ctype_buf), "%s", o->content_type);
    out->content_type = out->ctype_buf;
    out->stall = o->stall;
    out->drip_interval_ms = o->drip_interval_ms;
}

static void serve_fault(enum fault_kind kind, int status, const struct emu_faults *f,
                        struct reply *out)
{
    if (kind == FAULT_DROP) {
        out->drop = true;
        return;
    }
    if (kind == FAULT_429) {
        out->retry_after = f->retry_after;
        reply_error(out, 429, f->error_shape, f->extra_fields, "rate_limited",
                    "Too many requests; retry after the Retry-After delay");
        return;
    }
    static const char *codes[] = {"internal_error", "bad_gateway", "service_unavailable"};
    const char *code = status == 500 ? codes[0] : status == 502 ? codes[1] : codes[2];
    reply_error(out, status, f->error_shape, f->extra_fields, code,
                "Injected server error (tcemu fault injection)");
}

static void dispatch(struct emu_app *app, const struct http_request *req, struct reply *out,
                     const struct emu_faults *f, struct route_match *m, enum route_result rr)
{
    int account = authenticate(app, req->authorization);
    if (account < 0) {
        reply_error(out, 401, f->error_shape, f->extra_fields, "unauthorized",
                    "Missing or invalid API key");
        return;
    }
    if (rr == ROUTE_NOT_FOUND) {
        reply_error(out, 404, f->error_shape, f->extra_fields, "not_found", "No such endpoint");
        return;
    }
    if (rr == ROUTE_BAD_METHOD) {
        snprintf(out->allow, sizeof(out->allow), "%s", m->allow);
        reply_error(out, 405, f->error_shape, f->extra_fields, "method_not_allowed",
                    "Method not allowed on this endpoint");
        return;
    }
    const struct api_route *ar = m->route->data;
    struct api_call c = {
        .app = app, .account = account, .params = m->params, .target = req->target, .cfg = f};
    cJSON *body = NULL;
    if (ar->takes_body) {
        body = parse_body(req);
        if (!body) {
            reply_error(out, 400, f->error_shape, f->extra_fields, "invalid_json",
                        "Request body must be valid JSON");
            return;
        }
        if (!cJSON_IsObject(body)) {
            cJSON_Delete(body);
            reply_error(out, 400, f->error_shape, f->extra_fields, "invalid_request",
                        "Request body must be a JSON object");
            return;
        }
        c.body = body;
    }
    ar->fn(&c);
    cJSON_Delete(body);
    if (c.code)
        reply_error(out, c.status, f->error_shape, f->extra_fields, c.code, c.message);
    else
        reply_json(out, c.status, c.json, f->extra_fields);
}

void api_handle(struct emu_app *app, const struct http_request *req, struct reply *out,
                struct stats_ticket *ticket)
{
    struct route_match *m = malloc(sizeof(*m));
    if (!m)
        abort();
    enum route_result rr = router_match(api_routes, NROUTES, req->method, req->target, m);
    const char *route_key = rr == ROUTE_OK ? m->route->pattern : UNMATCHED;
    bool is_write = strcmp(req->method, "GET") != 0;

    *ticket = stats_begin(&app->stats, req->conn_gen, req->method, route_key, req->target);
    if (is_write)
        stats_record_write(&app->stats, ticket, req->method, req->target,
                           req->body_too_large ? NULL : req->body, req->body_len);

    struct emu_faults f = faults_snapshot(&app->faults);
    out->retry_after = -1;
    if (!req->body_too_large)
        sleep_ms_interruptible(faults_latency_ms(&f), &app->stopping);

    struct override o;
    int status = 0;
    enum fault_kind kind;
    if (overrides_take(&app->overrides, req->method, req->target, &o)) {
        serve_override(&o, out);
        override_release(&o);
    } else if ((kind = faults_draw(&f, &status)) != FAULT_NONE) {
        serve_fault(kind, status, &f, out);
    } else if (req->body_too_large) {
        reply_error(out, 413, f.error_shape, f.extra_fields, "payload_too_large",
                    "Request body exceeds 1 MiB");
    } else {
        dispatch(app, req, out, &f, m, rr);
    }
    free(m);
    stats_set_status(&app->stats, ticket,
                     out->drop || out->stall == STALL_SILENT ? 0 : out->status);
}
