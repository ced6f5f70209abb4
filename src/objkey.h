/*
 * objkey.h — the one place that knows how store keys are laid out (below the
 * store's own prefix):
 *
 *   tenant=<t>/date=<YYYY-MM-DD>/source=<s>/vol-<NNNN><suffix>        data volume
 *   tenant=<t>/date=<YYYY-MM-DD>/source=<s>/vol-<NNNN>.index.json.gz  its index
 *   ...vol-<NNNN><suffix>.age, ...vol-<NNNN>.index.json.gz.age         encrypted (age v1)
 *   runs/<YYYY-MM-DD>/<run-id>.json                                   run manifest
 *
 * A name (tenant, source) is any byte string of 1..255 bytes without '/' other than "." and "..":
 * in the key, '%', control bytes and bytes that are not valid UTF-8 are written "%XX" (upper-case
 * hex), so any name gives a valid S3 key and plain names are unchanged; a name whose key form is
 * longer than OBJKEY_SEGMENT_MAX bytes continues in further segments "+<more>/" (e.g.
 * "tenant=<200 bytes>/+<rest>/date=..."), so no path component of the file store passes
 * NAME_MAX. A unit whose longest key would pass OBJKEY_KEY_MAX bytes cannot be stored
 * (objkey_unit_fits). docs/formats.md "Keys".
 *
 * <suffix> is the codec's (".tar.gz", ".tar.zst"). An encrypted volume
 * (".tar.gz.age", ".tar.zst.age") has an encrypted index (".index.json.gz.age"). Builders return
 * malloc'd strings (NULL on bad input or out of memory, after logging nothing: the caller names the
 * context). objkey_parse is strict and treats its input as hostile: a key that does not match the
 * layout exactly, or whose names could not have been written by objkey_* (empty, ".", "..",
 * containing '/' or a control byte, a date that is not a calendar date, a volume number out of
 * 1..999999), is rejected. All functions are thread-safe.
 */
#ifndef COLDPACK_OBJKEY_H
#define COLDPACK_OBJKEY_H

#include <stddef.h>

#define OBJKEY_DATA_ROOT    "tenant=" /* every data and index key starts so */
#define OBJKEY_RUNS_ROOT    "runs/"   /* every manifest key starts so */
#define OBJKEY_INDEX_SUFFIX ".index.json.gz"
#define OBJKEY_AGE_SUFFIX   ".age" /* appended to an encrypted object's key */
#define OBJKEY_NAME_MAX     255    /* bytes of a tenant or source name */
#define OBJKEY_SEGMENT_MAX  200    /* bytes of one key segment holding (part of) a name */
#define OBJKEY_KEY_MAX      900    /* bytes of a whole key (S3 allows 1024) */
#define OBJKEY_CONT         "+"    /* starts a name's continuation segment */

typedef enum objkey_kind {
    OBJKEY_VOLUME = 1,
    OBJKEY_INDEX,
    OBJKEY_MANIFEST,
} objkey_kind_t;

typedef struct objkey_parts {
    objkey_kind_t kind;
    char *tenant;  /* volumes and indexes; NULL for manifests */
    char *date;    /* always */
    char *source;  /* volumes and indexes */
    int volno;     /* volumes and indexes, 1-based */
    char *suffix;  /* volumes: ".tar.gz" / ".tar.zst" (+ ".age") */
    int encrypted; /* volumes and indexes: the key ends ".age" */
    char *run_id;  /* manifests */
} objkey_parts_t;

/* Is this a name we may put in a key (tenant, source)? Any byte string of
 * 1..OBJKEY_NAME_MAX bytes without '/', other than "." and "..". */
int objkey_name_ok(const char *name);
/* name as it appears in keys ("%XX" escapes, no segment breaks): printable,
 * valid UTF-8, for messages. Caller frees; NULL when out of memory. */
char *objkey_name_display(const char *name);
/* Length of the valid UTF-8 sequence starting at p (NUL-terminated), or 0
 * when p does not start one (overlong, surrogate, past U+10FFFF, cut). */
size_t objkey_utf8_len(const unsigned char *p);
/* 1 when every key of the unit fits OBJKEY_KEY_MAX bytes, 0 otherwise. */
int objkey_unit_fits(const char *tenant, const char *date, const char *source);
/* "tenant=T/date=D/source=S/" — the unit's common prefix. */
char *objkey_unit_prefix(const char *tenant, const char *date, const char *source);
/* The data volume's key; suffix is the codec's, or the codec's + ".age". */
char *objkey_volume(const char *tenant, const char *date, const char *source, int volno,
                    const char *suffix);
/* The volume index's key. */
char *objkey_index(const char *tenant, const char *date, const char *source, int volno);
/* The index key of an encrypted volume: "...vol-NNNN.index.json.gz.age". */
char *objkey_index_age(const char *tenant, const char *date, const char *source, int volno);
/* Does the key end with ".age"? */
int objkey_is_age(const char *key);
/* The index key that belongs to a volume key (any suffix; the encrypted
 * index for an encrypted volume), or NULL. */
char *objkey_index_of(const char *volume_key);
/* "runs/D/RUN.json". */
char *objkey_manifest(const char *date, const char *run_id);
/* Split a key into *out (owned by the caller: objkey_parts_free). Returns 0,
 * or -1 when the key is not one of ours (out is then zeroed). */
int objkey_parse(const char *key, objkey_parts_t *out);
/* Free the strings of *p (not p itself). NULL is a no-op. */
void objkey_parts_free(objkey_parts_t *p);

#endif
