/*
 * catalog_restore.c — the catalog's restore bookkeeping: one row per object
 * whose thaw was requested (restore_requests) and one per restore job
 * (restore_jobs), so a restore of cold objects can be resumed and reported.
 * Split from catalog.c along the table seam; same locking (c->mu around each
 * statement) and the same helpers (catalog_int.h).
 */
#include "catalog.h"
#include "catalog_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

int catalog_restore_record(catalog_t *c, const char *key, const char *tier, int days,
                           const char *status)
{
    char d[16], now[32];
    const char *v[5] = {key, tier, d, now, status};

    snprintf(d, sizeof d, "%d", days);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    return catalog_exec(c,
                        "INSERT INTO restore_requests (key, tier, days, requested, status)"
                        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(key) DO UPDATE SET"
                        " status = ?5, tier = ?2, days = ?3,"
                        " requested = CASE WHEN ?5 = 'requested' THEN ?4 ELSE requested END",
                        5, v);
}

int catalog_restore_status(catalog_t *c, const char *key, char *buf, size_t bufsz)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    buf[0] = 0;
    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, "SELECT status FROM restore_requests WHERE key = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        catalog_fail(c, "restore lookup");
        goto out;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, bufsz, "%s", (const char *)sqlite3_column_text(st, 0));
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* ---- restore jobs ---- */

#define RJOB_COLS                                                                                  \
    "id, tenant, from_date, to_date, source, glob, target, tier, requested, eta, objects,"         \
    " ready, state, finished"

/* With c->mu held: sql prepared, vals[0..n-1] bound as text (NULL as NULL).
 * NULL after logging what failed. */
static sqlite3_stmt *prep_texts(catalog_t *c, const char *sql, const char *what, int n,
                                const char *const *vals)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        catalog_fail(c, what);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_TRANSIENT);
    return st;
}

int64_t catalog_restore_job_find(catalog_t *c, const catalog_restore_job_t *k)
{
    sqlite3_stmt *st;
    int64_t id = -1;
    const char *v[6] = {k->tenant, k->from, k->to, k->source, k->glob, k->target};

    pthread_mutex_lock(&c->mu);
    st = prep_texts(c,
                    "SELECT id FROM restore_jobs WHERE state = 'pending' AND tenant = ?1"
                    " AND from_date = ?2 AND to_date = ?3 AND source IS ?4 AND glob IS ?5"
                    " AND target = ?6 ORDER BY id DESC LIMIT 1",
                    "restore job lookup", 6, v);
    switch (st ? sqlite3_step(st) : SQLITE_ERROR) {
    case SQLITE_ROW:
        id = sqlite3_column_int64(st, 0);
        break;
    case SQLITE_DONE:
        id = 0;
        break;
    default:
        if (st)
            catalog_fail(c, "restore job lookup");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return id;
}

int64_t catalog_restore_job_add(catalog_t *c, const catalog_restore_job_t *k)
{
    sqlite3_stmt *st;
    int64_t id = -1;
    const char *v[8] = {k->tenant, k->from,   k->to,   k->source,
                        k->glob,   k->target, k->tier, k->state ? k->state : "pending"};

    pthread_mutex_lock(&c->mu);
    st = prep_texts(c,
                    "INSERT INTO restore_jobs (tenant, from_date, to_date, source, glob,"
                    " target, tier, state, requested, eta, objects, ready)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    "restore job insert", 8, v);
    if (st) {
        sqlite3_bind_int64(st, 9, k->requested);
        sqlite3_bind_int64(st, 10, k->eta);
        sqlite3_bind_int(st, 11, k->objects);
        sqlite3_bind_int(st, 12, k->ready);
        if (sqlite3_step(st) != SQLITE_DONE)
            catalog_fail(c, "restore job insert");
        else
            id = sqlite3_last_insert_rowid(c->db);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return id;
}

int catalog_restore_job_update(catalog_t *c, int64_t id, int objects, int ready, const char *state)
{
    char sid[32], so[16], sr[16], now[32];
    const char *v[5] = {sid, so, sr, state, now};

    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(so, sizeof so, "%d", objects);
    snprintf(sr, sizeof sr, "%d", ready);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    return catalog_exec(c,
                        "UPDATE restore_jobs SET objects = CAST(?2 AS INTEGER),"
                        " ready = CAST(?3 AS INTEGER), state = ?4,"
                        " finished = CASE WHEN ?4 = 'pending' THEN NULL"
                        " ELSE CAST(?5 AS INTEGER) END WHERE id = CAST(?1 AS INTEGER)",
                        5, v);
}

int catalog_restore_jobs(catalog_t *c, int (*fn)(void *ctx, const catalog_restore_job_t *j),
                         void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, "SELECT " RJOB_COLS " FROM restore_jobs ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK) {
        catalog_fail(c, "restore jobs");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        catalog_restore_job_t j = {
            .id = sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .from = (const char *)sqlite3_column_text(st, 2),
            .to = (const char *)sqlite3_column_text(st, 3),
            .source = (const char *)sqlite3_column_text(st, 4),
            .glob = (const char *)sqlite3_column_text(st, 5),
            .target = (const char *)sqlite3_column_text(st, 6),
            .tier = (const char *)sqlite3_column_text(st, 7),
            .requested = sqlite3_column_int64(st, 8),
            .eta = sqlite3_column_int64(st, 9),
            .objects = sqlite3_column_int(st, 10),
            .ready = sqlite3_column_int(st, 11),
            .state = (const char *)sqlite3_column_text(st, 12),
            .finished = sqlite3_column_int64(st, 13),
        };
        if (fn(ctx, &j) < 0)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        catalog_fail(c, "restore jobs");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}
