/*
 * cmd_ls.c — `coldpack ls [--tenant T] [--from D] [--to D] [--source S]`:
 * the volumes the catalog knows, one per line.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>

static int print_obj(void *ctx, const catalog_object_t *o)
{
    char sz[32];

    (*(int *)ctx)++;
    printf("%s  %-12s %-16s vol %-4d %10s  %s  %s\n", o->date, o->source, o->tenant, o->volume,
           util_fmt_size(o->size, sz, sizeof sz), o->storage_class ? o->storage_class : "-",
           o->key);
    return 0;
}

int cmd_ls(int argc, char **argv, const char *config_path)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 'T'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},     {"date", required_argument, NULL, 'd'},
        {"source", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *from = NULL, *to = NULL, *source = NULL;
    config_t *cfg;
    catalog_t *c;
    int ch, n = 0, code = EXIT_FAIL;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "T:f:t:d:s:", opts, NULL)) != -1) {
        switch (ch) {
        case 'T':
            tenant = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'd':
            from = to = optarg;
            break;
        case 's':
            source = optarg;
            break;
        default:
            fprintf(stderr, "usage: coldpack ls [--tenant T] [--from D] [--to D] [--source S]\n");
            return EXIT_USAGE;
        }
    }
    if ((from && cli_check_date("--from", from) < 0) || (to && cli_check_date("--to", to) < 0))
        return EXIT_USAGE;
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    c = catalog_open(cfg->catalog.path);
    if (c && catalog_objects(c, "data", tenant, from, to, source, print_obj, &n) == 0) {
        code = EXIT_OK;
        if (n == 0)
            log_info("no volumes match");
    }
    catalog_free(c);
    config_free(cfg);
    return code;
}
