/*
 * ratelimit.h — a thread-safe token bucket limiting bytes per second
 * (the run-wide and per-source bandwidth limits of [run] and [source]).
 *
 * One limiter may be shared by any number of threads (the run-wide limit) and
 * a caller may take from several limiters in turn (run-wide, then its
 * source's). The bucket holds at most 1/10 s worth of tokens (at least
 * 64 KiB), so an idle limiter allows only a small burst. A request larger than
 * the bucket is granted by going into debt: the caller waits until the debt
 * is paid back at the configured rate, so long-run throughput equals the
 * rate whatever the chunk sizes.
 */
#ifndef COLDPACK_RATELIMIT_H
#define COLDPACK_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ratelimit ratelimit_t;

/* A limiter allowing bytes_per_sec on average. bytes_per_sec <= 0 means
 * unlimited: a valid object is still returned and ratelimit_take() on it never
 * waits. Returns NULL only when out of memory. The caller owns the object and
 * frees it with ratelimit_free() once no thread uses it any more.
 * Thread-safety: may be called from any thread. */
ratelimit_t *ratelimit_new(int64_t bytes_per_sec);

/* Block until n more bytes are allowed, then account for them. r == NULL is
 * treated as unlimited (returns at once). Thread-safety: any number of threads
 * may take from the same limiter concurrently; waits happen outside the lock,
 * and concurrent takers are served in the order they arrive. */
void ratelimit_take(ratelimit_t *r, size_t n);

/* The configured rate in bytes per second (0 = unlimited; also for NULL).
 * Thread-safety: any thread. */
int64_t ratelimit_rate(const ratelimit_t *r);

/* Free the limiter; NULL is a no-op. No thread may be inside
 * ratelimit_take() on it. */
void ratelimit_free(ratelimit_t *r);

#endif
