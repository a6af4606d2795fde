/* report_json: the plan and outcome as one JSON document for programs.
 * cJSON escapes strings itself; its printer's tabs do not matter here. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *item_json(const struct item *it)
{
    cJSON *o = cJSON_CreateObject();
    add_str(o, "tenant_id", it->tenant->id);
    add_str(o, "tenant_name", it->tenant->name);
    cJSON_AddStringToObject(o, "kind", kind_name(it->kind));
    cJSON_AddStringToObject(o, "path", it->path);
    add_str(o, "source", it->source);
    add_str(o, "live", it->live);
    add_str(o, "desired", it->desired);
    cJSON_AddStringToObject(o, "state", state_name(it->state));
    add_str(o, "reason", it->reason);
    add_str(o, "note", it->note);
    if (it->err) {
        cJSON_AddStringToObject(o, "errno", errno_symbol(it->err));
        cJSON_AddStringToObject(o, "error", strerror(it->err));
    }
    add_str(o, "api_detail", it->detail);
    if (it->kind >= K_VALUE_KINDS)
        cJSON_AddNumberToObject(o, "values", (double)it->values);
    cJSON_AddBoolToObject(o, "after_enforcement", it->after_enforcement);
    cJSON_AddBoolToObject(o, "written_twice", it->rewritten);
    return o;
}

void report_json(FILE *f, const struct plan *pl, const struct counts *c, const struct outcome *o,
                 const struct report_ctx *rc, int exit)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "mode", rc->mode);
    cJSON_AddStringToObject(root, "desired", rc->desired_dir);
    cJSON_AddStringToObject(root, "mountpoint", rc->mountpoint);
    if (rc->ttl >= 0)
        cJSON_AddNumberToObject(root, "live_max_age_s", (double)rc->ttl);
    cJSON *items = cJSON_AddArrayToObject(root, "items");
    for (size_t i = 0; i < pl->n; i++)
        if (pl->items[i]->state != ST_UNCHANGED)
            cJSON_AddItemToArray(items, item_json(pl->items[i]));
    cJSON *counts = cJSON_AddObjectToObject(root, "plan");
    cJSON *ch = cJSON_AddObjectToObject(counts, "changes");
    for (int k = 0; k < K_VALUE_KINDS; k++)
        cJSON_AddNumberToObject(ch, kind_name(k), (double)c->change[k]);
    cJSON_AddNumberToObject(ch, "total", (double)c->changes);
    cJSON_AddNumberToObject(counts, "unchanged", (double)c->unchanged);
    cJSON_AddNumberToObject(counts, "cannot_apply", (double)c->cannot);
    cJSON_AddNumberToObject(counts, "unreadable", (double)c->unreadable);
    cJSON_AddNumberToObject(counts, "read_only_skipped", (double)c->api_owned);
    cJSON_AddNumberToObject(counts, "links_not_followed", (double)c->links);
    cJSON_AddNumberToObject(counts, "not_in_tree", (double)c->unknown);
    if (o) {
        cJSON *out = cJSON_AddObjectToObject(root, "outcome");
        static const enum state shown[] = {ST_DONE,    ST_FAILED, ST_SKIPPED,   ST_SETTLED,
                                           ST_DRIFTED, ST_CANNOT, ST_UNREADABLE};
        for (size_t i = 0; i < sizeof shown / sizeof *shown; i++)
            cJSON_AddNumberToObject(out, state_name(shown[i]), (double)plan_count(pl, shown[i]));
        cJSON_AddNumberToObject(out, "writes", (double)o->attempts);
        cJSON_AddNumberToObject(out, "seconds", o->seconds);
        cJSON_AddNumberToObject(out, "jobs", rc->jobs);
    }
    cJSON_AddNumberToObject(root, "exit", exit);
    char *s = cJSON_PrintUnformatted(root);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
    }
    free(s);
    cJSON_Delete(root);
}
