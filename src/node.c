/* node: existence, listings and attributes of nodes, from resources. */
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "log.h"
#include "names.h"
#include "nodeops.h"
#include "prefetch.h"
#include "strbuf.h"

static int source_get(void *arg, const struct res_id *id, bool peek, struct resource **out,
                      struct api_error *err)
{
    struct node_source *s = arg;
    if (!peek) {
        if (s->env->m->cfg.prefetch)
            prefetch_on_read(s->env->prefetcher, id);
        return cache_get(s->env->m->cache, id, &s->wait, out, err);
    }
    *out = cache_peek(s->env->m->cache, id);
    if (!*out)
        return -ENODATA; /* not cached: distinct from EAGAIN, a real API answer */
    if ((*out)->status == RES_NOT_FOUND) {
        *err = (*out)->err;
        err->err = ENOENT;
        resource_put(*out);
        *out = NULL;
        return -ENOENT;
    }
    return 0;
}

static void source_prefetch(void *arg, const struct res_id *id)
{
    struct node_source *s = arg;
    cache_prefetch(s->env->m->cache, id);
}

void node_ctx_init(struct node_ctx *nc, const struct node_env *env, const struct op_ctx *ctx,
                   bool peek)
{
    nc->src.env = env;
    nc->src.wait = mount_wait(env->m, ctx);
    struct res_source src = {.get = source_get, .prefetch = source_prefetch, .arg = &nc->src};
    render_ctx_init(&nc->rctx, &src, peek, env->m);
}

void node_ctx_done(struct node_ctx *nc)
{
    render_ctx_done(&nc->rctx);
}

/* ---- existence and listings -------------------------------------------- */

/* Nodes the table has that this mount does not show right now. */
static bool shown(const struct node_env *env, const struct route *rt)
{
    unsigned flags = node_type(rt->kind)->flags;
    if ((flags & NF_EVENTS) && env->m->cfg.events_max == 0)
        return false;
    if (flags & NF_LOCAL) {
        struct strbuf p = STRBUF_INIT;
        route_format(rt, &p);
        bool present = results_get(env->m->results, p.data, NULL);
        sb_free(&p);
        return present;
    }
    return true;
}

int node_exists(const struct node_env *env, struct render_ctx *rctx, const struct route *rt)
{
    const cJSON *item;
    int err;
    if (rt->tenant && (err = rctx_tenant(rctx, rt->tenant, &item)))
        return err;
    if (rt->domain && (err = rctx_domain(rctx, rt->tenant, rt->domain, &item)))
        return err;
    if (rt->mailbox && (err = rctx_mailbox(rctx, rt->tenant, rt->mailbox, &item)))
        return err;
    if (!shown(env, rt))
        return rctx_fail(rctx, ENOENT, "not shown on this mount");
    return 0;
}

int node_list(const struct node_env *env, struct render_ctx *rctx, const struct route *rt,
              struct names *ns, const struct resource **list)
{
    *list = NULL;
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type(k);
        if (k == N_ROOT || t->parent != rt->kind || !t->name)
            continue;
        struct route child = *rt;
        child.kind = (enum node_kind)k;
        if (shown(env, &child))
            names_add(ns, t->name);
    }
    const struct node_ops *ops = node_ops(rt->kind);
    if (ops->list == RES_NONE)
        return 0;
    const struct resource *r = NULL;
    int err = rctx_get(rctx, ops->list, ops->list == RES_TENANTS ? NULL : rt->tenant, NULL, &r);
    if (err)
        return err;
    if (ops->entries) {
        ops->entries(rt, r, ns);
    } else {
        for (size_t i = 0; i < r->nchildren; i++)
            names_add(ns, r->children[i].name);
    }
    *list = r;
    return 0;
}

/* ---- attributes ----------------------------------------------------------- */

uint64_t names_hash(const struct names *ns)
{
    struct strbuf all = STRBUF_INIT;
    for (size_t i = 0; i < ns->n; i++)
        sb_append(&all, ns->v[i], strlen(ns->v[i]) + 1);
    uint64_t h = content_hash(all.data ? all.data : "", all.len);
    sb_free(&all);
    return h;
}

/* The mtime, and how long the kernel may keep what it is told. */
static void set_times(struct fs_attr *a, const struct render_ctx *rctx, int64_t mtime_ns,
                      bool volatile_)
{
    a->mtime = (time_t)(mtime_ns / 1000000000);
    a->mtime_nsec = (long)(mtime_ns % 1000000000);
    if (volatile_) {
        a->valid_ms = 0;
    } else if (!rctx->expires_ms) {
        a->valid_ms = FS_VALID_FOREVER;
    } else {
        int64_t left = rctx->expires_ms - clock_mono_ms();
        a->valid_ms = left > 0 ? left : 0;
    }
}

int node_attr(const struct node_env *env, struct render_ctx *rctx, const struct route *rt,
              const char *path, struct fs_attr *a, struct strbuf *content)
{
    const struct node_type *t = node_type(rt->kind);
    int err = node_exists(env, rctx, rt);
    if (err)
        return err;
    memset(a, 0, sizeof *a);
    a->mode = t->mode;
    a->nlink = 1;
    int64_t mtime_ns;
    if (S_ISDIR(t->mode)) {
        struct names ns = {0};
        const struct resource *list;
        err = node_list(env, rctx, rt, &ns, &list);
        if (!err) {
            a->nlink = 2;
            mtime_ns = nodemeta_served_ns(env->meta, path, names_hash(&ns),
                                          (int64_t)env->m->mount_time * 1000000000);
            set_times(a, rctx, mtime_ns, false);
        }
        names_free(&ns);
        return err;
    }
    struct strbuf local = STRBUF_INIT;
    struct strbuf *out = content ? content : &local;
    err = node_ops(rt->kind)->render(rctx, rt, out);
    if (!err && out->data && log_has_secret(out->data)) {
        /* An answer that quotes the key (a hostile or broken server):
         * no file of the tree ever shows it. */
        char *clean = log_redact_dup(out->data);
        sb_reset(out);
        sb_puts(out, clean);
        free(clean);
    }
    if (!err) {
        a->size = (off_t)out->len;
        bool volatile_ = t->flags & NF_VOLATILE;
        mtime_ns = volatile_
                       ? clock_wall_ns()
                       : nodemeta_served_ns(env->meta, path,
                                            content_hash(out->data ? out->data : "", out->len), 0);
        /* The resource's own time when later (a server clock ahead of
         * ours), with the serving time's nanoseconds: two versions never
         * share an mtime, which is how the kernel knows to drop pages. */
        if (!volatile_ && (int64_t)rctx->stamp * 1000000000 > mtime_ns)
            mtime_ns = (int64_t)rctx->stamp * 1000000000 + mtime_ns % 1000000000;
        set_times(a, rctx, mtime_ns, volatile_);
    }
    sb_free(&local);
    return err;
}
