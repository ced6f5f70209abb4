/*
 * notify.h — tell someone how a run went (issue "Remote sources", [notify]).
 *
 * After each run the job hands its JSON summary to notify_run(), which, per
 * the [notify] section:
 *   - runs `command` through /bin/sh -c with the summary on stdin and, besides
 *     the minimal environment of child.h (PATH, HOME, USER, LOGNAME, LANG,
 *     LC_*, TZ — nothing else of ours, no credentials), these variables:
 *       COLDPACK_STATUS     the summary's "status" string if it has one, else
 *                           "failed" or "ok" from `failed`
 *       COLDPACK_FAILED     "1" or "0" (the `failed` argument)
 *       COLDPACK_DATE       the summary's "date" (YYYY-MM-DD), if present
 *       COLDPACK_RUN_ID     the summary's "run_id", if present
 *       COLDPACK_EXIT_CODE  the summary's "exit_code" (integer), if present
 *       COLDPACK_CONFIG     the config file the run used
 *     killed (its whole process group) after NOTIFY_COMMAND_TIMEOUT seconds;
 *   - POSTs the summary to `webhook` with libcurl (Content-Type:
 *     application/json), NOTIFY_WEBHOOK_ATTEMPTS attempts with exponential
 *     back-off on connection errors, timeouts, 408, 429 and 5xx, each attempt
 *     limited to NOTIFY_WEBHOOK_TIMEOUT seconds;
 *   - with `on = failure` (cfg->notify.always == 0) does all this only when
 *     `failed` is non-zero; with `on = always`, after every run.
 * A notifier that fails is logged as a warning (the webhook by scheme and
 * host only: its path may hold a token) and never changes the run's result.
 */
#ifndef COLDPACK_NOTIFY_H
#define COLDPACK_NOTIFY_H

#define NOTIFY_COMMAND_TIMEOUT  60 /* seconds */
#define NOTIFY_WEBHOOK_ATTEMPTS 4
#define NOTIFY_WEBHOOK_BACKOFF  500 /* ms before the 2nd attempt, doubled each time */
#define NOTIFY_WEBHOOK_TIMEOUT  15  /* seconds per attempt */

struct config;

/* Notify per cfg->notify. Returns 0 when every configured notifier succeeded
 * or none had to run, -1 when one failed (already logged as a warning): the
 * value is informative only. Thread-safety: may be called from any thread,
 * but is meant to be called once at the end of a run; it forks, so call it
 * while no other thread is forking with non-CLOEXEC descriptors. */
int notify_run(const struct config *cfg, const char *summary_json, int failed);

/* An event outside a run (restore: "thaw complete, restore done"): notify
 * per cfg->notify like notify_run, whatever `on` says (an event is rare and
 * asked for). summary_json should carry "event" and "status". Returns and
 * thread-safety as notify_run. */
int notify_event(const struct config *cfg, const char *summary_json, int failed);

/* Run command via /bin/sh -c with summary_json on stdin and the environment
 * described above (config_file may be NULL), killing it after timeout_s
 * seconds. Its output is captured (bounded) and logged: as a warning with the
 * failure, at debug level otherwise. Returns 0 when it exited 0, else -1
 * (logged). Thread-safety: as notify_run. */
int notify_command(const char *command, const char *summary_json, int failed,
                   const char *config_file, int timeout_s);

/* POST body to url (Content-Type: application/json), up to attempts times,
 * sleeping base_delay_ms, then twice that, ... between attempts; each attempt
 * limited to timeout_s seconds. Returns 0 on a 2xx answer, else -1 (logged
 * once, as a warning). Thread-safety: any thread (libcurl easy handle per
 * call; curl_global_init is called once, thread-safe on libcurl >= 7.84). */
int notify_webhook(const char *url, const char *body, int attempts, int base_delay_ms,
                   int timeout_s);

#endif
