/*
 * job_audit_verify.c — `coldpack verify --bundle DIR`: re-check an audit
 * bundle written by job_audit.c (docs/audit.md) against itself and against
 * the store, one "PROBLEM" line per claim that does not hold.
 *
 * Nothing in the bundle is trusted: bundle.json is parsed with jansson, every
 * file name it gives must be one job_audit.c could have written
 * (job_audit_safe_rel) before it becomes a path, every manifest key must
 * parse as one (objkey_parse) before it is read from the store, and files are
 * read with a size cap. Store reads are HEADs, except the manifests (small,
 * hot) whose bytes are re-hashed.
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
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (!job_audit_safe_rel(rel) || !want) {
            bproblem(b, "bundle.json names a file %s that no coldpack bundle has", rel);
            continue;
        }
        path = util_asprintf("%s/%s", b->dir, rel);
        if (!path || job_audit_read_file(path, &buf, &n) < 0) {
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
    char *path = rel && job_audit_safe_rel(rel) ? util_asprintf("%s/%s", b->dir, rel) : NULL;
    if (!path || job_audit_read_file(path, &buf, n) < 0) {
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
        int64_t want = job_audit_iso_epoch(until), have = job_audit_iso_epoch(now->lock_until);
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
    if (!path || job_audit_read_file(path, &buf, &n) < 0) {
        log_error("verify --bundle: cannot read %s: %s", path ? path : dir, strerror(errno));
        goto out;
    }
    b.bundle = json_loadb((const char *)buf, n, 0, &jerr);
    const char *fmt = json_string_value(json_object_get(b.bundle, "format"));
    if (!fmt || strcmp(fmt, JOB_AUDIT_FORMAT)) {
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
