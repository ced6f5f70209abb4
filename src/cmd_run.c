/*
 * cmd_run.c — `coldpack run [--date D] [--source NAME] [--deadline HH:MM[:SS]]`:
 * the daily backup. --deadline overrides [run] deadline for this run.
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
                                         {"deadline", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char yesterday[11];
    run_opts_t o = {NULL, NULL, -1, 0};
    config_t *cfg;
    int c, code;

    optind = 0;
    while ((c = getopt_long(argc, argv, "d:s:D:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.date = optarg;
            break;
        case 's':
            o.only_source = optarg;
            break;
        case 'D': {
            int h, m, sec = 0;
            char extra;
            int n = sscanf(optarg, "%d:%d:%d%c", &h, &m, &sec, &extra);
            if ((n != 2 && n != 3) || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) {
                log_error("--deadline %s: expected a local time HH:MM or HH:MM:SS", optarg);
                return EXIT_USAGE;
            }
            o.deadline_sec = h * 3600 + m * 60 + sec;
            break;
        }
        case 'h':
            printf("usage: coldpack run [--date YYYY-MM-DD] [--source NAME] [--deadline "
                   "HH:MM[:SS]]\n");
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
