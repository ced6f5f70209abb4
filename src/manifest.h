/*
 * manifest.h — run manifests: runs/<date>/<run-id>.json in the store, each
 * listing the objects a run wrote (key, size, SHA-256, class) and the key and
 * SHA-256 of the manifest before it (its prev link), so the manifests form a
 * hash chain. Order is by prev link; run-id order is used only to print and
 * to choose between the branches of a fork. Thread-safety: functions share
 * no state; a manifest_set_t is used by one thread.
 */
#ifndef COLDPACK_MANIFEST_H
#define COLDPACK_MANIFEST_H

#include "catalog.h"
#include "store.h"

#include <jansson.h>

/* Read manifest key: its SHA-256 (of the exact bytes, what the chain
 * records) into sha, its size into *len (may be NULL) and, when json is not
 * NULL, its parsed content (*json NULL when not valid JSON; err says why).
 * Returns 0, or -1 when it cannot be read (logged by the store). */
int manifest_read(store_t *s, const char *key, char sha[65], size_t *len, json_t **json,
                  json_error_t *err);

/* One manifest as read from the store. json is NULL for an object under
 * runs/ that is not a valid coldpack manifest (junk: never chained to). */
typedef struct manifest_entry {
    char *key;
    char sha[65];
    size_t len;
    json_t *json;
} manifest_entry_t;

/* Every object under runs/, in run-id order (owned; manifest_set_free). */
typedef struct manifest_set {
    manifest_entry_t *v;
    size_t n;
    int junk;
} manifest_set_t;

/* Read and parse every manifest (warn: log one warning per junk object).
 * -1 (logged) when one cannot be read: a caller must not chain to or trust
 * an incomplete picture. */
int manifest_load_all(store_t *s, manifest_set_t *out, int warn);
void manifest_set_free(manifest_set_t *ms);
const manifest_entry_t *manifest_set_find(const manifest_set_t *ms, const char *key);
/* prev_manifest / prev_sha256 of e (NULL when none; borrowed). */
const char *manifest_prev_key(const manifest_entry_t *e);
const char *manifest_prev_sha(const manifest_entry_t *e);
/* 1 when e's prev links lead, each SHA-256 matching, to a first manifest. */
int manifest_in_chain(const manifest_set_t *ms, const manifest_entry_t *e);
/* Index of the chain's tip (newest by run id among chain members that no
 * manifest follows), -1 when none. */
int manifest_tip(const manifest_set_t *ms);

/* Find the tip of the verified chain in the store. *key_out is NULL (and sha "") when
 * there is none; caller frees *key_out. Returns 0 or -1. */
int manifest_latest(store_t *s, char **key_out, char sha_out[65]);

/* What a manifest records about its run (times 0 = unknown). */
typedef struct manifest_run_info {
    const char *run_id, *date;
    int64_t started, finished;
    const char *outcome; /* ok, warnings, partial, failed, crashed */
    json_t *import;      /* NULL, or the provenance of an import (borrowed): recorded
                            as "import" (docs/formats.md) */
    /* [audit] signing_key: when set, the manifest is signed (Ed25519) and the
     * signature written as the sidecar manifest_sig_key(key); NULL = unsigned */
    const char *signing_key;
} manifest_run_info_t;

/* Write the manifest for ri->run_id (objects of its complete units, from
 * the catalog), chained to the tip of the verified chain in the store. On success *key_out (caller
 * frees) and sha are set. Returns 0 or -1. Not thread-safe against another writer of the same store
 * prefix (the run lock, or shards' distinct run ids, prevent it). */
int manifest_write(store_t *s, catalog_t *c, const manifest_run_info_t *ri, char **key_out,
                   char sha_out[65]);

/* Write a tombstone manifest for ri->run_id: no objects, and the list
 * tombstones (borrowed) of what an explicit expiry deleted, each
 * {"key", "sha256", "size", "tenant", "date", "source", "reason"} (reason
 * "retention" or "offboard"), or an offboarded tenant {"tenant", "reason":
 * "offboard", "scheduled": [{"key", "sha256", "locked": "..."}]}. Chained
 * like manifest_write (docs/formats.md "Tombstones"). Returns 0 or -1. */
int manifest_write_tombstones(store_t *s, const manifest_run_info_t *ri, json_t *tombstones,
                              char **key_out, char sha_out[65]);

/* The tombstones of the verified chain: a new object key -> the entry plus
 * "run_id", "on" (the tombstone manifest's date) and "manifest"; the first
 * tombstone of a key wins. With tenants: *tenants gets tenant -> entry for
 * offboarded tenants (caller decrefs both). NULL when out of memory. */
json_t *manifest_tombstones(const manifest_set_t *ms, json_t **tenants);

typedef struct manifest_verify_opts {
    int deep;
    const char *from, *until; /* dates, inclusive; NULL = open */
    const char *tenant;       /* NULL = all */
} manifest_verify_opts_t;

typedef struct manifest_verify_stats {
    int manifests, objects;
    int rehashed;   /* deep: contents read and hashed */
    int cold;       /* deep: not read, cold and not restored */
    int io_errors;  /* store failures (not evidence of corruption) */
    int problems;   /* missing, altered, chain breaks */
    int warnings;   /* junk under runs/ */
    int expired;    /* listed objects gone from the store with a tombstone (not missing) */
    int tombstones; /* tombstone entries in scope */
} manifest_verify_stats_t;

/* Check every manifest in scope: its prev link (the named predecessor
 * exists and has the recorded SHA-256), and each listed object in scope
 * (present, size, metadata SHA-256; deep: content SHA-256 where readable).
 * A tombstoned object missing from the store is counted expired, never a
 * problem; a tombstone whose SHA-256 differs from the listing is one.
 * Prints one line per finding. Returns 0 (findings in *st), -1 when the
 * manifests cannot be read. */
int manifest_verify_chain(store_t *s, const manifest_verify_opts_t *o, manifest_verify_stats_t *st);

/* Signatures (docs/audit.md "Signing"): the signature of manifest key is
 * the sidecar object sigs/<date>/<run-id>.json.sig, outside runs/ so that
 * no reader of runs/ ever sees it, holding
 * {"format":"coldpack-signature-1","manifest":KEY,"manifest_sha256":SHA,
 *  "alg":"ed25519","key_id":ID,"sig":BASE64} where sig is the Ed25519
 * signature of the manifest's exact bytes as stored (the manifest itself is
 * unchanged, so its SHA-256 and the chain are the same signed or not). */
/* The sidecar key of manifest key mkey (malloc'd; NULL when mkey is not
 * under runs/ or out of memory). Pure. */
char *manifest_sig_key(const char *mkey);

/* Check the signature of manifest e against the public key pub (a
 * sign_key_t). Returns 1 when valid, 0 when unsigned or invalid (why says
 * which, in plain words), -1 on a store error (logged). */
struct sign_key;
int manifest_check_signature(store_t *s, const manifest_entry_t *e, const struct sign_key *pub,
                             char *why, size_t whysz);

/* Call fn for every manifest key in run-id order. */
int manifest_list(store_t *s, int (*fn)(void *ctx, const char *key), void *ctx);

#endif
