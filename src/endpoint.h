/* endpoint: every endpoint of the TenantCore API as one row of a table —
 * method and URL template, whether it is a long action, the resource kind a
 * GET returns, and which cached resources a successful write makes stale.
 * Request paths, the names in stats.json and the errors file, and cache
 * invalidation all come from this table (doc/ARCHITECTURE.md). */
#ifndef TC_ENDPOINT_H
#define TC_ENDPOINT_H

#include <stdbool.h>

#include "strbuf.h"

enum http_method { HTTP_GET, HTTP_POST, HTTP_PATCH, HTTP_DELETE };

enum api_endpoint {
    EP_TENANTS_LIST,
    EP_TENANT_GET,
    EP_TENANT_SYNC,
    EP_TENANT_DELETE,
    EP_DOMAINS_LIST,
    EP_DOMAIN_ADD,
    EP_DOMAIN_VERIFY,
    EP_DOMAIN_ENABLE_DKIM,
    EP_DOMAIN_DKIM_STATUS,
    EP_DOMAIN_DNS,
    EP_MAILBOXES_LIST,
    EP_MAILBOX_PROVISION,
    EP_MAILBOX_PATCH,
    EP_MAILBOX_USAGE,
    EP_LIMITS_SET,
    EP_LIMITS_GET,
    EP_EVENTS_LIST,
    EP_COUNT
};

/* What the GET endpoints answer: the kinds of resource the cache holds. */
enum res_kind {
    RES_TENANTS,   /* GET /v1/tenants */
    RES_TENANT,    /* GET /v1/tenants/{t} */
    RES_DOMAINS,   /* GET .../domains */
    RES_DNS,       /* GET .../domains/{d}/dns */
    RES_DKIM,      /* GET .../domains/{d}/dkim-status */
    RES_MAILBOXES, /* GET .../mailboxes */
    RES_USAGE,     /* GET .../mailboxes/{m}/usage */
    RES_POLICY,    /* GET .../mailbox-limits[?domain_scope=d] (sub "" = tenant-wide) */
    RES_EVENTS,    /* GET /v1/enforcement/events[?tenant_id=t], every page (api_events.c) */
    RES_KIND_COUNT,
    RES_NONE = RES_KIND_COUNT
};

/* The names a template is filled with (NULL: absent). */
struct ep_args {
    const char *tenant, *domain, *mailbox;
};

/* Which cached resources of a kind a successful write makes stale: the one
 * named by the write's own names, every one of the tenant, or all. */
enum stale_scope { STALE_SAME, STALE_TENANT, STALE_ALL };

struct stale {
    enum res_kind kind;
    enum stale_scope scope;
};

#define EP_MAX_STALE 8

struct endpoint {
    /* "GET /v1/tenants/{tenant_id}/domains/{domain_name}/dns": the name
     * shown in stats.json and the errors file; the method and the path
     * template are read from it. */
    const char *name;
    /* An optional query parameter, "domain_scope={domain_name}", sent only
     * when the name it takes is not empty. */
    const char *query;
    bool long_action; /* may run long: action_timeout, not timeout */
    enum res_kind returns;
    struct stale stale[EP_MAX_STALE];
    int nstale;
};

const struct endpoint *endpoint(enum api_endpoint ep);
/* "GET /v1/tenants" and so on; "?" when out of range. */
const char *api_endpoint_name(enum api_endpoint ep);
enum http_method endpoint_method(enum api_endpoint ep);
/* The request path of ep with args filled in, each name percent-encoded as
 * one path component or query value. */
void endpoint_path(enum api_endpoint ep, const struct ep_args *args, struct strbuf *out);

/* The GET endpoint whose answer is a resource of kind. */
enum api_endpoint res_kind_endpoint(enum res_kind kind);

/* Append s percent-encoded (all but unreserved characters) as one path
 * component or query value: a name can never change the request's shape. */
void url_append_component(struct strbuf *out, const char *s);

#endif
