/*
 * cmd_status.c — `coldpack status [-n N]`: the last runs from the catalog.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_status(int argc, char **argv, const char *config_path)
{
    int n = 10, code = EXIT_FAIL;
    config_t *cfg;
    catalog_t *c;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            n = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: coldpack status [-n N]\n");
            return EXIT_USAGE;
        }
    }
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    c = catalog_open(cfg->catalog.path);
    if (c && catalog_print_status(c, n > 0 ? n : 10) == 0)
        code = EXIT_OK;
    catalog_free(c);
    config_free(cfg);
    return code;
}
