/* h_enforcement.c — GET /v1/enforcement/events (api-docs/enforcement.txt):
 * the account's enforcement log, newest first, filtered by tenant and
 * action and paged with limit/offset; and the events_per_request knob that
 * logs new events before each request, as a client paging a live log sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcement.h"
#include "handlers.h"
#include "json_util.h"
#include "router.h"
#include "validate.h"

#define EVENTS_LIMIT_DEFAULT 50
#define EVENTS_LIMIT_MAX     200

enum action_filter { ACTION_ANY = -1, ACTION_UNBLOCKED = 0, ACTION_BLOCKED = 1 };

struct events_query {
    char tenant_id[256];
    bool by_tenant;
    bool tenant_unreadable; /* too long or holding NUL: no tenant has that id */
    enum action_filter action;
    long long limit, offset;
};

/* An integer query parameter >= min; absent keeps *out. */
static void query_int(struct api_call *c, const char *name, long long min, long long *out)
{
    char buf[64];
    int r = router_query_param(c->target, name, buf, sizeof(buf));
    if (r == 0)
        return;
    if (r < 0 || !parse_query_int(buf, out)) {
        api_invalid(c, loc_query(name),
                    "Input should be a valid integer, unable to parse string as an integer",
                    "int_parsing");
    } else if (*out < min) {
        char msg[64];
        snprintf(msg, sizeof(msg), "Input should be greater than or equal to %lld", min);
        api_invalid(c, loc_query(name), msg, "greater_than_equal");
    }
}

/* Every parameter is checked, so a 422 lists all bad ones, as FastAPI does. */
static bool read_query(struct api_call *c, struct events_query *q)
{
    memset(q, 0, sizeof(*q));
    q->action = ACTION_ANY;
    q->limit = EVENTS_LIMIT_DEFAULT;
    int r = router_query_param(c->target, "tenant_id", q->tenant_id, sizeof(q->tenant_id));
    q->tenant_unreadable = r < 0;
    q->by_tenant = r < 0 || (r == 1 && q->tenant_id[0] != '\0'); /* "" filters nothing */

    char action[32];
    r = router_query_param(c->target, "action", action, sizeof(action));
    if (r == 1 && strcmp(action, "blocked") == 0)
        q->action = ACTION_BLOCKED;
    else if (r == 1 && strcmp(action, "unblocked") == 0)
        q->action = ACTION_UNBLOCKED;
    else if (r != 0)
        api_invalid(c, loc_query("action"), "Input should be 'blocked' or 'unblocked'",
                    "literal_error");

    query_int(c, "limit", 1, &q->limit);
    query_int(c, "offset", 0, &q->offset);
    /* "at most 200": a larger limit is cut to 200, and the answer says so. */
    if (q->limit > EVENTS_LIMIT_MAX)
        q->limit = EVENTS_LIMIT_MAX;
    return c->invalid == NULL;
}

struct candidate {
    struct emu_tenant *t;
    struct emu_mailbox *m;
    long limit;
};

/* events_per_request: n new events, round robin over the enforced mailboxes
 * of the account (of the filtered tenant), of the filtered action or else
 * alternating. They are log entries only: mailbox state does not change. */
static void log_knob_events(struct emu_store *s, int account, struct emu_tenant *only,
                            enum action_filter action, int n)
{
    size_t cap = 0, nc = 0;
    struct candidate *cand = NULL;
    for (size_t i = 0; i < s->ntenants; i++) {
        struct emu_tenant *t = s->tenants[i];
        if (t->account != account || (only && t != only))
            continue;
        for (size_t j = 0; j < t->nmailboxes; j++) {
            long limit;
            if (!enforced_limit(t, &t->mailboxes[j], &limit))
                continue;
            if (nc == cap) {
                cap = cap ? cap * 2 : 64;
                cand = realloc(cand, cap * sizeof(*cand));
                if (!cand)
                    abort();
            }
            cand[nc++] = (struct candidate){t, &t->mailboxes[j], limit};
        }
    }
    time_t now = time(NULL);
    for (int i = 0; nc > 0 && i < n; i++) {
        unsigned long k = s->knob_next++;
        const struct candidate *p = &cand[k % nc];
        bool blocked = action == ACTION_ANY ? k % 2 == 0 : action == ACTION_BLOCKED;
        log_event(s, p->t, p->m, blocked, blocked ? p->limit + 1 : 0, p->limit, now);
    }
    free(cand);
}

static cJSON *render_event(const struct emu_event *e)
{
    char msg[160], when[21];
    event_message(e, msg, sizeof(msg));
    iso_time(e->created_at, when);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->id);
    json_copy_field(o, e->tenant->obj, "tenant_id");
    cJSON_AddStringToObject(o, "mailbox_address", e->mailbox_address);
    cJSON_AddStringToObject(o, "action_taken", e->blocked ? "blocked" : "unblocked");
    cJSON_AddNumberToObject(o, "sent_count", (double)e->sent_count);
    cJSON_AddNumberToObject(o, "limit_value", (double)e->limit_value);
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddStringToObject(o, "created_at", when);
    return o;
}

static cJSON *answer(const struct emu_store *s, int account, const struct emu_tenant *only,
                     const struct events_query *q)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "events");
    long long total = 0, count = 0;
    for (size_t i = s->nevents; i-- > 0;) { /* newest first */
        const struct emu_event *e = &s->events[i];
        if (e->tenant->account != account || (only && e->tenant != only) ||
            (q->action != ACTION_ANY && e->blocked != (q->action == ACTION_BLOCKED)))
            continue;
        if (total++ >= q->offset && count < q->limit) {
            cJSON_AddItemToArray(list, render_event(e));
            count++;
        }
    }
    cJSON_AddNumberToObject(root, "count", (double)count);
    cJSON_AddNumberToObject(root, "total", (double)total);
    cJSON_AddNumberToObject(root, "limit", (double)q->limit);
    cJSON_AddNumberToObject(root, "offset", (double)q->offset);
    cJSON *filters = cJSON_AddObjectToObject(root, "filters");
    if (only)
        json_copy_field(filters, only->obj, "tenant_id");
    if (q->action != ACTION_ANY)
        cJSON_AddStringToObject(filters, "action",
                                q->action == ACTION_BLOCKED ? "blocked" : "unblocked");
    return root;
}

void h_enforcement_events(struct api_call *c)
{
    struct events_query q;
    if (!read_query(c, &q))
        return;
    struct emu_store *s = &c->app->store;
    int knob = c->cfg->events_per_request;
    if (knob > 0)
        store_wrlock(s);
    else
        store_rdlock(s);
    struct emu_tenant *t = NULL;
    if (q.by_tenant) {
        t = q.tenant_unreadable ? NULL : store_find_tenant(s, q.tenant_id);
        if (!t || t->account != c->account) {
            api_fail(c, 404, "tenant_not_found", "Tenant %.200s not found",
                     q.tenant_unreadable ? "(unreadable id)" : q.tenant_id);
            goto out;
        }
    }
    if (knob > 0)
        log_knob_events(s, c->account, t, q.action, knob);
    api_ok(c, answer(s, c->account, t, &q));
out:
    store_unlock(s);
}
