/*
 * test_sign.c — sign.c: RFC 8032 test vector 1 (Ed25519, empty message) from
 * raw keys and from PEM files, the key id, sign/verify round trip, tamper
 * detection (one flipped message bit or signature bit fails), a public key
 * cannot sign, refusal of a private key readable or writable by group or
 * others, a non-Ed25519 key refused, base64 round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sign.h"
#include "testutil.h"
#include "util.h"

/* RFC 8032 section 7.1, TEST 1 */
static const char *SK_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *PK_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *SIG_HEX = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                             "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
/* the same keys as PKCS#8 / SubjectPublicKeyInfo PEM */
static const char *SK_PEM = "-----BEGIN PRIVATE KEY-----\n"
                            "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                            "-----END PRIVATE KEY-----\n";
static const char *PK_PEM = "-----BEGIN PUBLIC KEY-----\n"
                            "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                            "-----END PUBLIC KEY-----\n";
/* an EC P-256 key: not Ed25519 */
static const char *EC_PEM = "-----BEGIN PUBLIC KEY-----\n"
                            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbKUPgJ1BLyE8q+GElHkemw+ZJUJa\n"
                            "8JhwpzCNPoUjc/G8rK8lUgauK2tOIRBtGZ3xKRCkRXZrO82K8gbeYnZ3SA==\n"
                            "-----END PUBLIC KEY-----\n";

static void unhex(const char *h, unsigned char *out)
{
    for (size_t i = 0; h[2 * i]; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
}

static void key_id_of(const char *pk_hex, char id[17])
{
    unsigned char pk[32];
    char hex[65];
    unhex(pk_hex, pk);
    util_sha256_buf(pk, 32, hex);
    memcpy(id, hex, 16);
    id[16] = '\0';
}

static void test_rfc8032_vector1(void **state)
{
    unsigned char sk[32], pk[32], want[64], sig[64];
    char id[17];
    (void)state;
    unhex(SK_HEX, sk);
    unhex(PK_HEX, pk);
    unhex(SIG_HEX, want);
    sign_key_t *k = sign_from_raw(sk, 1), *p = sign_from_raw(pk, 0);
    assert_non_null(k);
    assert_non_null(p);
    assert_int_equal(sign_data(k, "", 0, sig), 0);
    assert_memory_equal(sig, want, 64); /* Ed25519 is deterministic */
    assert_int_equal(sign_verify(p, "", 0, want), 1);
    key_id_of(PK_HEX, id);
    assert_string_equal(sign_key_id(k), id);
    assert_string_equal(sign_key_id(p), id);
    /* a public key cannot sign */
    assert_int_equal(sign_data(p, "x", 1, sig), -1);
    sign_key_free(k);
    sign_key_free(p);
}

static void test_pem_roundtrip_and_tamper(void **state)
{
    char *dir = tu_tmpdir("test_sign"), *skp = util_asprintf("%s/sk.pem", dir),
         *pkp = util_asprintf("%s/pk.pem", dir);
    unsigned char sig[64], want[64];
    const char *msg = "{\"format\": \"coldpack-manifest-1\"}\n";
    (void)state;
    tu_write_file(skp, SK_PEM, 0600);
    tu_write_file(pkp, PK_PEM, 0644);
    sign_key_t *k = sign_load_private(skp), *p = sign_load_public(pkp), *p2 = sign_load_public(skp);
    assert_non_null(k);
    assert_non_null(p);
    assert_non_null(p2); /* a private key serves to verify too */
    assert_string_equal(sign_key_id(k), sign_key_id(p));
    assert_string_equal(sign_key_id(p2), sign_key_id(p));
    /* the PEM key signs the RFC vector exactly */
    unhex(SIG_HEX, want);
    assert_int_equal(sign_data(k, "", 0, sig), 0);
    assert_memory_equal(sig, want, 64);
    /* round trip and tamper detection */
    assert_int_equal(sign_data(k, msg, strlen(msg), sig), 0);
    assert_int_equal(sign_verify(p, msg, strlen(msg), sig), 1);
    char *bad = strdup(msg);
    bad[3] ^= 1;
    assert_int_equal(sign_verify(p, bad, strlen(bad), sig), 0);
    assert_int_equal(sign_verify(p, msg, strlen(msg) - 1, sig), 0);
    sig[10] ^= 0x80;
    assert_int_equal(sign_verify(p, msg, strlen(msg), sig), 0);
    free(bad);
    /* the public key as PEM loads back to the same id */
    char *pem = sign_public_pem(k);
    assert_non_null(pem);
    assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
    free(pem);
    sign_key_free(k);
    sign_key_free(p);
    sign_key_free(p2);
    free(skp);
    free(pkp);
    tu_rmtree_free(dir);
}

static void test_permission_refusal(void **state)
{
    char *dir = tu_tmpdir("test_sign"), *skp = util_asprintf("%s/sk.pem", dir);
    static const int modes[] = {0640, 0604, 0660, 0644, 0620, 0602};
    (void)state;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        tu_write_file(skp, SK_PEM, modes[i]);
        assert_null(sign_load_private(skp));
    }
    tu_write_file(skp, SK_PEM, 0400);
    sign_key_t *k = sign_load_private(skp);
    assert_non_null(k);
    sign_key_free(k);
    free(skp);
    tu_rmtree_free(dir);
}

static void test_wrong_key_type_and_junk(void **state)
{
    char *dir = tu_tmpdir("test_sign"), *p = util_asprintf("%s/k.pem", dir);
    (void)state;
    tu_write_file(p, EC_PEM, 0600);
    assert_null(sign_load_public(p));
    tu_write_file(p, "not a key\n", 0600);
    assert_null(sign_load_public(p));
    assert_null(sign_load_private(p));
    assert_null(sign_load_private("/nonexistent/coldpack/sk.pem"));
    free(p);
    tu_rmtree_free(dir);
}

static void test_base64(void **state)
{
    unsigned char in[64], out[64];
    (void)state;
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i * 37 + 1);
    char *b = sign_b64(in, 64);
    assert_non_null(b);
    assert_int_equal(strlen(b), 88);
    assert_int_equal(sign_unb64(b, out, sizeof out), 64);
    assert_memory_equal(in, out, 64);
    assert_int_equal(sign_unb64("abc", out, sizeof out), -1);
    assert_int_equal(sign_unb64("", out, sizeof out), -1);
    free(b);
    b = sign_b64((const unsigned char *)"ab", 2);
    assert_string_equal(b, "YWI=");
    assert_int_equal(sign_unb64(b, out, sizeof out), 2);
    assert_memory_equal(out, "ab", 2);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_vector1),
        cmocka_unit_test(test_pem_roundtrip_and_tamper),
        cmocka_unit_test(test_permission_refusal),
        cmocka_unit_test(test_wrong_key_type_and_junk),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
