/*
 * index.h — volume indexes (format in docs/formats.md).
 */
#ifndef COLDPACK_INDEX_H
#define COLDPACK_INDEX_H

#include "store.h"

#include <jansson.h>

/* Fetch and parse the index object key. Returns a new reference (caller
 * json_decref's it), or NULL after logging why (missing, damaged, not JSON).
 * Thread-safety: any thread. */
json_t *index_load(store_t *s, const char *key);

#endif
