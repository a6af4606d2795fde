/* actions: what writing a file, mkdir and rmdir do, as rows of a table.
 * A row names the value parser, the endpoint, the lock scope and the file
 * that keeps the answer; one function performs any row: check the value
 * before any request, take the resource's write lock, call the API, drop
 * what the endpoint table says is stale (in the kernel too), keep the
 * answer, and record a failure once. Each write(2) carries one whole value
 * and its result is the action's (SEMANTICS.md, Writes). */
#ifndef TC_ACTIONS_H
#define TC_ACTIONS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "endpoint.h"
#include "mount.h"
#include "tree.h"

/* Which writes are serialized with which: the lock key is the scope and
 * the route's names. */
enum lock_scope { LOCK_NONE, LOCK_MAILBOX, LOCK_POLICY, LOCK_DOMAIN, LOCK_DOMAINS, LOCK_TENANT };

struct action {
    /* Check the written bytes and build the request body (*body NULL: the
     * request has none). 0, or -EINVAL with *why. NULL: any bytes do. */
    int (*parse)(const struct route *rt, const char *buf, size_t len, cJSON **body,
                 const char **why);
    enum api_endpoint ep; /* EP_COUNT: the mount's own action, no request */
    enum lock_scope lock;
    enum node_kind result; /* the file that keeps the answer, or N_COUNT */
    /* After the call, with the lock held: a row's own steps (the new
     * domain into the cache, provisioning's per-mailbox outcome). Returns
     * the action's result. NULL: rc as it is. */
    int (*after)(struct mount *m, const struct route *rt, int rc, const cJSON *answer,
                 const struct api_error *e, const struct op_ctx *ctx);
};

extern const struct action action_daily_limit, action_display_name, action_policy_limit,
    action_verify, action_enable_dkim, action_sync, action_provision, action_invalidate,
    action_add_domain, action_delete_tenant;

/* Perform a on the node at rt with the written bytes (mkdir and rmdir
 * pass none). 0 or -errno; a failure is in the errors file. */
int action_perform(struct mount *m, const struct action *a, const struct route *rt,
                   const char *buf, size_t len, const struct op_ctx *ctx);

#endif
