/* api.c — the API request pipeline (/v1 and /api-key): count the request,
 * add latency, serve an override or an injected fault, authenticate, check
 * the plan, route, check the body as the API's framework would and call the
 * handler; then shape the reply (error shape, extra fields). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "handlers.h"
#include "json_util.h"
#include "router.h"
#include "validate.h"

struct api_route {
    api_handler fn;
    const struct field_spec *body; /* the body's model; NULL: takes no body */
    bool key_answer;               /* answers with a key: never record the request body */
};

#define R(method, pattern, fn, body, key_answer)                                                   \
    {                                                                                              \
        method, pattern, &(const struct api_route)                                                 \
        {                                                                                          \
            fn, body, key_answer                                                                   \
        }                                                                                          \
    }

/* The request models of the documented bodies (api-docs "Request body"). */
static const struct field_spec domain_body[] = {{"domain", FIELD_STR, true, NULL}, {0}};
static const struct field_spec provision_item[] = {
    {"name", FIELD_STR, true, NULL}, {"email", FIELD_STR, true, NULL}, {0}};
static const struct field_spec provision_body[] = {{"domain", FIELD_STR, true, NULL},
                                                   {"account_password", FIELD_STR, true, NULL},
                                                   {"mailboxes", FIELD_LIST, true, provision_item},
                                                   {0}};
static const struct field_spec patch_body[] = {
    {"display_name", FIELD_STR, false, NULL}, {"daily_send_limit", FIELD_INT, false, NULL}, {0}};
static const struct field_spec limits_body[] = {
    {"daily_send_limit", FIELD_INT, true, NULL}, {"domain_scope", FIELD_STR, false, NULL}, {0}};

static const struct route api_routes[] = {
    R("GET", "/v1/tenants", h_tenants_list, NULL, false),
    R("GET", "/v1/tenants/{tenant_id}", h_tenant_get, NULL, false),
    R("DELETE", "/v1/tenants/{tenant_id}", h_tenant_delete, NULL, false),
    R("POST", "/v1/tenants/{tenant_id}/sync", h_tenant_sync, NULL, false),
    R("GET", "/v1/tenants/{tenant_id}/domains", h_domains_list, NULL, false),
    R("POST", "/v1/tenants/{tenant_id}/domains", h_domain_add, domain_body, false),
    R("POST", "/v1/tenants/{tenant_id}/domains/{domain_name}/verify", h_domain_verify, NULL, false),
    R("POST", "/v1/tenants/{tenant_id}/domains/{domain_name}/enable-dkim", h_domain_enable_dkim,
      NULL, false),
    R("GET", "/v1/tenants/{tenant_id}/domains/{domain_name}/dkim-status", h_domain_dkim_status,
      NULL, false),
    R("GET", "/v1/tenants/{tenant_id}/domains/{domain_name}/dns", h_domain_dns, NULL, false),
    R("GET", "/v1/tenants/{tenant_id}/mailboxes", h_mailboxes_list, NULL, false),
    R("POST", "/v1/tenants/{tenant_id}/mailboxes", h_mailboxes_provision, provision_body, false),
    R("PATCH", "/v1/tenants/{tenant_id}/mailboxes/{mailbox_id}", h_mailbox_patch, patch_body,
      false),
    R("GET", "/v1/tenants/{tenant_id}/mailboxes/{mailbox_id}/usage", h_mailbox_usage, NULL, false),
    R("POST", "/v1/tenants/{tenant_id}/mailbox-limits", h_limits_set, limits_body, false),
    R("GET", "/v1/tenants/{tenant_id}/mailbox-limits", h_limits_get, NULL, false),
    R("GET", "/v1/enforcement/events", h_enforcement_events, NULL, false),
    R("POST", "/api-key/rotate", h_api_key_rotate, NULL, true),
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

void *api_invalid(struct api_call *c, cJSON *loc, const char *msg, const char *type)
{
    if (!c->invalid)
        c->invalid = cJSON_CreateArray();
    if (!c->code) {
        const cJSON *last = cJSON_GetArrayItem(loc, cJSON_GetArraySize(loc) - 1);
        api_fail(c, 400, "invalid_request", "%s: %s",
                 cJSON_IsString(last) ? last->valuestring : "request", msg);
    }
    validation_error(c->invalid, loc, msg, type);
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

/* FastAPI's answer to a request its framework refused: 422 with every failure. */
static void reply_validation(struct reply *out, cJSON *errors, const struct emu_faults *f)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "detail", errors);
    reply_json(out, 422, root, f->extra_fields);
}

static bool is_v1(const char *target)
{
    return strncmp(target, "/v1", 3) == 0 && (target[3] == '\0' || strchr("/?#", target[3]));
}

static size_t tenants_of(struct emu_store *s, int account)
{
    size_t n = 0;
    store_rdlock(s);
    for (size_t i = 0; i < s->ntenants; i++)
        n += s->tenants[i]->account == account;
    store_unlock(s);
    return n;
}

/* The plan checks of every authenticated /v1 request (api-docs/
 * authentication.txt "Plan scoping"); true when the request was refused. */
static bool plan_refused(struct emu_app *app, int account, const char *method,
                         const struct emu_faults *f, struct reply *out)
{
    enum emu_plan plan = accounts_plan(&app->accounts, account);
    if (plan == PLAN_LAPSED) {
        reply_error(out, 402, f->error_shape, f->extra_fields, "no_api_plan",
                    "No active API plan on this account");
        return true;
    }
    long ceiling = plan_ceiling(plan);
    if (ceiling < 0 || strcmp(method, "GET") == 0)
        return false;
    size_t held = tenants_of(&app->store, account);
    if ((long)held <= ceiling)
        return false;
    char msg[200];
    snprintf(msg, sizeof(msg), "The account holds %zu tenants, more than the %ld of its %s plan",
             held, ceiling, plan_name(plan));
    reply_error(out, 402, f->error_shape, f->extra_fields, "tenant_limit_reached", msg);
    return true;
}

/* The body as the legacy dialects check it: 400 invalid_json / invalid_request. */
static cJSON *legacy_body(const struct http_request *req, const struct emu_faults *f,
                          struct reply *out)
{
    cJSON *body = json_parse_body(req->body, req->body_len, NULL);
    if (!body) {
        reply_error(out, 400, f->error_shape, f->extra_fields, "invalid_json",
                    "Request body must be valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        reply_error(out, 400, f->error_shape, f->extra_fields, "invalid_request",
                    "Request body must be a JSON object");
        return NULL;
    }
    return body;
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
    int account = -1;
    enum auth_result auth = accounts_authenticate(&app->accounts, req->authorization, &account);
    if (auth != AUTH_OK) {
        const char *code, *message;
        auth_error(auth, &code, &message);
        reply_error(out, 401, f->error_shape, f->extra_fields, code, message);
        return;
    }
    /* Key rotation manages the account itself: no plan needed for it. */
    if (is_v1(req->target) && plan_refused(app, account, req->method, f, out))
        return;
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
    if (ar->body) {
        if (f->error_shape == ERR_DOCUMENTED) {
            cJSON *errors = cJSON_CreateArray();
            body = validate_body(req->body, req->body_len, ar->body, errors);
            if (!body) {
                reply_validation(out, errors, f);
                return;
            }
            cJSON_Delete(errors);
        } else if (!(body = legacy_body(req, f, out))) {
            return;
        }
        c.body = body;
    }
    ar->fn(&c);
    cJSON_Delete(body);
    if (c.invalid && f->error_shape == ERR_DOCUMENTED) {
        reply_validation(out, c.invalid, f);
        c.invalid = NULL;
    } else if (c.code) {
        reply_error(out, c.status, f->error_shape, f->extra_fields, c.code, c.message);
    } else {
        reply_json(out, c.status, c.json, f->extra_fields);
    }
    cJSON_Delete(c.invalid);
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
    bool secret = rr == ROUTE_OK && ((const struct api_route *)m->route->data)->key_answer;

    *ticket = stats_begin(&app->stats, req->conn_gen, req->method, route_key, req->target);
    if (is_write)
        stats_record_write(&app->stats, ticket, req->method, req->target,
                           req->body_too_large || secret ? NULL : req->body, req->body_len);

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
