/*
 * leftovers.h — remove an interrupted attempt's objects of one unit, proven
 * from the store (leftovers.c).
 */
#ifndef COLDPACK_LEFTOVERS_H
#define COLDPACK_LEFTOVERS_H

#include "store.h"

/* Delete what an interrupted attempt of unit (date, source, tenant) left,
 * proving from the store first that each object is one: its key parses to
 * exactly this unit, and no manifest in the store names it. Keys under the
 * unit's prefix that are not its objects are left alone (warned). Returns 0,
 * or -1 (logged) when a leftover is named by a manifest or the store cannot
 * prove it; nothing is deleted then. Thread-safe as the store is; callers
 * must not redo the same unit concurrently. */
int leftovers_remove(store_t *s, const char *date, const char *source, const char *tenant);

/* leftovers_remove for the volumes >= first only (a late-files attempt on
 * a complete unit of first - 1 volumes): earlier volumes are not looked at. */
int leftovers_remove_from(store_t *s, const char *date, const char *source, const char *tenant,
                          int first);

#endif
