/*
 * test_restore.c — the restore pipeline (restore.h) against a real file
 * store and pool: a unit packed by pack.c comes back byte for byte through
 * restore_volume (parallel block decoding with the index, and libarchive's
 * filters without it), including directory mtimes after restore_finish; a
 * flipped byte gives RESTORE_CORRUPT with nothing extracted; a missing
 * object gives RESTORE_FAIL; restore_block_table accepts only tables that
 * tile the object within block_size (capped at RESTORE_MAX_BLOCK);
 * restore_index_matches applies the --path glob. Extraction goes into a
 * staging directory fd whose spool is created O_EXCL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "config.h"
#include "index.h"
#include "log.h"
#include "pack.h"
#include "pool.h"
#include "restore.h"
#include "store.h"
#include "util.h"

#define NFILES 5
#define FSIZE  (150 * 1000)

struct fx {
    char root[64];
    config_t cfg;
    store_t *s;
    pool_t *pool;
    pack_volume_t v;
    char *key, *index_key;
    unsigned char *data[NFILES];
};

static int on_volume(void *ctx, const pack_volume_t *v)
{
    struct fx *f = ctx;

    f->v = *v;
    f->key = strdup(v->key);
    f->index_key = strdup(v->index_key);
    return 0;
}

struct reader {
    const unsigned char *p;
    size_t left;
};

static ssize_t rd(void *ctx, void *buf, size_t len)
{
    struct reader *r = ctx;

    if (len > r->left)
        len = r->left;
    memcpy(buf, r->p, len);
    r->p += len;
    r->left -= len;
    return (ssize_t)len;
}

/* A file store under /tmp with one unit of tenant "t": dir "d", NFILES files. */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char url[128], path[32];
    pack_params_t pp = {0};
    pack_unit_t *u;

    if (!f)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/test_restore_XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    snprintf(url, sizeof url, "file://%s/store", f->root);
    f->cfg.store.url = strdup(url);
    f->cfg.store.storage_class = strdup("STANDARD");
    f->s = store_open(&f->cfg);
    f->pool = pool_new(3);
    if (!f->s || !f->pool)
        return -1;
    log_set_level(LOG_ERROR);
    pp = (pack_params_t){f->s, f->pool, CODEC_GZIP, 3, 1LL << 30, 64 * 1024, 3, "r1", NULL};
    u = pack_unit_new(&pp, "2026-11-23", "s", "t", on_volume, f);
    source_entry_t d = {"t", "d", SOURCE_DIR, 0, 1763856000, 0755, NULL};
    if (!u || pack_unit_add(u, &d, NULL, NULL) < 0)
        return -1;
    for (int i = 0; i < NFILES; i++) {
        f->data[i] = malloc(FSIZE);
        for (size_t k = 0; k < FSIZE; k++)
            f->data[i][k] = (unsigned char)((k * 7 + (size_t)i * 13) % 251);
        snprintf(path, sizeof path, "d/f%d.log", i);
        source_entry_t e = {"t", path, SOURCE_FILE, FSIZE, 1763856000 + i, 0640, NULL};
        struct reader r = {f->data[i], FSIZE};
        if (pack_unit_add(u, &e, rd, &r) < 0)
            return -1;
    }
    if (pack_unit_finish(u) < 0)
        return -1;
    pack_unit_free(u);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    pool_free(f->pool);
    store_free(f->s);
    free(f->cfg.store.url);
    free(f->cfg.store.storage_class);
    free(f->key);
    free(f->index_key);
    for (int i = 0; i < NFILES; i++)
        free(f->data[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *b = malloc(FSIZE + 1);

    assert_non_null(fp);
    *n = fread(b, 1, FSIZE + 1, fp);
    fclose(fp);
    return b;
}

/* Restore the unit into root/<dir> (with or without the index) and compare. */
static void roundtrip(struct fx *f, const char *dir, int with_index, pool_t *pool)
{
    json_t *idx = with_index ? index_load(f->s, f->index_key) : NULL;
    char *stage = util_asprintf("%s/%s", f->root, dir);
    char *dest = util_asprintf("%s/tree", stage);
    char *spool = util_asprintf("%s/spool", stage);
    int sfd = (mkdir(stage, 0700), open(stage, O_RDONLY | O_DIRECTORY));
    restore_t *r = restore_new(&(restore_params_t){f->s, pool, sfd, NULL, 0, NULL, 0});
    restore_volume_t v = {f->key, f->v.sha256, f->v.size, idx, "tree"};
    restore_stats_t st;
    struct stat sb;

    assert_true(sfd >= 0);
    assert_non_null(r);
    assert_null(
        restore_new(&(restore_params_t){f->s, pool, sfd, NULL, 0, NULL, 0})); /* spool exists */
    assert_true(!with_index || idx);
    assert_int_equal(restore_volume(r, &v, &st), RESTORE_OK);
    assert_int_equal(st.extracted, NFILES + 1);
    assert_int_equal(st.refused, 0);
    restore_finish(r, &st);
    assert_int_equal(st.refused, 0);
    for (int i = 0; i < NFILES; i++) {
        char *p = util_asprintf("%s/d/f%d.log", dest, i);
        size_t n;
        unsigned char *b = slurp(p, &n);
        assert_int_equal(n, FSIZE);
        assert_memory_equal(b, f->data[i], FSIZE);
        assert_int_equal(stat(p, &sb), 0);
        assert_int_equal(sb.st_mtime, 1763856000 + i);
        assert_int_equal(sb.st_mode & 07777, 0640);
        free(b);
        free(p);
    }
    char *d = util_asprintf("%s/d", dest);
    assert_int_equal(stat(d, &sb), 0);
    assert_int_equal(sb.st_mtime, 1763856000); /* set after its files were written */
    free(d);
    restore_free(r);
    assert_int_not_equal(access(spool, F_OK), 0); /* the spool is gone */
    close(sfd);
    json_decref(idx);
    free(stage);
    free(dest);
    free(spool);
}

static void test_roundtrip(void **state)
{
    struct fx *f = *state;

    roundtrip(f, "par", 1, f->pool);   /* blocks on the pool */
    roundtrip(f, "plain", 0, f->pool); /* libarchive's filters */
    roundtrip(f, "nopool", 1, NULL);
}

static void test_corrupt_and_missing(void **state)
{
    struct fx *f = *state;
    json_t *idx = index_load(f->s, f->index_key);
    char *obj = util_asprintf("%s/store/%s", f->root, f->key);
    char *stage = util_asprintf("%s/bad", f->root);
    char *dest = util_asprintf("%s/bad/tree", f->root);
    int sfd = (mkdir(stage, 0700), open(stage, O_RDONLY | O_DIRECTORY));
    restore_t *r = restore_new(&(restore_params_t){f->s, f->pool, sfd, NULL, 0, NULL, 0});
    restore_volume_t v = {f->key, f->v.sha256, f->v.size, idx, "tree"};
    restore_stats_t st;
    FILE *fp = fopen(obj, "r+b");
    int c;

    assert_non_null(fp);
    fseek(fp, f->v.size / 2, SEEK_SET);
    c = fgetc(fp);
    fseek(fp, f->v.size / 2, SEEK_SET);
    fputc(c ^ 0x10, fp);
    fclose(fp);
    assert_int_equal(restore_volume(r, &v, &st), RESTORE_CORRUPT);
    assert_int_not_equal(access(dest, F_OK), 0); /* nothing extracted */
    v.key = "tenant=t/date=2026-11-23/source=s/vol-0009.tar.gz";
    assert_int_equal(restore_volume(r, &v, &st), RESTORE_FAIL);
    v.dest = "../escape"; /* a destination must stay below the staging directory */
    assert_int_equal(restore_volume(r, &v, &st), RESTORE_FAIL);
    restore_free(r);
    close(sfd);
    json_decref(idx);
    free(obj);
    free(stage);
    free(dest);
}

static void test_block_table(void **state)
{
    json_t *idx =
        json_pack("{s:s, s:i, s:{s:i}, s:[[i,i,i,i],[i,i,i,i]], s:[{s:s},{s:s}]}", "compression",
                  "gzip", "block_size", 100, "object", "tar_size", 200, "blocks", 0, 100, 0, 40, 1,
                  100, 40, 60, "files", "path", "fw/a.log", "path", "x/b.json");
    restore_block_t *b;
    size_t n;
    int kind;

    (void)state;
    assert_non_null(idx);
    b = restore_block_table(idx, 100, &n, &kind);
    assert_non_null(b);
    assert_int_equal(n, 2);
    assert_int_equal(kind, CODEC_GZIP);
    assert_int_equal(b[1].coff, 40);
    assert_int_equal(b[1].clen, 60);
    free(b);
    assert_null(restore_block_table(idx, 101, &n, &kind)); /* does not tile */
    assert_null(restore_block_table(idx, 99, &n, &kind));
    assert_null(restore_block_table(NULL, 100, &n, &kind));
    /* a row claiming more than block_size, or a block_size over the cap */
    json_object_set_new(idx, "block_size", json_integer(99));
    assert_null(restore_block_table(idx, 100, &n, &kind));
    json_object_set_new(idx, "block_size", json_integer((json_int_t)RESTORE_MAX_BLOCK + 1));
    assert_null(restore_block_table(idx, 100, &n, &kind));
    json_object_set_new(idx, "block_size", json_integer(100));
    json_object_set_new(json_object_get(idx, "object"), "tar_size", json_integer(300));
    assert_null(restore_block_table(idx, 100, &n, &kind)); /* tar_size not accounted for */
    json_object_set_new(json_object_get(idx, "object"), "tar_size", json_integer(200));
    assert_non_null(b = restore_block_table(idx, 100, &n, &kind));
    free(b);
    json_array_set_new(json_array_get(json_object_get(idx, "blocks"), 1), 2, json_integer(41));
    assert_null(restore_block_table(idx, 100, &n, &kind)); /* a gap */
    json_object_set_new(idx, "compression", json_string("lz4"));
    assert_null(restore_block_table(idx, 100, &n, &kind)); /* unknown codec */

    assert_true(restore_index_matches(idx, "fw/*.log"));
    assert_true(restore_index_matches(idx, "**/*.json"));
    assert_false(restore_index_matches(idx, "*.log"));
    json_decref(idx);
}

/* --path matches a non-UTF-8 name on its raw bytes (path_b64), not on the
 * display form with U+FFFD */
static void test_index_matches_raw(void **state)
{
    json_t *idx = json_object(), *files = json_array(), *f = json_object();

    (void)state;
    assert_int_equal(index_name_set(f, "path", "d/bad\xff\xfe.log"), 0);
    assert_non_null(json_object_get(f, "path_b64"));
    json_array_append_new(files, f);
    json_object_set_new(idx, "files", files);
    assert_true(restore_index_matches(idx, "d/bad\xff*"));
    assert_true(restore_index_matches(idx, "d/bad??.log"));
    assert_false(restore_index_matches(idx, "d/bad\xef\xbf\xbd*")); /* U+FFFD: display only */
    json_decref(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_and_missing, setup, teardown),
        cmocka_unit_test(test_block_table),
        cmocka_unit_test(test_index_matches_raw),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
