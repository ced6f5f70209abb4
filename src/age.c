/*
 * age.c — age v1 with X25519 recipients over OpenSSL 3 (see age.h).
 *
 * Design: the encryptor holds at most one plaintext chunk (the one that may
 * turn out to be final) and seals everything else straight from the caller's
 * memory; one EVP_CIPHER_CTX keyed once with the payload key is re-nonced per
 * chunk. The decryptor is a byte-driven state machine (header, nonce,
 * payload): the header is buffered up to its "---" line and parsed strictly
 * in one pass, then chunks are opened as soon as they are complete and their
 * plaintext released — the reference implementation's behaviour, which the
 * CCTV failure vectors' payload hashes pin down. A full-size chunk cannot be
 * told from a full final chunk without reading ahead, so it is tried as
 * non-final, then as final (a second AEAD pass only on a full final chunk).
 * Output goes to a callback or a caller buffer through one small sink.
 * Keys as text and key files are in age_keys.c, Bech32 in bech32.c.
 *
 * Why one file of ~900 lines: encryption, decryption and random access share
 * the AEAD, key-wrap, header-MAC, nonce and sink helpers above, all static.
 * Splitting the two directions apart would export those primitives from the
 * module for no caller outside it; the sections below are kept independent
 * (base64, primitives, sink, encryption, decryption, random access).
 */
#include "age.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define VERSION_LINE "age-encryption.org/v1\n"
#define X25519_INFO  "age-encryption.org/v1/X25519"

/* -------------------------------------------------------------- base64 --- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

size_t age_b64_len(size_t n)
{
    return (n * 4 + 2) / 3;
}

int age_b64_encode(const void *in, size_t n, char *out, size_t cap)
{
    const unsigned char *p = in;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    if (cap <= age_b64_len(n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64chars[(acc >> bits) & 63];
        }
    }
    if (bits)
        out[o++] = b64chars[(acc << (6 - bits)) & 63];
    out[o] = 0;
    return 0;
}

int age_b64_decode(const char *s, size_t len, unsigned char *out, size_t cap, size_t *outlen)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1)) /* non-canonical: unused low bits set */
        return -1;
    *outlen = o;
    return 0;
}

/* ------------------------------------------------------------ primitives --- */

int age_hkdf(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen, const char *info,
             unsigned char *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    static char digest[] = "SHA256";
    OSSL_PARAM p[5], *q = p;
    int rc = -1;

    if (!kc)
        goto out;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikmlen);
    if (saltlen) /* absent salt = HashLen zeros (RFC 5869 2.2) */
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt,
                                                 saltlen);
    if (info && *info)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info,
                                                 strlen(info));
    *q = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kc, out, outlen, p) == 1)
        rc = 0;
out:
    if (rc)
        log_error("age: HKDF-SHA-256 failed in OpenSSL");
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return rc;
}

/* out = X25519(scalar, point). Returns 0, -1 on an OpenSSL failure, -2 when
 * the result is all zeros (a low-order point). Not logged. */
static int x25519(const unsigned char scalar[32], const unsigned char point[32],
                  unsigned char out[32])
{
    static const unsigned char zero[32];
    EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, 32);
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, point, 32);
    EVP_PKEY_CTX *c = sk ? EVP_PKEY_CTX_new(sk, NULL) : NULL;
    size_t len = 32;
    int rc = -1;

    if (c && pk && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer_ex(c, pk, 0) == 1) {
        /* OpenSSL refuses an all-zero shared secret itself */
        rc = EVP_PKEY_derive(c, out, &len) == 1 && len == 32 ? 0 : -2;
        if (rc == 0 && CRYPTO_memcmp(out, zero, 32) == 0)
            rc = -2;
    }
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(pk);
    return rc;
}

int age_x25519_public(const unsigned char secret[32], unsigned char pub[32])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, secret, 32);
    size_t len = 32;
    int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32;

    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

/* One ChaCha20-Poly1305 seal (enc) or open of n bytes with a 12-byte nonce
 * on a context already keyed (key NULL) or keyed now. Open: in holds n bytes
 * then the tag; a failed tag wipes out. Returns 0 or -1 (not logged). */
static int aead(EVP_CIPHER_CTX *c, int enc, const unsigned char *key, const unsigned char nonce[12],
                const unsigned char *in, size_t n, unsigned char *out)
{
    int l = 0;

    if (EVP_CipherInit_ex(c, key ? EVP_chacha20_poly1305() : NULL, NULL, key, nonce, enc) != 1)
        return -1;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, AGE_TAG_SIZE,
                                    (void *)(uintptr_t)(in + n)) != 1)
        return -1;
    if ((n && EVP_CipherUpdate(c, out, &l, in, (int)n) != 1) ||
        EVP_CipherFinal_ex(c, out + l, &l) != 1) {
        if (!enc)
            OPENSSL_cleanse(out, n);
        return -1;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, AGE_TAG_SIZE, out + n) != 1)
        return -1;
    return 0;
}

/* Seal/open 16-byte file keys under a one-time wrap key (nonce zero). */
static int wrap_key(int enc, const unsigned char key[32], const unsigned char *in,
                    unsigned char *out)
{
    static const unsigned char zero[12];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int rc = c ? aead(c, enc, key, zero, in, AGE_FILE_KEY_SIZE, out) : -1;

    EVP_CIPHER_CTX_free(c);
    return rc;
}

/* The X25519 wrap key for (shared secret, share, recipient). */
static int x25519_wrap_key(const unsigned char ss[32], const unsigned char share[32],
                           const unsigned char rcpt[32], unsigned char key[32])
{
    unsigned char salt[64];

    memcpy(salt, share, 32);
    memcpy(salt + 32, rcpt, 32);
    return age_hkdf(ss, 32, salt, 64, X25519_INFO, key, 32);
}

static int header_mac(const unsigned char fk[AGE_FILE_KEY_SIZE], const void *hdr, size_t len,
                      unsigned char mac[32])
{
    unsigned char key[32];
    size_t maclen = 0;
    int rc = -1;

    if (age_hkdf(fk, AGE_FILE_KEY_SIZE, NULL, 0, "header", key, 32) == 0 &&
        EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, hdr, len, mac, 32, &maclen) &&
        maclen == 32)
        rc = 0;
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* A context keyed with the payload key, for chunk_seal/chunk_open. */
static EVP_CIPHER_CTX *payload_ctx(const unsigned char fk[AGE_FILE_KEY_SIZE],
                                   const unsigned char nonce[AGE_NONCE_SIZE], int enc)
{
    unsigned char key[32], iv[12] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

    if (!c || age_hkdf(fk, AGE_FILE_KEY_SIZE, nonce, AGE_NONCE_SIZE, "payload", key, 32) ||
        EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, key, iv, enc) != 1) {
        EVP_CIPHER_CTX_free(c);
        c = NULL;
    }
    OPENSSL_cleanse(key, sizeof key);
    return c;
}

static void stream_nonce(unsigned char iv[12], uint64_t counter, int last)
{
    memset(iv, 0, 12);
    for (int i = 0; i < 8; i++)
        iv[10 - i] = (unsigned char)(counter >> (8 * i));
    iv[11] = last ? 1 : 0;
}

/* Open chunk idx (ctlen >= 16) into out. A full chunk is tried non-final
 * then final; a short one only as final. Returns 1 (final), 0 (not final) or
 * -1 (authentication failed). */
static int chunk_open(EVP_CIPHER_CTX *c, uint64_t idx, const unsigned char *ct, size_t ctlen,
                      unsigned char *out)
{
    unsigned char iv[12];

    if (ctlen == AGE_CHUNK_CT_SIZE) {
        stream_nonce(iv, idx, 0);
        if (aead(c, 0, NULL, iv, ct, ctlen - AGE_TAG_SIZE, out) == 0)
            return 0;
    }
    stream_nonce(iv, idx, 1);
    return aead(c, 0, NULL, iv, ct, ctlen - AGE_TAG_SIZE, out) == 0 ? 1 : -1;
}

/* ---------------------------------------------------------------- sink --- */

static int sink_room(age_out_t *o, size_t need, const char *who)
{
    if (o->fn || (o->len <= o->cap && o->cap - o->len >= need))
        return 0;
    log_error("%s: output buffer too small (%zu bytes free, %zu needed)", who,
              o->len <= o->cap ? o->cap - o->len : 0, need);
    return -1;
}

/* Where to put n output bytes: the caller's buffer, or scratch for fn. */
static unsigned char *sink_at(age_out_t *o, unsigned char *scratch)
{
    return o->fn ? scratch : o->buf + o->len;
}

static int sink_done(age_out_t *o, const unsigned char *p, size_t n)
{
    if (o->fn)
        return n ? o->fn(o->arg, p, n) : 0;
    o->len += n;
    return 0;
}

/* Move bytes from (*p, *n) into dst until *have reaches want. */
static void fill(unsigned char *dst, size_t *have, size_t want, const unsigned char **p, size_t *n)
{
    size_t take = want - *have < *n ? want - *have : *n;

    memcpy(dst + *have, *p, take);
    *have += take;
    *p += take;
    *n -= take;
}

/* ------------------------------------------------------------ encryption --- */

struct age_enc {
    unsigned char *hdr; /* header + payload nonce */
    size_t hdr_len;
    unsigned char file_key[AGE_FILE_KEY_SIZE], nonce[AGE_NONCE_SIZE];
    EVP_CIPHER_CTX *c;
    uint64_t counter;
    int done; /* finalised or failed */
    size_t held;
    unsigned char buf[AGE_CHUNK_SIZE];     /* held plaintext */
    unsigned char obuf[AGE_CHUNK_CT_SIZE]; /* sealed chunk for callback output */
};

age_enc_t *age_enc_new(const age_recipient_t *recipients, size_t n)
{
    age_enc_t *e = calloc(1, sizeof *e);
    size_t cap = 22 + n * 100 + 48 + AGE_NONCE_SIZE, o = 0;
    unsigned char eph[32], share[32], ss[32], key[32], body[32], mac[32];

    if (!e || n == 0 || !(e->hdr = malloc(cap))) {
        log_error("age: %s", n ? "out of memory" : "no recipients to encrypt to");
        goto fail;
    }
    if (RAND_bytes(e->file_key, sizeof e->file_key) != 1 ||
        RAND_bytes(e->nonce, sizeof e->nonce) != 1) {
        log_error("age: RAND_bytes failed");
        goto fail;
    }
    memcpy(e->hdr, VERSION_LINE, 22);
    o = 22;
    for (size_t i = 0; i < n; i++) {
        if (RAND_bytes(eph, 32) != 1 || age_x25519_public(eph, share) ||
            x25519(eph, recipients[i].pub, ss) ||
            x25519_wrap_key(ss, share, recipients[i].pub, key) ||
            wrap_key(1, key, e->file_key, body)) {
            log_error("age: wrapping the file key for recipient %zu failed", i + 1);
            goto fail;
        }
        memcpy(e->hdr + o, "-> X25519 ", 10);
        age_b64_encode(share, 32, (char *)e->hdr + o + 10, 44);
        e->hdr[o + 53] = '\n';
        age_b64_encode(body, 32, (char *)e->hdr + o + 54, 44);
        e->hdr[o + 97] = '\n';
        o += 98;
    }
    memcpy(e->hdr + o, "---", 3);
    if (header_mac(e->file_key, e->hdr, o + 3, mac)) {
        log_error("age: header MAC failed in OpenSSL");
        goto fail;
    }
    e->hdr[o + 3] = ' ';
    age_b64_encode(mac, 32, (char *)e->hdr + o + 4, 44);
    e->hdr[o + 47] = '\n';
    o += 48;
    memcpy(e->hdr + o, e->nonce, AGE_NONCE_SIZE);
    e->hdr_len = o + AGE_NONCE_SIZE;
    if (!(e->c = payload_ctx(e->file_key, e->nonce, 1))) {
        log_error("age: cannot set up ChaCha20-Poly1305");
        goto fail;
    }
    OPENSSL_cleanse(eph, 32);
    OPENSSL_cleanse(ss, 32);
    OPENSSL_cleanse(key, 32);
    return e;
fail:
    OPENSSL_cleanse(eph, 32);
    OPENSSL_cleanse(ss, 32);
    OPENSSL_cleanse(key, 32);
    age_enc_free(e);
    return NULL;
}

const unsigned char *age_enc_header(const age_enc_t *e, size_t *len)
{
    *len = e->hdr_len;
    return e->hdr;
}

void age_enc_keys(const age_enc_t *e, unsigned char file_key[AGE_FILE_KEY_SIZE],
                  unsigned char nonce[AGE_NONCE_SIZE])
{
    memcpy(file_key, e->file_key, AGE_FILE_KEY_SIZE);
    memcpy(nonce, e->nonce, AGE_NONCE_SIZE);
}

size_t age_enc_bound(const age_enc_t *e, size_t n)
{
    size_t total = e->held + n;

    return total ? (total - 1) / AGE_CHUNK_SIZE * AGE_CHUNK_CT_SIZE : 0;
}

static int enc_chunk(age_enc_t *e, const unsigned char *p, size_t n, int last, age_out_t *out)
{
    unsigned char iv[12], *dst = sink_at(out, e->obuf);

    stream_nonce(iv, e->counter, last);
    if (aead(e->c, 1, NULL, iv, p, n, dst)) {
        log_error("age: ChaCha20-Poly1305 failed in OpenSSL");
        return -1;
    }
    e->counter++;
    return sink_done(out, dst, n + AGE_TAG_SIZE);
}

int age_enc_update(age_enc_t *e, const void *in, size_t n, age_out_t *out)
{
    const unsigned char *p = in;

    if (e->done) {
        log_error("age encrypt: update after final or failure");
        goto fail;
    }
    if (sink_room(out, age_enc_bound(e, n), "age encrypt"))
        goto fail;
    while (n > 0) {
        if (e->held == AGE_CHUNK_SIZE) { /* more follows: not the last */
            if (enc_chunk(e, e->buf, AGE_CHUNK_SIZE, 0, out))
                goto fail;
            e->held = 0;
        }
        if (e->held == 0 && n > AGE_CHUNK_SIZE) {
            if (enc_chunk(e, p, AGE_CHUNK_SIZE, 0, out))
                goto fail;
            p += AGE_CHUNK_SIZE;
            n -= AGE_CHUNK_SIZE;
            continue;
        }
        fill(e->buf, &e->held, AGE_CHUNK_SIZE, &p, &n);
    }
    return 0;
fail:
    e->done = 1;
    return -1;
}

int age_enc_final(age_enc_t *e, age_out_t *out)
{
    int rc = -1;

    if (e->done)
        log_error("age encrypt: final after final or failure");
    else if (sink_room(out, e->held + AGE_TAG_SIZE, "age encrypt") == 0)
        rc = enc_chunk(e, e->buf, e->held, 1, out);
    e->done = 1;
    OPENSSL_cleanse(e->buf, e->held);
    e->held = 0;
    return rc;
}

void age_enc_free(age_enc_t *e)
{
    if (!e)
        return;
    EVP_CIPHER_CTX_free(e->c);
    free(e->hdr);
    OPENSSL_cleanse(e, sizeof *e);
    free(e);
}

/* ------------------------------------------------------------ decryption --- */

enum { D_HEADER, D_NONCE, D_PAYLOAD, D_DONE, D_FAILED };

struct age_dec {
    age_identity_t *ids;
    size_t nids;
    char *name;
    int state, err, final_seen;
    unsigned char *hdr; /* header bytes so far */
    size_t hlen, hcap, line_start;
    unsigned char file_key[AGE_FILE_KEY_SIZE], nonce[AGE_NONCE_SIZE];
    size_t nonce_len;
    EVP_CIPHER_CTX *c;
    uint64_t counter;
    size_t held;
    unsigned char cbuf[AGE_CHUNK_CT_SIZE]; /* partial sealed chunk */
    unsigned char pbuf[AGE_CHUNK_SIZE];    /* opened chunk for callback output */
};

static int dec_fail(age_dec_t *d, int err)
{
    d->state = D_FAILED;
    d->err = err;
    return -1;
}

age_dec_t *age_dec_new(const age_identity_t *identities, size_t n, const char *name)
{
    age_dec_t *d = calloc(1, sizeof *d);

    if (!d || !(d->name = strdup(name ? name : "age input")) ||
        (n && !(d->ids = malloc(n * sizeof *identities)))) {
        log_error("age: out of memory");
        age_dec_free(d);
        return NULL;
    }
    if (n)
        memcpy(d->ids, identities, n * sizeof *identities);
    d->nids = n;
    return d;
}

void age_dec_free(age_dec_t *d)
{
    if (!d)
        return;
    age_identities_free(d->ids, d->nids);
    free(d->name);
    free(d->hdr);
    EVP_CIPHER_CTX_free(d->c);
    OPENSSL_cleanse(d, sizeof *d);
    free(d);
}

int age_dec_error(const age_dec_t *d)
{
    return d->err;
}

int age_dec_keys(const age_dec_t *d, unsigned char file_key[AGE_FILE_KEY_SIZE],
                 unsigned char nonce[AGE_NONCE_SIZE], size_t *header_len)
{
    if (d->state < D_PAYLOAD || !d->c)
        return -1;
    if (file_key)
        memcpy(file_key, d->file_key, AGE_FILE_KEY_SIZE);
    if (nonce)
        memcpy(nonce, d->nonce, AGE_NONCE_SIZE);
    if (header_len)
        *header_len = d->hlen;
    return 0;
}

size_t age_dec_bound(const age_dec_t *d, size_t n)
{
    return (d->held + n) / AGE_CHUNK_CT_SIZE * AGE_CHUNK_SIZE;
}

typedef struct stanza {
    const char *type;
    size_t tlen;
    int x25519;
    unsigned char share[32], body[32];
} stanza_t;

/* Parse the complete header hdr[0..len) (ends "---...\n"). Fills *st (malloc'd)
 * and *mac_off (where the MAC input ends) and mac. Returns 0 or -1 with *why. */
static int parse_header(const unsigned char *hdr, size_t len, stanza_t **st, size_t *nst,
                        size_t *mac_off, unsigned char mac[32], const char **why)
{
    const char *p = (const char *)hdr, *end = p + len;
    size_t n = 0, cap = 0, scrypt = 0;
    stanza_t *s = NULL;

    *why = "not an age v1 file (bad version line)";
    if (len < 22 || memcmp(p, VERSION_LINE, 22))
        goto bad;
    p += 22;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : 0, ol = 0;
        *why = "header does not end with a MAC line";
        if (!nl)
            goto bad;
        if (ll >= 3 && memcmp(p, "---", 3) == 0) {
            *why = "malformed MAC line (want \"--- \" and 43 base64 characters)";
            if (ll != 47 || p[3] != ' ' || age_b64_decode(p + 4, 43, mac, 32, &ol) || ol != 32)
                goto bad;
            *mac_off = (size_t)(p + 3 - (const char *)hdr);
            break;
        }
        *why = "malformed stanza line (want \"-> \" and arguments)";
        if (ll < 4 || memcmp(p, "-> ", 3))
            goto bad;
        if (n == cap) {
            stanza_t *ns = realloc(s, (cap = cap ? 2 * cap : 4) * sizeof *s);
            if (!ns) {
                *why = "out of memory";
                goto bad;
            }
            s = ns;
        }
        stanza_t *t = &s[n++];
        memset(t, 0, sizeof *t);
        const char *a = p + 3, *args[3] = {0};
        size_t alen[3] = {0}, nargs = 0;
        for (const char *q = a; q <= nl; q++) {
            if (q < nl && *q != ' ') {
                if (*q < 0x21 || *q > 0x7e)
                    goto bad;
                continue;
            }
            if (q == a)
                goto bad; /* empty argument */
            if (nargs < 3) {
                args[nargs] = a;
                alen[nargs] = (size_t)(q - a);
            }
            nargs++;
            a = q + 1;
        }
        t->type = args[0];
        t->tlen = alen[0];
        t->x25519 = alen[0] == 6 && memcmp(args[0], "X25519", 6) == 0;
        scrypt += alen[0] == 6 && memcmp(args[0], "scrypt", 6) == 0;
        *why = "malformed X25519 stanza (want 2 arguments, a 32-byte share)";
        if (t->x25519 && (nargs != 2 || alen[1] != 43 ||
                          age_b64_decode(args[1], 43, t->share, 32, &ol) || ol != 32))
            goto bad;
        /* body: 64-column lines of canonical base64 ended by a shorter one */
        size_t blen = 0;
        for (;;) {
            p = nl + 1;
            *why = "stanza body not terminated by a short line";
            if (p >= end || !(nl = memchr(p, '\n', (size_t)(end - p))))
                goto bad;
            ll = (size_t)(nl - p);
            unsigned char tmp[48];
            *why = "stanza body is not canonical unpadded base64 in 64-column lines";
            if (ll > 64 || age_b64_decode(p, ll, tmp, sizeof tmp, &ol))
                goto bad;
            if (t->x25519 && blen + ol <= 32)
                memcpy(t->body + blen, tmp, ol);
            blen += ol;
            if (ll < 64)
                break;
        }
        *why = "malformed X25519 stanza (body must be 32 bytes)";
        if (t->x25519 && blen != 32)
            goto bad;
        p = nl + 1;
    }
    *why = "a scrypt stanza must be the only stanza";
    if (scrypt && n > 1)
        goto bad;
    *st = s;
    *nst = n;
    return 0;
bad:
    free(s);
    return -1;
}

/* Parse the header, find the file key, check the MAC, move to D_NONCE. */
static int dec_header(age_dec_t *d)
{
    stanza_t *st = NULL;
    size_t nst = 0, mac_off = 0;
    unsigned char mac[32], want[32], ss[32], key[32];
    const char *why = NULL;
    int found = 0, rc = -1;

    if (parse_header(d->hdr, d->hlen, &st, &nst, &mac_off, mac, &why)) {
        log_error("%s: age header: %s", d->name, why);
        return dec_fail(d, AGE_ERR_HEADER);
    }
    for (size_t i = 0; i < d->nids && !found; i++) {
        for (size_t j = 0; j < nst && !found; j++) {
            if (!st[j].x25519)
                continue;
            int r = x25519(d->ids[i].secret, st[j].share, ss);
            if (r == -2) {
                log_error("%s: age header: X25519 stanza %zu has a low-order share", d->name,
                          j + 1);
                rc = dec_fail(d, AGE_ERR_HEADER);
                goto out;
            }
            if (r || x25519_wrap_key(ss, st[j].share, d->ids[i].pub, key)) {
                log_error("%s: X25519 failed in OpenSSL", d->name);
                rc = dec_fail(d, AGE_ERR_OTHER);
                goto out;
            }
            found = wrap_key(0, key, st[j].body, d->file_key) == 0;
        }
    }
    if (!found) {
        char types[512] = "", tried[512] = "", r[AGE_RECIPIENT_STRLEN];
        size_t tl = 0, rl = 0;
        for (size_t j = 0; j < nst && tl + 1 < sizeof types; j++)
            tl += (size_t)snprintf(types + tl, sizeof types - tl, "%s%.*s", j ? ", " : "",
                                   (int)(st[j].tlen > 40 ? 40 : st[j].tlen), st[j].type);
        for (size_t i = 0; i < d->nids && rl + 1 < sizeof tried; i++) {
            age_recipient_t rc_i;
            memcpy(rc_i.pub, d->ids[i].pub, 32);
            age_recipient_format(&rc_i, r);
            rl += (size_t)snprintf(tried + rl, sizeof tried - rl, "%s%s", i ? ", " : "", r);
        }
        log_error("%s: no identity matches: the file's recipient stanzas are [%s]; tried the "
                  "identities of [%s]",
                  d->name, types, d->nids ? tried : "no identities");
        rc = dec_fail(d, AGE_ERR_NO_MATCH);
        goto out;
    }
    if (header_mac(d->file_key, d->hdr, mac_off, want)) {
        log_error("%s: HMAC failed in OpenSSL", d->name);
        rc = dec_fail(d, AGE_ERR_OTHER);
    } else if (CRYPTO_memcmp(mac, want, 32)) {
        log_error("%s: age header MAC mismatch (header modified)", d->name);
        rc = dec_fail(d, AGE_ERR_HMAC);
    } else {
        d->state = D_NONCE;
        rc = 0;
    }
out:
    OPENSSL_cleanse(ss, sizeof ss);
    OPENSSL_cleanse(key, sizeof key);
    free(st);
    return rc;
}

/* Append header bytes up to the end of the "---" line. Returns bytes used or -1. */
static long dec_header_bytes(age_dec_t *d, const unsigned char *p, size_t n)
{
    const unsigned char *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) + 1 : n;

    if (d->hlen + take > AGE_HEADER_MAX) {
        log_error("%s: age header longer than %d bytes (or not an age file)", d->name,
                  AGE_HEADER_MAX);
        return dec_fail(d, AGE_ERR_HEADER);
    }
    if (d->hlen + take > d->hcap) {
        size_t cap = d->hcap ? d->hcap : 1024;
        while (cap < d->hlen + take)
            cap *= 2;
        unsigned char *nh = realloc(d->hdr, cap);
        if (!nh) {
            log_error("%s: out of memory", d->name);
            return dec_fail(d, AGE_ERR_OTHER);
        }
        d->hdr = nh;
        d->hcap = cap;
    }
    memcpy(d->hdr + d->hlen, p, take);
    d->hlen += take;
    size_t cmp = d->hlen < 22 ? d->hlen : 22;
    if (memcmp(d->hdr, VERSION_LINE, cmp)) {
        log_error("%s: not an age v1 file (bad version line)", d->name);
        return dec_fail(d, AGE_ERR_HEADER);
    }
    if (nl) {
        const unsigned char *line = d->hdr + d->line_start;
        size_t ll = d->hlen - d->line_start;
        d->line_start = d->hlen;
        if (ll >= 3 && memcmp(line, "---", 3) == 0 && dec_header(d))
            return -1;
    }
    return (long)take;
}

/* Open one sealed chunk (ctlen bytes; short only at EOF) and release it. */
static int dec_chunk(age_dec_t *d, const unsigned char *ct, size_t ctlen, age_out_t *out)
{
    if (ctlen < AGE_TAG_SIZE || (ctlen == AGE_TAG_SIZE && d->counter > 0)) {
        log_error("%s: age payload: chunk %llu is %s", d->name, (unsigned long long)d->counter,
                  ctlen < AGE_TAG_SIZE ? "shorter than its tag" : "an empty final chunk");
        return dec_fail(d, AGE_ERR_PAYLOAD);
    }
    unsigned char *dst = sink_at(out, d->pbuf);
    int last = chunk_open(d->c, d->counter, ct, ctlen, dst);
    if (last < 0) {
        log_error("%s: age payload: chunk %llu failed authentication (corrupt or truncated)",
                  d->name, (unsigned long long)d->counter);
        return dec_fail(d, AGE_ERR_PAYLOAD);
    }
    d->counter++;
    d->final_seen = last;
    if (sink_done(out, dst, ctlen - AGE_TAG_SIZE))
        return dec_fail(d, AGE_ERR_OTHER);
    return 0;
}

int age_dec_update(age_dec_t *d, const void *in, size_t n, age_out_t *out)
{
    const unsigned char *p = in;

    if (d->state == D_FAILED || d->state == D_DONE) {
        if (d->state == D_DONE)
            log_error("%s: age decrypt used after final", d->name);
        return dec_fail(d, d->err ? d->err : AGE_ERR_OTHER);
    }
    if (sink_room(out, age_dec_bound(d, n), d->name))
        return dec_fail(d, AGE_ERR_OTHER);
    while (n > 0) {
        if (d->state == D_HEADER) {
            long used = dec_header_bytes(d, p, n);
            if (used < 0)
                return -1;
            p += used;
            n -= (size_t)used;
        } else if (d->state == D_NONCE) {
            fill(d->nonce, &d->nonce_len, AGE_NONCE_SIZE, &p, &n);
            if (d->nonce_len == AGE_NONCE_SIZE) {
                if (!(d->c = payload_ctx(d->file_key, d->nonce, 0))) {
                    log_error("%s: cannot set up ChaCha20-Poly1305", d->name);
                    return dec_fail(d, AGE_ERR_OTHER);
                }
                d->state = D_PAYLOAD;
            }
        } else if (d->final_seen) {
            log_error("%s: age payload: data after the final chunk", d->name);
            return dec_fail(d, AGE_ERR_PAYLOAD);
        } else if (d->held == 0 && n >= AGE_CHUNK_CT_SIZE) { /* open in place */
            if (dec_chunk(d, p, AGE_CHUNK_CT_SIZE, out))
                return -1;
            p += AGE_CHUNK_CT_SIZE;
            n -= AGE_CHUNK_CT_SIZE;
        } else {
            fill(d->cbuf, &d->held, AGE_CHUNK_CT_SIZE, &p, &n);
            if (d->held == AGE_CHUNK_CT_SIZE) {
                d->held = 0;
                if (dec_chunk(d, d->cbuf, AGE_CHUNK_CT_SIZE, out))
                    return -1;
            }
        }
    }
    return 0;
}

int age_dec_final(age_dec_t *d, age_out_t *out)
{
    if (d->state == D_FAILED || d->state == D_DONE) {
        if (d->state == D_DONE)
            log_error("%s: age decrypt final called twice", d->name);
        return dec_fail(d, d->err ? d->err : AGE_ERR_OTHER);
    }
    if (d->state != D_PAYLOAD) {
        log_error("%s: age file truncated in the %s", d->name,
                  d->state == D_HEADER ? "header" : "payload nonce");
        return dec_fail(d, AGE_ERR_HEADER);
    }
    if (!d->final_seen && d->held == 0) {
        log_error("%s: age payload truncated: %s", d->name,
                  d->counter ? "no final chunk" : "no chunks");
        return dec_fail(d, AGE_ERR_PAYLOAD);
    }
    if (!d->final_seen) {
        if (sink_room(out, d->held - (d->held > AGE_TAG_SIZE ? AGE_TAG_SIZE : d->held), d->name))
            return dec_fail(d, AGE_ERR_OTHER);
        size_t held = d->held;
        d->held = 0;
        if (dec_chunk(d, d->cbuf, held, out))
            return -1;
        if (!d->final_seen) { /* cannot happen: short chunks open only as final */
            log_error("%s: age payload truncated", d->name);
            return dec_fail(d, AGE_ERR_PAYLOAD);
        }
    }
    d->state = D_DONE;
    return 0;
}

/* --------------------------------------------------------- random access --- */

int age_chunk_decrypt(const unsigned char file_key[AGE_FILE_KEY_SIZE],
                      const unsigned char nonce[AGE_NONCE_SIZE], uint64_t index, const void *ct,
                      size_t ctlen, unsigned char *out, size_t *outlen, int *is_last)
{
    EVP_CIPHER_CTX *c = NULL;
    int last = -1;

    if (ctlen < AGE_TAG_SIZE || ctlen > AGE_CHUNK_CT_SIZE || (ctlen == AGE_TAG_SIZE && index)) {
        log_error("age: chunk %llu: %zu bytes is not a valid sealed chunk size",
                  (unsigned long long)index, ctlen);
        return -1;
    }
    if (!(c = payload_ctx(file_key, nonce, 0)))
        log_error("age: cannot set up ChaCha20-Poly1305");
    else if ((last = chunk_open(c, index, ct, ctlen, out)) < 0)
        log_error("age: chunk %llu failed authentication", (unsigned long long)index);
    EVP_CIPHER_CTX_free(c);
    if (last < 0)
        return -1;
    *outlen = ctlen - AGE_TAG_SIZE;
    if (is_last)
        *is_last = last;
    return 0;
}

uint64_t age_chunk_index(uint64_t plain_off)
{
    return plain_off / AGE_CHUNK_SIZE;
}

uint64_t age_chunk_offset(uint64_t header_len, uint64_t index)
{
    return header_len + AGE_NONCE_SIZE + index * AGE_CHUNK_CT_SIZE;
}

uint64_t age_payload_size(uint64_t plain_size)
{
    uint64_t chunks = plain_size ? (plain_size + AGE_CHUNK_SIZE - 1) / AGE_CHUNK_SIZE : 1;

    return AGE_NONCE_SIZE + plain_size + chunks * AGE_TAG_SIZE;
}

int age_plain_size(uint64_t payload_size, uint64_t *plain_size)
{
    uint64_t ct, full, rest;

    if (payload_size < AGE_NONCE_SIZE + AGE_TAG_SIZE)
        return -1;
    ct = payload_size - AGE_NONCE_SIZE;
    full = ct / AGE_CHUNK_CT_SIZE;
    rest = ct % AGE_CHUNK_CT_SIZE;
    if (rest == 0) { /* last chunk full */
        *plain_size = full * AGE_CHUNK_SIZE;
        return 0;
    }
    if (rest < AGE_TAG_SIZE || (rest == AGE_TAG_SIZE && full > 0))
        return -1;
    *plain_size = full * AGE_CHUNK_SIZE + rest - AGE_TAG_SIZE;
    return 0;
}
