/* mount: the tenantcorefs mount that apply reads and writes through. Every
 * path here is relative to the mount's root and opened from a descriptor
 * of it, so nothing built from DESIRED_DIR can leave the mount. */
#ifndef TCA_MOUNT_H
#define TCA_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mnt {
    char *path; /* the mount point, resolved */
    int root;   /* descriptor of the mount's root directory */
    dev_t dev;
    bool readonly;
    unsigned max_conns; /* from .tenantcorefs/stats.json; 0 when not published */
    long ttl;           /* seconds; -1 when not published */
};

/* Open MOUNTPOINT, which must be the root of a mount whose type is
 * fuse.tenantcorefs in /proc/self/mountinfo. 0, or -1 with why filled. */
int mnt_open(const char *mountpoint, struct mnt *m, char *why, size_t whylen);
void mnt_close(struct mnt *m);

/* The whole file (at most 1 MiB), NUL-terminated. 0 or -errno. */
int mnt_read(const struct mnt *m, const char *rel, char **out, size_t *len);
/* One open and one write(2) of buf, as the tree's contract asks: the
 * write's result is the API's. 0 or -errno. */
int mnt_write(const struct mnt *m, const char *rel, const char *buf, size_t len);
/* The same in two steps: open for writing (a descriptor or -errno), then
 * one write(2) and the close (0 or -errno). A file opened before any write
 * needs no lookup later, when writes have made the mount forget lists. */
int mnt_open_write(const struct mnt *m, const char *rel);
int mnt_write_fd(int fd, const char *buf, size_t len);
int mnt_mkdir(const struct mnt *m, const char *rel);
/* 0 when rel is a directory, else -ENOENT, -ENOTDIR or another -errno. */
int mnt_isdir(const struct mnt *m, const char *rel);
/* The target of the link rel, malloc'd. 0 or -errno. */
int mnt_readlink(const struct mnt *m, const char *rel, char **target);

/* What the API said about the newest failure the mount logged for op
 * ("write", "mkdir") on rel, from .tenantcorefs/errors: "STATUS CODE:
 * MESSAGE" (fields the mount did not have are left out), or NULL. */
char *mnt_failure_detail(const struct mnt *m, const char *op, const char *rel);

/* The errno's symbolic name ("EIO"), or "E?" for one we do not know. */
const char *errno_symbol(int err);

#endif
