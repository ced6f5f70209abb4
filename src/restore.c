/*
 * restore.c — the restore pipeline for one volume (contract in restore.h),
 * the reading mirror of pack.c:
 *
 *   fetch:   store_get streams the object into the spool file (created
 *            O_EXCL | O_NOFOLLOW in the private staging directory) while
 *            SHA-256 and size are computed; a mismatch stops here, and the
 *            block table is replayed block by block to name the first
 *            damaged one.
 *   decode:  with a block table that tiles the object within the index's
 *            block_size, blocks are decompressed on the pool, a window of
 *            2 × threads + 2 ahead of the reader, and handed to libarchive in
 *            order through its read callback. Without one (or when the table
 *            claims more than RESTORE_MAX_BLOCK), libarchive's
 *            single-threaded gzip/zstd filters read the spool.
 *   extract: (restore_extract.c) each entry passes pathsafe_refusal; then written
 *            by us, not by archive_write_disk: every parent is opened with
 *            openat(O_NOFOLLOW | O_DIRECTORY) from the staging fd, files are
 *            created O_EXCL | O_NOFOLLOW, hardlinks only to regular files
 *            already extracted. Symlinks are only recorded; restore_finish
 *            creates them once every file exists, each after resolving its
 *            target against the tree (links followed, up to 40 hops), and
 *            rechecks all of them until none leads outside its volume's
 *            directory. Refused entries are named on stdout and skipped.
 *
 * Modes: archived mode & 0777 & ~umask (setuid, setgid, sticky never);
 * owner only with same_owner. Directory modes and mtimes are applied by
 * restore_finish, after every volume: a later volume adding files to a
 * directory would otherwise leave it with today's time (or unwritable).
 */
#include "restore.h"
#include "restore_extract.h"

#include "array.h"
#include "codec.h"
#include "index.h"
#include "log.h"
#include "objkey.h"
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

restore_t *restore_new(const restore_params_t *rp)
{
    restore_t *r = calloc(1, sizeof *r);

    if (!r) {
        log_error("restore: out of memory");
        return NULL;
    }
    r->rp = *rp;
    r->spoolfd = -1;
    r->plainfd = -1;
    r->glob = util_strdup(rp->glob);
    r->rp.glob = r->glob;
    if (rp->glob && !r->glob) {
        log_error("restore: out of memory");
        restore_free(r);
        return NULL;
    }
    r->spoolfd =
        openat(rp->stagefd, "spool", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (r->spoolfd < 0) {
        log_error("restore: cannot create the spool file in the staging directory: %s",
                  strerror(errno));
        restore_free(r);
        return NULL;
    }
    r->umask = umask(022);
    umask(r->umask);
    return r;
}

void restore_free(restore_t *r)
{
    if (!r)
        return;
    if (r->spoolfd >= 0) {
        unlinkat(r->rp.stagefd, "spool", 0);
        close(r->spoolfd);
    }
    if (r->plainfd >= 0) {
        unlinkat(r->rp.stagefd, "plain", 0);
        close(r->plainfd);
    }
    for (size_t i = 0; i < r->ndirs; i++)
        free(r->dirs[i].path);
    for (size_t i = 0; i < r->nlinks; i++) {
        free(r->links[i].dest);
        free(r->links[i].path);
        free(r->links[i].target);
        free(r->links[i].key);
    }
    free(r->dirs);
    free(r->links);
    free(r->glob);
    free(r);
}

int restore_index_matches(json_t *index, const char *glob)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(index, "files"), i, f)
    {
        /* names are bytes: path_b64 when the index has it (docs/formats.md),
         * as the extractor matches the tar's raw names */
        char *path = index_name_get(f, "path");
        int hit = path && util_glob_match(glob, path);
        free(path);
        if (hit)
            return 1;
    }
    return 0;
}

restore_block_t *restore_block_table(json_t *index, int64_t objsize, size_t *n, int *kind)
{
    json_t *rows = index ? json_object_get(index, "blocks") : NULL;
    const char *comp = index ? json_string_value(json_object_get(index, "compression")) : NULL;
    json_t *bs = index ? json_object_get(index, "block_size") : NULL;
    json_t *ts = index ? json_object_get(json_object_get(index, "object"), "tar_size") : NULL;
    int64_t bsize = json_integer_value(bs), tsum = 0;
    restore_block_t *b;
    int64_t coff = 0, cmax;
    size_t i;
    json_t *row;

    *n = 0;
    *kind = codec_kind_from_name(comp);
    if (!json_array_size(rows) || !*kind || !json_is_integer(bs) || !json_is_integer(ts) ||
        bsize <= 0 || bsize > RESTORE_MAX_BLOCK)
        return NULL;
    /* gzip and zstd expand incompressible data by well under 1/64 plus headers */
    cmax = bsize + bsize / 64 + 4096;
    b = calloc(json_array_size(rows), sizeof *b);
    if (!b)
        return NULL;
    json_array_foreach(rows, i, row)
    {
        b[i].tlen = json_integer_value(json_array_get(row, 1));
        b[i].coff = json_integer_value(json_array_get(row, 2));
        b[i].clen = json_integer_value(json_array_get(row, 3));
        if (!json_is_array(row) || b[i].coff != coff || b[i].clen <= 0 ||
            b[i].clen > objsize - coff || b[i].clen > cmax || b[i].tlen <= 0 || b[i].tlen > bsize) {
            free(b);
            return NULL;
        }
        coff += b[i].clen;
        tsum += b[i].tlen;
    }
    if (coff != objsize || tsum != json_integer_value(ts)) {
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
static void locate_damage(int fd, const restore_volume_t *v, int64_t got_size)
{
    size_t n = 0;
    int kind = 0;
    restore_block_t *b = restore_block_table(v->index, v->size, &n, &kind);
    codec_t *c = b ? codec_new(kind, 1) : NULL;

    if (got_size < v->size)
        log_error("object %s is truncated: %lld bytes, expected %lld (data ends at offset "
                  "%lld)",
                  v->key, (long long)got_size, (long long)v->size, (long long)got_size);
    for (size_t i = 0; c && i < n; i++) {
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
    codec_free(c);
    free(b);
}

/* Stream the object into the spool file and check size and SHA-256. */
static restore_rc_t fetch_verify(restore_t *r, const restore_volume_t *v)
{
    struct dl d = {r->spoolfd, {NULL}, 0, "(staging)/spool"};
    char got[65];
    int rc;

    if (ftruncate(d.fd, 0) < 0 || lseek(d.fd, 0, SEEK_SET) < 0 || util_sha256_init(&d.h) < 0) {
        log_error("restore: cannot reset the spool file: %s", strerror(errno));
        return RESTORE_FAIL;
    }
    rc = store_get(r->rp.store, v->key, 0, -1, dl_sink, &d);
    util_sha256_final(&d.h, got);
    if (rc < 0)
        return RESTORE_FAIL;
    if (d.n != v->size || strcmp(got, v->sha256)) {
        log_error("object %s failed verification: SHA-256 %s, expected %s; size %lld, "
                  "expected %lld; nothing extracted from it",
                  v->key, got, v->sha256, (long long)d.n, (long long)v->size);
        locate_damage(r->spoolfd, v, d.n);
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
        /* libarchive's formatter knows %d/%jd/%s, not %zu or %lld */
        archive_set_error(a, EIO, "block #%jd at offset %jd does not decompress",
                          (intmax_t)d->next_read, (intmax_t)d->b[d->next_read].coff);
        d->next_read++;
        return -1;
    }
    *buf = s->out;
    return (la_ssize_t)d->b[d->next_read++].tlen;
}

/* Set up d for the spool file fd of size bytes; 0 when the block table is usable. */
static int pdec_init(struct pdec *d, const restore_volume_t *v, int fd, int64_t size, pool_t *pool)
{
    memset(d, 0, sizeof *d);
    if (!pool)
        return -1;
    d->b = restore_block_table(v->index, size, &d->n, &d->kind);
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

static restore_rc_t extract(restore_t *r, const restore_volume_t *v, int destfd, int fd,
                            int64_t size, restore_stats_t *st)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct pdec pd;
    struct restore_extract_icheck ic = {NULL, 0, 0};
    int pd_on = 0, rv;
    restore_rc_t rc = RESTORE_CORRUPT;

    if (!a)
        goto out;
    /* v->index is trusted (verified against the catalog by the caller) */
    if (v->index && restore_extract_icheck_init(&ic, v->index) < 0) {
        log_error("restore: out of memory");
        rc = RESTORE_FAIL;
        goto out;
    }
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    if (pdec_init(&pd, v, fd, size, r->rp.pool) == 0) {
        pd_on = 1;
        rv = archive_read_open(a, &pd, NULL, pdec_read, NULL);
    } else {
        if (v->index && r->rp.pool)
            log_warn("restore: %s: the index's block table is unusable (missing, out of bounds "
                     "or inconsistent); decoding the verified volume sequentially",
                     v->key);
        rv = lseek(fd, 0, SEEK_SET) < 0 ? ARCHIVE_FATAL : archive_read_open_fd(a, fd, 1 << 20);
    }
    if (rv != ARCHIVE_OK) {
        char *m = restore_extract_esc(archive_error_string(a));
        log_error("object %s: cannot read: %s", v->key, m);
        restore_extract_esc_free(m);
        goto out;
    }
    while ((rv = archive_read_next_header(a, &e)) == ARCHIVE_OK || rv == ARCHIVE_WARN) {
        char path[PATH_MAX];
        const char *name = archive_entry_pathname(e);
        const char *why = pathsafe_refusal(name, archive_entry_filetype(e),
                                           archive_entry_symlink(e), archive_entry_hardlink(e));
        /* coldpack never writes sparse entries, and log archives have none:
         * one is a forged apparent-size bomb */
        if (!why && archive_entry_sparse_count(e) > 0)
            why = "sparse entry (coldpack never writes one)";
        if (why) {
            restore_extract_refuse(v->key, name, why, st);
            if (restore_extract_note_refused_link(r, v, e, name) < 0) {
                rc = RESTORE_FAIL;
                goto out;
            }
            continue;
        }
        struct restore_extract_irow *row = ic.rows ? restore_extract_icheck_find(&ic, name) : NULL;
        if (r->glob && archive_entry_filetype(e) != AE_IFDIR && !util_glob_match(r->glob, name))
            continue;
        if (ic.rows && (why = restore_extract_icheck_mismatch(&ic, row, e))) {
            restore_extract_refuse(v->key, name, why, st);
            if (restore_extract_note_refused_link(r, v, e, name) < 0) {
                rc = RESTORE_FAIL;
                goto out;
            }
            continue;
        }
        if ((size_t)snprintf(path, sizeof path, "%s", name) >= sizeof path) {
            restore_extract_refuse(v->key, name, "path longer than PATH_MAX", st);
            continue;
        }
        int w_rc = restore_extract_entry(r, a, e, destfd, v, path, row ? row->sha256 : NULL, st);
        if (w_rc < 0)
            goto out;
        st->extracted += w_rc;
    }
    if (rv != ARCHIVE_EOF) {
        char *m = restore_extract_esc(archive_error_string(a));
        log_error("object %s: damaged archive: %s", v->key, m);
        restore_extract_esc_free(m);
        goto out;
    }
    for (size_t i = 0; i < ic.n; i++)
        if (!ic.rows[i].seen)
            restore_extract_refuse(v->key, ic.rows[i].name,
                                   "listed in the volume's index, not in the volume", st);
    rc = RESTORE_OK;
out:
    restore_extract_icheck_free(&ic);
    archive_read_free(a);
    if (pd_on)
        pdec_finish(&pd);
    return rc;
}

struct plain_sink {
    int fd;
    int64_t n;
};

static int plain_write(void *arg, const void *data, size_t len)
{
    struct plain_sink *p = arg;

    if (util_write_all(p->fd, data, len) < 0) {
        log_error("restore: writing the decrypted spool file: %s", strerror(errno));
        return -1;
    }
    p->n += (int64_t)len;
    return 0;
}

/* Decrypt the verified spool into r->plainfd; *size gets the plaintext
 * (compressed stream) size. */
static restore_rc_t decrypt_spool(restore_t *r, const restore_volume_t *v, int64_t *size)
{
    struct plain_sink ps = {-1, 0};
    age_out_t out = {plain_write, &ps, NULL, 0, 0};
    age_dec_t *d = NULL;
    unsigned char *buf = NULL;
    restore_rc_t rc = RESTORE_FAIL;
    ssize_t n;

    if (r->plainfd < 0)
        r->plainfd = openat(r->rp.stagefd, "plain",
                            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (r->plainfd < 0 || ftruncate(r->plainfd, 0) < 0 || lseek(r->plainfd, 0, SEEK_SET) < 0 ||
        lseek(r->spoolfd, 0, SEEK_SET) < 0) {
        log_error("restore: cannot set up the decrypted spool file: %s", strerror(errno));
        return RESTORE_FAIL;
    }
    ps.fd = r->plainfd;
    d = age_dec_new(r->rp.ids, r->rp.nids, v->key);
    buf = malloc(1 << 20);
    if (!d || !buf)
        goto out;
    while ((n = read(r->spoolfd, buf, 1 << 20)) > 0)
        if (age_dec_update(d, buf, (size_t)n, &out) < 0)
            break;
    if (n < 0) {
        log_error("restore: reading the spool file: %s", strerror(errno));
        goto out;
    }
    if (n > 0 || age_dec_final(d, &out) < 0) {
        rc = age_dec_error(d) == AGE_ERR_NO_MATCH ? RESTORE_NO_KEY
             : age_dec_error(d) == AGE_ERR_OTHER  ? RESTORE_FAIL
                                                  : RESTORE_CORRUPT;
        goto out;
    }
    *size = ps.n;
    rc = RESTORE_OK;
out:
    free(buf);
    age_dec_free(d);
    return rc;
}

restore_rc_t restore_volume(restore_t *r, const restore_volume_t *v, restore_stats_t *st)
{
    restore_rc_t rc;
    int destfd, fd = r->spoolfd;
    int64_t size = v->size;

    st->extracted = st->refused = 0;
    if (!pathsafe_entry_ok(v->dest)) {
        log_error("restore: %s: unusable destination \"%s\"", v->key, v->dest);
        return RESTORE_FAIL;
    }
    rc = fetch_verify(r, v);
    if (rc != RESTORE_OK)
        return rc;
    if (objkey_is_age(v->key)) {
        rc = decrypt_spool(r, v, &size);
        if (rc != RESTORE_OK)
            return rc;
        fd = r->plainfd;
    }
    destfd = restore_extract_open_dir(r->rp.stagefd, v->dest, 1);
    if (destfd < 0) {
        log_error("restore: cannot create %s in the staging directory: %s", v->dest,
                  strerror(errno));
        return RESTORE_FAIL;
    }
    rc = extract(r, v, destfd, fd, size, st);
    close(destfd);
    return rc;
}

void restore_finish(restore_t *r, restore_stats_t *st)
{
    st->extracted = st->refused = 0;
    restore_extract_finish(r, st);
}
