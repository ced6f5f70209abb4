/*
 * s3_xml.c — parsers of S3's XML answers (s3_xml.h).
 *
 * Design: one expat walker turns a body into (path, text) events at each
 * element end ("/ListBucketResult/Contents/Key", "cp/x"); each parser is a
 * small callback that picks the paths it knows. Element text is collected in
 * a capped strbuf, so a hostile body cannot make us allocate without bound
 * (the transport already caps bodies at 4 MiB). Namespaces are ignored: RGW
 * and AWS differ in where they put xmlns.
 */
#include "s3_xml.h"

#include "strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#define TEXT_CAP (4u << 20)

typedef void (*xml_cb)(void *ctx, const char *path, const char *text);

typedef struct xw {
    char path[1024];
    size_t plen;
    strbuf_t text; /* the current element's text, capped */
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
    strbuf_reset(&w->text);
}

static void XMLCALL xw_chars(void *ud, const XML_Char *s, int len)
{
    xw_t *w = ud;
    (void)strbuf_add(&w->text, s, (size_t)len); /* past the cap: the text is cut */
}

static void XMLCALL xw_end(void *ud, const XML_Char *name)
{
    xw_t *w = ud;
    if (w->overflow) {
        w->overflow--;
        return;
    }
    w->cb(w->ctx, w->path, strbuf_str(&w->text));
    while (w->plen > 0 && w->path[w->plen - 1] != '/')
        w->plen--;
    if (w->plen > 0)
        w->plen--;
    w->path[w->plen] = '\0';
    strbuf_reset(&w->text);
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
    strbuf_init(&w.text, TEXT_CAP);
    XML_SetUserData(p, &w);
    XML_SetElementHandler(p, xw_start, xw_end);
    XML_SetCharacterDataHandler(p, xw_chars);
    int ok = XML_Parse(p, body, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    strbuf_release(&w.text);
    return ok ? 0 : -1;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

typedef struct err_ctx {
    s3_xml_error_t *e;
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

int s3_xml_error(const char *body, size_t len, s3_xml_error_t *out)
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

int s3_xml_initiate(const char *body, size_t len, char **upload_id)
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

int s3_xml_complete(const char *body, size_t len, char *etag, size_t etagsz, s3_xml_error_t *err)
{
    s3_xml_error_t dummy;
    cmp_ctx_t c = {0, etag, etagsz, {err ? err : &dummy, 0}};
    memset(c.err.e, 0, sizeof *c.err.e);
    if (xml_walk(body, len, cmp_cb, &c) != 0)
        return -1;
    if (c.err.is_error)
        return 1;
    return c.ok ? 0 : -1;
}

typedef struct list_ctx {
    s3_xml_object_fn fn;
    void *ctx;
    char *key, *sc, *lm, *etag;
    int64_t size;
    int truncated, stopped;
    int encoded; /* the answer says <EncodingType>url</EncodingType> */
    int bad;     /* a key that does not URL-decode to a string */
    char *next;
} list_ctx_t;

char *s3_xml_url_decode(const char *in)
{
    size_t n = strlen(in);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '+') {
            *o++ = ' '; /* S3's encoding-type=url writes a space as '+' */
        } else if (in[i] == '%') {
            /* the || stops at a NUL, so nothing past the string is read */
            if (!isxdigit((unsigned char)in[i + 1]) || !isxdigit((unsigned char)in[i + 2])) {
                free(out);
                return NULL;
            }
            char hx[3] = {in[i + 1], in[i + 2], '\0'};
            long v = strtol(hx, NULL, 16);
            if (v == 0) { /* a NUL byte cannot be part of a key */
                free(out);
                return NULL;
            }
            *o++ = (char)v;
            i += 2;
        } else {
            *o++ = in[i];
        }
    }
    *o = '\0';
    return out;
}

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
        if (!strcmp(sub, "/Key") && c->encoded) {
            free(c->key);
            c->key = s3_xml_url_decode(text);
            if (!c->key)
                c->bad = 1;
        } else if (!strcmp(sub, "/Key")) {
            set(&c->key, text);
        } else if (!strcmp(sub, "/Size"))
            c->size = strtoll(text, NULL, 10);
        else if (!strcmp(sub, "/StorageClass"))
            set(&c->sc, text);
        else if (!strcmp(sub, "/LastModified"))
            set(&c->lm, text);
        else if (!strcmp(sub, "/ETag"))
            set(&c->etag, text);
        else if (!*sub) {
            if (c->key && !c->stopped && !c->bad) {
                s3_xml_object_t o = {c->key, c->size, c->sc ? c->sc : "STANDARD", c->lm, c->etag};
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

int s3_xml_list(const char *body, size_t len, s3_xml_object_fn fn, void *ctx, int *truncated,
                char **next_token, int *stopped)
{
    static const char enc[] = "<EncodingType>url</EncodingType>";
    list_ctx_t c = {.fn = fn, .ctx = ctx};
    /* element text cannot hold a literal '<', so no key can fake this */
    c.encoded = body && memmem(body, len, enc, sizeof enc - 1) != NULL;
    int rc = xml_walk(body, len, list_cb, &c);
    if (c.bad)
        rc = -1;
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
    s3_xml_upload_fn fn;
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
                s3_xml_upload_t u = {c->key, c->id, c->init ? c->init : ""};
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

int s3_xml_list_uploads(const char *body, size_t len, s3_xml_upload_fn fn, void *ctx,
                        int *truncated, char **next_key, char **next_upload_id, int *stopped)
{
    upl_ctx_t c = {.fn = fn, .ctx = ctx};
    int rc = xml_walk(body, len, upl_cb, &c);
    free(c.key);
    free(c.id);
    free(c.init);
    *truncated = c.truncated;
    *next_key = c.nk;
    *next_upload_id = c.nu;
    if (stopped)
        *stopped = c.stopped;
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

int s3_xml_list_parts(const char *body, size_t len,
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

int s3_xml_tag(const char *body, size_t len, const char *key, char *out, size_t outsz)
{
    tag_ctx_t c = {key, NULL, NULL, out, outsz};
    out[0] = '\0';
    int rc = xml_walk(body, len, tag_cb, &c);
    free(c.k);
    free(c.v);
    return rc;
}
