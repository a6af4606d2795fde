/* fixture_history.c — the enforcement log of the fixture fleet, kept
 * inside the documents: only mailboxes in an enforced scope (a tenant or
 * domain policy) are ever blocked, a block happens when the day's sends
 * exceed the enforced limit, and the next daily reset unblocks. Today's
 * blocks are exactly the mailboxes whose sends_today exceed their limit.
 * Every draw comes from a stream of its own, seeded from --seed, so the
 * fleet's other values do not depend on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcement.h"
#include "fixtures.h"
#include "json_util.h"

#define DAY            86400L
#define NATURAL_DAYS   14 /* the default history: two weeks ... */
#define NATURAL_ONE_IN 5  /* ... in which a mailbox is blocked one day in five */

struct slot {
    struct emu_tenant *t;
    struct emu_mailbox *m;
    long limit;
    long created;   /* the mailbox's created_at */
    long first_day; /* start of the first whole day under policy with the mailbox */
    bool today;     /* blocked today */
};

struct pending {
    long when;
    size_t seq; /* generation order: ties keep it */
    const struct slot *slot;
    bool blocked;
    long sent;
};

struct history {
    uint64_t rng;
    long now, today;
    struct pending *ev;
    size_t n, cap;
};

static unsigned draw(struct history *h, unsigned n)
{
    return n ? (unsigned)(prng_next(&h->rng) % n) : 0;
}

static void add(struct history *h, const struct slot *sl, bool blocked, long when, long sent)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->ev = realloc(h->ev, h->cap * sizeof(*h->ev));
        if (!h->ev)
            abort();
    }
    h->ev[h->n] = (struct pending){when, h->n, sl, blocked, sent};
    h->n++;
}

static long day_start(long t)
{
    return t - ((t % DAY) + DAY) % DAY;
}

static long policy_time(const struct emu_policy *p)
{
    time_t t;
    return iso_parse(p->created_at, &t) ? (long)t : 0;
}

/* The enforced mailboxes of one account, in store order. */
static struct slot *collect(struct emu_store *s, int account, size_t *n)
{
    struct slot *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < s->ntenants; i++) {
        struct emu_tenant *t = s->tenants[i];
        if (t->account != account)
            continue;
        for (size_t j = 0; j < t->nmailboxes; j++) {
            struct emu_mailbox *m = &t->mailboxes[j];
            long limit, sends;
            if (!enforced_limit(t, m, &limit))
                continue;
            const char *dn = json_str(m->obj, "domain_name");
            const struct emu_policy *p = dn ? tenant_find_policy(t, dn) : NULL;
            if (!p)
                p = tenant_find_policy(t, NULL);
            time_t created = 0;
            iso_parse(json_str(m->obj, "created_at"), &created);
            long from = (long)created > policy_time(p) ? (long)created : policy_time(p);
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                v = realloc(v, cap * sizeof(*v));
                if (!v)
                    abort();
            }
            bool over = json_int(m->obj, "sends_today", &sends) && sends > limit;
            v[(*n)++] = (struct slot){t, m, limit, (long)created, day_start(from) + DAY, over};
        }
    }
    return v;
}

/* Past days a slot could have been blocked on, newest first: (slot, day). */
struct cell {
    size_t slot;
    long day;
};

static struct cell *cells_of(const struct slot *v, size_t n, long today, int days, size_t *nc)
{
    struct cell *c = malloc((n * (size_t)days + 1) * sizeof(*c));
    if (!c)
        abort();
    *nc = 0;
    for (int d = 1; d <= days; d++) {
        for (size_t i = 0; i < n; i++) {
            long day = today - d * DAY;
            if (day >= v[i].first_day)
                c[(*nc)++] = (struct cell){i, day};
        }
    }
    return c;
}

/* A block during `day` and its unblock at the next reset. */
static void add_episode(struct history *h, const struct slot *sl, long day)
{
    add(h, sl, true, day + 1 + (long)draw(h, DAY - 2), sl->limit + 1);
    add(h, sl, false, day + DAY, 0);
}

/* Today's block of a mailbox over its limit: after it exists, before now. */
static void add_today(struct history *h, const struct slot *sl)
{
    long lo = sl->created + 60 > h->today ? sl->created + 60 : h->today;
    long when = lo < h->now ? lo + (long)draw(h, (unsigned)(h->now - lo)) : h->now;
    add(h, sl, true, when, sl->limit + 1);
}

static void natural(struct history *h, struct slot *v, size_t n)
{
    size_t nc;
    struct cell *c = cells_of(v, n, h->today, NATURAL_DAYS, &nc);
    for (size_t i = 0; i < nc; i++) {
        if (draw(h, NATURAL_ONE_IN) == 0)
            add_episode(h, &v[c[i].slot], c[i].day);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].today)
            add_today(h, &v[i]);
    }
    free(c);
}

/* Exactly `want` events: today's blocks (as many as sends say, adjusted
 * for parity) plus pairs on past days drawn without repetition. */
static int exact(struct history *h, struct slot *v, size_t n, long want, char *err, size_t errsize)
{
    size_t nc;
    struct cell *c = cells_of(v, n, h->today, FIXTURE_HISTORY_MAX_DAYS, &nc);
    long over = 0;
    for (size_t i = 0; i < n; i++)
        over += v[i].today;
    long cap = (long)n + 2 * (long)nc;
    long today = over < want ? over : want;
    if (today < want - 2 * (long)nc) /* the past days cannot hold the rest */
        today = want - 2 * (long)nc;
    if ((want - today) % 2 != 0)
        today += today < (long)n ? 1 : -1;
    long pairs = (want - today) / 2;
    if (want > cap || today < 0 || today > (long)n || pairs > (long)nc) {
        snprintf(err, errsize,
                 "--events %ld: account 1's fixture fleet can hold at most %ld events (%zu "
                 "enforced mailboxes over their days under a policy)",
                 want, cap, n);
        free(c);
        return -1;
    }
    /* Today: the mailboxes already over their limit first, then others
     * pushed over it; the rest are brought back to at most their limit. */
    long chosen = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = v[i].today && chosen < today;
        chosen += keep;
        v[i].today = keep;
    }
    for (size_t i = 0; i < n && chosen < today; i++) {
        if (!v[i].today) {
            v[i].today = true;
            chosen++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        long sends;
        bool over_now = json_int(v[i].m->obj, "sends_today", &sends) && sends > v[i].limit;
        if (v[i].today && !over_now)
            json_put_num(v[i].m->obj, "sends_today", (double)(v[i].limit + 1 + draw(h, 3)));
        else if (!v[i].today && over_now)
            json_put_num(v[i].m->obj, "sends_today", (double)draw(h, (unsigned)v[i].limit + 1));
        if (v[i].today)
            add_today(h, &v[i]);
    }
    /* Partial Fisher-Yates: the first `pairs` cells of a shuffle. */
    for (long i = 0; i < pairs; i++) {
        size_t j = (size_t)i + draw(h, (unsigned)(nc - (size_t)i));
        struct cell tmp = c[i];
        c[i] = c[j];
        c[j] = tmp;
        add_episode(h, &v[c[i].slot], c[i].day);
    }
    free(c);
    return 0;
}

static int by_time(const void *pa, const void *pb)
{
    const struct pending *a = pa, *b = pb;
    if (a->when != b->when)
        return a->when < b->when ? -1 : 1;
    return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* Sorted into the log, ids drawn in log order; today's blocks set blocked_at. */
static void commit(struct emu_store *s, struct history *h)
{
    qsort(h->ev, h->n, sizeof(*h->ev), by_time);
    for (size_t i = 0; i < h->n; i++) {
        const struct pending *p = &h->ev[i];
        struct emu_event *e =
            log_event(s, p->slot->t, p->slot->m, p->blocked, p->sent, p->slot->limit, p->when);
        prng_uuid(&h->rng, e->id);
        if (p->blocked && p->when >= h->today) {
            char stamp[21];
            iso_time((time_t)p->when, stamp);
            json_put_str(p->slot->m->obj, "blocked_at", stamp);
        }
    }
}

int fixtures_history(struct emu_store *s, const struct emu_options *o, long now, char *err,
                     size_t errsize)
{
    int rc = 0;
    for (int a = 0; a < o->naccounts && a < 2 && rc == 0; a++) {
        struct history h = {
            .rng = o->seed ^ (0x4e1f0c0de5ull + (uint64_t)a), .now = now, .today = day_start(now)};
        size_t n;
        struct slot *v = collect(s, a, &n);
        if (a == 0 && o->events >= 0)
            rc = exact(&h, v, n, o->events, err, errsize);
        else
            natural(&h, v, n);
        if (rc == 0)
            commit(s, &h);
        free(h.ev);
        free(v);
    }
    return rc;
}
