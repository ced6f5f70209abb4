/*
 * memstore.h — the in-memory store the fuzz targets serve their objects
 * from: a store_t whose get hands bytes to the sink in chunks, like a real
 * store. Each target fills the vtable with only what its code calls.
 */
#ifndef COLDPACK_FUZZ_MEMSTORE_H
#define COLDPACK_FUZZ_MEMSTORE_H

#include <stdint.h>
#include <string.h>

#include "store.h"

struct memstore {
    store_t base;
    const unsigned char *data;
    size_t size;
};

/* Stream bytes [off, off+len) of p (len < 0: to the end) to sink. */
static inline int memstore_serve(const unsigned char *p, size_t size, int64_t off, int64_t len,
                                 store_sink_fn sink, void *ctx)
{
    size_t o = (size_t)off, n;

    if (off < 0 || o > size)
        return STORE_ERR;
    n = len < 0 || (size_t)len > size - o ? size - o : (size_t)len;
    while (n) {
        size_t k = n > 65536 ? 65536 : n;
        if (sink(ctx, p + o, k) < 0)
            return STORE_ERR;
        o += k;
        n -= k;
    }
    return 0;
}

/* get for a store holding one object (any key names it). */
static inline int memstore_get(store_t *s, const char *key, int64_t off, int64_t len,
                               store_sink_fn sink, void *ctx)
{
    struct memstore *m = (struct memstore *)s;

    (void)key;
    return memstore_serve(m->data, m->size, off, len, sink, ctx);
}

static inline void memstore_init(struct memstore *m, const struct store_ops *ops,
                                 const unsigned char *data, size_t size)
{
    memset(m, 0, sizeof *m);
    m->base.ops = ops;
    m->base.url = (char *)(uintptr_t) "mem://fuzz";
    m->data = data;
    m->size = size;
}

#endif
