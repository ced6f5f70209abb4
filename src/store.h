/*
 * store.h — the object-store interface (docs/design.md, "Layers and modules").
 *
 * Two implementations plug in behind one vtable: file:// (store_file.c, the
 * embedded default) and s3:// (store_s3*.c, store_s3.h). Everything above the store works
 * the same on both, including cold-storage semantics: an object whose storage
 * class is DEEP_ARCHIVE or GLACIER cannot be read until a restore request for
 * it has completed.
 *
 * Keys are relative to the store's own prefix ("tenant=a/date=.../vol-0001.tar.gz");
 * the implementation adds its prefix. Keys never start with '/'.
 *
 * Return codes: 0 on success, or a negative store_rc. Each implementation logs
 * the error once, where it is first detected, naming the store URL and key.
 */
#ifndef COLDPACK_STORE_H
#define COLDPACK_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_rc {
    STORE_OK = 0,
    STORE_ERR = -1,      /* failure (already retried where retrying made sense) */
    STORE_NOTFOUND = -2, /* no such key */
    STORE_COLD = -3,     /* object is in a cold class and not (yet) restored */
    STORE_EXISTS = -4,   /* conditional put (if_none_match) found the key present */
    STORE_CONFIG = -5,   /* the store's configuration cannot work (e.g. a bucket-wide
                            lifecycle rule without a prefix); logged, fix the config */
};

enum store_thaw {
    STORE_THAW_NONE = 0,    /* hot object, or cold with no restore requested */
    STORE_THAW_PENDING = 1, /* restore requested, not readable yet */
    STORE_THAW_READY = 2,   /* restored copy readable (or hot object) */
};

typedef struct store_info {
    int64_t size;
    char sha256[65];        /* from metadata (x-amz-meta-sha256); "" when unknown */
    char storage_class[32]; /* "STANDARD", "DEEP_ARCHIVE", ... */
    int cold;               /* 1 when the class needs a restore before GET */
    int thaw;               /* enum store_thaw */
    int64_t mtime;          /* seconds since epoch */
} store_info_t;

typedef struct store_put_opts {
    const char *storage_class; /* NULL = store's configured default */
    const char *content_type;  /* NULL = application/octet-stream */
    int if_none_match;         /* 1 = fail with STORE_EXISTS if key exists */
    int64_t size_hint;         /* expected size or -1; lets S3 pick a part size */
} store_put_opts_t;

/* What the store says of one object for an audit (store_audit_head):
 * store_info_t plus the retention lock as reported, verbatim. Strings are ""
 * when the store does not report them (the file store has no versions and no
 * locks). */
typedef struct store_audit {
    store_info_t info;
    char version_id[256];
    char lock_mode[32];  /* "COMPLIANCE", "GOVERNANCE" or "" */
    char lock_until[64]; /* retain-until date as the store sent it, "" when none */
} store_audit_t;

/* The backing service's retention-related configuration (store_bucket_info).
 * Raw documents as the service returned them (malloc'd, NUL-terminated,
 * NULL when the service has none or does not support it); the parsed fields
 * are "" / 0 when absent. Free with store_bucket_info_free. */
typedef struct store_bucket_info {
    char *lock_xml;        /* GetObjectLockConfiguration */
    char *lifecycle_xml;   /* GetBucketLifecycleConfiguration */
    char *versioning_xml;  /* GetBucketVersioning */
    char lock_enabled[16]; /* ObjectLockEnabled: "Enabled" or "" */
    char versioning[16];   /* "Enabled", "Suspended" or "" */
    char default_mode[32]; /* default retention mode, "" when none */
    int default_days;      /* default retention Days, 0 when none */
    int default_years;     /* default retention Years, 0 when none */
} store_bucket_info_t;

/* What store_setup prepares (coldpack init). */
typedef struct store_setup_opts {
    int retention_days; /* objects expire this many days after upload (<= 0: 365) */
} store_setup_opts_t;

typedef struct store store_t;
typedef struct store_put store_put_t;

/* Called with successive chunks of a GET body; return 0 to go on, -1 to stop. */
typedef int (*store_sink_fn)(void *ctx, const void *data, size_t len);
/* Called once per key under a prefix, in lexical key order; return 0 to go on. */
typedef int (*store_list_fn)(void *ctx, const char *key, int64_t size);

struct store_ops {
    /* Begin a streaming upload of key. Nothing is visible under key until
     * put_commit returns 0. */
    int (*put_open)(store_t *s, const char *key, const store_put_opts_t *o, store_put_t **out);
    int (*put_write)(store_put_t *p, const void *data, size_t len);
    /* Make the object visible; sha256_hex (64 chars) is stored as metadata.
     * Frees p whatever the result. */
    int (*put_commit)(store_put_t *p, const char *sha256_hex);
    /* Discard an upload (no object, no leftover part). Frees p. NULL is a no-op. */
    void (*put_abort)(store_put_t *p);
    int (*head)(store_t *s, const char *key, store_info_t *out);
    /* Stream bytes [off, off+len) of key to sink (len < 0: to the end).
     * STORE_COLD when the object is cold and not restored. */
    int (*get)(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink,
               void *ctx);
    int (*list)(store_t *s, const char *prefix, store_list_fn fn, void *ctx);
    int (*del)(store_t *s, const char *key);
    /* Request a restore of a cold object for `days` days at `tier`
     * ("Bulk", "Standard", "Expedited"). Already in progress is success. */
    int (*restore)(store_t *s, const char *key, int days, const char *tier);
    /* Remove leftovers of interrupted uploads made by earlier runs (temp files,
     * incomplete multipart uploads) under the store's prefix. */
    int (*cleanup)(store_t *s);
    void (*free)(store_t *s);
    /* Optional (NULL: nothing to prepare). Make the backing service ready for
     * coldpack (`init`): check it is reachable and configured as the store
     * needs, and install what it needs (for S3: the prefix's lifecycle rule,
     * the Object Lock check). Idempotent. */
    int (*setup)(store_t *s, const store_setup_opts_t *o);
    /* Optional (NULL: store_audit_head falls back to head with no version and
     * no lock). HEAD only: never thaws, never reads the body. */
    int (*audit_head)(store_t *s, const char *key, store_audit_t *out);
    /* Optional (NULL: the store has no bucket configuration; store_bucket_info
     * returns STORE_OK with everything empty). Read-only. */
    int (*bucket_info)(store_t *s, store_bucket_info_t *out);
};

/* Every implementation's store_put_t struct must begin with `store_t *store;`
 * (the wrappers below use it to find the vtable).
 * When a get's sink returns -1, get stops and returns STORE_ERR without
 * logging: the sink's owner reports why it stopped. */

/* Common head of every implementation's struct. */
struct store {
    const struct store_ops *ops;
    char *url;           /* as configured, for messages (never holds secrets) */
    char *storage_class; /* default class for data objects */
};

struct config;

/* Open the store named by cfg->store.url. Returns NULL after logging why.
 * The caller owns the result; free with store_free(). Thread-safety: a store
 * may be used from several threads at once; a store_put_t by one at a time. */
store_t *store_open(const struct config *cfg);
void store_free(store_t *s);

/* Convenience wrappers over the vtable (same contracts). */
int store_put_open(store_t *s, const char *key, const store_put_opts_t *o, store_put_t **out);
int store_put_write(store_put_t *p, const void *data, size_t len);
int store_put_commit(store_put_t *p, const char *sha256_hex);
void store_put_abort(store_put_t *p);
int store_head(store_t *s, const char *key, store_info_t *out);
int store_get(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink, void *ctx);
int store_list(store_t *s, const char *prefix, store_list_fn fn, void *ctx);
int store_del(store_t *s, const char *key);
int store_restore(store_t *s, const char *key, int days, const char *tier);
int store_cleanup(store_t *s);
/* Prepare the store for first use (coldpack init); 0 when the store needs
 * nothing. Returns 0 or a negative store_rc after logging. Thread-safety: as
 * the store. */
int store_setup(store_t *s, const store_setup_opts_t *o);

/* The object's metadata and retention lock as the store reports them
 * (store_audit_t); a store_rc. Thread-safety: as the store. */
int store_audit_head(store_t *s, const char *key, store_audit_t *out);
/* The bucket's lock, lifecycle and versioning configuration; a store_rc
 * (logged). *out is always initialised; free with store_bucket_info_free. */
int store_bucket_info(store_t *s, store_bucket_info_t *out);
void store_bucket_info_free(store_bucket_info_t *b);

/* Put a small in-memory object in one call (computes its SHA-256). */
int store_put_buf(store_t *s, const char *key, const void *data, size_t len,
                  const store_put_opts_t *o);
/* Read a whole (small, hot) object into a malloc'd buffer of at most max bytes.
 * Caller frees *out. */
int store_get_buf(store_t *s, const char *key, size_t max, unsigned char **out, size_t *outlen);

/* The file:// implementation, chosen by store_open (same contract). The
 * s3:// one is declared in store_s3.h. */
store_t *store_file_open(const struct config *cfg);

/* 1 for classes that need a restore before GET (GLACIER, DEEP_ARCHIVE). */
int store_class_is_cold(const char *storage_class);

#endif
