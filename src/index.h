/*
 * index.h — volume indexes (format in docs/formats.md). An index is hot
 * and replaceable by whoever can write the store: restore trusts one only
 * once index_load_verified matched it against the catalog's SHA-256 and
 * size, index_describes tied it to the volume being restored, and (for the
 * --path filter) index_covers_tar showed its file list accounts for the
 * whole tar. All functions are thread-safe and keep no pointer to their
 * arguments.
 */
#ifndef COLDPACK_INDEX_H
#define COLDPACK_INDEX_H

#include "age.h"
#include "store.h"

#include <jansson.h>
#include <stdint.h>

/* Fetch and parse the index object key. Returns a new reference (caller
 * json_decref's it), or NULL after logging why (missing, damaged, not JSON).
 * Thread-safety: any thread. */
json_t *index_load(store_t *s, const char *key);
/* index_load, but the object must first have exactly size bytes and the
 * SHA-256 sha256 (hex); NULL after logging otherwise. */
json_t *index_load_verified(store_t *s, const char *key, const char *sha256, int64_t size);
/* index_load_verified for an index that may be encrypted (key ending
 * ".age", docs/encryption.md): after the SHA-256 check, the object is
 * decrypted with identities ids[0..nids); *no_key (may be NULL) is set to 1
 * when none of them matches (the error names the identities tried). */
json_t *index_load_age(store_t *s, const char *key, const char *sha256, int64_t size,
                       const age_identity_t *ids, size_t nids, int *no_key);
/* 1 when idx names this volume: tenant, date, source and volume number
 * equal the arguments (each valid, objkey_name_ok), object.key is key and
 * object.sha256 / object.size are sha256 / size. 0 otherwise. */
int index_describes(json_t *idx, const char *key, const char *tenant, const char *date,
                    const char *source, int volno, const char *sha256, int64_t size);
/* 1 when the entries of idx tile its tar (sorted by tar_offset, each starts
 * where the previous one's data ends, from 0 to the end-of-archive blocks
 * within object.tar_size), so no entry was left out; 0 otherwise. */
int index_covers_tar(json_t *idx);

/* Names in an index are bytes. Set o[field] to name when it is valid UTF-8
 * without control bytes; otherwise o[field] is a display form (invalid
 * bytes and control bytes as U+FFFD) and o[field "_b64"] the raw bytes in
 * standard base64 without padding. 0, or -1 when out of memory. */
int index_name_set(json_t *o, const char *field, const char *name);
/* The raw bytes of a name set so: o[field "_b64"] decoded when present
 * (preferred), else o[field]. Caller frees; NULL when absent or invalid
 * (bad base64, a NUL byte). */
char *index_name_get(json_t *o, const char *field);

/* What a volume read, compactly: one line per regular file of idx,
 * "<size> <mtime> <path bytes in hex>\n" (the catalog keeps it per volume
 * to notice late files). Caller frees; "" for none; NULL when out of memory
 * or a path is invalid. */
char *index_file_list(json_t *idx);
/* fn(ctx, path, size, mtime) for each line of such a list; stops with fn's
 * -1. Returns 0, -1 when fn stopped or a line is malformed. */
int index_file_list_each(const char *list,
                         int (*fn)(void *ctx, const char *path, int64_t size, int64_t mtime),
                         void *ctx);

#endif
