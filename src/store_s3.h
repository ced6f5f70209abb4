/*
 * store_s3.h — the s3:// store, in three files that share this header:
 *
 *   store_s3.c         open/free, the vtable, head/get/list/del/restore, and
 *                      the request helpers the other two use
 *   store_s3_upload.c  the multipart upload engine (put_open/write/commit/
 *                      abort) on one long-lived upload pool per store
 *   store_s3_admin.c   cleanup of interrupted uploads and bucket setup (init)
 *   store_s3_audit.c   read-only audit: HEAD with version id and lock, the
 *                      bucket's lock / lifecycle / versioning documents
 *
 * Only store.c (store_open) and the unit tests include it; everything else
 * goes through store.h. Keys named `key` here are full object keys (with the
 * store's prefix); `rel` keys are the caller's, relative to the prefix.
 */
#ifndef COLDPACK_STORE_S3_H
#define COLDPACK_STORE_S3_H

#include "pool.h"
#include "s3.h"
#include "s3_xml.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where upload markers live, under the store's prefix. */
#define STORE_S3_MARKER_DIR ".coldpack/uploads/"

typedef struct store_s3 {
    store_t base; /* must be first */
    s3_client_t *cli;
    char *bucket;
    char *prefix;        /* "" or "some/prefix/" */
    int64_t part_size;   /* 0 = auto */
    int64_t volume_size; /* [pack] volume_size: auto's size hint for an upload without one */
    int concurrency;     /* parts in flight per upload */
    char *sse, *kms_key_id;
    char *lock_mode; /* NULL, "GOVERNANCE" or "COMPLIANCE" */
    int retention_days;
    char hostname[128];
    unsigned long long start_ticks;
    atomic_int labels_only; /* the service serves archive classes without a restore */
    atomic_int no_tagging;  /* the service has no object tagging (501) */
    /* the upload pool: started at the first multipart upload, shared by all */
    pthread_mutex_t pool_mu;
    pool_t *pool;
    int pool_threads;
} store_s3_t;

/* ---- store_s3.c */

/* Open the store for cfg->store.url (s3://bucket[/prefix]). NULL after
 * logging why. The caller owns it; store_free(). Thread-safety: store.h. */
store_t *store_s3_open(const struct config *cfg);
/* prefix + rel, malloc'd (the caller frees it); NULL when out of memory. */
char *store_s3_key(const store_s3_t *s, const char *rel);
/* One request on the store's client with a captured answer; an s3_rc. The
 * caller frees resp whatever the result. Thread-safe. */
int store_s3_call(store_s3_t *s, const char *method, const char *key, const char *query,
                  const s3_header_t *h, size_t nh, const void *body, size_t blen, int quiet,
                  s3_response_t *resp);
/* A small PUT with Content-MD5 (Object Lock buckets require it) and up to
 * 23 extra headers. Same contract as store_s3_call; a 2xx whose ETag is not
 * the MD5 of data is S3_ERR (logged). */
int store_s3_put_small(store_s3_t *s, const char *key, const void *data, size_t len,
                       const s3_header_t *extra, size_t nextra, int quiet, s3_response_t *resp);
/* The marker key of an upload id, into out (n >= 128). Pure. */
void store_s3_marker_key(const store_s3_t *s, const char *upload_id, char *out, size_t n);
/* Append the SSE headers (at most 2) to h. Pure. */
void store_s3_sse_headers(const store_s3_t *s, s3_header_t *h, size_t *nh);
/* When an object stops being retained (epoch seconds): the end of the log
 * day its key names (objkey_parse: volumes, indexes, manifests) plus
 * retention_days, so a backfilled day is not kept longer than its
 * neighbours; now + retention_days for keys without a date. Never earlier
 * than now + 1 day (S3 refuses a retain-until date in the past). Pure. */
int64_t store_s3_retain_until(const store_s3_t *s, const char *rel, int64_t now);
/* Append the Object Lock headers (at most 2) to h for the object rel (the
 * caller's key); until (n >= 32) holds the date they point at
 * (store_s3_retain_until). Nothing without a lock mode. */
void store_s3_lock_headers(const store_s3_t *s, const char *rel, char *until, size_t n,
                           s3_header_t *h, size_t *nh);
/* 0 when the ETag the service answered (quotes allowed) is want (a hex MD5,
 * or a multipart ETag); else -1 after logging that the stored object is not
 * what was sent. Always 0 with SSE-KMS, whose ETags are not MD5s. */
int store_s3_etag_is(const store_s3_t *s, const char *key, const char *etag, const char *want);
/* store_s3_etag_is without the message: 1 when it matches. Pure. */
int store_s3_etag_matches(const store_s3_t *s, const char *etag, const char *want);
/* store_s3_etag_is against the MD5 of data. */
int store_s3_etag_check(const store_s3_t *s, const char *key, const char *etag, const void *data,
                        size_t len);
/* 1 when a put of rel must be create-only whatever the caller asked: data,
 * index and manifest keys (under tenant= and runs/) are never overwritten.
 * Pure. */
int store_s3_create_only(const char *rel);
/* HeadObject of rel (store.h head contract). Thread-safe. */
int store_s3_head(store_t *st, const char *rel, store_info_t *out);
/* Every multipart upload whose key starts with the full key prefix kpfx,
 * through the paginator; fn as in s3_xml.h (non-zero stops). An s3_rc,
 * logged. Thread-safe. */
int store_s3_list_uploads(store_s3_t *s, const char *kpfx, s3_xml_upload_fn fn, void *ctx);

/* ---- store_s3_upload.c */

/* Part size for an upload: configured (0 = auto) and the caller's size hint
 * (-1 = unknown). Auto: max(8 MiB, hint / 64) rounded up to a MiB, so an
 * object of the hinted size takes at most 64 parts (requests stay a small
 * share of the bill) and stays under 10,000 parts; unknown size: 16 MiB,
 * doubled every 2,000 parts by the uploader. A configured size too small for the hint is raised
 * (with a warning). Clamped to 5 MiB..5 GiB. Pure; thread-safe. */
int64_t store_s3_upload_part_size(int64_t configured, int64_t hint);
/* Length of part number num (1-based) of an upload that started with part
 * size base: base up to the part count hint predicts (2,000 without a hint),
 * then doubling every 1,000 parts (capped at 5 GiB), so an object that
 * outgrows its hint still fits in 10,000 parts. Pure; thread-safe. */
int64_t store_s3_upload_part_len(int64_t base, int64_t hint, int num);
/* The vtable's put operations (store.h contracts). A store_put_t is used by
 * one thread at a time; its parts run on the store's upload pool. */
int store_s3_upload_open(store_t *st, const char *rel, const store_put_opts_t *o,
                         store_put_t **out);
int store_s3_upload_write(store_put_t *p, const void *data, size_t len);
int store_s3_upload_commit(store_put_t *p, const char *sha256_hex);
void store_s3_upload_abort(store_put_t *p);
/* AbortMultipartUpload of (key, upload_id), then delete its marker when
 * marker is not NULL/"". Failures are logged, not returned. Thread-safe. */
void store_s3_upload_abort_id(store_s3_t *s, const char *key, const char *upload_id,
                              const char *marker);

/* ---- store_s3_admin.c */

/* Days the lifecycle rule waits past the retention before it expires data. */
#define STORE_S3_EXPIRY_MARGIN_DAYS 30
/* store_s3_admin_setup's answer to a url without a prefix (s3://bucket). */

/* The vtable's cleanup and setup (store.h contracts). Thread-safe. */
int store_s3_admin_cleanup(store_t *st);
int store_s3_admin_setup(store_t *st, const store_setup_opts_t *o);
/* ---- store_s3_audit.c */

/* The vtable's audit_head and bucket_info (store.h contracts): HeadObject
 * with its version id and lock headers; the bucket's Object Lock, lifecycle
 * and versioning documents, raw. Read-only. Thread-safe. */
int store_s3_audit_head(store_t *st, const char *rel, store_audit_t *out);
int store_s3_audit_bucket_info(store_t *st, store_bucket_info_t *out);

/* Start time (clock ticks after boot) of process pid, 0 when unknown: with
 * the pid it names a process across pid reuse. Thread-safe. */
unsigned long long store_s3_admin_proc_start(pid_t pid);

#endif
