/*
 * cmd_check.c — `coldpack check [--date D] [--notify-test] [--timeout SECS]`:
 * the config parses (else exit 2 with file:line, by main before this runs),
 * then job_check contacts the store, every source, the catalog (and with
 * --notify-test the notifiers) in parallel and prints a table.
 */
#include "cli.h"
#include "job.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_TIMEOUT_DEFAULT 20
#define CHECK_TIMEOUT_MAX     3600

int cmd_check_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"notify-test", no_argument, NULL, 'n'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    char *end;
    long v;

    util_yesterday(a->check.date);
    a->check.timeout = CHECK_TIMEOUT_DEFAULT;
    while ((c = getopt_long(argc, argv, "d:nt:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_check_date("--date", optarg) < 0)
                return CLI_BAD;
            snprintf(a->check.date, sizeof a->check.date, "%s", optarg);
            break;
        case 'n':
            a->check.notify_test = 1;
            break;
        case 't':
            v = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || v < 1 || v > CHECK_TIMEOUT_MAX) {
                fprintf(stderr, "coldpack: --timeout: '%s' is not a number of seconds (1..%d)\n",
                        optarg, CHECK_TIMEOUT_MAX);
                return CLI_BAD;
            }
            a->check.timeout = (int)v;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    return cli_no_operands(argc, argv);
}

int cmd_check(const cli_env_t *env, cli_args_t *a)
{
    check_opts_t o = {.date = a->check.date,
                      .notify_test = a->check.notify_test,
                      .timeout_sec = a->check.timeout};

    return job_check(env->cfg, &o);
}
