/*
 * child.c — fork/exec written once (see child.h for the contract).
 *
 * Everything the child needs (argv, envp, descriptors, /dev/null) exists
 * before fork, so between fork and exec the child makes only
 * async-signal-safe calls. An exec failure is reported through a CLOEXEC
 * pipe: the parent reads either EOF (the exec happened) or the child's
 * errno. The process group is set from both sides, so a kill of the group
 * right after child_spawn returns cannot miss the child. Waiting is polling
 * with waitpid(WNOHANG) between the caller's idle rounds, on the one clock
 * (util_now); kill escalation is SIGTERM, then SIGKILL.
 */
#include "child.h"

#include "array.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* --- environment --- */

static int allowed(const char *kv, enum child_env_kind kind)
{
    static const char *const base[] = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ"};
    size_t n = strcspn(kv, "=");

    if (!kv[n])
        return 0;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        if (strlen(base[i]) == n && !strncmp(kv, base[i], n))
            return 1;
    if (n > 3 && !strncmp(kv, "LC_", 3))
        return 1;
    return kind == CHILD_ENV_SSH && n == 13 && !strncmp(kv, "SSH_AUTH_SOCK", 13);
}

char **child_env_new(enum child_env_kind kind, const char *const *extra)
{
    char **env = NULL;
    size_t n = 0, cap = 0;

    for (size_t i = 0; environ && environ[i]; i++) {
        if (!allowed(environ[i], kind))
            continue;
        if (ARRAY_GROW(env, n + 2, cap) < 0 || !(env[n] = strdup(environ[i])))
            goto fail;
        env[++n] = NULL;
    }
    for (; extra && *extra; extra++) {
        if (strncmp(*extra, "COLDPACK_", 9) || !strchr(*extra + 9, '=')) {
            errno = EINVAL;
            goto fail;
        }
        if (ARRAY_GROW(env, n + 2, cap) < 0 || !(env[n] = strdup(*extra)))
            goto fail;
        env[++n] = NULL;
    }
    if (!env && !(env = calloc(1, sizeof *env)))
        return NULL;
    return env;
fail:
    if (env)
        env[n] = NULL;
    child_env_free(env);
    return NULL;
}

void child_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* --- spawn --- */

/* In the child: close every descriptor >= 3 but keep. */
static void close_others(int keep)
{
#ifdef SYS_close_range
    if ((keep <= 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0) == 0) &&
        syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);

    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/* In the child: make `to` a copy of `from` that survives exec. */
static int move_fd(int from, int to)
{
    if (from == to)
        return fcntl(to, F_SETFD, 0);
    return dup2(from, to) < 0 ? -1 : 0;
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
}

/* In the child, after fork: set up and exec; on failure report errno on
 * exep and exit 127. Never returns. */
static void child_exec(const child_opts_t *o, int devnull, const int inp[2], const int outp[2],
                       const int errp[2], int exep)
{
    struct sigaction dfl;
    sigset_t none;
    int err;
    ssize_t w;

    if (o->new_session)
        setsid();
    else if (o->new_pgrp)
        setpgid(0, 0);
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL); /* fails harmlessly for reserved numbers */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (move_fd(o->in == CHILD_PIPE ? inp[0] : devnull, 0) < 0 ||
        move_fd(o->out == CHILD_PIPE ? outp[1] : devnull, 1) < 0 ||
        move_fd(o->err == CHILD_PIPE     ? errp[1]
                : o->err == CHILD_STDOUT ? 1
                                         : devnull,
                2) < 0)
        goto fail;
    if (o->nice > 0)
        setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + o->nice);
    close_others(exep); /* exep is CLOEXEC: closed by a successful exec */
    if (o->path)
        execve(o->path, o->argv, o->envp);
    else
        execvpe(o->argv[0], o->argv, o->envp);
fail:
    err = errno;
    w = write(exep, &err, sizeof err);
    (void)w;
    _exit(127);
}

enum child_rc child_spawn(child_t *c, const child_opts_t *o)
{
    int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1}, exep[2] = {-1, -1};
    int devnull = -1, child_errno = 0, saved;
    enum child_rc rc = CHILD_ESYS;
    ssize_t n;
    pid_t pid;

    *c = (child_t)CHILD_INIT;
    if ((o->in == CHILD_PIPE && pipe2(inp, O_CLOEXEC) < 0) ||
        (o->out == CHILD_PIPE && pipe2(outp, O_CLOEXEC) < 0) ||
        (o->err == CHILD_PIPE && pipe2(errp, O_CLOEXEC) < 0) || pipe2(exep, O_CLOEXEC) < 0)
        goto fail;
    if ((o->in == CHILD_NULL || o->out == CHILD_NULL || o->err == CHILD_NULL) &&
        (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        goto fail;
    pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0)
        child_exec(o, devnull, inp, outp, errp, exep[1]);
    if (o->new_pgrp && !o->new_session)
        setpgid(pid, pid); /* also here: no race with a kill of the group */
    close(exep[1]);
    exep[1] = -1;
    do
        n = read(exep[0], &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof child_errno) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        errno = child_errno;
        rc = CHILD_EEXEC;
        goto fail;
    }
    c->pid = pid;
    c->group = o->new_pgrp || o->new_session;
    c->in_fd = inp[1];
    c->out_fd = outp[0];
    c->err_fd = errp[0];
    inp[1] = outp[0] = errp[0] = -1;
    rc = CHILD_OK;
fail:
    saved = errno;
    close_pair(inp);
    close_pair(outp);
    close_pair(errp);
    close_pair(exep);
    if (devnull >= 0)
        close(devnull);
    errno = saved;
    return rc;
}

/* --- wait, kill, reap --- */

void child_signal(child_t *c, int sig)
{
    if (!c || c->pid <= 0 || c->reaped)
        return;
    kill(c->group ? -c->pid : c->pid, sig);
    if (sig == SIGTERM || sig == SIGKILL)
        c->signalled = 1;
}

int child_poll(child_t *c)
{
    pid_t r;

    if (c->pid <= 0 || c->reaped)
        return 1;
    do
        r = waitpid(c->pid, &c->status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        c->reaped = 1; /* not ours to wait for any more (ECHILD) */
        c->status = -1;
        return -1;
    }
    if (r == c->pid)
        c->reaped = 1;
    return c->reaped;
}

int child_wait(child_t *c, double timeout, double kill_grace, void (*idle)(void *ctx), void *ctx)
{
    double deadline = util_now() + timeout;
    int r;

    while ((r = child_poll(c)) == 0) {
        if (idle)
            idle(ctx);
        else
            util_sleep(0.02);
        if (util_now() > deadline) {
            child_signal(c, c->signalled ? SIGKILL : SIGTERM);
            deadline = util_now() + kill_grace;
        }
    }
    return r < 0 ? -1 : c->status;
}

void child_end(child_t *c)
{
    if (!c)
        return;
    if (c->in_fd >= 0)
        close(c->in_fd);
    if (c->out_fd >= 0)
        close(c->out_fd);
    if (c->err_fd >= 0)
        close(c->err_fd);
    if (c->pid > 0) {
        if (c->group)
            kill(-c->pid, SIGKILL); /* leftovers in its group (ProxyCommand, sleep...) */
        if (!c->reaped) {
            kill(c->pid, SIGKILL);
            while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    *c = (child_t)CHILD_INIT;
}

/* Read what fd has into buf[*len..cap), dropping the excess; closes *fd at
 * EOF or error. */
static void io_read(int *fd, char *buf, size_t cap, size_t *len, int *over)
{
    char tmp[4096];
    ssize_t n = read(*fd, tmp, sizeof tmp);

    if (n > 0) {
        size_t keep = (size_t)n;
        if (keep > cap - *len) {
            keep = cap - *len;
            *over = 1;
        }
        if (buf) {
            memcpy(buf + *len, tmp, keep);
            *len += keep;
            buf[*len] = 0;
        }
        explicit_bzero(tmp, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

void child_io_round(child_t *c, child_io_t *io, int timeout_ms)
{
    struct pollfd p[3];
    int np = 0;

    if (c->in_fd >= 0)
        p[np++] = (struct pollfd){.fd = c->in_fd, .events = POLLOUT};
    if (c->out_fd >= 0)
        p[np++] = (struct pollfd){.fd = c->out_fd, .events = POLLIN};
    if (c->err_fd >= 0)
        p[np++] = (struct pollfd){.fd = c->err_fd, .events = POLLIN};
    if (np == 0) {
        util_sleep(0.02);
        return;
    }
    if (poll(p, (nfds_t)np, timeout_ms) <= 0)
        return;
    for (int i = 0; i < np; i++) {
        if (!p[i].revents)
            continue;
        if (p[i].fd == c->in_fd) {
            ssize_t n = io->sent < io->inlen
                            ? write(c->in_fd, (const char *)io->in + io->sent, io->inlen - io->sent)
                            : 0;
            if (n > 0)
                io->sent += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || io->sent >= io->inlen) {
                close(c->in_fd); /* done, or it closed its stdin (EPIPE) */
                c->in_fd = -1;
            }
        } else if (p[i].fd == c->out_fd) {
            io_read(&c->out_fd, io->out, io->out ? io->outcap : 0, &io->outlen, &io->out_over);
        } else {
            io_read(&c->err_fd, io->err, io->err ? io->errcap : 0, &io->errlen, &io->err_over);
        }
    }
}
