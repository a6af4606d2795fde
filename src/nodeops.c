/* nodeops: the behaviour of each kind of node (SEMANTICS.md, The tree). */
#include "nodeops.h"

#include <string.h>

#include "meta.h"
#include "metrics.h"

/* domains/<d>/mailboxes/: the mailboxes of the tenant on this domain, by
 * email (the first of a duplicated address wins). */
static void domain_mailbox_entries(const struct route *dir, const struct resource *list,
                                   struct names *out)
{
    for (size_t i = 0; i < list->nchildren; i++) {
        const cJSON *item = list->children[i].item;
        const char *email = json_str(item, "primary_smtp");
        const char *domain = mailbox_domain(item);
        if (email && domain && strcmp(domain, dir->domain) == 0 && name_is_safe(email) &&
            !names_has(out, email))
            names_add(out, email);
    }
}

/* by-name/: one link per tenant that can be linked. */
static void by_name_entries(const struct route *dir, const struct resource *list,
                            struct names *out)
{
    (void)dir;
    char **links = by_name_names(list);
    for (size_t i = 0; i < list->nchildren; i++)
        if (links[i])
            names_add(out, links[i]);
    by_name_free(links, list->nchildren);
}

#define FILE_RO(fn)    {.render = fn, .list = RES_NONE}
#define FILE_RW(fn, a) {.render = fn, .write = &a, .list = RES_NONE}
#define DIR_LITERAL    {.list = RES_NONE}

/* clang-format off */
static const struct node_ops table[N_COUNT] = {
    [N_ROOT]               = DIR_LITERAL,
    [N_TENANTS]            = {.list = RES_TENANTS,
                              .warm = {RES_TENANT, RES_POLICY, RES_DOMAINS, RES_MAILBOXES}, .nwarm = 4},
    [N_TENANT]             = {.remove = &action_delete_tenant, .list = RES_NONE},
    [N_TENANT_JSON]        = FILE_RO(render_tenant_json),
    [N_TENANT_NAME]        = FILE_RO(render_tenant_name),
    [N_TENANT_SYNC]        = FILE_RW(render_empty, action_sync),
    [N_TENANT_LAST_SYNC]   = FILE_RO(render_local_result),
    [N_TENANT_LIMIT]       = FILE_RW(render_policy_limit, action_policy_limit),
    [N_TENANT_HEALTH]      = FILE_RO(render_tenant_health),
    [N_TENANT_ZONE]        = FILE_RO(render_tenant_zone),
    [N_TENANT_CSV]         = FILE_RO(render_tenant_csv),
    [N_TENANT_EVENTS_LOG]  = FILE_RO(render_enforcement_log),
    [N_TENANT_EVENTS_JSONL]= FILE_RO(render_enforcement_jsonl),
    [N_DOMAINS]            = {.list = RES_DOMAINS, .warm = {RES_DNS, RES_DKIM, RES_POLICY}, .nwarm = 3},
    [N_DOMAIN]             = {.make = &action_add_domain, .list = RES_NONE},
    [N_DOMAIN_JSON]        = FILE_RO(render_domain_json),
    [N_DNS_JSON]           = FILE_RO(render_dns_json),
    [N_DKIM_STATUS]        = FILE_RW(render_dkim_status, action_enable_dkim),
    [N_DKIM_JSON]          = FILE_RO(render_dkim_json),
    [N_VERIFY]             = FILE_RW(render_verify, action_verify),
    [N_DOMAIN_LIMIT]       = FILE_RW(render_policy_limit, action_policy_limit),
    [N_PROVISION]          = FILE_RW(render_empty, action_provision),
    [N_LAST_PROVISION]     = FILE_RO(render_local_result),
    [N_DOMAIN_ZONE]        = FILE_RO(render_domain_zone),
    [N_DOMAIN_MAILBOXES]   = {.list = RES_MAILBOXES, .entries = domain_mailbox_entries},
    [N_DOMAIN_MAILBOX_LINK]= FILE_RO(render_mailbox_link),
    [N_MAILBOXES]          = {.list = RES_MAILBOXES, .warm = {RES_USAGE}, .nwarm = 1},
    [N_MAILBOX]            = DIR_LITERAL,
    [N_MAILBOX_JSON]       = FILE_RO(render_mailbox_json),
    [N_USAGE_JSON]         = FILE_RO(render_usage_json),
    [N_DAILY_LIMIT]        = FILE_RW(render_daily_limit, action_daily_limit),
    [N_DISPLAY_NAME]       = FILE_RW(render_display_name, action_display_name),
    [N_HEALTH]             = FILE_RO(render_fleet_health),
    [N_EVENTS_LOG]         = FILE_RO(render_enforcement_log),
    [N_EVENTS_JSONL]       = FILE_RO(render_enforcement_jsonl),
    [N_METRICS]            = FILE_RO(render_fleet_metrics),
    [N_BY_NAME]            = {.list = RES_TENANTS, .entries = by_name_entries},
    [N_BY_NAME_LINK]       = FILE_RO(render_by_name_link),
    [N_META]               = DIR_LITERAL,
    [N_META_STATS]         = FILE_RO(render_stats),
    [N_META_ERRORS]        = FILE_RO(render_errors),
    [N_META_METRICS]       = FILE_RO(render_daemon_metrics),
    [N_META_INVALIDATE]    = FILE_RW(render_empty, action_invalidate),
};
/* clang-format on */

const struct node_ops *node_ops(enum node_kind kind)
{
    return &table[kind];
}
