/*
 * config.h — the INI configuration (parsed with inih).
 *
 * Every key of issues "Core", "S3 store" and "Remote sources" is parsed and
 * validated here, so a malformed file is refused before any work starts, with
 * "file:line: what was wrong, what was expected".
 */
#ifndef COLDPACK_CONFIG_H
#define COLDPACK_CONFIG_H

#include <stdint.h>

enum tenant_rule { TENANT_DIR = 1, TENANT_FIXED = 2 };

typedef struct config_source {
    char *name;
    char *path; /* contains {date} */
    int tenant_rule;
    int tenant_dir;     /* TENANT_DIR: 1-based component index */
    char *tenant_fixed; /* TENANT_FIXED: the tenant name */
    /* remote (issue 4): host == NULL means a local path */
    char *host;
    char *user;
    int port; /* 0 = ssh default */
    char *identity;
    int remote_nice;   /* default 1 */
    int64_t bandwidth; /* bytes/s, 0 = unlimited */
    char *ssh_command; /* default "ssh"; tests point it at a wrapper */
    int line;          /* line of the [source] header, for messages */
} config_source_t;

typedef struct config {
    char *file; /* path it was loaded from */
    struct {
        char *url;
        char *storage_class; /* data objects; default DEEP_ARCHIVE */
        int64_t thaw_delay;  /* file:// only: seconds until a restore completes */
        /* s3 (issue 3) */
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
    } run;
    struct {
        char *command;
        char *webhook;
        int always; /* 0 = on failure only */
    } notify;
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

#endif
