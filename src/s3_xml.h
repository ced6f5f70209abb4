/*
 * s3_xml.h — the XML bodies S3 answers with, parsed with expat: <Error>,
 * InitiateMultipartUploadResult, CompleteMultipartUpload (whose 200 may hold
 * an <Error>), ListObjectsV2, ListMultipartUploads, ListParts,
 * GetObjectTagging, and any one element by path.
 *
 * All functions are pure and thread-safe; strings handed to callbacks are
 * borrowed for the duration of the call. Nothing here does I/O.
 */
#ifndef COLDPACK_S3_XML_H
#define COLDPACK_S3_XML_H

#include <stddef.h>
#include <stdint.h>

typedef struct s3_xml_error {
    char code[64];
    char message[256];
    char region[64]; /* <Region> of AuthorizationHeaderMalformed */
    char request_id[128];
} s3_xml_error_t;

/* Parse an <Error> body into *out. Returns 0 if it was one, -1 otherwise. */
int s3_xml_error(const char *body, size_t len, s3_xml_error_t *out);
/* InitiateMultipartUploadResult -> UploadId (malloc'd, the caller frees it).
 * 0 or -1. */
int s3_xml_initiate(const char *body, size_t len, char **upload_id);
/* CompleteMultipartUpload answer: 0 = CompleteMultipartUploadResult (etag
 * set if asked), 1 = an <Error> (err filled), -1 = unparseable/empty. */
int s3_xml_complete(const char *body, size_t len, char *etag, size_t etagsz, s3_xml_error_t *err);

typedef struct s3_xml_object {
    const char *key;
    int64_t size;
    const char *storage_class;
    const char *last_modified;
    const char *etag;
} s3_xml_object_t;
typedef int (*s3_xml_object_fn)(void *ctx, const s3_xml_object_t *o);

/* ListObjectsV2 page: calls fn per <Contents>; *truncated and *next_token
 * (malloc'd or NULL; the caller frees it) for the next page. When the answer
 * says <EncodingType>url</EncodingType> (asked with encoding-type=url, so
 * keys with control characters survive XML), each Key is URL-decoded; the
 * continuation token never is (it is opaque). Returns 0, -1 on parse error,
 * on a key that does not decode (bad escape, NUL byte), or when fn returned
 * non-zero (then *stopped = 1). */
int s3_xml_list(const char *body, size_t len, s3_xml_object_fn fn, void *ctx, int *truncated,
                char **next_token, int *stopped);

typedef struct s3_xml_upload {
    const char *key;
    const char *upload_id;
    const char *initiated; /* ISO 8601 */
} s3_xml_upload_t;
typedef int (*s3_xml_upload_fn)(void *ctx, const s3_xml_upload_t *u);

/* Decode S3's encoding-type=url ("%XX", '+' for a space) into a malloc'd
 * string (the caller frees it); NULL on a malformed escape, "%00", or out of
 * memory. Pure. */
char *s3_xml_url_decode(const char *in);

/* ListMultipartUploads page: calls fn per <Upload>; next markers malloc'd
 * (the caller frees them). Returns 0, or -1 on parse error or when fn
 * returned non-zero (then *stopped = 1 when stopped is not NULL). */
int s3_xml_list_uploads(const char *body, size_t len, s3_xml_upload_fn fn, void *ctx,
                        int *truncated, char **next_key, char **next_upload_id, int *stopped);

/* ListParts page: calls fn(ctx, part_number, etag, size) per <Part>. */
int s3_xml_list_parts(const char *body, size_t len,
                      int (*fn)(void *ctx, int part, const char *etag, int64_t size), void *ctx,
                      int *truncated, int *next_marker);

/* GetObjectTagging: value of tag `key` into out ("" if absent). 0 or -1. */
int s3_xml_tag(const char *body, size_t len, const char *key, char *out, size_t outsz);

/* Text of the first element at path ("/Root/Child/..."), "" if absent.
 * Returns 0, or -1 when the body is not XML. */
int s3_xml_find(const char *body, size_t len, const char *path, char *out, size_t outsz);

#endif
