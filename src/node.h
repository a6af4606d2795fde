/* node: what one node of the tree is right now — whether it exists, its
 * entries, its attributes and bytes — computed from API resources through
 * a render context whose resources come from the cache, and from the node
 * table's two halves (tree.h, nodeops.h). fs.c's operations are built on
 * these; the mtime rule lives here (SEMANTICS.md, Reads). */
#ifndef TC_NODE_H
#define TC_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>
#include <time.h>

#include "mount.h"
#include "names.h"
#include "nodemeta.h"
#include "prefetch.h"
#include "render.h"

#define FS_VALID_FOREVER INT64_MAX

struct fs_attr {
    mode_t mode;
    off_t size;
    time_t mtime;
    long mtime_nsec;
    nlink_t nlink;
    /* How long the kernel may keep these attributes, the entry and the
     * bytes: the remaining life of the data behind them (SEMANTICS.md §7);
     * FS_VALID_FOREVER for what changes only through this mount (which
     * then tells the kernel), 0 for what changes on its own (stats). */
    int64_t valid_ms;
};

/* What nodes are computed from: the mount (cache, results, settings),
 * what the kernel was told of each path, and the prefetcher. */
struct node_env {
    struct mount *m;
    struct nodemeta *meta;
    struct prefetcher *prefetcher;
};

/* Where a node's render context gets resources: the cache, waiting at most
 * read_wait_ms, interruptible (or peeking only, never fetching). */
struct node_source {
    const struct node_env *env;
    struct wait_ctx wait;
};

struct node_ctx {
    struct node_source src;
    struct render_ctx rctx; /* rctx.src points into src: never copy a node_ctx */
};

void node_ctx_init(struct node_ctx *nc, const struct node_env *env, const struct op_ctx *ctx,
                   bool peek);
void node_ctx_done(struct node_ctx *nc);

uint64_t names_hash(const struct names *ns);

/* 0 if every name on the route exists (and the node is shown at all: a
 * local result, the enforcement log), else -errno with rctx->err set. */
int node_exists(const struct node_env *env, struct render_ctx *rctx, const struct route *rt);
/* The entries of a directory; *list is its list resource if it has one. */
int node_list(const struct node_env *env, struct render_ctx *rctx, const struct route *rt, struct names *ns,
              const struct resource **list);
/* Attributes of a node (existence checked); content, if non-NULL, receives
 * the bytes of a file or the target of a link. */
int node_attr(const struct node_env *env, struct render_ctx *rctx, const struct route *rt, const char *path,
              struct fs_attr *a, struct strbuf *content);

#endif
