/*
 * source.c — chooses the source implementation (local walk or ssh) and maps
 * paths to tenants by the configured rule, the one piece both share; maps a
 * tar member onto a source entry for the two sources that read tar through
 * libarchive (ssh, legacy archives), so both refuse and skip alike; and
 * tenant-first layouts (path = /export/{tenant}/{date}): the tenants are the
 * directories where {tenant} stands, and each one's day directory is handed
 * to the local walk as a source of that one tenant.
 */
#include "source.h"

#include "config.h"
#include "log.h"
#include "util.h"

#include "array.h"

#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* s with {date} replaced (every occurrence); NULL when out of memory. */
static char *with_date(const char *s, size_t len, const char *date)
{
    char *out = NULL, *t;

    for (;;) {
        const char *at = strstr(s, "{date}");
        size_t k = at && (size_t)(at - s) < len ? (size_t)(at - s) : len;
        t = util_asprintf("%s%.*s%s", out ? out : "", (int)k, s, k < len ? date : "");
        free(out);
        if (!(out = t))
            return NULL;
        if (k == len)
            return out;
        s += k + 6;
        len -= k + 6;
    }
}

/* path = PREFIX/{tenant}/SUFFIX: one local scan per tenant directory under
 * PREFIX that has SUFFIX for the day, as a source of that one tenant, after
 * an entry for the tenant's root (its day directory), as a dir:1 walk gives. */
static int template_scan(const config_source_t *src, const char *date, const char *const *skip,
                         source_entry_fn fn, void *ctx, source_stats_t *st)
{
    const char *at = strstr(src->path, "{tenant}");
    char *parent = source_day_dir(src, date), *suffix = with_date(at + 8, strlen(at + 8), date);
    char **names = NULL;
    size_t n = 0, cap = 0, found = 0;
    DIR *d = NULL;
    struct dirent *de;
    int rc = -1;

    if (!parent || !suffix) {
        source_fail(st, "source %s: out of memory", src->name);
        goto out;
    }
    if (!(d = opendir(parent))) {
        source_fail(st, "source %s: tenant directory %s: %s", src->name, parent, strerror(errno));
        goto out;
    }
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (ARRAY_GROW(names, n + 1, cap) < 0 || !(names[n] = strdup(de->d_name))) {
            source_fail(st, "source %s: out of memory", src->name);
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *dir = util_asprintf("%s/%s%s", parent, names[i], suffix);
        config_source_t one = *src;
        source_entry_t e;
        struct stat sb;
        if (!dir) {
            source_fail(st, "source %s: out of memory", src->name);
            rc = -1;
            break;
        }
        if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
            log_debug("source %s: tenant %s: no %s", src->name, names[i], dir);
        } else if (strchr(names[i], '{')) {
            log_warn("source %s: %s: a tenant directory name with '{': not backed up", src->name,
                     dir);
            st->warnings++;
        } else if (source_skipped(skip, names[i])) {
            found++; /* already backed up: not even walked */
        } else {
            found++;
            memset(&e, 0, sizeof e);
            e.tenant = names[i];
            e.path = "";
            e.type = SOURCE_DIR;
            e.mtime = sb.st_mtime;
            e.mode = sb.st_mode & 07777;
            one.path = dir;
            one.tenant_rule = TENANT_FIXED;
            one.tenant_fixed = names[i];
            rc = fn(ctx, &e, NULL, NULL);
            if (rc == 0)
                rc = source_local_scan(&one, date, NULL, fn, ctx, st);
        }
        free(dir);
    }
    if (rc == 0 && !found) {
        source_fail(st, "source %s: no tenant directory under %s has %s%s for the day", src->name,
                    parent, "{tenant}", suffix);
        rc = -1;
    }
out:
    if (d)
        closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(parent);
    free(suffix);
    return rc;
}

int source_scan(const config_source_t *src, const char *date, const char *const *skip,
                source_entry_fn fn, void *ctx, source_stats_t *st)
{
    memset(st, 0, sizeof *st);
    if (src->host)
        return source_ssh_scan(src, date, skip, fn, ctx, st);
    if (config_path_has_tenant(src->path))
        return template_scan(src, date, skip, fn, ctx, st);
    return source_local_scan(src, date, skip, fn, ctx, st);
}

char *source_day_dir(const config_source_t *src, const char *date)
{
    const char *t = strstr(src->path, "{tenant}");

    /* a tenant-first path: the directory holding the tenants */
    if (t)
        return with_date(src->path, t - src->path > 1 ? (size_t)(t - src->path - 1) : 1, date);
    return with_date(src->path, strlen(src->path), date);
}

void source_fail(source_stats_t *st, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_error("%s", line);
    if (!st->error)
        st->error = strdup(line); /* NULL when out of memory: the log has it */
}

int source_skipped(const char *const *skip, const char *tenant)
{
    for (; skip && *skip; skip++)
        if (!strcmp(*skip, tenant))
            return 1;
    return 0;
}

int source_split_tenant(const config_source_t *src, const char *relpath, char *tenant,
                        size_t tenantsz, char *inpath, size_t inpathsz)
{
    const char *p = relpath;
    size_t out = 0;
    int comp = 0;

    while (*p == '/')
        p++;
    if (src->tenant_rule == TENANT_FIXED) {
        snprintf(tenant, tenantsz, "%s", src->tenant_fixed);
        if ((size_t)snprintf(inpath, inpathsz, "%s", p) >= inpathsz)
            return -1;
        return 0;
    }
    tenant[0] = 0;
    inpath[0] = 0;
    while (*p) {
        size_t n = strcspn(p, "/");
        comp++;
        if (comp == src->tenant_dir) {
            if (n == 0 || n >= tenantsz)
                return -1;
            memcpy(tenant, p, n);
            tenant[n] = 0;
        } else {
            if (out + n + 2 > inpathsz)
                return -1;
            if (out)
                inpath[out++] = '/';
            memcpy(inpath + out, p, n);
            out += n;
            inpath[out] = 0;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return tenant[0] ? 0 : -1;
}

/* A member's name relative to the day directory: leading "./" (and the
 * slashes after it) and trailing '/' dropped ("" for the directory itself).
 * Refused (-1): an absolute name, a "..", "." or empty component inside it,
 * a name longer than outsz. */
static int archive_path(const char *in, char *out, size_t outsz)
{
    size_t n;
    const char *p;

    if (in[0] == '/')
        return -1;
    while (in[0] == '.' && (in[1] == '/' || in[1] == 0))
        for (in++; *in == '/';)
            in++;
    n = strlen(in);
    if (n >= outsz)
        return -1;
    memcpy(out, in, n + 1);
    while (n && out[n - 1] == '/')
        out[--n] = 0;
    for (p = out; *p;) {
        size_t c = strcspn(p, "/");
        if ((c == 2 && p[0] == '.' && p[1] == '.') || (c == 1 && p[0] == '.') || c == 0)
            return -1;
        p += c;
        if (*p == '/')
            p++;
    }
    return 0;
}

enum source_ae source_from_archive(const config_source_t *src, struct archive_entry *ae,
                                   source_entry_t *e, char *rel, size_t relsz, char *tenant,
                                   size_t tenantsz, char *inpath, size_t inpathsz)
{
    const char *raw = archive_entry_pathname(ae);
    mode_t ft = archive_entry_filetype(ae);

    rel[0] = 0;
    if (!raw)
        return SOURCE_AE_NONAME;
    if (archive_path(raw, rel, relsz) < 0) {
        rel[0] = 0;
        return SOURCE_AE_BADNAME;
    }
    if (!rel[0])
        return SOURCE_AE_QUIET; /* the day directory itself */
    if (source_split_tenant(src, rel, tenant, tenantsz, inpath, inpathsz) < 0 ||
        (ft != AE_IFDIR && !inpath[0]))
        return ft == AE_IFDIR ? SOURCE_AE_QUIET /* above the tenant level */
                              : SOURCE_AE_NOTENANT;
    if (archive_entry_hardlink(ae))
        return SOURCE_AE_HARDLINK; /* not made with --hard-dereference */
    memset(e, 0, sizeof *e);
    e->tenant = tenant;
    e->path = inpath;
    e->mtime = (int64_t)archive_entry_mtime(ae);
    e->mode = archive_entry_perm(ae) & 07777;
    switch (ft) {
    case AE_IFDIR:
        e->type = SOURCE_DIR;
        return SOURCE_AE_DELIVER;
    case AE_IFLNK:
        e->type = SOURCE_SYMLINK;
        e->linkname = archive_entry_symlink(ae);
        return e->linkname ? SOURCE_AE_DELIVER : SOURCE_AE_NOLINK;
    case AE_IFREG:
        e->type = SOURCE_FILE;
        e->size = archive_entry_size(ae);
        return SOURCE_AE_DELIVER;
    default:
        return SOURCE_AE_SPECIAL;
    }
}
