/*
 * restore.h — the restore pipeline for one volume, the mirror of pack.h:
 *
 *   store_get ─► spool file (SHA-256 and size while streaming) ─► verify
 *     ─► pool: decompress blocks (index block table), several ahead ─► in
 *        order to libarchive's tar reader (else libarchive's own filters)
 *     ─► per entry: pathsafe checks ─► written by openat() under a private
 *        staging directory, never through a symlink
 *
 * Nothing of an object is extracted before all of it is verified; a
 * mismatch names the first damaged block's offset (found with the block
 * table). Cold storage is not handled here: the caller (job_restore.c) makes
 * sure each object is readable (thawed) before asking for it.
 *
 * Extraction (the security contract, see docs/design.md "Restore safety"):
 *   - everything is created relative to the staging directory's fd, which
 *     the caller made private (mkdtemp, 0700); every path component is
 *     opened with O_NOFOLLOW | O_DIRECTORY, files with O_CREAT | O_EXCL |
 *     O_NOFOLLOW, so nothing is written through a symlink;
 *   - symlinks are deferred: restore_finish creates them after every file
 *     is written, each only when its target, resolved against the extracted
 *     tree (following earlier links, chains included), stays inside its
 *     volume's directory; once all are created they are checked again until
 *     none leaves (a later link can change an earlier one's meaning);
 *   - with v->index (trusted: the caller verified it against the catalog),
 *     every entry must be listed there with the same type and size, and a
 *     regular file's SHA-256 (hashed while written) must match; otherwise
 *     it is refused (a written file removed); listed entries the volume
 *     never delivered are refused by name at its end; sparse entries and
 *     paths longer than PATH_MAX are refused;
 *   - names are printed through pathsafe_escape;
 *   - modes lose setuid, setgid and sticky and are masked by the umask;
 *     ownership is restored only with same_owner (the caller checks root);
 *   - the spool file is created O_EXCL | O_NOFOLLOW, 0600, in the staging
 *     directory.
 *
 * Lifecycle: restore_new → restore_volume per object (any number) →
 * restore_finish (symlinks, directory modes and mtimes, once every volume
 * is extracted) → restore_free. A restore_t is used by one thread; several
 * may share one pool. Memory: the parallel decoder keeps at most
 * 2 × pool threads + 2 blocks in flight, each its compressed bytes plus its
 * tar length, which is at most the index's block_size, itself at most
 * RESTORE_MAX_BLOCK (a table claiming more is refused and the volume is
 * decoded sequentially by libarchive instead); plus one path per extracted
 * directory and symlink. The object itself is spooled to disk.
 *
 * Encrypted objects (key ending ".age", docs/encryption.md): after the
 * stored bytes are verified, the spool is decrypted with age (the identities
 * of restore_params) into a second private file "plain" in the staging
 * directory, which is then decoded exactly like an unencrypted volume (the
 * index's block offsets are offsets in the decrypted stream). An object no
 * identity opens is RESTORE_NO_KEY.
 */
#ifndef COLDPACK_RESTORE_H
#define COLDPACK_RESTORE_H

#include "age.h"
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
    RESTORE_NO_KEY = -3,  /* encrypted, and none of the identities given opens it: stop */
} restore_rc_t;

/* The largest block (tar bytes) a block table may claim. */
#define RESTORE_MAX_BLOCK (64 << 20)

typedef struct restore_params {
    store_t *store;
    pool_t *pool;              /* block decompression; NULL = libarchive's filters only */
    int stagefd;               /* private staging directory (borrowed: the caller closes it) */
    const char *glob;          /* --path glob, or NULL for every file */
    int same_owner;            /* restore archived uid/gid (the caller made sure we are root) */
    const age_identity_t *ids; /* for encrypted (".age") objects; borrowed, may be NULL */
    size_t nids;
} restore_params_t;

typedef struct restore_volume {
    const char *key;    /* data object */
    const char *sha256; /* expected, from the catalog */
    int64_t size;       /* expected, from the catalog */
    json_t *index;      /* its index (block table, codec), or NULL */
    const char *dest;   /* directory the archive's paths are relative to: a relative
                           path below stagefd without "..", created as needed */
} restore_volume_t;

typedef struct restore_stats {
    int extracted; /* entries written */
    int refused;   /* entries refused (each named on stdout as REFUSED ...) */
} restore_stats_t;

typedef struct restore restore_t;

/* Start a restore: creates the spool file "spool" in rp->stagefd (O_EXCL:
 * fails if anything is there). rp and its strings are copied. Caller owns
 * the result (restore_free). NULL after logging why. */
restore_t *restore_new(const restore_params_t *rp);
/* Fetch, verify, decode and extract one volume into v->dest (created).
 * v is only read during the call. Refused entries are counted in *st and
 * do not fail the volume. Logs the reason for any result but RESTORE_OK. */
restore_rc_t restore_volume(restore_t *r, const restore_volume_t *v, restore_stats_t *st);
/* Create the deferred symlinks that stay inside (refused ones are named
 * and counted in st->refused, which is reset first), then apply the modes
 * and mtimes of every directory extracted so far (deepest first). */
void restore_finish(restore_t *r, restore_stats_t *st);
/* Remove the spool file and free. NULL is a no-op. */
void restore_free(restore_t *r);

/* Does any file path in index match glob (util_glob_match)? Paths are
 * matched on their raw bytes (path_b64 when present), as the extractor
 * matches the tar's names. Thread-safe. */
int restore_index_matches(json_t *index, const char *glob);

/* One row of a volume's block table: compressed offset and length in the
 * object, tar bytes it decompresses to. */
typedef struct restore_block {
    int64_t coff, clen, tlen;
} restore_block_t;

/* The block table of index, validated for an object of objsize bytes: the
 * index has 0 < block_size <= RESTORE_MAX_BLOCK; the blocks tile
 * [0, objsize) in order, each with 0 < clen <= a compressed bound of
 * block_size and 0 < tlen <= block_size; their tlen add up to the index's
 * object.tar_size; and the index names a known codec (*kind gets it).
 * Returns a malloc'd array of *n rows (caller frees), or NULL when the
 * table is missing or unusable (then the caller falls back to libarchive's
 * filters). Thread-safe. */
restore_block_t *restore_block_table(json_t *index, int64_t objsize, size_t *n, int *kind);

#endif
