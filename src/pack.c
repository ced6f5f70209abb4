/*
 * pack.c — the backup pipeline for one unit, in the style of pigz's ordered
 * parallel compressor:
 *
 *   source reader ─► libarchive pax writer ─► block buffer (block_size of tar)
 *        ─► pool: compress block (gzip member / zstd frame) ─► in-order drain:
 *           SHA-256 of the object, store_put_write, block table
 *
 * The producer (the caller's thread) fills blocks and submits them; before
 * submitting more than max_inflight it waits for the oldest block and drains
 * every finished block at the head of its queue. Blocks are recycled, so
 * memory is max_inflight × (block_size + compress bound) per unit, whatever
 * the size of the input.
 *
 * The index of a volume is built as the files go in (path, size, mtime,
 * mode, SHA-256, tar offsets, block), and written after the volume's object
 * is committed; the index of the unit's final volume says "last": true, which
 * is what makes a unit complete in the store (catalog rebuild relies on it).
 * A volume is cut lazily: once past volume_size, the next entry starts a new
 * volume, so the final volume is known when the unit finishes.
 *
 * Encryption (pack.h, docs/encryption.md): the in-order drain hands each
 * compressed block to age_enc_update, whose sealed 64 KiB chunks go to the
 * store and the object's SHA-256; the SHA-256 of the compressed stream is
 * kept too and recorded in the (encrypted) index as "plain". Block offsets
 * in the index stay compressed-stream offsets: the age chunk holding
 * compressed byte o is o / 65536, at age_chunk_offset(header_len, chunk).
 */
#include "pack.h"

#include "age.h"
#include "codec.h"
#include "index.h"
#include "keys.h"
#include "log.h"
#include "objkey.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct block {
    struct block *next; /* in-flight queue / free list */
    pack_unit_t *unit;
    unsigned char *in;
    size_t inlen;
    unsigned char *out;
    size_t outcap, outlen;
    int64_t tar_off;
    int done;
    int failed;
};

struct pack_unit {
    pack_params_t pp;
    char *date, *source, *tenant, *prefix;
    pack_volume_fn on_volume;
    void *ctx;
    int warnings;
    int failed;

    /* in-flight blocks, oldest first, and recycled ones */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct block *head, *tail, *free_list;
    int inflight;

    /* current volume */
    int volno;
    int need_cut;
    struct archive *ar;
    store_put_t *put;
    char *key, *index_key;
    util_sha256_t sha;
    int64_t tar_size;  /* tar bytes produced so far in this volume */
    int64_t comp_size; /* compressed bytes written so far */
    int64_t bytes_in;
    int files;
    struct block *cur; /* block being filled */
    json_t *files_json;
    json_t *blocks_json;
    char *files_list; /* the last index's, for on_volume */
    int nblocks;      /* blocks submitted in this volume */
    unsigned char *iobuf;

    /* encryption: recipients of this tenant, or none */
    age_recipient_t *rcpt;
    size_t nrcpt;
    int refused;         /* no recipients: entries are skipped, the unit fails */
    age_enc_t *enc;      /* current volume's encryptor */
    util_sha256_t plain; /* SHA-256 of the compressed (unencrypted) stream */
    int64_t stored_size; /* bytes written to the store for this volume */
    int64_t header_len;  /* the age header, without the payload nonce */
};

/* Bytes for the store: hashed as the object, then written. */
static int emit(void *arg, const void *data, size_t len)
{
    pack_unit_t *u = arg;

    util_sha256_update(&u->sha, data, len);
    u->stored_size += (int64_t)len;
    return store_put_write(u->put, data, len);
}

static void compress_job(void *arg)
{
    struct block *b = arg;
    pack_unit_t *u = b->unit;
    codec_t *c = codec_for_thread(u->pp.codec, u->pp.level);
    size_t n = c ? codec_compress(c, b->in, b->inlen, b->out, b->outcap) : 0;

    pthread_mutex_lock(&u->mu);
    b->outlen = n;
    b->failed = n == 0;
    b->done = 1;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
}

static struct block *block_get(pack_unit_t *u)
{
    struct block *b = u->free_list;

    if (b) {
        u->free_list = b->next;
    } else {
        b = calloc(1, sizeof *b);
        if (!b)
            return NULL;
        b->unit = u;
        b->outcap = codec_bound(u->pp.codec, u->pp.block_size);
        b->in = malloc(u->pp.block_size);
        b->out = malloc(b->outcap);
        if (!b->in || !b->out) {
            free(b->in);
            free(b->out);
            free(b);
            return NULL;
        }
    }
    b->next = NULL;
    b->inlen = 0;
    b->outlen = 0;
    b->done = 0;
    b->failed = 0;
    return b;
}

/* Write finished blocks at the head of the queue; with wait_all, wait for
 * every block in flight. Runs in the producer thread. */
static int drain(pack_unit_t *u, int wait_for_one, int wait_all)
{
    for (;;) {
        struct block *b;
        pthread_mutex_lock(&u->mu);
        while (u->head && !u->head->done && (wait_all || wait_for_one))
            pthread_cond_wait(&u->cv, &u->mu);
        b = u->head;
        if (!b || !b->done) {
            pthread_mutex_unlock(&u->mu);
            return 0;
        }
        u->head = b->next;
        if (!u->head)
            u->tail = NULL;
        u->inflight--;
        pthread_mutex_unlock(&u->mu);
        wait_for_one = 0;

        if (b->failed && !u->failed) {
            log_error("%s: compressing a block of %s failed", u->prefix, u->key);
            u->failed = 1;
        }
        if (!u->failed) {
            json_t *row = json_pack("[I,I,I,I]", (json_int_t)b->tar_off, (json_int_t)b->inlen,
                                    (json_int_t)u->comp_size, (json_int_t)b->outlen);
            age_out_t ao = {emit, u, NULL, 0, 0};
            if (u->enc)
                util_sha256_update(&u->plain, b->out, b->outlen);
            if (!row || json_array_append_new(u->blocks_json, row) < 0 ||
                (u->enc ? age_enc_update(u->enc, b->out, b->outlen, &ao)
                        : emit(u, b->out, b->outlen)) < 0)
                u->failed = 1;
            u->comp_size += (int64_t)b->outlen;
        }
        b->next = u->free_list;
        u->free_list = b;
    }
}

static int submit_cur(pack_unit_t *u)
{
    struct block *b = u->cur;

    if (!b || b->inlen == 0)
        return 0;
    u->cur = NULL;
    pthread_mutex_lock(&u->mu);
    if (u->tail)
        u->tail->next = b;
    else
        u->head = b;
    u->tail = b;
    u->inflight++;
    pthread_mutex_unlock(&u->mu);
    u->nblocks++;
    if (pool_submit(u->pp.pool, compress_job, b) < 0) {
        compress_job(b); /* out of memory for the queue: do it here */
    }
    while (u->inflight >= u->pp.max_inflight && !u->failed)
        drain(u, 1, 0);
    drain(u, 0, 0);
    return u->failed ? -1 : 0;
}

/* libarchive's output callback: append tar bytes to blocks. */
static la_ssize_t tar_write_cb(struct archive *a, void *ctx, const void *data, size_t len)
{
    pack_unit_t *u = ctx;
    const unsigned char *p = data;
    size_t left = len;

    (void)a;
    if (u->failed)
        return -1; /* a failed unit takes no more blocks (libarchive pads on close) */
    while (left) {
        size_t room, n;
        if (!u->cur) {
            u->cur = block_get(u);
            if (!u->cur)
                return -1;
            u->cur->tar_off = u->tar_size;
        }
        room = u->pp.block_size - u->cur->inlen;
        n = left < room ? left : room;
        memcpy(u->cur->in + u->cur->inlen, p, n);
        u->cur->inlen += n;
        u->tar_size += (int64_t)n;
        p += n;
        left -= n;
        if (u->cur->inlen == u->pp.block_size && submit_cur(u) < 0)
            return -1;
    }
    return (la_ssize_t)len;
}

char *pack_unit_prefix(const char *date, const char *source, const char *tenant)
{
    return objkey_unit_prefix(tenant, date, source);
}

static int volume_open(pack_unit_t *u)
{
    store_put_opts_t o = {NULL, "application/gzip", 0, u->pp.volume_size};

    u->volno++;
    free(u->key);
    free(u->index_key);
    if (u->nrcpt) {
        char *suffix = util_asprintf("%s" OBJKEY_AGE_SUFFIX, codec_suffix(u->pp.codec));
        u->key = suffix ? objkey_volume(u->tenant, u->date, u->source, u->volno, suffix) : NULL;
        u->index_key = objkey_index_age(u->tenant, u->date, u->source, u->volno);
        free(suffix);
    } else {
        u->key = objkey_volume(u->tenant, u->date, u->source, u->volno, codec_suffix(u->pp.codec));
        u->index_key = objkey_index(u->tenant, u->date, u->source, u->volno);
    }
    if (!u->key || !u->index_key)
        return -1;
    if (u->pp.codec == CODEC_ZSTD)
        o.content_type = "application/zstd";
    if (u->nrcpt)
        o.content_type = "application/octet-stream";
    u->tar_size = u->comp_size = u->bytes_in = u->stored_size = 0;
    u->files = u->nblocks = 0;
    u->need_cut = 0;
    u->files_json = json_array();
    u->blocks_json = json_array();
    if (!u->files_json || !u->blocks_json || util_sha256_init(&u->sha) < 0)
        return -1;
    if (store_put_open(u->pp.store, u->key, &o, &u->put) < 0)
        return -1;
    if (u->nrcpt) {
        const unsigned char *hdr;
        size_t hlen;
        age_enc_free(u->enc);
        u->enc = age_enc_new(u->rcpt, u->nrcpt);
        if (!u->enc || util_sha256_init(&u->plain) < 0)
            return -1;
        hdr = age_enc_header(u->enc, &hlen);
        u->header_len = (int64_t)(hlen - AGE_NONCE_SIZE);
        if (emit(u, hdr, hlen) < 0)
            return -1;
    }
    u->ar = archive_write_new();
    if (!u->ar)
        return -1;
    if (archive_write_set_format_pax_restricted(u->ar) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(u->ar, 0) != ARCHIVE_OK ||
        archive_write_open2(u->ar, u, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK) {
        log_error("%s: cannot start tar writer: %s", u->key, archive_error_string(u->ar));
        return -1;
    }
    return 0;
}

/* Encrypt buf to the unit's recipients into a new buffer (*out, caller
 * frees). 0 or -1 (logged). */
static int seal_buf(pack_unit_t *u, const unsigned char *buf, size_t len, unsigned char **out,
                    size_t *outlen)
{
    age_enc_t *e = age_enc_new(u->rcpt, u->nrcpt);
    const unsigned char *hdr;
    size_t hlen;
    age_out_t ao = {NULL, NULL, NULL, 0, 0};
    int rc = -1;

    *out = NULL;
    if (!e)
        return -1;
    hdr = age_enc_header(e, &hlen);
    ao.cap = hlen + (size_t)age_payload_size(len);
    ao.buf = malloc(ao.cap);
    if (!ao.buf)
        goto out;
    memcpy(ao.buf, hdr, hlen);
    ao.len = hlen;
    if (age_enc_update(e, buf, len, &ao) < 0 || age_enc_final(e, &ao) < 0)
        goto out;
    *out = ao.buf;
    *outlen = ao.len;
    ao.buf = NULL;
    rc = 0;
out:
    if (rc < 0)
        log_error("%s: encrypting the index failed", u->index_key);
    free(ao.buf);
    age_enc_free(e);
    return rc;
}

static int write_index(pack_unit_t *u, int last, pack_volume_t *v, const char *plain_sha)
{
    json_t *idx = NULL;
    char *txt = NULL;
    unsigned char *gz = NULL, *sealed = NULL;
    codec_t *c = NULL;
    size_t len, gzlen;
    int rc = -1;

    idx =
        json_pack("{s:s, s:s, s:i, s:b, s:s, s:i, s:s, s:s, s:{s:s, s:I, s:s, "
                  "s:I}, s:I, s:I, s:i, s:O, s:O}",
                  "format", "coldpack-index-1", "date", u->date, "volume", u->volno, "last", last,
                  "compression", u->pp.codec == CODEC_ZSTD ? "zstd" : "gzip", "level", u->pp.level,
                  "run_id", u->pp.run_id, "key", u->key, "object", "key", u->key, "size",
                  (json_int_t)v->size, "sha256", v->sha256, "tar_size", (json_int_t)u->tar_size,
                  "block_size", (json_int_t)u->pp.block_size, "bytes_in", (json_int_t)u->bytes_in,
                  "files_count", u->files, "blocks", u->blocks_json, "files", u->files_json);
    if (!idx || index_name_set(idx, "tenant", u->tenant) < 0 ||
        index_name_set(idx, "source", u->source) < 0)
        goto out;
    if (u->nrcpt && json_object_set_new(
                        idx, "encryption",
                        json_pack("{s:s, s:I, s:i, s:{s:I, s:s}}", "format", "age-v1", "header_len",
                                  (json_int_t)u->header_len, "chunk_size", AGE_CHUNK_SIZE, "plain",
                                  "size", (json_int_t)u->comp_size, "sha256", plain_sha)) < 0)
        goto out;
    txt = json_dumps(idx, JSON_COMPACT);
    if (!txt)
        goto out;
    len = strlen(txt);
    c = codec_new(CODEC_GZIP, 6);
    gz = malloc(codec_bound(CODEC_GZIP, len));
    if (!c || !gz)
        goto out;
    gzlen = codec_compress(c, txt, len, gz, codec_bound(CODEC_GZIP, len));
    if (!gzlen)
        goto out;
    if (u->nrcpt) {
        if (seal_buf(u, gz, gzlen, &sealed, &gzlen) < 0)
            goto out;
        free(gz);
        gz = sealed;
    }
    store_put_opts_t o = {"STANDARD", u->nrcpt ? "application/octet-stream" : "application/gzip", 0,
                          (int64_t)gzlen};
    free(u->files_list);
    if (!(u->files_list = index_file_list(idx)))
        goto out;
    v->files_list = u->files_list;
    util_sha256_buf(gz, gzlen, v->index_sha256);
    v->index_size = (int64_t)gzlen;
    if (store_put_buf(u->pp.store, u->index_key, gz, gzlen, &o) < 0)
        goto out;
    rc = 0;
out:
    json_decref(idx);
    free(txt);
    free(gz);
    codec_free(c);
    return rc;
}

/* Finish the current volume: end of archive, flush blocks, commit the object,
 * write its index, tell the caller. */
static int volume_close(pack_unit_t *u, int last)
{
    pack_volume_t v;
    store_put_t *put;
    char plain_sha[65] = "";
    int rc = -1;

    memset(&v, 0, sizeof v);
    if (archive_write_close(u->ar) != ARCHIVE_OK) {
        if (!u->failed)
            log_error("%s: finishing tar: %s", u->key, archive_error_string(u->ar));
        goto out;
    }
    if (submit_cur(u) < 0)
        goto out;
    drain(u, 1, 1);
    if (u->failed)
        goto out;
    if (u->enc) {
        age_out_t ao = {emit, u, NULL, 0, 0};
        if (age_enc_final(u->enc, &ao) < 0) {
            u->failed = 1;
            goto out;
        }
        util_sha256_final(&u->plain, plain_sha);
    }
    util_sha256_final(&u->sha, v.sha256);
    put = u->put;
    u->put = NULL;
    if (store_put_commit(put, v.sha256) < 0)
        goto out;
    v.volume = u->volno;
    v.last = last;
    v.key = u->key;
    v.index_key = u->index_key;
    v.size = u->stored_size;
    v.tar_size = u->tar_size;
    v.bytes_in = u->bytes_in;
    v.files = u->files;
    if (write_index(u, last, &v, plain_sha) < 0)
        goto out;
    if (u->on_volume && u->on_volume(u->ctx, &v) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        u->failed = 1;
    archive_write_free(u->ar);
    u->ar = NULL;
    json_decref(u->files_json);
    json_decref(u->blocks_json);
    u->files_json = u->blocks_json = NULL;
    util_sha256_free(&u->sha);
    if (u->enc)
        util_sha256_free(&u->plain);
    age_enc_free(u->enc);
    u->enc = NULL;
    return rc;
}

pack_unit_t *pack_unit_new(const pack_params_t *pp, const char *date, const char *source,
                           const char *tenant, pack_volume_fn on_volume, void *ctx)
{
    pack_unit_t *u = calloc(1, sizeof *u);

    if (!u)
        return NULL;
    u->pp = *pp;
    if (u->pp.max_inflight < 2)
        u->pp.max_inflight = 2;
    u->date = strdup(date);
    u->source = strdup(source);
    u->tenant = strdup(tenant);
    u->prefix = pack_unit_prefix(date, source, tenant);
    u->iobuf = malloc(256 * 1024);
    u->on_volume = on_volume;
    u->ctx = ctx;
    pthread_mutex_init(&u->mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    if (!u->date || !u->source || !u->tenant || !u->prefix || !u->iobuf) {
        pack_unit_free(u);
        return NULL;
    }
    if (pp->encryption && pp->encryption->recipients_dir &&
        keys_tenant_recipients(pp->encryption, tenant, &u->rcpt, &u->nrcpt) < 0) {
        /* take the tenant's entries unread and fail at the end: only this unit fails */
        log_error("%s: not backed up: no age recipients for tenant %s (see above)", u->prefix,
                  tenant);
        u->refused = 1;
    }
    return u;
}

static int add_file_data(pack_unit_t *u, const source_entry_t *e, source_read_fn rd, void *rctx,
                         char hex[65])
{
    util_sha256_t h;
    int64_t left = e->size, got = 0;

    if (util_sha256_init(&h) < 0)
        return -1;
    while (left > 0) {
        size_t want = left > 256 * 1024 ? 256 * 1024 : (size_t)left;
        ssize_t n = rd(rctx, u->iobuf, want);
        if (n < 0) {
            util_sha256_free(&h);
            return -1;
        }
        if (n == 0) {
            /* shrank while read: the tar header promised e->size bytes */
            log_warn("%s: %s/%s shrank while read (%lld of %lld bytes); archived padded with "
                     "zeros and marked \"changed\" in the index",
                     u->prefix, u->tenant, e->path, (long long)got, (long long)e->size);
            u->warnings++;
            memset(u->iobuf, 0, 256 * 1024);
            while (left > 0) {
                size_t z = left > 256 * 1024 ? 256 * 1024 : (size_t)left;
                /* the index's SHA-256 describes the archived bytes, zeros included */
                util_sha256_update(&h, u->iobuf, z);
                if (archive_write_data(u->ar, u->iobuf, z) < 0)
                    goto fail;
                left -= (int64_t)z;
            }
            util_sha256_final(&h, hex);
            return 1;
        }
        util_sha256_update(&h, u->iobuf, (size_t)n);
        if (archive_write_data(u->ar, u->iobuf, (size_t)n) != n)
            goto fail;
        got += n;
        left -= n;
        u->bytes_in += n;
    }
    util_sha256_final(&h, hex);
    /* grew while read? */
    {
        unsigned char extra[1];
        ssize_t n = rd(rctx, extra, 1);
        if (n > 0) {
            log_warn("%s: %s/%s grew while read; archived its first %lld bytes and marked "
                     "\"changed\" in the index",
                     u->prefix, u->tenant, e->path, (long long)e->size);
            u->warnings++;
            return 1;
        }
        if (n < 0)
            return -1;
    }
    return 0;
fail:
    if (!u->failed)
        log_error("%s: writing %s to tar: %s", u->key, e->path, archive_error_string(u->ar));
    util_sha256_free(&h);
    return -1;
}

int pack_unit_add(pack_unit_t *u, const source_entry_t *e, source_read_fn rd, void *rctx)
{
    struct archive_entry *ae = NULL;
    int64_t tar_off, data_off;
    int block, changed = 0;
    char hex[65] = "";
    json_t *row;

    if (u->failed)
        return -1;
    if (u->refused || !e->path[0])
        return 0; /* refused: skipped unread; "": the tenant's root directory, the unit itself */
    if (u->need_cut && volume_close(u, 0) < 0)
        return -1;
    if (!u->ar && volume_open(u) < 0) {
        u->failed = 1;
        return -1;
    }
    ae = archive_entry_new();
    if (!ae)
        goto fail;
    /* main() runs with a UTF-8 LC_CTYPE, so libarchive writes UTF-8 names
     * as they are and marks other byte strings hdrcharset=BINARY. */
    archive_entry_set_pathname(ae, e->path);
    archive_entry_set_mtime(ae, (time_t)e->mtime, 0);
    archive_entry_set_perm(ae, (mode_t)(e->mode & 07777));
    if (e->type == SOURCE_DIR) {
        archive_entry_set_filetype(ae, AE_IFDIR);
    } else if (e->type == SOURCE_SYMLINK) {
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e->linkname);
    } else {
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, e->size);
    }
    tar_off = u->tar_size;
    block = u->nblocks; /* the block being filled holds the header's first byte */
    if (archive_write_header(u->ar, ae) < ARCHIVE_WARN) {
        if (!u->failed)
            log_error("%s: tar header for %s: %s", u->key, e->path, archive_error_string(u->ar));
        goto fail;
    }
    data_off = u->tar_size;
    if (e->type == SOURCE_FILE) {
        int r = add_file_data(u, e, rd, rctx, hex);
        if (r < 0)
            goto fail;
        changed = r;
    }
    if (archive_write_finish_entry(u->ar) != ARCHIVE_OK)
        goto fail;
    row = json_pack("{s:s, s:I, s:I, s:i, s:I, s:I, s:i}", "type",
                    e->type == SOURCE_DIR       ? "dir"
                    : e->type == SOURCE_SYMLINK ? "symlink"
                                                : "file",
                    "size", (json_int_t)(e->type == SOURCE_FILE ? e->size : 0), "mtime",
                    (json_int_t)e->mtime, "mode", (int)(e->mode & 07777), "tar_offset",
                    (json_int_t)tar_off, "data_offset", (json_int_t)data_off, "block", block);
    /* names are bytes: index_name_set keeps any of them (docs/formats.md) */
    if (!row || index_name_set(row, "path", e->path) < 0 ||
        (e->type == SOURCE_SYMLINK && index_name_set(row, "link", e->linkname) < 0)) {
        json_decref(row);
        log_error("%s: out of memory indexing a name", u->prefix);
        goto fail;
    }
    if (e->type == SOURCE_FILE)
        json_object_set_new(row, "sha256", json_string(hex));
    if (changed)
        json_object_set_new(row, "changed", json_true());
    json_array_append_new(u->files_json, row);
    if (e->type == SOURCE_FILE)
        u->files++;
    if (u->tar_size >= u->pp.volume_size)
        u->need_cut = 1;
    archive_entry_free(ae);
    return 0;
fail:
    archive_entry_free(ae);
    u->failed = 1;
    return -1;
}

int pack_unit_finish(pack_unit_t *u)
{
    if (u->refused) {
        log_error("%s: unit failed: tenant %s has no age recipients", u->prefix, u->tenant);
        return -1;
    }
    if (u->failed)
        return -1;
    if (!u->ar && volume_open(u) < 0) {
        u->failed = 1;
        return -1;
    }
    return volume_close(u, 1);
}

void pack_unit_first_volume(pack_unit_t *u, int first)
{
    if (!u->ar && first > 1)
        u->volno = first - 1;
}

int pack_unit_warnings(const pack_unit_t *u)
{
    return u->warnings;
}

void pack_unit_free(pack_unit_t *u)
{
    struct block *b;

    if (!u)
        return;
    /* Close the tar writer first (failed: it submits nothing more), then wait
     * for blocks the workers still hold. */
    u->failed = 1;
    if (u->ar)
        archive_write_free(u->ar);
    u->ar = NULL;
    if (u->head)
        drain(u, 1, 1);
    store_put_abort(u->put);
    json_decref(u->files_json);
    json_decref(u->blocks_json);
    util_sha256_free(&u->sha);
    if (u->enc)
        util_sha256_free(&u->plain);
    age_enc_free(u->enc);
    free(u->rcpt);
    if (u->cur) {
        u->cur->next = u->free_list;
        u->free_list = u->cur;
    }
    while ((b = u->free_list)) {
        u->free_list = b->next;
        free(b->in);
        free(b->out);
        free(b);
    }
    pthread_mutex_destroy(&u->mu);
    pthread_cond_destroy(&u->cv);
    free(u->date);
    free(u->source);
    free(u->tenant);
    free(u->prefix);
    free(u->key);
    free(u->index_key);
    free(u->files_list);
    free(u->iobuf);
    free(u);
}
