/* clock: the time sources of the cache and the transport, replaceable in
 * unit tests so TTLs can expire without sleeping. */
#ifndef TC_CLOCK_H
#define TC_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds (for TTLs, deadlines, backoff). */
int64_t clock_mono_ms(void);
/* Wall-clock seconds (for mtimes and the errors file). */
time_t clock_wall(void);
/* Wall-clock nanoseconds (mtimes the kernel compares to see a change). */
int64_t clock_wall_ns(void);

/* A condition variable whose timed waits count on the monotonic clock
 * (clock_mono_ms), so a change of the wall clock cannot stretch them. */
void clock_cond_init(pthread_cond_t *cond);

/* Test hook: when set, both clocks read from these instead. */
void clock_set_fake(int64_t mono_ms, time_t wall);
void clock_advance_fake(int64_t ms);
void clock_use_real(void);

#endif
