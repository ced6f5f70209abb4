/*
 * log.h — one-line log messages to stderr, safe from any thread.
 *
 * Each error is logged once, where it is first detected; callers above only
 * propagate the return code. Messages never contain secrets.
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
