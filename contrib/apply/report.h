/* report: the plan and the outcome, for people (grouped by tenant, one
 * line per change "path: live -> desired") and for programs (--json). */
#ifndef TCA_REPORT_H
#define TCA_REPORT_H

#include <stdio.h>

#include "desired.h"
#include "execute.h"
#include "plan.h"

/* The plan's counts, taken before anything is applied. */
struct counts {
    size_t change[K_VALUE_KINDS];
    size_t changes, unchanged, cannot, unreadable;
    size_t api_owned, links, unknown;
};

struct report_ctx {
    const char *desired_dir;
    const char *mountpoint;
    const char *mode; /* "apply", "check", "dry-run" */
    long ttl;         /* the mount's, -1 when unknown */
    unsigned jobs;
};

void counts_of(const struct plan *pl, const struct desired *d, struct counts *c);
/* Sort the items as reports show them: by tenant name, then kind, then path. */
void report_sort(struct plan *pl);
void report_plan(FILE *f, const struct plan *pl, const struct counts *c,
                 const struct report_ctx *rc);
void report_outcome(FILE *f, const struct plan *pl, const struct outcome *o,
                    const struct report_ctx *rc);
/* One JSON document: the plan's items (all but unchanged ones), counts and,
 * when o is not NULL, the outcome; exit is the status the program ends with. */
void report_json(FILE *f, const struct plan *pl, const struct counts *c, const struct outcome *o,
                 const struct report_ctx *rc, int exit);

#endif
