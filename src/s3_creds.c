/*
 * s3_creds.c — where S3 credentials come from and when they are renewed
 * (s3_creds.h).
 *
 * Design: the chain is walked once, in the AWS SDKs' order, and remembers
 * which source answered; a refresh asks that same source again (a run never
 * silently changes identity). The provider keeps one current set under a
 * mutex and hands each request a private copy (a consistent key, secret and
 * token), so a refresh never tears a request's signature. Expiration is the
 * issuer's wall-clock time; it is turned into util_now() (monotonic)
 * deadlines when the credentials arrive, so later clock jumps do not move
 * them. Profiles are read from the AWS CLI's INI files with a small line
 * parser. Every buffer that held a secret is cleansed (OPENSSL_cleanse)
 * before it is freed, and a file holding secret keys must not be readable by
 * group or others. The network and process fetchers are in s3_creds_fetch.c.
 *
 * Limitation: jansson and expat keep their own short-lived copies of a
 * parsed answer; those are freed but not wiped.
 *
 * Length (~760 lines): one provider chain with its refresh lock; the chain's
 * sources share the provider's locked state, so splitting would export it.
 */
#include "s3_creds.h"

#include "log.h"
#include "s3_xml.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <openssl/crypto.h>

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

void s3_creds_clear(s3_creds_t *c)
{
    if (!c)
        return;
    wipe_free(c->access_key);
    wipe_free(c->secret_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

int s3_creds_copy(s3_creds_t *dst, const s3_creds_t *src)
{
    memset(dst, 0, sizeof *dst);
    dst->access_key = src->access_key ? strdup(src->access_key) : NULL;
    dst->secret_key = src->secret_key ? strdup(src->secret_key) : NULL;
    dst->session_token = src->session_token ? strdup(src->session_token) : NULL;
    dst->expiration = src->expiration;
    dst->generation = src->generation;
    memcpy(dst->source, src->source, sizeof dst->source);
    if ((src->access_key && !dst->access_key) || (src->secret_key && !dst->secret_key) ||
        (src->session_token && !dst->session_token)) {
        s3_creds_clear(dst);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ parsing -- */

int64_t s3_creds_parse_time(const char *s)
{
    struct tm tm;
    int n = 0;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    const char *p = s + n;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) != 2 || k != 5 || hh > 23 || mm > 59)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 1 + k;
    }
    if (*p)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) - off;
}

int64_t s3_creds_refresh_time(int64_t fetched, int64_t expiration, int64_t margin)
{
    if (expiration <= 0)
        return 0;
    int64_t life = expiration - fetched;
    if (life <= 0)
        return expiration;
    if (margin > life / 2)
        margin = life / 2;
    return expiration - margin;
}

/* Takes a string member (required or not) into *dst. 0, -1 with why. */
static int json_take(json_t *o, const char *name, int required, char **dst, char *why, size_t whysz)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        if (required)
            snprintf(why, whysz, "no %s", name);
        return required ? -1 : 0;
    }
    if (!json_is_string(v) || !json_string_length(v)) {
        snprintf(why, whysz, "%s is not a non-empty string", name);
        return -1;
    }
    *dst = strdup(json_string_value(v));
    if (!*dst) {
        snprintf(why, whysz, "out of memory");
        return -1;
    }
    return 0;
}

static int json_expiration(json_t *o, s3_creds_t *out, char *why, size_t whysz)
{
    json_t *v = json_object_get(o, "Expiration");
    if (!v || json_is_null(v))
        return 0;
    out->expiration = json_is_string(v) ? s3_creds_parse_time(json_string_value(v)) : -1;
    if (out->expiration <= 0) {
        snprintf(why, whysz, "Expiration is not an ISO 8601 time");
        return -1;
    }
    return 0;
}

/* Both JSON shapes (process: "SessionToken", else "Token"). The token is
 * optional: AWS's endpoints always send one, but a local issuer (and the
 * tests' fakes in front of RGW's static keys) may not. */
static int parse_json(const char *text, size_t len, int process, s3_creds_t *out, char *why,
                      size_t whysz)
{
    json_error_t je;
    memset(out, 0, sizeof *out);
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    if (!o || !json_is_object(o)) {
        snprintf(why, whysz, "not a JSON object (line %d column %d)", o ? 0 : je.line,
                 o ? 0 : je.column);
        goto out;
    }
    if (process) {
        json_t *ver = json_object_get(o, "Version");
        if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
            snprintf(why, whysz, "\"Version\" must be 1");
            goto out;
        }
    } else {
        json_t *code = json_object_get(o, "Code");
        if (code && (!json_is_string(code) || strcmp(json_string_value(code), "Success"))) {
            snprintf(why, whysz, "Code is %.40s, not Success",
                     json_is_string(code) ? json_string_value(code) : "(not a string)");
            goto out;
        }
    }
    if (json_take(o, "AccessKeyId", 1, &out->access_key, why, whysz) ||
        json_take(o, "SecretAccessKey", 1, &out->secret_key, why, whysz) ||
        json_take(o, process ? "SessionToken" : "Token", 0, &out->session_token, why, whysz) ||
        json_expiration(o, out, why, whysz))
        goto out;
    if (!process && !out->expiration) {
        snprintf(why, whysz, "no Expiration");
        goto out;
    }
    rc = 0;
out:
    json_decref(o);
    if (rc)
        s3_creds_clear(out);
    return rc;
}

int s3_creds_parse_process(const char *json, size_t len, s3_creds_t *out, char *why, size_t whysz)
{
    return parse_json(json, len, 1, out, why, whysz);
}

int s3_creds_parse_container(const char *json, size_t len, s3_creds_t *out, char *why, size_t whysz)
{
    return parse_json(json, len, 0, out, why, whysz);
}

#define STS_CRED "/AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/Credentials/"

int s3_creds_parse_sts(const char *xml, size_t len, s3_creds_t *out, char *why, size_t whysz)
{
    char ak[256], exp[64], *sk = NULL, *tok = NULL;
    const size_t big = 16384;
    int rc = -1;
    memset(out, 0, sizeof *out);
    sk = malloc(big);
    tok = malloc(big);
    if (!sk || !tok) {
        snprintf(why, whysz, "out of memory");
        goto out;
    }
    if (s3_xml_find(xml, len, STS_CRED "AccessKeyId", ak, sizeof ak) != 0) {
        snprintf(why, whysz, "not XML");
        goto out;
    }
    if (!ak[0]) {
        char code[64], msg[200];
        s3_xml_find(xml, len, "/ErrorResponse/Error/Code", code, sizeof code);
        s3_xml_find(xml, len, "/ErrorResponse/Error/Message", msg, sizeof msg);
        if (code[0])
            snprintf(why, whysz, "STS error %s%s%s", code, msg[0] ? ": " : "", msg);
        else
            snprintf(why, whysz, "no Credentials/AccessKeyId in the answer");
        goto out;
    }
    s3_xml_find(xml, len, STS_CRED "SecretAccessKey", sk, big);
    s3_xml_find(xml, len, STS_CRED "SessionToken", tok, big);
    s3_xml_find(xml, len, STS_CRED "Expiration", exp, sizeof exp);
    if (!sk[0] || !exp[0]) { /* SessionToken: optional, as for the JSON answers */
        snprintf(why, whysz, "Credentials lack %s", !sk[0] ? "SecretAccessKey" : "Expiration");
        goto out;
    }
    out->expiration = s3_creds_parse_time(exp);
    if (out->expiration <= 0) {
        snprintf(why, whysz, "Expiration is not an ISO 8601 time");
        goto out;
    }
    out->access_key = strdup(ak);
    out->secret_key = strdup(sk);
    out->session_token = tok[0] ? strdup(tok) : NULL;
    if (!out->access_key || !out->secret_key || (tok[0] && !out->session_token)) {
        snprintf(why, whysz, "out of memory");
        goto out;
    }
    rc = 0;
out:
    if (sk)
        OPENSSL_cleanse(sk, big);
    if (tok)
        OPENSSL_cleanse(tok, big);
    free(sk);
    free(tok);
    if (rc)
        s3_creds_clear(out);
    return rc;
}

/* ------------------------------------------------------ http refusal -- */

int s3_creds_url_check(const char *url, enum s3_url_kind kind, char *why, size_t whysz)
{
    const char *hs = url ? strstr(url, "://") : NULL;
    if (!hs) {
        snprintf(why, whysz, "%s: expected https:// or http://", url ? url : "(null)");
        return -1;
    }
    size_t sl = (size_t)(hs - url);
    if (sl == 5 && !strncasecmp(url, "https", 5))
        return 0;
    if (sl != 4 || strncasecmp(url, "http", 4)) {
        snprintf(why, whysz, "%s: expected https:// or http://", url);
        return -1;
    }
    /* authority: after "://", up to the path; the host after any userinfo */
    const char *a = hs + 3;
    size_t al = strcspn(a, "/?#");
    const char *at = memrchr(a, '@', al);
    if (at) {
        al -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    char host[256];
    if (*a == '[') {
        const char *e = memchr(a, ']', al);
        size_t hl = e ? (size_t)(e - a - 1) : 0;
        snprintf(host, sizeof host, "%.*s", (int)(hl < sizeof host ? hl : 0), a + 1);
    } else {
        size_t hl = strcspn(a, ":/?#");
        if (hl > al)
            hl = al;
        snprintf(host, sizeof host, "%.*s", (int)(hl < sizeof host ? hl : 0), a);
    }
    unsigned char ip[16];
    int ok = !strcasecmp(host, "localhost");
    if (!ok && inet_pton(AF_INET, host, ip) == 1)
        ok = ip[0] == 127 || (kind == S3_URL_IMDS && !strcmp(host, "169.254.169.254")) ||
             (kind == S3_URL_CONTAINER &&
              (!strcmp(host, "169.254.170.2") || !strcmp(host, "169.254.170.23")));
    if (!ok && inet_pton(AF_INET6, host, ip) == 1) {
        unsigned char v[16];
        ok = (inet_pton(AF_INET6, "::1", v) == 1 && !memcmp(ip, v, 16)) ||
             (kind == S3_URL_IMDS && inet_pton(AF_INET6, "fd00:ec2::254", v) == 1 &&
              !memcmp(ip, v, 16)) ||
             (kind == S3_URL_CONTAINER && inet_pton(AF_INET6, "fd00:ec2::23", v) == 1 &&
              !memcmp(ip, v, 16));
    }
    if (ok)
        return 0;
    snprintf(why, whysz,
             "%.200s: plain http:// is refused for %s (credentials and data would cross the "
             "network unencrypted); use https://, or http:// only on loopback "
             "(127.0.0.0/8, ::1, localhost)%s",
             url, kind == S3_URL_SERVICE ? "a remote host" : "this host",
             kind == S3_URL_IMDS        ? " or the instance metadata address"
             : kind == S3_URL_CONTAINER ? " or the container credentials address"
                                        : "");
    return -1;
}

/* ----------------------------------------------------------- profiles -- */

typedef struct profile {
    s3_creds_t c;
    char *process; /* credential_process */
} profile_t;

static void profile_clear(profile_t *p)
{
    s3_creds_clear(&p->c);
    free(p->process);
    p->process = NULL;
}

/* Reads key/values of one section of an AWS-style INI file. Returns 1 when
 * the section exists, 0 when not, -1 when the file exists but is refused. */
static int ini_section(const char *path, const char *section, int check_mode, profile_t *out)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    struct stat st;
    if (check_mode && fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
        log_error("credentials: refusing %s: it is readable by group or others (mode %04o); "
                  "it holds secret keys: run chmod 600 %s",
                  path, (unsigned)(st.st_mode & 07777), path);
        fclose(f);
        return -1;
    }
    char line[4096];
    int in = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            char *e = strchr(l, ']');
            if (e)
                *e = '\0';
            in = strcmp(trim(l + 1), section) == 0;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(l, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(l), *v = trim(eq + 1);
        char **dst = NULL;
        if (!strcmp(k, "aws_access_key_id"))
            dst = &out->c.access_key;
        else if (!strcmp(k, "aws_secret_access_key"))
            dst = &out->c.secret_key;
        else if (!strcmp(k, "aws_session_token"))
            dst = &out->c.session_token;
        else if (!strcmp(k, "credential_process"))
            dst = &out->process;
        if (dst) {
            wipe_free(*dst);
            *dst = strdup(v);
        }
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return found;
}

/* The config file may hold keys too; only then must it be private. */
static int file_has_keys(const char *path)
{
    FILE *f = fopen(path, "re");
    char line[4096];
    int has = 0;
    if (!f)
        return 0;
    while (!has && fgets(line, sizeof line, f))
        has = strstr(line, "aws_secret_access_key") != NULL;
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return has;
}

/* The profile: 1 found (static keys in p->c, or p->process), 0 nothing,
 * -1 refused (logged). */
static int profile_read(const char *profile, const char *cred_file, const char *config_file,
                        profile_t *p)
{
    memset(p, 0, sizeof *p);
    if (cred_file) {
        if (ini_section(cred_file, profile, 1, p) < 0)
            return -1;
        if (p->c.access_key && p->c.secret_key) {
            snprintf(p->c.source, sizeof p->c.source, "credentials file [%.40s]", profile);
            return 1;
        }
    }
    if (config_file) {
        char sect[256];
        if (!strcmp(profile, "default"))
            snprintf(sect, sizeof sect, "default");
        else
            snprintf(sect, sizeof sect, "profile %.200s", profile);
        if (ini_section(config_file, sect, file_has_keys(config_file), p) < 0)
            return -1;
        if (p->c.access_key && p->c.secret_key) {
            snprintf(p->c.source, sizeof p->c.source, "config file [%.40s]", sect);
            return 1;
        }
    }
    if (p->process && *p->process) {
        s3_creds_clear(&p->c); /* half a key pair is not used */
        return 1;
    }
    profile_clear(p);
    return 0;
}

int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out)
{
    profile_t p;
    memset(out, 0, sizeof *out);
    if (!profile || !*profile)
        profile = "default";
    int r = profile_read(profile, cred_file, config_file, &p);
    if (r < 0)
        return -1;
    if (r > 0 && !p.process) {
        *out = p.c;
        return 0;
    }
    if (r > 0) {
        int rc = s3_creds_fetch_process(profile, p.process, out);
        profile_clear(&p);
        return rc;
    }
    log_error("credentials: none found for profile \"%s\": set AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY, or add aws_access_key_id/aws_secret_access_key (or "
              "credential_process) to [%s] in %s",
              profile, profile, cred_file ? cred_file : "~/.aws/credentials");
    return -1;
}

/* -------------------------------------------------------------- chain -- */

enum kind { K_ENV, K_WEBID, K_FILE, K_PROCESS, K_CONTAINER, K_IMDS };

struct s3_creds_provider {
    pthread_mutex_t mu;
    enum kind kind;
    char *profile;
    char *region;
    char *process;
    s3_creds_t cur;
    double refresh_at; /* util_now() when due; 0: never */
    double expire_at;  /* util_now() when expired; 0: never */
    double next_try;   /* after a failed refresh */
    long margin;
};

static int nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

/* Fetch from the provider's source (not the chain). 0 or -1 (logged). */
static int fetch(s3_creds_provider_t *p, s3_creds_t *out)
{
    switch (p->kind) {
    case K_WEBID:
        return s3_creds_fetch_web_identity(p->region, out);
    case K_PROCESS:
        return s3_creds_fetch_process(p->profile, p->process, out);
    case K_CONTAINER:
        return s3_creds_fetch_container(out);
    case K_IMDS:
        return s3_creds_fetch_imds(out, 0);
    default:
        log_error("credentials from %s cannot be refreshed", p->cur.source);
        return -1;
    }
}

/* Install fresh credentials (taking ownership of *c) and set the deadlines. */
static int install(s3_creds_provider_t *p, s3_creds_t *c)
{
    int64_t now = (int64_t)time(NULL);
    if (c->expiration > 0 && c->expiration <= now) {
        log_error("credentials from %s expired already (%lld s ago); is this machine's clock "
                  "right?",
                  c->source, (long long)(now - c->expiration));
        s3_creds_clear(c);
        return -1;
    }
    unsigned gen = p->cur.generation + 1;
    s3_creds_clear(&p->cur);
    p->cur = *c;
    p->cur.generation = gen;
    memset(c, 0, sizeof *c);
    p->next_try = 0;
    if (p->cur.expiration > 0) {
        double t = util_now();
        p->refresh_at =
            t + (double)(s3_creds_refresh_time(now, p->cur.expiration, p->margin) - now);
        p->expire_at = t + (double)(p->cur.expiration - now);
        log_debug("credentials from %s expire in %lld s; refresh in %.0f s", p->cur.source,
                  (long long)(p->cur.expiration - now), p->refresh_at - t);
    } else {
        p->refresh_at = p->expire_at = 0;
    }
    return 0;
}

/* Walk the chain. 0, or -1 after logging. */
static int resolve(s3_creds_provider_t *p)
{
    s3_creds_t c;
    memset(&c, 0, sizeof c);
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && *ak && sk && *sk) {
        const char *tok = getenv("AWS_SESSION_TOKEN");
        c.access_key = strdup(ak);
        c.secret_key = strdup(sk);
        c.session_token = tok && *tok ? strdup(tok) : NULL;
        snprintf(c.source, sizeof c.source, "environment");
        if (!c.access_key || !c.secret_key || (tok && *tok && !c.session_token)) {
            s3_creds_clear(&c);
            log_error("credentials: out of memory");
            return -1;
        }
        p->kind = K_ENV;
        return install(p, &c);
    }
    if (nonempty("AWS_WEB_IDENTITY_TOKEN_FILE") && nonempty("AWS_ROLE_ARN")) {
        p->kind = K_WEBID;
        return fetch(p, &c) == 0 ? install(p, &c) : -1;
    }
    const char *home = getenv("HOME");
    const char *cf = getenv("AWS_SHARED_CREDENTIALS_FILE"), *gf = getenv("AWS_CONFIG_FILE");
    char *cfd = NULL, *gfd = NULL;
    if (!cf && home)
        cf = cfd = util_asprintf("%s/.aws/credentials", home);
    if (!gf && home)
        gf = gfd = util_asprintf("%s/.aws/config", home);
    profile_t pr;
    int r = profile_read(p->profile, cf, gf, &pr);
    if (r < 0) {
        free(cfd);
        free(gfd);
        return -1;
    }
    if (r > 0) {
        int rc;
        free(cfd);
        free(gfd);
        if (!pr.process) {
            p->kind = K_FILE;
            rc = install(p, &pr.c);
        } else {
            p->kind = K_PROCESS;
            p->process = pr.process;
            pr.process = NULL;
            rc = fetch(p, &c) == 0 ? install(p, &c) : -1;
        }
        profile_clear(&pr);
        return rc;
    }
    if (nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI") ||
        nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        free(cfd);
        free(gfd);
        p->kind = K_CONTAINER;
        return fetch(p, &c) == 0 ? install(p, &c) : -1;
    }
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    int imds = !(dis && !strcasecmp(dis, "true"));
    if (imds) {
        int rc = s3_creds_fetch_imds(&c, 1);
        if (rc == 0) {
            free(cfd);
            free(gfd);
            p->kind = K_IMDS;
            return install(p, &c);
        }
        if (rc == -1) { /* it answered, and failed: logged */
            free(cfd);
            free(gfd);
            return -1;
        }
    }
    log_error("credentials: none found: not in the environment (AWS_ACCESS_KEY_ID, "
              "AWS_SECRET_ACCESS_KEY), no web identity (AWS_WEB_IDENTITY_TOKEN_FILE + "
              "AWS_ROLE_ARN), no keys or credential_process for profile \"%s\" in %s or %s, "
              "no container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI), %s",
              p->profile, cf ? cf : "~/.aws/credentials", gf ? gf : "~/.aws/config",
              imds ? "no EC2 instance metadata service answering"
                   : "EC2 instance metadata disabled (AWS_EC2_METADATA_DISABLED)");
    free(cfd);
    free(gfd);
    return -1;
}

s3_creds_provider_t *s3_creds_provider_new(const char *profile, const char *region)
{
    s3_creds_provider_t *p = calloc(1, sizeof *p);
    if (!p) {
        log_error("credentials: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    if (!profile || !*profile)
        profile = getenv("AWS_PROFILE");
    if (!profile || !*profile)
        profile = "default";
    p->profile = strdup(profile);
    p->region = region ? strdup(region) : NULL;
    const char *m = getenv("COLDPACK_CREDS_REFRESH_MARGIN");
    char *end = NULL;
    p->margin = m && *m ? strtol(m, &end, 10) : 900;
    if (m && *m && (*end || p->margin < 0 || p->margin > 86400)) {
        log_warn("COLDPACK_CREDS_REFRESH_MARGIN=%s: expected 0..86400 seconds; using 900", m);
        p->margin = 900;
    }
    if (!p->profile || (region && !p->region) || resolve(p) != 0) {
        s3_creds_provider_free(p);
        return NULL;
    }
    return p;
}

void s3_creds_provider_free(s3_creds_provider_t *p)
{
    if (!p)
        return;
    s3_creds_clear(&p->cur);
    pthread_mutex_destroy(&p->mu);
    free(p->profile);
    free(p->region);
    free(p->process);
    free(p);
}

int s3_creds_provider_refreshable(s3_creds_provider_t *p)
{
    pthread_mutex_lock(&p->mu);
    int r = p->kind != K_ENV && p->kind != K_FILE;
    pthread_mutex_unlock(&p->mu);
    return r;
}

/* Called with the mutex held: refresh now. 0 or -1 (logged). */
static int refresh_locked(s3_creds_provider_t *p, const char *why)
{
    s3_creds_t c;
    memset(&c, 0, sizeof c);
    log_info("credentials: refreshing from %s (%s)", p->cur.source, why);
    if (fetch(p, &c) != 0)
        return -1;
    return install(p, &c);
}

int s3_creds_provider_get(s3_creds_provider_t *p, s3_creds_t *snap)
{
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    double t = util_now();
    if (p->refresh_at > 0 && t >= p->refresh_at && t >= p->next_try) {
        if (refresh_locked(p, "they expire soon") != 0) {
            double left = p->expire_at - util_now();
            if (left > 0) {
                double wait = left / 4 < 30 ? left / 4 : 30;
                if (wait < 1)
                    wait = 1;
                p->next_try = util_now() + wait;
                log_warn("credentials: refresh failed; the current ones stay valid %.0f s more; "
                         "trying again in %.0f s",
                         left, wait);
            } else {
                log_error("credentials from %s have expired and could not be refreshed",
                          p->cur.source);
                rc = -1;
            }
        }
    }
    if (rc == 0 && s3_creds_copy(snap, &p->cur) != 0) {
        log_error("credentials: out of memory");
        rc = -1;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int s3_creds_provider_rejected(s3_creds_provider_t *p, unsigned generation)
{
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    if (p->cur.generation != generation)
        rc = 0; /* another request refreshed them already */
    else if (p->kind == K_ENV || p->kind == K_FILE)
        rc = -1;
    else
        rc = refresh_locked(p, "the service rejected them");
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int s3_creds_load(const char *profile, s3_creds_t *out)
{
    memset(out, 0, sizeof *out);
    s3_creds_provider_t *p = s3_creds_provider_new(profile, NULL);
    if (!p)
        return -1;
    *out = p->cur;
    memset(&p->cur, 0, sizeof p->cur);
    s3_creds_provider_free(p);
    return 0;
}
