/*
 * cmd_tenant.c — `coldpack tenant offboard T [--shred] [--out DIR] --yes`:
 * exclude tenant T from future runs, delete its objects (the locked ones at
 * lock expiry, by prune), optionally destroy its identities, and write a
 * deletion certificate (job_prune.c).
 */
#include "cli.h"
#include "job_prune.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_tenant_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"shred", no_argument, NULL, 's'},
                                         {"yes", no_argument, NULL, 'y'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    /* GNU getopt permutes: options may come before or after the operands */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->offboard.shred = 1;
            break;
        case 'y':
            a->offboard.yes = 1;
            break;
        case 'o':
            a->offboard.out = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (optind >= argc || strcmp(argv[optind], "offboard")) {
        fprintf(stderr, "%s: expected `offboard TENANT`\n", argv[0]);
        return CLI_BAD;
    }
    optind++;
    if (optind >= argc || !argv[optind][0]) {
        fprintf(stderr, "%s offboard: missing TENANT\n", argv[0]);
        return CLI_BAD;
    }
    a->offboard.tenant = argv[optind++];
    return cli_no_operands(argc, argv);
}

int cmd_tenant(const cli_env_t *env, cli_args_t *a)
{
    a->offboard.quiet = env->quiet;
    return job_offboard(env->cfg, &a->offboard);
}
