/*
 * store_file.c — the embedded default store: a directory tree on a local (or
 * NFS) filesystem, addressed as file:///abs/dir.
 *
 *   <root>/<key>                           object bytes
 *   <root>/.coldpack/meta/<key>.json       {"sha256","storage_class","size",
 *                                           "restore_requested","restore_days"}
 *   <root>/.coldpack/tmp/<pid>.<n>.tmp     uploads in progress
 *
 * Writes are atomic: data goes to a temp file, is fsync'd, its metadata is
 * renamed into place, then the data is renamed over the key and the directory
 * fsync'd. A reader therefore never sees a partial object; after a crash the
 * temp file is left behind and `cleanup` removes temp files whose writer pid
 * is gone. An object without metadata (placed by hand) is taken as STANDARD.
 *
 * Cold semantics like S3: an object in GLACIER/DEEP_ARCHIVE can be read only
 * after `restore` was requested and `thaw_delay` seconds have passed; the
 * restored copy expires after the requested days.
 */
#include "store.h"

#include "config.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct fstore {
    store_t base;
    char *root;
    int64_t thaw_delay;
    atomic_uint counter;
} fstore_t;

struct store_put {
    store_t *store;
    char *key;
    char *tmp;
    char *storage_class;
    int fd;
    int if_none_match;
    int64_t size;
};

static int valid_key(const char *key)
{
    const char *p = key;

    if (!*key || *key == '/' || key[strlen(key) - 1] == '/' || strlen(key) > 1024)
        return 0;
    while (*p) {
        const char *seg = p;
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (n == 9 && !strncmp(seg, ".coldpack", 9))
            return 0;
        p += n;
        if (*p == '/')
            p++;
    }
    return 1;
}

static char *path_of(fstore_t *fs, const char *key)
{
    return util_asprintf("%s/%s", fs->root, key);
}

static char *meta_of(fstore_t *fs, const char *key)
{
    return util_asprintf("%s/.coldpack/meta/%s.json", fs->root, key);
}

static int mkdirs_for(const char *path)
{
    char buf[PATH_MAX];
    char *slash;

    if (strlen(path) >= sizeof buf)
        return -1;
    strcpy(buf, path);
    slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = 0;
    return util_mkdirs(buf, UTIL_DIR_MODE);
}

/* Write a small file atomically (tmp + fsync + rename). */
static int write_atomic(fstore_t *fs, const char *path, const char *data, size_t len)
{
    char *tmp = util_asprintf("%s/.coldpack/tmp/%d.%u.tmp", fs->root, (int)getpid(),
                              atomic_fetch_add(&fs->counter, 1));
    int fd = -1, rc = -1;

    if (!tmp)
        return -1;
    fd = util_open_private(tmp, O_WRONLY | O_TRUNC);
    if (fd < 0 || util_write_all(fd, data, len) < 0 || fsync(fd) < 0)
        goto out;
    if (close(fd) < 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (mkdirs_for(path) < 0 || rename(tmp, path) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        log_error("store %s: cannot write %s: %s", fs->base.url, path, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

static json_t *read_meta(fstore_t *fs, const char *key)
{
    char *mp = meta_of(fs, key);
    json_t *j = mp ? json_load_file(mp, 0, NULL) : NULL;

    free(mp);
    return j;
}

static int write_meta(fstore_t *fs, const char *key, json_t *j)
{
    char *mp = meta_of(fs, key);
    char *txt = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    int rc = (mp && txt) ? write_atomic(fs, mp, txt, strlen(txt)) : -1;

    free(mp);
    free(txt);
    return rc;
}

static int fs_put_open(store_t *s, const char *key, const store_put_opts_t *o, store_put_t **out)
{
    fstore_t *fs = (fstore_t *)s;
    store_put_t *p;

    if (!valid_key(key)) {
        log_error("store %s: invalid key \"%s\"", s->url, key);
        return STORE_ERR;
    }
    p = calloc(1, sizeof *p);
    if (!p)
        return STORE_ERR;
    p->store = s;
    p->fd = -1;
    p->key = strdup(key);
    p->storage_class = strdup(o && o->storage_class ? o->storage_class : s->storage_class);
    p->if_none_match = o && o->if_none_match;
    p->tmp = util_asprintf("%s/.coldpack/tmp/%d.%u.tmp", fs->root, (int)getpid(),
                           atomic_fetch_add(&fs->counter, 1));
    if (!p->key || !p->storage_class || !p->tmp)
        goto fail;
    p->fd = util_open_private(p->tmp, O_WRONLY | O_EXCL);
    if (p->fd < 0) {
        log_error("store %s: cannot create %s: %s", s->url, p->tmp, strerror(errno));
        goto fail;
    }
    *out = p;
    return 0;
fail:
    free(p->key);
    free(p->storage_class);
    free(p->tmp);
    free(p);
    return STORE_ERR;
}

static int fs_put_write(store_put_t *p, const void *data, size_t len)
{
    if (util_write_all(p->fd, data, len) < 0) {
        log_error("store %s: writing %s: %s", p->store->url, p->key, strerror(errno));
        return STORE_ERR;
    }
    p->size += (int64_t)len;
    return 0;
}

static void put_free(store_put_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    if (p->tmp)
        unlink(p->tmp);
    free(p->tmp);
    free(p->key);
    free(p->storage_class);
    free(p);
}

static int fs_put_commit(store_put_t *p, const char *sha256_hex)
{
    fstore_t *fs = (fstore_t *)p->store;
    char *path = path_of(fs, p->key);
    json_t *meta = NULL;
    int rc = STORE_ERR;
    struct stat st;

    if (!path)
        goto out;
    if (fsync(p->fd) < 0 || close(p->fd) < 0) {
        p->fd = -1;
        log_error("store %s: flushing %s: %s", fs->base.url, p->key, strerror(errno));
        goto out;
    }
    p->fd = -1;
    if (p->if_none_match && lstat(path, &st) == 0) {
        rc = STORE_EXISTS; /* cheap early answer; link() below is the real check */
        goto out;
    }
    meta = json_pack("{s:s, s:s, s:I, s:I, s:i}", "sha256", sha256_hex ? sha256_hex : "",
                     "storage_class", p->storage_class, "size", (json_int_t)p->size,
                     "restore_requested", (json_int_t)0, "restore_days", 0);
    if (!meta)
        goto out;
    /* Overwrites: metadata first, then the data, so the data never shows
     * with no metadata. Conditional puts: the data first (the link decides
     * the winner), then the winner's metadata, so a loser never overwrites
     * the winner's metadata. */
    if (!p->if_none_match && write_meta(fs, p->key, meta) < 0)
        goto out;
    if (mkdirs_for(path) < 0) {
        log_error("store %s: cannot create %s: %s", fs->base.url, path, strerror(errno));
        goto out;
    }
    if (p->if_none_match) {
        /* link() fails if the key exists: an atomic create-if-absent, so two
         * writers racing for one key cannot both succeed. */
        if (link(p->tmp, path) < 0) {
            if (errno == EEXIST) {
                rc = STORE_EXISTS;
            } else {
                log_error("store %s: cannot create %s: %s", fs->base.url, path, strerror(errno));
            }
            goto out;
        }
        if (write_meta(fs, p->key, meta) < 0) {
            unlink(path);
            goto out;
        }
    } else if (rename(p->tmp, path) < 0) {
        log_error("store %s: cannot create %s: %s", fs->base.url, path, strerror(errno));
        goto out;
    }
    if (!p->if_none_match) {
        free(p->tmp);
        p->tmp = NULL;
    }
    util_fsync_dir_of(path);
    rc = 0;
out:
    json_decref(meta);
    free(path);
    put_free(p);
    return rc;
}

static void fs_put_abort(store_put_t *p)
{
    if (p)
        put_free(p);
}

static int fs_head(store_t *s, const char *key, store_info_t *out)
{
    fstore_t *fs = (fstore_t *)s;
    char *path;
    struct stat st;
    json_t *meta;
    const char *cls = "STANDARD", *sha = "";
    int64_t req = 0, days = 0;

    memset(out, 0, sizeof *out);
    if (!valid_key(key))
        return STORE_NOTFOUND;
    path = path_of(fs, key);
    if (!path)
        return STORE_ERR;
    if (stat(path, &st) < 0) {
        int e = errno;
        free(path);
        if (e == ENOENT || e == ENOTDIR)
            return STORE_NOTFOUND;
        log_error("store %s: %s: %s", s->url, key, strerror(e));
        return STORE_ERR;
    }
    if (!S_ISREG(st.st_mode)) {
        free(path);
        return STORE_NOTFOUND; /* a "directory" of keys is no object */
    }
    free(path);
    meta = read_meta(fs, key);
    if (meta) {
        json_t *v;
        if ((v = json_object_get(meta, "storage_class")) && json_is_string(v))
            cls = json_string_value(v);
        if ((v = json_object_get(meta, "sha256")) && json_is_string(v))
            sha = json_string_value(v);
        req = json_integer_value(json_object_get(meta, "restore_requested"));
        days = json_integer_value(json_object_get(meta, "restore_days"));
    }
    out->size = st.st_size;
    out->mtime = st.st_mtime;
    snprintf(out->sha256, sizeof out->sha256, "%s", sha);
    snprintf(out->storage_class, sizeof out->storage_class, "%s", cls);
    out->cold = store_class_is_cold(cls);
    if (!out->cold) {
        out->thaw = STORE_THAW_READY;
    } else if (req == 0) {
        out->thaw = STORE_THAW_NONE;
    } else {
        int64_t now = (int64_t)time(NULL);
        int64_t ready = req + fs->thaw_delay;
        if (now < ready)
            out->thaw = STORE_THAW_PENDING;
        else if (now < ready + days * 86400)
            out->thaw = STORE_THAW_READY;
        else
            out->thaw = STORE_THAW_NONE; /* restored copy expired */
    }
    json_decref(meta);
    return 0;
}

static int fs_get(store_t *s, const char *key, int64_t off, int64_t len, store_sink_fn sink,
                  void *ctx)
{
    fstore_t *fs = (fstore_t *)s;
    store_info_t info;
    char *path = NULL;
    unsigned char *buf = NULL;
    int fd = -1, rc;

    rc = fs_head(s, key, &info);
    if (rc < 0)
        return rc;
    if (info.thaw != STORE_THAW_READY) {
        log_debug("store %s: %s is in %s and not restored", s->url, key, info.storage_class);
        return STORE_COLD;
    }
    rc = STORE_ERR;
    path = path_of(fs, key);
    buf = malloc(1 << 20);
    if (!path || !buf)
        goto out;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_error("store %s: cannot open %s: %s", s->url, key, strerror(errno));
        goto out;
    }
    if (len < 0)
        len = info.size > off ? info.size - off : 0;
    while (len > 0) {
        size_t want = len > (1 << 20) ? (1 << 20) : (size_t)len;
        ssize_t n = pread(fd, buf, want, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_error("store %s: reading %s at offset %lld: %s", s->url, key, (long long)off,
                      strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (sink(ctx, buf, (size_t)n) < 0)
            goto out;
        off += n;
        len -= n;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    free(buf);
    return rc;
}

struct keylist {
    char **keys;
    size_t n, cap;
};

static int keylist_add(struct keylist *kl, const char *key)
{
    if (kl->n == kl->cap) {
        size_t cap = kl->cap ? kl->cap * 2 : 256;
        char **t = realloc(kl->keys, cap * sizeof *t);
        if (!t)
            return -1;
        kl->keys = t;
        kl->cap = cap;
    }
    if (!(kl->keys[kl->n] = strdup(key)))
        return -1;
    kl->n++;
    return 0;
}

static int walk(const char *root, const char *rel, const char *prefix, struct keylist *kl)
{
    char *dir = rel[0] ? util_asprintf("%s/%s", root, rel) : strdup(root);
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (!dir)
        return -1;
    d = opendir(dir);
    free(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    while ((de = readdir(d))) {
        char *key;
        size_t plen = strlen(prefix);
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (!rel[0] && !strcmp(de->d_name, ".coldpack"))
            continue;
        key = rel[0] ? util_asprintf("%s/%s", rel, de->d_name) : strdup(de->d_name);
        if (!key) {
            rc = -1;
            break;
        }
        if (de->d_type == DT_DIR) {
            /* descend only where the prefix can still match */
            size_t klen = strlen(key);
            if (strncmp(key, prefix, klen < plen ? klen : plen) == 0)
                rc = walk(root, key, prefix, kl);
        } else if (de->d_type == DT_REG && strncmp(key, prefix, plen) == 0) {
            rc = keylist_add(kl, key);
        }
        free(key);
        if (rc < 0)
            break;
    }
    closedir(d);
    return rc;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fs_list(store_t *s, const char *prefix, store_list_fn fn, void *ctx)
{
    fstore_t *fs = (fstore_t *)s;
    struct keylist kl = {0};
    int rc = 0;

    if (walk(fs->root, "", prefix ? prefix : "", &kl) < 0) {
        log_error("store %s: listing %s: %s", s->url, prefix, strerror(errno));
        rc = STORE_ERR;
        goto out;
    }
    if (kl.n)
        qsort(kl.keys, kl.n, sizeof *kl.keys, cmpstr);
    for (size_t i = 0; i < kl.n; i++) {
        struct stat st;
        char *path = path_of(fs, kl.keys[i]);
        int64_t size = (path && stat(path, &st) == 0) ? st.st_size : -1;
        free(path);
        if (fn(ctx, kl.keys[i], size) != 0)
            break;
    }
out:
    for (size_t i = 0; i < kl.n; i++)
        free(kl.keys[i]);
    free(kl.keys);
    return rc;
}

static int fs_del(store_t *s, const char *key)
{
    fstore_t *fs = (fstore_t *)s;
    char *path, *mp;
    int rc = 0;

    if (!valid_key(key))
        return STORE_NOTFOUND;
    path = path_of(fs, key);
    mp = meta_of(fs, key);
    if (!path || !mp) {
        rc = STORE_ERR;
    } else if (unlink(path) < 0) {
        if (errno == ENOENT) {
            rc = STORE_NOTFOUND;
        } else {
            log_error("store %s: cannot delete %s: %s", s->url, key, strerror(errno));
            rc = STORE_ERR;
        }
    }
    if (mp)
        unlink(mp);
    free(path);
    free(mp);
    return rc;
}

static int fs_restore(store_t *s, const char *key, int days, const char *tier)
{
    fstore_t *fs = (fstore_t *)s;
    store_info_t info;
    json_t *meta;
    int rc;

    (void)tier;
    rc = fs_head(s, key, &info);
    if (rc < 0)
        return rc;
    if (!info.cold || info.thaw == STORE_THAW_PENDING)
        return 0; /* hot, or RestoreAlreadyInProgress */
    meta = read_meta(fs, key);
    if (!meta)
        meta = json_object();
    json_object_set_new(meta, "restore_requested", json_integer((json_int_t)time(NULL)));
    json_object_set_new(meta, "restore_days", json_integer(days > 0 ? days : 1));
    rc = write_meta(fs, key, meta) < 0 ? STORE_ERR : 0;
    json_decref(meta);
    return rc;
}

static int fs_cleanup(store_t *s)
{
    fstore_t *fs = (fstore_t *)s;
    char *dir = util_asprintf("%s/.coldpack/tmp", fs->root);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *de;
    int removed = 0;

    if (!d) {
        free(dir);
        return 0;
    }
    while ((de = readdir(d))) {
        int pid = atoi(de->d_name);
        if (pid <= 0 || pid == (int)getpid())
            continue;
        if (kill(pid, 0) == 0 || errno == EPERM)
            continue; /* writer still alive */
        char *p = util_asprintf("%s/%s", dir, de->d_name);
        if (p && unlink(p) == 0)
            removed++;
        free(p);
    }
    closedir(d);
    free(dir);
    if (removed)
        log_info("store %s: removed %d incomplete upload(s) left by an interrupted run", s->url,
                 removed);
    return 0;
}

static void fs_free(store_t *s)
{
    fstore_t *fs = (fstore_t *)s;

    free(fs->root);
    free(s->url);
    free(s->storage_class);
    free(fs);
}

/* A directory needs no setup beyond what store_file_open does. */
static int fs_setup(store_t *s, const store_setup_opts_t *o)
{
    return STORE_OK;
}

/* What the metadata has: no versions, no retention locks (docs/audit.md). */
static int fs_audit_head(store_t *s, const char *key, store_audit_t *out)
{
    memset(out, 0, sizeof *out);
    return fs_head(s, key, &out->info);
}

static const struct store_ops fs_ops = {
    fs_put_open, fs_put_write, fs_put_commit, fs_put_abort, fs_head,  fs_get,        fs_list,
    fs_del,      fs_restore,   fs_cleanup,    fs_free,      fs_setup, fs_audit_head, NULL,
};

store_t *store_file_open(const config_t *cfg)
{
    fstore_t *fs = calloc(1, sizeof *fs);
    char *tmpdir = NULL, *metadir = NULL;
    size_t n;

    if (!fs)
        return NULL;
    fs->base.ops = &fs_ops;
    fs->base.url = strdup(cfg->store.url);
    fs->base.storage_class = strdup(cfg->store.storage_class);
    fs->root = strdup(cfg->store.url + 7);
    fs->thaw_delay = cfg->store.thaw_delay;
    if (!fs->base.url || !fs->base.storage_class || !fs->root)
        goto fail;
    n = strlen(fs->root);
    while (n > 1 && fs->root[n - 1] == '/')
        fs->root[--n] = 0;
    tmpdir = util_asprintf("%s/.coldpack/tmp", fs->root);
    metadir = util_asprintf("%s/.coldpack/meta", fs->root);
    if (!tmpdir || !metadir)
        goto fail;
    if (util_mkdirs(tmpdir, UTIL_DIR_MODE) < 0 || util_mkdirs(metadir, UTIL_DIR_MODE) < 0) {
        log_error("store %s: cannot create %s: %s", cfg->store.url, fs->root, strerror(errno));
        goto fail;
    }
    free(tmpdir);
    free(metadir);
    return &fs->base;
fail:
    free(tmpdir);
    free(metadir);
    fs_free(&fs->base);
    return NULL;
}
