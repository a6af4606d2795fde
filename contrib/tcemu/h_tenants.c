/* h_tenants.c — GET /v1/tenants, GET/DELETE /v1/tenants/{id} and
 * POST /v1/tenants/{id}/sync (api-docs/tenants.txt). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "json_util.h"

cJSON *render_tenant(const struct emu_tenant *t, bool detail)
{
    cJSON *o = cJSON_CreateObject();
    for (const cJSON *f = t->obj->child; f; f = f->next) {
        /* Only GET tenant shows these two (compare the docs' two examples). */
        if (!detail && (strcmp(f->string, "smtp_auth_org_enabled") == 0 ||
                        strcmp(f->string, "connected_by") == 0))
            continue;
        if (strcmp(f->string, "domain_count") == 0 && !t->pin_domain_count)
            cJSON_AddNumberToObject(o, f->string, (double)t->ndomains);
        else if (strcmp(f->string, "mailbox_count") == 0 && !t->pin_mailbox_count)
            cJSON_AddNumberToObject(o, f->string, (double)t->nmailboxes);
        else
            cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
    }
    return o;
}

struct ordered {
    const struct emu_tenant *t;
    size_t index;
};

/* Newest consent first; ISO-8601 UTC strings sort as text. Ties (and
 * tenants whose consented_at was set to a non-string) keep store order. */
static int by_consent_desc(const void *pa, const void *pb)
{
    const struct ordered *a = pa, *b = pb;
    const char *ca = json_str(a->t->obj, "consented_at");
    const char *cb = json_str(b->t->obj, "consented_at");
    int cmp = (ca && cb) ? strcmp(cb, ca) : (ca ? -1 : (cb ? 1 : 0));
    if (cmp)
        return cmp;
    return a->index < b->index ? -1 : (a->index > b->index);
}

void h_tenants_list(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_rdlock(s);
    struct ordered *list = malloc((s->ntenants + 1) * sizeof(*list));
    if (!list)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < s->ntenants; i++) {
        if (s->tenants[i]->account == c->account)
            list[n++] = (struct ordered){s->tenants[i], i};
    }
    qsort(list, n, sizeof(*list), by_consent_desc);
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "tenants");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, render_tenant(list[i].t, false));
    store_unlock(s);
    cJSON_AddNumberToObject(root, "count", (double)n);
    free(list);
    api_ok(c, root);
}

void h_tenant_get(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    if (t)
        api_ok(c, render_tenant(t, true));
    store_unlock(&c->app->store);
}

/* "sync_20250420_080000_single", unique even for two syncs in one second. */
static void make_run_id(char *out, size_t size)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static time_t last;
    static unsigned same;
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
    pthread_mutex_lock(&mu);
    same = now == last ? same + 1 : 0;
    last = now;
    unsigned n = same;
    pthread_mutex_unlock(&mu);
    if (n == 0)
        snprintf(out, size, "sync_%s_single", stamp);
    else
        snprintf(out, size, "sync_%s_single_%u", stamp, n + 1);
}

static cJSON *readiness(const char *message, bool skipped)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ready");
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddBoolToObject(o, "skipped", skipped);
    return o;
}

void h_tenant_sync(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = store_find_tenant(s, c->params[0]);
    if (!t) {
        api_fail(c, 404, "tenant_not_found", "Tenant %.200s not found", c->params[0]);
        store_unlock(s);
        return;
    }
    if (t->account != c->account) {
        api_fail(c, 403, "access_denied", "You do not own this tenant");
        store_unlock(s);
        return;
    }
    char run_id[64], now[21];
    make_run_id(run_id, sizeof(run_id));
    iso_now(now);

    /* Sync runs the Exchange bootstrap and SMTP AUTH setup when needed. */
    const char *bs = json_str(t->obj, "exchange_bootstrap_status");
    bool bs_ready = bs && strcmp(bs, "ready") == 0;
    bool smtp_ready = json_true(t->obj, "smtp_auth_org_enabled");
    json_put_str(t->obj, "exchange_bootstrap_status", "ready");
    json_put(t->obj, "smtp_auth_org_enabled", cJSON_CreateTrue());
    json_put(t->obj, "discovery_completed", cJSON_CreateTrue());
    json_put_str(t->obj, "last_sync_at", now);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "completed");
    cJSON_AddStringToObject(root, "run_id", run_id);
    json_copy_field(root, t->obj, "tenant_id");
    cJSON_AddItemToObject(
        root, "bootstrap",
        readiness(bs_ready ? "Exchange bootstrap already ready" : "Exchange bootstrap completed",
                  bs_ready));
    cJSON_AddItemToObject(
        root, "smtp_auth",
        readiness(smtp_ready ? "SMTP AUTH already ready" : "SMTP AUTH enabled", smtp_ready));
    cJSON *res = cJSON_AddObjectToObject(root, "result");
    cJSON_AddStringToObject(res, "status", "success");
    json_copy_field(res, t->obj, "tenant_name");
    json_copy_field(res, t->obj, "default_domain");
    cJSON_AddNumberToObject(res, "domain_count", (double)t->ndomains);
    cJSON_AddNumberToObject(res, "user_mailbox_count", (double)t->nmailboxes);
    cJSON_AddNullToObject(res, "mailbox_error");
    store_unlock(s);
    api_ok(c, root);
}

void h_tenant_delete(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    if (t) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "status", "deleted");
        json_copy_field(root, t->obj, "tenant_id");
        json_copy_field(root, t->obj, "tenant_name");
        cJSON_AddStringToObject(root, "message",
                                "Tenant and all associated records removed. The "
                                "Microsoft tenant itself was not affected.");
        store_remove_tenant(s, t);
        api_ok(c, root);
    }
    store_unlock(s);
}
