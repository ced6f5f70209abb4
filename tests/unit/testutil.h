/*
 * testutil.h — helpers shared by the unit tests: a temporary directory made
 * and removed recursively, and whole files written and read. Each helper
 * fails the running cmocka test on error, so tests need no checks of their
 * own. Not thread-safe (tests set up and tear down from one thread).
 */
#ifndef COLDPACK_TESTUTIL_H
#define COLDPACK_TESTUTIL_H

#include <stddef.h>

/* Make a fresh directory /tmp/<tag>.XXXXXX. Returns its path (caller frees,
 * normally through tu_rmtree_free). */
char *tu_tmpdir(const char *tag);
/* Remove path and everything below it (no symlink is followed). Returns 0,
 * or -1 when something could not be removed. NULL is a no-op. */
int tu_rmtree(const char *path);
/* tu_rmtree(path), then free(path). */
void tu_rmtree_free(char *path);
/* Create or truncate path with the NUL-terminated text, then chmod it to
 * mode (e.g. 0644, 0755 for a script). */
void tu_write_file(const char *path, const char *text, int mode);
/* The whole file as a NUL-terminated string (caller frees); *len gets its
 * length when len is not NULL. NULL when the file cannot be read. */
char *tu_read_file(const char *path, size_t *len);

/* Run a printf-formatted shell command; fails the test unless it exits 0. */
void tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The sample day the source tests share, under data/2026-11-23: tenants
 * acme (a 3 MB random file, a name with a space, an empty file with a fixed
 * mtime, a symlink, and with hardlink a hard link to the big file), globex
 * (a UTF-8 name, a 100-byte name in a subdirectory), an empty tenant, and a
 * stray file outside any tenant. Returns the day directory (caller frees). */
char *tu_sample_day(const char *data, int hardlink);

#endif
