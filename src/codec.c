/*
 * codec.c — one-shot block codecs. libdeflate for gzip (measured ~1.6x zlib's
 * speed at a better ratio on our logs, see bench/README.md), libzstd for zstd.
 */
#include "codec.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

struct codec {
    int kind;
    int level;
    struct libdeflate_compressor *dc;
    struct libdeflate_decompressor *dd;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
};

codec_t *codec_new(int kind, int level)
{
    codec_t *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->kind = kind;
    c->level = level;
    if (kind == CODEC_GZIP) {
        c->dc = libdeflate_alloc_compressor(level < 1 ? 6 : level > 12 ? 12 : level);
        c->dd = libdeflate_alloc_decompressor();
        if (!c->dc || !c->dd)
            goto fail;
    } else if (kind == CODEC_ZSTD) {
        c->zc = ZSTD_createCCtx();
        c->zd = ZSTD_createDCtx();
        if (!c->zc || !c->zd)
            goto fail;
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(c->zc, ZSTD_c_contentSizeFlag, 1);
    } else {
        goto fail;
    }
    return c;
fail:
    codec_free(c);
    return NULL;
}

void codec_free(codec_t *c)
{
    if (!c)
        return;
    if (c->dc)
        libdeflate_free_compressor(c->dc);
    if (c->dd)
        libdeflate_free_decompressor(c->dd);
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    free(c);
}

size_t codec_bound(int kind, size_t n)
{
    if (kind == CODEC_ZSTD)
        return ZSTD_compressBound(n);
    return libdeflate_gzip_compress_bound(NULL, n);
}

size_t codec_compress(codec_t *c, const void *in, size_t n, void *out, size_t cap)
{
    if (c->kind == CODEC_GZIP)
        return libdeflate_gzip_compress(c->dc, in, n, out, cap);
    size_t r = ZSTD_compress2(c->zc, out, cap, in, n);
    return ZSTD_isError(r) ? 0 : r;
}

long codec_decompress(codec_t *c, const void *in, size_t n, void *out, size_t cap)
{
    if (c->kind == CODEC_GZIP) {
        size_t in_used = 0, out_got = 0;
        enum libdeflate_result r =
            libdeflate_gzip_decompress_ex(c->dd, in, n, out, cap, &in_used, &out_got);
        if (r != LIBDEFLATE_SUCCESS || in_used != n)
            return -1;
        return (long)out_got;
    }
    /* Exactly one frame, like the gzip path: an empty input or a second
     * frame means the block table and the object disagree. */
    size_t fsz = ZSTD_findFrameCompressedSize(in, n);
    if (n == 0 || ZSTD_isError(fsz) || fsz != n)
        return -1;
    size_t r = ZSTD_decompressDCtx(c->zd, out, cap, in, n);
    return ZSTD_isError(r) ? -1 : (long)r;
}

int codec_kind_from_name(const char *name)
{
    if (name && !strcmp(name, "gzip"))
        return CODEC_GZIP;
    if (name && !strcmp(name, "zstd"))
        return CODEC_ZSTD;
    return 0;
}

const char *codec_suffix(int kind)
{
    return kind == CODEC_ZSTD ? ".tar.zst" : ".tar.gz";
}

struct codec_slot {
    codec_t *c;
};

static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void slot_free(void *p)
{
    struct codec_slot *s = p;

    if (s) {
        codec_free(s->c);
        free(s);
    }
}

static void slot_key_init(void)
{
    pthread_key_create(&slot_key, slot_free);
}

codec_t *codec_for_thread(int kind, int level)
{
    struct codec_slot *s;

    pthread_once(&slot_once, slot_key_init);
    s = pthread_getspecific(slot_key);
    if (s && s->c && s->c->kind == kind && s->c->level == level)
        return s->c;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        pthread_setspecific(slot_key, s);
    }
    codec_free(s->c);
    s->c = codec_new(kind, level);
    return s->c;
}
