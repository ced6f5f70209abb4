/*
 * fuzz_manifest.c — libFuzzer target for the reading side of run manifests
 * (manifest.h): manifest_verify_chain (list runs/ -> objkey_parse each key ->
 * sort by run id -> manifest_read -> jansson -> prev_manifest/prev_sha256
 * chain check -> each listed object's head, size, SHA-256 and, deep, its
 * content), manifest_latest, and manifest_read of every manifest with the
 * fields `coldpack rebuild` takes from it (run_id, date).
 *
 * The store is in memory (list, get, head). The input is up to 4 manifests
 * separated by NUL bytes (raw JSON cannot hold a NUL). A manifest that starts
 * with "runs/" has its listing key on its first line (hostile keys, as an S3
 * listing may return), else it is listed as runs/2026-11-2N/<run id>.json.
 * Objects a manifest names are answered by head from a hash of their key:
 * missing, an error, present with no SHA-256 metadata, present with a
 * (matching or not) SHA-256, or cold; get serves the key's own bytes.
 * A failure is a memory error, a leak, UB, or manifest_read's SHA-256 not
 * being that of the bytes served. Seeds: tests/fuzz/corpus/manifest/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manifest.h"
#include "memstore.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXM 4

struct multistore {
    store_t base;
    int n;
    char key[MAXM][1100];
    const unsigned char *body[MAXM];
    size_t len[MAXM];
};

static int find(struct multistore *m, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->key[i], key))
            return i;
    return -1;
}

static int mem_get(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink,
                   void *ctx)
{
    struct multistore *m = (struct multistore *)s;
    int i = find(m, key);

    if (i >= 0)
        return memstore_serve(m->body[i], m->len[i], off, len, sink, ctx);
    return memstore_serve((const unsigned char *)key, strlen(key), off, len, sink, ctx);
}

static int mem_head(store_t *s, const char *key, store_info_t *out)
{
    struct multistore *m = (struct multistore *)s;
    int i = find(m, key);
    unsigned h = 0;

    memset(out, 0, sizeof *out);
    snprintf(out->storage_class, sizeof out->storage_class, "STANDARD");
    out->thaw = STORE_THAW_READY;
    if (i >= 0) {
        out->size = (int64_t)m->len[i];
        return 0;
    }
    for (const char *p = key; *p; p++)
        h = h * 31 + (unsigned char)*p;
    out->size = (int64_t)strlen(key);
    switch (h % 5) {
    case 0:
        return STORE_NOTFOUND;
    case 1:
        return STORE_ERR;
    case 2:
        break; /* no SHA-256 metadata */
    case 3:
        util_sha256_buf(key, strlen(key), out->sha256);
        break;
    default:
        snprintf(out->storage_class, sizeof out->storage_class, "DEEP_ARCHIVE");
        out->cold = 1;
        out->thaw = STORE_THAW_NONE;
        break;
    }
    return 0;
}

static int mem_list(store_t *s, const char *prefix, store_list_fn fn, void *ctx)
{
    struct multistore *m = (struct multistore *)s;
    int order[MAXM];

    for (int i = 0; i < m->n; i++)
        order[i] = i;
    for (int i = 1; i < m->n; i++) /* lexical key order, as stores list */
        for (int j = i; j > 0 && strcmp(m->key[order[j - 1]], m->key[order[j]]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < m->n; i++) {
        const char *k = m->key[order[i]];
        if (!strncmp(k, prefix, strlen(prefix)) && fn(ctx, k, (int64_t)m->len[order[i]]) != 0)
            break;
    }
    return 0;
}

static const struct store_ops mem_ops = {.get = mem_get, .head = mem_head, .list = mem_list};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct multistore m;
    const uint8_t *p = data, *end = data + size;
    char *latest = NULL, sha[65], want[65];

    log_set_level(LOG_ERROR);
    memset(&m, 0, sizeof m);
    m.base.ops = &mem_ops;
    m.base.url = (char *)(uintptr_t) "mem://fuzz";
    while (m.n < MAXM) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        const uint8_t *stop = nul ? nul : end, *nl;
        size_t klen;

        if (stop - p >= 5 && !memcmp(p, "runs/", 5) &&
            (nl = memchr(p, '\n', (size_t)(stop - p))) != NULL &&
            (klen = (size_t)(nl - p)) < sizeof m.key[0]) {
            memcpy(m.key[m.n], p, klen);
            m.key[m.n][klen] = 0;
            p = nl + 1;
        } else {
            snprintf(m.key[m.n], sizeof m.key[0], "runs/2026-11-2%d/20261123T0%d0000Z-fuzz.json",
                     m.n, m.n);
        }
        m.body[m.n] = p;
        m.len[m.n] = (size_t)(stop - p);
        m.n++;
        if (!nul)
            break;
        p = nul + 1;
    }

    {
        manifest_verify_opts_t vo = {.deep = 1};
        manifest_verify_stats_t vs;
        if (manifest_verify_chain(&m.base, &vo, &vs) == 0 && vs.manifests > m.n)
            abort(); /* it cannot have verified more manifests than were listed */
    }
    if (manifest_latest(&m.base, &latest, sha) == 0 && latest && find(&m, latest) < 0)
        abort(); /* the newest manifest is one that was listed */
    free(latest);
    for (int i = 0; i < m.n; i++) {
        json_t *j = NULL;
        json_error_t jerr;
        size_t len = 0;

        if (manifest_read(&m.base, m.key[i], sha, &len, &j, &jerr) < 0)
            abort();                /* the store served it */
        int k = find(&m, m.key[i]); /* a hostile listing may repeat a key */
        util_sha256_buf(m.body[k], m.len[k], want);
        if (len != m.len[k] || strcmp(sha, want))
            abort();
        if (j) {
            const char *run_id = json_string_value(json_object_get(j, "run_id"));
            const char *date = json_string_value(json_object_get(j, "date"));
            if ((run_id && strlen(run_id) > m.len[k]) || (date && strlen(date) > m.len[k]))
                abort();
            json_decref(j);
        }
    }
    return 0;
}
