/*
 * fuzz_index.c — libFuzzer target for what restore does with a volume index
 * before it touches data: index_load (index.h: gzip member -> ISIZE-bounded
 * buffer -> codec_decompress -> jansson), then restore_index_matches (the
 * --path glob over the index's files) and restore_block_table (restore.h:
 * the validation of the block table that drives parallel decompression and
 * damage location). Linked with the library objects like every other test.
 *
 * The index object is served from memory by a minimal store whose only
 * operation is get. Inputs that do not start with the gzip magic are gzipped
 * first, so the fuzzer can mutate the JSON directly as well as the gzip
 * framing. Seeds: tests/fuzz/corpus/index/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "index.h"
#include "log.h"
#include "restore.h"
#include "memstore.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct store_ops mem_ops = {.get = memstore_get};

/* What restore relies on when restore_block_table accepts a table. */
static void check_table(json_t *idx)
{
    json_t *obj = json_object_get(idx, "object");
    int64_t objsize = json_integer_value(json_object_get(obj, "size")), sum = 0;
    size_t n;
    int kind;
    restore_block_t *b = restore_block_table(idx, objsize, &n, &kind);

    if (!b)
        return;
    /* it tiles the object exactly, with positive bounded blocks, in a known codec */
    if (n == 0 || (kind != CODEC_GZIP && kind != CODEC_ZSTD))
        abort();
    for (size_t i = 0; i < n; i++) {
        if (b[i].clen <= 0 || b[i].tlen <= 0 || b[i].tlen > (256 << 20) || b[i].coff != sum)
            abort();
        sum += b[i].clen;
    }
    if (sum != objsize)
        abort();
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memstore m;
    unsigned char *gz = NULL;
    json_t *idx;

    log_set_level(LOG_ERROR);
    memstore_init(&m, &mem_ops, data, size);
    if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
        codec_t *c = codec_new(CODEC_GZIP, 1);
        size_t cap = codec_bound(CODEC_GZIP, size);
        gz = malloc(cap);
        if (!c || !gz) {
            codec_free(c);
            free(gz);
            return 0;
        }
        m.size = codec_compress(c, data, size, gz, cap);
        m.data = gz;
        codec_free(c);
    }
    idx = index_load(&m.base, "tenant=t/date=2026-11-23/source=s/vol-0001.index.json.gz");
    if (idx) {
        (void)restore_index_matches(idx, "**/*.log");
        (void)restore_index_matches(idx, "fw/[a-c]?*.json");
        check_table(idx);
        json_decref(idx);
    }
    free(gz);
    return 0;
}
