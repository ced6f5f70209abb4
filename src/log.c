/*
 * log.c — stderr logging. One mutex-protected write per message, so lines
 * from parallel workers never interleave. Level is a process-wide setting
 * made once at start-up (-q / -v). The optional log file is one O_APPEND
 * descriptor: each line goes out in one write(2), so concurrent coldpack
 * processes appending to the same file do not interleave either.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int log_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char last_error[4096];
static int log_fd = -1;
static int journal = -1; /* -1 = not yet known */

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

/* 1 when JOURNAL_STREAM ("dev:ino") names our stderr: systemd connected it
 * to journald, which reads a leading "<N>" as the line's priority. */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int log_open_file(const char *path)
{
    int fd;

    if (log_fd >= 0)
        return 0;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return -1; /* errno set */
    log_fd = fd;
    return 0;
}

int log_file_is_open(void)
{
    return log_fd >= 0;
}

void log_close_file(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere left to say it */
        p += w;
        n -= (size_t)w;
    }
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    static const char prio[] = {'3', '4', '6', '7'};
    int file_level = log_level > LOG_INFO ? log_level : LOG_INFO;
    int lv = level < 0 ? 0 : level > 3 ? 3 : level;
    char line[4096], out[4200];
    va_list ap;
    int n;

    if (level > log_level && level != LOG_ERROR && (log_fd < 0 || level > file_level))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level == LOG_ERROR)
        snprintf(last_error, sizeof last_error, "%s", line);
    pthread_mutex_lock(&log_lock);
    if (level <= log_level) {
        if (journal < 0)
            journal = stderr_is_journal();
        if (journal)
            fprintf(stderr, "<%c>coldpack: %s: %s\n", prio[lv], names[lv], line);
        else
            fprintf(stderr, "coldpack: %s: %s\n", names[lv], line);
        fflush(stderr);
    }
    if (log_fd >= 0 && level <= file_level) {
        struct timespec ts;
        struct tm tm;
        char stamp[40];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        n = snprintf(out, sizeof out, "%s.%03ldZ coldpack[%ld]: %s: %s\n", stamp,
                     ts.tv_nsec / 1000000, (long)getpid(), names[lv], line);
        if (n > 0)
            write_all(log_fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
    }
    pthread_mutex_unlock(&log_lock);
}
