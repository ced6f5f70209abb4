/*
 * progress.h — the terminal status line of a run: one line on stderr,
 * redrawn every second, with each running source's bytes, rate and (when
 * its total is known) ETA.
 */
#ifndef COLDPACK_PROGRESS_H
#define COLDPACK_PROGRESS_H

#include <stdatomic.h>
#include <stdint.h>

enum progress_state { PROGRESS_WAITING = 0, PROGRESS_RUNNING, PROGRESS_DONE };

/* Progress of one source: written by its source thread (atomics), read by
 * the display thread. */
typedef struct progress {
    const char *name;
    _Atomic int64_t bytes;
    _Atomic int64_t total; /* -1 unknown */
    _Atomic int state;     /* enum progress_state */
    double started;
} progress_t;

typedef struct progress_display progress_display_t;

/* Start redrawing the line for p[0..n-1] (which must outlive the display).
 * NULL when the thread cannot start (no display then). */
progress_display_t *progress_start(progress_t *p, int n);
/* Stop, clear the line and free. NULL is a no-op. */
void progress_stop(progress_display_t *d);

#endif
