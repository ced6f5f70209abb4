/*
 * manifest_verify.c — verify the hash chain of run manifests
 * (manifest_verify_chain). Every manifest in the store is loaded; each one's
 * prev link is checked against the manifest it names and that manifest's
 * SHA-256 (a fork or a chain of its own is reported as information, junk
 * under runs/ is a problem only when a manifest follows it); each object a
 * manifest names is checked in the store (present, size, SHA-256), an
 * object a tombstone expired counting as expired rather than missing; all
 * within the options' scope. Every problem is counted and logged and the
 * walk goes on. Split from manifest.c (reading, loading, writing and
 * signing manifests) along the read-only seam: it uses only manifest.h.
 */
#include "manifest.h"

#include "objkey.h"
#include "util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct verify {
    store_t *s;
    const manifest_verify_opts_t *o;
    manifest_verify_stats_t *st;
    json_t *tomb; /* key -> tombstone (manifest_tombstones) */
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
    v->st->problems++;
}

/* A store failure that says nothing about the data (transport, permission,
 * disk): counted apart from corruption. */
static void io_error(struct verify *v, const char *mkey, const char *what, const char *key)
{
    printf("ERROR %s: cannot %s %s (store error, see the log)\n", mkey, what, key);
    v->st->io_errors++;
}

static int in_scope(const manifest_verify_opts_t *o, const char *key)
{
    objkey_parts_t kp;
    int ok = 1;

    if (!o->from && !o->until && !o->tenant)
        return 1;
    if (objkey_parse(key, &kp) < 0)
        return !o->tenant; /* not ours: checked unless scoped to a tenant */
    if ((o->from && strcmp(kp.date, o->from) < 0) || (o->until && strcmp(kp.date, o->until) > 0))
        ok = 0;
    if (o->tenant && (!kp.tenant || strcmp(kp.tenant, o->tenant)))
        ok = 0;
    objkey_parts_free(&kp);
    return ok;
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
        if (!in_scope(v->o, key))
            continue;
        v->st->objects++;
        json_t *t = json_object_get(v->tomb, key);
        const char *tsha = json_string_value(json_object_get(t, "sha256"));
        if (t && (!tsha || strcmp(tsha, sha))) {
            problem(v, "%s: object %s is tombstoned by %s with SHA-256 %s, the manifest says %s",
                    mkey, key, json_string_value(json_object_get(t, "manifest")),
                    tsha ? tsha : "(none)", sha);
            continue;
        }
        rc = store_head(v->s, key, &info);
        if (rc == STORE_NOTFOUND && t) {
            v->st->expired++; /* deleted by an explicit expiry: not missing */
            continue;
        }
        if (rc == STORE_NOTFOUND) {
            problem(v, "%s: object %s is missing from the store", mkey, key);
            continue;
        }
        if (rc < 0) {
            io_error(v, mkey, "check object", key);
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
        if (v->o->deep) {
            struct hashsink hs = {{NULL}, 0};
            char got[65];
            if (info.thaw != STORE_THAW_READY) {
                printf("NOT CHECKED %s: in %s, not restored: content not read (restore it "
                       "first)\n",
                       key, info.storage_class);
                v->st->cold++;
                continue;
            }
            if (util_sha256_init(&hs.h) < 0) {
                io_error(v, mkey, "hash", key);
                continue;
            }
            rc = store_get(v->s, key, 0, -1, hash_sink, &hs);
            util_sha256_final(&hs.h, got);
            if (rc == STORE_NOTFOUND) {
                problem(v, "%s: object %s is missing from the store", mkey, key);
            } else if (rc == STORE_COLD) {
                printf("NOT CHECKED %s: cold, not restored\n", key);
                v->st->cold++;
            } else if (rc < 0) {
                io_error(v, mkey, "read object", key);
            } else {
                v->st->rehashed++;
                if (strcmp(got, sha))
                    problem(v, "%s: object %s content SHA-256 %s, the manifest says %s", mkey, key,
                            got, sha);
            }
        }
    }
}

/* A tombstones list: each entry names a deleted key with its SHA-256 and
 * reason, or an offboarded tenant. */
static void verify_tombstones(struct verify *v, const char *mkey, json_t *arr)
{
    size_t i;
    json_t *t;

    if (!arr)
        return;
    if (!json_is_array(arr)) {
        problem(v, "%s: \"tombstones\" is not a list", mkey);
        return;
    }
    json_array_foreach(arr, i, t)
    {
        const char *key = json_string_value(json_object_get(t, "key"));
        const char *sha = json_string_value(json_object_get(t, "sha256"));
        const char *reason = json_string_value(json_object_get(t, "reason"));
        const char *tenant = json_string_value(json_object_get(t, "tenant"));
        if (!reason || (key && !sha) || (!key && !tenant))
            problem(v, "%s: tombstone %zu is malformed", mkey, i);
        else if (key && in_scope(v->o, key))
            v->st->tombstones++;
    }
}

static int date_in_scope(const manifest_verify_opts_t *o, const char *date)
{
    if (!date)
        return 1;
    return !((o->from && strcmp(date, o->from) < 0) || (o->until && strcmp(date, o->until) > 0));
}

int manifest_verify_chain(store_t *s, const manifest_verify_opts_t *o, manifest_verify_stats_t *st)
{
    struct verify v = {s, o, st, NULL};
    manifest_set_t ms;

    memset(st, 0, sizeof *st);
    if (manifest_load_all(s, &ms, 0) < 0)
        return -1;
    v.tomb = manifest_tombstones(&ms, NULL);
    for (size_t i = 0; i < ms.n; i++) {
        const manifest_entry_t *e = &ms.v[i], *before = NULL;
        const char *key = e->key;
        int followers = 0;
        for (size_t j = i; j-- > 0;)
            if (ms.v[j].json) {
                before = &ms.v[j];
                break;
            }
        for (size_t j = 0; j < ms.n; j++) {
            const char *pk = ms.v[j].json ? manifest_prev_key(&ms.v[j]) : NULL;
            followers += pk && !strcmp(pk, key);
        }
        if (!e->json) {
            /* junk under runs/: a problem only when a manifest follows it */
            if (followers)
                problem(&v, "manifest %s is not a valid manifest: chain broken here", key);
            else
                printf("WARNING %s is not a run manifest (ignored)\n", key);
            st->warnings += !followers;
            continue;
        }
        if (!date_in_scope(o, json_string_value(json_object_get(e->json, "date"))))
            continue;
        st->manifests++;
        const char *pk = manifest_prev_key(e), *ps = manifest_prev_sha(e);
        const manifest_entry_t *p = manifest_set_find(&ms, pk);
        if (pk && !p) {
            if (before)
                problem(&v, "chain broken at %s: it follows %s, but the manifest before it is %s",
                        key, pk, before->key);
            else
                problem(&v, "chain broken at %s: it follows %s, which is not in the store", key,
                        pk);
        } else if (p && (!ps || strcmp(ps, p->sha))) {
            problem(&v,
                    "chain broken at %s: %s has SHA-256 %s, but %s recorded %s (altered or "
                    "replaced)",
                    key, p->key, p->sha, key, ps ? ps : "(none)");
        } else if (!pk && i > 0 && before) {
            printf("INFO %s starts a chain of its own (no predecessor)\n", key);
        }
        if (followers > 1)
            printf("INFO fork at %s: %d manifests follow it (runs that overlapped; each branch "
                   "is checked)\n",
                   key, followers);
        verify_objects(&v, key, json_object_get(e->json, "objects"));
        verify_tombstones(&v, key, json_object_get(e->json, "tombstones"));
    }
    json_decref(v.tomb);
    manifest_set_free(&ms);
    return 0;
}
