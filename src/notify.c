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
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_OUTPUT_MAX 2048 /* bytes of the command's output kept for the log */

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
 * coming out. */
struct cmd_io {
    child_t *ch;
    const char *body;
    size_t body_len, sent;
    char out[NOTIFY_OUTPUT_MAX + 1];
    size_t outlen;
};

/* One round of at most 50 ms: write what stdin takes, keep what it says. */
static void cmd_io_round(void *ctx)
{
    struct cmd_io *io = ctx;
    child_t *ch = io->ch;
    struct pollfd p[2];
    int np = 0;

    if (ch->in_fd >= 0)
        p[np++] = (struct pollfd){.fd = ch->in_fd, .events = POLLOUT};
    if (ch->out_fd >= 0)
        p[np++] = (struct pollfd){.fd = ch->out_fd, .events = POLLIN};
    if (np == 0) {
        util_sleep(0.02);
        return;
    }
    if (poll(p, (nfds_t)np, 50) <= 0)
        return;
    for (int i = 0; i < np; i++) {
        if (!p[i].revents)
            continue;
        if (p[i].fd == ch->in_fd) {
            ssize_t n = write(ch->in_fd, io->body + io->sent, io->body_len - io->sent);
            if (n > 0)
                io->sent += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || io->sent == io->body_len) {
                close(ch->in_fd); /* done, or it closed its stdin (EPIPE) */
                ch->in_fd = -1;
            }
        } else {
            char tmp[4096];
            ssize_t n = read(ch->out_fd, tmp, sizeof tmp);
            if (n > 0) {
                size_t keep = (size_t)n;
                if (keep > NOTIFY_OUTPUT_MAX - io->outlen)
                    keep = NOTIFY_OUTPUT_MAX - io->outlen;
                memcpy(io->out + io->outlen, tmp, keep);
                io->outlen += keep;
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(ch->out_fd);
                ch->out_fd = -1;
            }
        }
    }
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
    io->body = summary_json ? summary_json : "";
    io->body_len = strlen(io->body);
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
    if (io->body_len == 0) {
        close(ch.in_fd);
        ch.in_fd = -1;
    }
    status = child_wait(&ch, timeout_s, 2.0, cmd_io_round, io);
    grace = util_now() + 1.0; /* collect what is left of its output */
    while (ch.out_fd >= 0 && util_now() < grace)
        cmd_io_round(io);
    io->out[io->outlen] = 0;
    while (io->outlen && (io->out[io->outlen - 1] == '\n' || io->out[io->outlen - 1] == '\r'))
        io->out[--io->outlen] = 0;
    if (ch.signalled)
        log_warn("notify command: killed after its %d s timeout%s%s", timeout_s,
                 io->outlen ? "; output: " : "", io->out);
    else if (status == -1)
        log_warn("notify command: waiting for it: %s", strerror(errno));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
        if (io->outlen)
            log_debug("notify command: output: %s", io->out);
    } else if (WIFEXITED(status))
        log_warn("notify command: exit status %d%s%s", WEXITSTATUS(status),
                 io->outlen ? "; output: " : "", io->out);
    else
        log_warn("notify command: killed by signal %d%s%s", WTERMSIG(status),
                 io->outlen ? "; output: " : "", io->out);
    if (rc == 0 && io->sent < io->body_len)
        log_debug("notify command: it read %zu of %zu bytes of the summary", io->sent,
                  io->body_len);
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
    struct curl_slist *hdrs = NULL;
    char origin[256], why[CURL_ERROR_SIZE + 64] = "";
    long delay = base_delay_ms;
    int rc = -1;

    url_origin(url, origin, sizeof origin);
    pthread_once(&curl_once, curl_init_once);
    if (!curl_ok) {
        log_warn("notify webhook %s: libcurl initialisation failed", origin);
        return -1;
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
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
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
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

int notify_run(const config_t *cfg, const char *summary_json, int failed)
{
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
    if (cfg->notify.webhook && cfg->notify.webhook[0] &&
        notify_webhook(cfg->notify.webhook, summary_json, NOTIFY_WEBHOOK_ATTEMPTS,
                       NOTIFY_WEBHOOK_BACKOFF, NOTIFY_WEBHOOK_TIMEOUT) < 0)
        rc = -1;
    return rc;
}
