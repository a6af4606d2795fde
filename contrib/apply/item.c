/* item: names of kinds and states, and the comparison of a live value with
 * a desired one, shared by the plan, the re-read after enforcement and the
 * read-back. */
#include "item.h"

#include <stdlib.h>
#include <string.h>

#include "values.h"

static const char *const kind_names[K_COUNT] = {
    "add_domain",   "verify",           "enable_dkim", "tenant_limit", "domain_limit",
    "display_name", "daily_send_limit", "tenant",      "mailbox",
};
static const char *const kind_labels[K_COUNT] = {
    "add domain",
    "verify",
    "enable DKIM",
    "tenant enforcement",
    "domain enforcement",
    "display name",
    "daily limit",
    "tenant",
    "mailbox",
};
static const char *const state_names[] = {
    "unchanged", "change",  "cannot_apply", "unreadable", "done",
    "failed",    "skipped", "settled",      "drifted",
};

const char *kind_name(enum kind k)
{
    return kind_names[k];
}

const char *kind_label(enum kind k)
{
    return kind_labels[k];
}

const char *state_name(enum state s)
{
    return state_names[s];
}

/* A limit as the mount shows it: 1..25, -1 for "none", -2 for anything else. */
static int live_limit(const char *live)
{
    if (!live)
        return -2;
    if (strcmp(live, "none") == 0)
        return -1;
    int n;
    return value_parse_limit(live, strlen(live), &n, NULL) == 0 ? n : -2;
}

enum state item_compare(const struct item *it, const char *live, const char **reason)
{
    *reason = NULL;
    switch (it->kind) {
    case K_ADD_DOMAIN:
        return live ? ST_UNCHANGED : ST_CHANGE;
    case K_DAILY_LIMIT:
    case K_TENANT_LIMIT:
    case K_DOMAIN_LIMIT: {
        int l = live_limit(live);
        if (l == it->desired_num)
            return ST_UNCHANGED;
        if (it->desired_num > 0)
            return ST_CHANGE;
        *reason = it->kind == K_DAILY_LIMIT
                      ? "the API cannot unset a mailbox's limit once set"
                      : "the API cannot remove an enforcement policy once set";
        return ST_CANNOT;
    }
    case K_DISPLAY_NAME:
        return live && strcmp(live, it->desired) == 0 ? ST_UNCHANGED : ST_CHANGE;
    case K_VERIFY:
        if (live && strcmp(live, it->desired) == 0)
            return ST_UNCHANGED;
        if (strcmp(it->desired, "verified") == 0)
            return ST_CHANGE;
        if (!live) /* a domain still to be added starts unverified */
            return ST_UNCHANGED;
        *reason = "the API cannot unverify a domain";
        return ST_CANNOT;
    case K_DKIM:
        if (live && strcmp(live, it->desired) == 0)
            return ST_UNCHANGED;
        if (strcmp(it->desired, "enabled") == 0)
            return ST_CHANGE;
        if (!live) /* a new domain's DKIM state is DNS's to decide */
            return ST_UNCHANGED;
        *reason = "the API can only enable DKIM";
        return ST_CANNOT;
    default:
        return ST_CANNOT;
    }
}

void item_free(struct item *it)
{
    if (!it)
        return;
    free(it->domain);
    free(it->path);
    free(it->source);
    free(it->desired);
    free(it->live);
    free(it->reason);
    free(it->note);
    free(it->detail);
    free(it);
}
