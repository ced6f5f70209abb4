/*
 * cmd_verify.c — `coldpack verify [--deep]`.
 */
#include "cli.h"
#include "job.h"

#include <getopt.h>

int cmd_verify_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {
        {"deep", no_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'D':
            a->verify.deep = 1;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    return cli_no_operands(argc, argv);
}

int cmd_verify(const cli_env_t *env, cli_args_t *a)
{
    return job_verify(env->cfg, a->verify.deep);
}
