/* lookup: a map from (kind, path) to the mount's answer, and the parallel
 * round that fills in the unanswered ones. */
#include "lookup.h"

#include <errno.h>
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

void lookups_run(struct lookups *l, const struct mnt *m, unsigned jobs, struct progress *p,
                 const char *what)
{
    struct round r = {.m = m, .todo = zalloc((l->n + 1) * sizeof *r.todo)};
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i]->asked)
            r.todo[n++] = l->v[i];
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
