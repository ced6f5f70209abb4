/*
 * lock.h — one run at a time per catalog: an flock()ed file beside the
 * catalog holding the owner's pid. The kernel drops the lock when the owner
 * dies, so a stale lock from a killed run is simply taken over.
 */
#ifndef COLDPACK_LOCK_H
#define COLDPACK_LOCK_H

/* Returns an fd >= 0 holding the lock, -1 on error, -2 when another live
 * process holds it (its pid is logged). */
int lock_acquire(const char *path);
/* Release; a negative fd is a no-op. */
void lock_release(int fd);

#endif
