/*
 * test_kit.c — the base kit: ARRAY_GROW (growth, contents kept, overflow
 * refused with the array untouched), strbuf (append, printf, cap refused
 * without change, detach/reset/release), objkey (every built key parses back
 * to its parts; hostile keys — traversal, extra segments, bad dates, control
 * bytes, non-canonical volume numbers — are refused), and util_sleep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "objkey.h"
#include "strbuf.h"
#include "util.h"

static void test_array_grow(void **state)
{
    int *v = NULL;
    size_t n = 0, cap = 0;

    (void)state;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ARRAY_GROW(v, n + 1, cap), 0);
        assert_true(cap >= n + 1);
        v[n++] = i;
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i);
    /* an impossible size is refused and leaves the array as it was */
    size_t oldcap = cap;
    int *old = v;
    assert_int_equal(ARRAY_GROW(v, SIZE_MAX / 2, cap), -1);
    assert_ptr_equal(v, old);
    assert_int_equal(cap, oldcap);
    assert_int_equal(ARRAY_GROW(v, 10, cap), 0); /* no-op when room */
    assert_ptr_equal(v, old);
    free(v);
}

static void test_strbuf(void **state)
{
    strbuf_t sb = STRBUF_INIT(16);
    size_t len;
    char *s;

    (void)state;
    assert_string_equal(strbuf_str(&sb), "");
    assert_int_equal(strbuf_addstr(&sb, "abc"), 0);
    assert_int_equal(strbuf_addf(&sb, "-%d-%s", 42, "x"), 0);
    assert_string_equal(sb.buf, "abc-42-x");
    assert_int_equal(sb.len, 8);
    /* past the cap: refused, contents unchanged */
    errno = 0;
    assert_int_equal(strbuf_addstr(&sb, "0123456789"), -1);
    assert_int_equal(errno, E2BIG);
    assert_string_equal(sb.buf, "abc-42-x");
    assert_int_equal(strbuf_addf(&sb, "%s", "0123456789"), -1);
    assert_string_equal(sb.buf, "abc-42-x");
    assert_int_equal(strbuf_add(&sb, "12345678", 8), 0); /* exactly the cap */
    assert_int_equal(sb.len, 16);
    assert_int_equal(strbuf_add(&sb, "", 0), 0);
    assert_int_equal(strbuf_add(&sb, "z", 1), -1);
    strbuf_reset(&sb);
    assert_string_equal(strbuf_str(&sb), "");
    assert_int_equal(strbuf_add(&sb, "a\0b", 3), 0); /* bytes, NULs included */
    assert_int_equal(sb.len, 3);
    s = strbuf_detach(&sb, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 4);
    assert_null(sb.buf);
    free(s);
    s = strbuf_detach(&sb, &len); /* empty: "" not NULL */
    assert_non_null(s);
    assert_int_equal(len, 0);
    free(s);

    strbuf_t big = STRBUF_INIT(0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(strbuf_addf(&big, "%04d", i % 10000), 0);
    assert_int_equal(big.len, 40000);
    assert_memory_equal(big.buf + 39996, "9999", 4);
    strbuf_release(&big);
    strbuf_release(&big); /* twice is fine */
    strbuf_release(NULL);
}

static void roundtrip(char *key, objkey_kind_t kind, const char *tenant, const char *date,
                      const char *source, int volno)
{
    objkey_parts_t p;

    assert_non_null(key);
    if (objkey_parse(key, &p) != 0)
        fail_msg("objkey_parse(\"%s\") refused its own key", key);
    assert_int_equal(p.kind, kind);
    if (tenant)
        assert_string_equal(p.tenant, tenant);
    assert_string_equal(p.date, date);
    if (source)
        assert_string_equal(p.source, source);
    assert_int_equal(p.volno, volno);
    objkey_parts_free(&p);
    free(key);
}

static void test_objkey_build_parse(void **state)
{
    char *k;

    (void)state;
    k = objkey_unit_prefix("acme", "2026-11-30", "siem-01");
    assert_string_equal(k, "tenant=acme/date=2026-11-30/source=siem-01/");
    free(k);
    k = objkey_volume("acme", "2026-11-30", "siem-01", 3, ".tar.gz");
    assert_string_equal(k, "tenant=acme/date=2026-11-30/source=siem-01/vol-0003.tar.gz");
    char *ik = objkey_index_of(k);
    assert_string_equal(ik, "tenant=acme/date=2026-11-30/source=siem-01/vol-0003.index.json.gz");
    free(ik);
    roundtrip(k, OBJKEY_VOLUME, "acme", "2026-11-30", "siem-01", 3);
    roundtrip(objkey_volume("a b=c", "2024-02-29", "s", 12345, ".tar.zst"), OBJKEY_VOLUME, "a b=c",
              "2024-02-29", "s", 12345);
    roundtrip(objkey_index("t", "2026-01-01", "s", 1), OBJKEY_INDEX, "t", "2026-01-01", "s", 1);
    k = objkey_manifest("2026-11-30", "20261201T020000Z-host-123");
    assert_string_equal(k, "runs/2026-11-30/20261201T020000Z-host-123.json");
    roundtrip(k, OBJKEY_MANIFEST, NULL, "2026-11-30", NULL, 0);
    objkey_parts_t p;
    assert_int_equal(objkey_parse("runs/2026-11-30/r1.json", &p), 0);
    assert_string_equal(p.run_id, "r1");
    objkey_parts_free(&p);
    objkey_parts_free(NULL);
}

static void test_objkey_refuses(void **state)
{
    static const char *bad[] = {
        "",
        "tenant=",
        "tenant=a/date=2026-11-30/source=s/",
        "tenant=../date=2026-11-30/source=s/vol-0001.tar.gz",
        "tenant=./date=2026-11-30/source=s/vol-0001.tar.gz",
        "tenant=a/date=2026-11-30/source=../vol-0001.tar.gz",
        "tenant=a/b/date=2026-11-30/source=s/vol-0001.tar.gz",
        "tenant=a/date=2026-02-30/source=s/vol-0001.tar.gz",
        "tenant=a/date=26-11-30/source=s/vol-0001.tar.gz",
        "tenant=a/date=2026-11-30/source=s/vol-001.tar.gz",
        "tenant=a/date=2026-11-30/source=s/vol-0000.tar.gz",
        "tenant=a/date=2026-11-30/source=s/vol-+001.tar.gz",
        "tenant=a/date=2026-11-30/source=s/vol-0001.tar.bz2",
        "tenant=a/date=2026-11-30/source=s/vol-0001.tar.gz/x",
        "tenant=a/date=2026-11-30/source=s/vol-0001.index.json",
        "tenant=a/date=2026-11-30/source=s/vol-1234567.tar.gz",
        "tenant=a\n/date=2026-11-30/source=s/vol-0001.tar.gz",
        "tenant=a\xff/date=2026-11-30/source=s/vol-0001.tar.gz",
        "tenant=a/date=2026-11-30/source=/vol-0001.tar.gz",
        "xtenant=a/date=2026-11-30/source=s/vol-0001.tar.gz",
        "runs/2026-11-30/.json",
        "runs/2026-11-30/a/b.json",
        "runs/2026-13-01/r.json",
        "runs/2026-11-30/r.txt",
        "runs/../r.json",
    };
    objkey_parts_t p;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (objkey_parse(bad[i], &p) == 0)
            fail_msg("objkey_parse accepted hostile key \"%s\"", bad[i]);
        assert_null(p.tenant);
        assert_null(p.date);
    }
    assert_null(objkey_volume("..", "2026-11-30", "s", 1, ".tar.gz"));
    assert_null(objkey_volume("a/b", "2026-11-30", "s", 1, ".tar.gz"));
    assert_null(objkey_volume("a", "2026-11-31", "s", 1, ".tar.gz"));
    assert_null(objkey_volume("a", "2026-11-30", "s", 0, ".tar.gz"));
    assert_null(objkey_volume("a", "2026-11-30", "s", 1, "/../x"));
    assert_null(objkey_manifest("2026-11-30", "../x"));
    assert_null(objkey_index_of("runs/2026-11-30/r.json"));
}

/* Names are bytes: any tenant name of 1..255 bytes maps to a valid UTF-8
 * key without control bytes, path components of at most 255 bytes, and
 * parses back to the same bytes; plain names are unchanged. */
static void test_objkey_names_are_bytes(void **state)
{
    char name[256], *k;

    (void)state;
    k = objkey_volume("ten\xff\n%", "2026-11-30", "s", 1, ".tar.gz");
    assert_string_equal(k, "tenant=ten%FF%0A%25/date=2026-11-30/source=s/vol-0001.tar.gz");
    roundtrip(k, OBJKEY_VOLUME, "ten\xff\n%", "2026-11-30", "s", 1);
    roundtrip(objkey_index("caf\xc3\xa9 \x1b", "2026-11-30", "s", 2), OBJKEY_INDEX,
              "caf\xc3\xa9 \x1b", "2026-11-30", "s", 2);
    for (int fill = 1; fill < 256; fill += 127) {
        memset(name, fill == 1 ? 'T' : 0xfe, 255);
        name[255] = 0;
        k = objkey_volume(name, "2026-11-30", "s", 1, ".tar.gz.age");
        assert_non_null(k);
        assert_true(strlen(k) <= OBJKEY_KEY_MAX);
        for (char *seg = k, *sl; seg; seg = sl ? sl + 1 : NULL) {
            sl = strchr(seg, '/');
            assert_true((size_t)(sl ? sl - seg : (ptrdiff_t)strlen(seg)) <= 255);
        }
        for (const unsigned char *c = (const unsigned char *)k; *c; c++)
            assert_true(*c >= 0x20 && *c < 0x7f);
        roundtrip(k, OBJKEY_VOLUME, name, "2026-11-30", "s", 1);
    }
    /* a cut inside a UTF-8 character never happens: "é" × 127 = 254 bytes */
    for (int i = 0; i < 127; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[254] = 0;
    k = objkey_index(name, "2026-11-30", "s", 1);
    assert_non_null(k);
    roundtrip(k, OBJKEY_INDEX, name, "2026-11-30", "s", 1);
    memset(name, 'x', 255);
    name[255] = 0;
    char longer[300];
    memset(longer, 'x', 299);
    longer[299] = 0;
    assert_null(objkey_unit_prefix(longer, "2026-11-30", "s"));
    assert_true(objkey_unit_fits(name, "2026-11-30", "s"));
    /* non-canonical escapes are refused: lower-case hex, %00, a plain byte escaped */
    objkey_parts_t p;
    assert_int_equal(objkey_parse("tenant=a%ff/date=2026-11-30/source=s/vol-0001.tar.gz", &p), -1);
    assert_int_equal(objkey_parse("tenant=a%00/date=2026-11-30/source=s/vol-0001.tar.gz", &p), -1);
    assert_int_equal(objkey_parse("tenant=a%41/date=2026-11-30/source=s/vol-0001.tar.gz", &p), -1);
    assert_int_equal(objkey_parse("tenant=a%4/date=2026-11-30/source=s/vol-0001.tar.gz", &p), -1);
    assert_int_equal(objkey_parse("tenant=a/+b/date=2026-11-30/source=s/vol-0001.tar.gz", &p), -1);
    char *d = objkey_name_display("a\xff\n");
    assert_string_equal(d, "a%FF%0A");
    free(d);
}

static void test_sleep(void **state)
{
    double t0 = util_now();

    (void)state;
    util_sleep(0.02);
    util_sleep(-1);
    assert_true(util_now() - t0 >= 0.019);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_grow),
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_objkey_build_parse),
        cmocka_unit_test(test_objkey_refuses),
        cmocka_unit_test(test_objkey_names_are_bytes),
        cmocka_unit_test(test_sleep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
