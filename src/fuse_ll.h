/* fuse_ll: the FUSE layer — libfuse's low-level operations over fs.c, the
 * inode table, and the notifier that tells the kernel what changed. */
#ifndef TC_FUSE_LL_H
#define TC_FUSE_LL_H

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include "fs.h"

struct fuse_ll_config {
    double attr_timeout, entry_timeout; /* upper bounds, seconds (-o attr_timeout=, entry_timeout=) */
    uid_t uid;
    gid_t gid;
};

struct fuse_ll {
    struct fs *fs;
    struct fuse_ll_config cfg;
    struct inodes *inodes;
    struct notifier *notifier;
};

extern const struct fuse_lowlevel_ops tc_ll_ops;

/* Set up over fs (and become fs's `changed` hook); the notifier starts
 * once the session exists (after daemonizing), and stops before it ends. */
void fuse_ll_init(struct fuse_ll *ll, struct fs *fs, const struct fuse_ll_config *cfg);
void fuse_ll_start(struct fuse_ll *ll, struct fuse_session *se);
void fuse_ll_stop(struct fuse_ll *ll);
void fuse_ll_destroy(struct fuse_ll *ll);

#endif
