/*
 * test_ratelimit.c — the token bucket: measured throughput (bytes over
 * elapsed time) matches the configured rate within a generous tolerance for
 * one taker, several concurrent takers sharing a limiter, and chunks larger
 * than the burst; an unlimited limiter (rate 0 or NULL) never waits.
 * Assertions are on rates, never on a fixed duration alone; the lower bound is
 * the physically guaranteed one (a limiter cannot grant more than
 * burst + rate * t), the upper bound is loose to stay stable on a busy CI box.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "ratelimit.h"
#include "util.h"

/* Takes total bytes in chunks of chunk; returns elapsed seconds. */
static double take_all(ratelimit_t *r, size_t total, size_t chunk)
{
    double t0 = util_now();

    for (size_t done = 0; done < total; done += chunk)
        ratelimit_take(r, chunk);
    return util_now() - t0;
}

/* The rate cannot exceed rate + burst/t; it should not be much slower. */
static void check_rate(double bytes, double secs, double rate)
{
    double burst = rate / 10.0 > 65536 ? rate / 10.0 : 65536;
    double max_rate = (bytes) / ((bytes - burst) / rate) * 1.01;
    double measured = bytes / secs;

    print_message("measured %.0f B/s for %.0f B in %.3f s (target %.0f)\n", measured, bytes, secs,
                  rate);
    assert_true(measured <= max_rate);
    assert_true(measured >= rate * 0.75);
}

static void test_single_taker(void **state)
{
    const double rate = 8.0 * 1024 * 1024;
    ratelimit_t *r = ratelimit_new((int64_t)rate);
    size_t total = 12u * 1024 * 1024;
    double secs;

    (void)state;
    assert_non_null(r);
    assert_int_equal(ratelimit_rate(r), (int64_t)rate);
    secs = take_all(r, total, 64 * 1024);
    check_rate((double)total, secs, rate);
    ratelimit_free(r);
}

static void test_chunks_larger_than_burst(void **state)
{
    const double rate = 4.0 * 1024 * 1024;
    ratelimit_t *r = ratelimit_new((int64_t)rate);
    size_t total = 8u * 1024 * 1024;
    double secs;

    (void)state;
    assert_non_null(r);
    secs = take_all(r, total, 1024 * 1024); /* each chunk is 2.5x the burst */
    check_rate((double)total, secs, rate);
    ratelimit_free(r);
}

struct worker {
    ratelimit_t *r;
    size_t total;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    take_all(w->r, w->total, 32 * 1024);
    return NULL;
}

static void test_shared_by_threads(void **state)
{
    const double rate = 8.0 * 1024 * 1024;
    ratelimit_t *r = ratelimit_new((int64_t)rate);
    pthread_t th[4];
    struct worker w = {r, 3u * 1024 * 1024};
    double t0, secs;

    (void)state;
    assert_non_null(r);
    t0 = util_now();
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    secs = util_now() - t0;
    check_rate(4.0 * (double)w.total, secs, rate);
    ratelimit_free(r);
}

static void test_two_limiters_in_turn(void **state)
{
    /* a run-wide limit above a per-source limit: the lower one governs */
    ratelimit_t *run = ratelimit_new(16 * 1024 * 1024);
    ratelimit_t *src = ratelimit_new(4 * 1024 * 1024);
    size_t total = 6u * 1024 * 1024;
    double t0 = util_now(), secs;

    (void)state;
    for (size_t done = 0; done < total; done += 128 * 1024) {
        ratelimit_take(run, 128 * 1024);
        ratelimit_take(src, 128 * 1024);
    }
    secs = util_now() - t0;
    check_rate((double)total, secs, 4.0 * 1024 * 1024);
    ratelimit_free(run);
    ratelimit_free(src);
}

static void test_unlimited(void **state)
{
    ratelimit_t *r = ratelimit_new(0);
    double secs;

    (void)state;
    assert_non_null(r);
    assert_int_equal(ratelimit_rate(r), 0);
    secs = take_all(r, (size_t)1 << 40, (size_t)1 << 30); /* 1 TiB "instantly" */
    assert_true(secs < 1.0);
    secs = take_all(NULL, (size_t)1 << 40, (size_t)1 << 30);
    assert_true(secs < 1.0);
    assert_int_equal(ratelimit_rate(NULL), 0);
    ratelimit_free(r);
    ratelimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_taker),      cmocka_unit_test(test_chunks_larger_than_burst),
        cmocka_unit_test(test_shared_by_threads), cmocka_unit_test(test_two_limiters_in_turn),
        cmocka_unit_test(test_unlimited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
