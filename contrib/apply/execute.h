/* execute: the plan's changes written through the mount in dependency
 * order — domains added, verified, DKIM enabled, tenant then domain
 * enforcement, then mailbox names and limits — each kind in parallel, then
 * every written value read back. */
#ifndef TCA_EXECUTE_H
#define TCA_EXECUTE_H

#include "mount.h"
#include "plan.h"
#include "pool.h"

struct outcome {
    double seconds;
    size_t written;  /* write(2) and mkdir calls that succeeded, second writes included */
    size_t attempts; /* all of them */
};

/* Items move from ST_CHANGE to ST_DONE, ST_FAILED, ST_SKIPPED, ST_SETTLED
 * or ST_DRIFTED; a value enforcement rewrote becomes a change (or cannot
 * apply) of its own, marked after_enforcement. */
void execute(struct plan *pl, const struct mnt *m, unsigned jobs, struct progress *p,
             struct outcome *out);

#endif
