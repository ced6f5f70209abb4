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

void tu_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

char *tu_sample_day(const char *data, int hardlink)
{
    size_t n = strlen(data) + 16;
    char *p = malloc(n);

    assert_non_null(p);
    tu_sh("mkdir -p '%s/2026-11-23/acme/fw' '%s/2026-11-23/globex/app/sub' "
          "'%s/2026-11-23/empty-tenant'",
          data, data, data);
    snprintf(p, n, "%s/2026-11-23", data);
    tu_sh("cd '%s' && head -c 3000000 /dev/urandom > acme/fw/big.log && "
          "printf 'line one\\n' > 'acme/fw/with space.log' && : > acme/fw/empty.log && "
          "printf 'utf8\\n' > 'globex/app/caf\xc3\xa9-\xe6\x97\xa5\xe5\xbf\x97.log' && "
          "printf 'deep\\n' > globex/app/sub/%s.log && ln -s ../fw/big.log acme/link.log && "
          "%s"
          "chmod 0640 'acme/fw/with space.log' && printf 'stray\\n' > stray.log && "
          "touch -d '2026-11-23 10:00:00' acme/fw/empty.log",
          p,
          "a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i"
          "123456789j123456789k123456789",
          hardlink ? "ln acme/fw/big.log acme/hard.log && " : "");
    return p;
}
