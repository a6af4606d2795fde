/* views: files beyond the API, built from the same cached resources —
 * health tables, BIND zone files and the Smartlead limits sheet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "values.h"

/* ---- health --------------------------------------------------------------- */

enum { H_TENANT, H_DOMAIN, H_VERIFIED, H_SPF, H_DKIM, H_DMARC, H_MX, H_COLS };

struct health_row {
    char *cell[H_COLS];
    int problems;
};

struct health_table {
    struct health_row *rows;
    size_t n, cap;
};

/* Cells are single words so `awk` and `column` can split them. */
static char *cell(const char *s)
{
    char *c = xstrdup(s && *s ? s : "-");
    for (char *p = c; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            *p = '_';
    return c;
}

/* The domains list carries the record's value, or "missing". */
static const char *present(const char *v)
{
    return v && *v && strcmp(v, "missing") != 0 ? "present" : "missing";
}

static void health_add_domains(struct health_table *t, const char *tenant_name,
                               const struct resource *domains)
{
    for (size_t i = 0; i < domains->nchildren; i++) {
        const cJSON *d = domains->children[i].item;
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 32;
            t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
        }
        struct health_row *r = &t->rows[t->n++];
        int verified = json_bool(d, "is_verified", 0);
        const char *dkim = json_str(d, "dkim_status");
        r->cell[H_TENANT] = cell(tenant_name);
        r->cell[H_DOMAIN] = cell(domains->children[i].name);
        r->cell[H_VERIFIED] = cell(verified ? "verified" : "unverified");
        r->cell[H_SPF] = cell(present(json_str(d, "spf_status")));
        r->cell[H_DKIM] = cell(dkim ? dkim : "missing");
        r->cell[H_DMARC] = cell(present(json_str(d, "dmarc_status")));
        r->cell[H_MX] = cell(present(json_str(d, "mx_status")));
        r->problems = !verified + (strcmp(r->cell[H_SPF], "missing") == 0) +
                      (strcmp(r->cell[H_DMARC], "missing") == 0) +
                      (strcmp(r->cell[H_MX], "missing") == 0) +
                      (strcmp(r->cell[H_DKIM], "healthy") != 0);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const struct health_row *x = a, *y = b;
    if ((x->problems > 0) != (y->problems > 0))
        return x->problems > 0 ? -1 : 1;
    int c = strcmp(x->cell[H_TENANT], y->cell[H_TENANT]);
    return c ? c : strcmp(x->cell[H_DOMAIN], y->cell[H_DOMAIN]);
}

/* Problems first, then aligned columns; first_col skips the tenant column. */
static void health_print(struct health_table *t, int first_col, struct strbuf *out)
{
    static const char *const head[H_COLS] = {"TENANT", "DOMAIN", "VERIFIED", "SPF",
                                             "DKIM",   "DMARC",  "MX"};
    size_t width[H_COLS];
    for (int c = 0; c < H_COLS; c++)
        width[c] = strlen(head[c]);
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < H_COLS; c++)
            if (utf8_width(t->rows[i].cell[c]) > width[c])
                width[c] = utf8_width(t->rows[i].cell[c]);
    if (t->n) /* rows is NULL then, and qsort's argument is nonnull */
        qsort(t->rows, t->n, sizeof *t->rows, cmp_rows);
    for (size_t i = 0; i <= t->n; i++) {
        struct strbuf line = STRBUF_INIT;
        for (int c = first_col; c < H_COLS; c++) {
            const char *v = i == 0 ? head[c] : t->rows[i - 1].cell[c];
            sb_puts(&line, v);
            if (c < H_COLS - 1) /* pad to the column's display width */
                for (size_t w = utf8_width(v); w < width[c] + 2; w++)
                    sb_putc(&line, ' ');
        }
        sb_append(out, line.data, line.len);
        sb_putc(out, '\n');
        sb_free(&line);
    }
}

static void health_free(struct health_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < H_COLS; c++)
            free(t->rows[i].cell[c]);
    free(t->rows);
}

static const char *tenant_name_of(const cJSON *item, const char *id)
{
    const char *n = json_str(item, "tenant_name");
    return n && *n ? n : id;
}

int render_tenant_health(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const cJSON *tenant;
    const struct resource *domains;
    int err = rctx_tenant(rctx, rt->tenant, &tenant);
    if (!err)
        err = rctx_get(rctx, RES_DOMAINS, rt->tenant, NULL, &domains);
    if (err)
        return err;
    struct health_table t = {0};
    health_add_domains(&t, tenant_name_of(tenant, rt->tenant), domains);
    health_print(&t, H_DOMAIN, out);
    health_free(&t);
    return 0;
}

int render_fleet_health(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rt;
    const struct resource *tenants;
    int err = rctx_get(rctx, RES_TENANTS, NULL, NULL, &tenants);
    if (err)
        return err;
    for (size_t i = 0; i < tenants->nchildren; i++)
        rctx_prefetch(rctx, RES_DOMAINS, tenants->children[i].name, NULL);
    /* Tenants are shown by their by-name/ link name: two tenants with the
     * same display name stay apart ("Acme~1a2b3c4d"). */
    char **names = by_name_names(tenants);
    struct health_table t = {0};
    for (size_t i = 0; i < tenants->nchildren && !err; i++) {
        const struct resource *domains;
        const char *id = tenants->children[i].name;
        err = rctx_get(rctx, RES_DOMAINS, id, NULL, &domains);
        if (err == -ENOENT) { /* deleted since the list was fetched */
            err = 0;
            continue;
        }
        if (!err)
            health_add_domains(&t, names[i] ? names[i] : id, domains);
    }
    if (!err)
        health_print(&t, H_TENANT, out);
    health_free(&t);
    by_name_free(names, tenants->nchildren);
    return err;
}

/* ---- zone files ------------------------------------------------------------ */

/* A name for a zone file: printable, no spaces, no quotes, no ';'. */
static bool zone_name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 253)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == ';' || *p == '(' || *p == ')' ||
            *p == '\\')
            return false;
    return true;
}

static void zone_fqdn(struct strbuf *out, const char *name)
{
    sb_puts(out, name);
    if (name[strlen(name) - 1] != '.')
        sb_putc(out, '.');
}

/* TXT data: quoted, escaped, split into strings of at most 255 bytes. */
static void zone_txt(struct strbuf *out, const char *text)
{
    size_t len = strlen(text), done = 0;
    do {
        size_t chunk = len - done > 255 ? 255 : len - done;
        if (done)
            sb_putc(out, ' ');
        sb_putc(out, '"');
        for (size_t i = done; i < done + chunk; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c == '"' || c == '\\')
                sb_printf(out, "\\%c", c);
            else if (c < 0x20 || c >= 0x7f)
                sb_printf(out, "\\%03u", c);
            else
                sb_putc(out, (char)c);
        }
        sb_putc(out, '"');
        done += chunk;
    } while (done < len);
}

/* The owner name of a record under $ORIGIN domain: the API documents
 * relative labels ("@", "selector1._domainkey"); a label that spells out
 * the domain (Microsoft Graph's style, "mail.example.com", with or without
 * the final dot) is made relative, so it does not become
 * mail.example.com.example.com. NULL when unusable or outside the zone. */
static char *zone_owner(const char *label, const char *domain)
{
    if (!zone_name_ok(label))
        return NULL;
    size_t ll = strlen(label), dl = strlen(domain);
    bool absolute = label[ll - 1] == '.';
    if (absolute)
        ll--;
    if (dl > 0 && domain[dl - 1] == '.')
        dl--;
    if (ll == dl && strncasecmp(label, domain, dl) == 0)
        return xstrdup("@");
    if (ll > dl + 1 && label[ll - dl - 1] == '.' && strncasecmp(label + ll - dl, domain, dl) == 0) {
        struct strbuf sb = STRBUF_INIT;
        sb_append(&sb, label, ll - dl - 1);
        return sb_detach(&sb, NULL);
    }
    return absolute ? NULL : xstrdup(label);
}

static void zone_record(struct strbuf *out, const cJSON *rec, const char *domain)
{
    const char *type = json_str(rec, "recordType");
    char *owner = zone_owner(json_str(rec, "label"), domain);
    long long ttl = 3600, pref = 0;
    if (json_int(rec, "ttl", &ttl) != 0 || ttl < 0 || ttl > 2147483647)
        ttl = 3600;
    if (!type || !owner) {
        free(owner);
        sb_puts(out, "; skipped a record without a usable type or label\n");
        return;
    }
    struct strbuf line = STRBUF_INIT;
    sb_printf(&line, "%s\t%lld\tIN\t", owner, ttl);
    free(owner);
    if (strcmp(type, "domainDnsTxtRecord") == 0 && json_str(rec, "text")) {
        sb_puts(&line, "TXT\t");
        zone_txt(&line, json_str(rec, "text"));
    } else if (strcmp(type, "domainDnsMxRecord") == 0 &&
               zone_name_ok(json_str(rec, "mailExchange"))) {
        if (json_int(rec, "preference", &pref) != 0 || pref < 0 || pref > 65535)
            pref = 0;
        sb_printf(&line, "MX\t%lld ", pref);
        zone_fqdn(&line, json_str(rec, "mailExchange"));
    } else if (strcmp(type, "domainDnsCnameRecord") == 0 &&
               zone_name_ok(json_str(rec, "canonicalName"))) {
        sb_puts(&line, "CNAME\t");
        zone_fqdn(&line, json_str(rec, "canonicalName"));
    } else if (strcmp(type, "domainDnsSrvRecord") == 0 &&
               zone_name_ok(json_str(rec, "nameTarget"))) {
        long long prio = 0, weight = 0, port = 0;
        json_int(rec, "priority", &prio);
        json_int(rec, "weight", &weight);
        json_int(rec, "port", &port);
        sb_printf(&line, "SRV\t%lld %lld %lld ", prio & 0xffff, weight & 0xffff, port & 0xffff);
        zone_fqdn(&line, json_str(rec, "nameTarget"));
    } else {
        sb_free(&line);
        sb_puts(out, "; skipped a record of an unsupported type\n");
        return;
    }
    sb_append(out, line.data, line.len);
    sb_putc(out, '\n');
    sb_free(&line);
}

static void zone_records(struct strbuf *out, const cJSON *dns, const char *member,
                         const char *domain)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(dns, member);
    const cJSON *rec;
    if (!cJSON_IsArray(arr))
        return;
    cJSON_ArrayForEach(rec, arr) zone_record(out, rec, domain);
}

static int domain_zone(struct render_ctx *rctx, const char *tenant, const char *domain,
                       struct strbuf *out)
{
    const struct resource *dns;
    int err = rctx_get(rctx, RES_DNS, tenant, domain, &dns);
    if (err)
        return err;
    if (!zone_name_ok(domain)) {
        sb_puts(out, "; skipped a domain whose name cannot appear in a zone file\n");
        return 0;
    }
    sb_puts(out, "$ORIGIN ");
    zone_fqdn(out, domain);
    sb_puts(out, "\n");
    zone_records(out, dns->json, "verification_dns_records", domain);
    zone_records(out, dns->json, "service_configuration_records", domain);
    return 0;
}

int render_domain_zone(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    return domain_zone(rctx, rt->tenant, rt->domain, out);
}

int render_tenant_zone(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const struct resource *domains;
    int err = rctx_get(rctx, RES_DOMAINS, rt->tenant, NULL, &domains);
    if (err)
        return err;
    for (size_t i = 0; i < domains->nchildren; i++)
        rctx_prefetch(rctx, RES_DNS, rt->tenant, domains->children[i].name);
    bool first = true;
    for (size_t i = 0; i < domains->nchildren && !err; i++) {
        struct strbuf one = STRBUF_INIT;
        err = domain_zone(rctx, rt->tenant, domains->children[i].name, &one);
        if (err == -ENOENT) /* removed since the list was fetched */
            err = 0;
        else if (!err) {
            if (!first)
                sb_putc(out, '\n');
            sb_append(out, one.data ? one.data : "", one.len);
            first = false;
        }
        sb_free(&one);
    }
    return err;
}

/* ---- mailboxes.csv ---------------------------------------------------------- */

/* RFC 4180: quote fields holding a comma, quote or line break. */
static void csv_field(struct strbuf *out, const char *s, bool last)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n")) {
        sb_putc(out, '"');
        for (; *s; s++) {
            if (*s == '"')
                sb_putc(out, '"');
            sb_putc(out, *s);
        }
        sb_putc(out, '"');
    } else {
        sb_puts(out, s);
    }
    sb_putc(out, last ? '\n' : ',');
}

/* An integer member as text, "none" when null or absent. */
static void int_text(const cJSON *obj, const char *name, char *buf, size_t len)
{
    long long v;
    if (json_int(obj, name, &v) == 0)
        snprintf(buf, len, "%lld", v);
    else
        snprintf(buf, len, "none");
}

/* A policy's limit as text ("" when there is none): missing scopes (404 of
 * either kind) read as no policy; an unusable answer fails as it does for
 * mailbox_limit. */
int policy_limit_text(struct render_ctx *rctx, const char *tenant, const char *scope, char *buf,
                      size_t len)
{
    buf[0] = '\0';
    long long n;
    const cJSON *from;
    int found = rctx_policy_limit(rctx, tenant, scope, &n, &from);
    if (found == -ENOENT)
        return 0;
    if (found < 0)
        return found;
    if (found)
        snprintf(buf, len, "%lld", n);
    return 0;
}

bool usage_blocked(const cJSON *usage)
{
    int blocked = json_bool(usage, "is_blocked", -1);
    if (blocked < 0) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(usage, "blocked_at");
        blocked = at && !cJSON_IsNull(at);
    }
    return blocked;
}

int render_tenant_csv(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    const struct resource *mboxes;
    int err = rctx_get(rctx, RES_MAILBOXES, rt->tenant, NULL, &mboxes);
    if (err)
        return err;
    rctx_prefetch(rctx, RES_POLICY, rt->tenant, "");
    for (size_t i = 0; i < mboxes->nchildren; i++) {
        const char *d = mailbox_domain(mboxes->children[i].item);
        if (d)
            rctx_prefetch(rctx, RES_POLICY, rt->tenant, d);
        rctx_prefetch(rctx, RES_USAGE, rt->tenant, mboxes->children[i].name);
    }
    char tenant_policy[32];
    if ((err = policy_limit_text(rctx, rt->tenant, "", tenant_policy, sizeof tenant_policy)))
        return err;
    sb_puts(out, "email,display_name,domain,daily_send_limit,enforced_limit,sends_today,"
                 "remaining_sends,blocked\n");
    for (size_t i = 0; i < mboxes->nchildren && !err; i++) {
        const cJSON *m = mboxes->children[i].item;
        const char *domain = mailbox_domain(m);
        char domain_policy[32] = "", limit[32], sends[32], remaining[32];
        if (domain &&
            (err = policy_limit_text(rctx, rt->tenant, domain, domain_policy, sizeof domain_policy)))
            break;
        const struct resource *usage;
        if ((err = rctx_get(rctx, RES_USAGE, rt->tenant, mboxes->children[i].name, &usage)))
            break;
        int_text(m, "daily_send_limit", limit, sizeof limit);
        int_text(usage->json, "sends_today", sends, sizeof sends);
        int_text(usage->json, "remaining_sends", remaining, sizeof remaining);
        bool blocked = usage_blocked(usage->json);
        const char *enforced = domain_policy[0]   ? domain_policy
                               : tenant_policy[0] ? tenant_policy
                                                  : "none";
        csv_field(out, json_str(m, "primary_smtp"), false);
        csv_field(out, json_str(m, "display_name"), false);
        csv_field(out, domain, false);
        csv_field(out, limit, false);
        csv_field(out, enforced, false);
        csv_field(out, sends, false);
        csv_field(out, remaining, false);
        csv_field(out, blocked ? "true" : "false", true);
    }
    return err;
}
