/*
 * cmd_run.c — `coldpack run [--date D | --from D --until D] [--source NAME]
 * [--deadline HH:MM[:SS]]`: the daily backup (without --date: yesterday, after
 * completing the incomplete days of the last [run] catch_up_days). --deadline overrides [run]
 * deadline for this run; the global -q makes a successful run silent (run_opts.quiet).
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_run_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"source", required_argument, NULL, 's'},
                                         {"deadline", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    run_opts_t *o = &a->run;
    const char *from = NULL;
    int c;

    o->deadline_sec = -1;
    while ((c = getopt_long(argc, argv, "d:s:D:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_check_date("--date", optarg) < 0)
                return CLI_BAD;
            o->date = optarg;
            break;
        case 'f':
            if (cli_check_date("--from", optarg) < 0)
                return CLI_BAD;
            from = optarg;
            break;
        case 'u':
            if (cli_check_date("--until", optarg) < 0)
                return CLI_BAD;
            o->until = optarg;
            break;
        case 's':
            o->only_source = optarg;
            break;
        case 'D': {
            int h, m, sec = 0;
            char extra;
            int n = sscanf(optarg, "%d:%d:%d%c", &h, &m, &sec, &extra);
            if ((n != 2 && n != 3) || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) {
                log_error("--deadline %s: expected a local time HH:MM or HH:MM:SS", optarg);
                return CLI_BAD;
            }
            o->deadline_sec = h * 3600 + m * 60 + sec;
            break;
        }
        default:
            return cli_opt_default(c);
        }
    }
    if ((from || o->until) && (o->date || !from || !o->until)) {
        fprintf(stderr, "%s: a range is --from D --until D, without --date\n", argv[0]);
        return CLI_BAD;
    }
    if (from && strcmp(from, o->until) > 0) {
        fprintf(stderr, "%s: --from %s is after --until %s\n", argv[0], from, o->until);
        return CLI_BAD;
    }
    if (from)
        o->date = from;
    return cli_no_operands(argc, argv);
}

int cmd_run(const cli_env_t *env, cli_args_t *a)
{
    char yesterday[11];

    if (!a->run.date) {
        util_yesterday(yesterday);
        a->run.date = yesterday;
        a->run.catch_up = 1;
    }
    a->run.quiet = env->quiet;
    return job_run(env->cfg, &a->run);
}
