/*
 * s3_creds.h — S3 credentials, found in the AWS SDKs' order and refreshed
 * before they expire:
 *
 *   1. environment   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/AWS_SESSION_TOKEN)
 *   2. web identity  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *                    (+ AWS_ROLE_SESSION_NAME): STS AssumeRoleWithWebIdentity
 *                    at AWS_ENDPOINT_URL_STS (default https://sts.REGION.amazonaws.com)
 *   3. profile       static keys in ~/.aws/credentials or ~/.aws/config, else
 *                    the profile's credential_process (run through child.c)
 *   4. container     AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI
 *                    (+ AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]) (ECS, EKS)
 *   5. EC2 IMDSv2    AWS_EC2_METADATA_SERVICE_ENDPOINT (default
 *                    http://169.254.169.254), unless AWS_EC2_METADATA_DISABLED=true
 *
 * The first source that is configured decides: when it fails the load fails
 * (no silent fall-through to another identity), except IMDS, which is only
 * probed when nothing else is configured.
 *
 * Temporary credentials (2-5, and 3 with an Expiration) are refreshed by the
 * provider object before they expire: COLDPACK_CREDS_REFRESH_MARGIN seconds
 * (default 900) before Expiration, or half their lifetime when that is
 * shorter; and once more when the service rejects them (s3_creds_provider_
 * rejected). Secrets are wiped when freed and never logged; a credentials
 * file readable by group or others is refused.
 */
#ifndef COLDPACK_S3_CREDS_H
#define COLDPACK_S3_CREDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct s3_creds {
    char *access_key;
    char *secret_key;
    char *session_token; /* NULL when none */
    int64_t expiration;  /* epoch seconds; 0: does not expire */
    unsigned generation; /* provider snapshots: which fetch these came from */
    char source[96];     /* "environment", "credentials file [profile]", ... */
} s3_creds_t;

/* Load credentials once through the whole chain above (profile NULL:
 * $AWS_PROFILE, else "default"; region for STS, may be NULL). Returns 0, or
 * -1 after logging why (never printing a secret). The caller owns *out and
 * frees it with s3_creds_clear(). Thread-safe as long as no thread changes
 * the environment. */
int s3_creds_load(const char *profile, s3_creds_t *out);
/* The profile step alone, from explicit files (either may be NULL): static
 * keys, else credential_process. Same ownership; thread-safe. */
int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out);
/* Wipe and free the strings and zero *c. NULL is a no-op. Not thread-safe
 * for one struct. */
void s3_creds_clear(s3_creds_t *c);
/* Deep copy of src into *dst (the caller clears it). 0 or -1 (ENOMEM). */
int s3_creds_copy(s3_creds_t *dst, const s3_creds_t *src);

/* --------------------------------------------------- refreshing provider */

typedef struct s3_creds_provider s3_creds_provider_t;

/* Walk the chain once (as s3_creds_load) and keep what was found and where
 * from. NULL after logging why. The caller frees it with
 * s3_creds_provider_free (NULL is a no-op); it copies profile and region. */
s3_creds_provider_t *s3_creds_provider_new(const char *profile, const char *region);
void s3_creds_provider_free(s3_creds_provider_t *p);
/* A consistent snapshot of key, secret and token for one request, refreshed
 * first when due. When a refresh fails while the current credentials are
 * still valid, they are used (with a warning) and the refresh is retried
 * later. Returns 0, or -1 after logging (expired and not refreshable). The
 * caller clears *snap. Thread-safe (a mutex; one thread refreshes while the
 * others wait). */
int s3_creds_provider_get(s3_creds_provider_t *p, s3_creds_t *snap);
/* The service rejected the credentials of snapshot `generation` (ExpiredToken,
 * InvalidToken, InvalidAccessKeyId): refresh them unless another thread has
 * already. Returns 0 when newer credentials are there (retry the request),
 * -1 when the source is static or the refresh failed (logged). Thread-safe. */
int s3_creds_provider_rejected(s3_creds_provider_t *p, unsigned generation);
/* 1 when the credentials are temporary and get refreshed. Thread-safe. */
int s3_creds_provider_refreshable(s3_creds_provider_t *p);

/* ------------------------------------------- pure helpers (unit-tested) */

/* credential_process output: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"?}. Container (ECS) and IMDS answers:
 * {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "Code"?}. STS
 * AssumeRoleWithWebIdentityResponse XML (Credentials/AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration), or its ErrorResponse. The
 * token is optional in all three (then no x-amz-security-token is sent). Each
 * fills *out (the caller clears it) and returns 0, or returns -1 with a
 * reason in why that never quotes a secret. */
int s3_creds_parse_process(const char *json, size_t len, s3_creds_t *out, char *why, size_t whysz);
int s3_creds_parse_container(const char *json, size_t len, s3_creds_t *out, char *why,
                             size_t whysz);
int s3_creds_parse_sts(const char *xml, size_t len, s3_creds_t *out, char *why, size_t whysz);
/* ISO 8601 "2026-12-01T16:00:00Z" (fraction and +HH:MM / -HH:MM offsets
 * accepted) -> epoch seconds, -1 when malformed. */
int64_t s3_creds_parse_time(const char *s);
/* When (epoch) credentials fetched at `fetched` that expire at `expiration`
 * are due for refresh: expiration - min(margin, lifetime / 2); 0 when they do
 * not expire. */
int64_t s3_creds_refresh_time(int64_t fetched, int64_t expiration, int64_t margin);

/* Which plain-http hosts a URL may name besides loopback. */
enum s3_url_kind {
    S3_URL_SERVICE = 0, /* S3, STS: https, or http on loopback only */
    S3_URL_CONTAINER,   /* also 169.254.170.2, 169.254.170.23, [fd00:ec2::23] */
    S3_URL_IMDS,        /* also 169.254.169.254, [fd00:ec2::254] */
};
/* 0 when url may be used; -1 with the reason in why (naming the url). */
int s3_creds_url_check(const char *url, enum s3_url_kind kind, char *why, size_t whysz);

/* --------------------------------- fetchers (s3_creds_fetch.c; logging) */

/* Each fills *out and returns 0, or returns -1 after logging why. */
int s3_creds_fetch_process(const char *profile, const char *command, s3_creds_t *out);
int s3_creds_fetch_web_identity(const char *region, s3_creds_t *out);
int s3_creds_fetch_container(s3_creds_t *out);
/* IMDSv2; quiet_absent: return -2 silently when no metadata service answers. */
int s3_creds_fetch_imds(s3_creds_t *out, int quiet_absent);

#endif
