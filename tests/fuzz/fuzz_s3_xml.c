/*
 * fuzz_s3_xml.c — libFuzzer target for the S3 response parsers (s3_xml.h, s3.h): the
 * same body goes to every one that reads an XML answer from the network —
 * s3_xml_error, s3_xml_initiate, s3_xml_complete, s3_xml_list
 * (ListObjectsV2, once to the end and once stopping at the first object),
 * s3_xml_list_uploads, s3_xml_list_parts, s3_xml_tag and s3_xml_find
 * (with a small output buffer) — and, as a C string, to the header parsers
 * s3_parse_restore_header and s3_parse_iso8601. A failure is a memory error,
 * a leak, UB, or a result outside the documented contract (an unterminated
 * output, a return code not listed, an UploadId returned empty).
 * Seeds: tests/fuzz/corpus/s3_xml/ (AWS documentation examples); dictionary
 * tests/fuzz/s3_xml.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "s3.h"
#include "s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_object(void *ctx, const s3_xml_object_t *o);
static int on_upload(void *ctx, const s3_xml_upload_t *u);
static int on_part(void *ctx, int part, const char *etag, int64_t size);
static void check_str(const char *s, size_t cap);

/* Every call into s3.c, in one place (the parsers may move to another file). */
static void feed_s3_parsers(const char *body, size_t len, const char *str)
{
    s3_xml_error_t err;
    char small[8], etag[80], *id = NULL, *next = NULL, *next2 = NULL;
    int rc, trunc, stopped, marker, ongoing, stop_at_first = 1;
    int64_t expiry;

    rc = s3_xml_error(body, len, &err);
    if (rc != 0 && rc != -1)
        abort();
    check_str(err.code, sizeof err.code);
    check_str(err.message, sizeof err.message);
    check_str(err.region, sizeof err.region);
    check_str(err.request_id, sizeof err.request_id);

    rc = s3_xml_initiate(body, len, &id);
    if ((rc == 0) != (id != NULL && *id != '\0') || (rc != 0 && rc != -1))
        abort();
    free(id);

    etag[0] = '\0'; /* left alone when the result has no ETag */
    rc = s3_xml_complete(body, len, etag, sizeof etag, &err);
    if (rc < -1 || rc > 1)
        abort();
    if (rc == 0)
        check_str(etag, sizeof etag);
    check_str(err.code, sizeof err.code);

    rc = s3_xml_list(body, len, on_object, NULL, &trunc, &next, &stopped);
    if (next)
        check_str(next, strlen(next) + 1);
    free(next);
    next = NULL;
    rc = s3_xml_list(body, len, on_object, &stop_at_first, &trunc, &next, &stopped);
    if (stopped && rc != -1)
        abort();
    free(next);

    next = NULL;
    (void)s3_xml_list_uploads(body, len, on_upload, NULL, &trunc, &next, &next2, &stopped);
    free(next);
    free(next2);
    (void)s3_xml_list_parts(body, len, on_part, NULL, &trunc, &marker);

    (void)s3_xml_tag(body, len, "coldpack", small, sizeof small);
    check_str(small, sizeof small);
    (void)s3_xml_find(body, len, "/Error/Code", small, sizeof small);
    check_str(small, sizeof small);
    (void)s3_xml_find(body, len, "/ListBucketResult/Contents/Key", small, sizeof small);
    check_str(small, sizeof small);

    rc = s3_parse_restore_header(str, &ongoing, &expiry);
    if ((rc != 0 && rc != -1) || (ongoing != 0 && ongoing != 1))
        abort();
    (void)s3_parse_iso8601(str);
}

/* out-parameters are NUL-terminated inside their buffer */
static void check_str(const char *s, size_t cap)
{
    if (strnlen(s, cap) >= cap)
        abort();
}

static int on_object(void *ctx, const s3_xml_object_t *o)
{
    if (!o->key || !o->storage_class)
        abort();
    (void)strlen(o->key);
    (void)strlen(o->storage_class);
    if (o->last_modified)
        (void)strlen(o->last_modified);
    if (o->etag)
        (void)strlen(o->etag);
    return ctx ? 1 : 0;
}

static int on_upload(void *ctx, const s3_xml_upload_t *u)
{
    (void)ctx;
    if (!u->key || !u->upload_id || !u->initiated)
        abort();
    return (int)(strlen(u->key) + strlen(u->upload_id) + strlen(u->initiated)) & 0;
}

static int on_part(void *ctx, int part, const char *etag, int64_t size)
{
    (void)ctx;
    (void)part;
    (void)size;
    if (!etag)
        abort();
    return (int)strlen(etag) & 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body;

    log_set_level(LOG_ERROR);
    /* a copy of exactly size bytes, so ASan sees any read past the body;
     * the string form ends at the first NUL */
    body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    char *exact = malloc(size ? size : 1);
    if (!exact) {
        free(body);
        return 0;
    }
    memcpy(exact, data, size);
    feed_s3_parsers(exact, size, body);
    free(exact);
    free(body);
    return 0;
}
