/*
 * source_local.c — a day directory on this machine, walked in sorted order.
 *
 * Directories are read whole and sorted bytewise (so the same files always
 * give the same archives), then entered depth first; only one directory
 * listing per level is held in memory. Files are opened O_NOATIME where
 * allowed and read through a small reader that counts bytes, so the packer
 * can tell a file that grew or shrank while it was read. Entries we cannot
 * back up (unreadable, sockets, devices, files outside any tenant) are named
 * in a warning and counted; they never stop the scan.
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

struct walk {
    const config_source_t *src;
    const char *const *skip;
    const char *root;
    source_entry_fn fn;
    void *ctx;
    source_stats_t *st;
    int stopped;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int emit(struct walk *w, const char *rel, const char *abs, const struct stat *st)
{
    char tenant[256], inpath[PATH_MAX];
    source_entry_t e;
    char link[PATH_MAX];
    int rc;

    if (source_split_tenant(w->src, rel, tenant, sizeof tenant, inpath, sizeof inpath) < 0 ||
        (!S_ISDIR(st->st_mode) && !inpath[0])) {
        if (S_ISDIR(st->st_mode))
            return 0; /* a directory above the tenant level */
        log_warn("source %s: %s is not inside a tenant directory (tenant = dir:%d): not backed "
                 "up",
                 w->src->name, abs, w->src->tenant_dir);
        w->st->warnings++;
        return 0;
    }
    memset(&e, 0, sizeof e);
    e.tenant = tenant;
    e.path = inpath;
    e.mtime = st->st_mtime;
    e.mode = st->st_mode & 07777;
    if (S_ISDIR(st->st_mode)) {
        e.type = SOURCE_DIR;
        return w->fn(w->ctx, &e, NULL, NULL);
    }
    if (S_ISLNK(st->st_mode)) {
        ssize_t n = readlink(abs, link, sizeof link - 1);
        if (n < 0) {
            log_warn("source %s: cannot read link %s: %s: not backed up", w->src->name, abs,
                     strerror(errno));
            w->st->warnings++;
            return 0;
        }
        link[n] = 0;
        e.type = SOURCE_SYMLINK;
        e.linkname = link;
        return w->fn(w->ctx, &e, NULL, NULL);
    }
    if (!S_ISREG(st->st_mode)) {
        log_warn("source %s: %s is not a regular file, directory or symlink: not backed up",
                 w->src->name, abs);
        w->st->warnings++;
        return 0;
    }
    struct local_reader r = {-1, abs, &w->st->bytes_read};
    r.fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (r.fd < 0 && errno == EPERM)
        r.fd = open(abs, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) {
        log_warn("source %s: cannot open %s: %s: not backed up", w->src->name, abs,
                 strerror(errno));
        w->st->warnings++;
        return 0;
    }
    posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    e.type = SOURCE_FILE;
    e.size = st->st_size;
    rc = w->fn(w->ctx, &e, local_read, &r);
    close(r.fd);
    return rc;
}

static int walk_dir(struct walk *w, const char *rel)
{
    char *abs = rel[0] ? util_asprintf("%s/%s", w->root, rel) : strdup(w->root);
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = NULL;
    struct dirent *de;
    int rc = 0;

    if (!abs)
        return -1;
    d = opendir(abs);
    if (!d) {
        log_warn("source %s: cannot read directory %s: %s: not backed up", w->src->name, abs,
                 strerror(errno));
        w->st->warnings++;
        goto out;
    }
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (ARRAY_GROW(names, n + 1, cap) < 0 || !(names[n] = strdup(de->d_name))) {
            rc = -1;
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *crel = rel[0] ? util_asprintf("%s/%s", rel, names[i]) : strdup(names[i]);
        char *cabs = util_asprintf("%s/%s", abs, names[i]);
        struct stat st;
        if (!crel || !cabs) {
            rc = -1;
        } else if (!rel[0] && w->src->tenant_rule == TENANT_DIR && w->src->tenant_dir == 1 &&
                   source_skipped(w->skip, names[i])) {
            /* a tenant already backed up: not even walked */
        } else if (lstat(cabs, &st) < 0) {
            log_warn("source %s: cannot stat %s: %s: not backed up", w->src->name, cabs,
                     strerror(errno));
            w->st->warnings++;
        } else {
            rc = emit(w, crel, cabs, &st);
            if (rc == 0 && S_ISDIR(st.st_mode))
                rc = walk_dir(w, crel);
        }
        free(crel);
        free(cabs);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
    free(abs);
    return rc;
}

int source_local_scan(const config_source_t *src, const char *date, const char *const *skip,
                      source_entry_fn fn, void *ctx, source_stats_t *st)
{
    struct walk w = {src, skip, NULL, fn, ctx, st, 0};
    struct stat sb;
    char *root = source_day_dir(src, date);
    int rc;

    if (!root) {
        source_fail(st, "source %s: out of memory", src->name);
        return -1;
    }
    if (stat(root, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        source_fail(st, "source %s: day directory %s: %s", src->name, root,
                    errno ? strerror(errno) : "not a directory");
        free(root);
        return -1;
    }
    w.root = root;
    rc = walk_dir(&w, "");
    free(root);
    return rc;
}

static int64_t total_of(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int64_t sum = 0;

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        struct stat st;
        char *p;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        p = util_asprintf("%s/%s", dir, de->d_name);
        if (p && lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                sum += total_of(p);
            else if (S_ISREG(st.st_mode))
                sum += st.st_size;
        }
        free(p);
    }
    closedir(d);
    return sum;
}

int64_t source_local_total(const config_source_t *src, const char *date)
{
    char *root;
    int64_t sum;

    if (src->host || config_path_has_tenant(src->path))
        return -1; /* unknown: remote, or one directory per tenant (source.c) */
    root = source_day_dir(src, date);
    if (!root)
        return -1;
    sum = total_of(root);
    free(root);
    return sum;
}
