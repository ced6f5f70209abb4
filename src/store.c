/*
 * store.c — picks the store implementation from the URL scheme and offers
 * thin wrappers over the vtable, plus whole-buffer put/get for the small hot
 * objects (indexes, manifests).
 */
#include "store.h"

#include "config.h"
#include "log.h"
#include "store_s3.h"
#include "strbuf.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

store_t *store_open(const config_t *cfg)
{
    if (!strncmp(cfg->store.url, "file://", 7))
        return store_file_open(cfg);
    if (!strncmp(cfg->store.url, "s3://", 5))
        return store_s3_open(cfg);
    log_error("store url %s: unsupported scheme (file:// or s3://)", cfg->store.url);
    return NULL;
}

void store_free(store_t *s)
{
    if (s)
        s->ops->free(s);
}

int store_put_open(store_t *s, const char *key, const store_put_opts_t *o, store_put_t **out)
{
    return s->ops->put_open(s, key, o, out);
}

/* A store_put_t starts with a pointer to its store, so wrappers can find the vtable. */
struct store_put {
    store_t *store;
};

int store_put_write(store_put_t *p, const void *data, size_t len)
{
    return p->store->ops->put_write(p, data, len);
}

int store_put_commit(store_put_t *p, const char *sha256_hex)
{
    return p->store->ops->put_commit(p, sha256_hex);
}

void store_put_abort(store_put_t *p)
{
    if (p)
        p->store->ops->put_abort(p);
}

int store_head(store_t *s, const char *key, store_info_t *out)
{
    return s->ops->head(s, key, out);
}

int store_get(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink, void *ctx)
{
    return s->ops->get(s, key, off, len, sink, ctx);
}

int store_list(store_t *s, const char *prefix, store_list_fn fn, void *ctx)
{
    return s->ops->list(s, prefix, fn, ctx);
}

int store_del(store_t *s, const char *key)
{
    return s->ops->del(s, key);
}

int store_restore(store_t *s, const char *key, int days, const char *tier)
{
    return s->ops->restore(s, key, days, tier);
}

int store_cleanup(store_t *s)
{
    return s->ops->cleanup(s);
}

int store_setup(store_t *s, const store_setup_opts_t *o)
{
    return s->ops->setup ? s->ops->setup(s, o) : STORE_OK;
}

int store_audit_head(store_t *s, const char *key, store_audit_t *out)
{
    if (s->ops->audit_head)
        return s->ops->audit_head(s, key, out);
    memset(out, 0, sizeof *out);
    return s->ops->head(s, key, &out->info);
}

int store_bucket_info(store_t *s, store_bucket_info_t *out)
{
    memset(out, 0, sizeof *out);
    return s->ops->bucket_info ? s->ops->bucket_info(s, out) : STORE_OK;
}

void store_bucket_info_free(store_bucket_info_t *b)
{
    if (!b)
        return;
    free(b->lock_xml);
    free(b->lifecycle_xml);
    free(b->versioning_xml);
    memset(b, 0, sizeof *b);
}

int store_put_buf(store_t *s, const char *key, const void *data, size_t len,
                  const store_put_opts_t *o)
{
    store_put_t *p = NULL;
    char hex[65];
    int rc;

    util_sha256_buf(data, len, hex);
    rc = store_put_open(s, key, o, &p);
    if (rc < 0)
        return rc;
    rc = store_put_write(p, data, len);
    if (rc < 0) {
        store_put_abort(p);
        return rc;
    }
    return store_put_commit(p, hex);
}

static int getbuf_sink(void *ctx, const void *data, size_t len)
{
    return strbuf_add(ctx, data, len); /* -1 past the caller's max */
}

int store_get_buf(store_t *s, const char *key, size_t max, unsigned char **out, size_t *outlen)
{
    strbuf_t sb = STRBUF_INIT(max);
    int rc = store_get(s, key, 0, -1, getbuf_sink, &sb);
    char *buf;

    if (rc < 0) {
        strbuf_release(&sb);
        return rc;
    }
    buf = strbuf_detach(&sb, outlen);
    if (!buf)
        return STORE_ERR;
    *out = (unsigned char *)buf;
    return 0;
}

int store_class_is_cold(const char *storage_class)
{
    return storage_class &&
           (!strcmp(storage_class, "GLACIER") || !strcmp(storage_class, "DEEP_ARCHIVE"));
}
