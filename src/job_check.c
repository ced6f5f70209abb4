/*
 * job_check.c — `coldpack check`: contact everything a run needs, at once,
 * and print one table row per target (target, what, OK/WARN/FAIL, detail),
 * after Amanda's amcheck.
 *
 * One thread per target, each bounded by o->timeout_sec: the main thread
 * waits until every row is filled or the deadline passes, then prints; a row
 * still pending is a FAIL "no answer within N s" (its thread is left to
 * finish on its own: it writes nothing once the row has been given up, and
 * the process exits right after). Targets:
 *   - the store: put, read back (bytes compared) and delete a small probe
 *     under .coldpack/check/ (STANDARD class, like init's probe), head for its
 *     storage class; the file store refuses keys under .coldpack/ (its own
 *     metadata), so there the probe is a top-level coldpack-check-* key;
 *   - each remote source: one ssh login with the source's own ssh options
 *     (BatchMode, StrictHostKeyChecking, its port, identity, user and
 *     ssh_options, the ssh environment of child.h) running `tar --version`
 *     and `test -d DAYDIR`; GNU tar is required (the source uses
 *     --sort=name);
 *   - each local source: the day directory exists and can be listed;
 *   - the catalog: opened read-only (check writes nothing), has coldpack's
 *     tables, PRAGMA quick_check is "ok"; a catalog not created yet is a WARN;
 *   - the notifiers, only with --notify-test: a test summary to the command
 *     and the webhook (one attempt);
 *   - [store] part_size: auto is economic by construction (at most 64 parts
 *     a volume: estimate_part_size); a configured size gets one WARN when a
 *     4 GiB volume would take more than 1000 parts, or it is under 64 MiB
 *     with multi-GB volumes.
 * Exit: EXIT_FAIL for any FAIL, EXIT_WARN for warnings only, else EXIT_OK.
 *
 * The catalog is read with SQLite directly (read-only): catalog_open creates
 * the file and schema, which check must not do.
 */
#include "job.h"

#include "child.h"
#include "config.h"
#include "estimate.h"
#include "log.h"
#include "notify.h"
#include "source.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ST_PENDING = 0, ST_OK, ST_WARN, ST_FAIL };
enum { K_STORE, K_SOURCE, K_CATALOG, K_NOTIFY, K_PARTS };

#define CHECK_OUT_MAX     8192
#define PROBE_PREFIX      ".coldpack/check/"
#define PROBE_FILE_PREFIX "coldpack-check-"

typedef struct check_row {
    int kind;
    const config_source_t *src; /* K_SOURCE */
    char target[160];
    char what[48];
    int state;
    char detail[768];
} check_row_t;

typedef struct check_ctx {
    const config_t *cfg;
    const check_opts_t *o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending;
    int given_up; /* the deadline passed: rows still pending are FAIL */
} check_ctx_t;

typedef struct check_arg {
    check_ctx_t *c;
    check_row_t *r;
} check_arg_t;

/* The worker's result for row r (ignored once the main thread gave up). */
static void finish(check_ctx_t *c, check_row_t *r, int state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void finish(check_ctx_t *c, check_row_t *r, int state, const char *fmt, ...)
{
    char buf[sizeof r->detail];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&c->mu);
    if (!c->given_up && r->state == ST_PENDING) {
        memcpy(r->detail, buf, sizeof buf);
        r->state = state;
        c->pending--;
        pthread_cond_signal(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
}

/* "reason: <last error logged by this thread>" or "" */
static const char *why(void)
{
    const char *e = log_last_error();
    return e && e[0] ? e : "no reason logged";
}

/* --- store --- */

static void check_store(check_ctx_t *c, check_row_t *r)
{
    const config_t *cfg = c->cfg;
    const char *where = cfg->store.endpoint && cfg->store.endpoint[0] ? cfg->store.endpoint : "";
    store_put_opts_t po = {"STANDARD", "application/octet-stream", 0, 0};
    unsigned char probe[256], *back = NULL;
    size_t backlen = 0;
    char key[128], host[64] = "host";
    store_info_t info;
    store_t *s;
    int rc;

    gethostname(host, sizeof host - 1);
    /* file:// reserves .coldpack/ for its own files and refuses such keys: a
     * flat top-level key there, like init's probe */
    snprintf(key, sizeof key, "%s%.40s-%ld-%ld",
             strncmp(cfg->store.url, "s3://", 5) ? PROBE_FILE_PREFIX : PROBE_PREFIX, host,
             (long)getpid(), (long)time(NULL));
    for (size_t i = 0; i < sizeof probe; i++)
        probe[i] = (unsigned char)((i * 131u + (unsigned)time(NULL)) & 0xff);
    po.size_hint = (int64_t)sizeof probe;
    if (!(s = store_open(cfg))) {
        finish(c, r, ST_FAIL, "cannot open store %s%s%s: %s", cfg->store.url,
               where[0] ? " at " : "", where, why());
        return;
    }
    if ((rc = store_put_buf(s, key, probe, sizeof probe, &po)) < 0) {
        finish(c, r, ST_FAIL, "cannot write probe %s to %s%s%s: %s", key, cfg->store.url,
               where[0] ? " at " : "", where, why());
        goto out;
    }
    if ((rc = store_get_buf(s, key, 4096, &back, &backlen)) < 0) {
        finish(c, r, ST_FAIL, "wrote but cannot read back probe %s from %s: %s", key,
               cfg->store.url, why());
        store_del(s, key);
        goto out;
    }
    if (backlen != sizeof probe || memcmp(back, probe, sizeof probe) != 0) {
        finish(c, r, ST_FAIL, "probe %s read back from %s differs (%zu bytes, wrote %zu)", key,
               cfg->store.url, backlen, sizeof probe);
        store_del(s, key);
        goto out;
    }
    memset(&info, 0, sizeof info);
    rc = store_head(s, key, &info);
    if (store_del(s, key) < 0) {
        finish(c, r, ST_FAIL, "probe %s written and read back, but cannot delete it from %s: %s",
               key, cfg->store.url, why());
        goto out;
    }
    finish(c, r, ST_OK, "%s: write, read back, delete ok; probe class %s; data class %s",
           cfg->store.url, rc == 0 && info.storage_class[0] ? info.storage_class : "unknown",
           s->storage_class ? s->storage_class : "default");
out:
    free(back);
    store_free(s);
}

/* --- sources --- */

/* The last line of out that is not ours, for an ssh failure. */
static void last_foreign_line(const char *out, char *buf, size_t bufsz)
{
    const char *p = out, *best = NULL;
    size_t bestlen = 0;

    buf[0] = 0;
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (n && strncmp(p, "coldpack-check:", 15) && strncmp(p, "tar (", 5) &&
            !strstr(p, "@@@@")) {
            best = p;
            bestlen = n;
        }
        p += n;
        if (*p)
            p++;
    }
    if (best)
        snprintf(buf, bufsz, "%.*s", (int)bestlen, best);
}

static void check_ssh(check_ctx_t *c, check_row_t *r)
{
    const config_source_t *src = r->src;
    char *daydir = source_day_dir(src, c->o->date), *qdir = NULL, *script = NULL, *qscript = NULL,
         *cmd = NULL, **argv = NULL, **env = NULL;
    char out[CHECK_OUT_MAX], line[512];
    size_t outlen = 0;
    int status;
    child_t ch = CHILD_INIT;
    double deadline = util_now() + c->o->timeout_sec;

    if (!daydir || !(qdir = source_ssh_shquote(daydir)) ||
        !(script = util_asprintf("LC_ALL=C; export LC_ALL; tar --version 2>&1 | head -n 1; "
                                 "if [ -d %s ]; then echo coldpack-check: dir present; "
                                 "else echo coldpack-check: dir missing; fi",
                                 qdir)) ||
        !(qscript = source_ssh_shquote(script)) ||
        !(cmd = util_asprintf("exec sh -c %s", qscript))) {
        finish(c, r, ST_FAIL, "out of memory");
        goto out;
    }
    if (!(argv = source_ssh_argv(src, cmd, c->o->timeout_sec < 20 ? c->o->timeout_sec : 20))) {
        finish(c, r, ST_FAIL, "out of memory");
        goto out;
    }
    if (!(env = child_env_new(CHILD_ENV_SSH, NULL))) {
        finish(c, r, ST_FAIL, "out of memory");
        goto out;
    }
    {
        child_opts_t co = {.argv = argv,
                           .envp = env,
                           .in = CHILD_NULL,
                           .out = CHILD_PIPE,
                           .err = CHILD_STDOUT,
                           .new_pgrp = 1};
        enum child_rc crc = child_spawn(&ch, &co);
        if (crc != CHILD_OK) {
            finish(c, r, ST_FAIL, "cannot %s ssh command '%s': %s",
                   crc == CHILD_EEXEC ? "run" : "start", argv[0], strerror(errno));
            goto out;
        }
    }
    /* read everything (bounded) until EOF or the deadline */
    for (;;) {
        double left = deadline - util_now();
        struct pollfd p = {.fd = ch.out_fd, .events = POLLIN};
        ssize_t n;
        int pr;

        if (left <= 0)
            break;
        pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break;
        n = read(ch.out_fd, out + outlen, sizeof out - 1 - outlen);
        if (n > 0 && outlen + (size_t)n < sizeof out - 1) {
            outlen += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            outlen += (size_t)n; /* full: stop reading */
        break;
    }
    out[outlen] = 0;
    status =
        child_wait(&ch, deadline - util_now() > 0 ? deadline - util_now() : 0.1, 1.0, NULL, NULL);
    child_end(&ch);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        last_foreign_line(out, line, sizeof line);
        if (status != -1 && WIFSIGNALED(status))
            finish(c, r, ST_FAIL, "%s: no answer within %d s (ssh killed)%s%s", src->host,
                   c->o->timeout_sec, line[0] ? ": " : "", line);
        else
            finish(c, r, ST_FAIL, "%s: ssh login failed (exit %d): %s", src->host,
                   status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   line[0] ? line : "no message");
        goto out;
    }
    {
        const char *tar = strstr(out, "tar (GNU tar) ");
        char ver[64] = "";
        int present = strstr(out, "coldpack-check: dir present") != NULL;
        int missing = strstr(out, "coldpack-check: dir missing") != NULL;

        if (tar)
            snprintf(ver, sizeof ver, "%.*s", (int)strcspn(tar + 14, "\n"), tar + 14);
        if (!present && !missing)
            finish(c, r, ST_FAIL, "%s: unexpected answer from the remote shell: %.200s", src->host,
                   out);
        else if (!tar) {
            snprintf(line, sizeof line, "%.*s", (int)strcspn(out, "\n"), out);
            finish(c, r, ST_FAIL, "%s: GNU tar needed, found: %s; day dir %s %s", src->host,
                   line[0] ? line : "nothing", daydir, present ? "present" : "MISSING");
        } else if (missing)
            finish(c, r, ST_FAIL, "%s: GNU tar %s; day dir %s MISSING", src->host, ver, daydir);
        else
            finish(c, r, ST_OK, "%s: GNU tar %s; day dir %s present", src->host, ver, daydir);
    }
out:
    child_end(&ch);
    child_env_free(env);
    source_ssh_argv_free(argv);
    free(daydir);
    free(qdir);
    free(script);
    free(qscript);
    free(cmd);
}

static void check_local(check_ctx_t *c, check_row_t *r)
{
    char *path = source_day_dir(r->src, c->o->date);
    struct stat st;
    DIR *d;

    if (!path) {
        finish(c, r, ST_FAIL, "out of memory");
        return;
    }
    if (stat(path, &st) < 0)
        finish(c, r, ST_FAIL, "day dir %s MISSING: %s", path, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        finish(c, r, ST_FAIL, "day dir %s is not a directory", path);
    else if (!(d = opendir(path)))
        finish(c, r, ST_FAIL, "day dir %s not readable: %s", path, strerror(errno));
    else {
        closedir(d);
        finish(c, r, ST_OK, "day dir %s present, readable", path);
    }
    free(path);
}

/* --- catalog --- */

static int sql_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static void check_catalog(check_ctx_t *c, check_row_t *r)
{
    const char *path = c->cfg->catalog.path;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    int tables = 0, ver = 0;
    char res[256] = "";

    if (stat(path, &sb) < 0 && errno == ENOENT) {
        finish(c, r, ST_WARN, "%s does not exist yet (init or the first run creates it)", path);
        return;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        finish(c, r, ST_FAIL, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        goto out;
    }
    sqlite3_busy_timeout(db, c->o->timeout_sec * 1000);
    if (sql_int(db,
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                "('runs','units','objects','restore_requests')",
                &tables) < 0) {
        finish(c, r, ST_FAIL, "%s: not an SQLite database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    sql_int(db, "PRAGMA user_version", &ver);
    if (tables != 4 || ver < 1) {
        finish(c, r, ST_FAIL, "%s: not a coldpack catalog (%d of 4 tables, schema version %d)",
               path, tables, ver);
        goto out;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        finish(c, r, ST_FAIL, "%s: quick_check failed: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    snprintf(res, sizeof res, "%s", (const char *)sqlite3_column_text(st, 0));
    if (strcmp(res, "ok"))
        finish(c, r, ST_FAIL, "%s: quick_check: %s (catalog rebuild recreates it)", path, res);
    else
        finish(c, r, ST_OK, "%s: coldpack catalog, schema %d, quick_check ok", path, ver);
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* --- notify --- */

static void check_notify(check_ctx_t *c, check_row_t *r)
{
    const config_t *cfg = c->cfg;
    char *json = util_asprintf("{\"status\":\"test\",\"test\":true,\"date\":\"%s\",\"exit_code\":0,"
                               "\"message\":\"coldpack check --notify-test\"}",
                               c->o->date);
    int bad = 0, n = 0;
    char detail[512] = "";

    if (!json) {
        finish(c, r, ST_FAIL, "out of memory");
        return;
    }
    if (cfg->notify.command && cfg->notify.command[0]) {
        n++;
        if (notify_command(cfg->notify.command, json, 0, cfg->file, c->o->timeout_sec) < 0) {
            bad++;
            snprintf(detail, sizeof detail, "command failed (see warning above)");
        } else {
            snprintf(detail, sizeof detail, "command ok");
        }
    }
    if (cfg->notify.webhook && cfg->notify.webhook[0]) {
        size_t l = strlen(detail);
        n++;
        if (notify_webhook(cfg->notify.webhook, json, 1, 0, c->o->timeout_sec) < 0) {
            bad++;
            snprintf(detail + l, sizeof detail - l, "%swebhook failed (see warning above)",
                     l ? "; " : "");
        } else {
            snprintf(detail + l, sizeof detail - l, "%swebhook ok", l ? "; " : "");
        }
    }
    free(json);
    if (!n)
        finish(c, r, ST_WARN, "--notify-test: no [notify] command or webhook configured");
    else
        finish(c, r, bad ? ST_FAIL : ST_OK, "test message sent: %s", detail);
}

/* --- part size --- */

static void check_parts(check_ctx_t *c, check_row_t *r)
{
    const config_t *cfg = c->cfg;
    int64_t ps = cfg->store.part_size, vol = cfg->pack.volume_size;
    const int64_t four_g = (int64_t)4 << 30, mib = (int64_t)1 << 20;

    if (strncmp(cfg->store.url, "s3://", 5)) {
        finish(c, r, ST_OK, "not an s3 store: no multipart uploads");
        return;
    }
    if (ps <= 0) {
        char vs[32];
        int64_t aps = estimate_part_size(cfg, 0);
        util_fmt_size(vol, vs, sizeof vs);
        finish(c, r, ST_OK, "auto: %lld MiB parts, %lld per %s volume", (long long)(aps / mib),
               (long long)((vol + aps - 1) / aps), vs);
        return;
    }
    int64_t parts = (four_g + ps - 1) / ps;
    if (parts > 1000 || (vol >= ((int64_t)1 << 30) && ps < 64 * mib))
        finish(c, r, ST_WARN,
               "part_size %lld MiB: a 4 GiB volume takes %lld PUTs (Deep Archive: $0.05 per "
               "1,000 requests); use >= 64 MiB",
               (long long)(ps / mib), (long long)parts);
    else
        finish(c, r, ST_OK, "part_size %lld MiB: %lld parts per 4 GiB volume",
               (long long)(ps / mib), (long long)parts);
}

static void *worker(void *varg)
{
    check_arg_t *a = varg;

    switch (a->r->kind) {
    case K_STORE:
        check_store(a->c, a->r);
        break;
    case K_SOURCE:
        if (a->r->src->host)
            check_ssh(a->c, a->r);
        else
            check_local(a->c, a->r);
        break;
    case K_CATALOG:
        check_catalog(a->c, a->r);
        break;
    case K_NOTIFY:
        check_notify(a->c, a->r);
        break;
    default:
        check_parts(a->c, a->r);
        break;
    }
    return NULL;
}

static const char *state_name(int s)
{
    return s == ST_OK ? "OK" : s == ST_WARN ? "WARN" : "FAIL";
}

int job_check(const config_t *cfg, const check_opts_t *o)
{
    int n = 0, nrows = cfg->nsources + 3 + (o->notify_test ? 1 : 0), fails = 0, warns = 0;
    check_ctx_t *c = calloc(1, sizeof *c);
    check_row_t *rows = calloc((size_t)nrows, sizeof *rows);
    check_arg_t *args = calloc((size_t)nrows, sizeof *args);
    int w1 = 6, w2 = 4, started = 0;

    if (!c || !rows || !args) {
        log_error("check: out of memory");
        return EXIT_FAIL;
    }
    c->cfg = cfg;
    c->o = o;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);

    rows[n].kind = K_STORE;
    snprintf(rows[n].target, sizeof rows[n].target, "store");
    snprintf(rows[n++].what, sizeof rows[0].what, "write/read/delete");
    for (int i = 0; i < cfg->nsources; i++, n++) {
        rows[n].kind = K_SOURCE;
        rows[n].src = &cfg->sources[i];
        snprintf(rows[n].target, sizeof rows[n].target, "source %s", cfg->sources[i].name);
        snprintf(rows[n].what, sizeof rows[n].what, "%s",
                 cfg->sources[i].host ? "ssh, tar, day dir" : "day dir");
    }
    rows[n].kind = K_CATALOG;
    snprintf(rows[n].target, sizeof rows[n].target, "catalog");
    snprintf(rows[n++].what, sizeof rows[0].what, "schema, quick_check");
    if (o->notify_test) {
        rows[n].kind = K_NOTIFY;
        snprintf(rows[n].target, sizeof rows[n].target, "notify");
        snprintf(rows[n++].what, sizeof rows[0].what, "test message");
    }
    rows[n].kind = K_PARTS;
    snprintf(rows[n].target, sizeof rows[n].target, "store");
    snprintf(rows[n++].what, sizeof rows[0].what, "part_size");

    c->pending = n;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_attr_t at;

        args[i].c = c;
        args[i].r = &rows[i];
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, worker, &args[i]) != 0)
            finish(c, &rows[i], ST_FAIL, "cannot start a thread: %s", strerror(errno));
        else
            started++;
        pthread_attr_destroy(&at);
    }
    {
        /* each target bounds its own wait; this is the backstop */
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += o->timeout_sec + 5;
        pthread_mutex_lock(&c->mu);
        while (c->pending > 0)
            if (pthread_cond_timedwait(&c->cv, &c->mu, &dl) == ETIMEDOUT)
                break;
        for (int i = 0; i < n; i++)
            if (rows[i].state == ST_PENDING) {
                rows[i].state = ST_FAIL;
                snprintf(rows[i].detail, sizeof rows[i].detail, "no answer within %d s",
                         o->timeout_sec);
            }
        c->given_up = 1;
        pthread_mutex_unlock(&c->mu);
    }
    for (int i = 0; i < n; i++) {
        int l1 = (int)strlen(rows[i].target), l2 = (int)strlen(rows[i].what);
        w1 = l1 > w1 ? l1 : w1;
        w2 = l2 > w2 ? l2 : w2;
    }
    printf("%-*s  %-*s  %-5s %s\n", w1, "TARGET", w2, "WHAT", "STATE", "DETAIL");
    for (int i = 0; i < n; i++) {
        printf("%-*s  %-*s  %-5s %s\n", w1, rows[i].target, w2, rows[i].what,
               state_name(rows[i].state), rows[i].detail);
        fails += rows[i].state == ST_FAIL;
        warns += rows[i].state == ST_WARN;
    }
    fflush(stdout);
    /* c, rows and args are not freed: a detached worker may still be inside
     * finish() or past its deadline; main exits right after. */
    (void)started;
    return fails ? EXIT_FAIL : warns ? EXIT_WARN : EXIT_OK;
}
