/* desired: read DESIRED_DIR, a tree in the mount's layout, into the values
 * it names. Every name and byte in it is untrusted: symlinks are never
 * followed (a snapshot's by-name/ and email links point back into the same
 * tree; their targets are only read as text), only regular files are read,
 * at most 4 KiB of a value, and names the mount could never show are
 * refused. */
#ifndef TCA_DESIRED_H
#define TCA_DESIRED_H

#include <stdbool.h>
#include <stddef.h>

enum dkind {
    D_TENANT_LIMIT,
    D_DOMAIN,
    D_VERIFY,
    D_DKIM,
    D_DOMAIN_LIMIT,
    D_DAILY_LIMIT,
    D_DISPLAY_NAME
};

/* One managed value (or, D_DOMAIN, a domain directory). */
struct dvalue {
    enum dkind kind;
    char *tenant; /* an id, or a by-name/ link name */
    bool tenant_by_name;
    char *domain;  /* domain kinds; the domain of an email-named mailbox */
    char *mailbox; /* an id, or an email (mailbox_by_email) */
    bool mailbox_by_email;
    char *value; /* the file's bytes, NUL-terminated */
    size_t len;
    bool too_big; /* more than one value (4 KiB) */
    char *source; /* its path relative to DESIRED_DIR */
};

/* A mailbox id's email, from an email link or a mailbox.json. */
struct dmailbox {
    char *tenant;
    bool tenant_by_name;
    char *id;
    char *email;
    char *domain;
    bool from_json;
};

struct desired {
    struct dvalue *v;
    size_t n, cap;
    struct dmailbox *mb;
    size_t nmb, capmb;
    size_t api_owned; /* files the API owns (JSON, views, action files, ...): skipped */
    size_t links;     /* symbolic links, never followed */
    size_t unknown;   /* entries that are not part of the mount's tree */
    char *unknown_first[5];
    char **errors; /* reasons to refuse the run */
    size_t nerrors, caperrors;
};

/* Walk dir. 0, or -errno when dir itself cannot be opened; problems inside
 * the tree go to d->errors. */
int desired_read(const char *dir, struct desired *d);
void desired_free(struct desired *d);
/* The email DESIRED_DIR gives mailbox id of a tenant, or NULL. */
const struct dmailbox *desired_mailbox(const struct desired *d, const char *tenant, bool by_name,
                                       const char *id);

/* Whether the mount could show name as a path component: 1..255 bytes,
 * not "." or "..", valid UTF-8, no control characters, no '/'. */
bool name_is_showable(const char *name);

#endif
