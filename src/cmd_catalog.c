/*
 * cmd_catalog.c — `coldpack catalog rebuild`.
 */
#include "cli.h"
#include "job.h"

#include <stdio.h>
#include <string.h>

int cmd_catalog(int argc, char **argv, const char *config_path)
{
    config_t *cfg;
    int code;

    if (argc != 2 || strcmp(argv[1], "rebuild")) {
        fprintf(stderr, "usage: coldpack catalog rebuild\n");
        return EXIT_USAGE;
    }
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    code = job_rebuild(cfg);
    config_free(cfg);
    return code;
}
