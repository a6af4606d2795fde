/* mount: the context below the filesystem layer. */
#include "mount.h"

#include <errno.h>
#include <string.h>

#include "clock.h"
#include "errlog.h"
#include "strbuf.h"
#include "tree.h"

void mount_init(struct mount *m, const struct mount_config *cfg, struct cache *cache,
                const struct api_writer *writer)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->cache = cache;
    m->writer = *writer;
    m->results = results_new();
    m->locks = lockset_new();
    m->mount_time = clock_wall();
}

void mount_destroy(struct mount *m)
{
    results_free(m->results);
    lockset_free(m->locks);
    m->results = NULL;
    m->locks = NULL;
}

struct wait_ctx mount_wait(const struct mount *m, const struct op_ctx *ctx)
{
    struct wait_ctx w = {
        .deadline_ms = clock_mono_ms() + m->cfg.read_wait_ms,
        .interrupted = ctx ? ctx->interrupted : NULL,
        .arg = ctx ? ctx->arg : NULL,
    };
    return w;
}

static bool is_write_op(const char *op)
{
    return strcmp(op, "write") == 0 || strcmp(op, "mkdir") == 0 || strcmp(op, "rmdir") == 0;
}

void mount_fail(const struct op_ctx *ctx, const char *path, const struct api_error *e)
{
    const char *op = ctx && ctx->op ? ctx->op : "?";
    /* Logging every shell's probe for a missing name would bury the
     * failures that matter. */
    if ((e->err == ENOENT && !is_write_op(op)) || e->err == EINTR || e->err == ENODATA)
        return;
    errlog_add(op, path, e);
}

void mount_changed(struct mount *m, const char *prefix)
{
    if (m->changed)
        m->changed(m->changed_arg, prefix, false);
}

void mount_names_changed(struct mount *m, const char *prefix)
{
    if (m->changed)
        m->changed(m->changed_arg, prefix, true);
}

static void route_changed(struct mount *m, const struct route *rt)
{
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    mount_changed(m, p.data); /* the node, and under it */
    sb_free(&p);
}

/* The fleet-wide files and links at the root are built from every tenant's
 * data. */
static void fleet_changed(struct mount *m)
{
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type((enum node_kind)k);
        if (k == N_ROOT || t->parent != N_ROOT || k == N_TENANTS || k == N_META)
            continue;
        route_changed(m, &(struct route){.kind = (enum node_kind)k});
    }
}

void mount_tenant_changed(struct mount *m, const char *tenant)
{
    route_changed(m, &(struct route){.kind = N_TENANT, .tenant = tenant});
    fleet_changed(m);
}

void mount_mailbox_changed(struct mount *m, const char *tenant, const char *mailbox)
{
    route_changed(m, &(struct route){.kind = N_MAILBOX, .tenant = tenant, .mailbox = mailbox});
    /* What sums up the tenant's mailboxes (views, health, domains' files),
     * but not the other mailboxes: this write did not change them, and the
     * kernel's copies of them keep the timeouts of the data they came from
     * (SEMANTICS.md §7.5). One write then tells the kernel of a handful of
     * inodes, not of every file of the tenant it holds. */
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type((enum node_kind)k);
        if (t->parent == N_TENANT && k != N_MAILBOXES)
            route_changed(m, &(struct route){.kind = (enum node_kind)k, .tenant = tenant});
    }
    fleet_changed(m);
}
