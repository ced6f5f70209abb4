/*
 * test_store_file.c — the file:// store against the store.h contract:
 * streaming put + commit makes an object visible atomically (head: size,
 * SHA-256, class; get: whole and ranged), abort leaves nothing; cold classes
 * behave like S3 (GET refused until a restore completes, thaw_delay honoured);
 * list is prefix-filtered, lexical, and hides .coldpack; delete; cleanup of
 * temp files left by dead writers (and only those); invalid keys refused;
 * conditional put (if_none_match) gives STORE_EXISTS, also under a race;
 * files 0600 and directories 0700 whatever the umask.
 * Each test gets its own store root under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct fixture {
    char root[64];
    config_t cfg;
    store_t *s;
};

static store_t *open_store(struct fixture *f, int64_t thaw_delay)
{
    char url[128];

    store_free(f->s);
    snprintf(url, sizeof url, "file://%s", f->root);
    free(f->cfg.store.url);
    f->cfg.store.url = strdup(url);
    f->cfg.store.storage_class = (char *)(uintptr_t) "DEEP_ARCHIVE";
    f->cfg.store.thaw_delay = thaw_delay;
    f->s = store_open(&f->cfg);
    assert_non_null(f->s);
    return f->s;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/test_store_file_XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    log_set_level(LOG_ERROR);
    *state = f;
    open_store(f, 0);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    store_free(f->s);
    free(f->cfg.store.url);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int count_dir(const char *root, const char *sub)
{
    char path[256];
    DIR *d;
    struct dirent *de;
    int n = 0;

    snprintf(path, sizeof path, "%s/%s", root, sub);
    d = opendir(path);
    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int exists(const char *root, const char *rel)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    return lstat(path, &st) == 0;
}

struct buf {
    unsigned char *p;
    size_t n, cap;
    int calls;
    int stop_after;
};

static int sink(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;

    if (b->stop_after && b->calls >= b->stop_after)
        return -1;
    b->calls++;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return 0;
}

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n);

    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed + (i >> 9));
    return p;
}

/* Stream n bytes in uneven chunks and commit with their SHA-256. */
static int put_stream(store_t *s, const char *key, const unsigned char *data, size_t n,
                      const store_put_opts_t *o, char hex[65])
{
    store_put_t *p = NULL;
    size_t off = 0, chunk = 1;

    util_sha256_buf(data, n, hex);
    assert_int_equal(store_put_open(s, key, o, &p), 0);
    assert_non_null(p);
    while (off < n) {
        size_t k = chunk < n - off ? chunk : n - off;
        assert_int_equal(store_put_write(p, data + off, k), 0);
        off += k;
        chunk = chunk * 3 + 7;
    }
    return store_put_commit(p, hex);
}

static void test_put_head_get(void **state)
{
    struct fixture *f = *state;
    store_put_opts_t hot = {"STANDARD", NULL, 0, -1};
    size_t n = 3 * 1024 * 1024 + 17;
    unsigned char *data = pattern(n, 1);
    store_put_t *p = NULL;
    store_info_t info;
    struct buf b = {0};
    char hex[65];
    const char *key = "tenant=acme/date=2026-11-23/source=siem-01/vol-0001.tar.gz";

    /* while an upload is open nothing is visible under the key */
    assert_int_equal(store_put_open(f->s, key, &hot, &p), 0);
    assert_int_equal(store_put_write(p, data, 1000), 0);
    assert_int_equal(store_head(f->s, key, &info), STORE_NOTFOUND);
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 1);
    store_put_abort(p);

    assert_int_equal(put_stream(f->s, key, data, n, &hot, hex), 0);
    assert_int_equal(store_head(f->s, key, &info), 0);
    assert_int_equal(info.size, (int64_t)n);
    assert_string_equal(info.sha256, hex);
    assert_string_equal(info.storage_class, "STANDARD");
    assert_int_equal(info.cold, 0);
    assert_int_equal(info.thaw, STORE_THAW_READY);
    assert_true(info.mtime > 0);
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 0);

    /* whole */
    assert_int_equal(store_get(f->s, key, 0, -1, sink, &b), 0);
    assert_int_equal(b.n, n);
    assert_memory_equal(b.p, data, n);
    assert_true(b.calls >= 3); /* streamed in chunks, not one buffer */
    /* ranged: inside, across a chunk boundary, to the end, past the end */
    b.n = 0;
    assert_int_equal(store_get(f->s, key, 12345, 100, sink, &b), 0);
    assert_int_equal(b.n, 100);
    assert_memory_equal(b.p, data + 12345, 100);
    b.n = 0;
    assert_int_equal(store_get(f->s, key, (1 << 20) - 10, (1 << 20) + 20, sink, &b), 0);
    assert_int_equal(b.n, (1 << 20) + 20);
    assert_memory_equal(b.p, data + (1 << 20) - 10, (1 << 20) + 20);
    b.n = 0;
    assert_int_equal(store_get(f->s, key, (int64_t)n - 5, -1, sink, &b), 0);
    assert_int_equal(b.n, 5);
    assert_memory_equal(b.p, data + n - 5, 5);
    b.n = 0;
    assert_int_equal(store_get(f->s, key, (int64_t)n - 5, 1000, sink, &b), 0);
    assert_int_equal(b.n, 5);
    b.n = 0;
    assert_int_equal(store_get(f->s, key, (int64_t)n + 100, -1, sink, &b), 0);
    assert_int_equal(b.n, 0);
    /* a sink that stops makes get fail */
    b.n = 0;
    b.calls = 0;
    b.stop_after = 1;
    assert_int_equal(store_get(f->s, key, 0, -1, sink, &b), STORE_ERR);
    assert_int_equal(b.n, 1 << 20);
    /* missing keys */
    assert_int_equal(store_head(f->s, "tenant=acme/nope", &info), STORE_NOTFOUND);
    assert_int_equal(store_get(f->s, "tenant=acme/nope", 0, -1, sink, &b), STORE_NOTFOUND);

    /* overwrite replaces data and metadata */
    assert_int_equal(put_stream(f->s, key, data + 1, 99, &hot, hex), 0);
    assert_int_equal(store_head(f->s, key, &info), 0);
    assert_int_equal(info.size, 99);
    assert_string_equal(info.sha256, hex);

    free(b.p);
    free(data);
}

static void test_put_buf_get_buf(void **state)
{
    struct fixture *f = *state;
    store_put_opts_t hot = {"STANDARD", "application/json", 0, -1};
    unsigned char *out = NULL;
    size_t outn = 0;
    store_info_t info;
    char hex[65];
    const char *doc = "{\"format\":\"coldpack-index-1\"}";

    assert_int_equal(store_put_buf(f->s, "runs/2026-11-23/r1.json", doc, strlen(doc), &hot), 0);
    util_sha256_buf(doc, strlen(doc), hex);
    assert_int_equal(store_head(f->s, "runs/2026-11-23/r1.json", &info), 0);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(store_get_buf(f->s, "runs/2026-11-23/r1.json", 1 << 20, &out, &outn), 0);
    assert_int_equal(outn, strlen(doc));
    assert_string_equal((char *)out, doc); /* NUL-terminated */
    free(out);
    out = NULL;
    /* more than max is refused */
    assert_true(store_get_buf(f->s, "runs/2026-11-23/r1.json", 10, &out, &outn) < 0);
    assert_null(out);
    /* an empty object */
    assert_int_equal(store_put_buf(f->s, "empty", "", 0, &hot), 0);
    assert_int_equal(store_get_buf(f->s, "empty", 10, &out, &outn), 0);
    assert_int_equal(outn, 0);
    assert_non_null(out);
    free(out);
}

static void test_put_abort(void **state)
{
    struct fixture *f = *state;
    store_put_t *p = NULL;
    store_info_t info;
    unsigned char *data = pattern(100000, 2);

    assert_int_equal(store_put_open(f->s, "a/b/c.tar.gz", NULL, &p), 0);
    assert_int_equal(store_put_write(p, data, 100000), 0);
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 1);
    store_put_abort(p);
    assert_int_equal(store_head(f->s, "a/b/c.tar.gz", &info), STORE_NOTFOUND);
    assert_false(exists(f->root, "a/b/c.tar.gz"));
    assert_false(exists(f->root, ".coldpack/meta/a/b/c.tar.gz.json"));
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 0);
    store_put_abort(NULL); /* no-op */
    free(data);
}

static void test_cold_object(void **state)
{
    struct fixture *f = *state;
    const char *key = "tenant=acme/date=2026-11-23/source=s/vol-0001.tar.gz";
    unsigned char *data = pattern(5000, 3);
    store_info_t info;
    struct buf b = {0};
    char hex[65];

    /* the store's default class is DEEP_ARCHIVE */
    assert_int_equal(put_stream(f->s, key, data, 5000, NULL, hex), 0);
    assert_int_equal(store_head(f->s, key, &info), 0);
    assert_string_equal(info.storage_class, "DEEP_ARCHIVE");
    assert_int_equal(info.cold, 1);
    assert_int_equal(info.thaw, STORE_THAW_NONE);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(store_get(f->s, key, 0, -1, sink, &b), STORE_COLD);
    assert_int_equal(store_get(f->s, key, 10, 10, sink, &b), STORE_COLD);
    assert_int_equal(b.n, 0);

    /* thaw_delay 0: readable as soon as the restore is requested */
    assert_int_equal(store_restore(f->s, key, 3, "Bulk"), 0);
    assert_int_equal(store_head(f->s, key, &info), 0);
    assert_int_equal(info.cold, 1);
    assert_int_equal(info.thaw, STORE_THAW_READY);
    assert_int_equal(store_get(f->s, key, 0, -1, sink, &b), 0);
    assert_int_equal(b.n, 5000);
    assert_memory_equal(b.p, data, 5000);
    /* head's sha256 still the object's after the restore rewrote metadata */
    assert_string_equal(info.sha256, hex);

    /* GLACIER is cold too; STANDARD_IA is not */
    assert_int_equal(
        put_stream(f->s, "g", data, 10, &(store_put_opts_t){"GLACIER", NULL, 0, -1}, hex), 0);
    assert_int_equal(store_get(f->s, "g", 0, -1, sink, &b), STORE_COLD);
    assert_int_equal(
        put_stream(f->s, "ia", data, 10, &(store_put_opts_t){"STANDARD_IA", NULL, 0, -1}, hex), 0);
    b.n = 0;
    assert_int_equal(store_get(f->s, "ia", 0, -1, sink, &b), 0);
    assert_int_equal(b.n, 10);
    /* restoring a hot object is a no-op success */
    assert_int_equal(store_restore(f->s, "ia", 1, "Standard"), 0);
    assert_int_equal(store_restore(f->s, "missing", 1, "Standard"), STORE_NOTFOUND);
    assert_int_equal(store_class_is_cold("DEEP_ARCHIVE"), 1);
    assert_int_equal(store_class_is_cold("GLACIER"), 1);
    assert_int_equal(store_class_is_cold("GLACIER_IR"), 0);
    assert_int_equal(store_class_is_cold("STANDARD"), 0);
    assert_int_equal(store_class_is_cold(NULL), 0);
    free(b.p);
    free(data);
}

static void test_thaw_delay_pending(void **state)
{
    struct fixture *f = *state;
    const char *key = "tenant=t/date=2026-11-23/source=s/vol-0001.tar.gz";
    unsigned char *data = pattern(4096, 4);
    store_info_t info;
    struct buf b = {0};
    char hex[65];
    store_t *s = open_store(f, 3600);

    assert_int_equal(put_stream(s, key, data, 4096, NULL, hex), 0);
    assert_int_equal(store_get(s, key, 0, -1, sink, &b), STORE_COLD);
    assert_int_equal(store_restore(s, key, 1, "Bulk"), 0);
    assert_int_equal(store_head(s, key, &info), 0);
    assert_int_equal(info.thaw, STORE_THAW_PENDING);
    assert_int_equal(store_get(s, key, 0, -1, sink, &b), STORE_COLD);
    /* asking again while in progress is success and stays pending */
    assert_int_equal(store_restore(s, key, 1, "Bulk"), 0);
    assert_int_equal(store_head(s, key, &info), 0);
    assert_int_equal(info.thaw, STORE_THAW_PENDING);
    assert_int_equal(b.n, 0);

    /* the same store directory opened with thaw_delay 0 sees it restored:
     * the request time is kept in the object's metadata */
    s = open_store(f, 0);
    assert_int_equal(store_head(s, key, &info), 0);
    assert_int_equal(info.thaw, STORE_THAW_READY);
    assert_int_equal(store_get(s, key, 0, -1, sink, &b), 0);
    assert_int_equal(b.n, 4096);
    free(b.p);
    free(data);
}

struct keys {
    char k[32][128];
    int64_t size[32];
    int n;
    int stop_at;
};

static int list_fn(void *ctx, const char *key, int64_t size)
{
    struct keys *ks = ctx;

    assert_true(ks->n < 32);
    snprintf(ks->k[ks->n], sizeof ks->k[0], "%s", key);
    ks->size[ks->n++] = size;
    return ks->stop_at && ks->n >= ks->stop_at ? 1 : 0;
}

static void test_list(void **state)
{
    struct fixture *f = *state;
    static const char *const put_order[] = {"b/2", "a/2", "a/10", "ab", "a/1", "a/x/deep/k", "a-"};
    static const char *const all[] = {"a-", "a/1", "a/10", "a/2", "a/x/deep/k", "ab", "b/2"};
    store_put_opts_t hot = {"STANDARD", NULL, 0, -1};
    struct keys ks;
    store_put_t *p = NULL;

    for (size_t i = 0; i < sizeof put_order / sizeof put_order[0]; i++)
        assert_int_equal(store_put_buf(f->s, put_order[i], "0123456789", i + 1, &hot), 0);
    /* an upload in progress is not listed */
    assert_int_equal(store_put_open(f->s, "a/3", NULL, &p), 0);

    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, "", list_fn, &ks), 0);
    assert_int_equal(ks.n, 7); /* nothing from .coldpack */
    for (int i = 0; i < 7; i++)
        assert_string_equal(ks.k[i], all[i]);
    assert_int_equal(ks.size[0], 7); /* "a-" was put 7th with 7 bytes */
    assert_int_equal(ks.size[6], 1); /* "b/2" first, 1 byte */

    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, "a/", list_fn, &ks), 0);
    assert_int_equal(ks.n, 4);
    assert_string_equal(ks.k[0], "a/1");
    assert_string_equal(ks.k[1], "a/10");
    assert_string_equal(ks.k[2], "a/2");
    assert_string_equal(ks.k[3], "a/x/deep/k");

    /* a prefix is a string prefix, not a directory */
    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, "a/1", list_fn, &ks), 0);
    assert_int_equal(ks.n, 2);
    assert_string_equal(ks.k[0], "a/1");
    assert_string_equal(ks.k[1], "a/10");
    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, "a", list_fn, &ks), 0);
    assert_int_equal(ks.n, 6);
    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, "zzz/", list_fn, &ks), 0);
    assert_int_equal(ks.n, 0);
    memset(&ks, 0, sizeof ks);
    assert_int_equal(store_list(f->s, ".coldpack", list_fn, &ks), 0);
    assert_int_equal(ks.n, 0);
    /* the callback stops the listing */
    memset(&ks, 0, sizeof ks);
    ks.stop_at = 2;
    assert_int_equal(store_list(f->s, "", list_fn, &ks), 0);
    assert_int_equal(ks.n, 2);
    store_put_abort(p);
}

static void test_delete(void **state)
{
    struct fixture *f = *state;
    store_put_opts_t hot = {"STANDARD", NULL, 0, -1};
    store_info_t info;

    assert_int_equal(store_put_buf(f->s, "x/y/z", "abc", 3, &hot), 0);
    assert_true(exists(f->root, ".coldpack/meta/x/y/z.json"));
    assert_int_equal(store_del(f->s, "x/y/z"), 0);
    assert_int_equal(store_head(f->s, "x/y/z", &info), STORE_NOTFOUND);
    assert_false(exists(f->root, "x/y/z"));
    assert_false(exists(f->root, ".coldpack/meta/x/y/z.json"));
    assert_int_equal(store_del(f->s, "x/y/z"), STORE_NOTFOUND);
    assert_int_equal(store_del(f->s, "../etc/passwd"), STORE_NOTFOUND);
    /* a new object under the same key starts with fresh metadata */
    assert_int_equal(store_put_buf(f->s, "x/y/z", "abcd", 4, NULL), 0);
    assert_int_equal(store_head(f->s, "x/y/z", &info), 0);
    assert_string_equal(info.storage_class, "DEEP_ARCHIVE");
    assert_int_equal(info.thaw, STORE_THAW_NONE);
}

static void touch(const char *path)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs("partial upload", fp);
    fclose(fp);
}

static void test_cleanup(void **state)
{
    struct fixture *f = *state;
    char dead_tmp[256], live_tmp[256], own_tmp[256], other[256];
    pid_t dead, live;
    int st;

    /* a pid that has exited (reaped, so not running) */
    dead = fork();
    assert_true(dead >= 0);
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, &st, 0), dead);
    /* a pid that is running */
    live = fork();
    assert_true(live >= 0);
    if (live == 0) {
        pause();
        _exit(0);
    }
    assert_true(kill(dead, 0) < 0 && errno == ESRCH);

    snprintf(dead_tmp, sizeof dead_tmp, "%s/.coldpack/tmp/%d.1.tmp", f->root, (int)dead);
    snprintf(live_tmp, sizeof live_tmp, "%s/.coldpack/tmp/%d.1.tmp", f->root, (int)live);
    snprintf(own_tmp, sizeof own_tmp, "%s/.coldpack/tmp/%d.999.tmp", f->root, (int)getpid());
    snprintf(other, sizeof other, "%s/.coldpack/tmp/README", f->root);
    touch(dead_tmp);
    touch(live_tmp);
    touch(own_tmp);
    touch(other);

    assert_int_equal(store_cleanup(f->s), 0);
    assert_int_equal(access(dead_tmp, F_OK), -1);
    assert_int_equal(access(live_tmp, F_OK), 0);
    assert_int_equal(access(own_tmp, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);

    kill(live, SIGKILL);
    waitpid(live, &st, 0);
    /* once the writer is gone its temp file goes too */
    assert_int_equal(store_cleanup(f->s), 0);
    assert_int_equal(access(live_tmp, F_OK), -1);
    unlink(own_tmp);
    unlink(other);
}

static void test_invalid_keys(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {"../x",   "/abs",        "a//b",      ".coldpack/x",
                                      "a/../b", "a/./b",       ".",         "..",
                                      "",       "x/.coldpack", ".coldpack", "tenant=a/../../etc"};
    store_info_t info;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        store_put_t *p = NULL;
        if (store_put_open(f->s, bad[i], NULL, &p) != STORE_ERR)
            fail_msg("key \"%s\" accepted by put_open", bad[i]);
        assert_null(p);
        assert_int_equal(store_head(f->s, bad[i], &info), STORE_NOTFOUND);
        assert_int_equal(store_del(f->s, bad[i]), STORE_NOTFOUND);
    }
    /* nothing was created outside the store or in it */
    assert_int_equal(count_dir(f->root, ""), 1); /* only .coldpack */
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 0);
    /* dots inside a name are fine */
    assert_int_equal(store_put_buf(f->s, "a/..b/.c/x..y", "1", 1, NULL), 0);
    assert_int_equal(store_head(f->s, "a/..b/.c/x..y", &info), 0);
}

/* A key ending in '/' names no object: refused up front, not half-written
 * (today put_open accepts "a/", commit then fails after writing metadata). */
static void test_trailing_slash_key(void **state)
{
    struct fixture *f = *state;
    store_put_t *p = NULL;
    int rc = store_put_open(f->s, "tenant=a/", NULL, &p);

    if (rc == 0) {
        store_put_write(p, "x", 1);
        rc = store_put_commit(p, NULL);
        fail_msg("key \"tenant=a/\" accepted by put_open (commit: %d, meta dir entries: %d)", rc,
                 count_dir(f->root, ".coldpack/meta"));
    }
    assert_int_equal(rc, STORE_ERR);
}

static void test_if_none_match(void **state)
{
    struct fixture *f = *state;
    store_put_opts_t cond = {"STANDARD", NULL, 1, -1};
    store_info_t info;
    unsigned char *out = NULL;
    size_t outn;
    char hex[65];

    assert_int_equal(store_put_buf(f->s, "claims/2026-11-23/siem-01", "worker-1", 8, &cond), 0);
    assert_int_equal(store_put_buf(f->s, "claims/2026-11-23/siem-01", "worker-2", 8, &cond),
                     STORE_EXISTS);
    /* the first writer's object and metadata are untouched */
    assert_int_equal(store_get_buf(f->s, "claims/2026-11-23/siem-01", 100, &out, &outn), 0);
    assert_int_equal(outn, 8);
    assert_memory_equal(out, "worker-1", 8);
    free(out);
    util_sha256_buf("worker-1", 8, hex);
    assert_int_equal(store_head(f->s, "claims/2026-11-23/siem-01", &info), 0);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(count_dir(f->root, ".coldpack/tmp"), 0);
    /* an unconditional put still overwrites */
    assert_int_equal(store_put_buf(f->s, "claims/2026-11-23/siem-01", "worker-3", 8, NULL), 0);
}

/* Conditional puts racing for one key: exactly one wins, and the winner's
 * bytes and metadata are what the store holds (shard workers claim units this
 * way). */
struct racer {
    store_t *s;
    const char *key;
    int id;
    pthread_barrier_t *bar;
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    store_put_opts_t cond = {"STANDARD", NULL, 1, -1};
    store_put_t *p = NULL;
    char body[32], hex[65];

    snprintf(body, sizeof body, "worker-%02d", r->id);
    util_sha256_buf(body, strlen(body), hex);
    r->rc = store_put_open(r->s, r->key, &cond, &p);
    if (r->rc == 0)
        r->rc = store_put_write(p, body, strlen(body));
    pthread_barrier_wait(r->bar);
    if (r->rc == 0)
        r->rc = store_put_commit(p, hex);
    else
        store_put_abort(p);
    return NULL;
}

static void test_if_none_match_race(void **state)
{
    struct fixture *f = *state;
    enum { N = 8, ROUNDS = 5 };
    int multiple_winners = 0, mismatched = 0;

    for (int round = 0; round < ROUNDS; round++) {
        pthread_t th[N];
        struct racer r[N];
        pthread_barrier_t bar;
        char key[64], hex[65];
        unsigned char *out = NULL;
        size_t outn;
        store_info_t info;
        int ok = 0, exists_rc = 0;

        snprintf(key, sizeof key, "claims/race-%d", round);
        pthread_barrier_init(&bar, NULL, N);
        for (int i = 0; i < N; i++) {
            r[i] = (struct racer){f->s, key, i, &bar, -100};
            assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
        }
        for (int i = 0; i < N; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&bar);
        for (int i = 0; i < N; i++) {
            ok += r[i].rc == 0;
            exists_rc += r[i].rc == STORE_EXISTS;
        }
        assert_int_equal(ok + exists_rc, N);
        if (ok != 1) {
            multiple_winners++;
            print_message("round %d: %d conditional puts of one key all succeeded\n", round, ok);
        }
        /* whatever happened, data and metadata must agree */
        assert_int_equal(store_get_buf(f->s, key, 100, &out, &outn), 0);
        util_sha256_buf(out, outn, hex);
        free(out);
        assert_int_equal(store_head(f->s, key, &info), 0);
        if (strcmp(info.sha256, hex) != 0) {
            print_message("round %d: object bytes (sha256 %s) and metadata (sha256 %s) are from "
                          "different writers\n",
                          round, hex, info.sha256);
            mismatched++;
        }
    }
    assert_int_equal(multiple_winners, 0);
    assert_int_equal(mismatched, 0);
}

/* head of a key that is a directory (a prefix of other keys) is "not found",
 * whatever errno held before the call. */
static void test_head_on_directory(void **state)
{
    struct fixture *f = *state;
    store_info_t info;

    assert_int_equal(store_put_buf(f->s, "tenant=a/date=2026-11-23/k", "1", 1, NULL), 0);
    errno = 0;
    assert_int_equal(store_head(f->s, "tenant=a", &info), STORE_NOTFOUND);
    errno = EIO;
    assert_int_equal(store_head(f->s, "tenant=a", &info), STORE_NOTFOUND);
}

/* Check mode of path (relative to root) is exactly want. */
static void assert_mode(const char *root, const char *rel, unsigned want)
{
    char path[1024];
    struct stat st;

    snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    assert_int_equal(lstat(path, &st), 0);
    if ((st.st_mode & 07777) != want)
        fail_msg("%s: mode %04o, want %04o", path, st.st_mode & 07777, want);
}

/* Whatever the umask, everything the store creates is owner-only; an
 * upload in progress too. */
static void test_private_modes(void **state)
{
    struct fixture *f = *state;
    static const unsigned masks[] = {0, 022, 0277};
    store_put_t *p = NULL;
    char root[96];
    mode_t old;

    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        old = umask(masks[i]);
        snprintf(root, sizeof root, "%s/u%zu/store", f->root, i);
        {
            char url[128];
            snprintf(url, sizeof url, "file://%s", root);
            free(f->cfg.store.url);
            f->cfg.store.url = strdup(url);
            store_free(f->s);
            f->s = store_open(&f->cfg);
            assert_non_null(f->s);
        }
        assert_int_equal(store_put_buf(f->s, "tenant=a/date=2026-11-23/k", "1", 1, NULL), 0);
        assert_int_equal(store_put_open(f->s, "tenant=a/date=2026-11-23/open", NULL, &p), 0);
        umask(old);
        assert_mode(root, "", 0700);
        assert_mode(root, ".coldpack", 0700);
        assert_mode(root, ".coldpack/tmp", 0700);
        assert_mode(root, ".coldpack/meta", 0700);
        assert_mode(root, "tenant=a", 0700);
        assert_mode(root, "tenant=a/date=2026-11-23", 0700);
        assert_mode(root, "tenant=a/date=2026-11-23/k", 0600);
        assert_mode(root, ".coldpack/meta/tenant=a/date=2026-11-23/k.json", 0600);
        {
            char tmp[320];
            DIR *d;
            struct dirent *de;
            int n = 0;
            snprintf(tmp, sizeof tmp, "%s/.coldpack/tmp", root);
            assert_non_null(d = opendir(tmp));
            while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                    snprintf(tmp, sizeof tmp, ".coldpack/tmp/%s", de->d_name);
                    assert_mode(root, tmp, 0600);
                    n++;
                }
            closedir(d);
            assert_int_equal(n, 1);
        }
        store_put_abort(p);
        p = NULL;
    }
}

static void test_hand_placed_object(void **state)
{
    struct fixture *f = *state;
    char path[256];
    store_info_t info;
    struct buf b = {0};

    /* an object copied in by hand (no metadata) is STANDARD and readable */
    snprintf(path, sizeof path, "%s/manual.bin", f->root);
    touch(path);
    assert_int_equal(store_head(f->s, "manual.bin", &info), 0);
    assert_string_equal(info.storage_class, "STANDARD");
    assert_string_equal(info.sha256, "");
    assert_int_equal(info.size, 14);
    assert_int_equal(store_get(f->s, "manual.bin", 0, -1, sink, &b), 0);
    assert_int_equal(b.n, 14);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_head_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_buf_get_buf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cold_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thaw_delay_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleanup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_none_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hand_placed_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_on_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_none_match_race, setup, teardown),
        /* last: under UBSan, qsort(NULL, 0, ...) on an empty listing aborts the binary */
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
