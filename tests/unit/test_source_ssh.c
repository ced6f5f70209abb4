/*
 * test_source_ssh.c — source_ssh_scan against a stand-in `ssh` (ssh_command
 * points at a shell script written by the test) that runs the remote command
 * on this machine, so the real remote script and GNU tar run and the real
 * stream is parsed. Checks: the same entries, contents and metadata as
 * source_local_scan of the same directory (UTF-8 names, long paths, empty
 * files, empty tenants, symlinks, hard links, files outside any tenant);
 * the ssh options (batch mode, strict host key checking, port, identity,
 * user); a missing day directory, a refused key, a changed host key, an
 * unreachable host and a stream cut mid-file each fail the scan; tar's
 * "file changed as we read it" / "File shrank" become counted warnings; a
 * consumer that stops the scan gets the child killed and reaped promptly;
 * unread data is skipped; parallel scans from threads agree and a slow host
 * does not hold fast ones. The end-to-end tests with real sshd are in
 * tests/e2e/4*-ssh-*.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "source.h"
#include "testutil.h"
#include "util.h"

static char tmp[256];  /* test root */
static char data[300]; /* day dir parent: data/2026-11-23 */

/* A stand-in ssh: logs its argv, then runs `body` (sh) with $cmd = the last
 * argument (the remote command). */
static void expect_fail_run(const char *name, const char *body, const char *date);
static char *fake_ssh(const char *name, const char *body)
{
    char *path = util_asprintf("%s/%s", tmp, name);
    char *text = util_asprintf("#!/bin/sh\n"
                               "printf '%%s\\n' \"$@\" > '%s/%s.args'\n"
                               "for cmd; do :; done\n"
                               "%s\n",
                               tmp, name, body);

    tu_write_file(path, text, 0755);
    free(text);
    return path;
}

static config_source_t mk_src(const char *ssh)
{
    config_source_t s;

    memset(&s, 0, sizeof s);
    s.name = (char *)(uintptr_t) "siem-test";
    s.path = util_asprintf("%s/{date}", data);
    s.tenant_rule = TENANT_DIR;
    s.tenant_dir = 1;
    s.host = (char *)(uintptr_t) "testhost";
    s.remote_nice = 1;
    s.ssh_command = (char *)(uintptr_t)ssh;
    return s;
}

/* Collected entries: one line per entry, file contents hashed. */
struct collect {
    char *text;
    size_t len;
    int files;
    int stop_after; /* stop the scan at this file (1-based); 0 = never */
    int read_data;  /* read file data (else skip) */
    int read_errors;
};

static void add(struct collect *c, const char *s)
{
    size_t n = strlen(s);

    c->text = realloc(c->text, c->len + n + 2);
    memcpy(c->text + c->len, s, n);
    c->len += n;
    c->text[c->len++] = '\n';
    c->text[c->len] = 0;
}

static int on_entry(void *ctx, const source_entry_t *e, source_read_fn rd, void *rctx)
{
    struct collect *c = ctx;
    char line[8192], hex[65] = "-";

    if (e->type == SOURCE_FILE) {
        c->files++;
        if (c->stop_after && c->files == c->stop_after)
            return -1;
        if (c->read_data) {
            util_sha256_t h;
            char buf[7000];
            ssize_t n;
            int64_t total = 0;
            util_sha256_init(&h);
            while ((n = rd(rctx, buf, sizeof buf)) > 0) {
                util_sha256_update(&h, buf, (size_t)n);
                total += n;
            }
            util_sha256_final(&h, hex);
            if (n < 0) {
                c->read_errors++;
                return -1;
            }
            if (total != e->size)
                snprintf(hex, sizeof hex, "SIZE-MISMATCH");
        }
    }
    snprintf(line, sizeof line, "%d|%s|%s|%lld|%lld|%o|%s|%s", e->type, e->tenant, e->path,
             (long long)e->size, (long long)e->mtime, e->mode, e->linkname ? e->linkname : "-",
             hex);
    add(c, line);
    return 0;
}

static int setup(void **state)
{
    char *p;

    (void)state;
    p = tu_tmpdir("coldpack-test-ssh");
    snprintf(tmp, sizeof tmp, "%s", p);
    free(p);
    snprintf(data, sizeof data, "%s/data", tmp);
    p = tu_sample_day(data, 1);
    free(p);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(tu_rmtree(tmp), 0);
    return 0;
}

static void test_same_entries_as_local(void **state)
{
    char *ssh = fake_ssh("ssh-ok", "exec sh -c \"$cmd\"");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0}, loc = {0};
    source_stats_t st_r, st_l;
    char *args, *argsf;
    size_t alen;

    (void)state;
    rem.read_data = loc.read_data = 1;
    src.port = 2222;
    src.identity = (char *)(uintptr_t) "/etc/coldpack/id_test";
    src.user = (char *)(uintptr_t) "backup";
    memset(&st_r, 0, sizeof st_r);
    memset(&st_l, 0, sizeof st_l);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st_r), 0);
    assert_int_equal(source_local_scan(&src, "2026-11-23", NULL, on_entry, &loc, &st_l), 0);
    /* stray.log lies outside any tenant: a warning, not an entry, in both */
    assert_null(strstr(rem.text, "stray.log"));
    assert_string_equal(rem.text, loc.text);
    assert_int_equal(st_r.bytes_read, 2 * 3000000 + 9 + 5 + 5);
    assert_int_equal(st_r.warnings, 1);
    assert_int_equal(st_l.warnings, 1);
    assert_non_null(strstr(rem.text, "2|empty-tenant||"));
    assert_non_null(strstr(rem.text, "1|acme|hard.log|3000000|"));

    /* the ssh options */
    argsf = util_asprintf("%s/ssh-ok.args", tmp);
    {
        FILE *f = fopen(argsf, "r");
        assert_non_null(f);
        args = calloc(1, 65536);
        alen = fread(args, 1, 65535, f);
        args[alen] = 0;
        fclose(f);
    }
    assert_non_null(strstr(args, "-o\nBatchMode=yes\n"));
    assert_non_null(strstr(args, "-o\nStrictHostKeyChecking=yes\n"));
    assert_non_null(strstr(args, "-p\n2222\n"));
    assert_non_null(strstr(args, "-i\n/etc/coldpack/id_test\n"));
    assert_non_null(strstr(args, "-l\nbackup\n"));
    assert_non_null(strstr(args, "--\ntesthost\nexec sh -c "));
    assert_non_null(strstr(args, "ionice -c3"));
    free(args);
    free(argsf);
    free(rem.text);
    free(loc.text);
    free(src.path);
    free(ssh);
}

static void test_no_nice_and_skip_unread(void **state)
{
    char *ssh = fake_ssh("ssh-ok2", "exec sh -c \"$cmd\"");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;

    (void)state;
    src.remote_nice = 0;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), 0);
    assert_int_equal(st.bytes_read, 0);
    assert_int_equal(rem.files, 6);
    free(rem.text);
    free(src.path);
    free(ssh);
}

static void test_quoting(void **state)
{
    /* a day directory whose path needs quoting for the remote shell */
    char *ssh = fake_ssh("ssh-q", "exec sh -c \"$cmd\"");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;

    (void)state;
    tu_sh("mkdir -p \"%s/it's \\$(x) \\\"odd\\\"/2026-11-23/t1\" && echo x > \"%s/it's "
          "\\$(x) \\\"odd\\\"/2026-11-23/t1/a\"",
          tmp, tmp);
    free(src.path);
    src.path = util_asprintf("%s/it's $(x) \"odd\"/{date}", tmp);
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), 0);
    assert_non_null(strstr(rem.text, "1|t1|a|2|"));
    free(rem.text);
    free(src.path);
    free(ssh);
}

/* Runs a scan that must fail, and checks that the one error logged says why. */
static void expect_fail(const char *name, const char *body, const char *date, const char *why)
{
    char *errf = util_asprintf("%s/%s.stderr", tmp, name);
    char logged[8192];
    int saved = dup(2), fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    FILE *f;
    size_t n;

    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    expect_fail_run(name, body, date);
    dup2(saved, 2);
    close(saved);
    f = fopen(errf, "r");
    assert_non_null(f);
    n = fread(logged, 1, sizeof logged - 1, f);
    logged[n] = 0;
    fclose(f);
    fputs(logged, stderr);
    if (!strstr(logged, why))
        fail_msg("expected '%s' in: %s", why, logged);
    assert_non_null(strstr(logged, "coldpack: error: source siem-test (host testhost): "));
    free(errf);
}

static void expect_fail_run(const char *name, const char *body, const char *date)
{
    char *ssh = fake_ssh(name, body);
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;
    double t0 = util_now();

    rem.read_data = 1;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, date, NULL, on_entry, &rem, &st), -1);
    /* the reason stays with the scan, exactly as logged */
    assert_non_null(st.error);
    assert_non_null(strstr(st.error, "source siem-test (host testhost): "));
    free(st.error);
    assert_true(util_now() - t0 < 8.0);
    free(rem.text);
    free(src.path);
    free(ssh);
}

static void test_missing_day(void **state)
{
    (void)state;
    expect_fail("ssh-nodir", "exec sh -c \"$cmd\"", "2026-11-24", "no such directory for the day");
}

static void test_ssh_errors(void **state)
{
    (void)state;
    expect_fail("ssh-denied",
                "echo 'backup@testhost: Permission denied (publickey).' >&2; exit 255",
                "2026-11-23", "permission denied");
    expect_fail("ssh-hostkey",
                "echo '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@' >&2; "
                "echo '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @' >&2; "
                "echo 'Host key verification failed.' >&2; exit 255",
                "2026-11-23", "host key verification failed");
    expect_fail("ssh-down",
                "echo 'ssh: connect to host testhost port 22: Connection refused' >&2; exit 255",
                "2026-11-23", "host unreachable");
    expect_fail("ssh-notar", "echo 'sh: 1: tar: not found' >&2; exit 127", "2026-11-23",
                "remote command failed");
    expect_fail("ssh-empty", "exit 0", "2026-11-23",
                "no tar archive arrived"); /* no archive at all */
}

static void test_cannot_exec(void **state)
{
    config_source_t src = mk_src("/nonexistent/ssh");
    struct collect rem = {0};
    source_stats_t st;

    (void)state;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), -1);
    assert_non_null(st.error);
    assert_non_null(strstr(st.error, "cannot run ssh command '/nonexistent/ssh'"));
    free(st.error);
    free(src.path);
}

static void test_stream_cut(void **state)
{
    (void)state;
    /* cut inside big.log (the first file), then the connection dies */
    expect_fail("ssh-cut",
                "sh -c \"$cmd\" | head -c 1500000; "
                "echo 'Connection to testhost closed by remote host.' >&2; exit 255",
                "2026-11-23", "stream cut while reading acme/fw/big.log");
    /* cut exactly at a header boundary looks like a clean end to the tar
     * reader: the exit status must still fail the scan */
    expect_fail(
        "ssh-cut-boundary",
        "sh -c \"$cmd\" > \"$0.tar\"; "
        "b=$(tar -tRf \"$0.tar\" | sed -n 's|^block \\([0-9]*\\): ./acme/fw/empty.log$|\\1|p'); "
        "head -c $(( (b - 2) * 512 )) \"$0.tar\"; exit 255",
        "2026-11-23", "stream cut after acme/fw/big.log (3000000 payload bytes received");
    /* cut but ssh claims success: libarchive's truncation still fails it */
    expect_fail("ssh-cut-exit0", "sh -c \"$cmd\" | head -c 1500000; exit 0", "2026-11-23",
                "stream cut while reading acme/fw/big.log");
}

static void test_changed_while_read(void **state)
{
    char *ssh = fake_ssh("ssh-changed",
                         "sh -c \"$cmd\"; "
                         "echo 'tar: ./acme/fw/big.log: file changed as we read it' >&2; "
                         "echo 'tar: ./globex/app/x.log: File shrank by 12 bytes; padding with "
                         "zeros' >&2; exit 1");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;

    (void)state;
    rem.read_data = 1;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), 0);
    assert_int_equal(st.warnings, 1 + 2); /* stray.log + the two */
    free(rem.text);
    free(src.path);
    free(ssh);
}

static void test_tar_exit_codes(void **state)
{
    /* tar 2 with only per-file problems: the scan succeeds, each one a warning */
    char *ssh = fake_ssh("ssh-unreadable",
                         "sh -c \"$cmd\"; "
                         "echo 'tar: ./acme/fw/secret.log: Cannot open: Permission denied' >&2; "
                         "echo 'tar: Exiting with failure status due to previous errors' >&2; "
                         "exit 2");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;

    (void)state;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), 0);
    assert_int_equal(st.warnings, 1 + 1); /* stray.log + secret.log */
    free(rem.text);
    free(src.path);
    free(ssh);
    /* tar 2 with an error that is not about one file: the scan fails */
    expect_fail("ssh-tar-fatal",
                "sh -c \"$cmd\"; echo 'tar: -: Cannot write: No space left on device' >&2; "
                "echo 'tar: Error is not recoverable: exiting now' >&2; exit 2",
                "2026-11-23",
                "remote tar failed (exit status 2): tar: -: Cannot write: No space left");
    /* a stream of zeros is no archive, whatever the exit status */
    expect_fail("ssh-zeros", "head -c 10240 /dev/zero; exit 0", "2026-11-23",
                "no tar archive arrived");
}

static void test_real_file_changed(void **state)
{
    /* a file appended to while tar reads it: GNU tar's own warning */
    char *ssh = fake_ssh("ssh-grow", "exec sh -c \"$cmd\"");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;
    char *dir = util_asprintf("%s/grow/2026-11-23/t", tmp);
    char *cmd;
    pid_t writer;

    (void)state;
    tu_sh("mkdir -p '%s' && head -c 200000000 /dev/zero > '%s/growing.log'", dir, dir);
    free(src.path);
    src.path = util_asprintf("%s/grow/{date}", tmp);
    cmd = util_asprintf("while :; do echo more >> '%s/growing.log'; done", dir);
    writer = fork();
    if (writer == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    usleep(100000);
    rem.read_data = 1;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), 0);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    assert_true(st.warnings >= 1);
    free(cmd);
    free(dir);
    free(rem.text);
    free(src.path);
    free(ssh);
}

struct par_scan {
    config_source_t src;
    int rc;
    double secs;
    struct collect c;
};

static void *par_main(void *arg)
{
    struct par_scan *p = arg;
    source_stats_t st;
    double t0 = util_now();

    memset(&st, 0, sizeof st);
    p->c.read_data = 1;
    p->rc = source_ssh_scan(&p->src, "2026-11-23", NULL, on_entry, &p->c, &st);
    free(st.error);
    p->secs = util_now() - t0;
    return NULL;
}

static void test_parallel_scans(void **state)
{
    /* scans in parallel threads give identical results, and a slow host does
     * not hold fast ones (each child keeps only its own pipes: O_CLOEXEC plus
     * closing every other descriptor before exec) */
    char *slow = fake_ssh("ssh-slow", "sleep 3; exec sh -c \"$cmd\"");
    char *fast = fake_ssh("ssh-fast", "exec sh -c \"$cmd\"");
    struct par_scan p[4];
    pthread_t th[4];

    (void)state;
    memset(p, 0, sizeof p);
    for (int i = 0; i < 4; i++) {
        p[i].src = mk_src(i == 0 ? slow : fast);
        assert_int_equal(pthread_create(&th[i], NULL, par_main, &p[i]), 0);
        if (i == 0)
            usleep(200000); /* the slow child exists before the fast ones fork */
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(p[i].rc, 0);
        assert_string_equal(p[i].c.text, p[0].c.text);
        if (i > 0)
            assert_true(p[i].secs < 2.5);
    }
    for (int i = 0; i < 4; i++) {
        free(p[i].c.text);
        free(p[i].src.path);
    }
    assert_true(p[0].secs >= 3.0);
    free(slow);
    free(fast);
}

static void test_consumer_stops(void **state)
{
    /* an endless producer: only killing the child ends the scan */
    char *ssh = fake_ssh("ssh-endless", "sh -c \"$cmd\"; exec cat /dev/zero");
    config_source_t src = mk_src(ssh);
    struct collect rem = {0};
    source_stats_t st;
    double t0 = util_now();
    int status;

    (void)state;
    rem.stop_after = 2;
    memset(&st, 0, sizeof st);
    assert_int_equal(source_ssh_scan(&src, "2026-11-23", NULL, on_entry, &rem, &st), -1);
    assert_true(util_now() - t0 < 5.0);
    assert_null(st.error); /* the consumer stopped it: not the source's failure */
    /* no child left behind */
    assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    free(rem.text);
    free(src.path);
    free(ssh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_entries_as_local),
        cmocka_unit_test(test_no_nice_and_skip_unread),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_missing_day),
        cmocka_unit_test(test_ssh_errors),
        cmocka_unit_test(test_cannot_exec),
        cmocka_unit_test(test_stream_cut),
        cmocka_unit_test(test_changed_while_read),
        cmocka_unit_test(test_tar_exit_codes),
        cmocka_unit_test(test_real_file_changed),
        cmocka_unit_test(test_parallel_scans),
        cmocka_unit_test(test_consumer_stops),
    };

    if (getenv("COLDPACK_TEST_VERBOSE"))
        log_set_level(LOG_DEBUG);
    return cmocka_run_group_tests(tests, setup, teardown);
}
