/*
 * s3.c — the S3 transport under the store (s3.h): requests, retries, error
 * classification, and the one paginator of S3's listings.
 *
 * Design: one s3_client_t per store, shared by every thread. Each request is
 * signed afresh per attempt (sigv4.c; the timestamp moves on), sent on a CURL
 * handle borrowed from a small pool (connections are reused), and its body is
 * either captured in a capped strbuf (small XML answers) or streamed to a sink
 * (GET). A failed attempt is classified once: transient failures (5xx,
 * SlowDown, RequestTimeout, resets, timeouts, stalls) are retried with
 * exponential backoff and full jitter, within max_attempts per request and a
 * retry budget shared by the whole client; everything else is final and gets
 * one message that names the problem (clock skew, credentials, region,
 * missing bucket...). Results are store_rc values (s3.h), so the store passes
 * them on without a translation table. Messages carry the HTTP status and the
 * <Code> (RGW leaves <Message> empty) and never a secret: the access key id
 * is shown by its last 4 characters only.
 *
 * Credentials: each attempt signs with its own snapshot from the refreshing
 * provider (s3_creds.h), so temporary credentials renewed mid-run are picked
 * up by the next attempt and a request never mixes two key sets. An answer
 * that says the credentials went stale (ExpiredToken, InvalidToken,
 * InvalidAccessKeyId) makes the provider refresh once and the request go
 * again, once. A plain http:// endpoint is refused unless it is loopback.
 *
 * Every attempt is bounded: a byte-rate floor while a body moves and a total
 * deadline that grows with the body (progress_cb; s3.h says the numbers).
 *
 * Length (~920 lines): the client's private state (handle pool, budget,
 * credentials, limits) is shared by the attempt, the retry loop and the HEAD
 * diagnosis; splitting them would export that state. The MD5/ETag helpers
 * sit here with Content-MD5, over the same OpenSSL calls. Credentials, XML and
 * pagination already live in s3_creds.c, s3_xml.c and s3_page.c.
 */
#include "s3.h"

#include "log.h"
#include "s3_creds.h"
#include "s3_xml.h"
#include "sigv4.h"
#include "strbuf.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define BODY_CAP (4u << 20)
#define POOL_MAX 64

/* ------------------------------------------------------------ helpers -- */

char *s3_qenc(const char *s)
{
    return sigv4_uri_encode(s ? s : "", 0);
}

void s3_content_md5(const void *data, size_t len, char out[32])
{
    unsigned char md[16];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, 16);
}

void s3_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[16];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int s3_multipart_etag(char *const *part_md5_hex, int nparts, char *out, size_t n)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char md[16], bin[16];
    unsigned int ml = 0;
    int rc = -1;
    if (!m || EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1)
        goto out;
    for (int i = 0; i < nparts; i++) {
        const char *h = part_md5_hex[i];
        if (!h || strlen(h) != 32)
            goto out;
        for (int j = 0; j < 16; j++) {
            unsigned int b;
            if (sscanf(h + 2 * j, "%2x", &b) != 1)
                goto out;
            bin[j] = (unsigned char)b;
        }
        if (EVP_DigestUpdate(m, bin, 16) != 1)
            goto out;
    }
    if (EVP_DigestFinal_ex(m, md, &ml) != 1)
        goto out;
    size_t o = 0;
    for (int i = 0; i < 16 && o + 3 <= n; i++)
        o += (size_t)snprintf(out + o, n - o, "%02x", md[i]);
    snprintf(out + o, n - o, "-%d", nparts);
    rc = 0;
out:
    EVP_MD_CTX_free(m);
    return rc;
}

int64_t s3_parse_iso8601(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

int s3_parse_restore_header(const char *value, int *ongoing, int64_t *expiry)
{
    *ongoing = 0;
    *expiry = 0;
    if (!value)
        return -1;
    const char *o = strstr(value, "ongoing-request=\"");
    if (!o)
        return -1;
    o += strlen("ongoing-request=\"");
    if (!strncmp(o, "true\"", 5))
        *ongoing = 1;
    else if (strncmp(o, "false\"", 6) != 0)
        return -1;
    const char *e = strstr(value, "expiry-date=\"");
    if (e) {
        char buf[128];
        e += strlen("expiry-date=\"");
        const char *q = strchr(e, '"');
        size_t n = q ? (size_t)(q - e) : strlen(e);
        snprintf(buf, sizeof buf, "%.*s", (int)(n < 127 ? n : 127), e);
        time_t t = curl_getdate(buf, NULL);
        *expiry = t > 0 ? (int64_t)t : 0;
    }
    return 0;
}

/* --------------------------------------------------------- classification */

int s3_is_retryable(long status, const char *code)
{
    if (code && (!strcmp(code, "SlowDown") || !strcmp(code, "RequestTimeout") ||
                 !strcmp(code, "InternalError") || !strcmp(code, "ServiceUnavailable")))
        return 1;
    return status == 500 || status == 502 || status == 503 || status == 504 || status == 408 ||
           status == 429;
}

void s3_explain(long status, const char *code, const char *region_hint, const char *my_region,
                char *buf, size_t bufsz)
{
    const char *c = code ? code : "";
    if (!strcmp(c, "RequestTimeTooSkewed"))
        snprintf(buf, bufsz,
                 "clock skew: this machine's clock differs from the S3 service's by "
                 "more than 15 minutes; fix the system time (NTP)");
    else if (!strcmp(c, "InvalidAccessKeyId"))
        snprintf(buf, bufsz,
                 "credentials rejected: the access key id is unknown to this S3 "
                 "service (wrong or deleted key)");
    else if (!strcmp(c, "SignatureDoesNotMatch"))
        snprintf(buf, bufsz,
                 "credentials rejected: the signature does not match (wrong secret "
                 "key for this access key id, or a proxy altered the request)");
    else if (!strcmp(c, "InvalidToken") || !strcmp(c, "ExpiredToken"))
        snprintf(buf, bufsz, "credentials rejected: the session token is invalid or expired");
    else if (!strcmp(c, "AuthorizationHeaderMalformed") || !strcmp(c, "PermanentRedirect") ||
             !strcmp(c, "IncorrectEndpoint") || !strcmp(c, "IllegalLocationConstraintException") ||
             status == 301 ||
             (region_hint && *region_hint && my_region && strcmp(region_hint, my_region)))
        snprintf(buf, bufsz, "wrong region: the bucket is in %s but region = %s is configured",
                 region_hint && *region_hint ? region_hint : "another region",
                 my_region ? my_region : "?");
    else if (!strcmp(c, "AccessDenied") || (status == 403 && !*c))
        snprintf(buf, bufsz,
                 "access denied: the credentials are valid but lack permission for "
                 "this request (bucket policy, IAM policy or Object Lock)");
    else if (!strcmp(c, "NoSuchBucket"))
        snprintf(buf, bufsz, "the bucket does not exist (check url and endpoint)");
    else if (!strcmp(c, "NoSuchKey") || (status == 404 && !*c))
        snprintf(buf, bufsz, "no such key");
    else if (!strcmp(c, "NoSuchUpload"))
        snprintf(buf, bufsz, "the multipart upload no longer exists (aborted or completed)");
    else if (status == 412 || !strcmp(c, "PreconditionFailed"))
        snprintf(buf, bufsz, "precondition failed: the object already exists");
    else if (!strcmp(c, "InvalidObjectState"))
        snprintf(buf, bufsz,
                 "the object is archived (cold storage class) and must be restored "
                 "before it can be read");
    else if (status == 405 || !strcmp(c, "MethodNotAllowed"))
        snprintf(buf, bufsz, "this S3 service does not allow this request on this resource");
    else if (status == 501 || !strcmp(c, "NotImplemented"))
        snprintf(buf, bufsz, "this S3 service does not implement the request");
    else if (!strcmp(c, "InvalidPart") || !strcmp(c, "InvalidPartOrder") ||
             !strcmp(c, "EntityTooSmall"))
        snprintf(buf, bufsz, "the service rejected the multipart upload's parts");
    else if (!strcmp(c, "BadDigest") || !strcmp(c, "InvalidDigest") ||
             !strcmp(c, "XAmzContentSHA256Mismatch"))
        snprintf(buf, bufsz, "checksum mismatch: the data was corrupted in transit");
    else if (!strcmp(c, "InvalidRequest") || !strcmp(c, "InvalidArgument"))
        snprintf(buf, bufsz,
                 "the service refused the request's parameters (storage class, "
                 "encryption or Object Lock settings?)");
    else if (s3_is_retryable(status, c))
        snprintf(buf, bufsz, "the service is unavailable or overloaded; gave up after retries");
    else
        snprintf(buf, bufsz, "request failed");
}

/* --------------------------------------------------------------- client -- */

/* "...ABCD": the last 4 characters of the access key id, for messages. */
static void key_hint(const s3_creds_t *cr, char out[16])
{
    size_t kl = cr->access_key ? strlen(cr->access_key) : 0;
    snprintf(out, 16, "...%s", kl > 4 ? cr->access_key + kl - 4 : "");
}

struct s3_client {
    char *scheme_host; /* "http://127.0.0.1:7480" (for URLs) */
    char *host;        /* "127.0.0.1:7480" or "bucket.s3...." (Host header) */
    char *base_path;   /* "/bucket" (path style) or "" */
    char *region;
    char *bucket;
    char *label;
    s3_creds_provider_t *creds; /* each attempt signs with a snapshot of it */
    /* retry policy */
    int max_attempts;
    long base_ms, cap_ms;
    long stall_secs, connect_secs;
    long low_speed_bytes; /* below this many bytes/s for stall_secs: stalled */
    long deadline_secs;   /* a request's total time, before its body's share */
    long deadline_rate;   /* bytes/s a body is granted on top of deadline_secs */
    long clock_offset;    /* COLDPACK_S3_TEST_CLOCK_OFFSET: tests of clock-skew handling */
    atomic_long budget;
    /* handle pool */
    pthread_mutex_t mu;
    CURL *pool[POOL_MAX];
    int npool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        log_warn("%s=%s ignored (expected %ld..%ld)", name, v, lo, hi);
        return def;
    }
    return n;
}

s3_client_t *s3_client_new(const s3_client_opts_t *o)
{
    pthread_once(&curl_once, curl_init_once);
    s3_client_t *c = calloc(1, sizeof *c);
    char *ep = NULL;
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->region = strdup(o->region && *o->region ? o->region : "us-east-1");
    c->bucket = util_strdup(o->bucket);
    c->label = util_strdup(o->label ? o->label : o->bucket);
    if (!c->region || !c->bucket || !c->label)
        goto fail;
    if (o->endpoint && *o->endpoint)
        ep = strdup(o->endpoint);
    else
        ep = util_asprintf("https://s3.%s.amazonaws.com", c->region);
    if (!ep)
        goto fail;
    size_t el = strlen(ep);
    while (el > 0 && ep[el - 1] == '/')
        ep[--el] = '\0';
    char *hs = strstr(ep, "://");
    if (!hs || strchr(hs + 3, '/')) {
        log_error("%s: endpoint %s: expected scheme://host[:port] with no path", c->label, ep);
        goto fail;
    }
    *hs = '\0';
    const char *scheme = ep, *host = hs + 3;
    if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
        log_error("%s: endpoint scheme %s: expected http or https", c->label, scheme);
        goto fail;
    }
    *hs = ':';
    char why[512];
    if (s3_creds_url_check(ep, S3_URL_SERVICE, why, sizeof why) != 0) {
        log_error("%s: endpoint %s", c->label, why);
        goto fail;
    }
    *hs = '\0';
    if (o->path_style) {
        c->host = strdup(host);
        c->scheme_host = util_asprintf("%s://%s", scheme, host);
        c->base_path = util_asprintf("/%s", c->bucket);
    } else {
        c->host = util_asprintf("%s.%s", c->bucket, host);
        c->scheme_host = util_asprintf("%s://%s.%s", scheme, c->bucket, host);
        c->base_path = strdup("");
    }
    if (!c->host || !c->scheme_host || !c->base_path)
        goto fail;
    c->creds = s3_creds_provider_new(o->profile, c->region);
    if (!c->creds)
        goto fail;
    s3_creds_t snap;
    char hint[16];
    if (s3_creds_provider_get(c->creds, &snap) != 0)
        goto fail;
    key_hint(&snap, hint);
    c->max_attempts = (int)env_long("COLDPACK_S3_MAX_ATTEMPTS", 8, 1, 100);
    c->base_ms = env_long("COLDPACK_S3_RETRY_BASE_MS", 250, 1, 600000);
    c->cap_ms = env_long("COLDPACK_S3_RETRY_CAP_MS", 20000, 1, 3600000);
    atomic_store(&c->budget, env_long("COLDPACK_S3_RETRY_BUDGET", 2000, 0, 100000000));
    c->stall_secs = env_long("COLDPACK_S3_STALL_SECS", 60, 1, 3600);
    c->stall_secs = env_long("COLDPACK_S3_LOW_SPEED_SECS", c->stall_secs, 1, 3600);
    c->low_speed_bytes = env_long("COLDPACK_S3_LOW_SPEED_BYTES", 1024, 1, 1L << 30);
    c->deadline_secs = env_long("COLDPACK_S3_DEADLINE_SECS", 300, 1, 86400);
    c->deadline_rate = env_long("COLDPACK_S3_DEADLINE_RATE", 256 * 1024, 1, 1L << 30);
    c->connect_secs = env_long("COLDPACK_S3_CONNECT_SECS", 15, 1, 600);
    c->clock_offset = env_long("COLDPACK_S3_TEST_CLOCK_OFFSET", 0, -86400 * 365, 86400 * 365);
    free(ep);
    log_debug("%s: endpoint %s://%s, region %s, credentials from %s (key %s)", c->label,
              c->scheme_host[4] == 's' ? "https" : "http", c->host, c->region, snap.source, hint);
    s3_creds_clear(&snap);
    return c;
fail:
    free(ep);
    s3_client_free(c);
    return NULL;
}

void s3_client_free(s3_client_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    pthread_mutex_destroy(&c->mu);
    s3_creds_provider_free(c->creds);
    free(c->scheme_host);
    free(c->host);
    free(c->base_path);
    free(c->region);
    free(c->bucket);
    free(c->label);
    free(c);
}

long s3_client_deadline(const s3_client_t *c, int64_t bytes)
{
    int64_t extra = bytes > 0 ? bytes / c->deadline_rate : 0;
    int64_t d = (int64_t)c->deadline_secs + extra;
    return d > 7 * 86400 ? 7 * 86400 : (long)d;
}

int64_t s3_request_bytes(const s3_request_t *r)
{
    return r->expect_bytes > (int64_t)r->body_len ? r->expect_bytes : (int64_t)r->body_len;
}

static long jitter_ms(long base, long cap, int attempt)
{
    long hi = base;
    for (int i = 0; i < attempt && hi < cap; i++)
        hi *= 2;
    if (hi > cap)
        hi = cap;
    unsigned int r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
        r = (unsigned int)rand();
    return (long)(r % (unsigned long)(hi + 1));
}

int s3_client_backoff(s3_client_t *c, int attempt, const char *what)
{
    if (attempt + 1 >= c->max_attempts) {
        log_error("%s: %s: gave up after %d attempts", c->label, what, c->max_attempts);
        return -1;
    }
    if (atomic_fetch_sub(&c->budget, 1) <= 0) {
        atomic_fetch_add(&c->budget, 1);
        log_error("%s: %s: the run's retry budget is used up, giving up", c->label, what);
        return -1;
    }
    long ms = jitter_ms(c->base_ms, c->cap_ms, attempt);
    log_warn("%s: %s; retry %d/%d in %ld ms", c->label, what, attempt + 1, c->max_attempts - 1, ms);
    util_sleep((double)ms / 1000.0);
    return 0;
}

long s3_client_retry_budget(s3_client_t *c)
{
    return atomic_load(&c->budget);
}

static CURL *pool_get(s3_client_t *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->npool > 0)
        h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->mu);
    if (h)
        curl_easy_reset(h);
    else
        h = curl_easy_init();
    return h;
}

static void pool_put(s3_client_t *c, CURL *h, int healthy)
{
    if (!h)
        return;
    pthread_mutex_lock(&c->mu);
    if (healthy && c->npool < POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h)
        curl_easy_cleanup(h);
}

void s3_response_free(s3_response_t *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* One attempt's transfer state. */
typedef struct xfer {
    s3_client_t *c;
    double start;  /* util_now() when the attempt began */
    int timed_out; /* the deadline passed (progress_cb) */
    const s3_request_t *req;
    s3_response_t *resp;
    size_t up_off;
    int sink_stopped;
    strbuf_t body; /* a non-sink answer, capped at BODY_CAP */
} xfer_t;

static size_t read_cb(char *buf, size_t sz, size_t n, void *ud)
{
    xfer_t *x = ud;
    size_t left = x->req->body_len - x->up_off, want = sz * n;
    if (want > left)
        want = left;
    if (want)
        memcpy(buf, (const char *)x->req->body + x->up_off, want);
    x->up_off += want;
    return want;
}

/* Ends an attempt that outlives its deadline (base + body at the rate). */
static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    xfer_t *x = ud;
    int64_t bytes = s3_request_bytes(x->req);
    if ((int64_t)dltotal > bytes)
        bytes = (int64_t)dltotal;
    if ((int64_t)ultotal > bytes)
        bytes = (int64_t)ultotal;
    if (util_now() - x->start > (double)s3_client_deadline(x->c, bytes)) {
        x->timed_out = 1;
        return 1;
    }
    return 0;
}

static int seek_cb(void *ud, curl_off_t off, int origin)
{
    xfer_t *x = ud;
    if (origin != SEEK_SET || off < 0 || (size_t)off > x->req->body_len)
        return CURL_SEEKFUNC_FAIL;
    x->up_off = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t write_cb(char *data, size_t sz, size_t n, void *ud)
{
    xfer_t *x = ud;
    size_t len = sz * n;
    s3_response_t *r = x->resp;
    if (x->req->sink && r->status >= 200 && r->status < 300) {
        if (x->req->sink(x->req->sink_ctx, data, len) != 0) {
            x->sink_stopped = 1;
            return 0;
        }
        r->sink_bytes += (int64_t)len;
        return len;
    }
    if (strbuf_add(&x->body, data, len) != 0 && errno != E2BIG)
        return 0; /* out of memory */
    return len;   /* past the cap: drop the rest; we only need the head of an XML answer */
}

static void hdr_copy(char *dst, size_t n, const char *v, size_t vl)
{
    while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    snprintf(dst, n, "%.*s", (int)(vl < n - 1 ? vl : n - 1), v);
}

static size_t header_cb(char *data, size_t sz, size_t n, void *ud)
{
    xfer_t *x = ud;
    s3_response_t *r = x->resp;
    size_t len = sz * n;
    if (len > 5 && !strncmp(data, "HTTP/", 5)) {
        /* a new response (after 100 Continue or a redirect): start over */
        const char *sp = memchr(data, ' ', len);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->content_length = -1;
        r->etag[0] = r->storage_class[0] = r->sha256_meta[0] = r->restore[0] = '\0';
        r->last_modified[0] = r->bucket_region[0] = '\0';
        r->version_id[0] = r->lock_mode[0] = r->lock_until[0] = '\0';
        r->tagging_count = -1;
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    char val[512];
#define IS(h) (nl == strlen(h) && !strncasecmp(data, h, nl))
    if (IS("etag"))
        hdr_copy(r->etag, sizeof r->etag, v, vl);
    else if (IS("x-amz-storage-class"))
        hdr_copy(r->storage_class, sizeof r->storage_class, v, vl);
    else if (IS("x-amz-meta-sha256"))
        hdr_copy(r->sha256_meta, sizeof r->sha256_meta, v, vl);
    else if (IS("x-amz-restore"))
        hdr_copy(r->restore, sizeof r->restore, v, vl);
    else if (IS("last-modified"))
        hdr_copy(r->last_modified, sizeof r->last_modified, v, vl);
    else if (IS("x-amz-bucket-region"))
        hdr_copy(r->bucket_region, sizeof r->bucket_region, v, vl);
    else if (IS("x-amz-version-id"))
        hdr_copy(r->version_id, sizeof r->version_id, v, vl);
    else if (IS("x-amz-object-lock-mode"))
        hdr_copy(r->lock_mode, sizeof r->lock_mode, v, vl);
    else if (IS("x-amz-object-lock-retain-until-date"))
        hdr_copy(r->lock_until, sizeof r->lock_until, v, vl);
    else if (IS("x-amz-tagging-count")) {
        hdr_copy(val, sizeof val, v, vl);
        r->tagging_count = atoi(val);
    } else if (IS("content-length")) {
        hdr_copy(val, sizeof val, v, vl);
        r->content_length = strtoll(val, NULL, 10);
    }
#undef IS
    return len;
}

static void amz_now(char out[17], long offset)
{
    time_t t = time(NULL) + offset;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Performs one attempt. Returns the CURLcode; fills resp. */
static CURLcode attempt(s3_client_t *c, CURL *h, const s3_creds_t *cr, const s3_request_t *r,
                        const char *payload_hash, s3_response_t *resp, xfer_t *x)
{
    char amz[17];
    amz_now(amz, c->clock_offset);
    char *raw_path = NULL, *enc_path = NULL, *url = NULL;
    struct curl_slist *sl = NULL;
    sigv4_out_t so;
    memset(&so, 0, sizeof so);
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    memset(resp, 0, sizeof *resp);
    resp->content_length = -1;
    resp->tagging_count = -1;
    memset(x, 0, sizeof *x);
    x->req = r;
    x->resp = resp;
    strbuf_init(&x->body, BODY_CAP);

    raw_path = util_asprintf("%s/%s", c->base_path, r->key ? r->key : "");
    if (!raw_path)
        goto out;
    if (!*raw_path) { /* virtual-hosted bucket request */
        free(raw_path);
        raw_path = strdup("/");
        if (!raw_path)
            goto out;
    }
    enc_path = sigv4_uri_encode(raw_path, 1);
    if (!enc_path)
        goto out;
    url = util_asprintf("%s%s%s%s", c->scheme_host, enc_path, r->query && *r->query ? "?" : "",
                        r->query ? r->query : "");
    if (!url)
        goto out;

    sigv4_header_t sh[48];
    size_t nsh = 0;
    sh[nsh++] = (sigv4_header_t){"host", c->host};
    sh[nsh++] = (sigv4_header_t){"x-amz-date", amz};
    sh[nsh++] = (sigv4_header_t){"x-amz-content-sha256", payload_hash};
    if (cr->session_token)
        sh[nsh++] = (sigv4_header_t){"x-amz-security-token", cr->session_token};
    for (size_t i = 0; i < r->nheaders && nsh < 48; i++)
        sh[nsh++] = (sigv4_header_t){r->headers[i].name, r->headers[i].value};
    sigv4_ctx_t sc = {cr->access_key, cr->secret_key, c->region, "s3", amz};
    if (sigv4_sign(&sc, r->method, raw_path, r->query, sh, nsh, payload_hash, &so) != 0)
        goto out;
    for (size_t i = 0; i < nsh; i++) {
        char *line = util_asprintf("%s: %s", sh[i].name, sh[i].value);
        struct curl_slist *n2 = line ? curl_slist_append(sl, line) : NULL;
        if (line)
            OPENSSL_cleanse(line, strlen(line));
        free(line);
        if (!n2)
            goto out;
        sl = n2;
    }
    char *auth = util_asprintf("Authorization: %s", so.authorization);
    struct curl_slist *n3 = auth ? curl_slist_append(sl, auth) : NULL;
    free(auth);
    if (!n3)
        goto out;
    sl = n3;
    sl = curl_slist_append(sl, "Expect:");
    if (!sl)
        goto out;
    int has_ct = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        has_ct |= !strcasecmp(r->headers[i].name, "content-type");
    if (!has_ct)
        sl = curl_slist_append(sl, "Content-Type:");

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_secs);
    /* the byte-rate floor holds while a body moves; a request that waits for
     * the service's answer (CompleteMultipartUpload, which S3 keeps alive
     * with a byte of whitespace now and then) only needs bytes at all */
    int moves_body = r->sink != NULL || (!strcmp(r->method, "PUT") && r->body_len > 0);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, moves_body ? c->low_speed_bytes : 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_secs);
    /* the total deadline grows with the body, whose size an answer tells
     * only in its headers: checked by the progress callback */
    x->c = c;
    x->start = util_now();
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "coldpack/1");
    if (!strcmp(r->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(r->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
    } else if (!strcmp(r->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    }
    cc = curl_easy_perform(h);
    if (cc == CURLE_ABORTED_BY_CALLBACK && x->timed_out)
        cc = CURLE_OPERATION_TIMEDOUT;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    if (x->body.len)
        resp->body = strbuf_detach(&x->body, &resp->body_len);
out:
    strbuf_release(&x->body);
    curl_slist_free_all(sl);
    sigv4_out_free(&so);
    free(raw_path);
    free(enc_path);
    free(url);
    return cc;
}

static int curl_transient(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return 1;
    default:
        return 0;
    }
}

/* The store-scale result of a final HTTP status (2xx handled before). */
static int status_rc(long status, const char *code)
{
    if (status == 404)
        return S3_NOTFOUND;
    if (status == 412)
        return S3_PRECOND;
    if (status == 403 && !strcmp(code, "InvalidObjectState"))
        return S3_COLD;
    return S3_ERR;
}

/* 1 when the caller said it handles this final status itself. */
static int quiet_for(int rc, long status, int mask)
{
    return (rc == S3_NOTFOUND && (mask & S3Q_404)) || (rc == S3_PRECOND && (mask & S3Q_412)) ||
           (rc == S3_COLD && (mask & S3Q_COLD)) || (status == 409 && (mask & S3Q_409)) ||
           (status == 501 && (mask & S3Q_501));
}

/* A HEAD error has no body: ask again with a 1-byte GET to learn the <Code>
 * (e.g. SignatureDoesNotMatch vs AccessDenied), for the message only. */
static void diagnose_head(s3_client_t *c, const s3_request_t *r, s3_xml_error_t *err)
{
    s3_header_t h[] = {{"Range", "bytes=0-0"}};
    s3_request_t g = {
        .method = "GET", .key = r->key, .query = r->query, .headers = h, .nheaders = 1};
    s3_response_t resp;
    xfer_t x;
    s3_creds_t cr;
    if (s3_creds_provider_get(c->creds, &cr) != 0)
        return;
    CURL *hd = pool_get(c);
    if (!hd) {
        s3_creds_clear(&cr);
        return;
    }
    CURLcode cc = attempt(c, hd, &cr, &g, SIGV4_EMPTY_SHA256, &resp, &x);
    s3_creds_clear(&cr);
    pool_put(c, hd, cc == CURLE_OK);
    if (cc == CURLE_OK && resp.body_len)
        s3_xml_error(resp.body, resp.body_len, err);
    s3_response_free(&resp);
}

/* 1 for the answers that mean "these temporary credentials are no longer
 * good": worth one refresh and one more try. */
static int creds_stale(long status, const char *code)
{
    return (status == 400 || status == 403) &&
           (!strcmp(code, "ExpiredToken") || !strcmp(code, "InvalidToken") ||
            !strcmp(code, "TokenRefreshRequired") || !strcmp(code, "InvalidAccessKeyId"));
}

/* s3_request's loop; *cr is the current attempt's credentials snapshot,
 * which the caller clears. */
static int request_loop(s3_client_t *c, const s3_request_t *r, s3_response_t *resp, s3_creds_t *cr)
{
    char payload_hash[65];
    int refreshed = 0;
    if (r->body_sha256)
        snprintf(payload_hash, sizeof payload_hash, "%s", r->body_sha256);
    else
        sigv4_sha256_hex(r->body ? r->body : "", r->body_len, payload_hash);
    const char *key = r->key ? r->key : "";
    int max = r->no_retry ? 1 : c->max_attempts;
    memset(resp, 0, sizeof *resp);
    for (int att = 0;; att++) {
        s3_creds_clear(cr);
        if (s3_creds_provider_get(c->creds, cr) != 0) {
            log_error("%s: %s %s: no valid credentials", c->label, r->method, key);
            return S3_ERR;
        }
        CURL *h = pool_get(c);
        xfer_t x;
        if (!h) {
            log_error("%s: out of memory for a connection", c->label);
            return S3_ERR;
        }
        CURLcode cc = attempt(c, h, cr, r, payload_hash, resp, &x);
        resp->attempts = att + 1;
        s3_xml_error_t err;
        memset(&err, 0, sizeof err);
        char why[256] = "";
        int retry = 0;
        if (cc == CURLE_OK) {
            pool_put(c, h, 1);
            if (resp->status >= 200 && resp->status < 300)
                return S3_OK;
            if (resp->body_len)
                s3_xml_error(resp->body, resp->body_len, &err);
            retry = s3_is_retryable(resp->status, err.code);
            snprintf(why, sizeof why, "HTTP %ld%s%s", resp->status, err.code[0] ? " " : "",
                     err.code);
        } else {
            pool_put(c, h, 0);
            if (x.sink_stopped) { /* the caller's sink refused data: its own error */
                log_debug("%s: %s %s: stopped by the receiver", c->label, r->method, key);
                return S3_ERR;
            }
            retry = curl_transient(cc);
            snprintf(why, sizeof why, "%s", curl_easy_strerror(cc));
            if (cc == CURLE_OPERATION_TIMEDOUT)
                snprintf(why, sizeof why,
                         "stalled or timed out (%s; limits: %ld B/s over %ld s, %ld s per "
                         "request)",
                         curl_easy_strerror(cc), c->low_speed_bytes, c->stall_secs,
                         s3_client_deadline(c, s3_request_bytes(r)));
        }
        resp->transient = retry;
        snprintf(resp->reason, sizeof resp->reason, "%s", why);
        if (retry && resp->sink_bytes > 0) {
            /* bytes already reached the sink: the caller resumes with a Range */
            log_debug("%s: %s %s: %s after %lld bytes", c->label, r->method, key, why,
                      (long long)resp->sink_bytes);
            return S3_ERR;
        }
        if (retry && att + 1 < max) {
            long b = atomic_fetch_sub(&c->budget, 1);
            if (b > 0) {
                long ms = jitter_ms(c->base_ms, c->cap_ms, att);
                log_warn("%s: %s %s: %s; retry %d/%d in %ld ms", c->label, r->method, key, why,
                         att + 1, max - 1, ms);
                s3_response_free(resp);
                util_sleep((double)ms / 1000.0);
                continue;
            }
            atomic_fetch_add(&c->budget, 1);
            log_error("%s: %s %s: %s; the run's retry budget is used up, giving up", c->label,
                      r->method, key, why);
            return S3_ERR;
        }
        if (cc != CURLE_OK) {
            if (!r->no_retry || !retry)
                log_error("%s: %s %s: %s%s", c->label, r->method, key, why,
                          retry ? " (gave up after retries)" : "");
            return S3_ERR;
        }
        if (!err.code[0] && !strcmp(r->method, "HEAD") &&
            (resp->status == 400 || resp->status == 403 || resp->status == 301 ||
             resp->status == 404))
            diagnose_head(c, r, &err);
        if (!refreshed && creds_stale(resp->status, err.code) &&
            s3_creds_provider_refreshable(c->creds)) {
            refreshed = 1;
            if (s3_creds_provider_rejected(c->creds, cr->generation) == 0) {
                log_warn("%s: %s %s: HTTP %ld %s: credentials from %s refreshed; trying again",
                         c->label, r->method, key, resp->status, err.code, cr->source);
                s3_response_free(resp);
                continue;
            }
        }
        int rc = status_rc(resp->status, err.code);
        if (rc == S3_NOTFOUND && !strcmp(err.code, "NoSuchBucket"))
            rc = S3_ERR; /* a missing bucket is never a missing object */
        snprintf(resp->error_code, sizeof resp->error_code, "%s", err.code);
        if (!quiet_for(rc, resp->status, r->quiet_mask) && !(r->no_retry && retry)) {
            char expl[256];
            const char *hint = err.region[0] ? err.region : resp->bucket_region;
            s3_explain(resp->status, err.code, hint, c->region, expl, sizeof expl);
            int cred = !strcmp(err.code, "InvalidAccessKeyId") ||
                       !strcmp(err.code, "SignatureDoesNotMatch") || creds_stale(400, err.code);
            char khint[16];
            key_hint(cr, khint);
            log_error("%s: %s %s: HTTP %ld %s: %s%s%s%s%s%s", c->label, r->method, key,
                      resp->status, err.code[0] ? err.code : "(no error code)", expl,
                      cred ? " [credentials from " : "", cred ? cr->source : "",
                      cred ? ", key " : "", cred ? khint : "", cred ? "]" : "");
            if (err.message[0])
                log_debug("%s: service message: %s", c->label, err.message);
        }
        return rc;
    }
}

int s3_request(s3_client_t *c, const s3_request_t *r, s3_response_t *resp)
{
    s3_creds_t cr;
    memset(&cr, 0, sizeof cr);
    int rc = request_loop(c, r, resp, &cr);
    s3_creds_clear(&cr);
    return rc;
}
