/* meta: renderers of the mount's own state. */
#include "meta.h"

#include <errno.h>

#include "errlog.h"
#include "mount.h"
#include "stats.h"

int render_stats(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rt;
    if (!rctx->mount)
        return rctx_fail(rctx, EIO, "no mount");
    atomic_store(&g_stats.cache_bytes, (long)cache_bytes(rctx->mount->cache));
    stats_render(out, rctx->mount->cfg.cache_max, rctx->mount->cfg.max_conns,
                 rctx->mount->cfg.ttl);
    return 0;
}

int render_errors(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rctx;
    (void)rt;
    errlog_render(out);
    return 0;
}

int render_local_result(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    if (!rctx->mount)
        return rctx_fail(rctx, EIO, "no mount");
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    bool present = results_get(rctx->mount->results, p.data, out);
    sb_free(&p);
    return present ? 0 : rctx_fail(rctx, ENOENT, "no result yet");
}
