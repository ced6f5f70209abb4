/*
 * cmd_check.c — `coldpack check [--date D]`: the config parses (else exit 2
 * with file:line, by main before this runs), and for the date (default
 * yesterday) each local source's day directory exists. Remote sources are
 * listed, not contacted (`run` checks them); the store is not contacted
 * (`init` proves it writable).
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "source.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int cmd_check_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    util_yesterday(a->check.date);
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_check_date("--date", optarg) < 0)
                return CLI_BAD;
            snprintf(a->check.date, sizeof a->check.date, "%s", optarg);
            break;
        default:
            return cli_opt_default(c);
        }
    }
    return cli_no_operands(argc, argv);
}

int cmd_check(const cli_env_t *env, cli_args_t *a)
{
    const config_t *cfg = env->cfg;
    int bad = 0;

    printf("config %s: ok (%d source(s), store %s)\n", cfg->file, cfg->nsources, cfg->store.url);
    for (int i = 0; i < cfg->nsources; i++) {
        const config_source_t *s = &cfg->sources[i];
        char *path = source_day_dir(s, a->check.date);
        struct stat st;
        if (s->host) {
            printf("source %s: remote %s:%s\n", s->name, s->host, path ? path : "");
        } else if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            printf("source %s: %s present\n", s->name, path);
        } else {
            printf("source %s: %s MISSING\n", s->name, path ? path : "");
            bad++;
        }
        free(path);
    }
    return bad ? EXIT_WARN : EXIT_OK;
}
