/* actions: validated writes → API calls → cache and kernel refresh. Each
 * action holds the write lock of its resource for the whole call, so two
 * writers' answers cannot overwrite each other in the cache. */
#include "actions.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errlog.h"
#include "fs.h"
#include "log.h"
#include "render.h"
#include "values.h"

/* ---- shared steps --------------------------------------------------------- */

static int refuse(const struct op_ctx *ctx, const struct route *rt, const char *why)
{
    struct api_error e;
    api_error_set(&e, EINVAL, 0, NULL, why);
    fs_fail(ctx, rt, &e);
    return -EINVAL;
}

static void tenant_api_prefix(struct strbuf *sb, const char *tenant)
{
    sb_puts(sb, "/v1/tenants/");
    url_append_component(sb, tenant);
    sb_putc(sb, '/');
}

static void drop(struct fs *fs, enum res_kind kind, const char *tenant, const char *sub)
{
    struct res_id id = {.kind = kind, .tenant = tenant, .sub = sub};
    cache_drop(fs->cache, &id);
}

/* Tell the kernel that what it holds under tenants/<t>/ (and the views
 * built from it) may have changed. */
static void kernel_tenant_changed(struct fs *fs, const char *tenant)
{
    struct strbuf p = STRBUF_INIT;
    sb_printf(&p, "/tenants/%s/", tenant);
    fs_changed(fs, NULL, p.data);
    p.len--; /* the tenant directory itself */
    p.data[p.len] = '\0';
    fs_changed(fs, NULL, p.data);
    fs_changed(fs, NULL, "/health");
    fs_changed(fs, NULL, "/metrics.prom");
    sb_free(&p);
}

/* Everything cached about one tenant, its entry in the tenants list too. */
static void tenant_changed(struct fs *fs, const char *tenant)
{
    struct strbuf p = STRBUF_INIT;
    tenant_api_prefix(&p, tenant);
    cache_drop_prefix(fs->cache, p.data);
    sb_free(&p);
    drop(fs, RES_TENANT, tenant, NULL);
    drop(fs, RES_TENANTS, NULL, NULL);
    kernel_tenant_changed(fs, tenant);
}

/* An API failure: record it; if the thing written to has vanished, forget
 * the list that still shows it. */
static int api_failed(struct fs *fs, const struct op_ctx *ctx, const struct route *rt,
                      const struct api_error *e, int rc)
{
    fs_fail(ctx, rt, e);
    if (rc == -ENOENT) {
        if (rt->mailbox)
            drop(fs, RES_MAILBOXES, rt->tenant, NULL);
        if (rt->domain)
            drop(fs, RES_DOMAINS, rt->tenant, NULL);
        if (strstr(e->code, "tenant") || (!rt->mailbox && !rt->domain))
            tenant_changed(fs, rt->tenant);
        else
            kernel_tenant_changed(fs, rt->tenant);
    }
    return rc;
}

/* ---- mailboxes --------------------------------------------------------- */

static int patch_mailbox(struct fs *fs, const struct route *rt, cJSON *body,
                         const struct op_ctx *ctx)
{
    struct api_error e;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, rt->mailbox, "mailbox");
    pthread_mutex_lock(lock);
    int rc = api_patch_mailbox(fs->api, rt->tenant, rt->mailbox, body, NULL, &e);
    if (rc == 0) {
        drop(fs, RES_MAILBOXES, rt->tenant, NULL);
        drop(fs, RES_USAGE, rt->tenant, rt->mailbox);
        kernel_tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    cJSON_Delete(body);
    return rc ? api_failed(fs, ctx, rt, &e, rc) : 0;
}

/* {"daily_send_limit": N} from a written value, or -EINVAL (recorded). */
static int limit_body(const struct op_ctx *ctx, const struct route *rt, const char *buf,
                      size_t len, cJSON **body)
{
    int n;
    const char *why;
    if (value_parse_limit(buf, len, &n, &why) != 0)
        return refuse(ctx, rt, why);
    *body = cJSON_CreateObject();
    cJSON_AddNumberToObject(*body, "daily_send_limit", n);
    return 0;
}

int write_daily_limit(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                      const struct op_ctx *ctx)
{
    cJSON *body = NULL;
    int rc = limit_body(ctx, rt, buf, len, &body);
    return rc ? rc : patch_mailbox(fs, rt, body, ctx);
}

int write_display_name(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                       const struct op_ctx *ctx)
{
    char *name;
    const char *why;
    if (value_parse_display_name(buf, len, &name, &why) != 0)
        return refuse(ctx, rt, why);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "display_name", name);
    free(name);
    return patch_mailbox(fs, rt, body, ctx);
}

/* ---- enforcement policies ---------------------------------------------- */

int write_policy_limit(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                       const struct op_ctx *ctx)
{
    cJSON *body = NULL;
    int rc = limit_body(ctx, rt, buf, len, &body);
    if (rc)
        return rc;
    if (rt->domain)
        cJSON_AddStringToObject(body, "domain_scope", rt->domain);
    struct api_error e;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, rt->domain, "policy");
    pthread_mutex_lock(lock);
    rc = api_set_limits(fs->api, rt->tenant, body, NULL, &e);
    if (rc == 0) {
        /* The policy applies the limit to every mailbox in scope: the
         * policies, the mailboxes list and the usages all change. */
        struct strbuf p = STRBUF_INIT;
        tenant_api_prefix(&p, rt->tenant);
        sb_puts(&p, "mailbox");
        cache_drop_prefix(fs->cache, p.data);
        sb_free(&p);
        kernel_tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    cJSON_Delete(body);
    return rc ? api_failed(fs, ctx, rt, &e, rc) : 0;
}

/* ---- domains ---------------------------------------------------------- */

static int domain_post(struct fs *fs, const struct route *rt, const struct op_ctx *ctx,
                       int (*call)(struct api *, const char *, const char *, cJSON **,
                                   struct api_error *))
{
    struct api_error e;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, rt->domain, "domain");
    pthread_mutex_lock(lock);
    int rc = call(fs->api, rt->tenant, rt->domain, NULL, &e);
    if (rc == 0) {
        drop(fs, RES_DOMAINS, rt->tenant, NULL);
        drop(fs, RES_DNS, rt->tenant, rt->domain);
        drop(fs, RES_DKIM, rt->tenant, rt->domain);
        kernel_tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    return rc ? api_failed(fs, ctx, rt, &e, rc) : 0;
}

int write_verify(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                 const struct op_ctx *ctx)
{
    (void)buf;
    (void)len;
    return domain_post(fs, rt, ctx, api_verify_domain);
}

int write_dkim(struct fs *fs, const struct route *rt, const char *buf, size_t len,
               const struct op_ctx *ctx)
{
    const char *why;
    if (value_parse_dkim_enable(buf, len, &why) != 0)
        return refuse(ctx, rt, why);
    return domain_post(fs, rt, ctx, api_enable_dkim);
}

static bool list_has(const struct resource *list, const char *name)
{
    for (size_t i = 0; i < list->nchildren; i++)
        if (strcmp(list->children[i].name, name) == 0)
            return true;
    return false;
}

/* The domains list with the POST's answer appended, so the new directory
 * exists the moment mkdir returns (libfuse looks it up at once). The POST
 * may outlast the ttl (mkdir is a long action): then the list is fetched
 * again rather than replaced by one that holds only the new domain, which
 * `ls` would show until the ttl ran out. Only when that fetch fails is the
 * new domain alone cached, so that mkdir still reports the success. */
static void cache_new_domain(struct fs *fs, const struct route *rt, const cJSON *answer,
                             const struct op_ctx *ctx)
{
    struct res_id id = {.kind = RES_DOMAINS, .tenant = rt->tenant};
    struct resource *list = cache_peek(fs->cache, &id);
    if (!list) {
        struct wait_ctx w = {
            .deadline_ms = clock_mono_ms() + fs->cfg.read_wait_ms,
            .interrupted = ctx ? ctx->interrupted : NULL,
            .arg = ctx ? ctx->arg : NULL,
        };
        struct api_error e;
        if (cache_get(fs->cache, &id, &w, &list, &e) != 0)
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
    cache_insert(fs->cache, &id, resource_from_json(RES_DOMAINS, copy));
}

int action_add_domain(struct fs *fs, const struct route *rt, const struct op_ctx *ctx)
{
    struct api_error e;
    cJSON *answer = NULL;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, NULL, "domains");
    pthread_mutex_lock(lock);
    int rc = api_add_domain(fs->api, rt->tenant, rt->domain, &answer, &e);
    if (rc == 0) {
        drop(fs, RES_TENANT, rt->tenant, NULL);
        drop(fs, RES_TENANTS, NULL, NULL);
        cache_new_domain(fs, rt, answer, ctx);
        kernel_tenant_changed(fs, rt->tenant);
        log_info("added domain %s to tenant %s", rt->domain, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    cJSON_Delete(answer);
    if (rc == 0)
        return 0;
    fs_fail(ctx, rt, &e);
    if (rc == -ENOENT) {
        tenant_changed(fs, rt->tenant);
    } else if (rc == -EEXIST || rc == -EDQUOT) {
        /* The API knows domains our list does not (added by another
         * client): refresh it, so that the name that "exists" shows up and
         * `mkdir -p` of it succeeds, and ls agrees with the quota. */
        drop(fs, RES_DOMAINS, rt->tenant, NULL);
        drop(fs, RES_TENANT, rt->tenant, NULL);
        drop(fs, RES_TENANTS, NULL, NULL);
        kernel_tenant_changed(fs, rt->tenant);
    }
    return rc;
}

/* ---- tenants ---------------------------------------------------------------- */

int write_sync(struct fs *fs, const struct route *rt, const char *buf, size_t len,
               const struct op_ctx *ctx)
{
    (void)buf;
    (void)len;
    struct api_error e;
    cJSON *answer = NULL;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, NULL, "tenant");
    pthread_mutex_lock(lock);
    int rc = api_sync_tenant(fs->api, rt->tenant, &answer, &e);
    if (rc == 0) {
        struct strbuf p = STRBUF_INIT;
        sb_printf(&p, "/tenants/%s/last_sync.json", rt->tenant);
        results_put(fs->results, p.data, answer);
        sb_free(&p);
        tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    cJSON_Delete(answer);
    return rc ? api_failed(fs, ctx, rt, &e, rc) : 0;
}

int action_delete_tenant(struct fs *fs, const struct route *rt, const struct op_ctx *ctx)
{
    struct api_error e;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, NULL, "tenant");
    pthread_mutex_lock(lock);
    int rc = api_delete_tenant(fs->api, rt->tenant, NULL, &e);
    if (rc == 0 || rc == -ENOENT) {
        struct strbuf p = STRBUF_INIT;
        sb_printf(&p, "/tenants/%s/", rt->tenant);
        results_drop_prefix(fs->results, p.data);
        sb_free(&p);
        tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    if (rc == 0) {
        log_info("deleted tenant %s", rt->tenant);
        return 0;
    }
    fs_fail(ctx, rt, &e);
    return rc;
}

/* ---- provisioning ---------------------------------------------------------- */

/* Log each mailbox's outcome; the failures also go to the errors file. */
static int provision_outcome(const struct op_ctx *ctx, const struct route *rt,
                             const cJSON *answer)
{
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
            struct strbuf m = STRBUF_INIT;
            sb_printf(&m, "%s: %s", email ? email : "mailbox", msg ? msg : "failed");
            struct api_error e;
            api_error_set(&e, EIO, 200, "failed", m.data);
            fs_fail(ctx, rt, &e);
            sb_free(&m);
            failed++;
        }
    }
    long long count = 0;
    if (json_int(answer, "failed_count", &count) == 0 && count > 0 && failed == 0) {
        struct api_error e;
        api_error_set(&e, EIO, 200, "failed", "the API reports failed mailboxes");
        fs_fail(ctx, rt, &e);
        failed = (int)count;
    }
    return failed || count > 0 ? -EIO : 0;
}

int write_provision(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                    const struct op_ctx *ctx)
{
    cJSON *body = NULL;
    const char *why;
    if (value_parse_provision(buf, len, rt->domain, &body, &why) != 0)
        return refuse(ctx, rt, why);
    struct api_error e;
    cJSON *answer = NULL;
    pthread_mutex_t *lock = fs_write_lock(fs, rt->tenant, rt->domain, "domain");
    pthread_mutex_lock(lock);
    int rc = api_provision(fs->api, rt->tenant, body, &answer, &e);
    if (rc == 0) {
        struct strbuf p = STRBUF_INIT;
        sb_printf(&p, "/tenants/%s/domains/%s/last_provision.json", rt->tenant, rt->domain);
        results_put(fs->results, p.data, answer);
        sb_free(&p);
        tenant_changed(fs, rt->tenant);
    }
    pthread_mutex_unlock(lock);
    cJSON_Delete(body);
    if (rc == 0) {
        if (!answer) {
            api_error_set(&e, EIO, 200, NULL, "the provisioning answer is not JSON");
            fs_fail(ctx, rt, &e);
            rc = -EIO;
        } else {
            rc = provision_outcome(ctx, rt, answer);
        }
        cJSON_Delete(answer);
        return rc;
    }
    return api_failed(fs, ctx, rt, &e, rc);
}

/* ---- the mount's own -------------------------------------------------------- */

int write_invalidate(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                     const struct op_ctx *ctx)
{
    (void)rt;
    (void)buf;
    (void)len;
    (void)ctx;
    cache_drop_all(fs->cache);
    fs_changed(fs, NULL, "/");
    log_info("every cached entry dropped");
    return 0;
}
