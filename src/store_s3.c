/*
 * store_s3.c — the s3://bucket/prefix store (store.h vtable) over s3.c.
 *
 * Uploads stream: put_write fills a part buffer; a full buffer is handed to
 * the upload's worker threads (config concurrency) and a new one is started.
 * At most `concurrency` part buffers exist per upload (the one being filled
 * included), so memory is <= concurrency x part_size + a constant; the writer
 * blocks while all are in use. An object that ends before its first part is
 * full goes up as one PUT. Each part carries Content-MD5 (S3 and RGW verify
 * it) and a signed x-amz-content-sha256; a part is retried alone (s3.c).
 *
 * Part size: `part_size` from the config, or auto: with a size hint,
 * max(8 MiB, hint / 9000) so an object stays under 10,000 parts; without one,
 * 16 MiB. An object that outgrows its hint (or 2,000 parts without one)
 * doubles its part size every 1,000 further parts, so it never hits the
 * 10,000-part limit; only such oversized objects use bigger buffers.
 *
 * SHA-256: S3 takes user metadata only when an upload starts, before a
 * streamed object's SHA-256 is known, and archived objects cannot be copied
 * in place to add it later. So a single-PUT object carries x-amz-meta-sha256,
 * and a multipart object gets it as object tag "sha256" right after
 * CompleteMultipartUpload (a failure there deletes the object: nothing is left
 * visible without its checksum). head() reads whichever is present.
 *
 * Leftovers: when a multipart upload starts, a marker object
 * <prefix>.coldpack/uploads/<hash of upload id> records host, pid, process
 * start time and key; it is deleted when the upload completes or aborts.
 * cleanup() lists the multipart uploads under the prefix and aborts those
 * whose marker names a dead process on this host, those whose marker is older
 * than COLDPACK_S3_STALE_HOURS (default 24) from another host, and unmarked
 * ones that old; uploads of live runs (other shards) are left alone. Keys
 * under .coldpack/ are hidden from list().
 *
 * Peers without parts of the API: a RestoreObject answered 501 (Ceph RGW,
 * MinIO, s3rver keep archive classes as labels) is checked with a 1-byte GET;
 * if the object is readable the store says so once and reports archived
 * objects ready. Object Lock headers go on the PUT or CreateMultipartUpload
 * and, since RGW ignores them there, PutObjectRetention follows a multipart
 * completion. If-None-Match: * goes on the PUT and on CompleteMultipartUpload
 * (AWS honours both; RGW only the PUT, s3rver neither).
 */
#include "store.h"

#include "config.h"
#include "log.h"
#include "s3.h"
#include "sigv4.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define MIN_PART   ((int64_t)5 << 20)
#define MAX_PART   ((int64_t)5 << 30)
#define AUTO_MIN   ((int64_t)8 << 20)
#define AUTO_START ((int64_t)16 << 20)
#define MAX_PARTS  10000
#define MARKER_DIR ".coldpack/uploads/"

typedef struct s3store {
    store_t base; /* must be first */
    s3_client_t *cli;
    char *bucket;
    char *prefix; /* "" or "some/prefix/" */
    int64_t part_size;
    int concurrency;
    char *sse, *kms_key_id;
    char *lock_mode; /* NULL, "GOVERNANCE" or "COMPLIANCE" */
    int retention_days;
    char hostname[128];
    unsigned long long start_ticks;
    atomic_int labels_only; /* the service serves archive classes without a restore */
    atomic_int no_tagging;  /* the service has no object tagging (501) */
} s3store_t;

typedef struct part_job {
    struct part_job *next;
    int num;
    unsigned char *data;
    size_t len;
} part_job_t;

struct store_put {
    store_t *store; /* must be first (store.c reaches the vtable through it) */
    s3store_t *s;
    char *key; /* full key, with prefix */
    char *rel; /* key as the caller named it, for messages */
    char *storage_class;
    char *content_type;
    int if_none_match;
    int64_t size_hint;
    int64_t base_part;
    int64_t total;
    unsigned char *buf;
    size_t blen, bcap;
    char *upload_id;
    char marker[128];
    int nparts;   /* parts submitted */
    char **etags; /* [nparts] */
    int etags_cap;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    part_job_t *head, *tail;
    int outstanding; /* buffers queued or in flight */
    int max_bufs;
    pthread_t *threads;
    int nthreads;
    int closing;
    atomic_int failed; /* set by workers, read by the writer */
};

/* ------------------------------------------------------------ helpers --- */

static char *full_key(const s3store_t *s, const char *key)
{
    return util_asprintf("%s%s", s->prefix, key ? key : "");
}

static unsigned long long proc_start_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    /* fields after ')': state(3) ... starttime is field 22 */
    unsigned long long v = 0;
    int field = 2;
    for (char *t = p + 1; *t; t++) {
        if (*t == ' ') {
            field++;
            if (field == 22) {
                v = strtoull(t + 1, NULL, 10);
                break;
            }
        }
    }
    return v;
}

static void lock_headers(const s3store_t *s, char *until, size_t n, s3_header_t *h, size_t *nh)
{
    if (!s->lock_mode)
        return;
    time_t t = time(NULL) + (time_t)s->retention_days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(until, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h[(*nh)++] = (s3_header_t){"x-amz-object-lock-mode", s->lock_mode};
    h[(*nh)++] = (s3_header_t){"x-amz-object-lock-retain-until-date", until};
}

static void sse_headers(const s3store_t *s, s3_header_t *h, size_t *nh)
{
    if (!s->sse)
        return;
    h[(*nh)++] = (s3_header_t){"x-amz-server-side-encryption", s->sse};
    if (!strcmp(s->sse, "aws:kms") && s->kms_key_id)
        h[(*nh)++] = (s3_header_t){"x-amz-server-side-encryption-aws-kms-key-id", s->kms_key_id};
}

static void marker_key(const s3store_t *s, const char *upload_id, char *out, size_t n)
{
    char h[65];
    util_sha256_buf(upload_id, strlen(upload_id), h);
    snprintf(out, n, "%s" MARKER_DIR "%.32s", s->prefix, h);
}

static int simple(s3store_t *s, const char *method, const char *key, const char *query,
                  const s3_header_t *h, size_t nh, const void *body, size_t blen, int quiet,
                  s3_response_t *resp)
{
    s3_request_t r = {.method = method,
                      .key = key,
                      .query = query,
                      .headers = h,
                      .nheaders = nh,
                      .body = body,
                      .body_len = blen,
                      .quiet_mask = quiet};
    return s3_request(s->cli, &r, resp);
}

/* Small PUT with Content-MD5 (required by Object Lock buckets). */
static int put_small(s3store_t *s, const char *key, const void *data, size_t len,
                     const s3_header_t *extra, size_t nextra, int quiet, s3_response_t *resp)
{
    char md5[32];
    s3_header_t h[24];
    size_t nh = 0;
    s3_content_md5(data, len, md5);
    h[nh++] = (s3_header_t){"Content-MD5", md5};
    for (size_t i = 0; i < nextra && nh < 24; i++)
        h[nh++] = extra[i];
    return simple(s, "PUT", key, NULL, h, nh, data, len, quiet, resp);
}

static int map_rc(int rc)
{
    switch (rc) {
    case S3_OK:
        return STORE_OK;
    case S3_NOTFOUND:
        return STORE_NOTFOUND;
    case S3_PRECOND:
        return STORE_EXISTS;
    case S3_COLD:
        return STORE_COLD;
    default:
        return STORE_ERR;
    }
}

/* ------------------------------------------------------------- upload --- */

int64_t store_s3_part_size(int64_t configured, int64_t hint)
{
    int64_t ps = configured;
    if (ps <= 0) {
        if (hint > 0) {
            ps = (hint + 8999) / 9000;
            ps = (ps + (1 << 20) - 1) & ~(int64_t)((1 << 20) - 1);
            if (ps < AUTO_MIN)
                ps = AUTO_MIN;
        } else {
            ps = AUTO_START;
        }
    } else if (hint > 0 && (hint + ps - 1) / ps > MAX_PARTS - 100) {
        int64_t need = (hint + (MAX_PARTS - 100) - 1) / (MAX_PARTS - 100);
        need = (need + (1 << 20) - 1) & ~(int64_t)((1 << 20) - 1);
        log_warn("part_size %lld would need more than 10,000 parts for %lld bytes; using %lld",
                 (long long)ps, (long long)hint, (long long)need);
        ps = need;
    }
    if (ps < MIN_PART)
        ps = MIN_PART;
    if (ps > MAX_PART)
        ps = MAX_PART;
    return ps;
}

/* Size of the buffer for part number num (1-based). Parts keep base_part up
 * to the count the size hint predicts (2,000 without a hint); past it the
 * object is bigger than announced (a volume holding one huge file), so the
 * part size doubles every 1,000 parts to stay under 10,000 parts. */
int64_t store_s3_part_len(int64_t base, int64_t hint, int num)
{
    int64_t ps = base;
    int64_t expected = hint > 0 ? (hint + ps - 1) / ps : 2000;
    if (num > expected) {
        int64_t shift = 1 + (num - expected - 1) / 1000;
        while (shift-- > 0 && ps < MAX_PART)
            ps *= 2;
    }
    return ps > MAX_PART ? MAX_PART : ps;
}

static size_t part_len_for(const store_put_t *p, int num)
{
    return (size_t)store_s3_part_len(p->base_part, p->size_hint, num);
}

static int upload_part(store_put_t *p, part_job_t *j)
{
    char q[1024], md5[32], what[256];
    char *uid = s3_qenc(p->upload_id);
    if (!uid)
        return -1;
    snprintf(q, sizeof q, "partNumber=%d&uploadId=%s", j->num, uid);
    free(uid);
    s3_content_md5(j->data, j->len, md5);
    s3_header_t h[] = {{"Content-MD5", md5}};
    s3_request_t r = {.method = "PUT",
                      .key = p->key,
                      .query = q,
                      .headers = h,
                      .nheaders = 1,
                      .body = j->data,
                      .body_len = j->len};
    s3_response_t resp;
    int rc = s3_request(p->s->cli, &r, &resp);
    if (rc == S3_OK && !resp.etag[0]) {
        snprintf(what, sizeof what, "part %d of %s: no ETag in the answer", j->num, p->rel);
        log_error("%s: %s", p->s->base.url, what);
        rc = S3_ERR;
    }
    if (rc == S3_OK) {
        pthread_mutex_lock(&p->mu);
        p->etags[j->num - 1] = strdup(resp.etag);
        if (!p->etags[j->num - 1])
            rc = S3_ERR;
        pthread_mutex_unlock(&p->mu);
    }
    s3_response_free(&resp);
    return rc == S3_OK ? 0 : -1;
}

static void *worker(void *arg)
{
    store_put_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->closing)
            pthread_cond_wait(&p->cv, &p->mu);
        part_job_t *j = p->head;
        if (!j) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        int skip = p->failed;
        pthread_mutex_unlock(&p->mu);

        int ok = skip ? -1 : upload_part(p, j);
        free(j->data);
        free(j);

        pthread_mutex_lock(&p->mu);
        if (ok != 0)
            p->failed = 1;
        p->outstanding--;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

static int put_open(store_t *st, const char *key, const store_put_opts_t *o, store_put_t **out)
{
    s3store_t *s = (s3store_t *)st;
    store_put_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        goto oom;
    p->store = st;
    p->s = s;
    p->key = full_key(s, key);
    p->rel = strdup(key);
    p->storage_class = strdup(o && o->storage_class ? o->storage_class : st->storage_class);
    p->content_type = strdup(o && o->content_type ? o->content_type : "application/octet-stream");
    if (!p->key || !p->rel || !p->storage_class || !p->content_type)
        goto oom;
    p->if_none_match = o ? o->if_none_match : 0;
    p->size_hint = o ? o->size_hint : -1;
    p->base_part = store_s3_part_size(s->part_size, p->size_hint);
    p->max_bufs = s->concurrency > 0 ? s->concurrency : 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    *out = p;
    return STORE_OK;
oom:
    log_error("%s: %s: out of memory", st->url, key);
    if (p) {
        free(p->key);
        free(p->rel);
        free(p->storage_class);
        free(p->content_type);
        free(p);
    }
    return STORE_ERR;
}

typedef struct sweep_ctx {
    s3store_t *s;
    const char *key, *keep;
} sweep_ctx_t;

static void abort_upload(s3store_t *s, const char *key, const char *upload_id, const char *marker);

static int sweep_one(void *vctx, const s3_upload_t *u)
{
    sweep_ctx_t *c = vctx;
    if (strcmp(u->key, c->key) != 0 || !strcmp(u->upload_id, c->keep))
        return 0;
    char mk[128];
    s3_response_t resp;
    marker_key(c->s, u->upload_id, mk, sizeof mk);
    int m = simple(c->s, "HEAD", mk, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    if (m == S3_NOTFOUND) { /* unmarked: the twin of a retried CreateMultipartUpload */
        log_debug("%s: aborting duplicate upload %s of %s", c->s->base.url, u->upload_id, u->key);
        abort_upload(c->s, u->key, u->upload_id, NULL);
    }
    return 0;
}

/* A CreateMultipartUpload that was retried may have created an upload whose
 * answer was lost: abort unmarked uploads of the same key but ours. */
static void sweep_key_uploads(s3store_t *s, const char *key, const char *keep)
{
    char *ek = s3_qenc(key);
    char *q = ek ? util_asprintf("uploads&prefix=%s", ek) : NULL;
    s3_response_t resp;
    free(ek);
    if (!q)
        return;
    if (simple(s, "GET", NULL, q, NULL, 0, NULL, 0, 0, &resp) == S3_OK) {
        int trunc;
        char *nk = NULL, *nu = NULL;
        sweep_ctx_t c = {s, key, keep};
        s3_parse_list_uploads(resp.body, resp.body_len, sweep_one, &c, &trunc, &nk, &nu);
        free(nk);
        free(nu);
    }
    s3_response_free(&resp);
    free(q);
}

/* CreateMultipartUpload + marker + workers. */
static int start_multipart(store_put_t *p)
{
    s3store_t *s = p->s;
    s3_header_t h[16];
    size_t nh = 0;
    char until[32];
    h[nh++] = (s3_header_t){"x-amz-storage-class", p->storage_class};
    h[nh++] = (s3_header_t){"Content-Type", p->content_type};
    h[nh++] = (s3_header_t){"x-amz-meta-coldpack", "1"};
    sse_headers(s, h, &nh);
    lock_headers(s, until, sizeof until, h, &nh);
    s3_response_t resp;
    int rc = simple(s, "POST", p->key, "uploads", h, nh, NULL, 0, 0, &resp);
    if (rc == S3_OK && s3_parse_initiate(resp.body, resp.body_len, &p->upload_id) != 0) {
        log_error("%s: %s: CreateMultipartUpload answered without an UploadId", s->base.url,
                  p->rel);
        rc = S3_ERR;
    }
    int retried = resp.attempts > 1;
    s3_response_free(&resp);
    if (rc != S3_OK)
        return -1;
    if (retried)
        sweep_key_uploads(s, p->key, p->upload_id);

    /* marker: who owns this upload (for cleanup after a crash) */
    marker_key(s, p->upload_id, p->marker, sizeof p->marker);
    char *body =
        util_asprintf("coldpack-upload 1\nhost %s\npid %d\nstart %llu\nkey %s\nupload %s\n",
                      s->hostname, (int)getpid(), s->start_ticks, p->key, p->upload_id);
    s3_header_t mh[] = {{"Content-Type", "text/plain"}, {"x-amz-storage-class", "STANDARD"}};
    rc = body ? put_small(s, p->marker, body, strlen(body), mh, 2, 0, &resp) : S3_ERR;
    free(body);
    s3_response_free(&resp);
    if (rc != S3_OK) {
        p->marker[0] = '\0';
        return -1; /* put_abort aborts the upload */
    }

    p->nthreads = p->max_bufs;
    p->threads = calloc((size_t)p->nthreads, sizeof *p->threads);
    if (!p->threads)
        return -1;
    for (int i = 0; i < p->nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            p->nthreads = i;
            log_error("%s: %s: cannot start upload threads", s->base.url, p->rel);
            return -1;
        }
    }
    log_debug("%s: %s: multipart upload started (part size %lld, %d in flight)", s->base.url,
              p->rel, (long long)p->base_part, p->max_bufs);
    return 0;
}

/* Hands the current buffer to the workers. */
static int submit_part(store_put_t *p)
{
    if (!p->upload_id && start_multipart(p) != 0) {
        p->failed = 1;
        return -1;
    }
    if (p->nparts >= MAX_PARTS) {
        log_error("%s: %s: more than 10,000 parts; set a larger part_size or pass a size hint",
                  p->s->base.url, p->rel);
        p->failed = 1;
        return -1;
    }
    part_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    pthread_mutex_lock(&p->mu);
    if (p->nparts >= p->etags_cap) {
        int cap = p->etags_cap ? p->etags_cap * 2 : 64;
        char **e = realloc(p->etags, (size_t)cap * sizeof *e);
        if (!e) {
            pthread_mutex_unlock(&p->mu);
            free(j);
            return -1;
        }
        memset(e + p->etags_cap, 0, (size_t)(cap - p->etags_cap) * sizeof *e);
        p->etags = e;
        p->etags_cap = cap;
    }
    j->num = ++p->nparts;
    j->data = p->buf;
    j->len = p->blen;
    p->buf = NULL;
    p->blen = p->bcap = 0;
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->outstanding++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

static int put_write(store_put_t *p, const void *data, size_t len)
{
    const unsigned char *d = data;
    while (len > 0) {
        if (p->failed)
            return STORE_ERR;
        if (!p->buf) {
            /* wait for a free buffer slot: the bound on memory */
            pthread_mutex_lock(&p->mu);
            while (p->outstanding + 1 > p->max_bufs && !p->failed)
                pthread_cond_wait(&p->cv, &p->mu);
            int failed = p->failed;
            pthread_mutex_unlock(&p->mu);
            if (failed)
                return STORE_ERR;
            p->bcap = part_len_for(p, p->nparts + 1);
            p->buf = malloc(p->bcap);
            if (!p->buf) {
                log_error("%s: %s: out of memory for a %zu-byte part", p->s->base.url, p->rel,
                          p->bcap);
                p->failed = 1;
                return STORE_ERR;
            }
            p->blen = 0;
        }
        size_t n = p->bcap - p->blen;
        if (n > len)
            n = len;
        memcpy(p->buf + p->blen, d, n);
        p->blen += n;
        p->total += (int64_t)n;
        d += n;
        len -= n;
        if (p->blen == p->bcap && submit_part(p) != 0)
            return STORE_ERR;
    }
    return STORE_OK;
}

/* Stops the workers (draining the queue) and joins them. */
static void stop_workers(store_put_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    p->nthreads = 0;
}

static void put_free(store_put_t *p)
{
    if (!p)
        return;
    for (part_job_t *j = p->head, *n; j; j = n) {
        n = j->next;
        free(j->data);
        free(j);
    }
    for (int i = 0; i < p->nparts && p->etags; i++)
        free(p->etags[i]);
    free(p->etags);
    free(p->threads);
    free(p->buf);
    free(p->upload_id);
    free(p->key);
    free(p->rel);
    free(p->storage_class);
    free(p->content_type);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

static void abort_upload(s3store_t *s, const char *key, const char *upload_id, const char *marker)
{
    char q[1024];
    s3_response_t resp;
    char *uid = s3_qenc(upload_id);
    if (uid) {
        snprintf(q, sizeof q, "uploadId=%s", uid);
        free(uid);
        if (simple(s, "DELETE", key, q, NULL, 0, NULL, 0, S3Q_404, &resp) == S3_OK)
            log_debug("%s: aborted multipart upload of %s", s->base.url, key);
        s3_response_free(&resp);
    }
    if (marker && *marker) {
        simple(s, "DELETE", marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
    }
}

static void put_abort(store_put_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->failed = 1; /* workers skip queued parts */
    pthread_mutex_unlock(&p->mu);
    stop_workers(p);
    if (p->upload_id)
        abort_upload(p->s, p->key, p->upload_id, p->marker);
    put_free(p);
}

static int s3_head(store_t *st, const char *key, store_info_t *out);

/* Object Lock retention of a completed multipart object. S3 takes the lock
 * headers on CreateMultipartUpload, but Ceph RGW 16 ignores them there, so
 * the retention is (re)applied with PutObjectRetention: same mode, a
 * retain-until date at least as late, which S3 allows even in COMPLIANCE. */
static int set_retention(store_put_t *p)
{
    char until[32], body[512], md5[32];
    s3_header_t lh[2];
    size_t nlh = 0;
    lock_headers(p->s, until, sizeof until, lh, &nlh);
    snprintf(body, sizeof body,
             "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>%s</Mode>"
             "<RetainUntilDate>%s</RetainUntilDate></Retention>",
             p->s->lock_mode, until);
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    s3_response_t resp;
    int rc = simple(p->s, "PUT", p->key, "retention", h, 2, body, strlen(body), 0, &resp);
    s3_response_free(&resp);
    return rc == S3_OK ? 0 : -1;
}

/* Object tag sha256=<hex> on a completed multipart object. Returns 0, or -1.
 * A service without object tagging (HTTP 501) is told once and accepted:
 * the SHA-256 then lives in the catalog, the index and the run manifest. */
static int set_sha_tag(store_put_t *p, const char *sha)
{
    char body[512], md5[32];
    snprintf(body, sizeof body,
             "<Tagging><TagSet><Tag><Key>sha256</Key><Value>%s</Value></Tag></TagSet></Tagging>",
             sha);
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    s3_response_t resp;
    int rc = simple(p->s, "PUT", p->key, "tagging", h, 2, body, strlen(body), S3Q_501, &resp);
    s3_response_free(&resp);
    if (rc == S3_NOTIMPL) {
        if (!atomic_exchange(&p->s->no_tagging, 1))
            log_warn("%s: this S3 service does not support object tagging (HTTP 501): the "
                     "SHA-256 of multipart objects is kept in the catalog, indexes and "
                     "manifests only",
                     p->s->base.url);
        return 0;
    }
    return rc == S3_OK ? 0 : -1;
}

static int complete(store_put_t *p)
{
    s3store_t *s = p->s;
    size_t cap = 128 + (size_t)p->nparts * 200, len = 0;
    char *xml = malloc(cap);
    int rc = STORE_ERR;
    if (!xml)
        return STORE_ERR;
    len += (size_t)snprintf(xml + len, cap - len, "<CompleteMultipartUpload>");
    for (int i = 0; i < p->nparts; i++) {
        if (!p->etags[i]) {
            log_error("%s: %s: part %d has no ETag", s->base.url, p->rel, i + 1);
            free(xml);
            return STORE_ERR;
        }
        len += (size_t)snprintf(xml + len, cap - len,
                                "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
                                p->etags[i]);
    }
    len += (size_t)snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
    char q[1024];
    char *uid = s3_qenc(p->upload_id);
    if (!uid) {
        free(xml);
        return STORE_ERR;
    }
    snprintf(q, sizeof q, "uploadId=%s", uid);
    free(uid);
    s3_header_t h[3];
    size_t nh = 0;
    h[nh++] = (s3_header_t){"Content-Type", "application/xml"};
    if (p->if_none_match)
        h[nh++] = (s3_header_t){"If-None-Match", "*"};
    for (int att = 0;; att++) {
        s3_response_t resp;
        int r = simple(s, "POST", p->key, q, h, nh, xml, len, S3Q_412 | S3Q_404, &resp);
        if (r == S3_NOTFOUND && (resp.attempts > 1 || att > 0)) {
            /* an earlier attempt completed it but its answer was lost */
            s3_response_free(&resp);
            store_info_t inf;
            char *rel = p->rel;
            if (s3_head(&s->base, rel, &inf) == STORE_OK && inf.size == p->total) {
                rc = STORE_OK;
                break;
            }
            log_error("%s: %s: CompleteMultipartUpload: the upload vanished", s->base.url, p->rel);
            break;
        }
        if (r == S3_NOTFOUND) {
            log_error("%s: %s: CompleteMultipartUpload: HTTP 404 %s", s->base.url, p->rel,
                      resp.error_code);
            s3_response_free(&resp);
            break;
        }
        if (r == S3_PRECOND) {
            rc = STORE_EXISTS;
            s3_response_free(&resp);
            break;
        }
        if (r != S3_OK) {
            s3_response_free(&resp);
            break;
        }
        s3_error_t err;
        int pr = s3_parse_complete(resp.body, resp.body_len, NULL, 0, &err);
        s3_response_free(&resp);
        if (pr == 0) {
            rc = STORE_OK;
            break;
        }
        if (pr == 1 && s3_is_retryable(200, err.code)) {
            char what[256];
            snprintf(what, sizeof what, "CompleteMultipartUpload %s: HTTP 200 with error %s",
                     p->rel, err.code);
            if (s3_client_backoff(s->cli, att, what) == 0)
                continue;
            break;
        }
        if (pr == 1)
            log_error("%s: %s: CompleteMultipartUpload answered HTTP 200 with an error: %s%s%s",
                      s->base.url, p->rel, err.code[0] ? err.code : "(no code)",
                      err.message[0] ? ": " : "", err.message);
        else
            log_error("%s: %s: CompleteMultipartUpload answered HTTP 200 with an unreadable body",
                      s->base.url, p->rel);
        break;
    }
    free(xml);
    return rc;
}

static int put_commit(store_put_t *p, const char *sha256_hex)
{
    s3store_t *s = p->s;
    int rc = STORE_ERR;
    if (!sha256_hex || strlen(sha256_hex) != 64) {
        log_error("%s: %s: commit without a SHA-256", s->base.url, p->rel);
        put_abort(p);
        return STORE_ERR;
    }
    if (p->failed) {
        put_abort(p);
        return STORE_ERR;
    }
    if (!p->upload_id) {
        /* the whole object fits in one part: a single PUT */
        s3_header_t h[16];
        size_t nh = 0;
        char until[32];
        h[nh++] = (s3_header_t){"x-amz-storage-class", p->storage_class};
        h[nh++] = (s3_header_t){"Content-Type", p->content_type};
        h[nh++] = (s3_header_t){"x-amz-meta-sha256", sha256_hex};
        h[nh++] = (s3_header_t){"x-amz-meta-coldpack", "1"};
        if (p->if_none_match)
            h[nh++] = (s3_header_t){"If-None-Match", "*"};
        sse_headers(s, h, &nh);
        lock_headers(s, until, sizeof until, h, &nh);
        s3_response_t resp;
        int r = put_small(s, p->key, p->buf ? (const void *)p->buf : "", p->blen, h, nh, S3Q_412,
                          &resp);
        s3_response_free(&resp);
        rc = map_rc(r);
        if (rc == STORE_EXISTS)
            log_debug("%s: %s exists (conditional put)", s->base.url, p->rel);
        put_free(p);
        return rc;
    }
    if (p->blen > 0 && submit_part(p) != 0) {
        put_abort(p);
        return STORE_ERR;
    }
    stop_workers(p);
    if (p->failed) {
        log_error("%s: %s: upload failed; multipart upload aborted", s->base.url, p->rel);
        put_abort(p);
        return STORE_ERR;
    }
    rc = complete(p);
    if (rc != STORE_OK) {
        put_abort(p);
        return rc;
    }
    if (set_sha_tag(p, sha256_hex) != 0 || (s->lock_mode && set_retention(p) != 0)) {
        /* keep the contract: nothing visible without its checksum */
        s3_response_t resp;
        simple(s, "DELETE", p->key, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
        simple(s, "DELETE", p->marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
        log_error("%s: %s: could not record the SHA-256 tag or the Object Lock retention; "
                  "object removed",
                  s->base.url, p->rel);
        put_free(p);
        return STORE_ERR;
    }
    s3_response_t resp;
    simple(s, "DELETE", p->marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    log_debug("%s: %s: %d parts, %lld bytes", s->base.url, p->rel, p->nparts, (long long)p->total);
    put_free(p);
    return STORE_OK;
}

/* --------------------------------------------------------------- read --- */

static int s3_head(store_t *st, const char *key, store_info_t *out)
{
    s3store_t *s = (s3store_t *)st;
    char *k = full_key(s, key);
    s3_response_t resp;
    memset(out, 0, sizeof *out);
    if (!k)
        return STORE_ERR;
    int rc = simple(s, "HEAD", k, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    if (rc != S3_OK) {
        s3_response_free(&resp);
        free(k);
        return map_rc(rc);
    }
    out->size = resp.content_length;
    snprintf(out->storage_class, sizeof out->storage_class, "%s",
             resp.storage_class[0] ? resp.storage_class : "STANDARD");
    snprintf(out->sha256, sizeof out->sha256, "%s", resp.sha256_meta);
    out->mtime = resp.last_modified[0] ? (int64_t)curl_getdate(resp.last_modified, NULL) : 0;
    out->cold = store_class_is_cold(out->storage_class);
    int ongoing = 0;
    int64_t expiry = 0;
    if (resp.restore[0] && s3_parse_restore_header(resp.restore, &ongoing, &expiry) == 0)
        out->thaw = ongoing ? STORE_THAW_PENDING : STORE_THAW_READY;
    else
        out->thaw = out->cold && !atomic_load(&s->labels_only) ? STORE_THAW_NONE : STORE_THAW_READY;
    int tags = resp.tagging_count;
    s3_response_free(&resp);
    if (!out->sha256[0] && tags != 0) { /* -1: the service does not say */
        /* multipart objects carry it as a tag (see the top of this file) */
        rc = simple(s, "GET", k, "tagging", NULL, 0, NULL, 0, S3Q_404 | S3Q_501, &resp);
        if (rc == S3_OK)
            s3_parse_tag(resp.body, resp.body_len, "sha256", out->sha256, sizeof out->sha256);
        s3_response_free(&resp);
    }
    free(k);
    return STORE_OK;
}

typedef struct get_ctx {
    store_sink_fn sink;
    void *ctx;
    s3_response_t *resp;
    int ranged_from_nonzero;
    int bad_status;
} get_ctx_t;

static int get_sink(void *vctx, const void *data, size_t len)
{
    get_ctx_t *g = vctx;
    if (g->ranged_from_nonzero && g->resp->status != 206) {
        g->bad_status = 1; /* the range was ignored: refuse the bytes */
        return -1;
    }
    return g->sink(g->ctx, data, len);
}

static int s3_get(store_t *st, const char *key, int64_t off, int64_t len, store_sink_fn sink,
                  void *ctx)
{
    s3store_t *s = (s3store_t *)st;
    if (len == 0)
        return STORE_OK;
    char *k = full_key(s, key);
    if (!k)
        return STORE_ERR;
    int64_t cur = off, end = len < 0 ? -1 : off + len; /* end exclusive */
    int rc = STORE_ERR;
    for (int att = 0;;) {
        char range[80];
        if (end < 0)
            snprintf(range, sizeof range, "bytes=%lld-", (long long)cur);
        else
            snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)cur, (long long)(end - 1));
        s3_header_t h[] = {{"Range", range}};
        int use_range = cur > 0 || end >= 0;
        s3_response_t resp;
        get_ctx_t g = {sink, ctx, &resp, cur > 0, 0};
        s3_request_t r = {.method = "GET",
                          .key = k,
                          .headers = h,
                          .nheaders = use_range ? 1 : 0,
                          .sink = get_sink,
                          .sink_ctx = &g,
                          .quiet_mask = S3Q_404 | S3Q_COLD};
        int r3 = s3_request(s->cli, &r, &resp);
        cur += resp.sink_bytes;
        if (r3 == S3_OK) {
            if (end >= 0 && cur != end) {
                log_error("%s: %s: short read: got bytes up to %lld of %lld", st->url, key,
                          (long long)cur, (long long)end);
                rc = STORE_ERR;
            } else {
                rc = STORE_OK;
            }
            s3_response_free(&resp);
            break;
        }
        int transient = resp.transient && resp.sink_bytes > 0;
        long status = resp.status;
        s3_response_free(&resp);
        if (g.bad_status) {
            log_error("%s: %s: the service ignored the Range header (HTTP %ld)", st->url, key,
                      status);
            break;
        }
        if (r3 == S3_COLD) {
            log_error("%s: %s: object is archived (cold storage class) and not restored; "
                      "request a restore first",
                      st->url, key);
            rc = STORE_COLD;
            break;
        }
        if (r3 == S3_NOTFOUND) {
            rc = STORE_NOTFOUND;
            break;
        }
        if (!transient)
            break; /* s3.c logged it, or the sink stopped */
        char what[256];
        snprintf(what, sizeof what, "GET %s interrupted at byte %lld", key, (long long)cur);
        if (s3_client_backoff(s->cli, att++, what) != 0)
            break;
    }
    free(k);
    return rc;
}

typedef struct list_ctx {
    const s3store_t *s;
    store_list_fn fn;
    void *ctx;
} list_ctx_t;

static int list_one(void *vctx, const s3_object_t *o)
{
    list_ctx_t *l = vctx;
    size_t pl = strlen(l->s->prefix);
    if (strncmp(o->key, l->s->prefix, pl) != 0)
        return 0;
    const char *rel = o->key + pl;
    if (!strncmp(rel, ".coldpack/", 10))
        return 0;
    return l->fn(l->ctx, rel, o->size);
}

static int s3_list(store_t *st, const char *prefix, store_list_fn fn, void *ctx)
{
    s3store_t *s = (s3store_t *)st;
    char *fp = full_key(s, prefix ? prefix : "");
    char *efp = fp ? s3_qenc(fp) : NULL, *token = NULL;
    int rc = STORE_ERR;
    list_ctx_t l = {s, fn, ctx};
    if (!efp)
        goto out;
    for (;;) {
        char *etok = token ? s3_qenc(token) : NULL;
        char *q = util_asprintf("list-type=2&prefix=%s%s%s", efp,
                                etok ? "&continuation-token=" : "", etok ? etok : "");
        free(etok);
        if (!q)
            goto out;
        s3_response_t resp;
        int r = simple(s, "GET", NULL, q, NULL, 0, NULL, 0, 0, &resp);
        free(q);
        if (r != S3_OK) {
            s3_response_free(&resp);
            goto out;
        }
        int trunc = 0, stopped = 0;
        free(token);
        token = NULL;
        int pr = s3_parse_list(resp.body, resp.body_len, list_one, &l, &trunc, &token, &stopped);
        s3_response_free(&resp);
        if (stopped) {
            rc = STORE_OK;
            goto out;
        }
        if (pr != 0) {
            log_error("%s: listing %s: unreadable ListObjectsV2 answer", st->url, fp);
            goto out;
        }
        if (!trunc) {
            rc = STORE_OK;
            goto out;
        }
        if (!token) {
            log_error("%s: listing %s: truncated answer without a continuation token", st->url, fp);
            goto out;
        }
    }
out:
    free(token);
    free(efp);
    free(fp);
    return rc;
}

static int s3_del(store_t *st, const char *key)
{
    s3store_t *s = (s3store_t *)st;
    char *k = full_key(s, key);
    if (!k)
        return STORE_ERR;
    s3_response_t resp;
    int rc = simple(s, "DELETE", k, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    free(k);
    return map_rc(rc);
}

static int discard_sink(void *ctx, const void *data, size_t len)
{
    return 0;
}

/* A 1-byte GET of the (full) key: S3_OK when the object is readable now. */
static int probe_read(s3store_t *s, const char *fullkey)
{
    s3_header_t h[] = {{"Range", "bytes=0-0"}};
    s3_request_t r = {.method = "GET",
                      .key = fullkey,
                      .headers = h,
                      .nheaders = 1,
                      .sink = discard_sink,
                      .quiet_mask = S3Q_ALL};
    s3_response_t resp;
    int rc = s3_request(s->cli, &r, &resp);
    s3_response_free(&resp);
    return rc;
}

static int s3_restore(store_t *st, const char *key, int days, const char *tier)
{
    s3store_t *s = (s3store_t *)st;
    char body[512], md5[32];
    snprintf(body, sizeof body,
             "<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>%d</Days>"
             "<GlacierJobParameters><Tier>%s</Tier></GlacierJobParameters></RestoreRequest>",
             days, tier ? tier : "Bulk");
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    char *k = full_key(s, key);
    if (!k)
        return STORE_ERR;
    s3_response_t resp;
    int r = simple(s, "POST", k, "restore", h, 2, body, strlen(body),
                   S3Q_404 | S3Q_409 | S3Q_501 | S3Q_COLD, &resp);
    int rc, probe = r == S3_NOTIMPL ? probe_read(s, k) : S3_ERR;
    if (r == S3_OK) {
        log_debug("%s: %s: restore requested (%s, %d days, HTTP %ld)", st->url, key, tier, days,
                  resp.status);
        rc = STORE_OK;
    } else if (r == S3_CONFLICT && !strcmp(resp.error_code, "RestoreAlreadyInProgress")) {
        log_debug("%s: %s: restore already in progress", st->url, key);
        rc = STORE_OK;
    } else if (r == S3_COLD) {
        /* InvalidObjectState on restore: the object is not archived */
        log_debug("%s: %s: not in an archive class; nothing to restore", st->url, key);
        rc = STORE_OK;
    } else if (r == S3_NOTIMPL && probe == S3_NOTFOUND) {
        rc = STORE_NOTFOUND;
    } else if (r == S3_NOTIMPL && probe == S3_OK) {
        /* Ceph RGW, MinIO: the class is only a label and GET works at once */
        if (!atomic_exchange(&s->labels_only, 1))
            log_warn("%s: this S3 service does not support RestoreObject (HTTP 501 %s); its "
                     "archive storage classes are only labels and %s is readable now, so no "
                     "restore is needed",
                     st->url, resp.error_code[0] ? resp.error_code : "NotImplemented", key);
        rc = STORE_OK;
    } else if (r == S3_NOTIMPL) {
        log_error("%s: %s: this S3 service does not support RestoreObject (HTTP 501 %s) and the "
                  "object cannot be read without one",
                  st->url, key, resp.error_code[0] ? resp.error_code : "NotImplemented");
        rc = STORE_ERR;
    } else if (r == S3_NOTFOUND) {
        rc = STORE_NOTFOUND;
    } else {
        if (r == S3_CONFLICT)
            log_error("%s: %s: restore refused: HTTP 409 %s", st->url, key, resp.error_code);
        rc = STORE_ERR;
    }
    s3_response_free(&resp);
    free(k);
    return rc;
}

/* ------------------------------------------------------------ cleanup --- */

typedef struct upl_item {
    char *key, *id;
    int64_t initiated;
} upl_item_t;

typedef struct upl_list {
    upl_item_t *v;
    size_t n, cap;
} upl_list_t;

static int collect_upload(void *vctx, const s3_upload_t *u)
{
    upl_list_t *l = vctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        upl_item_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].key = strdup(u->key);
    l->v[l->n].id = strdup(u->upload_id);
    l->v[l->n].initiated = s3_parse_iso8601(u->initiated);
    if (!l->v[l->n].key || !l->v[l->n].id) {
        free(l->v[l->n].key);
        free(l->v[l->n].id);
        return -1;
    }
    l->n++;
    return 0;
}

typedef struct marker_info {
    char host[128];
    int pid;
    unsigned long long start;
} marker_info_t;

static int read_marker(s3store_t *s, const char *mkey, marker_info_t *mi)
{
    s3_response_t resp;
    memset(mi, 0, sizeof *mi);
    int rc = simple(s, "GET", mkey, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    if (rc == S3_OK && resp.body) {
        char *h = strstr(resp.body, "\nhost "), *p = strstr(resp.body, "\npid "),
             *st = strstr(resp.body, "\nstart ");
        if (h)
            sscanf(h + 6, "%127s", mi->host);
        if (p)
            mi->pid = atoi(p + 5);
        if (st)
            mi->start = strtoull(st + 7, NULL, 10);
    }
    s3_response_free(&resp);
    return rc == S3_OK ? 1 : (rc == S3_NOTFOUND ? 0 : -1);
}

static int s3_cleanup(store_t *st)
{
    s3store_t *s = (s3store_t *)st;
    upl_list_t l = {0};
    char *kmark = NULL, *umark = NULL;
    char *epfx = s3_qenc(s->prefix);
    int rc = STORE_ERR, aborted = 0;
    long stale_h = 24;
    const char *sv = getenv("COLDPACK_S3_STALE_HOURS");
    if (sv && atol(sv) >= 0)
        stale_h = atol(sv);
    if (!epfx)
        goto out;
    for (;;) {
        char *ek = kmark ? s3_qenc(kmark) : NULL, *eu = umark ? s3_qenc(umark) : NULL;
        char *q = util_asprintf("uploads&prefix=%s%s%s%s%s", epfx, ek ? "&key-marker=" : "",
                                ek ? ek : "", eu ? "&upload-id-marker=" : "", eu ? eu : "");
        free(ek);
        free(eu);
        if (!q)
            goto out;
        s3_response_t resp;
        int r = simple(s, "GET", NULL, q, NULL, 0, NULL, 0, 0, &resp);
        free(q);
        if (r != S3_OK) {
            s3_response_free(&resp);
            goto out;
        }
        int trunc = 0;
        free(kmark);
        free(umark);
        kmark = umark = NULL;
        int pr = s3_parse_list_uploads(resp.body, resp.body_len, collect_upload, &l, &trunc, &kmark,
                                       &umark);
        s3_response_free(&resp);
        if (pr != 0) {
            log_error("%s: unreadable ListMultipartUploads answer", st->url);
            goto out;
        }
        if (!trunc || !kmark)
            break;
    }
    time_t now = time(NULL);
    for (size_t i = 0; i < l.n; i++) {
        upl_item_t *u = &l.v[i];
        char mk[128];
        marker_info_t mi;
        marker_key(s, u->id, mk, sizeof mk);
        int m = read_marker(s, mk, &mi);
        if (m < 0)
            continue;
        int64_t age = u->initiated > 0 ? (int64_t)now - u->initiated : 0;
        int stale = age > stale_h * 3600;
        const char *why = NULL;
        if (m == 1 && !strcmp(mi.host, s->hostname)) {
            int alive = mi.pid > 0 && (kill(mi.pid, 0) == 0 || errno == EPERM) &&
                        (mi.start == 0 || proc_start_ticks(mi.pid) == mi.start);
            if (!alive)
                why = "its coldpack process is gone";
        } else if (m == 1 && stale) {
            why = "started on another host and stale";
        } else if (m == 0 && stale) {
            why = "unmarked and stale";
        }
        if (!why)
            continue;
        log_info("%s: aborting incomplete upload of %s (%s)", st->url, u->key, why);
        abort_upload(s, u->key, u->id, m == 1 ? mk : NULL);
        aborted++;
    }
    if (aborted)
        log_info("%s: cleanup aborted %d incomplete upload(s)", st->url, aborted);
    rc = STORE_OK;
out:
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].key);
        free(l.v[i].id);
    }
    free(l.v);
    free(kmark);
    free(umark);
    free(epfx);
    return rc;
}

/* -------------------------------------------------------------- setup --- */

/* malloc'd copy of in with & < > escaped for XML text. */
static char *xml_escape(const char *in)
{
    size_t n = 1;
    for (const char *p = in; *p; p++)
        n += (*p == '&' || *p == '<' || *p == '>') ? 5 : 1;
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const char *p = in; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Removes from xml (in place) every <Rule>...</Rule> whose text contains id. */
static void drop_rule(char *xml, const char *id)
{
    char *p = xml;
    while ((p = strstr(p, "<Rule>")) != NULL) {
        char *e = strstr(p, "</Rule>");
        if (!e)
            return;
        e += strlen("</Rule>");
        char save = *e;
        *e = '\0';
        int ours = strstr(p, id) != NULL;
        *e = save;
        if (ours)
            memmove(p, e, strlen(e) + 1);
        else
            p = e;
    }
}

int store_s3_setup(store_t *st, const struct config *cfg)
{
    s3store_t *s = (s3store_t *)st;
    s3_response_t resp;
    char val[64];
    int rc = -1, versioned = 0;
    char *id = NULL, *epfx = NULL, *rule = NULL, *body = NULL;

    /* 1. the bucket exists and these credentials reach it */
    int r = simple(s, "HEAD", NULL, NULL, NULL, 0, NULL, 0, 0, &resp);
    s3_response_free(&resp);
    if (r != S3_OK) {
        log_error("%s: bucket %s is not reachable (see the message above)", st->url, s->bucket);
        return -1;
    }
    /* 2. versioning decides whether noncurrent versions need expiring */
    if (simple(s, "GET", NULL, "versioning", NULL, 0, NULL, 0, S3Q_ALL, &resp) == S3_OK) {
        s3_xml_find(resp.body, resp.body_len, "/VersioningConfiguration/Status", val, sizeof val);
        versioned = !strcmp(val, "Enabled") || !strcmp(val, "Suspended");
    }
    s3_response_free(&resp);
    /* 3. Object Lock, when configured, must be enabled on the bucket */
    if (s->lock_mode) {
        r = simple(s, "GET", NULL, "object-lock", NULL, 0, NULL, 0, S3Q_ALL, &resp);
        val[0] = '\0';
        if (r == S3_OK)
            s3_xml_find(resp.body, resp.body_len, "/ObjectLockConfiguration/ObjectLockEnabled", val,
                        sizeof val);
        s3_response_free(&resp);
        if (strcmp(val, "Enabled") != 0) {
            log_error("%s: object_lock = %s needs Object Lock on bucket %s, which does not have it "
                      "enabled: create the bucket with it (aws s3api create-bucket --bucket %s "
                      "--object-lock-enabled-for-bucket) or, on a versioned bucket, enable it (aws "
                      "s3api put-object-lock-configuration --bucket %s --object-lock-configuration "
                      "ObjectLockEnabled=Enabled)",
                      st->url, cfg->store.object_lock, s->bucket, s->bucket, s->bucket);
            return -1;
        }
    }
    /* 4. lifecycle rule for the prefix, merged with the bucket's others */
    epfx = xml_escape(s->prefix);
    id = epfx ? util_asprintf("<ID>coldpack:%s</ID>", epfx) : NULL;
    int days = cfg->retention.days > 0 ? cfg->retention.days : 365;
    rule = id ? util_asprintf("<Rule>%s<Filter><Prefix>%s</Prefix></Filter><Status>Enabled</Status>"
                              "<Expiration><Days>%d</Days></Expiration>%s"
                              "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
                              "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
                              id, epfx, days,
                              versioned ? "<NoncurrentVersionExpiration><NoncurrentDays>1"
                                          "</NoncurrentDays></NoncurrentVersionExpiration>"
                                        : "")
              : NULL;
    if (!rule)
        goto out;
    r = simple(s, "GET", NULL, "lifecycle", NULL, 0, NULL, 0, S3Q_404, &resp);
    if (r == S3_OK && resp.body && strstr(resp.body, "</LifecycleConfiguration>")) {
        drop_rule(resp.body, id);
        char *end = strstr(resp.body, "</LifecycleConfiguration>");
        *end = '\0';
        char *open_tag = strstr(resp.body, "<LifecycleConfiguration");
        body = util_asprintf("%s%s</LifecycleConfiguration>", open_tag ? open_tag : "", rule);
    } else if (r == S3_OK || r == S3_NOTFOUND) {
        body = util_asprintf("<LifecycleConfiguration>%s</LifecycleConfiguration>", rule);
    } else {
        s3_response_free(&resp);
        goto out;
    }
    s3_response_free(&resp);
    if (!body)
        goto out;
    char md5[32];
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    r = simple(s, "PUT", NULL, "lifecycle", h, 2, body, strlen(body), 0, &resp);
    s3_response_free(&resp);
    if (r != S3_OK)
        goto out;
    log_info("%s: bucket %s reachable%s%s; lifecycle rule coldpack:%s: expire after %d days%s, "
             "abort incomplete uploads after 7 days",
             st->url, s->bucket, s->lock_mode ? ", Object Lock enabled" : "",
             versioned ? ", versioned" : "", s->prefix, days,
             versioned ? " (noncurrent versions after 1 day)" : "");
    rc = 0;
out:
    free(id);
    free(epfx);
    free(rule);
    free(body);
    return rc;
}

/* --------------------------------------------------------------- open --- */

static void s3_store_free(store_t *st)
{
    s3store_t *s = (s3store_t *)st;
    if (!s)
        return;
    s3_client_free(s->cli);
    free(s->bucket);
    free(s->prefix);
    free(s->sse);
    free(s->kms_key_id);
    free(s->lock_mode);
    free(s->base.url);
    free(s->base.storage_class);
    free(s);
}

static const struct store_ops s3_ops = {
    put_open, put_write, put_commit, put_abort,  s3_head,       s3_get,
    s3_list,  s3_del,    s3_restore, s3_cleanup, s3_store_free,
};

store_t *store_s3_open(const struct config *cfg)
{
    s3store_t *s = calloc(1, sizeof *s);
    const char *url = cfg->store.url;
    if (!s)
        return NULL;
    s->base.ops = &s3_ops;
    s->base.url = strdup(url);
    s->base.storage_class =
        strdup(cfg->store.storage_class ? cfg->store.storage_class : "DEEP_ARCHIVE");
    if (!s->base.url || !s->base.storage_class)
        goto fail;
    if (strncmp(url, "s3://", 5) != 0 || !url[5] || url[5] == '/') {
        log_error("store url %s: expected s3://bucket[/prefix]", url);
        goto fail;
    }
    const char *b = url + 5, *slash = strchr(b, '/');
    s->bucket = slash ? strndup(b, (size_t)(slash - b)) : strdup(b);
    const char *pfx = slash ? slash + 1 : "";
    while (*pfx == '/')
        pfx++;
    size_t pl = strlen(pfx);
    while (pl > 0 && pfx[pl - 1] == '/')
        pl--;
    s->prefix = pl ? util_asprintf("%.*s/", (int)pl, pfx) : strdup("");
    if (!s->bucket || !s->prefix)
        goto fail;
    s->part_size = cfg->store.part_size;
    s->concurrency = cfg->store.concurrency > 0 ? cfg->store.concurrency : 8;
    if (cfg->store.sse && strcmp(cfg->store.sse, "none") != 0)
        s->sse = strdup(cfg->store.sse);
    s->kms_key_id = util_strdup(cfg->store.kms_key_id);
    if (cfg->store.object_lock && !strcmp(cfg->store.object_lock, "governance"))
        s->lock_mode = strdup("GOVERNANCE");
    else if (cfg->store.object_lock && !strcmp(cfg->store.object_lock, "compliance"))
        s->lock_mode = strdup("COMPLIANCE");
    s->retention_days = cfg->retention.days > 0 ? cfg->retention.days : 365;
    if (gethostname(s->hostname, sizeof s->hostname) != 0)
        snprintf(s->hostname, sizeof s->hostname, "unknown");
    s->hostname[sizeof s->hostname - 1] = '\0';
    s->start_ticks = proc_start_ticks(getpid());

    s3_client_opts_t o = {.endpoint = cfg->store.endpoint,
                          .region = cfg->store.region,
                          .bucket = s->bucket,
                          .path_style = cfg->store.path_style,
                          .profile = cfg->store.credentials_profile,
                          .label = url};
    s->cli = s3_client_new(&o);
    if (!s->cli)
        goto fail;
    return &s->base;
fail:
    s3_store_free(&s->base);
    return NULL;
}
