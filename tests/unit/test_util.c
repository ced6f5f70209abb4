/*
 * test_util.c — the pure helpers of util.c: size and rate parsing (binary and
 * decimal suffixes, garbage, negatives and overflow refused), calendar dates
 * (leap years, bad days) and date arithmetic across month and year ends,
 * shell globbing ('*' does not cross '/', '**' does, '?', classes), hex,
 * HH:MM, size formatting, and SHA-256 against published vectors (one-shot and
 * incremental).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int64_t size_ok(const char *s)
{
    int64_t v = -12345;

    if (util_parse_size(s, &v) != 0)
        fail_msg("util_parse_size(\"%s\") refused", s);
    return v;
}

static void size_bad(const char *s)
{
    int64_t v = -12345;

    if (util_parse_size(s, &v) == 0)
        fail_msg("util_parse_size(\"%s\") accepted as %lld", s, (long long)v);
    assert_int_equal(v, -12345); /* *out untouched on failure */
}

static void test_parse_size_units(void **state)
{
    (void)state;
    assert_int_equal(size_ok("1000"), 1000);
    assert_int_equal(size_ok("0"), 0);
    assert_int_equal(size_ok("1"), 1);
    assert_int_equal(size_ok("512KiB"), 512 * 1024);
    assert_int_equal(size_ok("1KB"), 1000);
    assert_int_equal(size_ok("64MiB"), 64 * 1024 * 1024);
    assert_int_equal(size_ok("100MB"), 100 * 1000 * 1000);
    assert_int_equal(size_ok("4GiB"), 4LL << 30);
    assert_int_equal(size_ok("3GB"), 3000000000LL);
    assert_int_equal(size_ok("2TiB"), 2LL << 40);
    assert_int_equal(size_ok("1TB"), 1000000000000LL);
    assert_int_equal(size_ok("10B"), 10);
    /* case-insensitive suffixes, spaces around the number and suffix */
    assert_int_equal(size_ok("4gib"), 4LL << 30);
    assert_int_equal(size_ok("8 MiB"), 8 << 20);
    assert_int_equal(size_ok("  16KiB  "), 16 * 1024);
    /* fractions of a unit */
    assert_int_equal(size_ok("1.5GiB"), 3LL << 29);
    assert_int_equal(size_ok("0.5KiB"), 512);
    /* large but representable */
    assert_int_equal(size_ok("1024TiB"), 1LL << 50);
    assert_int_equal(size_ok("9007199254740992"), 9007199254740992LL);
}

static void test_parse_size_refused(void **state)
{
    (void)state;
    size_bad(NULL);
    size_bad("");
    size_bad("   ");
    size_bad("abc");
    size_bad("GiB");
    size_bad("-1");
    size_bad("-1MiB");
    size_bad(" -4GiB");
    size_bad("+4GiB");
    size_bad("4XB");
    size_bad("4 GiB extra");
    size_bad("4GiBs");
    size_bad("4 G i B");
    size_bad("4KiBKiB");
    size_bad("1 2");
    size_bad("inf");
    size_bad("nan");
    size_bad(".5GiB");
    /* overflow of int64_t */
    size_bad("99999999999TiB");
    size_bad("9223372036854775807TB");
    size_bad("99999999999999999999999999");
    size_bad("1e400");
}

/* A size is digits with an optional decimal fraction: strtod's exponent and
 * hex-float forms are not sizes ("volume_size = 0x10" is a typo, not 16). */
static void test_parse_size_plain_numbers_only(void **state)
{
    (void)state;
    size_bad("1e3");
    size_bad("1E3MiB");
    size_bad("0x10");
    size_bad("0x1p4KiB");
    size_bad("1.");
    assert_int_equal(size_ok("1.25KiB"), 1280);
    assert_int_equal(size_ok("007"), 7);
}

static void test_parse_rate(void **state)
{
    int64_t v = -1;

    (void)state;
    assert_int_equal(util_parse_rate("200MB/s", &v), 0);
    assert_int_equal(v, 200000000);
    assert_int_equal(util_parse_rate("50MiB/s", &v), 0);
    assert_int_equal(v, 50 << 20);
    assert_int_equal(util_parse_rate("1GiB/S", &v), 0);
    assert_int_equal(v, 1LL << 30);
    assert_int_equal(util_parse_rate("10MiB", &v), 0); /* "/s" is optional */
    assert_int_equal(v, 10 << 20);
    assert_int_equal(util_parse_rate("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(util_parse_rate("64KB/s  ", &v), 0);
    assert_int_equal(v, 64000);

    v = -7;
    assert_int_equal(util_parse_rate(NULL, &v), -1);
    assert_int_equal(util_parse_rate("", &v), -1);
    assert_int_equal(util_parse_rate("/s", &v), -1);
    assert_int_equal(util_parse_rate("fast/s", &v), -1);
    assert_int_equal(util_parse_rate("-5MB/s", &v), -1);
    assert_int_equal(util_parse_rate("5MB/m", &v), -1);
    assert_int_equal(util_parse_rate("5MB/s/s", &v), -1);
    assert_int_equal(util_parse_rate("99999999999TiB/s", &v), -1);
    /* longer than the internal buffer: refused, not truncated */
    assert_int_equal(
        util_parse_rate("1000000000000000000000000000000000000000000000000000000000000000"
                        "0000000000MB/s",
                        &v),
        -1);
    assert_int_equal(v, -7);
}

static void date_ok(const char *s, int ey, int em, int ed)
{
    int y = 0, m = 0, d = 0;

    if (util_parse_date(s, &y, &m, &d) != 0)
        fail_msg("util_parse_date(\"%s\") refused", s);
    assert_int_equal(y, ey);
    assert_int_equal(m, em);
    assert_int_equal(d, ed);
}

static void date_bad(const char *s)
{
    int y = 0, m = 0, d = 0;

    if (util_parse_date(s, &y, &m, &d) == 0)
        fail_msg("util_parse_date(\"%s\") accepted", s);
}

static void test_parse_date(void **state)
{
    (void)state;
    date_ok("2026-11-23", 2026, 11, 23);
    date_ok("1970-01-01", 1970, 1, 1);
    date_ok("2026-12-31", 2026, 12, 31);
    date_ok("2026-01-31", 2026, 1, 31);
    date_ok("2026-04-30", 2026, 4, 30);
    /* leap years: divisible by 4, except centuries, except by 400 */
    date_ok("2024-02-29", 2024, 2, 29);
    date_ok("2000-02-29", 2000, 2, 29);
    date_bad("2023-02-29");
    date_bad("2100-02-29");
    date_bad("2024-02-30");
    date_ok("2023-02-28", 2023, 2, 28);
    /* bad days and months */
    date_bad("2026-04-31");
    date_bad("2026-06-31");
    date_bad("2026-09-31");
    date_bad("2026-11-31");
    date_bad("2026-01-32");
    date_bad("2026-01-00");
    date_bad("2026-00-10");
    date_bad("2026-13-01");
    /* shape */
    date_bad(NULL);
    date_bad("");
    date_bad("2026-1-01");
    date_bad("2026-01-1");
    date_bad("2026/01/01");
    date_bad("20260101");
    date_bad("2026-01-01x");
    date_bad("2026-01-01 ");
    date_bad(" 2026-01-01");
    date_bad("2026-0a-01");
    date_bad("+026-01-01");
    date_bad("2026--1-01");
    date_bad("1969-12-31");
    /* NULL out-pointers are allowed (validation only) */
    assert_int_equal(util_parse_date("2026-11-23", NULL, NULL, NULL), 0);
}

static void date_add_is(const char *d, int days, const char *want)
{
    char out[11];

    memset(out, 'X', sizeof out);
    if (util_date_add(d, days, out) != 0)
        fail_msg("util_date_add(\"%s\", %d) failed", d, days);
    assert_string_equal(out, want);
}

static void test_date_add(void **state)
{
    char out[11];

    (void)state;
    date_add_is("2026-11-23", 0, "2026-11-23");
    date_add_is("2026-11-23", 1, "2026-11-24");
    date_add_is("2026-11-23", -1, "2026-11-22");
    date_add_is("2026-01-31", 1, "2026-02-01");
    date_add_is("2026-02-01", -1, "2026-01-31");
    date_add_is("2026-04-30", 1, "2026-05-01");
    date_add_is("2026-12-31", 1, "2027-01-01");
    date_add_is("2027-01-01", -1, "2026-12-31");
    date_add_is("2024-02-28", 1, "2024-02-29");
    date_add_is("2024-02-29", 1, "2024-03-01");
    date_add_is("2023-02-28", 1, "2023-03-01");
    date_add_is("2024-03-01", -1, "2024-02-29");
    date_add_is("2100-03-01", -1, "2100-02-28");
    date_add_is("2026-11-23", 365, "2027-11-23");
    date_add_is("2024-01-01", 366, "2025-01-01");
    date_add_is("2026-11-23", -365, "2025-11-23");
    date_add_is("2026-03-29", 1, "2026-03-30"); /* DST change in many zones */
    date_add_is("2026-10-25", 1, "2026-10-26");
    assert_int_equal(util_date_add("2026-02-30", 1, out), -1);
    assert_int_equal(util_date_add("garbage", 1, out), -1);
}

static void glob_yes(const char *p, const char *s)
{
    if (!util_glob_match(p, s))
        fail_msg("glob \"%s\" should match \"%s\"", p, s);
}

static void glob_no(const char *p, const char *s)
{
    if (util_glob_match(p, s))
        fail_msg("glob \"%s\" should not match \"%s\"", p, s);
}

static void test_glob(void **state)
{
    (void)state;
    /* literals */
    glob_yes("fw/a.log", "fw/a.log");
    glob_no("fw/a.log", "fw/a.lo");
    glob_no("fw/a.log", "fw/a.logx");
    glob_yes("", "");
    glob_no("", "a");
    /* '*' stays inside one path component */
    glob_yes("*.log", "a.log");
    glob_yes("*.log", ".log");
    glob_no("*.log", "fw/a.log");
    glob_yes("fw/*.log", "fw/a.log");
    glob_no("fw/*.log", "fw/x/a.log");
    glob_no("fw/*.log", "fw/a.json");
    glob_yes("fw/*", "fw/a");
    glob_no("fw/*", "fw/a/b");
    glob_yes("*/*.log", "fw/a.log");
    glob_yes("a*b*c", "aXXbYYc");
    glob_no("a*b*c", "aXX/bYYc");
    glob_yes("*", "anything");
    glob_no("*", "a/b");
    /* '**' crosses directories, including zero of them */
    glob_yes("**", "a/b/c");
    glob_yes("**/*.log", "a.log");
    glob_yes("**/*.log", "fw/a.log");
    glob_yes("**/*.log", "x/y/z/a.log");
    glob_no("**/*.log", "x/y/z/a.json");
    glob_yes("fw/**", "fw/a/b/c.log");
    glob_yes("fw/**/a.log", "fw/a.log");
    glob_yes("fw/**/a.log", "fw/x/y/a.log");
    glob_no("fw/**/a.log", "syslog/x/a.log");
    /* '?' is one character, never '/' */
    glob_yes("a?c", "abc");
    glob_no("a?c", "a/c");
    glob_no("a?c", "ac");
    glob_no("a?c", "abbc");
    /* classes, ranges, negation */
    glob_yes("[abc].log", "b.log");
    glob_no("[abc].log", "d.log");
    glob_yes("app-[0-9].log", "app-7.log");
    glob_no("app-[0-9].log", "app-x.log");
    glob_yes("[!a]x", "bx");
    glob_no("[!a]x", "ax");
    glob_yes("[^a]x", "bx");
    glob_yes("2026-11-[12][0-9]/*", "2026-11-23/fw.log");
    glob_no("2026-11-[12][0-9]/*", "2026-11-03/fw.log");
    /* an unterminated '[' is a literal */
    glob_yes("a[b", "a[b");
    glob_no("a[b", "ab");
}

static void sha_is(const char *in, const char *want)
{
    char hex[65];
    util_sha256_t h;
    size_t n = strlen(in);

    util_sha256_buf(in, n, hex);
    assert_string_equal(hex, want);
    /* incremental, fed one byte then the rest in odd pieces */
    assert_int_equal(util_sha256_init(&h), 0);
    for (size_t i = 0; i < n; i += 7)
        util_sha256_update(&h, in + i, n - i < 7 ? n - i : 7);
    util_sha256_update(&h, in, 0);
    memset(hex, 0, sizeof hex);
    util_sha256_final(&h, hex);
    assert_string_equal(hex, want);
    assert_null(h.ctx);   /* final frees */
    util_sha256_free(&h); /* and free after final is safe */
}

static void test_sha256_vectors(void **state)
{
    util_sha256_t h;
    char hex[65];
    char *million;

    (void)state;
    /* FIPS 180-2 / NIST examples */
    sha_is("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_is("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a' */
    million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    util_sha256_buf(million, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    assert_int_equal(util_sha256_init(&h), 0);
    for (int i = 0; i < 1000; i++)
        util_sha256_update(&h, million + i * 1000, 1000);
    util_sha256_final(&h, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
    /* free without final does not leak (checked by LeakSanitizer) */
    assert_int_equal(util_sha256_init(&h), 0);
    util_sha256_update(&h, "x", 1);
    util_sha256_free(&h);
    assert_null(h.ctx);
}

static void test_hex_hhmm_fmt(void **state)
{
    const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char hex[13], buf[32];

    (void)state;
    util_hex(bytes, sizeof bytes, hex);
    assert_string_equal(hex, "00017f80abff");
    util_hex(bytes, 0, hex);
    assert_string_equal(hex, "");

    assert_int_equal(util_parse_hhmm("00:00"), 0);
    assert_int_equal(util_parse_hhmm("06:30"), 390);
    assert_int_equal(util_parse_hhmm("23:59"), 23 * 60 + 59);
    assert_int_equal(util_parse_hhmm("24:00"), -1);
    assert_int_equal(util_parse_hhmm("12:60"), -1);
    assert_int_equal(util_parse_hhmm("-1:00"), -1);
    assert_int_equal(util_parse_hhmm("0630"), -1);
    assert_int_equal(util_parse_hhmm("06:30pm"), -1);
    assert_int_equal(util_parse_hhmm(NULL), -1);

    assert_string_equal(util_fmt_size(0, buf, sizeof buf), "0 B");
    assert_string_equal(util_fmt_size(1023, buf, sizeof buf), "1023 B");
    assert_string_equal(util_fmt_size(1024, buf, sizeof buf), "1.0 KiB");
    assert_string_equal(util_fmt_size(3LL << 29, buf, sizeof buf), "1.5 GiB");
    assert_string_equal(util_fmt_size(5LL << 40, buf, sizeof buf), "5.0 TiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size_units),
        cmocka_unit_test(test_parse_size_refused),
        cmocka_unit_test(test_parse_size_plain_numbers_only),
        cmocka_unit_test(test_parse_rate),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_date_add),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hex_hhmm_fmt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
