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
/* Record why run_id failed (one line; `status` prints it under the run as
 * "  reason: ..."). Kept in the run_errors table; 0 or -1. */
int catalog_run_set_error(catalog_t *c, const char *run_id, const char *error);

/* 1 when (date, source, tenant) is recorded complete (or the tenant is
 * offboarded: runs skip it), 0 when not, -1 on error. */
int catalog_unit_complete(catalog_t *c, const char *date, const char *source, const char *tenant);
/* The tenants of (date, source) recorded complete, as a malloc'd
 * NULL-terminated array of malloc'd strings (*n of them). Caller frees each
 * and the array. Returns 0 or -1. */
int catalog_complete_tenants(catalog_t *c, const char *date, const char *source, char ***out,
                             int *n);
int catalog_unit_set(catalog_t *c, const char *date, const char *source, const char *tenant,
                     const char *status, int volumes, int files, int64_t bytes_in,
                     const char *run_id);
/* What volume `volume` of a unit read (index_file_list), kept to notice
 * late files; replaces an earlier list of that volume. 0 or -1. */
int catalog_unit_files_add(catalog_t *c, const char *date, const char *source, const char *tenant,
                           int volume, const char *list);
/* fn(ctx, {volume, list}) per volume with a list, by volume. 0 or -1. */
int catalog_unit_files(catalog_t *c, const char *date, const char *source, const char *tenant,
                       int (*fn)(void *ctx, const char *const *cols), void *ctx);
/* fn(ctx, {volumes, files, bytes_in}) when the unit is complete. 0 or -1. */
int catalog_unit_counts(catalog_t *c, const char *date, const char *source, const char *tenant,
                        int (*fn)(void *ctx, const char *const *cols), void *ctx);
/* Forget the objects and file lists of volumes >= first of a unit (a late
 * attempt that failed); the unit stays as it was. 0 or -1. */
int catalog_unit_forget_from(catalog_t *c, const char *date, const char *source, const char *tenant,
                             int first);
/* fn(ctx, {date}) for each date in [from, to] with a complete unit, oldest
 * first. 0 or -1. */
int catalog_complete_dates(catalog_t *c, const char *from, const char *to,
                           int (*fn)(void *ctx, const char *const *cols), void *ctx);
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

/* Restore jobs: one per restore that requested thaws, keyed by its
 * arguments (tenant, range, source, --path, target) while pending. Strings
 * are borrowed; in catalog_restore_jobs' callback they live for the call,
 * which runs with the catalog's lock held (no calls back into it). Times are
 * Unix seconds; eta is when the slowest thaw should be done; finished 0
 * while pending. state: "pending", "done", "partial" or "failed". */
typedef struct catalog_restore_job {
    int64_t id;
    const char *tenant, *from, *to, *source, *glob, *target, *tier, *state;
    int64_t requested, eta, finished;
    int objects, ready;
} catalog_restore_job_t;
/* The id of the newest pending job with k's arguments, 0 when none, -1. */
int64_t catalog_restore_job_find(catalog_t *c, const catalog_restore_job_t *k);
/* Record a new job (state "pending" when k->state is NULL); its id or -1. */
int64_t catalog_restore_job_add(catalog_t *c, const catalog_restore_job_t *k);
/* Set a job's object counts and state (finished time unless "pending"). 0 or -1. */
int catalog_restore_job_update(catalog_t *c, int64_t id, int objects, int ready, const char *state);
/* fn(ctx, job) per job, oldest first; fn < 0 stops. 0 or -1. */
int catalog_restore_jobs(catalog_t *c, int (*fn)(void *ctx, const catalog_restore_job_t *j),
                         void *ctx);
/* ---- explicit expiry (prune, tenant offboard) ----
 * A unit whose objects were deleted by an expiry has status "expired" (all
 * gone) or "expiring" (some deletes refused, e.g. Object Lock: prune
 * retries); each deleted object moves from objects to the expired table. */

/* Move object key to the expired table (reason "retention" or "offboard",
 * the pruning run, the day it was deleted). known: the object's row when
 * the objects table may not have it (sync from tombstones), else NULL.
 * 0 or -1. */
int catalog_object_expire(catalog_t *c, const char *key, const char *reason, const char *run_id,
                          const char *on, const catalog_object_t *known);
/* Set a unit's status (no-op when the unit is not recorded). 0 or -1. */
int catalog_unit_set_status(catalog_t *c, const char *date, const char *source, const char *tenant,
                            const char *status);
/* fn(ctx, {date, source, tenant, expired_on, run_id, reason, objects}) per
 * expired unit in scope (NULL = open), by date. 0 or -1. */
int catalog_expired(catalog_t *c, const char *tenant, const char *from, const char *to,
                    int (*fn)(void *ctx, const char *const *cols), void *ctx);
/* Record tenant as offboarded (kept if already). 0 or -1. */
int catalog_offboard_set(catalog_t *c, const char *tenant, const char *since, const char *run_id);
/* fn(ctx, {tenant, since, run_id}) per offboarded tenant. 0 or -1. */
int catalog_offboarded(catalog_t *c, int (*fn)(void *ctx, const char *const *cols), void *ctx);

/* Print the last n runs and unit totals (for `status`). */
int catalog_print_status(catalog_t *c, int n);

/* ---- read-only queries for status, ls --json, estimate and report ----
 * Callbacks of the functions below run with the catalog's lock held: they
 * must not call back into the catalog. Strings they get live only for the
 * call. Any thread; calls are serialised like the rest. */

/* A run with its totals (volumes and bytes of the objects it wrote, units
 * of its date recorded complete). started/finished are Unix seconds,
 * finished 0 while running (or when it died). */
typedef struct catalog_run_row {
    const char *run_id, *date, *status; /* status: running|ok|warnings|partial|failed */
    int64_t started, finished;
    int volumes, units;
    int64_t bytes;
    const char *manifest_key; /* NULL when none yet */
} catalog_run_row_t;

/* Runs with from <= date <= until (NULL = open), newest first (by run id),
 * at most limit (<= 0: all). fn returning non-zero stops early. 0 or -1. */
int catalog_runs(catalog_t *c, const char *from, const char *until, int limit,
                 int (*fn)(void *ctx, const catalog_run_row_t *r), void *ctx);

/* Whole-catalog (or from..until) totals: what estimate and report start from. */
typedef struct catalog_totals {
    int64_t days;        /* distinct dates with a complete unit */
    int64_t units;       /* complete units */
    int64_t tenants;     /* distinct tenants with data */
    int64_t tenant_days; /* distinct (tenant, date) with data */
    int64_t bytes_in;    /* bytes read, summed over complete units */
    int64_t data_objects, data_bytes;
    int64_t index_objects, index_bytes;
    int64_t manifests;                              /* runs with a manifest */
    int64_t tenant_data_objects, tenant_data_bytes; /* of tenant (when asked), else 0 */
    int64_t tenant_tenant_days;
} catalog_totals_t;

/* Fill *t for from <= date <= until (NULL = open); tenant (NULL = none)
 * fills the tenant_* members for that tenant. Returns 0 or -1. */
int catalog_totals(catalog_t *c, const char *from, const char *until, const char *tenant,
                   catalog_totals_t *t);

/* One night: the units and objects of date, and the runs that worked on it. */
typedef struct catalog_day {
    const char *date;
    int64_t bytes_in, stored; /* stored: data objects' bytes */
    int units, volumes;
    int runs, runs_failed, runs_warned; /* warned: warnings or partial */
    int64_t duration;                   /* seconds, summed over finished runs */
    const char *last_status;            /* of the newest run of the date, NULL = none */
} catalog_day_t;

/* Each date with a run or a unit in from..until, oldest first. 0 or -1. */
int catalog_days(catalog_t *c, const char *from, const char *until,
                 int (*fn)(void *ctx, const catalog_day_t *d), void *ctx);

/* Totals per tenant or per source over from..until. */
typedef struct catalog_group {
    const char *name;
    int64_t bytes_in, stored;
    int units, volumes;
} catalog_group_t;

enum catalog_group_by { CATALOG_BY_TENANT = 0, CATALOG_BY_SOURCE = 1 };

/* Call fn for each tenant (or source), largest stored first. 0 or -1. */
int catalog_groups(catalog_t *c, int by, const char *from, const char *until,
                   int (*fn)(void *ctx, const catalog_group_t *g), void *ctx);

/* The date of the oldest run ("" when none) into out[11]. 0 or -1. */
int catalog_first_date(catalog_t *c, char out[11]);

#endif
