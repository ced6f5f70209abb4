/*
 * cmd_report.c — `coldpack report --html FILE [--days N] [--until D]`: the
 * HTML report of report.c for the N nights (default 30) ending at D
 * (default yesterday), written mode 0600.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "report.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_report_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"html", required_argument, NULL, 'H'},
                                         {"days", required_argument, NULL, 'n'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char *end;
    long n;
    int c;

    a->report.days = 30;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            a->report.html = optarg;
            break;
        case 'n':
            n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > 3660) {
                log_error("--days %s: expected a number of nights from 1 to 3660", optarg);
                return CLI_BAD;
            }
            a->report.days = (int)n;
            break;
        case 'u':
            if (cli_check_date("--until", optarg) < 0)
                return CLI_BAD;
            a->report.until = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (!a->report.html || !*a->report.html) {
        log_error("report needs --html FILE");
        return CLI_BAD;
    }
    return cli_no_operands(argc, argv);
}

int cmd_report(const cli_env_t *env, cli_args_t *a)
{
    catalog_t *c = catalog_open(env->cfg->catalog.path);
    char until[11];
    int code = EXIT_FAIL;

    if (a->report.until)
        snprintf(until, sizeof until, "%s", a->report.until);
    else
        util_yesterday(until);
    if (c && report_write(c, env->cfg, a->report.html, until, a->report.days) == 0) {
        log_info("wrote %s (%d nights to %s)", a->report.html, a->report.days, until);
        code = EXIT_OK;
    }
    catalog_free(c);
    return code;
}
