/* actions: the writable files. Each write(2) carries one whole value: it is
 * checked before any request, performed, and its result is the write's
 * result (as in sysfs). After a success every cache entry the write
 * affects is dropped, in the kernel too. */
#ifndef TC_ACTIONS_H
#define TC_ACTIONS_H

#include <stddef.h>

#include "tree.h"

int write_daily_limit(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                      const struct op_ctx *ctx);
int write_display_name(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                       const struct op_ctx *ctx);
int write_policy_limit(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                       const struct op_ctx *ctx);
int write_verify(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                 const struct op_ctx *ctx);
int write_dkim(struct fs *fs, const struct route *rt, const char *buf, size_t len,
               const struct op_ctx *ctx);
int write_sync(struct fs *fs, const struct route *rt, const char *buf, size_t len,
               const struct op_ctx *ctx);
int write_provision(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                    const struct op_ctx *ctx);
int write_invalidate(struct fs *fs, const struct route *rt, const char *buf, size_t len,
                     const struct op_ctx *ctx);

/* mkdir tenants/<t>/domains/<name> and rmdir tenants/<t>. */
int action_add_domain(struct fs *fs, const struct route *rt, const struct op_ctx *ctx);
int action_delete_tenant(struct fs *fs, const struct route *rt, const struct op_ctx *ctx);

#endif
