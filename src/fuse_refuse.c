/* fuse_refuse: the requests that would change the tree in ways the API
 * has no action for (SEMANTICS.md §5.9): unlink, rename, link, symlink,
 * mknod and create are EPERM; extended attributes are ENOTSUP. */
#include "fuse_refuse.h"

#include <errno.h>

#include "stats.h"

static void refuse(fuse_req_t req, int err)
{
    atomic_fetch_add(&g_stats.kernel_ops[KOP_OTHER], 1);
    fuse_reply_err(req, err);
}

void refuse_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    (void)parent, (void)name;
    refuse(req, EPERM);
}

void refuse_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                   const char *newname, unsigned int flags)
{
    (void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
    refuse(req, EPERM);
}

void refuse_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    (void)ino, (void)newparent, (void)newname;
    refuse(req, EPERM);
}

void refuse_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    (void)link, (void)parent, (void)name;
    refuse(req, EPERM);
}

void refuse_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    (void)parent, (void)name, (void)mode, (void)rdev;
    refuse(req, EPERM);
}

void refuse_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                   struct fuse_file_info *fi)
{
    (void)parent, (void)name, (void)mode, (void)fi;
    refuse(req, EPERM);
}

void refuse_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                     size_t size, int flags)
{
    (void)ino, (void)name, (void)value, (void)size, (void)flags;
    refuse(req, ENOTSUP);
}

void refuse_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    (void)ino, (void)name;
    refuse(req, ENOTSUP);
}
