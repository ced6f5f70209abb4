/*
 * test_estimate.c — estimate_compute() against figures computed by hand
 * (in the comments) for the issue's case: 1.5 TB a night, ratio 5, kept 365
 * days, 4 GiB volumes, 8 MiB vs 64 MiB parts, list prices; [prices]
 * overrides from the config; bad inputs refused; HTML/UTF-8 escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "estimate.h"
#include "log.h"
#include "report.h"

#define NEAR(a, b, tol) assert_true((a) > (b) - (tol) && (a) < (b) + (tol))

static estimate_input_t issue_case(int64_t part)
{
    estimate_input_t in = {0};

    in.mode = "flags";
    in.daily_in = 1.5e12;
    in.ratio = 5;
    in.days = 365;
    in.part_size = part;
    in.volume_bytes = 4294967296.0;
    in.index_bytes = 65536;
    in.manifest_bytes = 16384;
    in.tenants = 10;
    in.restore_days = 7;
    in.storage_class = "DEEP_ARCHIVE";
    return in;
}

static void test_issue_8mib(void **state)
{
    estimate_input_t in = issue_case((int64_t)8 << 20);
    estimate_prices_t p;
    estimate_t e;

    (void)state;
    estimate_prices_default(&p);
    assert_int_equal(estimate_compute(&in, &p, &e), 0);
    /* 1.5e12 / 5 = 3e11 B a night; x 365 = 1.095e14 B = 101979.76 GiB */
    NEAR(e.stored_daily, 3e11, 1);
    NEAR(e.stored_total, 1.095e14, 1);
    /* 101979.76 GiB x 0.00099 = $100.960 */
    NEAR(e.storage_month, 100.960, 0.001);
    /* 3e11 / 2^32 = 69.849 volumes a night; 4 GiB / 8 MiB = 512 parts + 2 */
    NEAR(e.objects_daily, 69.849, 0.001);
    NEAR(e.parts_per_object, 512, 0.5);
    NEAR(e.requests_per_object, 514, 0.5);
    /* 69.849 x 30.41667 x 514 = 1,092,034 requests; x 0.05 / 1000 = $54.60 */
    NEAR(e.requests_month, 1092034, 2);
    NEAR(e.requests_cost_month, 54.60, 0.01);
    /* 25494.9 volumes x (8192/2^30 x 0.023 + 32768/2^30 x 0.00099) = $0.005244 */
    NEAR(e.overhead_month, 0.005244, 0.00001);
    /* indexes 25494.9 x 64 KiB + manifests 365 x 16 KiB = 1.5617 GiB x 0.023 = $0.03592 */
    NEAR(e.index_storage_month, 0.03592, 0.0001);
    /* (69.849 + 1) x 30.41667 x 0.005 / 1000 = $0.010775 */
    NEAR(e.index_requests_month, 0.010775, 0.00001);
    /* requests are 54% of $101.00: warned, and 64 MiB is the first power of two under 10% */
    assert_true(e.requests_share > 0.10);
    assert_int_equal(e.suggested_part, (int64_t)64 << 20);
    /* restore: 3e11 / 10 tenants = 3e10 B a night = ceil(6.98) = 7 volumes; x 7 nights
     * = 2.1e11 B = 195.578 GiB in 49 volumes. Bulk 195.578 x 0.0025 + 49 x 0.025/1000
     * = 0.49017; Standard 195.578 x 0.02 + 49 x 0.1/1000 = 3.91646; transfer
     * 195.578 x 0.09 = 17.6020 */
    NEAR(e.restore_bytes, 2.1e11, 1);
    NEAR(e.restore_objects, 49, 0.5);
    NEAR(e.restore_bulk, 0.49017, 0.0001);
    NEAR(e.restore_standard, 3.91646, 0.0001);
    NEAR(e.restore_transfer, 17.6020, 0.001);
}

static void test_issue_64mib(void **state)
{
    estimate_input_t in = issue_case((int64_t)64 << 20);
    estimate_prices_t p;
    estimate_t e;

    (void)state;
    estimate_prices_default(&p);
    assert_int_equal(estimate_compute(&in, &p, &e), 0);
    /* 64 + 2 requests a volume: 69.849 x 30.41667 x 66 x 0.05 / 1000 = $7.011 */
    NEAR(e.requests_per_object, 66, 0.5);
    NEAR(e.requests_cost_month, 7.011, 0.01);
    assert_true(e.requests_share < 0.10);
    assert_int_equal(e.suggested_part, 0);
}

/* part_size = auto: max(8 MiB, volume_size / 64) rounded up to a MiB; for the
 * issue's 4 GiB volumes that is 64 MiB, under the 10% requests share. */
static void test_auto_part(void **state)
{
    const int64_t MiB = 1 << 20;
    static const struct {
        const char *volume; /* [pack] volume_size; NULL = the default (4 GiB) */
        const char *part;   /* [store] part_size; NULL = the default (auto) */
        int64_t want;
    } cases[] = {
        {NULL, NULL, 64 * MiB},      {NULL, "auto", 64 * MiB},  {"1GiB", NULL, 16 * MiB},
        {"256MiB", NULL, 8 * MiB},   {"1MiB", NULL, 8 * MiB},   {"100GiB", NULL, 1600 * MiB},
        {"5000MiB", NULL, 79 * MiB}, {NULL, "16MiB", 16 * MiB}, /* configured wins */
    };
    estimate_prices_t p;
    estimate_t e;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "[store]\nurl = s3://b/\nregion = us-east-1\n%s%s\n[pack]\n%s%s\n"
                 "[source \"a\"]\npath = /x/{date}\n",
                 cases[i].part ? "part_size = " : "", cases[i].part ? cases[i].part : "",
                 cases[i].volume ? "volume_size = " : "", cases[i].volume ? cases[i].volume : "");
        config_t *c = config_parse_string("t.conf", text);
        assert_non_null(c);
        int64_t ps = estimate_part_size(c, 0);
        if (ps != cases[i].want)
            fail_msg("case %zu: part %lld, want %lld", i, (long long)ps, (long long)cases[i].want);
        if (!cases[i].part) {
            int64_t parts = (c->pack.volume_size + ps - 1) / ps;
            assert_true(ps % MiB == 0 && ps >= 5 * MiB);
            assert_true(parts <= 64 && parts <= 10000);
        }
        config_free(c);
    }
    config_t *c = config_parse_string("t.conf", "[store]\nurl = file:///s\n[pack]\nvolume_size = "
                                                "1GiB\n[source \"a\"]\npath = /x/{date}\n");
    assert_non_null(c);
    assert_true(estimate_part_size(c, (int64_t)4 << 30) == 64 * MiB); /* --volume-size wins */
    assert_true(estimate_part_size(c, 0) == 16 * MiB);
    config_free(c);
    /* the issue's case at what auto picks: requests under 10%, nothing to suggest */
    estimate_input_t in = issue_case(64 * MiB);
    estimate_prices_default(&p);
    assert_int_equal(estimate_compute(&in, &p, &e), 0);
    assert_true(e.requests_share < 0.10);
    assert_int_equal(e.suggested_part, 0);
}

static void test_prices_from_config(void **state)
{
    config_t *cfg = config_parse_string("t.conf", "[store]\nurl = file:///tmp/s\n"
                                                  "[prices]\nstorage_gb_month = 0.002\n"
                                                  "transfer_out_gb = 0\n"
                                                  "[source \"a\"]\npath = /x/{date}\n");
    estimate_input_t in = issue_case((int64_t)8 << 20);
    estimate_prices_t p;
    estimate_t e;

    (void)state;
    assert_non_null(cfg);
    estimate_prices_from_config(cfg, &p);
    NEAR(p.v[PRICE_STORAGE_GB_MONTH], 0.002, 1e-12);
    NEAR(p.v[PRICE_TRANSFER_OUT_GB], 0, 1e-12);
    NEAR(p.v[PRICE_PUT_PER_1000], 0.05, 1e-12); /* not given: the default */
    assert_int_equal(estimate_compute(&in, &p, &e), 0);
    NEAR(e.storage_month, 101979.76 * 0.002, 0.01);
    NEAR(e.restore_transfer, 0, 1e-12);
    config_free(cfg);
    /* a bad price and an unknown key are refused */
    log_set_level(-1);
    assert_null(config_parse_string("t.conf",
                                    "[store]\nurl = file:///tmp/s\n[prices]\n"
                                    "put_per_1000 = -1\n[source \"a\"]\npath = /{date}\n"));
    assert_null(config_parse_string("t.conf", "[store]\nurl = file:///tmp/s\n[prices]\n"
                                              "glacier = 1\n[source \"a\"]\npath = /{date}\n"));
    log_set_level(LOG_INFO);
}

static void test_bad_input(void **state)
{
    estimate_input_t in = issue_case((int64_t)8 << 20);
    estimate_prices_t p;
    estimate_t e;

    (void)state;
    estimate_prices_default(&p);
    log_set_level(-1);
    in.ratio = 0;
    assert_int_equal(estimate_compute(&in, &p, &e), -1);
    in = issue_case(0);
    assert_int_equal(estimate_compute(&in, &p, &e), -1);
    log_set_level(LOG_INFO);
}

static void test_escape(void **state)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    char *s;

    (void)state;
    report_html_escape(f, "<script>alert(1)</script>&\"'");
    fclose(f);
    assert_string_equal(buf, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;");
    s = report_utf8_sanitize("caf\xc3\xa9-\xff\xfe\x01-\xe2\x82");
    assert_string_equal(s, "caf\xc3\xa9-\\xFF\\xFE\\x01-\\xE2\\x82");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_8mib), cmocka_unit_test(test_issue_64mib),
        cmocka_unit_test(test_auto_part),  cmocka_unit_test(test_prices_from_config),
        cmocka_unit_test(test_bad_input),  cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
