/*
 * source_ssh.c — a day directory on a remote host, pulled over OpenSSH as a
 * tar stream.
 *
 * We run the system ssh (so ~/.ssh/config, known_hosts, agents and jump hosts
 * work) through child.c with an argv — no local shell — in batch mode with
 * strict host key checking, in its own process group, stdin on /dev/null,
 * with the minimal ssh environment of child.h (no cloud credentials).
 * The remote command is a small POSIX sh script run through `exec sh -c`
 * (so the remote login shell only has to understand one quoted word): it
 * checks the day directory, enters it and execs GNU tar (under nice -n 19 and
 * ionice -c3 when remote_nice is set and ionice exists) writing a pax archive
 * sorted by name, with hard links stored as files, in the C locale so its
 * messages can be parsed. Nothing is installed on the remote.
 *
 * ssh's stdout is parsed by libarchive through a read callback that polls
 * stdout and stderr together, so a chatty stderr can never block the stream.
 * stderr is parsed line by line as it arrives: GNU tar's per-file warnings
 * ("file changed as we read it", "File shrank by N bytes; padding with
 * zeros", "File removed before we read it", "Cannot open: ...") become one
 * log_warn each, naming the remote file, and are counted in st->warnings;
 * ssh's own messages set flags used to explain a failure. Only a bounded
 * amount of stderr is kept (a few flags and the last lines).
 *
 * Entries map "./<tenant>/<path>" through source_split_tenant exactly as the
 * local walk does, and tar --sort=name yields the same depth-first bytewise
 * order, so a remote source gives the same entries as the same files read
 * locally. File data is handed out through a reader over archive_read_data;
 * data the callee does not read is skipped by libarchive.
 *
 * Success needs both a complete archive and an exit status we accept: 0, or
 * tar's 1 ("some files differ") / 2 with only per-file problems, each already
 * reported as a warning. A tar stream cut between two entries looks like a
 * clean end to libarchive, so the exit status is what catches it (ssh exits
 * 255 or by signal). Every other outcome returns -1 after one log_error (source_fail)
 * naming the source, the host and the cause. The child is always reaped; if
 * the callee stops the scan, the child's process group is killed first.
 *
 * Why one file of ~800 lines: the remote script, ssh's argv, the stderr
 * classifier and libarchive's read callback all work on the state of one ssh
 * child (its fds, flags and last lines); child.c already holds the process
 * plumbing, and what is left is this one protocol.
 */
#include "source.h"

#include "child.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSH_BUF_SIZE     (256 * 1024)
#define SSH_LINE_MAX     1024
#define SSH_KEEP_LINES   4
#define SSH_TRAILER_MAX  (1024 * 1024) /* bytes accepted after the end of the archive */
#define SSH_ARGV_MAX     64
#define SSH_REAP_TIMEOUT 10.0 /* seconds to wait for ssh to exit once we are done */

/* Exit codes of the remote script for its own checks (not used by tar/ssh). */
#define REMOTE_NO_DIR    96
#define REMOTE_CANNOT_CD 97

/* What ssh's stderr told us, bounded. */
struct ssh_diag {
    char line[SSH_LINE_MAX]; /* the line being assembled */
    size_t linelen;
    char last[SSH_KEEP_LINES][SSH_LINE_MAX]; /* last non-warning lines, ring */
    int nlast;
    char tar_error[SSH_LINE_MAX]; /* first tar line that is not a per-file warning */
    int host_key;                 /* host key verification failed / changed */
    int denied;                   /* permission denied (key refused) */
    int unreachable;              /* refused, timed out, no route, unknown host */
    int conn_lost;                /* connection closed/reset, keepalive timeout */
    int no_dir;                   /* our script: no such day directory */
    int tar_file_problems;        /* per-file warnings seen */
};

struct ssh_scan {
    const config_source_t *src;
    const char *host;
    const char *daydir;
    source_entry_fn fn;
    void *ctx;
    source_stats_t *st;
    child_t ch; /* ssh */
    int out_eof, err_eof;
    unsigned char *buf;
    struct archive *a;
    int stream_error;         /* libarchive failed (truncated, corrupt, read error) */
    char why_stream[512];     /* libarchive's message */
    char cur[PATH_MAX + 258]; /* tenant/path of the last file delivered, for messages */
    int headers;              /* archive members seen */
    int in_file;              /* the stream failed while cur's data was being read */
    struct ssh_diag diag;
};

/* --- remote command --- */

char *source_ssh_shquote(const char *s)
{
    size_t n = 3;
    char *out, *q;

    for (const char *c = s; *c; c++)
        n += *c == '\'' ? 4 : 1;
    if (!(out = malloc(n)))
        return NULL;
    q = out;
    *q++ = '\'';
    for (const char *c = s; *c; c++) {
        if (*c == '\'') {
            memcpy(q, "'\\''", 4);
            q += 4;
        } else {
            *q++ = *c;
        }
    }
    *q++ = '\'';
    *q = 0;
    return out;
}

#define REMOTE_TAR "tar --format=pax --sort=name --hard-dereference -cf - \"$@\" ."

/* The remote command line: `exec sh -c '<script>' sh [--exclude...]`, the
 * script checking and entering the day directory, then exec'ing tar with the
 * exclusions (tenants already backed up, dir:1) as its positional
 * arguments. Caller frees. */
static char *remote_command(const config_source_t *src, const char *daydir, int nice,
                            const char *const *skip)
{
    char *qdir = source_ssh_shquote(daydir), *script = NULL, *qscript = NULL, *cmd = NULL,
         *args = NULL;

    if (!qdir)
        goto out;
    args = strdup("");
    for (; args && skip && *skip && src->tenant_rule == TENANT_DIR && src->tenant_dir == 1;
         skip++) {
        char *pat = util_asprintf("--exclude=./%s", *skip);
        char *q = pat ? source_ssh_shquote(pat) : NULL;
        char *t = q ? util_asprintf("%s %s", args, q) : NULL;
        free(pat);
        free(q);
        free(args);
        args = t;
    }
    if (!args)
        goto out;
    script = util_asprintf(
        "LC_ALL=C; export LC_ALL; "
        "if [ ! -d %s ]; then echo 'coldpack-remote: no such directory' >&2; exit %d; fi; "
        "cd -- %s || exit %d; %s",
        qdir, REMOTE_NO_DIR, qdir, REMOTE_CANNOT_CD,
        nice
            ? "if command -v ionice >/dev/null 2>&1; then exec nice -n 19 ionice -c3 -t " REMOTE_TAR
              "; else exec nice -n 19 " REMOTE_TAR "; fi"
            : "exec " REMOTE_TAR);
    if (!script || !(qscript = source_ssh_shquote(script)))
        goto out;
    /* --anchored --no-wildcards: "./name" matches exactly that top entry */
    cmd = util_asprintf("exec sh -c %s sh%s%s", qscript,
                        args[0] ? " --anchored --no-wildcards" : "", args);
out:
    free(args);
    free(qdir);
    free(script);
    free(qscript);
    return cmd;
}

/* --- child process --- */

/* Start ssh (argv) with stdin on /dev/null, stdout and stderr on pipes, in
 * its own process group, with the ssh environment of child.h. On failure
 * logs and returns -1. */
static int spawn(struct ssh_scan *s, char *const argv[])
{
    char **env = child_env_new(CHILD_ENV_SSH, NULL);
    child_opts_t o = {.argv = argv,
                      .envp = env,
                      .in = CHILD_NULL,
                      .out = CHILD_PIPE,
                      .err = CHILD_PIPE,
                      .new_pgrp = 1};
    enum child_rc rc;

    if (!env) {
        source_fail(s->st, "source %s (host %s): out of memory", s->src->name, s->host);
        return -1;
    }
    rc = child_spawn(&s->ch, &o);
    child_env_free(env);
    if (rc == CHILD_EEXEC) {
        source_fail(s->st, "source %s (host %s): cannot run ssh command '%s': %s", s->src->name,
                    s->host, argv[0], strerror(errno));
        return -1;
    }
    if (rc != CHILD_OK) {
        source_fail(s->st, "source %s (host %s): cannot start ssh: %s", s->src->name, s->host,
                    strerror(errno));
        return -1;
    }
#ifdef F_SETPIPE_SZ
    fcntl(s->ch.out_fd, F_SETPIPE_SZ, 1024 * 1024); /* fewer wake-ups; best effort */
#endif
    return 0;
}

/* --- stderr --- */

static int has(const char *line, const char *needle)
{
    return strstr(line, needle) != NULL;
}

/* "./acme/x.log" -> remote absolute path for messages, into out. */
static void remote_name(const struct ssh_scan *s, const char *tarpath, char *out, size_t outsz)
{
    while (tarpath[0] == '.' && tarpath[1] == '/')
        tarpath += 2;
    snprintf(out, outsz, "%s/%s", s->daydir, tarpath);
}

/* A GNU tar per-file warning: log it, count it, return 1. Else 0. */
static int tar_file_warning(struct ssh_scan *s, const char *line)
{
    static const struct {
        const char *marker;
        const char *what;
    } kinds[] = {
        {": file changed as we read it", "changed while it was read"},
        {": File removed before we read it", "was removed before it could be read"},
        {": Cannot open: ", "cannot be opened"},
        {": Cannot stat: ", "cannot be examined"},
        {": Cannot readlink: ", "link cannot be read"},
        {": Read error at byte ", "read error"},
        {": Cannot savedir: ", "directory cannot be read"},
        {": socket ignored", "is a socket"},
        {": file is on a different filesystem", "is on another file system"},
    };
    char name[PATH_MAX + 64], file[PATH_MAX];
    const char *body, *m;
    unsigned long long shrank;

    if (strncmp(line, "tar: ", 5) != 0)
        return 0;
    body = line + 5;
    /* "tar: ./x: File shrank by N bytes; padding with zeros" */
    if ((m = strstr(body, ": File shrank by ")) &&
        sscanf(m, ": File shrank by %llu bytes", &shrank) == 1) {
        snprintf(file, sizeof file, "%.*s", (int)(m - body), body);
        remote_name(s, file, name, sizeof name);
        log_warn("source %s (host %s): %s shrank by %llu bytes while it was read; its archived "
                 "copy is padded with zeros and does not match the file",
                 s->src->name, s->host, name, shrank);
        s->st->warnings++;
        s->diag.tar_file_problems++;
        return 1;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!(m = strstr(body, kinds[i].marker)))
            continue;
        snprintf(file, sizeof file, "%.*s", (int)(m - body), body);
        remote_name(s, file, name, sizeof name);
        log_warn("source %s (host %s): %s %s (tar: %s)", s->src->name, s->host, name, kinds[i].what,
                 m + 2);
        s->st->warnings++;
        s->diag.tar_file_problems++;
        return 1;
    }
    return 0;
}

static void diag_line(struct ssh_scan *s, char *line)
{
    struct ssh_diag *d = &s->diag;
    size_t n = strlen(line);

    while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
        line[--n] = 0;
    if (!n)
        return;
    log_debug("source %s (host %s): ssh: %s", s->src->name, s->host, line);
    if (tar_file_warning(s, line))
        return;
    if (!strcmp(line, "tar: Exiting with failure status due to previous errors"))
        return;
    if (!strncmp(line, "tar: ", 5) && !d->tar_error[0])
        snprintf(d->tar_error, sizeof d->tar_error, "%s", line); /* the first is the cause */
    if (has(line, "Host key verification failed") ||
        has(line, "REMOTE HOST IDENTIFICATION HAS CHANGED") || has(line, "host key is known for") ||
        has(line, "Host key for ") || has(line, "No matching host key"))
        d->host_key = 1;
    else if (has(line, "Permission denied") && !has(line, "tar: ") && !has(line, "sh: "))
        d->denied = 1;
    else if (has(line, "Connection refused") || has(line, "Connection timed out") ||
             has(line, "No route to host") || has(line, "Could not resolve hostname") ||
             has(line, "Network is unreachable") || has(line, "Name or service not known") ||
             has(line, "Operation timed out"))
        d->unreachable = 1;
    else if (has(line, "Connection closed") || has(line, "Connection reset") ||
             has(line, "Broken pipe") || has(line, "Timeout, server") ||
             has(line, "closed by remote host") || has(line, "client_loop:"))
        d->conn_lost = 1;
    else if (has(line, "coldpack-remote: no such directory"))
        d->no_dir = 1;
    /* keep the last few lines for the error message */
    if (strstr(line, "@@@@@@@@") || strstr(line, "It is also possible") ||
        strstr(line, "Someone could be eavesdropping"))
        return; /* banner noise of the changed-host-key warning */
    snprintf(d->last[d->nlast % SSH_KEEP_LINES], SSH_LINE_MAX, "%s", line);
    d->nlast++;
}

/* Feed n bytes of stderr. */
static void diag_feed(struct ssh_scan *s, const char *p, size_t n)
{
    struct ssh_diag *d = &s->diag;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            d->line[d->linelen] = 0;
            diag_line(s, d->line);
            d->linelen = 0;
        } else if (d->linelen < sizeof d->line - 1) {
            d->line[d->linelen++] = p[i];
        }
    }
}

static void diag_flush(struct ssh_scan *s)
{
    if (s->diag.linelen) {
        s->diag.line[s->diag.linelen] = 0;
        diag_line(s, s->diag.line);
        s->diag.linelen = 0;
    }
}

/* The most recent kept stderr line, or "". */
static const char *diag_last(const struct ssh_diag *d)
{
    return d->nlast ? d->last[(d->nlast - 1) % SSH_KEEP_LINES] : "";
}

/* Read what is available on stderr; marks EOF. */
static void drain_err(struct ssh_scan *s)
{
    char tmp[4096];
    ssize_t n = read(s->ch.err_fd, tmp, sizeof tmp);

    if (n > 0) {
        diag_feed(s, tmp, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        s->err_eof = 1;
        diag_flush(s);
    }
}

/* Wait until stdout is readable (1: data or EOF to read) or already at EOF
 * (0), draining stderr meanwhile; -1 on a poll error (errno set). */
static int wait_out(struct ssh_scan *s)
{
    while (!s->out_eof) {
        struct pollfd p[2] = {{.fd = s->ch.out_fd, .events = POLLIN},
                              {.fd = s->ch.err_fd, .events = POLLIN}};

        if (poll(p, s->err_eof ? 1 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (!s->err_eof && p[1].revents)
            drain_err(s);
        if (p[0].revents)
            return 1;
    }
    return 0;
}

/* libarchive read callback over ssh's stdout. */
static la_ssize_t archive_read_cb(struct archive *a, void *ud, const void **buffer)
{
    struct ssh_scan *s = ud;

    *buffer = s->buf;
    for (;;) {
        ssize_t n;
        int r;

        if (s->out_eof)
            return 0;
        r = wait_out(s);
        if (r < 0) {
            archive_set_error(a, errno, "poll: %s", strerror(errno));
            return -1;
        }
        if (r == 0)
            return 0;
        n = read(s->ch.out_fd, s->buf, SSH_BUF_SIZE);
        if (n > 0)
            return n;
        if (n == 0) {
            s->out_eof = 1;
            return 0;
        }
        if (errno != EINTR && errno != EAGAIN) {
            archive_set_error(a, errno, "reading from ssh: %s", strerror(errno));
            return -1;
        }
    }
}

/* --- entries --- */

static void note_stream_error(struct ssh_scan *s)
{
    if (!s->stream_error) {
        const char *m = archive_error_string(s->a);
        snprintf(s->why_stream, sizeof s->why_stream, "%s", m ? m : "unknown archive error");
    }
    s->stream_error = 1;
}

static ssize_t ssh_read(void *rctx, void *buf, size_t len)
{
    struct ssh_scan *s = rctx;
    la_ssize_t n;

    if (s->stream_error)
        return -1;
    n = archive_read_data(s->a, buf, len);
    if (n < 0) {
        /* logged once, with ssh's view of why, when the scan ends */
        note_stream_error(s);
        s->in_file = 1;
        return -1;
    }
    s->st->bytes_read += n;
    return (ssize_t)n;
}

/* Deliver one header. Returns 0 to go on, -1 when the callee stopped. */
static int deliver(struct ssh_scan *s, struct archive_entry *ae)
{
    char rel[PATH_MAX], tenant[256], inpath[PATH_MAX], name[PATH_MAX + 64];
    source_entry_t e;
    enum source_ae c;
    int rc;

    c = source_from_archive(s->src, ae, &e, rel, sizeof rel, tenant, sizeof tenant, inpath,
                            sizeof inpath);
    if (c == SOURCE_AE_QUIET)
        return 0;
    if (c == SOURCE_AE_NONAME || c == SOURCE_AE_BADNAME) {
        const char *raw = archive_entry_pathname(ae);
        if (c == SOURCE_AE_NONAME)
            log_warn("source %s (host %s): an archive member has no readable name: skipped",
                     s->src->name, s->host);
        else
            log_warn("source %s (host %s): refusing member name '%s' (absolute, '..' or too "
                     "long): not backed up",
                     s->src->name, s->host, raw);
        s->st->warnings++;
        return 0;
    }
    remote_name(s, rel, name, sizeof name);
    switch (c) {
    case SOURCE_AE_NOTENANT:
        log_warn("source %s (host %s): %s is not inside a tenant directory (tenant = dir:%d): not "
                 "backed up",
                 s->src->name, s->host, name, s->src->tenant_dir);
        break;
    case SOURCE_AE_HARDLINK:
        log_warn("source %s (host %s): %s arrived as a hard link: not backed up", s->src->name,
                 s->host, name);
        break;
    case SOURCE_AE_NOLINK:
        log_warn("source %s (host %s): cannot read link %s: not backed up", s->src->name, s->host,
                 name);
        break;
    case SOURCE_AE_SPECIAL:
        log_warn("source %s (host %s): %s is not a regular file, directory or symlink: not backed "
                 "up",
                 s->src->name, s->host, name);
        break;
    default: /* SOURCE_AE_DELIVER */
        if (e.type != SOURCE_FILE)
            return s->fn(s->ctx, &e, NULL, NULL);
        snprintf(s->cur, sizeof s->cur, "%s/%s", tenant, inpath);
        rc = s->fn(s->ctx, &e, ssh_read, s);
        if (rc == 0 && s->stream_error)
            rc = -1; /* the callee ignored our -1: the stream is gone anyway */
        return rc;
    }
    s->st->warnings++;
    return 0;
}

/* --- reaping and verdict --- */

/* child_wait's idle round: drain stderr for up to 100 ms. */
static void reap_idle(void *ctx)
{
    struct ssh_scan *s = ctx;

    if (!s->err_eof) {
        struct pollfd p = {.fd = s->ch.err_fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0)
            drain_err(s);
    } else {
        util_sleep(0.02);
    }
}

/*
 * Stop reading, reap the child and return its wait status (-1 when it
 * cannot be known). kill_now: send SIGTERM to its process group at once
 * (callee stopped, or no point in waiting). Otherwise wait up to
 * SSH_REAP_TIMEOUT for it to exit by itself, draining stderr, then SIGTERM,
 * then SIGKILL.
 */
static int reap(struct ssh_scan *s, int kill_now)
{
    int status;

    if (kill_now)
        child_signal(&s->ch, SIGTERM);
    if (s->ch.out_fd >= 0) {
        close(s->ch.out_fd);
        s->ch.out_fd = -1;
        s->out_eof = 1;
    }
    status = child_wait(&s->ch, SSH_REAP_TIMEOUT, 2.0, reap_idle, s);
    if (status == -1)
        source_fail(s->st, "source %s (host %s): waiting for ssh: %s", s->src->name, s->host,
                    strerror(errno));
    /* the child is gone; whatever is left of its stderr is buffered */
    while (!s->err_eof) {
        struct pollfd p = {.fd = s->ch.err_fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            break;
        drain_err(s);
    }
    diag_flush(s);
    child_end(&s->ch); /* and leftovers in its group (ProxyCommand...) */
    return status;
}

/* One clear error for a failed scan, from everything we know. */
static void explain_failure(struct ssh_scan *s, int status)
{
    const struct ssh_diag *d = &s->diag;
    const char *last = diag_last(d);
    char how[96] = "", where[PATH_MAX + 300] = "";
    int code = -1, signalled = 0;

    if (status != -1 && WIFEXITED(status)) {
        code = WEXITSTATUS(status);
        snprintf(how, sizeof how, "exit status %d", code);
    } else if (status != -1 && WIFSIGNALED(status)) {
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
        signalled = 1;
    }
    if (s->in_file && s->cur[0])
        snprintf(where, sizeof where, " while reading %s", s->cur);
    else if (s->cur[0])
        snprintf(where, sizeof where, " after %s", s->cur);

    if (d->host_key)
        source_fail(s->st,
                    "source %s (host %s): host key verification failed (the host key changed or is "
                    "not in known_hosts; ssh runs with StrictHostKeyChecking=yes): %s",
                    s->src->name, s->host, last);
    else if (d->denied && !s->st->bytes_read)
        source_fail(s->st,
                    "source %s (host %s): permission denied: the host refused the key for user %s "
                    "(%s)",
                    s->src->name, s->host, s->src->user ? s->src->user : "(default)", last);
    else if (d->unreachable)
        source_fail(s->st, "source %s (host %s): host unreachable: %s", s->src->name, s->host,
                    last);
    else if (d->no_dir || code == REMOTE_NO_DIR)
        source_fail(s->st, "source %s (host %s): no such directory for the day: %s", s->src->name,
                    s->host, s->daydir);
    else if (code == REMOTE_CANNOT_CD)
        source_fail(s->st, "source %s (host %s): cannot enter the day directory %s: %s",
                    s->src->name, s->host, s->daydir, last);
    else if (!s->headers && d->tar_error[0])
        source_fail(s->st, "source %s (host %s): remote tar failed (%s): %s", s->src->name, s->host,
                    how, d->tar_error);
    else if (!s->headers && (code == 127 || code == 126))
        source_fail(s->st,
                    "source %s (host %s): remote command failed (%s; are sh and GNU tar "
                    "installed?): %s",
                    s->src->name, s->host, how, last);
    else if (!s->headers)
        source_fail(s->st, "source %s (host %s): no tar archive arrived (ssh %s)%s%s%s%s",
                    s->src->name, s->host, how[0] ? how : "unknown status", last[0] ? ": " : "",
                    last, s->stream_error ? "; reader: " : "",
                    s->stream_error ? s->why_stream : "");
    else if (s->stream_error || d->conn_lost || code == 255 || signalled)
        source_fail(s->st,
                    "source %s (host %s): stream cut%s (%lld payload bytes received; %s%s%s; ssh "
                    "%s): the source's units stay incomplete",
                    s->src->name, s->host, where, (long long)s->st->bytes_read,
                    s->stream_error ? s->why_stream : "", s->stream_error && last[0] ? "; " : "",
                    last[0] ? last : (s->stream_error ? "" : "connection lost"), how);
    else if (d->tar_error[0])
        source_fail(s->st, "source %s (host %s): remote tar failed (%s): %s", s->src->name, s->host,
                    how, d->tar_error);
    else
        source_fail(s->st, "source %s (host %s): ssh failed (%s)%s%s", s->src->name, s->host,
                    how[0] ? how : "unknown status", last[0] ? ": " : "", last);
}

/* Append n strdup'ed strings to argv (capacity SSH_ARGV_MAX, NULL-terminated). */
static int argv_add(char **argv, int *argc, const char *const *add, int n)
{
    for (int i = 0; i < n; i++) {
        if (*argc >= SSH_ARGV_MAX - 1 || !(argv[*argc] = strdup(add[i])))
            return -1;
        argv[++*argc] = NULL;
    }
    return 0;
}

char **source_ssh_argv(const config_source_t *src, const char *cmd, int connect_timeout)
{
    char **argv = calloc(SSH_ARGV_MAX, sizeof *argv);
    char port[16], cto[32];
    int argc = 0, ok;

    if (!argv)
        return NULL;
    snprintf(port, sizeof port, "%d", src->port);
    snprintf(cto, sizeof cto, "ConnectTimeout=%d", connect_timeout);
    {
        const char *const base[] = {src->ssh_command && src->ssh_command[0] ? src->ssh_command
                                                                            : "ssh",
                                    "-T",
                                    "-e",
                                    "none",
                                    "-o",
                                    "BatchMode=yes",
                                    "-o",
                                    "StrictHostKeyChecking=yes",
                                    "-o",
                                    cto,
                                    "-o",
                                    "ServerAliveInterval=15",
                                    "-o",
                                    "ServerAliveCountMax=4"};
        const char *const with_port[] = {"-p", port};
        const char *const with_id[] = {"-i", src->identity, "-o", "IdentitiesOnly=yes"};
        const char *const with_user[] = {"-l", src->user};
        const char *const tail[] = {"--", src->host, cmd};

        ok = argv_add(argv, &argc, base, sizeof base / sizeof base[0]) == 0;
        if (ok && src->port > 0)
            ok = argv_add(argv, &argc, with_port, 2) == 0;
        if (ok && src->identity && src->identity[0])
            ok = argv_add(argv, &argc, with_id, 4) == 0;
        if (ok && src->user && src->user[0])
            ok = argv_add(argv, &argc, with_user, 2) == 0;
        /* ssh_options: at most 16 (config.c), so SSH_ARGV_MAX holds them */
        for (char **o = src->ssh_options; ok && o && *o; o++) {
            const char *const with_opt[] = {"-o", *o};
            ok = argv_add(argv, &argc, with_opt, 2) == 0;
        }
        if (ok)
            ok = argv_add(argv, &argc, tail, 3) == 0;
    }
    if (!ok) {
        source_ssh_argv_free(argv);
        return NULL;
    }
    return argv;
}

void source_ssh_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

int source_ssh_scan(const config_source_t *src, const char *date, const char *const *skip,
                    source_entry_fn fn, void *ctx, source_stats_t *st)
{
    struct ssh_scan *s = NULL;
    char *daydir = NULL, *cmd = NULL, **argv = NULL;
    int rc = -1, status, stopped = 0, complete = 0, r;
    struct archive_entry *ae;

    if (!src->host) {
        source_fail(st, "source %s: no host configured for a remote source", src->name);
        return -1;
    }
    s = calloc(1, sizeof *s);
    daydir = source_day_dir(src, date);
    if (!s || !daydir || !(s->buf = malloc(SSH_BUF_SIZE)) ||
        !(cmd = remote_command(src, daydir, src->remote_nice, skip))) {
        source_fail(st, "source %s: out of memory", src->name);
        goto out;
    }
    s->src = src;
    s->host = src->host;
    s->daydir = daydir;
    s->fn = fn;
    s->ctx = ctx;
    s->st = st;
    s->ch = (child_t)CHILD_INIT;

    if (!(argv = source_ssh_argv(src, cmd, 20))) {
        source_fail(st, "source %s: out of memory", src->name);
        goto out;
    }
    log_debug("source %s: %s ... %s %s", src->name, argv[0], src->host, cmd);

    if (spawn(s, argv) < 0)
        goto out;
    if (!(s->a = archive_read_new()) || archive_read_support_format_tar(s->a) != ARCHIVE_OK ||
        archive_read_open(s->a, s, NULL, archive_read_cb, NULL) != ARCHIVE_OK) {
        if (s->a)
            note_stream_error(s);
        else
            snprintf(s->why_stream, sizeof s->why_stream, "out of memory"), s->stream_error = 1;
    }
    while (!s->stream_error) {
        r = archive_read_next_header(s->a, &ae);
        if (r == ARCHIVE_EOF) {
            complete = 1;
            break;
        }
        if (r == ARCHIVE_RETRY)
            continue;
        if (r < ARCHIVE_WARN) {
            note_stream_error(s);
            break;
        }
        if (r == ARCHIVE_WARN)
            log_debug("source %s (host %s): %s", src->name, src->host, archive_error_string(s->a));
        s->headers++;
        if (deliver(s, ae) < 0) {
            stopped = !s->stream_error;
            break;
        }
    }
    if (complete) {
        /* read tar's record padding to EOF so it can exit 0, bounded */
        int64_t trailer = 0;
        while (!s->out_eof && trailer <= SSH_TRAILER_MAX) {
            r = wait_out(s);
            if (r <= 0)
                break;
            ssize_t n = read(s->ch.out_fd, s->buf, SSH_BUF_SIZE);
            if (n > 0)
                trailer += n;
            else if (n == 0)
                s->out_eof = 1;
            else if (errno != EINTR)
                break;
        }
    }
    status = reap(s, stopped);
    if (stopped) {
        log_debug("source %s (host %s): scan stopped by the consumer", src->name, src->host);
        goto out;
    }
    /* A real tar of "." always has the "./" member: no member, no archive. */
    if (complete && s->headers > 0 && status != -1 && WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        const struct ssh_diag *d = &s->diag;
        /* tar 1 = "some files differ": the archive is whole, files changed
         * (each already a warning). tar 2 = errors: accepted only when every
         * one was a per-file problem already reported, like unreadable files
         * in a local walk. */
        if (code == 0 || code == 1 || (code == 2 && d->tar_file_problems && !d->tar_error[0])) {
            if (code != 0 && (d->tar_error[0] || !d->tar_file_problems)) {
                log_warn("source %s (host %s): remote tar reported differences (exit status %d): "
                         "%s",
                         src->name, src->host, code, d->tar_error[0] ? d->tar_error : diag_last(d));
                st->warnings++;
            }
            rc = 0;
            goto out;
        }
    }
    explain_failure(s, status);
out:
    if (s) {
        if (s->a)
            archive_read_free(s->a);
        if (s->ch.pid > 0)
            reap(s, 1);
        free(s->buf);
    }
    free(s);
    source_ssh_argv_free(argv);
    free(cmd);
    free(daydir);
    return rc;
}
