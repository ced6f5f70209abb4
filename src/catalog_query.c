/*
 * catalog_query.c — the catalog's read-only queries, for status (its table
 * and --json), ls --json, estimate and report: each prepares one SELECT
 * under the catalog's lock, hands every row to the caller's callback (or
 * prints it), and finalizes. Nothing here writes; the schema and the writes
 * are catalog.c's.
 */
#include "catalog.h"
#include "catalog_int.h"

#include "array.h"
#include "log.h"
#include "util.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int catalog_print_status(catalog_t *c, int n)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(
            c->db,
            "SELECT r.run_id, r.date, r.status, datetime(r.started, 'unixepoch'),"
            " coalesce(datetime(r.finished, 'unixepoch'), '-'),"
            " (SELECT count(*) FROM objects o WHERE o.run_id = r.run_id AND o.kind = 'data'),"
            " (SELECT coalesce(sum(size), 0) FROM objects o WHERE o.run_id = r.run_id),"
            " (SELECT count(*) FROM units u WHERE u.date = r.date AND u.status = 'complete'),"
            " (SELECT e.error FROM run_errors e WHERE e.run_id = r.run_id)"
            " FROM runs r ORDER BY r.run_id DESC LIMIT ?",
            -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, "status");
        goto out;
    }
    sqlite3_bind_int(st, 1, n);
    printf("%-28s %-10s %-9s %-19s %-19s %8s %12s %6s\n", "RUN", "DATE", "STATUS", "STARTED (UTC)",
           "ENDED (UTC)", "VOLUMES", "BYTES", "UNITS");
    while (sqlite3_step(st) == SQLITE_ROW) {
        char sz[32];
        printf("%-28s %-10s %-9s %-19s %-19s %8d %12s %6d\n", sqlite3_column_text(st, 0),
               sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
               sqlite3_column_text(st, 4), sqlite3_column_int(st, 5),
               util_fmt_size(sqlite3_column_int64(st, 6), sz, sizeof sz),
               sqlite3_column_int(st, 7));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            printf("  reason: %s\n", sqlite3_column_text(st, 8));
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* ---- read-only queries (status, ls --json, estimate, report) ---- */

/* Prepare sql with text binds (NULL -> SQL NULL) under the lock; on success
 * the caller steps *st and calls read_end(). */
static int read_begin(catalog_t *c, const char *sql, int n, const char *const *vals,
                      sqlite3_stmt **st, const char *what)
{
    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK) {
        catalog_fail(c, what);
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(*st, i + 1, vals[i], -1, SQLITE_TRANSIENT);
    return 0;
}

/* Finish a read_begin() whose last sqlite3_step returned step. */
static int read_end(catalog_t *c, sqlite3_stmt *st, int step, const char *what)
{
    int rc = (step == SQLITE_DONE || step == SQLITE_ROW) ? 0 : catalog_fail(c, what);

    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int catalog_runs(catalog_t *c, const char *from, const char *until, int limit,
                 int (*fn)(void *ctx, const catalog_run_row_t *r), void *ctx)
{
    char lim[16];
    const char *v[3] = {from, until, lim};
    sqlite3_stmt *st = NULL;
    int step;

    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : -1);
    if (read_begin(c,
                   "SELECT r.run_id, r.date, r.status, r.started, coalesce(r.finished, 0),"
                   " (SELECT count(*) FROM objects o WHERE o.run_id = r.run_id AND"
                   "  o.kind = 'data'),"
                   " (SELECT coalesce(sum(size), 0) FROM objects o WHERE o.run_id = r.run_id),"
                   " (SELECT count(*) FROM units u WHERE u.date = r.date AND"
                   "  u.status = 'complete'), r.manifest_key"
                   " FROM runs r WHERE (?1 IS NULL OR r.date >= ?1) AND (?2 IS NULL OR"
                   " r.date <= ?2) ORDER BY r.run_id DESC LIMIT CAST(?3 AS INTEGER)",
                   3, v, &st, "runs") < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        catalog_run_row_t r = {col_text(st, 0),
                               col_text(st, 1),
                               col_text(st, 2),
                               sqlite3_column_int64(st, 3),
                               sqlite3_column_int64(st, 4),
                               sqlite3_column_int(st, 5),
                               sqlite3_column_int(st, 7),
                               sqlite3_column_int64(st, 6),
                               col_text(st, 8)};
        if (fn(ctx, &r) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    return read_end(c, st, step, "runs");
}

int catalog_totals(catalog_t *c, const char *from, const char *until, const char *tenant,
                   catalog_totals_t *t)
{
    const char *v[3] = {from, until, tenant};
    sqlite3_stmt *st = NULL;
    int step;

    memset(t, 0, sizeof *t);
    if (read_begin(
            c,
            "WITH u AS (SELECT * FROM units WHERE status = 'complete' AND"
            "  (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)),"
            " o AS (SELECT * FROM objects WHERE (?1 IS NULL OR date >= ?1) AND"
            "  (?2 IS NULL OR date <= ?2))"
            " SELECT (SELECT count(DISTINCT date) FROM u), (SELECT count(*) FROM u),"
            " (SELECT count(DISTINCT tenant) FROM o WHERE kind = 'data'),"
            " (SELECT count(*) FROM (SELECT DISTINCT tenant, date FROM o WHERE kind = 'data')),"
            " (SELECT coalesce(sum(bytes_in), 0) FROM u),"
            " (SELECT count(*) FROM o WHERE kind = 'data'),"
            " (SELECT coalesce(sum(size), 0) FROM o WHERE kind = 'data'),"
            " (SELECT count(*) FROM o WHERE kind = 'index'),"
            " (SELECT coalesce(sum(size), 0) FROM o WHERE kind = 'index'),"
            " (SELECT count(*) FROM runs WHERE manifest_key IS NOT NULL AND"
            "  (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2)),"
            " (SELECT count(*) FROM o WHERE kind = 'data' AND tenant = ?3),"
            " (SELECT coalesce(sum(size), 0) FROM o WHERE kind = 'data' AND tenant = ?3),"
            " (SELECT count(DISTINCT date) FROM o WHERE kind = 'data' AND tenant = ?3)",
            3, v, &st, "totals") < 0)
        return -1;
    if ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *f[] = {&t->days,
                        &t->units,
                        &t->tenants,
                        &t->tenant_days,
                        &t->bytes_in,
                        &t->data_objects,
                        &t->data_bytes,
                        &t->index_objects,
                        &t->index_bytes,
                        &t->manifests,
                        &t->tenant_data_objects,
                        &t->tenant_data_bytes,
                        &t->tenant_tenant_days};
        for (int i = 0; i < (int)(sizeof f / sizeof f[0]); i++)
            *f[i] = sqlite3_column_int64(st, i);
    }
    return read_end(c, st, step, "totals");
}

int catalog_days(catalog_t *c, const char *from, const char *until,
                 int (*fn)(void *ctx, const catalog_day_t *d), void *ctx)
{
    const char *v[2] = {from, until};
    sqlite3_stmt *st = NULL;
    int step;

    if (read_begin(
            c,
            "WITH d AS (SELECT date FROM runs UNION SELECT date FROM units)"
            " SELECT d.date,"
            " (SELECT coalesce(sum(bytes_in), 0) FROM units u WHERE u.date = d.date AND"
            "  u.status = 'complete'),"
            " (SELECT coalesce(sum(size), 0) FROM objects o WHERE o.date = d.date AND"
            "  o.kind = 'data'),"
            " (SELECT count(*) FROM units u WHERE u.date = d.date AND u.status = 'complete'),"
            " (SELECT count(*) FROM objects o WHERE o.date = d.date AND o.kind = 'data'),"
            " (SELECT count(*) FROM runs r WHERE r.date = d.date),"
            " (SELECT count(*) FROM runs r WHERE r.date = d.date AND r.status = 'failed'),"
            " (SELECT count(*) FROM runs r WHERE r.date = d.date AND"
            "  r.status IN ('warnings', 'partial')),"
            " (SELECT coalesce(sum(r.finished - r.started), 0) FROM runs r WHERE"
            "  r.date = d.date AND r.finished IS NOT NULL),"
            " (SELECT r.status FROM runs r WHERE r.date = d.date ORDER BY r.run_id DESC"
            "  LIMIT 1)"
            " FROM d WHERE d.date IS NOT NULL AND (?1 IS NULL OR d.date >= ?1) AND"
            " (?2 IS NULL OR d.date <= ?2) ORDER BY d.date",
            2, v, &st, "days") < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        catalog_day_t d = {col_text(st, 0),
                           sqlite3_column_int64(st, 1),
                           sqlite3_column_int64(st, 2),
                           sqlite3_column_int(st, 3),
                           sqlite3_column_int(st, 4),
                           sqlite3_column_int(st, 5),
                           sqlite3_column_int(st, 6),
                           sqlite3_column_int(st, 7),
                           sqlite3_column_int64(st, 8),
                           col_text(st, 9)};
        if (fn(ctx, &d) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    return read_end(c, st, step, "days");
}

int catalog_groups(catalog_t *c, int by, const char *from, const char *until,
                   int (*fn)(void *ctx, const catalog_group_t *g), void *ctx)
{
    /* Two fixed statements: the column is never built from input. */
    static const char *const sql[2] = {
        "SELECT u.tenant, sum(u.bytes_in), (SELECT coalesce(sum(size), 0) FROM objects o"
        "  WHERE o.kind = 'data' AND o.tenant = u.tenant AND (?1 IS NULL OR o.date >= ?1)"
        "  AND (?2 IS NULL OR o.date <= ?2)) AS stored, count(*), sum(u.volumes)"
        " FROM units u WHERE u.status = 'complete' AND (?1 IS NULL OR u.date >= ?1) AND"
        " (?2 IS NULL OR u.date <= ?2) GROUP BY u.tenant ORDER BY stored DESC, u.tenant",
        "SELECT u.source, sum(u.bytes_in), (SELECT coalesce(sum(size), 0) FROM objects o"
        "  WHERE o.kind = 'data' AND o.source = u.source AND (?1 IS NULL OR o.date >= ?1)"
        "  AND (?2 IS NULL OR o.date <= ?2)) AS stored, count(*), sum(u.volumes)"
        " FROM units u WHERE u.status = 'complete' AND (?1 IS NULL OR u.date >= ?1) AND"
        " (?2 IS NULL OR u.date <= ?2) GROUP BY u.source ORDER BY stored DESC, u.source"};
    const char *v[2] = {from, until};
    sqlite3_stmt *st = NULL;
    int step;

    if (read_begin(c, sql[by == CATALOG_BY_SOURCE], 2, v, &st, "groups") < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        catalog_group_t g = {col_text(st, 0), sqlite3_column_int64(st, 1),
                             sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3),
                             sqlite3_column_int(st, 4)};
        if (fn(ctx, &g) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    return read_end(c, st, step, "groups");
}

int catalog_first_date(catalog_t *c, char out[11])
{
    sqlite3_stmt *st = NULL;
    int step;

    out[0] = 0;
    if (read_begin(c, "SELECT min(date) FROM runs", 0, NULL, &st, "first date") < 0)
        return -1;
    if ((step = sqlite3_step(st)) == SQLITE_ROW && col_text(st, 0))
        snprintf(out, 11, "%s", col_text(st, 0));
    return read_end(c, st, step, "first date");
}
