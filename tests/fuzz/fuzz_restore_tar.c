/*
 * fuzz_restore_tar.c — libFuzzer target for restore's extractor fed whole
 * hostile archives: the input is a volume object served by an in-memory
 * store to restore_volume (restore.h) with no index, so it takes the
 * sequential path: spool + SHA-256 check (the expected SHA-256 and size are
 * the input's, so it passes) -> libarchive (tar, gzip, zstd: what restore
 * reads) -> per entry pathsafe_refusal and pathsafe_walk_ok -> written by
 * archive_write_disk under a destination directory; then restore_finish.
 *
 * Layout, made once per process under /dev/shm (else /tmp):
 *   BASE/spool, BASE/a/b/c/d/victim (a sentinel), BASE/a/b/c/d/dest
 * After each input every path under BASE is checked (lstat, links not
 * followed): nothing may exist but the a/b/c/d chain, the unchanged victim,
 * the spool and whatever is under dest. dest is then removed. A failure is a
 * memory error, a leak, UB, or anything written outside dest.
 * Seeds: tests/fuzz/corpus/restore_tar/ (made by mkseeds_restore_tar.py).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "memstore.h"
#include "restore.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VICTIM "do not touch\n"

static char base[64], victim[128];
static int basefd = -1; /* the staging directory: restore makes BASE/spool in it */
static const char dest[] = "a/b/c/d/dest"; /* relative to basefd */

static const struct store_ops mem_ops = {.get = memstore_get};

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_restore_tar: %s: %s\n", what, path);
    abort();
}

/* Remove name under dirfd, whatever its modes (extracted dirs may be 0000). */
static void rm_tree(int at, const char *name)
{
    struct stat st;
    int fd;
    DIR *d;
    struct dirent *e;

    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(at, name, 0);
        return;
    }
    fchmodat(at, name, 0700, 0);
    fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                rm_tree(dirfd(d), e->d_name);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    if (unlinkat(at, name, AT_REMOVEDIR) < 0)
        die("cannot remove", name);
}

/* Everything in dir (rel is its path under BASE) must be expected. */
static void check_dir(const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    static const char *const chain[] = {"a", "a/b", "a/b/c", "a/b/c/d"};

    if (!d)
        die("cannot open", dir);
    while ((e = readdir(d)) != NULL) {
        char path[512], r[512];
        struct stat st;
        int known = 0;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (lstat(path, &st) < 0)
            die("cannot lstat", path);
        if (!strcmp(r, "spool") || !strcmp(r, "a/b/c/d/dest"))
            continue;
        if (!strcmp(r, "a/b/c/d/victim") && S_ISREG(st.st_mode) &&
            st.st_size == (off_t)strlen(VICTIM) && st.st_nlink == 1)
            continue;
        for (size_t i = 0; i < sizeof chain / sizeof *chain; i++)
            known |= !strcmp(r, chain[i]) && S_ISDIR(st.st_mode);
        if (!known)
            die("written outside the restore target", path);
        check_dir(path, r);
    }
    closedir(d);
}

static void cleanup(void)
{
    rm_tree(AT_FDCWD, base);
}

static void setup(void)
{
    const char *roots[] = {"/dev/shm", "/tmp"};
    char p[128];
    FILE *f;

    for (size_t i = 0; i < 2 && !base[0]; i++) {
        snprintf(base, sizeof base, "%s/coldpack-fuzz-tar.XXXXXX", roots[i]);
        if (!mkdtemp(base))
            base[0] = 0;
    }
    if (!base[0])
        die("cannot create a temp dir", "");
    atexit(cleanup);
    snprintf(p, sizeof p, "%s/a/b/c/d", base);
    if (util_mkdirs(p, 0700) < 0)
        die("cannot create", p);
    snprintf(victim, sizeof victim, "%s/victim", p);
    if ((basefd = open(base, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) < 0)
        die("cannot open", base);
    if (!(f = fopen(victim, "w")) || fputs(VICTIM, f) < 0 || fclose(f) != 0)
        die("cannot create", victim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memstore m;
    restore_params_t rp = {0};
    restore_volume_t v = {0};
    restore_stats_t st;
    restore_t *r;
    char sha[65], buf[64];
    FILE *f;
    size_t n;

    if (!base[0])
        setup();
    log_set_level(LOG_ERROR);
    memstore_init(&m, &mem_ops, data, size);
    util_sha256_buf(data, size, sha);
    rp.store = &m.base;
    rp.stagefd = basefd;
    v.key = "tenant=t/date=2026-11-23/source=s/vol-0001.tar.gz";
    v.sha256 = sha;
    v.size = (int64_t)size;
    v.dest = dest;
    r = restore_new(&rp);
    if (!r)
        return 0;
    (void)restore_volume(r, &v, &st);
    restore_finish(r, &st);
    restore_free(r);

    check_dir(base, "");
    if (!(f = fopen(victim, "r")))
        die("victim gone", victim);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n != strlen(VICTIM) || memcmp(buf, VICTIM, n))
        die("victim changed", victim);
    rm_tree(basefd, dest);
    return 0;
}
