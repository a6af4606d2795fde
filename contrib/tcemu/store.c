/* store.c — in-memory entities and their lookups; see store.h. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ctype.h>

#include "json_util.h"

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t nc_ = (cap) ? (cap)*2 : 16;                                                     \
            void *np_ = realloc((arr), nc_ * sizeof(*(arr)));                                      \
            if (!np_)                                                                              \
                abort();                                                                           \
            (arr) = np_;                                                                           \
            (cap) = nc_;                                                                           \
        }                                                                                          \
    } while (0)

void store_init(struct emu_store *s)
{
    memset(s, 0, sizeof(*s));
    pthread_rwlock_init(&s->lock, NULL);
    s->rng = (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ull;
}

static void tenant_free(struct emu_tenant *t)
{
    for (size_t i = 0; i < t->ndomains; i++)
        cJSON_Delete(t->domains[i].obj);
    for (size_t i = 0; i < t->nmailboxes; i++)
        cJSON_Delete(t->mailboxes[i].obj);
    for (size_t i = 0; i < t->npolicies; i++)
        free(t->policies[i].domain_scope);
    free(t->domains);
    free(t->mailboxes);
    free(t->policies);
    cJSON_Delete(t->obj);
    free(t);
}

static void events_clear(struct emu_store *s)
{
    for (size_t i = 0; i < s->nevents; i++)
        free(s->events[i].mailbox_address);
    free(s->events);
    s->events = NULL;
    s->nevents = s->events_cap = 0;
    s->knob_next = 0;
}

void store_clear(struct emu_store *s)
{
    events_clear(s);
    for (size_t i = 0; i < s->ntenants; i++)
        tenant_free(s->tenants[i]);
    free(s->tenants);
    free(s->index);
    s->tenants = NULL;
    s->index = NULL;
    s->ntenants = s->tenants_cap = s->index_cap = 0;
}

static uint64_t hash_ci(const char *str)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over lower-cased bytes */
    for (; *str; str++)
        h = (h ^ (unsigned char)tolower((unsigned char)*str)) * 1099511628211ull;
    return h;
}

/* Adds t unless a tenant with the same id is indexed already (the first in
 * store order wins, as a linear search would). */
static void index_insert(struct emu_store *s, struct emu_tenant *t)
{
    const char *id = json_str(t->obj, "tenant_id");
    if (!id)
        return; /* a non-string tenant_id (set by /_emu/set) matches nothing */
    size_t h = hash_ci(id) & (s->index_cap - 1);
    while (s->index[h]) {
        if (strcasecmp(json_str(s->index[h]->obj, "tenant_id"), id) == 0)
            return;
        h = (h + 1) & (s->index_cap - 1);
    }
    s->index[h] = t;
}

void store_reindex(struct emu_store *s)
{
    size_t cap = 64;
    while (cap < s->ntenants * 2 + 2)
        cap *= 2;
    free(s->index);
    s->index = calloc(cap, sizeof(*s->index));
    if (!s->index)
        abort();
    s->index_cap = cap;
    for (size_t i = 0; i < s->ntenants; i++)
        index_insert(s, s->tenants[i]);
}

void store_destroy(struct emu_store *s)
{
    store_clear(s);
    pthread_rwlock_destroy(&s->lock);
}

void store_rdlock(struct emu_store *s)
{
    pthread_rwlock_rdlock(&s->lock);
}

void store_wrlock(struct emu_store *s)
{
    pthread_rwlock_wrlock(&s->lock);
}

void store_unlock(struct emu_store *s)
{
    pthread_rwlock_unlock(&s->lock);
}

static bool id_equals(const cJSON *obj, const char *key, const char *want)
{
    const char *have = json_str(obj, key);
    return have && strcasecmp(have, want) == 0;
}

struct emu_tenant *store_find_tenant(struct emu_store *s, const char *tenant_id)
{
    if (!s->index_cap)
        return NULL;
    size_t h = hash_ci(tenant_id) & (s->index_cap - 1);
    for (; s->index[h]; h = (h + 1) & (s->index_cap - 1)) {
        if (id_equals(s->index[h]->obj, "tenant_id", tenant_id))
            return s->index[h];
    }
    return NULL;
}

long tenant_find_domain(const struct emu_tenant *t, const char *domain_name)
{
    for (size_t i = 0; i < t->ndomains; i++) {
        if (id_equals(t->domains[i].obj, "domain_name", domain_name))
            return (long)i;
    }
    return -1;
}

long tenant_find_mailbox(const struct emu_tenant *t, const char *mailbox_id)
{
    for (size_t i = 0; i < t->nmailboxes; i++) {
        if (id_equals(t->mailboxes[i].obj, "id", mailbox_id))
            return (long)i;
    }
    return -1;
}

struct emu_policy *tenant_find_policy(struct emu_tenant *t, const char *domain_scope)
{
    for (size_t i = 0; i < t->npolicies; i++) {
        const char *ds = t->policies[i].domain_scope;
        if ((!ds && !domain_scope) || (ds && domain_scope && strcasecmp(ds, domain_scope) == 0))
            return &t->policies[i];
    }
    return NULL;
}

size_t tenant_count_domain_mailboxes(const struct emu_tenant *t, const char *domain_name)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nmailboxes; i++) {
        if (id_equals(t->mailboxes[i].obj, "domain_name", domain_name))
            n++;
    }
    return n;
}

struct emu_tenant *store_add_tenant(struct emu_store *s, int account)
{
    struct emu_tenant *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    t->account = account;
    t->obj = cJSON_CreateObject();
    GROW(s->tenants, s->ntenants, s->tenants_cap);
    s->tenants[s->ntenants++] = t;
    return t;
}

void store_index_tenant(struct emu_store *s, struct emu_tenant *t)
{
    if (s->ntenants * 2 + 2 > s->index_cap)
        store_reindex(s); /* includes t */
    else
        index_insert(s, t);
}

struct emu_domain *tenant_add_domain(struct emu_tenant *t)
{
    GROW(t->domains, t->ndomains, t->domains_cap);
    struct emu_domain *d = &t->domains[t->ndomains++];
    memset(d, 0, sizeof(*d));
    d->obj = cJSON_CreateObject();
    return d;
}

struct emu_mailbox *tenant_add_mailbox(struct emu_tenant *t)
{
    GROW(t->mailboxes, t->nmailboxes, t->mailboxes_cap);
    struct emu_mailbox *m = &t->mailboxes[t->nmailboxes++];
    m->obj = cJSON_CreateObject();
    return m;
}

struct emu_policy *tenant_put_policy(struct emu_tenant *t, const char *domain_scope)
{
    struct emu_policy *p = tenant_find_policy(t, domain_scope);
    if (p)
        return p;
    GROW(t->policies, t->npolicies, t->policies_cap);
    p = &t->policies[t->npolicies++];
    memset(p, 0, sizeof(*p));
    p->domain_scope = domain_scope ? strdup(domain_scope) : NULL;
    return p;
}

struct emu_event *store_add_event(struct emu_store *s)
{
    GROW(s->events, s->nevents, s->events_cap);
    struct emu_event *e = &s->events[s->nevents++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* Drops t's events, keeping the others in order. */
static void remove_tenant_events(struct emu_store *s, const struct emu_tenant *t)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->nevents; i++) {
        if (s->events[i].tenant == t)
            free(s->events[i].mailbox_address);
        else
            s->events[kept++] = s->events[i];
    }
    s->nevents = kept;
}

void store_remove_tenant(struct emu_store *s, struct emu_tenant *t)
{
    remove_tenant_events(s, t);
    for (size_t i = 0; i < s->ntenants; i++) {
        if (s->tenants[i] == t) {
            memmove(&s->tenants[i], &s->tenants[i + 1],
                    (s->ntenants - i - 1) * sizeof(*s->tenants));
            s->ntenants--;
            tenant_free(t);
            store_reindex(s);
            return;
        }
    }
}

/* splitmix64: tiny, fast, and identical everywhere for a given seed. */
uint64_t prng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void prng_uuid(uint64_t *state, char out[37])
{
    uint64_t a = prng_next(state), b = prng_next(state);
    /* Version 4, variant 10xx, as a real uuid4 would be. */
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff),
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffull));
}

void store_new_uuid(struct emu_store *s, char out[37])
{
    prng_uuid(&s->rng, out);
}
