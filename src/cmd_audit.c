/*
 * cmd_audit.c — `coldpack audit --date D [--tenant T] --out DIR`: write the
 * proof bundle of day D (job_audit.c, docs/audit.md). Read-only on the store
 * and the catalog; DIR must not exist.
 */
#include "cli.h"
#include "job.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

int cmd_audit_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"tenant", required_argument, NULL, 'T'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a->audit.date = optarg;
            break;
        case 'T':
            a->audit.tenant = optarg;
            break;
        case 'o':
            a->audit.out = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (!a->audit.date || !a->audit.out || !a->audit.out[0]) {
        log_error("audit: --date D and --out DIR are required");
        return CLI_BAD;
    }
    if (cli_check_date("--date", a->audit.date) < 0)
        return CLI_BAD;
    return cli_no_operands(argc, argv);
}

int cmd_audit(const cli_env_t *env, cli_args_t *a)
{
    return job_audit(env->cfg, &a->audit);
}
