/* test_router: paths to routes for every node kind of tree.h, every way a
 * path can be wrong, route_child and route_format round trips, and the
 * consistency of the node table itself (SEMANTICS.md §3). */
#include <errno.h>
#include <sys/stat.h>

#include "check.h"
#include "metrics.h"
#include "render.h"
#include "strbuf.h"
#include "nodeops.h"
#include "tree.h"

#define GUID  "8f1c2e4a-1b2c-4d5e-8f90-123456789abc"
#define DOM   "mail.acmecorp.com"
#define MBOX  "6b1e0a52-7c3d-4e8f-9a10-b2c3d4e5f607"
#define EMAIL "john.doe@mail.acmecorp.com"
#define LINK  "Acme Corp~8f1c2e4a"

#define T "/tenants/" GUID
#define D T "/domains/" DOM
#define M T "/mailboxes/" MBOX

struct want {
    const char *path;
    enum node_kind kind;
    const char *tenant, *domain, *mailbox, *name;
};

/* One path for every node kind, in node-kind order. */
static const struct want valid[] = {
    {"/", N_ROOT, NULL, NULL, NULL, NULL},
    {"/tenants", N_TENANTS, NULL, NULL, NULL, NULL},
    {T, N_TENANT, GUID, NULL, NULL, NULL},
    {T "/tenant.json", N_TENANT_JSON, GUID, NULL, NULL, NULL},
    {T "/name", N_TENANT_NAME, GUID, NULL, NULL, NULL},
    {T "/sync", N_TENANT_SYNC, GUID, NULL, NULL, NULL},
    {T "/last_sync.json", N_TENANT_LAST_SYNC, GUID, NULL, NULL, NULL},
    {T "/mailbox_limit", N_TENANT_LIMIT, GUID, NULL, NULL, NULL},
    {T "/health", N_TENANT_HEALTH, GUID, NULL, NULL, NULL},
    {T "/dns.zone", N_TENANT_ZONE, GUID, NULL, NULL, NULL},
    {T "/mailboxes.csv", N_TENANT_CSV, GUID, NULL, NULL, NULL},
    {T "/enforcement.log", N_TENANT_EVENTS_LOG, GUID, NULL, NULL, NULL},
    {T "/enforcement.jsonl", N_TENANT_EVENTS_JSONL, GUID, NULL, NULL, NULL},
    {T "/domains", N_DOMAINS, GUID, NULL, NULL, NULL},
    {D, N_DOMAIN, GUID, DOM, NULL, NULL},
    {D "/domain.json", N_DOMAIN_JSON, GUID, DOM, NULL, NULL},
    {D "/dns.json", N_DNS_JSON, GUID, DOM, NULL, NULL},
    {D "/dkim_status", N_DKIM_STATUS, GUID, DOM, NULL, NULL},
    {D "/dkim.json", N_DKIM_JSON, GUID, DOM, NULL, NULL},
    {D "/verify", N_VERIFY, GUID, DOM, NULL, NULL},
    {D "/mailbox_limit", N_DOMAIN_LIMIT, GUID, DOM, NULL, NULL},
    {D "/provision", N_PROVISION, GUID, DOM, NULL, NULL},
    {D "/last_provision.json", N_LAST_PROVISION, GUID, DOM, NULL, NULL},
    {D "/dns.zone", N_DOMAIN_ZONE, GUID, DOM, NULL, NULL},
    {D "/mailboxes", N_DOMAIN_MAILBOXES, GUID, DOM, NULL, NULL},
    {D "/mailboxes/" EMAIL, N_DOMAIN_MAILBOX_LINK, GUID, DOM, NULL, EMAIL},
    {T "/mailboxes", N_MAILBOXES, GUID, NULL, NULL, NULL},
    {M, N_MAILBOX, GUID, NULL, MBOX, NULL},
    {M "/mailbox.json", N_MAILBOX_JSON, GUID, NULL, MBOX, NULL},
    {M "/usage.json", N_USAGE_JSON, GUID, NULL, MBOX, NULL},
    {M "/daily_send_limit", N_DAILY_LIMIT, GUID, NULL, MBOX, NULL},
    {M "/display_name", N_DISPLAY_NAME, GUID, NULL, MBOX, NULL},
    {"/health", N_HEALTH, NULL, NULL, NULL, NULL},
    {"/enforcement.log", N_EVENTS_LOG, NULL, NULL, NULL, NULL},
    {"/enforcement.jsonl", N_EVENTS_JSONL, NULL, NULL, NULL, NULL},
    {"/by-name", N_BY_NAME, NULL, NULL, NULL, NULL},
    {"/by-name/" LINK, N_BY_NAME_LINK, NULL, NULL, NULL, LINK},
    {"/.tenantcorefs", N_META, NULL, NULL, NULL, NULL},
    {"/.tenantcorefs/stats.json", N_META_STATS, NULL, NULL, NULL, NULL},
    {"/.tenantcorefs/errors", N_META_ERRORS, NULL, NULL, NULL, NULL},
    {"/metrics.prom", N_METRICS, NULL, NULL, NULL, NULL},
    {"/.tenantcorefs/metrics.prom", N_META_METRICS, NULL, NULL, NULL, NULL},
    {"/.tenantcorefs/invalidate", N_META_INVALIDATE, NULL, NULL, NULL, NULL},
};

static void check_opt_str(const char *got, const char *want, const char *path, const char *what)
{
    if (!want) {
        CHECK(got == NULL);
        if (got)
            fprintf(stderr, "  %s: %s is \"%s\", expected none\n", path, what, got);
    } else {
        CHECK_STR(got, want);
    }
}

static void check_route(const struct route *rt, const struct want *w)
{
    CHECK_INT(rt->kind, w->kind);
    if (rt->kind != w->kind)
        fprintf(stderr, "  for %s\n", w->path);
    check_opt_str(rt->tenant, w->tenant, w->path, "tenant");
    check_opt_str(rt->domain, w->domain, w->path, "domain");
    check_opt_str(rt->mailbox, w->mailbox, w->path, "mailbox");
    check_opt_str(rt->name, w->name, w->path, "name");
}

static void test_valid_paths(void)
{
    size_t n = sizeof valid / sizeof valid[0];
    CHECK_INT(n, N_COUNT);
    bool seen[N_COUNT] = {false};
    for (size_t i = 0; i < n; i++) {
        struct route rt;
        int rc = route_path(valid[i].path, &rt);
        CHECK_INT(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  for %s\n", valid[i].path);
            continue;
        }
        check_route(&rt, &valid[i]);
        seen[valid[i].kind] = true;

        /* route_format gives the path back. */
        struct strbuf sb = STRBUF_INIT;
        route_format(&rt, &sb);
        CHECK_STR(sb.data, valid[i].path);
        sb_free(&sb);
    }
    for (int k = 0; k < N_COUNT; k++)
        CHECK(seen[k]);
}

static void test_names_that_look_like_literals(void)
{
    struct route rt;
    /* A tenant, domain, mailbox or link named like a literal file is still
     * a parameter at its level. */
    CHECK_INT(route_path("/tenants/health", &rt), 0);
    CHECK_INT(rt.kind, N_TENANT);
    CHECK_STR(rt.tenant, "health");
    CHECK_INT(route_path("/tenants/tenants/domains/name", &rt), 0);
    CHECK_INT(rt.kind, N_DOMAIN);
    CHECK_STR(rt.tenant, "tenants");
    CHECK_STR(rt.domain, "name");
    CHECK_INT(route_path(T "/mailboxes/mailbox.json", &rt), 0);
    CHECK_INT(rt.kind, N_MAILBOX);
    CHECK_STR(rt.mailbox, "mailbox.json");
    CHECK_INT(route_path("/by-name/health", &rt), 0);
    CHECK_INT(rt.kind, N_BY_NAME_LINK);
    CHECK_STR(rt.name, "health");

    /* Names the API can send and that are safe: spaces, '~', dots, UTF-8,
     * a leading dash, a backslash. */
    static const char *const names[] = {
        "Acme Corp",   "Acme Corp~12345678",
        "...",         ".hidden",
        "-rf",         "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0",
        "back\\slash", "a b  c ",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct strbuf p = STRBUF_INIT;
        sb_printf(&p, "/by-name/%s", names[i]);
        CHECK_INT(route_path(p.data, &rt), 0);
        CHECK_INT(rt.kind, N_BY_NAME_LINK);
        CHECK_STR(rt.name, names[i]);
        sb_reset(&p);
        sb_printf(&p, "/tenants/%s/domains", names[i]);
        CHECK_INT(route_path(p.data, &rt), 0);
        CHECK_INT(rt.kind, N_DOMAINS);
        CHECK_STR(rt.tenant, names[i]);
        sb_free(&p);
    }

    /* A component of exactly 255 bytes is fine. */
    char name[256];
    memset(name, 'a', 255);
    name[255] = '\0';
    struct strbuf p = STRBUF_INIT;
    sb_printf(&p, "/tenants/%s/domains/%s/dns.json", name, name);
    CHECK_INT(route_path(p.data, &rt), 0);
    CHECK_INT(rt.kind, N_DNS_JSON);
    CHECK_INT(strlen(rt.tenant), 255);
    CHECK_INT(strlen(rt.domain), 255);
    sb_free(&p);
}

struct bad {
    const char *path;
    int err;
};

static void test_invalid_paths(void)
{
    static const struct bad bad[] = {
        /* Unknown names at each level. */
        {"/nope", -ENOENT},
        {"/Tenants", -ENOENT},
        {"/tenant", -ENOENT},
        {"/tenants.json", -ENOENT},
        {T "/nope", -ENOENT},
        {T "/Name", -ENOENT},
        {T "/tenant.json~", -ENOENT},
        {T "/domains/" DOM "/nope", -ENOENT},
        {T "/domains/" DOM "/mailboxes.csv", -ENOENT},
        {M "/nope", -ENOENT},
        {M "/usage", -ENOENT},
        {"/.tenantcorefs/nope", -ENOENT},
        {"/.tenantcorefs/stats", -ENOENT},
        {"/.TENANTCOREFS", -ENOENT},
        /* Files and links used as directories. */
        {"/health/x", -ENOTDIR},
        {T "/name/x", -ENOTDIR},
        {T "/tenant.json/x", -ENOTDIR},
        {T "/sync/x", -ENOTDIR},
        {T "/mailboxes.csv/x", -ENOTDIR},
        {D "/dns.json/x", -ENOTDIR},
        {D "/verify/x/y", -ENOTDIR},
        {D "/mailboxes/" EMAIL "/x", -ENOTDIR},
        {M "/daily_send_limit/x", -ENOTDIR},
        {"/by-name/" LINK "/x", -ENOTDIR},
        {"/.tenantcorefs/invalidate/x", -ENOTDIR},
        /* Unsafe names. */
        {"/.", -ENOENT},
        {"/..", -ENOENT},
        {"/tenants/.", -ENOENT},
        {"/tenants/..", -ENOENT},
        {"/tenants/../health", -ENOENT},
        {"/tenants/" GUID "/domains/..", -ENOENT},
        {"/tenants/" GUID "/domains/./dns.json", -ENOENT},
        {"/tenants/" GUID "/mailboxes/..", -ENOENT},
        {D "/mailboxes/..", -ENOENT},
        {"/by-name/..", -ENOENT},
        {"/by-name/.", -ENOENT},
        {"/tenants/a\nb", -ENOENT},
        {"/tenants/a\tb/name", -ENOENT},
        {"/tenants/\x1b[31mred", -ENOENT},
        {"/tenants/\x7f", -ENOENT},
        {"/by-name/Acme\rCorp", -ENOENT},
        {"/tenants/" GUID "/domains/mail\x01.com", -ENOENT},
        {"/tenants/caf\xc3", -ENOENT},  /* truncated UTF-8 */
        {"/tenants/\xc0\xaf", -ENOENT}, /* overlong '/' */
        {"/by-name/\xff\xfe", -ENOENT},
        /* Relative and empty paths. */
        {"", -ENOENT},
        {"tenants", -ENOENT},
        {"tenants/" GUID, -ENOENT},
        {"./tenants", -ENOENT},
        {"health", -ENOENT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct route rt;
        int rc = route_path(bad[i].path, &rt);
        CHECK_INT(rc, bad[i].err);
        if (rc != bad[i].err)
            fprintf(stderr, "  for \"%s\"\n", bad[i].path);
    }

    /* Components longer than 255 bytes, at each level. */
    char longname[257];
    memset(longname, 'x', 256);
    longname[256] = '\0';
    static const char *const around[][2] = {
        {"/", ""},           {"/tenants/", ""}, {"/tenants/", "/name"},  {T "/", ""},
        {T "/domains/", ""}, {D "/", ""},       {D "/mailboxes/", ""},   {T "/mailboxes/", ""},
        {M "/", ""},         {"/by-name/", ""}, {"/.tenantcorefs/", ""},
    };
    for (size_t i = 0; i < sizeof around / sizeof around[0]; i++) {
        struct strbuf p = STRBUF_INIT;
        sb_puts(&p, around[i][0]);
        sb_puts(&p, longname);
        sb_puts(&p, around[i][1]);
        struct route rt;
        int rc = route_path(p.data, &rt);
        CHECK_INT(rc, -ENAMETOOLONG);
        if (rc != -ENAMETOOLONG)
            fprintf(stderr, "  for %s<256 bytes>%s\n", around[i][0], around[i][1]);
        sb_free(&p);
    }
    /* 256 bytes of multi-byte characters are too long as well. */
    struct strbuf p = STRBUF_INIT;
    sb_puts(&p, "/by-name/");
    for (int i = 0; i < 128; i++)
        sb_puts(&p, "\xc3\xab");
    struct route rt;
    CHECK_INT(route_path(p.data, &rt), -ENAMETOOLONG);
    sb_free(&p);

    /* A whole path longer than PATH_MAX. */
    sb_puts(&p, "/tenants/" GUID "/domains/");
    while (p.len < 5000)
        sb_puts(&p, "a/");
    CHECK_INT(route_path(p.data, &rt), -ENAMETOOLONG);
    sb_free(&p);
}

/* route_child of every valid path's parent gives the same route. */
static void test_route_child(void)
{
    size_t n = sizeof valid / sizeof valid[0];
    for (size_t i = 1; i < n; i++) {
        const char *path = valid[i].path;
        const char *slash = strrchr(path, '/');
        char parent[512];
        size_t plen = (size_t)(slash - path);
        if (plen == 0)
            plen = 1; /* "/" */
        memcpy(parent, path, plen);
        parent[plen] = '\0';
        struct route dir, child;
        CHECK_INT(route_path(parent, &dir), 0);
        CHECK_INT(node_type(valid[i].kind)->parent, dir.kind);
        int rc = route_child(&dir, slash + 1, &child);
        CHECK_INT(rc, 0);
        if (rc == 0)
            check_route(&child, &valid[i]);
        struct strbuf sb = STRBUF_INIT;
        route_format(&child, &sb);
        CHECK_STR(sb.data, path);
        sb_free(&sb);
    }

    struct route dir, child;
    CHECK_INT(route_path("/tenants", &dir), 0);
    CHECK_INT(route_child(&dir, GUID, &child), 0);
    CHECK_INT(child.kind, N_TENANT);
    CHECK_STR(child.tenant, GUID);
    /* Names with a slash are never a child. */
    CHECK_INT(route_child(&dir, GUID "/name", &child), -ENOENT);
    CHECK_INT(route_child(&dir, "a/b", &child), -ENOENT);
    CHECK_INT(route_child(&dir, "..", &child), -ENOENT);
    CHECK_INT(route_child(&dir, "a\nb", &child), -ENOENT);
    CHECK_INT(route_child(&dir, "", &child), -ENOENT); /* not dir itself */
    CHECK_INT(route_child(&dir, ".", &child), -ENOENT);
    /* The route of the child owns its strings (dir can go away). */
    CHECK_INT(route_path(D, &dir), 0);
    CHECK_INT(route_child(&dir, "mailboxes", &child), 0);
    memset(&dir, 0x5a, sizeof dir);
    CHECK_INT(child.kind, N_DOMAIN_MAILBOXES);
    CHECK_STR(child.tenant, GUID);
    CHECK_STR(child.domain, DOM);
    CHECK(child.tenant >= child.storage && child.tenant < child.storage + sizeof child.storage);

    /* Children of files. */
    CHECK_INT(route_path(T "/name", &dir), 0);
    CHECK_INT(route_child(&dir, "x", &child), -ENOTDIR);
    CHECK_INT(route_path("/by-name/" LINK, &dir), 0);
    CHECK_INT(route_child(&dir, "x", &child), -ENOTDIR);
    /* Unknown literal child of a directory without parameters. */
    CHECK_INT(route_path(M, &dir), 0);
    CHECK_INT(route_child(&dir, "nope", &child), -ENOENT);
    char longname[300];
    memset(longname, 'y', 299);
    longname[299] = '\0';
    CHECK_INT(route_path("/tenants", &dir), 0);
    CHECK_INT(route_child(&dir, longname, &child), -ENAMETOOLONG);
    /* The root's children. */
    CHECK_INT(route_path("/", &dir), 0);
    CHECK_INT(route_child(&dir, "health", &child), 0);
    CHECK_INT(child.kind, N_HEALTH);
    struct strbuf sb = STRBUF_INIT;
    route_format(&dir, &sb);
    CHECK_STR(sb.data, "/");
    sb_free(&sb);
}

/* The table is the tree: check it against itself and against SEMANTICS.md §3. */
static void test_node_table(void)
{
    for (int k = 0; k < N_COUNT; k++) {
        const struct node_type *t = node_type(k);
        CHECK(t == &node_types[k]);
        CHECK_INT(t->kind, k);
        CHECK(t->parent >= 0 && t->parent < N_COUNT);
        const struct node_type *p = node_type(t->parent);
        CHECK(S_ISDIR(p->mode));
        if (k != N_ROOT) {
            CHECK(t->parent != (enum node_kind)k);
            /* The parent chain reaches the root. */
            int depth = 0;
            enum node_kind a = t->kind;
            while (a != N_ROOT && depth < N_COUNT) {
                a = node_type(a)->parent;
                depth++;
            }
            CHECK_INT(a, N_ROOT);
            /* Literal or parameter, never both. */
            CHECK((t->name != NULL) == (t->param == P_NONE));
            if (t->name) {
                CHECK(*t->name != '\0');
                CHECK(strchr(t->name, '/') == NULL);
            }
        }
        mode_t perm = t->mode & 07777;
        if (S_ISDIR(t->mode)) {
            CHECK_INT(perm, 0755);
            CHECK(node_ops(k)->render == NULL);
            CHECK(node_ops(k)->write == NULL);
        } else if (S_ISREG(t->mode)) {
            CHECK(node_ops(k)->render != NULL); /* every file is readable */
            CHECK(perm == 0444 || perm == 0644);
            if (perm == 0644)
                CHECK(node_ops(k)->write != NULL);
            else
                CHECK(node_ops(k)->write == NULL);
            if (t->flags & NF_ACTION) {
                CHECK_INT(perm, 0644);
                CHECK(node_ops(k)->render == render_empty);
            }
        } else if (S_ISLNK(t->mode)) {
            CHECK(node_ops(k)->render != NULL); /* the target */
            CHECK(node_ops(k)->write == NULL);
            CHECK(t->param != P_NONE);
        } else {
            CHECK(!"a node that is neither directory, file nor link");
        }
        if (node_ops(k)->render == render_empty)
            CHECK(t->flags & NF_ACTION);
        if ((node_ops(k)->render == NULL) != S_ISDIR(t->mode))
            fprintf(stderr, "  node kind %d (%s)\n", k, t->name ? t->name : "(param)");
    }

    /* Sibling names are unique, and a directory has at most one parameter
     * child. */
    for (int a = 1; a < N_COUNT; a++) {
        int params = 0;
        for (int b = 1; b < N_COUNT; b++) {
            if (node_types[b].parent != (enum node_kind)a)
                continue;
            params += node_types[b].name == NULL;
            for (int c = b + 1; c < N_COUNT; c++)
                if (node_types[c].parent == (enum node_kind)a && node_types[b].name &&
                    node_types[c].name)
                    CHECK(strcmp(node_types[b].name, node_types[c].name) != 0);
        }
        CHECK(params <= 1);
    }

    /* SEMANTICS.md §3: r read-only, rw writable, a action (0644, reads empty). */
    static const struct {
        enum node_kind k;
        mode_t mode;
        unsigned flags;
    } spec[] = {
        {N_TENANT_JSON, S_IFREG | 0444, 0},
        {N_TENANT_NAME, S_IFREG | 0444, 0},
        {N_TENANT_SYNC, S_IFREG | 0644, NF_ACTION},
        {N_TENANT_LAST_SYNC, S_IFREG | 0444, NF_LOCAL},
        {N_TENANT_LIMIT, S_IFREG | 0644, 0},
        {N_TENANT_HEALTH, S_IFREG | 0444, 0},
        {N_TENANT_ZONE, S_IFREG | 0444, 0},
        {N_TENANT_CSV, S_IFREG | 0444, 0},
        {N_DOMAIN_JSON, S_IFREG | 0444, 0},
        {N_DNS_JSON, S_IFREG | 0444, 0},
        {N_DKIM_STATUS, S_IFREG | 0644, 0},
        {N_DKIM_JSON, S_IFREG | 0444, 0},
        {N_VERIFY, S_IFREG | 0644, 0},
        {N_DOMAIN_LIMIT, S_IFREG | 0644, 0},
        {N_PROVISION, S_IFREG | 0644, NF_ACTION},
        {N_LAST_PROVISION, S_IFREG | 0444, NF_LOCAL},
        {N_DOMAIN_ZONE, S_IFREG | 0444, 0},
        {N_DOMAIN_MAILBOX_LINK, S_IFLNK | 0777, 0},
        {N_MAILBOX_JSON, S_IFREG | 0444, 0},
        {N_USAGE_JSON, S_IFREG | 0444, 0},
        {N_DAILY_LIMIT, S_IFREG | 0644, 0},
        {N_DISPLAY_NAME, S_IFREG | 0644, 0},
        {N_HEALTH, S_IFREG | 0444, 0},
        {N_METRICS, S_IFREG | 0444, 0},
        {N_BY_NAME_LINK, S_IFLNK | 0777, 0},
        {N_META_STATS, S_IFREG | 0444, NF_VOLATILE},
        {N_META_ERRORS, S_IFREG | 0444, NF_VOLATILE},
        {N_META_METRICS, S_IFREG | 0444, NF_VOLATILE},
        {N_META_INVALIDATE, S_IFREG | 0644, NF_ACTION},
    };
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        const struct node_type *t = node_type(spec[i].k);
        CHECK_INT(t->mode, spec[i].mode);
        CHECK_INT(t->flags, spec[i].flags);
        if (t->mode != spec[i].mode || t->flags != spec[i].flags)
            fprintf(stderr, "  node %s\n", t->name ? t->name : "(param)");
    }
    /* Parameters sit where the tree says. */
    CHECK_INT(node_type(N_TENANT)->param, P_TENANT);
    CHECK_INT(node_type(N_DOMAIN)->param, P_DOMAIN);
    CHECK_INT(node_type(N_MAILBOX)->param, P_MAILBOX);
    CHECK_INT(node_type(N_DOMAIN_MAILBOX_LINK)->param, P_EMAIL);
    CHECK_INT(node_type(N_BY_NAME_LINK)->param, P_LINKNAME);
    /* Renderers are the ones of render.h for the API-backed files. */
    CHECK(node_ops(N_DAILY_LIMIT)->render == render_daily_limit);
    CHECK(node_ops(N_TENANT_LIMIT)->render == render_policy_limit);
    CHECK(node_ops(N_DOMAIN_LIMIT)->render == render_policy_limit);
    CHECK(node_ops(N_DOMAIN_ZONE)->render == render_domain_zone);
    CHECK(node_ops(N_TENANT_ZONE)->render == render_tenant_zone);
    CHECK(node_ops(N_TENANT_CSV)->render == render_tenant_csv);
    CHECK(node_ops(N_HEALTH)->render == render_fleet_health);
    CHECK(node_ops(N_TENANT_HEALTH)->render == render_tenant_health);
    CHECK(node_ops(N_EVENTS_LOG)->render == render_enforcement_log);
    CHECK(node_ops(N_TENANT_EVENTS_JSONL)->render == render_enforcement_jsonl);
    CHECK(node_ops(N_METRICS)->render == render_fleet_metrics);
    CHECK(node_ops(N_META_METRICS)->render == render_daemon_metrics);
}

int main(void)
{
    test_valid_paths();
    test_names_that_look_like_literals();
    test_invalid_paths();
    test_route_child();
    test_node_table();
    return check_report("test_router");
}
