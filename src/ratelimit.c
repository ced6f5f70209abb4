/*
 * ratelimit.c — token bucket with debt.
 *
 * State is (tokens, last refill time) under a mutex. A taker refills the
 * bucket for the time elapsed (capped at the burst size), subtracts its n
 * bytes — possibly driving the balance negative — and, if the balance is
 * negative, sleeps for balance / rate seconds outside the lock. Because each
 * taker's debt is recorded before it sleeps, later takers see it and wait
 * behind it: the limiter never grants more than burst + rate * t bytes in any
 * interval t, and there is no busy waiting.
 */
#include "ratelimit.h"

#include "util.h"

#include <pthread.h>
#include <stdlib.h>

#define RATELIMIT_MIN_BURST (64 * 1024)

struct ratelimit {
    pthread_mutex_t lock;
    int64_t rate;  /* bytes per second; 0 = unlimited */
    double burst;  /* bucket capacity in bytes */
    double tokens; /* may be negative: debt */
    double last;   /* monotonic seconds of the last refill */
};

ratelimit_t *ratelimit_new(int64_t bytes_per_sec)
{
    ratelimit_t *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    r->rate = bytes_per_sec > 0 ? bytes_per_sec : 0;
    r->burst = (double)r->rate / 10.0;
    if (r->burst < RATELIMIT_MIN_BURST)
        r->burst = RATELIMIT_MIN_BURST;
    r->tokens = r->burst;
    r->last = util_now();
    return r;
}

void ratelimit_take(ratelimit_t *r, size_t n)
{
    double now, wait = 0;

    if (!r || r->rate == 0 || n == 0)
        return;
    pthread_mutex_lock(&r->lock);
    now = util_now();
    r->tokens += (now - r->last) * (double)r->rate;
    if (r->tokens > r->burst)
        r->tokens = r->burst;
    r->last = now;
    r->tokens -= (double)n;
    if (r->tokens < 0)
        wait = -r->tokens / (double)r->rate;
    pthread_mutex_unlock(&r->lock);
    util_sleep(wait);
}

int64_t ratelimit_rate(const ratelimit_t *r)
{
    return r ? r->rate : 0;
}

void ratelimit_free(ratelimit_t *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}
