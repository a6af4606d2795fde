/* actions: the rows and the one function that performs them. Lock order
 * (doc/ARCHITECTURE.md): the write lock is taken first and held across the
 * API call; the cache's lock and the transport's are taken inside it, never
 * the other way round. */
#include "actions.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "resource.h"
#include "values.h"

/* ---- value parsers ------------------------------------------------------- */

/* {"daily_send_limit": N} */
static int parse_limit(const struct route *rt, const char *buf, size_t len, cJSON **body,
                       const char **why)
{
    (void)rt;
    int n;
    if (value_parse_limit(buf, len, &n, why) != 0)
        return -EINVAL;
    *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(*body, "daily_send_limit", n);
    return 0;
}

/* The same, scoped to the route's domain for a domain's mailbox_limit. */
static int parse_policy(const struct route *rt, const char *buf, size_t len, cJSON **body,
                        const char **why)
{
    int rc = parse_limit(rt, buf, len, body, why);
    if (rc == 0 && rt->domain)
        cJSON_AddStringToObject(*body, "domain_scope", rt->domain);
    return rc;
}

static int parse_display_name(const struct route *rt, const char *buf, size_t len, cJSON **body,
                              const char **why)
{
    (void)rt;
    char *name;
    if (value_parse_display_name(buf, len, &name, why) != 0)
        return -EINVAL;
    *body = cJSON_CreateObject();
    cJSON_AddStringToObject(*body, "display_name", name);
    free(name);
    return 0;
}

static int parse_dkim(const struct route *rt, const char *buf, size_t len, cJSON **body,
                      const char **why)
{
    (void)rt;
    (void)body;
    return value_parse_dkim_enable(buf, len, why) ? -EINVAL : 0;
}

static int parse_provision(const struct route *rt, const char *buf, size_t len, cJSON **body,
                           const char **why)
{
    return value_parse_provision(buf, len, rt->domain, body, why) ? -EINVAL : 0;
}

/* mkdir: the directory's name is the value. */
static int parse_new_domain(const struct route *rt, const char *buf, size_t len, cJSON **body,
                            const char **why)
{
    (void)buf;
    (void)len;
    if (value_check_domain(rt->domain, why) != 0)
        return -EINVAL;
    *body = cJSON_CreateObject();
    cJSON_AddStringToObject(*body, "domain", rt->domain);
    return 0;
}

/* ---- steps every row shares ------------------------------------------------ */

static void record(const struct op_ctx *ctx, const struct route *rt, const struct api_error *e)
{
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    mount_fail(ctx, p.data, e);
    sb_free(&p);
}

static void lock_key(enum lock_scope scope, const struct route *rt, struct strbuf *key)
{
    static const char *const names[] = {"", "mailbox", "policy", "domain", "domains", "tenant"};
    sb_printf(key, "%s %s", names[scope], rt->tenant ? rt->tenant : "");
    if (scope == LOCK_MAILBOX)
        sb_printf(key, " %s", rt->mailbox);
    else if ((scope == LOCK_POLICY || scope == LOCK_DOMAIN) && rt->domain)
        sb_printf(key, " %s", rt->domain);
}

/* Forget what the endpoint table says a success of ep made stale: one
 * entry by its key, or every entry of a kind in the tenant or anywhere. */
static void drop_stale(struct mount *m, enum api_endpoint ep, const struct route *rt)
{
    const struct endpoint *e = endpoint(ep);
    for (int i = 0; i < e->nstale; i++) {
        const struct stale *s = &e->stale[i];
        if (s->scope == STALE_SAME) {
            struct res_id id = {.kind = s->kind, .tenant = rt->tenant};
            if (s->kind == RES_DNS || s->kind == RES_DKIM || s->kind == RES_POLICY)
                id.sub = rt->domain ? rt->domain : "";
            else if (s->kind == RES_USAGE)
                id.sub = rt->mailbox;
            cache_drop(m->cache, &id);
        } else {
            cache_drop_kind(m->cache, s->kind, s->scope == STALE_ALL ? NULL : rt->tenant, NULL);
        }
    }
}

/* The thing written to has vanished (a 404): forget the lists that still
 * show it, or the whole tenant when it is the tenant that is gone. */
static void vanished(struct mount *m, const struct action *a, const struct route *rt,
                     const struct api_error *e)
{
    bool creates = a->ep == EP_DOMAIN_ADD; /* the route's domain never existed */
    struct route gone = *rt;
    if (strstr(e->code, "tenant") || (!rt->mailbox && !rt->domain) || creates) {
        drop_stale(m, EP_TENANT_DELETE, rt);
        gone.kind = N_TENANT;
    } else if (rt->mailbox) {
        cache_drop_kind(m->cache, RES_MAILBOXES, rt->tenant, NULL);
        gone.kind = N_MAILBOX;
    } else {
        cache_drop_kind(m->cache, RES_DOMAINS, rt->tenant, NULL);
        gone.kind = N_DOMAIN;
    }
    struct strbuf p = STRBUF_INIT;
    route_format(&gone, &p);
    mount_names_changed(m, p.data);
    sb_free(&p);
    mount_tenant_changed(m, rt->tenant);
}

int action_perform(struct mount *m, const struct action *a, const struct route *rt,
                   const char *buf, size_t len, const struct op_ctx *ctx)
{
    cJSON *body = NULL, *answer = NULL;
    const char *why = NULL;
    struct api_error e;
    memset(&e, 0, sizeof e);
    if (a->parse && a->parse(rt, buf, len, &body, &why) != 0) {
        api_error_set(&e, EINVAL, 0, NULL, why ? why : "invalid value");
        record(ctx, rt, &e);
        return -EINVAL;
    }
    struct strbuf key = STRBUF_INIT;
    lock_key(a->lock, rt, &key);
    struct lock_ref *lock = a->lock != LOCK_NONE ? lockset_acquire(m->locks, key.data) : NULL;
    sb_free(&key);

    int rc = 0;
    if (a->ep != EP_COUNT) {
        struct ep_args args = {rt->tenant, rt->domain, rt->mailbox};
        bool keep = a->after || a->result != N_COUNT;
        rc = m->writer.call(m->writer.ctx, a->ep, &args, body, keep ? &answer : NULL, &e);
    }
    bool api_failed = rc != 0;
    if (rc == 0 && a->ep != EP_COUNT) {
        drop_stale(m, a->ep, rt);
        if (a->result != N_COUNT) {
            struct route res = *rt;
            res.kind = a->result;
            struct strbuf p = STRBUF_INIT;
            route_format(&res, &p);
            results_put(m->results, p.data, answer);
            sb_free(&p);
        }
    }
    if (a->after)
        rc = a->after(m, rt, rc, answer, &e, ctx);
    if (a->ep != EP_COUNT) {
        if (api_failed) {
            if (rc == -ENOENT)
                vanished(m, a, rt, &e);
        } else if (a->lock == LOCK_MAILBOX) {
            /* What the kernel must drop follows the row's scope: a write
             * that locks one mailbox changed only that mailbox (and its
             * sums). */
            mount_mailbox_changed(m, rt->tenant, rt->mailbox);
        } else {
            mount_tenant_changed(m, rt->tenant);
        }
    }
    if (lock)
        lockset_release(m->locks, lock);
    cJSON_Delete(body);
    cJSON_Delete(answer);
    if (api_failed) {
        if (e.err == 0)
            e.err = -rc;
        record(ctx, rt, &e);
    }
    return rc;
}

/* ---- the rows' own steps ------------------------------------------------------ */

static bool list_has(const struct resource *list, const char *name)
{
    return resource_child(list, name) != NULL;
}

/* The domains list with the POST's answer appended, so the new directory
 * exists the moment mkdir returns (libfuse looks it up at once). The POST
 * may outlast the ttl (mkdir is a long action): then the list is fetched
 * again rather than replaced by one that holds only the new domain, which
 * `ls` would show until the ttl ran out. Only when that fetch fails is the
 * new domain alone cached, so that mkdir still reports the success. */
static void cache_new_domain(struct mount *m, const struct route *rt, const cJSON *answer,
                             const struct op_ctx *ctx)
{
    struct res_id id = {.kind = RES_DOMAINS, .tenant = rt->tenant};
    struct resource *list = cache_peek(m->cache, &id);
    if (!list) {
        struct wait_ctx w = mount_wait(m, ctx);
        struct api_error e;
        if (cache_get(m->cache, &id, &w, &list, &e) != 0)
            list = NULL;
    }
    if (list && list->status == RES_OK && list_has(list, rt->domain)) {
        resource_put(list); /* the API's own list already has it */
        return;
    }
    cJSON *copy = list && list->status == RES_OK ? cJSON_Duplicate(list->json, 1) : NULL;
    resource_put(list);
    if (!copy) {
        copy = cJSON_CreateObject();
        cJSON_AddStringToObject(copy, "tenant_id", rt->tenant);
        cJSON_AddArrayToObject(copy, "domains");
    }
    cJSON *domains = cJSON_GetObjectItemCaseSensitive(copy, "domains");
    if (!cJSON_IsArray(domains)) {
        cJSON_Delete(copy);
        return;
    }
    cJSON *item = cJSON_CreateObject();
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(answer, "domain");
    const cJSON *live = cJSON_GetObjectItemCaseSensitive(answer, "live_dns_status");
    cJSON_AddStringToObject(item, "domain_name", rt->domain);
    cJSON_AddBoolToObject(item, "is_default", json_bool(d, "is_default", 0));
    cJSON_AddBoolToObject(item, "is_verified", json_bool(d, "is_verified", 0));
    static const char *const fields[] = {"spf_status", "dkim_status", "dmarc_status", "mx_status"};
    for (size_t i = 0; i < 4; i++) {
        const char *v = json_str(live, fields[i]);
        cJSON_AddStringToObject(item, fields[i], v ? v : "missing");
    }
    cJSON_AddItemToArray(domains, item);
    cJSON *count = cJSON_GetObjectItemCaseSensitive(copy, "count");
    if (cJSON_IsNumber(count))
        cJSON_SetNumberValue(count, cJSON_GetArraySize(domains));
    cache_insert(m->cache, &id, resource_from_json(RES_DOMAINS, copy));
}

static int after_add_domain(struct mount *m, const struct route *rt, int rc, const cJSON *answer,
                            const struct api_error *e, const struct op_ctx *ctx)
{
    (void)e;
    if (rc == 0) {
        cache_new_domain(m, rt, answer, ctx);
        log_info("added domain %s to tenant %s", rt->domain, rt->tenant);
    } else if (rc == -EEXIST || rc == -EDQUOT) {
        /* The API knows domains our list does not (added by another
         * client): refresh it, so that the name that "exists" shows up and
         * `mkdir -p` of it succeeds, and ls agrees with the quota. */
        cache_drop_kind(m->cache, RES_DOMAINS, rt->tenant, NULL);
        cache_drop_kind(m->cache, RES_TENANT, rt->tenant, NULL);
        cache_drop_kind(m->cache, RES_TENANTS, NULL, NULL);
        mount_tenant_changed(m, rt->tenant);
    }
    return rc;
}

static int after_delete_tenant(struct mount *m, const struct route *rt, int rc,
                               const cJSON *answer, const struct api_error *e,
                               const struct op_ctx *ctx)
{
    (void)answer;
    (void)e;
    (void)ctx;
    if (rc == 0 || rc == -ENOENT) {
        struct route dir = {.kind = N_TENANT, .tenant = rt->tenant};
        struct strbuf p = STRBUF_INIT;
        route_format(&dir, &p);
        mount_names_changed(m, p.data);
        sb_putc(&p, '/');
        results_drop_prefix(m->results, p.data);
        sb_free(&p);
        struct route links = {.kind = N_BY_NAME};
        route_format(&links, &p);
        mount_names_changed(m, p.data); /* its by-name/ link is gone too */
        sb_free(&p);
    }
    if (rc == 0)
        log_info("deleted tenant %s", rt->tenant);
    return rc;
}

/* Log each mailbox's outcome; the failures also go to the errors file. */
static int after_provision(struct mount *m, const struct route *rt, int rc, const cJSON *answer,
                           const struct api_error *e, const struct op_ctx *ctx)
{
    (void)m;
    (void)e;
    if (rc != 0)
        return rc;
    struct api_error fe;
    if (!answer) {
        api_error_set(&fe, EIO, 200, NULL, "the provisioning answer is not JSON");
        record(ctx, rt, &fe);
        return -EIO;
    }
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(answer, "results");
    const cJSON *r;
    int failed = 0;
    if (!cJSON_IsArray(results))
        results = NULL;
    cJSON_ArrayForEach(r, results)
    {
        const char *status = json_str(r, "status");
        const char *email = json_str(r, "email");
        log_info("provision %s: %s", email ? email : "?", status ? status : "?");
        if (status && strcmp(status, "failed") == 0) {
            const char *msg = json_str(r, "error");
            if (!msg)
                msg = json_str(r, "message");
            struct strbuf text = STRBUF_INIT;
            sb_printf(&text, "%s: %s", email ? email : "mailbox", msg ? msg : "failed");
            api_error_set(&fe, EIO, 200, "failed", text.data);
            record(ctx, rt, &fe);
            sb_free(&text);
            failed++;
        }
    }
    long long count = 0;
    if (json_int(answer, "failed_count", &count) == 0 && count > 0 && failed == 0) {
        api_error_set(&fe, EIO, 200, "failed", "the API reports failed mailboxes");
        record(ctx, rt, &fe);
        failed = (int)count;
    }
    return failed || count > 0 ? -EIO : 0;
}

static int after_invalidate(struct mount *m, const struct route *rt, int rc, const cJSON *answer,
                            const struct api_error *e, const struct op_ctx *ctx)
{
    (void)rt;
    (void)answer;
    (void)e;
    (void)ctx;
    cache_drop_all(m->cache);
    mount_names_changed(m, "/");
    log_info("every cached entry dropped");
    return rc;
}

/* ---- the rows ---------------------------------------------------------------- */

/* clang-format off */
const struct action action_daily_limit   = {parse_limit, EP_MAILBOX_PATCH, LOCK_MAILBOX, N_COUNT, NULL};
const struct action action_display_name  = {parse_display_name, EP_MAILBOX_PATCH, LOCK_MAILBOX, N_COUNT, NULL};
const struct action action_policy_limit  = {parse_policy, EP_LIMITS_SET, LOCK_POLICY, N_COUNT, NULL};
const struct action action_verify        = {NULL, EP_DOMAIN_VERIFY, LOCK_DOMAIN, N_COUNT, NULL};
const struct action action_enable_dkim   = {parse_dkim, EP_DOMAIN_ENABLE_DKIM, LOCK_DOMAIN, N_COUNT, NULL};
const struct action action_sync          = {NULL, EP_TENANT_SYNC, LOCK_TENANT, N_TENANT_LAST_SYNC, NULL};
const struct action action_provision     = {parse_provision, EP_MAILBOX_PROVISION, LOCK_DOMAIN, N_LAST_PROVISION, after_provision};
const struct action action_invalidate    = {NULL, EP_COUNT, LOCK_NONE, N_COUNT, after_invalidate};
const struct action action_add_domain    = {parse_new_domain, EP_DOMAIN_ADD, LOCK_DOMAINS, N_COUNT, after_add_domain};
const struct action action_delete_tenant = {NULL, EP_TENANT_DELETE, LOCK_TENANT, N_COUNT, after_delete_tenant};
/* clang-format on */
