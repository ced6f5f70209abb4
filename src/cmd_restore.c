/*
 * cmd_restore.c — `coldpack restore --tenant T (--date D | --from D --to D)
 * [--source S] [--path GLOB] --to DIR [--tier bulk|standard|expedited]
 * [--days N] [--wait] [--yes] [--dry-run]`.
 *
 * --to is both "last date" (after --from) and "target directory": a value
 * that is a date is the end of the range, anything else is the target.
 * --target DIR is accepted too, for clarity in scripts.
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

int cmd_restore(int argc, char **argv, const char *config_path)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 'T'}, {"date", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"target", required_argument, NULL, 'o'}, {"source", required_argument, NULL, 's'},
        {"path", required_argument, NULL, 'p'},   {"tier", required_argument, NULL, 'r'},
        {"days", required_argument, NULL, 'D'},   {"wait", no_argument, NULL, 'w'},
        {"yes", no_argument, NULL, 'y'},          {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    restore_opts_t o;
    config_t *cfg;
    int c, code;

    memset(&o, 0, sizeof o);
    o.days = 7;
    o.tier = NULL;
    optind = 0;
    while ((c = getopt_long(argc, argv, "T:d:f:t:o:s:p:r:D:wynh", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            o.tenant = optarg;
            break;
        case 'd':
            o.from = o.to = optarg;
            break;
        case 'f':
            o.from = optarg;
            break;
        case 't':
            if (util_parse_date(optarg, NULL, NULL, NULL) == 0)
                o.to = optarg;
            else
                o.target = optarg;
            break;
        case 'o':
            o.target = optarg;
            break;
        case 's':
            o.source = optarg;
            break;
        case 'p':
            o.glob = optarg;
            break;
        case 'r':
            if (!strcasecmp(optarg, "bulk"))
                o.tier = "Bulk";
            else if (!strcasecmp(optarg, "standard"))
                o.tier = "Standard";
            else if (!strcasecmp(optarg, "expedited"))
                o.tier = "Expedited";
            else {
                log_error("--tier %s: expected bulk, standard or expedited", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'D':
            o.days = atoi(optarg);
            if (o.days < 1 || o.days > 365) {
                log_error("--days %s: expected 1 to 365", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'w':
            o.wait = 1;
            break;
        case 'y':
            o.yes = 1;
            break;
        case 'n':
            o.dry_run = 1;
            break;
        case 'h':
            printf("usage: coldpack restore --tenant T (--date D | --from D --to D) [--source S]\n"
                   "         [--path GLOB] --to DIR [--tier bulk|standard|expedited] [--days N]\n"
                   "         [--wait] [--yes] [--dry-run]\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (!o.tenant || !o.from || !o.to || !o.target) {
        log_error("restore needs --tenant, --date (or --from and --to) and --to DIR");
        return EXIT_USAGE;
    }
    if (cli_check_date("--from", o.from) < 0 || cli_check_date("--to", o.to) < 0)
        return EXIT_USAGE;
    if (strcmp(o.from, o.to) > 0) {
        log_error("--from %s is after --to %s", o.from, o.to);
        return EXIT_USAGE;
    }
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    if (!o.tier)
        o.tier = "Bulk";
    code = job_restore(cfg, &o);
    config_free(cfg);
    return code;
}
