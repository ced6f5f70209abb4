/*
 * index.c — read a volume index (vol-NNNN.index.json.gz: one gzip member of
 * JSON, hot class). Shared by restore (glob filter, block table) and catalog
 * rebuild. The gzip trailer's ISIZE sizes the buffer, bounded so that a
 * damaged index cannot make us allocate gigabytes.
 */
#include "index.h"

#include "codec.h"
#include "log.h"

#include <stdlib.h>

json_t *index_load(store_t *s, const char *key)
{
    unsigned char *gz = NULL;
    size_t gzlen;
    json_t *j = NULL;
    json_error_t err;

    if (store_get_buf(s, key, 1u << 30, &gz, &gzlen) < 0)
        return NULL;
    /* The index is one gzip member; its size is in the trailer (ISIZE). */
    if (gzlen >= 18) {
        size_t isize = (size_t)gz[gzlen - 4] | (size_t)gz[gzlen - 3] << 8 |
                       (size_t)gz[gzlen - 2] << 16 | (size_t)gz[gzlen - 1] << 24;
        /* deflate expands at most ~1032:1; an index stays well below 1 GiB */
        if (isize > (gzlen - 18) * 1032 + 1024 || isize > (1u << 30)) {
            log_error("index %s: damaged (claims %zu bytes uncompressed from %zu)", key, isize,
                      gzlen);
            free(gz);
            return NULL;
        }
        char *txt = malloc(isize + 1);
        codec_t *c = codec_new(CODEC_GZIP, 6);
        long n = (txt && c) ? codec_decompress(c, gz, gzlen, txt, isize) : -1;
        if (n >= 0) {
            j = json_loadb(txt, (size_t)n, 0, &err);
            if (!j)
                log_error("index %s: invalid JSON at line %d: %s", key, err.line, err.text);
        } else {
            log_error("index %s: not a valid gzip member", key);
        }
        codec_free(c);
        free(txt);
    } else {
        log_error("index %s: truncated (%zu bytes)", key, gzlen);
    }
    free(gz);
    return j;
}
