/*
 * test_catalog.c — the SQLite catalog: open creates the file (and its
 * directory) and schema; runs, units (complete / set / forget), objects
 * filtered by kind, tenant, date range and source in (date, source, tenant,
 * volume) order, objects of a run (manifests excluded), restore requests
 * (insert, update, status), clear; everything survives close and reopen; a
 * file that is not a catalog is refused; a foreign SQLite database is
 * refused and left untouched; identity (catalog_identify); runs left running
 * are marked crashed; a rolled-back transaction leaves nothing; run records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "testutil.h"
#include "log.h"

struct fx {
    char dir[64];
    char path[128];
    catalog_t *c;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    char *d = tu_tmpdir("test_catalog");
    snprintf(f->dir, sizeof f->dir, "%s", d);
    free(d);
    /* a directory that does not exist yet: open creates it */
    snprintf(f->path, sizeof f->path, "%s/sub/dir/catalog.db", f->dir);
    log_set_level(LOG_ERROR);
    f->c = catalog_open(f->path);
    if (!f->c)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    catalog_free(f->c);
    if (tu_rmtree(f->dir) < 0)
        return -1;
    free(f);
    return 0;
}

static void reopen(struct fx *f)
{
    catalog_free(f->c);
    f->c = catalog_open(f->path);
    assert_non_null(f->c);
}

/* Collected rows, as "key|kind|date|source|tenant|volume|size|sha|class|run". */
struct rows {
    char r[64][256];
    int n;
    int stop_at;
};

static int collect(void *ctx, const catalog_object_t *o)
{
    struct rows *rs = ctx;

    assert_true(rs->n < 64);
    snprintf(rs->r[rs->n++], sizeof rs->r[0], "%s|%s|%s|%s|%s|%d|%lld|%s|%s|%s", o->key, o->kind,
             o->date ? o->date : "-", o->source ? o->source : "-", o->tenant ? o->tenant : "-",
             o->volume, (long long)o->size, o->sha256, o->storage_class ? o->storage_class : "-",
             o->run_id ? o->run_id : "-");
    return rs->stop_at && rs->n >= rs->stop_at ? 1 : 0;
}

static int keys_only(void *ctx, const catalog_object_t *o)
{
    struct rows *rs = ctx;

    assert_true(rs->n < 64);
    snprintf(rs->r[rs->n++], sizeof rs->r[0], "%s", o->key);
    return 0;
}

static void add_obj(catalog_t *c, const char *kind, const char *date, const char *source,
                    const char *tenant, int vol, int64_t size, const char *run)
{
    char key[256], sha[65];
    catalog_object_t o;

    if (!strcmp(kind, "manifest"))
        snprintf(key, sizeof key, "runs/%s/%s.json", date, run);
    else
        snprintf(key, sizeof key, "tenant=%s/date=%s/source=%s/vol-%04d.%s", tenant, date, source,
                 vol, !strcmp(kind, "data") ? "tar.gz" : "index.json.gz");
    snprintf(sha, sizeof sha, "%064d", (int)size);
    o.key = key;
    o.kind = kind;
    o.date = date;
    o.source = strcmp(kind, "manifest") ? source : NULL;
    o.tenant = strcmp(kind, "manifest") ? tenant : NULL;
    o.volume = vol;
    o.size = size;
    o.sha256 = sha;
    o.storage_class = !strcmp(kind, "data") ? "DEEP_ARCHIVE" : "STANDARD";
    o.run_id = run;
    assert_int_equal(catalog_object_add(c, &o), 0);
}

/* A small world: 3 days x 2 sources x 2 tenants, acme with 2 volumes on one
 * unit; data + index each; and one manifest per run. */
static void populate(catalog_t *c)
{
    static const char *const days[] = {"2026-11-21", "2026-11-22", "2026-11-23"};
    static const char *const runs[] = {"r21", "r22", "r23"};
    static const char *const srcs[] = {"siem-01", "siem-02"};
    static const char *const tenants[] = {"globex", "acme"};

    assert_int_equal(catalog_begin(c), 0);
    for (int d = 0; d < 3; d++) {
        assert_int_equal(catalog_run_begin(c, runs[d], days[d]), 0);
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < 2; t++) {
                int vols = (t == 1 && s == 0) ? 2 : 1;
                for (int v = 1; v <= vols; v++) {
                    add_obj(c, "data", days[d], srcs[s], tenants[t], v, 1000 * (d + 1) + v,
                            runs[d]);
                    add_obj(c, "index", days[d], srcs[s], tenants[t], v, 10 + v, runs[d]);
                }
                assert_int_equal(catalog_unit_set(c, days[d], srcs[s], tenants[t], "complete", vols,
                                                  10 * vols, 12345LL * vols, runs[d]),
                                 0);
            }
        add_obj(c, "manifest", days[d], NULL, NULL, 0, 777, runs[d]);
        assert_int_equal(catalog_run_end(c, runs[d], "ok", "runs/x.json", "ab"), 0);
    }
    assert_int_equal(catalog_commit(c), 0);
}

static void test_open_creates(void **state)
{
    struct fx *f = *state;

    assert_int_equal(access(f->path, F_OK), 0);
    /* opening twice (two handles) works: WAL, busy timeout */
    catalog_t *c2 = catalog_open(f->path);
    assert_non_null(c2);
    assert_int_equal(catalog_unit_complete(c2, "2026-11-23", "s", "t"), 0);
    catalog_free(c2);
    catalog_free(NULL);
}

static void test_not_a_catalog(void **state)
{
    struct fx *f = *state;
    char path[160];
    FILE *fp;

    snprintf(path, sizeof path, "%s/garbage.db", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an sqlite database, just text\n", fp);
    fclose(fp);
    assert_null(catalog_open(path));
    assert_non_null(strstr(log_last_error(), path));
    /* a path that cannot be created */
    assert_null(catalog_open("/proc/coldpack-no/catalog.db"));
}

static void test_foreign_sqlite(void **state)
{
    struct fx *f = *state;
    char path[160], cmd[400];
    int rc;

    snprintf(path, sizeof path, "%s/other.db", f->dir);
    assert_int_equal(catalog_identify(path), CATALOG_ID_ABSENT);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' 'CREATE TABLE invoices (id INTEGER)'", path);
    rc = system(cmd);
    if (rc != 0)
        skip();
    assert_int_equal(catalog_identify(path), CATALOG_ID_FOREIGN);
    assert_null(catalog_open(path));
    assert_non_null(strstr(log_last_error(), "not a coldpack catalog"));
    /* untouched: still only the foreign table, no schema added */
    assert_int_equal(catalog_identify(path), CATALOG_ID_FOREIGN);
    assert_int_equal(catalog_identify(f->path), CATALOG_ID_COLDPACK);
}

static void test_crashed_and_rollback(void **state)
{
    struct fx *f = *state;
    int64_t started = 0, finished = 0;
    char status[32];

    assert_int_equal(catalog_run_begin(f->c, "r1", "2026-11-23"), 0);
    assert_int_equal(catalog_run_begin(f->c, "r2", "2026-11-23"), 0);
    assert_int_equal(catalog_runs_mark_crashed(f->c, "r2"), 1);
    assert_int_equal(catalog_run_get(f->c, "r1", &started, &finished, status, sizeof status), 1);
    assert_string_equal(status, "crashed");
    assert_true(started > 0);
    assert_int_equal(catalog_run_get(f->c, "r2", &started, &finished, status, sizeof status), 1);
    assert_string_equal(status, "running");
    assert_int_equal(catalog_run_get(f->c, "nope", &started, &finished, status, sizeof status), 0);
    /* a rolled-back transaction leaves nothing; rollback without one is fine */
    assert_int_equal(catalog_begin(f->c), 0);
    assert_int_equal(catalog_unit_set(f->c, "2026-11-23", "s", "t", "complete", 1, 1, 1, "r2"), 0);
    assert_int_equal(catalog_rollback(f->c), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "s", "t"), 0);
    assert_int_equal(catalog_rollback(f->c), 0);
    /* a whole run record, with its manifest */
    catalog_run_t r = {"r3", "2026-11-22", 1000, 2000, "warnings", "runs/2026-11-22/r3.json", "ab"};
    assert_int_equal(catalog_run_record(f->c, &r), 0);
    assert_int_equal(catalog_run_get(f->c, "r3", &started, &finished, status, sizeof status), 1);
    assert_int_equal(started, 1000);
    assert_int_equal(finished, 2000);
    assert_string_equal(status, "warnings");
    assert_int_equal(catalog_manifest_known(f->c, "runs/2026-11-22/r3.json"), 1);
    assert_int_equal(catalog_manifest_known(f->c, "runs/2026-11-22/r4.json"), 0);
}

static void test_units(void **state)
{
    struct fx *f = *state;
    struct rows rs = {0};

    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "acme"), 0);
    assert_int_equal(
        catalog_unit_set(f->c, "2026-11-23", "siem-01", "acme", "partial", 1, 3, 100, "r1"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "acme"), 0);
    assert_int_equal(
        catalog_unit_set(f->c, "2026-11-23", "siem-01", "acme", "complete", 2, 30, 1000, "r2"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "acme"), 1);
    /* keyed by all three */
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "globex"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-02", "acme"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-22", "siem-01", "acme"), 0);
    /* survives reopen */
    reopen(f);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "acme"), 1);

    /* forget drops the unit and its objects, nothing else */
    populate(f->c);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-22", "siem-01", "acme"), 1);
    assert_int_equal(catalog_unit_forget(f->c, "2026-11-22", "siem-01", "acme"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-22", "siem-01", "acme"), 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-22", "siem-02", "acme"), 1);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-23", "siem-01", "acme"), 1);
    assert_int_equal(
        catalog_objects(f->c, NULL, "acme", "2026-11-22", "2026-11-22", NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 2); /* only siem-02's data + index remain that day */
    assert_string_equal(rs.r[0], "tenant=acme/date=2026-11-22/source=siem-02/vol-0001.tar.gz");
    assert_string_equal(rs.r[1],
                        "tenant=acme/date=2026-11-22/source=siem-02/vol-0001.index.json.gz");
    /* forgetting a unit that does not exist is fine */
    assert_int_equal(catalog_unit_forget(f->c, "2020-01-01", "x", "y"), 0);
}

static void test_objects_filters(void **state)
{
    struct fx *f = *state;
    struct rows rs;

    populate(f->c);

    /* everything but manifests: 3 days x (2+1 + 1+1 units' volumes) x 2 kinds */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, NULL, NULL, NULL, NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 3 * 5 * 2);

    /* one tenant's data objects for one day, ordered by source then volume */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(
        catalog_objects(f->c, "data", "acme", "2026-11-23", "2026-11-23", NULL, collect, &rs), 0);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rs.r[0], "tenant=acme/date=2026-11-23/source=siem-01/vol-0001.tar.gz|data|"
                                 "2026-11-23|siem-01|acme|1|3001|"
                                 "0000000000000000000000000000000000000000000000000000000000003001|"
                                 "DEEP_ARCHIVE|r23");
    assert_string_equal(rs.r[1], "tenant=acme/date=2026-11-23/source=siem-01/vol-0002.tar.gz|data|"
                                 "2026-11-23|siem-01|acme|2|3002|"
                                 "0000000000000000000000000000000000000000000000000000000000003002|"
                                 "DEEP_ARCHIVE|r23");
    assert_non_null(
        strstr(rs.r[2], "source=siem-02/vol-0001.tar.gz|data|2026-11-23|siem-02|acme|1"));

    /* a date range, inclusive at both ends, ordered by date */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(
        catalog_objects(f->c, "data", "globex", "2026-11-21", "2026-11-22", NULL, keys_only, &rs),
        0);
    assert_int_equal(rs.n, 4);
    assert_string_equal(rs.r[0], "tenant=globex/date=2026-11-21/source=siem-01/vol-0001.tar.gz");
    assert_string_equal(rs.r[1], "tenant=globex/date=2026-11-21/source=siem-02/vol-0001.tar.gz");
    assert_string_equal(rs.r[2], "tenant=globex/date=2026-11-22/source=siem-01/vol-0001.tar.gz");
    assert_string_equal(rs.r[3], "tenant=globex/date=2026-11-22/source=siem-02/vol-0001.tar.gz");

    /* open-ended ranges */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(
        catalog_objects(f->c, "data", "globex", "2026-11-22", NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 4);
    assert_non_null(strstr(rs.r[0], "date=2026-11-22"));
    assert_non_null(strstr(rs.r[3], "date=2026-11-23"));
    memset(&rs, 0, sizeof rs);
    assert_int_equal(
        catalog_objects(f->c, "data", "globex", NULL, "2026-11-21", NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 2);

    /* by source */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, "index", NULL, NULL, NULL, "siem-02", keys_only, &rs),
                     0);
    assert_int_equal(rs.n, 6);
    for (int i = 0; i < rs.n; i++)
        assert_non_null(strstr(rs.r[i], "source=siem-02/"));
    /* within a day, tenants in order (acme before globex) */
    assert_non_null(strstr(rs.r[0], "tenant=acme/date=2026-11-21"));
    assert_non_null(strstr(rs.r[1], "tenant=globex/date=2026-11-21"));

    /* nothing matches */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, NULL, "initech", NULL, NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 0);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(
        catalog_objects(f->c, NULL, NULL, "2026-11-24", "2026-11-30", NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 0);
    /* manifests are never listed as objects of a tenant range */
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, "manifest", NULL, NULL, NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 0);

    /* the callback can stop the walk */
    memset(&rs, 0, sizeof rs);
    rs.stop_at = 3;
    assert_int_equal(catalog_objects(f->c, NULL, NULL, NULL, NULL, NULL, collect, &rs), 0);
    assert_int_equal(rs.n, 3);

    /* adding the same key again replaces the row */
    add_obj(f->c, "data", "2026-11-23", "siem-02", "globex", 1, 9999, "r99");
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, "data", "globex", "2026-11-23", "2026-11-23", "siem-02",
                                     collect, &rs),
                     0);
    assert_int_equal(rs.n, 1);
    assert_non_null(strstr(rs.r[0], "|9999|"));
    assert_non_null(strstr(rs.r[0], "|r99"));
}

static int reenter(void *ctx, const catalog_object_t *o)
{
    catalog_t *c = ctx;

    /* the callback may call back into the catalog (rows are collected first) */
    return catalog_unit_complete(c, o->date, o->source, o->tenant) == 1 ? 0 : -1;
}

static void test_objects_of_run(void **state)
{
    struct fx *f = *state;
    struct rows rs = {0};

    populate(f->c);
    assert_int_equal(catalog_objects_of_run(f->c, "r22", collect, &rs), 0);
    assert_int_equal(rs.n, 10); /* 5 volumes x data + index, no manifest */
    for (int i = 0; i < rs.n; i++) {
        assert_non_null(strstr(rs.r[i], "date=2026-11-22"));
        assert_null(strstr(rs.r[i], "runs/"));
    }
    /* ordered by key */
    for (int i = 1; i < rs.n; i++)
        assert_true(strcmp(rs.r[i - 1], rs.r[i]) < 0);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects_of_run(f->c, "nope", collect, &rs), 0);
    assert_int_equal(rs.n, 0);
    assert_int_equal(catalog_objects(f->c, "data", NULL, NULL, NULL, NULL, reenter, f->c), 0);
}

static void test_restore_requests(void **state)
{
    struct fx *f = *state;
    char buf[64];
    const char *key = "tenant=acme/date=2026-11-23/source=siem-01/vol-0001.tar.gz";

    assert_int_equal(catalog_restore_status(f->c, key, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(catalog_restore_record(f->c, key, "Bulk", 3, "requested"), 0);
    assert_int_equal(catalog_restore_status(f->c, key, buf, sizeof buf), 0);
    assert_string_equal(buf, "requested");
    assert_int_equal(catalog_restore_record(f->c, key, "Bulk", 3, "ready"), 0);
    assert_int_equal(catalog_restore_status(f->c, key, buf, sizeof buf), 0);
    assert_string_equal(buf, "ready");
    /* other keys are independent */
    assert_int_equal(catalog_restore_record(f->c, "other", "Expedited", 1, "requested"), 0);
    assert_int_equal(catalog_restore_status(f->c, key, buf, sizeof buf), 0);
    assert_string_equal(buf, "ready");
    /* a small buffer is truncated, NUL-terminated */
    assert_int_equal(catalog_restore_status(f->c, "other", buf, 5), 0);
    assert_string_equal(buf, "requ");
    reopen(f);
    assert_int_equal(catalog_restore_status(f->c, key, buf, sizeof buf), 0);
    assert_string_equal(buf, "ready");
    assert_int_equal(catalog_restore_status(f->c, "other", buf, sizeof buf), 0);
    assert_string_equal(buf, "requested");
}

struct jobs {
    int n;
    char state[4][16];
    int ready[4], objects[4];
    int64_t finished[4];
};

static int collect_job(void *ctx, const catalog_restore_job_t *k)
{
    struct jobs *js = ctx;

    if (js->n < 4) {
        snprintf(js->state[js->n], sizeof js->state[0], "%s", k->state);
        js->ready[js->n] = k->ready;
        js->objects[js->n] = k->objects;
        js->finished[js->n] = k->finished;
    }
    js->n++;
    return 0;
}

/* Restore jobs: found by their arguments (NULL source and glob match NULL)
 * while pending, updated, closed, listed oldest first, kept across reopen. */
static void test_restore_jobs(void **state)
{
    struct fx *f = *state;
    catalog_restore_job_t k = {.tenant = "acme",
                               .from = "2026-11-22",
                               .to = "2026-11-23",
                               .target = "/srv/audit",
                               .tier = "Bulk",
                               .requested = 1000,
                               .eta = 1000 + 48 * 3600,
                               .objects = 3,
                               .ready = 0};
    catalog_restore_job_t other = k;
    struct jobs js = {0};
    int64_t id, id2;

    assert_int_equal(catalog_restore_job_find(f->c, &k), 0);
    id = catalog_restore_job_add(f->c, &k);
    assert_true(id > 0);
    assert_int_equal(catalog_restore_job_find(f->c, &k), id);
    other.source = "siem-01";
    assert_int_equal(catalog_restore_job_find(f->c, &other), 0);
    other.source = NULL;
    other.target = "/srv/other";
    assert_int_equal(catalog_restore_job_find(f->c, &other), 0);
    id2 = catalog_restore_job_add(f->c, &other);
    assert_true(id2 > id);
    assert_int_equal(catalog_restore_job_update(f->c, id, 3, 2, "pending"), 0);
    assert_int_equal(catalog_restore_job_update(f->c, id2, 3, 3, "done"), 0);
    reopen(f);
    /* a finished job is not found again: the next restore makes a new one */
    assert_int_equal(catalog_restore_job_find(f->c, &other), 0);
    assert_int_equal(catalog_restore_job_find(f->c, &k), id);
    assert_int_equal(catalog_restore_jobs(f->c, collect_job, &js), 0);
    assert_int_equal(js.n, 2);
    assert_string_equal(js.state[0], "pending");
    assert_int_equal(js.ready[0], 2);
    assert_int_equal(js.objects[0], 3);
    assert_int_equal(js.finished[0], 0);
    assert_string_equal(js.state[1], "done");
    assert_int_equal(js.ready[1], 3);
    assert_true(js.finished[1] > 0);
}

static void test_reopen_and_clear(void **state)
{
    struct fx *f = *state;
    struct rows rs = {0};
    char buf[32];

    populate(f->c);
    assert_int_equal(catalog_restore_record(f->c, "k", "Bulk", 1, "requested"), 0);
    reopen(f);
    assert_int_equal(catalog_objects(f->c, NULL, NULL, NULL, NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 30);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects_of_run(f->c, "r21", keys_only, &rs), 0);
    assert_int_equal(rs.n, 10);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-21", "siem-02", "globex"), 1);

    /* a transaction that is not committed is not kept */
    assert_int_equal(catalog_begin(f->c), 0);
    add_obj(f->c, "data", "2026-11-24", "siem-01", "acme", 1, 5, "r24");
    catalog_free(f->c);
    f->c = catalog_open(f->path);
    assert_non_null(f->c);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, NULL, NULL, "2026-11-24", NULL, NULL, keys_only, &rs),
                     0);
    assert_int_equal(rs.n, 0);

    /* clear empties every table */
    assert_int_equal(catalog_clear(f->c), 0);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects(f->c, NULL, NULL, NULL, NULL, NULL, keys_only, &rs), 0);
    assert_int_equal(rs.n, 0);
    assert_int_equal(catalog_unit_complete(f->c, "2026-11-21", "siem-02", "globex"), 0);
    assert_int_equal(catalog_restore_status(f->c, "k", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    reopen(f);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(catalog_objects_of_run(f->c, "r21", keys_only, &rs), 0);
    assert_int_equal(rs.n, 0);
}

static void test_print_status(void **state)
{
    struct fx *f = *state;
    char out[4096];
    FILE *tmp = tmpfile();
    int saved;
    size_t n;

    populate(f->c);
    assert_non_null(tmp);
    fflush(stdout);
    saved = dup(1);
    dup2(fileno(tmp), 1);
    assert_int_equal(catalog_print_status(f->c, 2), 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    rewind(tmp);
    n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = 0;
    fclose(tmp);
    /* header + the 2 newest runs, newest first */
    assert_non_null(strstr(out, "RUN"));
    assert_non_null(strstr(out, "r23"));
    assert_non_null(strstr(out, "r22"));
    assert_null(strstr(out, "r21"));
    assert_true(strstr(out, "r23") < strstr(out, "r22"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crashed_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_of_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_and_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_status, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
