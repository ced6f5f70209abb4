/*
 * strbuf.h — a growable byte string with an optional cap, in the spirit of
 * git's strbuf and curl's dynbuf: always NUL-terminated, never grows past
 * `max` (so a hostile peer cannot make us allocate without bound), and an
 * append that fails leaves the contents as they were.
 *
 *     strbuf_t sb = STRBUF_INIT(1 << 20);   // at most 1 MiB; 0 = no cap
 *     if (strbuf_addf(&sb, "%s/%s", a, b) < 0) goto fail;
 *     use(sb.buf, sb.len);
 *     strbuf_release(&sb);                  // or: char *s = strbuf_detach(&sb, NULL);
 *
 * A strbuf is owned by its user; not thread-safe for one buffer. buf is
 * never NULL after a successful append; before it, strbuf_str() returns "".
 */
#ifndef COLDPACK_STRBUF_H
#define COLDPACK_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;  /* NUL-terminated contents, or NULL while empty and unallocated */
    size_t len; /* bytes, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* the most len may reach; 0 = unlimited */
} strbuf_t;

#define STRBUF_INIT(maxlen)                                                                        \
    {                                                                                              \
        NULL, 0, 0, (maxlen)                                                                       \
    }

/* Set up an empty buffer capped at max bytes (0 = unlimited). */
void strbuf_init(strbuf_t *sb, size_t max);
/* Append n bytes. -1 with errno ENOMEM or E2BIG (the cap); sb unchanged. */
int strbuf_add(strbuf_t *sb, const void *p, size_t n);
/* Append a NUL-terminated string. */
int strbuf_addstr(strbuf_t *sb, const char *s);
/* Append printf-formatted text. */
int strbuf_addf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(strbuf_t *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents; "" while nothing was appended. Valid until the next call. */
const char *strbuf_str(const strbuf_t *sb);
/* Empty the buffer, keeping its memory and cap. */
void strbuf_reset(strbuf_t *sb);
/* Hand the contents (malloc'd, NUL-terminated, never NULL unless out of
 * memory) to the caller and reset sb; *len gets its length when not NULL. */
char *strbuf_detach(strbuf_t *sb, size_t *len);
/* Free the contents; sb may be reused after strbuf_init. NULL is a no-op. */
void strbuf_release(strbuf_t *sb);

#endif
