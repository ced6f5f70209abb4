/*
 * s3_creds.h — S3 credentials: the environment, then the shared credentials
 * and config files of the AWS CLI. Secrets are wiped when freed and never
 * logged; a credentials file readable by group or others is refused.
 */
#ifndef COLDPACK_S3_CREDS_H
#define COLDPACK_S3_CREDS_H

typedef struct s3_creds {
    char *access_key;
    char *secret_key;
    char *session_token; /* NULL when none */
    char source[64];     /* "environment", "credentials file [profile]", ... */
} s3_creds_t;

/* Load credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN),
 * else profile (NULL: $AWS_PROFILE, else "default") from
 * $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), then
 * $AWS_CONFIG_FILE (default ~/.aws/config, section "[profile NAME]" or
 * "[default]"). A credentials or config file readable by group or others is
 * refused, with a message that says so and how to fix it. Returns 0, or -1
 * after logging why (never printing a secret). The caller owns *out and frees
 * it with s3_creds_clear(). Thread-safe (reads the environment). */
int s3_creds_load(const char *profile, s3_creds_t *out);
/* Same, from explicit files (either may be NULL), without the environment.
 * Same ownership; thread-safe. */
int s3_creds_load_files(const char *profile, const char *cred_file, const char *config_file,
                        s3_creds_t *out);
/* Wipe and free the strings and zero *c. NULL is a no-op. Not thread-safe
 * for one struct. */
void s3_creds_clear(s3_creds_t *c);

#endif
