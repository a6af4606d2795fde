/* report: text output. Every string from DESIRED_DIR or the API goes
 * through printable() before it reaches the terminal. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

void counts_of(const struct plan *pl, const struct desired *d, struct counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < pl->n; i++) {
        const struct item *it = pl->items[i];
        switch (it->state) {
        case ST_CHANGE:
            c->change[it->kind]++;
            c->changes++;
            break;
        case ST_UNCHANGED:
            c->unchanged++;
            break;
        case ST_CANNOT:
            c->cannot++;
            break;
        case ST_UNREADABLE:
            c->unreadable++;
            break;
        default:
            break;
        }
    }
    c->api_owned = d->api_owned;
    c->links = d->links;
    c->unknown = d->unknown;
}

static int cmp_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) : a ? -1 : b ? 1 : 0;
}

static int cmp_items(const void *pa, const void *pb)
{
    const struct item *a = *(struct item *const *)pa, *b = *(struct item *const *)pb;
    int c = cmp_str(a->tenant->name, b->tenant->name);
    if (!c)
        c = strcmp(a->tenant->ref, b->tenant->ref);
    if (!c)
        c = (int)a->kind - (int)b->kind;
    if (!c)
        c = strcmp(a->path, b->path);
    return c;
}

void report_sort(struct plan *pl)
{
    qsort(pl->items, pl->n, sizeof *pl->items, cmp_items);
}

/* A value as shown: names in quotes, absent as "(absent)". */
static char *shown(const struct item *it, const char *v)
{
    if (!v)
        return dupstr("(absent)");
    char *p = printable(v);
    if (it->kind != K_DISPLAY_NAME)
        return p;
    char *q = fmtstr("\"%s\"", p);
    free(p);
    return q;
}

/* "path: live -> desired" and what follows it. */
static void change_line(FILE *f, const char *prefix, const struct item *it, const char *tail)
{
    char *path = printable(it->path);
    if (it->kind >= K_VALUE_KINDS) {
        fprintf(f, "  %s%s%s\n", prefix, path, tail ? tail : "");
        free(path);
        return;
    }
    char *live = shown(it, it->live), *want = shown(it, it->desired);
    fprintf(f, "  %s%s: %s -> %s%s\n", prefix, path, live, want, tail ? tail : "");
    free(path);
    free(live);
    free(want);
}

static char *errno_text(const struct item *it)
{
    char *detail = it->detail ? printable(it->detail) : NULL;
    char *s = fmtstr("%s (%s)%s%s", errno_symbol(it->err), strerror(it->err), detail ? ": " : "",
                     detail ? detail : "");
    free(detail);
    return s;
}

static char *reason_tail(const struct item *it)
{
    char *note = it->note ? printable(it->note) : NULL;
    char *s;
    if (it->state == ST_UNREADABLE) {
        char *e = errno_text(it);
        s = fmtstr(": cannot read it: %s", e);
        free(e);
    } else if (it->kind >= K_VALUE_KINDS) {
        s = fmtstr(": %s (%zu desired value%s%s%s)", it->reason ? it->reason : "", it->values,
                   it->values == 1 ? "" : "s", note ? "; " : "", note ? note : "");
    } else {
        s = fmtstr(": %s%s%s", it->reason ? it->reason : "", note ? "; " : "", note ? note : "");
    }
    free(note);
    return s;
}

static void tenant_header(FILE *f, const struct tenant *t)
{
    char *ref = printable(t->ref);
    if (t->name) {
        char *name = printable(t->name);
        fprintf(f, "\n%s (tenants/%s)\n", name, t->id);
        free(name);
    } else if (t->id) {
        fprintf(f, "\ntenants/%s\n", t->id);
    } else {
        fprintf(f, "\n%s (not in the mount)\n", ref);
    }
    free(ref);
}

static void plural(FILE *f, size_t n, const char *one, const char *many)
{
    fprintf(f, "%zu %s", n, n == 1 ? one : many);
}

void report_plan(FILE *f, const struct plan *pl, const struct counts *c,
                 const struct report_ctx *rc)
{
    char *dd = printable(rc->desired_dir), *mp = printable(rc->mountpoint);
    fprintf(f, "Plan for %s from %s", mp, dd);
    if (rc->ttl >= 0)
        fprintf(f, " (live values read through the mount, at most %ld s old)", rc->ttl);
    fputs(":\n", f);
    free(dd);
    free(mp);
    const struct tenant *cur = NULL;
    bool enforcement = false;
    for (size_t i = 0; i < pl->n; i++) {
        const struct item *it = pl->items[i];
        if (it->state == ST_UNCHANGED)
            continue;
        if (it->tenant != cur) {
            cur = it->tenant;
            tenant_header(f, cur);
        }
        enforcement |=
            it->state == ST_CHANGE && (it->kind == K_TENANT_LIMIT || it->kind == K_DOMAIN_LIMIT);
        char *tail = it->state == ST_CHANGE ? NULL : reason_tail(it);
        if (it->state == ST_CHANGE && it->note) {
            char *note = printable(it->note);
            tail = fmtstr("  (%s)", note);
            free(note);
        }
        change_line(f,
                    it->state == ST_CHANGE       ? ""
                    : it->state == ST_UNREADABLE ? "unreadable: "
                                                 : "cannot apply: ",
                    it, tail);
        free(tail);
    }
    if (!cur)
        fputs("\nNo differences.\n", f);
    fputs("\n", f);
    plural(f, c->changes, "change", "changes");
    if (c->changes) {
        const char *sep = " (";
        for (int k = 0; k < K_VALUE_KINDS; k++) {
            if (c->change[k]) {
                fprintf(f, "%s%zu %s", sep, c->change[k], kind_label(k));
                sep = ", ";
            }
        }
        fputs(")", f);
    }
    fprintf(f, ", %zu unchanged, %zu cannot apply", c->unchanged, c->cannot);
    if (c->unreadable)
        fprintf(f, ", %zu unreadable", c->unreadable);
    fprintf(f, "; ");
    plural(f, c->api_owned, "read-only file", "read-only files");
    fprintf(f, " skipped");
    if (c->links)
        fprintf(f, ", %zu link%s not followed", c->links, c->links == 1 ? "" : "s");
    if (c->unknown)
        fprintf(f, ", %zu not part of the mount's tree", c->unknown);
    fputs(".\n", f);
    if (enforcement)
        fputs("Enforcement may rewrite the stored daily_send_limit of the mailboxes it covers:\n"
              "those are read again after it and set where they differ from the desired value.\n",
              f);
}

static void section(FILE *f, const struct plan *pl, enum state s, const char *title)
{
    bool first = true;
    for (size_t i = 0; i < pl->n; i++) {
        const struct item *it = pl->items[i];
        if (it->state != s)
            continue;
        if (first)
            fprintf(f, "%s:\n", title);
        first = false;
        char *tail;
        if (s == ST_FAILED) {
            char *e = errno_text(it);
            tail = fmtstr(": %s%s%s", it->reason ? it->reason : "", it->reason ? ": " : "", e);
            free(e);
        } else if (s == ST_DRIFTED) {
            tail = fmtstr(" (written twice; the API still shows the value before the arrow)");
        } else {
            tail = reason_tail(it);
        }
        change_line(f, "", it, tail);
        free(tail);
    }
}

void report_outcome(FILE *f, const struct plan *pl, const struct outcome *o,
                    const struct report_ctx *rc)
{
    size_t done = plan_count(pl, ST_DONE), failed = plan_count(pl, ST_FAILED);
    size_t skipped = plan_count(pl, ST_SKIPPED), settled = plan_count(pl, ST_SETTLED);
    size_t drifted = plan_count(pl, ST_DRIFTED), cannot = plan_count(pl, ST_CANNOT);
    size_t unreadable = plan_count(pl, ST_UNREADABLE), again = 0, late = 0;
    for (size_t i = 0; i < pl->n; i++) {
        again += pl->items[i]->rewritten;
        late += pl->items[i]->after_enforcement && pl->items[i]->state == ST_DONE;
    }
    fprintf(f, "\nApplied in %.1f s with %u job%s: %zu done, %zu failed, %zu skipped", o->seconds,
            rc->jobs, rc->jobs == 1 ? "" : "s", done, failed, skipped);
    if (settled)
        fprintf(f, "; %zu already in place after enforcement", settled);
    if (late)
        fprintf(f, "; %zu set again after enforcement rewrote them", late);
    if (again)
        fprintf(f, "; %zu written twice because the API changed them behind the write", again);
    fprintf(f, " (%zu write%s).\n", o->attempts, o->attempts == 1 ? "" : "s");
    section(f, pl, ST_FAILED, "Failed");
    section(f, pl, ST_SKIPPED, "Skipped");
    section(f, pl, ST_DRIFTED, "Changed by the API behind the write");
    section(f, pl, ST_CANNOT, "Cannot apply");
    section(f, pl, ST_UNREADABLE, "Unreadable");
    if (failed + skipped + drifted + cannot + unreadable == 0)
        fputs("The live state now matches.\n", f);
    else
        fprintf(f,
                "The live state does not match yet: %zu failed, %zu skipped, %zu changed by the "
                "API, %zu cannot apply, %zu unreadable.\n",
                failed, skipped, drifted, cannot, unreadable);
}
