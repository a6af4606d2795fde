/* fs: the filesystem's operations in our own terms — paths in, attributes,
 * listings, snapshots and errnos out. The FUSE glue (fuse_ops.c) is a thin
 * adapter over this; tests drive it directly. */
#ifndef TC_FS_H
#define TC_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "api.h"
#include "cache.h"
#include "meta.h"
#include "nodemeta.h"
#include "tree.h"

#define FS_WRITE_LOCKS 64

struct fs_config {
    int64_t read_wait_ms; /* how long a reader waits for the API, queueing included */
    bool prefetch;
    bool allow_delete;
    uid_t uid;
    gid_t gid;
    long cache_max;
    unsigned max_conns, ttl; /* shown in stats.json */
};

struct fs {
    struct fs_config cfg;
    struct cache *cache;
    struct api *api;
    struct nodemeta *meta;
    struct results *results;
    struct prefetcher *prefetcher;
    time_t mount_time;
    /* Queue a kernel invalidation of path (never called from within the
     * kernel request for that path's inode: the queue runs elsewhere). */
    void (*notify)(void *arg, const char *path);
    void *notify_arg;
    pthread_mutex_t write_locks[FS_WRITE_LOCKS];
    /* Open files and directories, so that what the kernel never released
     * (a release still queued at unmount) is freed at shutdown. */
    pthread_mutex_t open_lock;
    struct fs_handle *open_handles;
};

/* Per operation: its name for the errors file, and interruption. */
struct op_ctx {
    const char *op;
    bool (*interrupted)(void *arg);
    void *arg;
};

struct fs_attr {
    mode_t mode;
    off_t size;
    time_t mtime;
    nlink_t nlink;
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

void fs_init(struct fs *fs, const struct fs_config *cfg, struct cache *cache, struct api *api);
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
int fs_utimens(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_readlink(struct fs *fs, const char *path, char *buf, size_t size, const struct op_ctx *ctx);
int fs_mkdir(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_rmdir(struct fs *fs, const char *path, const struct op_ctx *ctx);

/* For actions: the lock serializing writes to one resource. */
pthread_mutex_t *fs_write_lock(struct fs *fs, const char *tenant, const char *sub,
                               const char *what);
/* After a successful write: forget cache entries whose API path starts with
 * api_prefix (NULL: none) and tell the kernel to drop what it holds for
 * every path under fs_prefix (NULL: none). */
void fs_changed(struct fs *fs, const char *api_prefix, const char *fs_prefix);
/* Record a failure in the errors file (and the log). */
void fs_fail(const struct op_ctx *ctx, const struct route *rt, const struct api_error *e);
void fs_fail_path(const struct op_ctx *ctx, const char *path, const struct api_error *e);

#endif
