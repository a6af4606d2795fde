/* prefetch: warming what a listed directory's children need (SEMANTICS.md,
 * Reads; the node table says which kinds each directory warms: listing
 * tenants/ arms each tenant's detail, tenant policy, domains list and
 * mailboxes list; listing domains/ each domain's dns, dkim-status and
 * domain policy; listing mailboxes/ each mailbox's usage). An armed kind is fetched for
 * every child at once, in parallel, the first time any child's resource of
 * that kind is read: so `grep -r` and `tar` find their files warm, while
 * `cat mailboxes/STAR/daily_send_limit`, which reads no usage, costs one
 * call. The fetches run in the transport's background class, behind every
 * foreground request, share max_conns, and are the cache's single-flight
 * entries. */
#ifndef TC_PREFETCH_H
#define TC_PREFETCH_H

#include "cache.h"

struct prefetcher;

struct prefetcher *prefetcher_new(struct cache *cache);
void prefetcher_free(struct prefetcher *p);
/* A directory listing the children of list was read: arm the kinds (at
 * most nkinds) for those children. tenant is NULL when the children are
 * tenants, else the tenant whose domains or mailboxes they are. */
void prefetch_arm(struct prefetcher *p, const char *tenant, const struct resource *list,
                  const enum res_kind *kinds, int nkinds);
/* Resource id is about to be read in the foreground: fire its kind's arm. */
void prefetch_on_read(struct prefetcher *p, const struct res_id *id);

#endif
