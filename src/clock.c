/* clock: real clocks with a fake override for unit tests. */
#include "clock.h"

#include <stdatomic.h>

static atomic_int fake_enabled;
static _Atomic int64_t fake_mono;
static _Atomic int64_t fake_wall_ns;

int64_t clock_mono_ms(void)
{
    if (atomic_load(&fake_enabled))
        return atomic_load(&fake_mono);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t clock_wall(void)
{
    if (atomic_load(&fake_enabled))
        return (time_t)(atomic_load(&fake_wall_ns) / 1000000000);
    return time(NULL);
}

int64_t clock_wall_ns(void)
{
    if (atomic_load(&fake_enabled))
        return atomic_load(&fake_wall_ns);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_set_fake(int64_t mono_ms, time_t wall)
{
    atomic_store(&fake_mono, mono_ms);
    atomic_store(&fake_wall_ns, (int64_t)wall * 1000000000);
    atomic_store(&fake_enabled, 1);
}

void clock_advance_fake(int64_t ms)
{
    atomic_fetch_add(&fake_mono, ms);
    atomic_fetch_add(&fake_wall_ns, ms * 1000000);
}

void clock_use_real(void)
{
    atomic_store(&fake_enabled, 0);
}

void clock_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &ca);
    pthread_condattr_destroy(&ca);
}
