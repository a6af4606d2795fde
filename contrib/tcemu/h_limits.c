/* h_limits.c — POST/GET /v1/tenants/{id}/mailbox-limits: the send-limit
 * enforcement policy, tenant-wide or scoped to one domain
 * (api-docs/mailboxes.txt "Set enforcement", "Get enforcement policy"). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enforcement.h"
#include "handlers.h"
#include "json_util.h"
#include "router.h"

#define SEND_LIMIT_MIN 1
#define SEND_LIMIT_MAX 25

static void scope_label(const struct emu_policy *p, char *out, size_t size)
{
    snprintf(out, size, "%s", p->domain_scope ? p->domain_scope : "All domains (tenant-wide)");
}

static void rule_name(const struct emu_policy *p, char *out, size_t size)
{
    snprintf(out, size, "TenantCore send limit - %s",
             p->domain_scope ? p->domain_scope : "tenant-wide");
}

/* The policy's fields; id_key names its id ("id" inside a "policy" object,
 * "policy_id" when flattened next to tenant_id). */
static void add_policy_fields(cJSON *o, const struct emu_policy *p, const char *id_key)
{
    char label[300];
    scope_label(p, label, sizeof(label));
    cJSON_AddStringToObject(o, id_key, p->id);
    if (p->domain_scope)
        cJSON_AddStringToObject(o, "domain_scope", p->domain_scope);
    else
        cJSON_AddNullToObject(o, "domain_scope");
    cJSON_AddStringToObject(o, "scope_label", label);
    cJSON_AddNumberToObject(o, "daily_send_limit", (double)p->daily_send_limit);
    cJSON_AddBoolToObject(o, "enforced", true);
    cJSON_AddStringToObject(o, "created_at", p->created_at);
    cJSON_AddStringToObject(o, "updated_at", p->updated_at);
}

static cJSON *policy_json(const struct emu_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    add_policy_fields(o, p, "id");
    return o;
}

/* Stores the limit on every mailbox in scope, as the transport rule would. */
static long apply_to_mailboxes(struct emu_tenant *t, const char *scope, long limit)
{
    long n = 0;
    for (size_t i = 0; i < t->nmailboxes; i++) {
        struct emu_mailbox *m = &t->mailboxes[i];
        const char *dn = json_str(m->obj, "domain_name");
        if (scope && (!dn || strcasecmp(dn, scope) != 0))
            continue;
        json_put_num(m->obj, "daily_send_limit", (double)limit);
        n++;
    }
    return n;
}

void h_limits_set(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    if (!t)
        goto out;
    long limit;
    if (!json_int(c->body, "daily_send_limit", &limit) || limit < SEND_LIMIT_MIN ||
        limit > SEND_LIMIT_MAX) {
        api_fail(c, 400, "invalid_send_limit", "daily_send_limit must be an integer from %d to %d",
                 SEND_LIMIT_MIN, SEND_LIMIT_MAX);
        goto out;
    }
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(c->body, "domain_scope");
    const char *scope = NULL;
    if (ds && !cJSON_IsNull(ds)) {
        if (!cJSON_IsString(ds)) {
            api_fail(c, 400, "invalid_request", "domain_scope must be a string");
            goto out;
        }
        if (*ds->valuestring) { /* "" means tenant-wide, like omitting it */
            long di = tenant_find_domain(t, ds->valuestring);
            if (di < 0) {
                api_fail(c, 404, "domain_not_found",
                         "Domain %.200s is not registered on this tenant", ds->valuestring);
                goto out;
            }
            scope = json_str(t->domains[di].obj, "domain_name");
        }
    }
    const char *bs = json_str(t->obj, "exchange_bootstrap_status");
    if (!bs || strcmp(bs, "ready") != 0) {
        api_fail(c, 409, "exchange_bootstrap_not_ready",
                 "Exchange bootstrap has not completed for this tenant");
        goto out;
    }

    char now[21], label[300], rule[320];
    iso_now(now);
    bool existed = tenant_find_policy(t, scope) != NULL;
    struct emu_policy *p = tenant_put_policy(t, scope);
    if (!existed) {
        store_new_uuid(s, p->id);
        memcpy(p->created_at, now, sizeof(now));
    }
    memcpy(p->updated_at, now, sizeof(now));
    p->daily_send_limit = limit;
    long applied = apply_to_mailboxes(t, scope, limit);
    enforce_tenant(s, t); /* the new rule blocks or unblocks at once */

    scope_label(p, label, sizeof(label));
    rule_name(p, rule, sizeof(rule));
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "success");
    json_copy_field(root, t->obj, "tenant_id");
    cJSON_AddNumberToObject(root, "daily_send_limit", (double)limit);
    if (scope)
        cJSON_AddStringToObject(root, "domain_scope", scope);
    else
        cJSON_AddNullToObject(root, "domain_scope");
    cJSON_AddStringToObject(root, "scope_label", label);
    cJSON_AddItemToObject(root, "policy", policy_json(p));
    cJSON *prov = cJSON_AddObjectToObject(root, "provisioning");
    cJSON_AddStringToObject(prov, "status", "provisioned");
    cJSON_AddStringToObject(prov, "transport_rule", rule);
    cJSON_AddNumberToObject(prov, "mailboxes_updated", (double)applied);
    api_ok(c, root);
out:
    store_unlock(s);
}

void h_limits_get(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    if (!t)
        goto out;
    char scope[512];
    int has = router_query_param(c->target, "domain_scope", scope, sizeof(scope));
    /* No fallback from a domain to the tenant policy: each scope is its own. */
    struct emu_policy *p = has < 0 ? NULL : tenant_find_policy(t, has && *scope ? scope : NULL);
    if (!p) {
        api_fail(c, 404, "policy_not_found", "No limit policy has been set for this scope");
        goto out;
    }
    cJSON *root = cJSON_CreateObject();
    json_copy_field(root, t->obj, "tenant_id");
    if (c->cfg->limits_shape == LIMITS_NESTED)
        cJSON_AddItemToObject(root, "policy", policy_json(p));
    else
        add_policy_fields(root, p, "policy_id");
    api_ok(c, root);
out:
    store_unlock(&c->app->store);
}
