/*
 * job_rebuild.c — bring the catalog in line with the store, which is the
 * truth: `catalog rebuild` (clear, then everything), `init` on a store that
 * already holds backups, and every `run` (job_sync_catalog: manifests the
 * catalog does not know yet, e.g. after the catalog was lost or replaced).
 *
 * Only attested objects count: a data or index object is taken when a
 * manifest of the verified chain (prev links and SHA-256s leading to the
 * first manifest) lists its key, and that key parses (objkey_parse) to the
 * tenant/date/source/volume and kind it is recorded under. A unit is complete
 * when volumes 1..N are all attested, volume N's index has the attested
 * SHA-256, describes exactly that unit and volume, and says "last"; an
 * encrypted index (".age": this host has only the recipients) is not opened,
 * its attested manifest entry says "last" instead (manifest.c). Objects
 * under tenant= that no manifest attests are reported and never catalogued,
 * so no object can claim another's key or tenant. Runs come back with their
 * start, end and outcome from their manifests. Tombstones (prune, tenant
 * offboard) make their units expired and their objects expired rows.
 *
 * A store read error other than "not found" aborts: the caller rolls the
 * catalog transaction back, so the catalog is unchanged.
 */
#include "job.h"

#include "catalog.h"
#include "index.h"
#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sync {
    store_t *s;
    catalog_t *c;
    int full;
    json_t *attested; /* key -> {sha256, size, kind, storage_class, run_id, new} */
    json_t *units;    /* unit prefix -> {tenant, date, source, new, vols: {"n": 1}} */
    job_sync_stats_t *st;
};

/* Seconds since the epoch of a UTC time in fmt; 0 when s is NULL or not so. */
static int64_t parse_utc(const char *s, const char *fmt)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    if (!s || !strptime(s, fmt, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

#define ISO_UTC    "%Y-%m-%dT%H:%M:%SZ"
#define RUN_ID_UTC "%Y%m%dT%H%M%SZ" /* a run id starts with its UTC start time */

static int attest_manifest(struct sync *sy, const manifest_entry_t *e, int is_new)
{
    const char *run_id = json_string_value(json_object_get(e->json, "run_id"));
    size_t i;
    json_t *o;

    json_array_foreach(json_object_get(e->json, "objects"), i, o)
    {
        const char *key = json_string_value(json_object_get(o, "key"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        const char *sha = json_string_value(json_object_get(o, "sha256"));
        json_t *prev = key ? json_object_get(sy->attested, key) : NULL;
        objkey_parts_t kp;

        if (!key || !kind || !sha || objkey_parse(key, &kp) < 0) {
            printf("PROBLEM manifest %s: entry %zu is not a coldpack object: ignored\n", e->key, i);
            sy->st->problems++;
            continue;
        }
        int kind_ok = (kp.kind == OBJKEY_VOLUME && !strcmp(kind, "data")) ||
                      (kp.kind == OBJKEY_INDEX && !strcmp(kind, "index"));
        if (!kind_ok) {
            printf("PROBLEM manifest %s: %s is listed as %s, which its key is not: ignored\n",
                   e->key, key, kind);
            sy->st->problems++;
        } else if (prev && strcmp(json_string_value(json_object_get(prev, "sha256")), sha)) {
            printf("PROBLEM %s is attested twice with different SHA-256s: the first kept\n", key);
            sy->st->problems++;
        } else if (!prev) {
            json_t *a = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b}", "sha256", sha, "size",
                                  json_integer_value(json_object_get(o, "size")), "kind", kind,
                                  "storage_class",
                                  json_string_value(json_object_get(o, "storage_class"))
                                      ? json_string_value(json_object_get(o, "storage_class"))
                                      : "",
                                  "run_id", run_id ? run_id : "", "new", is_new);
            char *up = objkey_unit_prefix(kp.tenant, kp.date, kp.source);
            json_t *u = up ? json_object_get(sy->units, up) : NULL;
            if (up && !u) {
                u = json_pack("{s:s, s:b, s:{}}", "date", kp.date, "new", 0, "vols");
                /* names are bytes: kept as an index keeps them */
                if (u && (index_name_set(u, "tenant", kp.tenant) < 0 ||
                          index_name_set(u, "source", kp.source) < 0)) {
                    json_decref(u);
                    u = NULL;
                }
                if (u)
                    json_object_set_new(sy->units, up, u);
            }
            /* what attests an encrypted unit without its identity (manifest.c) */
            json_t *ml = json_object_get(o, "last"), *mf = json_object_get(o, "unit_files_count");
            if (a && kp.kind == OBJKEY_INDEX && json_is_boolean(ml))
                json_object_set(a, "last", ml);
            if (a && kp.kind == OBJKEY_INDEX && json_is_integer(mf) &&
                json_integer_value(mf) >= 0 && json_integer_value(mf) <= INT_MAX)
                json_object_set(a, "unit_files_count", mf);
            if (!a || !u || json_object_set_new(sy->attested, key, a) < 0) {
                free(up);
                objkey_parts_free(&kp);
                log_error("out of memory");
                return -1;
            }
            if (is_new)
                json_object_set_new(u, "new", json_true());
            char vn[16];
            snprintf(vn, sizeof vn, "%d", kp.volno);
            json_t *vols = json_object_get(u, "vols");
            json_t *v = json_object_get(vols, vn);
            if (!v) {
                v = json_object();
                json_object_set_new(vols, vn, v);
            }
            json_object_set_new(v, kp.kind == OBJKEY_VOLUME ? "data" : "index", json_string(key));
            free(up);
        }
        objkey_parts_free(&kp);
    }
    return 0;
}

/* 1 when key is an encrypted object's (".age"): its contents need an
 * identity this host does not have. */
static int key_encrypted(const char *key)
{
    objkey_parts_t kp;
    int enc;

    memset(&kp, 0, sizeof kp);
    enc = key && objkey_parse(key, &kp) == 0 && kp.encrypted;
    objkey_parts_free(&kp);
    return enc;
}

/* A unit that cannot be recorded complete: say why, count it. */
static void unit_problem(struct sync *sy, const char *what, const char *key, json_t *u)
{
    printf("PROBLEM %s %s: unit %s/%s/%s left incomplete\n", key, what,
           json_string_value(json_object_get(u, "date")),
           json_string_value(json_object_get(u, "source")),
           json_string_value(json_object_get(u, "tenant")));
    sy->st->problems++;
}

/* Record one attested object in the catalog. */
static int add_attested(struct sync *sy, const char *key, const char *kind, const char *date,
                        const char *source, const char *tenant, int vol, const char *cls)
{
    json_t *a = json_object_get(sy->attested, key);
    catalog_object_t o = {key,
                          kind,
                          date,
                          source,
                          tenant,
                          vol,
                          json_integer_value(json_object_get(a, "size")),
                          json_string_value(json_object_get(a, "sha256")),
                          cls,
                          json_string_value(json_object_get(a, "run_id"))};

    return catalog_object_add(sy->c, &o);
}

/* Decide one unit from its attested objects; record it when complete.
 * Returns 0, or -1 on a store read error or catalog failure (abort). */
static int sync_unit_named(struct sync *sy, json_t *u, const char *tenant, const char *date,
                           const char *source)
{
    json_t *vols = json_object_get(u, "vols"), *idx = NULL;
    int n = 0, rc = -1;
    const char *k;
    json_t *v;
    unsigned char *raw = NULL;
    size_t rawlen;
    char sha[65], vn[16], *it = NULL, *is = NULL;

    json_object_foreach(vols, k, v)
    {
        int i = atoi(k);
        if (json_object_get(v, "index") && i > n)
            n = i;
    }
    for (int i = 1; i <= n; i++) {
        snprintf(vn, sizeof vn, "%d", i);
        v = json_object_get(vols, vn);
        if (!json_object_get(v, "data") || !json_object_get(v, "index")) {
            printf("WARNING unit %s/%s/%s: volume %d is not attested by any manifest: left "
                   "incomplete\n",
                   date, source, tenant, i);
            return 0;
        }
    }
    if (n == 0)
        return 0;
    snprintf(vn, sizeof vn, "%d", n);
    v = json_object_get(vols, vn);
    const char *ikey = json_string_value(json_object_get(v, "index"));
    const char *dkey = json_string_value(json_object_get(v, "data"));
    int grc = store_get_buf(sy->s, ikey, 1u << 30, &raw, &rawlen);
    if (grc == STORE_NOTFOUND) {
        unit_problem(sy, "is attested but missing from the store", ikey, u);
        return 0;
    }
    if (grc < 0) {
        sy->st->store_errors++;
        return -1; /* logged by the store */
    }
    util_sha256_buf(raw, rawlen, sha);
    free(raw);
    json_t *ia = json_object_get(sy->attested, ikey);
    if (strcmp(sha, json_string_value(json_object_get(ia, "sha256")))) {
        unit_problem(sy, "(index) does not have the SHA-256 its manifest records", ikey, u);
        return 0;
    }
    json_t *da = json_object_get(sy->attested, dkey);
    json_t *mlast = json_object_get(ia, "last");
    if (key_encrypted(ikey)) {
        /* its contents need the tenant's identity, which this host does not
         * have: the manifest entry (attested, key parsed) says whether it is
         * the unit's last volume; a manifest older than that field cannot */
        if (!json_is_boolean(mlast)) {
            unit_problem(sy,
                         "(encrypted index) cannot be read without the tenant's identity, and "
                         "the manifest listing it does not record \"last\" (an older coldpack)",
                         ikey, u);
            return 0;
        }
        if (!json_is_true(mlast))
            return 0; /* an attested unit always ends with "last": nothing to record */
    } else {
        idx = index_load(sy->s, ikey);
        if (!idx) {
            sy->st->problems++;
            return 0;
        }
        json_t *obj = json_object_get(idx, "object");
        it = index_name_get(idx, "tenant");
        is = index_name_get(idx, "source");
        const char *id = json_string_value(json_object_get(idx, "date"));
        const char *ik = json_string_value(json_object_get(idx, "key"));
        const char *osha = json_string_value(json_object_get(obj, "sha256"));
        if (!it || !id || !is || !ik || !osha || strcmp(it, tenant) || strcmp(id, date) ||
            strcmp(is, source) || strcmp(ik, dkey) ||
            json_integer_value(json_object_get(idx, "volume")) != n ||
            strcmp(osha, json_string_value(json_object_get(da, "sha256")))) {
            unit_problem(sy, "(index) does not describe its own unit and volume", ikey, u);
            rc = 0;
            goto out;
        }
        if (!json_is_true(json_object_get(idx, "last"))) {
            rc = 0; /* an attested unit always ends with "last": nothing to record */
            goto out;
        }
    }
    /* the data objects must be there; their class is the store's */
    for (int i = 1; i <= n; i++) {
        store_info_t info;
        snprintf(vn, sizeof vn, "%d", i);
        v = json_object_get(vols, vn);
        const char *dk = json_string_value(json_object_get(v, "data"));
        const char *xk = json_string_value(json_object_get(v, "index"));
        int hrc = store_head(sy->s, dk, &info);
        if (hrc == STORE_NOTFOUND) {
            unit_problem(sy, "is attested but missing from the store", dk, u);
            rc = 0;
            goto out;
        }
        if (hrc < 0) {
            sy->st->store_errors++;
            goto out;
        }
        if (add_attested(sy, dk, "data", date, source, tenant, i, info.storage_class) < 0 ||
            add_attested(sy, xk, "index", date, source, tenant, i, "STANDARD") < 0)
            goto out;
        sy->st->objects += 2;
    }
    /* what each volume read, for late files (job_late.h); a volume whose
     * index cannot be read here (encrypted: no identity on this host) leaves
     * the unit's list unknown, and runs do not look for its late files */
    int files = 0, all = 1;
    for (int i = 1; i <= n; i++) {
        snprintf(vn, sizeof vn, "%d", i);
        const char *xk = json_string_value(json_object_get(json_object_get(vols, vn), "index"));
        json_t *xa = json_object_get(sy->attested, xk);
        json_t *xi =
            i == n ? json_incref(idx)
            : key_encrypted(xk)
                ? NULL
                : index_load_verified(sy->s, xk, json_string_value(json_object_get(xa, "sha256")),
                                      json_integer_value(json_object_get(xa, "size")));
        char *list = xi ? index_file_list(xi) : NULL;
        files += (int)json_integer_value(json_object_get(xi, "files_count"));
        all = all && xi;
        int frc = list ? catalog_unit_files_add(sy->c, date, source, tenant, i, list) : 0;
        free(list);
        json_decref(xi);
        if (frc < 0)
            goto out;
    }
    /* the unit's file count: the manifest's, else the indexes' sum, else
     * (as before that field) the last index's */
    json_t *mf = json_object_get(ia, "unit_files_count");
    if (mf)
        files = (int)json_integer_value(mf);
    else if (!all)
        files = (int)json_integer_value(json_object_get(idx, "files_count"));
    if (catalog_unit_set(sy->c, date, source, tenant, "complete", n, files, 0,
                         json_string_value(json_object_get(da, "run_id"))) < 0)
        goto out;
    sy->st->units++;
    rc = 0;
out:
    json_decref(idx);
    free(it);
    free(is);
    return rc;
}

static int sync_unit(struct sync *sy, json_t *u)
{
    char *tenant = index_name_get(u, "tenant"), *source = index_name_get(u, "source");
    const char *date = json_string_value(json_object_get(u, "date"));
    int rc = 0;

    if (!tenant || !source || !date) {
        log_error("out of memory");
        rc = -1;
    } else {
        rc = sync_unit_named(sy, u, tenant, date, source);
    }
    free(tenant);
    free(source);
    return rc;
}

static int record_run(struct sync *sy, const manifest_entry_t *e)
{
    json_t *m = e->json;
    const char *run_id = json_string_value(json_object_get(m, "run_id"));
    const char *date = json_string_value(json_object_get(m, "date"));
    const char *outcome = json_string_value(json_object_get(m, "outcome"));
    int64_t started = parse_utc(json_string_value(json_object_get(m, "started")), ISO_UTC);

    if (!run_id || !date) {
        printf("PROBLEM manifest %s has no run_id or date\n", e->key);
        sy->st->problems++;
        return 0;
    }
    catalog_run_t r = {run_id,
                       date,
                       started ? started : parse_utc(run_id, RUN_ID_UTC),
                       parse_utc(json_string_value(json_object_get(m, "finished")), ISO_UTC),
                       outcome ? outcome : "ok",
                       e->key,
                       e->sha};
    catalog_object_t o = {e->key, "manifest",      date,   NULL,       NULL,
                          0,      (int64_t)e->len, e->sha, "STANDARD", run_id};
    if (catalog_run_record(sy->c, &r) < 0 || catalog_object_add(sy->c, &o) < 0)
        return -1;
    sy->st->runs++;
    return 0;
}

/* The tombstones of the chain (prune, tenant offboard): each deleted key
 * leaves the catalog's objects for its expired table, its unit becomes
 * "expired" (every attested object gone) or "expiring" (some deletes were
 * refused: those objects stay catalogued); offboarded tenants are recorded
 * so runs skip them. Only tombstones of manifests new to the catalog (all
 * with full) are applied; the units they touch are never synced as
 * complete. 0 or -1 (catalog failure). */
static int apply_tombstones(struct sync *sy, const manifest_set_t *ms, json_t *fresh)
{
    json_t *tenants = NULL, *tomb = manifest_tombstones(ms, &tenants), *t, *u;
    json_t *touched = json_object();
    const char *key, *prefix;
    int rc = -1;

    if (!tomb || !tenants || !touched)
        goto out;
    json_object_foreach(tomb, key, t)
    {
        objkey_parts_t kp;
        const char *man = json_string_value(json_object_get(t, "manifest"));
        int apply = sy->full || (man && json_object_get(fresh, man));
        if (objkey_parse(key, &kp) < 0 || !kp.tenant)
            goto next;
        char *up = objkey_unit_prefix(kp.tenant, kp.date, kp.source);
        if (!up)
            goto fail;
        if ((u = json_object_get(sy->units, up)))
            json_object_set_new(u, "expired", json_true());
        if (apply) {
            json_object_set_new(touched, up, json_true());
            catalog_object_t o = {key,
                                  kp.kind == OBJKEY_VOLUME ? "data" : "index",
                                  kp.date,
                                  kp.source,
                                  kp.tenant,
                                  kp.volno,
                                  json_integer_value(json_object_get(t, "size")),
                                  json_string_value(json_object_get(t, "sha256")),
                                  NULL,
                                  NULL};
            if (catalog_object_expire(sy->c, key,
                                      json_string_value(json_object_get(t, "reason"))
                                          ? json_string_value(json_object_get(t, "reason"))
                                          : "retention",
                                      json_string_value(json_object_get(t, "run_id")),
                                      json_string_value(json_object_get(t, "on")), &o) < 0) {
                free(up);
                goto fail;
            }
        }
        free(up);
    next:
        objkey_parts_free(&kp);
        continue;
    fail:
        objkey_parts_free(&kp);
        goto out;
    }
    /* an offboarded tenant's locked objects: their units are expiring, so
     * a later prune (on any host) deletes them */
    json_object_foreach(tenants, key, t)
    {
        const char *man = json_string_value(json_object_get(t, "manifest"));
        size_t i;
        json_t *sc;
        if (!sy->full && !(man && json_object_get(fresh, man)))
            continue;
        json_array_foreach(json_object_get(t, "scheduled"), i, sc)
        {
            objkey_parts_t kp;
            const char *sk = json_string_value(json_object_get(sc, "key"));
            if (!sk || objkey_parse(sk, &kp) < 0)
                continue;
            char *up = kp.tenant ? objkey_unit_prefix(kp.tenant, kp.date, kp.source) : NULL;
            if (up && (u = json_object_get(sy->units, up))) {
                json_object_set_new(u, "expired", json_true());
                json_object_set_new(touched, up, json_true());
            }
            free(up);
            objkey_parts_free(&kp);
        }
    }
    json_object_foreach(touched, prefix, t)
    {
        u = json_object_get(sy->units, prefix);
        if (!u)
            continue; /* tombstoned but never attested: nothing to record */
        const char *vk;
        json_t *v;
        int all = 1, n = 0;
        json_object_foreach(json_object_get(u, "vols"), vk, v)
        {
            const char *dk = json_string_value(json_object_get(v, "data"));
            const char *ik = json_string_value(json_object_get(v, "index"));
            if (atoi(vk) > n)
                n = atoi(vk);
            if ((dk && !json_object_get(tomb, dk)) || (ik && !json_object_get(tomb, ik)))
                all = 0;
        }
        const char *date = json_string_value(json_object_get(u, "date"));
        const char *source = json_string_value(json_object_get(u, "source"));
        const char *tenant = json_string_value(json_object_get(u, "tenant"));
        if (catalog_unit_set(sy->c, date, source, tenant, all ? "expired" : "expiring", n, 0, 0,
                             NULL) < 0)
            goto out;
        json_object_foreach(json_object_get(u, "vols"), vk, v)
        {
            const char *dk = json_string_value(json_object_get(v, "data"));
            const char *ik = json_string_value(json_object_get(v, "index"));
            /* what a refused delete left stays catalogued, for prune to retry */
            if ((dk && !json_object_get(tomb, dk) &&
                 add_attested(sy, dk, "data", date, source, tenant, atoi(vk), NULL) < 0) ||
                (ik && !json_object_get(tomb, ik) &&
                 add_attested(sy, ik, "index", date, source, tenant, atoi(vk), "STANDARD") < 0))
                goto out;
        }
    }
    json_object_foreach(tenants, key, t)
    {
        if (catalog_offboard_set(sy->c, key, json_string_value(json_object_get(t, "on")),
                                 json_string_value(json_object_get(t, "run_id"))) < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        log_error("catalog: cannot record the tombstones of the manifest chain");
    json_decref(tomb);
    json_decref(tenants);
    json_decref(touched);
    return rc;
}

static int report_unattested(void *ctx, const char *key, int64_t size)
{
    struct sync *sy = ctx;

    (void)size;
    if (!json_object_get(sy->attested, key)) {
        printf("UNATTESTED %s: in no manifest of the verified chain: ignored\n", key);
        sy->st->unattested++;
    }
    return 0;
}

int job_sync_catalog(store_t *s, catalog_t *c, int full, job_sync_stats_t *st)
{
    struct sync sy = {s, c, full, json_object(), json_object(), st};
    json_t *fresh = json_object(); /* manifests new to the catalog */
    manifest_set_t ms;
    int rc = -1, loaded = 0;

    memset(st, 0, sizeof *st);
    if (!sy.attested || !sy.units || !fresh)
        goto out;
    if (manifest_load_all(s, &ms, 1) < 0) {
        st->store_errors++;
        goto out;
    }
    loaded = 1;
    for (size_t i = 0; i < ms.n; i++) {
        const manifest_entry_t *e = &ms.v[i];
        int known = 0;
        if (!e->json)
            continue; /* warned by the loader */
        if (!manifest_in_chain(&ms, e)) {
            printf("PROBLEM manifest %s is not part of the verified chain: its objects are not "
                   "trusted\n",
                   e->key);
            st->problems++;
            continue;
        }
        if (!full && (known = catalog_manifest_known(c, e->key)) < 0)
            goto out;
        if (attest_manifest(&sy, e, !known) < 0)
            goto out;
        if (!known) {
            json_object_set_new(fresh, e->key, json_true());
            st->manifests++;
            if (record_run(&sy, e) < 0)
                goto out;
        }
    }
    if (apply_tombstones(&sy, &ms, fresh) < 0)
        goto out;
    const char *prefix;
    json_t *u;
    json_object_foreach(sy.units, prefix, u)
    {
        if (json_is_true(json_object_get(u, "expired")))
            continue; /* an explicit expiry deleted (some of) it */
        if (!full) {
            if (!json_is_true(json_object_get(u, "new")))
                continue;
            char *ut = index_name_get(u, "tenant"), *us = index_name_get(u, "source");
            int done = ut && us ? catalog_unit_complete(
                                      c, json_string_value(json_object_get(u, "date")), us, ut)
                                : -1;
            free(ut);
            free(us);
            if (done < 0)
                goto out;
            if (done)
                continue;
        }
        if (sync_unit(&sy, u) < 0)
            goto out;
    }
    if (full && store_list(s, OBJKEY_DATA_ROOT, report_unattested, &sy) < 0) {
        st->store_errors++;
        goto out;
    }
    rc = 0;
out:
    if (loaded)
        manifest_set_free(&ms);
    json_decref(sy.attested);
    json_decref(sy.units);
    json_decref(fresh);
    return rc;
}

int job_rebuild(const config_t *cfg)
{
    store_t *s = NULL;
    catalog_t *c = NULL;
    job_sync_stats_t st;
    int code = EXIT_FAIL, began = 0;

    memset(&st, 0, sizeof st);
    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN) {
        code = EXIT_USAGE;
        goto out;
    }
    s = store_open(cfg); /* the run lock is held by cli.c (CMD_LOCK) */
    c = s ? catalog_open(cfg->catalog.path) : NULL;
    if (!c)
        goto out;
    if (catalog_begin(c) < 0)
        goto out;
    began = 1;
    if (catalog_clear(c) < 0)
        goto out;
    if (job_sync_catalog(s, c, 1, &st) < 0 || catalog_commit(c) < 0) {
        log_error("rebuild: reading the store %s failed; catalog unchanged", cfg->store.url);
        code = st.store_errors ? EXIT_STORE : EXIT_FAIL;
        goto out;
    }
    began = 0;
    printf("catalog rebuilt from %s: %d object(s), %d complete unit(s), %d run(s)%s%s\n",
           cfg->store.url, st.objects, st.units, st.runs,
           st.problems ? "; some objects were unreadable or inconsistent (see above)" : "",
           st.unattested ? "; unattested objects ignored (see above)" : "");
    code = st.problems || st.unattested ? EXIT_WARN : EXIT_OK;
out:
    if (began)
        catalog_rollback(c);
    catalog_free(c);
    store_free(s);
    return code;
}
