/*
 * job_verify.c — `verify`: cross-check the manifest chain, the store and the
 * catalog, within an optional scope (--date / --from --until, --tenant).
 *
 *  - the chain (manifest.c): each manifest's prev link names a manifest that
 *    exists and has the recorded SHA-256 (so altering a volume and editing
 *    its manifest to match breaks the chain at the next manifest); every
 *    listed object present with its size and SHA-256 (--deep: re-hashed);
 *  - every manifest the catalog records is in the store (all manifests
 *    deleted is caught here);
 *  - every catalogued object of a complete unit is in the store with its size
 *    and is listed by a manifest; every manifest-listed object has a catalog
 *    row;
 *  - every unit recorded complete has data and index rows for volumes 1..N;
 *  - an object a tombstone of the chain names (prune, tenant offboard) and
 *    the store no longer has is expired, not missing: one EXPIRED line per
 *    day says when, by which run and why, and the summary counts them.
 *
 * Exit: 7 when anything is missing, altered or inconsistent; else 8 when the
 * store failed while checking (transport, permission: nothing proven either
 * way); else 6 when --deep could not read cold objects (not checked); else 0,
 * "all good", only when everything asked was checked.
 *
 * `verify --bundle DIR` checks an audit bundle instead (job_audit.c).
 */
#include "job.h"

#include "catalog.h"
#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "sign.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vcheck {
    store_t *s;
    catalog_t *c;
    const verify_opts_t *o;
    json_t *listed; /* keys listed by any valid manifest */
    json_t *tomb;   /* tombstoned keys (manifest_tombstones) */
    const manifest_set_t *ms;
    int problems, io_errors, n;
};

static int check_object(void *ctx, const catalog_object_t *o)
{
    struct vcheck *v = ctx;
    store_info_t info;
    int rc, done;

    if (!o->tenant || !o->source || !o->date)
        return 0;
    done = catalog_unit_complete(v->c, o->date, o->source, o->tenant);
    if (done < 0)
        return -1;
    if (!done)
        return 0; /* an interrupted attempt's objects: the next run removes them */
    v->n++;
    rc = store_head(v->s, o->key, &info);
    if (rc == STORE_NOTFOUND && json_object_get(v->tomb, o->key)) {
        /* another host's prune: the next run or prune here syncs it */
        printf("INFO catalogued object %s was expired by run %s (not in this catalog yet)\n",
               o->key,
               json_string_value(json_object_get(json_object_get(v->tomb, o->key), "run_id")));
        return 0;
    }
    if (rc == STORE_NOTFOUND) {
        printf("PROBLEM catalogued object %s is missing from the store\n", o->key);
        v->problems++;
    } else if (rc < 0) {
        printf("ERROR cannot check %s (store error, see the log)\n", o->key);
        v->io_errors++;
    } else if (info.size != o->size) {
        printf("PROBLEM object %s is %lld bytes in the store, catalogued as %lld\n", o->key,
               (long long)info.size, (long long)o->size);
        v->problems++;
    }
    if (!json_object_get(v->listed, o->key)) {
        printf("PROBLEM catalogued object %s is listed by no manifest in the store (if run %s "
               "was interrupted before writing its manifest, the next run writes it)\n",
               o->key, o->run_id ? o->run_id : "?");
        v->problems++;
    }
    return 0;
}

static int check_manifest_row(void *ctx, const char *const *col)
{
    struct vcheck *v = ctx;
    store_info_t info;
    int rc;

    if ((v->o->from && strcmp(col[1], v->o->from) < 0) ||
        (v->o->until && strcmp(col[1], v->o->until) > 0))
        return 0;
    rc = store_head(v->s, col[2], &info);
    if (rc == STORE_NOTFOUND) {
        printf("PROBLEM manifest %s of run %s is missing from the store\n", col[2], col[0]);
        v->problems++;
    } else if (rc < 0) {
        printf("ERROR cannot check %s (store error, see the log)\n", col[2]);
        v->io_errors++;
    } else {
        const manifest_entry_t *e = manifest_set_find(v->ms, col[2]);
        if (e && col[3] && strcmp(e->sha, col[3])) {
            printf("PROBLEM manifest %s of run %s has SHA-256 %s, the catalog recorded %s "
                   "(altered, truncated or replaced)\n",
                   col[2], col[0], e->sha, col[3]);
            v->problems++;
        }
    }
    return 0;
}

static int check_unit(void *ctx, const char *const *col)
{
    struct vcheck *v = ctx;
    int vols = col[4] ? atoi(col[4]) : 0;

    if (!col[3] || strcmp(col[3], "complete"))
        return 0;
    if (vols < 1 || atoi(col[5]) != vols || atoi(col[6]) != vols) {
        printf("PROBLEM unit %s/%s/%s is recorded complete with %d volume(s), but the catalog "
               "has %s data and %s index object(s) for volumes 1..%d\n",
               col[0], col[1], col[2], vols, col[5], col[6], vols);
        v->problems++;
    }
    return 0;
}

static int in_scope(const verify_opts_t *o, const objkey_parts_t *kp)
{
    if ((o->from && strcmp(kp->date, o->from) < 0) || (o->until && strcmp(kp->date, o->until) > 0))
        return 0;
    return !o->tenant || (kp->tenant && !strcmp(kp->tenant, o->tenant));
}

/* [audit] public_key: every manifest in scope is signed by it. */
static int check_signatures(struct vcheck *v, const config_t *cfg, const manifest_set_t *ms)
{
    sign_key_t *pub = sign_load_public(cfg->audit.public_key);
    char why[512];
    int n = 0;
    if (!pub)
        return -1;
    for (size_t i = 0; i < ms->n; i++) {
        const char *d = json_string_value(json_object_get(ms->v[i].json, "date"));
        if (!ms->v[i].json || !d || (v->o->from && strcmp(d, v->o->from) < 0) ||
            (v->o->until && strcmp(d, v->o->until) > 0))
            continue;
        int r = manifest_check_signature(v->s, &ms->v[i], pub, why, sizeof why);
        if (r == 0) {
            printf("PROBLEM manifest %s: %s\n", ms->v[i].key, why);
            v->problems++;
        } else if (r < 0) {
            printf("ERROR cannot check the signature of %s (store error, see the log)\n",
                   ms->v[i].key);
            v->io_errors++;
        }
        n++;
    }
    printf("INFO %d manifest signature(s) checked with key %s\n", n, sign_key_id(pub));
    sign_key_free(pub);
    return 0;
}

/* Collect the keys manifests list; report listed objects without a catalog
 * row. */
static int collect_listed(struct vcheck *v, const manifest_set_t *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        size_t j;
        json_t *o;
        int mknown, noted = 0;
        if (!ms->v[i].json)
            continue;
        if ((mknown = catalog_manifest_known(v->c, ms->v[i].key)) < 0)
            return -1;
        json_array_foreach(json_object_get(ms->v[i].json, "objects"), j, o)
        {
            const char *key = json_string_value(json_object_get(o, "key"));
            objkey_parts_t kp;
            int known;
            if (!key)
                continue;
            json_object_set_new(v->listed, key, json_true());
            if (objkey_parse(key, &kp) < 0)
                continue;
            if (json_object_get(v->tomb, key)) {
                /* expired: its catalog row is gone on purpose */
            } else if (in_scope(v->o, &kp) && !mknown) {
                /* another host's run, or one this catalog has not synced */
                if (!noted++)
                    printf("INFO manifest %s is not in this catalog yet (the next run syncs "
                           "it)\n",
                           ms->v[i].key);
            } else if (in_scope(v->o, &kp)) {
                known = catalog_object_known(v->c, key);
                if (known < 0) {
                    objkey_parts_free(&kp);
                    return -1;
                }
                if (!known) {
                    printf("PROBLEM %s (listed by %s) has no catalog row (run `coldpack catalog "
                           "rebuild`)\n",
                           key, ms->v[i].key);
                    v->problems++;
                }
            }
            objkey_parts_free(&kp);
        }
    }
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One line per day in scope with tombstoned objects: what is gone, when,
 * by which run, why. Returns the number of days. */
static int print_expired(struct vcheck *v)
{
    json_t *days = json_object();
    const char *key, *date;
    json_t *t, *d;
    const char **names = NULL;
    size_t n = 0, i = 0;

    if (!days)
        return 0;
    json_object_foreach(v->tomb, key, t)
    {
        objkey_parts_t kp;
        if (objkey_parse(key, &kp) < 0)
            continue;
        if (kp.tenant && in_scope(v->o, &kp)) {
            d = json_object_get(days, kp.date);
            if (!d) {
                d = json_pack("{s:i, s:O?, s:O?, s:O?, s:{}}", "n", 0, "on",
                              json_object_get(t, "on"), "run_id", json_object_get(t, "run_id"),
                              "reason", json_object_get(t, "reason"), "tenants");
                json_object_set_new(days, kp.date, d);
            }
            json_object_set_new(d, "n",
                                json_integer(json_integer_value(json_object_get(d, "n")) + 1));
            json_object_set_new(json_object_get(d, "tenants"), kp.tenant, json_true());
        }
        objkey_parts_free(&kp);
    }
    n = json_object_size(days);
    names = n ? calloc(n, sizeof *names) : NULL;
    json_object_foreach(days, date, d)
    {
        if (names)
            names[i++] = date;
    }
    if (names)
        qsort(names, n, sizeof *names, by_str);
    for (i = 0; names && i < n; i++) {
        d = json_object_get(days, names[i]);
        printf("EXPIRED %s: %lld object(s) of %zu tenant(s) deleted on %s by run %s (%s)\n",
               names[i], (long long)json_integer_value(json_object_get(d, "n")),
               json_object_size(json_object_get(d, "tenants")),
               json_string_value(json_object_get(d, "on"))
                   ? json_string_value(json_object_get(d, "on"))
                   : "?",
               json_string_value(json_object_get(d, "run_id"))
                   ? json_string_value(json_object_get(d, "run_id"))
                   : "?",
               json_string_value(json_object_get(d, "reason"))
                   ? json_string_value(json_object_get(d, "reason"))
                   : "?");
    }
    free(names);
    json_decref(days);
    return (int)n;
}

int job_verify(const config_t *cfg, const verify_opts_t *o)
{
    store_t *s = NULL;
    catalog_t *c = NULL;
    struct vcheck v = {NULL, NULL, o, json_object(), NULL, NULL, 0, 0, 0};
    manifest_verify_opts_t mo = {o->deep, o->from, o->until, o->tenant};
    manifest_verify_stats_t ms;
    manifest_set_t set;
    int problems, code = EXIT_FAIL, loaded = 0;
    const char *verdict;

    if (o->bundle) {
        json_decref(v.listed);
        return job_audit_verify_bundle(cfg, o->bundle);
    }
    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    s = store_open(cfg);
    c = s ? catalog_open(cfg->catalog.path) : NULL;
    if (!c || !v.listed)
        goto out;
    v.s = s;
    v.c = c;
    if (manifest_verify_chain(s, &mo, &ms) < 0 || manifest_load_all(s, &set, 0) < 0) {
        code = EXIT_STORE;
        goto out;
    }
    loaded = 1;
    v.ms = &set;
    if (!(v.tomb = manifest_tombstones(&set, NULL)))
        goto out;
    if ((cfg->audit.public_key && check_signatures(&v, cfg, &set) < 0) ||
        collect_listed(&v, &set) < 0 || catalog_manifests(c, check_manifest_row, &v) < 0 ||
        catalog_units(c, o->tenant, o->from, o->until, check_unit, &v) < 0 ||
        catalog_objects(c, NULL, o->tenant, o->from, o->until, NULL, check_object, &v) < 0)
        goto out;
    problems = ms.problems + v.problems;
    int io = ms.io_errors + v.io_errors;
    if (problems) {
        verdict = "PROBLEMS FOUND";
        code = EXIT_CORRUPT;
    } else if (io) {
        verdict = "INCOMPLETE: the store failed while checking";
        code = EXIT_STORE;
    } else if (o->deep && ms.cold) {
        verdict = "INCOMPLETE: cold objects not checked";
        code = EXIT_PENDING;
    } else {
        verdict = "all good";
        code = EXIT_OK;
    }
    int days = print_expired(&v);
    printf("verify: %d manifest(s) in the chain, %d listed object(s), %d catalogued object(s) "
           "checked",
           ms.manifests, ms.objects, v.n);
    if (ms.expired || days)
        printf("; %d object(s) expired (tombstoned, deleted on purpose) over %d day(s)", ms.expired,
               days);
    if (o->deep)
        printf("; deep: %d object(s) re-hashed, %d not checked (cold, not restored)", ms.rehashed,
               ms.cold);
    if (io)
        printf("; %d store error(s)", io);
    printf(": %s\n", verdict);
out:
    if (loaded)
        manifest_set_free(&set);
    json_decref(v.listed);
    json_decref(v.tomb);
    catalog_free(c);
    store_free(s);
    return code;
}
