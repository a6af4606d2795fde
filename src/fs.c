/* fs: routes, existence, attributes, listings and snapshots. Every read
 * goes route → render context → cache; every write to the node's action. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "errlog.h"
#include "prefetch.h"
#include "render.h"
#include "strbuf.h"
#include "values.h"
#include "actions.h"
#include "names.h"
#include "node.h"

void fs_init(struct fs *fs, const struct fs_config *cfg, struct cache *cache, struct api *api)
{
    memset(fs, 0, sizeof *fs);
    fs->cfg = *cfg;
    fs->cache = cache;
    fs->api = api;
    fs->meta = nodemeta_new();
    fs->results = results_new();
    fs->prefetcher = prefetcher_new(cache);
    fs->mount_time = clock_wall();
    for (int i = 0; i < FS_WRITE_LOCKS; i++)
        pthread_mutex_init(&fs->write_locks[i], NULL);
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
    results_free(fs->results);
    prefetcher_free(fs->prefetcher);
    for (int i = 0; i < FS_WRITE_LOCKS; i++)
        pthread_mutex_destroy(&fs->write_locks[i]);
}

/* ---- errors ------------------------------------------------------------ */

static bool is_write_op(const char *op)
{
    return strcmp(op, "write") == 0 || strcmp(op, "mkdir") == 0 || strcmp(op, "rmdir") == 0;
}

void fs_fail_path(const struct op_ctx *ctx, const char *path, const struct api_error *e)
{
    const char *op = ctx && ctx->op ? ctx->op : "?";
    /* Names that do not exist and interrupted waits are not failures of the
     * API; logging every shell's probe for a missing name would bury the
     * failures that matter. */
    if ((e->err == ENOENT && !is_write_op(op)) || e->err == EINTR || e->err == ENODATA)
        return;
    errlog_add(op, path, e);
}

void fs_fail(const struct op_ctx *ctx, const struct route *rt, const struct api_error *e)
{
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    fs_fail_path(ctx, p.data, e);
    sb_free(&p);
}

static int fail(const struct op_ctx *ctx, const struct route *rt, struct api_error *e, int rc)
{
    if (e->err == 0)
        e->err = -rc;
    fs_fail(ctx, rt, e);
    return rc;
}

int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, fs, ctx, false);
    struct render_ctx *rc = &nc.rc;
    err = node_attr(fs, rc, &rt, path, attr, NULL);
    if (err)
        fail(ctx, &rt, &rc->err, err);
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
    node_ctx_init(&nc, fs, ctx, false);
    struct render_ctx *rc = &nc.rc;
    struct names ns = {0};
    const struct resource *list = NULL;
    err = node_exists(fs, rc, &rt);
    if (!err)
        err = node_list(fs, rc, &rt, &ns, &list);
    if (err) {
        fail(ctx, &rt, &rc->err, err);
        node_ctx_done(&nc);
        names_free(&ns);
        return err;
    }
    uint64_t listing = names_hash(&ns);
    nodemeta_served(fs->meta, path, listing, fs->mount_time);
    if (fs->cfg.prefetch)
        prefetch_arm(fs->prefetcher, &rt, list);

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
        node_ctx_init(&pnc, fs, ctx, true);
        struct fs_attr a;
        if (node_attr(fs, &pnc.rc, &crt, child.data, &a, NULL) == 0) {
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
    if (writable && !t->write)
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
        node_ctx_init(&nc, fs, ctx, false);
        struct render_ctx *rc = &nc.rc;
        struct strbuf content = STRBUF_INIT;
        struct fs_attr a;
        err = node_attr(fs, rc, &f->rt, path, &a, &content);
        if (err) {
            fail(ctx, &f->rt, &rc->err, err);
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
    const struct node_type *t = node_type(f->rt.kind);
    if (!f->writable || !t->write)
        return -EBADF;
    if (size > VALUE_MAX_WRITE) {
        struct api_error e;
        api_error_set(&e, EINVAL, 0, NULL, "one value per write, at most 4096 bytes");
        return fail(ctx, &f->rt, &e, -EINVAL);
    }
    int err = t->write(fs, &f->rt, buf, size, ctx);
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
    attr->mtime = f->mtime ? f->mtime : fs->mount_time;
}

/* Existence of a path for operations that change nothing. */
static int exists(struct fs *fs, const char *path, struct route *rt, const struct op_ctx *ctx)
{
    int err = route_path(path, rt);
    if (err)
        return err;
    struct node_ctx nc;
    node_ctx_init(&nc, fs, ctx, false);
    struct render_ctx *rc = &nc.rc;
    err = node_exists(fs, rc, rt);
    if (err)
        fail(ctx, rt, &rc->err, err);
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
    return t->write ? 0 : -EACCES;
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
    node_ctx_init(&nc, fs, ctx, false);
    struct render_ctx *rc = &nc.rc;
    struct strbuf target = STRBUF_INIT;
    struct fs_attr a;
    err = node_attr(fs, rc, &rt, path, &a, &target);
    if (err) {
        fail(ctx, &rt, &rc->err, err);
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
    /* Only tenants/<t>/domains/<name> can be made: resolve the parent. */
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return -EPERM;
    char *parent = xstrndup(path, (size_t)(slash - path));
    struct route prt;
    int err = route_path(parent, &prt);
    free(parent);
    if (err)
        return err == -ENOENT ? -EPERM : err;
    if (prt.kind != N_DOMAINS)
        return -EPERM;
    const char *why = NULL;
    struct route rt;
    if (value_check_domain(slash + 1, &why) != 0 || route_path(path, &rt) != 0) {
        struct api_error e;
        api_error_set(&e, EINVAL, 0, NULL, why ? why : "not a valid domain name");
        fs_fail_path(ctx, path, &e);
        return -EINVAL;
    }
    return action_add_domain(fs, &rt, ctx);
}

int fs_rmdir(struct fs *fs, const char *path, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    if (rt.kind != N_TENANT || !fs->cfg.allow_delete)
        return -EPERM;
    return action_delete_tenant(fs, &rt, ctx);
}

/* ---- for actions ------------------------------------------------------------ */

pthread_mutex_t *fs_write_lock(struct fs *fs, const char *tenant, const char *sub, const char *what)
{
    struct strbuf key = STRBUF_INIT;
    sb_printf(&key, "%s\n%s\n%s", tenant ? tenant : "", sub ? sub : "", what ? what : "");
    uint64_t h = content_hash(key.data, key.len);
    sb_free(&key);
    return &fs->write_locks[h % FS_WRITE_LOCKS];
}

static void collect_path(const char *path, void *arg)
{
    names_add(arg, path);
}

void fs_changed(struct fs *fs, const char *api_prefix, const char *fs_prefix)
{
    if (api_prefix)
        cache_drop_prefix(fs->cache, api_prefix);
    if (!fs_prefix)
        return;
    struct names ns = {0};
    nodemeta_foreach(fs->meta, fs_prefix, collect_path, &ns);
    for (size_t i = 0; i < ns.n; i++) {
        nodemeta_forget_kernel(fs->meta, ns.v[i]);
        if (fs->notify)
            fs->notify(fs->notify_arg, ns.v[i]);
    }
    names_free(&ns);
}
