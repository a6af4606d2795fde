/* fs: routes, existence, attributes, listings and bytes. Every read goes
 * route → render context → cache; every write to the node's action. */
#include "fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "names.h"
#include "nodeops.h"
#include "strbuf.h"
#include "values.h"

void fs_init(struct fs *fs, const struct mount_config *cfg, struct cache *cache,
             const struct api_writer *writer)
{
    memset(fs, 0, sizeof *fs);
    mount_init(&fs->m, cfg, cache, writer);
    fs->meta = nodemeta_new();
    fs->prefetcher = prefetcher_new(cache);
    fs->env = (struct node_env){.m = &fs->m, .meta = fs->meta, .prefetcher = fs->prefetcher};
}

void fs_destroy(struct fs *fs)
{
    nodemeta_free(fs->meta);
    prefetcher_free(fs->prefetcher);
    mount_destroy(&fs->m);
}

static int fail(const struct op_ctx *ctx, const struct route *rt, struct api_error *e, int rc)
{
    if (e->err == 0)
        e->err = -rc;
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    mount_fail(ctx, p.data, e);
    sb_free(&p);
    return rc;
}

/* Route path, which must name a node of type (S_IFDIR, S_IFLNK): else
 * wrong_type, before any request. */
static int route_typed(const char *path, mode_t type, int wrong_type, struct route *rt)
{
    int err = route_path(path, rt);
    if (err)
        return err;
    return (node_type(rt->kind)->mode & S_IFMT) == type ? 0 : wrong_type;
}

int fs_lookup(struct fs *fs, const char *path, struct fs_attr *attr, struct strbuf *content,
              const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    err = node_attr(&fs->env, &nc.rctx, &rt, path, attr, content);
    if (err)
        fail(ctx, &rt, &nc.rctx.err, err);
    node_ctx_done(&nc);
    return err;
}

int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx)
{
    return fs_lookup(fs, path, attr, NULL, ctx);
}

/* ---- directories ----------------------------------------------------------- */

static void dir_add(struct fs_dir *d, size_t *cap, const char *name, mode_t mode)
{
    if (d->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        d->ents = xrealloc(d->ents, *cap * sizeof *d->ents);
    }
    d->ents[d->n].name = xstrdup(name);
    d->ents[d->n].mode = mode;
    d->n++;
}

int fs_opendir(struct fs *fs, const char *path, struct fs_dir **out, const struct op_ctx *ctx)
{
    *out = NULL;
    struct route rt;
    int err = route_typed(path, S_IFDIR, -ENOTDIR, &rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    struct names ns = {0};
    const struct resource *list = NULL;
    struct fs_attr self;
    err = node_attr(&fs->env, &nc.rctx, &rt, path, &self, NULL);
    if (!err)
        err = node_list(&fs->env, &nc.rctx, &rt, &ns, &list);
    if (err) {
        fail(ctx, &rt, &nc.rctx.err, err);
        node_ctx_done(&nc);
        names_free(&ns);
        return err;
    }
    const struct node_ops *ops = node_ops(rt.kind);
    if (fs->m.cfg.prefetch)
        prefetch_arm(fs->prefetcher, ops->list == RES_TENANTS ? NULL : rt.tenant, list, ops->warm,
                     ops->nwarm);

    struct fs_dir *d = xcalloc(1, sizeof *d);
    atomic_init(&d->refs, 1);
    d->path = xstrdup(path);
    d->attr = self;
    size_t cap = 0;
    dir_add(d, &cap, ".", S_IFDIR | 0755);
    dir_add(d, &cap, "..", S_IFDIR | 0755);
    for (size_t i = 0; i < ns.n; i++) {
        struct route crt;
        if (route_child(&rt, ns.v[i], &crt) == 0)
            dir_add(d, &cap, ns.v[i], node_type(crt.kind)->mode);
    }
    names_free(&ns);
    node_ctx_done(&nc);
    *out = d;
    return 0;
}

bool fs_dir_entry(struct fs *fs, const struct fs_dir *d, size_t i, struct fs_attr *attr,
                  struct strbuf *content, const struct op_ctx *ctx)
{
    if (i < 2)
        return false;
    struct strbuf child = STRBUF_INIT;
    sb_printf(&child, "%s/%s", strcmp(d->path, "/") == 0 ? "" : d->path, d->ents[i].name);
    struct route crt;
    bool known = false;
    if (route_path(child.data, &crt) == 0) {
        /* From what is already cached only: a listing must not cost one
         * request per entry. */
        struct node_ctx pnc;
        node_ctx_init(&pnc, &fs->env, ctx, true);
        known = node_attr(&fs->env, &pnc.rctx, &crt, child.data, attr, content) == 0;
        node_ctx_done(&pnc);
    }
    sb_free(&child);
    return known;
}

struct fs_dir *fs_dir_ref(struct fs_dir *d)
{
    atomic_fetch_add(&d->refs, 1);
    return d;
}

void fs_dir_free(struct fs_dir *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    free(d->path);
    for (size_t i = 0; i < d->n; i++)
        free(d->ents[i].name);
    free(d->ents);
    free(d);
}

/* ---- writes --------------------------------------------------------------------- */

int fs_write(struct fs *fs, const char *path, const char *buf, size_t size,
             const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    const struct action *a = node_ops(rt.kind)->write;
    if (!a) /* a read-only file (root may open it for writing) */
        return -EACCES;
    if (size > VALUE_MAX_WRITE) {
        struct api_error e;
        api_error_set(&e, EINVAL, 0, NULL, "one value per write, at most 4096 bytes");
        return fail(ctx, &rt, &e, -EINVAL);
    }
    err = action_perform(&fs->m, a, &rt, buf, size, ctx);
    if (err)
        return err;
    /* A write moves the file's mtime, as on any filesystem: the kernel
     * sees new attributes and drops the pages the write went through. */
    nodemeta_touch(fs->meta, path);
    return (int)size;
}

/* Existence of a path for operations that change nothing. */
static int exists(struct fs *fs, const char *path, struct route *rt, const struct op_ctx *ctx)
{
    int err = route_path(path, rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    err = node_exists(&fs->env, &nc.rctx, rt);
    if (err)
        fail(ctx, rt, &nc.rctx.err, err);
    node_ctx_done(&nc);
    return err;
}

int fs_truncate(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    int err = exists(fs, path, &rt, ctx);
    if (err)
        return err;
    if (S_ISDIR(node_type(rt.kind)->mode))
        return -EISDIR;
    /* Truncation is how shells and cp open a file for writing: allowed,
     * and no request, on files that take writes. */
    return node_ops(rt.kind)->write ? 0 : -EACCES;
}

int fs_utimens(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    return exists(fs, path, &rt, ctx);
}

int fs_readlink(struct fs *fs, const char *path, char *buf, size_t size, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_typed(path, S_IFLNK, -EINVAL, &rt);
    if (err)
        return err;
    struct strbuf target = STRBUF_INIT;
    struct fs_attr a;
    err = fs_lookup(fs, path, &a, &target, ctx);
    if (!err && size > 0) {
        size_t n = target.len < size - 1 ? target.len : size - 1;
        memcpy(buf, target.data, n);
        buf[n] = '\0';
    }
    sb_free(&target);
    return err;
}

int fs_mkdir(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    /* A node can be made where the parent's parameter child has a make
     * action (domains/<name>): resolve the parent, then let the action
     * check the name (EINVAL, with its reason, before any request). */
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || !slash[1])
        return -EPERM;
    char *parent = xstrndup(path, (size_t)(slash - path));
    struct route rt;
    int err = route_path(parent, &rt);
    free(parent);
    if (err)
        return err == -ENOENT ? -EPERM : err;
    enum node_kind child = N_COUNT;
    for (int k = 0; k < N_COUNT; k++)
        if (k != N_ROOT && node_type(k)->parent == rt.kind && !node_type(k)->name)
            child = (enum node_kind)k;
    if (child == N_COUNT || !node_ops(child)->make || node_type(child)->param != P_DOMAIN)
        return -EPERM;
    rt.kind = child;
    rt.domain = slash + 1;
    return action_perform(&fs->m, node_ops(child)->make, &rt, NULL, 0, ctx);
}

int fs_rmdir(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    const struct action *remove = node_ops(rt.kind)->remove;
    if (!remove || !fs->m.cfg.allow_delete)
        return -EPERM;
    return action_perform(&fs->m, remove, &rt, NULL, 0, ctx);
}
