/*
 * store_s3.c — the s3://bucket/prefix store (store.h vtable) over the S3
 * transport (s3.c): opening, the read side (head, get, list, del, restore),
 * and the request helpers store_s3_upload.c and store_s3_admin.c share
 * (store_s3.h). Results of s3.c are store_rc values already (s3.h), so they
 * are returned as they are.
 *
 * SHA-256: a single-PUT object carries x-amz-meta-sha256 and a multipart
 * object the object tag "sha256" (see store_s3_upload.c); head() reads
 * whichever is present.
 *
 * Listing follows ListObjectsV2's continuation tokens through the one
 * paginator (s3_page.c), as the upload listing does, asking for
 * encoding-type=url (s3_xml.c decodes). A key outside the prefix asked for
 * fails the whole listing (nothing reaches the caller, who may delete what
 * it is handed). Keys under .coldpack/ (upload markers) are hidden from
 * list().
 *
 * A whole-object GET is hashed on the way and held against the object's
 * x-amz-meta-sha256 when it has one: an answer cut short with a matching
 * Content-Length (a proxy, a broken service) is an error, not a short
 * manifest or index handed on as the truth.
 *
 * Peers without parts of the API: a RestoreObject answered 501 (Ceph RGW,
 * MinIO, s3rver keep archive classes as labels) is checked with a 1-byte GET;
 * if the object is readable the store says so once and reports archived
 * objects ready.
 */
#include "store_s3.h"

#include "config.h"
#include "log.h"
#include "objkey.h"
#include "s3_page.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

/* ------------------------------------------------------------ helpers --- */

char *store_s3_key(const store_s3_t *s, const char *rel)
{
    return util_asprintf("%s%s", s->prefix, rel ? rel : "");
}

int64_t store_s3_retain_until(const store_s3_t *s, const char *rel, int64_t now)
{
    objkey_parts_t kp;
    int64_t until = now + (int64_t)s->retention_days * 86400;
    if (rel && objkey_parse(rel, &kp) == 0) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (sscanf(kp.date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            /* from the end of the log day: the whole day is kept its days */
            until = (int64_t)timegm(&tm) + 86400 + (int64_t)s->retention_days * 86400;
        }
        objkey_parts_free(&kp);
    }
    if (until < now + 86400) /* S3 refuses a date in the past */
        until = now + 86400;
    return until;
}

void store_s3_lock_headers(const store_s3_t *s, const char *rel, char *until, size_t n,
                           s3_header_t *h, size_t *nh)
{
    if (!s->lock_mode)
        return;
    time_t t = (time_t)store_s3_retain_until(s, rel, (int64_t)time(NULL));
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(until, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h[(*nh)++] = (s3_header_t){"x-amz-object-lock-mode", s->lock_mode};
    h[(*nh)++] = (s3_header_t){"x-amz-object-lock-retain-until-date", until};
}

void store_s3_sse_headers(const store_s3_t *s, s3_header_t *h, size_t *nh)
{
    if (!s->sse)
        return;
    h[(*nh)++] = (s3_header_t){"x-amz-server-side-encryption", s->sse};
    if (!strcmp(s->sse, "aws:kms") && s->kms_key_id)
        h[(*nh)++] = (s3_header_t){"x-amz-server-side-encryption-aws-kms-key-id", s->kms_key_id};
}

void store_s3_marker_key(const store_s3_t *s, const char *upload_id, char *out, size_t n)
{
    char h[65];
    util_sha256_buf(upload_id, strlen(upload_id), h);
    snprintf(out, n, "%s" STORE_S3_MARKER_DIR "%.32s", s->prefix, h);
}

int store_s3_call(store_s3_t *s, const char *method, const char *key, const char *query,
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

int store_s3_put_small(store_s3_t *s, const char *key, const void *data, size_t len,
                       const s3_header_t *extra, size_t nextra, int quiet, s3_response_t *resp)
{
    char md5[32];
    s3_header_t h[24];
    size_t nh = 0;
    s3_content_md5(data, len, md5);
    h[nh++] = (s3_header_t){"Content-MD5", md5};
    for (size_t i = 0; i < nextra && nh < 24; i++)
        h[nh++] = extra[i];
    int rc = store_s3_call(s, "PUT", key, NULL, h, nh, data, len, quiet, resp);
    if (rc == S3_OK && store_s3_etag_check(s, key, resp->etag, data, len) != 0)
        rc = S3_ERR;
    return rc;
}

/* The ETag as S3 writes it, without quotes, into out (n >= 80). */
static void etag_bare(const char *etag, char *out, size_t n)
{
    size_t l = strlen(etag);
    if (l >= 2 && etag[0] == '"' && etag[l - 1] == '"')
        snprintf(out, n, "%.*s", (int)(l - 2), etag + 1);
    else
        snprintf(out, n, "%s", etag);
}

int store_s3_create_only(const char *rel)
{
    return rel && (!strncmp(rel, OBJKEY_DATA_ROOT, strlen(OBJKEY_DATA_ROOT)) ||
                   !strncmp(rel, OBJKEY_RUNS_ROOT, strlen(OBJKEY_RUNS_ROOT)));
}

int store_s3_etag_matches(const store_s3_t *s, const char *etag, const char *want)
{
    char got[128];
    if (s->sse && !strcmp(s->sse, "aws:kms"))
        return 1; /* SSE-KMS ETags are not the MD5 of the data */
    etag_bare(etag, got, sizeof got);
    return !strcasecmp(got, want);
}

int store_s3_etag_is(const store_s3_t *s, const char *key, const char *etag, const char *want)
{
    char got[128];
    if (store_s3_etag_matches(s, etag, want))
        return 0;
    etag_bare(etag, got, sizeof got);
    log_error("%s: %s: the service answered ETag \"%s\" where the data sent has %s: the "
              "stored object is not what was sent",
              s->base.url, key, got[0] ? got : "(none)", want);
    return -1;
}

int store_s3_etag_check(const store_s3_t *s, const char *key, const char *etag, const void *data,
                        size_t len)
{
    char want[33];
    s3_md5_hex(data, len, want);
    return store_s3_etag_is(s, key, etag, want);
}

/* ---------------------------------------------------------- listings --- */

/* s3_page fetch: GET the bucket with query. */
static int page_fetch(void *ctx, const char *query, s3_response_t *resp)
{
    return store_s3_call(ctx, "GET", NULL, query, NULL, 0, NULL, 0, 0, resp);
}

typedef struct list_ctx {
    const store_s3_t *s;
    const char *want; /* the full prefix asked for */
    store_list_fn fn;
    void *ctx;
    int foreign; /* the service answered a key outside the prefix */
} list_ctx_t;

/* key with control bytes and non-ASCII shown as \xNN, into out. */
static void key_printable(const char *key, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p && o + 5 < n; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\')
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = '\0';
}

static int list_one(void *vctx, const s3_xml_object_t *o)
{
    list_ctx_t *l = vctx;
    if (strncmp(o->key, l->want, strlen(l->want)) != 0) {
        /* a service (or a proxy) that ignores the prefix: nothing of this
         * listing reaches the caller, who may delete what it is handed */
        char k[512], w[512];
        key_printable(o->key, k, sizeof k);
        key_printable(l->want, w, sizeof w);
        log_error("%s: listing %s: the service answered key %s, which is outside the prefix "
                  "asked for; refusing the listing",
                  l->s->base.url, w, k);
        l->foreign = 1;
        return -1;
    }
    size_t pl = strlen(l->s->prefix);
    const char *rel = o->key + pl;
    if (!strncmp(rel, ".coldpack/", 10))
        return 0;
    return l->fn(l->ctx, rel, o->size);
}

static int list_page(void *ctx, const char *body, size_t len, int *truncated, char *next[2])
{
    int stopped = 0;
    int r = s3_xml_list(body, len, list_one, ctx, truncated, &next[0], &stopped);
    return stopped ? 1 : r;
}

static int s3_list(store_t *st, const char *prefix, store_list_fn fn, void *ctx)
{
    store_s3_t *s = (store_s3_t *)st;
    char *fp = store_s3_key(s, prefix ? prefix : "");
    char *efp = fp ? s3_qenc(fp) : NULL;
    char *q = efp ? util_asprintf("encoding-type=url&list-type=2&prefix=%s", efp) : NULL;
    char *what = fp ? util_asprintf("listing %s", fp) : NULL;
    list_ctx_t l = {s, fp, fn, ctx, 0};
    s3_page_opts_t pg = {st->url,    what, q,         {"continuation-token", NULL},
                         page_fetch, s,    list_page, &l};
    int rc = q && what ? s3_page_walk(&pg) : STORE_ERR;
    if (l.foreign)
        rc = STORE_ERR;
    free(what);
    free(q);
    free(efp);
    free(fp);
    return rc;
}

typedef struct upl_page {
    s3_xml_upload_fn fn;
    void *ctx;
} upl_page_t;

static int upl_page(void *ctx, const char *body, size_t len, int *truncated, char *next[2])
{
    upl_page_t *u = ctx;
    int stopped = 0;
    int r = s3_xml_list_uploads(body, len, u->fn, u->ctx, truncated, &next[0], &next[1], &stopped);
    return stopped ? 1 : r;
}

int store_s3_list_uploads(store_s3_t *s, const char *kpfx, s3_xml_upload_fn fn, void *ctx)
{
    char *ep = s3_qenc(kpfx);
    char *q = ep ? util_asprintf("uploads&prefix=%s", ep) : NULL;
    upl_page_t u = {fn, ctx};
    s3_page_opts_t pg = {s->base.url, "ListMultipartUploads",
                         q,           {"key-marker", "upload-id-marker"},
                         page_fetch,  s,
                         upl_page,    &u};
    int rc = q ? s3_page_walk(&pg) : STORE_ERR;
    free(q);
    free(ep);
    return rc;
}

/* --------------------------------------------------------------- read --- */

int store_s3_head(store_t *st, const char *key, store_info_t *out)
{
    store_s3_t *s = (store_s3_t *)st;
    char *k = store_s3_key(s, key);
    s3_response_t resp;
    memset(out, 0, sizeof *out);
    if (!k)
        return STORE_ERR;
    int rc = store_s3_call(s, "HEAD", k, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    if (rc != S3_OK) {
        s3_response_free(&resp);
        free(k);
        return rc;
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
        rc = store_s3_call(s, "GET", k, "tagging", NULL, 0, NULL, 0, S3Q_404 | S3Q_501, &resp);
        if (rc == S3_OK)
            s3_xml_tag(resp.body, resp.body_len, "sha256", out->sha256, sizeof out->sha256);
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
    util_sha256_t *whole; /* hashing a whole-object GET, or NULL */
} get_ctx_t;

static int get_sink(void *vctx, const void *data, size_t len)
{
    get_ctx_t *g = vctx;
    if (g->ranged_from_nonzero && g->resp->status != 206) {
        g->bad_status = 1; /* the range was ignored: refuse the bytes */
        return -1;
    }
    if (g->whole)
        util_sha256_update(g->whole, data, len);
    return g->sink(g->ctx, data, len);
}

static int s3_get(store_t *st, const char *key, int64_t off, int64_t len, store_sink_fn sink,
                  void *ctx)
{
    store_s3_t *s = (store_s3_t *)st;
    if (len == 0)
        return STORE_OK;
    char *k = store_s3_key(s, key);
    if (!k)
        return STORE_ERR;
    int64_t cur = off, end = len < 0 ? -1 : off + len; /* end exclusive */
    int rc = STORE_ERR;
    /* a whole object is held against its x-amz-meta-sha256 when it has one:
     * an answer cut short with a Content-Length to match is caught here */
    util_sha256_t h256;
    int hashing = off == 0 && len < 0 && util_sha256_init(&h256) == 0;
    char meta_sha[65] = "";
    for (int att = 0;;) {
        char range[80];
        if (end < 0)
            snprintf(range, sizeof range, "bytes=%lld-", (long long)cur);
        else
            snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)cur, (long long)(end - 1));
        s3_header_t h[] = {{"Range", range}};
        int use_range = cur > 0 || end >= 0;
        s3_response_t resp;
        get_ctx_t g = {sink, ctx, &resp, cur > 0, 0, hashing ? &h256 : NULL};
        s3_request_t r = {.method = "GET",
                          .key = k,
                          .headers = h,
                          .nheaders = use_range ? 1 : 0,
                          .sink = get_sink,
                          .sink_ctx = &g,
                          .quiet_mask = S3Q_404 | S3Q_COLD,
                          .expect_bytes = end >= 0 ? end - cur : 0};
        int r3 = s3_request(s->cli, &r, &resp);
        cur += resp.sink_bytes;
        if (resp.sha256_meta[0])
            snprintf(meta_sha, sizeof meta_sha, "%s", resp.sha256_meta);
        if (r3 == S3_OK) {
            if (end >= 0 && cur != end) {
                log_error("%s: %s: short read: got bytes up to %lld of %lld", st->url, key,
                          (long long)cur, (long long)end);
                rc = STORE_ERR;
            } else {
                rc = STORE_OK;
            }
            if (rc == STORE_OK && hashing && meta_sha[0]) {
                char got[65];
                util_sha256_final(&h256, got);
                hashing = 0;
                if (strcasecmp(got, meta_sha) != 0) {
                    log_error("%s: %s: the %lld bytes read do not match the object's SHA-256 "
                              "(x-amz-meta-sha256 %s, read %s): the answer was cut short or "
                              "altered",
                              st->url, key, (long long)cur, meta_sha, got);
                    rc = STORE_ERR;
                }
            }
            s3_response_free(&resp);
            break;
        }
        int transient = resp.transient && resp.sink_bytes > 0;
        long status = resp.status;
        char reason[sizeof resp.reason];
        snprintf(reason, sizeof reason, "%s", resp.reason);
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
        char what[512];
        snprintf(what, sizeof what, "GET %s interrupted at byte %lld: %s", key, (long long)cur,
                 reason);
        if (s3_client_backoff(s->cli, att++, what) != 0)
            break;
    }
    if (hashing)
        util_sha256_free(&h256);
    free(k);
    return rc;
}

static int s3_del(store_t *st, const char *key)
{
    store_s3_t *s = (store_s3_t *)st;
    char *k = store_s3_key(s, key);
    if (!k)
        return STORE_ERR;
    s3_response_t resp;
    int rc = store_s3_call(s, "DELETE", k, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    s3_response_free(&resp);
    free(k);
    return rc;
}

static int discard_sink(void *ctx, const void *data, size_t len)
{
    return 0;
}

/* A 1-byte GET of the (full) key: S3_OK when the object is readable now. */
static int probe_read(store_s3_t *s, const char *fullkey)
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
    store_s3_t *s = (store_s3_t *)st;
    char body[512], md5[32];
    snprintf(body, sizeof body,
             "<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>%d</Days>"
             "<GlacierJobParameters><Tier>%s</Tier></GlacierJobParameters></RestoreRequest>",
             days, tier ? tier : "Bulk");
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    char *k = store_s3_key(s, key);
    if (!k)
        return STORE_ERR;
    s3_response_t resp;
    int r = store_s3_call(s, "POST", k, "restore", h, 2, body, strlen(body),
                          S3Q_404 | S3Q_409 | S3Q_501 | S3Q_COLD, &resp);
    int notimpl = r == S3_ERR && resp.status == 501, conflict = r == S3_ERR && resp.status == 409;
    int rc, probe = notimpl ? probe_read(s, k) : S3_ERR;
    if (r == S3_OK) {
        log_debug("%s: %s: restore requested (%s, %d days, HTTP %ld)", st->url, key, tier, days,
                  resp.status);
        rc = STORE_OK;
    } else if (conflict && !strcmp(resp.error_code, "RestoreAlreadyInProgress")) {
        log_debug("%s: %s: restore already in progress", st->url, key);
        rc = STORE_OK;
    } else if (r == S3_COLD) {
        /* InvalidObjectState on restore: the object is not archived */
        log_debug("%s: %s: not in an archive class; nothing to restore", st->url, key);
        rc = STORE_OK;
    } else if (notimpl && probe == S3_NOTFOUND) {
        rc = STORE_NOTFOUND;
    } else if (notimpl && probe == S3_OK) {
        /* Ceph RGW, MinIO: the class is only a label and GET works at once */
        if (!atomic_exchange(&s->labels_only, 1))
            log_warn("%s: this S3 service does not support RestoreObject (HTTP 501 %s); its "
                     "archive storage classes are only labels and %s is readable now, so no "
                     "restore is needed",
                     st->url, resp.error_code[0] ? resp.error_code : "NotImplemented", key);
        rc = STORE_OK;
    } else if (notimpl) {
        log_error("%s: %s: this S3 service does not support RestoreObject (HTTP 501 %s) and the "
                  "object cannot be read without one",
                  st->url, key, resp.error_code[0] ? resp.error_code : "NotImplemented");
        rc = STORE_ERR;
    } else if (r == S3_NOTFOUND) {
        rc = STORE_NOTFOUND;
    } else {
        if (conflict)
            log_error("%s: %s: restore refused: HTTP 409 %s", st->url, key, resp.error_code);
        rc = STORE_ERR;
    }
    s3_response_free(&resp);
    free(k);
    return rc;
}

/* --------------------------------------------------------------- open --- */

static void s3_store_free(store_t *st)
{
    store_s3_t *s = (store_s3_t *)st;
    if (!s)
        return;
    pool_free(s->pool); /* every upload has ended: joins idle workers */
    pthread_mutex_destroy(&s->pool_mu);
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
    .put_open = store_s3_upload_open,
    .put_write = store_s3_upload_write,
    .put_commit = store_s3_upload_commit,
    .put_abort = store_s3_upload_abort,
    .head = store_s3_head,
    .get = s3_get,
    .list = s3_list,
    .del = s3_del,
    .restore = s3_restore,
    .cleanup = store_s3_admin_cleanup,
    .free = s3_store_free,
    .setup = store_s3_admin_setup,
    .audit_head = store_s3_audit_head,
    .bucket_info = store_s3_audit_bucket_info,
};

store_t *store_s3_open(const struct config *cfg)
{
    store_s3_t *s = calloc(1, sizeof *s);
    const char *url = cfg->store.url;
    if (!s)
        return NULL;
    s->base.ops = &s3_ops;
    pthread_mutex_init(&s->pool_mu, NULL);
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
    s->volume_size = cfg->pack.volume_size;
    s->concurrency = cfg->store.concurrency > 0 ? cfg->store.concurrency : 8;
    /* as many part uploads in flight as the run's parallel uploads can use */
    s->pool_threads =
        s->concurrency * (cfg->run.parallel_sources > 0 ? cfg->run.parallel_sources : 1);
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
    s->start_ticks = store_s3_admin_proc_start(getpid());

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
