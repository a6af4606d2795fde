/* pool: threads take task indexes from one atomic counter; the caller
 * waits on a condition variable and redraws the progress line. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interrupt.h"
#include "mem.h"

struct pool {
    pool_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
    struct progress *p;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned running;
};

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    while (!interrupted()) {
        size_t i = atomic_fetch_add(&pl->next, 1);
        if (i >= pl->n)
            break;
        pl->fn(pl->ctx, i);
        atomic_fetch_add(&pl->p->done, 1);
    }
    pthread_mutex_lock(&pl->lock);
    pl->running--;
    pthread_cond_signal(&pl->cond);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

static void draw(struct progress *p)
{
    double el = now_s() - p->start;
    if (!p->enabled || el < 0.25)
        return;
    size_t done = atomic_load(&p->done);
    double rate = el > 0 ? (double)done / el : 0;
    char left[32] = "";
    if (rate > 0 && done < p->total)
        snprintf(left, sizeof left, ", %.0f s left", (double)(p->total - done) / rate + 0.5);
    fprintf(stderr, "\r\033[K%s %zu/%zu, %.0f/s%s", p->what, done, p->total, rate, left);
    fflush(stderr);
    p->drawn = true;
}

void pool_run(unsigned jobs, size_t n, pool_fn fn, void *ctx, struct progress *p, const char *what)
{
    if (n == 0)
        return;
    p->what = what;
    p->total = n;
    atomic_store(&p->done, 0);
    p->start = now_s();
    p->drawn = false;
    struct pool pl = {.fn = fn, .ctx = ctx, .n = n, .p = p};
    atomic_store(&pl.next, 0);
    pthread_mutex_init(&pl.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pl.cond, &ca);
    pthread_condattr_destroy(&ca);

    unsigned nt = jobs < 1 ? 1 : jobs;
    if (nt > n)
        nt = (unsigned)n;
    pthread_t *tids = zalloc(nt * sizeof *tids);
    unsigned started = 0;
    pthread_mutex_lock(&pl.lock);
    for (unsigned t = 0; t < nt; t++) {
        if (pthread_create(&tids[t], NULL, worker, &pl) != 0)
            break;
        started++;
    }
    pl.running = started;
    pthread_mutex_unlock(&pl.lock);
    if (started == 0) { /* no thread could start: do the work here */
        pl.running = 1;
        worker(&pl);
    }

    pthread_mutex_lock(&pl.lock);
    while (pl.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&pl.cond, &pl.lock, &ts);
        if (rc == ETIMEDOUT || pl.running > 0) {
            pthread_mutex_unlock(&pl.lock);
            draw(p);
            pthread_mutex_lock(&pl.lock);
        }
    }
    pthread_mutex_unlock(&pl.lock);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_cond_destroy(&pl.cond);
    pthread_mutex_destroy(&pl.lock);
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
