/* tree: the shape of the file tree as data. One row per kind of node: where
 * it sits, its name (or which API name fills it), its mode and flags — all
 * the router needs, and nothing it would have to call. What each kind does
 * (its renderer, its action, the list a directory shows) is nodeops.c's
 * table, indexed by the same kinds. Adding a file is one row here, one
 * there, and a renderer (SEMANTICS.md, The tree). */
#ifndef TC_TREE_H
#define TC_TREE_H

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

enum node_kind {
    N_ROOT,
    N_TENANTS,
    N_TENANT,
    N_TENANT_JSON,
    N_TENANT_NAME,
    N_TENANT_SYNC,
    N_TENANT_LAST_SYNC,
    N_TENANT_LIMIT,
    N_DOMAINS,
    N_DOMAIN,
    N_DOMAIN_JSON,
    N_DNS_JSON,
    N_DKIM_STATUS,
    N_DKIM_JSON,
    N_VERIFY,
    N_DOMAIN_LIMIT,
    N_PROVISION,
    N_LAST_PROVISION,
    N_DOMAIN_ZONE,
    N_DOMAIN_MAILBOXES,
    N_DOMAIN_MAILBOX_LINK,
    N_MAILBOXES,
    N_MAILBOX,
    N_MAILBOX_JSON,
    N_USAGE_JSON,
    N_DAILY_LIMIT,
    N_DISPLAY_NAME,
    /* Views after the directories they summarize: listings follow this
     * order, so a walk reads the data first and the views from cache. */
    N_TENANT_HEALTH,
    N_TENANT_ZONE,
    N_TENANT_CSV,
    N_TENANT_EVENTS_LOG,
    N_TENANT_EVENTS_JSONL,
    N_HEALTH,
    N_EVENTS_LOG,
    N_EVENTS_JSONL,
    N_METRICS,
    N_BY_NAME,
    N_BY_NAME_LINK,
    N_META,
    N_META_STATS,
    N_META_ERRORS,
    N_META_METRICS,
    N_META_INVALIDATE,
    N_COUNT
};

/* Which API name a parameter component is. */
enum node_param { P_NONE, P_TENANT, P_DOMAIN, P_MAILBOX, P_EMAIL, P_LINKNAME };

#define NF_ACTION 0x1   /* any write performs an action; reads as empty */
#define NF_VOLATILE 0x2 /* changes on its own (stats, errors): no memo, direct I/O */
#define NF_LOCAL 0x4    /* a result kept by this mount; exists only once there is one */
#define NF_EVENTS 0x8   /* the enforcement log: exists only when enforcement_max > 0 */

/* A resolved path: the kind and the names captured on the way. */
struct route {
    enum node_kind kind;
    const char *tenant, *domain, *mailbox, *name; /* NULL when not on the path */
    char storage[4096];
};

struct node_type {
    enum node_kind kind;
    enum node_kind parent;
    const char *name; /* literal name, or NULL for a parameter */
    enum node_param param;
    mode_t mode; /* S_IFDIR | 0755, S_IFREG | 0444 / 0644, S_IFLNK | 0777 */
    unsigned flags;
};

extern const struct node_type node_types[N_COUNT];

static inline const struct node_type *node_type(enum node_kind k)
{
    return &node_types[k];
}

/* Resolve an absolute path ("/tenants/x/name"). Syntax only: whether the
 * names exist is for the caller to check. 0, -ENOENT, -ENOTDIR (through a
 * file) or -ENAMETOOLONG. */
int route_path(const char *path, struct route *out);
/* The route of child name under dir (a parameter child when name is not a
 * literal child of dir). */
int route_child(const struct route *dir, const char *name, struct route *out);
/* Rebuild the path of a route. */
void route_format(const struct route *rt, struct strbuf *out);
/* The relative target of a symbolic link at link that points to target
 * ("../../../mailboxes/<id>"), from the two routes' shared directories. */
void route_link_target(const struct route *link, const struct route *target, struct strbuf *out);

#endif
