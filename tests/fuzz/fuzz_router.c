/* fuzz_router: route_path on any string. When a path resolves, its
 * captured names are safe file names and live in the route itself,
 * route_format gives back the path with empty components dropped, and that
 * path resolves to the same route. route_child (input: "path NUL name")
 * agrees with route_path of the joined path. */
#include <errno.h>
#include <string.h>

#include "fuzz_check.h"
#include "names.h"
#include "strbuf.h"
#include "tree.h"

/* "/a//b/" -> "/a/b"; "" and "///" -> "/". */
static char *normalized(const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n) {
            sb_putc(&sb, '/');
            sb_append(&sb, p, n);
        }
        p += n;
    }
    if (sb.len == 0)
        sb_putc(&sb, '/');
    return sb_detach(&sb, NULL);
}

static bool same_name(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_route(const struct route *a, const struct route *b)
{
    return a->kind == b->kind && same_name(a->tenant, b->tenant) &&
           same_name(a->domain, b->domain) && same_name(a->mailbox, b->mailbox) &&
           same_name(a->name, b->name);
}

static bool in_storage(const struct route *rt, const char *s)
{
    return s >= rt->storage && s < rt->storage + sizeof rt->storage;
}

/* The names a route holds are exactly the parameters on its chain. */
static void check_route(const struct route *rt)
{
    FUZZ_CHECK(rt->kind >= 0 && rt->kind < N_COUNT);
    bool want[P_LINKNAME + 1] = {false};
    int depth = 0;
    for (enum node_kind k = rt->kind; k != N_ROOT; k = node_type(k)->parent) {
        FUZZ_CHECK(++depth < 16);
        want[node_type(k)->param] = true;
    }
    const char *names[] = {rt->tenant, rt->domain, rt->mailbox, rt->name};
    bool wanted[] = {want[P_TENANT], want[P_DOMAIN], want[P_MAILBOX],
                     want[P_EMAIL] || want[P_LINKNAME]};
    for (int i = 0; i < 4; i++) {
        FUZZ_CHECK(!names[i] == !wanted[i]);
        if (names[i]) {
            FUZZ_CHECK(name_is_safe(names[i]));
            FUZZ_CHECK(in_storage(rt, names[i]));
        }
    }
}

static void check_child(const struct route *dir, const char *dir_path, const char *name)
{
    struct route child;
    int rc = route_child(dir, name, &child);
    FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -ENAMETOOLONG || rc == -ENOTDIR);
    if (rc != 0)
        return;
    check_route(&child);
    FUZZ_CHECK(node_type(child.kind)->parent == dir->kind && child.kind != N_ROOT);
    struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
    sb_puts(&want, dir_path);
    if (want.len > 1)
        sb_putc(&want, '/');
    sb_puts(&want, name);
    route_format(&child, &got);
    FUZZ_CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
    struct route again;
    FUZZ_CHECK(route_path(want.data, &again) == 0 && same_route(&again, &child));
    sb_free(&want);
    sb_free(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Up to the first NUL is the path, the rest (to the next NUL) a child
     * name. */
    char *path = strndup((const char *)data, size);
    size_t plen = strlen(path);
    char *name = plen < size ? strndup((const char *)data + plen + 1, size - plen - 1) : NULL;

    struct route rt;
    int rc = route_path(path, &rt);
    FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -ENAMETOOLONG || rc == -ENOTDIR);
    if (plen >= sizeof rt.storage)
        FUZZ_CHECK(rc == -ENAMETOOLONG);
    char *want = normalized(path);
    free(path); /* the route must not point into the caller's string */
    if (rc == 0) {
        check_route(&rt);
        struct strbuf sb = STRBUF_INIT;
        route_format(&rt, &sb);
        FUZZ_CHECK(sb.data && strcmp(sb.data, want) == 0);
        struct route again;
        FUZZ_CHECK(route_path(sb.data, &again) == 0 && same_route(&again, &rt));
        if (name)
            check_child(&rt, sb.data, name);
        sb_free(&sb);
    }
    free(want);
    free(name);
    return 0;
}
