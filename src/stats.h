/* stats: process-wide counters shown in .tenantcorefs/stats.json. Counters
 * are atomics so hot paths never take a lock to count. */
#ifndef TC_STATS_H
#define TC_STATS_H

#include <stdatomic.h>

#include "api_error.h"
#include "strbuf.h"

/* The kernel's requests, counted by kind (a warm walk should send few). */
enum kernel_op {
    KOP_LOOKUP,
    KOP_FORGET,
    KOP_GETATTR,
    KOP_SETATTR,
    KOP_READLINK,
    KOP_MKDIR,
    KOP_RMDIR,
    KOP_OPEN,
    KOP_READ,
    KOP_WRITE,
    KOP_FLUSH,
    KOP_OPENDIR,
    KOP_READDIR,
    KOP_READDIRPLUS,
    KOP_STATFS,
    KOP_OTHER,
    KOP_COUNT
};

/* Answers by status class: 0 for attempts without an HTTP answer (timeout,
 * refused, reset), then 1xx .. 5xx. */
#define STATS_CLASSES 6
/* Failures by errno: errnos below this one by one, the rest in slot 0. */
#define STATS_ERRNOS 256

struct stats {
    atomic_ulong api_calls;              /* HTTP requests sent, retries included */
    atomic_ulong api_calls_by_endpoint[EP_COUNT];
    atomic_ulong api_answers[EP_COUNT][STATS_CLASSES]; /* attempts that ended, by class */
    atomic_ulong retries;
    atomic_ulong api_errors;             /* requests that ended in failure */
    atomic_long in_flight;
    atomic_ulong connections;            /* connections opened */
    atomic_ulong cache_hits;
    atomic_ulong cache_misses;
    atomic_ulong stale_serves;
    atomic_ulong evictions;
    atomic_ulong prefetches;
    atomic_long cache_bytes;
    atomic_long cache_entries;
    atomic_ulong notifications;          /* kernel invalidations sent */
    atomic_ulong notify_wait_timeouts;   /* writes answered before their invalidations were out */
    atomic_ulong pass_answers;           /* GETATTRs answered with the bytes of a read pass */
    atomic_ulong kernel_ops[KOP_COUNT];   /* requests from the kernel, by kind */
    atomic_long inodes, inodes_peak;     /* inodes the kernel holds, now and at most */
    atomic_ulong failures_by_errno[STATS_ERRNOS]; /* lines of the errors file, by errno */
};

extern struct stats g_stats;

void stats_reset(void);
/* Count one attempt of endpoint ep that ended with http_status (0: none). */
void stats_count_answer(enum api_endpoint ep, int http_status);
/* "none", "1xx" .. "5xx". */
const char *stats_class_name(int cls);
/* Count one failure recorded in the errors file. */
void stats_count_failure(int err);
/* stats.json: pretty JSON, ends with a newline. cache_max, max_conns and
 * ttl are reported too (tenantcorefs-apply sizes its jobs by max_conns and
 * states how old the values it reads may be). */
void stats_render(struct strbuf *sb, long cache_max, unsigned max_conns, unsigned ttl);

#endif
