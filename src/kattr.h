/* kattr: what the kernel is told about an inode — its struct stat, how
 * long it may keep it and its entry, and the bytes that stat promises. */
#ifndef TC_KATTR_H
#define TC_KATTR_H

#include <fuse_lowlevel.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fs.h"
#include "inodes.h"
#include "strbuf.h"

/* Data about to expire: a millisecond, never 0 (SEMANTICS.md §7.5). */
#define KATTR_MIN_VALID 0.001
#define KATTR_PINNED_VALID_MS 100 /* older bytes a reader is part way through: ask again soon */

struct kattr_config {
    double attr_timeout,
        entry_timeout; /* upper bounds, seconds (-o attr_timeout=, entry_timeout=) */
    uid_t uid;
    gid_t gid;
};

/* How long the kernel may keep something valid for valid_ms
 * (FS_VALID_FOREVER, 0 for "ask every time", or milliseconds), within cap. */
double kattr_seconds(int64_t valid_ms, double cap);

void kattr_stat(const struct kattr_config *cfg, uint64_t ino, const struct fs_attr *a,
                struct stat *st);
void kattr_entry(const struct kattr_config *cfg, uint64_t ino, const struct fs_attr *a,
                 struct fuse_entry_param *e);

/* The bytes the kernel is told a file or link holds (NULL for directories). */
struct snapshot *kattr_snapshot(const struct fs_attr *a, const struct strbuf *content);

/* The attributes of bytes a reader is part way through (inodes_in_pass),
 * valid for a short while. */
void kattr_held(const struct snapshot *held, struct fs_attr *a);

/* Make a describe rep, the bytes the inode table kept: when a reader is
 * still part way through older bytes (SEMANTICS.md §4.3), their size and
 * mtime, valid for a short while. Drops the reference; rep may be NULL. */
void kattr_report(struct fs_attr *a, struct snapshot *rep);

#endif
