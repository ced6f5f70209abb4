/*
 * s3.c — the low-level S3 client under store_s3.c.
 *
 * Design: one s3_client_t per store, shared by every thread. Each request is
 * signed afresh per attempt (sigv4.c; the timestamp moves on), sent on a CURL
 * handle borrowed from a small pool (connections are reused), and its body is
 * either captured (small XML answers) or streamed to a sink (GET). A failed
 * attempt is classified once: transient failures (5xx, SlowDown,
 * RequestTimeout, resets, timeouts, stalls) are retried with exponential
 * backoff and full jitter, within max_attempts per request and a retry budget
 * shared by the whole client; everything else is final and gets one message
 * that names the problem (clock skew, credentials, region, missing bucket...).
 * Messages carry the HTTP status and the <Code> (RGW leaves <Message> empty)
 * and never a secret: the access key id is shown by its last 4 characters only.
 */
#include "s3.h"

#include "log.h"
#include "sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <expat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define BODY_CAP (4u << 20)
#define POOL_MAX 64

/* ------------------------------------------------------------ utilities -- */

static long jitter_ms(long base, long cap, int attempt);
static void sleep_ms(long ms);

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0)
        p = NULL;
    va_end(ap);
    return p;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

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

/* ---------------------------------------------------------- credentials -- */

void s3_creds_clear(s3_creds_t *c)
{
    if (!c)
        return;
    wipe_free(c->access_key);
    wipe_free(c->secret_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

/* Reads key/values of one section of an AWS-style INI file. Returns 1 when
 * the section exists, 0 when not, -1 when the file exists but is refused. */
static int ini_section(const char *path, const char *section, int check_mode, s3_creds_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    struct stat st;
    if (check_mode && fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
        log_error("credentials: refusing %s: it is readable by group or others (mode %04o); "
                  "it holds secret keys: run chmod 600 %s",
                  path, (unsigned)(st.st_mode & 07777), path);
        fclose(f);
        return -1;
    }
    char line[4096];
    int in = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            char *e = strchr(l, ']');
            if (e)
                *e = '\0';
            in = strcmp(trim(l + 1), section) == 0;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(l, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(l), *v = trim(eq + 1);
        char **dst = NULL;
        if (!strcmp(k, "aws_access_key_id"))
            dst = &out->access_key;
        else if (!strcmp(k, "aws_secret_access_key"))
            dst = &out->secret_key;
        else if (!strcmp(k, "aws_session_token"))
            dst = &out->session_token;
        if (dst) {
            wipe_free(*dst);
            *dst = strdup(v);
        }
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return found;
}

/* The config file may hold keys too; only then must it be private. */
static int file_has_keys(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int has = 0;
    if (!f)
        return 0;
    while (!has && fgets(line, sizeof line, f))
        has = strstr(line, "aws_secret_access_key") != NULL;
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return has;
}

int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out)
{
    memset(out, 0, sizeof *out);
    if (!profile || !*profile)
        profile = "default";
    int r = 0;
    if (cred_file) {
        r = ini_section(cred_file, profile, 1, out);
        if (r < 0)
            goto fail;
        if (out->access_key && out->secret_key) {
            snprintf(out->source, sizeof out->source, "credentials file [%.40s]", profile);
            return 0;
        }
    }
    if (config_file) {
        char sect[256];
        if (!strcmp(profile, "default"))
            snprintf(sect, sizeof sect, "default");
        else
            snprintf(sect, sizeof sect, "profile %s", profile);
        r = ini_section(config_file, sect, file_has_keys(config_file), out);
        if (r < 0)
            goto fail;
        if (out->access_key && out->secret_key) {
            snprintf(out->source, sizeof out->source, "config file [%.40s]", sect);
            return 0;
        }
    }
    log_error("credentials: none found for profile \"%s\": set AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY, or add aws_access_key_id/aws_secret_access_key to [%s] "
              "in %s",
              profile, profile, cred_file ? cred_file : "~/.aws/credentials");
fail:
    s3_creds_clear(out);
    return -1;
}

int s3_creds_load(const char *profile, s3_creds_t *out)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    memset(out, 0, sizeof *out);
    if (ak && *ak && sk && *sk) {
        const char *tok = getenv("AWS_SESSION_TOKEN");
        out->access_key = strdup(ak);
        out->secret_key = strdup(sk);
        out->session_token = tok && *tok ? strdup(tok) : NULL;
        snprintf(out->source, sizeof out->source, "environment");
        if (!out->access_key || !out->secret_key) {
            s3_creds_clear(out);
            return -1;
        }
        return 0;
    }
    if (!profile || !*profile)
        profile = getenv("AWS_PROFILE");
    const char *home = getenv("HOME");
    const char *cf = getenv("AWS_SHARED_CREDENTIALS_FILE"), *gf = getenv("AWS_CONFIG_FILE");
    char *cfd = NULL, *gfd = NULL;
    if (!cf && home)
        cf = cfd = xasprintf("%s/.aws/credentials", home);
    if (!gf && home)
        gf = gfd = xasprintf("%s/.aws/config", home);
    int rc = s3_creds_load_files(profile, cf, gf, out);
    free(cfd);
    free(gfd);
    return rc;
}

/* ------------------------------------------------------------------ XML -- */

typedef void (*xml_cb)(void *ctx, const char *path, const char *text);

typedef struct xw {
    char path[1024];
    size_t plen;
    char *text;
    size_t tlen, tcap;
    xml_cb cb;
    void *ctx;
    int overflow;
} xw_t;

static void XMLCALL xw_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    xw_t *w = ud;
    size_t n = strlen(name);
    if (w->plen + n + 2 >= sizeof w->path) {
        w->overflow++;
        return;
    }
    w->path[w->plen++] = '/';
    memcpy(w->path + w->plen, name, n + 1);
    w->plen += n;
    w->tlen = 0;
    if (w->text)
        w->text[0] = '\0';
}

static void XMLCALL xw_chars(void *ud, const XML_Char *s, int len)
{
    xw_t *w = ud;
    if (w->tlen + (size_t)len + 1 > w->tcap) {
        size_t cap = w->tcap ? w->tcap * 2 : 256;
        while (cap < w->tlen + (size_t)len + 1)
            cap *= 2;
        char *p = realloc(w->text, cap);
        if (!p)
            return;
        w->text = p;
        w->tcap = cap;
    }
    memcpy(w->text + w->tlen, s, (size_t)len);
    w->tlen += (size_t)len;
    w->text[w->tlen] = '\0';
}

static void XMLCALL xw_end(void *ud, const XML_Char *name)
{
    xw_t *w = ud;
    if (w->overflow) {
        w->overflow--;
        return;
    }
    w->cb(w->ctx, w->path, w->text ? w->text : "");
    while (w->plen > 0 && w->path[w->plen - 1] != '/')
        w->plen--;
    if (w->plen > 0)
        w->plen--;
    w->path[w->plen] = '\0';
    w->tlen = 0;
    if (w->text)
        w->text[0] = '\0';
}

/* Walks body calling cb(path, text) at each element end. 0 or -1. */
static int xml_walk(const char *body, size_t len, xml_cb cb, void *ctx)
{
    if (!body || len == 0)
        return -1;
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p)
        return -1;
    xw_t w = {.cb = cb, .ctx = ctx};
    XML_SetUserData(p, &w);
    XML_SetElementHandler(p, xw_start, xw_end);
    XML_SetCharacterDataHandler(p, xw_chars);
    int ok = XML_Parse(p, body, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    free(w.text);
    return ok ? 0 : -1;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

typedef struct err_ctx {
    s3_error_t *e;
    int is_error;
} err_ctx_t;

static void err_cb(void *ctx, const char *path, const char *text)
{
    err_ctx_t *c = ctx;
    if (!strcmp(path, "/Error"))
        c->is_error = 1;
    else if (!strcmp(path, "/Error/Code"))
        copy(c->e->code, sizeof c->e->code, text);
    else if (!strcmp(path, "/Error/Message"))
        copy(c->e->message, sizeof c->e->message, text);
    else if (!strcmp(path, "/Error/Region"))
        copy(c->e->region, sizeof c->e->region, text);
    else if (!strcmp(path, "/Error/RequestId"))
        copy(c->e->request_id, sizeof c->e->request_id, text);
}

int s3_parse_error(const char *body, size_t len, s3_error_t *out)
{
    memset(out, 0, sizeof *out);
    err_ctx_t c = {out, 0};
    if (xml_walk(body, len, err_cb, &c) != 0 || !c.is_error)
        return -1;
    return 0;
}

typedef struct one_ctx {
    const char *want;
    char *val;
} one_ctx_t;

static void one_cb(void *ctx, const char *path, const char *text)
{
    one_ctx_t *c = ctx;
    if (!strcmp(path, c->want) && !c->val)
        c->val = strdup(text);
}

int s3_xml_find(const char *body, size_t len, const char *path, char *out, size_t outsz)
{
    one_ctx_t c = {path, NULL};
    out[0] = '\0';
    int rc = xml_walk(body, len, one_cb, &c);
    if (c.val)
        copy(out, outsz, c.val);
    free(c.val);
    return rc;
}

int s3_parse_initiate(const char *body, size_t len, char **upload_id)
{
    one_ctx_t c = {"/InitiateMultipartUploadResult/UploadId", NULL};
    *upload_id = NULL;
    if (xml_walk(body, len, one_cb, &c) != 0 || !c.val || !*c.val) {
        free(c.val);
        return -1;
    }
    *upload_id = c.val;
    return 0;
}

typedef struct cmp_ctx {
    int ok;
    char *etag;
    size_t etagsz;
    err_ctx_t err;
} cmp_ctx_t;

static void cmp_cb(void *ctx, const char *path, const char *text)
{
    cmp_ctx_t *c = ctx;
    if (!strcmp(path, "/CompleteMultipartUploadResult"))
        c->ok = 1;
    else if (!strcmp(path, "/CompleteMultipartUploadResult/ETag") && c->etag)
        copy(c->etag, c->etagsz, text);
    else
        err_cb(&c->err, path, text);
}

int s3_parse_complete(const char *body, size_t len, char *etag, size_t etagsz, s3_error_t *err)
{
    s3_error_t dummy;
    cmp_ctx_t c = {0, etag, etagsz, {err ? err : &dummy, 0}};
    memset(c.err.e, 0, sizeof *c.err.e);
    if (xml_walk(body, len, cmp_cb, &c) != 0)
        return -1;
    if (c.err.is_error)
        return 1;
    return c.ok ? 0 : -1;
}

typedef struct list_ctx {
    s3_object_fn fn;
    void *ctx;
    char *key, *sc, *lm, *etag;
    int64_t size;
    int truncated, stopped;
    char *next;
} list_ctx_t;

static void set(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

static void list_cb(void *ctx, const char *path, const char *text)
{
    list_ctx_t *c = ctx;
    const char *p = "/ListBucketResult/Contents";
    size_t pl = strlen(p);
    if (!strncmp(path, p, pl)) {
        const char *sub = path + pl;
        if (!strcmp(sub, "/Key"))
            set(&c->key, text);
        else if (!strcmp(sub, "/Size"))
            c->size = strtoll(text, NULL, 10);
        else if (!strcmp(sub, "/StorageClass"))
            set(&c->sc, text);
        else if (!strcmp(sub, "/LastModified"))
            set(&c->lm, text);
        else if (!strcmp(sub, "/ETag"))
            set(&c->etag, text);
        else if (!*sub) {
            if (c->key && !c->stopped) {
                s3_object_t o = {c->key, c->size, c->sc ? c->sc : "STANDARD", c->lm, c->etag};
                if (c->fn(c->ctx, &o) != 0)
                    c->stopped = 1;
            }
            free(c->key);
            free(c->sc);
            free(c->lm);
            free(c->etag);
            c->key = c->sc = c->lm = c->etag = NULL;
            c->size = 0;
        }
    } else if (!strcmp(path, "/ListBucketResult/IsTruncated")) {
        c->truncated = !strcmp(text, "true");
    } else if (!strcmp(path, "/ListBucketResult/NextContinuationToken")) {
        set(&c->next, text);
    }
}

int s3_parse_list(const char *body, size_t len, s3_object_fn fn, void *ctx, int *truncated,
                  char **next_token, int *stopped)
{
    list_ctx_t c = {.fn = fn, .ctx = ctx};
    int rc = xml_walk(body, len, list_cb, &c);
    free(c.key);
    free(c.sc);
    free(c.lm);
    free(c.etag);
    *truncated = c.truncated;
    *next_token = c.next;
    if (stopped)
        *stopped = c.stopped;
    return (rc != 0 || c.stopped) ? -1 : 0;
}

typedef struct upl_ctx {
    s3_upload_fn fn;
    void *ctx;
    char *key, *id, *init;
    int truncated, stopped;
    char *nk, *nu;
} upl_ctx_t;

static void upl_cb(void *ctx, const char *path, const char *text)
{
    upl_ctx_t *c = ctx;
    const char *p = "/ListMultipartUploadsResult/Upload";
    size_t pl = strlen(p);
    if (!strncmp(path, p, pl)) {
        const char *sub = path + pl;
        if (!strcmp(sub, "/Key"))
            set(&c->key, text);
        else if (!strcmp(sub, "/UploadId"))
            set(&c->id, text);
        else if (!strcmp(sub, "/Initiated"))
            set(&c->init, text);
        else if (!*sub) {
            if (c->key && c->id && !c->stopped) {
                s3_upload_t u = {c->key, c->id, c->init ? c->init : ""};
                if (c->fn(c->ctx, &u) != 0)
                    c->stopped = 1;
            }
            free(c->key);
            free(c->id);
            free(c->init);
            c->key = c->id = c->init = NULL;
        }
    } else if (!strcmp(path, "/ListMultipartUploadsResult/IsTruncated")) {
        c->truncated = !strcmp(text, "true");
    } else if (!strcmp(path, "/ListMultipartUploadsResult/NextKeyMarker")) {
        set(&c->nk, text);
    } else if (!strcmp(path, "/ListMultipartUploadsResult/NextUploadIdMarker")) {
        set(&c->nu, text);
    }
}

int s3_parse_list_uploads(const char *body, size_t len, s3_upload_fn fn, void *ctx, int *truncated,
                          char **next_key, char **next_upload_id)
{
    upl_ctx_t c = {.fn = fn, .ctx = ctx};
    int rc = xml_walk(body, len, upl_cb, &c);
    free(c.key);
    free(c.id);
    free(c.init);
    *truncated = c.truncated;
    *next_key = c.nk;
    *next_upload_id = c.nu;
    return (rc != 0 || c.stopped) ? -1 : 0;
}

typedef struct parts_ctx {
    int (*fn)(void *ctx, int part, const char *etag, int64_t size);
    void *ctx;
    int num;
    char *etag;
    int64_t size;
    int truncated, next, stopped;
} parts_ctx_t;

static void parts_cb(void *ctx, const char *path, const char *text)
{
    parts_ctx_t *c = ctx;
    if (!strcmp(path, "/ListPartsResult/Part/PartNumber"))
        c->num = atoi(text);
    else if (!strcmp(path, "/ListPartsResult/Part/ETag"))
        set(&c->etag, text);
    else if (!strcmp(path, "/ListPartsResult/Part/Size"))
        c->size = strtoll(text, NULL, 10);
    else if (!strcmp(path, "/ListPartsResult/Part")) {
        if (!c->stopped && c->fn(c->ctx, c->num, c->etag ? c->etag : "", c->size) != 0)
            c->stopped = 1;
        free(c->etag);
        c->etag = NULL;
    } else if (!strcmp(path, "/ListPartsResult/IsTruncated"))
        c->truncated = !strcmp(text, "true");
    else if (!strcmp(path, "/ListPartsResult/NextPartNumberMarker"))
        c->next = atoi(text);
}

int s3_parse_list_parts(const char *body, size_t len,
                        int (*fn)(void *ctx, int part, const char *etag, int64_t size), void *ctx,
                        int *truncated, int *next_marker)
{
    parts_ctx_t c = {.fn = fn, .ctx = ctx};
    int rc = xml_walk(body, len, parts_cb, &c);
    free(c.etag);
    *truncated = c.truncated;
    *next_marker = c.next;
    return (rc != 0 || c.stopped) ? -1 : 0;
}

typedef struct tag_ctx {
    const char *want;
    char *k, *v;
    char *out;
    size_t outsz;
} tag_ctx_t;

static void tag_cb(void *ctx, const char *path, const char *text)
{
    tag_ctx_t *c = ctx;
    if (!strcmp(path, "/Tagging/TagSet/Tag/Key"))
        set(&c->k, text);
    else if (!strcmp(path, "/Tagging/TagSet/Tag/Value"))
        set(&c->v, text);
    else if (!strcmp(path, "/Tagging/TagSet/Tag")) {
        if (c->k && c->v && !strcmp(c->k, c->want))
            copy(c->out, c->outsz, c->v);
        free(c->k);
        free(c->v);
        c->k = c->v = NULL;
    }
}

int s3_parse_tag(const char *body, size_t len, const char *key, char *out, size_t outsz)
{
    tag_ctx_t c = {key, NULL, NULL, out, outsz};
    out[0] = '\0';
    int rc = xml_walk(body, len, tag_cb, &c);
    free(c.k);
    free(c.v);
    return rc;
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

struct s3_client {
    char *scheme_host; /* "http://127.0.0.1:7480" (for URLs) */
    char *host;        /* "127.0.0.1:7480" or "bucket.s3...." (Host header) */
    char *base_path;   /* "/bucket" (path style) or "" */
    char *region;
    char *bucket;
    char *label;
    s3_creds_t creds;
    char key_hint[16]; /* "…ABCD" */
    /* retry policy */
    int max_attempts;
    long base_ms, cap_ms;
    long stall_secs, connect_secs;
    long clock_offset; /* COLDPACK_S3_TEST_CLOCK_OFFSET: tests of clock-skew handling */
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
    c->bucket = xstrdup(o->bucket);
    c->label = xstrdup(o->label ? o->label : o->bucket);
    if (!c->region || !c->bucket || !c->label)
        goto fail;
    if (o->endpoint && *o->endpoint)
        ep = strdup(o->endpoint);
    else
        ep = xasprintf("https://s3.%s.amazonaws.com", c->region);
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
    if (o->path_style) {
        c->host = strdup(host);
        c->scheme_host = xasprintf("%s://%s", scheme, host);
        c->base_path = xasprintf("/%s", c->bucket);
    } else {
        c->host = xasprintf("%s.%s", c->bucket, host);
        c->scheme_host = xasprintf("%s://%s.%s", scheme, c->bucket, host);
        c->base_path = strdup("");
    }
    if (!c->host || !c->scheme_host || !c->base_path)
        goto fail;
    if (s3_creds_load(o->profile, &c->creds) != 0)
        goto fail;
    size_t kl = strlen(c->creds.access_key);
    snprintf(c->key_hint, sizeof c->key_hint, "...%s", kl > 4 ? c->creds.access_key + kl - 4 : "");
    c->max_attempts = (int)env_long("COLDPACK_S3_MAX_ATTEMPTS", 8, 1, 100);
    c->base_ms = env_long("COLDPACK_S3_RETRY_BASE_MS", 250, 1, 600000);
    c->cap_ms = env_long("COLDPACK_S3_RETRY_CAP_MS", 20000, 1, 3600000);
    atomic_store(&c->budget, env_long("COLDPACK_S3_RETRY_BUDGET", 2000, 0, 100000000));
    c->stall_secs = env_long("COLDPACK_S3_STALL_SECS", 60, 1, 3600);
    c->connect_secs = env_long("COLDPACK_S3_CONNECT_SECS", 15, 1, 600);
    c->clock_offset = env_long("COLDPACK_S3_TEST_CLOCK_OFFSET", 0, -86400 * 365, 86400 * 365);
    free(ep);
    log_debug("%s: endpoint %s://%s, region %s, credentials from %s (key %s)", c->label,
              c->scheme_host[4] == 's' ? "https" : "http", c->host, c->region, c->creds.source,
              c->key_hint);
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
    s3_creds_clear(&c->creds);
    free(c->scheme_host);
    free(c->host);
    free(c->base_path);
    free(c->region);
    free(c->bucket);
    free(c->label);
    free(c);
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
    sleep_ms(ms);
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
    const s3_request_t *req;
    s3_response_t *resp;
    size_t up_off;
    int sink_stopped;
    int body_overflow;
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
    if (r->body_len + len > BODY_CAP) {
        x->body_overflow = 1;
        return len; /* drop the rest; we only need the head of an XML answer */
    }
    char *p = realloc(r->body, r->body_len + len + 1);
    if (!p)
        return 0;
    memcpy(p + r->body_len, data, len);
    r->body = p;
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return len;
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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Performs one attempt. Returns the CURLcode; fills resp. */
static CURLcode attempt(s3_client_t *c, CURL *h, const s3_request_t *r, const char *payload_hash,
                        s3_response_t *resp, xfer_t *x)
{
    char amz[17];
    amz_now(amz, c->clock_offset);
    char *raw_path = NULL, *enc_path = NULL, *url = NULL;
    struct curl_slist *sl = NULL;
    sigv4_out_t so;
    memset(&so, 0, sizeof so);
    CURLcode cc = CURLE_OUT_OF_MEMORY;

    raw_path = xasprintf("%s/%s", c->base_path, r->key ? r->key : "");
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
    url = xasprintf("%s%s%s%s", c->scheme_host, enc_path, r->query && *r->query ? "?" : "",
                    r->query ? r->query : "");
    if (!url)
        goto out;

    sigv4_header_t sh[48];
    size_t nsh = 0;
    sh[nsh++] = (sigv4_header_t){"host", c->host};
    sh[nsh++] = (sigv4_header_t){"x-amz-date", amz};
    sh[nsh++] = (sigv4_header_t){"x-amz-content-sha256", payload_hash};
    if (c->creds.session_token)
        sh[nsh++] = (sigv4_header_t){"x-amz-security-token", c->creds.session_token};
    for (size_t i = 0; i < r->nheaders && nsh < 48; i++)
        sh[nsh++] = (sigv4_header_t){r->headers[i].name, r->headers[i].value};
    sigv4_ctx_t sc = {c->creds.access_key, c->creds.secret_key, c->region, "s3", amz};
    if (sigv4_sign(&sc, r->method, raw_path, r->query, sh, nsh, payload_hash, &so) != 0)
        goto out;
    for (size_t i = 0; i < nsh; i++) {
        char *line = xasprintf("%s: %s", sh[i].name, sh[i].value);
        struct curl_slist *n2 = line ? curl_slist_append(sl, line) : NULL;
        if (line)
            OPENSSL_cleanse(line, strlen(line));
        free(line);
        if (!n2)
            goto out;
        sl = n2;
    }
    char *auth = xasprintf("Authorization: %s", so.authorization);
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

    memset(resp, 0, sizeof *resp);
    resp->content_length = -1;
    resp->tagging_count = -1;
    memset(x, 0, sizeof *x);
    x->req = r;
    x->resp = resp;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_secs);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_secs);
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
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
out:
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

static int status_rc(long status, const char *code)
{
    if (status == 404)
        return S3_NOTFOUND;
    if (status == 412)
        return S3_PRECOND;
    if (status == 409)
        return S3_CONFLICT;
    if (status == 501)
        return S3_NOTIMPL;
    if (status == 403 && !strcmp(code, "InvalidObjectState"))
        return S3_COLD;
    return S3_ERR;
}

static int quiet_for(int rc, int mask)
{
    return (rc == S3_NOTFOUND && (mask & S3Q_404)) || (rc == S3_PRECOND && (mask & S3Q_412)) ||
           (rc == S3_CONFLICT && (mask & S3Q_409)) || (rc == S3_NOTIMPL && (mask & S3Q_501)) ||
           (rc == S3_COLD && (mask & S3Q_COLD));
}

/* A HEAD error has no body: ask again with a 1-byte GET to learn the <Code>
 * (e.g. SignatureDoesNotMatch vs AccessDenied), for the message only. */
static void diagnose_head(s3_client_t *c, const s3_request_t *r, s3_error_t *err)
{
    s3_header_t h[] = {{"Range", "bytes=0-0"}};
    s3_request_t g = {
        .method = "GET", .key = r->key, .query = r->query, .headers = h, .nheaders = 1};
    s3_response_t resp;
    xfer_t x;
    CURL *hd = pool_get(c);
    if (!hd)
        return;
    CURLcode cc = attempt(c, hd, &g, SIGV4_EMPTY_SHA256, &resp, &x);
    pool_put(c, hd, cc == CURLE_OK);
    if (cc == CURLE_OK && resp.body_len)
        s3_parse_error(resp.body, resp.body_len, err);
    s3_response_free(&resp);
}

int s3_request(s3_client_t *c, const s3_request_t *r, s3_response_t *resp)
{
    char payload_hash[65];
    if (r->body_sha256)
        snprintf(payload_hash, sizeof payload_hash, "%s", r->body_sha256);
    else
        sigv4_sha256_hex(r->body ? r->body : "", r->body_len, payload_hash);
    const char *key = r->key ? r->key : "";
    int max = r->no_retry ? 1 : c->max_attempts;
    memset(resp, 0, sizeof *resp);
    for (int att = 0;; att++) {
        CURL *h = pool_get(c);
        xfer_t x;
        if (!h) {
            log_error("%s: out of memory for a connection", c->label);
            return S3_ERR;
        }
        CURLcode cc = attempt(c, h, r, payload_hash, resp, &x);
        resp->attempts = att + 1;
        s3_error_t err;
        memset(&err, 0, sizeof err);
        char why[256] = "";
        int retry = 0;
        if (cc == CURLE_OK) {
            pool_put(c, h, 1);
            if (resp->status >= 200 && resp->status < 300)
                return S3_OK;
            if (resp->body_len)
                s3_parse_error(resp->body, resp->body_len, &err);
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
                snprintf(why, sizeof why, "stalled or timed out (%s)", curl_easy_strerror(cc));
        }
        resp->transient = retry;
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
                sleep_ms(ms);
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
        int rc = status_rc(resp->status, err.code);
        if (rc == S3_NOTFOUND && !strcmp(err.code, "NoSuchBucket"))
            rc = S3_ERR; /* a missing bucket is never a missing object */
        snprintf(resp->error_code, sizeof resp->error_code, "%s", err.code);
        if (!quiet_for(rc, r->quiet_mask) && !(r->no_retry && retry)) {
            char expl[256];
            const char *hint = err.region[0] ? err.region : resp->bucket_region;
            s3_explain(resp->status, err.code, hint, c->region, expl, sizeof expl);
            int cred = !strcmp(err.code, "InvalidAccessKeyId") ||
                       !strcmp(err.code, "SignatureDoesNotMatch");
            log_error("%s: %s %s: HTTP %ld %s: %s%s%s%s%s%s", c->label, r->method, key,
                      resp->status, err.code[0] ? err.code : "(no error code)", expl,
                      cred ? " [credentials from " : "", cred ? c->creds.source : "",
                      cred ? ", key " : "", cred ? c->key_hint : "", cred ? "]" : "");
            if (err.message[0])
                log_debug("%s: service message: %s", c->label, err.message);
        }
        return rc;
    }
}
