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
 * verify --bundle checks the bundle against itself (file hashes, no file
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

#define BUNDLE_FORMAT "coldpack-audit-bundle-1"

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

/* A bundle-relative file name we could have written: [dir/]name with
 * [A-Za-z0-9._=-] characters, no "..", no leading dot. */
static int safe_rel(const char *rel)
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

static int read_file(const char *path, unsigned char **out, size_t *n)
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

/* ISO 8601 UTC ("2026-12-02T10:00:00Z", fractions allowed) -> epoch, -1. */
static int64_t iso_epoch(const char *s)
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
                       BUNDLE_FORMAT, "created", created, "date", o->date, "tenant", o->tenant,
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

/* ------------------------------------------------------ verify bundle --- */

struct bcheck {
    store_t *s;
    const char *dir;
    json_t *bundle;
    int problems, io_errors, checked;
};

static void bproblem(struct bcheck *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bproblem(struct bcheck *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("PROBLEM ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    b->problems++;
}

/* Every file bundle.json names has the recorded SHA-256. */
static void check_files(struct bcheck *b)
{
    const char *rel;
    json_t *v;
    json_object_foreach(json_object_get(b->bundle, "files"), rel, v)
    {
        const char *want = json_string_value(v);
        unsigned char *buf = NULL;
        size_t n;
        char sha[65], *path;
        if (!safe_rel(rel) || !want) {
            bproblem(b, "bundle.json names a file %s that no coldpack bundle has", rel);
            continue;
        }
        path = util_asprintf("%s/%s", b->dir, rel);
        if (!path || read_file(path, &buf, &n) < 0) {
            bproblem(b, "bundle file %s is missing or unreadable", rel);
            free(path);
            continue;
        }
        util_sha256_buf(buf, n, sha);
        if (strcmp(sha, want))
            bproblem(b, "bundle file %s has SHA-256 %s, bundle.json records %s (altered)", rel, sha,
                     want);
        b->checked++;
        free(buf);
        free(path);
    }
}

/* Every file in the bundle (top level and one directory down) is
 * bundle.json or one that bundle.json covers: an added file is named. */
static void check_extra(struct bcheck *b, const char *sub)
{
    char *path = sub ? util_asprintf("%s/%s", b->dir, sub) : strdup(b->dir);
    DIR *d = path ? opendir(path) : NULL;
    struct dirent *de;
    json_t *files = json_object_get(b->bundle, "files");
    while (d && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *rel = sub ? util_asprintf("%s/%s", sub, de->d_name) : strdup(de->d_name);
        if (!rel)
            break;
        if (!sub && de->d_type == DT_DIR)
            check_extra(b, de->d_name);
        else if ((sub || strcmp(rel, "bundle.json")) && !json_object_get(files, rel))
            bproblem(b, "bundle file %s is not covered by bundle.json (added)", rel);
        free(rel);
    }
    if (d)
        closedir(d);
    free(path);
}

/* A bundled file's bytes (NULL with a PROBLEM when unreadable). */
static unsigned char *bundled(struct bcheck *b, const char *rel, size_t *n)
{
    unsigned char *buf = NULL;
    char *path = rel && safe_rel(rel) ? util_asprintf("%s/%s", b->dir, rel) : NULL;
    if (!path || read_file(path, &buf, n) < 0) {
        bproblem(b, "bundle file %s is missing or unreadable", rel ? rel : "(unnamed)");
        buf = NULL;
    }
    free(path);
    return buf;
}

/* The lock the store reports now still holds what the bundle claims. */
static void check_lock(struct bcheck *b, const char *key, json_t *claim, const store_audit_t *now)
{
    const char *ver = json_string_value(json_object_get(claim, "version_id"));
    const char *mode = json_string_value(json_object_get(claim, "lock_mode"));
    const char *until = json_string_value(json_object_get(claim, "retain_until"));
    if (ver && ver[0] && strcmp(ver, now->version_id))
        bproblem(b, "%s: the store's current version is %s, the bundle claims version %s", key,
                 now->version_id[0] ? now->version_id : "(none)", ver);
    if (mode && mode[0] && strcmp(mode, now->lock_mode))
        bproblem(b, "%s: lock mode is %s in the store, the bundle claims %s", key,
                 now->lock_mode[0] ? now->lock_mode : "NONE", mode);
    if (until && until[0]) {
        int64_t want = iso_epoch(until), have = iso_epoch(now->lock_until);
        if (want < 0)
            bproblem(b, "%s: the bundle's retain-until %s is not a date", key, until);
        else if (have < want)
            bproblem(b, "%s: retained until %s in the store, earlier than the bundle's claim %s",
                     key, now->lock_until[0] ? now->lock_until : "(no lock)", until);
    }
}

static void check_manifests(struct bcheck *b, const sign_key_t *pub)
{
    size_t i;
    json_t *m;
    json_t *shas = json_object(); /* key -> bundled sha */
    json_t *mans = json_object(); /* key -> bundled manifest json */
    json_array_foreach(json_object_get(b->bundle, "manifests"), i, m)
    {
        const char *key = json_string_value(json_object_get(m, "key"));
        const char *want = json_string_value(json_object_get(m, "sha256"));
        const char *file = json_string_value(json_object_get(m, "file"));
        size_t n = 0;
        char sha[65];
        objkey_parts_t kp;
        int is_manifest = key && objkey_parse(key, &kp) == 0 && kp.kind == OBJKEY_MANIFEST;
        if (key)
            objkey_parts_free(&kp);
        if (!is_manifest || !want) {
            bproblem(b, "bundle.json: manifest entry %zu has no manifest key or no sha256", i);
            continue;
        }
        unsigned char *buf = bundled(b, file, &n);
        if (!buf)
            continue;
        util_sha256_buf(buf, n, sha);
        if (strcmp(sha, want))
            bproblem(b, "manifest %s: the bundled file %s has SHA-256 %s, the bundle claims %s",
                     key, file, sha, want);
        json_object_set_new(shas, key, json_string(sha));
        json_t *mj = json_loadb((const char *)buf, n, 0, NULL);
        if (mj)
            json_object_set_new(mans, key, mj);
        /* the store: the same bytes now */
        unsigned char *sbuf = NULL;
        size_t sn = 0;
        int r = store_get_buf(b->s, key, 64 << 20, &sbuf, &sn);
        char ssha[65];
        if (r == STORE_NOTFOUND) {
            bproblem(b, "manifest %s is missing from the store", key);
        } else if (r < 0) {
            printf("ERROR cannot read %s (store error, see the log)\n", key);
            b->io_errors++;
        } else {
            util_sha256_buf(sbuf, sn, ssha);
            if (strcmp(ssha, want))
                bproblem(b,
                         "manifest %s in the store has SHA-256 %s, the bundle claims %s "
                         "(altered or replaced)",
                         key, ssha, want);
            store_audit_t ah;
            if (store_audit_head(b->s, key, &ah) == 0)
                check_lock(b, key, m, &ah);
        }
        free(sbuf);
        /* the signature, against the bundled bytes */
        const char *sfile = json_string_value(json_object_get(m, "signature"));
        if (pub && !sfile) {
            bproblem(b, "manifest %s is unsigned", key);
        } else if (pub) {
            size_t sn2 = 0;
            unsigned char *sig = bundled(b, sfile, &sn2), raw[64];
            json_t *sj = sig ? json_loadb((const char *)sig, sn2, 0, NULL) : NULL;
            const char *b64 = json_string_value(json_object_get(sj, "sig"));
            const char *mk = json_string_value(json_object_get(sj, "manifest"));
            if (sig && (!b64 || !mk || strcmp(mk, key) || sign_unb64(b64, raw, 64) != 64))
                bproblem(b, "manifest %s: signature file %s is not a signature of it", key, sfile);
            else if (sig && sign_verify(pub, buf, n, raw) != 1)
                bproblem(b, "manifest %s: bad signature (%s does not verify with key %s)", key,
                         sfile, sign_key_id(pub));
            json_decref(sj);
            free(sig);
        }
        free(buf);
        b->checked++;
    }
    /* the chain: each bundled manifest's prev link matches its bundled
     * predecessor's bytes */
    const char *key;
    json_t *mj;
    json_object_foreach(mans, key, mj)
    {
        const char *pk = json_string_value(json_object_get(mj, "prev_manifest"));
        const char *ps = json_string_value(json_object_get(mj, "prev_sha256"));
        const char *have = pk ? json_string_value(json_object_get(shas, pk)) : NULL;
        if (pk && have && (!ps || strcmp(ps, have)))
            bproblem(b, "chain: %s records %s with SHA-256 %s, the bundled %s has %s", key, pk,
                     ps ? ps : "(none)", pk, have);
    }
    /* the day's objects are the ones the bundled manifests list */
    json_array_foreach(json_object_get(b->bundle, "objects"), i, m)
    {
        const char *ok = json_string_value(json_object_get(m, "key"));
        const char *mk = json_string_value(json_object_get(m, "manifest"));
        json_t *man = mk ? json_object_get(mans, mk) : NULL;
        size_t j;
        json_t *ob;
        int found = 0;
        json_array_foreach(json_object_get(man, "objects"), j, ob)
        {
            const char *k2 = json_string_value(json_object_get(ob, "key"));
            if (!ok || !k2 || strcmp(ok, k2))
                continue;
            found = 1;
            const char *s1 = json_string_value(json_object_get(ob, "sha256"));
            const char *s2 = json_string_value(json_object_get(m, "sha256"));
            json_int_t z1 = json_integer_value(json_object_get(ob, "size"));
            json_int_t z2 = json_integer_value(json_object_get(m, "size"));
            if (!json_is_true(json_object_get(m, "missing")) &&
                ((s1 && s2 && s2[0] && strcmp(s1, s2)) || z1 != z2))
                bproblem(b,
                         "object %s: the bundle claims size %lld SHA-256 %s, manifest %s "
                         "records %lld %s",
                         ok, (long long)z2, s2 ? s2 : "", mk, (long long)z1, s1 ? s1 : "");
        }
        if (!found)
            bproblem(b, "object %s: not listed by the bundled manifest %s", ok ? ok : "(unnamed)",
                     mk ? mk : "(none)");
    }
    json_decref(shas);
    json_decref(mans);
}

static void check_objects(struct bcheck *b)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(b->bundle, "objects"), i, m)
    {
        const char *key = json_string_value(json_object_get(m, "key"));
        const char *sha = json_string_value(json_object_get(m, "sha256"));
        json_int_t size = json_integer_value(json_object_get(m, "size"));
        store_audit_t now;
        objkey_parts_t kp;
        if (!key || objkey_parse(key, &kp) < 0) {
            bproblem(b, "bundle.json: object entry %zu has no valid key", i);
            continue;
        }
        objkey_parts_free(&kp);
        if (json_is_true(json_object_get(m, "missing"))) {
            bproblem(b, "object %s was already missing when the bundle was made", key);
            continue;
        }
        int r = store_audit_head(b->s, key, &now);
        if (r == STORE_NOTFOUND) {
            bproblem(b, "object %s is missing from the store", key);
            continue;
        }
        if (r < 0) {
            printf("ERROR cannot check %s (store error, see the log)\n", key);
            b->io_errors++;
            continue;
        }
        if (now.info.size != (int64_t)size)
            bproblem(b, "object %s is %lld bytes in the store, the bundle claims %lld", key,
                     (long long)now.info.size, (long long)size);
        if (sha && sha[0] && strcmp(sha, now.info.sha256))
            bproblem(b, "object %s has SHA-256 %s in the store's metadata, the bundle claims %s",
                     key, now.info.sha256[0] ? now.info.sha256 : "(none)", sha);
        check_lock(b, key, m, &now);
        b->checked++;
    }
}

int job_audit_verify_bundle(const config_t *cfg, const char *dir)
{
    struct bcheck b = {0};
    sign_key_t *pub = NULL;
    unsigned char *buf = NULL;
    size_t n = 0;
    char *path = util_asprintf("%s/bundle.json", dir);
    json_error_t jerr;
    int code = EXIT_FAIL;

    b.dir = dir;
    if (!path || read_file(path, &buf, &n) < 0) {
        log_error("verify --bundle: cannot read %s: %s", path ? path : dir, strerror(errno));
        goto out;
    }
    b.bundle = json_loadb((const char *)buf, n, 0, &jerr);
    const char *fmt = json_string_value(json_object_get(b.bundle, "format"));
    if (!fmt || strcmp(fmt, BUNDLE_FORMAT)) {
        printf("PROBLEM %s is not a coldpack audit bundle (%s)\n", path,
               b.bundle ? "wrong format" : jerr.text);
        code = EXIT_CORRUPT;
        goto out;
    }
    if (cfg->audit.public_key) {
        pub = sign_load_public(cfg->audit.public_key);
        if (!pub)
            goto out;
        const char *bid = json_string_value(json_object_get(b.bundle, "public_key_id"));
        if (bid && strcmp(bid, sign_key_id(pub)))
            printf("INFO the bundle's public key %s is not the configured %s: signatures are "
                   "checked with the configured key\n",
                   bid, sign_key_id(pub));
    }
    b.s = store_open(cfg);
    if (!b.s)
        goto out;
    check_files(&b);
    check_extra(&b, NULL);
    check_manifests(&b, pub);
    check_objects(&b);
    const char *verdict = "all good";
    if (b.problems) {
        verdict = "PROBLEMS FOUND";
        code = EXIT_CORRUPT;
    } else if (b.io_errors) {
        verdict = "INCOMPLETE: the store failed while checking";
        code = EXIT_STORE;
    } else {
        code = EXIT_OK;
    }
    printf("verify --bundle %s: day %s, %d claim(s) checked%s: %s\n", dir,
           json_string_value(json_object_get(b.bundle, "date")), b.checked,
           pub ? ", signatures checked" : "", verdict);
out:
    json_decref(b.bundle);
    free(buf);
    free(path);
    sign_key_free(pub);
    store_free(b.s);
    return code;
}
