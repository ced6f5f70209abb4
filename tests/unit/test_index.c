/*
 * test_index.c — names in an index are bytes: index_name_set keeps a plain
 * name as is and any other (not UTF-8, control bytes) as a U+FFFD display
 * form plus "<field>_b64"; index_name_get gives the raw bytes back and
 * refuses bad base64 or a NUL; index_file_list / index_file_list_each round
 * trip what a volume read, raw path bytes included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "index.h"

static void test_name_set_get(void **state)
{
    static const char *names[] = {"plain/path.log", "caf\xc3\xa9",       "bad\xff\xfe",
                                  "nl\nesc\x1b",    "\xc0\xaf overlong", "\xed\xa0\x80 surrogate"};
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *o = json_object();
        char *back, *dump;
        assert_int_equal(index_name_set(o, "path", names[i]), 0);
        /* jansson takes it: the whole index can be written */
        dump = json_dumps(o, JSON_COMPACT);
        assert_non_null(dump);
        free(dump);
        assert_int_equal(json_object_get(o, "path_b64") != NULL, i >= 2);
        back = index_name_get(o, "path");
        assert_non_null(back);
        assert_string_equal(back, names[i]);
        free(back);
        json_decref(o);
    }
    json_t *o = json_pack("{s:s, s:s}", "path", "x", "path_b64", "YQBi"); /* "a\0b" */
    assert_null(index_name_get(o, "path"));
    json_object_set_new(o, "path_b64", json_string("!!!"));
    assert_null(index_name_get(o, "path"));
    json_object_del(o, "path_b64");
    char *plain = index_name_get(o, "path");
    assert_string_equal(plain, "x");
    free(plain);
    json_decref(o);
}

struct seen {
    int n;
    char paths[4][32];
    int64_t sizes[4], mtimes[4];
};

static int each(void *ctx, const char *path, int64_t size, int64_t mtime)
{
    struct seen *s = ctx;

    snprintf(s->paths[s->n], sizeof s->paths[0], "%s", path);
    s->sizes[s->n] = size;
    s->mtimes[s->n] = mtime;
    s->n++;
    return 0;
}

static void test_file_list(void **state)
{
    json_t *idx = json_pack("{s:[]}", "files"), *files = json_object_get(idx, "files");
    static const char *paths[] = {"a/b.log", "bad\xff", "d"};
    static const char *types[] = {"file", "file", "dir"};
    struct seen s = {0};
    char *list;

    (void)state;
    for (int i = 0; i < 3; i++) {
        json_t *f = json_pack("{s:s, s:I, s:I}", "type", types[i], "size", (json_int_t)(10 + i),
                              "mtime", (json_int_t)(1000 + i));
        assert_int_equal(index_name_set(f, "path", paths[i]), 0);
        json_array_append_new(files, f);
    }
    list = index_file_list(idx);
    assert_non_null(list);
    assert_int_equal(index_file_list_each(list, each, &s), 0);
    assert_int_equal(s.n, 2); /* regular files only */
    assert_string_equal(s.paths[0], "a/b.log");
    assert_string_equal(s.paths[1], "bad\xff");
    assert_int_equal(s.sizes[1], 11);
    assert_int_equal(s.mtimes[1], 1001);
    free(list);
    json_decref(idx);
    s.n = 0;
    assert_int_equal(index_file_list_each("1 2 6\n", each, &s), -1);    /* odd hex */
    assert_int_equal(index_file_list_each("1 2 0061\n", each, &s), -1); /* a NUL */
    assert_int_equal(index_file_list_each("1 2 61", each, &s), -1);     /* no newline */
    assert_int_equal(index_file_list_each("", each, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_set_get),
        cmocka_unit_test(test_file_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
