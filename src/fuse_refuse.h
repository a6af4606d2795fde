/* fuse_refuse: the FUSE requests the tree refuses, one handler each
 * (they count as "other" in stats.json's kernel_requests). */
#ifndef TC_FUSE_REFUSE_H
#define TC_FUSE_REFUSE_H

#include <fuse_lowlevel.h>

void refuse_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void refuse_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                   const char *newname, unsigned int flags);
void refuse_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void refuse_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void refuse_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void refuse_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                   struct fuse_file_info *fi);
void refuse_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                     size_t size, int flags);
void refuse_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
