/*
 * test_age.c — the age v1 module (src/age.c, age_keys.c, bech32.c):
 * primitives (Bech32 round trip and bad checksums, canonical base64, HKDF and
 * X25519 known answers), keys and key files (permissions, comments), header
 * parse errors on hand-edited headers, STREAM chunk boundaries in both output
 * modes and any input split, truncation / trailing data / tampering, ranged
 * chunk decryption, the project's own vectors (tests/vectors/age, made by
 * the age CLI), the C2SP CCTV vectors when $SHARED_DIR/testvectors/age
 * exists (default ../shared; non-armored, non-post-quantum ones), and
 * interop both ways with the `age` CLI (skipped when it is not installed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "age.h"
#include "bech32.h"
#include "log.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers --- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static int buf_write(void *arg, const void *p, size_t n)
{
    buf_add(arg, p, n);
    return 0;
}

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
}

static void hex2bin(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

/* Encrypt plain (fed in pieces of `step`, 0 = all at once) to recipients;
 * buffer mode when bufmode. Returns the whole age file. */
static buf_t encrypt(const age_recipient_t *r, size_t nr, const unsigned char *plain, size_t n,
                     size_t step, int bufmode)
{
    buf_t f = {0};
    age_enc_t *e = age_enc_new(r, nr);
    size_t hl;
    assert_non_null(e);
    const unsigned char *h = age_enc_header(e, &hl);
    buf_add(&f, h, hl);
    for (size_t off = 0; off < n || off == 0;) {
        size_t k = step && n - off > step ? step : n - off;
        age_out_t o = {0};
        if (bufmode) {
            o.cap = age_enc_bound(e, k);
            o.buf = malloc(o.cap + 1);
        } else {
            o.fn = buf_write;
            o.arg = &f;
        }
        assert_int_equal(age_enc_update(e, plain + off, k, &o), 0);
        if (bufmode) {
            assert_true(o.len <= o.cap);
            buf_add(&f, o.buf, o.len);
            free(o.buf);
        }
        off += k;
        if (off >= n)
            break;
    }
    age_out_t o = {0};
    unsigned char last[AGE_CHUNK_CT_SIZE];
    if (bufmode) {
        o.buf = last;
        o.cap = sizeof last;
    } else {
        o.fn = buf_write;
        o.arg = &f;
    }
    assert_int_equal(age_enc_final(e, &o), 0);
    if (bufmode)
        buf_add(&f, last, o.len);
    age_enc_free(e);
    assert_int_equal(f.len, hl + age_payload_size(n) - AGE_NONCE_SIZE);
    return f;
}

/* Decrypt in pieces of `step` (0 = all). Returns the age_err class; *plain
 * gets everything released. */
static int decrypt(const age_identity_t *ids, size_t nids, const unsigned char *in, size_t n,
                   size_t step, int bufmode, buf_t *plain)
{
    age_dec_t *d = age_dec_new(ids, nids, "test");
    int rc = 0;
    assert_non_null(d);
    for (size_t off = 0; off < n && rc == 0;) {
        size_t k = step && n - off > step ? step : n - off;
        age_out_t o = {0};
        if (bufmode) {
            o.cap = age_dec_bound(d, k);
            o.buf = malloc(o.cap + 1);
            assert_true(o.cap < k + AGE_CHUNK_SIZE);
        } else {
            o.fn = buf_write;
            o.arg = plain;
        }
        rc = age_dec_update(d, in + off, k, &o);
        if (bufmode) {
            buf_add(plain, o.buf, o.len);
            free(o.buf);
        }
        off += k;
    }
    if (rc == 0) {
        unsigned char last[AGE_CHUNK_SIZE];
        age_out_t o = {0};
        o.buf = last;
        o.cap = sizeof last;
        rc = age_dec_final(d, &o);
        buf_add(plain, last, o.len);
    }
    int err = age_dec_error(d);
    assert_true((rc == 0) == (err == AGE_OK));
    age_dec_free(d);
    return err;
}

static age_identity_t new_identity(age_recipient_t *r)
{
    char is[AGE_IDENTITY_STRLEN], rs[AGE_RECIPIENT_STRLEN];
    age_identity_t id;
    assert_int_equal(age_keygen(is, rs), 0);
    assert_int_equal(age_identity_parse(is, &id), 0);
    assert_int_equal(age_recipient_parse(rs, r), 0);
    assert_memory_equal(id.pub, r->pub, 32);
    return id;
}

/* -------------------------------------------------------------- primitives --- */

static void test_bech32(void **state)
{
    (void)state;
    char hrp[100], s[200];
    unsigned char data[64];
    size_t n;
    /* BIP-173 valid strings */
    static const char *const valid[] = {
        "A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        if (bech32_decode(valid[i], hrp, sizeof hrp, data, sizeof data, &n))
            fail_msg("valid %s refused", valid[i]);
        int upper = valid[i][0] == 'A';
        char lo[100];
        for (size_t j = 0; hrp[j]; j++)
            lo[j] = (char)(hrp[j] >= 'A' && hrp[j] <= 'Z' ? hrp[j] + 32 : hrp[j]), lo[j + 1] = 0;
        assert_true(bech32_encode(lo, data, n, upper, s, sizeof s) > 0);
        assert_string_equal(s, valid[i]);
    }
    /* BIP-173 invalid: bad checksum, no separator, empty HRP, bad char,
     * short checksum, mixed case, non-zero padding */
    static const char *const invalid[] = {
        "a12uel5m",      "pzry9x0s0muk",
        "1pzry9x0s0muk", "x1b4n0q5v",
        "li1dgmt3",      "A12uEL5L",
        "10a06t8",       "1qzzfhee",
        "de1lg7wt\xff",  "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"};
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++)
        if (bech32_decode(invalid[i], hrp, sizeof hrp, data, sizeof data, &n) == 0)
            fail_msg("invalid %s accepted", invalid[i]);
    /* round trip of random byte strings, every length 0..40, both cases */
    for (size_t len = 0; len <= 40; len++) {
        unsigned char in[40], out[64];
        pattern(in, len, (unsigned)len);
        assert_true(bech32_encode("test", in, len, (int)(len & 1), s, sizeof s) > 0);
        assert_int_equal(bech32_decode(s, hrp, sizeof hrp, out, sizeof out, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(in, out, len);
        s[strlen(s) - 1] ^= 1; /* any single-character change breaks the checksum */
        assert_int_not_equal(bech32_decode(s, hrp, sizeof hrp, out, sizeof out, &n), 0);
    }
    assert_int_equal(bech32_encode("age", data, 32, 0, s, 20), -1); /* too small */
}

static void test_base64(void **state)
{
    (void)state;
    static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    unsigned char bin[16];
    size_t n;
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(age_b64_len(i), strlen(enc[i]));
        assert_int_equal(age_b64_encode("foobar", i, out, sizeof out), 0);
        assert_string_equal(out, enc[i]);
        assert_int_equal(age_b64_decode(enc[i], strlen(enc[i]), bin, sizeof bin, &n), 0);
        assert_int_equal(n, i);
        assert_memory_equal(bin, "foobar", i);
    }
    /* padding, bad length, bad characters, non-canonical trailing bits */
    static const char *const bad[] = {"Zg==", "Zm8=", "Z",    "Zm9vY", "Zm9v!",  "Zm 9",
                                      "Zh",   "Zm9",  "Zm-v", "Zm_v",  "Zm9vYh", "\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (age_b64_decode(bad[i], strlen(bad[i]), bin, sizeof bin, &n) == 0)
            fail_msg("base64 \"%s\" accepted", bad[i]);
    assert_int_equal(age_b64_decode("Zm9v", 4, bin, 2, &n), -1); /* output too small */
    assert_int_equal(age_b64_encode("foo", 3, out, 4), -1);
}

static void test_hkdf_x25519(void **state)
{
    (void)state;
    unsigned char ikm[22], salt[13], okm[42], want[42];
    char info[11];
    /* RFC 5869 A.1 */
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++)
        salt[i] = (unsigned char)i;
    for (int i = 0; i < 10; i++)
        info[i] = (char)(0xf0 + i);
    info[10] = 0;
    assert_int_equal(age_hkdf(ikm, 22, salt, 13, info, okm, 42), 0);
    hex2bin("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            want, 42);
    assert_memory_equal(okm, want, 42);
    /* RFC 5869 A.3: empty salt and info */
    assert_int_equal(age_hkdf(ikm, 22, NULL, 0, "", okm, 42), 0);
    hex2bin("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
            want, 42);
    assert_memory_equal(okm, want, 42);
    /* RFC 7748 6.1: Alice's public key */
    unsigned char sk[32], pk[32];
    hex2bin("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", sk, 32);
    hex2bin("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
    assert_int_equal(age_x25519_public(sk, pk), 0);
    assert_memory_equal(pk, want, 32);
}

/* ------------------------------------------------------------------- keys --- */

#define CCTV_IDENTITY  "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
#define CCTV_RECIPIENT "age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef"

static void test_keys(void **state)
{
    (void)state;
    age_identity_t id;
    age_recipient_t r;
    char s[AGE_IDENTITY_STRLEN], rs[AGE_RECIPIENT_STRLEN];
    unsigned char want[32];

    assert_int_equal(age_identity_parse(CCTV_IDENTITY, &id), 0);
    hex2bin("ca1626252c53cf1a4dc46695e7fcc46594cb4ccadedb6712dfda0753f3ae355e", want, 32);
    assert_memory_equal(id.secret, want, 32);
    assert_int_equal(age_identity_format(&id, s), 0);
    assert_string_equal(s, CCTV_IDENTITY);
    memcpy(r.pub, id.pub, 32);
    assert_int_equal(age_recipient_format(&r, rs), 0);
    assert_string_equal(rs, CCTV_RECIPIENT);
    assert_int_equal(age_recipient_parse(CCTV_RECIPIENT, &r), 0);
    assert_memory_equal(r.pub, id.pub, 32);
    /* case and HRP are part of the format */
    char lower[AGE_IDENTITY_STRLEN], upper[AGE_RECIPIENT_STRLEN];
    for (size_t i = 0; i <= strlen(CCTV_IDENTITY); i++)
        lower[i] = (char)(CCTV_IDENTITY[i] >= 'A' && CCTV_IDENTITY[i] <= 'Z' ? CCTV_IDENTITY[i] + 32
                                                                             : CCTV_IDENTITY[i]);
    for (size_t i = 0; i <= strlen(CCTV_RECIPIENT); i++)
        upper[i] =
            (char)(CCTV_RECIPIENT[i] >= 'a' && CCTV_RECIPIENT[i] <= 'z' ? CCTV_RECIPIENT[i] - 32
                                                                        : CCTV_RECIPIENT[i]);
    assert_int_equal(age_identity_parse(lower, &id), -1);
    assert_int_equal(age_recipient_parse(upper, &r), -1);
    assert_int_equal(age_recipient_parse(CCTV_IDENTITY, &r), -1);
    assert_int_equal(age_identity_parse(CCTV_RECIPIENT, &id), -1);
    assert_int_equal(
        age_recipient_parse("age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryeg", &r),
        -1); /* checksum */
    /* keygen round trip */
    assert_int_equal(age_keygen(s, rs), 0);
    assert_int_equal(strlen(s), AGE_IDENTITY_STRLEN - 1);
    assert_int_equal(strlen(rs), AGE_RECIPIENT_STRLEN - 1);
    assert_int_equal(age_identity_parse(s, &id), 0);
    assert_int_equal(age_recipient_parse(rs, &r), 0);
    assert_memory_equal(id.pub, r.pub, 32);
}

static void test_key_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_age_XXXXXX", path[256];
    age_recipient_t *rs = NULL;
    age_identity_t *ids = NULL;
    size_t n = 0;
    FILE *f;

    assert_non_null(mkdtemp(dir));
    const char *rtext =
        "# backup keys\n\n  " CCTV_RECIPIENT "  \r\n# second\nage1ql3z7hjy54pw3hyww5ay"
        "yfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n";
    assert_int_equal(age_recipients_parse(rtext, strlen(rtext), "r.txt", &rs, &n), 0);
    assert_int_equal(n, 2);
    free(rs);
    const char *bad = "# x\nage1notakey\n";
    assert_int_equal(age_recipients_parse(bad, strlen(bad), "r.txt", &rs, &n), -1);
    assert_non_null(strstr(log_last_error(), "r.txt:2:"));
    assert_int_equal(age_recipients_parse("# only\n\n", 8, "e.txt", &rs, &n), -1);
    assert_non_null(strstr(log_last_error(), "e.txt"));

    snprintf(path, sizeof path, "%s/key.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "# created: 2024-01-01\n# public key: %s\n%s\n", CCTV_RECIPIENT, CCTV_IDENTITY);
    fclose(f);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(age_identities_load(path, &ids, &n), -1);
    assert_non_null(strstr(log_last_error(), path));
    assert_non_null(strstr(log_last_error(), "readable by group or others"));
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(age_identities_load(path, &ids, &n), -1);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(age_identities_load(path, &ids, &n), 0);
    assert_int_equal(n, 1);
    age_identity_t want;
    assert_int_equal(age_identity_parse(CCTV_IDENTITY, &want), 0);
    assert_memory_equal(&ids[0], &want, sizeof want);
    age_identities_free(ids, n);
    age_identities_free(NULL, 0);
    /* a bad identity line is named by line, never printed */
    f = fopen(path, "w");
    fprintf(f, "# k\nAGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM1\n");
    fclose(f);
    assert_int_equal(age_identities_load(path, &ids, &n), -1);
    assert_non_null(strstr(log_last_error(), ":2:"));
    assert_null(strstr(log_last_error(), "EGTZVFFV"));
    assert_int_equal(age_recipients_load(path, &rs, &n), -1); /* not recipients */
    unlink(path);
    assert_int_equal(age_identities_load(path, &ids, &n), -1);
    assert_non_null(strstr(log_last_error(), path));
    rmdir(dir);
}

/* ---------------------------------------------------------------- stream --- */

static void test_chunk_boundaries(void **state)
{
    (void)state;
    static const size_t sizes[] = {
        0, 1, 15, 16, 17, 65535, 65536, 65537, 2 * 65536, 2 * 65536 + 1, 200000, 3 * 65536 - 1};
    static const size_t steps[] = {0, 1, 7, 4096, 65535, 65536, 65537, 100000};
    age_recipient_t r;
    age_identity_t id = new_identity(&r);
    unsigned char *plain = malloc(200000);
    assert_non_null(plain);
    pattern(plain, 200000, 42);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        for (size_t j = 0; j < sizeof steps / sizeof *steps; j++) {
            size_t st = steps[j];
            if (st == 1 && n > 70000)
                continue; /* slow under ASan, and 65537 covers it */
            buf_t f = encrypt(&r, 1, plain, n, st, (int)(j & 1));
            buf_t out = {0};
            assert_int_equal(
                decrypt(&id, 1, f.p, f.len, steps[(j + 3) % 8], (int)((j >> 1) & 1), &out), AGE_OK);
            assert_int_equal(out.len, n);
            if (n)
                assert_memory_equal(out.p, plain, n);
            /* chunk count: empty plaintext is one empty chunk */
            uint64_t pn = 0;
            assert_int_equal(age_plain_size(age_payload_size(n), &pn), 0);
            assert_int_equal(pn, n);
            free(out.p);
            free(f.p);
        }
    }
    uint64_t pn;
    assert_int_equal(age_plain_size(15, &pn), -1);
    assert_int_equal(age_plain_size(16 + 65552 + 16, &pn), -1); /* empty non-first chunk */
    assert_int_equal(age_plain_size(16 + 65552 + 5, &pn), -1);
    free(plain);
}

/* The offset just past the header (before the nonce) of an age file. */
static size_t header_len(const buf_t *f)
{
    const unsigned char *m = memmem(f->p, f->len, "\n---", 4);
    assert_non_null(m);
    const unsigned char *nl = memchr(m + 1, '\n', f->len - (size_t)(m + 1 - f->p));
    assert_non_null(nl);
    return (size_t)(nl + 1 - f->p);
}

static void test_tamper(void **state)
{
    (void)state;
    age_recipient_t r;
    age_identity_t id = new_identity(&r), other;
    age_recipient_t r2;
    other = new_identity(&r2);
    unsigned char plain[65536 + 100];
    pattern(plain, sizeof plain, 7);
    buf_t f = encrypt(&r, 1, plain, sizeof plain, 0, 0);
    size_t hl = header_len(&f);
    buf_t out = {0};

    /* truncated after the first chunk: it is released, then failure */
    assert_int_equal(decrypt(&id, 1, f.p, hl + 16 + 65552, 0, 0, &out), AGE_ERR_PAYLOAD);
    assert_int_equal(out.len, 65536);
    out.len = 0;
    /* trailing byte after the short final chunk: no longer authentic */
    buf_t g = {0};
    buf_add(&g, f.p, f.len);
    buf_add(&g, "x", 1);
    assert_int_equal(decrypt(&id, 1, g.p, g.len, 1000, 1, &out), AGE_ERR_PAYLOAD);
    assert_int_equal(out.len, 65536);
    out.len = 0;
    /* flipped last byte */
    g.p[f.len - 1] ^= 1;
    assert_int_equal(decrypt(&id, 1, g.p, f.len, 0, 0, &out), AGE_ERR_PAYLOAD);
    out.len = 0;
    /* flipped header MAC character -> HMAC; flipped share -> no match */
    memcpy(g.p, f.p, f.len);
    g.p[hl - 10] = g.p[hl - 10] == 'A' ? 'B' : 'A';
    assert_int_equal(decrypt(&id, 1, g.p, f.len, 0, 0, &out), AGE_ERR_HMAC);
    /* wrong identity: the message names the stanza types and the recipient tried */
    assert_int_equal(decrypt(&other, 1, f.p, f.len, 0, 0, &out), AGE_ERR_NO_MATCH);
    char rs[AGE_RECIPIENT_STRLEN];
    assert_int_equal(age_recipient_format(&r2, rs), 0);
    assert_non_null(strstr(log_last_error(), rs));
    assert_non_null(strstr(log_last_error(), "X25519"));
    assert_int_equal(decrypt(NULL, 0, f.p, f.len, 0, 0, &out), AGE_ERR_NO_MATCH);
    /* truncated header / nonce */
    assert_int_equal(decrypt(&id, 1, f.p, hl - 1, 0, 0, &out), AGE_ERR_HEADER);
    assert_int_equal(decrypt(&id, 1, f.p, hl + 15, 0, 0, &out), AGE_ERR_HEADER);
    assert_int_equal(decrypt(&id, 1, f.p, hl + 16, 0, 0, &out), AGE_ERR_PAYLOAD);
    assert_int_equal(out.len, 0);
    /* not an age file */
    assert_int_equal(decrypt(&id, 1, (const unsigned char *)"GIF89a....", 10, 0, 0, &out),
                     AGE_ERR_HEADER);
    /* a buffer that is too small is refused before anything is consumed */
    age_dec_t *d = age_dec_new(&id, 1, "small");
    unsigned char tiny[10];
    age_out_t o = {.buf = tiny, .cap = sizeof tiny};
    assert_int_equal(age_dec_update(d, f.p, f.len, &o), -1);
    assert_int_equal(age_dec_error(d), AGE_ERR_OTHER);
    age_dec_free(d);
    age_dec_free(NULL);
    age_enc_free(NULL);
    free(out.p);
    free(g.p);
    free(f.p);
}

/* Rewrite f's header: replace the first occurrence of `from` by `to`, then
 * recompute the MAC with file_key when given. */
static buf_t edit_header(const buf_t *f, const char *from, const char *to,
                         const unsigned char *file_key)
{
    size_t hl = header_len(f);
    char *h = malloc(hl + 1 + strlen(to));
    memcpy(h, f->p, hl);
    h[hl] = 0;
    buf_t g = {0};
    char *at = strstr(h, from);
    assert_non_null(at);
    buf_add(&g, h, (size_t)(at - h));
    buf_add(&g, to, strlen(to));
    buf_add(&g, at + strlen(from), hl - (size_t)(at - h) - strlen(from));
    if (file_key) { /* "--- " + 43 + "\n" at the end */
        unsigned char key[32], mac[32];
        unsigned int ml = 32;
        char b64[44];
        size_t macoff = g.len - 45; /* just past "---" */
        assert_int_equal(age_hkdf(file_key, 16, NULL, 0, "header", key, 32), 0);
        assert_non_null(HMAC(EVP_sha256(), key, 32, g.p, macoff, mac, &ml));
        assert_int_equal(age_b64_encode(mac, 32, b64, sizeof b64), 0);
        memcpy(g.p + macoff + 1, b64, 43);
    }
    buf_add(&g, f->p + hl, f->len - hl);
    free(h);
    return g;
}

static void test_header_errors(void **state)
{
    (void)state;
    age_recipient_t r;
    age_identity_t id = new_identity(&r);
    age_enc_t *e = age_enc_new(&r, 1);
    unsigned char fk[16], nonce[16];
    size_t hl;
    const unsigned char *h = age_enc_header(e, &hl);
    buf_t f = {0}, out = {0};
    buf_add(&f, h, hl);
    age_out_t o = {.fn = buf_write, .arg = &f};
    assert_int_equal(age_enc_update(e, "hello", 5, &o), 0);
    assert_int_equal(age_enc_final(e, &o), 0);
    assert_int_equal(age_enc_update(e, "x", 1, &o), -1); /* after final */
    age_enc_keys(e, fk, nonce);
    age_enc_free(e);

    char share[44], body[44];
    const char *sh = strstr((const char *)f.p, "-> X25519 ") + 10;
    memcpy(share, sh, 43);
    share[43] = 0;
    memcpy(body, sh + 44, 43);
    body[43] = 0;
    char from[200];
    snprintf(from, sizeof from, "%s\n%s\n", share, body);
    struct {
        const char *from, *to;
        int remac, want;
    } cases[] = {
        {"v1\n", "v2\n", 1, AGE_ERR_HEADER},
        {"v1\n", "v1\r\n", 1, AGE_ERR_HEADER},
        {"-> X25519 ", "->  X25519 ", 1, AGE_ERR_HEADER},      /* empty argument */
        {"-> X25519 ", "->X25519 ", 1, AGE_ERR_HEADER},        /* bad start */
        {"-> X25519 ", "-> X25519 extra ", 1, AGE_ERR_HEADER}, /* 3 arguments */
        {"-> X25519 ", "-> x25519 ", 1, AGE_ERR_NO_MATCH},     /* unknown type: ignored */
        {"-> X25519 ", "-> scrypt c2FsdA 10\nAAAA\n-> X25519 ", 1, AGE_ERR_HEADER},
        {"-> X25519 ", "-> X25519 \x01", 1, AGE_ERR_HEADER}, /* non-VCHAR */
        {"\n---", "=\n---", 1, AGE_ERR_HEADER},              /* padded body */
        {"\n---", "\n\n---", 1, AGE_ERR_HEADER},             /* two short lines */
        {"--- ", "---  ", 0, AGE_ERR_HEADER},                /* MAC line shape */
        {"--- ", "---", 0, AGE_ERR_HEADER},
        {"--- ", "--- A", 0, AGE_ERR_HEADER},
        /* grease: an unknown stanza with a 64-column body line, then a short
         * one, before and after; MAC recomputed -> success */
        {"-> X25519 ",
         "-> grease a b !#$%&'*+-.~\n"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAA\n-> X25519 ",
         1, AGE_OK},
        {"\n---", "\n-> empty\n\n---", 1, AGE_OK},
        /* the same, 64 columns not ended by a short line */
        {"\n---",
         "\n-> empty\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n---", 1,
         AGE_ERR_HEADER},
        {"\n---",
         "\n-> long\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n---",
         1, AGE_ERR_HEADER},
        {"-> X25519 ", "-> X25519\n\n-> X25519 ", 1, AGE_ERR_HEADER}, /* 1 argument */
        {"-> X25519 ",
         "-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-> X25519 ",
         1, AGE_ERR_HEADER},           /* all-zero share before ours: low order */
        {from, "", 1, AGE_ERR_HEADER}, /* share removed: stanza malformed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t g = edit_header(&f, cases[i].from, cases[i].to, cases[i].remac ? fk : NULL);
        out.len = 0;
        int got = decrypt(&id, 1, g.p, g.len, i % 3 ? 0 : 5, 0, &out);
        if (got != cases[i].want)
            fail_msg("case %zu (%s -> %s): got %d want %d (%s)", i, cases[i].from, cases[i].to, got,
                     cases[i].want, log_last_error());
        if (got == AGE_OK)
            assert_memory_equal(out.p, "hello", 5);
        free(g.p);
    }
    /* unchanged but re-MACed: still fine; MAC of another key: HMAC failure */
    buf_t g = edit_header(&f, "v1", "v1", fk);
    assert_memory_equal(g.p, f.p, f.len);
    free(g.p);
    fk[0] ^= 1;
    g = edit_header(&f, "v1", "v1", fk);
    assert_int_equal(decrypt(&id, 1, g.p, g.len, 0, 0, &out), AGE_ERR_HMAC);
    free(g.p);
    free(out.p);
    free(f.p);
}

static void test_ranged(void **state)
{
    (void)state;
    age_recipient_t r;
    age_identity_t id = new_identity(&r);
    size_t n = 3 * 65536 + 1000;
    unsigned char *plain = malloc(n), fk[16], nonce[16], fk2[16], nonce2[16];
    unsigned char out[AGE_CHUNK_SIZE];
    pattern(plain, n, 9);
    age_enc_t *e = age_enc_new(&r, 1);
    size_t hl0;
    buf_t f = {0};
    const unsigned char *h = age_enc_header(e, &hl0);
    buf_add(&f, h, hl0);
    age_out_t o = {.fn = buf_write, .arg = &f};
    assert_int_equal(age_enc_update(e, plain, n, &o), 0);
    assert_int_equal(age_enc_final(e, &o), 0);
    age_enc_keys(e, fk, nonce);
    age_enc_free(e);
    size_t hl = hl0 - AGE_NONCE_SIZE;
    assert_int_equal(hl, header_len(&f));

    /* the decryptor reports the same keys and header length */
    age_dec_t *d = age_dec_new(&id, 1, "ranged");
    size_t dhl = 0;
    age_out_t dout = {.fn = buf_write, .arg = &(buf_t){0}};
    assert_int_equal(age_dec_keys(d, fk2, nonce2, &dhl), -1);
    assert_int_equal(age_dec_update(d, f.p, hl + 16, &dout), 0);
    assert_int_equal(age_dec_keys(d, fk2, nonce2, &dhl), 0);
    assert_memory_equal(fk, fk2, 16);
    assert_memory_equal(nonce, nonce2, 16);
    assert_int_equal(dhl, hl);
    age_dec_free(d);

    for (uint64_t off = 0; off < n; off += 40000) {
        uint64_t i = age_chunk_index(off);
        uint64_t at = age_chunk_offset(hl, i);
        size_t ctlen = f.len - at < AGE_CHUNK_CT_SIZE ? f.len - at : AGE_CHUNK_CT_SIZE;
        size_t outlen = 0;
        int last = -1;
        assert_int_equal(age_chunk_decrypt(fk, nonce, i, f.p + at, ctlen, out, &outlen, &last), 0);
        assert_int_equal(last, i == 3);
        assert_int_equal(outlen, i == 3 ? 1000 : 65536);
        assert_memory_equal(out, plain + i * 65536, outlen);
        /* wrong index, cut chunk, wrong key: refused */
        assert_int_equal(age_chunk_decrypt(fk, nonce, i + 1, f.p + at, ctlen, out, &outlen, &last),
                         -1);
        assert_int_equal(age_chunk_decrypt(fk, nonce, i, f.p + at, ctlen - 1, out, &outlen, &last),
                         -1);
        assert_int_equal(age_chunk_decrypt(fk2, nonce, i, f.p + at, 15, out, &outlen, &last), -1);
        fk2[0] = fk[0] ^ 1;
        assert_int_equal(age_chunk_decrypt(fk2, nonce, i, f.p + at, ctlen, out, &outlen, &last),
                         -1);
    }
    assert_int_equal(age_chunk_index(65535), 0);
    assert_int_equal(age_chunk_index(65536), 1);
    assert_int_equal(age_chunk_offset(100, 2), 100 + 16 + 2 * 65552);
    assert_int_equal(age_payload_size(0), 32);
    assert_int_equal(age_payload_size(65536), 16 + 65552);
    assert_int_equal(age_payload_size(65537), 16 + 65552 + 17);
    assert_int_equal(f.len, hl + age_payload_size(n));
    free(f.p);
    free(plain);
}

/* ------------------------------------------------------- vector replay --- */

typedef struct vstats {
    int run, skipped_scrypt, skipped_other, passed, failed, loose;
} vstats_t;

static int expect_class(const char *s)
{
    if (!strcmp(s, "success"))
        return AGE_OK;
    if (!strcmp(s, "no match"))
        return AGE_ERR_NO_MATCH;
    if (!strcmp(s, "HMAC failure"))
        return AGE_ERR_HMAC;
    if (!strcmp(s, "header failure"))
        return AGE_ERR_HEADER;
    if (!strcmp(s, "payload failure"))
        return AGE_ERR_PAYLOAD;
    return -1;
}

static int inflate_all(const unsigned char *in, size_t n, buf_t *out)
{
    z_stream z = {0};
    unsigned char tmp[65536];
    int zr;
    if (inflateInit(&z) != Z_OK)
        return -1;
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    do {
        z.next_out = tmp;
        z.avail_out = sizeof tmp;
        zr = inflate(&z, Z_NO_FLUSH);
        buf_add(out, tmp, sizeof tmp - z.avail_out);
    } while (zr == Z_OK);
    inflateEnd(&z);
    return zr == Z_STREAM_END ? 0 : -1;
}

/* Replay one vector file; counts into st. */
static void replay(const char *dir, const char *name, vstats_t *st, int variant)
{
    char path[4096], line[512], expect[64] = "", payload[65] = "";
    age_identity_t ids[8];
    size_t nids = 0;
    int zlib = 0, armored = 0, passphrase = 0, unknown = 0, pq = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) && strcmp(line, "\n")) {
        line[strcspn(line, "\n")] = 0;
        char *v = strstr(line, ": ");
        if (!v) {
            unknown = 1;
            continue;
        }
        *v = 0;
        v += 2;
        if (!strcmp(line, "expect"))
            snprintf(expect, sizeof expect, "%s", v);
        else if (!strcmp(line, "payload"))
            snprintf(payload, sizeof payload, "%s", v);
        else if (!strcmp(line, "identity")) {
            if (!strncmp(v, "AGE-SECRET-KEY-PQ-", 18))
                pq = 1;
            else if (nids < 8 && age_identity_parse(v, &ids[nids]) == 0)
                nids++;
            else
                fail_msg("%s: identity does not parse", name);
        } else if (!strcmp(line, "passphrase"))
            passphrase = 1;
        else if (!strcmp(line, "armored"))
            armored = !strcmp(v, "yes");
        else if (!strcmp(line, "compressed"))
            zlib = !strcmp(v, "zlib");
        else if (strcmp(line, "comment") && strcmp(line, "file key"))
            unknown = 1;
    }
    buf_t raw = {0}, file = {0}, out = {0};
    size_t r;
    unsigned char tmp[65536];
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&raw, tmp, r);
    fclose(f);
    int want = expect_class(expect);
    if (armored || pq || unknown || want < 0 || !strncmp(name, "hybrid", 6)) {
        st->skipped_other++;
        goto out;
    }
    if (want == AGE_OK && nids == 0) { /* passphrase-only success: not ours */
        st->skipped_scrypt++;
        goto out;
    }
    if (zlib)
        assert_int_equal(inflate_all(raw.p, raw.len, &file), 0);
    else
        buf_add(&file, raw.p, raw.len);
    st->run++;
    static const size_t steps[] = {0, 1, 13, 65552, 100000};
    size_t step = steps[variant % 5];
    if (step == 1 && file.len > 200000)
        step = 4099;
    int got = decrypt(ids, nids, file.p, file.len, step, variant & 1, &out);
    char hex[65];
    util_sha256_buf(out.p ? (const void *)out.p : "", out.len, hex);
    int ok = passphrase && want != AGE_OK ? got != AGE_OK : got == want;
    if (ok && !passphrase && payload[0] && strcmp(hex, payload))
        ok = 0;
    if (ok) {
        st->passed++;
        st->loose += got != want; /* a scrypt failure vector that failed otherwise */
    } else {
        st->failed++;
        print_error("vector %s: expected %s (%d), got %d, payload %s%s (%s)\n", name, expect, want,
                    got, hex, payload[0] && strcmp(hex, payload) ? " MISMATCH" : "",
                    log_last_error());
    }
    /* ranged: every chunk of a success vector decrypts alone */
    if (got == AGE_OK && want == AGE_OK && variant % 3 == 0) {
        age_dec_t *d = age_dec_new(ids, nids, name);
        buf_t sink = {0};
        age_out_t o = {.fn = buf_write, .arg = &sink};
        unsigned char fk[16], nonce[16], pt[AGE_CHUNK_SIZE];
        size_t hl, ptlen;
        int last = 0;
        assert_int_equal(age_dec_update(d, file.p, file.len, &o), 0);
        assert_int_equal(age_dec_keys(d, fk, nonce, &hl), 0);
        age_dec_free(d);
        free(sink.p);
        util_sha256_t hs;
        assert_int_equal(util_sha256_init(&hs), 0);
        for (uint64_t i = 0; !last; i++) {
            uint64_t at = age_chunk_offset(hl, i);
            assert_true(at < file.len);
            size_t cl = file.len - at < AGE_CHUNK_CT_SIZE ? file.len - at : AGE_CHUNK_CT_SIZE;
            assert_int_equal(age_chunk_decrypt(fk, nonce, i, file.p + at, cl, pt, &ptlen, &last),
                             0);
            util_sha256_update(&hs, pt, ptlen);
        }
        util_sha256_final(&hs, hex);
        assert_string_equal(hex, payload);
    }
out:
    free(raw.p);
    free(file.p);
    free(out.p);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vstats_t replay_dir(const char *dir)
{
    vstats_t st = {0};
    DIR *d = opendir(dir);
    struct dirent *de;
    char *names[512];
    size_t n = 0;
    assert_non_null(d);
    while ((de = readdir(d)) && n < 512) {
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (strchr(de->d_name, '.') || stat(p, &sb) || !S_ISREG(sb.st_mode))
            continue; /* README.md, INDEX.tsv, gen.sh, keys/ */
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        replay(dir, names[i], &st, (int)i);
        free(names[i]);
    }
    print_message(
        "%s: %d vectors run, %d passed (%d scrypt failure vectors failed with another "
        "class), %d failed; skipped %d passphrase-only success, %d armored/post-quantum\n",
        dir, st.run, st.passed, st.loose, st.failed, st.skipped_scrypt, st.skipped_other);
    return st;
}

static void test_own_vectors(void **state)
{
    (void)state;
    vstats_t st = replay_dir("tests/vectors/age");
    assert_int_equal(st.failed, 0);
    assert_true(st.run >= 13);
}

static void test_cctv(void **state)
{
    (void)state;
    char dir[4096];
    const char *sd = getenv("SHARED_DIR");
    snprintf(dir, sizeof dir, "%s/testvectors/age/cctv", sd ? sd : "../shared");
    DIR *d = opendir(dir);
    if (!d) {
        print_message("CCTV age vectors not found at %s (set SHARED_DIR); skipped\n", dir);
        skip();
    }
    closedir(d);
    vstats_t st = replay_dir(dir);
    assert_int_equal(st.failed, 0);
    assert_true(st.run >= 80);
}

/* ---------------------------------------------------------------- interop --- */

static int have_age(void)
{
    return system("command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1") == 0;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static buf_t read_file(const char *path)
{
    buf_t b = {0};
    unsigned char tmp[65536];
    size_t r;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, r);
    fclose(f);
    return b;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void test_interop(void **state)
{
    (void)state;
    if (!have_age()) {
        print_message("age CLI not installed; interop skipped\n");
        skip();
    }
    char dir[] = "/tmp/test_age_interop_XXXXXX", p[512], q[512];
    assert_non_null(mkdtemp(dir));
    /* identities: one from age-keygen, one from ours (written 0600) */
    assert_int_equal(run("age-keygen -o %s/cli.key 2>/dev/null", dir), 0);
    char ours_id[AGE_IDENTITY_STRLEN], ours_r[AGE_RECIPIENT_STRLEN];
    assert_int_equal(age_keygen(ours_id, ours_r), 0);
    snprintf(p, sizeof p, "%s/ours.key", dir);
    char text[256];
    snprintf(text, sizeof text, "# public key: %s\n%s\n", ours_r, ours_id);
    write_file(p, text, strlen(text));
    assert_int_equal(chmod(p, 0600), 0);
    /* our parse of age-keygen's file and of `age-keygen -y` */
    age_identity_t *cli_id = NULL, *our_id = NULL;
    size_t n1, n2;
    snprintf(p, sizeof p, "%s/cli.key", dir);
    assert_int_equal(age_identities_load(p, &cli_id, &n1), 0);
    snprintf(p, sizeof p, "%s/ours.key", dir);
    assert_int_equal(age_identities_load(p, &our_id, &n2), 0);
    assert_int_equal(run("age-keygen -y %s/cli.key > %s/recipients && echo '# ours' >> "
                         "%s/recipients && echo %s >> %s/recipients",
                         dir, dir, dir, ours_r, dir),
                     0);
    age_recipient_t *rs = NULL;
    size_t nr;
    snprintf(p, sizeof p, "%s/recipients", dir);
    assert_int_equal(age_recipients_load(p, &rs, &nr), 0);
    assert_int_equal(nr, 2);
    assert_memory_equal(rs[0].pub, cli_id[0].pub, 32);
    assert_memory_equal(rs[1].pub, our_id[0].pub, 32);

    static const size_t sizes[] = {0, 1, 65536, 65537, 200000};
    unsigned char *plain = malloc(200000);
    pattern(plain, 200000, 5);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        snprintf(p, sizeof p, "%s/plain", dir);
        write_file(p, plain, n);
        /* ours -> age -d, with each identity */
        buf_t f = encrypt(rs, 2, plain, n, 30000, (int)(i & 1));
        snprintf(q, sizeof q, "%s/ours.age", dir);
        write_file(q, f.p, f.len);
        free(f.p);
        for (int k = 0; k < 2; k++) {
            if (run("age -d -i %s/%s.key -o %s/out %s && touch %s/out", dir, k ? "ours" : "cli",
                    dir, q, dir) ||
                run("cmp -s %s/out %s", dir, p))
                fail_msg("age -d of our %zu-byte file failed (identity %d)", n, k);
        }
        /* age -e -R recipients -> ours, with each identity */
        assert_int_equal(run("age -e -R %s/recipients -o %s/cli.age %s", dir, dir, p), 0);
        snprintf(q, sizeof q, "%s/cli.age", dir);
        f = read_file(q);
        for (int k = 0; k < 2; k++) {
            buf_t out = {0};
            assert_int_equal(decrypt(k ? our_id : cli_id, 1, f.p, f.len, 65552, k, &out), AGE_OK);
            assert_int_equal(out.len, n);
            if (n)
                assert_memory_equal(out.p, plain, n);
            free(out.p);
        }
        free(f.p);
    }
    print_message("interop with age CLI: %zu sizes x 2 identities both ways\n",
                  sizeof sizes / sizeof *sizes);
    free(plain);
    free(rs);
    age_identities_free(cli_id, n1);
    age_identities_free(our_id, n2);
    run("rm -rf %s", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bech32),      cmocka_unit_test(test_base64),
        cmocka_unit_test(test_hkdf_x25519), cmocka_unit_test(test_keys),
        cmocka_unit_test(test_key_files),   cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_tamper),      cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_ranged),      cmocka_unit_test(test_own_vectors),
        cmocka_unit_test(test_cctv),        cmocka_unit_test(test_interop),
    };

    log_set_level(-1); /* failures are expected; checked via log_last_error() */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
