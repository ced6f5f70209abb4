/*
 * pathsafe.h — may an archive entry be written under a restore target?
 *
 * Restore extracts archives that come from the store, which an attacker with
 * write access to the store and the catalog can replace (the SHA-256 check
 * then passes). Every entry goes through these checks before anything is
 * written; an entry that fails is refused and named, the rest of the archive
 * still restores.
 *
 * Refused (lexically, from the names alone):
 *   - an empty path, an absolute path (leading '/'), or any ".." component;
 *   - a symlink whose target is empty or absolute, or whose relative target,
 *     resolved from the directory the link is created in, climbs above the
 *     target root at any point ("a/b" -> "../../x", "./x" -> "../y");
 *   - a hardlink whose target is empty, absolute or has a ".." component;
 *   - anything but a regular file, a directory, a symlink or a hardlink
 *     (devices, FIFOs, sockets).
 * Refused on disk (pathsafe_walk_ok, just before the entry is written):
 *   - a path (or a hardlink's target) whose parent components, below the
 *     root, include a symlink or anything that is not a directory, so nothing
 *     is written or linked through a link (an allowed "dir -> sub" symlink
 *     followed by an entry "dir/file").
 *
 * Guaranteed: a path accepted by pathsafe_entry_ok names a place at or below
 * the root, whatever the "." and empty components; a symlink accepted by
 * pathsafe_symlink_ok never leads above the root when followed lexically
 * ("." and empty components ignored, as archive_write_disk drops them); with
 * pathsafe_walk_ok checked before each write, and the tree private to the
 * restore (the staging directory is created 0700 by the restoring process,
 * which is its only writer), nothing lands outside the root. Names are bytes:
 * no locale, no normalisation.
 *
 * Not guaranteed: symlinks are judged one at a time, so a chain of accepted
 * links ("x/y/s" -> "../..", then "x/y/a" -> "s/../..") may physically lead outside
 * when a reader follows it after the restore. Nothing is written or
 * hardlinked through any symlink, so such a chain cannot place or change a
 * file outside the root.
 *
 * All functions are pure (pathsafe_walk_ok reads the file system with lstat)
 * and thread-safe; they keep no pointer to their arguments.
 */
#ifndef COLDPACK_PATHSAFE_H
#define COLDPACK_PATHSAFE_H

#include <sys/types.h>

/* 1 when path is relative, non-empty and has no ".." component. */
int pathsafe_entry_ok(const char *path);
/* 1 when a symlink at entry path `path` pointing at `target` stays inside
 * the root (path itself is checked separately with pathsafe_entry_ok). */
int pathsafe_symlink_ok(const char *path, const char *target);
/* 1 when a hardlink to `target` (an entry path of the same archive) is safe. */
int pathsafe_hardlink_ok(const char *target);
/* Every check above for one entry: type is the S_IFMT bits of its mode
 * (libarchive's AE_IF* have the same values), symlink its link target (for
 * S_IFLNK), hardlink the hardlink target or NULL. Returns NULL when the entry
 * may be written, else a static string saying why not (for messages). */
const char *pathsafe_refusal(const char *path, mode_t type, const char *symlink,
                             const char *hardlink);
/* 1 when every existing parent component of root/rel below root is a real
 * directory (not a symlink); components that do not exist yet are fine.
 * 0 otherwise, and for a path refused by pathsafe_entry_ok. */
int pathsafe_walk_ok(const char *root, const char *rel);
/* name made printable, for every message that shows a name read from an
 * archive or an index: each byte below 0x20 or above 0x7e, and the
 * backslash, becomes \\xNN (as `ls -b` does), so no control byte reaches a
 * terminal or a log line. Returns a malloc'd string (caller frees), or NULL
 * when out of memory; NULL name gives "(null)". */
char *pathsafe_escape(const char *name);

#endif
