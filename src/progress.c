/*
 * progress.c — the run's terminal status line (progress.h). A thread wakes
 * every 0.1 s to check for stop and redraws once a second; elsewhere than a
 * terminal the caller starts no display and its per-unit lines are the
 * progress.
 */
#include "progress.h"

#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct progress_display {
    progress_t *p;
    int n;
    pthread_t th;
    pthread_mutex_t mu;
    int stop;
};

static int stopped(progress_display_t *d)
{
    pthread_mutex_lock(&d->mu);
    int stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

static void *display_thread(void *arg)
{
    progress_display_t *d = arg;

    while (!stopped(d)) {
        char line[512] = "";
        size_t n = 0;
        for (int i = 0; i < d->n && n < sizeof line - 80; i++) {
            progress_t *p = &d->p[i];
            if (atomic_load(&p->state) != PROGRESS_RUNNING)
                continue;
            char b[32], eta[32] = "";
            int64_t bytes = atomic_load(&p->bytes), total = atomic_load(&p->total);
            double secs = util_now() - p->started, rate = secs > 0 ? (double)bytes / secs : 0;
            if (total > 0 && rate > 0 && total > bytes)
                snprintf(eta, sizeof eta, " ETA %ds", (int)((double)(total - bytes) / rate));
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %s %.0f MB/s%s", n ? " | " : "",
                                  p->name, util_fmt_size(bytes, b, sizeof b), rate / 1e6, eta);
        }
        fprintf(stderr, "\r%-100.100s", line);
        fflush(stderr);
        for (int i = 0; i < 10 && !stopped(d); i++)
            util_sleep(0.1);
    }
    fprintf(stderr, "\r%-100s\r", "");
    return NULL;
}

progress_display_t *progress_start(progress_t *p, int n)
{
    progress_display_t *d = calloc(1, sizeof *d);

    if (!d)
        return NULL;
    d->p = p;
    d->n = n;
    pthread_mutex_init(&d->mu, NULL);
    if (pthread_create(&d->th, NULL, display_thread, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        free(d);
        return NULL;
    }
    return d;
}

void progress_stop(progress_display_t *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->th, NULL);
    pthread_mutex_destroy(&d->mu);
    free(d);
}
