/*
 * index.c — read a volume index (vol-NNNN.index.json.gz: one gzip member of
 * JSON, hot class). Shared by restore (glob filter, block table) and catalog
 * rebuild. The gzip trailer's ISIZE sizes the buffer, bounded so that a
 * damaged index cannot make us allocate gigabytes. index_load_verified
 * checks the bytes against the catalog before parsing; index_describes and
 * index_covers_tar decide whether a parsed index may be believed.
 */
#include "index.h"

#include "age.h"
#include "codec.h"
#include "log.h"
#include "objkey.h"
#include "strbuf.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replace the age file *buf (*len bytes) by its plaintext. 0, or -1 after
 * logging (*no_key set when no identity matched). */
static int open_age(const char *key, unsigned char **buf, size_t *len, const age_identity_t *ids,
                    size_t nids, int *no_key)
{
    age_dec_t *d = age_dec_new(ids, nids, key);
    age_out_t o = {NULL, NULL, NULL, 0, 0};
    int rc = -1;

    if (!d)
        return -1;
    o.cap = age_dec_bound(d, *len) + AGE_CHUNK_SIZE;
    o.buf = malloc(o.cap);
    if (o.buf && age_dec_update(d, *buf, *len, &o) == 0 && age_dec_final(d, &o) == 0) {
        free(*buf);
        *buf = o.buf;
        *len = o.len;
        o.buf = NULL;
        rc = 0;
    } else if (no_key && age_dec_error(d) == AGE_ERR_NO_MATCH) {
        *no_key = 1;
    }
    free(o.buf);
    age_dec_free(d);
    return rc;
}

static json_t *load(store_t *s, const char *key, const char *sha256, int64_t size,
                    const age_identity_t *ids, size_t nids, int *no_key)
{
    unsigned char *gz = NULL;
    size_t gzlen;
    json_t *j = NULL;
    json_error_t err;
    char got[65];

    if (store_get_buf(s, key, 1u << 30, &gz, &gzlen) < 0)
        return NULL;
    if (sha256) {
        util_sha256_buf(gz, gzlen, got);
        if ((int64_t)gzlen != size || strcmp(got, sha256)) {
            log_warn("index %s failed verification: SHA-256 %s, expected %s; size %zu, expected "
                     "%lld",
                     key, got, sha256, gzlen, (long long)size);
            free(gz);
            return NULL;
        }
    }
    if (objkey_is_age(key) && open_age(key, &gz, &gzlen, ids, nids, no_key) < 0) {
        free(gz);
        return NULL;
    }
    /* The index is one gzip member; its size is in the trailer (ISIZE). */
    if (gzlen >= 18) {
        size_t isize = (size_t)gz[gzlen - 4] | (size_t)gz[gzlen - 3] << 8 |
                       (size_t)gz[gzlen - 2] << 16 | (size_t)gz[gzlen - 1] << 24;
        /* deflate expands at most ~1032:1; an index stays well below 1 GiB */
        if (isize > (gzlen - 18) * 1032 + 1024 || isize > (1u << 30)) {
            log_error("index %s: damaged (claims %zu bytes uncompressed from %zu)", key, isize,
                      gzlen);
            free(gz);
            return NULL;
        }
        char *txt = malloc(isize + 1);
        codec_t *c = codec_new(CODEC_GZIP, 6);
        long n = (txt && c) ? codec_decompress(c, gz, gzlen, txt, isize) : -1;
        if (n >= 0) {
            j = json_loadb(txt, (size_t)n, 0, &err);
            if (!j)
                log_error("index %s: invalid JSON at line %d: %s", key, err.line, err.text);
        } else {
            log_error("index %s: not a valid gzip member", key);
        }
        codec_free(c);
        free(txt);
    } else {
        log_error("index %s: truncated (%zu bytes)", key, gzlen);
    }
    free(gz);
    return j;
}

json_t *index_load(store_t *s, const char *key)
{
    return load(s, key, NULL, 0, NULL, 0, NULL);
}

json_t *index_load_verified(store_t *s, const char *key, const char *sha256, int64_t size)
{
    if (!sha256) {
        log_warn("index %s: no SHA-256 recorded for it; not trusted", key);
        return NULL;
    }
    return load(s, key, sha256, size, NULL, 0, NULL);
}

json_t *index_load_age(store_t *s, const char *key, const char *sha256, int64_t size,
                       const age_identity_t *ids, size_t nids, int *no_key)
{
    if (no_key)
        *no_key = 0;
    if (!sha256) {
        log_warn("index %s: no SHA-256 recorded for it; not trusted", key);
        return NULL;
    }
    return load(s, key, sha256, size, ids, nids, no_key);
}

static int name_plain(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n;

    for (; *p; p += n)
        if (*p < 0x20 || *p == 0x7f || !(n = objkey_utf8_len(p)))
            return 0;
    return 1;
}

int index_name_set(json_t *o, const char *field, const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t len = strlen(name), n;
    char *disp = NULL, *b64 = NULL, *bfield = NULL, *d;
    int rc = -1;

    if (name_plain(name))
        return json_object_set_new(o, field, json_string(name));
    disp = malloc(len * 3 + 1);
    b64 = malloc(age_b64_len(len) + 1);
    bfield = util_asprintf("%s_b64", field);
    if (!disp || !b64 || !bfield)
        goto out;
    for (d = disp; *p; p += n) {
        n = *p < 0x20 || *p == 0x7f ? 0 : objkey_utf8_len(p);
        if (n) {
            memcpy(d, p, n);
            d += n;
        } else {
            memcpy(d, "\xEF\xBF\xBD", 3); /* U+FFFD */
            d += 3;
            n = 1;
        }
    }
    *d = 0;
    if (age_b64_encode(name, len, b64, age_b64_len(len) + 1) < 0 ||
        json_object_set_new(o, field, json_string(disp)) < 0 ||
        json_object_set_new(o, bfield, json_string(b64)) < 0)
        goto out;
    rc = 0;
out:
    free(disp);
    free(b64);
    free(bfield);
    return rc;
}

char *index_name_get(json_t *o, const char *field)
{
    char *bfield = util_asprintf("%s_b64", field), *out = NULL;
    const char *b = bfield ? json_string_value(json_object_get(o, bfield)) : NULL;
    const char *v = json_string_value(json_object_get(o, field));
    size_t len, got;

    if (b) {
        len = strlen(b);
        out = malloc(len + 1);
        if (out && (age_b64_decode(b, len, (unsigned char *)out, len, &got) < 0 || !got ||
                    memchr(out, 0, got))) {
            free(out);
            out = NULL;
        } else if (out) {
            out[got] = 0;
        }
    } else if (v) {
        out = strdup(v);
    }
    free(bfield);
    return out;
}

char *index_file_list(json_t *idx)
{
    strbuf_t sb = STRBUF_INIT(0);
    size_t i;
    json_t *f;

    if (strbuf_addstr(&sb, "") < 0)
        return NULL;
    json_array_foreach(json_object_get(idx, "files"), i, f)
    {
        const char *type = json_string_value(json_object_get(f, "type"));
        char *path;
        if (!type || strcmp(type, "file"))
            continue;
        if (!(path = index_name_get(f, "path")))
            goto fail;
        int bad = strbuf_addf(&sb, "%lld %lld ",
                              (long long)json_integer_value(json_object_get(f, "size")),
                              (long long)json_integer_value(json_object_get(f, "mtime"))) < 0;
        for (const unsigned char *p = (const unsigned char *)path; !bad && *p; p++)
            bad = strbuf_addf(&sb, "%02x", *p) < 0;
        free(path);
        if (bad || strbuf_addstr(&sb, "\n") < 0)
            goto fail;
    }
    return strbuf_detach(&sb, NULL);
fail:
    strbuf_release(&sb);
    return NULL;
}

static int hexnib(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int index_file_list_each(const char *list,
                         int (*fn)(void *ctx, const char *path, int64_t size, int64_t mtime),
                         void *ctx)
{
    const char *p = list;
    char *path = NULL;
    int rc = 0;

    while (p && *p && rc == 0) {
        const char *nl = strchr(p, '\n');
        long long size, mtime;
        int off = 0;
        if (!nl || sscanf(p, "%lld %lld %n", &size, &mtime, &off) != 2 || !off ||
            (nl - (p + off)) % 2 || nl == p + off)
            return -1;
        size_t n = (size_t)(nl - (p + off)) / 2;
        free(path);
        if (!(path = malloc(n + 1)))
            return -1;
        for (size_t i = 0; i < n; i++) {
            int hi = hexnib((unsigned char)p[off + 2 * i]),
                lo = hexnib((unsigned char)p[off + 2 * i + 1]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(path);
                return -1;
            }
            path[i] = (char)(hi * 16 + lo);
        }
        path[n] = 0;
        rc = fn(ctx, path, size, mtime);
        p = nl + 1;
    }
    free(path);
    return rc < 0 ? -1 : 0;
}

static int str_is(json_t *o, const char *field, const char *want)
{
    const char *v = json_string_value(json_object_get(o, field));

    return v && want && !strcmp(v, want);
}

static int name_is(json_t *o, const char *field, const char *want)
{
    char *v = index_name_get(o, field);
    int eq = v && want && !strcmp(v, want);

    free(v);
    return eq;
}

int index_describes(json_t *idx, const char *key, const char *tenant, const char *date,
                    const char *source, int volno, const char *sha256, int64_t size)
{
    json_t *obj = json_object_get(idx, "object");

    return idx && objkey_name_ok(tenant) && objkey_name_ok(source) && objkey_name_ok(date) &&
           name_is(idx, "tenant", tenant) && str_is(idx, "date", date) &&
           name_is(idx, "source", source) &&
           json_integer_value(json_object_get(idx, "volume")) == volno && str_is(obj, "key", key) &&
           str_is(obj, "sha256", sha256) &&
           json_integer_value(json_object_get(obj, "size")) == size;
}

struct span {
    int64_t tar, data, size;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;

    return (x->tar > y->tar) - (x->tar < y->tar);
}

int index_covers_tar(json_t *idx)
{
    json_t *files = json_object_get(idx, "files"), *f;
    int64_t tar_size =
                json_integer_value(json_object_get(json_object_get(idx, "object"), "tar_size")),
            end = 0;
    size_t n = json_array_size(files), i;
    struct span *sp;
    int ok = 1;

    if (!n || tar_size <= 0)
        return 0;
    sp = calloc(n, sizeof *sp);
    if (!sp)
        return 0;
    json_array_foreach(files, i, f)
    {
        sp[i].tar = json_integer_value(json_object_get(f, "tar_offset"));
        sp[i].data = json_integer_value(json_object_get(f, "data_offset"));
        sp[i].size = json_integer_value(json_object_get(f, "size"));
    }
    qsort(sp, n, sizeof *sp, span_cmp);
    for (i = 0; ok && i < n; i++) {
        ok =
            sp[i].tar == end && sp[i].data > sp[i].tar && sp[i].size >= 0 && sp[i].size <= tar_size;
        end = sp[i].data + (sp[i].size + 511) / 512 * 512;
    }
    /* then the end-of-archive: two zero blocks, padded at most to a 10 KiB record */
    ok = ok && end + 1024 <= tar_size && tar_size - end <= 10240;
    free(sp);
    return ok;
}
