/* lookup: a map from (kind, path) to the mount's answer, and the parallel
 * round that fills in the unanswered ones. */
#include "lookup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "mem.h"

void lookups_init(struct lookups *l)
{
    memset(l, 0, sizeof *l);
    strmap_init(&l->by_rel);
}

static void lookup_free(void *p)
{
    struct lookup *x = p;
    free(x->rel);
    free(x->answer);
    free(x);
}

void lookups_free(struct lookups *l)
{
    strmap_free(&l->by_rel, lookup_free);
    free(l->v);
    memset(l, 0, sizeof *l);
}

struct lookup *lookup_want(struct lookups *l, enum lookup_kind kind, const char *rel)
{
    static const char tag[] = {'d', 'l', 'r'};
    char *key = fmtstr("%c%s", tag[kind], rel);
    struct lookup *x = strmap_get(&l->by_rel, key);
    if (!x) {
        x = zalloc(sizeof *x);
        x->kind = kind;
        x->rel = dupstr(rel);
        strmap_put(&l->by_rel, key, x);
        grow_array((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v);
        l->v[l->n++] = x;
    }
    free(key);
    return x;
}

struct round {
    const struct mnt *m;
    struct lookup **todo;
};

static void ask(void *ctx, size_t i)
{
    struct round *r = ctx;
    struct lookup *x = r->todo[i];
    int rc = 0;
    switch (x->kind) {
    case L_DIR:
        rc = mnt_isdir(r->m, x->rel);
        break;
    case L_LINK:
        rc = mnt_readlink(r->m, x->rel, &x->answer);
        break;
    case L_READ: {
        size_t len;
        rc = mnt_read(r->m, x->rel, &x->answer, &len);
        if (rc == 0 && len > 0 && x->answer[len - 1] == '\n')
            x->answer[len - 1] = '\0';
        break;
    }
    }
    x->err = rc < 0 ? -rc : 0;
    x->asked = true;
}

/* The tenant a path is under ("tenants/<id>"), as a length of its prefix. */
static size_t tenant_prefix(const char *rel)
{
    const char *slash = strchr(rel, '/');
    slash = slash ? strchr(slash + 1, '/') : NULL;
    return slash ? (size_t)(slash - rel) : strlen(rel);
}

/* Round-robin over tenants: the first lookup under a tenant makes the
 * mount fetch that tenant's list and the others wait for it, so jobs
 * spread over tenants fetch several lists at once instead of queueing
 * behind one. */
static void spread_over_tenants(struct lookup **v, size_t n)
{
    struct strmap groups; /* tenant prefix -> 1 + group index */
    strmap_init(&groups);
    size_t *group = zalloc((n + 1) * sizeof *group);
    size_t ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        char *key = dupmem(v[i]->rel, tenant_prefix(v[i]->rel));
        size_t g = (size_t)(uintptr_t)strmap_get(&groups, key);
        if (!g) {
            g = ++ngroups;
            strmap_put(&groups, key, (void *)(uintptr_t)g);
        }
        group[i] = g - 1;
        free(key);
    }
    /* Each lookup's round is its rank within its group; sort by (round, group). */
    size_t *rank = zalloc((n + 1) * sizeof *rank), *seen = zalloc((ngroups + 1) * sizeof *seen);
    size_t *round_size = zalloc((n + 1) * sizeof *round_size);
    for (size_t i = 0; i < n; i++) {
        rank[i] = seen[group[i]]++;
        round_size[rank[i]]++;
    }
    size_t *round_start = zalloc((n + 1) * sizeof *round_start);
    for (size_t r = 1; r <= n; r++)
        round_start[r] = round_start[r - 1] + round_size[r - 1];
    struct lookup **out = zalloc((n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[round_start[rank[i]]++] = v[i];
    memcpy(v, out, n * sizeof *v);
    free(out);
    free(round_start);
    free(round_size);
    free(seen);
    free(rank);
    free(group);
    strmap_free(&groups, NULL);
}

void lookups_run(struct lookups *l, const struct mnt *m, unsigned jobs, struct progress *p,
                 const char *what)
{
    struct round r = {.m = m, .todo = zalloc((l->n + 1) * sizeof *r.todo)};
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i]->asked)
            r.todo[n++] = l->v[i];
    spread_over_tenants(r.todo, n);
    pool_run(jobs, n, ask, &r, p, what);
    free(r.todo);
}

const char *link_id(const char *target, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!target || strncmp(target, prefix, n) != 0 || !name_is_showable(target + n))
        return NULL;
    return target + n;
}
