/*
 * array.c — the out-of-line half of ARRAY_GROW (array.h). The pointer is read
 * and written through memcpy so that any T** can be passed as void*.
 */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    void *old, *p;
    size_t ncap;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(&old, pp, sizeof old);
    p = realloc(old, ncap * elem);
    if (!p)
        return -1;
    memcpy(pp, &p, sizeof p);
    *cap = ncap;
    return 0;
}
