/*
 * catalog_expiry.c — explicit expiry in the catalog: prune and offboard move
 * objects to the expired table (the catalog's view of the chain's
 * tombstones), mark their units and record offboarded tenants. Split from
 * catalog.c; plain statements through the shared helpers of catalog_int.h.
 */
#include "catalog.h"
#include "catalog_int.h"

#include <stdio.h>

/* ---- explicit expiry: prune and offboard (tombstones of the chain) ---- */

int catalog_object_expire(catalog_t *c, const char *key, const char *reason, const char *run_id,
                          const char *on, const catalog_object_t *known)
{
    char size[32];

    if (known) {
        snprintf(size, sizeof size, "%lld", (long long)known->size);
        const char *v[9] = {key,           known->date, known->source,
                            known->tenant, size,        known->sha256,
                            reason,        run_id,      on};
        if (catalog_exec(c,
                         "INSERT OR REPLACE INTO expired (key, date, source, tenant, size, sha256,"
                         " reason, run_id, expired_on) VALUES (?,?,?,?,?,?,?,?,?)",
                         9, v) < 0)
            return -1;
    } else {
        const char *v[4] = {key, reason, run_id, on};
        if (catalog_exec(c,
                         "INSERT OR REPLACE INTO expired (key, date, source, tenant, size, sha256,"
                         " reason, run_id, expired_on) SELECT key, date, source, tenant, size,"
                         " sha256, ?2, ?3, ?4 FROM objects WHERE key = ?1",
                         4, v) < 0)
            return -1;
    }
    const char *k[1] = {key};
    return catalog_exec(c, "DELETE FROM objects WHERE key = ?", 1, k);
}

int catalog_unit_set_status(catalog_t *c, const char *date, const char *source, const char *tenant,
                            const char *status)
{
    const char *v[4] = {status, date, source, tenant};

    return catalog_exec(
        c, "UPDATE units SET status = ? WHERE date = ? AND source = ? AND tenant = ?", 4, v);
}

int catalog_expired(catalog_t *c, const char *tenant, const char *from, const char *to,
                    int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    const char *v[3] = {tenant, from, to};

    return catalog_rows(c,
                        "SELECT date, source, tenant, expired_on, run_id, reason, count(*) FROM"
                        " expired WHERE (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR date >= ?2)"
                        " AND (?3 IS NULL OR date <= ?3) GROUP BY date, source, tenant"
                        " ORDER BY date, source, tenant",
                        3, v, 7, fn, ctx);
}

int catalog_offboard_set(catalog_t *c, const char *tenant, const char *since, const char *run_id)
{
    const char *v[3] = {tenant, since, run_id};

    return catalog_exec(
        c, "INSERT OR IGNORE INTO offboarded (tenant, since, run_id) VALUES (?,?,?)", 3, v);
}

int catalog_offboarded(catalog_t *c, int (*fn)(void *ctx, const char *const *cols), void *ctx)
{
    return catalog_rows(c, "SELECT tenant, since, run_id FROM offboarded ORDER BY tenant", 0, NULL,
                        3, fn, ctx);
}
