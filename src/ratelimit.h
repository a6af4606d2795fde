/* ratelimit: a token bucket for max_rps. Not thread-safe: the transport
 * thread is its only user. */
#ifndef TC_RATELIMIT_H
#define TC_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
    double rate;     /* tokens per second; 0 = unlimited */
    double capacity; /* burst */
    double tokens;
    int64_t last_ms;
};

/* The burst is a tenth of a second's worth (at least 1), so a 10 s window
 * never sees more than 1% above the rate. */
void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_ms);
/* Take a token if one is available: 0, else the ms to wait for one. */
int64_t ratelimit_take(struct ratelimit *rl, int64_t now_ms);
/* Give back a token taken for a request that was never sent. */
void ratelimit_refund(struct ratelimit *rl);

#endif
