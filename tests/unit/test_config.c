/*
 * test_config.c — the INI configuration: a complete file parses with every
 * value (and defaults fill what is left out); each malformed file is refused
 * (NULL) with exactly one "coldpack: error: FILE:LINE: message" line on stderr
 * naming what was wrong and what was expected, at the right line. stderr is
 * captured by pointing fd 2 at a temp file around each parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char errbuf[16384];

/* Parse text as "t.conf" with stderr captured into errbuf. */
static config_t *parse_capture(const char *text)
{
    FILE *tmp = tmpfile();
    config_t *c;
    int saved;
    size_t n;

    assert_non_null(tmp);
    fflush(stderr);
    saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    c = config_parse_string("t.conf", text);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    n = fread(errbuf, 1, sizeof errbuf - 1, tmp);
    errbuf[n] = 0;
    fclose(tmp);
    return c;
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* text must be refused with exactly one error line containing want. */
#define expect_refused(text, want) expect_refused_at(text, want, __LINE__)
static void expect_refused_at(const char *text, const char *want, int line)
{
    config_t *c = parse_capture(text);
    char full[1024];

    if (c) {
        config_free(c);
        fail_msg("test line %d: config accepted, expected \"%s\"", line, want);
    }
    snprintf(full, sizeof full, "coldpack: error: %s", want);
    if (!strstr(errbuf, full))
        fail_msg("test line %d: stderr is\n%s\nexpected it to contain\n%s", line, errbuf, full);
    if (count_lines(errbuf) != 1)
        fail_msg("test line %d: expected one error line, got:\n%s", line, errbuf);
    /* the same message is kept for summaries */
    if (!strstr(log_last_error(), want))
        fail_msg("test line %d: log_last_error() is \"%s\"", line, log_last_error());
}

static const char full_config[] =
    "; coldpack configuration used by test_config\n"
    "# both comment styles\n"
    "\n"
    "[store]\n"
    "url = file:///var/lib/coldpack/store     ; s3://bucket/prefix comes later\n"
    "storage_class = GLACIER\n"
    "thaw_delay = 2h\n"
    "region = eu-west-1\n"
    "endpoint = https://s3.example.net:9000\n"
    "path_style = yes\n"
    "part_size = 64MiB\n"
    "concurrency = 16\n"
    "sse = aws:kms\n"
    "kms_key_id = arn:aws:kms:eu-west-1:1:key/abc\n"
    "object_lock = governance\n"
    "credentials_profile = backup\n"
    "[catalog]\n"
    "path = /srv/coldpack/catalog.db\n"
    "[pack]\n"
    "compression = zstd\n"
    "level = 19\n"
    "volume_size = 512MiB\n"
    "block_size = 2MiB\n"
    "threads = 12\n"
    "[retention]\n"
    "days = 400\n"
    "[run]\n"
    "parallel_sources = 6\n"
    "bandwidth = 200MB/s\n"
    "deadline = 06:30\n"
    "[notify]\n"
    "command = /usr/local/bin/page-oncall\n"
    "webhook = https://hooks.example.net/x\n"
    "on = always\n"
    "[source \"siem-01\"]\n"
    "path = /var/siem/export/{date}            ; {date} is YYYY-MM-DD\n"
    "tenant = dir:2\n"
    "[source \"siem.02_b\"]\n"
    "path = /export/{date}/logs\n"
    "host = siem02.example.net\n"
    "user = backup\n"
    "port = 2222\n"
    "identity = /etc/coldpack/id_ed25519\n"
    "remote_nice = off\n"
    "bandwidth = 50MiB/s\n"
    "ssh_command = /usr/bin/ssh\n"
    "tenant = fixed:acme\n";

static void test_full_config(void **state)
{
    config_t *c = parse_capture(full_config);
    const config_source_t *s;

    (void)state;
    if (!c)
        fail_msg("full config refused: %s", errbuf);
    assert_string_equal(errbuf, "");
    assert_string_equal(c->file, "t.conf");
    assert_string_equal(c->store.url, "file:///var/lib/coldpack/store");
    assert_string_equal(c->store.storage_class, "GLACIER");
    assert_int_equal(c->store.thaw_delay, 7200);
    assert_string_equal(c->store.region, "eu-west-1");
    assert_string_equal(c->store.endpoint, "https://s3.example.net:9000");
    assert_int_equal(c->store.path_style, 1);
    assert_int_equal(c->store.part_size, 64 << 20);
    assert_int_equal(c->store.concurrency, 16);
    assert_string_equal(c->store.sse, "aws:kms");
    assert_string_equal(c->store.kms_key_id, "arn:aws:kms:eu-west-1:1:key/abc");
    assert_string_equal(c->store.object_lock, "governance");
    assert_string_equal(c->store.credentials_profile, "backup");
    assert_string_equal(c->catalog.path, "/srv/coldpack/catalog.db");
    assert_string_equal(c->pack.compression, "zstd");
    assert_int_equal(c->pack.level, 19);
    assert_int_equal(c->pack.volume_size, 512 << 20);
    assert_int_equal(c->pack.block_size, 2 << 20);
    assert_int_equal(c->pack.threads, 12);
    assert_int_equal(c->retention.days, 400);
    assert_int_equal(c->run.parallel_sources, 6);
    assert_int_equal(c->run.bandwidth, 200000000);
    assert_int_equal(c->run.deadline_min, 6 * 60 + 30);
    assert_string_equal(c->notify.command, "/usr/local/bin/page-oncall");
    assert_string_equal(c->notify.webhook, "https://hooks.example.net/x");
    assert_int_equal(c->notify.always, 1);

    assert_int_equal(c->nsources, 2);
    s = config_find_source(c, "siem-01");
    assert_non_null(s);
    assert_ptr_equal(s, &c->sources[0]);
    assert_string_equal(s->name, "siem-01");
    assert_string_equal(s->path, "/var/siem/export/{date}");
    assert_int_equal(s->tenant_rule, TENANT_DIR);
    assert_int_equal(s->tenant_dir, 2);
    assert_null(s->tenant_fixed);
    assert_null(s->host);
    assert_int_equal(s->remote_nice, 1);
    assert_int_equal(s->bandwidth, 0);
    assert_int_equal(s->line, 35);

    s = config_find_source(c, "siem.02_b");
    assert_non_null(s);
    assert_string_equal(s->path, "/export/{date}/logs");
    assert_string_equal(s->host, "siem02.example.net");
    assert_string_equal(s->user, "backup");
    assert_int_equal(s->port, 2222);
    assert_string_equal(s->identity, "/etc/coldpack/id_ed25519");
    assert_int_equal(s->remote_nice, 0);
    assert_int_equal(s->bandwidth, 50 << 20);
    assert_string_equal(s->ssh_command, "/usr/bin/ssh");
    assert_int_equal(s->tenant_rule, TENANT_FIXED);
    assert_string_equal(s->tenant_fixed, "acme");
    assert_int_equal(s->line, 38);

    assert_null(config_find_source(c, "siem-03"));
    config_free(c);
}

static void test_defaults(void **state)
{
    config_t *c = parse_capture("[store]\n"
                                "url = file:///srv/store/\n"
                                "[source \"a\"]\n"
                                "path = /x/{date}\n");

    (void)state;
    if (!c)
        fail_msg("minimal config refused: %s", errbuf);
    assert_string_equal(c->store.storage_class, "DEEP_ARCHIVE");
    assert_int_equal(c->store.thaw_delay, 0);
    assert_int_equal(c->store.part_size, 0);
    assert_string_equal(c->catalog.path, "/var/lib/coldpack/catalog.db");
    assert_string_equal(c->pack.compression, "gzip");
    assert_int_equal(c->pack.level, 5); /* gzip default: libdeflate 5 ~ gzip -6's ratio */
    assert_int_equal(c->pack.volume_size, 4LL << 30);
    assert_int_equal(c->pack.threads, 0);
    assert_int_equal(c->retention.days, 365);
    assert_int_equal(c->run.deadline_min, -1);
    assert_int_equal(c->run.bandwidth, 0);
    assert_int_equal(c->notify.always, 0);
    assert_int_equal(c->nsources, 1);
    assert_int_equal(c->sources[0].tenant_rule, TENANT_DIR);
    assert_int_equal(c->sources[0].tenant_dir, 1);
    config_free(c);

    /* gzip's top level, and a file without a final newline */
    c = parse_capture("[store]\nurl = file:///s\n[pack]\nlevel = 12\n[source \"a\"]\n"
                      "path = /x/{date}");
    assert_non_null(c);
    assert_int_equal(c->pack.level, 12);
    assert_string_equal(c->sources[0].path, "/x/{date}");
    config_free(c);
}

/* Each malformed file: NULL, one message, the right line. */
static void test_unknown_key(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[pack]\n"
                   "colour = blue\n"
                   "[source \"a\"]\n"
                   "path = /x/{date}\n",
                   "t.conf:4: unknown key \"colour\" in [pack]; expected compression, level, "
                   "volume_size, block_size, threads");
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "bucket = b\n",
                   "t.conf:3: unknown key \"bucket\" in [store]; expected url, storage_class, "
                   "thaw_delay, region");
    expect_refused("[store]\nurl = file:///s\n[source \"web\"]\npath = /x/{date}\n"
                   "tennant = dir:1\n",
                   "t.conf:5: unknown key \"tennant\" in [source \"web\"]; expected path, tenant, "
                   "host");
    expect_refused("[store]\nurl = file:///s\n[catalog]\npath = var/catalog.db\n",
                   "t.conf:4: [catalog] path must be absolute, got \"var/catalog.db\"");
    expect_refused("[catalog]\ndb = /x\n", "t.conf:2: unknown key \"db\" in [catalog]; expected "
                                           "path");
    expect_refused("\n\n[retention]\nyears = 1\n",
                   "t.conf:4: unknown key \"years\" in [retention]; expected days");
    expect_refused("[run]\nthreads = 1\n", "t.conf:2: unknown key \"threads\" in [run]; expected "
                                           "parallel_sources, bandwidth, deadline, catch_up_days");
    expect_refused("[notify]\nemail = x@y\n",
                   "t.conf:2: unknown key \"email\" in [notify]; expected command, webhook, on");
    expect_refused("url = file:///s\n[store]\n", "t.conf:1: key \"url\" outside any section");
}

/* [audit]: absolute key paths, nothing else */
static void test_audit_section(void **state)
{
    (void)state;
    config_t *c = parse_capture("[store]\nurl = file:///s\n[audit]\nsigning_key = /k/sk.pem\n"
                                "public_key = /k/pk.pem\n[source \"a\"]\npath = /x/{date}\n");
    assert_non_null(c);
    assert_string_equal(c->audit.signing_key, "/k/sk.pem");
    assert_string_equal(c->audit.public_key, "/k/pk.pem");
    config_free(c);
    expect_refused("[store]\nurl = file:///s\n[audit]\nsigning_key = sk.pem\n",
                   "t.conf:4: audit.signing_key = \"sk.pem\": expected an absolute path");
    expect_refused("[store]\nurl = file:///s\n[audit]\nkey = /k\n",
                   "t.conf:4: unknown key \"key\" in [audit]; expected signing_key, public_key");
}

static void test_unknown_section(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[stor]\n"
                   "url = file:///t\n",
                   "t.conf:3: unknown section [stor]; expected [store], [catalog], [pack], "
                   "[retention], [run], [notify], [prices], [defaults], [encryption], [audit] or "
                   "[source \"NAME\"]");
    /* an empty unknown section is still refused */
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /x/{date}\n[extras]\n",
                   "t.conf:5: unknown section [extras]");
    expect_refused("[source siem]\npath = /x/{date}\n",
                   "t.conf:1: section [source siem]: expected [source \"NAME\"]");
    expect_refused("[store]\nurl = file:///s\n[source \"a b\"]\npath = /x/{date}\n",
                   "t.conf:3: source name \"a b\": use letters, digits, '-', '_' and '.'");
    expect_refused("[store]\nurl = file:///s\n[source \"..\"]\npath = /x/{date}\n",
                   "t.conf:3: source name \"..\": use letters");
}

static void test_bad_values(void **state)
{
    (void)state;
    /* sizes */
    expect_refused("[store]\nurl = file:///s\n[pack]\nlevel = 3\nvolume_size = 4QiB\n",
                   "t.conf:5: pack.volume_size = \"4QiB\": expected a size such as 4GiB, 512MiB");
    expect_refused("[store]\nurl = file:///s\n[pack]\nvolume_size = -4GiB\n",
                   "t.conf:4: pack.volume_size = \"-4GiB\": expected a size");
    expect_refused("[store]\nurl = file:///s\n[pack]\nvolume_size = 0\n",
                   "t.conf:4: pack.volume_size = \"0\": expected a size");
    expect_refused("[store]\nurl = file:///s\n[pack]\nblock_size = 1KiB\n",
                   "t.conf:4: pack.block_size = \"1KiB\": expected a size from 64KiB to 64MiB");
    expect_refused("[store]\nurl = file:///s\npart_size = 1MiB\n",
                   "t.conf:3: store.part_size = \"1MiB\": expected auto or a size from 5MiB to "
                   "5GiB");
    /* bool */
    expect_refused("[store]\nurl = file:///s\npath_style = maybe\n",
                   "t.conf:3: store.path_style = \"maybe\": expected true or false");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /x/{date}\n"
                   "remote_nice = 2\n",
                   "t.conf:5: source.remote_nice = \"2\": expected true or false");
    /* numbers */
    expect_refused("[store]\nurl = file:///s\n[pack]\nlevel = 20\n",
                   "t.conf:4: pack.level = \"20\": expected a number from 1 to 19");
    expect_refused("[store]\nurl = file:///s\n[pack]\nthreads = 4x\n",
                   "t.conf:4: pack.threads = \"4x\": expected 0 (all cores)");
    expect_refused("[retention]\ndays = 0\n",
                   "t.conf:2: retention.days = \"0\": expected a number of days from 1 to 36500");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /x/{date}\nport = 70000\n",
                   "t.conf:5: source.port = \"70000\": expected a port from 1 to 65535");
    /* enumerations and urls */
    expect_refused("[pack]\ncompression = xz\n",
                   "t.conf:2: pack.compression = \"xz\": expected gzip or zstd");
    expect_refused("[store]\nstorage_class = COLD\n",
                   "t.conf:2: store.storage_class = \"COLD\": expected STANDARD, STANDARD_IA");
    expect_refused("[store]\nurl = ftp://x/y\n",
                   "t.conf:2: store.url = \"ftp://x/y\": expected file:///absolute/dir or "
                   "s3://bucket/prefix");
    expect_refused("[store]\nurl = file://relative/dir\n",
                   "t.conf:2: store.url = \"file://relative/dir\": expected an absolute path");
    expect_refused("[store]\nurl = s3://\n",
                   "t.conf:2: store.url = \"s3://\": expected a bucket name");
    expect_refused("[store]\nurl = file:///s\nthaw_delay = soon\n",
                   "t.conf:3: store.thaw_delay = \"soon\": expected a duration");
    expect_refused("[store]\nurl = file:///s\nthaw_delay = -5m\n",
                   "t.conf:3: store.thaw_delay = \"-5m\": expected a duration");
    expect_refused("[run]\ndeadline = 25:00\n",
                   "t.conf:2: run.deadline = \"25:00\": expected a local time HH:MM");
    expect_refused("[run]\nbandwidth = lots\n",
                   "t.conf:2: run.bandwidth = \"lots\": expected a rate such as 200MB/s");
    expect_refused("[notify]\non = sometimes\n",
                   "t.conf:2: notify.on = \"sometimes\": expected failure or always");
    expect_refused("[notify]\nwebhook = hooks.example.net\n",
                   "t.conf:2: notify.webhook = \"hooks.example.net\": expected an http://");
}

static void test_missing_date(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "\n"
                   "[source \"siem-01\"]\n"
                   "tenant = dir:1\n"
                   "path = /var/siem/export\n",
                   "t.conf:6: source.path = \"/var/siem/export\": expected a path containing "
                   "{date} (e.g. /var/siem/export/{date})");
    /* {DATE} is not {date} */
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /x/{DATE}\n",
                   "t.conf:4: source.path = \"/x/{DATE}\": expected a path containing {date}");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[source \"siem-01\"]\n"
                   "path = /a/{date}\n"
                   "\n"
                   "[source \"siem-01\"]\n"
                   "path = /b/{date}\n",
                   "t.conf:6: duplicate source \"siem-01\" (first defined at line 3)");
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "url = file:///t\n",
                   "t.conf:3: key \"url\" given twice in the same section");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                   "tenant = dir:1\ntenant = dir:2\n",
                   "t.conf:6: key \"tenant\" given twice in the same section");
    /* the same key in two different sources is fine */
    config_t *c = parse_capture("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                                "[source \"b\"]\npath = /b/{date}\n");
    assert_non_null(c);
    assert_int_equal(c->nsources, 2);
    assert_int_equal(c->sources[1].line, 5);
    config_free(c);
}

static void test_bad_tenant_rule(void **state)
{
    (void)state;
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\ntenant = byname\n",
                   "t.conf:5: source.tenant = \"byname\": expected dir:N (N from 1) or "
                   "fixed:NAME");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\ntenant = dir:0\n",
                   "t.conf:5: source.tenant = \"dir:0\": expected dir:N (N from 1) or fixed:NAME");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                   "tenant = dir:x\n",
                   "t.conf:5: source.tenant = \"dir:x\": expected dir:N");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                   "tenant = fixed:../etc\n",
                   "t.conf:5: source.tenant = \"fixed:../etc\": expected fixed:NAME with letters");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                   "tenant = fixed:\n",
                   "t.conf:5: source.tenant = \"fixed:\": expected fixed:NAME");
}

static void test_whole_file_checks(void **state)
{
    (void)state;
    /* no line to point at: "file: message" */
    expect_refused("[catalog]\npath = /c.db\n[source \"a\"]\npath = /a/{date}\n",
                   "t.conf: [store] url is required (file:///dir or s3://bucket/prefix)");
    expect_refused("[store]\nurl = file:///s\n[pack]\nlevel = 6\n",
                   "t.conf: no [source \"NAME\"] section: nothing to back up");
    expect_refused("", "t.conf: [store] url is required");
    expect_refused("[store]\nurl = s3://bucket/prefix\n[source \"a\"]\npath = /a/{date}\n",
                   "t.conf: [store] an s3:// url needs region (or endpoint)");
    /* gzip takes levels 1-12; 13 is refused once the codec is known */
    expect_refused("[store]\nurl = file:///s\n[pack]\nlevel = 13\n[source \"a\"]\npath = "
                   "/a/{date}\n",
                   "t.conf: [pack] level 13 is out of range for gzip (1-12)");
    /* per-source checks name the [source] line */
    expect_refused("[store]\nurl = file:///s\n\n[source \"a\"]\ntenant = dir:1\n",
                   "t.conf:4: [source \"a\"] needs path = /dir/{date}");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = a/{date}\n",
                   "t.conf:3: [source \"a\"] path must be absolute");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\nuser = u\n",
                   "t.conf:3: [source \"a\"] user/port/identity need host =");
}

static void test_empty_value(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url =\n",
                   "t.conf:2: key \"url\" has an empty value");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}\n"
                   "host =    ; a comment only\n",
                   "t.conf:5: key \"host\" has an empty value");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[source \"a\"]\n"
                   "path = /a/{date}\n"
                   "[pack\n",
                   "t.conf:5: syntax error: expected [section], key = value, or a ; comment");
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[source \"a\"]\n"
                   "path = /a/{date}\n"
                   "novalue\n",
                   "t.conf:5: syntax error: expected [section], key = value, or a ; comment");
    /* the first problem wins, later ones are not reported */
    expect_refused("[store]\nbogus = 1\n[nope]\nnovalue\n",
                   "t.conf:2: unknown key \"bogus\" in [store]");
}

/* A header without its ']' followed by a key: the syntax error (line 3) is the
 * first problem; the key after it must not be blamed on the previous section. */
static void test_syntax_error_line_wins(void **state)
{
    (void)state;
    expect_refused("[store]\n"
                   "url = file:///s\n"
                   "[pack\n"
                   "level = 6\n",
                   "t.conf:3: syntax error: expected [section], key = value, or a ; comment");
}

/* A section given twice must not silently override the first one's keys. */
static void test_duplicate_section(void **state)
{
    config_t *c;

    (void)state;
    c = parse_capture("[store]\n"
                      "url = file:///a\n"
                      "[source \"a\"]\n"
                      "path = /x/{date}\n"
                      "[store]\n"
                      "url = file:///b\n");
    if (c) {
        char url[64];
        snprintf(url, sizeof url, "%s", c->store.url);
        config_free(c);
        fail_msg("a second [store] section was accepted (url is now %s)", url);
    }
    assert_non_null(strstr(errbuf, "coldpack: error: t.conf:"));
    assert_non_null(strstr(errbuf, "store"));
    assert_int_equal(count_lines(errbuf), 1);
}

/* An indented "key = value" line is a key of its own: either it is parsed as
 * one, or the message names it. inih's multi-line continuation must not turn
 * it into a second value of the previous key ("key \"url\" given twice"). */
static void test_indented_key(void **state)
{
    config_t *c;

    (void)state;
    c = parse_capture("[store]\n"
                      "url = file:///a\n"
                      "    storage_class = GLACIER\n"
                      "[source \"a\"]\n"
                      "  path = /x/{date}\n");
    if (c) {
        assert_string_equal(c->store.url, "file:///a");
        assert_string_equal(c->store.storage_class, "GLACIER");
        assert_string_equal(c->sources[0].path, "/x/{date}");
        config_free(c);
        return;
    }
    if (!strstr(errbuf, "t.conf:3:") || !strstr(errbuf, "storage_class"))
        fail_msg("indented key refused with a message that does not name it: %s", errbuf);
}

static void test_long_line(void **state)
{
    char text[2048], line[400];
    config_t *c;

    (void)state;
    /* a 250-byte comment on line 3 */
    memset(line, 'x', 250);
    line[0] = ';';
    line[250] = 0;
    snprintf(text, sizeof text, "[store]\nurl = file:///s\n%s\n[source \"a\"]\npath = /a/{date}\n",
             line);
    expect_refused(text, "t.conf:3: line longer than");

    /* the tail of an over-long line is not parsed as a line of its own, and the
     * lines after it keep their numbers */
    snprintf(text, sizeof text,
             "[store]\nurl = file:///s\n[source \"a\"]\npath = /a/{date}/%0230d[bogus]\n", 0);
    expect_refused(text, "t.conf:4: line longer than");

    /* 198 bytes plus newline fit inih's 200-byte buffer */
    memset(line, 'y', 198);
    memcpy(line, "path = /", 8);
    memcpy(line + 198 - 7, "/{date}", 7);
    line[198] = 0;
    snprintf(text, sizeof text, "[store]\nurl = file:///s\n[source \"a\"]\n%s\n", line);
    c = parse_capture(text);
    if (!c)
        fail_msg("a 198-byte line was refused: %s", errbuf);
    assert_int_equal(strlen(c->sources[0].path), 198 - 7);
    config_free(c);
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    config_t *c;
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(full_config, f);
    fclose(f);
    c = config_load(path);
    assert_non_null(c);
    assert_string_equal(c->file, path);
    assert_int_equal(c->nsources, 2);
    config_free(c);

    /* a NUL byte: not a text file */
    f = fopen(path, "w");
    assert_non_null(f);
    fwrite("[store]\0url = x\n", 1, 16, f);
    fclose(f);
    assert_null(config_load(path));
    assert_non_null(strstr(log_last_error(), "not a text file"));
    unlink(path);
    assert_null(config_load(path));
    assert_non_null(strstr(log_last_error(), "cannot read config"));
}

/* A huge duration must be refused, not overflow int64_t (UB: signed overflow
 * in parse_duration's n * 86400). */
static void test_duration_overflow(void **state)
{
    (void)state;
    expect_refused("[store]\nurl = file:///s\nthaw_delay = 9223372036854775807d\n"
                   "[source \"a\"]\npath = /a/{date}\n",
                   "t.conf:3: store.thaw_delay = \"9223372036854775807d\": expected a duration");
}

static void test_codec_default_levels(void **state)
{
    config_t *c;

    (void)state;
    c = parse_capture("[store]\nurl = file:///s\n[pack]\ncompression = zstd\n"
                      "[source \"a\"]\npath = /a/{date}\n");
    assert_non_null(c);
    assert_int_equal(c->pack.level, 3);
    config_free(c);
}

/* config_brace_expand(value) gives exactly the names in want (space-separated). */
static void expect_expand(const char *value, const char *want)
{
    char **v = NULL, err[256] = "", got[4096] = "";
    size_t n = 0, len = 0;

    if (config_brace_expand(value, 10000, &v, &n, err, sizeof err) < 0)
        fail_msg("\"%s\" refused: %s", value, err);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", i ? " " : "", v[i]);
    config_strv_free(v, n);
    if (strcmp(got, want))
        fail_msg("\"%s\" gave \"%s\", expected \"%s\"", value, got, want);
}

static void expect_no_expand(const char *value, size_t max, const char *want)
{
    char **v = NULL, err[256] = "";
    size_t n = 0;

    if (config_brace_expand(value, max, &v, &n, err, sizeof err) == 0) {
        config_strv_free(v, n);
        fail_msg("\"%s\" accepted, expected \"%s\"", value, want);
    }
    if (!strstr(err, want))
        fail_msg("\"%s\": error \"%s\" lacks \"%s\"", value, err, want);
}

static void test_brace_expand(void **state)
{
    (void)state;
    expect_expand("siem-{01..03}.dc1", "siem-01.dc1 siem-02.dc1 siem-03.dc1");
    expect_expand("h{1..3}", "h1 h2 h3");
    expect_expand("h{8..11}", "h8 h9 h10 h11");
    expect_expand("h{08..10}", "h08 h09 h10");
    expect_expand("h{1..010}", "h001 h002 h003 h004 h005 h006 h007 h008 h009 h010");
    expect_expand("h{0..2}", "h0 h1 h2");
    expect_expand("{a,b}", "a b");
    expect_expand("{a,b}-{1..2}.{x,y}", "a-1.x a-1.y a-2.x a-2.y b-1.x b-1.y b-2.x b-2.y");
    expect_expand("{3..3}", "3");
    expect_expand("plain", "plain");
    expect_expand("a, b  c,d", "a b c d");
    expect_expand("s{1..2} t{a,b}", "s1 s2 ta tb");

    /* exactly the cap is fine, one more is refused before anything is built */
    char **v = NULL, err[256];
    size_t n = 0;
    assert_int_equal(config_brace_expand("n{1..10000}", 10000, &v, &n, err, sizeof err), 0);
    assert_int_equal(n, 10000);
    assert_string_equal(v[9999], "n10000");
    config_strv_free(v, n);
    expect_no_expand("n{1..10001}", 10000, "expands to more than 10000 names");
    expect_no_expand("n{0..999999999}", 10000, "expands to more than 10000 names");
    expect_no_expand("n{1..99999999999999999999}", 10000, "expands to more than 10000 names");
    expect_no_expand("{1..100}{1..100}{1..2}", 10000, "expands to more than 10000 names");
    expect_no_expand("{1..5000} x{1..5001}", 10000, "expands to more than 10000 names");
    /* malformed */
    expect_no_expand("{5..1}", 100, "{5..1} counts down: write {1..5}");
    expect_no_expand("{a,{b,c}}", 100, "nested braces are not supported");
    expect_no_expand("{{1..2}}", 100, "nested braces are not supported");
    expect_no_expand("h{1..3", 100, "'{' without '}'");
    expect_no_expand("h1..3}", 100, "'}' without '{'");
    expect_no_expand("h{}", 100, "empty braces {}");
    expect_no_expand("h{a,}", 100, "{a,} has an empty item");
    expect_no_expand("h{,a}", 100, "has an empty item");
    expect_no_expand("h{a}", 100, "{a} has one item");
    expect_no_expand("h{a..e}", 100, "a range is {N..M} with whole numbers");
    expect_no_expand("h{1..}", 100, "a range is {N..M}");
    expect_no_expand("h{-1..2}", 100, "a range is {N..M}");
    expect_no_expand("h{1..10..2}", 100, "a range is {N..M}");
    expect_no_expand(" , ", 100, "no names");
}

static const char fleet_head[] = "[store]\nurl = file:///s\n";

static void test_hosts(void **state)
{
    config_t *c;
    char text[1024];

    (void)state;
    snprintf(text, sizeof text,
             "%s"                               /* 1-2 */
             "[source \"{host}\"]\n"            /* 3 */
             "hosts = siem-{01..24}.dc1\n"      /* 4 */
             "path = /var/siem/{host}/{date}\n" /* 5 */
             "[source \"db-{host}\"]\n"         /* 6 */
             "hosts = {a,b}\n"                  /* 7 */
             "path = /x/{date}\n",
             fleet_head);
    c = parse_capture(text);
    if (!c)
        fail_msg("refused: %s", errbuf);
    assert_int_equal(c->nsources, 26);
    assert_string_equal(c->sources[0].name, "siem-01.dc1");
    assert_string_equal(c->sources[0].host, "siem-01.dc1");
    assert_string_equal(c->sources[0].path, "/var/siem/siem-01.dc1/{date}");
    assert_int_equal(c->sources[0].line, 3);
    assert_string_equal(c->sources[23].name, "siem-24.dc1");
    assert_string_equal(c->sources[24].name, "db-a");
    assert_string_equal(c->sources[25].host, "b");
    assert_int_equal(c->sources[25].line, 6);
    config_free(c);
    /* a single host = fills {host} too */
    c = parse_capture("[store]\nurl = file:///s\n[source \"{host}\"]\nhost = h1\n"
                      "path = /x/{date}\n");
    assert_non_null(c);
    assert_string_equal(c->sources[0].name, "h1");
    config_free(c);

    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\npath = /x/{date}\n"
                   "hosts = siem-{01..3\n",
                   "t.conf:5: source.hosts = \"siem-{01..3\": \"siem-{01..3\": '{' without '}'");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = h{1..20000}\n",
                   "t.conf:4: source.hosts = \"h{1..20000}\": {1..20000}: expands to more than "
                   "10000 names");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = h{3..1}\n",
                   "t.conf:4: source.hosts = \"h{3..1}\": {3..1} counts down");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = h{1,{2,3}}\n",
                   "t.conf:4: source.hosts = \"h{1,{2,3}}\": \"h{1,{2,3}}\": nested braces");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = h{1,1}\n",
                   "t.conf:4: source.hosts = \"h{1,1}\": \"h1\" is listed twice");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = -oProxy{1,2}\n",
                   "t.conf:4: source.hosts = \"-oProxy{1,2}\": \"-oProxy1\" is not a host name");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = a/{1,2}\n",
                   "t.conf:4: source.hosts = \"a/{1,2}\": \"a/1\" is not a host name");
    /* duplicates after expansion name the later section's line */
    expect_refused("[store]\nurl = file:///s\n"
                   "[source \"{host}\"]\nhosts = a b\npath = /x/{date}\n"
                   "[source \"b\"]\npath = /y/{date}\n",
                   "t.conf:6: duplicate source \"b\" (first defined at line 3)");
    expect_refused("[store]\nurl = file:///s\n"
                   "[source \"b\"]\npath = /y/{date}\n"
                   "[source \"{host}\"]\nhosts = a b\npath = /x/{date}\n",
                   "t.conf:5: duplicate source \"b\" (first defined at line 3)");
    expect_refused("[store]\nurl = file:///s\n[source \"web\"]\nhosts = a b\npath = /x/{date}\n",
                   "t.conf:4: hosts = gives 2 hosts but the source name \"web\" has no {host}");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\npath = /x/{date}\n",
                   "t.conf:3: [source \"{host}\"] uses {host} but has no hosts = (or host =)");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /x/{host}/{date}\n",
                   "t.conf:3: [source \"a\"] uses {host}");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhost = a\nhosts = b c\n",
                   "t.conf:5: hosts = and host = cannot both be given (line 4 has host =)");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = b c\nhost = a\n",
                   "t.conf:5: host = and hosts = cannot both be given (line 4 has hosts =)");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nhosts = b c\n",
                   "t.conf:4: hosts = belongs in a [source \"{host}\"] section, not in [defaults]");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}/x\"]\n",
                   "t.conf:3: source name \"{host}/x\": use letters");
    expect_refused("[store]\nurl = file:///s\n[source \"{host}\"]\nhosts = ::1 h\n"
                   "path = /x/{date}\n",
                   "t.conf:3: source name \"::1\" (from [source \"{host}\"]): use letters");
}

static void test_defaults_section(void **state)
{
    config_t *c;

    (void)state;
    /* [defaults] after the sources still applies; own keys win */
    c = parse_capture("[store]\nurl = file:///s\n"
                      "[source \"{host}\"]\n"
                      "hosts = siem-{1..3}\n"
                      "port = 2222\n"
                      "[source \"own\"]\n"
                      "host = other\n"
                      "path = /own/{date}\n"
                      "tenant = fixed:acme\n"
                      "ssh_command = /usr/local/bin/ssh\n"
                      "[source \"local\"]\n"
                      "path = /local/{date}\n"
                      "[defaults]\n"
                      "path = /var/siem/export/{date}\n"
                      "tenant = dir:2\n"
                      "user = backup\n"
                      "port = 22\n"
                      "identity = /etc/coldpack/id\n"
                      "ssh_options = Compression=no ProxyJump=bastion.dc1\n"
                      "bandwidth = 50MB/s\n"
                      "remote_nice = off\n");
    if (!c)
        fail_msg("refused: %s", errbuf);
    assert_int_equal(c->nsources, 5);
    const config_source_t *s = config_find_source(c, "siem-2");
    assert_non_null(s);
    assert_string_equal(s->path, "/var/siem/export/{date}");
    assert_int_equal(s->tenant_dir, 2);
    assert_string_equal(s->user, "backup");
    assert_int_equal(s->port, 2222);
    assert_string_equal(s->identity, "/etc/coldpack/id");
    assert_string_equal(s->ssh_options[0], "Compression=no");
    assert_string_equal(s->ssh_options[1], "ProxyJump=bastion.dc1");
    assert_null(s->ssh_options[2]);
    assert_int_equal(s->bandwidth, 50000000);
    assert_int_equal(s->remote_nice, 0);
    assert_null(s->ssh_command);
    s = config_find_source(c, "own");
    assert_string_equal(s->path, "/own/{date}");
    assert_int_equal(s->tenant_rule, TENANT_FIXED);
    assert_string_equal(s->tenant_fixed, "acme");
    assert_int_equal(s->port, 22);
    assert_string_equal(s->ssh_command, "/usr/local/bin/ssh");
    /* a local source keeps the shared keys, drops inherited remote-only ones */
    s = config_find_source(c, "local");
    assert_null(s->host);
    assert_string_equal(s->path, "/local/{date}");
    assert_int_equal(s->tenant_dir, 2);
    assert_null(s->user);
    assert_int_equal(s->port, 0);
    assert_null(s->identity);
    assert_null(s->ssh_options);
    assert_int_equal(s->bandwidth, 50000000);
    config_free(c);

    /* its own remote-only keys are still refused */
    expect_refused("[store]\nurl = file:///s\n[defaults]\nuser = b\n[source \"l\"]\n"
                   "path = /l/{date}\nport = 22\n",
                   "t.conf:5: [source \"l\"] user/port/identity need host =");
    /* values in [defaults] are checked where they are written */
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\n[defaults]\npath = /x\n",
                   "t.conf:5: defaults.path = \"/x\": expected a path containing {date}");
    expect_refused("[store]\nurl = file:///s\n[defaults]\ntenant = dir:0\n",
                   "t.conf:4: defaults.tenant = \"dir:0\": expected dir:N");
    expect_refused("[store]\nurl = file:///s\n[defaults]\ncolour = blue\n",
                   "t.conf:4: unknown key \"colour\" in [defaults]; expected path, tenant, host");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nuser = a\nuser = b\n",
                   "t.conf:5: key \"user\" given twice in the same section");
    expect_refused("[store]\nurl = file:///s\n[defaults]\n[source \"a\"]\n[defaults]\n",
                   "t.conf:5: duplicate section [defaults] (first at line 3)");
    /* the path may come from [defaults] only, but some path is needed */
    expect_refused("[store]\nurl = file:///s\n[defaults]\nuser = a\n[source \"a\"]\nhost = h\n",
                   "t.conf:5: [source \"a\"] needs path = /dir/{date}");
    /* [defaults] alone is not a source */
    expect_refused("[store]\nurl = file:///s\n[defaults]\npath = /x/{date}\n",
                   "t.conf: no [source \"NAME\"] section");
}

static void test_ssh_options(void **state)
{
    (void)state;
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\nhost = h\npath = /x/{date}\n"
                   "ssh_options = BatchMode=no\n",
                   "t.conf:6: source.ssh_options = \"BatchMode=no\": BatchMode is set by coldpack");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = stricthostkeychecking=no\n",
                   "t.conf:4: defaults.ssh_options = \"stricthostkeychecking=no\": "
                   "StrictHostKeyChecking is set by coldpack");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = -oFoo=bar\n",
                   "t.conf:4: defaults.ssh_options = \"-oFoo=bar\": \"-oFoo=bar\" is not "
                   "Name=value");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = Compression\n",
                   "t.conf:4: defaults.ssh_options = \"Compression\": \"Compression\" is not "
                   "Name=value");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = ProxyJump=-x\n",
                   "t.conf:4: defaults.ssh_options = \"ProxyJump=-x\": \"ProxyJump=-x\" is "
                   "not Name=value");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = RemoteCommand=sh\n",
                   "t.conf:4: defaults.ssh_options = \"RemoteCommand=sh\": RemoteCommand is set by "
                   "coldpack or would break the tar stream");
    expect_refused("[store]\nurl = file:///s\n[defaults]\nssh_options = A=1 B=2 C=3 D=4 E=5 "
                   "F=6 G=7 H=8 I=9 J=10 K=11 L=12 M=13 N=14 O=15 P=16 Q=17\n",
                   "t.conf:4: defaults.ssh_options = \"A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 "
                   "K=11 L=12 M=13 N=14 O=15 P=16 Q=17\": more than 16 options");
}

static void test_tenant_template(void **state)
{
    config_t *c;

    (void)state;
    c = parse_capture("[store]\nurl = file:///s\n[defaults]\ntenant = fixed:x\n"
                      "[source \"a\"]\npath = /export/{tenant}/{date}\n"
                      "[source \"b\"]\npath = /export/{date}/{tenant}/logs\n");
    if (!c)
        fail_msg("refused: %s", errbuf);
    /* an inherited tenant rule does not apply: the path names the tenant */
    assert_int_equal(c->sources[0].tenant_rule, TENANT_DIR);
    assert_null(c->sources[0].tenant_fixed);
    assert_true(config_path_has_tenant(c->sources[0].path));
    assert_true(config_path_has_tenant(c->sources[1].path));
    config_free(c);
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /export/{tenant}/{date}\n"
                   "tenant = dir:1\n",
                   "t.conf:5: tenant = is not used when path has a {tenant} directory");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /export/t{tenant}/{date}\n",
                   "t.conf:4: source.path = \"/export/t{tenant}/{date}\": expected {tenant} as "
                   "one whole directory, at most once");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\npath = /e/{tenant}x/{date}\n",
                   "t.conf:4: source.path = \"/e/{tenant}x/{date}\": expected {tenant} as one "
                   "whole directory");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\n"
                   "path = /e/{tenant}/{tenant}/{date}\n",
                   "t.conf:4: source.path = \"/e/{tenant}/{tenant}/{date}\": expected {tenant} "
                   "as one whole directory");
    expect_refused("[store]\nurl = file:///s\n[source \"a\"]\nhost = h\n"
                   "path = /export/{tenant}/{date}\n",
                   "t.conf:3: [source \"a\"] a {tenant} directory in path works for local sources "
                   "only");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),       cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_unknown_key),       cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_bad_values),        cmocka_unit_test(test_missing_date),
        cmocka_unit_test(test_duplicates),        cmocka_unit_test(test_bad_tenant_rule),
        cmocka_unit_test(test_whole_file_checks), cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_syntax_errors),     cmocka_unit_test(test_syntax_error_line_wins),
        cmocka_unit_test(test_duplicate_section), cmocka_unit_test(test_indented_key),
        cmocka_unit_test(test_long_line),         cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_duration_overflow), cmocka_unit_test(test_codec_default_levels),
        cmocka_unit_test(test_brace_expand),      cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_defaults_section),  cmocka_unit_test(test_ssh_options),
        cmocka_unit_test(test_tenant_template),   cmocka_unit_test(test_audit_section),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
