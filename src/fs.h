/* fs: the filesystem's operations in our own terms — paths in, attributes,
 * listings, snapshots and errnos out. The FUSE glue (fuse_ops.c) is a thin
 * adapter over this, and tests/unit/test_fs.c drives it directly over a
 * fake API. */
#ifndef TC_FS_H
#define TC_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mount.h"
#include "node.h"
#include "nodemeta.h"
#include "prefetch.h"
#include "tree.h"

struct fs {
    /* The context the layers below see (actions, the mount's own files):
     * settings, cache, API writer, results, write locks, failure log. */
    struct mount m;
    struct nodemeta *meta;
    struct prefetcher *prefetcher;
    struct node_env env; /* the three above, as node.c reads them */
    /* Queue a kernel invalidation of one path (never called from within
     * the kernel request for that path's inode: the queue runs elsewhere). */
    void (*notify)(void *arg, const char *path);
    void *notify_arg;
    /* Open files and directories, so that what the kernel never released
     * (a release still queued at unmount) is freed at shutdown. */
    pthread_mutex_t open_lock;
    struct fs_handle *open_handles;
};


struct fs_dirent {
    char *name;
    struct fs_attr attr;
    bool attr_known; /* false: only the mode is known (content not cached) */
    bool attr_tried; /* fs_dir_attr ran for this entry */
};

/* Links every open file and directory into fs->open_handles. */
struct fs_handle {
    struct fs_handle *prev, *next;
    void (*free)(struct fs_handle *h);
};

struct fs_dir {
    struct fs_handle h;
    char *path;
    struct fs_dirent *ents; /* snapshot of the listing at opendir */
    size_t n;
};

struct fs_file {
    struct fs_handle h;
    struct route rt;
    char *path;
    char *data; /* the snapshot (readable opens) */
    size_t len;
    time_t mtime;
    bool readable, writable;
    bool direct_io, keep_cache;
};

void fs_init(struct fs *fs, const struct mount_config *cfg, struct cache *cache,
             const struct api_writer *writer);
void fs_destroy(struct fs *fs);

int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx);
int fs_opendir(struct fs *fs, const char *path, struct fs_dir **out, const struct op_ctx *ctx);
/* Fill in entry i's full attributes from what is cached (never fetches). */
void fs_dir_attr(struct fs *fs, struct fs_dir *d, size_t i, const struct op_ctx *ctx);
void fs_dir_free(struct fs *fs, struct fs_dir *d);
int fs_open(struct fs *fs, const char *path, int flags, struct fs_file **out,
            const struct op_ctx *ctx);
int fs_read(struct fs_file *f, char *buf, size_t size, off_t off);
/* Returns size on success. */
int fs_write(struct fs *fs, struct fs_file *f, const char *buf, size_t size,
             const struct op_ctx *ctx);
void fs_release(struct fs *fs, struct fs_file *f);
void fs_file_attr(struct fs *fs, const struct fs_file *f, struct fs_attr *attr);
int fs_truncate(struct fs *fs, const char *path, const struct op_ctx *ctx);
/* Truncation of an open file: allowed (no request) on files opened for writing. */
int fs_ftruncate(const struct fs_file *f);
int fs_utimens(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_readlink(struct fs *fs, const char *path, char *buf, size_t size, const struct op_ctx *ctx);
int fs_mkdir(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_rmdir(struct fs *fs, const char *path, const struct op_ctx *ctx);

#endif
