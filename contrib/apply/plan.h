/* plan: DESIRED_DIR's values checked with the mount's own rules, matched
 * with what the mount shows, and turned into items: changes, unchanged
 * values, and what the API cannot do. Nothing is written here. */
#ifndef TCA_PLAN_H
#define TCA_PLAN_H

#include <stddef.h>

#include "desired.h"
#include "item.h"
#include "mount.h"
#include "pool.h"

struct plan {
    struct tenant **tenants; /* each tenant once */
    size_t ntenants, captenants;
    struct item **items;
    size_t n, cap;
    char **errors; /* reasons the run is refused: bad values, conflicts */
    size_t nerrors, caperrors;
};

/* 0 with the plan made, or -1 when the run must be refused (pl->errors). */
int plan_build(struct plan *pl, const struct desired *d, const struct mnt *m, unsigned jobs,
               struct progress *p);
void plan_free(struct plan *pl);
size_t plan_count(const struct plan *pl, enum state s);
size_t plan_count_kind(const struct plan *pl, enum kind k, enum state s);

#endif
