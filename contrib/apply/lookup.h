/* lookup: questions to the mount — is this a directory, where does this
 * link point, what does this file hold — each asked once, in parallel.
 * Planning is a few rounds of them; what they cost is what the mount's
 * lists and values cost to read. */
#ifndef TCA_LOOKUP_H
#define TCA_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "mount.h"
#include "pool.h"
#include "strmap.h"

enum lookup_kind { L_DIR, L_LINK, L_READ };

struct lookup {
    enum lookup_kind kind;
    char *rel; /* relative to the mount's root */
    bool asked;
    int err;      /* 0, or the errno (ENOENT: it does not exist) */
    char *answer; /* L_LINK: the target; L_READ: the content without its final newline */
};

struct lookups {
    struct strmap by_rel;
    struct lookup **v;
    size_t n, cap;
};

void lookups_init(struct lookups *l);
void lookups_free(struct lookups *l);
/* The lookup of rel (kind is part of the key), added if new. */
struct lookup *lookup_want(struct lookups *l, enum lookup_kind kind, const char *rel);
/* Answer every lookup not asked yet, jobs at a time. */
void lookups_run(struct lookups *l, const struct mnt *m, unsigned jobs, struct progress *p,
                 const char *what);
/* The id at the end of a link target "<prefix><id>", if the target has
 * that form and the id is a name the mount can show; else NULL. */
const char *link_id(const char *target, const char *prefix);

#endif
