/*
 * array.h — one way to grow an array, in the spirit of git's ALLOC_GROW:
 *
 *     struct item *v = NULL; size_t n = 0, cap = 0;
 *     if (ARRAY_GROW(v, n + 1, cap) < 0)
 *         goto fail;              // v and cap unchanged, v still owned
 *     v[n++] = x;
 *
 * Capacity at least doubles (from 16), so appends are amortised O(1). The
 * size computation is overflow-checked. The caller owns the array and frees
 * it with free(). Not thread-safe for one array; any number of arrays may be
 * grown from different threads.
 */
#ifndef COLDPACK_ARRAY_H
#define COLDPACK_ARRAY_H

#include <stddef.h>

/* Make room for `need` elements of `elem` bytes in *(void **)pp whose
 * capacity is *cap. Returns 0, or -1 (ENOMEM/overflow; *pp and *cap
 * unchanged). Use through ARRAY_GROW. */
int array_grow(void *pp, size_t *cap, size_t need, size_t elem);

/* ARRAY_GROW(p, need, cap): p is a T* lvalue, cap a size_t lvalue. */
#define ARRAY_GROW(p, need, cap)                                                                   \
    ((size_t)(need) <= (cap) ? 0 : array_grow(&(p), &(cap), (size_t)(need), sizeof *(p)))

#endif
