/*
 * cmd_catalog.c — `coldpack catalog rebuild`: recreate the catalog from the
 * store's attested manifest chain (job_rebuild; the run lock is held by
 * cli.c, CMD_LOCK in the command table).
 */
#include "cli.h"
#include "job.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_catalog_parse(int argc, char **argv, cli_args_t *a)
{
    int r = cli_help_only(argc, argv);

    (void)a;
    if (r != CLI_GO)
        return r;
    if (optind >= argc || strcmp(argv[optind], "rebuild")) {
        fprintf(stderr, "%s: expected the subcommand \"rebuild\"\n", argv[0]);
        return CLI_BAD;
    }
    optind++;
    return cli_no_operands(argc, argv);
}

int cmd_catalog(const cli_env_t *env, cli_args_t *a)
{
    (void)a;
    return job_rebuild(env->cfg);
}
