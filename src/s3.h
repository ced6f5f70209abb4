/*
 * s3.h — the S3 transport: signed requests (sigv4.c) over libcurl with
 * retries and error classification. s3_page.h walks S3's listings.
 * Credentials come from s3_creds.h, XML bodies are parsed by s3_xml.h; the
 * store (store_s3*.c) builds on these. Nothing here knows about coldpack's
 * objects; keys are full object keys inside the bucket.
 *
 * Results are on the store's scale (store.h enum store_rc), so the store
 * returns them as they are: S3_OK = STORE_OK, S3_NOTFOUND = STORE_NOTFOUND,
 * S3_COLD = STORE_COLD (403 InvalidObjectState), S3_PRECOND = STORE_EXISTS
 * (412). Outcomes the store has no name for (409, 501) are S3_ERR; callers
 * that handle them read resp->status and resp->error_code.
 *
 * Retries: exponential backoff with full jitter (delay = rand(0, min(cap,
 * base * 2^attempt))), at most max_attempts tries per request and a retry
 * budget shared by every request of the client (one run). Retried: HTTP
 * 500/502/503/504, SlowDown, RequestTimeout, InternalError, connection
 * failures, resets and timeouts (including stalls: no byte for stall_secs).
 * Not retried: 4xx (400/403/404/409/412/...), each with its own message.
 * A stall is a transfer below COLDPACK_S3_LOW_SPEED_BYTES (default 1024)
 * bytes/s for stall_secs (curl's low-speed check, which averages over ~5 s
 * windows, so detection takes stall_secs plus up to 5 s after a burst).
 * Every attempt also has a total deadline (s3_client_deadline): a base of
 * COLDPACK_S3_DEADLINE_SECS (default 300) plus the body's size at
 * COLDPACK_S3_DEADLINE_RATE bytes/s (default 256 KiB/s), so a peer that
 * drips a few bytes a second cannot hold a request for ever.
 * Environment overrides for tests and operators: COLDPACK_S3_MAX_ATTEMPTS,
 * COLDPACK_S3_RETRY_BASE_MS, COLDPACK_S3_RETRY_CAP_MS, COLDPACK_S3_RETRY_BUDGET,
 * COLDPACK_S3_STALL_SECS (alias COLDPACK_S3_LOW_SPEED_SECS),
 * COLDPACK_S3_LOW_SPEED_BYTES, COLDPACK_S3_DEADLINE_SECS,
 * COLDPACK_S3_DEADLINE_RATE, COLDPACK_S3_CONNECT_SECS; and, for tests only,
 * COLDPACK_S3_TEST_CLOCK_OFFSET (seconds added to the signing clock).
 */
#ifndef COLDPACK_S3_H
#define COLDPACK_S3_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- client */

typedef struct s3_client s3_client_t;

typedef struct s3_client_opts {
    const char *endpoint; /* "https://s3.eu-west-1.amazonaws.com" or NULL (AWS for region) */
    const char *region;   /* NULL = us-east-1 */
    const char *bucket;
    int path_style;      /* 1: endpoint/bucket/key; 0: bucket.endpoint-host/key */
    const char *profile; /* credentials profile or NULL */
    const char *label;   /* "s3://bucket/prefix" for messages */
} s3_client_opts_t;

/* Create a client (loads credentials, s3_creds.h). NULL after logging why.
 * The caller owns it; s3_client_free() (NULL is a no-op). Thread-safe: one
 * client serves many threads (CURL handles come from an internal pool). */
s3_client_t *s3_client_new(const s3_client_opts_t *o);
void s3_client_free(s3_client_t *c);
/* For callers that resume a request themselves (a GET cut mid-body): take
 * one retry from the budget and sleep the backoff for attempt (0-based).
 * Returns 0 to go on, or -1 after logging that attempts or budget ran out.
 * Thread-safe. */
int s3_client_backoff(s3_client_t *c, int attempt, const char *what);
/* Retries still available in this client's budget. Thread-safe. */
long s3_client_retry_budget(s3_client_t *c);

/* Outcome of a request, on the store's scale (see the top of this file). */
enum s3_rc {
    S3_OK = STORE_OK,
    S3_ERR = STORE_ERR,           /* failed (logged unless quiet); 409/501 land here */
    S3_NOTFOUND = STORE_NOTFOUND, /* 404 (logged only if the request did not expect it) */
    S3_COLD = STORE_COLD,         /* 403 InvalidObjectState: archived, not restored */
    S3_PRECOND = STORE_EXISTS,    /* 412: a conditional request found the key */
};

/* Response body sink for streaming (GET); return 0 to go on, -1 to stop. */
typedef int (*s3_body_fn)(void *ctx, const void *data, size_t len);

typedef struct s3_header {
    const char *name;
    const char *value;
} s3_header_t;

typedef struct s3_request {
    const char *method;         /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *key;            /* raw object key (not encoded) or NULL for the bucket */
    const char *query;          /* already encoded (use s3_qenc), or NULL */
    const s3_header_t *headers; /* extra headers (signed) */
    size_t nheaders;
    const void *body; /* request body kept in memory (replayed on retry) */
    size_t body_len;
    const char *body_sha256; /* hex SHA-256 of body if known, else computed */
    s3_body_fn sink;         /* 2xx response body goes here instead of resp->body */
    void *sink_ctx;
    int quiet_mask;       /* S3Q_* bits: outcomes the caller handles silently */
    int no_retry;         /* 1: a single attempt (the caller loops itself) */
    int64_t expect_bytes; /* size of the answer's body when known (GET), for the deadline */
} s3_request_t;

/* The total time one attempt of a request may take (CURLOPT_TIMEOUT), in
 * seconds: COLDPACK_S3_DEADLINE_SECS plus bytes / COLDPACK_S3_DEADLINE_RATE,
 * at most a week. Pure. */
long s3_client_deadline(const s3_client_t *c, int64_t bytes);
/* The bytes a request moves: its body or the answer it expects. Pure. */
int64_t s3_request_bytes(const s3_request_t *r);

enum { S3Q_404 = 1, S3Q_412 = 2, S3Q_409 = 4, S3Q_501 = 8, S3Q_COLD = 16, S3Q_ALL = 0xff };

typedef struct s3_response {
    long status;
    char *body; /* captured non-sink body (capped at 4 MiB), NUL-terminated */
    size_t body_len;
    int64_t content_length; /* -1 when absent */
    char etag[128];
    char storage_class[32];
    char sha256_meta[65]; /* x-amz-meta-sha256 */
    char restore[256];    /* x-amz-restore */
    char last_modified[64];
    char bucket_region[64]; /* x-amz-bucket-region */
    char error_code[64];    /* <Code> of an error body */
    int tagging_count;      /* x-amz-tagging-count, -1 when absent */
    char version_id[256];   /* x-amz-version-id ("" when absent) */
    char lock_mode[32];     /* x-amz-object-lock-mode */
    char lock_until[64];    /* x-amz-object-lock-retain-until-date, as sent */
    int64_t sink_bytes;     /* bytes delivered to the sink */
    int transient;          /* the final failure was retryable (budget/attempts ran out) */
    int attempts;           /* attempts made (> 1: an earlier one may have taken effect) */
    char reason[256];       /* why the last attempt failed ("HTTP 503 SlowDown", "stalled...") */
} s3_response_t;

/* Perform a request with signing and retries. Returns S3_OK for 2xx, else a
 * negative s3_rc after logging the failure once (unless quiet_mask says the
 * caller handles that outcome). With a sink, a failure after bytes reached
 * the sink is not retried here (resp->sink_bytes tells how far it got; the
 * caller resumes with a Range). The caller owns *resp whatever the result
 * and frees it with s3_response_free() (NULL is a no-op). Thread-safe. */
int s3_request(s3_client_t *c, const s3_request_t *r, s3_response_t *resp);
void s3_response_free(s3_response_t *resp);

/* ------------------------------------------------------------- helpers -- */

/* Percent-encode a query value (strict, '/' encoded). malloc'd, the caller
 * frees it. Pure. */
char *s3_qenc(const char *s);
/* Base64 of the MD5 of data (Content-MD5), 25 bytes. Pure. */
void s3_content_md5(const void *data, size_t len, char out[32]);
/* Lower-case hex MD5 of data (what S3 answers as a single PUT's ETag). Pure. */
void s3_md5_hex(const void *data, size_t len, char out[33]);
/* The ETag S3 gives a multipart object: hex MD5 of the parts' binary MD5s,
 * "-" and the part count, into out (n >= 48). part_md5_hex[i] is part i+1's
 * hex MD5. 0, or -1 on a malformed part MD5. Pure. */
int s3_multipart_etag(char *const *part_md5_hex, int nparts, char *out, size_t n);
/* Retry decision for an HTTP status and error code (code may be ""). Pure. */
int s3_is_retryable(long status, const char *code);
/* A one-line human explanation of an S3 error (no secrets), into buf. Pure. */
void s3_explain(long status, const char *code, const char *region_hint, const char *my_region,
                char *buf, size_t bufsz);
/* x-amz-restore: `ongoing-request="true"` -> *ongoing = 1; "false" -> 0 and
 * *expiry (epoch seconds, 0 if absent). Returns 0, or -1 if unparseable. Pure. */
int s3_parse_restore_header(const char *value, int *ongoing, int64_t *expiry);
/* "2026-11-25T10:00:00.000Z" -> epoch seconds, -1 on error. Pure. */
int64_t s3_parse_iso8601(const char *s);

#endif
