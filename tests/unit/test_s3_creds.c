/*
 * test_s3_creds.c — credentials: environment first, then the shared
 * credentials file and the config file profiles; a credentials file readable
 * by group or others is refused with a message that says so; no secret ever
 * reaches the log (stderr is captured and searched).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s3_creds.h"

#define SECRET  "s3cr3tKEYs3cr3tKEYs3cr3tKEYs3cr3tKEY0001"
#define SECRET2 "an0therSECRETan0therSECRETan0therSECRET2"

static char dir[256];
static char logpath[300];
static int saved_stderr = -1;

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* Send stderr to a file so the test can read what was logged. */
static void capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(logpath, "r");
    static char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/coldpack-creds-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(logpath, sizeof logpath, "%s/log", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_file_profiles(void **state)
{
    char cred[300], conf[300];
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    snprintf(conf, sizeof conf, "%s/config", dir);
    write_file(cred,
               "# comment\n[default]\naws_access_key_id = AKIDDEFAULT0001\n"
               "aws_secret_access_key = " SECRET "\n\n[backup]\n"
               "aws_access_key_id=AKIDBACKUP0002\naws_secret_access_key=" SECRET2 "\n"
               "aws_session_token = TOKEN2\n",
               0600);
    write_file(conf, "[default]\nregion = eu-west-1\n[profile other]\nregion = us-east-1\n", 0644);
    s3_creds_t c;
    assert_int_equal(s3_creds_load_files(NULL, cred, conf, &c), 0);
    assert_string_equal(c.access_key, "AKIDDEFAULT0001");
    assert_string_equal(c.secret_key, SECRET);
    assert_null(c.session_token);
    s3_creds_clear(&c);
    assert_int_equal(s3_creds_load_files("backup", cred, conf, &c), 0);
    assert_string_equal(c.access_key, "AKIDBACKUP0002");
    assert_string_equal(c.session_token, "TOKEN2");
    s3_creds_clear(&c);

    /* keys only in the config file, under [profile NAME]: it must be private */
    write_file(conf,
               "[profile cfgonly]\naws_access_key_id = AKIDCFG0003\n"
               "aws_secret_access_key = " SECRET2 "\n",
               0600);
    assert_int_equal(s3_creds_load_files("cfgonly", cred, conf, &c), 0);
    assert_string_equal(c.access_key, "AKIDCFG0003");
    s3_creds_clear(&c);

    capture_begin();
    assert_int_equal(s3_creds_load_files("missing", cred, conf, &c), -1);
    char *log = capture_end();
    assert_non_null(strstr(log, "missing"));
    assert_null(strstr(log, SECRET));
    assert_null(strstr(log, SECRET2));
}

static void test_refuse_readable(void **state)
{
    char cred[300];
    snprintf(cred, sizeof cred, "%s/credentials-open", dir);
    write_file(cred, "[default]\naws_access_key_id = AKIDX\naws_secret_access_key = " SECRET "\n",
               0644);
    s3_creds_t c;
    capture_begin();
    int rc = s3_creds_load_files(NULL, cred, NULL, &c);
    char *log = capture_end();
    assert_int_equal(rc, -1);
    assert_null(c.access_key);
    assert_non_null(strstr(log, "readable by group or others"));
    assert_non_null(strstr(log, "chmod 600"));
    assert_null(strstr(log, SECRET));

    chmod(cred, 0640); /* group-readable: refused too */
    capture_begin();
    rc = s3_creds_load_files(NULL, cred, NULL, &c);
    capture_end();
    assert_int_equal(rc, -1);

    chmod(cred, 0600);
    assert_int_equal(s3_creds_load_files(NULL, cred, NULL, &c), 0);
    s3_creds_clear(&c);

    /* a config file holding keys is held to the same rule */
    char conf[300];
    snprintf(conf, sizeof conf, "%s/config-open", dir);
    write_file(conf, "[default]\naws_access_key_id = AKIDX\naws_secret_access_key = " SECRET "\n",
               0604);
    capture_begin();
    rc = s3_creds_load_files(NULL, NULL, conf, &c);
    log = capture_end();
    assert_int_equal(rc, -1);
    assert_non_null(strstr(log, "readable by group or others"));
}

static void test_env_first(void **state)
{
    char home[300], awsdir[320], cred[340];
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(awsdir, sizeof awsdir, "%s/.aws", home);
    snprintf(cred, sizeof cred, "%s/credentials", awsdir);
    mkdir(home, 0700);
    mkdir(awsdir, 0700);
    write_file(cred,
               "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = " SECRET2 "\n",
               0600);
    setenv("HOME", home, 1);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_PROFILE");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", "ENVTOKEN", 1);
    s3_creds_t c;
    assert_int_equal(s3_creds_load(NULL, &c), 0);
    assert_string_equal(c.access_key, "AKIDENV");
    assert_string_equal(c.session_token, "ENVTOKEN");
    assert_string_equal(c.source, "environment");
    s3_creds_clear(&c);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    assert_int_equal(s3_creds_load(NULL, &c), 0);
    assert_string_equal(c.access_key, "AKIDFILE");
    s3_creds_clear(&c);
    s3_creds_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_profiles),
        cmocka_unit_test(test_refuse_readable),
        cmocka_unit_test(test_env_first),
    };
    return cmocka_run_group_tests_name("s3_creds", tests, setup, teardown);
}
