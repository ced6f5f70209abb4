/*
 * source_local.c — a day directory on this machine, walked in sorted order.
 *
 * Directories are read whole and sorted bytewise (so the same files always
 * give the same archives), then entered depth first; only one directory
 * listing per level is held in memory.
 *
 * Open, never re-resolve. Whoever writes the source tree may rename, swap
 * (renameat2 RENAME_EXCHANGE) or replace anything in it while we walk, so no
 * path is ever resolved twice: the day directory is opened once (its
 * configured path is trusted and may contain symlinks), and every directory
 * and file below it is opened by its single name relative to the already
 * open directory that listed it — openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) where the kernel has it, else openat(O_NOFOLLOW) —
 * with O_NONBLOCK (opening a FIFO or device never waits) and O_CLOEXEC.
 * What was opened is fstat'ed and must be what the listing's fstatat saw:
 * same type, st_dev and st_ino; otherwise it is named in a warning and not
 * backed up. A regular file's bytes are read from that descriptor (O_NOATIME
 * where allowed, O_NONBLOCK cleared), symlinks are stored as symlinks (their
 * target read through an O_PATH descriptor of the link itself), and FIFOs,
 * sockets and devices are never opened at all. So a symlink swapped in
 * mid-walk can make us skip an entry, never read outside the day directory.
 *
 * Entries we cannot back up (unreadable, replaced, FIFOs, sockets, devices,
 * files outside any tenant) are named in a warning and counted; they never
 * stop the scan. Files are read through a small reader that counts bytes, so
 * the packer can tell a file that grew or shrank while it was read.
 */
#include "source.h"

#include "array.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(SYS_openat2)
#include <linux/openat2.h>
#endif

struct local_reader {
    int fd;
    const char *path;
    int64_t *bytes; /* the scan's bytes_read */
};

static ssize_t local_read(void *rctx, void *buf, size_t len)
{
    struct local_reader *r = rctx;

    for (;;) {
        ssize_t n = read(r->fd, buf, len);
        if (n > 0)
            *r->bytes += n;
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            log_error("reading %s: %s", r->path, strerror(errno));
            return -1;
        }
    }
}

#if defined(SYS_openat2)
static atomic_int no_openat2; /* set once the kernel answered ENOSYS */
#endif

/* Open the single name `name` (no '/') relative to the open directory dfd,
 * never through a symlink and never outside dfd. flags get O_NOFOLLOW added.
 * Returns the descriptor or -1 (errno). Thread-safe. */
static int open_beneath(int dfd, const char *name, int flags)
{
#if defined(SYS_openat2)
    if (!atomic_load(&no_openat2)) {
        struct open_how how = {.flags = (unsigned long long)(flags | O_NOFOLLOW),
                               .resolve =
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        long fd = syscall(SYS_openat2, dfd, name, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno == ENOSYS)
            atomic_store(&no_openat2, 1);
        else if (errno != EPERM) /* EPERM: perhaps a seccomp filter; openat decides */
            return -1;
    }
#endif
    return openat(dfd, name, flags | O_NOFOLLOW);
}

static const char *type_name(mode_t m)
{
    return S_ISREG(m)    ? "a regular file"
           : S_ISDIR(m)  ? "a directory"
           : S_ISLNK(m)  ? "a symlink"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "of unknown type";
}

struct walk {
    const config_source_t *src;
    const char *const *skip;
    source_entry_fn fn;
    void *ctx;
    source_stats_t *st;
};

/* An entry not backed up: one warning naming it, counted. Returns 0. */
static int skip_entry(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip_entry(struct walk *w, const char *fmt, ...)
{
    char line[PATH_MAX + 256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_warn("source %s: %s: not backed up", w->src->name, line);
    w->st->warnings++;
    return 0;
}

/* fd must be what the listing saw: same type, device and inode. */
static int check_same(struct walk *w, int fd, const struct stat *seen, struct stat *now,
                      const char *abs)
{
    if (fstat(fd, now) < 0) {
        skip_entry(w, "cannot stat %s: %s", abs, strerror(errno));
        return -1;
    }
    if ((now->st_mode & S_IFMT) != (seen->st_mode & S_IFMT) || now->st_dev != seen->st_dev ||
        now->st_ino != seen->st_ino) {
        skip_entry(w, "%s was replaced while walked (%s when listed, now %s%s)", abs,
                   type_name(seen->st_mode), type_name(now->st_mode),
                   (now->st_mode & S_IFMT) == (seen->st_mode & S_IFMT) ? ", another inode" : "");
        return -1;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, int fd, const char *rel, const char *abs);

/* Open (or, for symlinks, read) one listed name of the open directory dfd,
 * check it is what fstatat saw, and hand it on. Returns 0 or -1 (stop). */
static int visit(struct walk *w, int dfd, const char *name, const char *rel, const char *abs)
{
    char tenant[256], inpath[PATH_MAX], link[PATH_MAX];
    struct stat seen, st;
    source_entry_t e;
    int fd = -1, rc = 0, in_tenant;

    if (fstatat(dfd, name, &seen, AT_SYMLINK_NOFOLLOW) < 0)
        return skip_entry(w, "cannot stat %s: %s", abs, strerror(errno));
    in_tenant =
        source_split_tenant(w->src, rel, tenant, sizeof tenant, inpath, sizeof inpath) == 0 &&
        (S_ISDIR(seen.st_mode) || inpath[0]);
    if (!in_tenant && !S_ISDIR(seen.st_mode))
        return skip_entry(w, "%s is not inside a tenant directory (tenant = dir:%d)", abs,
                          w->src->tenant_dir);
    memset(&e, 0, sizeof e);
    e.tenant = tenant;
    e.path = inpath;
    if (S_ISDIR(seen.st_mode)) {
        fd = open_beneath(dfd, name, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return skip_entry(w, "cannot open directory %s: %s", abs, strerror(errno));
        if (check_same(w, fd, &seen, &st, abs) < 0) {
            close(fd);
            return 0;
        }
        if (in_tenant) { /* else a directory above the tenant level */
            e.type = SOURCE_DIR;
            e.mtime = st.st_mtime;
            e.mode = st.st_mode & 07777;
            rc = w->fn(w->ctx, &e, NULL, NULL);
        }
        if (rc != 0) {
            close(fd);
            return rc;
        }
        return walk_dir(w, fd, rel, abs); /* takes fd */
    }
    if (S_ISLNK(seen.st_mode)) {
        ssize_t n;
        fd = open_beneath(dfd, name, O_PATH | O_CLOEXEC);
        if (fd < 0)
            return skip_entry(w, "cannot open link %s: %s", abs, strerror(errno));
        if (check_same(w, fd, &seen, &st, abs) < 0) {
            close(fd);
            return 0;
        }
        n = readlinkat(fd, "", link, sizeof link - 1);
        close(fd);
        if (n < 0)
            return skip_entry(w, "cannot read link %s: %s", abs, strerror(errno));
        link[n] = 0;
        e.type = SOURCE_SYMLINK;
        e.linkname = link;
        e.mtime = st.st_mtime;
        e.mode = st.st_mode & 07777;
        return w->fn(w->ctx, &e, NULL, NULL);
    }
    if (!S_ISREG(seen.st_mode)) /* never opened: a FIFO or device could block or act */
        return skip_entry(w, "%s is not a regular file, directory or symlink (%s)", abs,
                          type_name(seen.st_mode));
    fd = open_beneath(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open_beneath(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return skip_entry(w, "cannot open %s: %s", abs, strerror(errno));
    if (check_same(w, fd, &seen, &st, abs) < 0) {
        close(fd);
        return 0;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        close(fd);
        return skip_entry(w, "cannot read %s: %s", abs, strerror(errno));
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct local_reader r = {fd, abs, &w->st->bytes_read};
    e.type = SOURCE_FILE;
    e.size = st.st_size;
    e.mtime = st.st_mtime;
    e.mode = st.st_mode & 07777;
    rc = w->fn(w->ctx, &e, local_read, &r);
    close(fd);
    return rc;
}

/* Walk the open directory fd (taken: closed before return), whose path
 * relative to the day directory is rel ("" for the day directory) and whose
 * name in messages is abs. Returns 0 or -1 (out of memory or stopped). */
static int walk_dir(struct walk *w, int fd, const char *rel, const char *abs)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = fdopendir(fd);
    struct dirent *de;
    int rc = 0;

    if (!d) {
        skip_entry(w, "cannot read directory %s: %s", abs, strerror(errno));
        close(fd);
        return 0;
    }
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (ARRAY_GROW(names, n + 1, cap) < 0 || !(names[n] = strdup(de->d_name))) {
            rc = -1;
            goto out;
        }
        n++;
    }
    if (errno)
        skip_entry(w, "reading directory %s: %s (the rest of it)", abs, strerror(errno));
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *crel = rel[0] ? util_asprintf("%s/%s", rel, names[i]) : strdup(names[i]);
        char *cabs = util_asprintf("%s/%s", abs, names[i]);
        if (!crel || !cabs)
            rc = -1;
        else if (!rel[0] && w->src->tenant_rule == TENANT_DIR && w->src->tenant_dir == 1 &&
                 source_skipped(w->skip, names[i]))
            ; /* a tenant already backed up: not even walked */
        else
            rc = visit(w, dirfd(d), names[i], crel, cabs);
        free(crel);
        free(cabs);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* The day directory, opened once: its configured path is trusted (symlinks
 * in it are followed), nothing below it is. -1 with errno. */
static int open_day_dir(const char *root)
{
    return open(root, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
}

int source_local_scan(const config_source_t *src, const char *date, const char *const *skip,
                      source_entry_fn fn, void *ctx, source_stats_t *st)
{
    struct walk w = {src, skip, fn, ctx, st};
    char *root = source_day_dir(src, date);
    int fd, rc;

    if (!root) {
        source_fail(st, "source %s: out of memory", src->name);
        return -1;
    }
    fd = open_day_dir(root);
    if (fd < 0) {
        source_fail(st, "source %s: day directory %s: %s", src->name, root, strerror(errno));
        free(root);
        return -1;
    }
    rc = walk_dir(&w, fd, "", root);
    free(root);
    return rc;
}

/* Sum of the regular files' sizes under the open directory fd (taken). */
static int64_t total_of(int fd)
{
    DIR *d = fdopendir(fd);
    struct dirent *de;
    int64_t sum = 0;

    if (!d) {
        close(fd);
        return 0;
    }
    while ((de = readdir(d))) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            int sub =
                open_beneath(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
            if (sub >= 0)
                sum += total_of(sub);
        } else if (S_ISREG(st.st_mode)) {
            sum += st.st_size;
        }
    }
    closedir(d);
    return sum;
}

int64_t source_local_total(const config_source_t *src, const char *date)
{
    char *root;
    int fd;

    if (src->host || config_path_has_tenant(src->path))
        return -1; /* unknown: remote, or one directory per tenant (source.c) */
    root = source_day_dir(src, date);
    if (!root)
        return -1;
    fd = open_day_dir(root);
    free(root);
    return fd < 0 ? -1 : total_of(fd);
}
