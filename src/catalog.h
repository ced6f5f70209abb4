/*
 * catalog.h — the SQLite catalog: runs, units, objects, restore requests.
 *
 * The catalog is a cache of what the store holds: `catalog rebuild` recreates
 * it from the run manifests and volume indexes. Thread-safety: one catalog_t
 * may be used from several threads; calls are serialised by an internal mutex.
 */
#ifndef COLDPACK_CATALOG_H
#define COLDPACK_CATALOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct catalog catalog_t;

typedef struct catalog_object {
    const char *key;
    const char *kind; /* "data", "index", "manifest" */
    const char *date, *source, *tenant;
    int volume;
    int64_t size;
    const char *sha256;
    const char *storage_class;
    const char *run_id;
} catalog_object_t;

/* A run as recorded (rebuild restores it from its manifest). */
typedef struct catalog_run {
    const char *run_id, *date;
    int64_t started, finished; /* seconds since the epoch; finished 0 = unknown */
    const char *status;        /* ok, warnings, partial, failed, crashed, running */
    const char *manifest_key, *manifest_sha256;
} catalog_run_t;

/* PRAGMA application_id of a coldpack catalog ("CPK1"). */
#define CATALOG_APPLICATION_ID 0x43504b31

enum catalog_identity {
    CATALOG_ID_ERROR = -1,   /* cannot be read (logged) */
    CATALOG_ID_FOREIGN = -2, /* another SQLite database, or no database (logged) */
    CATALOG_ID_ABSENT = 0,   /* no file yet */
    CATALOG_ID_EMPTY = 1,    /* an empty database */
    CATALOG_ID_COLDPACK = 2, /* a coldpack catalog */
};

typedef int (*catalog_object_fn)(void *ctx, const catalog_object_t *o);

/* Open (creating the file and schema if needed). NULL after logging; a
 * database that is not a coldpack catalog is refused, never modified. */
catalog_t *catalog_open(const char *path);
void catalog_free(catalog_t *c);

/* What the file at path is (enum catalog_identity), read-only: commands
 * call it first to refuse a foreign database with a usage error.
 * Thread-safe. */
int catalog_identify(const char *path);

int catalog_begin(catalog_t *c);
/* Roll back the open transaction, if any. 0 or -1. */
int catalog_rollback(catalog_t *c);
int catalog_commit(catalog_t *c);
/* Delete every row (before a rebuild). */
int catalog_clear(catalog_t *c);

int catalog_run_begin(catalog_t *c, const char *run_id, const char *date);
int catalog_run_end(catalog_t *c, const char *run_id, const char *status, const char *manifest_key,
                    const char *manifest_sha256);

/* 1 when (date, source, tenant) is recorded complete, 0 when not, -1 on error. */
int catalog_unit_complete(catalog_t *c, const char *date, const char *source, const char *tenant);
/* The tenants of (date, source) recorded complete, as a malloc'd
 * NULL-terminated array of malloc'd strings (*n of them). Caller frees each
 * and the array. Returns 0 or -1. */
int catalog_complete_tenants(catalog_t *c, const char *date, const char *source, char ***out,
                             int *n);
int catalog_unit_set(catalog_t *c, const char *date, const char *source, const char *tenant,
                     const char *status, int volumes, int files, int64_t bytes_in,
                     const char *run_id);
/* Forget a unit's objects and status (before redoing it). */
int catalog_unit_forget(catalog_t *c, const char *date, const char *source, const char *tenant);

int catalog_object_add(catalog_t *c, const catalog_object_t *o);
/* Objects of kind (NULL = any) for tenant (NULL = any) with from <= date <= to
 * (NULL = open), source (NULL = any), ordered by date, source, tenant, volume. */
int catalog_objects(catalog_t *c, const char *kind, const char *tenant, const char *from,
                    const char *to, const char *source, catalog_object_fn fn, void *ctx);
int catalog_objects_of_run(catalog_t *c, const char *run_id, catalog_object_fn fn, void *ctx);

/* Call fn(ctx, run_id, date) for each run that recorded objects but has no
 * manifest yet (interrupted before writing it), oldest first. */
int catalog_runs_without_manifest(catalog_t *c,
                                  int (*fn)(void *ctx, const char *run_id, const char *date),
                                  void *ctx);
int catalog_set_manifest(catalog_t *c, const char *run_id, const char *manifest_key,
                         const char *manifest_sha256);

/* Mark every run still "running" (but except_run_id, may be NULL) as
 * "crashed": called by whoever holds the run lock, so no such run is alive.
 * Returns how many were marked, or -1. */
int catalog_runs_mark_crashed(catalog_t *c, const char *except_run_id);
/* Insert or replace a whole run row (rebuild, sync from the store). */
int catalog_run_record(catalog_t *c, const catalog_run_t *r);
/* 1 and the run's times and status when run_id is recorded, 0 when not, -1. */
int catalog_run_get(catalog_t *c, const char *run_id, int64_t *started, int64_t *finished,
                    char *status, size_t statussz);
/* 1 when a run with this manifest is recorded, 0 when not, -1 on error. */
int catalog_manifest_known(catalog_t *c, const char *manifest_key);

/* 1 when an object row with this key exists, 0 when not, -1 on error. */
int catalog_object_known(catalog_t *c, const char *key);
/* fn(ctx, {run_id, date, manifest_key, manifest_sha256}) per run with a
 * manifest, by run id. fn may call into the catalog. 0 or -1. */
int catalog_manifests(catalog_t *c, int (*fn)(void *ctx, const char *const *cols), void *ctx);
/* fn(ctx, {date, source, tenant, status, volumes, data rows in 1..volumes,
 * index rows in 1..volumes}) per unit in scope (NULL = open). 0 or -1. */
int catalog_units(catalog_t *c, const char *tenant, const char *from, const char *to,
                  int (*fn)(void *ctx, const char *const *cols), void *ctx);

/* fn(ctx, {date}) for each date in [from, to] whose newest run ended other
 * than ok / warnings (partial, failed, crashed, running), oldest first. */
int catalog_incomplete_dates(catalog_t *c, const char *from, const char *to,
                             int (*fn)(void *ctx, const char *const *cols), void *ctx);

/* Restore requests: record (insert or replace) and read back. */
int catalog_restore_record(catalog_t *c, const char *key, const char *tier, int days,
                           const char *status);
/* Writes the recorded status into buf ("" when none). Returns 0 or -1. */
int catalog_restore_status(catalog_t *c, const char *key, char *buf, size_t bufsz);

/* Print the last n runs and unit totals (for `status`). */
int catalog_print_status(catalog_t *c, int n);

#endif
