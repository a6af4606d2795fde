/* handlers.h — the /v1 endpoint handlers (h_tenants.c, h_domains.c,
 * h_mailboxes.c, h_limits.c) and the small context they share. A handler
 * takes the store lock itself, fills either json or an error, and never
 * touches HTTP. */
#ifndef TCEMU_HANDLERS_H
#define TCEMU_HANDLERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "app.h"

struct api_call {
    struct emu_app *app;
    int account;               /* authenticated account (index into opts.accounts) */
    const char *const *params; /* decoded path parameters, pattern order */
    const cJSON *body;         /* parsed JSON body, for routes that take one */
    const char *target;        /* raw request target, for query parameters */
    const struct emu_faults *cfg;
    /* result */
    int status;
    cJSON *json;
    const char *code;
    char message[512];
    cJSON *invalid; /* failures the API's framework reports (422 items), or NULL */
};

typedef void (*api_handler)(struct api_call *c);

/* Records an error result; always returns NULL (handy in lookups). */
void *api_fail(struct api_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records a failure of the kind the API's framework rejects before the
 * endpoint runs (a bad query parameter): one 422 item at loc (taken). In
 * the documented error shape the answer is 422 with every item; in the
 * others, 400 invalid_request with the first item's message. NULL. */
void *api_invalid(struct api_call *c, cJSON *loc, const char *msg, const char *type);
/* Sets a 200 result. */
void api_ok(struct api_call *c, cJSON *json);

/* params[0] as a tenant of the caller's account, or NULL after a 404
 * tenant_not_found (another account's tenant is "not found" too). */
struct emu_tenant *api_own_tenant(struct api_call *c);
/* params[1] as a domain of t, or NULL after 404 domain_not_found. */
struct emu_domain *api_domain(struct api_call *c, struct emu_tenant *t);

/* A tenant rendered as in the list (detail=false) or GET tenant (true). */
cJSON *render_tenant(const struct emu_tenant *t, bool detail);
/* A domain rendered as in the domains list. */
cJSON *render_domain(const struct emu_domain *d);
/* A mailbox rendered as in the mailboxes list. */
cJSON *render_mailbox(const struct emu_tenant *t, const struct emu_mailbox *m);

void h_tenants_list(struct api_call *c);
void h_tenant_get(struct api_call *c);
void h_tenant_sync(struct api_call *c);
void h_tenant_delete(struct api_call *c);

void h_domains_list(struct api_call *c);
void h_domain_add(struct api_call *c);
void h_domain_verify(struct api_call *c);
void h_domain_enable_dkim(struct api_call *c);
void h_domain_dkim_status(struct api_call *c);
void h_domain_dns(struct api_call *c);

void h_mailboxes_list(struct api_call *c);
void h_mailboxes_provision(struct api_call *c);
void h_mailbox_patch(struct api_call *c);
void h_mailbox_usage(struct api_call *c);

void h_limits_set(struct api_call *c);
void h_limits_get(struct api_call *c);

void h_enforcement_events(struct api_call *c);

void h_api_key_rotate(struct api_call *c);

#endif
