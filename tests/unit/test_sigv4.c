/*
 * test_sigv4.c — replays two sets of SigV4 vectors and reports how many of
 * each ran:
 *
 * - the project's own, tests/vectors/sigv4/NN-name/ (always; the test fails
 *   without them): S3 requests signed by botocore, the aws cli's library, at
 *   a fixed time with fixed credentials, made by
 *   tests/vectors/sigv4/make-vectors.py (header auth and presigned URLs).
 *   Asserts canonical request, string to sign, and the Authorization value or
 *   the presigned query. $COLDPACK_SIGV4_VECTORS overrides where they are
 *   (default: ../../tests/vectors/sigv4 from this binary, else
 *   tests/vectors/sigv4 from the current directory).
 * - the shared ones, in place from $SHARED_DIR/testvectors/sigv4 (default
 *   ../shared from the current directory) when that directory exists; else
 *   their tests are skipped: the AWS S3 API reference examples (header auth,
 *   presigned URL, aws-chunked seed and chunk signatures), every case of the
 *   aws-c-auth suite that does not normalise the path (header and
 *   presigned-query variants), and the botocore-format suite cases outside
 *   normalize-path/. Asserts canonical request, string to sign and signature
 *   (and the Authorization value).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sigv4.h"

static char vecdir[4096];          /* shared vectors; "" when absent */
static char owndir[PATH_MAX + 64]; /* tests/vectors/sigv4 */

/* vectors run per set, printed at the end */
static size_t n_own, n_own_header, n_own_presign, n_s3_examples, n_aws_c_auth, n_botocore;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    if (p)
        p[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return p;
}

/* Reads vecdir/sub/a[/b]. */
static char *slurpf(const char *sub, const char *a, const char *b)
{
    char path[16384];
    if (b)
        snprintf(path, sizeof path, "%s/%s/%s/%s", vecdir, sub, a, b);
    else
        snprintf(path, sizeof path, "%s/%s/%s", vecdir, sub, a);
    return slurp(path, NULL);
}

static int failures;

static void expect_eq(const char *cas, const char *what, const char *want, const char *got)
{
    if (!want) {
        print_error("%s: %s: expected file missing\n", cas, what);
        failures++;
        return;
    }
    if (!got || strcmp(want, got) != 0) {
        print_error("%s: %s differs\n--- want\n%s\n--- got\n%s\n", cas, what, want,
                    got ? got : "(null)");
        failures++;
    }
}

static int is_dir(const char *p)
{
    DIR *d = opendir(p);
    if (d)
        closedir(d);
    return d != NULL;
}

static int setup(void **state)
{
    const char *own = getenv("COLDPACK_SIGV4_VECTORS");
    if (own) {
        snprintf(owndir, sizeof owndir, "%s", own);
    } else {
        /* build/unit[-san]/test_sigv4 -> ../../tests/vectors/sigv4 */
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        owndir[0] = '\0';
        if (n > 0) {
            exe[n] = '\0';
            for (int up = 0; up < 3; up++) {
                char *sl = strrchr(exe, '/');
                if (sl)
                    *sl = '\0';
            }
            snprintf(owndir, sizeof owndir, "%s/tests/vectors/sigv4", exe);
        }
        if (!is_dir(owndir))
            snprintf(owndir, sizeof owndir, "tests/vectors/sigv4");
    }
    if (!is_dir(owndir)) {
        print_error("own test vectors not found at %s (set COLDPACK_SIGV4_VECTORS)\n", owndir);
        return -1;
    }
    const char *sd = getenv("SHARED_DIR");
    snprintf(vecdir, sizeof vecdir, "%s/testvectors/sigv4", sd ? sd : "../shared");
    if (!is_dir(vecdir)) {
        print_message("shared vectors not found at %s: their tests are skipped\n", vecdir);
        vecdir[0] = '\0';
    }
    return 0;
}

static int teardown(void **state)
{
    print_message("sigv4 vectors run: own (botocore) %zu (%zu header, %zu presign)", n_own,
                  n_own_header, n_own_presign);
    if (vecdir[0])
        print_message("; shared %zu: s3-examples %zu, aws-c-auth %zu x 2 variants, botocore "
                      "suite %zu\n",
                      n_s3_examples + n_aws_c_auth + n_botocore, n_s3_examples, n_aws_c_auth,
                      n_botocore);
    else
        print_message("; shared 0 (absent)\n");
    return 0;
}

/* Skips the calling test when the shared vectors are absent. */
#define NEED_SHARED()                                                                              \
    do {                                                                                           \
        if (!vecdir[0])                                                                            \
            skip();                                                                                \
    } while (0)

/* ---------------------------------------------------------- s3-examples --- */

static void test_s3_examples(void **state)
{
    NEED_SHARED();
    char path[8192];
    snprintf(path, sizeof path, "%s/s3-examples/s3-sigv4-examples.json", vecdir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    const char *ak =
        json_string_value(json_object_get(json_object_get(root, "credentials"), "access_key_id"));
    const char *sk = json_string_value(
        json_object_get(json_object_get(root, "credentials"), "secret_access_key"));
    sigv4_ctx_t c = {ak, sk, json_string_value(json_object_get(root, "region")),
                     json_string_value(json_object_get(root, "service")),
                     json_string_value(json_object_get(root, "amz_date"))};
    unsigned char key[32];
    char keyhex[65];
    sigv4_signing_key(sk, "20130524", c.region, c.service, key);
    for (int i = 0; i < 32; i++)
        snprintf(keyhex + 2 * i, 3, "%02x", key[i]);
    expect_eq("s3-examples", "signing key",
              json_string_value(json_object_get(root, "signing_key_hex")), keyhex);

    json_t *cases = json_object_get(root, "cases");
    size_t idx, ncases = 0;
    json_t *cs;
    json_array_foreach(cases, idx, cs)
    {
        const char *name = json_string_value(json_object_get(cs, "name"));
        const char *method = json_string_value(json_object_get(cs, "method"));
        const char *p = json_string_value(json_object_get(cs, "path"));
        const char *query = json_string_value(json_object_get(cs, "query"));
        const char *ph = json_string_value(json_object_get(cs, "payload_hash"));
        json_t *hs = json_object_get(cs, "headers");
        size_t nh = json_array_size(hs);
        sigv4_header_t *h = calloc(nh, sizeof *h);
        for (size_t j = 0; j < nh; j++) {
            h[j].name = json_string_value(json_array_get(json_array_get(hs, j), 0));
            h[j].value = json_string_value(json_array_get(json_array_get(hs, j), 1));
        }
        sigv4_out_t o;
        int rc;
        if (strcmp(name, "presigned-get-object") == 0) {
            /* the JSON query already holds the X-Amz-* params: sign from scratch */
            rc = sigv4_presign(&c, method, p, NULL, h, nh, ph, 86400, NULL, &o);
            assert_int_equal(rc, 0);
            const char *url = json_string_value(json_object_get(cs, "presigned_url"));
            const char *q = strchr(url, '?');
            expect_eq(name, "presigned url query", q + 1, o.query);
        } else {
            rc = sigv4_sign(&c, method, p, query, h, nh, ph, &o);
            assert_int_equal(rc, 0);
            expect_eq(name, "authorization",
                      json_string_value(json_object_get(cs, "authorization")), o.authorization);
        }
        expect_eq(name, "canonical request",
                  json_string_value(json_object_get(cs, "canonical_request")), o.canonical_request);
        expect_eq(name, "string to sign", json_string_value(json_object_get(cs, "string_to_sign")),
                  o.string_to_sign);
        expect_eq(name, "signature", json_string_value(json_object_get(cs, "signature")),
                  o.signature);
        /* the per-case text files must say the same */
        char *f = slurpf("s3-examples", name, "canonical-request.txt");
        expect_eq(name, "canonical-request.txt", f, o.canonical_request);
        free(f);
        f = slurpf("s3-examples", name, "signature.txt");
        expect_eq(name, "signature.txt", f, o.signature);
        free(f);

        json_t *chunks = json_object_get(cs, "chunks");
        if (chunks) {
            char prev[65];
            snprintf(prev, sizeof prev, "%s", o.signature);
            size_t k;
            json_t *ch;
            json_array_foreach(chunks, k, ch)
            {
                size_t sz = (size_t)json_integer_value(json_object_get(ch, "size"));
                char *data = malloc(sz + 1);
                memset(data, 'a', sz);
                char sig[65];
                sigv4_chunk_signature(&c, prev, data, sz, sig);
                free(data);
                expect_eq(name, "chunk signature",
                          json_string_value(json_object_get(ch, "signature")), sig);
                memcpy(prev, sig, sizeof prev);
            }
        }
        sigv4_out_free(&o);
        free(h);
        ncases++;
    }
    json_decref(root);
    n_s3_examples = ncases;
    assert_int_equal(ncases, 6);
    assert_int_equal(failures, 0);
}

/* -------------------------------------------------- raw request parsing --- */

typedef struct rawreq {
    char method[16];
    char *path;
    char *query;
    char *names[32];
    char *values[32];
    size_t nh;
    char *body;
    size_t body_len;
} rawreq_t;

static void rawreq_free(rawreq_t *r)
{
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->nh; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->body);
}

/* Parses "METHOD target HTTP/1.1\nName:value\n  folded\n\nbody". */
static int rawreq_parse(const char *txt, rawreq_t *r)
{
    memset(r, 0, sizeof *r);
    const char *eol = strchr(txt, '\n');
    size_t l0 = eol ? (size_t)(eol - txt) : strlen(txt);
    const char *sp = memchr(txt, ' ', l0);
    const char *lsp = txt + l0;
    while (lsp > sp && *lsp != ' ')
        lsp--;
    if (!sp || lsp <= sp)
        return -1;
    snprintf(r->method, sizeof r->method, "%.*s", (int)(sp - txt), txt);
    char *target = strndup(sp + 1, (size_t)(lsp - sp - 1));
    char *q = strchr(target, '?');
    if (q) {
        *q = '\0';
        r->query = strdup(q + 1);
    }
    r->path = strdup(target);
    free(target);
    const char *p = eol ? eol + 1 : txt + l0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            p = e ? e + 1 : p + len;
            r->body_len = strlen(p);
            r->body = strdup(p);
            break;
        }
        if ((*p == ' ' || *p == '\t') && r->nh > 0) {
            char *v = r->values[r->nh - 1];
            size_t vl = strlen(v);
            v = realloc(v, vl + len + 2);
            v[vl] = '\n';
            memcpy(v + vl + 1, p, len);
            v[vl + 1 + len] = '\0';
            r->values[r->nh - 1] = v;
        } else {
            const char *colon = memchr(p, ':', len);
            if (!colon || r->nh == 32)
                return -1;
            r->names[r->nh] = strndup(p, (size_t)(colon - p));
            r->values[r->nh] = strndup(colon + 1, len - (size_t)(colon - p) - 1);
            r->nh++;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (!r->body)
        r->body = strdup("");
    return 0;
}

/* ------------------------------------------------ aws-c-auth suite (v4) --- */

static int case_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_cases(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    char **v = NULL;
    struct dirent *de;
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        v = realloc(v, (n + 1) * sizeof *v);
        v[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, case_cmp);
    *out = v;
    return n;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static void test_aws_c_auth_suite(void **state)
{
    NEED_SHARED();
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/suite-aws-c-auth/v4", vecdir);
    char **cases = NULL;
    size_t n = list_cases(dir, &cases), ran = 0;
    assert_true(n >= 38);
    for (size_t i = 0; i < n; i++) {
        const char *cs = cases[i];
        /* S3 never normalises paths: the *-normalized variants do not apply. */
        if (ends_with(cs, "-normalized")) {
            free(cases[i]);
            continue;
        }
        char path[16384];
        snprintf(path, sizeof path, "%s/%s/context.json", dir, cs);
        json_error_t jerr;
        json_t *ctx = json_load_file(path, 0, &jerr);
        assert_non_null(ctx);
        json_t *cr = json_object_get(ctx, "credentials");
        const char *token = json_string_value(json_object_get(cr, "token"));
        int omit = json_is_true(json_object_get(ctx, "omit_session_token"));
        int sign_body = json_is_true(json_object_get(ctx, "sign_body"));
        const char *ts = json_string_value(json_object_get(ctx, "timestamp"));
        char amz_date[17]; /* 2015-08-30T12:36:00Z -> 20150830T123600Z */
        snprintf(amz_date, sizeof amz_date, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", ts, ts + 5, ts + 8,
                 ts + 11, ts + 14, ts + 17);
        sigv4_ctx_t c = {json_string_value(json_object_get(cr, "access_key_id")),
                         json_string_value(json_object_get(cr, "secret_access_key")),
                         json_string_value(json_object_get(ctx, "region")),
                         json_string_value(json_object_get(ctx, "service")), amz_date};
        char *txt = slurpf("suite-aws-c-auth/v4", cs, "request.txt");
        assert_non_null(txt);
        rawreq_t r;
        assert_int_equal(rawreq_parse(txt, &r), 0);
        char body_hash[65];
        sigv4_sha256_hex(r.body, r.body_len, body_hash);

        /* header variant: the signer's caller adds X-Amz-Date, the token and
         * x-amz-content-sha256 (sign_body, as S3 requires) */
        sigv4_header_t h[40];
        size_t nh = 0;
        for (size_t j = 0; j < r.nh; j++)
            h[nh++] = (sigv4_header_t){r.names[j], r.values[j]};
        h[nh++] = (sigv4_header_t){"X-Amz-Date", amz_date};
        if (token && !omit)
            h[nh++] = (sigv4_header_t){"X-Amz-Security-Token", token};
        if (sign_body)
            h[nh++] = (sigv4_header_t){"x-amz-content-sha256", body_hash};
        sigv4_out_t o;
        assert_int_equal(sigv4_sign(&c, r.method, r.path, r.query, h, nh, body_hash, &o), 0);
        char *want = slurpf("suite-aws-c-auth/v4", cs, "header-canonical-request.txt");
        expect_eq(cs, "header canonical request", want, o.canonical_request);
        free(want);
        want = slurpf("suite-aws-c-auth/v4", cs, "header-string-to-sign.txt");
        expect_eq(cs, "header string to sign", want, o.string_to_sign);
        free(want);
        want = slurpf("suite-aws-c-auth/v4", cs, "header-signature.txt");
        expect_eq(cs, "header signature", want, o.signature);
        free(want);
        sigv4_out_free(&o);

        /* query (presigned) variant: only the request's own headers are signed */
        nh = 0;
        for (size_t j = 0; j < r.nh; j++)
            h[nh++] = (sigv4_header_t){r.names[j], r.values[j]};
        int exp = (int)json_integer_value(json_object_get(ctx, "expiration_in_seconds"));
        assert_int_equal(sigv4_presign(&c, r.method, r.path, r.query, h, nh, body_hash, exp,
                                       omit ? NULL : token, &o),
                         0);
        want = slurpf("suite-aws-c-auth/v4", cs, "query-canonical-request.txt");
        expect_eq(cs, "query canonical request", want, o.canonical_request);
        free(want);
        want = slurpf("suite-aws-c-auth/v4", cs, "query-string-to-sign.txt");
        expect_eq(cs, "query string to sign", want, o.string_to_sign);
        free(want);
        want = slurpf("suite-aws-c-auth/v4", cs, "query-signature.txt");
        expect_eq(cs, "query signature", want, o.signature);
        free(want);
        sigv4_out_free(&o);

        rawreq_free(&r);
        free(txt);
        json_decref(ctx);
        free(cases[i]);
        ran++;
    }
    free(cases);
    n_aws_c_auth = ran;
    print_message("aws-c-auth: %zu S3-applicable cases x 2 variants\n", ran);
    assert_true(ran >= 28);
    assert_int_equal(failures, 0);
}

/* -------------------------------------------- botocore-format suite ------ */

static void test_botocore_suite(void **state)
{
    NEED_SHARED();
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/suite", vecdir);
    char *origins = slurpf("suite", "ORIGIN-PATHS.txt", NULL);
    assert_non_null(origins);
    char **cases = NULL;
    size_t n = list_cases(dir, &cases), ran = 0;
    sigv4_ctx_t c = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
                     "service", "20150830T123600Z"};
    for (size_t i = 0; i < n; i++) {
        const char *cs = cases[i];
        char pat[512];
        snprintf(pat, sizeof pat, "%s <- tests/unit/auth/aws4_testsuite/normalize-path/", cs);
        if (strstr(origins, pat)) { /* generic-service path normalisation: not S3 */
            free(cases[i]);
            continue;
        }
        char file[1024];
        snprintf(file, sizeof file, "%s.req", cs);
        char *txt = slurpf("suite", cs, file);
        assert_non_null(txt);
        rawreq_t r;
        assert_int_equal(rawreq_parse(txt, &r), 0);
        char body_hash[65];
        sigv4_sha256_hex(r.body, r.body_len, body_hash);
        sigv4_header_t h[40];
        size_t nh = 0;
        for (size_t j = 0; j < r.nh; j++)
            h[nh++] = (sigv4_header_t){r.names[j], r.values[j]};
        snprintf(file, sizeof file, "%s.creq", cs);
        char *want = slurpf("suite", cs, file);
        /* botocore adds the session token from the credentials, not the .req:
         * get-vanilla-with-session-token signs it (value as in its .creq) */
        char tok[256] = "";
        const char *tk = want ? strstr(want, "\nx-amz-security-token:") : NULL;
        if (tk && !strstr(txt, "X-Amz-Security-Token")) {
            sscanf(tk + 22, "%255[^\n]", tok);
            h[nh++] = (sigv4_header_t){"X-Amz-Security-Token", tok};
        }
        sigv4_out_t o;
        assert_int_equal(sigv4_sign(&c, r.method, r.path, r.query, h, nh, body_hash, &o), 0);
        expect_eq(cs, "canonical request", want, o.canonical_request);
        free(want);
        snprintf(file, sizeof file, "%s.sts", cs);
        want = slurpf("suite", cs, file);
        expect_eq(cs, "string to sign", want, o.string_to_sign);
        free(want);
        snprintf(file, sizeof file, "%s.authz", cs);
        want = slurpf("suite", cs, file);
        /* the generic suite separates with ", "; S3 examples use "," */
        char *got = NULL;
        if (want) {
            size_t gl = strlen(o.authorization) + 8;
            got = malloc(gl);
            const char *sh = strstr(o.authorization, ",SignedHeaders=");
            const char *sg = strstr(o.authorization, ",Signature=");
            snprintf(got, gl, "%.*s, %.*s, %s", (int)(sh - o.authorization), o.authorization,
                     (int)(sg - sh - 1), sh + 1, sg + 1);
        }
        expect_eq(cs, "authorization", want, got);
        free(got);
        free(want);
        sigv4_out_free(&o);
        rawreq_free(&r);
        free(txt);
        free(cases[i]);
        ran++;
    }
    free(cases);
    free(origins);
    n_botocore = ran;
    print_message("botocore suite: %zu cases outside normalize-path/\n", ran);
    assert_true(ran >= 24);
    assert_int_equal(failures, 0);
}

/* ------------------------------------------ own vectors (botocore) ----- */

/* s without the space after each ',' (botocore writes ", " between the
 * Authorization parts, coldpack ","; S3 accepts both). Malloc'd. */
static char *no_comma_space(const char *s)
{
    char *o = malloc(strlen(s) + 1), *w = o;
    for (const char *p = s; *p; p++) {
        *w++ = *p;
        if (*p == ',' && p[1] == ' ')
            p++;
    }
    *w = '\0';
    return o;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The '&'-separated parameters of a query, sorted and joined again: the
 * order of a presigned URL's parameters is not signed. Malloc'd. */
static char *sorted_params(const char *q)
{
    char *copy = strdup(q), *save = NULL, *tok;
    char **v = NULL;
    size_t n = 0;
    for (tok = strtok_r(copy, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
        v = realloc(v, (n + 1) * sizeof *v);
        v[n++] = tok;
    }
    qsort(v, n, sizeof *v, str_cmp);
    char *o = malloc(strlen(q) + 2), *w = o;
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s%s", i ? "&" : "", v[i]);
    *w = '\0';
    free(v);
    free(copy);
    return o;
}

static char *own_file(const char *cs, const char *name)
{
    char path[16384];
    snprintf(path, sizeof path, "%s/%s/%s", owndir, cs, name);
    return slurp(path, NULL);
}

/* Compares own file cs/name with got, both passed through norm first. */
static void expect_own_norm(const char *cs, const char *name, const char *what,
                            char *(*norm)(const char *), const char *got)
{
    char *want = own_file(cs, name);
    char *w = want ? norm(want) : NULL;
    char *g = norm(got);
    expect_eq(cs, what, w, g);
    free(g);
    free(w);
    free(want);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_own_vectors(void **state)
{
    char **cases = NULL;
    size_t n = list_cases(owndir, &cases);
    int before = failures;
    for (size_t i = 0; i < n; i++) {
        const char *cs = cases[i];
        char path[16384];
        snprintf(path, sizeof path, "%s/%s/request.json", owndir, cs);
        json_error_t jerr;
        json_t *req = json_load_file(path, 0, &jerr);
        if (!req)
            print_error("%s: %s\n", path, jerr.text);
        assert_non_null(req);
        sigv4_ctx_t c = {jstr(req, "access_key"), jstr(req, "secret_key"), jstr(req, "region"),
                         jstr(req, "service"), jstr(req, "amz_date")};
        json_t *hs = json_object_get(req, "headers");
        size_t nh = json_array_size(hs);
        sigv4_header_t *h = calloc(nh ? nh : 1, sizeof *h);
        for (size_t j = 0; j < nh; j++) {
            h[j].name = json_string_value(json_array_get(json_array_get(hs, j), 0));
            h[j].value = json_string_value(json_array_get(json_array_get(hs, j), 1));
        }
        const char *kind = jstr(req, "kind");
        assert_non_null(kind);
        sigv4_out_t o;
        if (strcmp(kind, "header") == 0) {
            assert_int_equal(sigv4_sign(&c, jstr(req, "method"), jstr(req, "path"),
                                        jstr(req, "query"), h, nh, jstr(req, "payload_hash"), &o),
                             0);
            expect_own_norm(cs, "authorization.txt", "authorization", no_comma_space,
                            o.authorization);
            n_own_header++;
        } else if (strcmp(kind, "presign") == 0) {
            int exp = (int)json_integer_value(json_object_get(req, "expires"));
            assert_int_equal(sigv4_presign(&c, jstr(req, "method"), jstr(req, "path"),
                                           jstr(req, "query"), h, nh, jstr(req, "payload_hash"),
                                           exp, jstr(req, "session_token"), &o),
                             0);
            expect_own_norm(cs, "query.txt", "presigned query (parameters sorted)", sorted_params,
                            o.query);
            n_own_presign++;
        } else {
            fail_msg("%s: unknown kind %s", cs, kind);
        }
        char *want = own_file(cs, "canonical-request.txt");
        expect_eq(cs, "canonical request", want, o.canonical_request);
        free(want);
        want = own_file(cs, "string-to-sign.txt");
        expect_eq(cs, "string to sign", want, o.string_to_sign);
        free(want);
        sigv4_out_free(&o);
        free(h);
        json_decref(req);
        free(cases[i]);
        n_own++;
    }
    free(cases);
    print_message("own vectors (botocore): %zu cases (%zu header, %zu presign)\n", n_own,
                  n_own_header, n_own_presign);
    assert_true(n_own >= 20);
    assert_int_equal(failures, before);
}

/* ---------------------------------------------------- encoding details --- */

static void test_encoding(void **state)
{
    char *e = sigv4_uri_encode("/a b/$c//./../ü~", 1);
    assert_string_equal(e, "/a%20b/%24c//./../%C3%BC~");
    free(e);
    e = sigv4_uri_encode("a/b+c=", 0);
    assert_string_equal(e, "a%2Fb%2Bc%3D");
    free(e);
    e = sigv4_canonical_query("uploads");
    assert_string_equal(e, "uploads=");
    free(e);
    e = sigv4_canonical_query("prefix=a%2Fb&list-type=2&continuation-token=x%2By%3D&delimiter=");
    assert_string_equal(e, "continuation-token=x%2By%3D&delimiter=&list-type=2&prefix=a%2Fb");
    free(e);
    e = sigv4_canonical_query(NULL);
    assert_string_equal(e, "");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_vectors),      cmocka_unit_test(test_s3_examples),
        cmocka_unit_test(test_aws_c_auth_suite), cmocka_unit_test(test_botocore_suite),
        cmocka_unit_test(test_encoding),
    };
    return cmocka_run_group_tests_name("sigv4", tests, setup, teardown);
}
