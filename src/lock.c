/*
 * lock.c — flock-based run lock. The pid written into the file is only for
 * the message to the operator; the lock itself is the flock. The file is
 * owner-only (0600) whatever the umask, like everything coldpack creates.
 */
#include "lock.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_acquire(const char *path)
{
    char buf[32];
    int fd = util_open_private(path, O_RDWR);

    if (fd >= 0 && fchmod(fd, UTIL_FILE_MODE) < 0) /* an old 0644 lock too: it is ours */
        log_warn("lock %s: cannot make it private: %s", path, strerror(errno));
    if (fd < 0) {
        log_error("lock %s: %s", path, strerror(errno));
        return LOCK_ERROR;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        ssize_t n = errno == EWOULDBLOCK ? pread(fd, buf, sizeof buf - 1, 0) : -1;
        buf[n > 0 ? n : 0] = 0;
        buf[strcspn(buf, "\n")] = 0;
        if (errno == EWOULDBLOCK || n >= 0) {
            log_error("another coldpack run holds the lock %s (pid %s); not starting", path,
                      buf[0] ? buf : "?");
            close(fd);
            return LOCK_HELD;
        }
        log_error("lock %s: %s", path, strerror(errno));
        close(fd);
        return LOCK_ERROR;
    }
    snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0)
        log_warn("lock %s: cannot record pid: %s", path, strerror(errno));
    return fd;
}

void lock_release(int fd)
{
    if (fd >= 0) {
        if (ftruncate(fd, 0) < 0) {
            /* harmless: the flock is what counts */
        }
        close(fd);
    }
}
