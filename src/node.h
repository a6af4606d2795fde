/* node: what one node of the tree is right now — whether it exists, its
 * entries, its attributes and bytes — computed from API resources through
 * a render context whose resources come from the cache, and from the node
 * table's two halves (tree.h, nodeops.h). fs.c's operations are built on
 * these. */
#ifndef TC_NODE_H
#define TC_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "fs.h"
#include "names.h"
#include "render.h"

/* Where a node's render context gets resources: the cache, waiting at most
 * read_wait_ms, interruptible (or peeking only, never fetching). */
struct fs_source {
    struct fs *fs;
    struct wait_ctx wait;
};

struct node_ctx {
    struct fs_source src;
    struct render_ctx rctx; /* rctx.src points into src: never copy a node_ctx */
};

void node_ctx_init(struct node_ctx *nc, struct fs *fs, const struct op_ctx *ctx, bool peek);
void node_ctx_done(struct node_ctx *nc);

uint64_t names_hash(const struct names *ns);

/* 0 if every name on the route exists (and the node is shown at all: a
 * local result, the enforcement log), else -errno with rctx->err set. */
int node_exists(struct fs *fs, struct render_ctx *rctx, const struct route *rt);
/* The entries of a directory; *list is its list resource if it has one. */
int node_list(struct fs *fs, struct render_ctx *rctx, const struct route *rt, struct names *ns,
              const struct resource **list);
/* Attributes of a node (existence checked); content, if non-NULL, receives
 * the bytes of a file or the target of a link. */
int node_attr(struct fs *fs, struct render_ctx *rctx, const struct route *rt, const char *path,
              struct fs_attr *a, struct strbuf *content);

#endif
