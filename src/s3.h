/*
 * s3.h — low-level S3 client: credentials, signed requests over libcurl with
 * retries, and the XML bodies S3 answers with (parsed with expat).
 *
 * store_s3.c builds the store vtable on top of this. Nothing here knows about
 * coldpack's objects; keys are full object keys inside the bucket.
 *
 * Retries: exponential backoff with full jitter (delay = rand(0, min(cap,
 * base * 2^attempt))), at most max_attempts tries per request and a retry
 * budget shared by every request of the client (one run). Retried: HTTP
 * 500/502/503/504, SlowDown, RequestTimeout, InternalError, connection
 * failures, resets and timeouts (including stalls: no byte for stall_secs).
 * Not retried: 4xx (400/403/404/409/412/...), each with its own message.
 * A stall is a transfer below 1 byte/s for stall_secs (curl's low-speed
 * check, which averages over ~5 s windows, so detection takes stall_secs
 * plus up to 5 s after a burst).
 * Environment overrides for tests and operators: COLDPACK_S3_MAX_ATTEMPTS,
 * COLDPACK_S3_RETRY_BASE_MS, COLDPACK_S3_RETRY_CAP_MS, COLDPACK_S3_RETRY_BUDGET,
 * COLDPACK_S3_STALL_SECS, COLDPACK_S3_CONNECT_SECS; and, for tests only,
 * COLDPACK_S3_TEST_CLOCK_OFFSET (seconds added to the signing clock).
 */
#ifndef COLDPACK_S3_H
#define COLDPACK_S3_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ credentials */

typedef struct s3_creds {
    char *access_key;
    char *secret_key;
    char *session_token; /* NULL when none */
    char source[64];     /* "environment", "credentials file [profile]", ... */
} s3_creds_t;

/* Load credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN),
 * else profile (NULL: $AWS_PROFILE, else "default") from
 * $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), then
 * $AWS_CONFIG_FILE (default ~/.aws/config, section "[profile NAME]" or
 * "[default]"). A credentials or config file readable by group or others is
 * refused, with a message that says so and how to fix it. Returns 0, or -1
 * after logging why (never printing a secret). Free with s3_creds_clear().
 * Thread-safe (reads the environment). */
int s3_creds_load(const char *profile, s3_creds_t *out);
/* Same, from explicit files (either may be NULL), without the environment. */
int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out);
/* Wipe and free the strings. NULL is a no-op. */
void s3_creds_clear(s3_creds_t *c);

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

/* Create a client (loads credentials). NULL after logging why. The caller
 * owns it; s3_client_free(). Thread-safe: one client serves many threads
 * (CURL handles come from an internal pool). */
s3_client_t *s3_client_new(const s3_client_opts_t *o);
void s3_client_free(s3_client_t *c);
/* For callers that resume a request themselves (a GET cut mid-body): take
 * one retry from the budget and sleep the backoff for attempt (0-based).
 * Returns 0 to go on, or -1 after logging that attempts or budget ran out. */
int s3_client_backoff(s3_client_t *c, int attempt, const char *what);
/* Retries still available in this client's budget. */
long s3_client_retry_budget(s3_client_t *c);

/* Outcome classes of a request. */
enum s3_rc {
    S3_OK = 0,
    S3_ERR = -1,      /* failed; logged */
    S3_NOTFOUND = -2, /* 404 (logged only if the request did not expect it) */
    S3_PRECOND = -3,  /* 412 */
    S3_COLD = -4,     /* 403 InvalidObjectState: archived, not restored */
    S3_CONFLICT = -5, /* 409 (e.g. RestoreAlreadyInProgress); code in resp */
    S3_NOTIMPL = -6,  /* 501 */
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
    int quiet_mask; /* S3Q_* bits: outcomes the caller handles silently */
    int no_retry;   /* 1: a single attempt (the caller loops itself) */
} s3_request_t;

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
    int64_t sink_bytes;     /* bytes delivered to the sink */
    int transient;          /* the final failure was retryable (budget/attempts ran out) */
    int attempts;           /* attempts made (> 1: an earlier one may have taken effect) */
} s3_response_t;

/* Perform a request with signing and retries. Returns S3_OK for 2xx, else a
 * negative s3_rc after logging the failure once (unless quiet_mask says the
 * caller handles that outcome). With a sink, a failure after bytes reached
 * the sink is not retried here (resp->sink_bytes tells how far it got; the
 * caller resumes with a Range). Free resp with s3_response_free(). */
int s3_request(s3_client_t *c, const s3_request_t *r, s3_response_t *resp);
void s3_response_free(s3_response_t *resp);

/* Percent-encode a query value (strict, '/' encoded). malloc'd. */
char *s3_qenc(const char *s);

/* Base64 of the MD5 of data (Content-MD5), 25 bytes. */
void s3_content_md5(const void *data, size_t len, char out[32]);

/* Parse and log helpers, exported for tests. */

/* Retry decision for an HTTP status and error code (code may be ""). */
int s3_is_retryable(long status, const char *code);
/* A one-line human explanation of an S3 error (no secrets), into buf. */
void s3_explain(long status, const char *code, const char *region_hint, const char *my_region,
                char *buf, size_t bufsz);

/* ------------------------------------------------------------- XML bodies */

typedef struct s3_error {
    char code[64];
    char message[256];
    char region[64]; /* <Region> of AuthorizationHeaderMalformed */
    char request_id[128];
} s3_error_t;

/* Parse an <Error> body. Returns 0 if it was one, -1 otherwise. */
int s3_parse_error(const char *body, size_t len, s3_error_t *out);
/* InitiateMultipartUploadResult -> UploadId (malloc'd). 0 or -1. */
int s3_parse_initiate(const char *body, size_t len, char **upload_id);
/* CompleteMultipartUpload answer: 0 = CompleteMultipartUploadResult (etag
 * set if asked), 1 = an <Error> (err filled), -1 = unparseable/empty. */
int s3_parse_complete(const char *body, size_t len, char *etag, size_t etagsz, s3_error_t *err);

typedef struct s3_object {
    const char *key;
    int64_t size;
    const char *storage_class;
    const char *last_modified;
    const char *etag;
} s3_object_t;
typedef int (*s3_object_fn)(void *ctx, const s3_object_t *o);

/* ListObjectsV2 page: calls fn per <Contents>; *truncated and *next_token
 * (malloc'd or NULL) for the next page. Returns 0, -1 on parse error or when
 * fn returned non-zero (then *stopped = 1). */
int s3_parse_list(const char *body, size_t len, s3_object_fn fn, void *ctx, int *truncated,
                  char **next_token, int *stopped);

typedef struct s3_upload {
    const char *key;
    const char *upload_id;
    const char *initiated; /* ISO 8601 */
} s3_upload_t;
typedef int (*s3_upload_fn)(void *ctx, const s3_upload_t *u);

/* ListMultipartUploads page: calls fn per <Upload>; next markers malloc'd. */
int s3_parse_list_uploads(const char *body, size_t len, s3_upload_fn fn, void *ctx, int *truncated,
                          char **next_key, char **next_upload_id);

/* ListParts page: calls fn(ctx, part_number, etag, size) per <Part>. */
int s3_parse_list_parts(const char *body, size_t len,
                        int (*fn)(void *ctx, int part, const char *etag, int64_t size), void *ctx,
                        int *truncated, int *next_marker);

/* GetObjectTagging: value of tag `key` into out ("" if absent). 0 or -1. */
int s3_parse_tag(const char *body, size_t len, const char *key, char *out, size_t outsz);

/* Text of the first element at path ("/Root/Child/..."), "" if absent.
 * Returns 0, or -1 when the body is not XML. */
int s3_xml_find(const char *body, size_t len, const char *path, char *out, size_t outsz);

/* x-amz-restore: `ongoing-request="true"` -> *ongoing = 1; "false" -> 0 and
 * *expiry (epoch seconds, 0 if absent). Returns 0, or -1 if unparseable. */
int s3_parse_restore_header(const char *value, int *ongoing, int64_t *expiry);

/* "2026-11-25T10:00:00.000Z" -> epoch seconds, -1 on error. */
int64_t s3_parse_iso8601(const char *s);

/* ------------------------------------------------- bucket setup (init) -- */

struct store;
struct config;
/* Implemented in store_s3.c, for `coldpack init` on an s3:// store: checks the
 * bucket exists and is reachable with these credentials; puts the lifecycle
 * rule "coldpack:<prefix>" for the store's prefix (expire objects after
 * retention.days, noncurrent versions 1 day after they become noncurrent when
 * the bucket is versioned, abort incomplete multipart uploads after 7 days),
 * keeping the bucket's other rules; with object_lock set, checks the bucket
 * has Object Lock enabled and says how to fix it if not. s must come from
 * store_s3_open (store_open on an s3:// url). Returns 0, or -1 after logging.
 * Thread-safety: as the store. */
int store_s3_setup(struct store *s, const struct config *cfg);

/* Part size store_s3 uses for an upload (store_s3.c): configured (0 = auto)
 * and the caller's size hint (-1 = unknown). Auto: max(8 MiB, hint / 9000)
 * rounded up to a MiB, so an object stays under 10,000 parts; unknown size:
 * 16 MiB, doubled every 2,000 parts by the uploader. A configured size too
 * small for the hint is raised (with a warning). Clamped to 5 MiB..5 GiB.
 * Pure; thread-safe. */
int64_t store_s3_part_size(int64_t configured, int64_t hint);
/* Length of part number num (1-based) of an upload that started with part
 * size base: base up to the part count hint predicts (2,000 without a hint),
 * then doubling every 1,000 parts (capped at 5 GiB), so an object that
 * outgrows its hint still fits in 10,000 parts. Pure; thread-safe. */
int64_t store_s3_part_len(int64_t base, int64_t hint, int num);

#endif
