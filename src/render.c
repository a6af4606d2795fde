/* render: the render context and the renderers of API-backed files. */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "names.h"
#include "values.h"

void render_ctx_init(struct render_ctx *rctx, const struct res_source *src, bool peek,
                     struct mount *mount)
{
    memset(rctx, 0, sizeof *rctx);
    rctx->src = *src;
    rctx->peek = peek;
    rctx->mount = mount;
}

void render_ctx_done(struct render_ctx *rctx)
{
    for (size_t i = 0; i < rctx->nheld; i++)
        resource_put(rctx->held[i]);
    free(rctx->held);
    rctx->held = NULL;
    rctx->nheld = rctx->capheld = 0;
}

int rctx_fail(struct render_ctx *rctx, int err, const char *message)
{
    api_error_set(&rctx->err, err, 0, NULL, message);
    return -err;
}

void rctx_stamp(struct render_ctx *rctx, const cJSON *obj)
{
    time_t t = json_timestamp(obj);
    if (t > rctx->stamp)
        rctx->stamp = t;
}

int rctx_get(struct render_ctx *rctx, enum res_kind kind, const char *tenant, const char *sub,
             const struct resource **out)
{
    struct res_id id = {.kind = kind, .tenant = tenant, .sub = sub};
    struct resource *r = NULL;
    int err = rctx->src.get(rctx->src.arg, &id, rctx->peek, &r, &rctx->err);
    if (err != 0)
        return err;
    if (rctx->nheld == rctx->capheld) {
        rctx->capheld = rctx->capheld ? rctx->capheld * 2 : 8;
        rctx->held = xrealloc(rctx->held, rctx->capheld * sizeof *rctx->held);
    }
    rctx->held[rctx->nheld++] = r;
    if (r->expires_ms && (!rctx->expires_ms || r->expires_ms < rctx->expires_ms))
        rctx->expires_ms = r->expires_ms;
    if (r->status == RES_OK && kind != RES_TENANTS && kind != RES_DOMAINS && kind != RES_MAILBOXES)
        rctx_stamp(rctx, r->json);
    *out = r;
    return 0;
}

void rctx_prefetch(struct render_ctx *rctx, enum res_kind kind, const char *tenant, const char *sub)
{
    struct res_id id = {.kind = kind, .tenant = tenant, .sub = sub};
    if (!rctx->peek && rctx->src.prefetch)
        rctx->src.prefetch(rctx->src.arg, &id);
}

static int rctx_item(struct render_ctx *rctx, enum res_kind kind, const char *tenant,
                     const char *name, const cJSON **item, const char *what)
{
    const struct resource *r;
    int err = rctx_get(rctx, kind, tenant, NULL, &r);
    if (err)
        return err;
    *item = resource_child(r, name);
    if (!*item) {
        char msg[64];
        snprintf(msg, sizeof msg, "no such %s", what);
        return rctx_fail(rctx, ENOENT, msg);
    }
    return 0;
}

int rctx_tenant(struct render_ctx *rctx, const char *tenant, const cJSON **item)
{
    return rctx_item(rctx, RES_TENANTS, NULL, tenant, item, "tenant");
}

int rctx_domain(struct render_ctx *rctx, const char *tenant, const char *domain, const cJSON **item)
{
    return rctx_item(rctx, RES_DOMAINS, tenant, domain, item, "domain");
}

int rctx_mailbox(struct render_ctx *rctx, const char *tenant, const char *mailbox,
                 const cJSON **item)
{
    return rctx_item(rctx, RES_MAILBOXES, tenant, mailbox, item, "mailbox");
}

const char *mailbox_domain(const cJSON *item)
{
    const char *d = json_str(item, "domain_name");
    if (d)
        return d;
    const char *email = json_str(item, "primary_smtp");
    const char *at = email ? strrchr(email, '@') : NULL;
    return at ? at + 1 : NULL;
}

void append_line(struct strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        sb_putc(out, (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p);
    sb_putc(out, '\n');
}

/* ---- whole objects as JSON files -------------------------------------- */

static int render_resource_json(struct render_ctx *rctx, enum res_kind kind, const char *tenant,
                                const char *sub, struct strbuf *out)
{
    const struct resource *r;
    int err = rctx_get(rctx, kind, tenant, sub, &r);
    if (err)
        return err;
    json_print_pretty(out, r->json);
    return 0;
}

int render_tenant_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_resource_json(rctx, RES_TENANT, rt->tenant, NULL, out);
}

int render_dns_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_resource_json(rctx, RES_DNS, rt->tenant, rt->domain, out);
}

int render_dkim_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_resource_json(rctx, RES_DKIM, rt->tenant, rt->domain, out);
}

int render_usage_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_resource_json(rctx, RES_USAGE, rt->tenant, rt->mailbox, out);
}

/* One item of a list (a domain, a mailbox) as its own file. */
static int render_item_json(struct render_ctx *rctx, enum res_kind list, const char *tenant,
                            const char *name, const char *what, struct strbuf *out)
{
    const cJSON *item;
    int err = rctx_item(rctx, list, tenant, name, &item, what);
    if (err)
        return err;
    rctx_stamp(rctx, item);
    json_print_pretty(out, item);
    return 0;
}

int render_domain_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_item_json(rctx, RES_DOMAINS, rt->tenant, rt->domain, "domain", out);
}

int render_mailbox_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return render_item_json(rctx, RES_MAILBOXES, rt->tenant, rt->mailbox, "mailbox", out);
}

/* ---- one value per file ----------------------------------------------- */

int render_empty(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rctx;
    (void)rt;
    (void)out;
    return 0;
}

/* A text value: a string, or an empty line when null or absent; any other
 * type is not what the API documents (EIO, as for limits). */
static int append_text_member(struct render_ctx *rctx, const cJSON *item, const char *name,
                              struct strbuf *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, name);
    if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s in the API's answer is not a string", name);
        return rctx_fail(rctx, EIO, msg);
    }
    append_line(out, cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
    return 0;
}

int render_tenant_name(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const cJSON *item;
    int err = rctx_tenant(rctx, rt->tenant, &item);
    if (err)
        return err;
    rctx_stamp(rctx, item);
    return append_text_member(rctx, item, "tenant_name", out);
}

/* A limit value: 1 with *n for an integer, 0 for none (null or absent),
 * -1 for anything else: not something the API documents, so refused
 * rather than guessed. */
static int limit_value(const cJSON *v, long long *n)
{
    if (!v || cJSON_IsNull(v))
        return 0;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    /* Range first: casting 1e300 to long long is undefined (fuzz_response). */
    if (!cJSON_IsNumber(v) || !(d >= 0 && d <= 1e15) || d != (double)(long long)d)
        return -1;
    *n = (long long)d;
    return 1;
}

static int append_limit(struct render_ctx *rctx, const cJSON *v, struct strbuf *out)
{
    long long n;
    int found = limit_value(v, &n);
    if (found < 0)
        return rctx_fail(rctx, EIO, "daily_send_limit in the API's answer is not an integer");
    if (found)
        sb_printf(out, "%lld\n", n);
    else
        sb_puts(out, "none\n");
    return 0;
}

static int policy_limit(const struct resource *r, long long *limit, const cJSON **from)
{
    *from = NULL;
    if (r->status == RES_POLICY_NONE)
        return 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, "daily_send_limit");
    if (!v) {
        const cJSON *policy = cJSON_GetObjectItemCaseSensitive(r->json, "policy");
        if (cJSON_IsNull(policy))
            return 0;
        if (!cJSON_IsObject(policy))
            return -1;
        v = cJSON_GetObjectItemCaseSensitive(policy, "daily_send_limit");
        *from = policy;
    }
    return limit_value(v, limit);
}

/* The route's mailbox item, whose time the file takes. */
static int stamped_mailbox(struct render_ctx *rctx, const struct route *rt, const cJSON **item)
{
    int err = rctx_mailbox(rctx, rt->tenant, rt->mailbox, item);
    if (!err)
        rctx_stamp(rctx, *item);
    return err;
}

int render_daily_limit(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const cJSON *item;
    int err = stamped_mailbox(rctx, rt, &item);
    return err ? err
               : append_limit(rctx, cJSON_GetObjectItemCaseSensitive(item, "daily_send_limit"),
                              out);
}

int render_display_name(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const cJSON *item;
    int err = stamped_mailbox(rctx, rt, &item);
    return err ? err : append_text_member(rctx, item, "display_name", out);
}

int rctx_policy_limit(struct render_ctx *rctx, const char *tenant, const char *scope,
                      long long *limit, const cJSON **from)
{
    const struct resource *r;
    int err = rctx_get(rctx, RES_POLICY, tenant, scope, &r);
    if (err)
        return err;
    int found = policy_limit(r, limit, from);
    if (found < 0)
        return rctx_fail(rctx, EIO, "the mailbox-limits answer has no integer daily_send_limit");
    return found;
}

int render_policy_limit(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    long long n;
    const cJSON *from;
    int found = rctx_policy_limit(rctx, rt->tenant, rt->domain ? rt->domain : "", &n, &from);
    if (found < 0)
        return found;
    rctx_stamp(rctx, from);
    if (found)
        sb_printf(out, "%lld\n", n);
    else
        sb_puts(out, "none\n");
    return 0;
}

int render_dkim_status(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const struct resource *r;
    int err = rctx_get(rctx, RES_DKIM, rt->tenant, rt->domain, &r);
    if (err)
        return err;
    const char *s = json_str(r->json, "dkim_status");
    if (!s)
        return rctx_fail(rctx, EIO, "the dkim-status answer has no dkim_status string");
    append_line(out, s);
    return 0;
}

int render_verify(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const cJSON *item;
    int err = rctx_domain(rctx, rt->tenant, rt->domain, &item);
    if (err)
        return err;
    rctx_stamp(rctx, item);
    int v = json_bool(item, "is_verified", -1);
    if (v < 0)
        return rctx_fail(rctx, EIO, "the domain has no boolean is_verified");
    sb_puts(out, v ? "verified\n" : "unverified\n");
    return 0;
}

/* ---- links ------------------------------------------------------------ */

int render_mailbox_link(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const struct resource *r;
    int err = rctx_get(rctx, RES_MAILBOXES, rt->tenant, NULL, &r);
    if (err)
        return err;
    for (size_t i = 0; i < r->nchildren; i++) {
        const cJSON *item = r->children[i].item;
        const char *email = json_str(item, "primary_smtp");
        const char *domain = mailbox_domain(item);
        if (email && domain && strcmp(email, rt->name) == 0 && strcmp(domain, rt->domain) == 0) {
            struct route target = {
                .kind = N_MAILBOX, .tenant = rt->tenant, .mailbox = r->children[i].name};
            route_link_target(rt, &target, out);
            return 0;
        }
    }
    return rctx_fail(rctx, ENOENT, "no such mailbox on this domain");
}

int render_by_name_link(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const struct resource *r;
    int err = rctx_get(rctx, RES_TENANTS, NULL, NULL, &r);
    if (err)
        return err;
    char **names = by_name_names(r);
    int found = -1;
    for (size_t i = 0; i < r->nchildren && found < 0; i++)
        if (names[i] && strcmp(names[i], rt->name) == 0)
            found = (int)i;
    by_name_free(names, r->nchildren);
    if (found < 0)
        return rctx_fail(rctx, ENOENT, "no tenant by that name");
    struct route target = {.kind = N_TENANT, .tenant = r->children[found].name};
    route_link_target(rt, &target, out);
    return 0;
}

struct link_order {
    char **names;
    const struct resource *tenants;
};

/* By link name, then by tenant id (unique), so the order is total. */
static int cmp_link(const void *a, const void *b, void *arg)
{
    const struct link_order *lo = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(lo->names[i], lo->names[j]);
    return c ? c : strcmp(lo->tenants->children[i].name, lo->tenants->children[j].name);
}

/* base~<id>: at most idmax bytes of the id, cut on a character boundary
 * (a name must stay valid UTF-8), and base cut so the whole fits in a
 * file name. */
static char *link_with_id(const char *base, const char *id, size_t idmax)
{
    size_t idlen = utf8_prefix(id, idmax);
    size_t blen = utf8_prefix(base, NAME_MAX_BYTES - 1 - idlen); /* idmax < NAME_MAX_BYTES */
    struct strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "%.*s~%.*s", (int)blen, base, (int)idlen, id);
    return sb_detach(&sb, NULL);
}

char **by_name_names(const struct resource *tenants)
{
    size_t n = tenants->nchildren;
    char **names = xcalloc(n ? n : 1, sizeof *names);
    char **base = xcalloc(n ? n : 1, sizeof *base);
    size_t *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++) {
        const char *tn = json_str(tenants->children[i].item, "tenant_name");
        base[i] = name_for_link(tn && *tn ? tn : tenants->children[i].name);
        names[i] = xstrdup(base[i]);
        order[i] = i;
    }
    /* Every member of a group of equal names gets the GUID suffix, so a
     * link's name does not depend on which tenant the API lists first.
     * The first 8 characters usually suffice; where a name still collides
     * (a tenant may be named "Acme Corp~8f1c2e4a", two GUIDs may start
     * alike) the whole GUID; what collides even then is linked once, to
     * the smallest id: by-name/ never lists a name twice (fuzz_response). */
    static const size_t idmax[] = {8, NAME_MAX_BYTES - 1};
    struct link_order lo = {names, tenants};
    for (size_t round = 0; round < 3; round++) {
        qsort_r(order, n, sizeof *order, cmp_link, &lo);
        for (size_t k = 0; k < n;) {
            size_t end = k + 1;
            while (end < n && strcmp(names[order[end]], names[order[k]]) == 0)
                end++;
            for (size_t j = k; end - k > 1 && j < end; j++) {
                size_t i = order[j];
                if (round == 2 && j == k)
                    continue; /* the smallest id keeps the name */
                free(names[i]);
                names[i] = NULL;
                if (round < 2)
                    names[i] = link_with_id(base[i], tenants->children[i].name, idmax[round]);
            }
            k = end;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(base[i]);
    free(base);
    free(order);
    return names;
}

void by_name_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
