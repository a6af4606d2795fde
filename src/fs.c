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

/* ---- where render contexts get resources ------------------------------- */

struct fs_source {
    struct fs *fs;
    struct wait_ctx wait;
};

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

static void ctx_init(struct render_ctx *rc, struct fs_source *s, struct fs *fs,
                     const struct op_ctx *ctx, bool peek)
{
    source_init(s, fs, ctx);
    struct res_source src = {.get = source_get, .prefetch = source_prefetch, .arg = s};
    render_ctx_init(rc, &src, peek, fs);
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

/* ---- existence and listings -------------------------------------------- */

static int check_exists(struct fs *fs, struct render_ctx *rc, const struct route *rt)
{
    const cJSON *item;
    int err;
    if (rt->tenant && (err = rc_tenant(rc, rt->tenant, &item)))
        return err;
    if (rt->domain && (err = rc_domain(rc, rt->tenant, rt->domain, &item)))
        return err;
    if (rt->mailbox && (err = rc_mailbox(rc, rt->tenant, rt->mailbox, &item)))
        return err;
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

struct names {
    char **v;
    size_t n, cap;
};

static void names_add(struct names *ns, const char *s)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n++] = xstrdup(s);
}

static bool names_has(const struct names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return true;
    return false;
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

/* The entries of a directory; *list is its list resource if it has one. */
static int list_dir(struct fs *fs, struct render_ctx *rc, const struct route *rt,
                    struct names *ns, const struct resource **list)
{
    *list = NULL;
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type(k);
        if (k == N_ROOT || t->parent != rt->kind || !t->name)
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

static uint64_t names_hash(const struct names *ns)
{
    struct strbuf all = STRBUF_INIT;
    for (size_t i = 0; i < ns->n; i++)
        sb_append(&all, ns->v[i], strlen(ns->v[i]) + 1);
    uint64_t h = content_hash(all.data ? all.data : "", all.len);
    sb_free(&all);
    return h;
}

/* Attributes of an existing-or-not node; content (optional) receives the
 * bytes of a file or the target of a link. */
static int node_attr(struct fs *fs, struct render_ctx *rc, const struct route *rt,
                     const char *path, struct fs_attr *a, struct strbuf *content)
{
    const struct node_type *t = node_type(rt->kind);
    int err = check_exists(fs, rc, rt);
    if (err)
        return err;
    memset(a, 0, sizeof *a);
    a->mode = t->mode;
    a->nlink = 1;
    if (S_ISDIR(t->mode)) {
        struct names ns = {0};
        const struct resource *list;
        err = list_dir(fs, rc, rt, &ns, &list);
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
            time_t served = nodemeta_served(fs->meta, path, content_hash(out->data ? out->data : "", out->len), 0);
            a->mtime = served > rc->stamp ? served : rc->stamp;
        }
    }
    sb_free(&local);
    return err;
}

int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx)
{
    struct route rt;
    int err = route_path(path, &rt);
    if (err)
        return err;
    struct fs_source s;
    struct render_ctx rc;
    ctx_init(&rc, &s, fs, ctx, false);
    err = node_attr(fs, &rc, &rt, path, attr, NULL);
    if (err)
        fail(ctx, &rt, &rc.err, err);
    else if (S_ISREG(attr->mode))
        nodemeta_reported(fs->meta, path, attr->size);
    render_ctx_done(&rc);
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
    struct fs_source s;
    struct render_ctx rc;
    ctx_init(&rc, &s, fs, ctx, false);
    struct names ns = {0};
    const struct resource *list = NULL;
    err = check_exists(fs, &rc, &rt);
    if (!err)
        err = list_dir(fs, &rc, &rt, &ns, &list);
    if (err) {
        fail(ctx, &rt, &rc.err, err);
        render_ctx_done(&rc);
        names_free(&ns);
        return err;
    }
    nodemeta_served(fs->meta, path, names_hash(&ns), fs->mount_time);
    if (fs->cfg.prefetch)
        prefetch_arm(fs->prefetcher, &rt, list);

    struct fs_dir *d = xcalloc(1, sizeof *d);
    size_t cap = 0;
    dir_add(d, &cap, ".");
    d->ents[0].attr.mode = S_IFDIR | 0755;
    dir_add(d, &cap, "..");
    d->ents[1].attr.mode = S_IFDIR | 0755;
    struct strbuf child = STRBUF_INIT;
    for (size_t i = 0; i < ns.n; i++) {
        struct route crt;
        if (route_child(&rt, ns.v[i], &crt) != 0)
            continue;
        dir_add(d, &cap, ns.v[i]);
        struct fs_dirent *e = &d->ents[d->n - 1];
        e->attr.mode = node_type(crt.kind)->mode;
        /* Full attributes only from what is already cached: listing must
         * not cost one request per entry. */
        sb_reset(&child);
        route_format(&crt, &child);
        struct fs_source ps;
        struct render_ctx prc;
        ctx_init(&prc, &ps, fs, ctx, true);
        if (node_attr(fs, &prc, &crt, child.data, &e->attr, NULL) == 0) {
            e->attr_known = true;
            if (S_ISREG(e->attr.mode))
                nodemeta_reported(fs->meta, child.data, e->attr.size);
        } else {
            e->attr.mode = node_type(crt.kind)->mode;
        }
        render_ctx_done(&prc);
    }
    sb_free(&child);
    names_free(&ns);
    render_ctx_done(&rc);
    handle_track(fs, &d->h, dir_free);
    *out = d;
    return 0;
}

static void dir_free(struct fs_handle *h)
{
    struct fs_dir *d = (struct fs_dir *)h;
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
        struct fs_source s;
        struct render_ctx rc;
        ctx_init(&rc, &s, fs, ctx, false);
        struct strbuf content = STRBUF_INIT;
        struct fs_attr a;
        err = node_attr(fs, &rc, &f->rt, path, &a, &content);
        if (err) {
            fail(ctx, &f->rt, &rc.err, err);
            render_ctx_done(&rc);
            sb_free(&content);
            file_free(&f->h);
            return err;
        }
        render_ctx_done(&rc);
        f->mtime = a.mtime;
        f->data = sb_detach(&content, &f->len);
        if (!f->direct_io) {
            bool size_ok, pages_ok;
            nodemeta_opened(fs->meta, path, content_hash(f->data, f->len), (off_t)f->len,
                            &size_ok, &pages_ok);
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
    struct fs_source s;
    struct render_ctx rc;
    ctx_init(&rc, &s, fs, ctx, false);
    err = check_exists(fs, &rc, rt);
    if (err)
        fail(ctx, rt, &rc.err, err);
    render_ctx_done(&rc);
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
    struct fs_source s;
    struct render_ctx rc;
    ctx_init(&rc, &s, fs, ctx, false);
    struct strbuf target = STRBUF_INIT;
    struct fs_attr a;
    err = node_attr(fs, &rc, &rt, path, &a, &target);
    if (err) {
        fail(ctx, &rt, &rc.err, err);
    } else if (size > 0) {
        size_t n = target.len < size - 1 ? target.len : size - 1;
        memcpy(buf, target.data, n);
        buf[n] = '\0';
    }
    sb_free(&target);
    render_ctx_done(&rc);
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

pthread_mutex_t *fs_write_lock(struct fs *fs, const char *tenant, const char *sub,
                               const char *what)
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
