/*
 * sign.h — Ed25519 signatures over manifests (docs/audit.md "Signing"),
 * on OpenSSL's EVP_PKEY_ED25519. A key is a PEM file: the private key
 * (`openssl genpkey -algorithm ed25519`) to sign, or the public key
 * (`openssl pkey -pubout`) — or the private key — to verify. The key id is
 * the first 16 hex digits of the SHA-256 of the raw 32-byte public key.
 * Thread-safety: a sign_key_t may be used by several threads at once for
 * sign/verify (OpenSSL's one-shot EVP_DigestSign on a fresh context each
 * call); load and free by one.
 */
#ifndef COLDPACK_SIGN_H
#define COLDPACK_SIGN_H

#include <stddef.h>

typedef struct sign_key sign_key_t;

/* Load a PEM private key. Refused (NULL, logged) when the file is readable
 * or writable by group or others, is not a regular file, or is not Ed25519. */
sign_key_t *sign_load_private(const char *path);
/* Load a PEM public key (a private key is accepted too). NULL, logged. */
sign_key_t *sign_load_public(const char *path);
/* A key from a raw 32-byte private seed or public key (tests, vectors). */
sign_key_t *sign_from_raw(const unsigned char raw[32], int is_private);
void sign_key_free(sign_key_t *k);

/* The key id (16 hex digits and NUL). */
const char *sign_key_id(const sign_key_t *k);
/* The public key as PEM (malloc'd, caller frees); NULL on failure. */
char *sign_public_pem(const sign_key_t *k);

/* Sign data: the 64-byte signature into sig. 0, or -1 (logged). */
int sign_data(const sign_key_t *k, const void *data, size_t len, unsigned char sig[64]);
/* 1 when sig is a valid signature of data by k, 0 when not, -1 on error. */
int sign_verify(const sign_key_t *k, const void *data, size_t len, const unsigned char sig[64]);

/* Standard base64 of n bytes (malloc'd); NULL when out of memory. */
char *sign_b64(const unsigned char *in, size_t n);
/* Decode standard base64 into out (at most max bytes). Length, or -1. */
int sign_unb64(const char *in, unsigned char *out, size_t max);

#endif
