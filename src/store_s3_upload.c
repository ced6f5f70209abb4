/*
 * store_s3_upload.c — the multipart upload engine of the s3:// store
 * (store_s3.h): put_open/write/commit/abort.
 *
 * Uploads stream: put_write fills a part buffer; a full buffer becomes a job
 * on the store's upload pool (pool.c: one long-lived pool per store, started
 * at the first multipart upload and shared by every upload of the run) and a
 * new buffer is started. At most `concurrency` part buffers exist per upload
 * (the one being filled included), so memory is <= concurrency x part_size +
 * a constant per upload; the writer blocks while all are in use. An object
 * that ends before its first part is full goes up as one PUT. Each part
 * carries Content-MD5 (S3 and RGW verify it) and a signed
 * x-amz-content-sha256; a part is retried alone (s3.c). Commit and abort wait
 * until none of the upload's parts is queued or running.
 *
 * Part size: `part_size` from the config, or auto: with a size hint (a
 * volume's hint is [pack] volume_size when the caller gives none: see
 * store_s3.c), max(8 MiB, hint / 64) rounded up to a MiB, so a volume takes
 * at most 64 part PUTs ($0.05 per 1,000 in Deep Archive: 512 parts of 8 MiB
 * for a 4 GiB volume cost about as much as storing it for six months; 64
 * cost an eighth of that) and any object stays under 10,000 parts; without
 * a hint, 16 MiB. An object that outgrows its hint (or 2,000 parts without one)
 * doubles its part size every 1,000 further parts, so it never hits the
 * 10,000-part limit; only such oversized objects use bigger buffers.
 *
 * SHA-256: S3 takes user metadata only when an upload starts, before a
 * streamed object's SHA-256 is known, and archived objects cannot be copied
 * in place to add it later. So a single-PUT object carries x-amz-meta-sha256,
 * and a multipart object gets it as object tag "sha256" right after
 * CompleteMultipartUpload (a failure there deletes the object: nothing is left
 * visible without its checksum).
 *
 * Markers: when a multipart upload starts, a marker object
 * <prefix>.coldpack/uploads/<hash of upload id> records host, pid, process
 * start time and key; it is deleted when the upload completes or aborts
 * (store_s3_admin.c reads them to clean up after a crash).
 *
 * Object Lock headers go on the PUT or CreateMultipartUpload and, since RGW
 * ignores them there, PutObjectRetention follows a multipart completion.
 * Create-only: keys under tenant= and runs/ (data, indexes, manifests) are
 * always written create-only, and other keys when the caller asks. Then
 * put_open HEADs the key (present: STORE_EXISTS before anything is sent),
 * If-None-Match: * goes on the PUT and on CompleteMultipartUpload (AWS
 * honours both; RGW only the PUT, s3rver neither), so the key is HEADed again
 * just before Complete, and after it the object's ETag must be the multipart
 * ETag of the parts we sent (MD5 of their MD5s, "-N"; or, as s3rver gives
 * it, the MD5 of the whole object, hashed as it is written): another writer's
 * object that won the race is left alone and the put answers STORE_EXISTS.
 * Every PUT (single or part) must be answered with the MD5 of what was sent
 * as its ETag (not with SSE-KMS, whose ETags are not MD5s).
 *
 * Length (~790 lines): the create-only checks (HEAD before, ETag after
 * Complete) need the upload's private state (part MD5s, the whole-object
 * MD5); moving them out would export store_put.
 */
#include "store_s3.h"

#include "array.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MIN_PART   ((int64_t)5 << 20)
#define MAX_PART   ((int64_t)5 << 30)
#define AUTO_MIN   ((int64_t)8 << 20)
#define AUTO_START ((int64_t)16 << 20)
#define AUTO_PARTS 64 /* auto: at most this many parts for an object of the hinted size */
#define MAX_PARTS  10000

struct store_put {
    store_t *store; /* must be first (store.c reaches the vtable through it) */
    store_s3_t *s;
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
    int nparts;          /* parts submitted */
    char **etags;        /* [nparts], written by the pool's workers under mu */
    char **md5s;         /* [nparts] hex MD5 of each part as sent, likewise */
    EVP_MD_CTX *md5_all; /* MD5 of the whole object (services whose multipart
                          * ETag is that, s3rver), or NULL */
    size_t etags_cap, md5s_cap;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int outstanding; /* buffers queued or in flight */
    int max_bufs;
    atomic_int failed; /* set by workers, read by the writer */
};

/* One part on the upload pool. */
typedef struct part_job {
    store_put_t *p;
    int num;
    unsigned char *data;
    size_t len;
} part_job_t;

int64_t store_s3_upload_part_size(int64_t configured, int64_t hint)
{
    int64_t ps = configured;
    if (ps <= 0) {
        if (hint > 0) {
            ps = (hint + AUTO_PARTS - 1) / AUTO_PARTS;
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
int64_t store_s3_upload_part_len(int64_t base, int64_t hint, int num)
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
    return (size_t)store_s3_upload_part_len(p->base_part, p->size_hint, num);
}

static int upload_part(store_put_t *p, part_job_t *j)
{
    char q[1024], md5[32], what[256];
    char *uid = s3_qenc(p->upload_id);
    if (!uid)
        return -1;
    snprintf(q, sizeof q, "partNumber=%d&uploadId=%s", j->num, uid);
    free(uid);
    char md5hex[33];
    s3_content_md5(j->data, j->len, md5);
    s3_md5_hex(j->data, j->len, md5hex);
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
        snprintf(what, sizeof what, "%s part %d", p->rel, j->num);
        if (store_s3_etag_is(p->s, what, resp.etag, md5hex) != 0)
            rc = S3_ERR;
    }
    if (rc == S3_OK) {
        pthread_mutex_lock(&p->mu);
        p->etags[j->num - 1] = strdup(resp.etag);
        p->md5s[j->num - 1] = strdup(md5hex);
        if (!p->etags[j->num - 1] || !p->md5s[j->num - 1])
            rc = S3_ERR;
        pthread_mutex_unlock(&p->mu);
    }
    s3_response_free(&resp);
    return rc == S3_OK ? 0 : -1;
}

/* Pool job: send one part, then give its buffer slot back. */
static void part_run(void *arg)
{
    part_job_t *j = arg;
    store_put_t *p = j->p;
    int ok = atomic_load(&p->failed) ? -1 : upload_part(p, j);
    free(j->data);
    free(j);
    pthread_mutex_lock(&p->mu);
    if (ok != 0)
        p->failed = 1;
    p->outstanding--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* A job the pool refused: its buffer slot comes back, the upload fails. */
static void part_run_undo(part_job_t *j)
{
    store_put_t *p = j->p;
    free(j->data);
    free(j);
    pthread_mutex_lock(&p->mu);
    p->outstanding--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Waits until none of p's parts is queued or running. */
static void wait_parts(store_put_t *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->outstanding > 0)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* The store's upload pool, started on first use. NULL after logging. */
static pool_t *upload_pool(store_s3_t *s)
{
    pthread_mutex_lock(&s->pool_mu);
    if (!s->pool && !(s->pool = pool_new(s->pool_threads)))
        log_error("%s: cannot start the upload threads", s->base.url);
    pool_t *pl = s->pool;
    pthread_mutex_unlock(&s->pool_mu);
    return pl;
}

static void put_free(store_put_t *p);

/* HEAD of a create-only key: 1 when it exists (logged), 0 when not, -1 when
 * the service could not say (logged by s3.c). */
static int key_exists(store_s3_t *s, const char *key, const char *rel)
{
    s3_response_t resp;
    int r = store_s3_call(s, "HEAD", key, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    if (r == S3_OK) {
        log_info("%s: %s exists; not overwriting it (create-only)", s->base.url, rel);
        return 1;
    }
    return r == S3_NOTFOUND ? 0 : -1;
}

int store_s3_upload_open(store_t *st, const char *key, const store_put_opts_t *o, store_put_t **out)
{
    store_s3_t *s = (store_s3_t *)st;
    store_put_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        goto oom;
    p->store = st;
    p->s = s;
    p->key = store_s3_key(s, key);
    p->rel = strdup(key);
    p->storage_class = strdup(o && o->storage_class ? o->storage_class : st->storage_class);
    p->content_type = strdup(o && o->content_type ? o->content_type : "application/octet-stream");
    if (!p->key || !p->rel || !p->storage_class || !p->content_type)
        goto oom;
    /* data, indexes and manifests are create-only whatever the caller says */
    p->if_none_match = (o && o->if_none_match) || store_s3_create_only(key);
    p->size_hint = o && o->size_hint > 0 ? o->size_hint : -1;
    if (p->size_hint <= 0 && s->part_size <= 0 && s->volume_size > 0)
        p->size_hint = s->volume_size; /* auto: size parts for a full volume */
    p->base_part = store_s3_upload_part_size(s->part_size, p->size_hint);
    p->max_bufs = s->concurrency > 0 ? s->concurrency : 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->md5_all = EVP_MD_CTX_new();
    if (p->md5_all && EVP_DigestInit_ex(p->md5_all, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(p->md5_all);
        p->md5_all = NULL;
    }
    if (p->if_none_match) {
        int ex = key_exists(s, p->key, p->rel);
        if (ex != 0) {
            put_free(p);
            return ex > 0 ? STORE_EXISTS : STORE_ERR;
        }
    }
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
    store_s3_t *s;
    const char *key, *keep;
} sweep_ctx_t;

static int sweep_one(void *vctx, const s3_xml_upload_t *u)
{
    sweep_ctx_t *c = vctx;
    if (strcmp(u->key, c->key) != 0 || !strcmp(u->upload_id, c->keep))
        return 0;
    char mk[128];
    s3_response_t resp;
    store_s3_marker_key(c->s, u->upload_id, mk, sizeof mk);
    int m = store_s3_call(c->s, "HEAD", mk, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    if (m == S3_NOTFOUND) { /* unmarked: the twin of a retried CreateMultipartUpload */
        log_debug("%s: aborting duplicate upload %s of %s", c->s->base.url, u->upload_id, u->key);
        store_s3_upload_abort_id(c->s, u->key, u->upload_id, NULL);
    }
    return 0;
}

/* A CreateMultipartUpload that was retried may have created an upload whose
 * answer was lost: abort unmarked uploads of the same key but ours. */
static void sweep_key_uploads(store_s3_t *s, const char *key, const char *keep)
{
    sweep_ctx_t c = {s, key, keep};
    store_s3_list_uploads(s, key, sweep_one, &c);
}

/* CreateMultipartUpload + marker; the parts then go to the upload pool. */
static int start_multipart(store_put_t *p)
{
    store_s3_t *s = p->s;
    s3_header_t h[16];
    size_t nh = 0;
    char until[32];
    h[nh++] = (s3_header_t){"x-amz-storage-class", p->storage_class};
    h[nh++] = (s3_header_t){"Content-Type", p->content_type};
    h[nh++] = (s3_header_t){"x-amz-meta-coldpack", "1"};
    store_s3_sse_headers(s, h, &nh);
    store_s3_lock_headers(s, p->rel, until, sizeof until, h, &nh);
    s3_response_t resp;
    int rc = store_s3_call(s, "POST", p->key, "uploads", h, nh, NULL, 0, 0, &resp);
    if (rc == S3_OK && s3_xml_initiate(resp.body, resp.body_len, &p->upload_id) != 0) {
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
    store_s3_marker_key(s, p->upload_id, p->marker, sizeof p->marker);
    char *body =
        util_asprintf("coldpack-upload 1\nhost %s\npid %d\nstart %llu\nkey %s\nupload %s\n",
                      s->hostname, (int)getpid(), s->start_ticks, p->key, p->upload_id);
    s3_header_t mh[] = {{"Content-Type", "text/plain"}, {"x-amz-storage-class", "STANDARD"}};
    rc = body ? store_s3_put_small(s, p->marker, body, strlen(body), mh, 2, 0, &resp) : S3_ERR;
    free(body);
    s3_response_free(&resp);
    if (rc != S3_OK) {
        p->marker[0] = '\0';
        return -1; /* put_abort aborts the upload */
    }

    if (!upload_pool(s))
        return -1;
    log_debug("%s: %s: multipart upload started (part size %lld, %d in flight)", s->base.url,
              p->rel, (long long)p->base_part, p->max_bufs);
    return 0;
}

/* Hands the current buffer to the upload pool. */
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
        goto oom;
    pthread_mutex_lock(&p->mu);
    if (ARRAY_GROW(p->etags, (size_t)p->nparts + 1, p->etags_cap) < 0 ||
        ARRAY_GROW(p->md5s, (size_t)p->nparts + 1, p->md5s_cap) < 0) {
        pthread_mutex_unlock(&p->mu);
        free(j);
        goto oom;
    }
    j->p = p;
    j->num = ++p->nparts;
    j->data = p->buf;
    j->len = p->blen;
    p->etags[j->num - 1] = NULL;
    p->md5s[j->num - 1] = NULL;
    p->outstanding++;
    pthread_mutex_unlock(&p->mu);
    p->buf = NULL;
    p->blen = p->bcap = 0;
    if (pool_submit(p->s->pool, part_run, j) != 0) {
        part_run_undo(j);
        goto oom;
    }
    return 0;
oom:
    log_error("%s: %s: out of memory for part %d", p->s->base.url, p->rel, p->nparts + 1);
    p->failed = 1;
    return -1;
}

int store_s3_upload_write(store_put_t *p, const void *data, size_t len)
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
        if (p->md5_all && EVP_DigestUpdate(p->md5_all, d, n) != 1) {
            EVP_MD_CTX_free(p->md5_all);
            p->md5_all = NULL;
        }
        p->blen += n;
        p->total += (int64_t)n;
        d += n;
        len -= n;
        if (p->blen == p->bcap && submit_part(p) != 0)
            return STORE_ERR;
    }
    return STORE_OK;
}

static void put_free(store_put_t *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nparts && p->etags; i++)
        free(p->etags[i]);
    for (int i = 0; i < p->nparts && p->md5s; i++)
        free(p->md5s[i]);
    free(p->etags);
    free(p->md5s);
    EVP_MD_CTX_free(p->md5_all);
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

void store_s3_upload_abort_id(store_s3_t *s, const char *key, const char *upload_id,
                              const char *marker)
{
    char q[1024];
    s3_response_t resp;
    char *uid = s3_qenc(upload_id);
    if (uid) {
        snprintf(q, sizeof q, "uploadId=%s", uid);
        free(uid);
        if (store_s3_call(s, "DELETE", key, q, NULL, 0, NULL, 0, S3Q_404, &resp) == S3_OK)
            log_debug("%s: aborted multipart upload of %s", s->base.url, key);
        s3_response_free(&resp);
    }
    if (marker && *marker) {
        store_s3_call(s, "DELETE", marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
    }
}

void store_s3_upload_abort(store_put_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->failed = 1; /* queued parts are skipped */
    pthread_mutex_unlock(&p->mu);
    wait_parts(p);
    if (p->upload_id)
        store_s3_upload_abort_id(p->s, p->key, p->upload_id, p->marker);
    put_free(p);
}

/* Object Lock retention of a completed multipart object. S3 takes the lock
 * headers on CreateMultipartUpload, but Ceph RGW 16 ignores them there, so
 * the retention is (re)applied with PutObjectRetention: same mode, a
 * retain-until date at least as late, which S3 allows even in COMPLIANCE. */
static int set_retention(store_put_t *p)
{
    char until[32], body[512], md5[32];
    s3_header_t lh[2];
    size_t nlh = 0;
    store_s3_lock_headers(p->s, p->rel, until, sizeof until, lh, &nlh);
    snprintf(body, sizeof body,
             "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>%s</Mode>"
             "<RetainUntilDate>%s</RetainUntilDate></Retention>",
             p->s->lock_mode, until);
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    s3_response_t resp;
    int rc = store_s3_call(p->s, "PUT", p->key, "retention", h, 2, body, strlen(body), 0, &resp);
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
    int rc =
        store_s3_call(p->s, "PUT", p->key, "tagging", h, 2, body, strlen(body), S3Q_501, &resp);
    int notimpl = rc == S3_ERR && resp.status == 501;
    s3_response_free(&resp);
    if (notimpl) {
        if (!atomic_exchange(&p->s->no_tagging, 1))
            log_warn("%s: this S3 service does not support object tagging (HTTP 501): the "
                     "SHA-256 of multipart objects is kept in the catalog, indexes and "
                     "manifests only",
                     p->s->base.url);
        return 0;
    }
    return rc == S3_OK ? 0 : -1;
}

/* The CompleteMultipartUpload body, into xml. 0 or -1 (logged). */
static int complete_body(store_put_t *p, strbuf_t *xml)
{
    int bad = strbuf_addstr(xml, "<CompleteMultipartUpload>");
    for (int i = 0; i < p->nparts && !bad; i++) {
        if (!p->etags[i]) {
            log_error("%s: %s: part %d has no ETag", p->s->base.url, p->rel, i + 1);
            return -1;
        }
        bad = strbuf_addf(xml, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
                          p->etags[i]);
    }
    if (bad || strbuf_addstr(xml, "</CompleteMultipartUpload>") != 0) {
        log_error("%s: %s: out of memory", p->s->base.url, p->rel);
        return -1;
    }
    return 0;
}

/* After CompleteMultipartUpload: is the object under the key the one we
 * uploaded? Its ETag must be the multipart ETag of our parts' MD5s; another
 * writer's object that won the race (RGW's Complete ignores If-None-Match)
 * has another. STORE_OK, STORE_EXISTS (someone else's object: never
 * touched) or STORE_ERR. */
static int verify_ours(store_put_t *p)
{
    store_s3_t *s = p->s;
    char want[64];
    if (s3_multipart_etag(p->md5s, p->nparts, want, sizeof want) != 0) {
        log_error("%s: %s: cannot compute the multipart ETag", s->base.url, p->rel);
        return STORE_ERR;
    }
    /* s3rver gives a multipart object the MD5 of its bytes instead */
    char whole[33] = "";
    unsigned char md[16];
    unsigned int ml = 0;
    if (p->md5_all && EVP_DigestFinal_ex(p->md5_all, md, &ml) == 1 && ml == 16)
        for (int i = 0; i < 16; i++)
            snprintf(whole + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(p->md5_all);
    p->md5_all = NULL;
    s3_response_t resp;
    int r = store_s3_call(s, "HEAD", p->key, NULL, NULL, 0, NULL, 0, 0, &resp);
    int rc = STORE_ERR;
    if (r == S3_OK &&
        (store_s3_etag_matches(s, resp.etag, want) ||
         (whole[0] && store_s3_etag_matches(s, resp.etag, whole))) &&
        resp.content_length == p->total) {
        rc = STORE_OK;
    } else if (r == S3_OK) {
        log_error("%s: %s: after CompleteMultipartUpload the key holds another object (%lld "
                  "bytes, ETag %s; ours: %lld bytes, ETag %s): another writer won the race; "
                  "it is left as it is and this upload is not reported as stored",
                  s->base.url, p->rel, (long long)resp.content_length, resp.etag,
                  (long long)p->total, want);
        rc = STORE_EXISTS;
    }
    s3_response_free(&resp);
    return rc;
}

static int complete(store_put_t *p)
{
    store_s3_t *s = p->s;
    strbuf_t xml = STRBUF_INIT(0);
    int rc = STORE_ERR;
    if (p->if_none_match) {
        /* RGW's Complete ignores If-None-Match: look again just before */
        int ex = key_exists(s, p->key, p->rel);
        if (ex != 0)
            return ex > 0 ? STORE_EXISTS : STORE_ERR;
    }
    if (complete_body(p, &xml) != 0) {
        strbuf_release(&xml);
        return STORE_ERR;
    }
    char q[1024];
    char *uid = s3_qenc(p->upload_id);
    if (!uid) {
        strbuf_release(&xml);
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
        int r =
            store_s3_call(s, "POST", p->key, q, h, nh, xml.buf, xml.len, S3Q_412 | S3Q_404, &resp);
        if (r == S3_NOTFOUND && (resp.attempts > 1 || att > 0)) {
            /* an earlier attempt completed it but its answer was lost */
            s3_response_free(&resp);
            rc = verify_ours(p);
            if (rc == STORE_ERR)
                log_error("%s: %s: CompleteMultipartUpload: the upload vanished", s->base.url,
                          p->rel);
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
        s3_xml_error_t err;
        int pr = s3_xml_complete(resp.body, resp.body_len, NULL, 0, &err);
        s3_response_free(&resp);
        if (pr == 0) {
            rc = verify_ours(p);
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
    strbuf_release(&xml);
    return rc;
}

int store_s3_upload_commit(store_put_t *p, const char *sha256_hex)
{
    store_s3_t *s = p->s;
    int rc = STORE_ERR;
    if (!sha256_hex || strlen(sha256_hex) != 64) {
        log_error("%s: %s: commit without a SHA-256", s->base.url, p->rel);
        store_s3_upload_abort(p);
        return STORE_ERR;
    }
    if (p->failed) {
        store_s3_upload_abort(p);
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
        store_s3_sse_headers(s, h, &nh);
        store_s3_lock_headers(s, p->rel, until, sizeof until, h, &nh);
        s3_response_t resp;
        int r = store_s3_put_small(s, p->key, p->buf ? (const void *)p->buf : "", p->blen, h, nh,
                                   S3Q_412, &resp);
        s3_response_free(&resp);
        rc = r; /* an s3_rc is a store_rc (s3.h) */
        if (rc == STORE_EXISTS)
            log_debug("%s: %s exists (conditional put)", s->base.url, p->rel);
        put_free(p);
        return rc;
    }
    if (p->blen > 0 && submit_part(p) != 0) {
        store_s3_upload_abort(p);
        return STORE_ERR;
    }
    wait_parts(p);
    if (p->failed) {
        log_error("%s: %s: upload failed; multipart upload aborted", s->base.url, p->rel);
        store_s3_upload_abort(p);
        return STORE_ERR;
    }
    rc = complete(p);
    if (rc != STORE_OK) {
        store_s3_upload_abort(p);
        return rc;
    }
    if (set_sha_tag(p, sha256_hex) != 0 || (s->lock_mode && set_retention(p) != 0)) {
        /* keep the contract: nothing visible without its checksum */
        s3_response_t resp;
        store_s3_call(s, "DELETE", p->key, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
        store_s3_call(s, "DELETE", p->marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
        s3_response_free(&resp);
        log_error("%s: %s: could not record the SHA-256 tag or the Object Lock retention; "
                  "object removed",
                  s->base.url, p->rel);
        put_free(p);
        return STORE_ERR;
    }
    s3_response_t resp;
    store_s3_call(s, "DELETE", p->marker, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    log_debug("%s: %s: %d parts, %lld bytes", s->base.url, p->rel, p->nparts, (long long)p->total);
    put_free(p);
    return STORE_OK;
}
