/*
 * test_pathsafe.c — the pathsafe contract (pathsafe.h): hostile entry
 * names (absolute, "..", symlinks leaving the target, "." tricks, hardlinks
 * out, special files) are refused; ordinary names, including odd but
 * harmless ones, are accepted; pathsafe_walk_ok refuses a path through a
 * symlink or a file on disk and accepts real or not-yet-existing parents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathsafe.h"
#include "util.h"

static void test_entry_paths(void **state)
{
    static const char *const bad[] = {
        "",
        "/etc/passwd",
        "//x",
        "..",
        "../x",
        "a/..",
        "a/../b",
        "a/b/../../..",
        "./..",
        "a//..//b",
        "../../../../tmp/outside/dotdot",
    };
    static const char *const good[] = {
        "a",
        "a/b/c.log",
        "./a",
        "a/./b",
        "a//b",
        "a/",
        ".",
        "...",
        "..a",
        "a..",
        "a/..b/c",
        "name with spaces",
        "\xc3\xa9t\xc3\xa9.log",
        ".hidden/..../x",
    };

    (void)state;
    assert_false(pathsafe_entry_ok(NULL));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (pathsafe_entry_ok(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!pathsafe_entry_ok(good[i]))
            fail_msg("refused \"%s\"", good[i]);
}

static void test_symlinks(void **state)
{
    static const char *const bad[][2] = {
        {"evil", "/etc"},     {"evil", ""},    {"evil", "../x"},         {"a/evil", "../../x"},
        {"a/./c", "../../x"}, {"./x", "../y"}, {"a//b/c", "../../../x"}, {"a/b", "c/../../.."},
        {"x", ".."},          {"a/../b", "c"}, /* the entry itself leaves */
    };
    static const char *const good[][2] = {
        {"inside-link", "ok.log"},
        {"a/b", "../c"},
        {"a/b/c", "../../d"},
        {"x", "."},
        {"a/x", ".."},
        {"a/x", "./y/../z"},
        {"a/x", "b/../../c"},
        {"dirlink", "good"},
        {"a/b/x", "../../a/./b"},
    };

    (void)state;
    assert_false(pathsafe_symlink_ok("x", NULL));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (pathsafe_entry_ok(bad[i][0]) && pathsafe_symlink_ok(bad[i][0], bad[i][1]))
            fail_msg("accepted \"%s\" -> \"%s\"", bad[i][0], bad[i][1]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (!pathsafe_refusal(bad[i][0], S_IFLNK, bad[i][1], NULL))
            fail_msg("entry \"%s\" -> \"%s\" not refused", bad[i][0], bad[i][1]);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (pathsafe_refusal(good[i][0], S_IFLNK, good[i][1], NULL))
            fail_msg("entry \"%s\" -> \"%s\" refused", good[i][0], good[i][1]);
}

static void test_refusal(void **state)
{
    (void)state;
    assert_null(pathsafe_refusal("good/ok.log", S_IFREG, NULL, NULL));
    assert_null(pathsafe_refusal("good", S_IFDIR, NULL, NULL));
    assert_null(pathsafe_refusal("hard", S_IFREG, NULL, "good/ok.log"));
    assert_non_null(pathsafe_refusal("/abs", S_IFREG, NULL, NULL));
    assert_non_null(pathsafe_refusal("good/../../escape", S_IFDIR, NULL, NULL));
    assert_non_null(pathsafe_refusal("hard", S_IFREG, NULL, "/etc/passwd"));
    assert_non_null(pathsafe_refusal("hard2", S_IFREG, NULL, "../../outside/victim"));
    assert_non_null(pathsafe_refusal("hard3", S_IFREG, NULL, ""));
    assert_non_null(pathsafe_refusal("dev", S_IFCHR, NULL, NULL));
    assert_non_null(pathsafe_refusal("dev", S_IFBLK, NULL, NULL));
    assert_non_null(pathsafe_refusal("fifo", S_IFIFO, NULL, NULL));
    assert_non_null(pathsafe_refusal("sock", S_IFSOCK, NULL, NULL));
    /* the reason names the check that failed */
    assert_non_null(strstr(pathsafe_refusal("l", S_IFLNK, "/", NULL), "symlink"));
    assert_non_null(strstr(pathsafe_refusal("h", S_IFREG, NULL, "/x"), "hardlink"));
}

static void test_walk(void **state)
{
    char root[] = "/tmp/test_pathsafe.XXXXXX", *p;

    (void)state;
    assert_non_null(mkdtemp(root));
#define AT(rel) (free(p), p = util_asprintf("%s/%s", root, rel))
    p = NULL;
    assert_int_equal(mkdir(AT("d"), 0755), 0);
    assert_int_equal(mkdir(AT("d/e"), 0755), 0);
    assert_int_equal(symlink("d", AT("link")), 0);
    assert_int_equal(symlink("/tmp", AT("d/abs")), 0);
    FILE *f = fopen(AT("file"), "w");
    assert_non_null(f);
    fclose(f);

    assert_true(pathsafe_walk_ok(root, "d/e/new.log"));
    assert_true(pathsafe_walk_ok(root, "d/./e//x"));
    assert_true(pathsafe_walk_ok(root, "new/dirs/below"));
    assert_true(pathsafe_walk_ok(root, "link")); /* the last component is the writer's */
    assert_false(pathsafe_walk_ok(root, "link/x"));
    assert_false(pathsafe_walk_ok(root, "d/abs/x"));
    assert_false(pathsafe_walk_ok(root, "./link/e/x"));
    assert_false(pathsafe_walk_ok(root, "file/x"));
    assert_false(pathsafe_walk_ok(root, "../x"));
    assert_false(pathsafe_walk_ok(root, "/etc/x"));
    assert_false(pathsafe_walk_ok(NULL, "x"));
    assert_false(pathsafe_walk_ok(AT("missing-root"), "x"));

    unlink(AT("file"));
    unlink(AT("link"));
    unlink(AT("d/abs"));
    rmdir(AT("d/e"));
    rmdir(AT("d"));
    free(p);
#undef AT
    assert_int_equal(rmdir(root), 0);
}

static void test_escape(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain/name.log", "plain/name.log"},
        {"\x1b]0;owned\x07\x1b[2Jevil", "\\x1b]0;owned\\x07\\x1b[2Jevil"},
        {"nl-\nname", "nl-\\x0aname"},
        {"back\\slash", "back\\x5cslash"},
        {"del\x7f \xe9\xff", "del\\x7f \\xe9\\xff"},
        {"", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *e = pathsafe_escape(cases[i].in);
        assert_non_null(e);
        assert_string_equal(e, cases[i].out);
        free(e);
    }
    char *e = pathsafe_escape(NULL);
    assert_string_equal(e, "(null)");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_paths), cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_refusal),     cmocka_unit_test(test_walk),
        cmocka_unit_test(test_escape),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
