/* item: one managed value of the fleet as apply sees it — where it lives in
 * the mount, what DESIRED_DIR wants, what the mount shows, and what became
 * of it. The planner makes items, the executor changes their state, the
 * reports print them. */
#ifndef TCA_ITEM_H
#define TCA_ITEM_H

#include <stdbool.h>
#include <stddef.h>

/* In the order changes are applied (each kind waits for the ones before). */
enum kind {
    K_ADD_DOMAIN,
    K_VERIFY,
    K_DKIM,
    K_TENANT_LIMIT,
    K_DOMAIN_LIMIT,
    K_DISPLAY_NAME,
    K_DAILY_LIMIT,
    K_VALUE_KINDS,            /* the kinds above are values that can be written */
    K_TENANT = K_VALUE_KINDS, /* a tenant DESIRED_DIR names that the API lacks */
    K_MAILBOX,                /* a mailbox that no longer exists */
    K_COUNT
};

enum state {
    ST_UNCHANGED,  /* live already is what is desired */
    ST_CHANGE,     /* planned */
    ST_CANNOT,     /* the API cannot do it: reason says why */
    ST_UNREADABLE, /* the live value could not be read: err */
    ST_DONE,       /* written (and, after the read-back, read back as desired) */
    ST_FAILED,     /* the write failed: err, detail */
    ST_SKIPPED,    /* not attempted: its prerequisite failed */
    ST_SETTLED,    /* was a change, but enforcement already set it */
    ST_DRIFTED,    /* written, but the API shows something else, even after a second write */
};

struct tenant {
    char *ref;     /* as DESIRED_DIR names it: "tenants/<id>" or "by-name/<name>" */
    char *id;      /* the tenant's id in the mount; NULL when it does not exist */
    char *name;    /* its name as the mount shows it; NULL when unknown */
    int err;       /* looking it up failed with this errno (0: found or absent) */
    bool enforced; /* an enforcement write to it succeeded during this run */
};

struct item {
    enum kind kind;
    enum state state;
    struct tenant *tenant;
    char *domain;           /* domain items; NULL otherwise */
    char *path;             /* in the mount, "tenants/<id>/..." */
    char *source;           /* the file in DESIRED_DIR it comes from */
    char *desired;          /* canonical text: "12", "none", "enabled", a name, "present" */
    int desired_num;        /* limits: 1..25, or -1 for "none" */
    char *live;             /* as read (without the newline); NULL when absent */
    char *reason;           /* why it cannot apply / was skipped / a note */
    char *note;             /* e.g. "matched by email ..." */
    int err;                /* errno of a failure */
    char *detail;           /* the API's words from the mount's errors file */
    struct item *prereq;    /* must be done first (add domain, verify) */
    bool written;           /* a write(2) or mkdir succeeded */
    bool rewritten;         /* written a second time after the read-back */
    bool after_enforcement; /* became a change because enforcement rewrote it */
    size_t values;          /* K_TENANT, K_MAILBOX: how many desired values it holds */
};

const char *kind_name(enum kind k);  /* for programs: "daily_send_limit" */
const char *kind_label(enum kind k); /* for people: "daily limit" */
const char *state_name(enum state s);

/* Whether live satisfies the desired value (limits compare as numbers,
 * other values as text), and when not, whether the API can get there:
 * ST_UNCHANGED, ST_CHANGE or ST_CANNOT (reason set to a static string). */
enum state item_compare(const struct item *it, const char *live, const char **reason);

void item_free(struct item *it);

#endif
