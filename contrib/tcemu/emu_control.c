/* emu_control.c — the /_emu/... control endpoints of CONTRACT.md: stats,
 * fault configuration, entity tweaks (/_emu/set), accounts and plans,
 * sends and the daily reset, canned overrides and reset. No
 * authentication, never counted in stats, errors always in the nested
 * shape so that tests can rely on them whatever --error-shape says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "enforcement.h"
#include "fixtures.h"
#include "json_util.h"
#include "router.h"

typedef void (*control_fn)(struct emu_app *app, const struct http_request *req, const cJSON *body,
                           struct reply *out);

struct control_route {
    control_fn fn;
    bool takes_body;
};

static void fail(struct reply *out, int status, const char *code, const char *message)
{
    reply_error(out, status, ERR_NESTED, false, code, message);
}

static void ok(struct reply *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    reply_json(out, 200, o, false);
}

void app_reset(struct emu_app *app)
{
    char err[256];
    store_wrlock(&app->store);
    store_clear(&app->store);
    /* Cannot fail: the same options built the same fleet at start-up. */
    (void)fixtures_build(&app->store, &app->opts, err, sizeof(err));
    store_unlock(&app->store);
    accounts_reset(&app->accounts, &app->opts);
    stats_reset(&app->stats);
    overrides_clear(&app->overrides);
    faults_reset(&app->faults, &app->opts.faults);
}

static void c_stats(struct emu_app *app, const struct http_request *req, const cJSON *body,
                    struct reply *out)
{
    char v[16];
    bool paths = router_query_param(req->target, "paths", v, sizeof(v)) == 1 &&
                 strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0;
    reply_json(out, 200, stats_to_json(&app->stats, paths), false);
}

static void c_stats_reset(struct emu_app *app, const struct http_request *req, const cJSON *body,
                          struct reply *out)
{
    stats_reset(&app->stats);
    ok(out);
}

static void c_config_get(struct emu_app *app, const struct http_request *req, const cJSON *body,
                         struct reply *out)
{
    struct emu_faults f = faults_snapshot(&app->faults);
    reply_json(out, 200, faults_to_json(&f), false);
}

static void c_config_set(struct emu_app *app, const struct http_request *req, const cJSON *body,
                         struct reply *out)
{
    char err[256];
    if (faults_update(&app->faults, body, err, sizeof(err)) < 0) {
        fail(out, 400, "invalid_request", err);
        return;
    }
    c_config_get(app, req, body, out);
}

static const char *domain_knobs[] = {"verify_fails", "dkim_ready", "dkim_enabled",
                                     "provision_fails"};

static bool *domain_knob(struct emu_domain *d, const char *key)
{
    bool *slots[] = {&d->verify_fails, &d->dkim_ready, &d->dkim_enabled, &d->provision_fails};
    for (size_t i = 0; i < sizeof(domain_knobs) / sizeof(*domain_knobs); i++) {
        if (strcmp(key, domain_knobs[i]) == 0)
            return slots[i];
    }
    return NULL;
}

/* A renamed domain takes its mailboxes and its scoped policy along. */
static void rename_domain(struct emu_tenant *t, const char *old, const char *new_name)
{
    for (size_t i = 0; i < t->nmailboxes; i++) {
        const char *dn = json_str(t->mailboxes[i].obj, "domain_name");
        if (dn && strcasecmp(dn, old) == 0)
            json_put_str(t->mailboxes[i].obj, "domain_name", new_name);
    }
    for (size_t i = 0; i < t->npolicies; i++) {
        struct emu_policy *p = &t->policies[i];
        if (p->domain_scope && strcasecmp(p->domain_scope, old) == 0) {
            free(p->domain_scope);
            p->domain_scope = strdup(new_name);
        }
    }
}

static void set_domain(struct emu_tenant *t, struct emu_domain *d, const cJSON *set)
{
    for (const cJSON *f = set->child; f; f = f->next) {
        bool *knob = domain_knob(d, f->string);
        if (knob) {
            *knob = cJSON_IsTrue(f);
            continue;
        }
        if (strcmp(f->string, "domain_name") == 0 && cJSON_IsString(f)) {
            char old[512];
            const char *cur = json_str(d->obj, "domain_name");
            snprintf(old, sizeof(old), "%s", cur ? cur : "");
            rename_domain(t, old, f->valuestring);
        }
        json_put(d->obj, f->string, cJSON_Duplicate(f, 1));
    }
}

/* sends_today (and domain_name, which picks the policy) go through
 * enforcement like sends do, unless blocked_at itself is being set. */
static void set_mailbox(struct emu_store *s, struct emu_tenant *t, struct emu_mailbox *m,
                        const cJSON *set)
{
    for (const cJSON *f = set->child; f; f = f->next)
        json_put(m->obj, f->string, cJSON_Duplicate(f, 1));
    bool counts = cJSON_GetObjectItemCaseSensitive(set, "sends_today") ||
                  cJSON_GetObjectItemCaseSensitive(set, "daily_send_limit") ||
                  cJSON_GetObjectItemCaseSensitive(set, "domain_name");
    if (counts && !cJSON_GetObjectItemCaseSensitive(set, "blocked_at"))
        enforce_mailbox(s, t, m);
}

static void set_tenant(struct emu_store *s, struct emu_tenant *t, const cJSON *set)
{
    for (const cJSON *f = set->child; f; f = f->next) {
        if (strcmp(f->string, "domain_count") == 0)
            t->pin_domain_count = true;
        if (strcmp(f->string, "mailbox_count") == 0)
            t->pin_mailbox_count = true;
        json_put(t->obj, f->string, cJSON_Duplicate(f, 1));
    }
    if (cJSON_GetObjectItemCaseSensitive(set, "tenant_id"))
        store_reindex(s);
}

static void c_set(struct emu_app *app, const struct http_request *req, const cJSON *body,
                  struct reply *out)
{
    const char *tid = json_str(body, "tenant_id");
    const char *dname = json_str(body, "domain_name");
    const char *mid = json_str(body, "mailbox_id");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(body, "set");
    if (!tid || !cJSON_IsObject(set) || (dname && mid)) {
        fail(out, 400, "invalid_request",
             "need tenant_id, an object 'set', and at most one of domain_name, mailbox_id");
        return;
    }
    for (const cJSON *f = set->child; dname && f; f = f->next) {
        for (size_t i = 0; i < sizeof(domain_knobs) / sizeof(*domain_knobs); i++) {
            if (strcmp(f->string, domain_knobs[i]) == 0 && !cJSON_IsBool(f)) {
                fail(out, 400, "invalid_request", "domain knobs take a boolean");
                return;
            }
        }
    }
    store_wrlock(&app->store);
    struct emu_tenant *t = store_find_tenant(&app->store, tid);
    cJSON *entity = NULL;
    if (!t) {
        fail(out, 404, "tenant_not_found", "no such tenant");
    } else if (dname) {
        long i = tenant_find_domain(t, dname);
        if (i < 0) {
            fail(out, 404, "domain_not_found", "no such domain on this tenant");
        } else {
            set_domain(t, &t->domains[i], set);
            entity = cJSON_Duplicate(t->domains[i].obj, 1);
        }
    } else if (mid) {
        long i = tenant_find_mailbox(t, mid);
        if (i < 0) {
            fail(out, 404, "mailbox_not_found", "no such mailbox on this tenant");
        } else {
            set_mailbox(&app->store, t, &t->mailboxes[i], set);
            entity = cJSON_Duplicate(t->mailboxes[i].obj, 1);
        }
    } else {
        set_tenant(&app->store, t, set);
        entity = cJSON_Duplicate(t->obj, 1);
    }
    store_unlock(&app->store);
    if (entity) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", "ok");
        cJSON_AddItemToObject(o, "entity", entity);
        reply_json(out, 200, o, false);
    }
}

static cJSON *account_json(struct emu_app *app, int account)
{
    cJSON *o = accounts_entry_json(&app->accounts, account);
    size_t n = 0;
    store_rdlock(&app->store);
    for (size_t i = 0; i < app->store.ntenants; i++)
        n += app->store.tenants[i]->account == account;
    store_unlock(&app->store);
    cJSON_AddNumberToObject(o, "tenants", (double)n);
    return o;
}

static void c_accounts(struct emu_app *app, const struct http_request *req, const cJSON *body,
                       struct reply *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "accounts");
    for (int i = 0; i < app->opts.naccounts; i++)
        cJSON_AddItemToArray(list, account_json(app, i));
    reply_json(out, 200, root, false);
}

static void c_account_set(struct emu_app *app, const struct http_request *req, const cJSON *body,
                          struct reply *out)
{
    long account;
    const char *plan_s = json_str(body, "plan");
    enum emu_plan plan;
    if (!json_int(body, "account", &account) || !plan_s || plan_parse(plan_s, &plan) < 0) {
        fail(out, 400, "invalid_request",
             "need an integer 'account' and a 'plan': starter, growth, scale, lapsed or "
             "unlimited");
        return;
    }
    if (account < 1 || account > INT32_MAX ||
        accounts_set_plan(&app->accounts, (int)account - 1, plan) < 0) {
        fail(out, 404, "account_not_found", "no such account");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddItemToObject(o, "account", account_json(app, (int)account - 1));
    reply_json(out, 200, o, false);
}

#define SENDS_MAX 1000000L

static void c_sends(struct emu_app *app, const struct http_request *req, const cJSON *body,
                    struct reply *out)
{
    const char *tid = json_str(body, "tenant_id");
    const char *mid = json_str(body, "mailbox_id");
    long count;
    if (!tid || !mid || !json_int(body, "count", &count) || count < 0 || count > SENDS_MAX) {
        fail(out, 400, "invalid_request",
             "need tenant_id, mailbox_id and an integer count in 0..1000000");
        return;
    }
    struct emu_store *s = &app->store;
    store_wrlock(s);
    struct emu_tenant *t = store_find_tenant(s, tid);
    long i = t ? tenant_find_mailbox(t, mid) : -1;
    if (i < 0) {
        store_unlock(s);
        fail(out, 404, t ? "mailbox_not_found" : "tenant_not_found", "no such mailbox");
        return;
    }
    size_t before = s->nevents;
    enforce_add_sends(s, t, &t->mailboxes[i], count);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddNumberToObject(o, "events_logged", (double)(s->nevents - before));
    cJSON_AddItemToObject(o, "entity", cJSON_Duplicate(t->mailboxes[i].obj, 1));
    store_unlock(s);
    reply_json(out, 200, o, false);
}

static void c_next_day(struct emu_app *app, const struct http_request *req, const cJSON *body,
                       struct reply *out)
{
    store_wrlock(&app->store);
    long unblocked = enforce_next_day(&app->store);
    store_unlock(&app->store);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddNumberToObject(o, "unblocked", (double)unblocked);
    reply_json(out, 200, o, false);
}

static void c_override_add(struct emu_app *app, const struct http_request *req, const cJSON *body,
                           struct reply *out)
{
    char err[256];
    if (overrides_add(&app->overrides, body, err, sizeof(err)) < 0)
        fail(out, 400, "invalid_request", err);
    else
        ok(out);
}

static void c_override_clear(struct emu_app *app, const struct http_request *req, const cJSON *body,
                             struct reply *out)
{
    overrides_clear(&app->overrides);
    ok(out);
}

static void c_reset(struct emu_app *app, const struct http_request *req, const cJSON *body,
                    struct reply *out)
{
    app_reset(app);
    ok(out);
}

#define C(method, pattern, fn, body)                                                               \
    {                                                                                              \
        method, pattern, &(const struct control_route)                                             \
        {                                                                                          \
            fn, body                                                                               \
        }                                                                                          \
    }

static const struct route control_routes[] = {
    C("GET", "/_emu/stats", c_stats, false),
    C("POST", "/_emu/stats/reset", c_stats_reset, false),
    C("GET", "/_emu/config", c_config_get, false),
    C("POST", "/_emu/config", c_config_set, true),
    C("POST", "/_emu/set", c_set, true),
    C("GET", "/_emu/accounts", c_accounts, false),
    C("POST", "/_emu/account", c_account_set, true),
    C("POST", "/_emu/sends", c_sends, true),
    C("POST", "/_emu/next-day", c_next_day, false),
    C("POST", "/_emu/override", c_override_add, true),
    C("DELETE", "/_emu/override", c_override_clear, false),
    C("POST", "/_emu/reset", c_reset, false),
};

void emu_control_handle(struct emu_app *app, const struct http_request *req, struct reply *out)
{
    struct route_match *m = malloc(sizeof(*m));
    if (!m)
        abort();
    out->retry_after = -1;
    enum route_result rr =
        router_match(control_routes, sizeof(control_routes) / sizeof(*control_routes), req->method,
                     req->target, m);
    if (rr == ROUTE_NOT_FOUND) {
        fail(out, 404, "not_found", "No such control endpoint");
    } else if (rr == ROUTE_BAD_METHOD) {
        snprintf(out->allow, sizeof(out->allow), "%s", m->allow);
        fail(out, 405, "method_not_allowed", "Method not allowed on this endpoint");
    } else if (req->body_too_large) {
        fail(out, 413, "payload_too_large", "Request body exceeds 1 MiB");
    } else {
        const struct control_route *cr = m->route->data;
        cJSON *body = NULL;
        if (cr->takes_body) {
            body = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
            if (!cJSON_IsObject(body)) {
                cJSON_Delete(body);
                fail(out, 400, "invalid_json", "Request body must be a JSON object");
                free(m);
                return;
            }
        }
        cr->fn(app, req, body, out);
        cJSON_Delete(body);
    }
    free(m);
}
