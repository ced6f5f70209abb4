/*
 * manifest.c — write and verify the hash chain of run manifests.
 * Manifests are small JSON objects in the hot class. The chain is ordered by
 * each manifest's prev link (prev_manifest + prev_sha256), never by clock or
 * run-id sort: a new manifest chains to the tip (a manifest no other one
 * follows) after every manifest has been fully read and parsed. A read error
 * fails the write (the next run retries); an object under runs/ that is not
 * a manifest is warned about and never chained to. Two runs sharing a store
 * may both chain to the same tip: a fork, where each branch is verified on
 * its own (manifest_verify_chain reports it as information). The chain's
 * verification (manifest_verify_chain) is in manifest_verify.c.
 *
 * Signing ([audit] signing_key): the manifest's bytes are signed as they are
 * stored and the signature goes to a sidecar object under sigs/ (manifest.h),
 * so signing changes neither the manifest's bytes nor the chain.
 */
#include "manifest.h"

#include "array.h"
#include "log.h"
#include "objkey.h"
#include "sign.h"
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

static void entry_free(manifest_entry_t *e)
{
    free(e->key);
    json_decref(e->json);
}

void manifest_set_free(manifest_set_t *ms)
{
    for (size_t i = 0; i < ms->n; i++)
        entry_free(&ms->v[i]);
    free(ms->v);
    memset(ms, 0, sizeof *ms);
}

struct loader {
    store_t *s;
    manifest_set_t *ms;
    size_t cap;
    int failed;
    int warn;
};

static int load_one(void *ctx, const char *key)
{
    struct loader *l = ctx;
    manifest_entry_t e;
    unsigned char *buf = NULL;
    size_t n;
    json_error_t jerr;
    int rc;

    memset(&e, 0, sizeof e);
    rc = store_get_buf(l->s, key, 64 << 20, &buf, &n);
    if (rc == STORE_NOTFOUND)
        return 0; /* removed while listing */
    if (rc == STORE_COLD) {
        /* coldpack writes manifests hot: a cold object here is not one of
         * ours, and must not stop every later run */
        if (l->warn)
            log_warn("%s under %s is in a cold storage class: not a coldpack manifest, ignored",
                     key, OBJKEY_RUNS_ROOT);
        l->ms->junk++;
        return 0;
    }
    if (rc < 0) {
        l->failed = 1; /* logged by the store */
        return 1;
    }
    util_sha256_buf(buf, n, e.sha);
    e.len = n;
    e.json = json_loadb((const char *)buf, n, 0, &jerr);
    free(buf);
    const char *fmt = json_string_value(json_object_get(e.json, "format"));
    if (!fmt || strcmp(fmt, "coldpack-manifest-1") ||
        !json_is_array(json_object_get(e.json, "objects"))) {
        if (l->warn)
            log_warn("%s under %s is not a coldpack manifest (%s): ignored, never chained to", key,
                     OBJKEY_RUNS_ROOT, e.json ? "wrong format" : jerr.text);
        json_decref(e.json);
        e.json = NULL;
        l->ms->junk++;
    }
    if (ARRAY_GROW(l->ms->v, l->ms->n + 1, l->cap) < 0 || !(e.key = strdup(key))) {
        json_decref(e.json);
        l->failed = 1;
        return 1;
    }
    l->ms->v[l->ms->n++] = e;
    return 0;
}

const char *manifest_prev_key(const manifest_entry_t *e)
{
    return json_string_value(json_object_get(e->json, "prev_manifest"));
}

const char *manifest_prev_sha(const manifest_entry_t *e)
{
    return json_string_value(json_object_get(e->json, "prev_sha256"));
}

const manifest_entry_t *manifest_set_find(const manifest_set_t *ms, const char *key)
{
    for (size_t i = 0; key && i < ms->n; i++)
        if (!strcmp(ms->v[i].key, key))
            return &ms->v[i];
    return NULL;
}

/* 1 when e's prev links lead, hash by hash, to a manifest with no
 * predecessor. Iterative with a step bound: a forged loop ends as invalid. */
int manifest_in_chain(const manifest_set_t *ms, const manifest_entry_t *e)
{
    for (size_t steps = 0; e && e->json && steps <= ms->n; steps++) {
        const char *pk = manifest_prev_key(e), *ps = manifest_prev_sha(e);
        if (!pk)
            return 1;
        const manifest_entry_t *p = manifest_set_find(ms, pk);
        if (!p || !p->json || !ps || strcmp(ps, p->sha))
            return 0;
        e = p;
    }
    return 0;
}

int manifest_load_all(store_t *s, manifest_set_t *out, int warn)
{
    struct loader l = {s, out, 0, 0, warn};

    memset(out, 0, sizeof *out);
    if (manifest_list(s, load_one, &l) < 0 || l.failed) {
        log_error("the run manifests in the store cannot all be read: nothing is chained to them");
        manifest_set_free(out);
        return -1;
    }
    return 0;
}

int manifest_tip(const manifest_set_t *ms)
{
    int tip = -1;

    /* the newest (by run id, for a stable choice between fork branches)
     * chain member that no chain member follows */
    for (size_t i = 0; i < ms->n; i++) {
        const manifest_entry_t *e = &ms->v[i];
        int followed = 0;
        if (!manifest_in_chain(ms, e))
            continue;
        for (size_t j = 0; j < ms->n && !followed; j++) {
            const char *pk = manifest_prev_key(&ms->v[j]);
            followed = j != i && ms->v[j].json && pk && !strcmp(pk, e->key);
        }
        if (!followed)
            tip = (int)i; /* ms is in run-id order */
    }
    return tip;
}

int manifest_latest(store_t *s, char **key_out, char sha_out[65])
{
    manifest_set_t ms;
    int tip;

    *key_out = NULL;
    sha_out[0] = 0;
    if (manifest_load_all(s, &ms, 0) < 0)
        return -1;
    tip = manifest_tip(&ms);
    if (tip >= 0) {
        *key_out = strdup(ms.v[tip].key);
        memcpy(sha_out, ms.v[tip].sha, 65);
    } else if (ms.n > (size_t)ms.junk) {
        log_error("no manifest in the store is part of a verified chain (run `coldpack verify`); "
                  "not chaining to any");
        manifest_set_free(&ms);
        return -1;
    }
    manifest_set_free(&ms);
    return tip >= 0 && !*key_out ? -1 : 0;
}

struct add_ctx {
    json_t *arr;
    catalog_t *c;
};

struct unit_counts {
    int found, volumes, files;
};

static int counts_cb(void *ctx, const char *const *cols)
{
    struct unit_counts *uc = ctx;

    uc->found = 1;
    uc->volumes = cols[0] ? atoi(cols[0]) : 0;
    uc->files = cols[1] ? atoi(cols[1]) : 0;
    return 0;
}

/* What attesting a unit needs without reading (decrypting) its indexes
 * (docs/formats.md "Run manifest"): "encrypted" on an object whose key ends
 * ".age"; on an index, "last" (its volume is the unit's final one, as the
 * index itself says) and, on the last one, "unit_files_count". Tenant,
 * date, source and volume are the key's (objkey_parse). 0 or -1. */
static int unit_fields(catalog_t *c, const catalog_object_t *o, json_t *e)
{
    objkey_parts_t kp;
    struct unit_counts uc = {0, 0, 0};
    int rc = 0, enc;

    if (objkey_parse(o->key, &kp) < 0)
        return 0; /* not a unit's object: listed as it is */
    enc = (kp.kind == OBJKEY_VOLUME || kp.kind == OBJKEY_INDEX) && kp.encrypted;
    if (enc && json_object_set_new(e, "encrypted", json_true()) < 0)
        rc = -1;
    if (rc == 0 && kp.kind == OBJKEY_INDEX && o->tenant && o->source && o->date) {
        if (catalog_unit_counts(c, o->date, o->source, o->tenant, counts_cb, &uc) < 0)
            rc = -1;
        else if (uc.found && uc.volumes > 0) {
            int last = kp.volno == uc.volumes;
            if (json_object_set_new(e, "last", json_boolean(last)) < 0 ||
                (last && json_object_set_new(e, "unit_files_count",
                                             json_integer((json_int_t)uc.files)) < 0))
                rc = -1;
        }
    }
    objkey_parts_free(&kp);
    return rc;
}

static int add_object(void *ctx, const catalog_object_t *o)
{
    struct add_ctx *ac = ctx;
    json_t *arr = ac->arr;

    /* only units recorded complete: a killed attempt's objects are
     * leftovers the next run deletes, never named by a manifest */
    if (o->tenant && o->source && o->date) {
        int done = catalog_unit_complete(ac->c, o->date, o->source, o->tenant);
        if (done < 0)
            return -1;
        if (!done)
            return 0;
    }
    json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:s}", "key", o->key, "kind", o->kind, "size",
                          (json_int_t)o->size, "sha256", o->sha256, "storage_class",
                          o->storage_class ? o->storage_class : "");
    if (!e || unit_fields(ac->c, o, e) < 0) {
        json_decref(e);
        return -1;
    }
    return json_array_append_new(arr, e);
}

char *manifest_sig_key(const char *mkey)
{
    size_t rl = strlen(OBJKEY_RUNS_ROOT);
    if (strncmp(mkey, OBJKEY_RUNS_ROOT, rl) != 0)
        return NULL;
    return util_asprintf("sigs/%s.sig", mkey + rl);
}

/* Sign the stored bytes of manifest key with k and put the sidecar
 * (create-only: one already there is left as it is). 0 or -1. */
static int sign_manifest(store_t *s, const char *key, const void *bytes, size_t len,
                         const char *sha, const sign_key_t *k)
{
    unsigned char sig[64];
    char *b64 = NULL, *skey = manifest_sig_key(key), *txt = NULL;
    json_t *j = NULL;
    int rc = -1;

    if (!k || !skey || sign_data(k, bytes, len, sig) < 0 || !(b64 = sign_b64(sig, 64)))
        goto out;
    j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "format", "coldpack-signature-1", "manifest",
                  key, "manifest_sha256", sha, "alg", "ed25519", "key_id", sign_key_id(k), "sig",
                  b64);
    txt = j ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    if (!txt)
        goto out;
    store_put_opts_t o = {"STANDARD", "application/json", 1, (int64_t)strlen(txt)};
    int prc = store_put_buf(s, skey, txt, strlen(txt), &o);
    if (prc < 0 && prc != STORE_EXISTS)
        goto out;
    log_debug("signed %s (key %s): %s", key, sign_key_id(k), skey);
    rc = 0;
out:
    if (rc < 0)
        log_error("cannot store the signature of the manifest %s (see above)", key);
    json_decref(j);
    free(txt);
    free(b64);
    free(skey);
    return rc;
}

int manifest_check_signature(store_t *s, const manifest_entry_t *e, const struct sign_key *pub,
                             char *why, size_t whysz)
{
    char *skey = manifest_sig_key(e->key), sha[65];
    unsigned char *sbuf = NULL, *mbuf = NULL, sig[64];
    size_t sn = 0, mn = 0;
    json_t *j = NULL;
    int rc = -1, r;

    if (!skey)
        goto out;
    r = store_get_buf(s, skey, 1 << 16, &sbuf, &sn);
    if (r == STORE_NOTFOUND) {
        snprintf(why, whysz, "unsigned: no signature %s", skey);
        rc = 0;
        goto out;
    }
    if (r < 0)
        goto out;
    j = json_loadb((const char *)sbuf, sn, 0, NULL);
    const char *alg = json_string_value(json_object_get(j, "alg"));
    const char *kid = json_string_value(json_object_get(j, "key_id"));
    const char *b64 = json_string_value(json_object_get(j, "sig"));
    const char *mk = json_string_value(json_object_get(j, "manifest"));
    rc = 0;
    if (!alg || !kid || !b64 || !mk || strcmp(alg, "ed25519")) {
        snprintf(why, whysz, "signature %s is not a coldpack Ed25519 signature", skey);
        goto out;
    }
    if (strcmp(mk, e->key)) {
        snprintf(why, whysz, "signature %s names another manifest (%s)", skey, mk);
        goto out;
    }
    if (strcmp(kid, sign_key_id(pub))) {
        snprintf(why, whysz, "signed by key %s, not by the configured public key %s", kid,
                 sign_key_id(pub));
        goto out;
    }
    if (sign_unb64(b64, sig, sizeof sig) != 64) {
        snprintf(why, whysz, "signature %s: sig is not 64 bytes of base64", skey);
        goto out;
    }
    r = store_get_buf(s, e->key, 64 << 20, &mbuf, &mn);
    if (r < 0) {
        rc = -1;
        goto out;
    }
    util_sha256_buf(mbuf, mn, sha);
    r = sign_verify(pub, mbuf, mn, sig);
    if (r < 0) {
        rc = -1;
    } else if (r == 0) {
        snprintf(why, whysz, "bad signature (%s): the manifest's bytes are not what key %s signed",
                 skey, kid);
    } else {
        rc = 1;
    }
out:
    json_decref(j);
    free(sbuf);
    free(mbuf);
    free(skey);
    return rc;
}

static void iso_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Write one manifest document for run_id/date listing objs (and, when not
 * NULL, tombstones), chained to the tip of the verified chain. */
static int write_doc(store_t *s, const manifest_run_info_t *ri, json_t *objs, json_t *tombstones,
                     char **key_out, char sha_out[65])
{
    const char *run_id = ri->run_id, *date = ri->date;
    char started[32], finished[32];
    char *prev_key = NULL, *txt = NULL, *key = NULL;
    char prev_sha[65], created[32];
    json_t *m = NULL;
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;
    sign_key_t *sk = NULL;

    *key_out = NULL;
    /* an unusable signing key fails before anything is written, so the
     * manifest is never left unsigned: the next run writes it signed */
    if (ri->signing_key && !(sk = sign_load_private(ri->signing_key))) {
        log_error("manifest of run %s not written: the signing key cannot be used", ri->run_id);
        json_decref(objs);
        return -1;
    }
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (manifest_latest(s, &prev_key, prev_sha) < 0)
        goto out;
    m = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:O}", "format", "coldpack-manifest-1", "run_id",
                  run_id, "date", date, "created", created, "prev_manifest",
                  prev_key ? json_string(prev_key) : json_null(), "prev_sha256",
                  prev_key ? json_string(prev_sha) : json_null(), "objects", objs);
    if (!m)
        goto out;
    /* run history, so a rebuilt catalog keeps it (absent in older manifests) */
    iso_time(ri->started, started);
    iso_time(ri->finished, finished);
    if ((ri->started > 0 && json_object_set_new(m, "started", json_string(started)) < 0) ||
        (ri->finished > 0 && json_object_set_new(m, "finished", json_string(finished)) < 0) ||
        (ri->outcome && json_object_set_new(m, "outcome", json_string(ri->outcome)) < 0) ||
        (ri->import && json_object_set(m, "import", ri->import) < 0) ||
        (tombstones && json_object_set(m, "tombstones", tombstones) < 0))
        goto out;
    txt = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS);
    key = objkey_manifest(date, run_id);
    if (!txt || !key)
        goto out;
    store_put_opts_t o = {"STANDARD", "application/json", 1, (int64_t)strlen(txt)};
    int prc = store_put_buf(s, key, txt, strlen(txt), &o);
    if (prc == STORE_EXISTS) {
        /* The run wrote it and was killed before recording it: keep that one. */
        unsigned char *old = NULL;
        size_t oldn = 0;
        if (store_get_buf(s, key, 64 << 20, &old, &oldn) < 0)
            goto out;
        util_sha256_buf(old, oldn, sha_out);
        int src = sk ? sign_manifest(s, key, old, oldn, sha_out, sk) : 0;
        free(old);
        if (src < 0)
            goto out;
    } else if (prc < 0) {
        goto out;
    } else {
        util_sha256_buf(txt, strlen(txt), sha_out);
        if (sk && sign_manifest(s, key, txt, strlen(txt), sha_out, sk) < 0)
            goto out;
    }
    *key_out = key;
    key = NULL;
    rc = 0;
out:
    sign_key_free(sk);
    json_decref(m);
    free(prev_key);
    free(txt);
    free(key);
    return rc;
}

int manifest_write(store_t *s, catalog_t *c, const manifest_run_info_t *ri, char **key_out,
                   char sha_out[65])
{
    json_t *objs = json_array();
    struct add_ctx ac = {objs, c};
    int rc = -1;

    *key_out = NULL;
    if (objs && catalog_objects_of_run(c, ri->run_id, add_object, &ac) == 0)
        rc = write_doc(s, ri, objs, NULL, key_out, sha_out);
    json_decref(objs);
    return rc;
}

int manifest_write_tombstones(store_t *s, const manifest_run_info_t *ri, json_t *tombstones,
                              char **key_out, char sha_out[65])
{
    json_t *objs = json_array();
    int rc = -1;

    *key_out = NULL;
    if (objs && json_is_array(tombstones))
        rc = write_doc(s, ri, objs, tombstones, key_out, sha_out);
    json_decref(objs);
    return rc;
}

json_t *manifest_tombstones(const manifest_set_t *ms, json_t **tenants)
{
    json_t *keys = json_object();

    if (tenants)
        *tenants = json_object();
    for (size_t i = 0; keys && i < ms->n; i++) {
        const manifest_entry_t *e = &ms->v[i];
        json_t *arr = e->json ? json_object_get(e->json, "tombstones") : NULL;
        const char *run_id = json_string_value(json_object_get(e->json, "run_id"));
        const char *date = json_string_value(json_object_get(e->json, "date"));
        size_t j;
        json_t *t;
        if (!json_is_array(arr) || !manifest_in_chain(ms, e))
            continue;
        json_array_foreach(arr, j, t)
        {
            const char *key = json_string_value(json_object_get(t, "key"));
            const char *tenant = json_string_value(json_object_get(t, "tenant"));
            json_t *d = json_deep_copy(t);
            if (!d)
                continue;
            json_object_set_new(d, "run_id", json_string(run_id ? run_id : "?"));
            json_object_set_new(d, "on", json_string(date ? date : "?"));
            json_object_set_new(d, "manifest", json_string(e->key));
            if (key && !json_object_get(keys, key))
                json_object_set_new(keys, key, d);
            else if (!key && tenant && tenants && *tenants && !json_object_get(*tenants, tenant))
                json_object_set_new(*tenants, tenant, d);
            else
                json_decref(d);
        }
    }
    return keys;
}
