/* prefetch: what listing a directory warms (SPEC §4). Listing tenants/
 * warms each tenant's detail, tenant policy, domains list and mailboxes
 * list; listing domains/ each domain's dns, dkim-status and domain policy;
 * listing mailboxes/ each mailbox's usage. The fetches run in the
 * transport's background class, behind every foreground request, sharing
 * its max_conns budget and its single-flight cache entries. */
#ifndef TC_PREFETCH_H
#define TC_PREFETCH_H

#include "cache.h"
#include "tree.h"

/* list is the directory's list resource (tenants, domains or mailboxes). */
void prefetch_children(struct cache *cache, const struct route *dir, const struct resource *list);

#endif
