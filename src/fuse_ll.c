/* fuse_ll: the kernel's requests, through libfuse's low-level API, to
 * fs.c's operations. Inode numbers map to paths in the inode table; each
 * reply tells the kernel how long it may keep what it was told (the
 * remaining life of the data behind it), and the kernel is told when that
 * data changes (notify.c). No open and no opendir: the kernel keeps pages
 * and listings between reads, and asks again only when its attributes run
 * out or are dropped (SEMANTICS.md §7). */
#include "fuse_ll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "caller.h"
#include "clock.h"
#include "fuse_refuse.h"
#include "inodes.h"
#include "kattr.h"
#include "notify.h"
#include "stats.h"
#include "strbuf.h"

static struct fuse_ll *LL(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

static void count(enum kernel_op op)
{
    atomic_fetch_add(&g_stats.kernel_ops[op], 1);
}

/* The kernel sends an interrupt for any signal the caller gets; only a
 * fatal one may end the wait (as on NFS): a SIGCHLD or SIGWINCH must not
 * turn a slow read into EINTR for a shell loop. */
static bool interrupted(void *arg)
{
    fuse_req_t req = arg;
    return fuse_req_interrupted(req) && caller_killed(fuse_req_ctx(req)->pid);
}

static struct op_ctx op(fuse_req_t req, const char *name)
{
    struct op_ctx ctx = {.op = name, .interrupted = interrupted, .arg = req};
    return ctx;
}

static int path_of(struct fuse_ll *ll, fuse_ino_t ino, struct strbuf *path)
{
    return inodes_path(ll->inodes, ino, path) == 0 ? 0 : -ESTALE;
}

static int child_path(struct fuse_ll *ll, fuse_ino_t parent, const char *name, struct strbuf *path)
{
    int err = path_of(ll, parent, path);
    if (err)
        return err;
    if (path->len > 1)
        sb_putc(path, '/');
    sb_puts(path, name);
    return 0;
}

/* Look path up: its attributes and the bytes they describe (NULL for a
 * directory); false when it failed, and the request was answered so. */
static bool look_up(fuse_req_t req, struct fuse_ll *ll, const char *path, const struct op_ctx *ctx,
                    struct fs_attr *a, struct snapshot **snap)
{
    struct strbuf content = STRBUF_INIT;
    int err = fs_lookup(ll->fs, path, a, &content, ctx);
    *snap = err ? NULL : kattr_snapshot(a, &content);
    sb_free(&content);
    if (err)
        fuse_reply_err(req, -err);
    return !err;
}

/* Look path up and answer with its entry: the kernel holds it from now. */
static void reply_entry_for(fuse_req_t req, struct fuse_ll *ll, fuse_ino_t parent, const char *path,
                            const struct op_ctx *ctx)
{
    struct fs_attr a;
    struct snapshot *snap;
    int64_t asked = clock_mono_ms(); /* see inodes_offer */
    if (!look_up(req, ll, path, ctx, &a, &snap))
        return;
    uint64_t ino = nodemeta_ino(ll->fs->meta, path);
    /* Counted before the reply: a FORGET may follow it at once. */
    kattr_report(&a, inodes_ref(ll->inodes, ino, parent, path, snap, asked));
    struct fuse_entry_param e;
    kattr_entry(&ll->cfg, ino, &a, &e);
    if (fuse_reply_entry(req, &e) != 0)
        inodes_forget(ll->inodes, ino, 1);
}

/* Answer with ino's attributes, and keep the bytes they describe. */
static void reply_attr_for(fuse_req_t req, struct fuse_ll *ll, fuse_ino_t ino, const char *path,
                           const struct op_ctx *ctx)
{
    struct fs_attr a;
    int64_t asked = clock_mono_ms(); /* see inodes_offer */
    struct snapshot *snap = inodes_in_pass(ll->inodes, ino, asked);
    if (snap) {
        kattr_held(snap, &a); /* a reader part way through: nothing to render */
        snapshot_put(snap);
        atomic_fetch_add(&g_stats.pass_answers, 1);
    } else if (!look_up(req, ll, path, ctx, &a, &snap)) {
        return;
    } else if (snap) {
        kattr_report(&a, inodes_offer(ll->inodes, ino, snap, asked));
    }
    struct stat st;
    kattr_stat(&ll->cfg, ino, &a, &st);
    fuse_reply_attr(req, &st, kattr_seconds(a.valid_ms, ll->cfg.attr_timeout));
}

/* ---- the operations ------------------------------------------------------------ */

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
    (void)userdata;
    /* Every write(2) must reach us before it returns (SEMANTICS.md §5). */
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    /* Full attributes with every listing, not only the first. */
    conn->want |= FUSE_CAP_READDIRPLUS & conn->capable;
    conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
    /* New attributes (mtime, size) drop the kernel's pages of a file. */
    conn->want |= FUSE_CAP_AUTO_INVAL_DATA & conn->capable;
    conn->want |= FUSE_CAP_CACHE_SYMLINKS & conn->capable;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    count(KOP_LOOKUP);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    struct op_ctx ctx = op(req, "stat");
    int err = child_path(ll, parent, name, &path);
    if (err)
        fuse_reply_err(req, -err);
    else
        reply_entry_for(req, ll, parent, path.data, &ctx);
    sb_free(&path);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    count(KOP_FORGET);
    inodes_forget(LL(req)->inodes, ino, nlookup);
    fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t n, struct fuse_forget_data *forgets)
{
    count(KOP_FORGET);
    for (size_t i = 0; i < n; i++)
        inodes_forget(LL(req)->inodes, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    count(KOP_GETATTR);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    struct op_ctx ctx = op(req, "stat");
    int err = path_of(ll, ino, &path);
    if (err)
        fuse_reply_err(req, -err);
    else
        reply_attr_for(req, ll, ino, path.data, &ctx);
    sb_free(&path);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    (void)attr;
    (void)fi;
    count(KOP_SETATTR);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    int err = path_of(ll, ino, &path);
    struct op_ctx ctx = op(req, to_set & FUSE_SET_ATTR_SIZE ? "truncate" : "utimens");
    if (!err && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
        err = -EPERM;
    else if (!err && (to_set & FUSE_SET_ATTR_SIZE))
        err = fs_truncate(ll->fs, path.data, &ctx);
    else if (!err)
        err = fs_utimens(ll->fs, path.data, &ctx);
    if (err)
        fuse_reply_err(req, -err);
    else
        reply_attr_for(req, ll, ino, path.data, &ctx); /* nothing changed: the real size */
    sb_free(&path);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
    count(KOP_READLINK);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    int err = path_of(ll, ino, &path);
    char target[4096];
    if (!err) {
        struct op_ctx ctx = op(req, "readlink");
        err = fs_readlink(ll->fs, path.data, target, sizeof target, &ctx);
    }
    if (err)
        fuse_reply_err(req, -err);
    else
        fuse_reply_readlink(req, target);
    sb_free(&path);
}

/* mkdir (add a domain) and rmdir (delete a tenant): one action each. */
static void make_or_remove(fuse_req_t req, fuse_ino_t parent, const char *name, bool make)
{
    count(make ? KOP_MKDIR : KOP_RMDIR);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    struct op_ctx ctx = op(req, make ? "mkdir" : "rmdir");
    int err = child_path(ll, parent, name, &path);
    if (!err)
        err = make ? fs_mkdir(ll->fs, path.data, &ctx) : fs_rmdir(ll->fs, path.data, &ctx);
    if (make && !err)
        reply_entry_for(req, ll, parent, path.data, &ctx);
    else
        fuse_reply_err(req, -err);
    sb_free(&path);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    (void)mode;
    make_or_remove(req, parent, name, true);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    make_or_remove(req, parent, name, false);
}

/* No open calls: every read and write names the inode. */
static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    count(KOP_OPEN);
    fuse_reply_err(req, ENOSYS);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    count(KOP_OPENDIR);
    fuse_reply_err(req, ENOSYS);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    count(KOP_FLUSH);
    fuse_reply_err(req, ENOSYS); /* writes act in write(2), never at close */
}

/* The bytes the last attributes described: what the size promised. */
static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)fi;
    count(KOP_READ);
    struct fuse_ll *ll = LL(req);
    struct snapshot *s = inodes_read(ll->inodes, ino, off, size);
    if (!s) {
        fuse_reply_err(req, ESTALE);
        return;
    }
    size_t n = off >= 0 && (size_t)off < s->len ? s->len - (size_t)off : 0;
    fuse_reply_buf(req, n ? s->data + off : NULL, n < size ? n : size);
    snapshot_put(s);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    (void)off; /* one whole value per write(2): the offset means nothing */
    (void)fi;
    count(KOP_WRITE);
    struct fuse_ll *ll = LL(req);
    struct strbuf path = STRBUF_INIT;
    int err = path_of(ll, ino, &path);
    if (err) {
        fuse_reply_err(req, -err);
        sb_free(&path);
        return;
    }
    struct op_ctx ctx = op(req, "write");
    inodes_write_begin(ll->inodes, ino);
    int n = fs_write(ll->fs, path.data, buf, size, &ctx);
    if (n >= 0) {
        /* Read-your-writes for other readers too: what the write changed
         * reaches the kernel before write(2) returns (bounded: this inode's
         * own invalidation waits for the reply, and 1 s at most). */
        if (!notifier_wait(ll->notifier, notifier_seq(ll->notifier), 1000))
            atomic_fetch_add(&g_stats.notify_wait_timeouts, 1);
        fuse_reply_write(req, (size_t)n);
    } else {
        fuse_reply_err(req, -n);
    }
    if (inodes_write_end(ll->inodes, ino))
        notifier_inval_inode(ll->notifier, ino);
    sb_free(&path);
}

/* One listing per READDIR from offset 0; later offsets go on with it. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
    count(plus ? KOP_READDIRPLUS : KOP_READDIR);
    struct fuse_ll *ll = LL(req);
    int64_t asked = clock_mono_ms(); /* see inodes_offer */
    struct op_ctx ctx = op(req, "readdir");
    struct strbuf path = STRBUF_INIT;
    int err = path_of(ll, ino, &path);
    struct fs_dir *d = NULL;
    if (!err && off > 0)
        d = inodes_listing(ll->inodes, ino);
    if (!err && !d) {
        err = fs_opendir(ll->fs, path.data, &d, &ctx);
        if (!err)
            inodes_set_listing(ll->inodes, ino, fs_dir_ref(d));
    }
    if (err) {
        fuse_reply_err(req, -err);
        sb_free(&path);
        return;
    }
    char *buf = xmalloc(size);
    size_t pos = 0;
    struct strbuf child = STRBUF_INIT, content = STRBUF_INIT;
    for (size_t i = (size_t)off; i < d->n; i++) {
        const char *name = d->ents[i].name;
        sb_reset(&child);
        if (i == 0) {
            sb_puts(&child, path.data);
        } else if (i == 1) { /* "..": the parent, or the root's own */
            size_t cut = (size_t)(strrchr(path.data, '/') - path.data);
            sb_append(&child, path.data, cut ? cut : 1);
        } else {
            sb_printf(&child, "%s/%s", path.len > 1 ? path.data : "", name);
        }
        struct fuse_entry_param e = {0};
        e.attr.st_ino = nodemeta_ino(ll->fs->meta, child.data);
        e.attr.st_mode = d->ents[i].mode;
        struct fs_attr a;
        sb_reset(&content);
        /* Entries other than . and .. with full attributes count as
         * lookups; the others are names and modes only. */
        bool known = plus && fs_dir_entry(ll->fs, d, i, &a, &content, &ctx);
        if (known) {
            /* Counted before the reply (a FORGET may follow at once); an
             * entry that does not fit is given back. */
            kattr_report(&a, inodes_ref(ll->inodes, e.attr.st_ino, ino, child.data,
                                        kattr_snapshot(&a, &content), asked));
            kattr_entry(&ll->cfg, e.attr.st_ino, &a, &e);
        }
        size_t n = plus
                       ? fuse_add_direntry_plus(req, buf + pos, size - pos, name, &e, (off_t)i + 1)
                       : fuse_add_direntry(req, buf + pos, size - pos, name, &e.attr, (off_t)i + 1);
        if (n > size - pos) {
            if (known)
                inodes_forget(ll->inodes, e.ino, 1);
            break;
        }
        pos += n;
    }
    fuse_reply_buf(req, buf, pos);
    free(buf);
    sb_free(&child);
    sb_free(&content);
    sb_free(&path);
    fs_dir_free(d);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    (void)fi;
    do_readdir(req, ino, size, off, false);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    (void)fi;
    do_readdir(req, ino, size, off, true);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
    (void)ino;
    count(KOP_STATFS);
    struct statvfs st;
    memset(&st, 0, sizeof st);
    st.f_bsize = 4096;
    st.f_frsize = 4096;
    st.f_namemax = 255;
    fuse_reply_statfs(req, &st);
}

const struct fuse_lowlevel_ops tc_ll_ops = {
    .init = ll_init,
    .lookup = ll_lookup,
    .forget = ll_forget,
    .forget_multi = ll_forget_multi,
    .getattr = ll_getattr,
    .setattr = ll_setattr,
    .readlink = ll_readlink,
    .mknod = refuse_mknod,
    .mkdir = ll_mkdir,
    .unlink = refuse_unlink,
    .rmdir = ll_rmdir,
    .symlink = refuse_symlink,
    .rename = refuse_rename,
    .link = refuse_link,
    .open = ll_open,
    .read = ll_read,
    .write = ll_write,
    .flush = ll_flush,
    .opendir = ll_opendir,
    .readdir = ll_readdir,
    .readdirplus = ll_readdirplus,
    .statfs = ll_statfs,
    .setxattr = refuse_setxattr,
    .removexattr = refuse_removexattr,
    .create = refuse_create,
};

/* The mount's `changed` hook (only queues: it runs inside requests). */
static void kernel_changed(void *arg, const char *prefix, bool names)
{
    notifier_changed(((struct fuse_ll *)arg)->notifier, prefix, names);
}

void fuse_ll_init(struct fuse_ll *ll, struct fs *fs, const struct kattr_config *cfg)
{
    memset(ll, 0, sizeof *ll);
    ll->fs = fs;
    ll->cfg = *cfg;
    ll->inodes = inodes_new();
    fs->m.changed = kernel_changed;
    fs->m.changed_arg = ll;
}

void fuse_ll_start(struct fuse_ll *ll, struct fuse_session *se)
{
    ll->notifier = notifier_start(se, ll->inodes);
}

void fuse_ll_stop(struct fuse_ll *ll)
{
    ll->fs->m.changed = NULL;
    notifier_stop(ll->notifier);
    ll->notifier = NULL;
}

void fuse_ll_destroy(struct fuse_ll *ll)
{
    inodes_free(ll->inodes);
    ll->inodes = NULL;
}
