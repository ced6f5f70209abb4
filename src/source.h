/*
 * source.h — where a day's files come from (docs/design.md, "Layers and modules").
 *
 * A source presents the files of one (source, date) as a sequence of entries,
 * each already assigned to a tenant by the source's tenant rule. The consumer
 * (pack.c, via job_run.c) reads each regular file's bytes through the reader it
 * is handed, or skips it. Two implementations: a local directory walk
 * (source_local.c) and a remote host over OpenSSH streaming a tar
 * (source_ssh.c). Both must yield the same entries for the same files.
 *
 * Entry order: tenants may interleave; within a tenant, entries come in a
 * stable order (local: sorted by path, directories before their contents).
 * A tenant is announced by an entry of type SOURCE_DIR with path "" (its root
 * directory) before any of its other entries, so empty tenants are seen too.
 */
#ifndef COLDPACK_SOURCE_H
#define COLDPACK_SOURCE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

enum source_type { SOURCE_FILE = 1, SOURCE_DIR = 2, SOURCE_SYMLINK = 3 };

typedef struct source_entry {
    const char *tenant;   /* tenant name ("" never: entries with no tenant are reported) */
    const char *path;     /* path inside the tenant, '/'-separated, relative, no ".." */
    int type;             /* enum source_type */
    int64_t size;         /* regular files: size announced before reading */
    int64_t mtime;        /* seconds since epoch */
    unsigned mode;        /* permission bits (07777) */
    const char *linkname; /* symlinks: target; else NULL */
} source_entry_t;

/* Read up to len bytes of the current file. Returns bytes read, 0 at end of
 * file, -1 on error (logged by the source, naming the file). */
typedef ssize_t (*source_read_fn)(void *rctx, void *buf, size_t len);

/* Called for each entry. For SOURCE_FILE the callee may call rd(rctx, ...)
 * until it returns 0; if it does not, the source skips the data. Return 0 to
 * go on, -1 to stop the scan (the scan then returns -1). Pointers in e are
 * valid only during the call. */
typedef int (*source_entry_fn)(void *ctx, const source_entry_t *e, source_read_fn rd, void *rctx);

/* Per-scan outcome counters filled in by the source. */
typedef struct source_stats {
    int warnings;       /* files unreadable, changed while read, outside any tenant */
    int64_t bytes_read; /* payload bytes delivered */
    char *error;        /* why the scan failed, as logged where the source detected
                           it (malloc'd; the caller frees); NULL when it did not
                           fail or the consumer stopped it */
} source_stats_t;

struct config_source;

/* Scan the files of `src` for `date` (YYYY-MM-DD), calling fn for each.
 * skip (NULL-terminated, may be NULL) names tenants already backed up: with
 * tenant = dir:1 their directories are not read at all (remotely: excluded
 * from the remote tar, so no byte of them crosses the link); otherwise their
 * entries may still be delivered and the callee ignores them.
 * Returns 0 when the whole scan completed (possibly with warnings counted in
 * st), -1 when the source failed (unreachable, directory missing, stream cut;
 * st->error says why) or fn stopped it: entries already delivered must then
 * be treated as incomplete. st is zeroed first; the caller frees st->error.
 * Thread-safety: scans of different sources may run concurrently. */
int source_scan(const struct config_source *src, const char *date, const char *const *skip,
                source_entry_fn fn, void *ctx, source_stats_t *st);

/* Implementations (selected by source_scan from src->host). */
int source_local_scan(const struct config_source *src, const char *date, const char *const *skip,
                      source_entry_fn fn, void *ctx, source_stats_t *st);
int source_ssh_scan(const struct config_source *src, const char *date, const char *const *skip,
                    source_entry_fn fn, void *ctx, source_stats_t *st);
/* The ssh command line every coldpack ssh uses for src (BatchMode, strict
 * host keys, ConnectTimeout=connect_timeout, keepalives, then port, identity,
 * user and ssh_options), running cmd on src->host: a NULL-terminated array
 * of malloc'd strings for child_spawn, freed with source_ssh_argv_free (NULL
 * is a no-op). NULL when out of memory. Thread-safe. */
char **source_ssh_argv(const struct config_source *src, const char *cmd, int connect_timeout);
void source_ssh_argv_free(char **argv);
/* s single-quoted for a POSIX shell ('it'\''s'). Caller frees; NULL when out
 * of memory. Thread-safe. */
char *source_ssh_shquote(const char *s);
/* An existing tar archive (gzip, zstd or plain: libarchive detects the
 * filter) read as if it were the source's day directory (source_tar.c, for
 * `coldpack import`). path is a file, or "-" for stdin. While streaming,
 * every byte of the file is hashed, so when the scan returns 0 sha256/bytes
 * describe the whole file (read to its end, past the tar's end). One thread
 * uses a source_tar_t; the caller owns it. */
typedef struct source_tar {
    const char *path;      /* borrowed */
    _Atomic int64_t *read; /* NULL, or bumped by every compressed byte read (progress) */
    char sha256[65];       /* out: SHA-256 of the file's bytes ("" unless complete) */
    int64_t bytes;         /* out: the file's size as read */
    int complete;          /* out: 1 when the whole file was read and parsed */
} source_tar_t;

/* Scan t->path as the day of src: members named "./T/..." (a leading "./"
 * stripped) map to tenants by src's rule like the local walk's paths;
 * absolute names and names with ".." are refused by name (a warning each),
 * hard links and special files are skipped with a warning. skip as in
 * source_scan (entries of skipped tenants are still delivered: a stream
 * cannot be skipped). Returns as source_scan. */
int source_tar_scan(const struct config_source *src, source_tar_t *t, const char *const *skip,
                    source_entry_fn fn, void *ctx, source_stats_t *st);
/* For implementations: the scan failed. Logs the message once (log_error)
 * and keeps it in st->error when that is still unset (the first cause
 * wins). Thread-safe for different st. */
void source_fail(source_stats_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when tenant is in the NULL-terminated list skip (NULL: never). */
int source_skipped(const char *const *skip, const char *tenant);

/* What source_from_archive made of one archive member: deliver it, skip it
 * quietly (the day directory itself, a directory above the tenant level), or
 * skip it with a warning for the reason named (the caller words and counts
 * the warning: it knows the host or archive to name). */
enum source_ae {
    SOURCE_AE_DELIVER = 0,
    SOURCE_AE_QUIET,
    SOURCE_AE_NONAME,   /* no readable name */
    SOURCE_AE_BADNAME,  /* absolute, "..", a "." or empty component, too long */
    SOURCE_AE_NOTENANT, /* not inside a tenant directory */
    SOURCE_AE_HARDLINK, /* a hard link: its data is never guessed at */
    SOURCE_AE_NOLINK,   /* a symlink whose target cannot be read */
    SOURCE_AE_SPECIAL,  /* not a regular file, directory or symlink */
};

struct archive_entry;

/* Map one tar member read by libarchive (source_ssh.c, source_tar.c) onto a
 * source entry as the local walk would yield it: its name made relative to
 * the day directory (leading "./" and trailing '/' dropped) into rel, split
 * by src's tenant rule into tenant and inpath, then e filled (type, mtime,
 * mode; size for files, linkname for symlinks) pointing into those buffers
 * and ae. rel is written whenever the name was readable and clean (so the
 * caller can name the member in a warning). Returns the classification; e is
 * meaningful only for SOURCE_AE_DELIVER and valid while ae and the buffers
 * are. Thread-safe. */
enum source_ae source_from_archive(const struct config_source *src, struct archive_entry *ae,
                                   source_entry_t *e, char *rel, size_t relsz, char *tenant,
                                   size_t tenantsz, char *inpath, size_t inpathsz);

/* The source's day directory: path with {date} replaced. Caller frees; NULL
 * when out of memory. */
char *source_day_dir(const struct config_source *src, const char *date);

/* Total size of the regular files of a local source's day directory (for a
 * progress ETA); -1 for remote sources or when it cannot be read. */
int64_t source_local_total(const struct config_source *src, const char *date);

/* Split a path relative to the source's day directory into tenant and
 * in-tenant path per the tenant rule (dir:N or fixed:NAME). Writes into the
 * caller's buffers. Returns 0, or -1 when the path has no tenant (e.g. a file
 * directly under the day directory with dir:1). */
int source_split_tenant(const struct config_source *src, const char *relpath, char *tenant,
                        size_t tenantsz, char *inpath, size_t inpathsz);

#endif
