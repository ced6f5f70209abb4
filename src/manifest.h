/*
 * manifest.h — run manifests: runs/<date>/<run-id>.json in the store, each
 * listing the objects a run wrote (key, size, SHA-256, class) and the key and
 * SHA-256 of the manifest before it (ordered by run id, which starts with the
 * UTC time), so the manifests form a hash chain.
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

/* Find the newest manifest in the store. *key_out is NULL (and sha "") when
 * there is none; caller frees *key_out. Returns 0 or -1. */
int manifest_latest(store_t *s, char **key_out, char sha_out[65]);

/* Write the manifest for run_id (objects from the catalog), chained to the
 * newest manifest in the store. On success *key_out (caller frees) and sha
 * are set. Returns 0 or -1. Not thread-safe against another writer of the
 * same store prefix (the run lock, or shards' distinct run ids, prevent it). */
int manifest_write(store_t *s, catalog_t *c, const char *run_id, const char *date, char **key_out,
                   char sha_out[65]);

/* Walk every manifest in run-id order and check each one's prev_sha256
 * against the SHA-256 of the one before and each listed object's presence
 * and size (deep: also its SHA-256 by reading it, where readable).
 * Prints one line per problem; returns the number of problems, -1 on error. */
int manifest_verify_chain(store_t *s, int deep, int *nmanifests);

/* Call fn for every manifest key in run-id order. */
int manifest_list(store_t *s, int (*fn)(void *ctx, const char *key), void *ctx);

#endif
