/*
 * codecbench.c — single-core throughput of the block codecs coldpack uses and
 * of SHA-256, on a sample of the benchmark's own data.
 *
 *   codecbench [-b BLOCK] [-r REPS] [-t THREADS] FILE TEST...
 *
 * FILE is read whole into memory (give it a tar of a sample of the data, as
 * coldpack would see it). It is cut into BLOCK-sized pieces (default 4 MiB,
 * coldpack's block_size) and each piece is compressed independently, exactly
 * as coldpack's pool does. Each TEST runs REPS times (default 3) on one
 * thread; the median is printed as one line:
 *
 *   <test> <MB/s of uncompressed input> <ratio input/output> <wall MB/s>
 *
 * MB/s is per CPU second of the measuring thread, so it stays meaningful on a
 * machine shared with other work; wall MB/s is printed too. With -t N, N-1
 * more threads run the same test at the same time, so the figure is one
 * core's speed while every core is busy (shared caches, all-core clock), as
 * in coldpack's pool.
 *
 * TESTs: gzip-N (libdeflate level N, 1-12), gunzip-N (libdeflate
 * decompression of level-N output), zstd-N (libzstd level N), unzstd-N,
 * zlib-N (zlib deflate level N with a gzip wrapper: what gzip and pigz run),
 * sha256 (OpenSSL EVP). MB = 10^6 bytes.
 */
#define _GNU_SOURCE
#include <libdeflate.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct blocks {
    size_t n;
    size_t *len;        /* compressed length of block i */
    unsigned char **buf; /* compressed block i */
};

static unsigned char *data;
static size_t size, bsz = 4 << 20;

/* Compress every block with level `lvl`; returns total output bytes. Keeps
 * outputs in `keep` when non-NULL (for the decompression tests). */
static size_t run_gzip(int lvl, struct blocks *keep)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(lvl);
    size_t cap = libdeflate_gzip_compress_bound(c, bsz), total = 0, i = 0;
    unsigned char *out = malloc(cap);

    for (size_t off = 0; off < size; off += bsz, i++) {
        size_t n = size - off < bsz ? size - off : bsz;
        size_t r = libdeflate_gzip_compress(c, data + off, n, out, cap);
        if (!r) {
            fprintf(stderr, "gzip failed\n");
            exit(1);
        }
        total += r;
        if (keep) {
            keep->buf[i] = malloc(r);
            memcpy(keep->buf[i], out, r);
            keep->len[i] = r;
        }
    }
    free(out);
    libdeflate_free_compressor(c);
    return total;
}

static size_t run_zstd(int lvl, struct blocks *keep)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(bsz), total = 0, i = 0;
    unsigned char *out = malloc(cap);

    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, lvl);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1); /* as coldpack */
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    for (size_t off = 0; off < size; off += bsz, i++) {
        size_t n = size - off < bsz ? size - off : bsz;
        size_t r = ZSTD_compress2(c, out, cap, data + off, n);
        if (ZSTD_isError(r)) {
            fprintf(stderr, "zstd failed\n");
            exit(1);
        }
        total += r;
        if (keep) {
            keep->buf[i] = malloc(r);
            memcpy(keep->buf[i], out, r);
            keep->len[i] = r;
        }
    }
    free(out);
    ZSTD_freeCCtx(c);
    return total;
}

static size_t run_zlib(int lvl)
{
    size_t cap = deflateBound(NULL, bsz) + 64, total = 0;
    unsigned char *out = malloc(cap);
    z_stream z;

    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, lvl, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        exit(1);
    for (size_t off = 0; off < size; off += bsz) {
        size_t n = size - off < bsz ? size - off : bsz;
        deflateReset(&z);
        z.next_in = data + off;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
            fprintf(stderr, "zlib failed\n");
            exit(1);
        }
        total += cap - z.avail_out;
    }
    deflateEnd(&z);
    free(out);
    return total;
}

static size_t run_gunzip(struct blocks *b)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    unsigned char *out = malloc(bsz);
    size_t total = 0;

    for (size_t i = 0; i < b->n; i++) {
        size_t got = 0;
        if (libdeflate_gzip_decompress(d, b->buf[i], b->len[i], out, bsz, &got) !=
            LIBDEFLATE_SUCCESS) {
            fprintf(stderr, "gunzip failed\n");
            exit(1);
        }
        total += got;
    }
    free(out);
    libdeflate_free_decompressor(d);
    return total;
}

static size_t run_unzstd(struct blocks *b)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    unsigned char *out = malloc(bsz);
    size_t total = 0;

    for (size_t i = 0; i < b->n; i++) {
        size_t r = ZSTD_decompressDCtx(d, out, bsz, b->buf[i], b->len[i]);
        if (ZSTD_isError(r)) {
            fprintf(stderr, "unzstd failed\n");
            exit(1);
        }
        total += r;
    }
    free(out);
    ZSTD_freeDCtx(d);
    return total;
}

static size_t run_sha256(void)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned int mdlen;

    /* coldpack hashes in 256 KiB reads; chunking does not matter to SHA-256 */
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    for (size_t off = 0; off < size; off += 256 * 1024)
        EVP_DigestUpdate(m, data + off, size - off < 256 * 1024 ? size - off : 256 * 1024);
    EVP_DigestFinal_ex(m, md, &mdlen);
    EVP_MD_CTX_free(m);
    return 32;
}

static size_t run_one(const char *name, int lvl, struct blocks *b)
{
    if (!strncmp(name, "gunzip-", 7))
        return run_gunzip(b);
    if (!strncmp(name, "unzstd-", 7))
        return run_unzstd(b);
    if (!strncmp(name, "gzip-", 5))
        return run_gzip(lvl, NULL);
    if (!strncmp(name, "zstd-", 5))
        return run_zstd(lvl, NULL);
    if (!strncmp(name, "zlib-", 5))
        return run_zlib(lvl);
    run_sha256();
    return size; /* ratio 1 */
}

static atomic_int stop;
struct helper {
    const char *name;
    int lvl;
    struct blocks *b;
};

static void *helper_fn(void *p)
{
    struct helper *h = p;
    while (!atomic_load(&stop))
        run_one(h->name, h->lvl, h->b);
    return NULL;
}

static void free_blocks(struct blocks *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->buf[i]);
    free(b->buf);
    free(b->len);
}

int main(int argc, char **argv)
{
    int reps = 3, a = 1, nthreads = 1;
    FILE *f;

    while (a < argc && argv[a][0] == '-') {
        if (!strcmp(argv[a], "-b") && a + 1 < argc)
            bsz = strtoul(argv[a + 1], NULL, 10), a += 2;
        else if (!strcmp(argv[a], "-r") && a + 1 < argc)
            reps = atoi(argv[a + 1]), a += 2;
        else if (!strcmp(argv[a], "-t") && a + 1 < argc)
            nthreads = atoi(argv[a + 1]), a += 2;
        else
            break;
    }
    if (argc - a < 2 || reps < 1 || bsz < 4096 || nthreads < 1 || nthreads > 256) {
        fprintf(stderr, "usage: codecbench [-b BLOCK] [-r REPS] [-t THREADS] FILE TEST...\n");
        return 2;
    }
    f = fopen(argv[a], "rb");
    if (!f || fseek(f, 0, SEEK_END) < 0 || (long)(size = (size_t)ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) < 0) {
        perror(argv[a]);
        return 1;
    }
    data = malloc(size);
    if (!data || fread(data, 1, size, f) != size) {
        perror("read");
        return 1;
    }
    fclose(f);
    for (int t = a + 1; t < argc; t++) {
        const char *name = argv[t];
        double *secs = calloc((size_t)reps, sizeof *secs);
        double *walls = calloc((size_t)reps, sizeof *walls);
        size_t out = 0;
        int lvl = 0;
        struct blocks b = {0};
        int dec = !strncmp(name, "gunzip-", 7) || !strncmp(name, "unzstd-", 7);

        if (dec) {
            lvl = atoi(name + 7);
            b.n = (size + bsz - 1) / bsz;
            b.buf = calloc(b.n, sizeof *b.buf);
            b.len = calloc(b.n, sizeof *b.len);
            out = name[0] == 'g' ? run_gzip(lvl, &b) : run_zstd(lvl, &b);
        } else if (!strncmp(name, "gzip-", 5) || !strncmp(name, "zstd-", 5) ||
                   !strncmp(name, "zlib-", 5)) {
            lvl = atoi(name + 5);
        } else if (strcmp(name, "sha256")) {
            fprintf(stderr, "unknown test %s\n", name);
            return 2;
        }
        struct helper h = {name, lvl, &b};
        pthread_t th[256];
        atomic_store(&stop, 0);
        for (int i = 1; i < nthreads; i++)
            pthread_create(&th[i], NULL, helper_fn, &h);
        for (int r = 0; r < reps; r++) {
            double t0 = clk(CLOCK_THREAD_CPUTIME_ID), w0 = clk(CLOCK_MONOTONIC);
            size_t o = run_one(name, lvl, &b);
            if (!dec)
                out = o;
            secs[r] = clk(CLOCK_THREAD_CPUTIME_ID) - t0;
            walls[r] = clk(CLOCK_MONOTONIC) - w0;
        }
        atomic_store(&stop, 1);
        for (int i = 1; i < nthreads; i++)
            pthread_join(th[i], NULL);
        qsort(secs, (size_t)reps, sizeof *secs, cmp_d);
        qsort(walls, (size_t)reps, sizeof *walls, cmp_d);
        double med = secs[reps / 2], wmed = walls[reps / 2];
        printf("%s %.1f %.3f %.1f\n", name, (double)size / med / 1e6, (double)size / (double)out,
               (double)size / wmed / 1e6);
        fflush(stdout);
        if (dec)
            free_blocks(&b);
        free(secs);
        free(walls);
    }
    free(data);
    return 0;
}
