/*
 * cmd_import.c — `coldpack import --date D (--source S FILE | SOURCE=FILE...)
 * [--jobs N] [--force]`: existing per-machine tar archives re-packed into
 * the day's units (job_import.c). FILE may be "-" (stdin). Options and
 * operands only; the work is job_import's.
 */
#include "cli.h"
#include "job.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_import_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {
        {"date", required_argument, NULL, 'd'}, {"source", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'}, {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    import_opts_t *o = &a->import;
    int c;

    while ((c = getopt_long(argc, argv, "d:s:j:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_check_date("--date", optarg) < 0)
                return CLI_BAD;
            o->date = optarg;
            break;
        case 's':
            o->source = optarg;
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > 256) {
                fprintf(stderr, "%s: --jobs %s: expected a number from 1 to 256\n", argv[0],
                        optarg);
                return CLI_BAD;
            }
            o->jobs = (int)n;
            break;
        }
        case 'f':
            o->force = 1;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (!o->date) {
        fprintf(stderr, "%s: --date D is required (the day the archives hold)\n", argv[0]);
        return CLI_BAD;
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no archive given (FILE, - for stdin, or SOURCE=FILE)\n", argv[0]);
        return CLI_BAD;
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
    return CLI_GO;
}

int cmd_import(const cli_env_t *env, cli_args_t *a)
{
    a->import.quiet = env->quiet;
    return job_import(env->cfg, &a->import);
}
