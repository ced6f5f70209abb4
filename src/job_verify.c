/*
 * job_verify.c — `verify` and `catalog rebuild`: the two jobs that compare
 * the catalog with the store.
 *
 * verify: walks the manifest chain (each manifest's prev_sha256 against the
 * SHA-256 of its predecessor, each listed object present with its size and
 * SHA-256), and checks every catalogued object is in the store with its size. --deep also reads
 * every readable object and recomputes its SHA-256.
 *
 * rebuild: recreates the catalog from the store alone: every volume index
 * gives its data object and unit; a unit is complete when its volumes 1..N
 * are all there and volume N's index says "last"; every manifest gives a run.
 */
#include "job.h"

#include "catalog.h"
#include "index.h"
#include "lock.h"
#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "store.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vcheck {
    store_t *s;
    int problems;
    int n;
};

static int check_object(void *ctx, const catalog_object_t *o)
{
    struct vcheck *v = ctx;
    store_info_t info;
    int rc = store_head(v->s, o->key, &info);

    v->n++;
    if (rc == STORE_NOTFOUND) {
        printf("PROBLEM catalogued object %s is missing from the store\n", o->key);
        v->problems++;
    } else if (rc < 0) {
        printf("PROBLEM cannot check %s\n", o->key);
        v->problems++;
    } else if (info.size != o->size) {
        printf("PROBLEM object %s is %lld bytes in the store, catalogued as %lld\n", o->key,
               (long long)info.size, (long long)o->size);
        v->problems++;
    }
    return 0;
}

int job_verify(const config_t *cfg, int deep)
{
    store_t *s = store_open(cfg);
    catalog_t *c = s ? catalog_open(cfg->catalog.path) : NULL;
    struct vcheck v = {s, 0, 0};
    int nman = 0, problems, code = EXIT_FAIL;

    if (!c)
        goto out;
    problems = manifest_verify_chain(s, deep, &nman);
    if (problems < 0)
        goto out;
    if (catalog_objects(c, NULL, NULL, NULL, NULL, NULL, check_object, &v) < 0)
        goto out;
    problems += v.problems;
    printf("verify: %d manifest(s) in the chain, %d catalogued object(s) checked%s: %s\n", nman,
           v.n, deep ? " (deep: contents re-hashed)" : "",
           problems ? "PROBLEMS FOUND" : "all good");
    code = problems ? EXIT_CORRUPT : EXIT_OK;
out:
    catalog_free(c);
    store_free(s);
    return code;
}

/* ---- rebuild ---- */

struct rebuild {
    store_t *s;
    catalog_t *c;
    int objects, units, runs, problems;
};

static int rebuild_index(struct rebuild *rb, const char *key, const objkey_parts_t *kp,
                         int64_t size)
{
    json_t *idx = index_load(rb->s, key);
    store_info_t info;
    char isha[65];
    unsigned char *raw = NULL;
    size_t rawlen;

    if (!idx) {
        rb->problems++;
        return 0;
    }
    const char *tenant = json_string_value(json_object_get(idx, "tenant"));
    const char *date = json_string_value(json_object_get(idx, "date"));
    const char *source = json_string_value(json_object_get(idx, "source"));
    const char *run_id = json_string_value(json_object_get(idx, "run_id"));
    const char *dkey = json_string_value(json_object_get(idx, "key"));
    json_t *obj = json_object_get(idx, "object");
    int vol = (int)json_integer_value(json_object_get(idx, "volume"));
    int last = json_is_true(json_object_get(idx, "last"));
    if (!tenant || !date || !source || !dkey || !obj) {
        log_error("rebuild: index %s lacks tenant/date/source/key", key);
        rb->problems++;
        goto out;
    }
    /* the index must describe the unit and volume its key names, and its
     * data object must be that volume's key */
    objkey_parts_t dp;
    int dok = objkey_parse(dkey, &dp) == 0 && dp.kind == OBJKEY_VOLUME &&
              !strcmp(dp.tenant, kp->tenant) && !strcmp(dp.date, kp->date) &&
              !strcmp(dp.source, kp->source) && dp.volno == kp->volno;
    objkey_parts_free(&dp);
    if (!dok || strcmp(tenant, kp->tenant) || strcmp(date, kp->date) ||
        strcmp(source, kp->source) || vol != kp->volno) {
        log_error("rebuild: index %s does not describe its own unit and volume (data object %s): "
                  "ignored",
                  key, dkey);
        rb->problems++;
        goto out;
    }
    if (store_head(rb->s, dkey, &info) < 0) {
        log_warn("rebuild: %s lists %s, which is not in the store: unit left incomplete", key,
                 dkey);
        goto out;
    }
    catalog_object_t o = {dkey,
                          "data",
                          date,
                          source,
                          tenant,
                          vol,
                          json_integer_value(json_object_get(obj, "size")),
                          json_string_value(json_object_get(obj, "sha256")),
                          info.storage_class,
                          run_id};
    if (catalog_object_add(rb->c, &o) < 0)
        goto out;
    if (store_get_buf(rb->s, key, 1u << 30, &raw, &rawlen) == 0) {
        util_sha256_buf(raw, rawlen, isha);
        free(raw);
    } else {
        isha[0] = 0;
    }
    catalog_object_t io = {key, "index", date, source, tenant, vol, size, isha, "STANDARD", run_id};
    catalog_object_add(rb->c, &io);
    rb->objects += 2;
    if (last) {
        /* complete when volumes 1..vol all have their data objects */
        int ok = 1;
        for (int i = 1; i < vol && ok; i++) {
            char *kg = objkey_index(tenant, date, source, i);
            store_info_t ii;
            ok = kg && store_head(rb->s, kg, &ii) == 0;
            free(kg);
        }
        if (ok) {
            catalog_unit_set(rb->c, date, source, tenant, "complete", vol,
                             (int)json_integer_value(json_object_get(idx, "files_count")), 0,
                             run_id);
            rb->units++;
        } else {
            log_warn("rebuild: unit %s/%s/%s misses a volume: left incomplete", date, source,
                     tenant);
        }
    }
out:
    json_decref(idx);
    return 0;
}

static int rebuild_key(void *ctx, const char *key, int64_t size)
{
    struct rebuild *rb = ctx;
    objkey_parts_t kp;
    int rc = 0;

    if (objkey_parse(key, &kp) < 0) {
        log_warn("rebuild: %s is not a coldpack key: ignored", key);
        return 0;
    }
    if (kp.kind == OBJKEY_INDEX)
        rc = rebuild_index(rb, key, &kp, size);
    objkey_parts_free(&kp);
    return rc;
}

static int rebuild_manifest(void *ctx, const char *key)
{
    struct rebuild *rb = ctx;
    size_t len;
    char sha[65];
    json_t *m;

    if (manifest_read(rb->s, key, sha, &len, &m, NULL) < 0) {
        rb->problems++;
        return 0;
    }
    const char *run_id = m ? json_string_value(json_object_get(m, "run_id")) : NULL;
    const char *date = m ? json_string_value(json_object_get(m, "date")) : NULL;
    if (!run_id || !date) {
        log_error("rebuild: manifest %s is unreadable", key);
        rb->problems++;
    } else {
        catalog_run_begin(rb->c, run_id, date);
        catalog_run_end(rb->c, run_id, "ok", key, sha);
        catalog_object_t o = {key, "manifest",   date, NULL,       NULL,
                              0,   (int64_t)len, sha,  "STANDARD", run_id};
        catalog_object_add(rb->c, &o);
        rb->runs++;
    }
    json_decref(m);
    return 0;
}

int job_rebuild(const config_t *cfg)
{
    char *lockpath = util_asprintf("%s.lock", cfg->catalog.path);
    int lockfd = lockpath ? lock_acquire(lockpath) : -1;
    store_t *s = NULL;
    catalog_t *c = NULL;
    struct rebuild rb;
    int code = EXIT_FAIL;

    memset(&rb, 0, sizeof rb);
    if (lockfd == LOCK_HELD) {
        code = EXIT_LOCKED;
        goto out;
    }
    if (lockfd < 0)
        goto out;
    s = store_open(cfg);
    c = s ? catalog_open(cfg->catalog.path) : NULL;
    if (!c)
        goto out;
    rb.s = s;
    rb.c = c;
    if (catalog_begin(c) < 0 || catalog_clear(c) < 0)
        goto out;
    if (store_list(s, OBJKEY_DATA_ROOT, rebuild_key, &rb) < 0 ||
        manifest_list(s, rebuild_manifest, &rb) < 0 || catalog_commit(c) < 0) {
        log_error("rebuild: reading the store %s failed; catalog unchanged", cfg->store.url);
        goto out;
    }
    printf("catalog rebuilt from %s: %d object(s), %d complete unit(s), %d run(s)%s\n",
           cfg->store.url, rb.objects, rb.units, rb.runs,
           rb.problems ? "; some objects were unreadable (see above)" : "");
    code = rb.problems ? EXIT_WARN : EXIT_OK;
out:
    catalog_free(c); /* an open transaction is rolled back on close */
    store_free(s);
    lock_release(lockfd);
    free(lockpath);
    return code;
}
