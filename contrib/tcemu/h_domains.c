/* h_domains.c — the domain endpoints of api-docs/domains.txt: list, add,
 * verify, enable-dkim, dkim-status and dns. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dns_records.h"
#include "fixtures.h"
#include "handlers.h"
#include "json_util.h"

#define DOMAINS_PER_TENANT 12

cJSON *render_domain(const struct emu_domain *d)
{
    return cJSON_Duplicate(d->obj, 1);
}

void h_domains_list(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    if (t) {
        cJSON *root = cJSON_CreateObject();
        json_copy_field(root, t->obj, "tenant_id");
        cJSON *arr = cJSON_AddArrayToObject(root, "domains");
        for (size_t i = 0; i < t->ndomains; i++)
            cJSON_AddItemToArray(arr, render_domain(&t->domains[i]));
        cJSON_AddNumberToObject(root, "count", (double)t->ndomains);
        api_ok(c, root);
    }
    store_unlock(&c->app->store);
}

/* Hostname syntax: LDH labels of 1..63 bytes, no edge hyphens, at least two
 * labels, a TLD that is not all digits, at most 253 bytes. */
static bool valid_domain(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 253)
        return false;
    int labels = 0;
    const char *p = name;
    const char *last = name;
    while (*p) {
        const char *start = p;
        while (*p && *p != '.') {
            if (!(isalnum((unsigned char)*p) || *p == '-') || (unsigned char)*p >= 128)
                return false;
            p++;
        }
        size_t l = (size_t)(p - start);
        if (l == 0 || l > 63 || start[0] == '-' || p[-1] == '-')
            return false;
        labels++;
        last = start;
        if (*p == '.') {
            p++;
            if (*p == '\0')
                return false; /* trailing dot */
        }
    }
    bool tld_digits = true;
    for (const char *q = last; *q; q++)
        tld_digits = tld_digits && isdigit((unsigned char)*q);
    return labels >= 2 && !tld_digits;
}

static void lowercase(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

void h_domain_add(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    if (!t)
        goto out;
    const char *raw = json_str(c->body, "domain");
    if (!raw || !*raw) {
        api_fail(c, 400, "invalid_request", "Field 'domain' (string) is required");
        goto out;
    }
    char name[300];
    if (strlen(raw) >= sizeof(name) || !valid_domain(raw)) {
        api_fail(c, 400, "invalid_domain", "Invalid domain format: %.260s", raw);
        goto out;
    }
    snprintf(name, sizeof(name), "%s", raw);
    lowercase(name);
    if (ends_with_ci(name, ".onmicrosoft.com") || strcmp(name, "onmicrosoft.com") == 0) {
        api_fail(c, 400, "invalid_domain", ".onmicrosoft.com domains are not allowed: %s", name);
        goto out;
    }
    if (tenant_find_domain(t, name) >= 0) {
        api_fail(c, 400, "domain_already_exists", "Domain %s already exists on this tenant", name);
        goto out;
    }
    if (t->ndomains >= DOMAINS_PER_TENANT) {
        api_fail(c, 400, "domain_limit_reached", "Tenant already has %d domains",
                 DOMAINS_PER_TENANT);
        goto out;
    }

    char id[37], now[21];
    store_new_uuid(s, id);
    iso_now(now);
    struct emu_domain *d = tenant_add_domain(t);
    fixtures_domain_obj(d->obj, id, name, false, false, now);
    snprintf(d->ms_code, sizeof(d->ms_code), "MS=ms%08u",
             (unsigned)(prng_next(&s->rng) % 100000000u));

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "success");
    json_copy_field(root, t->obj, "tenant_id");
    cJSON *dom = cJSON_AddObjectToObject(root, "domain");
    json_copy_field(dom, d->obj, "domain_name");
    json_copy_field(dom, d->obj, "is_default");
    json_copy_field(dom, d->obj, "is_verified");
    cJSON_AddItemToObject(root, "verification_dns_records", dns_verification_records(d));
    cJSON_AddItemToObject(root, "service_configuration_records",
                          dns_service_records(name, json_str(t->obj, "tenant_domain")));
    cJSON *live = cJSON_AddObjectToObject(root, "live_dns_status");
    json_copy_field(live, d->obj, "spf_status");
    json_copy_field(live, d->obj, "dkim_status");
    json_copy_field(live, d->obj, "dmarc_status");
    json_copy_field(live, d->obj, "mx_status");
    cJSON *state = cJSON_AddObjectToObject(root, "dkim_verification_state");
    cJSON_AddStringToObject(state, "status", "missing");
    cJSON_AddStringToObject(state, "message", "missing (selector1, selector2)");
    api_ok(c, root);
out:
    store_unlock(s);
}

static cJSON *action_result(const struct emu_domain *d, const char *key, cJSON *value,
                            const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "success");
    json_copy_field(root, d->obj, "domain_name");
    cJSON_AddItemToObject(root, key, value);
    cJSON_AddStringToObject(root, "message", message);
    return root;
}

void h_domain_verify(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    struct emu_domain *d = t ? api_domain(c, t) : NULL;
    if (d && d->verify_fails) {
        api_fail(c, 400, "verification_failed", "DNS records not yet propagated or incorrect");
    } else if (d) {
        /* Verification succeeding means the owner published the records:
         * the stored DNS check now sees MX, SPF and both DKIM selectors. */
        char now[21], mx[300];
        const char *name = json_str(d->obj, "domain_name");
        iso_now(now);
        json_put(d->obj, "is_verified", cJSON_CreateTrue());
        json_put_str(d->obj, "last_checked", now);
        const char *spf = json_str(d->obj, "spf_status");
        if (spf && strcmp(spf, "missing") == 0)
            json_put_str(d->obj, "spf_status", SPF_RECORD);
        const char *mxs = json_str(d->obj, "mx_status");
        if (name && mxs && strcmp(mxs, "missing") == 0) {
            dns_mx_host(name, mx, sizeof(mx) - 1);
            strcat(mx, ".");
            json_put_str(d->obj, "mx_status", mx);
        }
        d->dkim_ready = true;
        api_ok(c, action_result(d, "is_verified", cJSON_CreateTrue(),
                                "Domain successfully verified in Microsoft 365"));
    }
    store_unlock(s);
}

void h_domain_enable_dkim(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    struct emu_domain *d = t ? api_domain(c, t) : NULL;
    if (d && (!json_true(d->obj, "is_verified") || !d->dkim_ready)) {
        api_fail(c, 400, "dkim_not_ready", "Required CNAME records not found in DNS");
    } else if (d) {
        d->dkim_enabled = true;
        json_put_str(d->obj, "dkim_status", "healthy");
        api_ok(c, action_result(d, "dkim_status", cJSON_CreateString("enabled"),
                                "DKIM successfully enabled"));
    }
    store_unlock(s);
}

void h_domain_dkim_status(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    struct emu_domain *d = t ? api_domain(c, t) : NULL;
    if (d) {
        const char *s1, *s2;
        dns_selectors(d, &s1, &s2);
        cJSON *root = cJSON_CreateObject();
        json_copy_field(root, d->obj, "domain_name");
        cJSON_AddStringToObject(root, "dkim_status", dns_dkim_signing_status(d));
        cJSON *sel = cJSON_AddObjectToObject(root, "selectors");
        cJSON_AddStringToObject(sel, "selector1", s1);
        cJSON_AddStringToObject(sel, "selector2", s2);
        /* True exactly when enable-dkim would succeed. */
        cJSON_AddBoolToObject(root, "ready_to_enable",
                              json_true(d->obj, "is_verified") && d->dkim_ready);
        json_copy_field(root, d->obj, "last_checked");
        api_ok(c, root);
    }
    store_unlock(&c->app->store);
}

void h_domain_dns(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    struct emu_domain *d = t ? api_domain(c, t) : NULL;
    if (d) {
        cJSON *root = cJSON_CreateObject();
        json_copy_field(root, t->obj, "tenant_id");
        json_copy_field(root, d->obj, "domain_name");
        json_copy_field(root, d->obj, "is_default");
        json_copy_field(root, d->obj, "is_verified");
        cJSON *st = cJSON_AddObjectToObject(root, "dns_status");
        json_copy_field_as(st, "spf", d->obj, "spf_status");
        json_copy_field_as(st, "dkim", d->obj, "dkim_status");
        json_copy_field_as(st, "dmarc", d->obj, "dmarc_status");
        json_copy_field_as(st, "mx", d->obj, "mx_status");
        cJSON_AddItemToObject(root, "verification_dns_records", dns_verification_records(d));
        const char *name = json_str(d->obj, "domain_name");
        cJSON_AddItemToObject(
            root, "service_configuration_records",
            dns_service_records(name ? name : "", json_str(t->obj, "tenant_domain")));
        json_copy_field(root, d->obj, "last_checked");
        api_ok(c, root);
    }
    store_unlock(&c->app->store);
}
