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
 *   extract: each entry passes pathsafe_refusal (names); then it is written
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

#define MAX_HOPS 40 /* symlinks followed while resolving one target, as the kernel */

struct dirmeta {
    char *path; /* below stagefd */
    int64_t mtime;
    mode_t mode;
    int64_t uid, gid;
};

struct deflink {
    char *dest;   /* the volume's directory below stagefd */
    char *path;   /* the link, below dest (clean: no "." or empty components) */
    char *target; /* as archived */
    char *key;    /* the volume it came from */
    int made;     /* created on disk */
    int refused;  /* named as refused: a path through it is refused too */
};

struct restore {
    restore_params_t rp;
    char *glob;
    int spoolfd;
    int plainfd; /* decrypted spool of an encrypted object, made when first needed */
    mode_t umask;
    struct dirmeta *dirs; /* in extraction order: parents before children */
    size_t ndirs, capdirs;
    struct deflink *links; /* in archive order */
    size_t nlinks, caplinks;
};

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

/* ---- safe extraction ---- */

/* Next component of *pp (skipping "." and empty ones): its start, length in
 * *len. NULL at the end. */
static const char *next_comp(const char **pp, size_t *len)
{
    const char *p = *pp, *c;

    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) {
            *pp = p;
            return NULL;
        }
        c = p;
        *len = strcspn(p, "/");
        p += *len;
        if (!(*len == 1 && c[0] == '.'))
            break;
    }
    *pp = p;
    return c;
}

/* path without "." and empty components, into sb; -1 if too long or
 * out of memory. */
static int clean_path(strbuf_t *sb, const char *path)
{
    const char *p = path, *c;
    size_t n;

    strbuf_reset(sb);
    while ((c = next_comp(&p, &n)))
        if ((sb->len && strbuf_add(sb, "/", 1) < 0) || strbuf_add(sb, c, n) < 0)
            return -1;
    return 0;
}

/* Open directory rel (a clean path, "" = dirfd itself) below dirfd, each
 * component with O_NOFOLLOW | O_DIRECTORY; with create, missing components
 * are made (0777 less the umask; an archived directory gets its own mode
 * in restore_finish). Returns a new fd, or -1 with errno (ELOOP or ENOTDIR: a
 * symlink or a file in the way). */
static int open_dir(int dirfd, const char *rel, int create)
{
    const char *p = rel, *c;
    size_t n;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    while (fd >= 0 && (c = next_comp(&p, &n))) {
        char name[NAME_MAX + 1];
        int next, e;
        if (n > NAME_MAX || (n == 2 && c[0] == '.' && c[1] == '.')) {
            close(fd);
            errno = n > NAME_MAX ? ENAMETOOLONG : EINVAL;
            return -1;
        }
        memcpy(name, c, n);
        name[n] = 0;
        next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create && mkdirat(fd, name, 0777) == 0)
            next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        close(fd);
        fd = next;
        errno = e;
    }
    return fd;
}

/* Split the clean path into parent ("" at the top) and base. */
static const char *split_base(char *clean)
{
    char *slash = strrchr(clean, '/');

    if (!slash)
        return clean;
    *slash = 0;
    return slash + 1;
}

/* A name read from an archive or an index, printable (pathsafe_escape):
 * a malloc'd string, or a static one when out of memory; free with esc_free. */
static const char oom_name[] = "(out of memory)";

static char *esc(const char *name)
{
    char *e = pathsafe_escape(name);
    return e ? e : (char *)(uintptr_t)oom_name;
}

static void esc_free(char *e)
{
    if (e != oom_name)
        free(e);
}

static void refuse(const char *key, const char *path, const char *why, restore_stats_t *st)
{
    char *e = esc(path);

    printf("REFUSED %s: entry \"%s\": %s\n", key, e, why);
    log_warn("restore: %s: refused entry \"%s\": %s", key, e, why);
    esc_free(e);
    st->refused++;
}

static mode_t final_mode(const restore_t *r, mode_t archived)
{
    return archived & 0777 & ~r->umask;
}

/* Copy the entry's data from a into fd; with h, hash it too (*hashed: the
 * bytes hashed so far, -1 once a block came out of order). 0, or -1 after
 * logging. */
static int copy_data(struct archive *a, int fd, const char *key, const char *path, util_sha256_t *h,
                     int64_t *hashed)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    int rv;

    while ((rv = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
        const char *p = buf;
        if (h && *hashed == off) { /* hashed as written, in order (a hole: mismatch) */
            util_sha256_update(h, buf, len);
            *hashed += (int64_t)len;
        } else if (h) {
            *hashed = -1;
        }
        while (len > 0) {
            ssize_t w = pwrite(fd, p, len, off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                char *e = esc(path);
                log_error("restore: writing \"%s\" of %s: %s", e, key, strerror(errno));
                esc_free(e);
                return -1;
            }
            p += w;
            len -= (size_t)w;
            off += w;
        }
    }
    if (rv != ARCHIVE_EOF) {
        char *e = esc(path), *m = esc(archive_error_string(a));
        log_error("object %s: damaged data in \"%s\": %s", key, e, m);
        esc_free(e);
        esc_free(m);
        return -1;
    }
    return 0;
}

/* Does the clean path go through a symlink entry of this volume (deferred,
 * so not on disk yet)? */
static int through_link(const restore_t *r, const char *dest, const char *clean)
{
    for (size_t i = 0; i < r->nlinks; i++) {
        size_t n = strlen(r->links[i].path);
        if (!strcmp(r->links[i].dest, dest) && !strncmp(clean, r->links[i].path, n) &&
            clean[n] == '/')
            return 1;
    }
    return 0;
}

static int defer_link(restore_t *r, const char *key, const char *dest, const char *clean,
                      const char *target)
{
    struct deflink *l;

    if (ARRAY_GROW(r->links, r->nlinks + 1, r->caplinks) < 0)
        return -1;
    l = &r->links[r->nlinks];
    l->dest = strdup(dest);
    l->path = strdup(clean);
    l->target = strdup(target);
    l->key = strdup(key);
    l->made = l->refused = 0;
    if (!l->dest || !l->path || !l->target || !l->key) {
        free(l->dest);
        free(l->path);
        free(l->target);
        free(l->key);
        return -1;
    }
    r->nlinks++;
    return 0;
}

static int dir_add(restore_t *r, const char *dest, const char *clean, struct archive_entry *e)
{
    char *p = util_asprintf("%s/%s", dest, clean);

    if (!p || ARRAY_GROW(r->dirs, r->ndirs + 1, r->capdirs) < 0) {
        free(p);
        return -1;
    }
    r->dirs[r->ndirs++] =
        (struct dirmeta){p, (int64_t)archive_entry_mtime(e), archive_entry_perm(e),
                         archive_entry_uid(e), archive_entry_gid(e)};
    return 0;
}

/* Create (or replace, when a regular file of an earlier entry is there) the
 * regular file base in pfd and fill it. 1 written, 0 refused, -1 failure. */
static int write_file(restore_t *r, struct archive *a, struct archive_entry *e, int pfd,
                      const char *base, const restore_volume_t *v, const char *name,
                      const char *want_sha, restore_stats_t *st)
{
    const int oflags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = openat(pfd, base, oflags, 0600), rc = -1;
    util_sha256_t h = {NULL};
    int64_t hashed = 0;
    char got[65];
    struct stat sb;

    if (fd < 0 && errno == EEXIST && fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(sb.st_mode) && unlinkat(pfd, base, 0) == 0)
        fd = openat(pfd, base, oflags, 0600);
    if (fd < 0) {
        refuse(v->key, name, errno == EEXIST ? "a directory is in the way" : strerror(errno), st);
        return 0;
    }
    if (want_sha && util_sha256_init(&h) < 0) {
        log_error("restore: out of memory");
        goto out;
    }
    if (archive_entry_size(e) > 0 &&
        copy_data(a, fd, v->key, name, want_sha ? &h : NULL, &hashed) < 0)
        goto out;
    if (want_sha) {
        util_sha256_final(&h, got);
        if (hashed != archive_entry_size(e) || strcmp(got, want_sha)) {
            unlinkat(pfd, base, 0);
            refuse(v->key, name, "content differs from the SHA-256 in the volume's index", st);
            rc = 0;
            goto out;
        }
    }
    if (ftruncate(fd, archive_entry_size(e)) < 0 ||
        (r->rp.same_owner &&
         fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0) ||
        fchmod(fd, final_mode(r, archive_entry_perm(e))) < 0) {
        char *en = esc(name);
        log_error("restore: %s: setting up \"%s\": %s", v->key, en, strerror(errno));
        esc_free(en);
        goto out;
    }
    struct timespec ts[2] = {{(time_t)archive_entry_mtime(e), 0},
                             {(time_t)archive_entry_mtime(e), 0}};
    futimens(fd, ts);
    rc = 1;
out:
    util_sha256_free(&h);
    close(fd);
    return rc;
}

/* Hardlink base in pfd to the regular file hl (an entry path of this
 * volume, already extracted). 1 linked, 0 refused. */
static int write_hardlink(int destfd, int pfd, const char *base, const char *hl,
                          const restore_volume_t *v, const char *name, restore_stats_t *st)
{
    strbuf_t t = STRBUF_INIT(PATH_MAX - 1);
    int tfd = -1, rc = 0;
    const char *tbase;
    struct stat sb;

    if (clean_path(&t, hl) < 0 || !t.len) {
        refuse(v->key, name, "hardlink target unusable", st);
        goto out;
    }
    tbase = split_base(t.buf);
    tfd = open_dir(destfd, tbase == t.buf ? "" : t.buf, 0);
    if (tfd < 0 || fstatat(tfd, tbase, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode)) {
        refuse(v->key, name, "hardlink target is not a regular file extracted before it", st);
        goto out;
    }
    if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode))
        unlinkat(pfd, base, 0);
    if (linkat(tfd, tbase, pfd, base, 0) < 0) {
        refuse(v->key, name, strerror(errno), st);
        goto out;
    }
    rc = 1;
out:
    if (tfd >= 0)
        close(tfd);
    strbuf_release(&t);
    return rc;
}

/* Write one entry e (checked by pathsafe_refusal) below destfd; a regular
 * file must hash to want_sha when not NULL. 1 written (or deferred), 0
 * refused, -1 failure (logged). */
static int write_entry(restore_t *r, struct archive *a, struct archive_entry *e, int destfd,
                       const restore_volume_t *v, const char *name, const char *want_sha,
                       restore_stats_t *st)
{
    strbuf_t clean = STRBUF_INIT(PATH_MAX - 1);
    const char *hl = archive_entry_hardlink(e), *base;
    mode_t type = archive_entry_filetype(e);
    int pfd = -1, rc = -1;

    if (clean_path(&clean, name) < 0) {
        refuse(v->key, name, "path too long", st);
        rc = 0;
        goto out;
    }
    if (!clean.len) { /* the volume's directory itself */
        rc = type == AE_IFDIR && !hl ? 0 : (refuse(v->key, name, "empty path", st), 0);
        goto out;
    }
    if (through_link(r, v->dest, clean.buf) || (hl && through_link(r, v->dest, hl))) {
        refuse(v->key, name, "path goes through a symlink", st);
        rc = 0;
        goto out;
    }
    if (type == AE_IFLNK && !hl) {
        if (defer_link(r, v->key, v->dest, clean.buf, archive_entry_symlink(e)) < 0) {
            log_error("restore: out of memory");
            goto out;
        }
        /* its directory now, as a real one (the link itself comes last) */
        base = split_base(clean.buf);
        pfd = open_dir(destfd, base == clean.buf ? "" : clean.buf, 1);
        rc = 1;
        goto out;
    }
    if (type == AE_IFDIR && !hl) {
        pfd = open_dir(destfd, clean.buf, 1);
        if (pfd < 0) {
            refuse(v->key, name, "path goes through a symlink or a non-directory", st);
            rc = 0;
        } else if (dir_add(r, v->dest, clean.buf, e) < 0) {
            log_error("restore: out of memory");
        } else {
            rc = 1;
        }
        goto out;
    }
    base = split_base(clean.buf);
    pfd = open_dir(destfd, base == clean.buf ? "" : clean.buf, 1);
    if (pfd < 0) {
        refuse(v->key, name, "path goes through a symlink or a non-directory", st);
        rc = 0;
        goto out;
    }
    rc = hl ? write_hardlink(destfd, pfd, base, hl, v, name, st)
            : write_file(r, a, e, pfd, base, v, name, want_sha, st);
out:
    if (pfd >= 0)
        close(pfd);
    strbuf_release(&clean);
    return rc;
}

/* ---- the trusted index, compared with the volume while extracting ---- */

struct irow {
    char *path;       /* clean (clean_path) */
    const char *name; /* as the index has it (borrowed from the index) */
    const char *type, *sha256;
    int64_t size;
    int seen;
};

struct icheck {
    struct irow *rows; /* sorted by path */
    size_t n;
    int complete; /* index_covers_tar: an entry it does not list is a lie */
};

static int irow_cmp(const void *a, const void *b)
{
    return strcmp(((const struct irow *)a)->path, ((const struct irow *)b)->path);
}

static void icheck_free(struct icheck *ic)
{
    for (size_t i = 0; i < ic->n; i++)
        free(ic->rows[i].path);
    free(ic->rows);
    ic->rows = NULL;
    ic->n = 0;
}

/* The file list of a trusted index, sorted for lookups. 0, or -1 when out
 * of memory. A row whose path does not clean (too long) stays unmatched,
 * and is reported as missing from the volume. */
static int icheck_init(struct icheck *ic, json_t *index)
{
    json_t *files = json_object_get(index, "files"), *f;
    strbuf_t sb = STRBUF_INIT(0);
    size_t i;

    ic->n = 0;
    ic->rows = calloc(json_array_size(files) + 1, sizeof *ic->rows);
    if (!ic->rows)
        return -1;
    json_array_foreach(files, i, f)
    {
        struct irow *row = &ic->rows[ic->n];
        const char *path = json_string_value(json_object_get(f, "path"));
        json_t *size = json_object_get(f, "size");
        row->name = path ? path : "(no path)";
        row->type = json_string_value(json_object_get(f, "type"));
        row->sha256 = json_string_value(json_object_get(f, "sha256"));
        row->size = json_is_integer(size) ? json_integer_value(size) : -1;
        if (!path || clean_path(&sb, path) < 0)
            row->path = strdup("");
        else
            row->path = strdup(sb.len ? sb.buf : "");
        if (!row->path) {
            strbuf_release(&sb);
            icheck_free(ic);
            return -1;
        }
        ic->n++;
    }
    strbuf_release(&sb);
    qsort(ic->rows, ic->n, sizeof *ic->rows, irow_cmp);
    ic->complete = index_covers_tar(index);
    return 0;
}

/* The index row of entry name (the first not seen yet among equal paths),
 * marked seen; NULL when the index does not list it. */
static struct irow *icheck_find(struct icheck *ic, const char *name)
{
    strbuf_t sb = STRBUF_INIT(0);
    struct irow key, *hit = NULL;

    if (clean_path(&sb, name) == 0 && sb.len) {
        key.path = sb.buf;
        hit = bsearch(&key, ic->rows, ic->n, sizeof *ic->rows, irow_cmp);
        while (hit && hit > ic->rows && !strcmp(hit[-1].path, sb.buf))
            hit--;
        while (hit && hit->seen && hit + 1 < ic->rows + ic->n && !strcmp(hit[1].path, sb.buf))
            hit++;
        if (hit)
            hit->seen = 1;
    }
    strbuf_release(&sb);
    return hit;
}

/* Why entry e does not match its index row (NULL when it does). */
static const char *icheck_mismatch(const struct icheck *ic, const struct irow *row,
                                   struct archive_entry *e)
{
    mode_t t = archive_entry_filetype(e);
    const char *type = archive_entry_hardlink(e) ? "file"
                       : t == AE_IFDIR           ? "dir"
                       : t == AE_IFLNK           ? "symlink"
                                                 : "file";

    if (!row)
        return ic->complete ? "not listed in the volume's index" : NULL;
    if (!row->type || strcmp(row->type, type))
        return "type differs from the volume's index";
    if (row->size != archive_entry_size(e))
        return "size differs from the volume's index";
    if (!strcmp(type, "file") && !archive_entry_hardlink(e) &&
        (!row->sha256 || strlen(row->sha256) != 64))
        return "no SHA-256 in the volume's index";
    return NULL;
}

/* Read the verified (and decrypted) spool file fd of size bytes and
 * extract it under v->dest. */
static restore_rc_t extract(restore_t *r, const restore_volume_t *v, int destfd, int fd,
                            int64_t size, restore_stats_t *st)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct pdec pd;
    struct icheck ic = {NULL, 0, 0};
    int pd_on = 0, rv;
    restore_rc_t rc = RESTORE_CORRUPT;

    if (!a)
        goto out;
    /* v->index is trusted (verified against the catalog by the caller) */
    if (v->index && icheck_init(&ic, v->index) < 0) {
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
        char *m = esc(archive_error_string(a));
        log_error("object %s: cannot read: %s", v->key, m);
        esc_free(m);
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
            refuse(v->key, name, why, st);
            continue;
        }
        struct irow *row = ic.rows ? icheck_find(&ic, name) : NULL;
        if (r->glob && archive_entry_filetype(e) != AE_IFDIR && !util_glob_match(r->glob, name))
            continue;
        if (ic.rows && (why = icheck_mismatch(&ic, row, e))) {
            refuse(v->key, name, why, st);
            continue;
        }
        if ((size_t)snprintf(path, sizeof path, "%s", name) >= sizeof path) {
            refuse(v->key, name, "path longer than PATH_MAX", st);
            continue;
        }
        int w_rc = write_entry(r, a, e, destfd, v, path, row ? row->sha256 : NULL, st);
        if (w_rc < 0)
            goto out;
        st->extracted += w_rc;
    }
    if (rv != ARCHIVE_EOF) {
        char *m = esc(archive_error_string(a));
        log_error("object %s: damaged archive: %s", v->key, m);
        esc_free(m);
        goto out;
    }
    for (size_t i = 0; i < ic.n; i++)
        if (!ic.rows[i].seen)
            refuse(v->key, ic.rows[i].name, "listed in the volume's index, not in the volume", st);
    rc = RESTORE_OK;
out:
    icheck_free(&ic);
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
    destfd = open_dir(r->rp.stagefd, v->dest, 1);
    if (destfd < 0) {
        log_error("restore: cannot create %s in the staging directory: %s", v->dest,
                  strerror(errno));
        return RESTORE_FAIL;
    }
    rc = extract(r, v, destfd, fd, size, st);
    close(destfd);
    return rc;
}

/* ---- restore_finish: deferred symlinks, directory modes and times ---- */

/* Was a symlink at path (clean) below dest refused? */
static int refused_link(const restore_t *r, const char *dest, const char *path)
{
    for (size_t i = 0; i < r->nlinks; i++)
        if (r->links[i].refused && !strcmp(r->links[i].dest, dest) &&
            !strcmp(r->links[i].path, path))
            return 1;
    return 0;
}

/* Does symlink `path` (clean, below destfd, the directory dest) -> `target`
 * stay inside destfd when resolved against the tree as it is now? Links met
 * on the way are followed (at most MAX_HOPS); a component that does not
 * exist is taken lexically, but ".." after one, or a component that is a
 * refused link, is refused (its meaning would depend on what is created
 * there later). 1 inside, 0 not. */
static int link_stays_inside(const restore_t *r, const char *dest, int destfd, const char *path,
                             const char *target)
{
    strbuf_t cur = STRBUF_INIT(PATH_MAX - 1), rest = STRBUF_INIT(16 * PATH_MAX),
             tmp = STRBUF_INIT(0);
    const char *slash = strrchr(path, '/');
    int ok = 0, hops = 0, missing = 0;
    size_t pos = 0;

    if (!target || !*target || *target == '/')
        goto out;
    if ((slash &&
         (strbuf_add(&rest, path, (size_t)(slash - path)) < 0 || strbuf_add(&rest, "/", 1) < 0)) ||
        strbuf_addstr(&rest, target) < 0)
        goto out;
    for (;;) {
        const char *p = rest.buf + pos, *c;
        size_t n;
        struct stat sb;
        char lt[PATH_MAX];
        ssize_t ln;

        if (!(c = next_comp(&p, &n)))
            break;
        pos = (size_t)(p - rest.buf);
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            char *up;
            if (missing || !cur.len)
                goto out;
            up = strrchr(cur.buf, '/');
            cur.len = up ? (size_t)(up - cur.buf) : 0;
            cur.buf[cur.len] = 0;
            continue;
        }
        size_t before = cur.len;
        if ((cur.len && strbuf_add(&cur, "/", 1) < 0) || strbuf_add(&cur, c, n) < 0)
            goto out;
        if (missing)
            continue;
        if (fstatat(destfd, cur.buf, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT || refused_link(r, dest, cur.buf))
                goto out;
            missing = 1;
            continue;
        }
        if (!S_ISLNK(sb.st_mode)) {
            if (!S_ISDIR(sb.st_mode) && *p)
                missing = 1; /* a file in the middle: the kernel stops with ENOTDIR */
            continue;
        }
        if (++hops > MAX_HOPS || (ln = readlinkat(destfd, cur.buf, lt, sizeof lt - 1)) <= 0)
            goto out;
        lt[ln] = 0;
        if (lt[0] == '/')
            goto out;
        cur.len = before; /* the link's directory */
        cur.buf[cur.len] = 0;
        strbuf_reset(&tmp);
        if (strbuf_addstr(&tmp, lt) < 0 || strbuf_add(&tmp, "/", 1) < 0 ||
            strbuf_addstr(&tmp, rest.buf + pos) < 0)
            goto out;
        strbuf_reset(&rest);
        if (strbuf_add(&rest, tmp.buf, tmp.len) < 0)
            goto out;
        pos = 0;
    }
    ok = 1;
out:
    strbuf_release(&cur);
    strbuf_release(&rest);
    strbuf_release(&tmp);
    return ok;
}

/* Open the parent of link l and return it (or -1); *base gets its name. */
static int link_parent(const restore_t *r, const struct deflink *l, int *destfd, const char **base)
{
    const char *slash = strrchr(l->path, '/');
    char *parent;
    int fd;

    *destfd = open_dir(r->rp.stagefd, l->dest, 0);
    *base = slash ? slash + 1 : l->path;
    if (*destfd < 0)
        return -1;
    parent = slash ? strndup(l->path, (size_t)(slash - l->path)) : strdup("");
    fd = parent ? open_dir(*destfd, parent, 0) : -1;
    free(parent);
    return fd;
}

static void link_refuse(struct deflink *l, const char *why, restore_stats_t *st)
{
    char *p = esc(l->path), *t = esc(l->target);

    printf("REFUSED %s: entry \"%s\": symlink to \"%s\" %s\n", l->key, p, t, why);
    log_warn("restore: %s: refused symlink \"%s\" -> \"%s\": %s", l->key, p, t, why);
    esc_free(p);
    esc_free(t);
    l->refused = 1;
    st->refused++;
}

static void make_links(restore_t *r, restore_stats_t *st)
{
    int changed = 1;

    for (size_t i = 0; i < r->nlinks; i++) {
        struct deflink *l = &r->links[i];
        const char *base;
        int destfd, pfd = link_parent(r, l, &destfd, &base);
        if (pfd < 0)
            link_refuse(l, "in a path that is not a plain directory", st);
        else if (!link_stays_inside(r, l->dest, destfd, l->path, l->target))
            link_refuse(l, "resolves outside the restore target (through other links)", st);
        else if (symlinkat(l->target, pfd, base) < 0)
            link_refuse(
                l, errno == EEXIST ? "collides with an entry already there" : strerror(errno), st);
        else
            l->made = 1;
        if (pfd >= 0)
            close(pfd);
        if (destfd >= 0)
            close(destfd);
    }
    /* A link created later can change where an earlier one leads: check
     * every created link again until none leaves. Removing one only makes
     * paths through it missing, so this ends. */
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < r->nlinks; i++) {
            struct deflink *l = &r->links[i];
            const char *base;
            int destfd, pfd;
            if (!l->made)
                continue;
            pfd = link_parent(r, l, &destfd, &base);
            if (pfd < 0 || !link_stays_inside(r, l->dest, destfd, l->path, l->target)) {
                if (pfd >= 0)
                    unlinkat(pfd, base, 0);
                l->made = 0;
                changed = 1;
                link_refuse(l, "resolves outside the restore target (through later links)", st);
            }
            if (pfd >= 0)
                close(pfd);
            if (destfd >= 0)
                close(destfd);
        }
    }
}

void restore_finish(restore_t *r, restore_stats_t *st)
{
    st->extracted = st->refused = 0;
    make_links(r, st);
    for (size_t i = r->ndirs; i-- > 0;) {
        const struct dirmeta *d = &r->dirs[i];
        struct timespec ts[2] = {{(time_t)d->mtime, 0}, {(time_t)d->mtime, 0}};
        int fd = open_dir(r->rp.stagefd, d->path, 0);
        if (fd < 0)
            continue;
        if (r->rp.same_owner && fchown(fd, (uid_t)d->uid, (gid_t)d->gid) < 0) {
            char *e = esc(d->path);
            log_warn("restore: cannot set the owner of %s: %s", e, strerror(errno));
            esc_free(e);
        }
        fchmod(fd, final_mode(r, d->mode));
        futimens(fd, ts);
        close(fd);
    }
}
