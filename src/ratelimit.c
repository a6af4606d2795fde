/* ratelimit: token bucket refilled continuously from elapsed time. */
#include "ratelimit.h"

#include <math.h>

void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms)
{
    rl->rate = rate > 0 ? rate : 0;
    rl->capacity = rl->rate / 10 > 1 ? rl->rate / 10 : 1;
    rl->tokens = 1; /* start nearly empty: no burst above the rate at mount */
    rl->last_ms = now_ms;
}

int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms)
{
    if (rl->rate <= 0)
        return 0;
    if (now_ms > rl->last_ms) {
        rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate / 1000.0;
        if (rl->tokens > rl->capacity)
            rl->tokens = rl->capacity;
        rl->last_ms = now_ms;
    }
    if (rl->tokens >= 1.0) {
        rl->tokens -= 1.0;
        return 0;
    }
    int64_t wait = (int64_t)ceil((1.0 - rl->tokens) * 1000.0 / rl->rate);
    return wait > 0 ? wait : 1;
}

void ratelimit_refund(struct ratelimit *rl)
{
    if (rl->rate > 0 && rl->tokens + 1.0 <= rl->capacity)
        rl->tokens += 1.0;
}
