/*
 * sign.c — Ed25519 keys, signatures and key ids (sign.h) over OpenSSL 3's
 * EVP_PKEY_ED25519 (pure Ed25519, RFC 8032: the message is signed whole, no
 * pre-hash). We do no curve arithmetic ourselves. The private key file must
 * be private to its owner, as the S3 credentials file must (docs/s3.md):
 * fstat of the opened file, so the check and the read are of the same file.
 */
#include "sign.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

struct sign_key {
    EVP_PKEY *pk;
    int is_private;
    char id[17];
};

static int set_id(sign_key_t *k)
{
    unsigned char raw[32];
    size_t n = sizeof raw;
    char hex[65];
    if (EVP_PKEY_get_raw_public_key(k->pk, raw, &n) != 1 || n != 32)
        return -1;
    util_sha256_buf(raw, n, hex);
    memcpy(k->id, hex, 16);
    k->id[16] = '\0';
    return 0;
}

static sign_key_t *wrap(EVP_PKEY *pk, int is_private, const char *what)
{
    sign_key_t *k;
    if (!pk)
        return NULL;
    if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
        log_error("%s: not an Ed25519 key (make one with `openssl genpkey -algorithm ed25519`)",
                  what);
        EVP_PKEY_free(pk);
        return NULL;
    }
    k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    k->pk = pk;
    k->is_private = is_private;
    if (set_id(k) < 0) {
        log_error("%s: cannot read the public key", what);
        sign_key_free(k);
        return NULL;
    }
    return k;
}

static FILE *open_key(const char *path, int private_only)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        log_error("%s %s: %s", private_only ? "signing key" : "public key", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        log_error("%s %s: not a regular file", private_only ? "signing key" : "public key", path);
        close(fd);
        return NULL;
    }
    if (private_only && (st.st_mode & 077)) {
        log_error("signing key %s is accessible by group or others (mode %04o): refused; "
                  "chmod 600 it",
                  path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (!f)
        close(fd);
    return f;
}

sign_key_t *sign_load_private(const char *path)
{
    FILE *f = open_key(path, 1);
    if (!f)
        return NULL;
    EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!pk) {
        log_error("signing key %s: not a PEM private key", path);
        return NULL;
    }
    return wrap(pk, 1, path);
}

sign_key_t *sign_load_public(const char *path)
{
    FILE *f = open_key(path, 0);
    if (!f)
        return NULL;
    EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    int priv = 0;
    if (!pk) {
        rewind(f);
        pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        priv = pk != NULL;
    }
    fclose(f);
    if (!pk) {
        log_error("public key %s: not a PEM public key", path);
        return NULL;
    }
    return wrap(pk, priv, path);
}

sign_key_t *sign_from_raw(const unsigned char raw[32], int is_private)
{
    EVP_PKEY *pk = is_private ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32)
                              : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
    return wrap(pk, is_private, "raw key");
}

void sign_key_free(sign_key_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pk);
    free(k);
}

const char *sign_key_id(const sign_key_t *k)
{
    return k->id;
}

char *sign_public_pem(const sign_key_t *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL, *p;
    long n;
    if (b && PEM_write_bio_PUBKEY(b, k->pk) == 1 && (n = BIO_get_mem_data(b, &p)) > 0) {
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(b);
    return out;
}

int sign_data(const sign_key_t *k, const void *data, size_t len, unsigned char sig[64])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t sl = 64;
    int rc = -1;
    if (!k->is_private) {
        log_error("cannot sign with a public key");
    } else if (c && EVP_DigestSignInit(c, NULL, NULL, NULL, k->pk) == 1 &&
               EVP_DigestSign(c, sig, &sl, data, len) == 1 && sl == 64) {
        rc = 0;
    } else {
        log_error("Ed25519 signing failed");
    }
    EVP_MD_CTX_free(c);
    return rc;
}

int sign_verify(const sign_key_t *k, const void *data, size_t len, const unsigned char sig[64])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = -1;
    if (c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k->pk) == 1)
        rc = EVP_DigestVerify(c, sig, 64, data, len) == 1 ? 1 : 0;
    EVP_MD_CTX_free(c);
    return rc;
}

char *sign_b64(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

int sign_unb64(const char *in, unsigned char *out, size_t max)
{
    size_t n = strlen(in);
    if (n == 0 || n % 4 || n / 4 * 3 > max + 2)
        return -1;
    unsigned char *tmp = malloc(n / 4 * 3 + 1);
    if (!tmp)
        return -1;
    int r = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
    if (r >= 0) {
        if (in[n - 1] == '=')
            r--;
        if (in[n - 2] == '=')
            r--;
    }
    if (r < 0 || (size_t)r > max) {
        free(tmp);
        return -1;
    }
    memcpy(out, tmp, (size_t)r);
    free(tmp);
    return r;
}
