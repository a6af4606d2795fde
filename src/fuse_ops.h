/* fuse_ops: the fuse_operations table — thin glue from libfuse's
 * high-level API to fs.c. */
#ifndef TC_FUSE_OPS_H
#define TC_FUSE_OPS_H

#include <fuse.h>

extern const struct fuse_operations tc_fuse_operations;

#endif
