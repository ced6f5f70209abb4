/*
 * s3_creds.c — where S3 credentials come from (s3_creds.h).
 *
 * Design: the environment wins; otherwise one profile is read from the AWS
 * CLI's INI files with a small line parser (no shared state). Every buffer
 * that held a secret is cleansed (OPENSSL_cleanse) before it is freed, and
 * a file holding secret keys must not be readable by group or others.
 */
#include "s3_creds.h"

#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Reads key/values of one section of an AWS-style INI file. Returns 1 when
 * the section exists, 0 when not, -1 when the file exists but is refused. */
static int ini_section(const char *path, const char *section, int check_mode, s3_creds_t *out)
{
    FILE *f = fopen(path, "r");
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
            dst = &out->access_key;
        else if (!strcmp(k, "aws_secret_access_key"))
            dst = &out->secret_key;
        else if (!strcmp(k, "aws_session_token"))
            dst = &out->session_token;
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
    FILE *f = fopen(path, "r");
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

int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out)
{
    memset(out, 0, sizeof *out);
    if (!profile || !*profile)
        profile = "default";
    int r = 0;
    if (cred_file) {
        r = ini_section(cred_file, profile, 1, out);
        if (r < 0)
            goto fail;
        if (out->access_key && out->secret_key) {
            snprintf(out->source, sizeof out->source, "credentials file [%.40s]", profile);
            return 0;
        }
    }
    if (config_file) {
        char sect[256];
        if (!strcmp(profile, "default"))
            snprintf(sect, sizeof sect, "default");
        else
            snprintf(sect, sizeof sect, "profile %s", profile);
        r = ini_section(config_file, sect, file_has_keys(config_file), out);
        if (r < 0)
            goto fail;
        if (out->access_key && out->secret_key) {
            snprintf(out->source, sizeof out->source, "config file [%.40s]", sect);
            return 0;
        }
    }
    log_error("credentials: none found for profile \"%s\": set AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY, or add aws_access_key_id/aws_secret_access_key to [%s] "
              "in %s",
              profile, profile, cred_file ? cred_file : "~/.aws/credentials");
fail:
    s3_creds_clear(out);
    return -1;
}

int s3_creds_load(const char *profile, s3_creds_t *out)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    memset(out, 0, sizeof *out);
    if (ak && *ak && sk && *sk) {
        const char *tok = getenv("AWS_SESSION_TOKEN");
        out->access_key = strdup(ak);
        out->secret_key = strdup(sk);
        out->session_token = tok && *tok ? strdup(tok) : NULL;
        snprintf(out->source, sizeof out->source, "environment");
        if (!out->access_key || !out->secret_key) {
            s3_creds_clear(out);
            return -1;
        }
        return 0;
    }
    if (!profile || !*profile)
        profile = getenv("AWS_PROFILE");
    const char *home = getenv("HOME");
    const char *cf = getenv("AWS_SHARED_CREDENTIALS_FILE"), *gf = getenv("AWS_CONFIG_FILE");
    char *cfd = NULL, *gfd = NULL;
    if (!cf && home)
        cf = cfd = util_asprintf("%s/.aws/credentials", home);
    if (!gf && home)
        gf = gfd = util_asprintf("%s/.aws/config", home);
    int rc = s3_creds_load_files(profile, cf, gf, out);
    free(cfd);
    free(gfd);
    return rc;
}
