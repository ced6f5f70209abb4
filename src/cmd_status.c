/*
 * cmd_status.c — `coldpack status [-n N]`: the last runs from the catalog.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_status_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;

    a->status.n = 10;
    while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            a->status.n = atoi(optarg);
            if (a->status.n <= 0) /* as before: a nonsense count shows the default */
                a->status.n = 10;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    return cli_no_operands(argc, argv);
}

int cmd_status(const cli_env_t *env, cli_args_t *a)
{
    catalog_t *c;
    int code = EXIT_FAIL;

    if (catalog_identify(env->cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    c = catalog_open(env->cfg->catalog.path);
    if (c && catalog_print_status(c, a->status.n) == 0)
        code = EXIT_OK;
    catalog_free(c);
    return code;
}
