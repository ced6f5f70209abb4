/*
 * util.h — small pure helpers: sizes, dates, hex, SHA-256, strings, files.
 * All functions are thread-safe (no shared state).
 */
#ifndef COLDPACK_UTIL_H
#define COLDPACK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

/* Parse "4GiB", "64MiB", "512KiB", "100MB", "1000" (bytes) into *out.
 * Binary (KiB/MiB/GiB/TiB) and decimal (KB/MB/GB/TB) suffixes; no negatives.
 * Returns 0 or -1. */
int util_parse_size(const char *s, int64_t *out);
/* Parse a rate like "200MB/s" (the "/s" is optional). */
int util_parse_rate(const char *s, int64_t *out);
/* Format bytes as "1.5 GiB" into buf. Returns buf. */
char *util_fmt_size(int64_t n, char *buf, size_t bufsz);
/* Validate YYYY-MM-DD (a real calendar date). Returns 0 or -1. */
int util_parse_date(const char *s, int *y, int *m, int *d);
/* date + days -> out (YYYY-MM-DD, 11 bytes). Returns 0 or -1. */
int util_date_add(const char *date, int days, char out[11]);
/* Yesterday in local time. */
/* Today's local date, or $COLDPACK_TODAY (YYYY-MM-DD) when set: the one
 * "today" of run's default day, catch-up and prune's retention. */
void util_today(char out[11]);
void util_yesterday(char out[11]);
/* Lowercase hex of n bytes; out must hold 2n+1. */
void util_hex(const unsigned char *in, size_t n, char *out);
/* Parse "HH:MM" into minutes after midnight; -1 on error. */
int util_parse_hhmm(const char *s);

/* Incremental SHA-256 over OpenSSL EVP. */
typedef struct util_sha256 {
    EVP_MD_CTX *ctx;
} util_sha256_t;
int util_sha256_init(util_sha256_t *h);
void util_sha256_update(util_sha256_t *h, const void *data, size_t len);
/* Writes 64 hex chars + NUL and frees the context. */
void util_sha256_final(util_sha256_t *h, char hex[65]);
/* Frees without output; safe on a zeroed or finalised struct. */
void util_sha256_free(util_sha256_t *h);
void util_sha256_buf(const void *data, size_t len, char hex[65]);

/* strdup that returns NULL for NULL. */
char *util_strdup(const char *s);
/* malloc'd printf. NULL on failure. */
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Modes of what coldpack creates for itself (store, catalog, lock):
 * owner-only, whatever the process umask (docs/security.md). */
#define UTIL_FILE_MODE 0600
#define UTIL_DIR_MODE  0700
/* mkdir -p: each directory it creates gets exactly `mode` (fchmod'ed after
 * mkdir, so the umask neither widens nor narrows it); existing ones are left
 * as they are. Returns 0 or -1 (errno set). Thread-safe. */
int util_mkdirs(const char *path, unsigned mode);
/* open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, UTIL_FILE_MODE), then,
 * when the file is new or flags has O_TRUNC or O_EXCL, fchmod it to exactly
 * UTIL_FILE_MODE. Returns the descriptor (the caller closes it) or -1 with
 * errno. Thread-safe. */
int util_open_private(const char *path, int flags);
/* Write all bytes; retries on EINTR. Returns 0 or -1. */
int util_write_all(int fd, const void *buf, size_t len);
/* fsync the directory containing path. */
int util_fsync_dir_of(const char *path);
/* Match a path against a shell glob where '*' does not cross '/' but '**' does. */
int util_glob_match(const char *pattern, const char *path);
/* Monotonic seconds: the one clock for deadlines, rates and back-off. */
double util_now(void);
/* Sleep for secs seconds (<= 0: return at once), resuming after signals.
 * The one sleep helper. Thread-safe. */
void util_sleep(double secs);

#endif
