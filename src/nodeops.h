/* nodeops: what each kind of node does, indexed by the node table's kinds
 * (tree.h has where each sits and its mode): the renderer of a file or
 * link, the action that writing it performs, what mkdir or rmdir of it
 * performs, the API list a directory shows, and what listing it warms.
 * node.c, fs.c and prefetch read these rows; nothing else decides what a
 * kind of node is (doc/ARCHITECTURE.md). */
#ifndef TC_NODEOPS_H
#define TC_NODEOPS_H

#include "actions.h"
#include "names.h"
#include "render.h"
#include "resource.h"
#include "tree.h"

/* The entries a directory shows from its list (default: one per child of
 * the list, named by its key). */
typedef void (*entries_fn)(const struct route *dir, const struct resource *list,
                           struct names *out);

#define NODE_MAX_WARM 4

struct node_ops {
    render_fn render;           /* files: the bytes; links: the target */
    const struct action *write; /* files that take writes */
    const struct action *make;  /* mkdir of a node of this kind */
    const struct action *remove; /* rmdir of a node of this kind (with allow_delete) */
    /* Directories whose entries come from the API: the list resource (of
     * the route's tenant; RES_NONE: only the table's literal children). */
    enum res_kind list;
    entries_fn entries;
    enum res_kind warm[NODE_MAX_WARM]; /* fetched for every child on first use */
    int nwarm;
};

const struct node_ops *node_ops(enum node_kind kind);

#endif
