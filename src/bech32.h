/*
 * bech32.h — Bech32 (BIP-173) encoding of byte strings, as age uses it for
 * keys: the original Bech32 checksum (not Bech32m), no 90-character limit,
 * data converted from 8-bit bytes to 5-bit groups with zero padding.
 * Thread-safe (pure functions).
 */
#ifndef COLDPACK_BECH32_H
#define COLDPACK_BECH32_H

#include <stddef.h>

/* Encode hrp (lowercase, printable ASCII 33..126) and data[0..len) into out
 * as hrp "1" data checksum, NUL-terminated; all uppercase when upper.
 * Returns the string length, or -1 if out (cap bytes) is too small or hrp is
 * invalid. Not logged. */
int bech32_encode(const char *hrp, const unsigned char *data, size_t len, int upper, char *out,
                  size_t cap);
/* Decode s: all lowercase or all uppercase, separator the last '1', a valid
 * checksum, at least one HRP character, padding bits zero and fewer than 5.
 * hrp gets the HRP as written (original case, NUL-terminated, hrpcap bytes);
 * data gets the bytes (datacap bytes), *datalen their count. Returns 0 or -1,
 * not logged. */
int bech32_decode(const char *s, char *hrp, size_t hrpcap, unsigned char *data, size_t datacap,
                  size_t *datalen);

#endif
