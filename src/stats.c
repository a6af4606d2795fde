/* stats: the counters and their JSON rendering. */
#include "stats.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "jsonout.h"

struct stats g_stats;

void stats_reset(void)
{
    memset(&g_stats, 0, sizeof g_stats);
}

void stats_count_answer(enum api_endpoint ep, int http_status)
{
    int cls = http_status >= 100 && http_status < 600 ? http_status / 100 : 0;
    if (ep >= 0 && ep < EP_COUNT)
        atomic_fetch_add(&g_stats.api_answers[ep][cls], 1);
}

const char *stats_class_name(int cls)
{
    static const char *const names[STATS_CLASSES] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    return cls >= 0 && cls < STATS_CLASSES ? names[cls] : "none";
}

void stats_count_failure(int err)
{
    atomic_fetch_add(&g_stats.failures_by_errno[err > 0 && err < STATS_ERRNOS ? err : 0], 1);
}

void stats_render(struct strbuf *sb, long cache_max, unsigned max_conns, unsigned ttl)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "max_conns", (double)max_conns);
    cJSON_AddNumberToObject(root, "ttl", (double)ttl);
    cJSON *api = cJSON_AddObjectToObject(root, "api_calls");
    cJSON_AddNumberToObject(api, "total", (double)atomic_load(&g_stats.api_calls));
    cJSON *by = cJSON_AddObjectToObject(api, "by_endpoint");
    for (int i = 0; i < EP_COUNT; i++) {
        unsigned long n = atomic_load(&g_stats.api_calls_by_endpoint[i]);
        if (n)
            cJSON_AddNumberToObject(by, api_endpoint_name(i), (double)n);
    }
    cJSON_AddNumberToObject(root, "retries", (double)atomic_load(&g_stats.retries));
    unsigned long failures = 0;
    for (int i = 0; i < STATS_ERRNOS; i++)
        failures += atomic_load(&g_stats.failures_by_errno[i]);
    cJSON_AddNumberToObject(root, "errors", (double)failures);
    cJSON_AddNumberToObject(root, "api_errors", (double)atomic_load(&g_stats.api_errors));
    cJSON_AddNumberToObject(root, "in_flight", (double)atomic_load(&g_stats.in_flight));
    cJSON_AddNumberToObject(root, "connections_opened", (double)atomic_load(&g_stats.connections));
    cJSON *cache = cJSON_AddObjectToObject(root, "cache");
    cJSON_AddNumberToObject(cache, "hits", (double)atomic_load(&g_stats.cache_hits));
    cJSON_AddNumberToObject(cache, "misses", (double)atomic_load(&g_stats.cache_misses));
    cJSON_AddNumberToObject(cache, "stale_serves", (double)atomic_load(&g_stats.stale_serves));
    cJSON_AddNumberToObject(cache, "evictions", (double)atomic_load(&g_stats.evictions));
    cJSON_AddNumberToObject(cache, "prefetches", (double)atomic_load(&g_stats.prefetches));
    cJSON_AddNumberToObject(cache, "entries", (double)atomic_load(&g_stats.cache_entries));
    cJSON_AddNumberToObject(cache, "bytes", (double)atomic_load(&g_stats.cache_bytes));
    cJSON_AddNumberToObject(cache, "max_bytes", (double)cache_max);
    cJSON_AddNumberToObject(root, "kernel_invalidations",
                            (double)atomic_load(&g_stats.notifications));
    cJSON_AddNumberToObject(root, "kernel_invalidation_timeouts",
                            (double)atomic_load(&g_stats.notify_wait_timeouts));
    cJSON_AddNumberToObject(root, "read_pass_answers", (double)atomic_load(&g_stats.pass_answers));
    static const char *const ops[KOP_COUNT] = {
        "lookup", "forget",  "getattr", "setattr", "readlink", "mkdir",       "rmdir",  "open",
        "read",   "write",   "flush",   "opendir", "readdir",  "readdirplus", "statfs", "other"};
    cJSON *kernel = cJSON_AddObjectToObject(root, "kernel_requests");
    for (int i = 0; i < KOP_COUNT; i++)
        cJSON_AddNumberToObject(kernel, ops[i], (double)atomic_load(&g_stats.kernel_ops[i]));
    cJSON *inodes = cJSON_AddObjectToObject(root, "inodes");
    cJSON_AddNumberToObject(inodes, "held", (double)atomic_load(&g_stats.inodes));
    cJSON_AddNumberToObject(inodes, "peak", (double)atomic_load(&g_stats.inodes_peak));
    json_print_pretty(sb, root);
    cJSON_Delete(root);
}
