/*
 * fuzz_restore_paths.c — libFuzzer target for the path-safety contract
 * (pathsafe.h) that restore's extractor applies to every entry: for an
 * archive entry at `path` that is a symlink to `target`, if
 * pathsafe_refusal accepts it (which implies pathsafe_entry_ok and
 * pathsafe_symlink_ok) then resolving the link lexically from the directory
 * it is created in (after dropping "." and empty components, as
 * archive_write_disk does) must stay inside the restore target; and an
 * entry at `path` that is a hardlink to `target` must be accepted exactly
 * when both are pathsafe_entry_ok. Input: path, a NUL byte, target.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pathsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Depth below the target root after walking `s` from depth `d`; -1 once it
 * goes above the root. "." and empty components do not move. */
static int walk_depth(const char *s, size_t len, int d)
{
    size_t i = 0;

    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '/')
            j++;
        if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
            if (--d < 0)
                return -1;
        } else if (!(j - i == 1 && s[i] == '.') && j > i) {
            d++;
        }
        i = j + 1;
    }
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *path, *target;
    size_t plen, tlen, dirlen;
    int d;

    if (!nul)
        return 0;
    plen = (size_t)(nul - data);
    tlen = size - plen - 1;
    if (memchr(nul + 1, 0, tlen))
        return 0;
    path = strndup((const char *)data, plen);
    target = strndup((const char *)nul + 1, tlen);
    if (!path || !target)
        abort();
    if ((pathsafe_refusal(path, S_IFREG, NULL, target) == NULL) !=
        (pathsafe_entry_ok(path) && pathsafe_hardlink_ok(target)))
        abort();
    if (pathsafe_refusal(path, S_IFLNK, target, NULL) == NULL) {
        if (!pathsafe_entry_ok(path) || !pathsafe_symlink_ok(path, target))
            abort();
        /* the link's directory: path without its last component (and
         * without trailing slashes, which name the same entry) */
        dirlen = plen;
        while (dirlen > 0 && path[dirlen - 1] == '/')
            dirlen--;
        while (dirlen > 0 && path[dirlen - 1] != '/')
            dirlen--;
        d = walk_depth(path, dirlen, 0);
        if (d < 0 || target[0] == '/' || walk_depth(target, tlen, d) < 0) {
            fprintf(stderr, "symlink \"%s\" -> \"%s\" accepted but leaves the target\n", path,
                    target);
            abort();
        }
    }
    free(path);
    free(target);
    return 0;
}
