/*
 * test_codec.c — one block as one gzip member (libdeflate) or one zstd frame:
 * round trips of realistic log text at several levels (and empty/binary
 * blocks); corrupted blocks (every single-byte bit flip past the unprotected
 * gzip header, every truncation) are refused; blocks are independent, so two
 * compressed blocks concatenated are one valid multi-member gzip / multi-frame
 * zstd stream that zlib's inflate (reset at each member end, as gzip -d does),
 * ZSTD_decompressStream and the gzip/zstd command-line tools read as the
 * concatenated input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* n bytes of syslog, firewall and JSON lines (varied, compressible ~4-8x). */
static unsigned char *gen_logs(size_t n, uint64_t seed)
{
    static const char *const hosts[] = {"fw-01", "fw-02", "web-7", "db-primary", "vpn-gw"};
    static const char *const procs[] = {"kernel", "sshd", "nginx", "postgres", "charon"};
    static const char *const users[] = {"alice", "bob", "svc-backup", "root", "mallory"};
    unsigned char *buf = malloc(n + 512);
    size_t len = 0;

    assert_non_null(buf);
    rng_state = seed * 2654435761u + 1;
    while (len < n) {
        char line[512];
        int k = (int)(rnd() % 3), w;
        unsigned t = rnd() % 86400;
        if (k == 0)
            w = snprintf(line, sizeof line,
                         "<%u>Nov 23 %02u:%02u:%02u %s %s[%u]: Accepted publickey for %s from "
                         "10.%u.%u.%u port %u ssh2\n",
                         rnd() % 192, t / 3600, t / 60 % 60, t % 60, hosts[rnd() % 5],
                         procs[rnd() % 5], rnd() % 65536, users[rnd() % 5], rnd() % 256,
                         rnd() % 256, rnd() % 256, 1024 + rnd() % 60000);
        else if (k == 1)
            w = snprintf(line, sizeof line,
                         "2026-11-23T%02u:%02u:%02u.%03uZ %s DROP IN=eth%u SRC=192.168.%u.%u "
                         "DST=172.16.%u.%u LEN=%u PROTO=%s SPT=%u DPT=%u\n",
                         t / 3600, t / 60 % 60, t % 60, rnd() % 1000, hosts[rnd() % 2], rnd() % 4,
                         rnd() % 256, rnd() % 256, rnd() % 256, rnd() % 256, 40 + rnd() % 1460,
                         rnd() % 2 ? "TCP" : "UDP", rnd() % 65536,
                         (unsigned[]){22, 53, 80, 443, 3389}[rnd() % 5]);
        else
            w = snprintf(line, sizeof line,
                         "{\"ts\":%u,\"tenant\":\"acme\",\"event\":\"http\",\"status\":%u,"
                         "\"bytes\":%u,\"path\":\"/api/v%u/items/%u\",\"ua\":\"curl/8.%u\"}\n",
                         1763856000 + t, (unsigned[]){200, 204, 301, 404, 500}[rnd() % 5],
                         rnd() % 100000, 1 + rnd() % 3, rnd() % 100000, rnd() % 10);
        memcpy(buf + len, line, (size_t)w);
        len += (size_t)w;
    }
    return buf;
}

/* Compress in[0..n) as one block; returns malloc'd output and its size. */
static unsigned char *compress_block(codec_t *c, int kind, const void *in, size_t n, size_t *outn)
{
    size_t cap = codec_bound(kind, n);
    unsigned char *out = malloc(cap);

    assert_non_null(out);
    assert_true(cap >= n);
    *outn = codec_compress(c, in, n, out, cap);
    assert_true(*outn > 0);
    return out;
}

static void round_trip(int kind, int level, size_t n, uint64_t seed)
{
    unsigned char *in = gen_logs(n, seed), *back = malloc(n + 1), *out;
    codec_t *c = codec_new(kind, level);
    size_t outn;
    long got;

    assert_non_null(c);
    assert_non_null(back);
    out = compress_block(c, kind, in, n, &outn);
    /* log text compresses well at any level */
    assert_true(outn < n / 2);
    if (kind == CODEC_GZIP) {
        assert_int_equal(out[0], 0x1f);
        assert_int_equal(out[1], 0x8b);
    } else {
        assert_int_equal(ZSTD_getFrameContentSize(out, outn), n); /* size recorded */
    }
    got = codec_decompress(c, out, outn, back, n);
    assert_int_equal(got, (long)n);
    assert_memory_equal(back, in, n);
    /* the same codec compresses again (state reused) with the same result */
    {
        size_t cap = codec_bound(kind, n), n2;
        unsigned char *out2 = malloc(cap);
        assert_non_null(out2);
        n2 = codec_compress(c, in, n, out2, cap);
        assert_int_equal(n2, outn);
        assert_memory_equal(out2, out, outn);
        free(out2);
    }
    /* a decompressor of another instance reads it (blocks are independent) */
    {
        codec_t *d = codec_new(kind, 1);
        assert_non_null(d);
        memset(back, 0, n);
        assert_int_equal(codec_decompress(d, out, outn, back, n), (long)n);
        assert_memory_equal(back, in, n);
        /* an output buffer one byte short is refused */
        assert_int_equal(codec_decompress(d, out, outn, back, n - 1), -1);
        codec_free(d);
    }
    free(in);
    free(back);
    free(out);
    codec_free(c);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    round_trip(CODEC_GZIP, 1, 1 << 20, 1);
    round_trip(CODEC_GZIP, 6, 1 << 20, 2);
    round_trip(CODEC_GZIP, 9, 1 << 20, 3);
    round_trip(CODEC_GZIP, 12, 256 << 10, 4);
    round_trip(CODEC_GZIP, 6, 4 << 20, 5);
    round_trip(CODEC_GZIP, 6, 1000, 6);
}

static void test_zstd_round_trip(void **state)
{
    (void)state;
    round_trip(CODEC_ZSTD, 1, 1 << 20, 11);
    round_trip(CODEC_ZSTD, 3, 1 << 20, 12);
    round_trip(CODEC_ZSTD, 9, 1 << 20, 13);
    round_trip(CODEC_ZSTD, 19, 256 << 10, 14);
    round_trip(CODEC_ZSTD, 3, 4 << 20, 15);
    round_trip(CODEC_ZSTD, 3, 1000, 16);
}

static void test_levels_differ(void **state)
{
    size_t n = 1 << 20, n1, n12, z1, z19;
    unsigned char *in = gen_logs(n, 7);
    codec_t *g1 = codec_new(CODEC_GZIP, 1), *g12 = codec_new(CODEC_GZIP, 12);
    codec_t *s1 = codec_new(CODEC_ZSTD, 1), *s19 = codec_new(CODEC_ZSTD, 19);
    unsigned char *a, *b, *c, *d;

    (void)state;
    assert_non_null(g1);
    assert_non_null(g12);
    assert_non_null(s1);
    assert_non_null(s19);
    a = compress_block(g1, CODEC_GZIP, in, n, &n1);
    b = compress_block(g12, CODEC_GZIP, in, n, &n12);
    c = compress_block(s1, CODEC_ZSTD, in, n, &z1);
    d = compress_block(s19, CODEC_ZSTD, in, n, &z19);
    /* the level is honoured: the top level is clearly smaller */
    assert_true(n12 < n1);
    assert_true(z19 < z1);
    free(a);
    free(b);
    free(c);
    free(d);
    free(in);
    codec_free(g1);
    codec_free(g12);
    codec_free(s1);
    codec_free(s19);
}

static void test_empty_and_binary(void **state)
{
    int kinds[] = {CODEC_GZIP, CODEC_ZSTD};

    (void)state;
    for (int k = 0; k < 2; k++) {
        codec_t *c = codec_new(kinds[k], 3);
        unsigned char out[256], back[8], *rand_in, *rand_out, *rand_back;
        size_t n, rn = 100000, rcap = codec_bound(kinds[k], rn);

        assert_non_null(c);
        /* an empty block is a valid member/frame of nothing */
        n = codec_compress(c, "", 0, out, sizeof out);
        assert_true(n > 0);
        assert_int_equal(codec_decompress(c, out, n, back, sizeof back), 0);
        /* incompressible data fits codec_bound and round-trips */
        rand_in = malloc(rn);
        rand_out = malloc(rcap);
        rand_back = malloc(rn);
        assert_non_null(rand_in);
        assert_non_null(rand_out);
        assert_non_null(rand_back);
        rng_state = 99;
        for (size_t i = 0; i < rn; i++)
            rand_in[i] = (unsigned char)rnd();
        n = codec_compress(c, rand_in, rn, rand_out, rcap);
        assert_true(n > 0 && n <= rcap);
        assert_int_equal(codec_decompress(c, rand_out, n, rand_back, rn), (long)rn);
        assert_memory_equal(rand_back, rand_in, rn);
        free(rand_in);
        free(rand_out);
        free(rand_back);
        codec_free(c);
    }
}

static void corrupt_one(int kind, uint64_t seed)
{
    size_t n = 64 << 10, outn, first;
    unsigned char *in = gen_logs(n, seed), *back = malloc(n), *out, *bad;
    codec_t *c = codec_new(kind, 6);
    int undetected = 0, refused = 0, total = 0;

    assert_non_null(c);
    assert_non_null(back);
    out = compress_block(c, kind, in, n, &outn);
    bad = malloc(outn);
    assert_non_null(bad);
    /* gzip: bytes 4-9 (MTIME, XFL, OS) and FLG's FTEXT hint are not covered by
     * the CRC, by the format; start after the 10-byte header. zstd: after the
     * frame header (magic 4 + descriptor 1 + window 1 + content size 4). */
    first = 10;
    for (size_t i = first; i < outn; i++) {
        long got;
        memcpy(bad, out, outn);
        bad[i] ^= (unsigned char)(1u << (i % 8));
        memset(back, 0, n);
        got = codec_decompress(c, bad, outn, back, n);
        total++;
        if (got < 0) {
            refused++;
        } else if (got != (long)n || memcmp(back, in, n) != 0) {
            undetected++;
            print_message("bit flip at byte %zu of %zu gave wrong data (got %ld)\n", i, outn, got);
        }
    }
    /* never wrong data; a flip that decodes to the same bytes (an unused
     * padding bit) is harmless, but those are rare */
    assert_int_equal(undetected, 0);
    print_message("%s: %d of %d bit flips refused\n", kind == CODEC_GZIP ? "gzip" : "zstd", refused,
                  total);
    assert_true(refused >= total - total / 100);
    /* every truncation (zstd's empty input: see test_zstd_exactly_one_frame) */
    for (size_t len = kind == CODEC_ZSTD ? 1 : 0; len < outn; len++)
        if (codec_decompress(c, out, len, back, n) >= 0)
            fail_msg("truncation to %zu of %zu bytes not detected", len, outn);
    /* trailing garbage after a gzip member is not "exactly one block" */
    if (kind == CODEC_GZIP) {
        unsigned char *longer = malloc(outn + 1);
        assert_non_null(longer);
        memcpy(longer, out, outn);
        longer[outn] = 0;
        assert_int_equal(codec_decompress(c, longer, outn + 1, back, n), -1);
        free(longer);
    }
    /* the codec is still usable after failures */
    assert_int_equal(codec_decompress(c, out, outn, back, n), (long)n);
    assert_memory_equal(back, in, n);
    free(in);
    free(back);
    free(out);
    free(bad);
    codec_free(c);
}

static void test_corruption_detected(void **state)
{
    (void)state;
    corrupt_one(CODEC_GZIP, 21);
    corrupt_one(CODEC_ZSTD, 22);
}

/* Inflate a multi-member gzip stream as gzip -d does: at each member's end,
 * reset and go on while input remains. Returns the output length. */
static size_t inflate_members(const unsigned char *in, size_t n, unsigned char *out, size_t cap,
                              int *members)
{
    z_stream z;
    int rc;

    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    *members = 0;
    for (;;) {
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            (*members)++;
            if (z.avail_in == 0)
                break;
            assert_int_equal(inflateReset(&z), Z_OK);
            continue;
        }
        if (rc != Z_OK)
            fail_msg("inflate: %d (%s)", rc, z.msg ? z.msg : "");
        if (z.avail_in == 0)
            fail_msg("inflate: input ended inside a member");
    }
    inflateEnd(&z);
    return cap - z.avail_out;
}

static void run_tool(const char *cmd, const unsigned char *in, size_t n, unsigned char *out,
                     size_t cap, size_t *outn)
{
    char path[] = "/tmp/test_codec_XXXXXX", line[256];
    int fd = mkstemp(path);
    FILE *p;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, in, n), (ssize_t)n);
    close(fd);
    snprintf(line, sizeof line, "%s < %s", cmd, path);
    p = popen(line, "r");
    assert_non_null(p);
    *outn = fread(out, 1, cap, p);
    assert_int_equal(pclose(p), 0);
    unlink(path);
}

static int have_tool(const char *name)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static void test_concatenated_members(void **state)
{
    size_t na = 300000, nb = 500001, outa, outb, got;
    unsigned char *a = gen_logs(na, 31), *b = gen_logs(nb, 32);
    unsigned char *both, *cat, *back = malloc(na + nb + 16);
    int kinds[] = {CODEC_GZIP, CODEC_ZSTD};

    (void)state;
    assert_non_null(back);
    both = malloc(na + nb);
    assert_non_null(both);
    memcpy(both, a, na);
    memcpy(both + na, b, nb);
    for (int k = 0; k < 2; k++) {
        codec_t *c = codec_new(kinds[k], 6);
        unsigned char *ca, *cb;
        assert_non_null(c);
        ca = compress_block(c, kinds[k], a, na, &outa);
        cb = compress_block(c, kinds[k], b, nb, &outb);
        cat = malloc(outa + outb);
        assert_non_null(cat);
        memcpy(cat, ca, outa);
        memcpy(cat + outa, cb, outb);
        if (kinds[k] == CODEC_GZIP) {
            int members = 0;
            got = inflate_members(cat, outa + outb, back, na + nb + 16, &members);
            assert_int_equal(members, 2);
            /* two members are not "exactly one block" for codec_decompress (which
             * may use all of out as scratch, so give it its own buffer) */
            {
                unsigned char *scratch = malloc(na + nb);
                assert_non_null(scratch);
                assert_int_equal(codec_decompress(c, cat, outa + outb, scratch, na + nb), -1);
                free(scratch);
            }
        } else {
            ZSTD_DCtx *d = ZSTD_createDCtx();
            ZSTD_inBuffer zi = {cat, outa + outb, 0};
            ZSTD_outBuffer zo = {back, na + nb + 16, 0};
            size_t r;
            assert_non_null(d);
            do {
                r = ZSTD_decompressStream(d, &zo, &zi);
                assert_false(ZSTD_isError(r));
            } while (zi.pos < zi.size);
            assert_int_equal(r, 0); /* ended on a frame boundary */
            got = zo.pos;
            ZSTD_freeDCtx(d);
        }
        assert_int_equal(got, na + nb);
        assert_memory_equal(back, both, na + nb);
        /* and the command-line tool agrees */
        if (have_tool(kinds[k] == CODEC_GZIP ? "gzip" : "zstd")) {
            memset(back, 0, na + nb);
            run_tool(kinds[k] == CODEC_GZIP ? "gzip -dc" : "zstd -dc", cat, outa + outb, back,
                     na + nb + 16, &got);
            assert_int_equal(got, na + nb);
            assert_memory_equal(back, both, na + nb);
        } else {
            print_message("%s not installed: CLI check skipped\n",
                          kinds[k] == CODEC_GZIP ? "gzip" : "zstd");
        }
        free(ca);
        free(cb);
        free(cat);
        codec_free(c);
    }
    free(a);
    free(b);
    free(both);
    free(back);
}

/* codec_decompress takes "exactly one block": like gzip (which refuses an
 * empty input and a second member), zstd must refuse an empty input and a
 * second frame, or a truncated/garbled block table goes unnoticed here. */
static void test_zstd_exactly_one_frame(void **state)
{
    size_t n = 4096, outn, n2;
    unsigned char *in = gen_logs(n, 41), *out, *two, back[8192];
    codec_t *c = codec_new(CODEC_ZSTD, 3), *g = codec_new(CODEC_GZIP, 6);

    (void)state;
    assert_non_null(c);
    assert_non_null(g);
    /* gzip behaves */
    assert_int_equal(codec_decompress(g, "", 0, back, sizeof back), -1);
    out = compress_block(c, CODEC_ZSTD, in, n, &outn);
    two = malloc(2 * outn);
    assert_non_null(two);
    memcpy(two, out, outn);
    memcpy(two + outn, out, outn);
    n2 = 2 * outn;
    long one = codec_decompress(c, out, outn, back, sizeof back);
    long empty = codec_decompress(c, "", 0, back, sizeof back);
    long both = codec_decompress(c, two, n2, back, sizeof back);
    free(in);
    free(out);
    free(two);
    codec_free(c);
    codec_free(g);
    assert_int_equal(one, (long)n);
    assert_int_equal(empty, -1);
    assert_int_equal(both, -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(codec_kind_from_name("gzip"), CODEC_GZIP);
    assert_int_equal(codec_kind_from_name("zstd"), CODEC_ZSTD);
    assert_int_equal(codec_kind_from_name("xz"), 0);
    assert_int_equal(codec_kind_from_name("GZIP"), 0);
    assert_int_equal(codec_kind_from_name(NULL), 0);
    assert_string_equal(codec_suffix(CODEC_GZIP), ".tar.gz");
    assert_string_equal(codec_suffix(CODEC_ZSTD), ".tar.zst");
    assert_null(codec_new(0, 6));
    assert_null(codec_new(42, 6));
    codec_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_round_trip),
        cmocka_unit_test(test_zstd_round_trip),
        cmocka_unit_test(test_levels_differ),
        cmocka_unit_test(test_empty_and_binary),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_concatenated_members),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_zstd_exactly_one_frame),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
