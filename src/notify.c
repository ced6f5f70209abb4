/*
 * notify.c — the [notify] command and webhook.
 *
 * The command runs as `/bin/sh -c command` in its own process group, with
 * stdin, stdout and stderr on pipes. One poll loop feeds the summary to its
 * stdin (non-blocking, so a command that never reads cannot hang us), keeps a
 * bounded copy of its output, and enforces the timeout by killing the group
 * (SIGTERM, then SIGKILL). SIGPIPE from a command that exits without reading
 * is blocked in this thread and consumed, never delivered to the process.
 * Everything the child needs (argv, envp) is built before fork, so the child
 * only makes async-signal-safe calls.
 *
 * The webhook is one libcurl easy handle per attempt, POSTing the summary
 * with Content-Type: application/json; connection errors, timeouts, 408, 429
 * and 5xx are retried with exponential back-off. Failures are warnings: the
 * caller's result never depends on them. Only the URL's scheme and host are
 * ever logged.
 */
#include "notify.h"

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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_OUTPUT_MAX 2048 /* bytes of the command's output kept for the log */

extern char **environ;

/* --- command --- */

/* environ minus any COLDPACK_* we set, plus ours. NULL-terminated; frees
 * with free_env(). */
static char **build_env(const char *summary_json, int failed, const char *config_file)
{
    static const char *const ours[] = {
        "COLDPACK_STATUS=", "COLDPACK_FAILED=",    "COLDPACK_DATE=",
        "COLDPACK_RUN_ID=", "COLDPACK_EXIT_CODE=", "COLDPACK_CONFIG="};
    size_t n = 0, k = 0;
    char **env;
    json_t *root = NULL, *v;
    json_error_t jerr;
    const char *status = failed ? "failed" : "ok";

    while (environ && environ[n])
        n++;
    env = calloc(n + 8, sizeof *env);
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int skip = 0;
        for (size_t j = 0; j < sizeof ours / sizeof ours[0]; j++)
            if (!strncmp(environ[i], ours[j], strlen(ours[j])))
                skip = 1;
        if (!skip && !(env[k++] = strdup(environ[i])))
            goto fail;
    }
    root = summary_json ? json_loads(summary_json, 0, &jerr) : NULL;
    if (root && (v = json_object_get(root, "status")) && json_is_string(v))
        status = json_string_value(v);
    if (!(env[k++] = util_asprintf("COLDPACK_STATUS=%s", status)))
        goto fail;
    if (!(env[k++] = util_asprintf("COLDPACK_FAILED=%d", failed ? 1 : 0)))
        goto fail;
    if (root && (v = json_object_get(root, "date")) && json_is_string(v) &&
        !(env[k++] = util_asprintf("COLDPACK_DATE=%s", json_string_value(v))))
        goto fail;
    if (root && (v = json_object_get(root, "run_id")) && json_is_string(v) &&
        !(env[k++] = util_asprintf("COLDPACK_RUN_ID=%s", json_string_value(v))))
        goto fail;
    if (root && (v = json_object_get(root, "exit_code")) && json_is_integer(v) &&
        !(env[k++] = util_asprintf("COLDPACK_EXIT_CODE=%lld", (long long)json_integer_value(v))))
        goto fail;
    if (config_file && !(env[k++] = util_asprintf("COLDPACK_CONFIG=%s", config_file)))
        goto fail;
    json_decref(root);
    return env;
fail:
    json_decref(root);
    for (size_t i = 0; i < k; i++)
        free(env[i]);
    free(env);
    return NULL;
}

static void free_env(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* In the child: close every descriptor >= 3. */
static void close_from_3(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0) == 0)
        return;
#endif
    for (int fd = 3; fd < 65536; fd++)
        close(fd);
}

int notify_command(const char *command, const char *summary_json, int failed,
                   const char *config_file, int timeout_s)
{
    int inp[2] = {-1, -1}, outp[2] = {-1, -1};
    char **env = NULL, out[NOTIFY_OUTPUT_MAX + 1];
    size_t outlen = 0, body_len = summary_json ? strlen(summary_json) : 0, sent = 0;
    sigset_t pipe_set, old_set, pending;
    int pipe_was_pending, status = 0, rc = -1, exited = 0, killed = 0, sig_blocked = 0;
    double deadline = util_now() + timeout_s, grace = 0;
    pid_t pid = -1;

    env = build_env(summary_json, failed, config_file);
    if (!env || pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
        log_warn("notify command: cannot prepare it: %s", env ? strerror(errno) : "out of memory");
        goto out;
    }
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    pipe_was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    sig_blocked = 1;
    pid = fork();
    if (pid < 0) {
        log_warn("notify command: fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        struct sigaction dfl;
        sigset_t none;

        setpgid(0, 0);
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(inp[0], 0) < 0 || dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0)
            _exit(127);
        close_from_3();
        execle("/bin/sh", "sh", "-c", command, (char *)NULL, env);
        _exit(127);
    }
    setpgid(pid, pid);
    close(inp[0]);
    inp[0] = -1;
    close(outp[1]);
    outp[1] = -1;
    fcntl(inp[1], F_SETFL, O_NONBLOCK);
    if (body_len == 0) {
        close(inp[1]);
        inp[1] = -1;
    }
    for (;;) {
        struct pollfd p[2];
        int np = 0, wait_ms;
        double now = util_now();

        if (!exited) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                exited = 1;
                grace = now + 1.0; /* collect what is left of its output */
            }
        }
        if (exited && (outp[0] < 0 || now > grace))
            break;
        if (!exited && now > deadline) {
            if (!killed) {
                kill(-pid, SIGTERM);
                killed = 1;
                deadline = now + 2.0;
            } else {
                kill(-pid, SIGKILL);
                deadline = now + 60.0;
            }
        }
        if (inp[1] >= 0)
            p[np++] = (struct pollfd){.fd = inp[1], .events = POLLOUT};
        if (outp[0] >= 0)
            p[np++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
        wait_ms = np ? 50 : 20;
        if (np == 0) {
            sleep_ms(wait_ms);
            continue;
        }
        if (poll(p, (nfds_t)np, wait_ms) <= 0)
            continue;
        for (int i = 0; i < np; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == inp[1]) {
                ssize_t n = write(inp[1], summary_json + sent, body_len - sent);
                if (n > 0)
                    sent += (size_t)n;
                if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == body_len) {
                    close(inp[1]); /* done, or it closed its stdin (EPIPE) */
                    inp[1] = -1;
                }
            } else {
                char tmp[4096];
                ssize_t n = read(outp[0], tmp, sizeof tmp);
                if (n > 0) {
                    size_t keep = (size_t)n;
                    if (keep > NOTIFY_OUTPUT_MAX - outlen)
                        keep = NOTIFY_OUTPUT_MAX - outlen;
                    memcpy(out + outlen, tmp, keep);
                    outlen += keep;
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    close(outp[0]);
                    outp[0] = -1;
                }
            }
        }
    }
    out[outlen] = 0;
    while (outlen && (out[outlen - 1] == '\n' || out[outlen - 1] == '\r'))
        out[--outlen] = 0;
    if (killed)
        log_warn("notify command: killed after its %d s timeout%s%s", timeout_s,
                 outlen ? "; output: " : "", out);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
        if (outlen)
            log_debug("notify command: output: %s", out);
    } else if (WIFEXITED(status))
        log_warn("notify command: exit status %d%s%s", WEXITSTATUS(status),
                 outlen ? "; output: " : "", out);
    else
        log_warn("notify command: killed by signal %d%s%s", WTERMSIG(status),
                 outlen ? "; output: " : "", out);
    if (rc == 0 && sent < body_len)
        log_debug("notify command: it read %zu of %zu bytes of the summary", sent, body_len);
out:
    if (sig_blocked) {
        struct timespec zero = {0, 0};
        sigpending(&pending);
        if (!pipe_was_pending && sigismember(&pending, SIGPIPE))
            while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                ;
        pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    }
    for (int i = 0; i < 2; i++) {
        if (inp[i] >= 0)
            close(inp[i]);
        if (outp[i] >= 0)
            close(outp[i]);
    }
    if (pid > 0)
        kill(-pid, SIGKILL); /* leftovers in its group */
    free_env(env);
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
            sleep_ms(delay);
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
    int rc = 0;

    if (!cfg->notify.always && !failed)
        return 0;
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
