/*
 * child.h — run a helper program (ssh for remote sources, /bin/sh for the
 * [notify] command): the one place that forks, sets a child up, and waits for
 * it, kills it and reaps it.
 *
 *     char **env = child_env_new(CHILD_ENV_SSH, NULL);
 *     child_t c;
 *     child_opts_t o = {.argv = argv, .envp = env, .in = CHILD_NULL,
 *                       .out = CHILD_PIPE, .err = CHILD_PIPE, .new_pgrp = 1};
 *     if (child_spawn(&c, &o) < 0) ...            // errno: why (exec's too)
 *     ... read c.out_fd / c.err_fd ...
 *     int status = child_wait(&c, 10.0, 2.0, drain, ctx);
 *     child_end(&c);                              // never leaves a zombie
 *
 * In the child, before exec: stdin/stdout/stderr become /dev/null, a pipe to
 * the parent, or (stderr only) the stdout pipe; every other descriptor is
 * closed (close_range, else a close loop); every signal disposition is reset
 * to default and the signal mask emptied; optionally a new process group
 * (also set from the parent, so killing the group never races the exec), a
 * new session, and a lower priority. The environment is exactly envp.
 *
 * What each child receives (child_env_new), never anything else from ours —
 * in particular no AWS_* credentials, session tokens or COLDPACK_* settings:
 *   every child:   PATH, HOME, USER, LOGNAME, LANG, LC_* and TZ, when set
 *   CHILD_ENV_SSH: also SSH_AUTH_SOCK (the agent, for keys it holds)
 *   notify:        also the caller's "COLDPACK_<NAME>=value" strings
 *                  (COLDPACK_STATUS, _FAILED, _DATE, _RUN_ID, _EXIT_CODE,
 *                  _CONFIG; see notify.h); any other name is refused.
 *
 * A child_t is used by one thread. child_spawn forks: call it while no other
 * thread creates descriptors without O_CLOEXEC (coldpack opens everything
 * CLOEXEC), so no stray descriptor leaks — the child closes them anyway.
 */
#ifndef COLDPACK_CHILD_H
#define COLDPACK_CHILD_H

#include <sys/types.h>

/* What a standard descriptor of the child is connected to. */
enum child_stdio {
    CHILD_NULL = 0, /* /dev/null */
    CHILD_PIPE,     /* a pipe; the parent's end in child_t (CLOEXEC) */
    CHILD_STDOUT,   /* stderr only: the same pipe as stdout */
};

/* Which allow-list child_env_new applies. */
enum child_env_kind {
    CHILD_ENV_BASE = 0, /* PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ */
    CHILD_ENV_SSH,      /* the base plus SSH_AUTH_SOCK */
};

typedef struct child_opts {
    const char *path;  /* the program; NULL: argv[0], looked up in PATH without '/' */
    char *const *argv; /* its argv (argv[0] is its name) */
    char *const *envp; /* the child's whole environment (child_env_new) */
    int in, out, err;  /* enum child_stdio */
    int new_pgrp;      /* put the child in its own process group */
    int new_session;   /* setsid() (implies its own group) */
    int nice;          /* > 0: added to the child's nice value */
} child_opts_t;

typedef struct child {
    pid_t pid;                 /* > 0 from spawn until child_end */
    int reaped;                /* waited for: status is valid */
    int in_fd, out_fd, err_fd; /* parent's ends of the pipes, -1 when none */
    int group;                 /* signals go to the whole process group */
    int signalled;             /* we sent SIGTERM (or SIGKILL) already */
    int status;                /* wait status, once reaped */
} child_t;

/* A child_t that is not (or no longer) running: child_end is a no-op. */
#define CHILD_INIT                                                                                 \
    {                                                                                              \
        0, 0, -1, -1, -1, 0, 0, 0                                                                  \
    }

/* Build the environment for a child from the calling process's environment:
 * the variables of the allow-list of `kind` that are set, then each string
 * of extra (NULL-terminated, may be NULL), which must look like
 * "COLDPACK_<NAME>=value". Returns a NULL-terminated malloc'd array the
 * caller frees with child_env_free, or NULL (errno ENOMEM, or EINVAL for an
 * extra string outside COLDPACK_*). Reads environ: thread-safe as long as
 * no thread calls setenv/putenv meanwhile. */
char **child_env_new(enum child_env_kind kind, const char *const *extra);
/* Free an environment from child_env_new. NULL is a no-op. */
void child_env_free(char **env);

/* child_spawn's result: the caller words "cannot run X" and "cannot start
 * a process" differently. */
enum child_rc {
    CHILD_OK = 0,
    CHILD_ESYS = -1,  /* a pipe, /dev/null or fork failed (errno) */
    CHILD_EEXEC = -2, /* the program could not be executed (exec's errno) */
};

/* Start o->argv. On success fills *c (the caller owns the pipe ends and the
 * process until child_end) and returns CHILD_OK. Else errno says why and
 * *c is CHILD_INIT: nothing is left running or open. Logs nothing: the
 * caller names the context. */
enum child_rc child_spawn(child_t *c, const child_opts_t *o);

/* Send sig to the child (its group when it has one) if it is not reaped. */
void child_signal(child_t *c, int sig);

/* Wait for the child to exit. Each round calls idle(ctx) when given — it
 * should return within about 100 ms (poll a pipe with a timeout) — or sleeps
 * 20 ms. After `timeout` seconds it sends SIGTERM (SIGKILL when already
 * signalled) and gives it kill_grace more seconds before SIGKILL again.
 * Returns the wait status (also in c->status), or -1 when waitpid failed
 * (errno set; c->pid is then cleared). */
int child_wait(child_t *c, double timeout, double kill_grace, void (*idle)(void *ctx), void *ctx);

/* What one child_io_round moves: in[sent..inlen) to the child's stdin, its
 * stdout into out[0..outcap) and stderr into err[0..errcap) (each buffer
 * must hold cap + 1 bytes: it is kept NUL-terminated). NULL buffers are
 * skipped (that pipe is then only drained). */
typedef struct child_io {
    const void *in;
    size_t inlen, sent;
    char *out;
    size_t outcap, outlen;
    int out_over; /* stdout said more than outcap: the rest was dropped */
    char *err;
    size_t errcap, errlen;
    int err_over;
} child_io_t;

/* One round of at most timeout_ms over c's open pipes: write what stdin takes
 * (closed once everything is sent, or when the child closed it), keep what
 * stdout and stderr say (each closed at EOF or on a read error), dropping
 * what is past the caps. Sleeps 20 ms when no pipe is open, so it can serve
 * as child_wait's idle round. The scratch buffer is wiped, as outputs may
 * hold secrets. Not thread-safe for one child. */
void child_io_round(child_t *c, child_io_t *io, int timeout_ms);

/* Non-blocking: 1 when the child has exited (status in c->status), 0 when it
 * still runs, -1 when waitpid failed (errno). */
int child_poll(child_t *c);

/* End: close the parent's pipe ends, SIGKILL what is left in the child's
 * process group, and reap the child if it was not (after SIGKILL). After
 * this nothing of the child is left; *c is CHILD_INIT again. A CHILD_INIT
 * or ended child is a no-op; NULL is a no-op. */
void child_end(child_t *c);

#endif
