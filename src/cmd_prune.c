/*
 * cmd_prune.c — `coldpack prune [--dry-run] [--yes]`: delete the days past
 * [retention] days (job_prune.c), tombstones in the manifest chain.
 */
#include "cli.h"
#include "job_prune.h"

#include <getopt.h>
#include <stdio.h>

int cmd_prune_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                         {"yes", no_argument, NULL, 'y'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            a->prune.dry_run = 1;
            break;
        case 'y':
            a->prune.yes = 1;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    return cli_no_operands(argc, argv);
}

int cmd_prune(const cli_env_t *env, cli_args_t *a)
{
    a->prune.quiet = env->quiet;
    return job_prune(env->cfg, &a->prune);
}
