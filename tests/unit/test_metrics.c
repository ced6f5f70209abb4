/*
 * test_metrics.c — the Prometheus textfile: exact text for a run with two
 * sources (HELP/TYPE before samples, labels, per-outcome units), optional
 * samples left out when unknown, label escaping (backslash, quote, newline),
 * the atomic write (mode 0644, no temporary left, replaced whole) and reading
 * the last success back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "testutil.h"
#include "util.h"

static void test_format(void **state)
{
    json_error_t jerr;
    json_t *src = json_loads(
        "[{\"name\":\"siem-01\",\"bytes_read\":1000,\"bytes_stored\":400,\"units_done\":2,"
        "\"units_skipped\":1,\"units_failed\":0,\"units_left\":0},"
        "{\"name\":\"siem-02\",\"bytes_read\":0,\"bytes_stored\":0,\"units_done\":0,"
        "\"units_skipped\":0,\"units_failed\":1,\"units_left\":0}]",
        0, &jerr);
    metrics_run_t m = {1000, 1060, 4, 900, 2, src};
    char *txt;

    (void)state;
    assert_non_null(src);
    txt = metrics_format(&m);
    assert_non_null(txt);
    assert_string_equal(
        txt,
        "# HELP coldpack_last_success_timestamp_seconds Unix time the newest run that ended ok "
        "or with warnings finished.\n"
        "# TYPE coldpack_last_success_timestamp_seconds gauge\n"
        "coldpack_last_success_timestamp_seconds 900\n"
        "# HELP coldpack_last_run_timestamp_seconds Unix time the last run finished.\n"
        "# TYPE coldpack_last_run_timestamp_seconds gauge\n"
        "coldpack_last_run_timestamp_seconds 1060\n"
        "# HELP coldpack_run_duration_seconds Duration of the last run in seconds.\n"
        "# TYPE coldpack_run_duration_seconds gauge\n"
        "coldpack_run_duration_seconds 60\n"
        "# HELP coldpack_last_exit_code Exit code of the last run (docs/exit-codes.md; 0 = ok).\n"
        "# TYPE coldpack_last_exit_code gauge\n"
        "coldpack_last_exit_code 4\n"
        "# HELP coldpack_bytes_read_total Bytes read from the source by the last run.\n"
        "# TYPE coldpack_bytes_read_total gauge\n"
        "coldpack_bytes_read_total{source=\"siem-01\"} 1000\n"
        "coldpack_bytes_read_total{source=\"siem-02\"} 0\n"
        "# HELP coldpack_bytes_stored_total Bytes stored for the source by the last run.\n"
        "# TYPE coldpack_bytes_stored_total gauge\n"
        "coldpack_bytes_stored_total{source=\"siem-01\"} 400\n"
        "coldpack_bytes_stored_total{source=\"siem-02\"} 0\n"
        "# HELP coldpack_units Units (source, tenant) of the last run by outcome.\n"
        "# TYPE coldpack_units gauge\n"
        "coldpack_units{source=\"siem-01\",outcome=\"done\"} 2\n"
        "coldpack_units{source=\"siem-01\",outcome=\"skipped\"} 1\n"
        "coldpack_units{source=\"siem-01\",outcome=\"failed\"} 0\n"
        "coldpack_units{source=\"siem-01\",outcome=\"left\"} 0\n"
        "coldpack_units{source=\"siem-02\",outcome=\"done\"} 0\n"
        "coldpack_units{source=\"siem-02\",outcome=\"skipped\"} 0\n"
        "coldpack_units{source=\"siem-02\",outcome=\"failed\"} 1\n"
        "coldpack_units{source=\"siem-02\",outcome=\"left\"} 0\n"
        "# HELP coldpack_days_incomplete Days of the catch-up window whose newest run did not "
        "complete.\n"
        "# TYPE coldpack_days_incomplete gauge\n"
        "coldpack_days_incomplete 2\n");
    free(txt);
    json_decref(src);
}

static void test_format_unknowns_left_out(void **state)
{
    metrics_run_t m = {1000, 990, 5, 0, -1, NULL};
    char *txt = metrics_format(&m);

    (void)state;
    assert_non_null(txt);
    assert_null(strstr(txt, "coldpack_last_success_timestamp_seconds"));
    assert_null(strstr(txt, "coldpack_days_incomplete"));
    assert_null(strstr(txt, "coldpack_units"));
    assert_non_null(strstr(txt, "\ncoldpack_run_duration_seconds 0\n"));
    assert_non_null(strstr(txt, "\ncoldpack_last_exit_code 5\n"));
    free(txt);
}

static void test_escape(void **state)
{
    char out[64];
    json_error_t jerr;
    json_t *src = json_loads("[{\"name\":\"a\\\\b\\\"c\\nd\"}]", 0, &jerr);
    metrics_run_t m = {0, 0, 0, 0, -1, src};
    char *txt;

    (void)state;
    metrics_escape_label("plain-name.1", out, sizeof out);
    assert_string_equal(out, "plain-name.1");
    metrics_escape_label("a\\b\"c\nd", out, sizeof out);
    assert_string_equal(out, "a\\\\b\\\"c\\nd");
    metrics_escape_label("ab\"", out, 4); /* never half an escape */
    assert_string_equal(out, "ab");
    metrics_escape_label(NULL, out, sizeof out);
    assert_string_equal(out, "");
    txt = metrics_format(&m);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "coldpack_bytes_read_total{source=\"a\\\\b\\\"c\\nd\"} 0\n"));
    free(txt);
    json_decref(src);
}

static void test_write_atomic(void **state)
{
    char *dir = tu_tmpdir("metrics"), *path = util_asprintf("%s/coldpack.prom", dir);
    char *got;
    struct stat st;

    (void)state;
    assert_int_equal(metrics_read_last_success(path), 0);
    assert_int_equal(metrics_write(path, "old\nold\nold\n"), 0);
    assert_int_equal(metrics_write(path, "coldpack_last_success_timestamp_seconds 1234\n"), 0);
    got = tu_read_file(path, NULL);
    assert_string_equal(got, "coldpack_last_success_timestamp_seconds 1234\n");
    free(got);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(metrics_read_last_success(path), 1234);
    got = util_asprintf("%s/coldpack.prom.tmp.%ld", dir, (long)getpid());
    assert_int_equal(access(got, F_OK), -1);
    free(got);
    /* a directory that does not exist: -1, warned */
    got = util_asprintf("%s/nodir/coldpack.prom", dir);
    assert_int_equal(metrics_write(got, "x 1\n"), -1);
    free(got);
    free(path);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_unknowns_left_out),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_write_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
