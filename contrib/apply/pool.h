/* pool: run n independent tasks on up to `jobs` threads, and show progress
 * on a terminal while the caller waits. Each task is one blocking call
 * into the mount, so threads (not an event loop) give the parallelism. */
#ifndef TCA_POOL_H
#define TCA_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct progress {
    bool enabled;     /* stderr is a terminal */
    const char *what; /* "reading live values", "mailboxes", ... */
    size_t total;
    atomic_size_t done;
    double start; /* monotonic seconds */
    bool drawn;
};

/* Seconds on the monotonic clock. */
double now_s(void);

/* fn(ctx, i) for every i in [0, n), at most jobs at a time. When p is
 * enabled, a line "what done/total, rate/s, time left" is redrawn on
 * stderr while the tasks run (after a quarter second, so quick phases
 * do not flicker) and cleared at the end. After an interrupt, no task
 * starts; the ones running finish. */
typedef void (*pool_fn)(void *ctx, size_t i);
void pool_run(unsigned jobs, size_t n, pool_fn fn, void *ctx, struct progress *p, const char *what);

#endif
