/*
 * pool.h — a fixed set of worker threads running submitted jobs.
 *
 * Used for block compression (pack.c) and block decompression (restore).
 * Jobs from many producers share one pool; each producer bounds its own
 * number of jobs in flight, so the queue itself needs no bound.
 */
#ifndef COLDPACK_POOL_H
#define COLDPACK_POOL_H

typedef struct pool pool_t;
typedef void (*pool_fn)(void *arg);

/* Start n worker threads (n <= 0: one per online core). NULL on failure.
 * Caller owns the pool; pool_free joins the workers after the queue drains. */
pool_t *pool_new(int n);
/* Queue fn(arg). Thread-safe. Returns 0 or -1 (out of memory). */
int pool_submit(pool_t *p, pool_fn fn, void *arg);
int pool_size(const pool_t *p);
void pool_free(pool_t *p);

#endif
