/* plan: four rounds of lookups through the mount (tenants; their domains
 * and mailboxes; mailboxes found again by email; the live values), then
 * one decision per value. */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lookup.h"
#include "mem.h"
#include "strmap.h"
#include "values.h"

struct build {
    struct plan *pl;
    const struct desired *d;
    const struct mnt *m;
    unsigned jobs;
    struct progress *p;
    struct norm *norm;     /* one per desired value */
    struct strmap tenants; /* ref -> struct tenant */
    struct strmap items;   /* mount path -> struct item */
    struct lookups lk;
    struct lookup **reads; /* per item: the read of its live value, or NULL */
    size_t capreads;
};

static void refuse(struct plan *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct plan *pl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = dupstr("refused");
    va_end(ap);
    grow_array((void **)&pl->errors, &pl->caperrors, pl->nerrors + 1, sizeof *pl->errors);
    pl->errors[pl->nerrors++] = s;
}

/* ---- 1. every desired value, checked as the mount checks a write ---- */

static void check_one(struct build *b, size_t i)
{
    const struct dvalue *v = &b->d->v[i];
    char *why = check_value(v, &b->norm[i]);
    if (why) {
        char *src = printable(v->source);
        refuse(b->pl, "%s: %s", src, why);
        free(src);
        free(why);
    }
}

/* ---- 2. tenants, by id or by name --------------------------------------- */

static char *tenant_ref(const struct dvalue *v)
{
    return fmtstr("%s/%s", v->tenant_by_name ? "by-name" : "tenants", v->tenant);
}

static void want_tenants(struct build *b)
{
    for (size_t i = 0; i < b->d->n; i++) {
        const struct dvalue *v = &b->d->v[i];
        char *ref = tenant_ref(v);
        if (!strmap_get(&b->tenants, ref)) {
            struct tenant *t = zalloc(sizeof *t);
            t->ref = dupstr(ref);
            strmap_put(&b->tenants, ref, t);
            lookup_want(&b->lk, v->tenant_by_name ? L_LINK : L_DIR, ref);
        }
        free(ref);
    }
}

/* Each ref gets an id (or none); refs naming one tenant share one struct. */
static void resolve_tenant(struct build *b, struct strmap_ent *e, struct strmap *by_id)
{
    struct tenant *t = e->val;
    bool by_name = strncmp(t->ref, "by-name/", 8) == 0;
    struct lookup *x = lookup_want(&b->lk, by_name ? L_LINK : L_DIR, t->ref);
    const char *id = NULL;
    if (x->err == 0)
        id = by_name ? link_id(x->answer, "../tenants/") : t->ref + strlen("tenants/");
    if (x->err && x->err != ENOENT)
        t->err = x->err;
    else if (x->err == 0 && !id)
        t->err = EIO; /* a by-name link that does not point at a tenant */
    struct tenant *same = id ? strmap_get(by_id, id) : NULL;
    if (same) {
        free(t->ref);
        free(t);
        e->val = same;
        return;
    }
    grow_array((void **)&b->pl->tenants, &b->pl->captenants, b->pl->ntenants + 1,
               sizeof *b->pl->tenants);
    b->pl->tenants[b->pl->ntenants++] = t;
    if (id) {
        t->id = dupstr(id);
        strmap_put(by_id, id, t);
        char *rel = fmtstr("tenants/%s/name", id);
        lookup_want(&b->lk, L_READ, rel);
        free(rel);
    }
}

static void resolve_tenants(struct build *b)
{
    struct strmap by_id;
    strmap_init(&by_id);
    for (size_t s = 0; s < b->tenants.nbuckets; s++)
        for (struct strmap_ent *e = b->tenants.buckets[s]; e; e = e->next)
            resolve_tenant(b, e, &by_id);
    strmap_free(&by_id, NULL);
}

static struct tenant *tenant_of(struct build *b, const struct dvalue *v)
{
    char *ref = tenant_ref(v);
    struct tenant *t = strmap_get(&b->tenants, ref);
    free(ref);
    return t;
}

/* ---- 3. domains and mailboxes ------------------------------------------ */

static char *domain_rel(const struct tenant *t, const char *domain)
{
    return fmtstr("tenants/%s/domains/%s", t->id, domain);
}

static char *email_rel(const struct tenant *t, const char *domain, const char *email)
{
    return fmtstr("tenants/%s/domains/%s/mailboxes/%s", t->id, domain, email);
}

/* The domain of an email: after its last '@'. */
static const char *email_domain(const char *email)
{
    const char *at = strrchr(email, '@');
    return at && at[1] ? at + 1 : NULL;
}

/* The lookup that finds the mailbox of v: its directory by id, or the
 * email link. */
static struct lookup *mailbox_lookup(struct build *b, const struct tenant *t,
                                     const struct dvalue *v)
{
    char *rel = v->mailbox_by_email ? email_rel(t, v->domain, v->mailbox)
                                    : fmtstr("tenants/%s/mailboxes/%s", t->id, v->mailbox);
    struct lookup *x = lookup_want(&b->lk, v->mailbox_by_email ? L_LINK : L_DIR, rel);
    free(rel);
    return x;
}

/* A mailbox id that no longer exists: the email DESIRED_DIR gives it, and
 * the lookup of that email's link in the mount. */
static struct lookup *by_email_lookup(struct build *b, const struct tenant *t,
                                      const struct dvalue *v, const char **email)
{
    const struct dmailbox *mb = desired_mailbox(b->d, v->tenant, v->tenant_by_name, v->mailbox);
    const char *dom = mb ? (mb->domain ? mb->domain : email_domain(mb->email)) : NULL;
    if (!dom || !name_is_showable(dom))
        return NULL;
    *email = mb->email;
    char *rel = email_rel(t, dom, mb->email);
    struct lookup *x = lookup_want(&b->lk, L_LINK, rel);
    free(rel);
    return x;
}

static void want_places(struct build *b, bool second_round)
{
    for (size_t i = 0; i < b->d->n; i++) {
        const struct dvalue *v = &b->d->v[i];
        struct tenant *t = tenant_of(b, v);
        if (!t->id)
            continue;
        if (v->kind == D_TENANT_LIMIT)
            continue;
        if (!v->mailbox) {
            char *rel = domain_rel(t, v->domain);
            lookup_want(&b->lk, L_DIR, rel);
            free(rel);
            continue;
        }
        struct lookup *x = mailbox_lookup(b, t, v);
        const char *email;
        if (second_round && x->err == ENOENT && !v->mailbox_by_email)
            by_email_lookup(b, t, v, &email);
    }
}

/* ---- 4. items ------------------------------------------------------------ */

static const enum kind kind_of[] = {
    [D_TENANT_LIMIT] = K_TENANT_LIMIT,
    [D_DOMAIN] = K_ADD_DOMAIN,
    [D_VERIFY] = K_VERIFY,
    [D_DKIM] = K_DKIM,
    [D_DOMAIN_LIMIT] = K_DOMAIN_LIMIT,
    [D_DAILY_LIMIT] = K_DAILY_LIMIT,
    [D_DISPLAY_NAME] = K_DISPLAY_NAME,
};
static const char *const file_of[] = {
    [D_TENANT_LIMIT] = "mailbox_limit",
    [D_DOMAIN] = NULL,
    [D_VERIFY] = "verify",
    [D_DKIM] = "dkim_status",
    [D_DOMAIN_LIMIT] = "mailbox_limit",
    [D_DAILY_LIMIT] = "daily_send_limit",
    [D_DISPLAY_NAME] = "display_name",
};

static struct item *new_item(struct build *b, const char *key, enum kind k, struct tenant *t)
{
    struct item *it = zalloc(sizeof *it);
    it->kind = k;
    it->tenant = t;
    strmap_put(&b->items, key, it);
    struct plan *pl = b->pl;
    grow_array((void **)&pl->items, &pl->cap, pl->n + 1, sizeof *pl->items);
    grow_array((void **)&b->reads, &b->capreads, pl->n + 1, sizeof *b->reads);
    b->reads[pl->n] = NULL;
    pl->items[pl->n++] = it;
    return it;
}

/* Something the API cannot create: one item per missing tenant or mailbox,
 * counting the values DESIRED_DIR holds for it. */
static void cannot(struct build *b, enum kind k, struct tenant *t, const char *path, int err,
                   const char *reason, char *note)
{
    char *key = fmtstr("!%s", path);
    struct item *it = strmap_get(&b->items, key);
    if (!it) {
        it = new_item(b, key, k, t);
        it->path = dupstr(path);
        it->state = err ? ST_UNREADABLE : ST_CANNOT;
        it->err = err;
        it->reason = err ? NULL : dupstr(reason);
        it->desired = dupstr("present");
        it->note = note;
        note = NULL;
    }
    it->values++;
    free(note);
    free(key);
}

/* The item for the value at path; a second desired value for the same file
 * is fine when equal and refuses the run when not. */
static struct item *value_item(struct build *b, size_t i, struct tenant *t, const char *path)
{
    const struct dvalue *v = &b->d->v[i];
    const struct norm *n = &b->norm[i];
    struct item *it = strmap_get(&b->items, path);
    if (it) {
        if (strcmp(it->desired, n->text) != 0) {
            char *p = printable(path), *s1 = printable(it->source), *s2 = printable(v->source);
            char *d1 = printable(it->desired), *d2 = printable(n->text);
            refuse(b->pl, "%s: two desired values: \"%s\" (%s) and \"%s\" (%s)", p, d1, s1, d2, s2);
            free(p), free(s1), free(s2), free(d1), free(d2);
        }
        return NULL;
    }
    it = new_item(b, path, kind_of[v->kind], t);
    it->path = dupstr(path);
    it->source = dupstr(v->source);
    it->desired = dupstr(n->text);
    it->desired_num = n->num;
    return it;
}

static void domain_value(struct build *b, size_t i, struct tenant *t)
{
    const struct dvalue *v = &b->d->v[i];
    char *drel = domain_rel(t, v->domain);
    struct lookup *dx = lookup_want(&b->lk, L_DIR, drel);
    char *path = v->kind == D_DOMAIN ? dupstr(drel) : fmtstr("%s/%s", drel, file_of[v->kind]);
    struct item *it = value_item(b, i, t, path);
    if (it) {
        it->domain = dupstr(v->domain);
        if (dx->err && dx->err != ENOENT) {
            it->state = ST_UNREADABLE;
            it->err = dx->err;
        } else if (v->kind == D_DOMAIN) {
            it->live = dx->err ? NULL : dupstr("present");
            const char *why;
            if (dx->err && value_check_domain(v->domain, &why) != 0) {
                char *p = printable(v->source);
                refuse(b->pl, "%s: cannot be added: %s", p, why);
                free(p);
            }
        } else if (dx->err == 0) {
            b->reads[b->pl->n - 1] = lookup_want(&b->lk, L_READ, path);
        } else {
            /* A domain still to be added starts unverified, without a policy. */
            it->live = dupstr(v->kind == D_VERIFY         ? "unverified"
                              : v->kind == D_DOMAIN_LIMIT ? "none"
                                                          : NULL);
        }
    }
    free(path);
    free(drel);
}

static void mailbox_value(struct build *b, size_t i, struct tenant *t)
{
    const struct dvalue *v = &b->d->v[i];
    struct lookup *x = mailbox_lookup(b, t, v);
    const char *id = v->mailbox_by_email ? link_id(x->answer, "../../../mailboxes/") : v->mailbox;
    const char *email = v->mailbox_by_email ? v->mailbox : NULL;
    char *note = NULL;
    if (x->err == ENOENT && !v->mailbox_by_email) {
        struct lookup *ex = by_email_lookup(b, t, v, &email);
        const char *found = ex && ex->err == 0 ? link_id(ex->answer, "../../../mailboxes/") : NULL;
        if (found) {
            note = fmtstr("mailbox %s no longer exists; found by its email %s as %s", v->mailbox,
                          email, found);
            id = found;
            x = ex;
        }
    }
    if (x->err || !id) {
        char *ref = v->mailbox_by_email
                        ? fmtstr("%s/domains/%s/mailboxes/%s", t->ref, v->domain, v->mailbox)
                        : fmtstr("%s/mailboxes/%s", t->ref, v->mailbox);
        cannot(b, K_MAILBOX, t, ref, x->err == ENOENT || x->err == 0 ? 0 : x->err,
               "no such mailbox: it must be provisioned again (passwords are never stored)",
               email ? fmtstr("email %s", email) : NULL);
        free(ref);
        free(note);
        return;
    }
    char *path = fmtstr("tenants/%s/mailboxes/%s/%s", t->id, id, file_of[v->kind]);
    struct item *it = value_item(b, i, t, path);
    if (it) {
        it->note = note;
        note = NULL;
        b->reads[b->pl->n - 1] = lookup_want(&b->lk, L_READ, path);
    }
    free(note);
    free(path);
}

static void tenant_value(struct build *b, size_t i, struct tenant *t)
{
    char *path = fmtstr("tenants/%s/mailbox_limit", t->id);
    if (value_item(b, i, t, path))
        b->reads[b->pl->n - 1] = lookup_want(&b->lk, L_READ, path);
    free(path);
}

static void make_items(struct build *b)
{
    for (size_t i = 0; i < b->d->n; i++) {
        const struct dvalue *v = &b->d->v[i];
        struct tenant *t = tenant_of(b, v);
        if (!t->id)
            cannot(b, K_TENANT, t, t->ref, t->err,
                   "no such tenant: it must be connected again in the TenantCore app", NULL);
        else if (v->kind == D_TENANT_LIMIT)
            tenant_value(b, i, t);
        else if (v->mailbox)
            mailbox_value(b, i, t);
        else
            domain_value(b, i, t);
    }
}

/* ---- 5. live values, decisions, prerequisites ------------------------- */

static void decide(struct build *b)
{
    struct plan *pl = b->pl;
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        struct lookup *r = b->reads[i];
        if (it->kind >= K_VALUE_KINDS || it->state == ST_UNREADABLE)
            continue;
        if (r && r->err) {
            it->state = ST_UNREADABLE;
            it->err = r->err;
            continue;
        }
        if (r)
            it->live = dupstr(r->answer);
        const char *why;
        it->state = item_compare(it, it->live, &why);
        it->reason = dupstr(why);
    }
    /* Domain values wait for their domain to be added, DKIM for its verify. */
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (!it->domain || it->kind == K_ADD_DOMAIN || it->state != ST_CHANGE)
            continue;
        char *drel = domain_rel(it->tenant, it->domain);
        struct item *add = strmap_get(&b->items, drel);
        if (add && add->state == ST_CHANGE)
            it->prereq = add;
        if (it->kind == K_DKIM) {
            char *vrel = fmtstr("%s/verify", drel);
            struct item *ver = strmap_get(&b->items, vrel);
            if (ver && ver->state == ST_CHANGE)
                it->prereq = ver;
            free(vrel);
        }
        free(drel);
    }
    for (size_t i = 0; i < pl->ntenants; i++) {
        struct tenant *t = pl->tenants[i];
        if (!t->id)
            continue;
        char *rel = fmtstr("tenants/%s/name", t->id);
        struct lookup *x = lookup_want(&b->lk, L_READ, rel);
        if (x->err == 0)
            t->name = dupstr(x->answer);
        free(rel);
    }
}

int plan_build(struct plan *pl, const struct desired *d, const struct mnt *m, unsigned jobs,
               struct progress *p)
{
    memset(pl, 0, sizeof *pl);
    struct build b = {.pl = pl, .d = d, .m = m, .jobs = jobs, .p = p};
    b.norm = zalloc((d->n + 1) * sizeof *b.norm);
    strmap_init(&b.tenants);
    strmap_init(&b.items);
    lookups_init(&b.lk);
    for (size_t i = 0; i < d->n; i++)
        check_one(&b, i);
    if (pl->nerrors == 0) {
        want_tenants(&b);
        lookups_run(&b.lk, m, jobs, p, "finding tenants");
        resolve_tenants(&b);
        want_places(&b, false);
        lookups_run(&b.lk, m, jobs, p, "finding domains and mailboxes");
        want_places(&b, true);
        lookups_run(&b.lk, m, jobs, p, "finding mailboxes by email");
        make_items(&b);
        lookups_run(&b.lk, m, jobs, p, "reading live values");
        decide(&b);
    }
    for (size_t i = 0; i < d->n; i++)
        free(b.norm[i].text);
    free(b.norm);
    free(b.reads);
    strmap_free(&b.tenants, NULL);
    strmap_free(&b.items, NULL);
    lookups_free(&b.lk);
    return pl->nerrors ? -1 : 0;
}

void plan_free(struct plan *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        item_free(pl->items[i]);
    free(pl->items);
    for (size_t i = 0; i < pl->ntenants; i++) {
        free(pl->tenants[i]->ref);
        free(pl->tenants[i]->id);
        free(pl->tenants[i]->name);
        free(pl->tenants[i]);
    }
    free(pl->tenants);
    for (size_t i = 0; i < pl->nerrors; i++)
        free(pl->errors[i]);
    free(pl->errors);
    memset(pl, 0, sizeof *pl);
}

size_t plan_count(const struct plan *pl, enum state s)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        n += pl->items[i]->state == s;
    return n;
}

size_t plan_count_kind(const struct plan *pl, enum kind k, enum state s)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        n += pl->items[i]->kind == k && pl->items[i]->state == s;
    return n;
}
