/* metrics: files in the Prometheus text exposition format (0.0.4) — the
 * fleet at /metrics.prom, built from the same cached resources as the views,
 * and the daemon's own counters at /.tenantcorefs/metrics.prom. */
#ifndef TC_METRICS_H
#define TC_METRICS_H

#include <time.h>

#include "render.h"
#include "strbuf.h"

/* The 900 sends a day TenantCore recommends as a tenant's ceiling
 * (api-docs/overview.txt), exported as its own gauge for alert rules. */
#define TENANT_RECOMMENDED_DAILY_SENDS 900

/* Append s as the inside of a label value: backslash, double quote and
 * newline escaped as the format requires, and bytes that are not UTF-8
 * replaced by U+FFFD (Prometheus refuses a scrape with such a value). */
void prom_label_value(struct strbuf *out, const char *s);

int render_fleet_metrics(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_daemon_metrics(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

/* The daemon's counters (stats, the errors file) as exposition text:
 * cache_max and the mount's start time are reported beside them. */
void metrics_daemon(struct strbuf *out, long cache_max, time_t started);

#endif
