/*
 * restore_extract.h — internal to restore.c and restore_extract.c: the
 * extractor's seams (entry writing below an openat-opened tree, deferred
 * symlinks, the trusted-index comparison) and the restore object they share.
 * Nothing outside restore*.c includes this; the contract is restore.h.
 */
#ifndef COLDPACK_RESTORE_EXTRACT_H
#define COLDPACK_RESTORE_EXTRACT_H

#include "restore.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

struct dirmeta {
    char *path; /* below stagefd */
    int64_t mtime;
    mode_t mode;
    int64_t uid, gid;
};

struct deflink {
    char *dest;   /* the volume's directory below stagefd */
    char *path;   /* the link, below dest (clean: no "." or empty components) */
    char *target; /* as archived */
    char *key;    /* the volume it came from */
    int made;     /* created on disk */
    int refused;  /* named as refused: a path through it is refused too */
};

struct restore {
    restore_params_t rp;
    char *glob;
    int spoolfd;
    int plainfd; /* decrypted spool of an encrypted object, made when first needed */
    mode_t umask;
    struct dirmeta *dirs; /* in extraction order: parents before children */
    size_t ndirs, capdirs;
    struct deflink *links; /* in archive order */
    size_t nlinks, caplinks;
};

/* Open directory rel (a clean path, "" = dirfd itself) below dirfd, each
 * component with O_NOFOLLOW | O_DIRECTORY; with create, missing components
 * are made. A new fd, or -1 with errno. */
int restore_extract_open_dir(int dirfd, const char *rel, int create);

/* name, printable (pathsafe_escape): a malloc'd string, or a static one
 * when out of memory; free with restore_extract_esc_free. */
char *restore_extract_esc(const char *name);
void restore_extract_esc_free(char *e);

/* A symlink entry refused before it was deferred (its target climbs out by
 * name, or it contradicts the index) is still recorded, as refused: a later
 * entry whose path goes through it is then refused too, instead of landing
 * in a real directory of that name, and it is never created. 0, or -1 when
 * out of memory (logged). Not thread-safe for one r. */
int restore_extract_note_refused_link(restore_t *r, const restore_volume_t *v,
                                      struct archive_entry *e, const char *name);
/* Name a refused entry on stdout and in the log; counts it in st. */
void restore_extract_refuse(const char *key, const char *path, const char *why,
                            restore_stats_t *st);

/* Write one entry e (checked by pathsafe_refusal) below destfd; a regular
 * file must hash to want_sha when not NULL. 1 written (or deferred), 0
 * refused, -1 failure (logged). */
int restore_extract_entry(restore_t *r, struct archive *a, struct archive_entry *e, int destfd,
                          const restore_volume_t *v, const char *name, const char *want_sha,
                          restore_stats_t *st);

/* The trusted index's file list, compared with the volume while extracting. */
struct restore_extract_irow {
    char *path;       /* clean (clean_path) */
    const char *name; /* as the index has it (borrowed from the index) */
    const char *type, *sha256;
    int64_t size;
    int seen;
};

struct restore_extract_icheck {
    struct restore_extract_irow *rows; /* sorted by path */
    size_t n;
    int complete; /* index_covers_tar: an entry it does not list is a lie */
};

/* 0, or -1 when out of memory. */
int restore_extract_icheck_init(struct restore_extract_icheck *ic, json_t *index);
/* The row of entry name (marked seen), or NULL when the index does not list it. */
struct restore_extract_irow *restore_extract_icheck_find(struct restore_extract_icheck *ic,
                                                         const char *name);
/* Why entry e does not match its index row (NULL when it does). */
const char *restore_extract_icheck_mismatch(const struct restore_extract_icheck *ic,
                                            const struct restore_extract_irow *row,
                                            struct archive_entry *e);
void restore_extract_icheck_free(struct restore_extract_icheck *ic);

/* restore_finish's work: the deferred symlinks, then directory owners,
 * modes and mtimes (children before parents). */
void restore_extract_finish(restore_t *r, restore_stats_t *st);

#endif
