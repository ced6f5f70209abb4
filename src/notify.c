/*
 * notify.c — the [notify] command and webhook.
 *
 * The command runs as `/bin/sh -c command` through child.c, in its own
 * process group, with stdin on a pipe and stdout and stderr on one pipe, and
 * only the environment child.h lists (never cloud credentials). While
 * child_wait waits, its idle rounds feed the summary to its stdin
 * (non-blocking, so a command that never reads cannot hang us) and keep a
 * bounded copy of its output; child_wait enforces the timeout by killing the
 * group (SIGTERM, then SIGKILL). SIGPIPE from a command that exits without reading
 * is blocked in this thread and consumed, never delivered to the process.
 *
 * The webhook is one libcurl easy handle per attempt, POSTing the summary
 * with Content-Type: application/json; connection errors, timeouts, 408, 429
 * and 5xx are retried with exponential back-off. Failures are warnings: the
 * caller's result never depends on them. Only the URL's scheme and host are
 * ever logged.
 */
#include "notify.h"

#include "child.h"
#include "config.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_OUTPUT_MAX 2048 /* bytes of the command's output kept for the log */

/* --- the summary --- */

static void iso_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int notify_summary_base(json_t *sum, const notify_info_t *ni)
{
    char host[256] = "", start[32], end[32];
    json_t *dates = json_array();
    int rc = 0;

    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "unknown");
    iso_utc(ni->start, start);
    iso_utc(ni->end, end);
    if (!dates || (ni->date && json_array_append_new(dates, json_string(ni->date)) < 0)) {
        json_decref(dates);
        return -1;
    }
    rc |= json_object_set_new(sum, "host", json_string(host));
    rc |= json_object_set_new(sum, "run_id", ni->run_id ? json_string(ni->run_id) : json_null());
    rc |= json_object_set_new(sum, "date", ni->date ? json_string(ni->date) : json_null());
    rc |= json_object_set_new(sum, "dates", dates);
    rc |= json_object_set_new(sum, "start", json_string(start));
    rc |= json_object_set_new(sum, "end", json_string(end));
    rc |= json_object_set_new(sum, "duration_seconds",
                              json_integer(ni->end > ni->start ? ni->end - ni->start : 0));
    rc |= json_object_set_new(sum, "exit_code", json_integer(ni->exit_code));
    rc |= json_object_set_new(sum, "outcome", json_string(ni->outcome));
    rc |= json_object_set_new(sum, "status", json_string(ni->outcome));
    if (!json_object_get(sum, "failures"))
        rc |= json_object_set_new(sum, "failures", json_array());
    return rc ? -1 : 0;
}

int notify_add_failure(json_t *sum, const char *what, const char *why)
{
    json_t *f = json_object_get(sum, "failures");

    if (!f) {
        if (json_object_set_new(sum, "failures", json_array()) < 0)
            return -1;
        f = json_object_get(sum, "failures");
    }
    return json_array_append_new(f, json_pack("{s:s, s:s}", "what", what ? what : "run", "why",
                                              why && why[0] ? why : "unknown (see the log)"));
}

json_t *notify_summary_failed(const notify_info_t *ni, const char *what, const char *why)
{
    json_t *sum = json_pack("{s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:[], s:[], s:[]}",
                            "units_done", 0, "units_skipped", 0, "units_failed", 0, "units_left", 0,
                            "warnings", 0, "bytes_read", (json_int_t)0, "bytes_in", (json_int_t)0,
                            "bytes_stored", (json_int_t)0, "sources", "units", "left");

    if (!sum || notify_summary_base(sum, ni) < 0 || notify_add_failure(sum, what, why) < 0) {
        json_decref(sum);
        return NULL;
    }
    return sum;
}

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

char *notify_slack_text(const char *summary_json)
{
    json_error_t jerr;
    json_t *sum = summary_json ? json_loads(summary_json, 0, &jerr) : NULL;
    json_t *fails, *f;
    strbuf_t sb = STRBUF_INIT(64 << 10);
    const char *outcome;
    char *txt = NULL;
    char a[32], b[32];
    size_t i;
    int rc = 0;

    if (!json_is_object(sum)) {
        json_decref(sum);
        return strdup("coldpack: a run ended (its summary could not be read)");
    }
    outcome = jstr(sum, "outcome", jstr(sum, "status", "unknown"));
    rc |= strbuf_addf(&sb, "coldpack on %s: run %s of %s %s (exit %lld) in %lld s",
                      jstr(sum, "host", "?"), jstr(sum, "run_id", "-"), jstr(sum, "date", "-"),
                      !strcmp(outcome, "ok") ? "ok" : outcome, jint(sum, "exit_code"),
                      jint(sum, "duration_seconds"));
    rc |= strbuf_addf(&sb, "; units: %lld done, %lld already complete, %lld failed, %lld left",
                      jint(sum, "units_done"), jint(sum, "units_skipped"),
                      jint(sum, "units_failed"), jint(sum, "units_left"));
    rc |= strbuf_addf(&sb, "; %s read, %s stored",
                      util_fmt_size((int64_t)jint(sum, "bytes_read"), a, sizeof a),
                      util_fmt_size((int64_t)jint(sum, "bytes_stored"), b, sizeof b));
    fails = json_object_get(sum, "failures");
    if (json_is_array(fails) && json_array_size(fails) > 0) {
        rc |= strbuf_addf(&sb, "\nfailures (%zu):", json_array_size(fails));
        json_array_foreach(fails, i, f)
        {
            if (i >= 20) {
                rc |= strbuf_addf(&sb, "\n- ... and %zu more", json_array_size(fails) - i);
                break;
            }
            const char *what = jstr(f, "what", "?"), *why = jstr(f, "why", "?");
            if (!strncmp(why, what, strlen(what))) /* "source S: source S: ..." says it once */
                rc |= strbuf_addf(&sb, "\n- %s", why);
            else
                rc |= strbuf_addf(&sb, "\n- %s: %s", what, why);
        }
    }
    if (rc == 0)
        txt = strbuf_detach(&sb, NULL);
    strbuf_release(&sb);
    json_decref(sum);
    return txt;
}

char *notify_slack_payload(const char *summary_json)
{
    char *txt = notify_slack_text(summary_json), *out = NULL;
    json_t *o = txt ? json_pack("{s:s}", "text", txt) : NULL;

    if (o)
        out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(txt);
    return out;
}

int notify_signature(const char *secret, const char *body, size_t len, char *out)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;

    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac,
              &mlen) ||
        mlen != 32)
        return -1;
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < mlen; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

/* --- [notify] read on its own, for a config that was refused --- */

static int fallback_key(void *ud, const char *section, const char *key, const char *value)
{
    config_t *c = ud;
    char **dst = NULL;

    if (strcmp(section, "notify"))
        return 1; /* the rest of the file is not our business here */
    if (!strcmp(key, "command"))
        dst = &c->notify.command;
    else if (!strcmp(key, "webhook")) {
        if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
            return 0;
        dst = &c->notify.webhook;
    } else if (!strcmp(key, "webhook_auth"))
        dst = &c->notify.webhook_auth;
    else if (!strcmp(key, "webhook_secret"))
        dst = &c->notify.webhook_secret;
    else if (!strcmp(key, "on")) {
        if (strcmp(value, "failure") && strcmp(value, "always"))
            return 0;
        c->notify.always = !strcmp(value, "always");
        return 1;
    } else if (!strcmp(key, "webhook_format")) {
        if (strcmp(value, "json") && strcmp(value, "slack"))
            return 0;
        c->notify.webhook_slack = !strcmp(value, "slack");
        return 1;
    } else
        return 0;
    free(*dst);
    *dst = strdup(value);
    return *dst != NULL;
}

config_t *notify_config_fallback(const char *path)
{
    config_t *c = calloc(1, sizeof *c);

    if (!c || !(c->file = strdup(path)) || ini_parse(path, fallback_key, c) != 0 ||
        (!c->notify.command && !c->notify.webhook)) {
        config_free(c);
        return NULL;
    }
    return c;
}

/* --- command --- */

/* The command's COLDPACK_* variables (notify.h), in the child environment
 * of child.h. NULL when out of memory; free with child_env_free(). */
static char **build_env(const char *summary_json, int failed, const char *config_file)
{
    char *ours[7] = {NULL};
    char **env = NULL;
    size_t k = 0;
    json_t *root = NULL, *v;
    json_error_t jerr;
    const char *status = failed ? "failed" : "ok";

    root = summary_json ? json_loads(summary_json, 0, &jerr) : NULL;
    if (root && (v = json_object_get(root, "status")) && json_is_string(v))
        status = json_string_value(v);
    if (!(ours[k++] = util_asprintf("COLDPACK_STATUS=%s", status)))
        goto out;
    if (!(ours[k++] = util_asprintf("COLDPACK_FAILED=%d", failed ? 1 : 0)))
        goto out;
    if (root && (v = json_object_get(root, "date")) && json_is_string(v) &&
        !(ours[k++] = util_asprintf("COLDPACK_DATE=%s", json_string_value(v))))
        goto out;
    if (root && (v = json_object_get(root, "run_id")) && json_is_string(v) &&
        !(ours[k++] = util_asprintf("COLDPACK_RUN_ID=%s", json_string_value(v))))
        goto out;
    if (root && (v = json_object_get(root, "exit_code")) && json_is_integer(v) &&
        !(ours[k++] = util_asprintf("COLDPACK_EXIT_CODE=%lld", (long long)json_integer_value(v))))
        goto out;
    if (config_file && !(ours[k++] = util_asprintf("COLDPACK_CONFIG=%s", config_file)))
        goto out;
    env = child_env_new(CHILD_ENV_BASE, (const char *const *)ours);
out:
    json_decref(root);
    for (size_t i = 0; i < k; i++)
        free(ours[i]);
    return env;
}

/* The command's pipes: the summary going in, a bounded copy of its output
 * coming out (child_io_round moves both). */
struct cmd_io {
    child_t *ch;
    child_io_t io;
    char out[NOTIFY_OUTPUT_MAX + 1];
};

/* child_wait's idle round: at most 50 ms of I/O. */
static void cmd_io_round(void *ctx)
{
    struct cmd_io *io = ctx;

    child_io_round(io->ch, &io->io, 50);
}

int notify_command(const char *command, const char *summary_json, int failed,
                   const char *config_file, int timeout_s)
{
    child_t ch = CHILD_INIT;
    struct cmd_io *io = NULL;
    char **env = NULL;
    char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c", (char *)(uintptr_t)command,
                    NULL};
    child_opts_t o = {.path = "/bin/sh",
                      .argv = argv,
                      .in = CHILD_PIPE,
                      .out = CHILD_PIPE,
                      .err = CHILD_STDOUT,
                      .new_pgrp = 1};
    sigset_t pipe_set, old_set, pending;
    int pipe_was_pending, status, rc = -1, sig_blocked = 0;
    double grace;

    env = build_env(summary_json, failed, config_file);
    io = calloc(1, sizeof *io);
    if (!env || !io) {
        log_warn("notify command: cannot prepare it: out of memory");
        goto out;
    }
    o.envp = env;
    io->ch = &ch;
    io->io.in = summary_json ? summary_json : "";
    io->io.inlen = strlen(summary_json ? summary_json : "");
    io->io.out = io->out;
    io->io.outcap = NOTIFY_OUTPUT_MAX;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    pipe_was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    sig_blocked = 1;
    if (child_spawn(&ch, &o) != CHILD_OK) {
        log_warn("notify command: cannot run /bin/sh: %s", strerror(errno));
        goto out;
    }
    fcntl(ch.in_fd, F_SETFL, O_NONBLOCK);
    if (io->io.inlen == 0) {
        close(ch.in_fd);
        ch.in_fd = -1;
    }
    status = child_wait(&ch, timeout_s, 2.0, cmd_io_round, io);
    grace = util_now() + 1.0; /* collect what is left of its output */
    while (ch.out_fd >= 0 && util_now() < grace)
        cmd_io_round(io);
    while (io->io.outlen &&
           (io->out[io->io.outlen - 1] == '\n' || io->out[io->io.outlen - 1] == '\r'))
        io->out[--io->io.outlen] = 0;
    if (ch.signalled)
        log_warn("notify command: killed after its %d s timeout%s%s", timeout_s,
                 io->io.outlen ? "; output: " : "", io->out);
    else if (status == -1)
        log_warn("notify command: waiting for it: %s", strerror(errno));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
        if (io->io.outlen)
            log_debug("notify command: output: %s", io->out);
    } else if (WIFEXITED(status))
        log_warn("notify command: exit status %d%s%s", WEXITSTATUS(status),
                 io->io.outlen ? "; output: " : "", io->out);
    else
        log_warn("notify command: killed by signal %d%s%s", WTERMSIG(status),
                 io->io.outlen ? "; output: " : "", io->out);
    if (rc == 0 && io->io.sent < io->io.inlen)
        log_debug("notify command: it read %zu of %zu bytes of the summary", io->io.sent,
                  io->io.inlen);
out:
    child_end(&ch); /* closes our pipe ends, kills leftovers in its group */
    if (sig_blocked) {
        struct timespec zero = {0, 0};
        sigpending(&pending);
        if (!pipe_was_pending && sigismember(&pending, SIGPIPE))
            while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                ;
        pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    }
    child_env_free(env);
    free(io);
    return rc;
}

/* --- webhook --- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void curl_init_once(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* "scheme://host[:port]" of url for messages (never the path: it may hold a
 * token). */
static void url_origin(const char *url, char *out, size_t outsz)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (!p) {
        snprintf(out, outsz, "(unparsable URL)");
        return;
    }
    p += 3;
    n = strcspn(p, "/?#");
    {
        /* drop userinfo */
        const char *at = memchr(p, '@', n);
        if (at) {
            n -= (size_t)(at + 1 - p);
            p = at + 1;
        }
    }
    snprintf(out, outsz, "%.*s%.*s", (int)(strstr(url, "://") - url + 3), url, (int)n, p);
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

int notify_webhook(const char *url, const char *body, int attempts, int base_delay_ms,
                   int timeout_s)
{
    return notify_webhook_ex(url, body, NULL, NULL, attempts, base_delay_ms, timeout_s);
}

/* Append "Name: value" to *hdrs; -1 when out of memory. */
static int add_header(struct curl_slist **hdrs, const char *name, const char *value)
{
    char *h = util_asprintf("%s: %s", name, value);
    struct curl_slist *n = h ? curl_slist_append(*hdrs, h) : NULL;

    free(h);
    if (!n)
        return -1;
    *hdrs = n;
    return 0;
}

int notify_webhook_ex(const char *url, const char *body, const char *auth, const char *secret,
                      int attempts, int base_delay_ms, int timeout_s)
{
    struct curl_slist *hdrs = NULL;
    char sig[NOTIFY_SIG_SIZE];
    char origin[256], why[CURL_ERROR_SIZE + 64] = "";
    long delay = base_delay_ms;
    int rc = -1;

    url_origin(url, origin, sizeof origin);
    pthread_once(&curl_once, curl_init_once);
    if (!curl_ok) {
        log_warn("notify webhook %s: libcurl initialisation failed", origin);
        return -1;
    }
    if (!body)
        body = "";
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    if (hdrs && auth && auth[0] && add_header(&hdrs, "Authorization", auth) < 0) {
        curl_slist_free_all(hdrs);
        hdrs = NULL;
    }
    if (hdrs && secret && secret[0]) {
        if (notify_signature(secret, body, strlen(body), sig) < 0) {
            log_warn("notify webhook %s: cannot sign the body (HMAC-SHA-256 failed)", origin);
            curl_slist_free_all(hdrs);
            return -1;
        }
        if (add_header(&hdrs, "X-Coldpack-Signature", sig) < 0) {
            curl_slist_free_all(hdrs);
            hdrs = NULL;
        }
    }
    if (!hdrs) {
        log_warn("notify webhook %s: out of memory", origin);
        return -1;
    }
    for (int i = 0; i < attempts && rc < 0; i++) {
        CURL *h = curl_easy_init();
        char err[CURL_ERROR_SIZE] = "";
        long code = 0;
        int retry = 1;
        CURLcode cr;

        if (i > 0) {
            log_debug("notify webhook %s: attempt %d failed (%s); retrying in %ld ms", origin, i,
                      why, delay);
            util_sleep((double)delay / 1000.0);
            delay *= 2;
        }
        if (!h) {
            snprintf(why, sizeof why, "out of memory");
            continue;
        }
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "coldpack-notify/1");
        curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_s);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(timeout_s < 10 ? timeout_s : 10));
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        cr = curl_easy_perform(h);
        if (cr != CURLE_OK) {
            snprintf(why, sizeof why, "%s", err[0] ? err : curl_easy_strerror(cr));
        } else {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            if (code >= 200 && code < 300) {
                rc = 0;
            } else {
                snprintf(why, sizeof why, "HTTP status %ld", code);
                retry = code == 408 || code == 429 || code >= 500;
            }
        }
        curl_easy_cleanup(h);
        if (rc < 0 && !retry) {
            i++;
            log_warn("notify webhook %s: failed after %d attempt%s: %s", origin, i,
                     i == 1 ? "" : "s", why);
            curl_slist_free_all(hdrs);
            return -1;
        }
    }
    if (rc < 0)
        log_warn("notify webhook %s: failed after %d attempt%s: %s", origin, attempts,
                 attempts == 1 ? "" : "s", why);
    else
        log_debug("notify webhook %s: delivered", origin);
    curl_slist_free_all(hdrs);
    return rc;
}

static _Atomic int failed_count;

int notify_failed_count(void)
{
    return atomic_load(&failed_count);
}

int notify_run(const config_t *cfg, const char *summary_json, int failed)
{
    if (failed)
        atomic_fetch_add(&failed_count, 1);
    if (!cfg->notify.always && !failed)
        return 0;
    return notify_event(cfg, summary_json, failed);
}

int notify_event(const config_t *cfg, const char *summary_json, int failed)
{
    int rc = 0;

    if (cfg->notify.command && cfg->notify.command[0] &&
        notify_command(cfg->notify.command, summary_json, failed, cfg->file,
                       NOTIFY_COMMAND_TIMEOUT) < 0)
        rc = -1;
    if (cfg->notify.webhook && cfg->notify.webhook[0]) {
        const char *auth = cfg->notify.webhook_auth;
        char *slack = NULL;
        if (!auth || !auth[0])
            auth = getenv("COLDPACK_WEBHOOK_AUTH");
        if (cfg->notify.webhook_slack && !(slack = notify_slack_payload(summary_json))) {
            log_warn("notify webhook: cannot build the slack text: out of memory");
            return -1;
        }
        if (notify_webhook_ex(cfg->notify.webhook, slack ? slack : summary_json, auth,
                              cfg->notify.webhook_secret, NOTIFY_WEBHOOK_ATTEMPTS,
                              NOTIFY_WEBHOOK_BACKOFF, NOTIFY_WEBHOOK_TIMEOUT) < 0)
            rc = -1;
        free(slack);
    }
    return rc;
}
