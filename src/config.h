/*
 * config.h — the INI configuration (parsed with inih).
 *
 * Every key of issues "Core", "S3 store" and "Remote sources" is parsed and
 * validated here, so a malformed file is refused before any work starts, with
 * "file:line: what was wrong, what was expected".
 *
 * Fleets (docs/man/coldpack.conf.5): a [defaults] section gives any [source]
 * key to every source (wherever it appears in the file); a [source "{host}"]
 * with hosts = siem-{01..24}.dc1 becomes one source per host. config_t holds
 * the sources after that expansion, each with its effective keys.
 */
#ifndef COLDPACK_CONFIG_H
#define COLDPACK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum tenant_rule { TENANT_DIR = 1, TENANT_FIXED = 2 };

/* [prices] keys, USD (estimate.c holds the list-price defaults). */
enum config_price {
    PRICE_STORAGE_GB_MONTH,      /* the data storage class, per GB-month */
    PRICE_PUT_PER_1000,          /* PUT/COPY/POST/LIST to that class */
    PRICE_STANDARD_GB_MONTH,     /* STANDARD (indexes, manifests, overhead) */
    PRICE_STANDARD_PUT_PER_1000, /* PUT to STANDARD */
    PRICE_RETRIEVAL_STANDARD_GB, /* thaw, Standard tier, per GB */
    PRICE_RETRIEVAL_STANDARD_PER_1000,
    PRICE_RETRIEVAL_BULK_GB, /* thaw, Bulk tier, per GB */
    PRICE_RETRIEVAL_BULK_PER_1000,
    PRICE_TRANSFER_OUT_GB, /* data transfer out, per GB */
    CONFIG_NPRICES
};
/* The key name of each enum config_price, for the config and messages. */
extern const char *const config_price_keys[CONFIG_NPRICES];

typedef struct config_source {
    char *name;
    char *path; /* contains {date} */
    int tenant_rule;
    int tenant_dir;     /* TENANT_DIR: 1-based component index */
    char *tenant_fixed; /* TENANT_FIXED: the tenant name */
    /* remote: host == NULL means a local path */
    char *host;
    char *user;
    int port; /* 0 = ssh default */
    char *identity;
    int remote_nice;    /* default 1 */
    int64_t bandwidth;  /* bytes/s, 0 = unlimited */
    char *ssh_command;  /* default "ssh"; tests point it at a wrapper */
    char **ssh_options; /* NULL-terminated "Name=value" each passed as ssh -o; may be NULL */
    int line;           /* line of the [source] header, for messages */
} config_source_t;

/* Most names a hosts = value (brace expansion) may give, and most sources a
 * config may expand to. */
#define CONFIG_MAX_EXPANSION 10000

/* [encryption] (docs/encryption.md): age recipients per tenant. */
typedef struct config_encryption {
    char *recipients_dir; /* NULL = objects are not encrypted */
    char *identities_dir; /* unknown_tenant = keygen: where new identities go */
    int unknown_keygen;   /* 0 = fail the unit of an unknown tenant, 1 = make a key pair */
} config_encryption_t;

typedef struct config {
    char *file; /* path it was loaded from */
    struct {
        char *url;
        char *storage_class; /* data objects; default DEEP_ARCHIVE */
        int64_t thaw_delay;  /* file:// only: seconds until a restore completes */
        /* s3:// */
        char *region;
        char *endpoint;
        int path_style;
        int64_t part_size; /* 0 = auto */
        int concurrency;
        char *sse; /* none | AES256 | aws:kms */
        char *kms_key_id;
        char *object_lock; /* none | governance | compliance */
        char *credentials_profile;
    } store;
    struct {
        char *path;
    } catalog;
    struct {
        char *compression; /* gzip | zstd */
        int level;
        int64_t volume_size;
        int64_t block_size;
        int threads; /* 0 = all cores */
    } pack;
    struct {
        int days;
    } retention;
    struct {
        int parallel_sources;
        int64_t bandwidth; /* bytes/s, 0 = unlimited */
        int deadline_min;  /* minutes after midnight local, -1 = none */
        int catch_up_days; /* run without --date: also complete days this far back */

        /* log_file: also append log lines there (--log-file wins); metrics_file:
         * Prometheus textfile written after each run. NULL = none. */
        char *log_file;
        char *metrics_file;
    } run;
    struct {
        char *command;
        char *webhook;
        int always; /* 0 = on failure only */

        /* webhook_format = slack: POST {"text": ...} (1), else the JSON (0) */
        int webhook_slack;
        /* Authorization header value; NULL = $COLDPACK_WEBHOOK_AUTH, if set */
        char *webhook_auth;
        /* key of the X-Coldpack-Signature HMAC-SHA-256; NULL = unsigned */
        char *webhook_secret;
    } notify;
    struct {
        double v[CONFIG_NPRICES]; /* USD, valid where set */
        unsigned set;             /* bit i: v[i] was given in [prices] */
    } prices;
    config_encryption_t encryption;
    struct {
        char *signing_key; /* Ed25519 PEM private key: sign every manifest written */
        char *public_key;  /* Ed25519 PEM public key: verify checks signatures */
    } audit;
    config_source_t *sources;
    int nsources;
} config_t;

/* Load and validate path. Returns NULL after printing "path:line: message"
 * for the first problem found. Caller frees with config_free(). */
config_t *config_load(const char *path);
/* Parse from a string (tests); name is used in messages. */
config_t *config_parse_string(const char *name, const char *text);
void config_free(config_t *c);
/* The source named name, or NULL. */
const config_source_t *config_find_source(const config_t *c, const char *name);

/* Brace expansion of a hosts = value: words separated by blanks or commas
 * outside braces; in each word "{a,b,c}" is a list and "{N..M}" (N <= M,
 * whole numbers) a range, zero padded to the longer bound when either bound
 * has a leading zero ("{01..24}"); several braces multiply, the leftmost
 * varying slowest. Nested braces, empty items, "{x}", backward ranges and
 * more than max names are refused. On success *out (n names, malloc'd, free
 * with config_strv_free) and 0; else -1 with the reason in err. */
int config_brace_expand(const char *value, size_t max, char ***out, size_t *n, char *err,
                        size_t errsz);
void config_strv_free(char **v, size_t n);
/* 1 when path has a {tenant} component (a tenant-first layout). */
int config_path_has_tenant(const char *path);

#endif
