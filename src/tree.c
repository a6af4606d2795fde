/* tree: the node table (SEMANTICS.md, The tree). Read it as the tree:
 * parent, name, what fills a parameter, mode, flags. */
#include "tree.h"

#include <sys/stat.h>

#define DIR (S_IFDIR | 0755)
#define RO (S_IFREG | 0444)
#define RW (S_IFREG | 0644)
#define LNK (S_IFLNK | 0777)

/* clang-format off */
const struct node_type node_types[N_COUNT] = {
    [N_ROOT]               = {N_ROOT, N_ROOT, "", P_NONE, DIR, 0},
    [N_TENANTS]            = {N_TENANTS, N_ROOT, "tenants", P_NONE, DIR, 0},
    [N_TENANT]             = {N_TENANT, N_TENANTS, NULL, P_TENANT, DIR, 0},
    [N_TENANT_JSON]        = {N_TENANT_JSON, N_TENANT, "tenant.json", P_NONE, RO, 0},
    [N_TENANT_NAME]        = {N_TENANT_NAME, N_TENANT, "name", P_NONE, RO, 0},
    [N_TENANT_SYNC]        = {N_TENANT_SYNC, N_TENANT, "sync", P_NONE, RW, NF_ACTION},
    [N_TENANT_LAST_SYNC]   = {N_TENANT_LAST_SYNC, N_TENANT, "last_sync.json", P_NONE, RO, NF_LOCAL},
    [N_TENANT_LIMIT]       = {N_TENANT_LIMIT, N_TENANT, "mailbox_limit", P_NONE, RW, 0},
    [N_TENANT_HEALTH]      = {N_TENANT_HEALTH, N_TENANT, "health", P_NONE, RO, 0},
    [N_TENANT_ZONE]        = {N_TENANT_ZONE, N_TENANT, "dns.zone", P_NONE, RO, 0},
    [N_TENANT_CSV]         = {N_TENANT_CSV, N_TENANT, "mailboxes.csv", P_NONE, RO, 0},
    [N_TENANT_EVENTS_LOG]  = {N_TENANT_EVENTS_LOG, N_TENANT, "enforcement.log", P_NONE, RO, NF_EVENTS},
    [N_TENANT_EVENTS_JSONL]= {N_TENANT_EVENTS_JSONL, N_TENANT, "enforcement.jsonl", P_NONE, RO, NF_EVENTS},
    [N_DOMAINS]            = {N_DOMAINS, N_TENANT, "domains", P_NONE, DIR, 0},
    [N_DOMAIN]             = {N_DOMAIN, N_DOMAINS, NULL, P_DOMAIN, DIR, 0},
    [N_DOMAIN_JSON]        = {N_DOMAIN_JSON, N_DOMAIN, "domain.json", P_NONE, RO, 0},
    [N_DNS_JSON]           = {N_DNS_JSON, N_DOMAIN, "dns.json", P_NONE, RO, 0},
    [N_DKIM_STATUS]        = {N_DKIM_STATUS, N_DOMAIN, "dkim_status", P_NONE, RW, 0},
    [N_DKIM_JSON]          = {N_DKIM_JSON, N_DOMAIN, "dkim.json", P_NONE, RO, 0},
    [N_VERIFY]             = {N_VERIFY, N_DOMAIN, "verify", P_NONE, RW, 0},
    [N_DOMAIN_LIMIT]       = {N_DOMAIN_LIMIT, N_DOMAIN, "mailbox_limit", P_NONE, RW, 0},
    [N_PROVISION]          = {N_PROVISION, N_DOMAIN, "provision", P_NONE, RW, NF_ACTION},
    [N_LAST_PROVISION]     = {N_LAST_PROVISION, N_DOMAIN, "last_provision.json", P_NONE, RO, NF_LOCAL},
    [N_DOMAIN_ZONE]        = {N_DOMAIN_ZONE, N_DOMAIN, "dns.zone", P_NONE, RO, 0},
    [N_DOMAIN_MAILBOXES]   = {N_DOMAIN_MAILBOXES, N_DOMAIN, "mailboxes", P_NONE, DIR, 0},
    [N_DOMAIN_MAILBOX_LINK]= {N_DOMAIN_MAILBOX_LINK, N_DOMAIN_MAILBOXES, NULL, P_EMAIL, LNK, 0},
    [N_MAILBOXES]          = {N_MAILBOXES, N_TENANT, "mailboxes", P_NONE, DIR, 0},
    [N_MAILBOX]            = {N_MAILBOX, N_MAILBOXES, NULL, P_MAILBOX, DIR, 0},
    [N_MAILBOX_JSON]       = {N_MAILBOX_JSON, N_MAILBOX, "mailbox.json", P_NONE, RO, 0},
    [N_USAGE_JSON]         = {N_USAGE_JSON, N_MAILBOX, "usage.json", P_NONE, RO, 0},
    [N_DAILY_LIMIT]        = {N_DAILY_LIMIT, N_MAILBOX, "daily_send_limit", P_NONE, RW, 0},
    [N_DISPLAY_NAME]       = {N_DISPLAY_NAME, N_MAILBOX, "display_name", P_NONE, RW, 0},
    [N_HEALTH]             = {N_HEALTH, N_ROOT, "health", P_NONE, RO, 0},
    [N_EVENTS_LOG]         = {N_EVENTS_LOG, N_ROOT, "enforcement.log", P_NONE, RO, NF_EVENTS},
    [N_EVENTS_JSONL]       = {N_EVENTS_JSONL, N_ROOT, "enforcement.jsonl", P_NONE, RO, NF_EVENTS},
    [N_METRICS]            = {N_METRICS, N_ROOT, "metrics.prom", P_NONE, RO, 0},
    [N_BY_NAME]            = {N_BY_NAME, N_ROOT, "by-name", P_NONE, DIR, 0},
    [N_BY_NAME_LINK]       = {N_BY_NAME_LINK, N_BY_NAME, NULL, P_LINKNAME, LNK, 0},
    [N_META]               = {N_META, N_ROOT, ".tenantcorefs", P_NONE, DIR, 0},
    [N_META_STATS]         = {N_META_STATS, N_META, "stats.json", P_NONE, RO, NF_VOLATILE},
    [N_META_ERRORS]        = {N_META_ERRORS, N_META, "errors", P_NONE, RO, NF_VOLATILE},
    [N_META_METRICS]       = {N_META_METRICS, N_META, "metrics.prom", P_NONE, RO, NF_VOLATILE},
    [N_META_INVALIDATE]    = {N_META_INVALIDATE, N_META, "invalidate", P_NONE, RW, NF_ACTION},
};
/* clang-format on */
