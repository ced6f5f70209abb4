/*
 * test_s3_creds.c — credentials: environment first, then the shared
 * credentials file and the config file profiles; a credentials file readable
 * by group or others is refused with a message that says so; no secret ever
 * reaches the log (stderr is captured and searched). The parsers of each
 * provider's answer (credential_process JSON, container/IMDS JSON, STS XML),
 * the expiry arithmetic, the plain-http refusal, credential_process run for
 * real (success, failure with its stderr quoted), and the refreshing provider
 * (due refresh, refresh once per rejected generation).
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

#include <time.h>

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

static void test_parse_time(void **state)
{
    assert_int_equal(s3_creds_parse_time("1970-01-01T00:01:00Z"), 60);
    assert_int_equal(s3_creds_parse_time("2026-12-01T16:00:00Z"), 1796140800);
    assert_int_equal(s3_creds_parse_time("2026-12-01T16:00:00.123Z"), 1796140800);
    assert_int_equal(s3_creds_parse_time("2026-12-01T18:00:00+02:00"), 1796140800);
    assert_int_equal(s3_creds_parse_time("2026-12-01T15:30:00-00:30"), 1796140800);
    assert_int_equal(s3_creds_parse_time("2026-12-01T16:00:00"), 1796140800);
    assert_int_equal(s3_creds_parse_time("2026-13-01T16:00:00Z"), -1);
    assert_int_equal(s3_creds_parse_time("2026-12-01 16:00:00Z"), -1);
    assert_int_equal(s3_creds_parse_time("2026-12-01T16:00:00Zjunk"), -1);
    assert_int_equal(s3_creds_parse_time(""), -1);
    assert_int_equal(s3_creds_parse_time(NULL), -1);
}

static void test_refresh_time(void **state)
{
    /* an hour of life, 15 min margin: refreshed 15 min before the end */
    assert_int_equal(s3_creds_refresh_time(1000, 1000 + 3600, 900), 1000 + 3600 - 900);
    /* 20 s of life: the margin shrinks to half the lifetime */
    assert_int_equal(s3_creds_refresh_time(1000, 1020, 900), 1010);
    assert_int_equal(s3_creds_refresh_time(1000, 1020, 5), 1015);
    assert_int_equal(s3_creds_refresh_time(1000, 1020, 0), 1020);
    /* no expiry: never */
    assert_int_equal(s3_creds_refresh_time(1000, 0, 900), 0);
    /* expired already: due at once */
    assert_int_equal(s3_creds_refresh_time(1000, 900, 900), 900);
}

static void test_parse_process(void **state)
{
    s3_creds_t c;
    char why[256];
    const char *ok =
        "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"" SECRET
        "\", \"SessionToken\": \"TOK\", \"Expiration\": \"2026-12-01T16:00:00Z\"}";
    assert_int_equal(s3_creds_parse_process(ok, strlen(ok), &c, why, sizeof why), 0);
    assert_string_equal(c.access_key, "ASIAPROC");
    assert_string_equal(c.secret_key, SECRET);
    assert_string_equal(c.session_token, "TOK");
    assert_int_equal(c.expiration, 1796140800);
    s3_creds_clear(&c);
    /* long-term keys: no token, no expiry */
    const char *lt =
        "{\"Version\": 1, \"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"" SECRET "\"}";
    assert_int_equal(s3_creds_parse_process(lt, strlen(lt), &c, why, sizeof why), 0);
    assert_null(c.session_token);
    assert_int_equal(c.expiration, 0);
    s3_creds_clear(&c);
    const struct {
        const char *json, *why;
    } bad[] = {
        {"{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\"}", "Version"},
        {"{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\"}",
         "Version"},
        {"{\"Version\": 1, \"AccessKeyId\": \"A\"}", "SecretAccessKey"},
        {"{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \"" SECRET "\"}",
         "AccessKeyId"},
        {"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET
         "\", \"Expiration\": \"tomorrow\"}",
         "Expiration"},
        {"not json " SECRET, "JSON"},
        {"[1]", "JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(
            s3_creds_parse_process(bad[i].json, strlen(bad[i].json), &c, why, sizeof why), -1);
        assert_null(c.access_key);
        assert_non_null(strstr(why, bad[i].why));
        assert_null(strstr(why, SECRET));
    }
}

static void test_parse_container(void **state)
{
    s3_creds_t c;
    char why[256];
    /* ECS */
    const char *ecs = "{\"RoleArn\": \"arn:aws:iam::1:role/x\", \"AccessKeyId\": \"ASIAECS\", "
                      "\"SecretAccessKey\": \"" SECRET "\", \"Token\": \"ECSTOKEN\", "
                      "\"Expiration\": \"2026-12-01T16:00:00Z\"}";
    assert_int_equal(s3_creds_parse_container(ecs, strlen(ecs), &c, why, sizeof why), 0);
    assert_string_equal(c.access_key, "ASIAECS");
    assert_string_equal(c.session_token, "ECSTOKEN");
    assert_int_equal(c.expiration, 1796140800);
    s3_creds_clear(&c);
    /* IMDS */
    const char *imds = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : "
                       "\"2026-12-01T09:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n  "
                       "\"AccessKeyId\" : \"ASIAIMDS\",\n  \"SecretAccessKey\" : \"" SECRET
                       "\",\n  \"Token\" : \"IMDSTOKEN\",\n  \"Expiration\" : "
                       "\"2026-12-01T16:00:00Z\"\n}";
    assert_int_equal(s3_creds_parse_container(imds, strlen(imds), &c, why, sizeof why), 0);
    assert_string_equal(c.access_key, "ASIAIMDS");
    s3_creds_clear(&c);
    const char *failed = "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"AccessKeyId\": \"A\", "
                         "\"SecretAccessKey\": \"S\", \"Token\": \"T\", \"Expiration\": "
                         "\"2026-12-01T16:00:00Z\"}";
    assert_int_equal(s3_creds_parse_container(failed, strlen(failed), &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "AssumeRoleUnauthorizedAccess"));
    const char *noexp =
        "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET "\", \"Token\": \"T\"}";
    assert_int_equal(s3_creds_parse_container(noexp, strlen(noexp), &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "Expiration"));
    const char *notok = "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET
                        "\", \"Expiration\": \"2026-12-01T16:00:00Z\"}";
    assert_int_equal(s3_creds_parse_container(notok, strlen(notok), &c, why, sizeof why), 0);
    assert_null(c.session_token); /* optional: no x-amz-security-token then */
    s3_creds_clear(&c);
    const char *numkey = "{\"AccessKeyId\": 7, \"SecretAccessKey\": \"" SECRET
                         "\", \"Expiration\": \"2026-12-01T16:00:00Z\"}";
    assert_int_equal(s3_creds_parse_container(numkey, strlen(numkey), &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "AccessKeyId"));
    assert_null(strstr(why, SECRET));
}

static void test_parse_sts(void **state)
{
    s3_creds_t c;
    char why[256];
    const char *ok =
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <AssumeRoleWithWebIdentityResult>\n"
        "    <SubjectFromWebIdentityToken>system:serviceaccount:x:y</SubjectFromWebIdentityToken>\n"
        "    <Credentials>\n"
        "      <SessionToken>STSTOKEN</SessionToken>\n"
        "      <SecretAccessKey>" SECRET "</SecretAccessKey>\n"
        "      <Expiration>2026-12-01T16:00:00Z</Expiration>\n"
        "      <AccessKeyId>ASIASTS</AccessKeyId>\n"
        "    </Credentials>\n"
        "  </AssumeRoleWithWebIdentityResult>\n"
        "  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\n"
        "</AssumeRoleWithWebIdentityResponse>\n";
    assert_int_equal(s3_creds_parse_sts(ok, strlen(ok), &c, why, sizeof why), 0);
    assert_string_equal(c.access_key, "ASIASTS");
    assert_string_equal(c.secret_key, SECRET);
    assert_string_equal(c.session_token, "STSTOKEN");
    assert_int_equal(c.expiration, 1796140800);
    s3_creds_clear(&c);
    const char *err = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                      "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                      "<Message>Token expired</Message></Error></ErrorResponse>";
    assert_int_equal(s3_creds_parse_sts(err, strlen(err), &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "InvalidIdentityToken"));
    assert_non_null(strstr(why, "Token expired"));
    const char *nosecret = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                           "<Credentials><AccessKeyId>A</AccessKeyId><SessionToken>T"
                           "</SessionToken><Expiration>2026-12-01T16:00:00Z</Expiration>"
                           "</Credentials></AssumeRoleWithWebIdentityResult>"
                           "</AssumeRoleWithWebIdentityResponse>";
    assert_int_equal(s3_creds_parse_sts(nosecret, strlen(nosecret), &c, why, sizeof why), -1);
    assert_non_null(strstr(why, "SecretAccessKey"));
    assert_int_equal(s3_creds_parse_sts("<<<", 3, &c, why, sizeof why), -1);
    assert_null(c.access_key);
}

static void test_url_check(void **state)
{
    char why[512];
    const char *ok[] = {"https://s3.eu-west-1.amazonaws.com",
                        "https://10.0.0.5:9000",
                        "http://127.0.0.1:7480",
                        "http://127.5.6.7",
                        "http://localhost:9000",
                        "http://LOCALHOST",
                        "http://[::1]:8080",
                        "http://user@127.0.0.1:80/x"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(s3_creds_url_check(ok[i], S3_URL_SERVICE, why, sizeof why), 0);
    const char *bad[] = {"http://10.0.0.5:9000",
                         "http://s3.example.net",
                         "http://127.0.0.1.evil.net",
                         "http://127.0.0.1@evil.net/",
                         "http://169.254.169.254",
                         "http://[fd00:ec2::254]",
                         "http://[::2]",
                         "ftp://127.0.0.1",
                         "127.0.0.1:7480",
                         "http://localhost.evil.net"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(s3_creds_url_check(bad[i], S3_URL_SERVICE, why, sizeof why), -1);
        assert_non_null(strstr(why, bad[i])); /* the message names the endpoint */
    }
    assert_non_null(strstr(why, "https://"));
    s3_creds_url_check("http://10.0.0.5:9000", S3_URL_SERVICE, why, sizeof why);
    assert_non_null(strstr(why, "loopback"));
    /* metadata endpoints are link-local by design */
    assert_int_equal(s3_creds_url_check("http://169.254.169.254", S3_URL_IMDS, why, sizeof why), 0);
    assert_int_equal(s3_creds_url_check("http://[fd00:ec2::254]", S3_URL_IMDS, why, sizeof why), 0);
    assert_int_equal(s3_creds_url_check("http://169.254.170.2/v2/credentials/x", S3_URL_CONTAINER,
                                        why, sizeof why),
                     0);
    assert_int_equal(s3_creds_url_check("http://169.254.170.23/v1/credentials", S3_URL_CONTAINER,
                                        why, sizeof why),
                     0);
    assert_int_equal(s3_creds_url_check("http://169.254.170.2", S3_URL_IMDS, why, sizeof why), -1);
    assert_int_equal(
        s3_creds_url_check("http://169.254.169.254", S3_URL_CONTAINER, why, sizeof why), -1);
    assert_int_equal(s3_creds_url_check("http://10.1.1.1", S3_URL_IMDS, why, sizeof why), -1);
}

/* A profile whose credential_process is the shell script `body`. */
static void write_process_profile(const char *body, char *conf, size_t n)
{
    char script[320];
    snprintf(script, sizeof script, "%s/proc.sh", dir);
    write_file(script, body, 0700);
    snprintf(conf, n, "%s/config-proc", dir);
    char text[800];
    snprintf(text, sizeof text, "[profile proc]\nregion = us-east-1\ncredential_process = %s arg\n",
             script);
    write_file(conf, text, 0600);
}

static void test_credential_process(void **state)
{
    char conf[320], body[1024], *log;
    s3_creds_t c;
    setenv("AWS_SECRET_ACCESS_KEY", "PARENTSECRET", 1); /* must not reach the child */
    snprintf(body, sizeof body,
             "#!/bin/sh\n"
             "[ \"$1\" = arg ] || exit 9\n"
             "[ -z \"$AWS_SECRET_ACCESS_KEY\" ] || exit 8\n"
             "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": "
             "\"" SECRET "\", \"SessionToken\": \"PTOK\", \"Expiration\": "
             "\"2099-01-01T00:00:00Z\"}'\n");
    write_process_profile(body, conf, sizeof conf);
    assert_int_equal(s3_creds_load_files("proc", NULL, conf, &c), 0);
    assert_string_equal(c.access_key, "ASIAPROC");
    assert_string_equal(c.session_token, "PTOK");
    assert_int_equal(c.expiration, s3_creds_parse_time("2099-01-01T00:00:00Z"));
    assert_non_null(strstr(c.source, "credential_process"));
    s3_creds_clear(&c);

    /* a failing process: its profile, program, status and stderr are named */
    write_process_profile("#!/bin/sh\necho 'sso session expired; run aws sso login' >&2\n"
                          "echo '" SECRET "'\nexit 3\n",
                          conf, sizeof conf);
    capture_begin();
    int rc = s3_creds_load_files("proc", NULL, conf, &c);
    log = capture_end();
    assert_int_equal(rc, -1);
    assert_null(c.access_key);
    assert_non_null(strstr(log, "profile \"proc\""));
    assert_non_null(strstr(log, "proc.sh"));
    assert_non_null(strstr(log, "exited with status 3"));
    assert_non_null(strstr(log, "sso session expired"));
    assert_null(strstr(log, SECRET));

    /* garbage on stdout: refused, not quoted */
    write_process_profile("#!/bin/sh\necho 'AccessKeyId=" SECRET "'\n", conf, sizeof conf);
    capture_begin();
    rc = s3_creds_load_files("proc", NULL, conf, &c);
    log = capture_end();
    assert_int_equal(rc, -1);
    assert_non_null(strstr(log, "unusable output"));
    assert_null(strstr(log, SECRET));
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static int count_calls(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, ch;
    if (!f)
        return 0;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

static void test_provider_refresh(void **state)
{
    char conf[320], body[1024], calls[320];
    snprintf(calls, sizeof calls, "%s/calls", dir);
    unlink(calls);
    /* each call issues keys valid 2 s: due for refresh after 1 s */
    snprintf(body, sizeof body,
             "#!/bin/sh\n"
             "echo x >>%s\n"
             "n=$(wc -l <%s | tr -d ' ')\n"
             "exp=$(date -u -d '+2 seconds' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
             "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIA'$n'\", \"SecretAccessKey\": "
             "\"" SECRET "\", \"SessionToken\": \"T\", \"Expiration\": \"'$exp'\"}'\n",
             calls, calls);
    write_process_profile(body, conf, sizeof conf);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("COLDPACK_CREDS_REFRESH_MARGIN");

    s3_creds_provider_t *p = s3_creds_provider_new("proc", NULL);
    assert_non_null(p);
    assert_int_equal(s3_creds_provider_refreshable(p), 1);
    assert_int_equal(count_calls(calls), 1);
    s3_creds_t a, b;
    assert_int_equal(s3_creds_provider_get(p, &a), 0);
    assert_string_equal(a.access_key, "ASIA1");
    assert_int_equal(count_calls(calls), 1); /* not due yet */
    struct timespec ts = {1, 300000000};
    nanosleep(&ts, NULL);
    assert_int_equal(s3_creds_provider_get(p, &b), 0);
    assert_int_equal(count_calls(calls), 2);
    assert_string_equal(b.access_key, "ASIA2");
    assert_true(b.generation != a.generation);
    /* a rejection of the old generation: already refreshed, no new call */
    assert_int_equal(s3_creds_provider_rejected(p, a.generation), 0);
    assert_int_equal(count_calls(calls), 2);
    /* a rejection of the current one: one refresh */
    assert_int_equal(s3_creds_provider_rejected(p, b.generation), 0);
    assert_int_equal(count_calls(calls), 3);
    s3_creds_clear(&a);
    s3_creds_clear(&b);
    s3_creds_provider_free(p);
    s3_creds_provider_free(NULL);

    /* static keys are not refreshable and a rejection is final */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    p = s3_creds_provider_new(NULL, NULL);
    assert_non_null(p);
    assert_int_equal(s3_creds_provider_refreshable(p), 0);
    assert_int_equal(s3_creds_provider_get(p, &a), 0);
    assert_int_equal(s3_creds_provider_rejected(p, a.generation), -1);
    s3_creds_clear(&a);
    s3_creds_provider_free(p);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    /* nothing configured anywhere: one message listing the chain */
    setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
    capture_begin();
    p = s3_creds_provider_new("nope", NULL);
    char *log = capture_end();
    assert_null(p);
    assert_non_null(strstr(log, "none found"));
    assert_non_null(strstr(log, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    assert_non_null(strstr(log, "AWS_EC2_METADATA_DISABLED"));
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_profiles),    cmocka_unit_test(test_refuse_readable),
        cmocka_unit_test(test_env_first),        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_refresh_time),     cmocka_unit_test(test_parse_process),
        cmocka_unit_test(test_parse_container),  cmocka_unit_test(test_parse_sts),
        cmocka_unit_test(test_url_check),        cmocka_unit_test(test_credential_process),
        cmocka_unit_test(test_provider_refresh),
    };
    return cmocka_run_group_tests_name("s3_creds", tests, setup, teardown);
}
