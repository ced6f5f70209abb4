/*
 * cmd_run.c — `coldpack run [--date D] [--source NAME]`: the daily backup.
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>

int cmd_run(int argc, char **argv, const char *config_path)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"source", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char yesterday[11];
    run_opts_t o = {NULL, NULL, 0};
    config_t *cfg;
    int c, code;

    optind = 0;
    while ((c = getopt_long(argc, argv, "d:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.date = optarg;
            break;
        case 's':
            o.only_source = optarg;
            break;
        case 'h':
            printf("usage: coldpack run [--date YYYY-MM-DD] [--source NAME]\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        log_error("run: unexpected argument %s", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o.date) {
        util_yesterday(yesterday);
        o.date = yesterday;
    }
    if (cli_check_date("--date", o.date) < 0)
        return EXIT_USAGE;
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    code = job_run(cfg, &o);
    config_free(cfg);
    return code;
}
