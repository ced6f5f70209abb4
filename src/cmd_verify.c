/*
 * cmd_verify.c — `coldpack verify [--deep] [--date D | --from D --until D]
 * [--tenant T]`, or `coldpack verify --bundle DIR` (an audit bundle).
 */
#include "cli.h"
#include "job.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_verify_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {
        {"deep", no_argument, NULL, 'D'},         {"date", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},   {"until", required_argument, NULL, 'u'},
        {"tenant", required_argument, NULL, 'T'}, {"bundle", required_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'D':
            a->verify.deep = 1;
            break;
        case 'd':
            a->verify.from = a->verify.until = optarg;
            break;
        case 'f':
            a->verify.from = optarg;
            break;
        case 'u':
            a->verify.until = optarg;
            break;
        case 'T':
            a->verify.tenant = optarg;
            break;
        case 'B':
            a->verify.bundle = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (a->verify.bundle &&
        (a->verify.deep || a->verify.from || a->verify.until || a->verify.tenant)) {
        fprintf(stderr, "%s: --bundle DIR takes no other option\n", argv[0]);
        return CLI_BAD;
    }
    if ((a->verify.from && cli_check_date("--from", a->verify.from) < 0) ||
        (a->verify.until && cli_check_date("--until", a->verify.until) < 0))
        return CLI_BAD;
    if (a->verify.from && a->verify.until && strcmp(a->verify.from, a->verify.until) > 0) {
        fprintf(stderr, "%s: --from %s is after --until %s\n", argv[0], a->verify.from,
                a->verify.until);
        return CLI_BAD;
    }
    return cli_no_operands(argc, argv);
}

int cmd_verify(const cli_env_t *env, cli_args_t *a)
{
    return job_verify(env->cfg, &a->verify);
}
