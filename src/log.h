/*
 * log.h — one-line log messages to stderr, safe from any thread; optionally
 * also appended to a log file (--log-file, [run] log_file).
 *
 * Each error is logged once, where it is first detected; callers above only
 * propagate the return code. Messages never contain secrets.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each stderr line starts
 * with its syslog priority, "<3>" error, "<4>" warning, "<6>" info, "<7>"
 * debug, so journald keeps the levels. The log file gets every line up to
 * the stderr level or info, whichever is more verbose (so `-q` keeps the
 * console quiet and the file complete), each prefixed with an ISO 8601 UTC
 * timestamp.
 */
#ifndef COLDPACK_LOG_H
#define COLDPACK_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Set the most verbose level printed (default LOG_INFO). Not thread-safe:
 * call before starting threads. */
void log_set_level(int level);
int log_get_level(void);
/* Print "coldpack: <level>: message\n" atomically. Thread-safe. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Also append every line to path (created 0600, O_APPEND, opened once for
 * the process, close-on-exec). A second call while a file is open does
 * nothing and returns 0. Not
 * thread-safe: call before starting threads. Returns -1 with errno set
 * (nothing logged: the caller decides how bad it is). */
int log_open_file(const char *path);
/* 1 when a log file is open. */
int log_file_is_open(void);
/* Close the log file (tests; main need not). */
void log_close_file(void);

/* The last LOG_ERROR message logged by the calling thread ("" if none).
 * For tests that check what was logged; code that must say why something
 * failed keeps the reason with it (e.g. source_stats_t.error). Valid until
 * the thread's next log_msg. */
const char *log_last_error(void);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
