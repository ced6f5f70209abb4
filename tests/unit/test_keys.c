/*
 * test_keys.c — keys.c: tenant names become safe, distinct file names;
 * recipients (with escrow) load; unknown_tenant = fail refuses, keygen makes
 * a 0600 identity whose recipient it then returns, and reuses it; a pair a
 * crash left half-written is completed from the identity; the [encryption]
 * section of the config is validated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "objkey.h"
#include "testutil.h"
#include "util.h"

static void test_tenant_name(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(keys_tenant_name("acme", out, sizeof out), 0);
    assert_string_equal(out, "acme");
    assert_int_equal(keys_tenant_name("a.b_c-D9", out, sizeof out), 0);
    assert_string_equal(out, "a.b_c-D9");
    assert_int_equal(keys_tenant_name(".hidden", out, sizeof out), 0);
    assert_string_equal(out, "%2Ehidden");
    assert_int_equal(keys_tenant_name("..", out, sizeof out), 0);
    assert_string_equal(out, "%2E.");
    assert_int_equal(keys_tenant_name("a/b c%", out, sizeof out), 0);
    assert_string_equal(out, "a%2Fb%20c%25");
    assert_int_equal(keys_tenant_name("caf\xc3\xa9", out, sizeof out), 0);
    assert_string_equal(out, "caf%C3%A9");
    /* injective: the escape character is escaped itself */
    assert_int_equal(keys_tenant_name("%41", out, sizeof out), 0);
    assert_string_equal(out, "%2541");
    assert_int_equal(keys_tenant_name("", out, sizeof out), -1);
    assert_int_equal(keys_tenant_name("abcdef", out, 6), -1);
    assert_int_equal(keys_tenant_name("abcde", out, 6), 0);
    assert_int_equal(keys_tenant_name("a/", out, 4), -1);
}

static void write_key_pair(const char *dir, const char *stem, char rec[AGE_RECIPIENT_STRLEN])
{
    char id[AGE_IDENTITY_STRLEN], path[512], text[256];

    assert_int_equal(age_keygen(id, rec), 0);
    snprintf(path, sizeof path, "%s/%s.txt", dir, stem);
    snprintf(text, sizeof text, "# comment\n%s\n", rec);
    tu_write_file(path, text, 0644);
}

static void test_recipients_escrow(void **state)
{
    char *d = tu_tmpdir("keys"), rec[AGE_RECIPIENT_STRLEN], esc[AGE_RECIPIENT_STRLEN];
    config_encryption_t e = {d, NULL, 0};
    age_recipient_t *r = NULL, want;
    size_t n = 0;

    (void)state;
    write_key_pair(d, "acme", rec);
    assert_int_equal(keys_tenant_recipients(&e, "acme", &r, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(age_recipient_parse(rec, &want), 0);
    assert_memory_equal(r[0].pub, want.pub, 32);
    free(r);
    write_key_pair(d, "acme.escrow", esc);
    assert_int_equal(keys_tenant_recipients(&e, "acme", &r, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(age_recipient_parse(esc, &want), 0);
    assert_memory_equal(r[1].pub, want.pub, 32);
    free(r);
    /* a tenant needing encoding reads its encoded file */
    write_key_pair(d, "%2Edot", rec);
    assert_int_equal(keys_tenant_recipients(&e, ".dot", &r, &n), 0);
    assert_int_equal(n, 1);
    free(r);
    /* unknown tenant, fail mode: refused, nothing created */
    assert_int_equal(keys_tenant_recipients(&e, "globex", &r, &n), -1);
    assert_null(r);
    /* a damaged recipients file is an error, not an empty list */
    char path[512];
    snprintf(path, sizeof path, "%s/bad.txt", d);
    tu_write_file(path, "age1notavalidrecipient\n", 0644);
    assert_int_equal(keys_tenant_recipients(&e, "bad", &r, &n), -1);
    char *desc = keys_describe(&e, "acme");
    assert_non_null(strstr(desc, esc));
    assert_non_null(strstr(desc, "acme.escrow.txt"));
    free(desc);
    tu_rmtree_free(d);
}

static void test_keygen_mode(void **state)
{
    char *d = tu_tmpdir("keys"), *rdir = util_asprintf("%s/rec", d),
         *idir = util_asprintf("%s/ids/sub", d), path[512];
    config_encryption_t e = {rdir, idir, 1};
    age_recipient_t *r = NULL, *r2 = NULL;
    age_identity_t *ids = NULL;
    size_t n = 0, n2 = 0, nids = 0;
    struct stat sb;

    (void)state;
    assert_int_equal(keys_tenant_recipients(&e, "new/tenant", &r, &n), 0);
    assert_int_equal(n, 1);
    snprintf(path, sizeof path, "%s/new%%2Ftenant.key", idir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(idir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(age_identities_load(path, &ids, &nids), 0);
    assert_memory_equal(ids[0].pub, r[0].pub, 32);
    /* reused, not regenerated */
    assert_int_equal(keys_tenant_recipients(&e, "new/tenant", &r2, &n2), 0);
    assert_memory_equal(r2[0].pub, r[0].pub, 32);
    free(r2);
    /* the recipient lost (crash between the two files): derived from the identity */
    snprintf(path, sizeof path, "%s/new%%2Ftenant.txt", rdir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(keys_tenant_recipients(&e, "new/tenant", &r2, &n2), 0);
    assert_memory_equal(r2[0].pub, r[0].pub, 32);
    free(r2);
    /* keys_generate never replaces */
    char rec[AGE_RECIPIENT_STRLEN];
    assert_int_equal(keys_generate("new/tenant", idir, rdir, rec), -1);
    age_identities_free(ids, nids);
    free(r);
    free(rdir);
    free(idir);
    tu_rmtree_free(d);
}

static void test_config_section(void **state)
{
    const char *base = "[store]\nurl = file:///tmp/x\n[source \"s\"]\npath = /d/{date}\n";
    char text[1024];
    config_t *c;

    (void)state;
    snprintf(text, sizeof text,
             "%s[encryption]\nrecipients_dir = /r\nunknown_tenant = keygen\n"
             "identities_dir = /i\n",
             base);
    c = config_parse_string("t.conf", text);
    assert_non_null(c);
    assert_string_equal(c->encryption.recipients_dir, "/r");
    assert_string_equal(c->encryption.identities_dir, "/i");
    assert_int_equal(c->encryption.unknown_keygen, 1);
    config_free(c);
    c = config_parse_string("t.conf", base);
    assert_non_null(c);
    assert_null(c->encryption.recipients_dir);
    config_free(c);
    const char *bad[] = {
        "[encryption]\nunknown_tenant = fail\n",                        /* no recipients_dir */
        "[encryption]\nrecipients_dir = /r\nunknown_tenant = keygen\n", /* no identities_dir */
        "[encryption]\nrecipients_dir = /r\nidentities_dir = /r\nunknown_tenant = keygen\n",
        "[encryption]\nrecipients_dir = relative\n",
        "[encryption]\nrecipients_dir = /r\nunknown_tenant = maybe\n",
        "[encryption]\nrecipients_dir = /r\nrecipient = age1x\n", /* no global recipient */
        "[encryption]\nrecipients_dir = /r\n[encryption]\nrecipients_dir = /s\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", base, bad[i]);
        c = config_parse_string("t.conf", text);
        if (c)
            fail_msg("accepted: %s", bad[i]);
    }
}

/* objkey: the ".age" keys of encrypted volumes and indexes */
static void test_objkey_age(void **state)
{
    char *v = objkey_volume("acme", "2026-11-23", "s1", 2, ".tar.gz.age");
    char *z = objkey_volume("acme", "2026-11-23", "s1", 2, ".tar.zst.age");
    char *i = objkey_index_of(v),
         *ip = objkey_index_of("tenant=acme/date=2026-11-23/source=s1/vol-0002.tar.gz");
    objkey_parts_t p;

    (void)state;
    assert_string_equal(v, "tenant=acme/date=2026-11-23/source=s1/vol-0002.tar.gz.age");
    assert_non_null(z);
    assert_string_equal(i, "tenant=acme/date=2026-11-23/source=s1/vol-0002.index.json.gz.age");
    assert_string_equal(ip, "tenant=acme/date=2026-11-23/source=s1/vol-0002.index.json.gz");
    assert_int_equal(objkey_parse(v, &p), 0);
    assert_int_equal(p.kind, OBJKEY_VOLUME);
    assert_int_equal(p.encrypted, 1);
    assert_string_equal(p.suffix, ".tar.gz.age");
    objkey_parts_free(&p);
    assert_int_equal(objkey_parse(i, &p), 0);
    assert_int_equal(p.kind, OBJKEY_INDEX);
    assert_int_equal(p.encrypted, 1);
    objkey_parts_free(&p);
    assert_int_equal(objkey_parse(ip, &p), 0);
    assert_int_equal(p.encrypted, 0);
    objkey_parts_free(&p);
    assert_null(objkey_volume("acme", "2026-11-23", "s1", 2, ".tar.age"));
    assert_int_equal(
        objkey_parse("tenant=acme/date=2026-11-23/source=s1/vol-0002.tar.gz.age.age", &p), -1);
    assert_int_equal(objkey_parse("tenant=acme/date=2026-11-23/source=s1/vol-0002.age", &p), -1);
    assert_true(objkey_is_age(v));
    assert_false(objkey_is_age(ip));
    assert_false(objkey_is_age(".age"));
    free(v);
    free(z);
    free(i);
    free(ip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_name), cmocka_unit_test(test_recipients_escrow),
        cmocka_unit_test(test_keygen_mode), cmocka_unit_test(test_config_section),
        cmocka_unit_test(test_objkey_age),
    };
    log_set_level(-1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
