/* kattr: what the kernel is told about an inode (SEMANTICS.md §4.1, §7.5). */
#include "kattr.h"

#include <string.h>

static int64_t mtime_ns_of(const struct fs_attr *a)
{
    return (int64_t)a->mtime * 1000000000 + a->mtime_nsec;
}

static void set_mtime_ns(struct fs_attr *a, int64_t ns)
{
    a->mtime = (time_t)(ns / 1000000000);
    a->mtime_nsec = (long)(ns % 1000000000);
}

double kattr_seconds(int64_t valid_ms, double cap)
{
    if (valid_ms == FS_VALID_FOREVER)
        return cap;
    if (valid_ms == 0)
        return 0; /* changes on its own (stats.json, the errors file): asked for every time */
    double s = (double)valid_ms / 1000.0;
    if (s > cap)
        s = cap;
    return s > KATTR_MIN_VALID ? s : KATTR_MIN_VALID;
}

void kattr_stat(const struct kattr_config *cfg, uint64_t ino, const struct fs_attr *a,
                struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_mode = a->mode;
    st->st_nlink = a->nlink;
    st->st_size = a->size;
    st->st_blksize = 4096;
    st->st_blocks = (a->size + 511) / 512;
    st->st_uid = cfg->uid;
    st->st_gid = cfg->gid;
    st->st_mtim.tv_sec = a->mtime;
    st->st_mtim.tv_nsec = a->mtime_nsec;
    st->st_ctim = st->st_atim = st->st_mtim;
}

void kattr_entry(const struct kattr_config *cfg, uint64_t ino, const struct fs_attr *a,
                 struct fuse_entry_param *e)
{
    memset(e, 0, sizeof *e);
    e->ino = ino;
    kattr_stat(cfg, ino, a, &e->attr);
    e->attr_timeout = kattr_seconds(a->valid_ms, cfg->attr_timeout);
    /* What changes on its own (stats) still exists for good. */
    e->entry_timeout =
        kattr_seconds(a->valid_ms ? a->valid_ms : FS_VALID_FOREVER, cfg->entry_timeout);
}

struct snapshot *kattr_snapshot(const struct fs_attr *a, const struct strbuf *content)
{
    if (S_ISDIR(a->mode))
        return NULL;
    struct snapshot *s =
        snapshot_new(content->data ? content->data : "", content->len, mtime_ns_of(a));
    s->link = S_ISLNK(a->mode);
    s->mode = a->mode;
    s->live = a->valid_ms == 0;
    return s;
}

void kattr_held(const struct snapshot *held, struct fs_attr *a)
{
    memset(a, 0, sizeof *a);
    a->mode = held->mode;
    a->nlink = 1;
    a->size = (off_t)held->len;
    set_mtime_ns(a, held->mtime_ns);
    a->valid_ms = KATTR_PINNED_VALID_MS;
}

void kattr_report(struct fs_attr *a, struct snapshot *rep)
{
    if (!rep)
        return;
    if (rep->len != (size_t)a->size || rep->mtime_ns != mtime_ns_of(a)) {
        a->size = (off_t)rep->len;
        set_mtime_ns(a, rep->mtime_ns);
        if (a->valid_ms > KATTR_PINNED_VALID_MS)
            a->valid_ms = KATTR_PINNED_VALID_MS;
    }
    snapshot_put(rep);
}
