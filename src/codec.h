/*
 * codec.h — compress and decompress one block as a complete gzip member
 * (libdeflate) or a complete zstd frame (libzstd). A volume is the
 * concatenation of its blocks: a multi-member gzip / multi-frame zstd file
 * that gzip, zstd and GNU tar read as one stream.
 *
 * Level mapping: gzip levels 1..12 are libdeflate's (10-12 are slower,
 * smaller), zstd levels 1..19 are libzstd's. The defaults are chosen in
 * config.c: gzip 5 (libdeflate 5 matches GNU gzip -6's ratio, faster; see
 * bench/README.md) and zstd 3.
 */
#ifndef COLDPACK_CODEC_H
#define COLDPACK_CODEC_H

#include <stddef.h>

enum codec_kind { CODEC_GZIP = 1, CODEC_ZSTD = 2 };

typedef struct codec codec_t;

/* A compressor/decompressor with its own state; use from one thread at a
 * time (each worker keeps its own). NULL on failure. */
codec_t *codec_new(int kind, int level);
void codec_free(codec_t *c);
/* The calling thread's own codec for (kind, level), created on first use
 * and freed when the thread exits (pool workers keep theirs for the
 * process's life). NULL on failure. The caller must not free it. */
codec_t *codec_for_thread(int kind, int level);
/* Worst-case compressed size of n bytes. */
size_t codec_bound(int kind, size_t n);
/* Compress in[0..n) into out (cap >= codec_bound). Returns size or 0 on failure. */
size_t codec_compress(codec_t *c, const void *in, size_t n, void *out, size_t cap);
/* Decompress exactly one block into out (cap = its known tar length). Returns
 * the decompressed size, or -1 if the data is not a valid block. */
long codec_decompress(codec_t *c, const void *in, size_t n, void *out, size_t cap);
/* "gzip" / "zstd" -> kind; 0 when unknown. */
int codec_kind_from_name(const char *name);
/* File suffix: ".tar.gz" / ".tar.zst". */
const char *codec_suffix(int kind);

#endif
