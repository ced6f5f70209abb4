/*
 * test_child.c — child.c: /bin/sh spawned with pipes, output and exit
 * status; the environment allow-list (an AWS secret set in the parent never
 * reaches the child, COLDPACK_* extras and SSH_AUTH_SOCK only where meant);
 * an exec failure reported with its errno; a hung child killed at the
 * timeout (also one ignoring SIGTERM); descriptors beyond 0-2 closed; signal
 * dispositions reset; child_end leaves no zombie.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "testutil.h"
#include "util.h"

static char *tmp;

/* Run `script` with /bin/sh -c, stdout+stderr on one pipe; returns the
 * output (caller frees) and the wait status in *status. */
static char *run_sh(const char *script, char **env, int *status)
{
    char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c", (char *)(uintptr_t)script,
                    NULL};
    child_opts_t o = {.path = "/bin/sh",
                      .argv = argv,
                      .envp = env,
                      .in = CHILD_NULL,
                      .out = CHILD_PIPE,
                      .err = CHILD_STDOUT,
                      .new_pgrp = 1};
    child_t c;
    char buf[4096], *out = NULL;
    size_t len = 0;
    ssize_t n;

    assert_int_equal(child_spawn(&c, &o), CHILD_OK);
    assert_true(c.pid > 0);
    assert_int_equal(c.in_fd, -1);
    assert_int_equal(c.err_fd, -1);
    while ((n = read(c.out_fd, buf, sizeof buf)) > 0) {
        out = realloc(out, len + (size_t)n + 1);
        assert_non_null(out);
        memcpy(out + len, buf, (size_t)n);
        len += (size_t)n;
    }
    if (!out)
        out = calloc(1, 1);
    out[len] = 0;
    *status = child_wait(&c, 10.0, 1.0, NULL, NULL);
    child_end(&c);
    return out;
}

struct io_ctx {
    child_t *c;
    child_io_t *io;
};

static void io_idle(void *ctx)
{
    struct io_ctx *x = ctx;

    child_io_round(x->c, x->io, 50);
}

/* child_io_round feeds stdin, keeps stdout and stderr apart, and drops what
 * is past a cap (flagging it) without blocking the child. */
static void test_io_round(void **state)
{
    char **env = child_env_new(CHILD_ENV_BASE, NULL);
    char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c",
                    (char *)(uintptr_t) "cat; printf 'e%.0s' $(seq 100) >&2", NULL};
    child_opts_t o = {.path = "/bin/sh",
                      .argv = argv,
                      .envp = env,
                      .in = CHILD_PIPE,
                      .out = CHILD_PIPE,
                      .err = CHILD_PIPE};
    child_t c = CHILD_INIT;
    static char in[200000];
    char out[64 + 1], err[16 + 1];
    child_io_t io = {
        .in = in, .inlen = sizeof in, .out = out, .outcap = 64, .err = err, .errcap = 16};
    struct io_ctx x = {&c, &io};
    int status;

    (void)state;
    memset(in, 'i', sizeof in);
    assert_int_equal(child_spawn(&c, &o), CHILD_OK);
    fcntl(c.in_fd, F_SETFL, O_NONBLOCK);
    status = child_wait(&c, 20.0, 1.0, io_idle, &x);
    while (c.out_fd >= 0 || c.err_fd >= 0)
        child_io_round(&c, &io, 50);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(io.sent, sizeof in); /* all of stdin went in: cat was never blocked */
    assert_int_equal(io.outlen, 64);
    assert_true(io.out_over);
    assert_int_equal(strlen(out), 64);
    assert_int_equal(io.errlen, 16);
    assert_true(io.err_over);
    assert_string_equal(err, "eeeeeeeeeeeeeeee");
    child_end(&c);
    child_env_free(env);
}

static void test_spawn_and_status(void **state)
{
    char **env = child_env_new(CHILD_ENV_BASE, NULL);
    int status;
    char *out;

    (void)state;
    out = run_sh("echo hello; echo oops >&2; exit 3", env, &status);
    assert_string_equal(out, "hello\noops\n");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    free(out);
    child_env_free(env);
}

static void test_env_allow_list(void **state)
{
    const char *extra[] = {"COLDPACK_STATUS=ok", "COLDPACK_FAILED=0", NULL};
    const char *bad[] = {"AWS_SESSION_TOKEN=x", NULL};
    char **env;
    char *out;
    int status;

    (void)state;
    setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak-0000", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SESSION_TOKEN", "token-0000", 1);
    setenv("COLDPACK_S3_SECRET", "also-not", 1);
    setenv("SSH_AUTH_SOCK", "/tmp/agent.sock", 1);
    setenv("LC_TIME", "C", 1);
    setenv("TZ", "UTC", 1);

    env = child_env_new(CHILD_ENV_BASE, extra);
    assert_non_null(env);
    out = run_sh("env | sort", env, &status);
    assert_int_equal(status, 0);
    assert_null(strstr(out, "AWS_"));
    assert_null(strstr(out, "do-not-leak"));
    assert_null(strstr(out, "COLDPACK_S3_SECRET"));
    assert_null(strstr(out, "SSH_AUTH_SOCK")); /* ssh children only */
    assert_non_null(strstr(out, "COLDPACK_STATUS=ok\n"));
    assert_non_null(strstr(out, "COLDPACK_FAILED=0\n"));
    assert_non_null(strstr(out, "LC_TIME=C\n"));
    assert_non_null(strstr(out, "TZ=UTC\n"));
    if (getenv("PATH"))
        assert_non_null(strstr(out, "PATH="));
    free(out);
    child_env_free(env);

    env = child_env_new(CHILD_ENV_SSH, NULL);
    out = run_sh("env", env, &status);
    assert_non_null(strstr(out, "SSH_AUTH_SOCK=/tmp/agent.sock\n"));
    assert_null(strstr(out, "AWS_"));
    assert_null(strstr(out, "COLDPACK_"));
    free(out);
    child_env_free(env);

    /* extras are COLDPACK_* only */
    errno = 0;
    assert_null(child_env_new(CHILD_ENV_BASE, bad));
    assert_int_equal(errno, EINVAL);
    child_env_free(NULL);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("COLDPACK_S3_SECRET");
    unsetenv("SSH_AUTH_SOCK");
}

static void test_exec_failure(void **state)
{
    char *argv[] = {(char *)(uintptr_t) "/nonexistent/prog", NULL};
    char **env = child_env_new(CHILD_ENV_BASE, NULL);
    child_opts_t o = {.argv = argv, .envp = env, .out = CHILD_PIPE};
    child_t c;

    (void)state;
    errno = 0;
    assert_int_equal(child_spawn(&c, &o), CHILD_EEXEC);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(c.pid, 0);
    assert_int_equal(c.out_fd, -1);
    child_end(&c); /* no-op */
    child_end(NULL);
    child_env_free(env);
}

static void test_timeout_kill(void **state)
{
    char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c",
                    (char *)(uintptr_t) "trap '' TERM; sleep 30 & wait", NULL};
    char **env = child_env_new(CHILD_ENV_BASE, NULL);
    child_opts_t o = {.path = "/bin/sh", .argv = argv, .envp = env, .new_pgrp = 1};
    child_t c;
    double t0 = util_now();
    int status;

    (void)state;
    assert_int_equal(child_spawn(&c, &o), CHILD_OK);
    status = child_wait(&c, 0.5, 0.5, NULL, NULL);
    assert_true(util_now() - t0 < 5.0);
    assert_true(c.signalled);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL); /* it ignored SIGTERM */
    pid_t pid = c.pid;
    child_end(&c);
    assert_true(waitpid(pid, NULL, WNOHANG) < 0); /* reaped: not ours any more */
    child_env_free(env);
}

static void test_fds_closed_and_signals_reset(void **state)
{
    char *path = util_asprintf("%s/open-me", tmp);
    char *script;
    char **env = child_env_new(CHILD_ENV_BASE, NULL);
    int fd, status;
    char *out;
    struct sigaction ign, old;

    (void)state;
    tu_write_file(path, "x", 0644);
    fd = open(path, O_RDONLY); /* deliberately not CLOEXEC, and a high one too */
    assert_true(fd > 2);
    assert_int_equal(dup2(fd, 77), 77);
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTERM, &ign, &old);
    /* the shell's own descriptors, with what they point to */
    script = strdup("ls -l /proc/$$/fd/; grep SigIgn /proc/$$/status");
    out = run_sh(script, env, &status);
    sigaction(SIGTERM, &old, NULL);
    assert_int_equal(status, 0);
    if (strstr(out, "open-me"))
        fail_msg("a descriptor of ours leaked into the child: %s", out);
    /* SIGTERM (bit 15) not ignored any more */
    {
        const char *ig = strstr(out, "SigIgn:");
        unsigned long long mask;
        assert_non_null(ig);
        assert_int_equal(sscanf(ig + 7, "%llx", &mask), 1);
        assert_false(mask & (1ULL << (SIGTERM - 1)));
    }
    close(fd);
    close(77);
    free(out);
    free(script);
    free(path);
    child_env_free(env);
}

static int setup(void **state)
{
    (void)state;
    tmp = tu_tmpdir("coldpack-test-child");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree_free(tmp);
    tmp = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_and_status),
        cmocka_unit_test(test_io_round),
        cmocka_unit_test(test_env_allow_list),
        cmocka_unit_test(test_exec_failure),
        cmocka_unit_test(test_timeout_kill),
        cmocka_unit_test(test_fds_closed_and_signals_reset),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
