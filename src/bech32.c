/*
 * bech32.c — Bech32 by hand, after the BIP-173 reference: the polymod
 * checksum over the expanded lowercase HRP and the 5-bit data, and the strict
 * 8<->5 bit regrouping (decoding refuses leftover bits that are non-zero or
 * make a whole byte). age keys are ~62-74 characters, so everything works in
 * small stack buffers.
 */
#include "bech32.h"

#include <stdint.h>
#include <string.h>

#define B32_MAX 1024 /* characters; longer strings are refused */

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, unsigned v)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = chk >> 25;

    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

/* Checksum state after the expanded HRP (given lowercase, hlen chars). */
static uint32_t polymod_hrp(const char *hrp, size_t hlen)
{
    uint32_t chk = 1;

    for (size_t i = 0; i < hlen; i++)
        chk = polymod_step(chk, (unsigned char)hrp[i] >> 5);
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hlen; i++)
        chk = polymod_step(chk, (unsigned char)hrp[i] & 31);
    return chk;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int bech32_encode(const char *hrp, const unsigned char *data, size_t len, int upper, char *out,
                  size_t cap)
{
    size_t hlen = strlen(hrp), ngroups = (len * 8 + 4) / 5, total = hlen + 1 + ngroups + 6, o = 0;
    unsigned char g[B32_MAX];
    uint32_t acc = 0, chk;
    unsigned bits = 0;
    size_t k = 0;

    if (hlen == 0 || total + 1 > cap || ngroups + 6 > sizeof g)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
            return -1;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            g[k++] = (acc >> bits) & 31;
        }
    }
    if (bits)
        g[k++] = (acc << (5 - bits)) & 31;
    chk = polymod_hrp(hrp, hlen);
    for (size_t i = 0; i < k; i++)
        chk = polymod_step(chk, g[i]);
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++)
        g[k++] = (chk >> (5 * (5 - i))) & 31;
    for (size_t i = 0; i < hlen; i++)
        out[o++] = hrp[i];
    out[o++] = '1';
    for (size_t i = 0; i < k; i++)
        out[o++] = charset[g[i]];
    out[o] = 0;
    if (upper)
        for (size_t i = 0; i < o; i++)
            if (out[i] >= 'a' && out[i] <= 'z')
                out[i] = (char)(out[i] - 32);
    return (int)o;
}

int bech32_decode(const char *s, char *hrp, size_t hrpcap, unsigned char *data, size_t datacap,
                  size_t *datalen)
{
    size_t n = strnlen(s, B32_MAX + 1), sep = 0, k = 0;
    int has_lower = 0, has_upper = 0;
    char lo[B32_MAX];
    uint32_t chk, acc = 0;
    unsigned bits = 0;

    if (n > B32_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 33 || s[i] > 126)
            return -1;
        has_lower |= s[i] >= 'a' && s[i] <= 'z';
        has_upper |= s[i] >= 'A' && s[i] <= 'Z';
        lo[i] = lower(s[i]);
        if (s[i] == '1')
            sep = i;
    }
    if ((has_lower && has_upper) || sep == 0 || n - sep - 1 < 6 || sep + 1 > hrpcap)
        return -1;
    chk = polymod_hrp(lo, sep);
    for (size_t i = sep + 1; i < n; i++) {
        const char *p = strchr(charset, lo[i]);
        if (!p || !*p)
            return -1;
        unsigned v = (unsigned)(p - charset);
        chk = polymod_step(chk, v);
        if (i >= n - 6)
            continue;
        acc = (acc << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (k >= datacap)
                return -1;
            data[k++] = (unsigned char)(acc >> bits);
        }
    }
    if (chk != 1 || bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    memcpy(hrp, s, sep);
    hrp[sep] = 0;
    *datalen = k;
    return 0;
}
