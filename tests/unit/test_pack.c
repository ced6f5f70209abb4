/*
 * test_pack.c — one unit packed through a real pool into a real file store,
 * then read back byte by byte without trusting pack.c:
 *
 *  - the object's SHA-256 and size match the pack_volume_t and the store's
 *    metadata; the index (gunzipped with zlib) describes the object;
 *  - every block of the index's block table, decompressed on its own from
 *    its byte range, concatenates to the tar (and zlib / zstd stream readers
 *    agree on the whole object), and the tar is valid: libarchive lists the
 *    entries with the right names, types, sizes, modes, mtimes, link targets
 *    and bytes, and GNU tar extracts the .tar.gz;
 *  - each index row's tar_offset is the entry's first header (a pax 'x'
 *    header for a name over 100 bytes), data_offset its first data byte,
 *    block the block holding tar_offset, sha256 the file's SHA-256;
 *  - volume cutting: several volumes, each a complete tar, only the last
 *    index says "last": true; an empty tenant gives one empty archive;
 *  - a file that shrinks (or grows) while read is archived at its announced
 *    size (zero padded), counted as a warning and marked "changed";
 *  - a read error fails the unit and leaves no object and no temp file;
 *  - zstd as well as gzip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"
#include "config.h"
#include "log.h"
#include "pack.h"
#include "testutil.h"
#include "pool.h"
#include "store.h"
#include "util.h"

/* ---- fixture: a file store under /tmp and a pool ---- */

struct vol {
    pack_volume_t v;
    char *key, *index_key;
};

struct fx {
    char root[64];
    config_t cfg;
    store_t *s;
    pool_t *pool;
    struct vol vols[64];
    int nvols;
};

static int on_volume(void *ctx, const pack_volume_t *v)
{
    struct fx *f = ctx;
    struct vol *o;

    assert_true(f->nvols < 64);
    o = &f->vols[f->nvols++];
    o->v = *v;
    o->key = strdup(v->key);
    o->index_key = strdup(v->index_key);
    o->v.key = o->key;
    o->v.index_key = o->index_key;
    return 0;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char url[128];

    if (!f)
        return -1;
    char *d = tu_tmpdir("test_pack");
    snprintf(f->root, sizeof f->root, "%s", d);
    free(d);
    snprintf(url, sizeof url, "file://%s", f->root);
    f->cfg.store.url = strdup(url);
    f->cfg.store.storage_class = strdup("STANDARD");
    f->s = store_open(&f->cfg);
    f->pool = pool_new(4);
    if (!f->s || !f->pool)
        return -1;
    log_set_level(LOG_ERROR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    for (int i = 0; i < f->nvols; i++) {
        free(f->vols[i].key);
        free(f->vols[i].index_key);
    }
    pool_free(f->pool);
    store_free(f->s);
    free(f->cfg.store.url);
    free(f->cfg.store.storage_class);
    if (tu_rmtree(f->root) < 0)
        return -1;
    free(f);
    return 0;
}

static pack_params_t params(struct fx *f, int codec, int64_t volume_size, size_t block_size)
{
    pack_params_t pp;

    memset(&pp, 0, sizeof pp);
    pp.store = f->s;
    pp.pool = f->pool;
    pp.codec = codec;
    pp.level = 3;
    pp.volume_size = volume_size;
    pp.block_size = block_size;
    pp.max_inflight = 3;
    pp.run_id = "20261124T010203Z-test";
    return pp;
}

/* ---- in-memory source files ---- */

struct tfile {
    const char *path;
    int type;
    size_t size;     /* announced */
    size_t readable; /* bytes the reader yields (shrink: < size, grow: > size) */
    unsigned mode;
    int64_t mtime;
    const char *link;
    unsigned char *data; /* readable bytes */
    int fail_at;         /* reader returns -1 after this many bytes (0 = never) */
};

struct reader {
    struct tfile *t;
    size_t pos;
};

static ssize_t rd(void *ctx, void *buf, size_t len)
{
    struct reader *r = ctx;
    size_t left = r->t->readable - r->pos;

    if (r->t->fail_at && r->pos >= (size_t)r->t->fail_at)
        return -1;
    /* short reads, as a pipe would give */
    if (len > 50000)
        len = 50000;
    if (len > left)
        len = left;
    memcpy(buf, r->t->data + r->pos, len);
    r->pos += len;
    return (ssize_t)len;
}

static unsigned char *gen(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 12345;

    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345;
        /* log-like text: mostly letters, digits, spaces and newlines */
        p[i] =
            (unsigned char)(i % 97 == 96 ? '\n' : "abcdefghij klmnop0123456789:.-"[(x >> 16) % 30]);
    }
    return p;
}

static void tfile_init(struct tfile *t, const char *path, int type, size_t size, unsigned seed)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->type = type;
    t->size = size;
    t->readable = size;
    t->mode = type == SOURCE_DIR ? 0755 : type == SOURCE_SYMLINK ? 0777 : 0640;
    t->mtime = 1763856000 + seed * 61;
    if (type == SOURCE_FILE)
        t->data = gen(size, seed);
}

static int add(pack_unit_t *u, const char *tenant, struct tfile *t)
{
    source_entry_t e;
    struct reader r = {t, 0};

    memset(&e, 0, sizeof e);
    e.tenant = tenant;
    e.path = t->path;
    e.type = t->type;
    e.size = (int64_t)t->size;
    e.mtime = t->mtime;
    e.mode = t->mode;
    e.linkname = t->link;
    return pack_unit_add(u, &e, rd, &r);
}

/* ---- reading back ---- */

static unsigned char *get_obj(struct fx *f, const char *key, size_t *n)
{
    unsigned char *buf = NULL;

    assert_int_equal(store_get_buf(f->s, key, 1u << 30, &buf, n), 0);
    return buf;
}

static json_t *load_index(struct fx *f, const char *key, int64_t *gzsize, char gzsha[65])
{
    size_t gzn, cap = 1 << 20, outn = 0;
    unsigned char *gz = get_obj(f, key, &gzn);
    unsigned char *txt = malloc(cap);
    z_stream z;
    json_error_t err;
    json_t *j;
    int rc;

    assert_non_null(txt);
    if (gzsize)
        *gzsize = (int64_t)gzn;
    if (gzsha)
        util_sha256_buf(gz, gzn, gzsha);
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)gzn;
    for (;;) {
        if (outn == cap) {
            cap *= 2;
            txt = realloc(txt, cap);
            assert_non_null(txt);
        }
        z.next_out = txt + outn;
        z.avail_out = (uInt)(cap - outn);
        rc = inflate(&z, Z_NO_FLUSH);
        outn = cap - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        assert_int_equal(rc, Z_OK);
    }
    assert_int_equal(z.avail_in, 0); /* one member, nothing after it */
    inflateEnd(&z);
    j = json_loadb((char *)txt, outn, 0, &err);
    if (!j)
        fail_msg("index %s: %s", key, err.text);
    free(gz);
    free(txt);
    return j;
}

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    if (!json_is_integer(v))
        fail_msg("index: \"%s\" is not an integer", k);
    return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    if (!json_is_string(v))
        fail_msg("index: \"%s\" is not a string", k);
    return json_string_value(v);
}

/* Decompress each block from its own byte range and concatenate: the tar. */
static unsigned char *tar_from_blocks(json_t *idx, const unsigned char *obj, size_t objn, int codec,
                                      size_t *tarn)
{
    json_t *blocks = json_object_get(idx, "blocks");
    int64_t tar_size = jint(json_object_get(idx, "object"), "tar_size"), tsum = 0, csum = 0;
    unsigned char *tar = malloc((size_t)tar_size + 1);
    codec_t *c = codec_new(codec, 1);
    size_t i;
    json_t *b;

    assert_non_null(tar);
    assert_non_null(c);
    assert_true(json_is_array(blocks));
    assert_true(json_array_size(blocks) >= 1);
    json_array_foreach(blocks, i, b)
    {
        int64_t toff = json_integer_value(json_array_get(b, 0));
        int64_t tlen = json_integer_value(json_array_get(b, 1));
        int64_t coff = json_integer_value(json_array_get(b, 2));
        int64_t clen = json_integer_value(json_array_get(b, 3));
        assert_int_equal(json_array_size(b), 4);
        /* contiguous, in order */
        assert_int_equal(toff, tsum);
        assert_int_equal(coff, csum);
        assert_true(tlen > 0 && clen > 0);
        assert_true(coff + clen <= (int64_t)objn);
        assert_true(toff + tlen <= tar_size);
        assert_int_equal(codec_decompress(c, obj + coff, (size_t)clen, tar + toff, (size_t)tlen),
                         tlen);
        tsum += tlen;
        csum += clen;
    }
    assert_int_equal(tsum, tar_size);
    assert_int_equal(csum, (int64_t)objn);
    codec_free(c);
    *tarn = (size_t)tar_size;
    return tar;
}

/* The whole object through a standard stream decoder (multi-member gzip /
 * multi-frame zstd), as gzip -d / zstd -d read it. */
static void whole_stream_equals(const unsigned char *obj, size_t objn, int codec,
                                const unsigned char *tar, size_t tarn)
{
    unsigned char *out = malloc(tarn + 1024);
    size_t got = 0;

    assert_non_null(out);
    if (codec == CODEC_GZIP) {
        z_stream z;
        int rc;
        memset(&z, 0, sizeof z);
        assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
        z.next_in = (unsigned char *)(uintptr_t)obj;
        z.avail_in = (uInt)objn;
        z.next_out = out;
        z.avail_out = (uInt)(tarn + 1024);
        for (;;) {
            rc = inflate(&z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                if (z.avail_in == 0)
                    break;
                assert_int_equal(inflateReset(&z), Z_OK);
                continue;
            }
            assert_int_equal(rc, Z_OK);
        }
        got = tarn + 1024 - z.avail_out;
        inflateEnd(&z);
    } else {
        ZSTD_DCtx *d = ZSTD_createDCtx();
        ZSTD_inBuffer zi = {obj, objn, 0};
        ZSTD_outBuffer zo = {out, tarn + 1024, 0};
        size_t r = 1;
        while (zi.pos < zi.size) {
            r = ZSTD_decompressStream(d, &zo, &zi);
            assert_false(ZSTD_isError(r));
        }
        assert_int_equal(r, 0);
        got = zo.pos;
        ZSTD_freeDCtx(d);
    }
    assert_int_equal(got, tarn);
    assert_memory_equal(out, tar, tarn);
    free(out);
}

static uint64_t octal(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(p[i] - '0');
    return v;
}

/* A ustar header: magic and checksum. */
static void check_header(const unsigned char *h)
{
    unsigned sum = 0;

    assert_memory_equal(h + 257, "ustar", 5);
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    assert_int_equal(sum, octal(h + 148, 8));
}

static int pax_headers_seen;

/* Check one index row against the tar bytes and the source file. */
static void check_row(json_t *row, json_t *blocks, const unsigned char *tar, size_t tarn,
                      const struct tfile *t)
{
    int64_t toff = jint(row, "tar_offset"), doff = jint(row, "data_offset");
    int64_t blk = jint(row, "block");
    const unsigned char *h = tar + toff;
    json_t *b = json_array_get(blocks, (size_t)blk);

    assert_string_equal(jstr(row, "path"), t->path);
    assert_int_equal(jint(row, "mtime"), t->mtime);
    assert_int_equal(jint(row, "mode"), t->mode);
    assert_true(toff % 512 == 0);
    assert_true(doff >= toff + 512 && (size_t)doff <= tarn);
    /* block holds the first byte of the entry */
    assert_non_null(b);
    assert_true(json_integer_value(json_array_get(b, 0)) <= toff);
    assert_true(toff < json_integer_value(json_array_get(b, 0)) +
                           json_integer_value(json_array_get(b, 1)));
    check_header(h);
    if (h[156] == 'x') {
        /* pax extended header, then the entry's own ustar header */
        uint64_t xs = octal(h + 124, 12);
        pax_headers_seen++;
        char rec[512];
        snprintf(rec, sizeof rec, " path=%s%s\n", t->path, t->type == SOURCE_DIR ? "/" : "");
        assert_non_null(memmem(h + 512, xs, rec, strlen(rec)));
        h += 512 + (xs + 511) / 512 * 512;
        check_header(h);
    } else {
        /* the name is in the ustar header itself: prefix (155) '/' name (100) */
        char name[300];
        if (h[345])
            snprintf(name, sizeof name, "%.155s/%.100s", (const char *)h + 345, (const char *)h);
        else
            snprintf(name, sizeof name, "%.100s", (const char *)h);
        if (t->type == SOURCE_DIR) {
            assert_int_equal(name[strlen(name) - 1], '/');
            name[strlen(name) - 1] = 0;
        }
        assert_string_equal(name, t->path);
    }
    assert_int_equal(h + 512 - tar, doff);
    assert_int_equal(octal(h + 100, 8) & 07777, t->mode);
    assert_int_equal((int64_t)octal(h + 136, 12), t->mtime);
    if (t->type == SOURCE_FILE) {
        char hex[65];
        size_t keep = t->readable < t->size ? t->readable : t->size;
        assert_string_equal(jstr(row, "type"), "file");
        assert_int_equal(h[156], '0');
        assert_int_equal(octal(h + 124, 12), t->size);
        assert_int_equal(jint(row, "size"), (int64_t)t->size);
        assert_true((size_t)doff + t->size <= tarn);
        assert_memory_equal(tar + doff, t->data, keep);
        for (size_t i = keep; i < t->size; i++)
            if (tar[doff + (int64_t)i] != 0)
                fail_msg("%s: padding byte %zu is not zero", t->path, i);
        /* the SHA-256 is of the archived bytes: a shrunk file's zeros included */
        util_sha256_buf(tar + doff, t->size, hex);
        assert_string_equal(jstr(row, "sha256"), hex);
        if (keep == t->size) {
            util_sha256_buf(t->data, t->size, hex);
            assert_string_equal(jstr(row, "sha256"), hex);
        }
    } else if (t->type == SOURCE_DIR) {
        assert_string_equal(jstr(row, "type"), "dir");
        assert_int_equal(h[156], '5');
        assert_int_equal(jint(row, "size"), 0);
    } else {
        assert_string_equal(jstr(row, "type"), "symlink");
        assert_int_equal(h[156], '2');
        assert_string_equal(jstr(row, "link"), t->link);
        assert_memory_equal(h + 157, t->link, strlen(t->link));
    }
    if (t->readable != t->size)
        assert_true(json_is_true(json_object_get(row, "changed")));
    else
        assert_null(json_object_get(row, "changed"));
}

/* libarchive reads the tar (and, separately, the compressed object) with
 * exactly these entries in order. */
static void libarchive_lists(const unsigned char *buf, size_t n, struct tfile **ts, int nt)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    unsigned char *data;
    int i = 0, r;

    assert_non_null(a);
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    assert_int_equal(archive_read_open_memory(a, buf, n), ARCHIVE_OK);
    while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
        struct tfile *t;
        if (i >= nt)
            fail_msg("unexpected extra entry %s", archive_entry_pathname(ae));
        t = ts[i++];
        if (t->type == SOURCE_DIR) {
            /* tar writes directories with a trailing '/' */
            char dir[512];
            snprintf(dir, sizeof dir, "%s/", t->path);
            assert_string_equal(archive_entry_pathname(ae), dir);
        } else {
            assert_string_equal(archive_entry_pathname(ae), t->path);
        }
        assert_int_equal(archive_entry_mtime(ae), t->mtime);
        assert_int_equal(archive_entry_perm(ae), t->mode);
        if (t->type == SOURCE_FILE) {
            size_t keep = t->readable < t->size ? t->readable : t->size;
            assert_int_equal(archive_entry_filetype(ae), AE_IFREG);
            assert_int_equal(archive_entry_size(ae), (int64_t)t->size);
            data = malloc(t->size + 1);
            assert_non_null(data);
            assert_int_equal(archive_read_data(a, data, t->size + 1), (la_ssize_t)t->size);
            assert_memory_equal(data, t->data, keep);
            free(data);
        } else if (t->type == SOURCE_DIR) {
            assert_int_equal(archive_entry_filetype(ae), AE_IFDIR);
        } else {
            assert_int_equal(archive_entry_filetype(ae), AE_IFLNK);
            assert_string_equal(archive_entry_symlink(ae), t->link);
        }
    }
    if (r != ARCHIVE_EOF)
        fail_msg("libarchive: %s", archive_error_string(a));
    assert_int_equal(i, nt);
    archive_read_free(a);
}

/* Verify one volume completely; returns its parsed index (caller decrefs). */
static json_t *verify_volume(struct fx *f, const struct vol *vv, int codec, struct tfile **ts,
                             int nt)
{
    size_t objn, tarn;
    unsigned char *obj = get_obj(f, vv->key, &objn), *tar;
    char hex[65], gzsha[65];
    int64_t gzsize;
    store_info_t info;
    json_t *idx, *files, *row, *o;
    size_t i;

    /* object hash and size: pack_volume_t, store metadata, index */
    util_sha256_buf(obj, objn, hex);
    assert_string_equal(vv->v.sha256, hex);
    assert_int_equal(vv->v.size, (int64_t)objn);
    assert_int_equal(store_head(f->s, vv->key, &info), 0);
    assert_string_equal(info.sha256, hex);
    idx = load_index(f, vv->index_key, &gzsize, gzsha);
    assert_int_equal(vv->v.index_size, gzsize);
    assert_string_equal(vv->v.index_sha256, gzsha);
    assert_int_equal(store_head(f->s, vv->index_key, &info), 0);
    assert_string_equal(info.storage_class, "STANDARD");
    assert_string_equal(info.sha256, gzsha);

    assert_string_equal(jstr(idx, "format"), "coldpack-index-1");
    assert_int_equal(jint(idx, "volume"), vv->v.volume);
    assert_true(json_is_boolean(json_object_get(idx, "last")));
    assert_int_equal(json_is_true(json_object_get(idx, "last")), vv->v.last);
    assert_string_equal(jstr(idx, "compression"), codec == CODEC_ZSTD ? "zstd" : "gzip");
    assert_string_equal(jstr(idx, "run_id"), "20261124T010203Z-test");
    o = json_object_get(idx, "object");
    assert_string_equal(jstr(o, "key"), vv->key);
    assert_string_equal(jstr(o, "sha256"), hex);
    assert_int_equal(jint(o, "size"), (int64_t)objn);
    assert_int_equal(jint(o, "tar_size"), vv->v.tar_size);
    assert_int_equal(jint(idx, "bytes_in"), vv->v.bytes_in);
    assert_int_equal(jint(idx, "files_count"), vv->v.files);

    tar = tar_from_blocks(idx, obj, objn, codec, &tarn);
    whole_stream_equals(obj, objn, codec, tar, tarn);
    /* ends with the two zero records of end-of-archive */
    assert_true(tarn >= 1024 && tarn % 512 == 0);
    for (size_t k = tarn - 1024; k < tarn; k++)
        assert_int_equal(tar[k], 0);
    libarchive_lists(tar, tarn, ts, nt);
    libarchive_lists(obj, objn, ts, nt);

    files = json_object_get(idx, "files");
    assert_int_equal(json_array_size(files), (size_t)nt);
    json_array_foreach(files, i, row)
        check_row(row, json_object_get(idx, "blocks"), tar, tarn, ts[i]);
    free(obj);
    free(tar);
    return idx;
}

static const char long_dir[] = "deep/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char long_file[] =
    "deep/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/firewall-2026-11-"
    "23.log";

static const char very_long_name[] =
    "fw/firewall-cluster-eu-west-1-node-07-interface-bond0-vlan-1203-accepted-and-dropped-"
    "connections-2026-11-23T00-00-00Z.log";

static void pack_one_unit(struct fx *f, int codec)
{
    struct tfile t[10];
    struct tfile *order[10];
    pack_params_t pp = params(f, codec, 1LL << 30, 64 * 1024);
    pack_unit_t *u;
    struct tfile root;
    char prefix[256];
    json_t *idx;
    int n = 0;

    tfile_init(&root, "", SOURCE_DIR, 0, 0);
    tfile_init(&t[n++], "fw", SOURCE_DIR, 0, 1);
    tfile_init(&t[n++], "fw/a.log", SOURCE_FILE, 300000, 2);
    tfile_init(&t[n++], "fw/b.json", SOURCE_FILE, 1000003, 3); /* many 64 KiB blocks */
    tfile_init(&t[n++], "empty.log", SOURCE_FILE, 0, 4);
    tfile_init(&t[n++], long_dir, SOURCE_DIR, 0, 5);
    tfile_init(&t[n++], long_file, SOURCE_FILE, 70000, 6);
    tfile_init(&t[n++], "latest", SOURCE_SYMLINK, 0, 7);
    t[n - 1].link = "fw/a.log";
    tfile_init(&t[n++], "caf\xc3\xa9 logs/na\xc3\xafve file.log", SOURCE_FILE, 512, 8);
    tfile_init(&t[n++], very_long_name, SOURCE_FILE, 4321, 10); /* needs a pax header */
    tfile_init(&t[n++], "x.bin", SOURCE_FILE, 1, 9);
    t[n - 1].mode = 0600;
    assert_true(strlen(long_file) > 100);
    assert_true(strlen(very_long_name) - 3 > 100);

    u = pack_unit_new(&pp, "2026-11-23", "siem-01", "acme", on_volume, f);
    assert_non_null(u);
    /* the tenant root announcement adds nothing */
    assert_int_equal(add(u, "acme", &root), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(add(u, "acme", &t[i]), 0);
        order[i] = &t[i];
    }
    assert_int_equal(pack_unit_finish(u), 0);
    assert_int_equal(pack_unit_warnings(u), 0);
    pack_unit_free(u);

    assert_int_equal(f->nvols, 1);
    snprintf(prefix, sizeof prefix, "tenant=acme/date=2026-11-23/source=siem-01/vol-0001%s",
             codec_suffix(codec));
    assert_string_equal(f->vols[0].key, prefix);
    assert_string_equal(f->vols[0].index_key,
                        "tenant=acme/date=2026-11-23/source=siem-01/vol-0001.index.json.gz");
    assert_int_equal(f->vols[0].v.volume, 1);
    assert_int_equal(f->vols[0].v.last, 1);
    assert_int_equal(f->vols[0].v.files, 7);
    assert_int_equal(f->vols[0].v.bytes_in, 300000 + 1000003 + 70000 + 512 + 4321 + 1);

    pax_headers_seen = 0;
    idx = verify_volume(f, &f->vols[0], codec, order, n);
    assert_true(pax_headers_seen >= 1); /* the >100-byte component took the pax path */
    assert_true(json_array_size(json_object_get(idx, "blocks")) > 15);
    assert_string_equal(jstr(idx, "tenant"), "acme");
    assert_string_equal(jstr(idx, "date"), "2026-11-23");
    assert_string_equal(jstr(idx, "source"), "siem-01");
    json_decref(idx);
    /* no upload left behind */
    {
        char tmp[128];
        DIR *d;
        struct dirent *de;
        int left = 0;
        snprintf(tmp, sizeof tmp, "%s/.coldpack/tmp", f->root);
        d = opendir(tmp);
        assert_non_null(d);
        while ((de = readdir(d)))
            left += de->d_name[0] != '.';
        closedir(d);
        assert_int_equal(left, 0);
    }
    for (int i = 0; i < n; i++)
        free(t[i].data);
    free(root.data);
}

static void test_pack_gzip(void **state)
{
    pack_one_unit(*state, CODEC_GZIP);
}

static void test_pack_zstd(void **state)
{
    pack_one_unit(*state, CODEC_ZSTD);
}

/* GNU tar extracts the .tar.gz on its own, byte-identical. */
static void test_gnu_tar_extracts(void **state)
{
    struct fx *f = *state;
    pack_params_t pp = params(f, CODEC_GZIP, 1LL << 30, 64 * 1024);
    struct tfile t[3];
    pack_unit_t *u;
    char cmd[1024], path[512];
    FILE *fp;

    if (system("command -v tar >/dev/null 2>&1") != 0) {
        print_message("tar not installed: skipped\n");
        return;
    }
    tfile_init(&t[0], "fw", SOURCE_DIR, 0, 1);
    tfile_init(&t[1], long_file, SOURCE_FILE, 200000, 2);
    tfile_init(&t[2], "fw/a b.log", SOURCE_FILE, 100, 3);
    u = pack_unit_new(&pp, "2026-11-23", "s", "t", on_volume, f);
    assert_non_null(u);
    for (int i = 0; i < 3; i++)
        assert_int_equal(add(u, "t", &t[i]), 0);
    assert_int_equal(pack_unit_finish(u), 0);
    pack_unit_free(u);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/x && tar -xzf '%s/%s' -C %s/x", f->root, f->root,
             f->vols[0].key, f->root);
    assert_int_equal(system(cmd), 0);
    for (int i = 1; i < 3; i++) {
        struct stat st;
        unsigned char *got = malloc(t[i].size);
        assert_non_null(got);
        snprintf(path, sizeof path, "%s/x/%s", f->root, t[i].path);
        fp = fopen(path, "rb");
        assert_non_null(fp);
        assert_int_equal(fread(got, 1, t[i].size, fp), t[i].size);
        fclose(fp);
        assert_memory_equal(got, t[i].data, t[i].size);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mtime, t[i].mtime);
        assert_int_equal(st.st_mode & 07777, t[i].mode);
        free(got);
    }
    for (int i = 0; i < 3; i++)
        free(t[i].data);
}

static void cut_volumes(struct fx *f, int codec)
{
    enum { N = 13 };
    struct tfile t[N];
    struct tfile *all[N];
    char names[N][32];
    pack_params_t pp = params(f, codec, 150 * 1024, 64 * 1024);
    pack_unit_t *u;
    int next = 0, last_count = 0;

    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "f%02d.log", i);
        tfile_init(&t[i], names[i], SOURCE_FILE, 40000 + (size_t)i * 1000, (unsigned)i + 20);
        all[i] = &t[i];
    }
    u = pack_unit_new(&pp, "2026-11-23", "src", "tn", on_volume, f);
    assert_non_null(u);
    for (int i = 0; i < N; i++)
        assert_int_equal(add(u, "tn", &t[i]), 0);
    assert_int_equal(pack_unit_finish(u), 0);
    pack_unit_free(u);

    assert_true(f->nvols >= 3);
    for (int v = 0; v < f->nvols; v++) {
        struct vol *vv = &f->vols[v];
        char want[128];
        json_t *idx;
        snprintf(want, sizeof want, "tenant=tn/date=2026-11-23/source=src/vol-%04d%s", v + 1,
                 codec_suffix(codec));
        assert_string_equal(vv->key, want);
        assert_int_equal(vv->v.volume, v + 1);
        assert_int_equal(vv->v.last, v == f->nvols - 1);
        /* cut at file boundaries once past volume_size: every volume but the
         * last reached it, and none went a whole file past it */
        if (v < f->nvols - 1) {
            assert_true(vv->v.tar_size >= 150 * 1024);
            assert_true(vv->v.tar_size < 150 * 1024 + 60000);
        }
        assert_true(vv->v.files >= 1);
        /* each volume is a complete tar of whole files, in order */
        idx = verify_volume(f, vv, codec, all + next, vv->v.files);
        last_count += json_is_true(json_object_get(idx, "last"));
        next += vv->v.files;
        json_decref(idx);
    }
    assert_int_equal(next, N);
    assert_int_equal(last_count, 1);
    for (int i = 0; i < N; i++)
        free(t[i].data);
}

static void test_volume_cutting_gzip(void **state)
{
    cut_volumes(*state, CODEC_GZIP);
}

static void test_volume_cutting_zstd(void **state)
{
    cut_volumes(*state, CODEC_ZSTD);
}

static void test_empty_tenant(void **state)
{
    struct fx *f = *state;
    pack_params_t pp = params(f, CODEC_GZIP, 1 << 20, 64 * 1024);
    pack_unit_t *u = pack_unit_new(&pp, "2026-11-23", "s", "quiet", on_volume, f);
    struct tfile root;
    json_t *idx;

    assert_non_null(u);
    tfile_init(&root, "", SOURCE_DIR, 0, 0);
    assert_int_equal(add(u, "quiet", &root), 0);
    assert_int_equal(pack_unit_finish(u), 0);
    pack_unit_free(u);
    assert_int_equal(f->nvols, 1);
    assert_int_equal(f->vols[0].v.last, 1);
    assert_int_equal(f->vols[0].v.files, 0);
    idx = verify_volume(f, &f->vols[0], CODEC_GZIP, NULL, 0);
    assert_int_equal(jint(json_object_get(idx, "object"), "tar_size"), 1024); /* end-of-archive */
    json_decref(idx);
}

static void test_changed_while_read(void **state)
{
    struct fx *f = *state;
    pack_params_t pp = params(f, CODEC_GZIP, 1LL << 30, 64 * 1024);
    struct tfile t[4];
    struct tfile *order[4];
    pack_unit_t *u;
    json_t *idx, *files;
    unsigned char *more;

    tfile_init(&t[0], "before.log", SOURCE_FILE, 1000, 1);
    tfile_init(&t[1], "shrinks.log", SOURCE_FILE, 300000, 2);
    t[1].readable = 123457; /* truncated by the writer while we read it */
    tfile_init(&t[2], "grows.log", SOURCE_FILE, 5000, 3);
    more = gen(9000, 3);
    free(t[2].data);
    t[2].data = more;
    t[2].readable = 9000; /* appended to while we read it */
    tfile_init(&t[3], "after.log", SOURCE_FILE, 2000, 4);
    for (int i = 0; i < 4; i++)
        order[i] = &t[i];

    u = pack_unit_new(&pp, "2026-11-23", "s", "t", on_volume, f);
    assert_non_null(u);
    for (int i = 0; i < 4; i++)
        assert_int_equal(add(u, "t", &t[i]), 0);
    assert_int_equal(pack_unit_warnings(u), 2);
    assert_int_equal(pack_unit_finish(u), 0);
    pack_unit_free(u);
    assert_int_equal(f->nvols, 1);
    /* announced sizes kept, shrunk file zero-padded, neighbours intact */
    idx = verify_volume(f, &f->vols[0], CODEC_GZIP, order, 4);
    files = json_object_get(idx, "files");
    assert_true(json_is_true(json_object_get(json_array_get(files, 1), "changed")));
    assert_true(json_is_true(json_object_get(json_array_get(files, 2), "changed")));
    assert_int_equal(jint(json_array_get(files, 1), "size"), 300000);
    assert_int_equal(jint(json_array_get(files, 2), "size"), 5000);
    json_decref(idx);
    for (int i = 0; i < 4; i++)
        free(t[i].data);
}

/* Jobs that hold every pool worker until the gate opens. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
};

static void gate_job(void *arg)
{
    struct gate *g = arg;

    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void test_read_error_fails_unit(void **state)
{
    struct fx *f = *state;
    pack_params_t pp = params(f, CODEC_GZIP, 1LL << 30, 64 * 1024);
    struct tfile t[2];
    pack_unit_t *u;
    store_info_t info;
    char tmp[128];
    DIR *d;
    struct dirent *de;
    int left = 0;

    tfile_init(&t[0], "ok.log", SOURCE_FILE, 200000, 1);
    tfile_init(&t[1], "bad.log", SOURCE_FILE, 400000, 2);
    t[1].fail_at = 100000;
    u = pack_unit_new(&pp, "2026-11-23", "s", "t", on_volume, f);
    assert_non_null(u);
    assert_int_equal(add(u, "t", &t[0]), 0);
    assert_int_equal(add(u, "t", &t[1]), -1);
    assert_int_equal(add(u, "t", &t[0]), -1); /* failed for good */
    assert_int_equal(pack_unit_finish(u), -1);
    /* Hold every worker (behind the blocks already queued, which finish first)
     * while the unit is freed, then let them go: a block the unit submitted
     * during pack_unit_free (libarchive pads the cut entry when it is freed)
     * would be compressed after its unit is gone; AddressSanitizer reports
     * it as a heap-use-after-free in compress_job. */
    {
        struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
        for (int i = 0; i < pool_size(f->pool); i++)
            assert_int_equal(pool_submit(f->pool, gate_job, &g), 0);
        pack_unit_free(u);
        pthread_mutex_lock(&g.mu);
        g.open = 1;
        pthread_cond_broadcast(&g.cv);
        pthread_mutex_unlock(&g.mu);
        pool_free(f->pool); /* runs whatever is still queued */
        f->pool = pool_new(4);
        assert_non_null(f->pool);
    }
    assert_int_equal(f->nvols, 0);
    assert_int_equal(store_head(f->s, "tenant=t/date=2026-11-23/source=s/vol-0001.tar.gz", &info),
                     STORE_NOTFOUND);
    assert_int_equal(
        store_head(f->s, "tenant=t/date=2026-11-23/source=s/vol-0001.index.json.gz", &info),
        STORE_NOTFOUND);
    snprintf(tmp, sizeof tmp, "%s/.coldpack/tmp", f->root);
    d = opendir(tmp);
    assert_non_null(d);
    while ((de = readdir(d)))
        left += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(left, 0);
    for (int i = 0; i < 2; i++)
        free(t[i].data);
}

/* Several units on one pool at once (job_run packs tenants and sources in
 * parallel): each unit's volume is intact and in its own order. */
struct par_unit {
    struct fx *shared;
    struct fx mine;
    char tenant[16];
    struct tfile t[6];
    int rc;
};

static void *pack_thread(void *arg)
{
    struct par_unit *pu = arg;
    pack_params_t pp = params(pu->shared, CODEC_GZIP, 1LL << 30, 64 * 1024);
    pack_unit_t *u = pack_unit_new(&pp, "2026-11-23", "s", pu->tenant, on_volume, &pu->mine);

    pu->rc = u ? 0 : -1;
    for (int i = 0; i < 6 && pu->rc == 0; i++) {
        source_entry_t e = {pu->tenant,     pu->t[i].path, SOURCE_FILE, (int64_t)pu->t[i].size,
                            pu->t[i].mtime, pu->t[i].mode, NULL};
        struct reader r = {&pu->t[i], 0};
        pu->rc = pack_unit_add(u, &e, rd, &r);
    }
    if (pu->rc == 0)
        pu->rc = pack_unit_finish(u);
    pack_unit_free(u);
    return NULL;
}

static void test_units_share_pool(void **state)
{
    struct fx *f = *state;
    enum { U = 4 };
    static const char *const names[6] = {"a.log", "b.log", "c.log", "d.log", "e.log", "f.log"};
    struct par_unit *pu = calloc(U, sizeof *pu);
    pthread_t th[U];

    assert_non_null(pu);
    for (int k = 0; k < U; k++) {
        pu[k].shared = f;
        pu[k].mine.s = f->s;
        snprintf(pu[k].tenant, sizeof pu[k].tenant, "t%d", k);
        for (int i = 0; i < 6; i++)
            tfile_init(&pu[k].t[i], names[i], SOURCE_FILE, 150000 + (size_t)(k * 7 + i) * 1000,
                       (unsigned)(k * 10 + i + 1));
        assert_int_equal(pthread_create(&th[k], NULL, pack_thread, &pu[k]), 0);
    }
    for (int k = 0; k < U; k++)
        pthread_join(th[k], NULL);
    for (int k = 0; k < U; k++) {
        struct tfile *order[6];
        json_t *idx;
        assert_int_equal(pu[k].rc, 0);
        assert_int_equal(pu[k].mine.nvols, 1);
        for (int i = 0; i < 6; i++)
            order[i] = &pu[k].t[i];
        idx = verify_volume(&pu[k].mine, &pu[k].mine.vols[0], CODEC_GZIP, order, 6);
        assert_string_equal(jstr(idx, "tenant"), pu[k].tenant);
        json_decref(idx);
        free(pu[k].mine.vols[0].key);
        free(pu[k].mine.vols[0].index_key);
        for (int i = 0; i < 6; i++)
            free(pu[k].t[i].data);
    }
    free(pu);
}

static void test_unit_prefix(void **state)
{
    char *p = pack_unit_prefix("2026-11-23", "siem-01", "acme");

    (void)state;
    assert_string_equal(p, "tenant=acme/date=2026-11-23/source=siem-01/");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_prefix),
        cmocka_unit_test_setup_teardown(test_pack_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gnu_tar_extracts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volume_cutting_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volume_cutting_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_while_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_units_share_pool, setup, teardown),
        /* last: until pack_unit_free waits for the blocks libarchive flushes
         * while being freed, AddressSanitizer aborts the binary here */
        cmocka_unit_test_setup_teardown(test_read_error_fails_unit, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
