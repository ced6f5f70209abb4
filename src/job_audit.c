/*
 * job_audit.c — `coldpack audit --date D [--tenant T] --out DIR` (write a
 * proof bundle) and `coldpack verify --bundle DIR` (re-check one), see
 * docs/audit.md.
 *
 * The bundle holds what the store says, never what the catalog says: the
 * manifests (exact bytes) that list objects of day D, the chain from the
 * oldest of them to the current tip, their signature sidecars, and for each
 * listed object of the day (and each manifest) one store_audit_head — size,
 * SHA-256, class, version id, lock mode and retain-until as reported, with no
 * thaw and no GET of a data object — plus the bucket's Object Lock,
 * lifecycle and versioning documents raw, and the public key when one is
 * configured. bundle.json ties them together with the SHA-256 of every other
 * file in the bundle; summary.txt says the same for a human.
 *
 * verify --bundle (job_audit_verify.c) checks the bundle against itself (file hashes, no file
 * that bundle.json does not cover, manifest
 * hashes, prev links, the day's objects listed by the bundled manifests) and
 * against the store (each manifest's bytes now, each object's size, SHA-256,
 * version id, lock mode, and a retain-until no earlier than claimed). Every
 * mismatch is one "PROBLEM" line naming the file, key or field; exit 7.
 *
 * The bundle directory is created 0700 (it must not exist), files 0600.
 * Bundle file names are ours (flattened manifest keys); on reading, a name
 * from bundle.json must be one of those shapes before it becomes a path.
 */
#include "job.h"
#include "job_audit.h"

#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "sign.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------- helpers --- */

/* "runs/D/R.json" -> "runs_D_R.json" (a single path component). */
static char *flat_name(const char *prefix, const char *key, const char *suffix)
{
    char *n = util_asprintf("%s%s%s", prefix, key, suffix);
    if (n)
        for (char *p = n + strlen(prefix); *p; p++)
            if (*p == '/')
                *p = '_';
    return n;
}

int job_audit_safe_rel(const char *rel)
{
    int slashes = 0;
    if (!rel[0] || rel[0] == '.' || strstr(rel, ".."))
        return 0;
    for (const char *p = rel; *p; p++) {
        if (*p == '/') {
            if (++slashes > 1 || p[1] == '.' || p[1] == '\0')
                return 0;
        } else if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
                   !(*p >= '0' && *p <= '9') && !strchr("._=-", *p)) {
            return 0;
        }
    }
    return 1;
}

static int write_file(const char *dir, const char *rel, const void *data, size_t len, json_t *files)
{
    char *path = util_asprintf("%s/%s", dir, rel), sha[65];
    int fd = path ? util_open_private(path, O_WRONLY | O_EXCL) : -1, rc = -1;
    if (fd < 0) {
        log_error("audit: cannot create %s: %s", path ? path : rel, strerror(errno));
        free(path);
        return -1;
    }
    if (util_write_all(fd, data, len) == 0 && fsync(fd) == 0) {
        rc = 0;
        if (files) {
            util_sha256_buf(data, len, sha);
            rc = json_object_set_new(files, rel, json_string(sha));
        }
    } else {
        log_error("audit: cannot write %s: %s", path, strerror(errno));
    }
    close(fd);
    free(path);
    return rc;
}

int job_audit_read_file(const char *path, unsigned char **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0, len = 0;
    unsigned char *buf = NULL;
    *out = NULL;
    *n = 0;
    if (!f)
        return -1;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            unsigned char *nb = nc <= (size_t)256 << 20 ? realloc(buf, nc) : NULL;
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = nc;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return -1;
    }
    *out = buf;
    *n = len;
    return 0;
}

int64_t job_audit_iso_epoch(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!e)
        return -1;
    return (int64_t)timegm(&tm);
}

static json_t *audit_json(const char *key, const store_audit_t *a)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "key", key, "size",
                     (json_int_t)a->info.size, "sha256", a->info.sha256, "storage_class",
                     a->info.storage_class, "version_id", a->version_id, "lock_mode", a->lock_mode,
                     "retain_until", a->lock_until);
}

/* -------------------------------------------------------------- audit --- */

struct audit {
    store_t *s;
    const audit_opts_t *o;
    const char *dir;
    json_t *files, *manifests, *objects;
    int day_manifests, objects_unlocked, store_errors;
    int problems; /* missing objects, chain breaks: the bundle records them */
};

/* Does manifest e list objects of the day (and tenant)? */
static int lists_day(const manifest_entry_t *e, const audit_opts_t *o)
{
    size_t i;
    json_t *ob;
    json_array_foreach(json_object_get(e->json, "objects"), i, ob)
    {
        objkey_parts_t kp;
        const char *key = json_string_value(json_object_get(ob, "key"));
        int hit = key && objkey_parse(key, &kp) == 0 && !strcmp(kp.date, o->date) &&
                  (!o->tenant || (kp.tenant && !strcmp(kp.tenant, o->tenant)));
        if (key)
            objkey_parts_free(&kp);
        if (hit)
            return 1;
    }
    return 0;
}

static int add_manifest(struct audit *a, const manifest_entry_t *e, int day)
{
    unsigned char *buf = NULL, *sbuf = NULL;
    size_t n = 0, sn = 0;
    char sha[65];
    store_audit_t ah;
    char *fname = flat_name("manifests/", e->key, ""), *skey = manifest_sig_key(e->key);
    char *sname = flat_name("signatures/", e->key, ".sig");
    int rc = -1, r;
    json_t *m = NULL;

    if (!fname || !skey || !sname)
        goto out;
    if (store_get_buf(a->s, e->key, 64 << 20, &buf, &n) < 0) {
        a->store_errors++;
        goto out;
    }
    util_sha256_buf(buf, n, sha);
    if (write_file(a->dir, fname, buf, n, a->files) < 0)
        goto out;
    r = store_audit_head(a->s, e->key, &ah);
    if (r < 0) {
        a->store_errors++;
        goto out;
    }
    m = audit_json(e->key, &ah);
    if (!m)
        goto out;
    /* the hash of the bytes bundled (the chain's), besides the store's metadata */
    json_object_set_new(m, "sha256", json_string(sha));
    json_object_set_new(m, "size", json_integer((json_int_t)n));
    json_object_set_new(m, "file", json_string(fname));
    json_object_set_new(m, "day", json_boolean(day));
    const char *pk = manifest_prev_key(e), *ps = manifest_prev_sha(e);
    json_object_set_new(m, "prev_manifest", pk ? json_string(pk) : json_null());
    json_object_set_new(m, "prev_sha256", ps ? json_string(ps) : json_null());
    r = store_get_buf(a->s, skey, 1 << 16, &sbuf, &sn);
    if (r == 0) {
        json_t *sj = json_loadb((const char *)sbuf, sn, 0, NULL);
        const char *kid = json_string_value(json_object_get(sj, "key_id"));
        if (write_file(a->dir, sname, sbuf, sn, a->files) < 0) {
            json_decref(sj);
            goto out;
        }
        json_object_set_new(m, "signature", json_string(sname));
        json_object_set_new(m, "signature_key_id", json_string(kid ? kid : ""));
        json_decref(sj);
    } else if (r == STORE_NOTFOUND) {
        json_object_set_new(m, "signature", json_null());
    } else {
        a->store_errors++;
        goto out;
    }
    if (day) {
        size_t i;
        json_t *ob;
        a->day_manifests++;
        json_array_foreach(json_object_get(e->json, "objects"), i, ob)
        {
            objkey_parts_t kp;
            const char *key = json_string_value(json_object_get(ob, "key"));
            if (!key || objkey_parse(key, &kp) < 0)
                continue;
            int hit = !strcmp(kp.date, a->o->date) &&
                      (!a->o->tenant || (kp.tenant && !strcmp(kp.tenant, a->o->tenant)));
            objkey_parts_free(&kp);
            if (!hit)
                continue;
            store_audit_t oh;
            r = store_audit_head(a->s, key, &oh);
            if (r == STORE_NOTFOUND) {
                printf("PROBLEM %s (listed by %s) is missing from the store\n", key, e->key);
                a->problems++;
                json_array_append_new(a->objects, json_pack("{s:s, s:s, s:b}", "key", key,
                                                            "manifest", e->key, "missing", 1));
                continue;
            }
            if (r < 0) {
                a->store_errors++;
                continue;
            }
            json_t *oj = audit_json(key, &oh);
            json_object_set_new(oj, "manifest", json_string(e->key));
            json_object_set(oj, "manifest_size", json_object_get(ob, "size"));
            json_object_set(oj, "manifest_sha256", json_object_get(ob, "sha256"));
            if (!oh.lock_mode[0])
                a->objects_unlocked++;
            json_array_append_new(a->objects, oj);
        }
    }
    json_array_append(a->manifests, m);
    rc = 0;
out:
    json_decref(m);
    free(buf);
    free(sbuf);
    free(fname);
    free(skey);
    free(sname);
    return rc;
}

int job_audit(const config_t *cfg, const audit_opts_t *o)
{
    store_t *s = NULL;
    manifest_set_t set = {0};
    store_bucket_info_t bi = {0};
    sign_key_t *pub = NULL;
    struct audit a = {0};
    json_t *bundle = NULL, *bucket = NULL;
    char *txt = NULL, *pem = NULL, created[32];
    int code = EXIT_FAIL, loaded = 0;
    time_t now = time(NULL);
    struct tm tm;
    FILE *sum = NULL;
    char *sumbuf = NULL;
    size_t sumlen = 0;

    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (mkdir(o->out, 0700) < 0) {
        log_error("audit: cannot create the bundle directory %s: %s (it must not exist)", o->out,
                  strerror(errno));
        return EXIT_FAIL;
    }
    if (chmod(o->out, 0700) < 0) {
        log_error("audit: %s: %s", o->out, strerror(errno));
        return EXIT_FAIL;
    }
    char *d1 = util_asprintf("%s/manifests", o->out), *d2 = util_asprintf("%s/signatures", o->out),
         *d3 = util_asprintf("%s/bucket", o->out);
    int mk = d1 && d2 && d3 && util_mkdirs(d1, 0700) == 0 && util_mkdirs(d2, 0700) == 0 &&
             util_mkdirs(d3, 0700) == 0;
    free(d1);
    free(d2);
    free(d3);
    if (!mk) {
        log_error("audit: cannot create directories in %s: %s", o->out, strerror(errno));
        return EXIT_FAIL;
    }
    a.o = o;
    a.dir = o->out;
    a.files = json_object();
    a.manifests = json_array();
    a.objects = json_array();
    if (!a.files || !a.manifests || !a.objects)
        goto out;
    s = store_open(cfg);
    if (!s)
        goto out;
    a.s = s;
    if (manifest_load_all(s, &set, 1) < 0) {
        code = EXIT_STORE;
        goto out;
    }
    loaded = 1;

    /* the chain from the tip back past the oldest manifest of the day */
    int tip = manifest_tip(&set), remaining = 0;
    for (size_t i = 0; i < set.n; i++)
        if (set.v[i].json && lists_day(&set.v[i], o))
            remaining++;
    if (!remaining) {
        log_error("audit: no manifest in %s lists objects of %s%s%s", cfg->store.url, o->date,
                  o->tenant ? " for tenant " : "", o->tenant ? o->tenant : "");
        goto out;
    }
    int total = remaining;
    const manifest_entry_t *e = tip >= 0 ? &set.v[tip] : NULL;
    while (e && e->json) {
        int day = lists_day(e, o);
        if (add_manifest(&a, e, day) < 0)
            goto out;
        if (day && --remaining == 0)
            break;
        const char *pk = manifest_prev_key(e);
        const manifest_entry_t *prev = pk ? manifest_set_find(&set, pk) : NULL;
        if (prev && strcmp(prev->sha, manifest_prev_sha(e) ? manifest_prev_sha(e) : "")) {
            printf("PROBLEM %s: its predecessor %s has SHA-256 %s, not the recorded one: the "
                   "chain is broken here\n",
                   e->key, pk, prev->sha);
            a.problems++;
            break;
        }
        e = prev;
    }
    /* day manifests off the tip's branch (a fork): bundled on their own */
    for (size_t i = 0; i < set.n && remaining > 0; i++) {
        if (!set.v[i].json || !lists_day(&set.v[i], o))
            continue;
        int have = 0;
        size_t j;
        json_t *m;
        json_array_foreach(a.manifests, j, m) have |=
            !strcmp(json_string_value(json_object_get(m, "key")), set.v[i].key);
        if (have)
            continue;
        printf("INFO %s is not on the chain to the tip %s (a fork): bundled without its "
               "chain\n",
               set.v[i].key, tip >= 0 ? set.v[tip].key : "-");
        if (add_manifest(&a, &set.v[i], 1) < 0)
            goto out;
        remaining--;
    }
    if (a.store_errors) {
        code = EXIT_STORE;
        goto out;
    }

    /* the bucket's configuration, raw */
    if (store_bucket_info(s, &bi) < 0) {
        code = EXIT_STORE;
        goto out;
    }
    bucket = json_pack("{s:s, s:s, s:s, s:i, s:i}", "object_lock_enabled", bi.lock_enabled,
                       "versioning", bi.versioning, "default_retention_mode", bi.default_mode,
                       "default_retention_days", bi.default_days, "default_retention_years",
                       bi.default_years);
    if (!bucket)
        goto out;
    const struct {
        const char *name, *xml;
    } docs[] = {{"bucket/object-lock.xml", bi.lock_xml},
                {"bucket/lifecycle.xml", bi.lifecycle_xml},
                {"bucket/versioning.xml", bi.versioning_xml}};
    for (size_t i = 0; i < 3; i++) {
        if (!docs[i].xml)
            continue;
        if (write_file(o->out, docs[i].name, docs[i].xml, strlen(docs[i].xml), a.files) < 0)
            goto out;
    }
    /* the public key of the signatures, when one is configured */
    const char *kp = cfg->audit.public_key ? cfg->audit.public_key : cfg->audit.signing_key;
    if (kp) {
        pub = cfg->audit.public_key ? sign_load_public(kp) : sign_load_private(kp);
        if (!pub || !(pem = sign_public_pem(pub)) ||
            write_file(o->out, "public-key.pem", pem, strlen(pem), a.files) < 0)
            goto out;
    }

    /* summary.txt */
    sum = open_memstream(&sumbuf, &sumlen);
    if (!sum)
        goto out;
    fprintf(sum,
            "coldpack audit bundle\n\nstore:    %s\nday:      %s\ntenant:   %s\ncreated:  %s\n",
            cfg->store.url, o->date, o->tenant ? o->tenant : "(all)", created);
    fprintf(sum, "chain tip: %s\n\n", tip >= 0 ? set.v[tip].key : "-");
    fprintf(sum, "bucket: Object Lock %s, versioning %s, default retention %s",
            bi.lock_enabled[0] ? bi.lock_enabled : "not enabled",
            bi.versioning[0] ? bi.versioning : "off",
            bi.default_mode[0] ? bi.default_mode : "none");
    if (bi.default_days)
        fprintf(sum, " %d day(s)", bi.default_days);
    if (bi.default_years)
        fprintf(sum, " %d year(s)", bi.default_years);
    fprintf(sum, "; lifecycle %s\n\n",
            bi.lifecycle_xml ? "configured (bucket/lifecycle.xml)" : "none");
    fprintf(sum,
            "%d manifest(s) list objects of the day; %zu manifest(s) bundled (the day's and "
            "the chain from them to the tip):\n",
            total, json_array_size(a.manifests));
    size_t i;
    json_t *m;
    json_array_foreach(a.manifests, i, m)
    {
        fprintf(sum, "  %s  sha256 %s  %s%s%s\n", json_string_value(json_object_get(m, "key")),
                json_string_value(json_object_get(m, "sha256")),
                json_is_string(json_object_get(m, "signature")) ? "signed" : "unsigned",
                json_is_true(json_object_get(m, "day")) ? ", lists the day" : "",
                *json_string_value(json_object_get(m, "lock_mode")) ? ", locked" : "");
    }
    fprintf(sum, "\n%zu object(s) of the day:\n", json_array_size(a.objects));
    json_array_foreach(a.objects, i, m)
    {
        if (json_is_true(json_object_get(m, "missing"))) {
            fprintf(sum, "  %s  MISSING\n", json_string_value(json_object_get(m, "key")));
            continue;
        }
        const char *lm = json_string_value(json_object_get(m, "lock_mode"));
        fprintf(sum, "  %s\n    size %lld  sha256 %s  class %s\n    version %s  lock %s until %s\n",
                json_string_value(json_object_get(m, "key")),
                (long long)json_integer_value(json_object_get(m, "size")),
                json_string_value(json_object_get(m, "sha256")),
                json_string_value(json_object_get(m, "storage_class")),
                *json_string_value(json_object_get(m, "version_id"))
                    ? json_string_value(json_object_get(m, "version_id"))
                    : "-",
                *lm ? lm : "NONE",
                *lm ? json_string_value(json_object_get(m, "retain_until")) : "-");
    }
    if (a.objects_unlocked)
        fprintf(sum, "\nWARNING: %d object(s) of the day carry no retention lock\n",
                a.objects_unlocked);
    if (a.problems)
        fprintf(sum,
                "\nPROBLEMS: %d (missing objects or a broken chain, printed when the "
                "bundle was made)\n",
                a.problems);
    fprintf(sum, "\nCheck: coldpack verify --bundle DIR (exit 0 = every claim holds)\n");
    if (fclose(sum) != 0) {
        sum = NULL;
        goto out;
    }
    sum = NULL;
    if (write_file(o->out, "summary.txt", sumbuf, sumlen, a.files) < 0)
        goto out;

    bundle = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:{s:s?, s:s?}, s:O, s:O, s:O, s:O}", "format",
                       JOB_AUDIT_FORMAT, "created", created, "date", o->date, "tenant", o->tenant,
                       "store", cfg->store.url, "tip", "key", tip >= 0 ? set.v[tip].key : NULL,
                       "sha256", tip >= 0 ? set.v[tip].sha : NULL, "bucket", bucket, "manifests",
                       a.manifests, "objects", a.objects, "files", a.files);
    if (pub)
        json_object_set_new(bundle, "public_key_id", json_string(sign_key_id(pub)));
    txt = bundle ? json_dumps(bundle, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    if (!txt || write_file(o->out, "bundle.json", txt, strlen(txt), NULL) < 0)
        goto out;
    printf("audit: bundle %s: %zu manifest(s), %zu object(s) of %s%s%s\n", o->out,
           json_array_size(a.manifests), json_array_size(a.objects), o->date,
           a.objects_unlocked ? " (some without a retention lock: see summary.txt)" : "",
           a.problems ? "; PROBLEMS FOUND (above, and in the bundle)" : "");
    code = a.problems ? EXIT_CORRUPT : EXIT_OK;
out:
    if (sum)
        fclose(sum);
    free(sumbuf);
    free(txt);
    free(pem);
    json_decref(bundle);
    json_decref(bucket);
    json_decref(a.files);
    json_decref(a.manifests);
    json_decref(a.objects);
    store_bucket_info_free(&bi);
    sign_key_free(pub);
    if (loaded)
        manifest_set_free(&set);
    store_free(s);
    return code;
}
