/* node: existence, listings and attributes of nodes, from resources. */
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "names.h"
#include "prefetch.h"
#include "strbuf.h"

static int source_get(void *arg, const struct res_id *id, bool peek, struct resource **out,
                      struct api_error *err)
{
    struct fs_source *s = arg;
    if (!peek) {
        if (s->fs->cfg.prefetch)
            prefetch_on_read(s->fs->prefetcher, id);
        return cache_get(s->fs->cache, id, &s->wait, out, err);
    }
    *out = cache_peek(s->fs->cache, id);
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
    struct fs_source *s = arg;
    cache_prefetch(s->fs->cache, id);
}

static void source_init(struct fs_source *s, struct fs *fs, const struct op_ctx *ctx)
{
    s->fs = fs;
    s->wait.deadline_ms = clock_mono_ms() + fs->cfg.read_wait_ms;
    s->wait.interrupted = ctx ? ctx->interrupted : NULL;
    s->wait.arg = ctx ? ctx->arg : NULL;
}

void node_ctx_init(struct node_ctx *nc, struct fs *fs, const struct op_ctx *ctx, bool peek)
{
    source_init(&nc->src, fs, ctx);
    struct res_source src = {.get = source_get, .prefetch = source_prefetch, .arg = &nc->src};
    render_ctx_init(&nc->rc, &src, peek, fs);
}

void node_ctx_done(struct node_ctx *nc)
{
    render_ctx_done(&nc->rc);
}

/* ---- existence and listings -------------------------------------------- */

int node_exists(struct fs *fs, struct render_ctx *rc, const struct route *rt)
{
    const cJSON *item;
    int err;
    if (rt->tenant && (err = rc_tenant(rc, rt->tenant, &item)))
        return err;
    if (rt->domain && (err = rc_domain(rc, rt->tenant, rt->domain, &item)))
        return err;
    if (rt->mailbox && (err = rc_mailbox(rc, rt->tenant, rt->mailbox, &item)))
        return err;
    if ((node_type(rt->kind)->flags & NF_EVENTS) && fs->cfg.events_max == 0)
        return rc_fail(rc, ENOENT, "enforcement_max=0");
    if (node_type(rt->kind)->flags & NF_LOCAL) {
        struct strbuf p = STRBUF_INIT;
        route_format(rt, &p);
        bool present = results_get(fs->results, p.data, NULL);
        sb_free(&p);
        if (!present)
            return rc_fail(rc, ENOENT, "no result yet");
    }
    return 0;
}

void names_add(struct names *ns, const char *s)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n++] = xstrdup(s);
}

bool names_has(const struct names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return true;
    return false;
}

void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

int node_list(struct fs *fs, struct render_ctx *rc, const struct route *rt, struct names *ns,
              const struct resource **list)
{
    *list = NULL;
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type(k);
        if (k == N_ROOT || t->parent != rt->kind || !t->name)
            continue;
        if ((t->flags & NF_EVENTS) && fs->cfg.events_max == 0)
            continue;
        if (t->flags & NF_LOCAL) {
            struct strbuf p = STRBUF_INIT;
            route_format(rt, &p);
            sb_printf(&p, "/%s", t->name);
            bool present = results_get(fs->results, p.data, NULL);
            sb_free(&p);
            if (!present)
                continue;
        }
        names_add(ns, t->name);
    }
    int err = 0;
    const struct resource *r = NULL;
    switch (rt->kind) {
    case N_TENANTS:
        if (!(err = rc_get(rc, RES_TENANTS, NULL, NULL, &r)))
            for (size_t i = 0; i < r->nchildren; i++)
                names_add(ns, r->children[i].name);
        break;
    case N_DOMAINS:
        if (!(err = rc_get(rc, RES_DOMAINS, rt->tenant, NULL, &r)))
            for (size_t i = 0; i < r->nchildren; i++)
                names_add(ns, r->children[i].name);
        break;
    case N_MAILBOXES:
        if (!(err = rc_get(rc, RES_MAILBOXES, rt->tenant, NULL, &r)))
            for (size_t i = 0; i < r->nchildren; i++)
                names_add(ns, r->children[i].name);
        break;
    case N_DOMAIN_MAILBOXES:
        if (!(err = rc_get(rc, RES_MAILBOXES, rt->tenant, NULL, &r)))
            for (size_t i = 0; i < r->nchildren; i++) {
                const cJSON *item = r->children[i].item;
                const char *email = json_str(item, "primary_smtp");
                const char *domain = mailbox_domain(item);
                if (email && domain && strcmp(domain, rt->domain) == 0 && name_is_safe(email) &&
                    !names_has(ns, email))
                    names_add(ns, email);
            }
        break;
    case N_BY_NAME:
        if (!(err = rc_get(rc, RES_TENANTS, NULL, NULL, &r))) {
            char **links = by_name_names(r);
            for (size_t i = 0; i < r->nchildren; i++)
                if (links[i])
                    names_add(ns, links[i]);
            by_name_free(links, r->nchildren);
        }
        break;
    default:
        break;
    }
    *list = r;
    return err;
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

int node_attr(struct fs *fs, struct render_ctx *rc, const struct route *rt, const char *path,
              struct fs_attr *a, struct strbuf *content)
{
    const struct node_type *t = node_type(rt->kind);
    int err = node_exists(fs, rc, rt);
    if (err)
        return err;
    memset(a, 0, sizeof *a);
    a->mode = t->mode;
    a->nlink = 1;
    if (S_ISDIR(t->mode)) {
        struct names ns = {0};
        const struct resource *list;
        err = node_list(fs, rc, rt, &ns, &list);
        if (!err) {
            a->nlink = 2;
            a->mtime = nodemeta_served(fs->meta, path, names_hash(&ns), fs->mount_time);
        }
        names_free(&ns);
        return err;
    }
    struct strbuf local = STRBUF_INIT;
    struct strbuf *out = content ? content : &local;
    err = t->render(rc, rt, out);
    if (!err) {
        a->size = (off_t)out->len;
        if (t->flags & NF_VOLATILE) {
            a->mtime = clock_wall();
        } else {
            time_t served = nodemeta_served(fs->meta, path,
                                            content_hash(out->data ? out->data : "", out->len), 0);
            a->mtime = served > rc->stamp ? served : rc->stamp;
        }
    }
    sb_free(&local);
    return err;
}
