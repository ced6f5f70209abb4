/*
 * log.c — stderr logging. One mutex-protected fprintf per message, so lines
 * from parallel workers never interleave. Level is a process-wide setting
 * made once at start-up (-q / -v).
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static int log_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char last_error[4096];

const char *log_last_error(void)
{
    return last_error;
}

void log_set_level(int level)
{
    log_level = level;
}

int log_get_level(void)
{
    return log_level;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char line[4096];
    va_list ap;

    if (level > log_level && level != LOG_ERROR)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level == LOG_ERROR)
        snprintf(last_error, sizeof last_error, "%s", line);
    if (level > log_level)
        return;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "coldpack: %s: %s\n", names[level < 0 ? 0 : level > 3 ? 3 : level], line);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}
