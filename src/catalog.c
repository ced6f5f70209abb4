/*
 * catalog.c — SQLite with WAL and a busy timeout, prepared statements per
 * call (the catalog is far from the hot path: a few rows per volume).
 * Schema version lives in PRAGMA user_version. A new catalog file (and so
 * its -wal/-shm/-journal) is created owner-only. The read-only queries of
 * status, ls --json, estimate and report are in catalog_query.c; restore
 * requests and jobs in catalog_restore.c; the late-files lists in
 * catalog_files.c; explicit expiry (prune, offboard) in catalog_expiry.c.
 */
#include "catalog.h"
#include "catalog_int.h"

#include "array.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS runs ("
    " run_id TEXT PRIMARY KEY, date TEXT NOT NULL, started INTEGER NOT NULL,"
    " finished INTEGER, status TEXT NOT NULL, manifest_key TEXT, manifest_sha256 TEXT);"
    "CREATE TABLE IF NOT EXISTS units ("
    " date TEXT NOT NULL, source TEXT NOT NULL, tenant TEXT NOT NULL, status TEXT NOT NULL,"
    " volumes INTEGER, files INTEGER, bytes_in INTEGER, run_id TEXT,"
    " PRIMARY KEY (date, source, tenant));"
    "CREATE TABLE IF NOT EXISTS objects ("
    " key TEXT PRIMARY KEY, kind TEXT NOT NULL, date TEXT, source TEXT, tenant TEXT,"
    " volume INTEGER, size INTEGER NOT NULL, sha256 TEXT NOT NULL, storage_class TEXT,"
    " run_id TEXT);"
    "CREATE INDEX IF NOT EXISTS objects_by_tenant ON objects (tenant, date, source, volume);"
    "CREATE INDEX IF NOT EXISTS objects_by_run ON objects (run_id);"
    "CREATE TABLE IF NOT EXISTS restore_requests ("
    " key TEXT PRIMARY KEY, tier TEXT, days INTEGER, requested INTEGER NOT NULL,"
    " status TEXT NOT NULL);"
    /* why a run failed (catalog_run_set_error); a table of its own so older
     * catalogs gain it without altering runs */
    "CREATE TABLE IF NOT EXISTS run_errors (run_id TEXT PRIMARY KEY, error TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS restore_jobs ("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, from_date TEXT NOT NULL,"
    " to_date TEXT NOT NULL, source TEXT, glob TEXT, target TEXT NOT NULL, tier TEXT,"
    " requested INTEGER NOT NULL, eta INTEGER, objects INTEGER NOT NULL,"
    " ready INTEGER NOT NULL, state TEXT NOT NULL, finished INTEGER);"
    "CREATE TABLE IF NOT EXISTS unit_files ("
    " date TEXT NOT NULL, source TEXT NOT NULL, tenant TEXT NOT NULL, volume INTEGER NOT NULL,"
    " list TEXT NOT NULL, PRIMARY KEY (date, source, tenant, volume));"
    /* objects deleted by an explicit expiry (prune, offboard), from the
     * tombstones of the manifest chain */
    "CREATE TABLE IF NOT EXISTS expired ("
    " key TEXT PRIMARY KEY, date TEXT, source TEXT, tenant TEXT, size INTEGER, sha256 TEXT,"
    " reason TEXT NOT NULL, run_id TEXT, expired_on TEXT);"
    "CREATE INDEX IF NOT EXISTS expired_by_tenant ON expired (tenant, date);"
    "CREATE TABLE IF NOT EXISTS offboarded ("
    " tenant TEXT PRIMARY KEY, since TEXT, run_id TEXT);"
    "PRAGMA user_version = 1;";

int catalog_fail(catalog_t *c, const char *what)
{
    log_error("catalog %s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
    return -1;
}

/* What an open database is: 1 a coldpack catalog (ours by application_id,
 * or a catalog made before it was set: user_version 1 with our tables), 0 an
 * empty database, -2 something else, -1 on error. */
static int db_identity(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int appid = -1, uv = -1, ntables = -1, ours = -1;

    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT application_id FROM pragma_application_id),"
                           " (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_master),"
                           " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                           "  name IN ('runs', 'units', 'objects'))",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        appid = sqlite3_column_int(st, 0);
        uv = sqlite3_column_int(st, 1);
        ntables = sqlite3_column_int(st, 2);
        ours = sqlite3_column_int(st, 3);
    }
    sqlite3_finalize(st);
    if (ntables < 0)
        return sqlite3_errcode(db) == SQLITE_NOTADB ? -2 : -1;
    if (appid == CATALOG_APPLICATION_ID)
        return 1;
    if (appid == 0 && ntables == 0 && uv == 0)
        return 0;
    return appid == 0 && uv == 1 && ours == 3 ? 1 : -2;
}

/* Check the database is a coldpack catalog (or empty), then create or
 * complete the schema and stamp it as ours. */
static int init_schema(catalog_t *c)
{
    char sql[64];
    int id = db_identity(c->db);

    if (id == -2) {
        log_error("catalog %s: not a coldpack catalog (another SQLite database or file); "
                  "refusing to use it",
                  c->path);
        return -1;
    }
    if (id < 0)
        return catalog_fail(c, "cannot read the database");
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d;", CATALOG_APPLICATION_ID);
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return catalog_fail(c, "cannot create the schema");
    return 0;
}

int catalog_identify(const char *path)
{
    sqlite3 *db = NULL;
    int id;

    if (access(path, F_OK) != 0)
        return CATALOG_ID_ABSENT;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        log_error("catalog %s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return CATALOG_ID_ERROR;
    }
    sqlite3_busy_timeout(db, 30000);
    id = db_identity(db);
    sqlite3_close(db);
    if (id == -2) {
        log_error("catalog %s: not a coldpack catalog (another SQLite database or file); "
                  "refusing to use it",
                  path);
        return CATALOG_ID_FOREIGN;
    }
    return id < 0 ? CATALOG_ID_ERROR : id == 0 ? CATALOG_ID_EMPTY : CATALOG_ID_COLDPACK;
}

catalog_t *catalog_open(const char *path)
{
    catalog_t *c = calloc(1, sizeof *c);
    char *dir = NULL, *slash;
    int fd;

    if (!c)
        return NULL;
    c->path = strdup(path);
    pthread_mutex_init(&c->mu, NULL);
    dir = strdup(path);
    if (dir && (slash = strrchr(dir, '/')) && slash != dir) {
        *slash = 0;
        util_mkdirs(dir, UTIL_DIR_MODE);
    }
    free(dir);
    /* A new catalog is created here owner-only; SQLite gives its -wal, -shm
     * and -journal files the database file's mode. An existing one keeps its
     * mode (docs/security.md). */
    fd = util_open_private(path, O_RDONLY);
    if (fd >= 0)
        close(fd);
    if (sqlite3_open_v2(path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        log_error("catalog %s: cannot open: %s", path,
                  c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 30000);
    if (init_schema(c) < 0)
        goto fail;
    return c;
fail:
    catalog_free(c);
    return NULL;
}

void catalog_free(catalog_t *c)
{
    if (!c)
        return;
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    free(c->path);
    free(c);
}

/* Run sql with text parameters (NULL -> SQL NULL); "%i" style not needed. */
int catalog_exec(catalog_t *c, const char *sql, int n, const char *const *vals)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, sql);
        goto out;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) {
        catalog_fail(c, sql);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int catalog_begin(catalog_t *c)
{
    return catalog_exec(c, "BEGIN IMMEDIATE", 0, NULL);
}

int catalog_commit(catalog_t *c)
{
    return catalog_exec(c, "COMMIT", 0, NULL);
}

int catalog_clear(catalog_t *c)
{
    pthread_mutex_lock(&c->mu);
    int rc = sqlite3_exec(
                 c->db,
                 "DELETE FROM runs; DELETE FROM units; DELETE FROM objects;"
                 "DELETE FROM restore_requests; DELETE FROM run_errors; DELETE FROM unit_files;",
                 NULL, NULL, NULL) == SQLITE_OK
                 ? 0
                 : catalog_fail(c, "clear");
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int catalog_run_begin(catalog_t *c, const char *run_id, const char *date)
{
    char now[32];
    const char *v[3] = {run_id, date, now};

    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    return catalog_exec(c,
                        "INSERT OR REPLACE INTO runs (run_id, date, started, status)"
                        " VALUES (?, ?, ?, 'running')",
                        3, v);
}

int catalog_run_end(catalog_t *c, const char *run_id, const char *status, const char *manifest_key,
                    const char *manifest_sha256)
{
    char now[32];
    const char *v[5] = {now, status, manifest_key, manifest_sha256, run_id};

    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    return catalog_exec(c,
                        "UPDATE runs SET finished = ?, status = ?, manifest_key = ?,"
                        " manifest_sha256 = ? WHERE run_id = ?",
                        5, v);
}

int catalog_run_set_error(catalog_t *c, const char *run_id, const char *error)
{
    const char *v[2] = {run_id, error};

    return catalog_exec(c, "INSERT OR REPLACE INTO run_errors (run_id, error) VALUES (?, ?)", 2, v);
}

int catalog_unit_complete(catalog_t *c, const char *date, const char *source, const char *tenant)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db,
                           /* an offboarded tenant's units count as done: runs skip them */
                           "SELECT CASE WHEN EXISTS (SELECT 1 FROM offboarded WHERE tenant = ?3)"
                           " THEN 'complete' ELSE (SELECT status FROM units WHERE date = ?1 AND"
                           " source = ?2 AND tenant = ?3) END",
                           -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, "unit lookup");
        goto out;
    }
    sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, tenant, -1, SQLITE_TRANSIENT);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        rc = sqlite3_column_text(st, 0) &&
             !strcmp((const char *)sqlite3_column_text(st, 0), "complete");
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        catalog_fail(c, "unit lookup");
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int catalog_unit_set(catalog_t *c, const char *date, const char *source, const char *tenant,
                     const char *status, int volumes, int files, int64_t bytes_in,
                     const char *run_id)
{
    char sv[16], sf[16], sb[32];
    const char *v[8] = {date, source, tenant, status, sv, sf, sb, run_id};

    snprintf(sv, sizeof sv, "%d", volumes);
    snprintf(sf, sizeof sf, "%d", files);
    snprintf(sb, sizeof sb, "%lld", (long long)bytes_in);
    return catalog_exec(
        c,
        "INSERT OR REPLACE INTO units (date, source, tenant, status, volumes, files,"
        " bytes_in, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        8, v);
}

int catalog_unit_forget(catalog_t *c, const char *date, const char *source, const char *tenant)
{
    const char *v[3] = {date, source, tenant};

    if (catalog_exec(c, "DELETE FROM objects WHERE date = ? AND source = ? AND tenant = ?", 3, v) <
            0 ||
        catalog_exec(c, "DELETE FROM unit_files WHERE date = ? AND source = ? AND tenant = ?", 3,
                     v) < 0)
        return -1;
    return catalog_exec(c, "DELETE FROM units WHERE date = ? AND source = ? AND tenant = ?", 3, v);
}

int catalog_object_add(catalog_t *c, const catalog_object_t *o)
{
    char vol[16], size[32];
    const char *v[10] = {o->key, o->kind, o->date,   o->source,        o->tenant,
                         vol,    size,    o->sha256, o->storage_class, o->run_id};

    snprintf(vol, sizeof vol, "%d", o->volume);
    snprintf(size, sizeof size, "%lld", (long long)o->size);
    return catalog_exec(c,
                        "INSERT OR REPLACE INTO objects (key, kind, date, source, tenant, volume,"
                        " size, sha256, storage_class, run_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        10, v);
}

/* Run a query whose rows are n text columns; collect first, then call fn so
 * it may call back into the catalog. */
int catalog_rows(catalog_t *c, const char *sql, int nb, const char *const *binds, int ncol,
                 int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    sqlite3_stmt *st = NULL;
    char **cells = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, step;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, "query");
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    for (int i = 0; i < nb; i++)
        sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_TRANSIENT);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (ARRAY_GROW(cells, n + (size_t)ncol, cap) < 0)
            break;
        for (int i = 0; i < ncol; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            cells[n++] = t ? strdup((const char *)t) : NULL;
        }
    }
    if (step == SQLITE_DONE)
        rc = 0;
    else
        catalog_fail(c, "query");
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i + (size_t)ncol <= n; i += (size_t)ncol)
        if (rc == 0 && fn(ctx, (const char *const *)&cells[i]) != 0)
            rc = 1;
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
    return rc < 0 ? -1 : 0;
}

struct object_rows {
    catalog_object_fn fn;
    void *ctx;
};

/* One row of OBJ_COLS as a catalog_object_t. */
static int object_row(void *ctx, const char *const *col)
{
    struct object_rows * or = ctx;
    catalog_object_t o = {col[0],
                          col[1],
                          col[2],
                          col[3],
                          col[4],
                          col[5] ? atoi(col[5]) : 0,
                          col[6] ? strtoll(col[6], NULL, 10) : 0,
                          col[7],
                          col[8],
                          col[9]};

    return or->fn(or->ctx, &o);
}

static int query_objects(catalog_t *c, const char *sql, int n, const char *const *vals,
                         catalog_object_fn fn, void *ctx)
{
    struct object_rows or = {fn, ctx};

    return catalog_rows(c, sql, n, vals, 10, object_row, & or);
}

#define OBJ_COLS "key, kind, date, source, tenant, volume, size, sha256, storage_class, run_id"

int catalog_objects(catalog_t *c, const char *kind, const char *tenant, const char *from,
                    const char *to, const char *source, catalog_object_fn fn, void *ctx)
{
    const char *v[5] = {kind, tenant, from, to, source};

    return query_objects(c,
                         "SELECT " OBJ_COLS " FROM objects WHERE"
                         " (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR tenant = ?2)"
                         " AND (?3 IS NULL OR date >= ?3) AND (?4 IS NULL OR date <= ?4)"
                         " AND (?5 IS NULL OR source = ?5) AND kind != 'manifest'"
                         " ORDER BY date, source, tenant, volume, kind",
                         5, v, fn, ctx);
}

int catalog_objects_of_run(catalog_t *c, const char *run_id, catalog_object_fn fn, void *ctx)
{
    const char *v[1] = {run_id};

    return query_objects(c,
                         "SELECT " OBJ_COLS " FROM objects WHERE run_id = ? AND kind != "
                         "'manifest' ORDER BY key",
                         1, v, fn, ctx);
}

int catalog_runs_without_manifest(catalog_t *c,
                                  int (*fn)(void *ctx, const char *run_id, const char *date),
                                  void *ctx)
{
    sqlite3_stmt *st = NULL;
    char **ids = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, step;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db,
                           "SELECT r.run_id, r.date FROM runs r WHERE r.manifest_key IS NULL AND"
                           " EXISTS (SELECT 1 FROM objects o WHERE o.run_id = r.run_id AND"
                           " o.kind != 'manifest') ORDER BY r.run_id",
                           -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, "runs without manifest");
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (ARRAY_GROW(ids, n + 2, cap) < 0)
            break;
        ids[n++] = strdup((const char *)sqlite3_column_text(st, 0));
        ids[n++] = strdup((const char *)sqlite3_column_text(st, 1));
    }
    if (step == SQLITE_DONE)
        rc = 0;
    else
        catalog_fail(c, "runs without manifest");
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i + 1 < n; i += 2)
        if (rc == 0 && ids[i] && ids[i + 1] && fn(ctx, ids[i], ids[i + 1]) < 0)
            rc = -1;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

int catalog_set_manifest(catalog_t *c, const char *run_id, const char *manifest_key,
                         const char *manifest_sha256)
{
    const char *v[3] = {manifest_key, manifest_sha256, run_id};

    return catalog_exec(c, "UPDATE runs SET manifest_key = ?, manifest_sha256 = ? WHERE run_id = ?",
                        3, v);
}

int catalog_rollback(catalog_t *c)
{
    pthread_mutex_lock(&c->mu);
    int rc = sqlite3_get_autocommit(c->db) ? 0 : sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        catalog_fail(c, "rollback");
    pthread_mutex_unlock(&c->mu);
    return rc == SQLITE_OK ? 0 : -1;
}

int catalog_runs_mark_crashed(catalog_t *c, const char *except_run_id)
{
    const char *v[1] = {except_run_id ? except_run_id : ""};
    int n;

    if (catalog_exec(c,
                     "UPDATE runs SET status = 'crashed' WHERE status = 'running' AND run_id != ?",
                     1, v) < 0)
        return -1;
    pthread_mutex_lock(&c->mu);
    n = sqlite3_changes(c->db);
    pthread_mutex_unlock(&c->mu);
    return n;
}

int catalog_run_record(catalog_t *c, const catalog_run_t *r)
{
    char started[32], finished[32];
    const char *v[7] = {
        r->run_id, r->date,         started,           r->finished > 0 ? finished : NULL,
        r->status, r->manifest_key, r->manifest_sha256};

    snprintf(started, sizeof started, "%lld", (long long)r->started);
    snprintf(finished, sizeof finished, "%lld", (long long)r->finished);
    return catalog_exec(c,
                        "INSERT OR REPLACE INTO runs (run_id, date, started, finished, status,"
                        " manifest_key, manifest_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        7, v);
}

struct run_get {
    int64_t *started, *finished;
    char *status;
    size_t statussz;
    int found;
};

static int run_get_row(void *ctx, const char *const *col)
{
    struct run_get *g = ctx;

    *g->started = col[0] ? strtoll(col[0], NULL, 10) : 0;
    *g->finished = col[1] ? strtoll(col[1], NULL, 10) : 0;
    snprintf(g->status, g->statussz, "%s", col[2] ? col[2] : "");
    g->found = 1;
    return 0;
}

int catalog_run_get(catalog_t *c, const char *run_id, int64_t *started, int64_t *finished,
                    char *status, size_t statussz)
{
    struct run_get g = {started, finished, status, statussz, 0};
    const char *v[1] = {run_id};

    if (catalog_rows(c, "SELECT started, finished, status FROM runs WHERE run_id = ?", 1, v, 3,
                     run_get_row, &g) < 0)
        return -1;
    return g.found;
}

/* 1 when sql (one text parameter) returns a row, 0 when none, -1. */
static int exists(catalog_t *c, const char *sql, const char *param, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, what);
        goto out;
    }
    sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        rc = 1;
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        catalog_fail(c, what);
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int catalog_manifest_known(catalog_t *c, const char *manifest_key)
{
    return exists(c, "SELECT 1 FROM runs WHERE manifest_key = ?", manifest_key, "manifest lookup");
}

int catalog_object_known(catalog_t *c, const char *key)
{
    return exists(c, "SELECT 1 FROM objects WHERE key = ?", key, "object lookup");
}

int catalog_manifests(catalog_t *c, int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    return catalog_rows(c,
                        "SELECT run_id, date, manifest_key, manifest_sha256 FROM runs"
                        " WHERE manifest_key IS NOT NULL ORDER BY run_id",
                        0, NULL, 4, fn, ctx);
}

int catalog_units(catalog_t *c, const char *tenant, const char *from, const char *to,
                  int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[3] = {tenant, from, to};

    return catalog_rows(c,
                        "SELECT u.date, u.source, u.tenant, u.status, u.volumes,"
                        " (SELECT count(*) FROM objects o WHERE o.date = u.date AND"
                        "  o.source = u.source AND o.tenant = u.tenant AND o.kind = 'data'"
                        "  AND o.volume BETWEEN 1 AND u.volumes),"
                        " (SELECT count(*) FROM objects o WHERE o.date = u.date AND"
                        "  o.source = u.source AND o.tenant = u.tenant AND o.kind = 'index'"
                        "  AND o.volume BETWEEN 1 AND u.volumes)"
                        " FROM units u WHERE (?1 IS NULL OR u.tenant = ?1)"
                        " AND (?2 IS NULL OR u.date >= ?2) AND (?3 IS NULL OR u.date <= ?3)"
                        " ORDER BY u.date, u.source, u.tenant",
                        3, v, 7, fn, ctx);
}

int catalog_incomplete_dates(catalog_t *c, const char *from, const char *to,
                             int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[2] = {from, to};

    /* a date whose newest run did not end ok or with warnings */
    return catalog_rows(c,
                        "SELECT r.date FROM runs r WHERE r.date BETWEEN ?1 AND ?2 AND"
                        " r.run_id = (SELECT max(run_id) FROM runs x WHERE x.date = r.date AND"
                        "  x.status NOT IN ('prune', 'offboard')) AND"
                        " r.status NOT IN ('ok', 'warnings') ORDER BY r.date",
                        2, v, 1, fn, ctx);
}

int catalog_complete_dates(catalog_t *c, const char *from, const char *to,
                           int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[2] = {from, to};

    return catalog_rows(c,
                        "SELECT DISTINCT date FROM units WHERE date BETWEEN ?1 AND ?2 AND"
                        " status = 'complete' ORDER BY date",
                        2, v, 1, fn, ctx);
}

int catalog_complete_tenants(catalog_t *c, const char *date, const char *source, char ***out,
                             int *n)
{
    sqlite3_stmt *st = NULL;
    char **v = calloc(1, sizeof *v);
    size_t vcap = 1;
    int cnt = 0, rc = -1, step;

    *out = NULL;
    *n = 0;
    if (!v)
        return -1;
    pthread_mutex_lock(&c->mu);
    if (sqlite3_prepare_v2(c->db,
                           "SELECT tenant FROM units WHERE date = ? AND source = ? AND"
                           " status = 'complete' ORDER BY tenant",
                           -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, "complete tenants");
        goto out;
    }
    sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_TRANSIENT);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (ARRAY_GROW(v, (size_t)cnt + 2, vcap) < 0)
            goto out;
        if (!(v[cnt] = strdup((const char *)sqlite3_column_text(st, 0))))
            goto out;
        v[++cnt] = NULL;
    }
    if (step != SQLITE_DONE) {
        catalog_fail(c, "complete tenants");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    if (rc < 0) {
        for (int i = 0; i < cnt; i++)
            free(v[i]);
        free(v);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
}
