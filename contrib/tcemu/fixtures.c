/* fixtures.c — the deterministic fixture fleet (CONTRACT.md "Fixture
 * fleet"): tenants with realistic company names, 12 domains of varied DNS
 * health, mailboxes with and without limits. Every value comes from a
 * splitmix64 stream seeded with --seed, and timestamps from a fixed epoch,
 * so the same arguments always give byte-identical data. */
#include "fixtures.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dns_records.h"
#include "json_util.h"

/* 2025-04-20T08:00:00Z: fixtures' "now", shifted back by up to 30 days per seed. */
#define FIXTURE_EPOCH 1745136000L
#define DAY           86400L
/* Every tenant was connected at least this long before "now", so the
 * enforcement log has months of history to draw from. */
#define CONNECTED_BEFORE (FIXTURE_HISTORY_MAX_DAYS * DAY + DAY)

static const char *name_prefix[] = {
    "Northwind", "Contoso",    "Fabrikam",    "Tailspin", "Adventure Works", "Litware",
    "Proseware", "Wingtip",    "Blue Yonder", "Coho",     "Alpine Ski",      "Margie's",
    "Lucerne",   "Humongous",  "Wide World",  "Trey",     "Fourth Coffee",   "Graphic Design",
    "Woodgrove", "Southridge", "Relecloud",   "Bellows",  "Datum",           "Müller",
    "Nordic",    "Ridgeline",  "Harbor",      "Summit",   "Crescent",        "Evergreen",
};
static const char *name_suffix[] = {
    "Corp",    "Inc",      "Ltd",        "LLC",           "Group",     "Partners", "Holdings",
    "Labs",    "Media",    "Consulting", "Logistik GmbH", "& Co",      "Traders",  "Systems",
    "Digital", "Ventures", "Solutions",  "Studio",        "Analytics", "Outreach",
};
#define NPREFIX (sizeof(name_prefix) / sizeof(*name_prefix))
#define NSUFFIX (sizeof(name_suffix) / sizeof(*name_suffix))
#define NCOMBOS (NPREFIX * NSUFFIX)

/* Domain i of a tenant is pre + slug + post. */
static const struct {
    const char *pre, *post;
} domain_patterns[12] = {
    {"", ".com"},     {"get", ".com"},   {"try", ".com"},    {"", "hq.com"},
    {"", "mail.com"}, {"", "team.com"},  {"", ".net"},       {"", ".co"},
    {"", ".io"},      {"mail.", ".com"}, {"", "-group.com"}, {"", "-outreach.com"},
};

static const char *first_names[] = {
    "James", "Olivia", "Liam",  "Emma",   "Noah",   "Ava",    "Lucas", "Mia",
    "Ethan", "Sophia", "Mason", "Amelia", "Logan",  "Harper", "Elias", "Ella",
    "Owen",  "Chloe",  "Henry", "Grace",  "Julian", "Nora",   "Isaac", "Ruby",
};
static const char *last_names[] = {
    "Smith",  "Johnson", "Brown",  "Garcia", "Miller", "Davis",  "Wilson", "Moore",
    "Taylor", "Thomas",  "Martin", "Clark",  "Lewis",  "Walker", "Hall",   "Young",
    "Allen",  "King",    "Wright", "Scott",  "Green",  "Baker",  "Adams",  "Nelson",
};
#define NFIRST (sizeof(first_names) / sizeof(*first_names))
#define NLAST  (sizeof(last_names) / sizeof(*last_names))

struct fleet_gen {
    uint64_t rng;
    unsigned first_base; /* first-name index of the domain's first mailbox */
    long epoch;
    const struct emu_options *o;
    struct emu_store *s;
    int global_index; /* tenants generated so far, across accounts */
    char first_name[128];
};

static unsigned rnd(struct fleet_gen *g, unsigned n)
{
    return (unsigned)(prng_next(&g->rng) % n);
}

static void put_time(cJSON *obj, const char *key, long t)
{
    char buf[21];
    iso_time((time_t)t, buf);
    json_put_str(obj, key, buf);
}

/* Lowercase ASCII letters and digits of name; other bytes dropped. */
static void slugify(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size && n < 24; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 128 && isalnum(c))
            out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
}

void fixtures_domain_obj(cJSON *obj, const char *id, const char *name, bool is_default,
                         bool verified, const char *last_checked)
{
    json_put_str(obj, "id", id);
    json_put_str(obj, "domain_name", name);
    json_put(obj, "is_default", cJSON_CreateBool(is_default));
    json_put(obj, "is_verified", cJSON_CreateBool(verified));
    json_put_str(obj, "spf_status", "missing");
    json_put_str(obj, "dkim_status", "missing");
    json_put_str(obj, "dmarc_status", "missing");
    json_put_str(obj, "mx_status", "missing");
    json_put_str(obj, "last_checked", last_checked);
}

/* DNS health of fixture domain i of n (CONTRACT.md): the last two of four or
 * more are unverified; verified ones vary by index. */
static void build_domain(struct fleet_gen *g, struct emu_tenant *t, const char *slug, int i, int n,
                         long last_checked)
{
    char name[160], id[37], checked[21];
    snprintf(name, sizeof(name), "%s%s%s", domain_patterns[i].pre, slug, domain_patterns[i].post);
    prng_uuid(&g->rng, id);
    iso_time((time_t)last_checked, checked);
    bool verified = !(n >= 4 && i >= n - 2);

    struct emu_domain *d = tenant_add_domain(t);
    fixtures_domain_obj(d->obj, id, name, i == 0, verified, checked);
    snprintf(d->ms_code, sizeof(d->ms_code), "MS=ms%08u", rnd(g, 100000000));
    d->verify_fails = n >= 4 && i == n - 1;
    if (!verified)
        return;

    char rec[256];
    if (i != 7) {
        json_put_str(d->obj, "spf_status", SPF_RECORD);
    }
    if (i != 3) {
        snprintf(rec, sizeof(rec), "v=DMARC1; p=quarantine; rua=mailto:dmarc@%s", name);
        json_put_str(d->obj, "dmarc_status", rec);
    }
    dns_mx_host(name, rec, sizeof(rec));
    strncat(rec, ".", sizeof(rec) - strlen(rec) - 1);
    json_put_str(d->obj, "mx_status", rec);
    if (i == 5) {
        json_put_str(d->obj, "dkim_status", "partial");
    } else {
        json_put_str(d->obj, "dkim_status", "healthy");
        d->dkim_ready = true;
        d->dkim_enabled = true;
    }
}

static void build_mailbox(struct fleet_gen *g, struct emu_tenant *t, const char *domain, int j,
                          long created)
{
    char id[37], email[320], nick[128], display[128];
    /* Distinct first names within one domain keep emails unique: the
     * first mailbox of a domain draws a name, the others step from it. */
    if (j == 0)
        g->first_base = rnd(g, NFIRST);
    unsigned f = (g->first_base + (unsigned)j * 7) % NFIRST, l = rnd(g, NLAST);
    snprintf(display, sizeof(display), "%s %s", first_names[f], last_names[l]);
    slugify(first_names[f], nick, sizeof(nick));
    size_t k = strlen(nick);
    nick[k++] = '.';
    slugify(last_names[l], nick + k, sizeof(nick) - k);
    snprintf(email, sizeof(email), "%s@%s", nick, domain);
    prng_uuid(&g->rng, id);

    struct emu_mailbox *m = tenant_add_mailbox(t);
    json_put_str(m->obj, "id", id);
    json_put_str(m->obj, "display_name", display);
    json_put_str(m->obj, "primary_smtp", email);
    json_put_str(m->obj, "user_principal_name", email);
    json_put_str(m->obj, "mail_nickname", nick);
    json_put(m->obj, "account_enabled", cJSON_CreateTrue());
    bool unset = rnd(g, 4) == 0;
    long limit = 1 + rnd(g, 25), sends = rnd(g, 26);
    if (unset)
        json_put_null(m->obj, "daily_send_limit");
    else
        json_put_num(m->obj, "daily_send_limit", (double)limit);
    json_put_num(m->obj, "sends_today", (double)sends);
    /* Blocks are decided by fixtures_history (only policies block); the
     * draw stays so that the values after it do not change. */
    if (!unset && sends >= limit)
        (void)rnd(g, 300);
    json_put_null(m->obj, "blocked_at");
    put_time(m->obj, "created_at", created);
    json_put_str(m->obj, "domain_name", domain);
}

static void add_policy(struct emu_tenant *t, const char *scope, long limit, uint64_t *rng,
                       long when)
{
    struct emu_policy *p = tenant_put_policy(t, scope);
    p->daily_send_limit = limit;
    prng_uuid(rng, p->id);
    iso_time((time_t)when, p->created_at);
    iso_time((time_t)when, p->updated_at);
}

/* Tenant i of account `account`; i orders the list (0 = newest consent). */
static void build_tenant(struct fleet_gen *g, int account, int i, int count)
{
    const struct emu_options *o = g->o;
    int gi = g->global_index++;
    char name[128], slug[64], id[37], guid[37];

    /* A permutation of prefix x suffix keeps names distinct up to NCOMBOS. */
    size_t combo = ((size_t)gi * 7919u + (size_t)(o->seed % NCOMBOS)) % NCOMBOS;
    snprintf(name, sizeof(name), "%s %s", name_prefix[combo / NSUFFIX],
             name_suffix[combo % NSUFFIX]);
    if (gi >= (int)NCOMBOS)
        snprintf(name + strlen(name), sizeof(name) - strlen(name), " %d", gi / (int)NCOMBOS + 1);
    bool dup_name = account == 0 && i == 3 && count >= 4;
    if (i == 0 && account == 0)
        snprintf(g->first_name, sizeof(g->first_name), "%s", name);
    if (dup_name)
        snprintf(name, sizeof(name), "%s", g->first_name);
    slugify(name, slug, sizeof(slug));
    if (dup_name || gi >= (int)NCOMBOS)
        snprintf(slug + strlen(slug), sizeof(slug) - strlen(slug), "%d", gi);

    prng_uuid(&g->rng, id);
    prng_uuid(&g->rng, guid);
    long consented = g->epoch - CONNECTED_BEFORE - (long)i * 3 * DAY - 3600 - (long)rnd(g, DAY);
    /* Discovery syncs run daily: the last one within two days of "now". */
    long synced = g->epoch - 600 - (long)rnd(g, 2 * DAY);
    bool pending = account == 0 && i == 1;

    char tdomain[96];
    snprintf(tdomain, sizeof(tdomain), "%s.onmicrosoft.com", slug);

    struct emu_tenant *t = store_add_tenant(g->s, account);
    json_put_str(t->obj, "id", id);
    json_put_str(t->obj, "tenant_id", guid);
    json_put_str(t->obj, "tenant_name", name);
    json_put_str(t->obj, "tenant_domain", tdomain);
    json_put_str(t->obj, "default_domain", tdomain);
    json_put_null(t->obj, "domain_count"); /* rendered live */
    json_put_null(t->obj, "mailbox_count");
    json_put_null(t->obj, "status");
    json_put(t->obj, "discovery_completed", cJSON_CreateTrue());
    json_put_str(t->obj, "exchange_bootstrap_status", pending ? "pending" : "ready");
    json_put(t->obj, "smtp_auth_org_enabled", cJSON_CreateBool(!pending));
    put_time(t->obj, "consented_at", consented);
    put_time(t->obj, "last_sync_at", synced);
    json_put_str(t->obj, "connected_by", o->accounts[account].email);
    store_index_tenant(g->s, t);

    for (int d = 0; d < o->domains; d++)
        build_domain(g, t, slug, d, o->domains, synced - (long)rnd(g, 300));
    if (o->domains > 0)
        json_put_str(t->obj, "default_domain", json_str(t->domains[0].obj, "domain_name"));

    for (size_t d = 0; d < t->ndomains; d++) {
        if (!json_true(t->domains[d].obj, "is_verified"))
            continue;
        char domain[256];
        snprintf(domain, sizeof(domain), "%s", json_str(t->domains[d].obj, "domain_name"));
        for (int j = 0; j < o->mailboxes; j++)
            build_mailbox(g, t, domain, j,
                          consented + 60 + (long)rnd(g, (unsigned)(synced - consented - 60)));
    }

    /* Policies are set an hour after connecting, before any history. */
    if (account == 0 && i == 0) {
        add_policy(t, NULL, 20, &g->rng, consented + 3600);
        if (t->ndomains > 0)
            add_policy(t, json_str(t->domains[0].obj, "domain_name"), 15, &g->rng,
                       consented + 3600);
    }
    if (account == 1 && i == 0) {
        /* Its own stream, so that account 2's other tenants keep their ids. */
        uint64_t rng = o->seed ^ 0x5eedacc02ull;
        add_policy(t, NULL, 10, &rng, consented + 3600);
    }
}

int fixtures_build(struct emu_store *s, const struct emu_options *o, char *err, size_t errsize)
{
    struct fleet_gen g = {.rng = o->seed, .o = o, .s = s};
    g.epoch = FIXTURE_EPOCH - (long)(prng_next(&g.rng) % (30 * DAY));
    for (int i = 0; i < o->tenants; i++)
        build_tenant(&g, 0, i, o->tenants);
    if (o->naccounts > 1) {
        for (int i = 0; i < o->other_tenants; i++)
            build_tenant(&g, 1, i, o->other_tenants);
    }
    return fixtures_history(s, o, g.epoch, err, errsize);
}
