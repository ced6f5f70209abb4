/*
 * restore.h — the restore pipeline for one volume, the mirror of pack.h:
 *
 *   store_get ─► spool file (SHA-256 and size while streaming) ─► verify
 *     ─► pool: decompress blocks (index block table), several ahead ─► in
 *        order to libarchive's tar reader (else libarchive's own filters)
 *     ─► per entry: pathsafe checks ─► archive_write_disk under dest
 *
 * Nothing of an object is extracted before all of it is verified; a
 * mismatch names the first damaged block's offset (found with the block
 * table). Cold storage is not handled here: the caller (job_restore.c) makes
 * sure each object is readable (thawed) before asking for it.
 *
 * Lifecycle: restore_new → restore_volume per object (any number) →
 * restore_finish (directory mtimes, once every volume is extracted) →
 * restore_free. A restore_t is used by one thread; several may share one
 * pool. Memory: the parallel decoder keeps at most 2 × pool threads + 2
 * blocks in flight, each its compressed bytes plus its tar length (tar
 * length is capped at 256 MiB per block; pack writes block_size), plus one
 * path and mtime per extracted directory. The object itself is spooled to
 * disk, not held in memory.
 */
#ifndef COLDPACK_RESTORE_H
#define COLDPACK_RESTORE_H

#include "pool.h"
#include "store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of restore_volume: the caller must tell a damaged object (report
 * it, go on with the others, exit 7) from a failure that stops the job. */
typedef enum restore_rc {
    RESTORE_OK = 0,
    RESTORE_FAIL = -1,    /* store, spool or target unusable: stop */
    RESTORE_CORRUPT = -2, /* this object failed verification or does not decode */
} restore_rc_t;

typedef struct restore_params {
    store_t *store;
    pool_t *pool;      /* block decompression; NULL = libarchive's filters only */
    const char *spool; /* spool file path (created, reused per volume, removed by restore_free) */
    const char *glob;  /* --path glob, or NULL for every file */
} restore_params_t;

typedef struct restore_volume {
    const char *key;    /* data object */
    const char *sha256; /* expected, from the catalog */
    int64_t size;       /* expected, from the catalog */
    json_t *index;      /* its index (block table, codec), or NULL */
    const char *dest;   /* directory the archive's paths are relative to */
} restore_volume_t;

typedef struct restore_stats {
    int extracted; /* entries written */
    int refused;   /* entries refused (each named on stdout as REFUSED ...) */
} restore_stats_t;

typedef struct restore restore_t;

/* Start a restore. rp and its strings are copied. Caller owns the result
 * (restore_free). NULL when out of memory. */
restore_t *restore_new(const restore_params_t *rp);
/* Fetch, verify, decode and extract one volume into v->dest (created).
 * v is only read during the call. Refused entries are counted in *st and
 * do not fail the volume. Logs the reason for any result but RESTORE_OK. */
restore_rc_t restore_volume(restore_t *r, const restore_volume_t *v, restore_stats_t *st);
/* Apply the mtimes of every directory extracted so far (deepest first). */
void restore_finish(restore_t *r);
/* Remove the spool file and free. NULL is a no-op. */
void restore_free(restore_t *r);

/* Does any file path in index match glob (util_glob_match)? Thread-safe. */
int restore_index_matches(json_t *index, const char *glob);

/* One row of a volume's block table: compressed offset and length in the
 * object, tar bytes it decompresses to. */
typedef struct restore_block {
    int64_t coff, clen, tlen;
} restore_block_t;

/* The block table of index, validated for an object of objsize bytes: the
 * blocks tile [0, objsize) in order, each with clen > 0 and
 * 0 < tlen <= 256 MiB, and the index names a known codec (*kind gets it).
 * Returns a malloc'd array of *n rows (caller frees), or NULL when the
 * table is missing or unusable (then the caller falls back to libarchive's
 * filters). Thread-safe. */
restore_block_t *restore_block_table(json_t *index, int64_t objsize, size_t *n, int *kind);

#endif
