/* router: paths to routes by walking the node table, one component at a
 * time. Literal names win; otherwise the node's parameter child takes the
 * component as a name. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "names.h"
#include "tree.h"

static const struct node_type *find_child(enum node_kind parent, const char *name)
{
    const struct node_type *param = NULL;
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = &node_types[k];
        if (t->parent != parent || k == N_ROOT)
            continue;
        if (t->name && strcmp(t->name, name) == 0)
            return t;
        if (!t->name)
            param = t;
    }
    return param;
}

static void capture(struct route *rt, enum node_param p, const char *name)
{
    switch (p) {
    case P_TENANT: rt->tenant = name; break;
    case P_DOMAIN: rt->domain = name; break;
    case P_MAILBOX: rt->mailbox = name; break;
    case P_EMAIL:
    case P_LINKNAME: rt->name = name; break;
    case P_NONE: break;
    }
}

/* Walk components in s (a writable copy) from kind start. */
static int walk(struct route *rt, char *s)
{
    char *save = NULL;
    for (char *comp = strtok_r(s, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        if (strlen(comp) > NAME_MAX_BYTES)
            return -ENAMETOOLONG;
        if (!(node_types[rt->kind].mode & 0040000)) /* not a directory */
            return -ENOTDIR;
        const struct node_type *t = find_child(rt->kind, comp);
        if (!t)
            return -ENOENT;
        if (!t->name) {
            /* A parameter must be a name the API could have given us. */
            if (!name_is_safe(comp))
                return -ENOENT;
            capture(rt, t->param, comp);
        }
        rt->kind = t->kind;
    }
    return 0;
}

int route_path(const char *path, struct route *rt)
{
    memset(rt, 0, offsetof(struct route, storage));
    rt->kind = N_ROOT;
    size_t len = strlen(path);
    if (len >= sizeof rt->storage)
        return -ENAMETOOLONG;
    if (path[0] != '/')
        return -ENOENT;
    memcpy(rt->storage, path, len + 1);
    return walk(rt, rt->storage);
}

int route_child(const struct route *dir, const char *name, struct route *out)
{
    struct strbuf p = STRBUF_INIT;
    route_format(dir, &p);
    if (p.len > 1)
        sb_putc(&p, '/');
    sb_puts(&p, name);
    /* An empty name would resolve to dir itself ("/tenants" + "/"), not to a
     * child of it (found by fuzz_router). */
    int rc = !*name || strchr(name, '/') ? -ENOENT : route_path(p.data, out);
    sb_free(&p);
    return rc;
}

/* The path is rebuilt from the table, parents first. */
void route_format(const struct route *rt, struct strbuf *out)
{
    enum node_kind chain[16];
    int n = 0;
    for (enum node_kind k = rt->kind; k != N_ROOT && n < 16; k = node_types[k].parent)
        chain[n++] = k;
    if (n == 0) {
        sb_putc(out, '/');
        return;
    }
    while (n-- > 0) {
        const struct node_type *t = &node_types[chain[n]];
        sb_putc(out, '/');
        switch (t->param) {
        case P_NONE: sb_puts(out, t->name); break;
        case P_TENANT: sb_puts(out, rt->tenant); break;
        case P_DOMAIN: sb_puts(out, rt->domain); break;
        case P_MAILBOX: sb_puts(out, rt->mailbox); break;
        case P_EMAIL:
        case P_LINKNAME: sb_puts(out, rt->name); break;
        }
    }
}

static bool same_name(const struct route *a, const struct route *b, enum node_param p)
{
    const char *x = NULL, *y = NULL;
    switch (p) {
    case P_NONE: return true;
    case P_TENANT: x = a->tenant, y = b->tenant; break;
    case P_DOMAIN: x = a->domain, y = b->domain; break;
    case P_MAILBOX: x = a->mailbox, y = b->mailbox; break;
    case P_EMAIL:
    case P_LINKNAME: x = a->name, y = b->name; break;
    }
    return x && y && strcmp(x, y) == 0;
}

/* Components of rt's path, parents first; returns how many. */
static int chain_of(const struct route *rt, enum node_kind *chain, int max)
{
    int n = 0;
    for (enum node_kind k = rt->kind; k != N_ROOT && n < max; k = node_types[k].parent)
        chain[n++] = k;
    for (int i = 0; i < n / 2; i++) {
        enum node_kind t = chain[i];
        chain[i] = chain[n - 1 - i];
        chain[n - 1 - i] = t;
    }
    return n;
}

void route_link_target(const struct route *link, const struct route *target, struct strbuf *out)
{
    enum node_kind from[16], to[16];
    int nf = chain_of(link, from, 16) - 1; /* the link's directory */
    int nt = chain_of(target, to, 16);
    /* The shared leading directories: the same kinds, and a parameter
     * takes the same name in both routes. */
    int common = 0;
    while (common < nf && common < nt && from[common] == to[common] &&
           same_name(link, target, node_types[from[common]].param))
        common++;
    for (int i = common; i < nf; i++)
        sb_puts(out, "../");
    struct strbuf full = STRBUF_INIT;
    route_format(target, &full);
    /* Skip the shared components of target's path ('/' + common names). */
    const char *p = full.data;
    for (int i = 0; i < common; i++)
        p = strchr(p + 1, '/');
    sb_puts(out, p + 1);
    sb_free(&full);
}
