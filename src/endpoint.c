/* endpoint: the table of the API's endpoints (api-docs/), and the one
 * encoder that fills their templates. */
#include "endpoint.h"

#include <string.h>

/* Everything cached about one tenant, and the lists that count its
 * domains and mailboxes. */
#define STALE_WHOLE_TENANT                                                                         \
    {{RES_TENANT, STALE_SAME},     {RES_TENANTS, STALE_ALL},  {RES_DOMAINS, STALE_TENANT},         \
     {RES_DNS, STALE_TENANT},      {RES_DKIM, STALE_TENANT},  {RES_MAILBOXES, STALE_TENANT},       \
     {RES_USAGE, STALE_TENANT},    {RES_POLICY, STALE_TENANT}},                                    \
        8

/* clang-format off */
static const struct endpoint table[EP_COUNT] = {
    [EP_TENANTS_LIST]       = {"GET /v1/tenants", NULL, false, RES_TENANTS, {{0}}, 0},
    [EP_TENANT_GET]         = {"GET /v1/tenants/{tenant_id}", NULL, false, RES_TENANT, {{0}}, 0},
    [EP_TENANT_SYNC]        = {"POST /v1/tenants/{tenant_id}/sync", NULL, true, RES_NONE,
                               STALE_WHOLE_TENANT},
    [EP_TENANT_DELETE]      = {"DELETE /v1/tenants/{tenant_id}", NULL, false, RES_NONE,
                               STALE_WHOLE_TENANT},
    [EP_DOMAINS_LIST]       = {"GET /v1/tenants/{tenant_id}/domains", NULL, false, RES_DOMAINS,
                               {{0}}, 0},
    /* The new domain's directory is put in the cache by the action itself
     * (actions.c): it must exist the moment mkdir returns. */
    [EP_DOMAIN_ADD]         = {"POST /v1/tenants/{tenant_id}/domains", NULL, true, RES_NONE,
                               {{RES_TENANT, STALE_SAME}, {RES_TENANTS, STALE_ALL}}, 2},
    [EP_DOMAIN_VERIFY]      = {"POST /v1/tenants/{tenant_id}/domains/{domain_name}/verify", NULL,
                               true, RES_NONE,
                               {{RES_DOMAINS, STALE_SAME}, {RES_DNS, STALE_SAME},
                                {RES_DKIM, STALE_SAME}}, 3},
    [EP_DOMAIN_ENABLE_DKIM] = {"POST /v1/tenants/{tenant_id}/domains/{domain_name}/enable-dkim",
                               NULL, true, RES_NONE,
                               {{RES_DOMAINS, STALE_SAME}, {RES_DNS, STALE_SAME},
                                {RES_DKIM, STALE_SAME}}, 3},
    [EP_DOMAIN_DKIM_STATUS] = {"GET /v1/tenants/{tenant_id}/domains/{domain_name}/dkim-status",
                               NULL, false, RES_DKIM, {{0}}, 0},
    [EP_DOMAIN_DNS]         = {"GET /v1/tenants/{tenant_id}/domains/{domain_name}/dns", NULL,
                               false, RES_DNS, {{0}}, 0},
    [EP_MAILBOXES_LIST]     = {"GET /v1/tenants/{tenant_id}/mailboxes", NULL, false,
                               RES_MAILBOXES, {{0}}, 0},
    [EP_MAILBOX_PROVISION]  = {"POST /v1/tenants/{tenant_id}/mailboxes", NULL, true, RES_NONE,
                               STALE_WHOLE_TENANT},
    [EP_MAILBOX_PATCH]      = {"PATCH /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}", NULL,
                               false, RES_NONE,
                               {{RES_MAILBOXES, STALE_SAME}, {RES_USAGE, STALE_SAME}}, 2},
    [EP_MAILBOX_USAGE]      = {"GET /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}/usage", NULL,
                               false, RES_USAGE, {{0}}, 0},
    /* A policy applies its limit to every mailbox in scope: the policies,
     * the mailboxes list and the usages of the tenant all change. */
    [EP_LIMITS_SET]         = {"POST /v1/tenants/{tenant_id}/mailbox-limits", NULL, false,
                               RES_NONE,
                               {{RES_POLICY, STALE_TENANT}, {RES_MAILBOXES, STALE_SAME},
                                {RES_USAGE, STALE_TENANT}}, 3},
    [EP_LIMITS_GET]         = {"GET /v1/tenants/{tenant_id}/mailbox-limits",
                               "domain_scope={domain_name}", false, RES_POLICY, {{0}}, 0},
    [EP_EVENTS_LIST]        = {"GET /v1/enforcement/events", "tenant_id={tenant_id}", false,
                               RES_EVENTS, {{0}}, 0},
};
/* clang-format on */

const struct endpoint *endpoint(enum api_endpoint ep)
{
    return ep >= 0 && ep < EP_COUNT ? &table[ep] : NULL;
}

const char *api_endpoint_name(enum api_endpoint ep)
{
    return ep >= 0 && ep < EP_COUNT ? table[ep].name : "?";
}

enum http_method endpoint_method(enum api_endpoint ep)
{
    static const char *const methods[] = {"GET ", "POST ", "PATCH ", "DELETE "};
    for (int m = 0; m < 4; m++)
        if (strncmp(table[ep].name, methods[m], strlen(methods[m])) == 0)
            return (enum http_method)m;
    return HTTP_GET;
}

enum api_endpoint res_kind_endpoint(enum res_kind kind)
{
    for (int ep = 0; ep < EP_COUNT; ep++)
        if (table[ep].returns == kind && kind != RES_NONE)
            return (enum api_endpoint)ep;
    return EP_COUNT;
}

/* Unreserved characters pass; everything else is %XX. */
void url_append_component(struct strbuf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            sb_putc(out, (char)*p);
        } else {
            sb_putc(out, '%');
            sb_putc(out, hex[*p >> 4]);
            sb_putc(out, hex[*p & 15]);
        }
    }
}

/* The name a placeholder ("{tenant_id}", len bytes) stands for. */
static const char *placeholder(const char *p, size_t len, const struct ep_args *a)
{
    if (len == 11 && strncmp(p, "{tenant_id}", len) == 0)
        return a->tenant;
    if (len == 13 && strncmp(p, "{domain_name}", len) == 0)
        return a->domain;
    if (len == 12 && strncmp(p, "{mailbox_id}", len) == 0)
        return a->mailbox;
    return NULL;
}

/* Copy template text, filling placeholders (an absent name fills empty). */
static void fill(struct strbuf *out, const char *t, const struct ep_args *a)
{
    while (*t) {
        const char *open = strchr(t, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            sb_puts(out, t);
            return;
        }
        sb_append(out, t, (size_t)(open - t));
        const char *name = placeholder(open, (size_t)(close - open + 1), a);
        url_append_component(out, name ? name : "");
        t = close + 1;
    }
}

void endpoint_path(enum api_endpoint ep, const struct ep_args *args, struct strbuf *out)
{
    const struct endpoint *e = &table[ep];
    fill(out, strchr(e->name, ' ') + 1, args);
    if (e->query) {
        const char *eq = strchr(e->query, '=');
        const char *value = placeholder(eq + 1, strlen(eq + 1), args);
        if (value && *value) {
            sb_putc(out, '?');
            fill(out, e->query, args);
        }
    }
}
