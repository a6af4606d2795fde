/* strmap: a string-keyed hash map of pointers. The planner keys tenants,
 * lookups and values by mount path; fleets reach tens of thousands. */
#ifndef TCA_STRMAP_H
#define TCA_STRMAP_H

#include <stddef.h>

struct strmap_ent {
    struct strmap_ent *next;
    char *key;
    void *val;
};

struct strmap {
    struct strmap_ent **buckets;
    size_t nbuckets, n;
};

void strmap_init(struct strmap *m);
/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Store val under key (a copy of key is kept); an existing value is replaced. */
void strmap_put(struct strmap *m, const char *key, void *val);
/* Free the map; free_val (may be NULL) is called on every value. */
void strmap_free(struct strmap *m, void (*free_val)(void *));

#endif
