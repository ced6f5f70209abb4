/*
 * test_notify.c — the [notify] command and webhook against real peers on this
 * machine: a command receives the JSON summary on stdin and the documented
 * COLDPACK_* variables; a command that hangs is killed at its timeout; one
 * that exits without reading a large summary does not hurt us (no SIGPIPE);
 * a tiny HTTP server thread on 127.0.0.1 receives the POST (method, path,
 * Content-Type, body) and, answering 503 first, sees the retry; a webhook on
 * a closed port fails quickly with -1; `on = failure` skips a successful run.
 * The summary builder (host, ISO 8601 start/end, duration, failures), the
 * slack payload, the HMAC-SHA-256 signature (RFC 4231 vector), the slack
 * webhook with Authorization and X-Coldpack-Signature, and the [notify]
 * section read on its own from a config refused elsewhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "notify.h"

#include <jansson.h>
#include "testutil.h"
#include "util.h"

static char tmp[128];

static const char summary[] =
    "{\"status\":\"partial\",\"date\":\"2026-11-23\",\"run_id\":\"r-42\",\"exit_code\":3,"
    "\"failed_sources\":[{\"source\":\"siem-02\",\"why\":\"host unreachable\"}]}";

static char *slurp(const char *path)
{
    return tu_read_file(path, NULL);
}

/* --- a tiny HTTP server: answers `codes` in turn, one request each --- */

struct http_server {
    int fd;
    int port;
    int ncodes;
    int codes[8];
    int served;
    char request[8][4096]; /* head of each request */
    char body[8][4096];
    pthread_t th;
};

static void *http_main(void *arg)
{
    struct http_server *s = arg;

    for (int i = 0; i < s->ncodes; i++) {
        int c = accept(s->fd, NULL, NULL);
        char buf[16384];
        size_t len = 0;
        char *end = NULL;
        long clen = 0;

        if (c < 0)
            break;
        while (len < sizeof buf - 1) {
            ssize_t n = read(c, buf + len, sizeof buf - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = 0;
            if (!end && (end = strstr(buf, "\r\n\r\n"))) {
                char *cl = strcasestr(buf, "\r\nContent-Length:");
                if (cl)
                    clen = strtol(cl + 17, NULL, 10);
            }
            if (end && len >= (size_t)(end + 4 - buf) + (size_t)clen)
                break;
        }
        if (end) {
            snprintf(s->request[i], sizeof s->request[i], "%.*s", (int)(end - buf), buf);
            snprintf(s->body[i], sizeof s->body[i], "%s", end + 4);
        }
        dprintf(c, "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                s->codes[i]);
        close(c);
        s->served++;
    }
    return NULL;
}

static void http_start(struct http_server *s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int one = 1;

    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, http_main, s), 0);
}

static void http_stop(struct http_server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* A port nothing listens on. */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static config_t mk_cfg(const char *command, const char *webhook, int always)
{
    config_t c;

    memset(&c, 0, sizeof c);
    c.file = (char *)(uintptr_t) "/etc/coldpack/test.conf";
    c.notify.command = (char *)(uintptr_t)command;
    c.notify.webhook = (char *)(uintptr_t)webhook;
    c.notify.always = always;
    return c;
}

static void test_command_gets_summary_and_env(void **state)
{
    char *cmd =
        util_asprintf("cat > %s/stdin.json; env | grep '^COLDPACK_' | sort > %s/env", tmp, tmp);
    char *p;
    config_t cfg = mk_cfg(cmd, NULL, 0);

    (void)state;
    assert_int_equal(notify_run(&cfg, summary, 1), 0);
    p = util_asprintf("%s/stdin.json", tmp);
    char *got = slurp(p);
    assert_non_null(got);
    assert_string_equal(got, summary);
    free(got);
    free(p);
    p = util_asprintf("%s/env", tmp);
    got = slurp(p);
    assert_non_null(got);
    assert_string_equal(got, "COLDPACK_CONFIG=/etc/coldpack/test.conf\n"
                             "COLDPACK_DATE=2026-11-23\n"
                             "COLDPACK_EXIT_CODE=3\n"
                             "COLDPACK_FAILED=1\n"
                             "COLDPACK_RUN_ID=r-42\n"
                             "COLDPACK_STATUS=partial\n");
    free(got);
    free(p);
    free(cmd);
}

static void test_on_failure_only(void **state)
{
    char *marker = util_asprintf("%s/ran", tmp);
    char *cmd = util_asprintf("touch %s", marker);
    config_t cfg = mk_cfg(cmd, NULL, 0);

    (void)state;
    unlink(marker);
    assert_int_equal(notify_run(&cfg, "{\"status\":\"ok\"}", 0), 0);
    assert_int_not_equal(access(marker, F_OK), 0); /* on = failure: not run */
    cfg.notify.always = 1;
    assert_int_equal(notify_run(&cfg, "{\"status\":\"ok\"}", 0), 0);
    assert_int_equal(access(marker, F_OK), 0);
    free(cmd);
    free(marker);
}

/* An event (restore done) is sent whatever `on` says. */
static void test_event_ignores_on(void **state)
{
    char *marker = util_asprintf("%s/event", tmp);
    char *cmd = util_asprintf("cat > %s", marker);
    config_t cfg = mk_cfg(cmd, NULL, 0);
    char buf[128] = "";
    FILE *f;

    (void)state;
    unlink(marker);
    assert_int_equal(notify_event(&cfg, "{\"event\":\"restore\",\"status\":\"done\"}", 0), 0);
    assert_non_null(f = fopen(marker, "r"));
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "{\"event\":\"restore\",\"status\":\"done\"}");
    free(cmd);
    free(marker);
}

static void test_command_failures(void **state)
{
    size_t big = 1 << 20;
    char *json = malloc(big + 16);
    double t0;

    (void)state;
    /* exits non-zero: -1, logged */
    assert_int_equal(notify_command("echo oops; exit 3", summary, 1, NULL, 10), -1);
    /* never reads a 1 MiB summary, exits 0: fine, and no SIGPIPE kills us */
    memset(json, ' ', big);
    strcpy(json + big, "{}");
    assert_int_equal(notify_command("exit 0", json, 1, NULL, 10), 0);
    /* hangs: killed at the timeout */
    t0 = util_now();
    assert_int_equal(notify_command("sleep 30", summary, 1, NULL, 1), -1);
    assert_true(util_now() - t0 < 6.0);
    /* a hung command that ignores SIGTERM and holds stdin open */
    t0 = util_now();
    assert_int_equal(notify_command("trap '' TERM; sleep 30", json, 1, NULL, 1), -1);
    assert_true(util_now() - t0 < 8.0);
    free(json);
}

static void test_webhook_post(void **state)
{
    struct http_server s = {.ncodes = 1, .codes = {200}};
    char *url;
    config_t cfg;

    (void)state;
    http_start(&s);
    url = util_asprintf("http://127.0.0.1:%d/hooks/secret-token", s.port);
    cfg = mk_cfg(NULL, url, 1);
    assert_int_equal(notify_run(&cfg, summary, 0), 0);
    http_stop(&s);
    assert_int_equal(s.served, 1);
    assert_non_null(strstr(s.request[0], "POST /hooks/secret-token HTTP/1.1"));
    assert_non_null(strcasestr(s.request[0], "\r\nContent-Type: application/json"));
    assert_string_equal(s.body[0], summary);
    free(url);
}

static void test_webhook_retries(void **state)
{
    struct http_server s = {.ncodes = 3, .codes = {503, 429, 204}};
    char *url;

    (void)state;
    http_start(&s);
    url = util_asprintf("http://127.0.0.1:%d/x", s.port);
    assert_int_equal(notify_webhook(url, summary, 4, 50, 5), 0);
    http_stop(&s);
    assert_int_equal(s.served, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(s.body[i], summary);
    free(url);
}

static void test_webhook_no_retry_on_4xx(void **state)
{
    struct http_server s = {.ncodes = 1, .codes = {404}};
    char *url;

    (void)state;
    http_start(&s);
    url = util_asprintf("http://127.0.0.1:%d/x", s.port);
    assert_int_equal(notify_webhook(url, summary, 4, 50, 5), -1);
    http_stop(&s);
    assert_int_equal(s.served, 1);
    free(url);
}

static void test_webhook_down(void **state)
{
    char *url = util_asprintf("http://127.0.0.1:%d/hook", closed_port());
    char *marker = util_asprintf("%s/cmd-ran", tmp);
    char *cmd = util_asprintf("cat > %s", marker);
    config_t cfg = mk_cfg(cmd, url, 1);
    double t0 = util_now();

    (void)state;
    /* with the defaults: returns -1, quickly, and the command still ran */
    assert_int_equal(notify_run(&cfg, summary, 1), -1);
    assert_true(util_now() - t0 < 10.0);
    assert_int_equal(access(marker, F_OK), 0);
    free(cmd);
    free(marker);
    free(url);
}

static void test_summary_base(void **state)
{
    notify_info_t ni = {"r-1", "2026-11-23", 1795917600, 1795917725, 1, "failed"};
    json_t *sum = json_object(), *v;
    char host[256] = "";

    (void)state;
    gethostname(host, sizeof host - 1);
    assert_int_equal(notify_summary_base(sum, &ni), 0);
    assert_string_equal(json_string_value(json_object_get(sum, "host")), host);
    assert_string_equal(json_string_value(json_object_get(sum, "run_id")), "r-1");
    assert_string_equal(json_string_value(json_object_get(sum, "date")), "2026-11-23");
    v = json_object_get(sum, "dates");
    assert_int_equal(json_array_size(v), 1);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "2026-11-23");
    assert_string_equal(json_string_value(json_object_get(sum, "start")), "2026-11-29T02:00:00Z");
    assert_string_equal(json_string_value(json_object_get(sum, "end")), "2026-11-29T02:02:05Z");
    assert_int_equal(json_integer_value(json_object_get(sum, "duration_seconds")), 125);
    assert_int_equal(json_integer_value(json_object_get(sum, "exit_code")), 1);
    assert_string_equal(json_string_value(json_object_get(sum, "outcome")), "failed");
    assert_string_equal(json_string_value(json_object_get(sum, "status")), "failed");
    assert_true(json_is_array(json_object_get(sum, "failures")));
    assert_int_equal(notify_add_failure(sum, "source siem-02", "host unreachable"), 0);
    assert_int_equal(notify_add_failure(sum, "store", ""), 0);
    v = json_object_get(sum, "failures");
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "what")),
                        "source siem-02");
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "why")),
                        "unknown (see the log)");
    json_decref(sum);
}

static void test_summary_failed(void **state)
{
    notify_info_t ni = {NULL, "2026-11-23", 100, 90, 5, "locked"};
    json_t *sum = notify_summary_failed(&ni, "lock", "another coldpack run holds the lock");

    (void)state;
    assert_non_null(sum);
    assert_true(json_is_null(json_object_get(sum, "run_id")));
    assert_int_equal(json_integer_value(json_object_get(sum, "duration_seconds")), 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "exit_code")), 5);
    assert_int_equal(json_integer_value(json_object_get(sum, "units_failed")), 0);
    assert_int_equal(json_array_size(json_object_get(sum, "sources")), 0);
    assert_int_equal(json_array_size(json_object_get(sum, "failures")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(sum, "failures"), 0), "what")),
                        "lock");
    json_decref(sum);
}

static const char failed_summary[] =
    "{\"host\":\"siem-backup\",\"run_id\":\"r-9\",\"date\":\"2026-11-23\",\"outcome\":\"failed\","
    "\"exit_code\":1,\"duration_seconds\":12,\"units_done\":0,\"units_skipped\":3,"
    "\"units_failed\":2,\"units_left\":0,\"bytes_read\":0,\"bytes_stored\":0,"
    "\"failures\":[{\"what\":\"source siem-01\",\"why\":\"host unreachable\"},"
    "{\"what\":\"source siem-02\",\"why\":\"permission denied\"}]}";

static void test_slack_payload(void **state)
{
    char *p = notify_slack_payload(failed_summary);
    json_error_t jerr;
    json_t *o;
    const char *t;

    (void)state;
    assert_non_null(p);
    o = json_loads(p, 0, &jerr);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 1);
    t = json_string_value(json_object_get(o, "text"));
    assert_non_null(t);
    assert_non_null(strstr(t, "coldpack on siem-backup: run r-9 of 2026-11-23 failed (exit 1)"));
    assert_non_null(strstr(t, "2 failed"));
    assert_non_null(strstr(t, "\n- source siem-01: host unreachable"));
    assert_non_null(strstr(t, "\n- source siem-02: permission denied"));
    json_decref(o);
    free(p);
    p = notify_slack_text("not json");
    assert_non_null(p);
    assert_non_null(strstr(p, "coldpack"));
    free(p);
}

static void test_signature_vector(void **state)
{
    char sig[NOTIFY_SIG_SIZE];
    const char *data = "what do ya want for nothing?";

    (void)state;
    /* RFC 4231, test case 2 */
    assert_int_equal(notify_signature("Jefe", data, strlen(data), sig), 0);
    assert_string_equal(sig,
                        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_webhook_slack_auth_signed(void **state)
{
    struct http_server s = {.ncodes = 2, .codes = {200, 200}};
    char *url, *want, sig[NOTIFY_SIG_SIZE], *slack = notify_slack_payload(failed_summary);
    config_t cfg;

    (void)state;
    assert_non_null(slack);
    http_start(&s);
    url = util_asprintf("http://127.0.0.1:%d/hook", s.port);
    cfg = mk_cfg(NULL, url, 0);
    cfg.notify.webhook_slack = 1;
    cfg.notify.webhook_auth = (char *)(uintptr_t) "Bearer tok-1";
    cfg.notify.webhook_secret = (char *)(uintptr_t) "k3y";
    assert_int_equal(notify_run(&cfg, failed_summary, 1), 0);
    /* no webhook_auth: the environment's */
    cfg.notify.webhook_auth = NULL;
    setenv("COLDPACK_WEBHOOK_AUTH", "Bearer from-env", 1);
    assert_int_equal(notify_run(&cfg, failed_summary, 1), 0);
    unsetenv("COLDPACK_WEBHOOK_AUTH");
    http_stop(&s);
    assert_int_equal(s.served, 2);
    assert_string_equal(s.body[0], slack);
    assert_int_equal(notify_signature("k3y", slack, strlen(slack), sig), 0);
    want = util_asprintf("\r\nX-Coldpack-Signature: %s", sig);
    assert_non_null(strcasestr(s.request[0], want));
    assert_non_null(strcasestr(s.request[0], "\r\nAuthorization: Bearer tok-1"));
    assert_non_null(strcasestr(s.request[1], "\r\nAuthorization: Bearer from-env"));
    assert_true(notify_failed_count() >= 2);
    free(want);
    free(url);
    free(slack);
}

static void test_config_fallback(void **state)
{
    char *path = util_asprintf("%s/bad.conf", tmp);
    config_t *c;

    (void)state;
    /* refused by config_load (bad volume_size), but [notify] is fine */
    tu_write_file(path,
                  "[pack]\nvolume_size = banana\n[notify]\ncommand = true\n"
                  "webhook = https://hooks.example/x\nwebhook_format = slack\n"
                  "webhook_secret = s\non = always\n",
                  0600);
    assert_null(config_load(path));
    c = notify_config_fallback(path);
    assert_non_null(c);
    assert_string_equal(c->file, path);
    assert_string_equal(c->notify.command, "true");
    assert_string_equal(c->notify.webhook, "https://hooks.example/x");
    assert_int_equal(c->notify.webhook_slack, 1);
    assert_int_equal(c->notify.always, 1);
    assert_string_equal(c->notify.webhook_secret, "s");
    config_free(c);
    /* a bad [notify] (or no notifier) gives nothing */
    tu_write_file(path, "[notify]\non = sometimes\ncommand = true\n", 0600);
    assert_null(notify_config_fallback(path));
    tu_write_file(path, "[store]\nurl = file:///x\n", 0600);
    assert_null(notify_config_fallback(path));
    free(path);
}

static int setup(void **state)
{
    char *d = tu_tmpdir("coldpack-test-notify");

    (void)state;
    snprintf(tmp, sizeof tmp, "%s", d);
    free(d);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (tu_rmtree(tmp) < 0)
        fprintf(stderr, "cannot remove %s\n", tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_gets_summary_and_env),
        cmocka_unit_test(test_on_failure_only),
        cmocka_unit_test(test_event_ignores_on),
        cmocka_unit_test(test_command_failures),
        cmocka_unit_test(test_webhook_post),
        cmocka_unit_test(test_webhook_retries),
        cmocka_unit_test(test_webhook_no_retry_on_4xx),
        cmocka_unit_test(test_webhook_down),
        cmocka_unit_test(test_summary_base),
        cmocka_unit_test(test_summary_failed),
        cmocka_unit_test(test_slack_payload),
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_webhook_slack_auth_signed),
        cmocka_unit_test(test_config_fallback),
    };

    if (getenv("COLDPACK_TEST_VERBOSE"))
        log_set_level(LOG_DEBUG);
    return cmocka_run_group_tests(tests, setup, teardown);
}
