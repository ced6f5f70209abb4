/*
 * sigv4.h — AWS Signature Version 4 for S3 (header auth and presigned URLs),
 * computed with OpenSSL HMAC/SHA-256.
 *
 * S3 rules (not the generic-service ones): the path is not normalised (no
 * removal of "//", "." or ".."), each byte of it is percent-encoded once
 * (everything but A-Z a-z 0-9 - . _ ~ and '/'), the query is decoded and
 * re-encoded strictly and sorted by name then value, "?name" signs as "name=".
 *
 * Why not libcurl's CURLOPT_AWS_SIGV4 (7.88): see the comment at the top of
 * sigv4.c; in short it neither sorts nor completes ("a" -> "a=") the query,
 * removes dot segments from the path, and has no presign or chunk signing.
 *
 * All functions are pure and thread-safe. Secrets passed in are never logged.
 */
#ifndef COLDPACK_SIGV4_H
#define COLDPACK_SIGV4_H

#include <stddef.h>

#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_UNSIGNED     "UNSIGNED-PAYLOAD"

typedef struct sigv4_header {
    const char *name;  /* any case; lowercased for signing */
    const char *value; /* trimmed, inner whitespace runs collapsed for signing */
} sigv4_header_t;

/* Who signs, where and when. Borrowed pointers. */
typedef struct sigv4_ctx {
    const char *access_key;
    const char *secret_key;
    const char *region;
    const char *service;  /* "s3" */
    const char *amz_date; /* "YYYYMMDDTHHMMSSZ" (UTC) */
} sigv4_ctx_t;

/* Everything the signer derived; all strings malloc'd, owned by the struct. */
typedef struct sigv4_out {
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;
    char *authorization; /* header auth: value of the Authorization header */
    char *query;         /* presign: full query for the URL, X-Amz-Signature last */
    char signature[65];
} sigv4_out_t;

/* Sign a request for the Authorization header. path is the raw (unencoded)
 * path starting with '/'; query is the query string without '?' (raw or
 * already percent-encoded; NULL or "" for none); headers are exactly the ones
 * to sign (the caller includes host, x-amz-date, x-amz-content-sha256 and
 * x-amz-security-token as needed); payload_hash is the hex SHA-256 of the body
 * or SIGV4_UNSIGNED. Returns 0, or -1 on allocation failure. Free out with
 * sigv4_out_free(). */
int sigv4_sign(const sigv4_ctx_t *c, const char *method, const char *path, const char *query,
               const sigv4_header_t *headers, size_t nheaders, const char *payload_hash,
               sigv4_out_t *out);

/* Presigned URL: adds X-Amz-Algorithm/Credential/Date/Expires/(Security-Token)
 * /SignedHeaders to the query, signs, and sets out->query (with
 * X-Amz-Signature appended). session_token may be NULL. Returns 0 or -1. */
int sigv4_presign(const sigv4_ctx_t *c, const char *method, const char *path, const char *query,
                  const sigv4_header_t *headers, size_t nheaders, const char *payload_hash,
                  int expires, const char *session_token, sigv4_out_t *out);

/* Free what out holds and zero it. NULL is a no-op. */
void sigv4_out_free(sigv4_out_t *out);

/* Percent-encode s (RFC 3986 unreserved kept; '/' kept when keep_slash).
 * Returns a malloc'd string the caller frees, NULL on allocation failure. */
char *sigv4_uri_encode(const char *s, int keep_slash);

/* Canonical query of a query string (decoded then strictly re-encoded, sorted
 * by name then value, "a" -> "a="). Returns malloc'd string ("" for none). */
char *sigv4_canonical_query(const char *query);

/* The derived signing key HMAC chain for date8 ("YYYYMMDD"). */
void sigv4_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, unsigned char key[32]);

/* Signature of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
 * prev_sig is the seed or previous chunk signature. Writes 64 hex + NUL. */
void sigv4_chunk_signature(const sigv4_ctx_t *c, const char *prev_sig, const void *data, size_t len,
                           char out[65]);

/* Lowercase hex SHA-256 of a buffer (64 hex + NUL). */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
