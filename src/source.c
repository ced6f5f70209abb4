/*
 * source.c — chooses the source implementation (local walk or ssh) and maps
 * paths to tenants by the configured rule, the one piece both share.
 */
#include "source.h"

#include "config.h"
#include "log.h"
#include "util.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int source_scan(const config_source_t *src, const char *date, const char *const *skip,
                source_entry_fn fn, void *ctx, source_stats_t *st)
{
    memset(st, 0, sizeof *st);
    if (src->host)
        return source_ssh_scan(src, date, skip, fn, ctx, st);
    return source_local_scan(src, date, skip, fn, ctx, st);
}

char *source_day_dir(const config_source_t *src, const char *date)
{
    const char *at = strstr(src->path, "{date}");

    if (!at)
        return strdup(src->path);
    return util_asprintf("%.*s%s%s", (int)(at - src->path), src->path, date, at + 6);
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
