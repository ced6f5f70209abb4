/*
 * pool.c — worker threads over one FIFO of jobs (mutex + condvar).
 * Completion is signalled by the jobs themselves (pack.c marks a block done
 * under its unit's lock), so the pool knows nothing about results.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct job {
    pool_fn fn;
    void *arg;
    struct job *next;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    int stopping;
    int n;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    pool_t *p = arg;

    for (;;) {
        struct job *j;
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        j = p->head;
        if (!j) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg);
        free(j);
    }
}

pool_t *pool_new(int n)
{
    pool_t *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threads = calloc((size_t)n, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->n++;
    }
    if (p->n == 0) {
        pool_free(p);
        return NULL;
    }
    return p;
}

int pool_submit(pool_t *p, pool_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);

    if (!j)
        return -1;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int pool_size(const pool_t *p)
{
    return p->n;
}

void pool_free(pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}
