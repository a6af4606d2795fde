/* enforcement.h — what Exchange's transport rules do to mailboxes in an
 * enforced scope (api-docs/mailboxes.txt "Set enforcement",
 * enforcement.txt): a mailbox whose sends today exceed the enforced limit
 * is blocked, and unblocked when the day's counters reset or it no longer
 * exceeds the limit; each change is logged as an event. Callers hold the
 * store's write lock. */
#ifndef TCEMU_ENFORCEMENT_H
#define TCEMU_ENFORCEMENT_H

#include <stdbool.h>
#include <time.h>

#include "store.h"

/* The limit enforced on m: its domain's policy, else the tenant-wide one.
 * false when neither exists (the mailbox is not in an enforced scope). */
bool enforced_limit(struct emu_tenant *t, const struct emu_mailbox *m, long *limit);

/* Brings m's blocked_at in line with its sends_today and enforced limit,
 * logging a "blocked" or "unblocked" event on each change. A sends_today
 * that is not an integer (set by /_emu/set) changes nothing. */
void enforce_mailbox(struct emu_store *s, struct emu_tenant *t, struct emu_mailbox *m);
void enforce_tenant(struct emu_store *s, struct emu_tenant *t);

/* Adds n sends to m's sends_today (a non-integer counts as 0), then enforces. */
void enforce_add_sends(struct emu_store *s, struct emu_tenant *t, struct emu_mailbox *m, long n);

/* The daily reset: every sends_today back to 0 and every blocked mailbox
 * unblocked (one "unblocked" event each). Returns how many were unblocked. */
long enforce_next_day(struct emu_store *s);

/* Appends an event for m of t (ids from the store's generator). */
struct emu_event *log_event(struct emu_store *s, struct emu_tenant *t, const struct emu_mailbox *m,
                            bool blocked, long sent, long limit, time_t when);

/* "Mailbox blocked: sent 26, limit 25" / "Mailbox unblocked: sent 0, limit 25". */
void event_message(const struct emu_event *e, char *out, size_t size);

#endif
