/*
 * manifest.c — write and verify the hash chain of run manifests.
 * Manifests are small JSON objects in the hot class; the chain is ordered by
 * run id (UTC start time first), across dates, so a backfill of an old date
 * still extends the one chain.
 */
#include "manifest.h"

#include "array.h"
#include "log.h"
#include "objkey.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct keys {
    char **v;
    size_t n, cap;
};

static const char *base_name(const char *key)
{
    const char *s = strrchr(key, '/');
    return s ? s + 1 : key;
}

static int collect(void *ctx, const char *key, int64_t size)
{
    struct keys *k = ctx;
    objkey_parts_t parts;
    int ours = objkey_parse(key, &parts) == 0 && parts.kind == OBJKEY_MANIFEST;

    (void)size;
    objkey_parts_free(&parts);
    if (!ours) {
        log_warn("%s is not a run manifest key: ignored", key);
        return 0;
    }
    if (ARRAY_GROW(k->v, k->n + 1, k->cap) < 0 || !(k->v[k->n] = strdup(key)))
        return -1;
    k->n++;
    return 0;
}

static int by_run_id(const void *a, const void *b)
{
    return strcmp(base_name(*(char *const *)a), base_name(*(char *const *)b));
}

int manifest_read(store_t *s, const char *key, char sha[65], size_t *len, json_t **json,
                  json_error_t *err)
{
    unsigned char *buf = NULL;
    size_t n;

    if (store_get_buf(s, key, 64 << 20, &buf, &n) < 0)
        return -1;
    util_sha256_buf(buf, n, sha);
    if (len)
        *len = n;
    if (json)
        *json = json_loadb((const char *)buf, n, 0, err);
    free(buf);
    return 0;
}

int manifest_list(store_t *s, int (*fn)(void *ctx, const char *key), void *ctx)
{
    struct keys k = {0};
    int rc = 0;

    if (store_list(s, OBJKEY_RUNS_ROOT, collect, &k) < 0)
        rc = -1;
    if (k.n > 1) /* k.v is NULL when nothing was listed: qsort must not get it */
        qsort(k.v, k.n, sizeof *k.v, by_run_id);
    for (size_t i = 0; i < k.n; i++) {
        if (rc == 0 && fn(ctx, k.v[i]) != 0)
            rc = 1;
        free(k.v[i]);
    }
    free(k.v);
    return rc < 0 ? -1 : 0;
}

struct latest {
    char *key;
};

static int keep_last(void *ctx, const char *key)
{
    struct latest *l = ctx;

    free(l->key);
    l->key = strdup(key);
    return 0;
}

int manifest_latest(store_t *s, char **key_out, char sha_out[65])
{
    struct latest l = {NULL};

    *key_out = NULL;
    sha_out[0] = 0;
    if (manifest_list(s, keep_last, &l) < 0)
        return -1;
    if (!l.key)
        return 0;
    if (manifest_read(s, l.key, sha_out, NULL, NULL, NULL) < 0) {
        log_error("cannot read the newest manifest %s", l.key);
        free(l.key);
        return -1;
    }
    *key_out = l.key;
    return 0;
}

static int add_object(void *ctx, const catalog_object_t *o)
{
    json_t *arr = ctx;

    return json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:s, s:s}", "key", o->key, "kind",
                                                o->kind, "size", (json_int_t)o->size, "sha256",
                                                o->sha256, "storage_class",
                                                o->storage_class ? o->storage_class : ""));
}

int manifest_write(store_t *s, catalog_t *c, const char *run_id, const char *date, char **key_out,
                   char sha_out[65])
{
    char *prev_key = NULL, *txt = NULL, *key = NULL;
    char prev_sha[65], created[32];
    json_t *m = NULL, *objs = json_array();
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;

    *key_out = NULL;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!objs || catalog_objects_of_run(c, run_id, add_object, objs) < 0)
        goto out;
    if (manifest_latest(s, &prev_key, prev_sha) < 0)
        goto out;
    m = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:O}", "format", "coldpack-manifest-1", "run_id",
                  run_id, "date", date, "created", created, "prev_manifest",
                  prev_key ? json_string(prev_key) : json_null(), "prev_sha256",
                  prev_key ? json_string(prev_sha) : json_null(), "objects", objs);
    if (!m)
        goto out;
    txt = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS);
    key = objkey_manifest(date, run_id);
    if (!txt || !key)
        goto out;
    store_put_opts_t o = {"STANDARD", "application/json", 1, (int64_t)strlen(txt)};
    int prc = store_put_buf(s, key, txt, strlen(txt), &o);
    if (prc == STORE_EXISTS) {
        /* The run wrote it and was killed before recording it: keep that one. */
        if (manifest_read(s, key, sha_out, NULL, NULL, NULL) < 0)
            goto out;
    } else if (prc < 0) {
        goto out;
    } else {
        util_sha256_buf(txt, strlen(txt), sha_out);
    }
    *key_out = key;
    key = NULL;
    rc = 0;
out:
    json_decref(m);
    json_decref(objs);
    free(prev_key);
    free(txt);
    free(key);
    return rc;
}

struct verify {
    store_t *s;
    int deep;
    int problems;
    int n;
    char prev_key[1024];
    char prev_sha[65];
};

struct hashsink {
    util_sha256_t h;
    int64_t n;
};

static int hash_sink(void *ctx, const void *data, size_t len)
{
    struct hashsink *hs = ctx;

    util_sha256_update(&hs->h, data, len);
    hs->n += (int64_t)len;
    return 0;
}

static void problem(struct verify *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct verify *v, const char *fmt, ...)
{
    va_list ap;
    char line[2048];

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("PROBLEM %s\n", line);
    v->problems++;
}

static void verify_objects(struct verify *v, const char *mkey, json_t *objs)
{
    size_t i;
    json_t *o;

    json_array_foreach(objs, i, o)
    {
        const char *key = json_string_value(json_object_get(o, "key"));
        const char *sha = json_string_value(json_object_get(o, "sha256"));
        int64_t size = json_integer_value(json_object_get(o, "size"));
        store_info_t info;
        int rc;

        if (!key || !sha) {
            problem(v, "%s: object entry %zu is malformed", mkey, i);
            continue;
        }
        rc = store_head(v->s, key, &info);
        if (rc == STORE_NOTFOUND) {
            problem(v, "%s: object %s is missing from the store", mkey, key);
            continue;
        }
        if (rc < 0) {
            problem(v, "%s: cannot check object %s", mkey, key);
            continue;
        }
        if (info.size != size) {
            problem(v, "%s: object %s is %lld bytes, the manifest says %lld", mkey, key,
                    (long long)info.size, (long long)size);
            continue;
        }
        if (info.sha256[0] && strcmp(info.sha256, sha)) {
            problem(v, "%s: object %s has SHA-256 %s in its metadata, the manifest says %s", mkey,
                    key, info.sha256, sha);
            continue;
        }
        if (v->deep) {
            struct hashsink hs = {{NULL}, 0};
            char got[65];
            if (info.thaw != STORE_THAW_READY) {
                printf("SKIP %s: in %s, not restored: content not read (run restore first)\n", key,
                       info.storage_class);
                continue;
            }
            if (util_sha256_init(&hs.h) < 0)
                continue;
            rc = store_get(v->s, key, 0, -1, hash_sink, &hs);
            util_sha256_final(&hs.h, got);
            if (rc < 0)
                problem(v, "%s: cannot read object %s", mkey, key);
            else if (strcmp(got, sha))
                problem(v, "%s: object %s content SHA-256 %s, the manifest says %s", mkey, key, got,
                        sha);
        }
    }
}

static int verify_one(void *ctx, const char *key)
{
    struct verify *v = ctx;
    char sha[65];
    json_t *m;
    json_error_t jerr;

    v->n++;
    if (manifest_read(v->s, key, sha, NULL, &m, &jerr) < 0) {
        problem(v, "manifest %s cannot be read", key);
        return 0;
    }
    if (!m) {
        problem(v, "manifest %s is not valid JSON (line %d: %s): chain broken here", key, jerr.line,
                jerr.text);
        snprintf(v->prev_key, sizeof v->prev_key, "%s", key);
        snprintf(v->prev_sha, sizeof v->prev_sha, "%s", sha);
        return 0;
    }
    const char *pk = json_string_value(json_object_get(m, "prev_manifest"));
    const char *ps = json_string_value(json_object_get(m, "prev_sha256"));
    if (!v->prev_key[0]) {
        if (pk)
            problem(v, "chain broken at %s: it follows %s, which is not in the store", key, pk);
    } else if (!pk || strcmp(pk, v->prev_key)) {
        problem(v, "chain broken at %s: it follows %s, but the manifest before it is %s", key,
                pk ? pk : "(none)", v->prev_key);
    } else if (!ps || strcmp(ps, v->prev_sha)) {
        problem(v,
                "chain broken at %s: %s has SHA-256 %s, but %s recorded %s (altered or "
                "replaced)",
                key, v->prev_key, v->prev_sha, key, ps ? ps : "(none)");
    }
    verify_objects(v, key, json_object_get(m, "objects"));
    json_decref(m);
    snprintf(v->prev_key, sizeof v->prev_key, "%s", key);
    snprintf(v->prev_sha, sizeof v->prev_sha, "%s", sha);
    return 0;
}

int manifest_verify_chain(store_t *s, int deep, int *nmanifests)
{
    struct verify v;

    memset(&v, 0, sizeof v);
    v.s = s;
    v.deep = deep;
    if (manifest_list(s, verify_one, &v) < 0)
        return -1;
    *nmanifests = v.n;
    return v.problems;
}
