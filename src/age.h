/*
 * age.h — age v1 file encryption (https://age-encryption.org/v1, C2SP age.md)
 * with X25519 recipients, for encrypting volumes before they leave the host.
 *
 * An age file is
 *
 *   header   "age-encryption.org/v1\n", one "-> X25519 <share>\n<body>\n"
 *            stanza per recipient, "--- <base64 HMAC-SHA-256>\n"
 *   nonce    16 random bytes (AGE_NONCE_SIZE)
 *   payload  STREAM: the plaintext cut into 64 KiB chunks (AGE_CHUNK_SIZE),
 *            each sealed on its own with ChaCha20-Poly1305 (+16-byte tag) under
 *            the payload key, nonce = 11-byte big-endian chunk counter || last
 *            flag (1 on the final chunk, else 0). Only the final chunk may be
 *            short; it is empty only when the whole plaintext is empty.
 *
 * Because chunks are independently authenticated and all but the last are
 * the same size, chunk i of a file whose header is header_len bytes long
 * starts at age_chunk_offset(header_len, i) = header_len + 16 + i * 65552 and
 * can be decrypted alone with the file key and the payload nonce
 * (age_chunk_decrypt): ranged restore reads only the chunks it needs.
 *
 * Keys are Bech32 strings: recipients "age1..." (lowercase), identities
 * "AGE-SECRET-KEY-1..." (uppercase), as age-keygen(1) writes them. Files
 * written here decrypt with `age -d -i KEY`, and files from `age -e -r` decrypt
 * here (tests/unit/test_age.c checks both, and replays the C2SP CCTV vectors).
 * Passphrase (scrypt), armored, SSH and post-quantum recipients are not
 * supported: their stanzas are ignored when decrypting, like any unknown type.
 *
 * Conventions: functions return 0 or -1 and log one error (log.h) where it
 * is detected, naming the file or stream; messages never contain key
 * material. Objects (age_enc_t, age_dec_t) are used by one thread at a time;
 * everything else is thread-safe (no shared state). Secrets are wiped when
 * their owner is freed.
 */
#ifndef COLDPACK_AGE_H
#define COLDPACK_AGE_H

#include <stddef.h>
#include <stdint.h>

#define AGE_CHUNK_SIZE    65536                           /* plaintext per chunk */
#define AGE_TAG_SIZE      16                              /* Poly1305 tag per chunk */
#define AGE_CHUNK_CT_SIZE (AGE_CHUNK_SIZE + AGE_TAG_SIZE) /* 65552: a full sealed chunk */
#define AGE_NONCE_SIZE    16                              /* payload nonce after the header */
#define AGE_FILE_KEY_SIZE 16
#define AGE_HEADER_MAX    (1 << 20) /* longer headers are refused (~9000 recipients) */
/* Buffer sizes including the NUL: "age1" + 58 chars, "AGE-SECRET-KEY-1" + 58 chars. */
#define AGE_RECIPIENT_STRLEN 63
#define AGE_IDENTITY_STRLEN  75

/* ------------------------------------------------------------------ keys --- */

typedef struct age_recipient {
    unsigned char pub[32]; /* X25519 public key */
} age_recipient_t;

typedef struct age_identity {
    unsigned char secret[32]; /* X25519 scalar as written in the identity */
    unsigned char pub[32];    /* its recipient */
} age_identity_t;

/* A new random identity and its recipient, as NUL-terminated strings
 * ("AGE-SECRET-KEY-1...", "age1..."). Thread-safe. Returns 0 or -1. */
int age_keygen(char identity[AGE_IDENTITY_STRLEN], char recipient[AGE_RECIPIENT_STRLEN]);
/* Parse one "age1..." recipient (all lowercase, valid checksum, 32-byte key).
 * Returns 0 or -1 without logging (callers name the source). */
int age_recipient_parse(const char *s, age_recipient_t *out);
/* Parse one "AGE-SECRET-KEY-1..." identity (all uppercase) and compute its
 * recipient. Returns 0 or -1 without logging; never logs the string. */
int age_identity_parse(const char *s, age_identity_t *out);
/* Bech32-encode a recipient / identity into out. Return 0 or -1. */
int age_recipient_format(const age_recipient_t *r, char out[AGE_RECIPIENT_STRLEN]);
int age_identity_format(const age_identity_t *id, char out[AGE_IDENTITY_STRLEN]);

/* Parse recipients text (a recipients file: one "age1..." per line, '#'
 * comment lines and blank lines ignored, surrounding spaces/tabs and a CR
 * before the newline tolerated). name is used in messages ("name:line: ...").
 * At least one recipient is required. *out is malloc'd (caller frees with
 * free()); *n is its count. Returns 0 or -1 (logged). */
int age_recipients_parse(const char *text, size_t len, const char *name, age_recipient_t **out,
                         size_t *n);
/* Read and parse a recipients file. Returns 0 or -1 (logged, naming path). */
int age_recipients_load(const char *path, age_recipient_t **out, size_t *n);
/* Parse identities text (age-keygen output: "AGE-SECRET-KEY-1..." lines,
 * '#' comments, blank lines). *out is owned by the caller: release it with
 * age_identities_free(). At least one identity is required. Returns 0 or -1
 * (logged with name and line, never the key). */
int age_identities_parse(const char *text, size_t len, const char *name, age_identity_t **out,
                         size_t *n);
/* Read an identity file. Refuses (logging "identity file PATH is readable by
 * group or others (mode 0644); chmod 600 PATH") a file whose mode grants any
 * group/other permission, checked with fstat on the opened descriptor; also
 * refuses non-regular files and files over 1 MiB. Returns 0 or -1. */
int age_identities_load(const char *path, age_identity_t **out, size_t *n);
/* Wipe and free identities; NULL is a no-op. */
void age_identities_free(age_identity_t *ids, size_t n);

/* ---------------------------------------------------------------- output --- */

/* Where the encryptor and decryptor put their output: either a callback
 * (fn != NULL: called with each sealed/opened chunk, at most
 * AGE_CHUNK_CT_SIZE bytes; returns 0, or -1 to abort — the callback logs its
 * own error), or a caller buffer (fn == NULL: output is appended at buf + len
 * and len advances; if cap - len is below the call's bound, the call fails
 * before consuming anything). */
typedef int (*age_write_fn)(void *arg, const void *data, size_t len);
typedef struct age_out {
    age_write_fn fn;
    void *arg;
    unsigned char *buf;
    size_t cap;
    size_t len;
} age_out_t;

/* ------------------------------------------------------------- encryption --- */

typedef struct age_enc age_enc_t;

/* Start a file for n >= 1 recipients: draws the file key, wraps it for each
 * recipient, builds and MACs the header and draws the payload nonce.
 * NULL on failure (logged). */
age_enc_t *age_enc_new(const age_recipient_t *recipients, size_t n);
/* The bytes that begin the file: the header followed by the 16-byte payload
 * nonce. *len gets their total; the header alone (header_len of
 * age_chunk_offset) is *len - AGE_NONCE_SIZE. Write these first; update and
 * final produce only what follows. Valid until age_enc_free. */
const unsigned char *age_enc_header(const age_enc_t *e, size_t *len);
/* Feed n bytes of plaintext (any size, including 0). Emits each full chunk
 * once it is known not to be the last one (i.e. when more plaintext follows
 * it); the rest is held, at most 64 KiB. Input beyond the held chunk is
 * sealed straight from the caller's memory. Buffer mode needs
 * cap - len >= age_enc_bound(e, n). Returns 0 or -1; after -1 the encryptor
 * only accepts age_enc_free. */
int age_enc_update(age_enc_t *e, const void *in, size_t n, age_out_t *out);
/* Seal the final chunk (at most AGE_CHUNK_CT_SIZE bytes of output). Then
 * only age_enc_free is allowed. Returns 0 or -1. */
int age_enc_final(age_enc_t *e, age_out_t *out);
/* Most bytes age_enc_update(e, _, n, _) can emit. */
size_t age_enc_bound(const age_enc_t *e, size_t n);
/* The file key and payload nonce (for tests and a future key escrow;
 * secret). */
void age_enc_keys(const age_enc_t *e, unsigned char file_key[AGE_FILE_KEY_SIZE],
                  unsigned char nonce[AGE_NONCE_SIZE]);
/* Wipe and free; NULL is a no-op. */
void age_enc_free(age_enc_t *e);

/* ------------------------------------------------------------- decryption --- */

/* Why a decryptor failed; the classes of the CCTV vectors. */
enum age_err {
    AGE_OK = 0,
    AGE_ERR_HEADER,   /* header malformed (grammar, base64, stanza shape, low-order share) */
    AGE_ERR_NO_MATCH, /* header fine but no identity unwraps any stanza */
    AGE_ERR_HMAC,     /* file key unwrapped but the header MAC does not match */
    AGE_ERR_PAYLOAD,  /* a chunk failed to authenticate, truncation, trailing data */
    AGE_ERR_OTHER,    /* out of memory, OpenSSL failure, output too small, misuse */
};

typedef struct age_dec age_dec_t;

/* A streaming decryptor trying identities[0..n) (copied; n may be 0, then
 * every file is "no match"). name (copied; NULL = "age input") labels log
 * messages, e.g. the object key. NULL on failure. */
age_dec_t *age_dec_new(const age_identity_t *identities, size_t n, const char *name);
/* Feed n bytes of the age file (any split). The header is buffered and
 * checked once complete: strict grammar (version line, "-> " stanzas of
 * VCHAR arguments, canonical unpadded base64 bodies in 64-column lines ended
 * by a shorter line, "--- " MAC line), X25519 stanzas of exactly two
 * arguments, 32-byte share and body; a scrypt stanza must be alone. Then each
 * identity is tried on each X25519 stanza (other stanza types are ignored);
 * "no match" names the stanza types present and the recipients tried. Then
 * the header MAC is verified. Payload chunks are opened as they complete and
 * their plaintext is released at once: a full-size chunk is tried as
 * non-final, then as final; data after a final chunk, an empty chunk other
 * than an empty file's only chunk, or a failed tag is an AGE_ERR_PAYLOAD.
 * Plaintext released before a failure was authentic. Buffer mode needs
 * cap - len >= age_dec_bound(d, n). Returns 0 or -1 (logged once); after
 * -1 every call returns -1. */
int age_dec_update(age_dec_t *d, const void *in, size_t n, age_out_t *out);
/* End of input: opens a held short chunk as the final one (at most
 * AGE_CHUNK_SIZE bytes of output) and fails if no final chunk was seen
 * (truncated file) or the header/nonce is incomplete. Returns 0 or -1. */
int age_dec_final(age_dec_t *d, age_out_t *out);
/* Most plaintext age_dec_update(d, _, n, _) can release (< n + 64 KiB). */
size_t age_dec_bound(const age_dec_t *d, size_t n);
/* AGE_OK, or the class of the failure. */
int age_dec_error(const age_dec_t *d);
/* Once the header and nonce have been read and verified: the file key,
 * payload nonce and header length (without the nonce), for
 * age_chunk_decrypt. Any argument may be NULL. Returns 0, or -1 (not logged)
 * if not yet available. */
int age_dec_keys(const age_dec_t *d, unsigned char file_key[AGE_FILE_KEY_SIZE],
                 unsigned char nonce[AGE_NONCE_SIZE], size_t *header_len);
/* Wipe and free; NULL is a no-op. */
void age_dec_free(age_dec_t *d);

/* ---------------------------------------------------------- random access --- */

/* Decrypt chunk number index alone: ct is the chunk's sealed bytes
 * (AGE_TAG_SIZE..AGE_CHUNK_CT_SIZE; every chunk but the file's last is
 * exactly AGE_CHUNK_CT_SIZE). A full-size chunk is tried as non-final, then
 * as final; a shorter one must be final (and non-empty unless index is 0).
 * out must hold ctlen - 16 bytes; *outlen gets that, *is_last (may be NULL)
 * whether it was the final chunk. Derives the payload key on each call (one
 * HKDF, negligible next to 64 KiB of ChaCha20). Thread-safe. Returns 0 or -1
 * (logged; on failure out holds nothing readable). */
int age_chunk_decrypt(const unsigned char file_key[AGE_FILE_KEY_SIZE],
                      const unsigned char nonce[AGE_NONCE_SIZE], uint64_t index, const void *ct,
                      size_t ctlen, unsigned char *out, size_t *outlen, int *is_last);
/* Chunk holding plaintext byte offset off. */
uint64_t age_chunk_index(uint64_t plain_off);
/* Offset in the age file of chunk index's first byte. */
uint64_t age_chunk_offset(uint64_t header_len, uint64_t index);
/* Size of everything after the header (nonce + sealed chunks) for a
 * plaintext of plain_size bytes. */
uint64_t age_payload_size(uint64_t plain_size);
/* Inverse of age_payload_size; -1 (not logged) if no plaintext size gives
 * payload_size. */
int age_plain_size(uint64_t payload_size, uint64_t *plain_size);

/* ------------------------------------------------------------- primitives --- */
/* Exported for the unit tests; thread-safe. */

/* Standard base64 without padding: writes age_b64_len(n) chars and a NUL
 * (cap must exceed age_b64_len(n)). Returns 0 or -1. */
size_t age_b64_len(size_t n);
int age_b64_encode(const void *in, size_t n, char *out, size_t cap);
/* Decode exactly len chars of canonical unpadded base64: refuses '=', any
 * character outside A-Z a-z 0-9 + /, len % 4 == 1, and non-zero unused low
 * bits in the last character. Returns 0 (with *outlen) or -1, not logged. */
int age_b64_decode(const char *s, size_t len, unsigned char *out, size_t cap, size_t *outlen);
/* X25519(secret, basepoint): the public key / recipient of a secret. Returns
 * 0 or -1. */
int age_x25519_public(const unsigned char secret[32], unsigned char pub[32]);
/* HKDF-SHA-256 (RFC 5869); an empty salt means HashLen zero bytes. Returns 0
 * or -1. */
int age_hkdf(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen, const char *info,
             unsigned char *out, size_t outlen);

#endif
