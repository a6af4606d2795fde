/* meta: the mount's own files — .tenantcorefs/stats.json and errors — and
 * the results of actions made through this mount (last_sync.json,
 * last_provision.json). They read the mount's state, not the API's. */
#ifndef TC_META_H
#define TC_META_H

#include "render.h"

int render_stats(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_errors(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_local_result(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

#endif
