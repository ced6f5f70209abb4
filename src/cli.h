/*
 * cli.h — what the subcommands share: the command table entry type and the
 * config loading rule (-c, then $COLDPACK_CONFIG, then /etc/coldpack/coldpack.conf).
 */
#ifndef COLDPACK_CLI_H
#define COLDPACK_CLI_H

#include "config.h"

typedef struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv, const char *config_path);
    const char *summary;
} cli_cmd_t;

/* Load the config named by path (or the default chain). NULL after logging. */
config_t *cli_load_config(const char *path);
/* Validate a --date style argument; logs and returns -1 when bad. */
int cli_check_date(const char *opt, const char *value);

int cmd_init(int argc, char **argv, const char *config_path);
int cmd_check(int argc, char **argv, const char *config_path);
int cmd_run(int argc, char **argv, const char *config_path);
int cmd_status(int argc, char **argv, const char *config_path);
int cmd_ls(int argc, char **argv, const char *config_path);
int cmd_restore(int argc, char **argv, const char *config_path);
int cmd_verify(int argc, char **argv, const char *config_path);
int cmd_catalog(int argc, char **argv, const char *config_path);

#endif
