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

typedef int (*catalog_object_fn)(void *ctx, const catalog_object_t *o);

/* Open (creating the file and schema if needed). NULL after logging. */
catalog_t *catalog_open(const char *path);
void catalog_free(catalog_t *c);

int catalog_begin(catalog_t *c);
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

/* Restore requests: record (insert or replace) and read back. */
int catalog_restore_record(catalog_t *c, const char *key, const char *tier, int days,
                           const char *status);
/* Writes the recorded status into buf ("" when none). Returns 0 or -1. */
int catalog_restore_status(catalog_t *c, const char *key, char *buf, size_t bufsz);

/* Print the last n runs and unit totals (for `status`). */
int catalog_print_status(catalog_t *c, int n);

#endif
