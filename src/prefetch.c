/* prefetch: a table of which child resources each listed directory warms. */
#include "prefetch.h"

struct warm_row {
    enum node_kind dir;
    enum res_kind list;   /* the listing's own resource */
    enum res_kind warm[4];
    int nwarm;
};

static const struct warm_row warm_table[] = {
    {N_TENANTS, RES_TENANTS, {RES_TENANT, RES_POLICY, RES_DOMAINS, RES_MAILBOXES}, 4},
    {N_DOMAINS, RES_DOMAINS, {RES_DNS, RES_DKIM, RES_POLICY}, 3},
    {N_MAILBOXES, RES_MAILBOXES, {RES_USAGE}, 1},
};

void prefetch_children(struct cache *cache, const struct route *dir, const struct resource *list)
{
    for (size_t i = 0; i < sizeof warm_table / sizeof *warm_table; i++) {
        const struct warm_row *row = &warm_table[i];
        if (row->dir != dir->kind || !list || list->kind != row->list)
            continue;
        for (size_t c = 0; c < list->nchildren; c++) {
            const char *child = list->children[c].name;
            for (int w = 0; w < row->nwarm; w++) {
                struct res_id id = {.kind = row->warm[w]};
                if (dir->kind == N_TENANTS) {
                    /* Per-tenant resources; the tenant policy has no scope. */
                    id.tenant = child;
                    id.sub = row->warm[w] == RES_POLICY ? "" : NULL;
                } else {
                    id.tenant = dir->tenant;
                    id.sub = child;
                }
                cache_prefetch(cache, &id);
            }
        }
    }
}
