/*
 * cmd_estimate.c — `coldpack estimate`: what the backups cost on S3 a month
 * at steady state, and what restoring one tenant for some nights costs.
 *
 * Without --daily it starts from the catalog (the real nightly bytes,
 * compression ratio, volume and index sizes, tenants); with --daily SIZE
 * --ratio R (before the first run) from the command line. Either way
 * --days, --part-size and --volume-size override what the config says, so
 * an operator can ask "what if". The model is estimate.c's.
 */
#include "catalog.h"
#include "cli.h"
#include "estimate.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int parse_double(const char *opt, const char *v, double min, double *out)
{
    char *end;
    double d = strtod(v, &end);

    if (end == v || *end || !(d > min) || d > 1e12) {
        log_error("%s %s: expected a number greater than %g", opt, v, min);
        return -1;
    }
    *out = d;
    return 0;
}

static int parse_count(const char *opt, const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (end == v || *end || n < 1 || n > 36500) {
        log_error("%s %s: expected a whole number from 1 to 36500", opt, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int parse_size(const char *opt, const char *v, int64_t *out)
{
    if (util_parse_size(v, out) < 0 || *out <= 0) {
        log_error("%s %s: expected a size such as 8MiB or 1.5TB", opt, v);
        return -1;
    }
    return 0;
}

int cmd_estimate_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"daily", required_argument, NULL, 'D'},
                                         {"ratio", required_argument, NULL, 'r'},
                                         {"days", required_argument, NULL, 'n'},
                                         {"part-size", required_argument, NULL, 'p'},
                                         {"volume-size", required_argument, NULL, 'V'},
                                         {"index-size", required_argument, NULL, 'I'},
                                         {"tenants", required_argument, NULL, 'N'},
                                         {"restore-days", required_argument, NULL, 'R'},
                                         {"tenant", required_argument, NULL, 'T'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int64_t daily;
    int c, bad = 0;

    a->estimate.restore_days = 7;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'D':
            a->estimate.daily = optarg;
            bad |= parse_size("--daily", optarg, &daily);
            break;
        case 'r':
            bad |= parse_double("--ratio", optarg, 0, &a->estimate.ratio);
            break;
        case 'n':
            bad |= parse_count("--days", optarg, &a->estimate.days);
            break;
        case 'p':
            bad |= parse_size("--part-size", optarg, &a->estimate.part_size);
            break;
        case 'V':
            bad |= parse_size("--volume-size", optarg, &a->estimate.volume_size);
            break;
        case 'I':
            bad |= parse_size("--index-size", optarg, &a->estimate.index_size);
            break;
        case 'N':
            bad |= parse_double("--tenants", optarg, 0, &a->estimate.tenants);
            break;
        case 'R':
            bad |= parse_count("--restore-days", optarg, &a->estimate.restore_days);
            break;
        case 'T':
            a->estimate.tenant = optarg;
            break;
        case 'f':
            a->estimate.from = optarg;
            bad |= cli_check_date("--from", optarg);
            break;
        case 'u':
            a->estimate.until = optarg;
            bad |= cli_check_date("--until", optarg);
            break;
        case 'j':
            a->estimate.json = 1;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (bad)
        return CLI_BAD;
    if (a->estimate.daily && !(a->estimate.ratio > 0)) {
        log_error("--daily needs --ratio R (bytes read / bytes stored, e.g. 5 for gzip on logs)");
        return CLI_BAD;
    }
    if (a->estimate.daily && (a->estimate.tenant || a->estimate.from || a->estimate.until)) {
        log_error("--tenant, --from and --until read the catalog; they do not go with --daily");
        return CLI_BAD;
    }
    return cli_no_operands(argc, argv);
}

int cmd_estimate(const cli_env_t *env, cli_args_t *a)
{
    const config_t *cfg = env->cfg;
    estimate_prices_t prices;
    estimate_input_t in = {0};
    estimate_t e;
    catalog_t *c = NULL;
    json_t *j = NULL;
    int code = EXIT_FAIL, rc;

    estimate_prices_from_config(cfg, &prices);
    in.storage_class = cfg->store.storage_class;
    in.days = a->estimate.days ? a->estimate.days : cfg->retention.days;
    /* auto: what the uploader picks for volumes of --volume-size (or the config's) */
    in.part_size = a->estimate.part_size ? a->estimate.part_size
                                         : estimate_part_size(cfg, a->estimate.volume_size);
    in.restore_days = a->estimate.restore_days;
    in.manifest_bytes = 16384; /* a manifest of a few hundred objects */
    if (a->estimate.daily) {
        int64_t daily = 0;
        util_parse_size(a->estimate.daily, &daily);
        in.mode = "flags";
        in.daily_in = (double)daily;
        in.ratio = a->estimate.ratio;
        in.volume_bytes =
            (double)(a->estimate.volume_size ? a->estimate.volume_size : cfg->pack.volume_size);
        /* ~200 bytes a file before gzip; 64 KiB is a volume of a few thousand files */
        in.index_bytes = (double)(a->estimate.index_size ? a->estimate.index_size : 65536);
        in.tenants = a->estimate.tenants > 0 ? a->estimate.tenants : 1;
    } else {
        if (!(c = catalog_open(cfg->catalog.path)))
            goto out;
        rc = estimate_from_catalog(c, cfg, a->estimate.from, a->estimate.until, a->estimate.tenant,
                                   &in);
        if (rc != 0)
            goto out;
        if (a->estimate.ratio > 0)
            in.ratio = a->estimate.ratio;
        if (a->estimate.volume_size)
            in.volume_bytes = (double)a->estimate.volume_size;
        if (a->estimate.tenants > 0)
            in.tenants = a->estimate.tenants;
    }
    if (estimate_compute(&in, &prices, &e) < 0)
        goto out;
    if (a->estimate.json) {
        if (!(j = estimate_json(&in, &prices, &e)) || json_dumpf(j, stdout, JSON_INDENT(2)) < 0) {
            log_error("estimate: cannot write JSON");
            goto out;
        }
        putchar('\n');
    } else {
        estimate_print(stdout, &in, &prices, &e);
    }
    code = EXIT_OK;
out:
    json_decref(j);
    catalog_free(c);
    return code;
}
