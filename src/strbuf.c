/*
 * strbuf.c — growable, capped, always NUL-terminated byte strings (strbuf.h).
 * Growth doubles; the cap is checked before any allocation, so a refused
 * append costs nothing and changes nothing.
 */
#include "strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf_t *sb, size_t max)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    sb->max = max;
}

static int grow(strbuf_t *sb, size_t extra)
{
    size_t need, ncap;
    char *p;

    if (extra > SIZE_MAX - sb->len - 1 || (sb->max && sb->len + extra > sb->max)) {
        errno = sb->max ? E2BIG : ENOMEM;
        return -1;
    }
    need = sb->len + extra + 1;
    if (need <= sb->cap)
        return 0;
    ncap = sb->cap ? sb->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (sb->max && ncap > sb->max + 1)
        ncap = sb->max + 1;
    if (!(p = realloc(sb->buf, ncap)))
        return -1;
    sb->buf = p;
    sb->cap = ncap;
    return 0;
}

int strbuf_add(strbuf_t *sb, const void *p, size_t n)
{
    if (grow(sb, n) < 0)
        return -1;
    if (n)
        memcpy(sb->buf + sb->len, p, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
    return 0;
}

int strbuf_addstr(strbuf_t *sb, const char *s)
{
    return strbuf_add(sb, s, strlen(s));
}

int strbuf_vaddf(strbuf_t *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || grow(sb, (size_t)n) < 0)
        return -1;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return 0;
}

int strbuf_addf(strbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

const char *strbuf_str(const strbuf_t *sb)
{
    return sb->buf ? sb->buf : "";
}

void strbuf_reset(strbuf_t *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = 0;
}

char *strbuf_detach(strbuf_t *sb, size_t *len)
{
    char *s = sb->buf ? sb->buf : calloc(1, 1);

    if (len)
        *len = sb->buf ? sb->len : 0;
    strbuf_init(sb, sb->max);
    return s;
}

void strbuf_release(strbuf_t *sb)
{
    if (!sb)
        return;
    free(sb->buf);
    strbuf_init(sb, sb->max);
}
