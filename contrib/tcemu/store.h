/* store.h — the emulated TenantCore data: accounts' tenants, their domains,
 * mailboxes and limit policies, held in memory behind one rwlock (readers
 * run concurrently; every write takes it exclusively).
 *
 * Public fields live in cJSON objects in the API's key order, so /_emu/set
 * can merge any JSON (wrong types included) and every endpoint that shows a
 * field shows the merged value. Internal knobs that no endpoint shows
 * directly are plain C fields. */
#ifndef TCEMU_STORE_H
#define TCEMU_STORE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "options.h"

struct emu_mailbox {
    /* id, display_name, primary_smtp, user_principal_name, mail_nickname,
     * account_enabled, daily_send_limit, sends_today, blocked_at, created_at,
     * domain_name (tenant_name is rendered live from the tenant). */
    cJSON *obj;
};

struct emu_domain {
    /* id, domain_name, is_default, is_verified, spf_status, dkim_status,
     * dmarc_status, mx_status, last_checked */
    cJSON *obj;
    char ms_code[16];     /* verification TXT value "MS=ms########" */
    bool verify_fails;    /* verify answers verification_failed */
    bool dkim_ready;      /* both DKIM selector CNAMEs propagated */
    bool dkim_enabled;    /* DKIM signing switched on */
    bool provision_fails; /* every mailbox created here reports "failed" */
};

struct emu_policy {
    char *domain_scope; /* NULL: tenant-wide */
    long daily_send_limit;
    char id[37];
    char created_at[21];
    char updated_at[21];
};

struct emu_tenant {
    int account; /* owner: index into options.accounts */
    /* id, tenant_id, tenant_name, tenant_domain, default_domain, domain_count,
     * mailbox_count, status, discovery_completed, exchange_bootstrap_status,
     * smtp_auth_org_enabled, consented_at, last_sync_at, connected_by */
    cJSON *obj;
    /* domain_count/mailbox_count are live unless pinned by /_emu/set. */
    bool pin_domain_count, pin_mailbox_count;
    struct emu_domain *domains;
    size_t ndomains, domains_cap;
    struct emu_mailbox *mailboxes;
    size_t nmailboxes, mailboxes_cap;
    struct emu_policy *policies;
    size_t npolicies, policies_cap;
};

/* One entry of the enforcement log (api-docs/enforcement.txt). */
struct emu_event {
    char id[37];
    struct emu_tenant *tenant; /* owner; an event goes with its tenant */
    char *mailbox_address;
    bool blocked; /* action_taken: "blocked", else "unblocked" */
    long sent_count, limit_value;
    time_t created_at;
};

struct emu_store {
    pthread_rwlock_t lock;
    struct emu_tenant **tenants;
    size_t ntenants, tenants_cap;
    /* tenant_id (case-folded hash) → tenant, open addressing; kept current
     * by every mutation so that readers never rebuild it. */
    struct emu_tenant **index;
    size_t index_cap;
    uint64_t rng; /* ids of entities created at run time; under the write lock */
    /* The enforcement log of every account, oldest first: appended in the
     * order events happen, so newest first is simply the reverse. */
    struct emu_event *events;
    size_t nevents, events_cap;
    unsigned long knob_next; /* round robin of events_per_request */
};

void store_init(struct emu_store *s);
/* Drops every entity (the lock stays usable). Caller holds the write lock or
 * is the only thread. */
void store_clear(struct emu_store *s);
void store_destroy(struct emu_store *s);

void store_rdlock(struct emu_store *s);
void store_wrlock(struct emu_store *s);
void store_unlock(struct emu_store *s);

/* Lookups by public id (case-insensitive); NULL / -1 when absent. */
struct emu_tenant *store_find_tenant(struct emu_store *s, const char *tenant_id);
long tenant_find_domain(const struct emu_tenant *t, const char *domain_name);
long tenant_find_mailbox(const struct emu_tenant *t, const char *mailbox_id);
struct emu_policy *tenant_find_policy(struct emu_tenant *t, const char *domain_scope);
size_t tenant_count_domain_mailboxes(const struct emu_tenant *t, const char *domain_name);

/* Adds an empty tenant; store_index_tenant once its tenant_id is set. */
struct emu_tenant *store_add_tenant(struct emu_store *s, int account);
void store_index_tenant(struct emu_store *s, struct emu_tenant *t);
struct emu_domain *tenant_add_domain(struct emu_tenant *t);
struct emu_mailbox *tenant_add_mailbox(struct emu_tenant *t);
struct emu_policy *tenant_put_policy(struct emu_tenant *t, const char *domain_scope);
/* Rebuilds the tenant_id index; call after changing a tenant's tenant_id. */
void store_reindex(struct emu_store *s);
/* Appends an empty event (zeroed; the caller fills it in). */
struct emu_event *store_add_event(struct emu_store *s);
/* Removes and frees the tenant with everything it holds, its events too. */
void store_remove_tenant(struct emu_store *s, struct emu_tenant *t);

/* Random ids for entities created at run time (write lock held). */
void store_new_uuid(struct emu_store *s, char out[37]);

/* Deterministic PRNG shared with the fixtures. */
uint64_t prng_next(uint64_t *state);
void prng_uuid(uint64_t *state, char out[37]);

#endif
