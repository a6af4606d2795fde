/* fs: routes, existence, attributes, listings and snapshots. Every read
 * goes route → render context → cache; every write to the node's action. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "names.h"
#include "node.h"
#include "nodeops.h"
#include "strbuf.h"
#include "values.h"

static void kernel_changed(void *arg, const char *prefix);

void fs_init(struct fs *fs, const struct mount_config *cfg, struct cache *cache,
             const struct api_writer *writer)
{
    memset(fs, 0, sizeof *fs);
    mount_init(&fs->m, cfg, cache, writer);
    fs->m.changed = kernel_changed;
    fs->m.changed_arg = fs;
    fs->meta = nodemeta_new();
    fs->prefetcher = prefetcher_new(cache);
    fs->env = (struct node_env){.m = &fs->m, .meta = fs->meta, .prefetcher = fs->prefetcher};
    pthread_mutex_init(&fs->open_lock, NULL);
}

static void handle_track(struct fs *fs, struct fs_handle *h, void (*free_fn)(struct fs_handle *))
{
    h->free = free_fn;
    pthread_mutex_lock(&fs->open_lock);
    h->prev = NULL;
    h->next = fs->open_handles;
    if (h->next)
        h->next->prev = h;
    fs->open_handles = h;
    pthread_mutex_unlock(&fs->open_lock);
}

static void dir_free(struct fs_handle *h);
static void file_free(struct fs_handle *h);

static void handle_untrack(struct fs *fs, struct fs_handle *h)
{
    pthread_mutex_lock(&fs->open_lock);
    if (h->prev)
        h->prev->next = h->next;
    else if (fs->open_handles == h)
        fs->open_handles = h->next;
    if (h->next)
        h->next->prev = h->prev;
    h->prev = h->next = NULL;
    pthread_mutex_unlock(&fs->open_lock);
}

void fs_destroy(struct fs *fs)
{
    while (fs->open_handles) {
        struct fs_handle *h = fs->open_handles;
        fs->open_handles = h->next;
        h->free(h);
    }
    pthread_mutex_destroy(&fs->open_lock);
    nodemeta_free(fs->meta);
    prefetcher_free(fs->prefetcher);
    mount_destroy(&fs->m);
}

/* ---- errors ------------------------------------------------------------ */

static void fail_route(const struct op_ctx *ctx, const struct route *rt, const struct api_error *e)
{
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    mount_fail(ctx, p.data, e);
    sb_free(&p);
}

static int fail(const struct op_ctx *ctx, const struct route *rt, struct api_error *e, int rc)
{
    if (e->err == 0)
        e->err = -rc;
    fail_route(ctx, rt, e);
    return rc;
}

int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    struct render_ctx *rctx = &nc.rctx;
    err = node_attr(&fs->env, rctx, &rt, path, attr, NULL);
    if (err)
        fail(ctx, &rt, &rctx->err, err);
    else if (S_ISREG(attr->mode))
        nodemeta_reported(fs->meta, path, attr->size);
    node_ctx_done(&nc);
    return err;
}

/* ---- directories ----------------------------------------------------------- */

static void dir_add(struct fs_dir *d, size_t *cap, const char *name)
{
    if (d->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        d->ents = xrealloc(d->ents, *cap * sizeof *d->ents);
    }
    memset(&d->ents[d->n], 0, sizeof d->ents[d->n]);
    d->ents[d->n].name = xstrdup(name);
    d->n++;
}

int fs_opendir(struct fs *fs, const char *path, struct fs_dir **out, const struct op_ctx *ctx)
{
    *out = NULL;
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    if (!S_ISDIR(node_type(rt.kind)->mode))
        return -ENOTDIR;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    struct render_ctx *rctx = &nc.rctx;
    struct names ns = {0};
    const struct resource *list = NULL;
    err = node_exists(&fs->env, rctx, &rt);
    if (!err)
        err = node_list(&fs->env, rctx, &rt, &ns, &list);
    if (err) {
        fail(ctx, &rt, &rctx->err, err);
        node_ctx_done(&nc);
        names_free(&ns);
        return err;
    }
    uint64_t listing = names_hash(&ns);
    nodemeta_served(fs->meta, path, listing, fs->m.mount_time);
    const struct node_ops *ops = node_ops(rt.kind);
    if (fs->m.cfg.prefetch)
        prefetch_arm(fs->prefetcher, ops->list == RES_TENANTS ? NULL : rt.tenant, list, ops->warm,
                     ops->nwarm);

    struct fs_dir *d = xcalloc(1, sizeof *d);
    d->path = xstrdup(path);
    size_t cap = 0;
    dir_add(d, &cap, ".");
    d->ents[0].attr.mode = S_IFDIR | 0755;
    d->ents[0].attr_tried = true;
    dir_add(d, &cap, "..");
    d->ents[1].attr.mode = S_IFDIR | 0755;
    d->ents[1].attr_tried = true;
    for (size_t i = 0; i < ns.n; i++) {
        struct route crt;
        if (route_child(&rt, ns.v[i], &crt) != 0)
            continue;
        dir_add(d, &cap, ns.v[i]);
        d->ents[d->n - 1].attr.mode = node_type(crt.kind)->mode;
    }
    names_free(&ns);
    node_ctx_done(&nc);
    handle_track(fs, &d->h, dir_free);
    *out = d;
    return 0;
}

void fs_dir_attr(struct fs *fs, struct fs_dir *d, size_t i, const struct op_ctx *ctx)
{
    struct fs_dirent *e = &d->ents[i];
    if (e->attr_tried)
        return;
    e->attr_tried = true;
    struct strbuf child = STRBUF_INIT;
    sb_printf(&child, "%s/%s", strcmp(d->path, "/") == 0 ? "" : d->path, e->name);
    struct route crt;
    if (route_path(child.data, &crt) == 0) {
        /* Full attributes only from what is already cached: listing must
         * not cost one request per entry. */
        struct node_ctx pnc;
        node_ctx_init(&pnc, &fs->env, ctx, true);
        struct fs_attr a;
        if (node_attr(&fs->env, &pnc.rctx, &crt, child.data, &a, NULL) == 0) {
            e->attr = a;
            e->attr_known = true;
            if (S_ISREG(a.mode))
                nodemeta_reported(fs->meta, child.data, a.size);
        }
        node_ctx_done(&pnc);
    }
    sb_free(&child);
}

static void dir_free(struct fs_handle *h)
{
    struct fs_dir *d = (struct fs_dir *)h;
    free(d->path);
    for (size_t i = 0; i < d->n; i++)
        free(d->ents[i].name);
    free(d->ents);
    free(d);
}

void fs_dir_free(struct fs *fs, struct fs_dir *d)
{
    if (!d)
        return;
    handle_untrack(fs, &d->h);
    dir_free(&d->h);
}

/* ---- files ------------------------------------------------------------------ */

int fs_open(struct fs *fs, const char *path, int flags, struct fs_file **out,
            const struct op_ctx *ctx)
{
    *out = NULL;
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    const struct node_type *t = node_type(rt.kind);
    if (S_ISDIR(t->mode))
        return -EISDIR;
    if (!S_ISREG(t->mode))
        return -ELOOP;
    int acc = flags & O_ACCMODE;
    bool writable = acc != O_RDONLY, readable = acc != O_WRONLY;
    if (writable && !node_ops(rt.kind)->write)
        return -EACCES;

    struct fs_file *f = xcalloc(1, sizeof *f);
    f->rt = rt;
    /* Captured names point into rt.storage: re-resolve in the copy. */
    route_path(path, &f->rt);
    f->path = xstrdup(path);
    f->readable = readable;
    f->writable = writable;
    f->direct_io = writable || (t->flags & NF_VOLATILE);
    if (readable) {
        struct node_ctx nc;
        node_ctx_init(&nc, &fs->env, ctx, false);
        struct render_ctx *rctx = &nc.rctx;
        struct strbuf content = STRBUF_INIT;
        struct fs_attr a;
        err = node_attr(&fs->env, rctx, &f->rt, path, &a, &content);
        if (err) {
            fail(ctx, &f->rt, &rctx->err, err);
            node_ctx_done(&nc);
            sb_free(&content);
            file_free(&f->h);
            return err;
        }
        node_ctx_done(&nc);
        f->mtime = a.mtime;
        f->data = sb_detach(&content, &f->len);
        if (!f->direct_io) {
            bool size_ok, pages_ok;
            nodemeta_opened(fs->meta, path, content_hash(f->data, f->len), (off_t)f->len, &size_ok,
                            &pages_ok);
            if (!size_ok) {
                /* The kernel may hold an older size for up to attr_timeout:
                 * read this snapshot past it, and have the size refreshed. */
                f->direct_io = true;
                if (fs->notify)
                    fs->notify(fs->notify_arg, path);
            }
            f->keep_cache = pages_ok;
        }
    }
    handle_track(fs, &f->h, file_free);
    *out = f;
    return 0;
}

int fs_read(struct fs_file *f, char *buf, size_t size, off_t off)
{
    if (!f->readable)
        return -EBADF;
    if (off < 0 || (size_t)off >= f->len)
        return 0;
    size_t n = f->len - (size_t)off;
    if (n > size)
        n = size;
    memcpy(buf, f->data + off, n);
    return (int)n;
}

int fs_write(struct fs *fs, struct fs_file *f, const char *buf, size_t size,
             const struct op_ctx *ctx)
{
    const struct action *a = node_ops(f->rt.kind)->write;
    if (!f->writable || !a)
        return -EBADF;
    if (size > VALUE_MAX_WRITE) {
        struct api_error e;
        api_error_set(&e, EINVAL, 0, NULL, "one value per write, at most 4096 bytes");
        return fail(ctx, &f->rt, &e, -EINVAL);
    }
    int err = action_perform(&fs->m, a, &f->rt, buf, size, ctx);
    return err ? err : (int)size;
}

static void file_free(struct fs_handle *h)
{
    struct fs_file *f = (struct fs_file *)h;
    free(f->path);
    free(f->data);
    free(f);
}

void fs_release(struct fs *fs, struct fs_file *f)
{
    if (!f)
        return;
    handle_untrack(fs, &f->h);
    file_free(&f->h);
}

void fs_file_attr(struct fs *fs, const struct fs_file *f, struct fs_attr *attr)
{
    memset(attr, 0, sizeof *attr);
    attr->mode = node_type(f->rt.kind)->mode;
    attr->nlink = 1;
    attr->size = (off_t)f->len;
    attr->mtime = f->mtime ? f->mtime : fs->m.mount_time;
}

/* Existence of a path for operations that change nothing. */
static int exists(struct fs *fs, const char *path, struct route *rt, const struct op_ctx *ctx)
{
    int err = route_path(path, rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    struct render_ctx *rctx = &nc.rctx;
    err = node_exists(&fs->env, rctx, rt);
    if (err)
        fail(ctx, rt, &rctx->err, err);
    node_ctx_done(&nc);
    return err;
}

int fs_truncate(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    int err = exists(fs, path, &rt, ctx);
    if (err)
        return err;
    const struct node_type *t = node_type(rt.kind);
    if (S_ISDIR(t->mode))
        return -EISDIR;
    /* Truncation is how shells and cp open a file for writing: allowed,
     * and no request, on files that take writes. */
    return node_ops(rt.kind)->write ? 0 : -EACCES;
}

int fs_ftruncate(const struct fs_file *f)
{
    return f->writable ? 0 : -EACCES;
}

int fs_utimens(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    return exists(fs, path, &rt, ctx);
}

int fs_readlink(struct fs *fs, const char *path, char *buf, size_t size, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    if (!S_ISLNK(node_type(rt.kind)->mode))
        return -EINVAL;
    struct node_ctx nc;
    node_ctx_init(&nc, &fs->env, ctx, false);
    struct render_ctx *rctx = &nc.rctx;
    struct strbuf target = STRBUF_INIT;
    struct fs_attr a;
    err = node_attr(&fs->env, rctx, &rt, path, &a, &target);
    if (err) {
        fail(ctx, &rt, &rctx->err, err);
    } else if (size > 0) {
        size_t n = target.len < size - 1 ? target.len : size - 1;
        memcpy(buf, target.data, n);
        buf[n] = '\0';
    }
    sb_free(&target);
    node_ctx_done(&nc);
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

/* ---- the kernel ------------------------------------------------------------- */

struct changed_paths {
    const char *prefix;
    size_t len;
    struct names paths;
};

/* Paths at or below the prefix, component by component ("/tenants/a" is
 * not below "/tenants/ab"). */
static void collect_under(const char *path, void *arg)
{
    struct changed_paths *c = arg;
    char next = path[c->len];
    if (next == '\0' || next == '/' || c->prefix[c->len - 1] == '/')
        names_add(&c->paths, path);
}

/* The mount's `changed` hook: what the kernel was told about every path
 * under prefix is forgotten, and the kernel is told to drop it. */
static void kernel_changed(void *arg, const char *prefix)
{
    struct fs *fs = arg;
    struct changed_paths c = {.prefix = prefix, .len = strlen(prefix)};
    if (c.len == 0)
        return;
    nodemeta_foreach(fs->meta, prefix, collect_under, &c);
    for (size_t i = 0; i < c.paths.n; i++) {
        nodemeta_forget_kernel(fs->meta, c.paths.v[i]);
        if (fs->notify)
            fs->notify(fs->notify_arg, c.paths.v[i]);
    }
    names_free(&c.paths);
}
