/*
 * lock.h — one run at a time per catalog: an flock()ed file beside the
 * catalog holding the owner's pid. The kernel drops the lock when the owner
 * dies, so a stale lock from a killed run is simply taken over.
 */
#ifndef COLDPACK_LOCK_H
#define COLDPACK_LOCK_H

/* lock_acquire's results other than a descriptor. The values are fixed:
 * callers may still compare with -1 / -2. */
enum lock_rc {
    LOCK_ERROR = -1, /* cannot open or lock the file (logged) */
    LOCK_HELD = -2,  /* another live process holds it (its pid is logged) */
};

/* Returns an fd >= 0 holding the lock (the caller owns it: lock_release),
 * or LOCK_ERROR / LOCK_HELD. Thread-safe (flock per open file). */
int lock_acquire(const char *path);
/* Release; a negative fd is a no-op. */
void lock_release(int fd);

#endif
