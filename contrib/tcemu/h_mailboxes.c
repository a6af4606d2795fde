/* h_mailboxes.c — mailbox endpoints of api-docs/mailboxes.txt: list,
 * provision, PATCH and usage. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "json_util.h"

#define MAILBOXES_PER_DOMAIN 3
#define SEND_LIMIT_MIN       1
#define SEND_LIMIT_MAX       25

cJSON *render_mailbox(const struct emu_tenant *t, const struct emu_mailbox *m)
{
    cJSON *o = cJSON_Duplicate(m->obj, 1);
    /* tenant_name follows the tenant unless /_emu/set pinned one here. */
    if (!cJSON_GetObjectItemCaseSensitive(o, "tenant_name"))
        json_copy_field(o, t->obj, "tenant_name");
    return o;
}

void h_mailboxes_list(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_tenant *t = api_own_tenant(c);
    if (t) {
        cJSON *root = cJSON_CreateObject();
        json_copy_field(root, t->obj, "tenant_id");
        cJSON *arr = cJSON_AddArrayToObject(root, "mailboxes");
        for (size_t i = 0; i < t->nmailboxes; i++)
            cJSON_AddItemToArray(arr, render_mailbox(t, &t->mailboxes[i]));
        cJSON_AddNumberToObject(root, "count", (double)t->nmailboxes);
        api_ok(c, root);
    }
    store_unlock(&c->app->store);
}

/* Microsoft's rule: at least 8 characters and 3 of the 4 character classes. */
static bool strong_password(const char *p)
{
    size_t len = strlen(p);
    bool lower = false, upper = false, digit = false, other = false;
    for (const char *q = p; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (islower(ch))
            lower = true;
        else if (isupper(ch))
            upper = true;
        else if (isdigit(ch))
            digit = true;
        else
            other = true;
    }
    return len >= 8 && len <= 256 && lower + upper + digit + other >= 3;
}

/* An Exchange alias: letters, digits and . _ - + ' ; no edge or double dots. */
static bool valid_alias(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 128 || !(isalnum(ch) || strchr("._-+'", ch)) || (ch == '.' && s[i + 1] == '.'))
            return false;
    }
    return true;
}

static struct emu_mailbox *find_by_email(struct emu_tenant *t, const char *email)
{
    for (size_t i = 0; i < t->nmailboxes; i++) {
        const char *e = json_str(t->mailboxes[i].obj, "primary_smtp");
        if (e && strcasecmp(e, email) == 0)
            return &t->mailboxes[i];
    }
    return NULL;
}

/* Shape and input checks that need no stored state; true after a 400. */
static bool provision_input_bad(struct api_call *c, const char **domain, const char **password,
                                const cJSON **list)
{
    *domain = json_str(c->body, "domain");
    *password = json_str(c->body, "account_password");
    *list = cJSON_GetObjectItemCaseSensitive(c->body, "mailboxes");
    if (!*domain || !**domain || !*password || !cJSON_IsArray(*list) ||
        cJSON_GetArraySize(*list) == 0) {
        api_fail(c, 400, "invalid_request",
                 "domain, account_password and a non-empty mailboxes array are required");
        return true;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, *list)
    {
        if (!json_str(e, "name") || !json_str(e, "email")) {
            api_fail(c, 400, "invalid_request", "every mailbox needs a string name and email");
            return true;
        }
    }
    if (!strong_password(*password)) {
        api_fail(c, 400, "weak_password",
                 "account_password must be at least 8 characters and use 3 of: lowercase, "
                 "uppercase, digits, symbols");
        return true;
    }
    char suffix[300];
    snprintf(suffix, sizeof(suffix), "@%s", *domain);
    cJSON_ArrayForEach(e, *list)
    {
        const char *email = json_str(e, "email");
        if (!ends_with_ci(email, suffix) || strlen(email) == strlen(suffix)) {
            api_fail(c, 400, "invalid_email_domain", "Email %.200s must end with %.200s", email,
                     suffix);
            return true;
        }
    }
    for (const cJSON *a = (*list)->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcasecmp(json_str(a, "email"), json_str(b, "email")) == 0) {
                api_fail(c, 400, "duplicate_emails", "Duplicate email in request: %.200s",
                         json_str(a, "email"));
                return true;
            }
        }
    }
    return false;
}

static cJSON *mailbox_details(const struct emu_mailbox *m)
{
    cJSON *d = cJSON_CreateObject();
    json_copy_field(d, m->obj, "display_name");
    json_copy_field(d, m->obj, "primary_smtp");
    json_copy_field(d, m->obj, "user_principal_name");
    json_copy_field_as(d, "alias", m->obj, "mail_nickname");
    return d;
}

static struct emu_mailbox *create_mailbox(struct emu_store *s, struct emu_tenant *t,
                                          const char *domain, const char *name, const char *email)
{
    char id[37], now[21], addr[320], alias[80];
    store_new_uuid(s, id);
    iso_now(now);
    snprintf(addr, sizeof(addr), "%s", email);
    for (char *p = addr; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(alias, sizeof(alias), "%.*s", (int)strcspn(addr, "@"), addr);
    struct emu_mailbox *m = tenant_add_mailbox(t);
    json_put_str(m->obj, "id", id);
    json_put_str(m->obj, "display_name", name);
    json_put_str(m->obj, "primary_smtp", addr);
    json_put_str(m->obj, "user_principal_name", addr);
    json_put_str(m->obj, "mail_nickname", alias);
    json_put(m->obj, "account_enabled", cJSON_CreateTrue());
    json_put_null(m->obj, "daily_send_limit"); /* limits are opt-in */
    json_put_num(m->obj, "sends_today", 0);
    json_put_null(m->obj, "blocked_at");
    json_put_str(m->obj, "created_at", now);
    json_put_str(m->obj, "domain_name", domain);
    return m;
}

static cJSON *result_entry(const char *status, const cJSON *req)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "status", status);
    json_copy_field(r, req, "name");
    json_copy_field(r, req, "email");
    return r;
}

/* Checks the tenant and domain state provisioning needs; true after an error. */
static bool provision_state_bad(struct api_call *c, struct emu_tenant *t, struct emu_domain *d,
                                const char *domain)
{
    if (!json_true(d->obj, "is_verified")) {
        api_fail(c, 400, "domain_not_verified", "Domain %s must be verified first", domain);
        return true;
    }
    const char *bs = json_str(t->obj, "exchange_bootstrap_status");
    if (!bs || strcmp(bs, "ready") != 0) {
        api_fail(c, 409, "exchange_bootstrap_not_ready",
                 "Exchange bootstrap has not completed for this tenant");
        return true;
    }
    if (!json_true(t->obj, "smtp_auth_org_enabled")) {
        api_fail(c, 409, "smtp_auth_not_ready", "SMTP AUTH is not enabled on this tenant");
        return true;
    }
    return false;
}

static cJSON *provision_one(struct api_call *c, struct emu_tenant *t, struct emu_domain *d,
                            const char *domain, const cJSON *e, long counts[3])
{
    const char *name = json_str(e, "name"), *email = json_str(e, "email");
    struct emu_mailbox *m = find_by_email(t, email);
    cJSON *r;
    if (m) {
        r = result_entry("exists", e);
        cJSON_AddItemToObject(r, "details", mailbox_details(m));
        counts[1]++;
    } else if (d->provision_fails || !*name || !valid_alias(email, strcspn(email, "@"))) {
        r = result_entry("failed", e);
        cJSON_AddStringToObject(r, "error",
                                d->provision_fails ? "Exchange Online rejected the request"
                                                   : "Invalid mailbox name or alias");
        counts[2]++;
    } else {
        m = create_mailbox(&c->app->store, t, domain, name, email);
        r = result_entry("created", e);
        cJSON_AddItemToObject(r, "details", mailbox_details(m));
        counts[0]++;
    }
    return r;
}

void h_mailboxes_provision(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    const char *domain_in, *password;
    const cJSON *list, *e;
    store_wrlock(s);
    struct emu_tenant *t = api_own_tenant(c);
    if (!t || provision_input_bad(c, &domain_in, &password, &list))
        goto out;
    long di = tenant_find_domain(t, domain_in);
    if (di < 0) {
        api_fail(c, 404, "domain_not_found", "Domain %.200s not registered on this tenant",
                 domain_in);
        goto out;
    }
    struct emu_domain *d = &t->domains[di];
    char domain[300];
    snprintf(domain, sizeof(domain), "%s", json_str(d->obj, "domain_name"));
    if (provision_state_bad(c, t, d, domain))
        goto out;
    /* The limit counts mailboxes already there; ones that exist are no-ops. */
    size_t fresh = 0;
    cJSON_ArrayForEach(e, list) fresh += find_by_email(t, json_str(e, "email")) == NULL;
    size_t have = tenant_count_domain_mailboxes(t, domain);
    if (have + fresh > MAILBOXES_PER_DOMAIN) {
        api_fail(c, 400, "mailbox_limit_reached",
                 "Domain already has %zu mailboxes; at most %d per domain", have,
                 MAILBOXES_PER_DOMAIN);
        goto out;
    }
    long counts[3] = {0, 0, 0}; /* created, exists, failed */
    cJSON *results = cJSON_CreateArray();
    cJSON_ArrayForEach(e, list)
        cJSON_AddItemToArray(results, provision_one(c, t, d, domain, e, counts));
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "created_count", (double)counts[0]);
    cJSON_AddNumberToObject(root, "exists_count", (double)counts[1]);
    cJSON_AddNumberToObject(root, "failed_count", (double)counts[2]);
    cJSON_AddItemToObject(root, "results", results);
    api_ok(c, root);
out:
    store_unlock(s);
}

static struct emu_mailbox *own_mailbox(struct api_call *c)
{
    struct emu_tenant *t = api_own_tenant(c);
    if (!t)
        return NULL;
    long i = tenant_find_mailbox(t, c->params[1]);
    if (i < 0)
        return api_fail(c, 404, "mailbox_not_found", "Mailbox %.200s does not exist on this tenant",
                        c->params[1]);
    return &t->mailboxes[i];
}

/* JSON null counts as "not provided", as in typical PATCH handling. */
static const cJSON *provided(const cJSON *body, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(body, key);
    return cJSON_IsNull(it) ? NULL : it;
}

void h_mailbox_patch(struct api_call *c)
{
    struct emu_store *s = &c->app->store;
    store_wrlock(s);
    struct emu_mailbox *m = own_mailbox(c);
    if (!m)
        goto out;
    const cJSON *name = provided(c->body, "display_name");
    const cJSON *limit = provided(c->body, "daily_send_limit");
    long v = 0;
    if (!name && !limit) {
        api_fail(c, 400, "no_updates", "Request body contained no recognised fields");
        goto out;
    }
    if (name && (!cJSON_IsString(name) || !*name->valuestring)) {
        api_fail(c, 400, "invalid_request", "display_name must be a non-empty string");
        goto out;
    }
    if (limit &&
        (!json_int(c->body, "daily_send_limit", &v) || v < SEND_LIMIT_MIN || v > SEND_LIMIT_MAX)) {
        api_fail(c, 400, "invalid_send_limit", "daily_send_limit must be an integer from %d to %d",
                 SEND_LIMIT_MIN, SEND_LIMIT_MAX);
        goto out;
    }
    if (name)
        json_put_str(m->obj, "display_name", name->valuestring);
    /* Only stored: enforcement follows the policies (enforcement.c). */
    if (limit)
        json_put_num(m->obj, "daily_send_limit", (double)v);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "updated");
    cJSON *mb = cJSON_AddObjectToObject(root, "mailbox");
    static const char *fields[] = {
        "id", "display_name", "primary_smtp", "daily_send_limit", "sends_today", "account_enabled"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
        json_copy_field(mb, m->obj, fields[i]);
    api_ok(c, root);
out:
    store_unlock(s);
}

void h_mailbox_usage(struct api_call *c)
{
    store_rdlock(&c->app->store);
    struct emu_mailbox *m = own_mailbox(c);
    if (m) {
        cJSON *root = cJSON_CreateObject();
        json_copy_field_as(root, "mailbox_id", m->obj, "id");
        json_copy_field(root, m->obj, "primary_smtp");
        json_copy_field(root, m->obj, "display_name");
        json_copy_field(root, m->obj, "account_enabled");
        json_copy_field(root, m->obj, "daily_send_limit");
        json_copy_field(root, m->obj, "sends_today");
        long limit, sends;
        bool computable = json_int(m->obj, "daily_send_limit", &limit) && limit > 0 &&
                          json_int(m->obj, "sends_today", &sends);
        /* Without a limit there is nothing to subtract from or divide by. */
        if (computable)
            cJSON_AddNumberToObject(root, "remaining_sends",
                                    (double)(limit > sends ? limit - sends : 0));
        else
            cJSON_AddNullToObject(root, "remaining_sends");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(m->obj, "blocked_at");
        cJSON_AddBoolToObject(root, "is_blocked", b && !cJSON_IsNull(b));
        json_copy_field(root, m->obj, "blocked_at");
        if (computable) {
            /* Raw, so 72.0 prints as the docs show it rather than 72. */
            char pct[32];
            snprintf(pct, sizeof(pct), "%.1f", round((double)sends * 1000.0 / limit) / 10.0);
            cJSON_AddRawToObject(root, "utilization_pct", pct);
        } else {
            cJSON_AddNullToObject(root, "utilization_pct");
        }
        api_ok(c, root);
    }
    store_unlock(&c->app->store);
}
