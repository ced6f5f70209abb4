/*
 * testutil.c — the unit tests' temp dirs and files (see testutil.h). The
 * recursive removal walks with nftw(FTW_DEPTH | FTW_PHYS), so a symlink
 * planted by a test is removed, never followed.
 */
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"

char *tu_tmpdir(const char *tag)
{
    size_t n = strlen(tag) + 32;
    char *p = malloc(n);

    assert_non_null(p);
    snprintf(p, n, "/tmp/%s.XXXXXX", tag);
    if (!mkdtemp(p))
        fail_msg("mkdtemp %s: %s", p, strerror(errno));
    return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int tu_rmtree(const char *path)
{
    if (!path)
        return 0;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -1 : 0;
}

void tu_rmtree_free(char *path)
{
    if (path && tu_rmtree(path) < 0)
        fprintf(stderr, "cannot remove %s\n", path);
    free(path);
}

void tu_write_file(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "w");

    if (!f)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    if (fclose(f) != 0)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    chmod(path, (mode_t)mode);
}

char *tu_read_file(const char *path, size_t *len)
{
    strbuf_t sb = STRBUF_INIT(0);
    FILE *f = fopen(path, "rb");
    char buf[4096];
    size_t n;

    if (!f)
        return NULL;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(strbuf_add(&sb, buf, n), 0);
    fclose(f);
    return strbuf_detach(&sb, len);
}
