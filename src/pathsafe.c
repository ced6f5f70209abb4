/*
 * pathsafe.c — the entry checks restore applies before writing anything
 * (contract in pathsafe.h). Paths are walked component by component as
 * bytes; "." and empty components are skipped the way archive_write_disk
 * skips them, so the depth counted here is the depth the entry lands at.
 * The on-disk walk opens each parent with O_NOFOLLOW relative to the one
 * before, so a symlink anywhere below the root stops it.
 */
#include "pathsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Next component of *pp: its start, length in *len; *pp moves past it and
 * its slashes. NULL at the end. */
static const char *next_component(const char **pp, size_t *len)
{
    const char *p = *pp, *c;

    if (!*p)
        return NULL;
    c = p;
    *len = strcspn(p, "/");
    p += *len;
    while (*p == '/')
        p++;
    *pp = p;
    return c;
}

static int is_dotdot(const char *c, size_t n)
{
    return n == 2 && c[0] == '.' && c[1] == '.';
}

static int is_dot(const char *c, size_t n)
{
    return n == 0 || (n == 1 && c[0] == '.');
}

int pathsafe_entry_ok(const char *path)
{
    const char *p = path, *c;
    size_t n;

    if (!path || !*path || *path == '/')
        return 0;
    while ((c = next_component(&p, &n)))
        if (is_dotdot(c, n))
            return 0;
    return 1;
}

int pathsafe_hardlink_ok(const char *target)
{
    return pathsafe_entry_ok(target);
}

int pathsafe_symlink_ok(const char *path, const char *target)
{
    const char *p = path, *c;
    size_t n;
    int depth = 0;

    if (!path || !target || !*target || *target == '/')
        return 0;
    /* depth of the link's directory: its components but the last */
    while ((c = next_component(&p, &n))) {
        if (!*p)
            break;
        if (is_dotdot(c, n))
            return 0;
        if (!is_dot(c, n))
            depth++;
    }
    for (p = target; (c = next_component(&p, &n));) {
        if (is_dotdot(c, n)) {
            if (--depth < 0)
                return 0;
        } else if (!is_dot(c, n)) {
            depth++;
        }
    }
    return 1;
}

const char *pathsafe_refusal(const char *path, mode_t type, const char *symlink,
                             const char *hardlink)
{
    if (!pathsafe_entry_ok(path))
        return "absolute path or \"..\"";
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK && !hardlink)
        return "not a regular file, directory or symlink";
    if (type == S_IFLNK && !pathsafe_symlink_ok(path, symlink))
        return "symlink pointing outside the restore target";
    if (hardlink && !pathsafe_hardlink_ok(hardlink))
        return "hardlink to a path outside the restore target";
    return NULL;
}

int pathsafe_walk_ok(const char *root, const char *rel)
{
    const char *p = rel, *c;
    size_t n;
    int fd, ok = 1;

    if (!root || !pathsafe_entry_ok(rel))
        return 0;
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (ok && (c = next_component(&p, &n)) && *p) {
        char name[NAME_MAX + 1];
        struct stat st;
        int next;

        if (is_dot(c, n))
            continue;
        if (n > NAME_MAX) {
            ok = 0;
            break;
        }
        memcpy(name, c, n);
        name[n] = 0;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            ok = errno == ENOENT; /* not there yet: nothing to go through */
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            ok = 0; /* a symlink, or a file in the way */
            break;
        }
        next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
        if (fd < 0)
            return 0;
    }
    close(fd);
    return ok;
}

char *pathsafe_escape(const char *name)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;
    char *out, *o;

    if (!name)
        name = "(null)";
    out = malloc(strlen(name) * 4 + 1);
    if (!out)
        return NULL;
    for (p = (const unsigned char *)name, o = out; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
            *o++ = (char)*p;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = 0;
    return out;
}
