/* fs: the filesystem's operations in our own terms — paths in; existence,
 * attributes (with how long the kernel may keep them), bytes, listings and
 * errnos out. The FUSE layer (fuse_ll.c, with its inode table) is a thin
 * adapter over this, and tests/unit/test_fs.c drives it directly over a
 * fake API. Nothing here knows FUSE (doc/ARCHITECTURE.md). */
#ifndef TC_FS_H
#define TC_FS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mount.h"
#include "node.h"
#include "nodemeta.h"
#include "prefetch.h"

struct fs {
    /* The context the layers below see (actions, the mount's own files):
     * settings, cache, API writer, results, write locks, failure log, and
     * the hook that tells the kernel what changed (set by the FUSE layer). */
    struct mount m;
    struct nodemeta *meta;
    struct prefetcher *prefetcher;
    struct node_env env; /* the three above, as node.c reads them */
};

/* An entry of a listing: its name and mode, and its full attributes and
 * bytes only when they were already cached (listing never fetches per
 * entry). */
struct fs_dirent {
    char *name;
    mode_t mode;
};

struct fs_dir {
    atomic_int refs; /* fs_dir_ref / fs_dir_free */
    char *path;
    struct fs_dirent *ents; /* ".", "..", then the entries in table and API order */
    size_t n;
    struct fs_attr attr; /* the directory's own */
};

void fs_init(struct fs *fs, const struct mount_config *cfg, struct cache *cache,
             const struct api_writer *writer);
void fs_destroy(struct fs *fs);

/* Whether path exists, its attributes, and (content non-NULL) the bytes of
 * a file or the target of a link, as one consistent snapshot. */
int fs_lookup(struct fs *fs, const char *path, struct fs_attr *attr, struct strbuf *content,
              const struct op_ctx *ctx);
int fs_getattr(struct fs *fs, const char *path, struct fs_attr *attr, const struct op_ctx *ctx);
/* The entries of a directory (and its attributes). */
int fs_opendir(struct fs *fs, const char *path, struct fs_dir **out, const struct op_ctx *ctx);
/* Entry i's attributes and bytes from what is cached (never fetches);
 * false when they are not known without a request. */
bool fs_dir_entry(struct fs *fs, const struct fs_dir *d, size_t i, struct fs_attr *attr,
                  struct strbuf *content, const struct op_ctx *ctx);
struct fs_dir *fs_dir_ref(struct fs_dir *d);
void fs_dir_free(struct fs_dir *d);
/* One write(2): the node's action with these bytes. Returns size or -errno. */
int fs_write(struct fs *fs, const char *path, const char *buf, size_t size,
             const struct op_ctx *ctx);
int fs_truncate(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_utimens(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_readlink(struct fs *fs, const char *path, char *buf, size_t size, const struct op_ctx *ctx);
int fs_mkdir(struct fs *fs, const char *path, const struct op_ctx *ctx);
int fs_rmdir(struct fs *fs, const char *path, const struct op_ctx *ctx);

#endif
