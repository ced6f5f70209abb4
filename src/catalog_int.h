/*
 * catalog_int.h — internal to catalog.c, catalog_query.c, catalog_restore.c,
 * catalog_files.c and catalog_expiry.c: the catalog object and the helpers
 * they share. The contract is catalog.h.
 */
#ifndef COLDPACK_CATALOG_INT_H
#define COLDPACK_CATALOG_INT_H

#include "catalog.h"

#include <pthread.h>
#include <sqlite3.h>

struct catalog {
    sqlite3 *db;
    char *path;
    pthread_mutex_t mu;
};

/* Log the SQLite error of c's database while doing what; returns -1. */
int catalog_fail(catalog_t *c, const char *what);

/* Run sql with text parameters vals[0..n-1] (NULL -> SQL NULL), under c->mu.
 * 0, or -1 after logging. */
int catalog_exec(catalog_t *c, const char *sql, int n, const char *const *vals);

/* Run a query whose rows are ncol text columns (binds[0..nb-1] bound as
 * text); the rows are collected first, then fn is called on each without
 * c->mu held, so it may call back into the catalog. fn != 0 stops the calls.
 * 0, or -1 after logging. */
int catalog_rows(catalog_t *c, const char *sql, int nb, const char *const *binds, int ncol,
                 int (*fn)(void *ctx, const char *const *cols), void *ctx);

#endif
