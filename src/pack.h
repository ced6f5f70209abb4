/*
 * pack.h — pack one unit (date, source, tenant) into volumes in the store.
 *
 * Entries go through libarchive's pax writer into fixed-size blocks of tar;
 * each block is compressed on the shared pool as an independent gzip member
 * or zstd frame; the producer writes finished blocks to the store in order,
 * hashing as it goes. Memory per unit is bounded by max_inflight blocks
 * (input + compressed bound each) plus the index of the current volume.
 *
 * With [encryption] (pp.encryption->recipients_dir set), the drain feeds the
 * compressed stream through an age v1 encryptor for the tenant's recipients
 * (keys.h) before the store: the object ("vol-NNNN.tar.gz.age") decrypts with
 * `age -d -i KEY` to the same .tar.gz, its SHA-256 and size are those of the
 * stored bytes, and its index is encrypted to the same recipients
 * ("vol-NNNN.index.json.gz.age"). A tenant without recipients (unknown_tenant
 * = fail) gets a unit that takes its entries without reading them and fails
 * in pack_unit_finish, so only that unit fails.
 */
#ifndef COLDPACK_PACK_H
#define COLDPACK_PACK_H

#include "config.h"
#include "pool.h"
#include "source.h"
#include "store.h"

#include <stdint.h>

typedef struct pack_params {
    store_t *store;
    pool_t *pool;
    int codec; /* enum codec_kind */
    int level;
    int64_t volume_size; /* cut at the next file boundary past this much tar */
    size_t block_size;   /* tar bytes per compressed block */
    int max_inflight;    /* blocks in flight per unit */
    const char *run_id;
    const config_encryption_t *encryption; /* NULL (or no recipients_dir): not encrypted */
} pack_params_t;

typedef struct pack_volume {
    int volume; /* 1-based */
    int last;   /* 1 for the unit's final volume */
    const char *key;
    const char *index_key;
    int64_t size; /* the stored object (compressed, encrypted when it is) */
    char sha256[65];
    int64_t index_size;
    char index_sha256[65];
    int64_t tar_size;
    int64_t bytes_in; /* file payload bytes */
    int files;
    const char *files_list; /* what it read: index_file_list (valid during the callback) */
} pack_volume_t;

/* Called after a volume and its index are both committed to the store. */
typedef int (*pack_volume_fn)(void *ctx, const pack_volume_t *v);

typedef struct pack_unit pack_unit_t;

/* Key prefix of a unit: "tenant=T/date=D/source=S/" (objkey_unit_prefix).
 * Caller frees; NULL when a name cannot be part of a key or out of memory.
 * Thread-safe. */
char *pack_unit_prefix(const char *date, const char *source, const char *tenant);

/* Start a unit. pp and the strings are copied. Caller owns the result.
 * A unit is used by one thread; different units may run concurrently on one pool. */
pack_unit_t *pack_unit_new(const pack_params_t *pp, const char *date, const char *source,
                           const char *tenant, pack_volume_fn on_volume, void *ctx);
/* Add one entry (its data read through rd for files). Files that change
 * while read are archived as read and reported with log_warn; the count is
 * in pack_unit_warnings. Returns 0, or -1 when the unit failed. */
int pack_unit_add(pack_unit_t *u, const source_entry_t *e, source_read_fn rd, void *rctx);
/* Finish: the last volume (an empty archive for a tenant with no files) and
 * its index marked last. Returns 0 or -1. */
int pack_unit_finish(pack_unit_t *u);
int pack_unit_warnings(const pack_unit_t *u);
/* Continue a complete unit with late files: its volumes are numbered from
 * first on (the last of them says "last": true, superseding the earlier
 * last volume; docs/formats.md). Call before the first pack_unit_add. */
void pack_unit_first_volume(pack_unit_t *u, int first);
/* Abort any upload in progress and free. NULL is a no-op. */
void pack_unit_free(pack_unit_t *u);

#endif
