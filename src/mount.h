/* mount: what the writable files and the mount's own files need of a
 * mount — its settings, the cache, a way to call the API, the results of
 * actions, the write locks, the failure log, and a way to tell the kernel
 * that part of the tree changed. It sits below the filesystem layer
 * (fs.c, node.c) and knows nothing of FUSE: the layer above fills in the
 * `changed` hook (doc/ARCHITECTURE.md). */
#ifndef TC_MOUNT_H
#define TC_MOUNT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "api_error.h"
#include "cache.h"
#include "endpoint.h"
#include "lockset.h"
#include "results.h"

struct mount_config {
    int64_t read_wait_ms; /* how long a reader waits for the API, queueing included */
    bool prefetch;
    bool allow_delete;
    uid_t uid;
    gid_t gid;
    long cache_max;
    size_t events_max;       /* enforcement_max: 0 hides the enforcement log */
    unsigned max_conns, ttl; /* shown in stats.json */
};

/* One call to the API for a write (api.c's api_call; tests stand in). */
struct api_writer {
    int (*call)(void *ctx, enum api_endpoint ep, const struct ep_args *args, const cJSON *body,
                cJSON **answer, struct api_error *err);
    void *ctx;
};

/* Per operation: its name for the errors file, and interruption. */
struct op_ctx {
    const char *op;
    bool (*interrupted)(void *arg);
    void *arg;
};

struct mount {
    struct mount_config cfg;
    struct cache *cache;
    struct api_writer writer;
    struct results *results;
    struct lockset *locks;
    time_t mount_time;
    /* Tell the kernel that what it holds for prefix and every path under it
     * may have changed: attributes, bytes and listings, and with names also
     * which names exist. Set by the layer that talks to the kernel; it
     * never calls the kernel from the request that caused the change
     * (SEMANTICS.md §7). */
    void (*changed)(void *arg, const char *prefix, bool names);
    void *changed_arg;
};

void mount_init(struct mount *m, const struct mount_config *cfg, struct cache *cache,
                const struct api_writer *writer);
void mount_destroy(struct mount *m);

/* A wait for the API as a reader of this mount may wait. */
struct wait_ctx mount_wait(const struct mount *m, const struct op_ctx *ctx);

/* Record a failure of operation ctx->op on path in the errors file and the
 * log, once. Names that do not exist (outside writes) and interrupted
 * waits are not failures of the API and are not recorded. */
void mount_fail(const struct op_ctx *ctx, const char *path, const struct api_error *e);

/* The kernel must drop what it holds for prefix and everything under it. */
void mount_changed(struct mount *m, const char *prefix);
/* ... and the names too: some may be gone. */
void mount_names_changed(struct mount *m, const char *prefix);
/* ... for one tenant's directory and the fleet-wide files built from it. */
void mount_tenant_changed(struct mount *m, const char *tenant);
/* A write changed one mailbox of tenant: its files and its tenant's and
 * the fleet's summaries (not the other mailboxes). */
void mount_mailbox_changed(struct mount *m, const char *tenant, const char *mailbox);

#endif
