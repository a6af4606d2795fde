/* metrics: the fleet and the daemon in the Prometheus text format 0.0.4.
 * The fleet file costs what health and every tenant's mailboxes.csv and
 * tenant.json cost, through the same cache, warmed in parallel; a resource
 * that cannot be read is counted in tenantcore_scrape_errors and logged, and
 * the rest is still served: one bad tenant never fails the whole file. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "errlog.h"
#include "mount.h"
#include "render.h"
#include "stats.h"
#include "timefmt.h"
#include "values.h"

/* ---- the text format ------------------------------------------------------ */

void prom_label_value(struct strbuf *out, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        /* The shortest valid prefix is one whole character; none within 4
         * bytes means the byte at i starts no character. */
        size_t n = 1;
        while (n <= 4 && i + n <= len && !utf8_valid(s + i, n))
            n++;
        if (n > 4 || i + n > len) {
            sb_puts(out, "\xef\xbf\xbd");
            i++;
            continue;
        }
        if (s[i] == '\\')
            sb_puts(out, "\\\\");
        else if (s[i] == '"')
            sb_puts(out, "\\\"");
        else if (s[i] == '\n')
            sb_puts(out, "\\n");
        else
            sb_append(out, s + i, n);
        i += n;
    }
}

/* Append name="value" to a label list. */
static void add_label(struct strbuf *labels, const char *name, const char *value)
{
    if (labels->len)
        sb_putc(labels, ',');
    sb_printf(labels, "%s=\"", name);
    prom_label_value(labels, value ? value : "");
    sb_putc(labels, '"');
}

static void family_head(struct strbuf *out, const char *name, const char *type, const char *help)
{
    sb_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- the fleet ------------------------------------------------------------- */

/* Families in the order the file shows them; every sample of one family
 * must stand together, so samples collect per family and print at the end. */
enum family {
    F_SCRAPE_ERRORS,
    F_TENANT_SCRAPE_ERRORS,
    F_TENANT_BOOTSTRAP_READY,
    F_TENANT_LAST_SYNC,
    F_TENANT_DOMAINS,
    F_TENANT_MAILBOXES,
    F_TENANT_SENDS_TODAY,
    F_TENANT_LIMIT_ALLOCATED,
    F_TENANT_RECOMMENDED,
    F_DOMAIN_VERIFIED,
    F_DOMAIN_RECORD_PRESENT,
    F_DOMAIN_DKIM_HEALTHY,
    F_DOMAIN_DKIM_STATUS,
    F_MAILBOX_DAILY_LIMIT,
    F_MAILBOX_ENFORCED_LIMIT,
    F_MAILBOX_SENDS_TODAY,
    F_MAILBOX_REMAINING,
    F_MAILBOX_BLOCKED,
    F_MAILBOX_UTILIZATION,
    F_COUNT
};

static const struct {
    const char *name, *help;
} families[F_COUNT] = {
    [F_SCRAPE_ERRORS] = {"tenantcore_scrape_errors",
                         "API resources this file could not read; their samples are missing."},
    [F_TENANT_SCRAPE_ERRORS] = {"tenantcore_tenant_scrape_errors",
                                "API resources of the tenant this file could not read."},
    [F_TENANT_BOOTSTRAP_READY] = {"tenantcore_tenant_exchange_bootstrap_ready",
                                  "1 when the tenant's exchange_bootstrap_status is ready."},
    [F_TENANT_LAST_SYNC] = {"tenantcore_tenant_last_sync_timestamp_seconds",
                            "The tenant's last_sync_at (absent when it never synced)."},
    [F_TENANT_DOMAINS] = {"tenantcore_tenant_domains", "Domains of the tenant."},
    [F_TENANT_MAILBOXES] = {"tenantcore_tenant_mailboxes", "Mailboxes of the tenant."},
    [F_TENANT_SENDS_TODAY] = {"tenantcore_tenant_sends_today",
                              "Sum of the sends_today of the tenant's mailboxes."},
    [F_TENANT_LIMIT_ALLOCATED] = {"tenantcore_tenant_daily_send_limit_allocated",
                                  "Sum of the daily_send_limit of the tenant's mailboxes "
                                  "that have one."},
    [F_TENANT_RECOMMENDED] = {"tenantcore_tenant_recommended_daily_sends",
                              "Sends a day TenantCore recommends at most across a tenant."},
    [F_DOMAIN_VERIFIED] = {"tenantcore_domain_verified", "1 when Microsoft verified the domain."},
    [F_DOMAIN_RECORD_PRESENT] = {"tenantcore_domain_record_present",
                                 "1 when the domain's spf, dkim, dmarc or mx record is present, "
                                 "0 when missing."},
    [F_DOMAIN_DKIM_HEALTHY] = {"tenantcore_domain_dkim_healthy",
                               "1 when the domain's dkim_status is healthy."},
    [F_DOMAIN_DKIM_STATUS] = {"tenantcore_domain_dkim_status",
                              "The domain's dkim_status as the API sends it, in label status."},
    [F_MAILBOX_DAILY_LIMIT] = {"tenantcore_mailbox_daily_send_limit",
                               "The mailbox's stored daily_send_limit (absent when unset)."},
    [F_MAILBOX_ENFORCED_LIMIT] = {"tenantcore_mailbox_enforced_limit",
                                  "The limit Exchange enforces: the domain policy, else the "
                                  "tenant policy (absent when none)."},
    [F_MAILBOX_SENDS_TODAY] = {"tenantcore_mailbox_sends_today", "Sends of the mailbox today."},
    [F_MAILBOX_REMAINING] = {"tenantcore_mailbox_remaining_sends",
                             "Sends left today under the mailbox's daily_send_limit."},
    [F_MAILBOX_BLOCKED] = {"tenantcore_mailbox_blocked",
                           "1 when enforcement has blocked the mailbox."},
    [F_MAILBOX_UTILIZATION] = {"tenantcore_mailbox_utilization_ratio",
                               "sends_today / daily_send_limit."},
};

struct scrape {
    struct render_ctx *rctx;
    struct strbuf fam[F_COUNT];
    long errors;
};

struct tenant_scrape {
    const char *id;
    const cJSON *item;             /* from the tenants list */
    const struct resource *mboxes; /* NULL when it could not be read */
    struct strbuf labels;          /* tenant_id, tenant */
    long errors;
};

static void sample(struct scrape *s, enum family f, const struct strbuf *labels, long long v)
{
    sb_printf(&s->fam[f], "%s{%s} %lld\n", families[f].name, labels->data, v);
}

/* The file that shows a resource, for the errors file. */
static void resource_file(struct strbuf *p, enum res_kind kind, const char *tenant, const char *sub)
{
    sb_printf(p, "/tenants/%s", tenant);
    switch (kind) {
    case RES_TENANT:
        sb_puts(p, "/tenant.json");
        break;
    case RES_DOMAINS:
        sb_puts(p, "/domains");
        break;
    case RES_MAILBOXES:
        sb_puts(p, "/mailboxes");
        break;
    case RES_USAGE:
        sb_printf(p, "/mailboxes/%s/usage.json", sub);
        break;
    case RES_POLICY:
        if (sub && *sub)
            sb_printf(p, "/domains/%s", sub);
        sb_puts(p, "/mailbox_limit");
        break;
    default:
        break;
    }
}

/* A resource that could not be read. Gone since it was listed (ENOENT) is
 * no failure. A peeking render (attributes while listing the root) and an
 * interrupted reader end the render; anything else is counted and logged,
 * and the scrape goes on without it. */
static int scrape_failed(struct scrape *s, struct tenant_scrape *t, int err, enum res_kind kind,
                         const char *sub)
{
    if (err == -ENOENT)
        return 0;
    if (s->rctx->peek || err == -EINTR)
        return err;
    t->errors++;
    s->errors++;
    struct strbuf p = STRBUF_INIT;
    resource_file(&p, kind, t->id, sub);
    errlog_add("metrics", p.data, &s->rctx->err);
    sb_free(&p);
    return 0;
}

/* rctx_get that counts failures: 0 with *out NULL when the resource is
 * missing or failed, -errno only when the render must end. */
static int scrape_get(struct scrape *s, struct tenant_scrape *t, enum res_kind kind,
                      const char *sub, const struct resource **out)
{
    *out = NULL;
    int err = rctx_get(s->rctx, kind, t->id, sub, out);
    if (err) {
        *out = NULL;
        return scrape_failed(s, t, err, kind, sub);
    }
    return 0;
}

/* A policy's limit: 0 with *known and buf ("" for none), or -errno to end. */
static int scrape_policy(struct scrape *s, struct tenant_scrape *t, const char *scope, char *buf,
                         size_t len, bool *known)
{
    int err = policy_limit_text(s->rctx, t->id, scope, buf, len);
    *known = err == 0;
    return err ? scrape_failed(s, t, err, RES_POLICY, scope) : 0;
}

/* The domains list carries the record's value, or "missing". */
static bool record_present(const char *v)
{
    return v && *v && strcmp(v, "missing") != 0;
}

static void scrape_domains(struct scrape *s, struct tenant_scrape *t,
                           const struct resource *domains)
{
    static const char *const records[][2] = {{"spf", "spf_status"},
                                             {"dkim", "dkim_status"},
                                             {"dmarc", "dmarc_status"},
                                             {"mx", "mx_status"}};
    struct strbuf l = STRBUF_INIT;
    for (size_t i = 0; i < domains->nchildren; i++) {
        const cJSON *d = domains->children[i].item;
        sb_reset(&l);
        sb_append(&l, t->labels.data, t->labels.len);
        add_label(&l, "domain", domains->children[i].name);
        sample(s, F_DOMAIN_VERIFIED, &l, json_bool(d, "is_verified", 0));
        for (size_t r = 0; r < sizeof records / sizeof records[0]; r++)
            sb_printf(&s->fam[F_DOMAIN_RECORD_PRESENT], "%s{%s,record=\"%s\"} %d\n",
                      families[F_DOMAIN_RECORD_PRESENT].name, l.data, records[r][0],
                      record_present(json_str(d, records[r][1])));
        const char *dkim = json_str(d, "dkim_status");
        sample(s, F_DOMAIN_DKIM_HEALTHY, &l, dkim && strcmp(dkim, "healthy") == 0);
        add_label(&l, "status", dkim ? dkim : "missing");
        sample(s, F_DOMAIN_DKIM_STATUS, &l, 1);
    }
    sb_free(&l);
}

static int scrape_usage(struct scrape *s, struct tenant_scrape *t, const char *mailbox,
                        const struct strbuf *l, long long *sends_sum)
{
    const struct resource *usage;
    int err = scrape_get(s, t, RES_USAGE, mailbox, &usage);
    if (err || !usage)
        return err;
    const cJSON *u = usage->json;
    long long sends = 0, remaining, limit;
    bool have_sends = json_int(u, "sends_today", &sends) == 0;
    if (have_sends) {
        sample(s, F_MAILBOX_SENDS_TODAY, l, sends);
        *sends_sum += sends;
    }
    if (json_int(u, "remaining_sends", &remaining) == 0)
        sample(s, F_MAILBOX_REMAINING, l, remaining);
    sample(s, F_MAILBOX_BLOCKED, l, usage_blocked(u));
    /* utilization_pct is documented; without it, the ratio is computed. */
    const cJSON *pct = cJSON_GetObjectItemCaseSensitive(u, "utilization_pct");
    if (cJSON_IsNumber(pct))
        sb_printf(&s->fam[F_MAILBOX_UTILIZATION], "%s{%s} %.10g\n",
                  families[F_MAILBOX_UTILIZATION].name, l->data, pct->valuedouble / 100);
    else if (have_sends && json_int(u, "daily_send_limit", &limit) == 0 && limit > 0)
        sb_printf(&s->fam[F_MAILBOX_UTILIZATION], "%s{%s} %.10g\n",
                  families[F_MAILBOX_UTILIZATION].name, l->data, (double)sends / (double)limit);
    return 0;
}

static int scrape_mailboxes(struct scrape *s, struct tenant_scrape *t)
{
    char tenant_policy[32];
    bool tp_known;
    int err = scrape_policy(s, t, "", tenant_policy, sizeof tenant_policy, &tp_known);
    long long sends_sum = 0, limit_sum = 0;
    struct strbuf l = STRBUF_INIT;
    for (size_t i = 0; i < t->mboxes->nchildren && !err; i++) {
        const cJSON *m = t->mboxes->children[i].item;
        const char *domain = mailbox_domain(m);
        sb_reset(&l);
        sb_append(&l, t->labels.data, t->labels.len);
        add_label(&l, "domain", domain);
        add_label(&l, "email", json_str(m, "primary_smtp"));
        /* Two mailboxes may share an address: the id keeps series apart. */
        add_label(&l, "mailbox_id", t->mboxes->children[i].name);
        long long v;
        if (json_int(m, "daily_send_limit", &v) == 0) {
            sample(s, F_MAILBOX_DAILY_LIMIT, &l, v);
            limit_sum += v;
        }
        char domain_policy[32] = "";
        bool dp_known = true;
        if (domain &&
            (err = scrape_policy(s, t, domain, domain_policy, sizeof domain_policy, &dp_known)))
            break;
        /* As mailboxes.csv: the domain policy, else the tenant's. */
        const char *enforced = !dp_known          ? ""
                               : domain_policy[0] ? domain_policy
                               : tp_known         ? tenant_policy
                                                  : "";
        if (*enforced)
            sample(s, F_MAILBOX_ENFORCED_LIMIT, &l, strtoll(enforced, NULL, 10));
        err = scrape_usage(s, t, t->mboxes->children[i].name, &l, &sends_sum);
    }
    sb_free(&l);
    if (!err) {
        sample(s, F_TENANT_MAILBOXES, &t->labels, (long long)t->mboxes->nchildren);
        sample(s, F_TENANT_SENDS_TODAY, &t->labels, sends_sum);
        sample(s, F_TENANT_LIMIT_ALLOCATED, &t->labels, limit_sum);
    }
    return err;
}

static int scrape_tenant(struct scrape *s, struct tenant_scrape *t)
{
    const struct resource *detail, *domains;
    int err = rctx_get(s->rctx, RES_TENANT, t->id, NULL, &detail);
    if (err == -ENOENT) /* deleted since the list was read */
        return 0;
    if (err) {
        detail = NULL;
        if ((err = scrape_failed(s, t, err, RES_TENANT, NULL)))
            return err;
    }
    if (detail) {
        const char *bootstrap = json_str(detail->json, "exchange_bootstrap_status");
        time_t synced;
        if (bootstrap)
            sample(s, F_TENANT_BOOTSTRAP_READY, &t->labels, strcmp(bootstrap, "ready") == 0);
        const char *at = json_str(detail->json, "last_sync_at");
        if (at && iso8601_parse(at, &synced) == 0)
            sample(s, F_TENANT_LAST_SYNC, &t->labels, (long long)synced);
    }
    if ((err = scrape_get(s, t, RES_DOMAINS, NULL, &domains)))
        return err;
    if (domains) {
        sample(s, F_TENANT_DOMAINS, &t->labels, (long long)domains->nchildren);
        scrape_domains(s, t, domains);
    }
    if (t->mboxes && (err = scrape_mailboxes(s, t)))
        return err;
    sample(s, F_TENANT_RECOMMENDED, &t->labels, TENANT_RECOMMENDED_DAILY_SENDS);
    sample(s, F_TENANT_SCRAPE_ERRORS, &t->labels, t->errors);
    return 0;
}

/* Warm a tenant's mailbox resources once its mailboxes list is in. */
static int scrape_mailboxes_list(struct scrape *s, struct tenant_scrape *t)
{
    int err = scrape_get(s, t, RES_MAILBOXES, NULL, &t->mboxes);
    if (err || !t->mboxes)
        return err;
    for (size_t i = 0; i < t->mboxes->nchildren; i++) {
        const char *d = mailbox_domain(t->mboxes->children[i].item);
        if (d)
            rctx_prefetch(s->rctx, RES_POLICY, t->id, d);
        rctx_prefetch(s->rctx, RES_USAGE, t->id, t->mboxes->children[i].name);
    }
    return 0;
}

int render_fleet_metrics(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rt;
    const struct resource *tenants;
    int err = rctx_get(rctx, RES_TENANTS, NULL, NULL, &tenants);
    if (err)
        return err;
    size_t n = tenants->nchildren;
    struct scrape s = {.rctx = rctx};
    struct tenant_scrape *ts = xcalloc(n ? n : 1, sizeof *ts);
    /* Everything is asked for before anything is waited on: the per-tenant
     * lists and policy first, then, as each mailboxes list arrives, its
     * usages and domain policies. */
    for (size_t i = 0; i < n; i++) {
        const char *id = tenants->children[i].name;
        rctx_prefetch(rctx, RES_TENANT, id, NULL);
        rctx_prefetch(rctx, RES_DOMAINS, id, NULL);
        rctx_prefetch(rctx, RES_MAILBOXES, id, NULL);
        rctx_prefetch(rctx, RES_POLICY, id, "");
        ts[i].id = id;
        ts[i].item = tenants->children[i].item;
        add_label(&ts[i].labels, "tenant_id", id);
        add_label(&ts[i].labels, "tenant", json_str(ts[i].item, "tenant_name"));
    }
    for (size_t i = 0; i < n && !err; i++)
        err = scrape_mailboxes_list(&s, &ts[i]);
    for (size_t i = 0; i < n && !err; i++)
        err = scrape_tenant(&s, &ts[i]);
    if (!err) {
        sb_printf(&s.fam[F_SCRAPE_ERRORS], "%s %ld\n", families[F_SCRAPE_ERRORS].name, s.errors);
        for (int f = 0; f < F_COUNT; f++) {
            family_head(out, families[f].name, "gauge", families[f].help);
            sb_append(out, s.fam[f].data ? s.fam[f].data : "", s.fam[f].len);
        }
    }
    for (int f = 0; f < F_COUNT; f++)
        sb_free(&s.fam[f]);
    for (size_t i = 0; i < n; i++)
        sb_free(&ts[i].labels);
    free(ts);
    return err;
}

/* ---- the daemon ------------------------------------------------------------ */

static void counter(struct strbuf *out, const char *name, const char *help, atomic_ulong *v)
{
    family_head(out, name, "counter", help);
    sb_printf(out, "%s %lu\n", name, atomic_load(v));
}

static void gauge(struct strbuf *out, const char *name, const char *help, long long v)
{
    family_head(out, name, "gauge", help);
    sb_printf(out, "%s %lld\n", name, v);
}

void metrics_daemon(struct strbuf *out, long cache_max, time_t started)
{
    family_head(out, "tenantcorefs_build_info", "gauge", "The version of tenantcorefs, always 1.");
    sb_puts(out, "tenantcorefs_build_info{version=\"");
    prom_label_value(out, TC_VERSION);
    sb_puts(out, "\"} 1\n");
    gauge(out, "tenantcorefs_start_time_seconds", "When this mount started.", (long long)started);

    family_head(out, "tenantcorefs_api_calls_total", "counter",
                "API requests that ended, retries included, by endpoint and status class "
                "(none: no HTTP answer).");
    for (int ep = 0; ep < EP_COUNT; ep++)
        for (int cls = 0; cls < STATS_CLASSES; cls++) {
            unsigned long v = atomic_load(&g_stats.api_answers[ep][cls]);
            if (!v)
                continue;
            sb_puts(out, "tenantcorefs_api_calls_total{endpoint=\"");
            prom_label_value(out, api_endpoint_name(ep));
            sb_printf(out, "\",class=\"%s\"} %lu\n", stats_class_name(cls), v);
        }
    counter(out, "tenantcorefs_api_retries_total", "API requests sent again.", &g_stats.retries);
    counter(out, "tenantcorefs_api_failures_total",
            "API requests that ended in failure after their retries (404 excluded).",
            &g_stats.api_errors);
    gauge(out, "tenantcorefs_api_requests_in_flight", "API requests being answered now.",
          atomic_load(&g_stats.in_flight));
    counter(out, "tenantcorefs_api_connections_opened_total", "Connections opened to the API.",
            &g_stats.connections);

    family_head(out, "tenantcorefs_errors_total", "counter",
                "Failures recorded in .tenantcorefs/errors, by errno.");
    for (int e = 0; e < STATS_ERRNOS; e++) {
        unsigned long v = atomic_load(&g_stats.failures_by_errno[e]);
        if (v)
            sb_printf(out, "tenantcorefs_errors_total{errno=\"%s\"} %lu\n",
                      e ? errno_name(e) : "other", v);
    }

    counter(out, "tenantcorefs_cache_hits_total", "Reads served from the cache.",
            &g_stats.cache_hits);
    counter(out, "tenantcorefs_cache_misses_total", "Reads that had to ask the API.",
            &g_stats.cache_misses);
    counter(out, "tenantcorefs_cache_stale_serves_total",
            "Reads served stale data because the API failed (stale_ttl).", &g_stats.stale_serves);
    counter(out, "tenantcorefs_cache_evictions_total", "Entries dropped to stay within cache_max.",
            &g_stats.evictions);
    counter(out, "tenantcorefs_cache_prefetches_total", "Resources fetched ahead of a read.",
            &g_stats.prefetches);
    gauge(out, "tenantcorefs_cache_entries", "Entries in the cache.",
          atomic_load(&g_stats.cache_entries));
    gauge(out, "tenantcorefs_cache_bytes", "Memory held by the cache.",
          atomic_load(&g_stats.cache_bytes));
    gauge(out, "tenantcorefs_cache_max_bytes", "The cache's bound (cache_max).", cache_max);
    counter(out, "tenantcorefs_kernel_invalidations_total", "Kernel cache invalidations sent.",
            &g_stats.notifications);
    counter(out, "tenantcorefs_kernel_invalidation_timeouts_total",
            "Writes answered before the invalidations they caused reached the kernel (1 s bound).",
            &g_stats.notify_wait_timeouts);
    counter(out, "tenantcorefs_read_pass_answers_total",
            "Attribute requests answered, without a render, with the bytes a reader was part way "
            "through.",
            &g_stats.pass_answers);
}

int render_daemon_metrics(struct render_ctx *rctx, const struct route *rt, struct strbuf *out)
{
    (void)rt;
    if (!rctx->mount)
        return rctx_fail(rctx, EIO, "no mount");
    atomic_store(&g_stats.cache_bytes, (long)cache_bytes(rctx->mount->cache));
    metrics_daemon(out, rctx->mount->cfg.cache_max, rctx->mount->mount_time);
    return 0;
}
