/*
 * fuzz_index.c — libFuzzer target for the volume-index reader used by
 * restore: job_restore.c's load_index (gzip member -> ISIZE-sized buffer ->
 * codec_decompress -> jansson), then what restore does with an index before
 * touching data: the path-glob match (index_matches) and the block-table
 * validation of the parallel decompressor (pdec_init). The functions are
 * static, so this file includes job_restore.c and is linked with every other
 * module except main.c and job_restore.c.
 *
 * The index object is served from memory by a minimal store whose only
 * operation is get. Inputs that do not start with the gzip magic are gzipped
 * first, so the fuzzer can mutate the JSON directly as well as the gzip
 * framing. Seeds: tests/fuzz/corpus/index/.
 */
#include "../../src/job_restore.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct memstore {
    store_t base;
    const unsigned char *data;
    size_t size;
};

static int mem_get(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink,
                   void *ctx)
{
    struct memstore *m = (struct memstore *)s;
    size_t o = (size_t)off, n;

    (void)key;
    if (off < 0 || o > m->size)
        return STORE_ERR;
    n = len < 0 || (size_t)len > m->size - o ? m->size - o : (size_t)len;
    while (n) {
        size_t k = n > 65536 ? 65536 : n; /* chunked, like a real store */
        if (sink(ctx, m->data + o, k) < 0)
            return STORE_ERR;
        o += k;
        n -= k;
    }
    return 0;
}

static const struct store_ops mem_ops = {.get = mem_get};

static pool_t *fuzz_pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memstore m;
    unsigned char *gz = NULL;
    json_t *idx;

    if (!fuzz_pool) {
        log_set_level(LOG_ERROR);
        fuzz_pool = pool_new(1);
        if (!fuzz_pool)
            abort();
    }
    memset(&m, 0, sizeof m);
    m.base.ops = &mem_ops;
    m.base.url = (char *)(uintptr_t) "mem://fuzz";
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        m.data = data;
        m.size = size;
    } else {
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
        struct pdec d;
        json_t *obj = json_object_get(idx, "object");
        int64_t objsize = json_integer_value(json_object_get(obj, "size"));

        (void)index_matches(idx, "**/*.log");
        (void)index_matches(idx, "fw/[a-c]?*.json");
        if (pdec_init(&d, idx, objsize, -1, fuzz_pool) == 0) {
            /* a usable table tiles the object exactly with positive blocks */
            int64_t sum = 0;
            for (size_t i = 0; i < d.n; i++) {
                if (d.b[i].clen <= 0 || d.b[i].tlen <= 0 || d.b[i].coff != sum)
                    abort();
                sum += d.b[i].clen;
            }
            if (sum != objsize)
                abort();
            pdec_finish(&d);
        }
        json_decref(idx);
    }
    free(gz);
    return 0;
}
