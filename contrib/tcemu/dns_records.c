/* dns_records.c — see dns_records.h. */
#include "dns_records.h"

#include <stdio.h>
#include <string.h>

#include "json_util.h"

static void hyphenate(const char *domain, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = domain; *p && n + 1 < size; p++)
        out[n++] = *p == '.' ? '-' : *p;
    out[n] = '\0';
}

void dns_mx_host(const char *domain, char *out, size_t size)
{
    char h[256];
    hyphenate(domain, h, sizeof(h));
    snprintf(out, size, "%s.mail.protection.outlook.com", h);
}

static cJSON *record(const char *type, const char *label)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "recordType", type);
    cJSON_AddStringToObject(r, "label", label);
    return r;
}

cJSON *dns_verification_records(const struct emu_domain *d)
{
    cJSON *arr = cJSON_CreateArray();
    if (json_true(d->obj, "is_verified"))
        return arr;
    cJSON *r = record("domainDnsTxtRecord", "@");
    cJSON_AddStringToObject(r, "text", d->ms_code);
    cJSON_AddNumberToObject(r, "ttl", 3600);
    cJSON_AddItemToArray(arr, r);
    return arr;
}

cJSON *dns_service_records(const char *domain, const char *tenant_domain)
{
    cJSON *arr = cJSON_CreateArray();
    char buf[512], h[256];

    cJSON *mx = record("domainDnsMxRecord", "@");
    dns_mx_host(domain, buf, sizeof(buf));
    cJSON_AddStringToObject(mx, "mailExchange", buf);
    cJSON_AddNumberToObject(mx, "preference", 0);
    cJSON_AddNumberToObject(mx, "ttl", 3600);
    cJSON_AddItemToArray(arr, mx);

    cJSON *spf = record("domainDnsTxtRecord", "@");
    cJSON_AddStringToObject(spf, "text", SPF_RECORD);
    cJSON_AddNumberToObject(spf, "ttl", 3600);
    cJSON_AddItemToArray(arr, spf);

    hyphenate(domain, h, sizeof(h));
    for (int sel = 1; sel <= 2; sel++) {
        char label[32];
        snprintf(label, sizeof(label), "selector%d._domainkey", sel);
        cJSON *cname = record("domainDnsCnameRecord", label);
        snprintf(buf, sizeof(buf), "selector%d-%s._domainkey.%s", sel, h,
                 tenant_domain ? tenant_domain : "tenant.onmicrosoft.com");
        cJSON_AddStringToObject(cname, "canonicalName", buf);
        cJSON_AddNumberToObject(cname, "ttl", 3600);
        cJSON_AddItemToArray(arr, cname);
    }
    return arr;
}

void dns_selectors(const struct emu_domain *d, const char **s1, const char **s2)
{
    const char *health = json_str(d->obj, "dkim_status");
    if (d->dkim_ready || d->dkim_enabled) {
        *s1 = *s2 = "propagated";
    } else if (health && strcmp(health, "partial") == 0) {
        /* One CNAME published, the other not yet: what "partial" means. */
        *s1 = "propagated";
        *s2 = "missing";
    } else {
        *s1 = *s2 = "missing";
    }
}

const char *dns_dkim_signing_status(const struct emu_domain *d)
{
    if (d->dkim_enabled)
        return "enabled";
    return d->dkim_ready ? "ready" : "pending";
}
