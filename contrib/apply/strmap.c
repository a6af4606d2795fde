/* strmap: separate chaining, FNV-1a, doubling at load factor 1. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)h;
}

void strmap_init(struct strmap *m)
{
    m->nbuckets = 64;
    m->n = 0;
    m->buckets = zalloc(m->nbuckets * sizeof *m->buckets);
}

void *strmap_get(const struct strmap *m, const char *key)
{
    for (struct strmap_ent *e = m->buckets[hash(key) % m->nbuckets]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e->val;
    return NULL;
}

static void grow(struct strmap *m)
{
    size_t nb = m->nbuckets * 2;
    struct strmap_ent **b = zalloc(nb * sizeof *b);
    for (size_t i = 0; i < m->nbuckets; i++) {
        for (struct strmap_ent *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t s = hash(e->key) % nb;
            e->next = b[s];
            b[s] = e;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

void strmap_put(struct strmap *m, const char *key, void *val)
{
    size_t s = hash(key) % m->nbuckets;
    for (struct strmap_ent *e = m->buckets[s]; e; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            e->val = val;
            return;
        }
    }
    struct strmap_ent *e = zalloc(sizeof *e);
    e->key = dupstr(key);
    e->val = val;
    e->next = m->buckets[s];
    m->buckets[s] = e;
    if (++m->n > m->nbuckets)
        grow(m);
}

void strmap_free(struct strmap *m, void (*free_val)(void *))
{
    if (!m->buckets)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        for (struct strmap_ent *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            if (free_val)
                free_val(e->val);
            free(e->key);
            free(e);
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->n = 0;
}
