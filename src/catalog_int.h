/*
 * catalog_int.h — internal to catalog.c and catalog_query.c: the catalog
 * object and the error helper they share. The contract is catalog.h.
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

#endif
