/*
 * notify.h — tell someone how a run went ([notify]: a command and a webhook).
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
 *     application/json) — with `webhook_format = slack`, {"text": "..."}
 *     (notify_slack_payload) instead; `webhook_auth` (else the environment's
 *     COLDPACK_WEBHOOK_AUTH) is sent as the Authorization header, and with
 *     `webhook_secret` an X-Coldpack-Signature: sha256=<hex HMAC-SHA-256 of
 *     the body keyed with the secret> header is added —
 *     NOTIFY_WEBHOOK_ATTEMPTS attempts with exponential
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

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* What every summary carries (notify_summary_base). */
typedef struct notify_info {
    const char *run_id;  /* NULL: failed before it had one */
    const char *date;    /* the day backed up (YYYY-MM-DD), may be NULL */
    int64_t start, end;  /* Unix seconds */
    int exit_code;       /* enum exit_code */
    const char *outcome; /* ok | warnings | partial | failed | locked | usage */
} notify_info_t;

/* Set, in the JSON object summary, the members every notification has:
 * host (gethostname), run_id (null when none), date and dates ([date]),
 * start and end (ISO 8601 UTC, "2026-11-24T02:00:00Z"), duration_seconds,
 * exit_code, outcome and status (the same string), and an empty failures
 * array unless it has one. Returns 0, -1 when out of memory. Thread-safe. */
int notify_summary_base(json_t *summary, const notify_info_t *ni);
/* Append {"what": what, "why": why} to summary's failures array (created if
 * missing). why NULL or "" becomes "unknown (see the log)". 0 or -1. */
int notify_add_failure(json_t *summary, const char *what, const char *why);
/* A summary for a run that failed before its first unit (store unreachable,
 * lock held, catalog unusable, config refused): the base members, zero
 * counts, empty sources and units, and one failure {what, why}. NULL when
 * out of memory; caller json_decref()s. */
json_t *notify_summary_failed(const notify_info_t *ni, const char *what, const char *why);
/* One readable line (or a few) of a summary, for chat: "coldpack on HOST:
 * run R of D FAILED (exit 1) in 3 s: ..." with each failure. malloc'd, NULL
 * when out of memory; a summary that is not JSON gives a generic text. */
char *notify_slack_text(const char *summary_json);
/* {"text": notify_slack_text(summary_json)}, malloc'd, or NULL. */
char *notify_slack_payload(const char *summary_json);
/* "sha256=" + lowercase hex HMAC-SHA-256 of body (len bytes) keyed with
 * secret, into out (at least NOTIFY_SIG_SIZE bytes). Returns 0 or -1. */
#define NOTIFY_SIG_SIZE (7 + 64 + 1)
int notify_signature(const char *secret, const char *body, size_t len, char *out);
/* The [notify] section of the config file at path, read on its own with the
 * rest ignored: for a run whose config was refused (a bad value elsewhere),
 * so the failure can still be notified. NULL when the file cannot be read,
 * does not parse as INI, or [notify] itself is bad or empty. Only notify.*
 * and file are set; free with config_free(). */
struct config *notify_config_fallback(const char *path);

/* Notify per cfg->notify. Returns 0 when every configured notifier succeeded
 * or none had to run, -1 when one failed (already logged as a warning): the
 * value is informative only. Thread-safety: may be called from any thread,
 * but is meant to be called once at the end of a run; it forks, so call it
 * while no other thread is forking with non-CLOEXEC descriptors. */
int notify_run(const struct config *cfg, const char *summary_json, int failed);
/* How many times this process called notify_run with failed != 0 (whether
 * or not a notifier was configured or succeeded): cli.c's net for a `run`
 * that exits non-zero without having notified. Thread-safe. */
int notify_failed_count(void);

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
/* notify_webhook with an Authorization header value (auth, NULL = none)
 * and an X-Coldpack-Signature of body keyed with secret (NULL = none). */
int notify_webhook_ex(const char *url, const char *body, const char *auth, const char *secret,
                      int attempts, int base_delay_ms, int timeout_s);

#endif
