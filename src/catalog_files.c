/*
 * catalog_files.c — what each volume of a unit read (unit_files) and the
 * unit's counts, kept so a later run can pack the files that arrived late
 * as further volumes of the same unit (job_late.c). Split from catalog.c;
 * plain statements through the shared helpers of catalog_int.h.
 */
#include "catalog.h"
#include "catalog_int.h"

#include <stdio.h>

int catalog_unit_files_add(catalog_t *c, const char *date, const char *source, const char *tenant,
                           int volume, const char *list)
{
    char vol[16];
    const char *v[5] = {date, source, tenant, vol, list};

    snprintf(vol, sizeof vol, "%d", volume);
    return catalog_exec(c,
                        "INSERT OR REPLACE INTO unit_files (date, source, tenant, volume, list)"
                        " VALUES (?, ?, ?, ?, ?)",
                        5, v);
}

int catalog_unit_files(catalog_t *c, const char *date, const char *source, const char *tenant,
                       int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[3] = {date, source, tenant};

    return catalog_rows(c,
                        "SELECT volume, list FROM unit_files WHERE date = ? AND source = ? AND"
                        " tenant = ? ORDER BY volume",
                        3, v, 2, fn, ctx);
}

int catalog_unit_counts(catalog_t *c, const char *date, const char *source, const char *tenant,
                        int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[3] = {date, source, tenant};

    return catalog_rows(c,
                        "SELECT volumes, files, bytes_in FROM units WHERE date = ? AND source = ?"
                        " AND tenant = ? AND status = 'complete'",
                        3, v, 3, fn, ctx);
}

int catalog_unit_forget_from(catalog_t *c, const char *date, const char *source, const char *tenant,
                             int first)
{
    char vol[16];
    const char *v[4] = {date, source, tenant, vol};

    snprintf(vol, sizeof vol, "%d", first);
    if (catalog_exec(c,
                     "DELETE FROM objects WHERE date = ? AND source = ? AND tenant = ? AND"
                     " volume >= CAST(? AS INTEGER)",
                     4, v) < 0)
        return -1;
    return catalog_exec(c,
                        "DELETE FROM unit_files WHERE date = ? AND source = ? AND tenant = ? AND"
                        " volume >= CAST(? AS INTEGER)",
                        4, v);
}
