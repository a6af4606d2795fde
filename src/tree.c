/* tree: the node table (SPEC §3). Read it as the tree: parent, name, mode,
 * flags, renderer, writer. */
#include "tree.h"

#include <sys/stat.h>

#include "actions.h"
#include "render.h"
#include "meta.h"
#include "metrics.h"

#define DIR (S_IFDIR | 0755)
#define RO (S_IFREG | 0444)
#define RW (S_IFREG | 0644)
#define LNK (S_IFLNK | 0777)

/* clang-format off */
const struct node_type node_types[N_COUNT] = {
    [N_ROOT]               = {N_ROOT, N_ROOT, "", P_NONE, DIR, 0, NULL, NULL},
    [N_TENANTS]            = {N_TENANTS, N_ROOT, "tenants", P_NONE, DIR, 0, NULL, NULL},
    [N_TENANT]             = {N_TENANT, N_TENANTS, NULL, P_TENANT, DIR, 0, NULL, NULL},
    [N_TENANT_JSON]        = {N_TENANT_JSON, N_TENANT, "tenant.json", P_NONE, RO, 0, render_tenant_json, NULL},
    [N_TENANT_NAME]        = {N_TENANT_NAME, N_TENANT, "name", P_NONE, RO, 0, render_tenant_name, NULL},
    [N_TENANT_SYNC]        = {N_TENANT_SYNC, N_TENANT, "sync", P_NONE, RW, NF_ACTION, render_empty, write_sync},
    [N_TENANT_LAST_SYNC]   = {N_TENANT_LAST_SYNC, N_TENANT, "last_sync.json", P_NONE, RO, NF_LOCAL, render_local_result, NULL},
    [N_TENANT_LIMIT]       = {N_TENANT_LIMIT, N_TENANT, "mailbox_limit", P_NONE, RW, 0, render_policy_limit, write_policy_limit},
    [N_TENANT_HEALTH]      = {N_TENANT_HEALTH, N_TENANT, "health", P_NONE, RO, 0, render_tenant_health, NULL},
    [N_TENANT_ZONE]        = {N_TENANT_ZONE, N_TENANT, "dns.zone", P_NONE, RO, 0, render_tenant_zone, NULL},
    [N_TENANT_CSV]         = {N_TENANT_CSV, N_TENANT, "mailboxes.csv", P_NONE, RO, 0, render_tenant_csv, NULL},
    [N_DOMAINS]            = {N_DOMAINS, N_TENANT, "domains", P_NONE, DIR, 0, NULL, NULL},
    [N_DOMAIN]             = {N_DOMAIN, N_DOMAINS, NULL, P_DOMAIN, DIR, 0, NULL, NULL},
    [N_DOMAIN_JSON]        = {N_DOMAIN_JSON, N_DOMAIN, "domain.json", P_NONE, RO, 0, render_domain_json, NULL},
    [N_DNS_JSON]           = {N_DNS_JSON, N_DOMAIN, "dns.json", P_NONE, RO, 0, render_dns_json, NULL},
    [N_DKIM_STATUS]        = {N_DKIM_STATUS, N_DOMAIN, "dkim_status", P_NONE, RW, 0, render_dkim_status, write_dkim},
    [N_DKIM_JSON]          = {N_DKIM_JSON, N_DOMAIN, "dkim.json", P_NONE, RO, 0, render_dkim_json, NULL},
    [N_VERIFY]             = {N_VERIFY, N_DOMAIN, "verify", P_NONE, RW, 0, render_verify, write_verify},
    [N_DOMAIN_LIMIT]       = {N_DOMAIN_LIMIT, N_DOMAIN, "mailbox_limit", P_NONE, RW, 0, render_policy_limit, write_policy_limit},
    [N_PROVISION]          = {N_PROVISION, N_DOMAIN, "provision", P_NONE, RW, NF_ACTION, render_empty, write_provision},
    [N_LAST_PROVISION]     = {N_LAST_PROVISION, N_DOMAIN, "last_provision.json", P_NONE, RO, NF_LOCAL, render_local_result, NULL},
    [N_DOMAIN_ZONE]        = {N_DOMAIN_ZONE, N_DOMAIN, "dns.zone", P_NONE, RO, 0, render_domain_zone, NULL},
    [N_DOMAIN_MAILBOXES]   = {N_DOMAIN_MAILBOXES, N_DOMAIN, "mailboxes", P_NONE, DIR, 0, NULL, NULL},
    [N_DOMAIN_MAILBOX_LINK]= {N_DOMAIN_MAILBOX_LINK, N_DOMAIN_MAILBOXES, NULL, P_EMAIL, LNK, 0, render_mailbox_link, NULL},
    [N_MAILBOXES]          = {N_MAILBOXES, N_TENANT, "mailboxes", P_NONE, DIR, 0, NULL, NULL},
    [N_MAILBOX]            = {N_MAILBOX, N_MAILBOXES, NULL, P_MAILBOX, DIR, 0, NULL, NULL},
    [N_MAILBOX_JSON]       = {N_MAILBOX_JSON, N_MAILBOX, "mailbox.json", P_NONE, RO, 0, render_mailbox_json, NULL},
    [N_USAGE_JSON]         = {N_USAGE_JSON, N_MAILBOX, "usage.json", P_NONE, RO, 0, render_usage_json, NULL},
    [N_DAILY_LIMIT]        = {N_DAILY_LIMIT, N_MAILBOX, "daily_send_limit", P_NONE, RW, 0, render_daily_limit, write_daily_limit},
    [N_DISPLAY_NAME]       = {N_DISPLAY_NAME, N_MAILBOX, "display_name", P_NONE, RW, 0, render_display_name, write_display_name},
    [N_HEALTH]             = {N_HEALTH, N_ROOT, "health", P_NONE, RO, 0, render_fleet_health, NULL},
    [N_METRICS]            = {N_METRICS, N_ROOT, "metrics.prom", P_NONE, RO, 0, render_fleet_metrics, NULL},
    [N_BY_NAME]            = {N_BY_NAME, N_ROOT, "by-name", P_NONE, DIR, 0, NULL, NULL},
    [N_BY_NAME_LINK]       = {N_BY_NAME_LINK, N_BY_NAME, NULL, P_LINKNAME, LNK, 0, render_by_name_link, NULL},
    [N_META]               = {N_META, N_ROOT, ".tenantcorefs", P_NONE, DIR, 0, NULL, NULL},
    [N_META_STATS]         = {N_META_STATS, N_META, "stats.json", P_NONE, RO, NF_VOLATILE, render_stats, NULL},
    [N_META_ERRORS]        = {N_META_ERRORS, N_META, "errors", P_NONE, RO, NF_VOLATILE, render_errors, NULL},
    [N_META_METRICS]       = {N_META_METRICS, N_META, "metrics.prom", P_NONE, RO, NF_VOLATILE, render_daemon_metrics, NULL},
    [N_META_INVALIDATE]    = {N_META_INVALIDATE, N_META, "invalidate", P_NONE, RW, NF_ACTION, render_empty, write_invalidate},
};
/* clang-format on */
