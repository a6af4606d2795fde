/* prefetch: arms keyed by (kind of resource, scope), fired once. */
#include "prefetch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"

/* The names of a listing, shared by the arms it set. */
struct child_names {
    int refs;
    char **v;
    size_t n;
};

struct arm {
    struct arm *next;
    char *key;
    enum res_kind kind;
    char *tenant; /* NULL: the children are tenants */
    struct child_names *names;
};

struct prefetcher {
    struct cache *cache;
    pthread_mutex_t lock;
    struct arm *arms; /* few: one per kind per listed directory */
};

struct prefetcher *prefetcher_new(struct cache *cache)
{
    struct prefetcher *p = xcalloc(1, sizeof *p);
    p->cache = cache;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

static void names_put(struct child_names *n)
{
    if (--n->refs > 0)
        return;
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    free(n);
}

static void arm_free(struct arm *a)
{
    free(a->key);
    free(a->tenant);
    names_put(a->names);
    free(a);
}

void prefetcher_free(struct prefetcher *p)
{
    if (!p)
        return;
    for (struct arm *a = p->arms, *next; a; a = next) {
        next = a->next;
        arm_free(a);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* Tenant-level resources (children of tenants/) share one scope; the
 * others are scoped to their tenant. The tenant policy and the domain
 * policies are different kinds of child. */
static void arm_key(struct strbuf *key, enum res_kind kind, bool tenant_level, const char *tenant)
{
    sb_printf(key, "%d|%c|%s", (int)kind, tenant_level ? 'T' : 'C', tenant_level ? "" : tenant);
}

/* Remove and return the arm with this key; called locked. */
static struct arm *arm_take(struct prefetcher *p, const char *key)
{
    for (struct arm **pp = &p->arms; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->key, key) == 0) {
            struct arm *a = *pp;
            *pp = a->next;
            return a;
        }
    return NULL;
}

void prefetch_arm(struct prefetcher *p, const char *tenant, const struct resource *list,
                  const enum res_kind *kinds, int nkinds)
{
    if (!list || list->nchildren == 0 || nkinds == 0)
        return;
    struct child_names *names = xcalloc(1, sizeof *names);
    names->v = xcalloc(list->nchildren, sizeof *names->v);
    for (size_t c = 0; c < list->nchildren; c++)
        names->v[names->n++] = xstrdup(list->children[c].name);
    bool tenant_level = tenant == NULL;
    pthread_mutex_lock(&p->lock);
    for (int w = 0; w < nkinds; w++) {
        struct strbuf key = STRBUF_INIT;
        arm_key(&key, kinds[w], tenant_level, tenant);
        struct arm *old = arm_take(p, key.data);
        if (old)
            arm_free(old);
        struct arm *a = xcalloc(1, sizeof *a);
        a->key = sb_detach(&key, NULL);
        a->kind = kinds[w];
        a->tenant = tenant_level ? NULL : xstrdup(tenant);
        a->names = names;
        names->refs++;
        a->next = p->arms;
        p->arms = a;
    }
    pthread_mutex_unlock(&p->lock);
}

void prefetch_on_read(struct prefetcher *p, const struct res_id *id)
{
    if (!p->arms) /* unlocked peek: a missed arm only costs parallelism */
        return;
    bool tenant_level = id->kind == RES_TENANT || id->kind == RES_DOMAINS ||
                        id->kind == RES_MAILBOXES ||
                        (id->kind == RES_POLICY && (!id->sub || !*id->sub));
    if (id->kind == RES_TENANTS)
        return;
    struct strbuf key = STRBUF_INIT;
    arm_key(&key, id->kind, tenant_level, id->tenant);
    pthread_mutex_lock(&p->lock);
    struct arm *a = arm_take(p, key.data);
    pthread_mutex_unlock(&p->lock);
    sb_free(&key);
    if (!a)
        return;
    log_debug("prefetch: %zu resources like %s", a->names->n, api_endpoint_name(res_kind_endpoint(a->kind)));
    for (size_t i = 0; i < a->names->n; i++) {
        struct res_id child = {.kind = a->kind};
        if (a->tenant) {
            child.tenant = a->tenant;
            child.sub = a->names->v[i];
        } else {
            child.tenant = a->names->v[i];
            child.sub = a->kind == RES_POLICY ? "" : NULL;
        }
        cache_prefetch(p->cache, &child);
    }
    arm_free(a);
}
