/* fuse_ops: convert between libfuse's structures and fs.c's. Nothing here
 * decides anything (which kernel requests fail is fs.c's); the one thing
 * that is libfuse's own is telling a fatal signal from any other. */
#include "fuse_ops.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "fs.h"

static struct fs *the_fs(void)
{
    return fuse_get_context()->private_data;
}

/* Whether thread tid has SIGKILL pending: the kernel queues it for a
 * signal whose action is to terminate (Ctrl-C, SIGTERM, SIGKILL). */
static bool fatal_signal_pending(pid_t tid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true; /* the process is gone: nobody waits for the answer */
    bool fatal = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long long mask;
        if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
            (mask & (1ULL << (SIGKILL - 1))))
            fatal = true;
    }
    fclose(f);
    return fatal;
}

/* The kernel sends an interrupt for any signal the reader gets; only a
 * fatal one may end the wait (as on NFS): a SIGCHLD or SIGWINCH must not
 * turn a slow read into EINTR for a shell loop. */
static bool interrupted(void *arg)
{
    (void)arg;
    return fuse_interrupted() && fatal_signal_pending(fuse_get_context()->pid);
}

#define OP(name) {.op = (name), .interrupted = interrupted, .arg = NULL}

static void to_stat(const struct fs *fs, const struct fs_attr *a, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = a->mode;
    st->st_nlink = a->nlink;
    st->st_size = a->size;
    st->st_blksize = 4096;
    st->st_blocks = (a->size + 511) / 512;
    st->st_uid = fs->m.cfg.uid;
    st->st_gid = fs->m.cfg.gid;
    st->st_mtime = st->st_ctime = st->st_atime = a->mtime;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct fs *fs = the_fs();
    struct fs_attr a;
    if (fi && fi->fh) {
        fs_file_attr(fs, (struct fs_file *)(uintptr_t)fi->fh, &a);
    } else {
        struct op_ctx ctx = OP("stat");
        int err = fs_getattr(fs, path, &a, &ctx);
        if (err)
            return err;
    }
    to_stat(fs, &a, st);
    return 0;
}

static int op_opendir(const char *path, struct fuse_file_info *fi)
{
    struct op_ctx ctx = OP("readdir");
    struct fs_dir *d;
    int err = fs_opendir(the_fs(), path, &d, &ctx);
    if (err)
        return err;
    fi->fh = (uintptr_t)d;
    return 0;
}

/* Offsets are entry numbers + 1 over the listing taken at opendir: with
 * increasing non-zero offsets libfuse passes FUSE_FILL_DIR_PLUS through. */
static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)path;
    (void)flags;
    struct fs *fs = the_fs();
    struct fs_dir *d = (struct fs_dir *)(uintptr_t)fi->fh;
    struct op_ctx ctx = OP("readdir");
    for (size_t i = (size_t)off; i < d->n; i++) {
        fs_dir_attr(fs, d, i, &ctx);
        struct stat st;
        to_stat(fs, &d->ents[i].attr, &st);
        enum fuse_fill_dir_flags fl = d->ents[i].attr_known ? FUSE_FILL_DIR_PLUS : 0;
        if (filler(buf, d->ents[i].name, &st, (off_t)i + 1, fl))
            break;
    }
    return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    fs_dir_free(the_fs(), (struct fs_dir *)(uintptr_t)fi->fh);
    return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
    struct op_ctx ctx = OP("open");
    struct fs_file *f;
    int err = fs_open(the_fs(), path, fi->flags, &f, &ctx);
    if (err)
        return err;
    fi->fh = (uintptr_t)f;
    fi->direct_io = f->direct_io;
    fi->keep_cache = f->keep_cache;
    return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    return fs_read((struct fs_file *)(uintptr_t)fi->fh, buf, size, off);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)path;
    (void)off; /* one whole value per write(2); the offset means nothing */
    struct op_ctx ctx = OP("write");
    return fs_write(the_fs(), (struct fs_file *)(uintptr_t)fi->fh, buf, size, &ctx);
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    fs_release(the_fs(), (struct fs_file *)(uintptr_t)fi->fh);
    return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    (void)size;
    struct fs *fs = the_fs();
    if (fi && fi->fh)
        return fs_ftruncate((struct fs_file *)(uintptr_t)fi->fh);
    struct op_ctx ctx = OP("truncate");
    return fs_truncate(fs, path, &ctx);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    (void)tv;
    if (fi && fi->fh)
        return 0;
    struct op_ctx ctx = OP("utimens");
    return fs_utimens(the_fs(), path, &ctx);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
    struct op_ctx ctx = OP("readlink");
    return fs_readlink(the_fs(), path, buf, size, &ctx);
}

static int op_mkdir(const char *path, mode_t mode)
{
    (void)mode;
    struct op_ctx ctx = OP("mkdir");
    return fs_mkdir(the_fs(), path, &ctx);
}

static int op_rmdir(const char *path)
{
    struct op_ctx ctx = OP("rmdir");
    return fs_rmdir(the_fs(), path, &ctx);
}

static int op_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    memset(st, 0, sizeof *st);
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_namemax = 255;
    return 0;
}

/* Everything else that would change the tree is refused. */
static int op_unlink(const char *path)
{
    (void)path;
    return -EPERM;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
    (void)from;
    (void)to;
    (void)flags;
    return -EPERM;
}

static int op_link(const char *from, const char *to)
{
    (void)from;
    (void)to;
    return -EPERM;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)path;
    (void)mode;
    (void)fi;
    return -EPERM;
}

static int op_mknod(const char *path, mode_t mode, dev_t dev)
{
    (void)path;
    (void)mode;
    (void)dev;
    return -EPERM;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)path;
    (void)mode;
    (void)fi;
    return -EPERM;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    (void)path;
    (void)uid;
    (void)gid;
    (void)fi;
    return -EPERM;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
    (void)path;
    (void)name;
    (void)value;
    (void)size;
    (void)flags;
    return -ENOTSUP;
}

static int op_removexattr(const char *path, const char *name)
{
    (void)path;
    (void)name;
    return -ENOTSUP;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    /* Every write(2) must reach us before it returns (SEMANTICS.md §5). */
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    cfg->use_ino = 0;
    cfg->nullpath_ok = 1;
    cfg->kernel_cache = 0;
    cfg->auto_cache = 0;
    cfg->direct_io = 0;
    cfg->hard_remove = 1;
    return fuse_get_context()->private_data;
}

const struct fuse_operations tc_fuse_operations = {
    .init = op_init,
    .getattr = op_getattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_link,
    .rename = op_rename,
    .link = op_link,
    .chmod = op_chmod,
    .chown = op_chown,
    .truncate = op_truncate,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .statfs = op_statfs,
    .release = op_release,
    .setxattr = op_setxattr,
    .removexattr = op_removexattr,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .create = op_create,
    .utimens = op_utimens,
};
