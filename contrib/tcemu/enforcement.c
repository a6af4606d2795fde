/* enforcement.c — see enforcement.h. */
#include "enforcement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"

bool enforced_limit(struct emu_tenant *t, const struct emu_mailbox *m, long *limit)
{
    const char *domain = json_str(m->obj, "domain_name");
    const struct emu_policy *p = domain ? tenant_find_policy(t, domain) : NULL;
    if (!p)
        p = tenant_find_policy(t, NULL);
    if (!p)
        return false;
    *limit = p->daily_send_limit;
    return true;
}

struct emu_event *log_event(struct emu_store *s, struct emu_tenant *t, const struct emu_mailbox *m,
                            bool blocked, long sent, long limit, time_t when)
{
    const char *addr = json_str(m->obj, "primary_smtp");
    struct emu_event *e = store_add_event(s);
    store_new_uuid(s, e->id);
    e->tenant = t;
    e->mailbox_address = strdup(addr ? addr : "");
    if (!e->mailbox_address)
        abort();
    e->blocked = blocked;
    e->sent_count = sent;
    e->limit_value = limit;
    e->created_at = when;
    return e;
}

void event_message(const struct emu_event *e, char *out, size_t size)
{
    snprintf(out, size, "Mailbox %s: sent %ld, limit %ld", e->blocked ? "blocked" : "unblocked",
             e->sent_count, e->limit_value);
}

static bool is_blocked(const struct emu_mailbox *m)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(m->obj, "blocked_at");
    return b && !cJSON_IsNull(b);
}

void enforce_mailbox(struct emu_store *s, struct emu_tenant *t, struct emu_mailbox *m)
{
    long sends, limit = 0;
    if (!json_int(m->obj, "sends_today", &sends))
        return;
    bool enforced = enforced_limit(t, m, &limit);
    /* The documents' own example: "sent 26, limit 25" is the first blocked
     * count, so reaching the limit is allowed and exceeding it blocks. */
    bool exceeds = enforced && sends > limit;
    bool blocked = is_blocked(m);
    if (exceeds == blocked)
        return;
    if (!enforced && !json_int(m->obj, "daily_send_limit", &limit))
        limit = 0;
    time_t now = time(NULL);
    if (exceeds) {
        char stamp[21];
        iso_time(now, stamp);
        json_put_str(m->obj, "blocked_at", stamp);
    } else {
        json_put_null(m->obj, "blocked_at");
    }
    log_event(s, t, m, exceeds, sends, limit, now);
}

void enforce_tenant(struct emu_store *s, struct emu_tenant *t)
{
    for (size_t i = 0; i < t->nmailboxes; i++)
        enforce_mailbox(s, t, &t->mailboxes[i]);
}

void enforce_add_sends(struct emu_store *s, struct emu_tenant *t, struct emu_mailbox *m, long n)
{
    long sends;
    if (!json_int(m->obj, "sends_today", &sends))
        sends = 0;
    json_put_num(m->obj, "sends_today", (double)(sends + n));
    enforce_mailbox(s, t, m);
}

long enforce_next_day(struct emu_store *s)
{
    long unblocked = 0;
    for (size_t i = 0; i < s->ntenants; i++) {
        struct emu_tenant *t = s->tenants[i];
        for (size_t j = 0; j < t->nmailboxes; j++) {
            struct emu_mailbox *m = &t->mailboxes[j];
            bool was = is_blocked(m);
            json_put_num(m->obj, "sends_today", 0);
            enforce_mailbox(s, t, m);
            unblocked += was && !is_blocked(m);
        }
    }
    return unblocked;
}
