/*
 * restore_extract.c — the extractor of restore.c (seams in restore_extract.h):
 * each entry is written by us, not by archive_write_disk: every parent is
 * opened with openat(O_NOFOLLOW | O_DIRECTORY) from the staging fd, files
 * are created O_EXCL | O_NOFOLLOW, hardlinks only to regular files already
 * extracted. Symlinks are only recorded; restore_extract_finish creates them
 * once every file exists, each after resolving its target against the tree
 * (links followed, up to 40 hops), and rechecks all of them until none leads
 * outside its volume's directory. A trusted index is held against each entry
 * (type, size, SHA-256 hashed while written). Split from restore.c so the
 * pipeline (fetch, verify, decode) and the filesystem side read separately.
 */
#include "restore_extract.h"

#include "array.h"
#include "index.h"
#include "log.h"
#include "pathsafe.h"
#include "strbuf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOPS 40 /* symlinks followed while resolving one target, as the kernel */

/* ---- safe extraction ---- */

/* Next component of *pp (skipping "." and empty ones): its start, length in
 * *len. NULL at the end. */
static const char *next_comp(const char **pp, size_t *len)
{
    const char *p = *pp, *c;

    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) {
            *pp = p;
            return NULL;
        }
        c = p;
        *len = strcspn(p, "/");
        p += *len;
        if (!(*len == 1 && c[0] == '.'))
            break;
    }
    *pp = p;
    return c;
}

/* path without "." and empty components, into sb; -1 if too long or
 * out of memory. */
static int clean_path(strbuf_t *sb, const char *path)
{
    const char *p = path, *c;
    size_t n;

    strbuf_reset(sb);
    while ((c = next_comp(&p, &n)))
        if ((sb->len && strbuf_add(sb, "/", 1) < 0) || strbuf_add(sb, c, n) < 0)
            return -1;
    return 0;
}

/* Open directory rel (a clean path, "" = dirfd itself) below dirfd, each
 * component with O_NOFOLLOW | O_DIRECTORY; with create, missing components
 * are made (0777 less the umask; an archived directory gets its own mode
 * in restore_finish). Returns a new fd, or -1 with errno (ELOOP or ENOTDIR: a
 * symlink or a file in the way). */
int restore_extract_open_dir(int dirfd, const char *rel, int create)
{
    const char *p = rel, *c;
    size_t n;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    while (fd >= 0 && (c = next_comp(&p, &n))) {
        char name[NAME_MAX + 1];
        int next, e;
        if (n > NAME_MAX || (n == 2 && c[0] == '.' && c[1] == '.')) {
            close(fd);
            errno = n > NAME_MAX ? ENAMETOOLONG : EINVAL;
            return -1;
        }
        memcpy(name, c, n);
        name[n] = 0;
        next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create && mkdirat(fd, name, 0777) == 0)
            next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        close(fd);
        fd = next;
        errno = e;
    }
    return fd;
}

/* Split the clean path into parent ("" at the top) and base. */
static const char *split_base(char *clean)
{
    char *slash = strrchr(clean, '/');

    if (!slash)
        return clean;
    *slash = 0;
    return slash + 1;
}

/* A name read from an archive or an index, printable (pathsafe_escape):
 * a malloc'd string, or a static one when out of memory; free with esc_free. */
static const char oom_name[] = "(out of memory)";

char *restore_extract_esc(const char *name)
{
    char *e = pathsafe_escape(name);
    return e ? e : (char *)(uintptr_t)oom_name;
}

void restore_extract_esc_free(char *e)
{
    if (e != oom_name)
        free(e);
}

void restore_extract_refuse(const char *key, const char *path, const char *why, restore_stats_t *st)
{
    char *e = restore_extract_esc(path);

    printf("REFUSED %s: entry \"%s\": %s\n", key, e, why);
    log_warn("restore: %s: refused entry \"%s\": %s", key, e, why);
    restore_extract_esc_free(e);
    st->refused++;
}

static mode_t final_mode(const restore_t *r, mode_t archived)
{
    return archived & 0777 & ~r->umask;
}

/* Copy the entry's data from a into fd; with h, hash it too (*hashed: the
 * bytes hashed so far, -1 once a block came out of order). 0, or -1 after
 * logging. */
static int copy_data(struct archive *a, int fd, const char *key, const char *path, util_sha256_t *h,
                     int64_t *hashed)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    int rv;

    while ((rv = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
        const char *p = buf;
        if (h && *hashed == off) { /* hashed as written, in order (a hole: mismatch) */
            util_sha256_update(h, buf, len);
            *hashed += (int64_t)len;
        } else if (h) {
            *hashed = -1;
        }
        while (len > 0) {
            ssize_t w = pwrite(fd, p, len, off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                char *e = restore_extract_esc(path);
                log_error("restore: writing \"%s\" of %s: %s", e, key, strerror(errno));
                restore_extract_esc_free(e);
                return -1;
            }
            p += w;
            len -= (size_t)w;
            off += w;
        }
    }
    if (rv != ARCHIVE_EOF) {
        char *e = restore_extract_esc(path), *m = restore_extract_esc(archive_error_string(a));
        log_error("object %s: damaged data in \"%s\": %s", key, e, m);
        restore_extract_esc_free(e);
        restore_extract_esc_free(m);
        return -1;
    }
    return 0;
}

/* Does the clean path go through a symlink entry of this volume (deferred,
 * so not on disk yet)? */
static int through_link(const restore_t *r, const char *dest, const char *clean)
{
    for (size_t i = 0; i < r->nlinks; i++) {
        size_t n = strlen(r->links[i].path);
        if (!strcmp(r->links[i].dest, dest) && !strncmp(clean, r->links[i].path, n) &&
            clean[n] == '/')
            return 1;
    }
    return 0;
}

static int defer_link(restore_t *r, const char *key, const char *dest, const char *clean,
                      const char *target)
{
    struct deflink *l;

    if (ARRAY_GROW(r->links, r->nlinks + 1, r->caplinks) < 0)
        return -1;
    l = &r->links[r->nlinks];
    l->dest = strdup(dest);
    l->path = strdup(clean);
    l->target = strdup(target);
    l->key = strdup(key);
    l->made = l->refused = 0;
    if (!l->dest || !l->path || !l->target || !l->key) {
        free(l->dest);
        free(l->path);
        free(l->target);
        free(l->key);
        return -1;
    }
    r->nlinks++;
    return 0;
}

int restore_extract_note_refused_link(restore_t *r, const restore_volume_t *v,
                                      struct archive_entry *e, const char *name)
{
    strbuf_t clean = STRBUF_INIT(PATH_MAX - 1);
    const char *t = archive_entry_symlink(e);
    int rc = 0;

    if (archive_entry_filetype(e) != AE_IFLNK || archive_entry_hardlink(e) ||
        !pathsafe_entry_ok(name))
        return 0; /* not a link, or its own name is refused: nothing can go through it */
    if (clean_path(&clean, name) == 0 && clean.len) {
        rc = defer_link(r, v->key, v->dest, clean.buf, t ? t : "");
        if (rc == 0)
            r->links[r->nlinks - 1].refused = 1;
        else
            log_error("restore: out of memory");
    }
    strbuf_release(&clean);
    return rc;
}

static int dir_add(restore_t *r, const char *dest, const char *clean, struct archive_entry *e)
{
    char *p = util_asprintf("%s/%s", dest, clean);

    if (!p || ARRAY_GROW(r->dirs, r->ndirs + 1, r->capdirs) < 0) {
        free(p);
        return -1;
    }
    r->dirs[r->ndirs++] =
        (struct dirmeta){p, (int64_t)archive_entry_mtime(e), archive_entry_perm(e),
                         archive_entry_uid(e), archive_entry_gid(e)};
    return 0;
}

/* Create (or replace, when a regular file of an earlier entry is there) the
 * regular file base in pfd and fill it. 1 written, 0 refused, -1 failure. */
static int write_file(restore_t *r, struct archive *a, struct archive_entry *e, int pfd,
                      const char *base, const restore_volume_t *v, const char *name,
                      const char *want_sha, restore_stats_t *st)
{
    const int oflags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = openat(pfd, base, oflags, 0600), rc = -1;
    util_sha256_t h = {NULL};
    int64_t hashed = 0;
    char got[65];
    struct stat sb;

    if (fd < 0 && errno == EEXIST && fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(sb.st_mode) && unlinkat(pfd, base, 0) == 0)
        fd = openat(pfd, base, oflags, 0600);
    if (fd < 0) {
        restore_extract_refuse(v->key, name,
                               errno == EEXIST ? "a directory is in the way" : strerror(errno), st);
        return 0;
    }
    if (want_sha && util_sha256_init(&h) < 0) {
        log_error("restore: out of memory");
        goto out;
    }
    if (archive_entry_size(e) > 0 &&
        copy_data(a, fd, v->key, name, want_sha ? &h : NULL, &hashed) < 0)
        goto out;
    if (want_sha) {
        util_sha256_final(&h, got);
        if (hashed != archive_entry_size(e) || strcmp(got, want_sha)) {
            unlinkat(pfd, base, 0);
            restore_extract_refuse(v->key, name,
                                   "content differs from the SHA-256 in the volume's index", st);
            rc = 0;
            goto out;
        }
    }
    if (ftruncate(fd, archive_entry_size(e)) < 0 ||
        (r->rp.same_owner &&
         fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0) ||
        fchmod(fd, final_mode(r, archive_entry_perm(e))) < 0) {
        char *en = restore_extract_esc(name);
        log_error("restore: %s: setting up \"%s\": %s", v->key, en, strerror(errno));
        restore_extract_esc_free(en);
        goto out;
    }
    struct timespec ts[2] = {{(time_t)archive_entry_mtime(e), 0},
                             {(time_t)archive_entry_mtime(e), 0}};
    futimens(fd, ts);
    rc = 1;
out:
    util_sha256_free(&h);
    close(fd);
    return rc;
}

/* Hardlink base in pfd to the regular file hl (an entry path of this
 * volume, already extracted). 1 linked, 0 refused. */
static int write_hardlink(int destfd, int pfd, const char *base, const char *hl,
                          const restore_volume_t *v, const char *name, restore_stats_t *st)
{
    strbuf_t t = STRBUF_INIT(PATH_MAX - 1);
    int tfd = -1, rc = 0;
    const char *tbase;
    struct stat sb;

    if (clean_path(&t, hl) < 0 || !t.len) {
        restore_extract_refuse(v->key, name, "hardlink target unusable", st);
        goto out;
    }
    tbase = split_base(t.buf);
    tfd = restore_extract_open_dir(destfd, tbase == t.buf ? "" : t.buf, 0);
    if (tfd < 0 || fstatat(tfd, tbase, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode)) {
        restore_extract_refuse(v->key, name,
                               "hardlink target is not a regular file extracted before it", st);
        goto out;
    }
    if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode))
        unlinkat(pfd, base, 0);
    if (linkat(tfd, tbase, pfd, base, 0) < 0) {
        restore_extract_refuse(v->key, name, strerror(errno), st);
        goto out;
    }
    rc = 1;
out:
    if (tfd >= 0)
        close(tfd);
    strbuf_release(&t);
    return rc;
}

/* Write one entry e (checked by pathsafe_refusal) below destfd; a regular
 * file must hash to want_sha when not NULL. 1 written (or deferred), 0
 * refused, -1 failure (logged). */
int restore_extract_entry(restore_t *r, struct archive *a, struct archive_entry *e, int destfd,
                          const restore_volume_t *v, const char *name, const char *want_sha,
                          restore_stats_t *st)
{
    strbuf_t clean = STRBUF_INIT(PATH_MAX - 1);
    const char *hl = archive_entry_hardlink(e), *base;
    mode_t type = archive_entry_filetype(e);
    int pfd = -1, rc = -1;

    if (clean_path(&clean, name) < 0) {
        restore_extract_refuse(v->key, name, "path too long", st);
        rc = 0;
        goto out;
    }
    if (!clean.len) { /* the volume's directory itself */
        rc = type == AE_IFDIR && !hl ? 0
                                     : (restore_extract_refuse(v->key, name, "empty path", st), 0);
        goto out;
    }
    if (through_link(r, v->dest, clean.buf) || (hl && through_link(r, v->dest, hl))) {
        restore_extract_refuse(v->key, name, "path goes through a symlink", st);
        rc = 0;
        goto out;
    }
    if (type == AE_IFLNK && !hl) {
        if (defer_link(r, v->key, v->dest, clean.buf, archive_entry_symlink(e)) < 0) {
            log_error("restore: out of memory");
            goto out;
        }
        /* its directory now, as a real one (the link itself comes last) */
        base = split_base(clean.buf);
        pfd = restore_extract_open_dir(destfd, base == clean.buf ? "" : clean.buf, 1);
        rc = 1;
        goto out;
    }
    if (type == AE_IFDIR && !hl) {
        pfd = restore_extract_open_dir(destfd, clean.buf, 1);
        if (pfd < 0) {
            restore_extract_refuse(v->key, name, "path goes through a symlink or a non-directory",
                                   st);
            rc = 0;
        } else if (dir_add(r, v->dest, clean.buf, e) < 0) {
            log_error("restore: out of memory");
        } else {
            rc = 1;
        }
        goto out;
    }
    base = split_base(clean.buf);
    pfd = restore_extract_open_dir(destfd, base == clean.buf ? "" : clean.buf, 1);
    if (pfd < 0) {
        restore_extract_refuse(v->key, name, "path goes through a symlink or a non-directory", st);
        rc = 0;
        goto out;
    }
    rc = hl ? write_hardlink(destfd, pfd, base, hl, v, name, st)
            : write_file(r, a, e, pfd, base, v, name, want_sha, st);
out:
    if (pfd >= 0)
        close(pfd);
    strbuf_release(&clean);
    return rc;
}

/* ---- the trusted index, compared with the volume while extracting ---- */

static int irow_cmp(const void *a, const void *b)
{
    return strcmp(((const struct restore_extract_irow *)a)->path,
                  ((const struct restore_extract_irow *)b)->path);
}

void restore_extract_icheck_free(struct restore_extract_icheck *ic)
{
    for (size_t i = 0; i < ic->n; i++)
        free(ic->rows[i].path);
    free(ic->rows);
    ic->rows = NULL;
    ic->n = 0;
}

/* The file list of a trusted index, sorted for lookups. 0, or -1 when out
 * of memory. A row whose path does not clean (too long) stays unmatched,
 * and is reported as missing from the volume. */
int restore_extract_icheck_init(struct restore_extract_icheck *ic, json_t *index)
{
    json_t *files = json_object_get(index, "files"), *f;
    strbuf_t sb = STRBUF_INIT(0);
    size_t i;

    ic->n = 0;
    ic->rows = calloc(json_array_size(files) + 1, sizeof *ic->rows);
    if (!ic->rows)
        return -1;
    json_array_foreach(files, i, f)
    {
        struct restore_extract_irow *row = &ic->rows[ic->n];
        /* names are bytes: path_b64 when the index has it (docs/formats.md) */
        char *path = index_name_get(f, "path");
        json_t *size = json_object_get(f, "size");
        row->name = json_string_value(json_object_get(f, "path"));
        if (!row->name)
            row->name = "(no path)";
        row->type = json_string_value(json_object_get(f, "type"));
        row->sha256 = json_string_value(json_object_get(f, "sha256"));
        row->size = json_is_integer(size) ? json_integer_value(size) : -1;
        if (!path || clean_path(&sb, path) < 0)
            row->path = strdup("");
        else
            row->path = strdup(sb.len ? sb.buf : "");
        free(path);
        if (!row->path) {
            strbuf_release(&sb);
            restore_extract_icheck_free(ic);
            return -1;
        }
        ic->n++;
    }
    strbuf_release(&sb);
    qsort(ic->rows, ic->n, sizeof *ic->rows, irow_cmp);
    ic->complete = index_covers_tar(index);
    return 0;
}

/* The index row of entry name (the first not seen yet among equal paths),
 * marked seen; NULL when the index does not list it. */
struct restore_extract_irow *restore_extract_icheck_find(struct restore_extract_icheck *ic,
                                                         const char *name)
{
    strbuf_t sb = STRBUF_INIT(0);
    struct restore_extract_irow key, *hit = NULL;

    if (clean_path(&sb, name) == 0 && sb.len) {
        key.path = sb.buf;
        hit = bsearch(&key, ic->rows, ic->n, sizeof *ic->rows, irow_cmp);
        while (hit && hit > ic->rows && !strcmp(hit[-1].path, sb.buf))
            hit--;
        while (hit && hit->seen && hit + 1 < ic->rows + ic->n && !strcmp(hit[1].path, sb.buf))
            hit++;
        if (hit)
            hit->seen = 1;
    }
    strbuf_release(&sb);
    return hit;
}

/* Why entry e does not match its index row (NULL when it does). */
const char *restore_extract_icheck_mismatch(const struct restore_extract_icheck *ic,
                                            const struct restore_extract_irow *row,
                                            struct archive_entry *e)
{
    mode_t t = archive_entry_filetype(e);
    const char *type = archive_entry_hardlink(e) ? "file"
                       : t == AE_IFDIR           ? "dir"
                       : t == AE_IFLNK           ? "symlink"
                                                 : "file";

    if (!row)
        return ic->complete ? "not listed in the volume's index" : NULL;
    if (!row->type || strcmp(row->type, type))
        return "type differs from the volume's index";
    if (row->size != archive_entry_size(e))
        return "size differs from the volume's index";
    if (!strcmp(type, "file") && !archive_entry_hardlink(e) &&
        (!row->sha256 || strlen(row->sha256) != 64))
        return "no SHA-256 in the volume's index";
    return NULL;
}

/* Read the verified (and decrypted) spool file fd of size bytes and
 * extract it under v->dest. */

/* ---- restore_finish: deferred symlinks, directory modes and times ---- */

/* Was a symlink at path (clean) below dest refused? */
static int refused_link(const restore_t *r, const char *dest, const char *path)
{
    for (size_t i = 0; i < r->nlinks; i++)
        if (r->links[i].refused && !strcmp(r->links[i].dest, dest) &&
            !strcmp(r->links[i].path, path))
            return 1;
    return 0;
}

/* Does symlink `path` (clean, below destfd, the directory dest) -> `target`
 * stay inside destfd when resolved against the tree as it is now? Links met
 * on the way are followed (at most MAX_HOPS); a component that does not
 * exist is taken lexically, but ".." after one, or a component that is a
 * refused link, is refused (its meaning would depend on what is created
 * there later). 1 inside, 0 not. */
static int link_stays_inside(const restore_t *r, const char *dest, int destfd, const char *path,
                             const char *target)
{
    strbuf_t cur = STRBUF_INIT(PATH_MAX - 1), rest = STRBUF_INIT(16 * PATH_MAX),
             tmp = STRBUF_INIT(0);
    const char *slash = strrchr(path, '/');
    int ok = 0, hops = 0, missing = 0;
    size_t pos = 0;

    if (!target || !*target || *target == '/')
        goto out;
    if ((slash &&
         (strbuf_add(&rest, path, (size_t)(slash - path)) < 0 || strbuf_add(&rest, "/", 1) < 0)) ||
        strbuf_addstr(&rest, target) < 0)
        goto out;
    for (;;) {
        const char *p = rest.buf + pos, *c;
        size_t n;
        struct stat sb;
        char lt[PATH_MAX];
        ssize_t ln;

        if (!(c = next_comp(&p, &n)))
            break;
        pos = (size_t)(p - rest.buf);
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            char *up;
            if (missing || !cur.len)
                goto out;
            up = strrchr(cur.buf, '/');
            cur.len = up ? (size_t)(up - cur.buf) : 0;
            cur.buf[cur.len] = 0;
            continue;
        }
        size_t before = cur.len;
        if ((cur.len && strbuf_add(&cur, "/", 1) < 0) || strbuf_add(&cur, c, n) < 0)
            goto out;
        if (missing)
            continue;
        if (fstatat(destfd, cur.buf, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT || refused_link(r, dest, cur.buf))
                goto out;
            missing = 1;
            continue;
        }
        if (!S_ISLNK(sb.st_mode)) {
            if (!S_ISDIR(sb.st_mode) && *p)
                missing = 1; /* a file in the middle: the kernel stops with ENOTDIR */
            continue;
        }
        if (++hops > MAX_HOPS || (ln = readlinkat(destfd, cur.buf, lt, sizeof lt - 1)) <= 0)
            goto out;
        lt[ln] = 0;
        if (lt[0] == '/')
            goto out;
        cur.len = before; /* the link's directory */
        cur.buf[cur.len] = 0;
        strbuf_reset(&tmp);
        if (strbuf_addstr(&tmp, lt) < 0 || strbuf_add(&tmp, "/", 1) < 0 ||
            strbuf_addstr(&tmp, rest.buf + pos) < 0)
            goto out;
        strbuf_reset(&rest);
        if (strbuf_add(&rest, tmp.buf, tmp.len) < 0)
            goto out;
        pos = 0;
    }
    ok = 1;
out:
    strbuf_release(&cur);
    strbuf_release(&rest);
    strbuf_release(&tmp);
    return ok;
}

/* Open the parent of link l and return it (or -1); *base gets its name. */
static int link_parent(const restore_t *r, const struct deflink *l, int *destfd, const char **base)
{
    const char *slash = strrchr(l->path, '/');
    char *parent;
    int fd;

    *destfd = restore_extract_open_dir(r->rp.stagefd, l->dest, 0);
    *base = slash ? slash + 1 : l->path;
    if (*destfd < 0)
        return -1;
    parent = slash ? strndup(l->path, (size_t)(slash - l->path)) : strdup("");
    fd = parent ? restore_extract_open_dir(*destfd, parent, 0) : -1;
    free(parent);
    return fd;
}

static void link_refuse(struct deflink *l, const char *why, restore_stats_t *st)
{
    char *p = restore_extract_esc(l->path), *t = restore_extract_esc(l->target);

    printf("REFUSED %s: entry \"%s\": symlink to \"%s\" %s\n", l->key, p, t, why);
    log_warn("restore: %s: refused symlink \"%s\" -> \"%s\": %s", l->key, p, t, why);
    restore_extract_esc_free(p);
    restore_extract_esc_free(t);
    l->refused = 1;
    st->refused++;
}

static void make_links(restore_t *r, restore_stats_t *st)
{
    int changed = 1;

    for (size_t i = 0; i < r->nlinks; i++) {
        struct deflink *l = &r->links[i];
        const char *base;
        int destfd, pfd;
        if (l->refused)
            continue; /* refused (and named) while the volume was read */
        pfd = link_parent(r, l, &destfd, &base);
        if (pfd < 0)
            link_refuse(l, "in a path that is not a plain directory", st);
        else if (!link_stays_inside(r, l->dest, destfd, l->path, l->target))
            link_refuse(l, "resolves outside the restore target (through other links)", st);
        else if (symlinkat(l->target, pfd, base) < 0)
            link_refuse(
                l, errno == EEXIST ? "collides with an entry already there" : strerror(errno), st);
        else
            l->made = 1;
        if (pfd >= 0)
            close(pfd);
        if (destfd >= 0)
            close(destfd);
    }
    /* A link created later can change where an earlier one leads: check
     * every created link again until none leaves. Removing one only makes
     * paths through it missing, so this ends. */
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < r->nlinks; i++) {
            struct deflink *l = &r->links[i];
            const char *base;
            int destfd, pfd;
            if (!l->made)
                continue;
            pfd = link_parent(r, l, &destfd, &base);
            if (pfd < 0 || !link_stays_inside(r, l->dest, destfd, l->path, l->target)) {
                if (pfd >= 0)
                    unlinkat(pfd, base, 0);
                l->made = 0;
                changed = 1;
                link_refuse(l, "resolves outside the restore target (through later links)", st);
            }
            if (pfd >= 0)
                close(pfd);
            if (destfd >= 0)
                close(destfd);
        }
    }
}

void restore_extract_finish(restore_t *r, restore_stats_t *st)
{
    make_links(r, st);
    for (size_t i = r->ndirs; i-- > 0;) {
        const struct dirmeta *d = &r->dirs[i];
        struct timespec ts[2] = {{(time_t)d->mtime, 0}, {(time_t)d->mtime, 0}};
        int fd = restore_extract_open_dir(r->rp.stagefd, d->path, 0);
        if (fd < 0)
            continue;
        if (r->rp.same_owner && fchown(fd, (uid_t)d->uid, (gid_t)d->gid) < 0) {
            char *e = restore_extract_esc(d->path);
            log_warn("restore: cannot set the owner of %s: %s", e, strerror(errno));
            restore_extract_esc_free(e);
        }
        fchmod(fd, final_mode(r, d->mode));
        futimens(fd, ts);
        close(fd);
    }
}
