/*
 * cli.c — helpers shared by the cmd_*.c subcommands.
 */
#include "cli.h"

#include "log.h"
#include "util.h"

#include <stdlib.h>

config_t *cli_load_config(const char *path)
{
    if (!path)
        path = getenv("COLDPACK_CONFIG");
    if (!path || !*path)
        path = "/etc/coldpack/coldpack.conf";
    return config_load(path);
}

int cli_check_date(const char *opt, const char *value)
{
    if (util_parse_date(value, NULL, NULL, NULL) < 0) {
        log_error("%s %s: expected a date YYYY-MM-DD", opt, value ? value : "(missing)");
        return -1;
    }
    return 0;
}
