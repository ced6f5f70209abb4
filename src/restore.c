/*
 * restore.c — the restore pipeline for one volume (contract in restore.h),
 * the reading mirror of pack.c:
 *
 *   fetch:   store_get streams the object into a spool file while SHA-256
 *            and size are computed; a mismatch stops here, and the block
 *            table is replayed block by block to name the first damaged one.
 *   decode:  with a block table that tiles the object, blocks are
 *            decompressed on the pool, a window of 2 × threads + 2 ahead of
 *            the reader, and handed to libarchive in order through its read
 *            callback (like pack.c's in-order drain, reversed). Without one,
 *            libarchive's single-threaded gzip/zstd filters read the spool.
 *   extract: each entry passes pathsafe_refusal (names) and
 *            pathsafe_walk_ok (nothing written through a symlink on disk);
 *            libarchive's SECURE_SYMLINKS | SECURE_NODOTDOT stay on as a
 *            second line. Refused entries are named on stdout and skipped.
 *
 * Directory mtimes are collected and applied by restore_finish, after every
 * volume: a later volume adding files to a directory would otherwise leave
 * it with today's time.
 */
#include "restore.h"

#include "array.h"
#include "codec.h"
#include "log.h"
#include "pathsafe.h"
#include "strbuf.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BLOCK_TAR (256 << 20) /* a block table row decompressing to more is refused */

struct dirtime {
    char *path;
    int64_t mtime;
};

struct restore {
    restore_params_t rp;
    char *spool, *glob;
    struct dirtime *dirs; /* in extraction order: parents before children */
    size_t ndirs, capdirs;
};

restore_t *restore_new(const restore_params_t *rp)
{
    restore_t *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->rp = *rp;
    r->spool = util_strdup(rp->spool);
    r->glob = util_strdup(rp->glob);
    if (!r->spool || (rp->glob && !r->glob)) {
        restore_free(r);
        return NULL;
    }
    r->rp.spool = r->spool;
    r->rp.glob = r->glob;
    return r;
}

void restore_free(restore_t *r)
{
    if (!r)
        return;
    if (r->spool)
        unlink(r->spool);
    for (size_t i = 0; i < r->ndirs; i++)
        free(r->dirs[i].path);
    free(r->dirs);
    free(r->spool);
    free(r->glob);
    free(r);
}

int restore_index_matches(json_t *index, const char *glob)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(index, "files"), i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        if (path && util_glob_match(glob, path))
            return 1;
    }
    return 0;
}

restore_block_t *restore_block_table(json_t *index, int64_t objsize, size_t *n, int *kind)
{
    json_t *rows = index ? json_object_get(index, "blocks") : NULL;
    const char *comp = index ? json_string_value(json_object_get(index, "compression")) : NULL;
    restore_block_t *b;
    int64_t coff = 0;
    size_t i;
    json_t *row;

    *n = 0;
    *kind = codec_kind_from_name(comp);
    if (!json_array_size(rows) || !*kind)
        return NULL;
    b = calloc(json_array_size(rows), sizeof *b);
    if (!b)
        return NULL;
    json_array_foreach(rows, i, row)
    {
        b[i].tlen = json_integer_value(json_array_get(row, 1));
        b[i].coff = json_integer_value(json_array_get(row, 2));
        b[i].clen = json_integer_value(json_array_get(row, 3));
        if (b[i].coff != coff || b[i].clen <= 0 || b[i].clen > objsize - coff || b[i].tlen <= 0 ||
            b[i].tlen > MAX_BLOCK_TAR) {
            free(b);
            return NULL;
        }
        coff += b[i].clen;
    }
    if (coff != objsize) {
        free(b);
        return NULL;
    }
    *n = json_array_size(rows);
    return b;
}

/* ---- fetch + verify ---- */

struct dl {
    int fd;
    util_sha256_t h;
    int64_t n;
    const char *path;
};

static int dl_sink(void *ctx, const void *data, size_t len)
{
    struct dl *d = ctx;

    if (util_write_all(d->fd, data, len) < 0) {
        log_error("writing spool file %s: %s", d->path, strerror(errno));
        return -1;
    }
    util_sha256_update(&d->h, data, len);
    d->n += (int64_t)len;
    return 0;
}

/* Decompress one block from fd into a new buffer of b->tlen (+1) bytes:
 * returns the decompressed length (== b->tlen when the block is sound) or
 * -1; *out gets the buffer (caller frees, even on failure). */
static long decode_block(codec_t *c, int fd, const restore_block_t *b, unsigned char **out)
{
    unsigned char *in = malloc((size_t)b->clen);
    long got = -1;

    *out = malloc((size_t)b->tlen + 1);
    if (in && *out && c && pread(fd, in, (size_t)b->clen, b->coff) == b->clen)
        got = codec_decompress(c, in, (size_t)b->clen, *out, (size_t)b->tlen);
    free(in);
    return got;
}

/* Find where a damaged object first goes wrong, using the block table. */
static void locate_damage(const char *spool, const restore_volume_t *v, int64_t got_size)
{
    size_t n = 0;
    int kind = 0;
    restore_block_t *b = restore_block_table(v->index, v->size, &n, &kind);
    codec_t *c = b ? codec_new(kind, 1) : NULL;
    int fd = c ? open(spool, O_RDONLY | O_CLOEXEC) : -1;

    if (got_size < v->size)
        log_error("object %s is truncated: %lld bytes, expected %lld (data ends at offset "
                  "%lld)",
                  v->key, (long long)got_size, (long long)v->size, (long long)got_size);
    for (size_t i = 0; fd >= 0 && i < n; i++) {
        unsigned char *out;
        long d = decode_block(c, fd, &b[i], &out);
        free(out);
        if (d != b[i].tlen) {
            log_error("object %s is corrupt: first damaged block #%zu at offset %lld (%lld "
                      "bytes)",
                      v->key, i, (long long)b[i].coff, (long long)b[i].clen);
            break;
        }
    }
    if (fd >= 0)
        close(fd);
    codec_free(c);
    free(b);
}

/* Stream the object into the spool file and check size and SHA-256. */
static restore_rc_t fetch_verify(restore_t *r, const restore_volume_t *v)
{
    struct dl d = {-1, {NULL}, 0, r->spool};
    char got[65];
    int rc;

    d.fd = open(r->spool, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (d.fd < 0 || util_sha256_init(&d.h) < 0) {
        log_error("restore: cannot create spool file %s: %s", r->spool, strerror(errno));
        if (d.fd >= 0)
            close(d.fd);
        return RESTORE_FAIL;
    }
    rc = store_get(r->rp.store, v->key, 0, -1, dl_sink, &d);
    close(d.fd);
    util_sha256_final(&d.h, got);
    if (rc < 0)
        return RESTORE_FAIL;
    if (d.n != v->size || strcmp(got, v->sha256)) {
        log_error("object %s failed verification: SHA-256 %s, expected %s; size %lld, "
                  "expected %lld; nothing extracted from it",
                  v->key, got, v->sha256, (long long)d.n, (long long)v->size);
        locate_damage(r->spool, v, d.n);
        return RESTORE_CORRUPT;
    }
    return RESTORE_OK;
}

/* ---- parallel block decompression ---- */

struct pslot {
    unsigned char *out;
    long got;
    int done;
};

struct pdec {
    int fd, kind;
    restore_block_t *b;
    struct pslot *s;
    size_t n, next_submit, next_read, window;
    pool_t *pool;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

struct pjob {
    struct pdec *d;
    size_t i;
};

static void decompress_job(void *arg)
{
    struct pjob *j = arg;
    struct pdec *d = j->d;
    unsigned char *out;
    long got = decode_block(codec_for_thread(d->kind, 1), d->fd, &d->b[j->i], &out);

    pthread_mutex_lock(&d->mu);
    d->s[j->i].out = out;
    d->s[j->i].got = got;
    d->s[j->i].done = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    free(j);
}

/* Keep `window` blocks submitted ahead of the reader. */
static void pdec_fill(struct pdec *d)
{
    while (d->next_submit < d->n && d->next_submit < d->next_read + d->window) {
        struct pjob *j = malloc(sizeof *j);
        if (!j)
            return; /* the reader waits for a block never submitted: submit it below */
        j->d = d;
        j->i = d->next_submit++;
        if (pool_submit(d->pool, decompress_job, j) < 0)
            decompress_job(j);
    }
}

static la_ssize_t pdec_read(struct archive *a, void *ctx, const void **buf)
{
    struct pdec *d = ctx;
    struct pslot *s;

    if (d->next_read > 0) {
        free(d->s[d->next_read - 1].out);
        d->s[d->next_read - 1].out = NULL;
    }
    if (d->next_read >= d->n)
        return 0;
    pdec_fill(d);
    if (d->next_submit <= d->next_read) {
        archive_set_error(a, ENOMEM, "out of memory");
        return -1;
    }
    s = &d->s[d->next_read];
    pthread_mutex_lock(&d->mu);
    while (!s->done)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    if (s->got != d->b[d->next_read].tlen) {
        archive_set_error(a, EIO, "block #%zu at offset %lld does not decompress", d->next_read,
                          (long long)d->b[d->next_read].coff);
        d->next_read++;
        return -1;
    }
    *buf = s->out;
    return (la_ssize_t)d->b[d->next_read++].tlen;
}

/* Set up d for the spool file fd; 0 when the block table is usable. */
static int pdec_init(struct pdec *d, const restore_volume_t *v, int fd, pool_t *pool)
{
    memset(d, 0, sizeof *d);
    if (!pool)
        return -1;
    d->b = restore_block_table(v->index, v->size, &d->n, &d->kind);
    d->s = d->b ? calloc(d->n, sizeof *d->s) : NULL;
    if (!d->s) {
        free(d->b);
        return -1;
    }
    d->fd = fd;
    d->pool = pool;
    d->window = (size_t)pool_size(pool) * 2 + 2;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    return 0;
}

/* Wait for every submitted block and free. */
static void pdec_finish(struct pdec *d)
{
    pthread_mutex_lock(&d->mu);
    for (size_t i = d->next_read; i < d->next_submit; i++)
        while (!d->s[i].done)
            pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n; i++)
        free(d->s[i].out);
    free(d->s);
    free(d->b);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
}

/* ---- safe extraction ---- */

static void dir_add(restore_t *r, const char *path, int64_t mtime)
{
    char *p;

    if (ARRAY_GROW(r->dirs, r->ndirs + 1, r->capdirs) < 0 || !(p = strdup(path)))
        return; /* the directory keeps today's mtime */
    r->dirs[r->ndirs].path = p;
    r->dirs[r->ndirs++].mtime = mtime;
}

void restore_finish(restore_t *r)
{
    for (size_t i = r->ndirs; i-- > 0;) {
        struct timespec ts[2] = {{(time_t)r->dirs[i].mtime, 0}, {(time_t)r->dirs[i].mtime, 0}};
        utimensat(AT_FDCWD, r->dirs[i].path, ts, AT_SYMLINK_NOFOLLOW);
    }
}

static void refuse(const char *key, const char *path, const char *why, restore_stats_t *st)
{
    printf("REFUSED %s: entry \"%s\": %s\n", key, path ? path : "(null)", why);
    log_warn("restore: %s: refused entry \"%s\": %s", key, path ? path : "", why);
    st->refused++;
}

/* Copy the entry's data from a to w. 0, or -1 after logging. */
static int copy_data(struct archive *a, struct archive *w, const char *key, const char *path,
                     const char *full)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
        if (archive_write_data_block(w, buf, len, off) < ARCHIVE_OK) {
            log_error("restore: writing %s: %s", full, archive_error_string(w));
            return -1;
        }
    if (r != ARCHIVE_EOF) {
        log_error("object %s: damaged data in \"%s\": %s", key, path, archive_error_string(a));
        return -1;
    }
    return 0;
}

/* Write one checked entry e (at relative path) under dest. 1 written,
 * 0 refused, -1 failure (logged). */
static int write_entry(restore_t *r, struct archive *a, struct archive *w, struct archive_entry *e,
                       const restore_volume_t *v, const char *path, restore_stats_t *st)
{
    strbuf_t full = STRBUF_INIT(PATH_MAX - 1), hfull = STRBUF_INIT(PATH_MAX - 1);
    const char *hl = archive_entry_hardlink(e);
    int rc = -1;

    if (strbuf_addf(&full, "%s/%s", v->dest, path) < 0 ||
        (hl && strbuf_addf(&hfull, "%s/%s", v->dest, hl) < 0)) {
        log_error("restore: %s: path too long: %s", v->key, path);
        goto out;
    }
    if (!pathsafe_walk_ok(v->dest, path) || (hl && !pathsafe_walk_ok(v->dest, hl))) {
        refuse(v->key, path, "path goes through a symlink or a non-directory", st);
        rc = 0;
        goto out;
    }
    archive_entry_set_pathname(e, full.buf);
    if (archive_entry_filetype(e) == AE_IFDIR)
        dir_add(r, full.buf, (int64_t)archive_entry_mtime(e));
    if (hl)
        archive_entry_set_hardlink(e, hfull.buf);
    if (archive_write_header(w, e) < ARCHIVE_WARN) {
        printf("REFUSED %s: entry \"%s\": %s\n", v->key, path, archive_error_string(w));
        log_warn("restore: %s: entry \"%s\" not written: %s", v->key, path,
                 archive_error_string(w));
        st->refused++;
        rc = 0;
        goto out;
    }
    if (archive_entry_size(e) > 0 && copy_data(a, w, v->key, path, full.buf) < 0)
        goto out;
    if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
        log_error("restore: finishing %s: %s", full.buf, archive_error_string(w));
        goto out;
    }
    rc = 1;
out:
    strbuf_release(&full);
    strbuf_release(&hfull);
    return rc;
}

/* Read the verified spool file and extract it under v->dest. */
static restore_rc_t extract(restore_t *r, const restore_volume_t *v, restore_stats_t *st)
{
    struct archive *a = archive_read_new(), *w = archive_write_disk_new();
    struct archive_entry *e;
    struct pdec pd;
    int pd_on = 0, fd = -1, rv;
    restore_rc_t rc = RESTORE_CORRUPT;
    /* No ARCHIVE_EXTRACT_UNLINK: with it libarchive would silently replace a
     * symlink in the way by a directory; without it the entry is refused. */
    const int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                      ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT;

    if (!a || !w)
        goto out;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_write_disk_set_options(w, flags);
    fd = open(r->spool, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && pdec_init(&pd, v, fd, r->rp.pool) == 0) {
        pd_on = 1;
        rv = archive_read_open(a, &pd, NULL, pdec_read, NULL);
    } else {
        rv = archive_read_open_filename(a, r->spool, 1 << 20);
    }
    if (rv != ARCHIVE_OK) {
        log_error("object %s: cannot read: %s", v->key, archive_error_string(a));
        goto out;
    }
    while ((rv = archive_read_next_header(a, &e)) == ARCHIVE_OK || rv == ARCHIVE_WARN) {
        char path[PATH_MAX];
        const char *name = archive_entry_pathname(e);
        const char *why = pathsafe_refusal(name, archive_entry_filetype(e),
                                           archive_entry_symlink(e), archive_entry_hardlink(e));
        if (why) {
            refuse(v->key, name, why, st);
            continue;
        }
        if (r->glob && archive_entry_filetype(e) != AE_IFDIR && !util_glob_match(r->glob, name))
            continue;
        /* name points into e, which write_entry rewrites */
        if ((size_t)snprintf(path, sizeof path, "%s", name) >= sizeof path) {
            log_error("restore: %s: path too long: %s", v->key, name);
            goto out;
        }
        int w_rc = write_entry(r, a, w, e, v, path, st);
        if (w_rc < 0)
            goto out;
        st->extracted += w_rc;
    }
    if (rv != ARCHIVE_EOF) {
        log_error("object %s: damaged archive: %s", v->key, archive_error_string(a));
        goto out;
    }
    rc = RESTORE_OK;
out:
    archive_read_free(a);
    archive_write_free(w);
    if (pd_on)
        pdec_finish(&pd);
    if (fd >= 0)
        close(fd);
    return rc;
}

restore_rc_t restore_volume(restore_t *r, const restore_volume_t *v, restore_stats_t *st)
{
    restore_rc_t rc;

    st->extracted = st->refused = 0;
    rc = fetch_verify(r, v);
    if (rc != RESTORE_OK)
        return rc;
    if (util_mkdirs(v->dest, 0755) < 0) {
        log_error("restore: cannot create %s: %s", v->dest, strerror(errno));
        return RESTORE_FAIL;
    }
    return extract(r, v, st);
}
