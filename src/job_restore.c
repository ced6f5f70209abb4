/*
 * job_restore.c — plan, thaw, fetch, verify, extract.
 *
 * 1. Plan from the catalog: data objects of the tenant in [from, to]
 *    (optionally one source); with a path glob, each volume's index (hot) is
 *    read and volumes without a matching file are dropped.
 * 2. Show what will be fetched (objects, bytes, tier time and cost) and get
 *    consent (--yes, or a TTY prompt).
 * 3. Cold objects: request a restore (recorded in the catalog); without
 *    --wait, return EXIT_PENDING so cron can call the same command later;
 *    with --wait, poll with capped exponential back-off.
 * 4. Each object is downloaded to a spool file inside the target while its
 *    SHA-256 is computed; a mismatch is reported with the offset of the first
 *    damaged block (found through the index's block table) and nothing of
 *    that object is extracted.
 * 5. Extraction goes into a staging directory inside the target, entry by
 *    entry: absolute paths, "..", symlinks whose target leaves the tree,
 *    hardlinks to outside, and special files are refused and named; libarchive
 *    additionally refuses to write through symlinks. Only when every object is
 *    extracted is the staging tree moved into place, so an interrupted or
 *    failed restore never leaves a tree that looks complete.
 *
 * Restored layout: <target>/<tenant>/<date>/<source>/<path in tenant>.
 */
#include "job.h"

#include "catalog.h"
#include "codec.h"
#include "index.h"
#include "log.h"
#include "pool.h"
#include "store.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct obj {
    char *key, *index_key, *sha256, *date, *source, *tenant;
    int64_t size;
    json_t *index; /* loaded when needed */
};

struct plan {
    struct obj *v;
    size_t n, cap;
    int64_t bytes;
};

static int plan_add(void *ctx, const catalog_object_t *o)
{
    struct plan *p = ctx;
    struct obj *ob;
    const char *suffix;

    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        struct obj *t = realloc(p->v, cap * sizeof *t);
        if (!t)
            return -1;
        p->v = t;
        p->cap = cap;
    }
    ob = &p->v[p->n];
    memset(ob, 0, sizeof *ob);
    ob->key = strdup(o->key);
    ob->sha256 = strdup(o->sha256);
    ob->date = strdup(o->date);
    ob->source = strdup(o->source);
    ob->tenant = strdup(o->tenant);
    ob->size = o->size;
    suffix = strstr(o->key, ".tar.");
    ob->index_key =
        suffix ? util_asprintf("%.*s.index.json.gz", (int)(suffix - o->key), o->key) : NULL;
    if (!ob->key || !ob->sha256 || !ob->date || !ob->source || !ob->tenant || !ob->index_key)
        return -1;
    p->n++;
    p->bytes += o->size;
    return 0;
}

static void plan_free(struct plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct obj *o = &p->v[i];
        free(o->key);
        free(o->index_key);
        free(o->sha256);
        free(o->date);
        free(o->source);
        free(o->tenant);
        json_decref(o->index);
    }
    free(p->v);
}

static int index_matches(json_t *idx, const char *glob)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(idx, "files"), i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        if (path && util_glob_match(glob, path))
            return 1;
    }
    return 0;
}

/* ---- download + verify ---- */

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

/* Find where a damaged object first goes wrong, using the block table. */
static void locate_damage(const char *spool, struct obj *o, int64_t got_size)
{
    json_t *blocks = o->index ? json_object_get(o->index, "blocks") : NULL;
    const char *comp =
        o->index ? json_string_value(json_object_get(o->index, "compression")) : "gzip";
    codec_t *c = codec_new(codec_kind_from_name(comp), 1);
    int fd = open(spool, O_RDONLY | O_CLOEXEC);
    size_t i;
    json_t *b;

    if (got_size < o->size)
        log_error("object %s is truncated: %lld bytes, expected %lld (data ends at offset "
                  "%lld)",
                  o->key, (long long)got_size, (long long)o->size, (long long)got_size);
    if (!blocks || !c || fd < 0)
        goto out;
    json_array_foreach(blocks, i, b)
    {
        int64_t tlen = json_integer_value(json_array_get(b, 1));
        int64_t coff = json_integer_value(json_array_get(b, 2));
        int64_t clen = json_integer_value(json_array_get(b, 3));
        unsigned char *in = malloc((size_t)clen), *out = malloc((size_t)tlen + 1);
        ssize_t r = (in && out) ? pread(fd, in, (size_t)clen, coff) : -1;
        long d = (r == clen) ? codec_decompress(c, in, (size_t)clen, out, (size_t)tlen) : -1;
        free(in);
        free(out);
        if (d != tlen) {
            log_error("object %s is corrupt: first damaged block #%zu at offset %lld (%lld "
                      "bytes)",
                      o->key, i, (long long)coff, (long long)clen);
            goto out;
        }
    }
out:
    codec_free(c);
    if (fd >= 0)
        close(fd);
}

/* ---- parallel block decompression ----
 *
 * With the index's block table, the spool file's blocks are decompressed on
 * the pool, several ahead of the reader, and handed to libarchive in order
 * through its read callback. Without an index (or with a table that does not
 * tile the object) libarchive's own single-threaded filters are used. */

struct pblock {
    int64_t coff, clen, tlen;
    unsigned char *out;
    long got;
    int done;
};

struct pdec {
    int fd;
    int kind;
    const char *key;
    struct pblock *b;
    size_t n, next_submit, next_read;
    size_t window;
    pool_t *pool;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int failed;
};

struct pjob {
    struct pdec *d;
    size_t i;
};

static void decompress_job(void *arg)
{
    struct pjob *j = arg;
    struct pdec *d = j->d;
    struct pblock *b = &d->b[j->i];
    unsigned char *in = malloc((size_t)b->clen);
    codec_t *c = codec_for_thread(d->kind, 1);
    long got = -1;

    b->out = malloc((size_t)b->tlen + 1);
    if (in && b->out && c && pread(d->fd, in, (size_t)b->clen, b->coff) == b->clen)
        got = codec_decompress(c, in, (size_t)b->clen, b->out, (size_t)b->tlen);
    free(in);
    pthread_mutex_lock(&d->mu);
    b->got = got;
    b->done = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    free(j);
}

static void pdec_fill(struct pdec *d)
{
    while (d->next_submit < d->n && d->next_submit < d->next_read + d->window) {
        struct pjob *j = malloc(sizeof *j);
        if (!j) {
            d->failed = 1;
            return;
        }
        j->d = d;
        j->i = d->next_submit++;
        if (pool_submit(d->pool, decompress_job, j) < 0)
            decompress_job(j);
    }
}

static la_ssize_t pdec_read(struct archive *a, void *ctx, const void **buf)
{
    struct pdec *d = ctx;
    struct pblock *b;

    if (d->next_read > 0) {
        free(d->b[d->next_read - 1].out);
        d->b[d->next_read - 1].out = NULL;
    }
    if (d->next_read >= d->n)
        return 0;
    pdec_fill(d);
    b = &d->b[d->next_read];
    pthread_mutex_lock(&d->mu);
    while (!b->done)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    d->next_read++;
    if (b->got != b->tlen) {
        archive_set_error(a, EIO, "block #%zu at offset %lld does not decompress", d->next_read - 1,
                          (long long)b->coff);
        d->failed = 1;
        return -1;
    }
    *buf = b->out;
    return (la_ssize_t)b->tlen;
}

/* Wait for every submitted block and free buffers. */
static void pdec_finish(struct pdec *d)
{
    pthread_mutex_lock(&d->mu);
    for (size_t i = d->next_read; i < d->next_submit; i++)
        while (!d->b[i].done)
            pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < d->n; i++)
        free(d->b[i].out);
    free(d->b);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
}

/* Set up d from the index; 0 when the block table is usable. */
static int pdec_init(struct pdec *d, json_t *index, int64_t objsize, int fd, pool_t *pool)
{
    json_t *blocks = index ? json_object_get(index, "blocks") : NULL;
    const char *comp = index ? json_string_value(json_object_get(index, "compression")) : NULL;
    int64_t coff = 0;
    size_t i;
    json_t *row;

    memset(d, 0, sizeof d[0]);
    if (!blocks || !json_array_size(blocks) || !codec_kind_from_name(comp) || !pool)
        return -1;
    d->b = calloc(json_array_size(blocks), sizeof *d->b);
    if (!d->b)
        return -1;
    json_array_foreach(blocks, i, row)
    {
        struct pblock *b = &d->b[i];
        b->tlen = json_integer_value(json_array_get(row, 1));
        b->coff = json_integer_value(json_array_get(row, 2));
        b->clen = json_integer_value(json_array_get(row, 3));
        if (b->coff != coff || b->clen <= 0 || b->tlen <= 0 || b->tlen > (256 << 20)) {
            free(d->b);
            d->b = NULL;
            return -1;
        }
        coff += b->clen;
    }
    if (coff != objsize) {
        free(d->b);
        d->b = NULL;
        return -1;
    }
    d->n = json_array_size(blocks);
    d->fd = fd;
    d->kind = codec_kind_from_name(comp);
    d->pool = pool;
    d->window = (size_t)pool_size(pool) * 2 + 2;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    return 0;
}

/* ---- safe extraction ---- */

static int path_is_safe(const char *p)
{
    if (!p || !*p || *p == '/')
        return 0;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n;
        while (*p == '/')
            p++;
    }
    return 1;
}

/* A symlink at entry path `path` pointing at `target` stays inside the tree? */
static int symlink_is_safe(const char *path, const char *target)
{
    int depth = 0;
    const char *p;

    if (!target || !*target || *target == '/')
        return 0;
    /* depth of the link's directory: its components but the last, skipping
     * empty and "." ones (libarchive drops them when writing) */
    for (p = path; *p;) {
        size_t n = strcspn(p, "/");
        int dot = n == 0 || (n == 1 && p[0] == '.');
        p += n;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        if (!dot)
            depth++;
    }
    for (p = target; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0)
                return 0;
        } else if (!(n == 1 && p[0] == '.') && n > 0) {
            depth++;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return 1;
}

/* Directory mtimes are set after every volume is extracted: a later volume
 * adding files to a directory would otherwise leave it with today's time. */
struct dirtimes {
    char **path;
    int64_t *mtime;
    size_t n, cap;
};

static void dirtimes_add(struct dirtimes *d, const char *path, int64_t mtime)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        char **p = realloc(d->path, cap * sizeof *p);
        if (!p)
            return;
        d->path = p;
        int64_t *m = realloc(d->mtime, cap * sizeof *m);
        if (!m)
            return;
        d->mtime = m;
        d->cap = cap;
    }
    if ((d->path[d->n] = strdup(path)))
        d->mtime[d->n++] = mtime;
}

/* Apply in reverse order: children (listed after their parents) first. */
static void dirtimes_apply(struct dirtimes *d)
{
    for (size_t i = d->n; i-- > 0;) {
        struct timespec ts[2] = {{(time_t)d->mtime[i], 0}, {(time_t)d->mtime[i], 0}};
        utimensat(AT_FDCWD, d->path[i], ts, AT_SYMLINK_NOFOLLOW);
    }
}

static void dirtimes_free(struct dirtimes *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->path[i]);
    free(d->path);
    free(d->mtime);
}

struct xstate {
    const char *dest; /* absolute staging dir for this volume */
    const char *glob;
    const char *key;
    json_t *index; /* for parallel decompression; may be NULL */
    int64_t size;
    pool_t *pool;
    struct dirtimes *dirs;
    int refused;
    int extracted;
};

static int extract_volume(struct xstate *x, const char *spool)
{
    struct archive *a = archive_read_new(), *w = archive_write_disk_new();
    struct archive_entry *e;
    struct pdec pd;
    int pd_on = 0, fd = -1;
    int rc = -1, r;
    const int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                      ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT;
    /* No ARCHIVE_EXTRACT_UNLINK: with it libarchive would silently replace a
     * symlink in the way by a directory; without it the entry is refused. */

    if (!a || !w)
        goto out;
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_write_disk_set_options(w, flags);
    fd = open(spool, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && pdec_init(&pd, x->index, x->size, fd, x->pool) == 0) {
        pd_on = 1;
        pd.key = x->key;
        r = archive_read_open(a, &pd, NULL, pdec_read, NULL);
    } else {
        r = archive_read_open_filename(a, spool, 1 << 20);
    }
    if (r != ARCHIVE_OK) {
        log_error("object %s: cannot read: %s", x->key, archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        char path_buf[PATH_MAX];
        const char *path = archive_entry_pathname(e);
        const char *hl = archive_entry_hardlink(e);
        const char *sl = archive_entry_symlink(e);
        mode_t type = archive_entry_filetype(e);
        const char *why = NULL;
        char full[PATH_MAX];

        if (!path_is_safe(path))
            why = "absolute path or \"..\"";
        else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !hl)
            why = "not a regular file, directory or symlink";
        else if (type == AE_IFLNK && !symlink_is_safe(path, sl))
            why = "symlink pointing outside the restore target";
        else if (hl && !path_is_safe(hl))
            why = "hardlink to a path outside the restore target";
        if (why) {
            printf("REFUSED %s: entry \"%s\": %s\n", x->key, path ? path : "(null)", why);
            log_warn("restore: %s: refused entry \"%s\": %s", x->key, path ? path : "", why);
            x->refused++;
            continue;
        }
        if (x->glob && type != AE_IFDIR && !util_glob_match(x->glob, path))
            continue;
        /* path points into e, which the renames below rewrite */
        snprintf(path_buf, sizeof path_buf, "%s", path);
        path = path_buf;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", x->dest, path) >= sizeof full) {
            log_error("restore: %s: path too long: %s", x->key, path);
            goto out;
        }
        archive_entry_set_pathname(e, full);
        if (type == AE_IFDIR)
            dirtimes_add(x->dirs, full, (int64_t)archive_entry_mtime(e));
        if (hl) {
            char hfull[PATH_MAX];
            snprintf(hfull, sizeof hfull, "%s/%s", x->dest, hl);
            archive_entry_set_hardlink(e, hfull);
        }
        r = archive_write_header(w, e);
        if (r < ARCHIVE_WARN) {
            printf("REFUSED %s: entry \"%s\": %s\n", x->key, path, archive_error_string(w));
            log_warn("restore: %s: entry \"%s\" not written: %s", x->key, path,
                     archive_error_string(w));
            x->refused++;
            continue;
        }
        if (archive_entry_size(e) > 0) {
            const void *buf;
            size_t len;
            la_int64_t off;
            while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
                if (archive_write_data_block(w, buf, len, off) < ARCHIVE_OK) {
                    log_error("restore: writing %s: %s", full, archive_error_string(w));
                    goto out;
                }
            if (r != ARCHIVE_EOF) {
                log_error("object %s: damaged data in \"%s\": %s", x->key, path,
                          archive_error_string(a));
                goto out;
            }
        }
        if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
            log_error("restore: finishing %s: %s", full, archive_error_string(w));
            goto out;
        }
        x->extracted++;
    }
    if (r != ARCHIVE_EOF) {
        log_error("object %s: damaged archive: %s", x->key, archive_error_string(a));
        goto out;
    }
    rc = 0;
out:
    archive_read_free(a);
    archive_write_free(w);
    if (pd_on)
        pdec_finish(&pd);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Move staging tree `from` into `to`, merging directories. */
static int merge_tree(const char *from, const char *to)
{
    struct stat sf, st;
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (lstat(from, &sf) < 0)
        return -1;
    if (lstat(to, &st) < 0) {
        if (rename(from, to) == 0)
            return 0;
        log_error("restore: cannot move %s to %s: %s", from, to, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sf.st_mode) || !S_ISDIR(st.st_mode)) {
        if (S_ISDIR(st.st_mode) && !S_ISDIR(sf.st_mode)) {
            log_error("restore: %s exists as a directory; not replacing it with a file", to);
            return -1;
        }
        if (rename(from, to) == 0)
            return 0;
        log_error("restore: cannot replace %s: %s", to, strerror(errno));
        return -1;
    }
    d = opendir(from);
    if (!d)
        return -1;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *a = util_asprintf("%s/%s", from, de->d_name);
        char *b = util_asprintf("%s/%s", to, de->d_name);
        if (!a || !b || merge_tree(a, b) < 0)
            rc = -1;
        free(a);
        free(b);
    }
    closedir(d);
    struct timespec ts[2] = {sf.st_atim, sf.st_mtim};
    utimensat(AT_FDCWD, to, ts, AT_SYMLINK_NOFOLLOW);
    rmdir(from);
    return rc;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? 0 : 0;
}

static void rm_tree(const char *path)
{
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- cost and time estimates ---- */

static void print_estimate(const char *tier, int64_t bytes, int ncold, const char *cls)
{
    /* AWS list prices (us-east-1, 2025): per GB retrieved and per 1000 requests. */
    double gb = (double)bytes / 1e9;
    double per_gb = 0, per_1k = 0;
    const char *eta = "immediately";
    int deep = cls && !strcmp(cls, "DEEP_ARCHIVE");

    if (ncold == 0) {
        printf("all objects are readable now; no retrieval fee\n");
        return;
    }
    if (!strcmp(tier, "Bulk")) {
        per_gb = deep ? 0.0025 : 0.0;
        per_1k = deep ? 0.025 : 0.0;
        eta = deep ? "within 48 hours" : "within 5-12 hours";
    } else if (!strcmp(tier, "Standard")) {
        per_gb = deep ? 0.02 : 0.01;
        per_1k = deep ? 0.10 : 0.05;
        eta = deep ? "within 12 hours" : "within 3-5 hours";
    } else {
        per_gb = 0.03;
        per_1k = 10.0;
        eta = "within 1-5 minutes";
    }
    printf("thaw: %d cold object(s) in %s, tier %s: ready %s on S3; estimated retrieval cost "
           "$%.2f ($%.4f/GB + $%.3f/1000 requests, AWS list price; the file:// store "
           "simulates this with thaw_delay)\n",
           ncold, cls ? cls : "?", tier, eta, gb * per_gb + ncold * per_1k / 1000.0, per_gb,
           per_1k);
}

static int confirm(const restore_opts_t *o)
{
    char line[16];

    if (o->yes)
        return 1;
    if (!isatty(STDIN_FILENO)) {
        log_error("restore: not on a terminal: add --yes to proceed");
        return 0;
    }
    printf("Proceed? [y/N] ");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return line[0] == 'y' || line[0] == 'Y';
}

int job_restore(const config_t *cfg, const restore_opts_t *o)
{
    store_t *s = NULL;
    catalog_t *c = NULL;
    struct plan p = {0};
    char *staging = NULL, *spool = NULL;
    int code = EXIT_FAIL, ncold = 0, npending = 0, refused = 0, corrupt = 0;
    int64_t cold_bytes = 0;
    struct dirtimes dirs = {0};
    pool_t *pool = NULL;
    char cls[32] = "";
    char buf[32];

    s = store_open(cfg);
    c = s ? catalog_open(cfg->catalog.path) : NULL;
    if (!c)
        goto out;
    if (catalog_objects(c, "data", o->tenant, o->from, o->to, o->source, plan_add, &p) < 0)
        goto out;
    if (p.n == 0) {
        log_error("restore: no backup of tenant %s from %s to %s%s%s in the catalog %s (if the "
                  "catalog was lost: coldpack catalog rebuild)",
                  o->tenant, o->from, o->to, o->source ? " for source " : "",
                  o->source ? o->source : "", cfg->catalog.path);
        goto out;
    }
    /* Load indexes (hot): for the glob filter and for damage location. */
    for (size_t i = 0; i < p.n; i++) {
        p.v[i].index = index_load(s, p.v[i].index_key);
        if (!p.v[i].index && o->glob) {
            log_error("restore: cannot read index %s needed for --path", p.v[i].index_key);
            goto out;
        }
        if (o->glob && !index_matches(p.v[i].index, o->glob)) {
            p.bytes -= p.v[i].size;
            p.v[i].size = -1; /* dropped */
        }
    }
    {
        size_t n = 0;
        for (size_t i = 0; i < p.n; i++)
            n += p.v[i].size >= 0;
        if (n == 0) {
            log_error("restore: no file matches --path '%s' for tenant %s from %s to %s", o->glob,
                      o->tenant, o->from, o->to);
            goto out;
        }
        printf("restore plan: tenant %s, %s to %s%s%s%s%s: %zu object(s), %s -> %s\n", o->tenant,
               o->from, o->to, o->source ? ", source " : "", o->source ? o->source : "",
               o->glob ? ", path " : "", o->glob ? o->glob : "", n,
               util_fmt_size(p.bytes, buf, sizeof buf), o->target);
    }
    /* Thaw state */
    for (size_t i = 0; i < p.n; i++) {
        store_info_t info;
        if (p.v[i].size < 0)
            continue;
        if (store_head(s, p.v[i].key, &info) < 0) {
            log_error("restore: object %s is missing from the store %s", p.v[i].key,
                      cfg->store.url);
            code = EXIT_CORRUPT;
            goto out;
        }
        if (info.cold && info.thaw != STORE_THAW_READY) {
            ncold++;
            cold_bytes += info.size;
            snprintf(cls, sizeof cls, "%s", info.storage_class);
        }
        printf("  %s  %s  %s\n", p.v[i].key, util_fmt_size(p.v[i].size, buf, sizeof buf),
               info.cold ? (info.thaw == STORE_THAW_READY     ? "cold, restored"
                            : info.thaw == STORE_THAW_PENDING ? "cold, thaw in progress"
                                                              : "cold")
                         : "hot");
    }
    print_estimate(o->tier, cold_bytes, ncold, cls);
    fflush(stdout);
    if (o->dry_run) {
        code = EXIT_OK;
        goto out;
    }
    if (!confirm(o)) {
        code = EXIT_USAGE;
        goto out;
    }
    for (int attempt = 0;; attempt++) {
        npending = 0;
        for (size_t i = 0; i < p.n; i++) {
            store_info_t info;
            if (p.v[i].size < 0)
                continue;
            if (store_head(s, p.v[i].key, &info) < 0)
                goto out;
            if (!info.cold || info.thaw == STORE_THAW_READY) {
                if (info.cold)
                    catalog_restore_record(c, p.v[i].key, o->tier, o->days, "ready");
                continue;
            }
            npending++;
            if (info.thaw == STORE_THAW_NONE) {
                if (store_restore(s, p.v[i].key, o->days, o->tier) < 0)
                    goto out;
                catalog_restore_record(c, p.v[i].key, o->tier, o->days, "requested");
                printf("requested restore of %s (tier %s, %d day(s))\n", p.v[i].key, o->tier,
                       o->days);
            }
        }
        if (npending == 0)
            break;
        /* A request may complete at once (file:// with thaw_delay 0): look again. */
        if (attempt == 0)
            continue;
        if (!o->wait) {
            printf("%d object(s) still thawing; run the same restore command again later "
                   "(exit code %d)\n",
                   npending, EXIT_PENDING);
            code = EXIT_PENDING;
            goto out;
        }
        unsigned delay = attempt < 8 ? 1u << (attempt - 1) : 300;
        if (delay > 300)
            delay = 300;
        log_info("restore: %d object(s) thawing; checking again in %u s", npending, delay);
        sleep(delay);
    }

    /* Fetch, verify, extract into staging. */
    if (util_mkdirs(o->target, 0755) < 0) {
        log_error("restore: cannot create target %s: %s", o->target, strerror(errno));
        goto out;
    }
    pool = pool_new(cfg->pack.threads);
    staging = util_asprintf("%s/.coldpack-partial.%d", o->target, (int)getpid());
    spool = util_asprintf("%s/.coldpack-spool.%d", o->target, (int)getpid());
    if (!staging || !spool || util_mkdirs(staging, 0700) < 0) {
        log_error("restore: cannot create staging directory in %s", o->target);
        goto out;
    }
    for (size_t i = 0; i < p.n; i++) {
        struct obj *ob = &p.v[i];
        struct dl d = {-1, {NULL}, 0, spool};
        char got[65];
        int rc;

        if (ob->size < 0)
            continue;
        d.fd = open(spool, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (d.fd < 0 || util_sha256_init(&d.h) < 0) {
            log_error("restore: cannot create spool file %s: %s", spool, strerror(errno));
            goto out;
        }
        rc = store_get(s, ob->key, 0, -1, dl_sink, &d);
        close(d.fd);
        util_sha256_final(&d.h, got);
        if (rc < 0)
            goto out;
        if (d.n != ob->size || strcmp(got, ob->sha256)) {
            log_error("object %s failed verification: SHA-256 %s, expected %s; size %lld, "
                      "expected %lld; nothing extracted from it",
                      ob->key, got, ob->sha256, (long long)d.n, (long long)ob->size);
            locate_damage(spool, ob, d.n);
            corrupt++;
            continue;
        }
        char *dest = util_asprintf("%s/%s/%s/%s", staging, ob->tenant, ob->date, ob->source);
        struct xstate x = {dest, o->glob, ob->key, ob->index, ob->size, pool, &dirs, 0, 0};
        if (!dest || util_mkdirs(dest, 0755) < 0) {
            free(dest);
            goto out;
        }
        rc = extract_volume(&x, spool);
        free(dest);
        refused += x.refused;
        if (rc < 0) {
            corrupt++;
            continue;
        }
        printf("verified and extracted %s: %d entr%s%s\n", ob->key, x.extracted,
               x.extracted == 1 ? "y" : "ies", x.refused ? " (some refused)" : "");
        fflush(stdout);
    }
    if (corrupt) {
        log_error("restore: %d object(s) corrupt or unreadable; nothing was moved into %s", corrupt,
                  o->target);
        code = EXIT_CORRUPT;
        goto out;
    }
    dirtimes_apply(&dirs);
    {
        DIR *d = opendir(staging);
        struct dirent *de;
        int bad = 0;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *a = util_asprintf("%s/%s", staging, de->d_name);
            char *b = util_asprintf("%s/%s", o->target, de->d_name);
            if (!a || !b || merge_tree(a, b) < 0)
                bad++;
            free(a);
            free(b);
        }
        if (d)
            closedir(d);
        if (bad)
            goto out;
    }
    printf("restore complete: %s%s\n", o->target,
           refused ? " (with refused entries, see above)" : "");
    code = refused ? EXIT_WARN : EXIT_OK;
out:
    if (spool)
        unlink(spool);
    if (staging)
        rm_tree(staging);
    free(staging);
    free(spool);
    plan_free(&p);
    dirtimes_free(&dirs);
    pool_free(pool);
    catalog_free(c);
    store_free(s);
    return code;
}
