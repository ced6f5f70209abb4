/*
 * source_tar.c — an existing tar archive read as a source's day directory,
 * for `coldpack import` (migrating per-machine archives made before coldpack).
 *
 * The file (or stdin for "-") is read through a libarchive read callback
 * that also hashes every byte and counts it, so the archive's SHA-256 and
 * size (its provenance, recorded in the manifest) come from the very bytes
 * that were unpacked, in one pass. libarchive detects the filter (gzip, zstd,
 * none) and the tar dialect (ustar, pax, GNU). After the end-of-archive
 * marker the rest of the file (record padding, a gzip trailer) is read too,
 * so the hash is that of the whole file, as `sha256sum` prints it.
 *
 * Members map like source_ssh.c's (both through source_from_archive in
 * source.c): a leading "./" is stripped and the path,
 * relative to the archive's root as if it were the day directory, goes
 * through source_split_tenant. A legacy archive is not ours, so it is hostile:
 * an absolute name or one with a ".." component is refused by name (escaped)
 * with a warning and never delivered, as the local walk could never produce
 * it; hard links (GNU tar's default for linked files) and special files are
 * skipped with a warning, since a source entry is a file, a directory or a
 * symlink. File data is handed out through a reader over archive_read_data;
 * data the callee does not read is skipped by libarchive.
 */
#include "source.h"

#include "config.h"
#include "log.h"
#include "pathsafe.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAR_BUF_SIZE (256 * 1024)

struct tar_scan {
    const config_source_t *src;
    source_tar_t *t;
    source_entry_fn fn;
    void *ctx;
    source_stats_t *st;
    struct archive *a;
    int fd;
    unsigned char *buf;
    util_sha256_t sha;
    int eof, io_error;
    char why[256]; /* the read error, for the failure message */
};

static la_ssize_t read_cb(struct archive *a, void *ud, const void **buffer)
{
    struct tar_scan *s = ud;

    *buffer = s->buf;
    for (;;) {
        ssize_t n;

        if (s->eof)
            return 0;
        n = read(s->fd, s->buf, TAR_BUF_SIZE);
        if (n > 0) {
            util_sha256_update(&s->sha, s->buf, (size_t)n);
            s->t->bytes += n;
            if (s->t->read)
                atomic_fetch_add(s->t->read, n);
            return n;
        }
        if (n == 0) {
            s->eof = 1;
            return 0;
        }
        if (errno != EINTR) {
            snprintf(s->why, sizeof s->why, "%s", strerror(errno));
            s->io_error = 1;
            archive_set_error(a, errno, "reading %s: %s", s->t->path, strerror(errno));
            return -1;
        }
    }
}

static ssize_t tar_read(void *rctx, void *buf, size_t len)
{
    struct tar_scan *s = rctx;
    la_ssize_t n = archive_read_data(s->a, buf, len);

    if (n < 0)
        return -1; /* the scan fails below with libarchive's reason */
    s->st->bytes_read += n;
    return (ssize_t)n;
}

static void warn_member(struct tar_scan *s, const char *raw, const char *what)
{
    char *esc = pathsafe_escape(raw);

    log_warn("source %s: archive %s: member '%s' %s", s->src->name, s->t->path,
             esc ? esc : "(out of memory)", what);
    free(esc);
    s->st->warnings++;
}

/* Deliver one header. Returns 0 to go on, -1 when the callee stopped. */
static int deliver(struct tar_scan *s, struct archive_entry *ae)
{
    char rel[PATH_MAX], tenant[256], inpath[PATH_MAX];
    const char *raw = archive_entry_pathname(ae);
    source_entry_t e;

    switch (source_from_archive(s->src, ae, &e, rel, sizeof rel, tenant, sizeof tenant, inpath,
                                sizeof inpath)) {
    case SOURCE_AE_DELIVER:
        return s->fn(s->ctx, &e, e.type == SOURCE_FILE ? tar_read : NULL,
                     e.type == SOURCE_FILE ? s : NULL);
    case SOURCE_AE_QUIET:
        return 0;
    case SOURCE_AE_NONAME:
        warn_member(s, "(no name)", "has no readable name: skipped");
        return 0;
    case SOURCE_AE_BADNAME:
        warn_member(s, raw, "refused (absolute, '..' or too long): not imported");
        return 0;
    case SOURCE_AE_NOTENANT:
        warn_member(s, raw, "is not inside a tenant directory: not imported");
        return 0;
    case SOURCE_AE_HARDLINK:
        warn_member(s, raw,
                    "is a hard link: not imported (make the archive with --hard-dereference)");
        return 0;
    case SOURCE_AE_NOLINK:
        warn_member(s, raw, "is a link whose target cannot be read: not imported");
        return 0;
    case SOURCE_AE_SPECIAL:
        warn_member(s, raw, "is not a regular file, directory or symlink: not imported");
        return 0;
    }
    return 0;
}

int source_tar_scan(const config_source_t *src, source_tar_t *t, const char *const *skip,
                    source_entry_fn fn, void *ctx, source_stats_t *st)
{
    struct tar_scan s;
    struct archive_entry *ae;
    int rc = -1, r, headers = 0, stdin_ = !strcmp(t->path, "-");

    (void)skip; /* a stream cannot be skipped: the callee ignores complete tenants */
    memset(&s, 0, sizeof s);
    s.src = src;
    s.t = t;
    s.fn = fn;
    s.ctx = ctx;
    s.st = st;
    s.fd = -1;
    t->sha256[0] = 0;
    t->bytes = 0;
    t->complete = 0;
    if (util_sha256_init(&s.sha) < 0 || !(s.buf = malloc(TAR_BUF_SIZE))) {
        source_fail(st, "source %s: out of memory", src->name);
        goto out;
    }
    s.fd = stdin_ ? STDIN_FILENO : open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (s.fd < 0) {
        source_fail(st, "source %s: archive %s: %s", src->name, t->path, strerror(errno));
        goto out;
    }
    if (!(s.a = archive_read_new()) || archive_read_support_filter_all(s.a) != ARCHIVE_OK ||
        archive_read_support_format_tar(s.a) != ARCHIVE_OK ||
        archive_read_open(s.a, &s, NULL, read_cb, NULL) != ARCHIVE_OK) {
        source_fail(st, "source %s: archive %s: %s", src->name, t->path,
                    s.a && archive_error_string(s.a) ? archive_error_string(s.a)
                                                     : "cannot be opened as a tar archive");
        goto out;
    }
    for (;;) {
        r = archive_read_next_header(s.a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY)
            continue;
        if (r < ARCHIVE_WARN) {
            source_fail(st, "source %s: archive %s: %s", src->name, t->path,
                        s.io_error                  ? s.why
                        : archive_error_string(s.a) ? archive_error_string(s.a)
                                                    : "not a tar archive");
            goto out;
        }
        if (r == ARCHIVE_WARN)
            log_debug("source %s: archive %s: %s", src->name, t->path, archive_error_string(s.a));
        headers++;
        if (deliver(&s, ae) < 0) {
            /* stopped by the callee, or the data of a file could not be read */
            const char *m = archive_errno(s.a) ? archive_error_string(s.a) : NULL;
            if (m || s.io_error)
                source_fail(st, "source %s: archive %s: %s", src->name, t->path,
                            s.io_error ? s.why : m);
            goto out;
        }
    }
    if (!headers) { /* libarchive reads an empty input as an empty archive */
        source_fail(st, "source %s: archive %s holds no member (empty, or not a tar archive)",
                    src->name, t->path);
        goto out;
    }
    /* Hash the rest of the file: the tar's record padding, a compressor's
     * trailer, anything after them. */
    while (!s.eof) {
        ssize_t n = read(s.fd, s.buf, TAR_BUF_SIZE);
        if (n > 0) {
            util_sha256_update(&s.sha, s.buf, (size_t)n);
            t->bytes += n;
            if (t->read)
                atomic_fetch_add(t->read, n);
        } else if (n == 0) {
            s.eof = 1;
        } else if (errno != EINTR) {
            source_fail(st, "source %s: archive %s: %s", src->name, t->path, strerror(errno));
            goto out;
        }
    }
    util_sha256_final(&s.sha, t->sha256);
    t->complete = 1;
    rc = 0;
out:
    if (s.a)
        archive_read_free(s.a);
    if (s.fd >= 0 && !stdin_)
        close(s.fd);
    util_sha256_free(&s.sha);
    free(s.buf);
    return rc;
}
