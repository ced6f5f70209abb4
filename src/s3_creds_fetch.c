/*
 * s3_creds_fetch.c — the credential sources that answer over the network or
 * from a program (s3_creds.h): STS AssumeRoleWithWebIdentity, the profile's
 * credential_process, the container (ECS/EKS) endpoint and EC2 IMDSv2.
 *
 * Design: each fetch is one short, self-contained exchange on its own CURL
 * handle (no pool: it happens once an hour or so), with tight timeouts and a
 * capped, wiped answer buffer; the answer is parsed by the pure parsers of
 * s3_creds.c. Plain http:// is allowed only where s3_creds_url_check says so
 * (loopback, and the link-local metadata addresses for IMDS and containers),
 * and proxies are bypassed for the metadata endpoints. A transient failure
 * (no connection, 5xx) is tried up to three times. credential_process runs
 * through child.c with the allow-listed environment (no AWS_* secrets): its
 * stdout is parsed and never logged; on failure the first line of its stderr
 * is quoted.
 */
#include "s3_creds.h"

#include "child.h"
#include "log.h"
#include "s3.h"
#include "strbuf.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define ANSWER_CAP (64u << 10)

static long env_secs(const char *name, long def)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v && *v ? strtol(v, &end, 10) : def;
    return v && *v && (*end || n < 1 || n > 3600) ? def : n;
}

/* ---------------------------------------------------------------- http -- */

typedef struct answer {
    char *buf;
    size_t len;
    int over;
} answer_t;

static size_t answer_cb(char *data, size_t sz, size_t n, void *ud)
{
    answer_t *a = ud;
    size_t len = sz * n;
    if (a->over || a->len + len > ANSWER_CAP) {
        a->over = 1;
        return len;
    }
    memcpy(a->buf + a->len, data, len);
    a->len += len;
    a->buf[a->len] = '\0';
    return len;
}

static void answer_wipe(answer_t *a)
{
    if (a->buf) {
        OPENSSL_cleanse(a->buf, ANSWER_CAP + 1);
        free(a->buf);
    }
    memset(a, 0, sizeof *a);
}

/* One exchange. Returns the HTTP status (a->buf holds the body), 0 when no
 * answer came (curl's reason in why), -1 when out of memory. */
static long http_once(const char *method, const char *url, const char *const *headers,
                      const char *body, int no_proxy, long connect_s, long total_s, answer_t *a,
                      char *why, size_t whysz)
{
    CURL *h = curl_easy_init();
    struct curl_slist *sl = NULL;
    long status = -1;
    a->len = 0;
    a->over = 0;
    if (!a->buf)
        a->buf = calloc(1, ANSWER_CAP + 1);
    if (!h || !a->buf)
        goto out;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(sl, headers[i]);
        if (!n)
            goto out;
        sl = n;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, total_s);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "coldpack/1");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    if (no_proxy)
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (!strcmp(method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        snprintf(why, whysz, "%s", curl_easy_strerror(cc));
        status = 0;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (a->over) {
            snprintf(why, whysz, "answer larger than %u bytes", ANSWER_CAP);
            status = 0;
        }
    }
out:
    if (status < 0)
        snprintf(why, whysz, "out of memory");
    curl_slist_free_all(sl);
    if (h)
        curl_easy_cleanup(h);
    return status;
}

/* With up to `tries` attempts for no answer or 5xx. */
static long http_do(const char *method, const char *url, const char *const *headers,
                    const char *body, int no_proxy, long connect_s, long total_s, int tries,
                    answer_t *a, char *why, size_t whysz)
{
    long st = 0;
    for (int i = 0; i < tries; i++) {
        if (i)
            util_sleep((double)i);
        st = http_once(method, url, headers, body, no_proxy, connect_s, total_s, a, why, whysz);
        if (st < 0 || (st > 0 && st < 500))
            break;
        if (st >= 500)
            snprintf(why, whysz, "HTTP %ld", st);
    }
    return st;
}

/* Read a small token file into a malloc'd, trimmed string; NULL on error
 * (errno set). */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65537);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = err ? EIO : ENOMEM;
        return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (!n) {
        free(buf);
        errno = ENODATA;
        return NULL;
    }
    return buf;
}

/* ------------------------------------------------------- web identity -- */

int s3_creds_fetch_web_identity(const char *region, s3_creds_t *out)
{
    const char *tokfile = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = getenv("AWS_ROLE_ARN");
    const char *sess = getenv("AWS_ROLE_SESSION_NAME"), *ep = getenv("AWS_ENDPOINT_URL_STS");
    const char *r = getenv("AWS_REGION");
    char *url = NULL, *token = NULL, *etok = NULL, *erole = NULL, *esess = NULL, *body = NULL;
    char why[512] = "", sessbuf[64];
    answer_t a = {0};
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (!r || !*r)
        r = region;
    if (ep && *ep)
        url = util_asprintf("%s", ep);
    else if (r && *r)
        url = util_asprintf("https://sts.%s.amazonaws.com/", r);
    else
        url = util_asprintf("https://sts.amazonaws.com/");
    if (!url)
        goto oom;
    if (s3_creds_url_check(url, S3_URL_SERVICE, why, sizeof why) != 0) {
        log_error("credentials: web identity: STS endpoint %s", why);
        goto out;
    }
    token = read_token(tokfile);
    if (!token) {
        log_error("credentials: web identity: cannot read the token file %s "
                  "(AWS_WEB_IDENTITY_TOKEN_FILE): %s",
                  tokfile, strerror(errno));
        goto out;
    }
    if (!sess || !*sess) {
        snprintf(sessbuf, sizeof sessbuf, "coldpack-%lld", (long long)time(NULL));
        sess = sessbuf;
    }
    etok = s3_qenc(token);
    erole = s3_qenc(role);
    esess = s3_qenc(sess);
    if (!etok || !erole || !esess)
        goto oom;
    body = util_asprintf("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
                         "&RoleSessionName=%s&WebIdentityToken=%s",
                         erole, esess, etok);
    if (!body)
        goto oom;
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", "Accept:", NULL};
    long st = http_do("POST", url, hdr, body, 0, 5, 30, 3, &a, why, sizeof why);
    if (st <= 0) {
        log_error("credentials: web identity: STS %s: %s", url, why);
        goto out;
    }
    if (s3_creds_parse_sts(a.buf, a.len, out, why, sizeof why) != 0) {
        log_error("credentials: web identity: STS %s answered HTTP %ld for role %s: %s", url, st,
                  role, why);
        goto out;
    }
    snprintf(out->source, sizeof out->source, "web identity (%.70s)", role);
    rc = 0;
    goto out;
oom:
    log_error("credentials: web identity: out of memory");
out:
    answer_wipe(&a);
    if (token)
        OPENSSL_cleanse(token, strlen(token));
    if (etok)
        OPENSSL_cleanse(etok, strlen(etok));
    if (body)
        OPENSSL_cleanse(body, strlen(body));
    free(token);
    free(etok);
    free(erole);
    free(esess);
    free(body);
    free(url);
    return rc;
}

/* ---------------------------------------------------------- container -- */

int s3_creds_fetch_container(s3_creds_t *out)
{
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const char *tokfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    char *url = NULL, *token = NULL, *auth = NULL, why[512] = "";
    answer_t a = {0};
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (rel && *rel)
        url = util_asprintf("http://169.254.170.2%s%s", *rel == '/' ? "" : "/", rel);
    else
        url = util_asprintf("%s", full);
    if (!url)
        goto oom;
    if (s3_creds_url_check(url, S3_URL_CONTAINER, why, sizeof why) != 0) {
        log_error("credentials: container endpoint %s", why);
        goto out;
    }
    if (tokfile && *tokfile) {
        token = read_token(tokfile);
        if (!token) {
            log_error("credentials: container endpoint: cannot read "
                      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
                      tokfile, strerror(errno));
            goto out;
        }
    } else if (tok && *tok) {
        token = strdup(tok);
        if (!token)
            goto oom;
    }
    if (token) {
        auth = util_asprintf("Authorization: %s", token);
        if (!auth)
            goto oom;
    }
    const char *hdr[] = {"Accept: application/json", auth, NULL};
    long st = http_do("GET", url, hdr, NULL, 1, 2, 5, 3, &a, why, sizeof why);
    if (st <= 0) {
        log_error("credentials: container endpoint %s: %s", url, why);
        goto out;
    }
    if (st != 200) {
        log_error("credentials: container endpoint %s answered HTTP %ld%s", url, st,
                  st == 401 || st == 403 ? " (authorization token missing or wrong)" : "");
        goto out;
    }
    if (s3_creds_parse_container(a.buf, a.len, out, why, sizeof why) != 0) {
        log_error("credentials: container endpoint %s: unusable answer: %s", url, why);
        goto out;
    }
    snprintf(out->source, sizeof out->source, "container endpoint");
    rc = 0;
    goto out;
oom:
    log_error("credentials: container endpoint: out of memory");
out:
    answer_wipe(&a);
    if (token)
        OPENSSL_cleanse(token, strlen(token));
    if (auth)
        OPENSSL_cleanse(auth, strlen(auth));
    free(token);
    free(auth);
    free(url);
    return rc;
}

/* --------------------------------------------------------------- IMDS -- */

int s3_creds_fetch_imds(s3_creds_t *out, int quiet_absent)
{
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char base[512], why[512] = "", role[256], *url = NULL, *tokhdr = NULL;
    answer_t a = {0};
    int rc = -1;
    memset(out, 0, sizeof *out);
    snprintf(base, sizeof base, "%s", ep && *ep ? ep : "http://169.254.169.254");
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    if (s3_creds_url_check(base, S3_URL_IMDS, why, sizeof why) != 0) {
        log_error("credentials: instance metadata endpoint %s", why);
        return -1;
    }
    long cs = env_secs("COLDPACK_IMDS_TIMEOUT", 1);
    url = util_asprintf("%s/latest/api/token", base);
    const char *h1[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
    long st = url ? http_do("PUT", url, h1, NULL, 1, cs, cs + 1, quiet_absent ? 1 : 3, &a, why,
                            sizeof why)
                  : -1;
    free(url);
    url = NULL;
    if (st == 0 && quiet_absent) {
        log_debug("credentials: no instance metadata service at %s: %s", base, why);
        rc = -2;
        goto out;
    }
    if (st != 200 || !a.len) {
        log_error("credentials: instance metadata %s: IMDSv2 session token: %s", base,
                  st > 0 ? "refused" : why);
        goto out;
    }
    tokhdr = util_asprintf("X-aws-ec2-metadata-token: %s", a.buf);
    url = util_asprintf("%s/latest/meta-data/iam/security-credentials/", base);
    if (!tokhdr || !url)
        goto out;
    const char *h2[] = {tokhdr, NULL};
    st = http_do("GET", url, h2, NULL, 1, cs, cs + 1, 3, &a, why, sizeof why);
    if (st != 200 || !a.len) {
        if (st == 404)
            snprintf(why, sizeof why, "no IAM role is attached to this instance");
        else if (st > 0)
            snprintf(why, sizeof why, "HTTP %ld", st);
        log_error("credentials: instance metadata %s: role name: %s", base, why);
        goto out;
    }
    size_t rl = strcspn(a.buf, "\r\n");
    snprintf(role, sizeof role, "%.*s", (int)(rl < sizeof role ? rl : sizeof role - 1), a.buf);
    if (!role[0] || strchr(role, '/') || strchr(role, '?')) {
        log_error("credentials: instance metadata %s: unusable role name", base);
        goto out;
    }
    free(url);
    url = util_asprintf("%s/latest/meta-data/iam/security-credentials/%s", base, role);
    if (!url)
        goto out;
    st = http_do("GET", url, h2, NULL, 1, cs, cs + 1, 3, &a, why, sizeof why);
    if (st != 200) {
        if (st > 0)
            snprintf(why, sizeof why, "HTTP %ld", st);
        log_error("credentials: instance metadata %s: credentials of role %s: %s", base, role, why);
        goto out;
    }
    if (s3_creds_parse_container(a.buf, a.len, out, why, sizeof why) != 0) {
        log_error("credentials: instance metadata %s: role %s: unusable answer: %s", base, role,
                  why);
        goto out;
    }
    snprintf(out->source, sizeof out->source, "instance metadata (role %.60s)", role);
    rc = 0;
out:
    answer_wipe(&a);
    if (tokhdr)
        OPENSSL_cleanse(tokhdr, strlen(tokhdr));
    free(tokhdr);
    free(url);
    return rc;
}

/* ------------------------------------------------- credential_process -- */

typedef struct proc_io {
    child_t *ch;
    child_io_t io;
    char err[1024];
} proc_io_t;

/* child_wait's idle round: at most 50 ms of I/O (stdout: the answer, wiped
 * from the scratch buffer by child_io_round). */
static void proc_round(void *ctx)
{
    proc_io_t *io = ctx;

    child_io_round(io->ch, &io->io, 50);
}

/* The first line of what the process said on stderr, printable only. */
static void err_summary(proc_io_t *io, char *buf, size_t n)
{
    const char *s = io->err;
    while (*s == '\n' || *s == '\r' || *s == ' ')
        s++;
    size_t l = strcspn(s, "\r\n");
    if (l > 200)
        l = 200;
    size_t j = 0;
    for (size_t i = 0; i < l && j + 1 < n; i++)
        buf[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[j] = '\0';
}

int s3_creds_fetch_process(const char *profile, const char *command, s3_creds_t *out)
{
    child_t ch = CHILD_INIT;
    proc_io_t io;
    char **env = NULL, prog[64], errs[256], why[256];
    char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c", (char *)(uintptr_t)command,
                    NULL};
    child_opts_t o = {.path = "/bin/sh",
                      .argv = argv,
                      .in = CHILD_NULL,
                      .out = CHILD_PIPE,
                      .err = CHILD_PIPE,
                      .new_pgrp = 1};
    int rc = -1;
    long timeout = env_secs("COLDPACK_CREDS_PROCESS_TIMEOUT", 60);
    memset(out, 0, sizeof *out);
    memset(&io, 0, sizeof io);
    size_t pl = strcspn(command, " \t");
    snprintf(prog, sizeof prog, "%.*s", (int)(pl < sizeof prog ? pl : sizeof prog - 1), command);
    io.io.out = calloc(1, ANSWER_CAP + 1);
    io.io.outcap = ANSWER_CAP;
    io.io.err = io.err;
    io.io.errcap = sizeof io.err - 1;
    env = child_env_new(CHILD_ENV_BASE, NULL);
    if (!io.io.out || !env) {
        log_error("credentials: profile \"%s\": credential_process: out of memory", profile);
        goto out;
    }
    o.envp = env;
    io.ch = &ch;
    if (child_spawn(&ch, &o) != CHILD_OK) {
        log_error("credentials: profile \"%s\": cannot run credential_process %s: %s", profile,
                  prog, strerror(errno));
        goto out;
    }
    int status = child_wait(&ch, (double)timeout, 2.0, proc_round, &io);
    double grace = util_now() + 1.0;
    while ((ch.out_fd >= 0 || ch.err_fd >= 0) && util_now() < grace)
        proc_round(&io);
    err_summary(&io, errs, sizeof errs);
    if (ch.signalled) {
        log_error("credentials: profile \"%s\": credential_process %s killed after %ld s "
                  "(COLDPACK_CREDS_PROCESS_TIMEOUT)%s%s",
                  profile, prog, timeout, errs[0] ? "; stderr: " : "", errs);
        goto out;
    }
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64];
        if (status == -1)
            snprintf(how, sizeof how, "could not be waited for");
        else if (WIFEXITED(status))
            snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
        log_error("credentials: profile \"%s\": credential_process %s %s%s%s", profile, prog, how,
                  errs[0] ? "; stderr: " : " (no stderr)", errs);
        goto out;
    }
    if (io.io.out_over) {
        log_error("credentials: profile \"%s\": credential_process %s wrote more than %u bytes",
                  profile, prog, ANSWER_CAP);
        goto out;
    }
    if (s3_creds_parse_process(io.io.out, io.io.outlen, out, why, sizeof why) != 0) {
        log_error("credentials: profile \"%s\": credential_process %s: unusable output: %s "
                  "(expected JSON {\"Version\": 1, \"AccessKeyId\", \"SecretAccessKey\", "
                  "\"SessionToken\", \"Expiration\"})",
                  profile, prog, why);
        goto out;
    }
    snprintf(out->source, sizeof out->source, "credential_process [%.40s]", profile);
    rc = 0;
out:
    child_end(&ch);
    child_env_free(env);
    if (io.io.out) {
        OPENSSL_cleanse(io.io.out, ANSWER_CAP + 1);
        free(io.io.out);
    }
    return rc;
}
