/*
 * test_source_tar.c — source_tar_scan over archives made by GNU tar (the
 * legacy archives `coldpack import` migrates). Checks: a gzip, a zstd and a
 * plain archive of a day give the same entries, contents and metadata as
 * source_local_scan of the same directory (UTF-8 names, long paths, empty
 * files and tenants, symlinks, a file outside any tenant), and their
 * sha256/bytes are those of the whole file; hostile members (absolute, "..")
 * are refused with a warning each, never delivered; a hard link member is
 * skipped with a warning; a cut archive, an empty file and a missing file fail
 * the scan with a reason; a consumer that stops gets -1 without an error.
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
#include "log.h"
#include "source.h"
#include "testutil.h"
#include "util.h"

static char tmp[256];  /* test root */
static char data[300]; /* day dir parent: data/2026-11-23 */

static config_source_t mk_src(void)
{
    config_source_t s;

    memset(&s, 0, sizeof s);
    s.name = (char *)(uintptr_t) "siem-test";
    s.path = util_asprintf("%s/{date}", data);
    s.tenant_rule = TENANT_DIR;
    s.tenant_dir = 1;
    return s;
}

struct collect {
    char *text;
    size_t len;
    int files, stop_after;
};

static int on_entry(void *ctx, const source_entry_t *e, source_read_fn rd, void *rctx)
{
    struct collect *c = ctx;
    char line[8192], hex[65] = "-";

    if (e->type == SOURCE_FILE) {
        util_sha256_t h;
        char buf[7000];
        ssize_t n;
        int64_t total = 0;

        if (++c->files == c->stop_after)
            return -1;
        util_sha256_init(&h);
        while ((n = rd(rctx, buf, sizeof buf)) > 0) {
            util_sha256_update(&h, buf, (size_t)n);
            total += n;
        }
        util_sha256_final(&h, hex);
        if (n < 0)
            return -1;
        if (total != e->size)
            snprintf(hex, sizeof hex, "SIZE-MISMATCH");
    }
    snprintf(line, sizeof line, "%d|%s|%s|%lld|%lld|%o|%s|%s\n", e->type, e->tenant, e->path,
             (long long)e->size, (long long)e->mtime, e->mode, e->linkname ? e->linkname : "-",
             hex);
    c->text = realloc(c->text, c->len + strlen(line) + 1);
    memcpy(c->text + c->len, line, strlen(line) + 1);
    c->len += strlen(line);
    return 0;
}

static int setup(void **state)
{
    char *p;

    (void)state;
    p = tu_tmpdir("coldpack-test-tar");
    snprintf(tmp, sizeof tmp, "%s", p);
    free(p);
    snprintf(data, sizeof data, "%s/data", tmp);
    p = tu_sample_day(data, 0);
    tu_sh("cd '%s' && tar --sort=name -czf '%s/day.tar.gz' . && tar --sort=name -cf '%s/day.tar' . "
          "&& zstd -q -o '%s/day.tar.zst' '%s/day.tar'",
          p, tmp, tmp, tmp, tmp);
    free(p);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(tu_rmtree(tmp), 0);
    return 0;
}

/* sha256sum of path, into hex */
static void file_sha(const char *path, char hex[65], int64_t *size)
{
    size_t n;
    char *body = tu_read_file(path, &n);

    assert_non_null(body);
    util_sha256_buf(body, n, hex);
    *size = (int64_t)n;
    free(body);
}

static void test_same_entries_as_local(void **state)
{
    static const char *const names[] = {"day.tar.gz", "day.tar.zst", "day.tar"};
    config_source_t src = mk_src();
    struct collect loc = {0};
    source_stats_t st;

    (void)state;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_local_scan(&src, "2026-11-23", NULL, on_entry, &loc, &st), 0);
    assert_null(strstr(loc.text, "stray.log"));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *path = util_asprintf("%s/%s", tmp, names[i]), hex[65];
        source_tar_t t = {.path = path};
        struct collect c = {0};
        int64_t size;

        memset(&st, 0, sizeof st);
        assert_int_equal(source_tar_scan(&src, &t, NULL, on_entry, &c, &st), 0);
        assert_string_equal(c.text, loc.text);
        assert_int_equal(st.warnings, 1); /* stray.log */
        assert_null(st.error);
        file_sha(path, hex, &size);
        assert_int_equal(t.complete, 1);
        assert_string_equal(t.sha256, hex);
        assert_int_equal(t.bytes, size);
        free(c.text);
        free(path);
    }
    free(loc.text);
    free(src.path);
}

static void test_hostile_members(void **state)
{
    config_source_t src = mk_src();
    char *path = util_asprintf("%s/hostile.tar", tmp);
    source_tar_t t = {.path = path};
    struct collect c = {0};
    source_stats_t st;

    (void)state;
    tu_sh("cd '%s' && mkdir -p h/acme && printf 'ok\\n' > h/acme/ok.log && "
          "printf 'x\\n' > x && ln h/acme/ok.log h/acme/hard.log && "
          "tar -C h -cf hostile.tar ./acme/ok.log ./acme/hard.log && "
          "tar -rf hostile.tar --transform 's,^,../,' x 2>/dev/null && "
          "tar -rf hostile.tar -P --transform 's,^,/abs-,' x 2>/dev/null && "
          "tar -rf hostile.tar --transform 's,^,acme/../../,' x 2>/dev/null",
          tmp);
    memset(&st, 0, sizeof st);
    assert_int_equal(source_tar_scan(&src, &t, NULL, on_entry, &c, &st), 0);
    /* ok.log only: "../x", "/abs-x" and "acme/../../x" refused, the hard link skipped */
    assert_non_null(strstr(c.text, "|acme|ok.log|"));
    assert_null(strstr(c.text, "hard.log"));
    assert_null(strstr(c.text, "|x|"));
    assert_int_equal(c.files, 1);
    assert_int_equal(st.warnings, 4);
    free(c.text);
    free(path);
    free(src.path);
}

static void test_failures(void **state)
{
    config_source_t src = mk_src();
    char *cut = util_asprintf("%s/cut.tar.gz", tmp), *empty = util_asprintf("%s/empty", tmp);
    char *missing = util_asprintf("%s/missing.tar.gz", tmp);
    char *whole = util_asprintf("%s/day.tar.gz", tmp);
    const char *paths[] = {cut, empty, missing};
    source_stats_t st;

    (void)state;
    tu_sh("head -c 200000 '%s' > '%s' && : > '%s'", whole, cut, empty);
    for (int i = 0; i < 3; i++) {
        source_tar_t t = {.path = paths[i]};
        struct collect c = {0};

        memset(&st, 0, sizeof st);
        assert_int_equal(source_tar_scan(&src, &t, NULL, on_entry, &c, &st), -1);
        assert_non_null(st.error);
        assert_non_null(strstr(st.error, paths[i]));
        assert_int_equal(t.complete, 0);
        free(st.error);
        free(c.text);
    }
    /* the consumer stops: -1, no error of the source's */
    {
        source_tar_t t = {.path = whole};
        struct collect c = {.stop_after = 2};

        memset(&st, 0, sizeof st);
        assert_int_equal(source_tar_scan(&src, &t, NULL, on_entry, &c, &st), -1);
        assert_null(st.error);
        free(c.text);
    }
    free(cut);
    free(empty);
    free(missing);
    free(whole);
    free(src.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_entries_as_local),
        cmocka_unit_test(test_hostile_members),
        cmocka_unit_test(test_failures),
    };

    if (getenv("COLDPACK_TEST_VERBOSE"))
        log_set_level(LOG_DEBUG);
    return cmocka_run_group_tests(tests, setup, teardown);
}
