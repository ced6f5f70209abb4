/*
 * cmd_status.c — `coldpack status [-n N] [--json]`: the last runs from the
 * catalog, as a table or a JSON array; and `status --check [--date D]`, a
 * monitoring plugin (Nagios/Icinga conventions: one line on stdout,
 * "COLDPACK OK - ... | perfdata", exit 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN) about one night, by default yesterday's.
 *
 * --check judges the newest run of the night, since a later run completes
 * what an earlier one left: ok = OK; warnings, partial or still running =
 * WARNING; failed, or no run at all = CRITICAL. A catalog it cannot read is
 * UNKNOWN. These codes are the plugin's, not docs/exit-codes.md's table.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum check_code { CHECK_OK = 0, CHECK_WARNING = 1, CHECK_CRITICAL = 2, CHECK_UNKNOWN = 3 };

int cmd_status_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"check", no_argument, NULL, 'C'},
                                         {"date", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    a->status.n = 10;
    while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            a->status.n = atoi(optarg);
            if (a->status.n <= 0) /* as before: a nonsense count shows the default */
                a->status.n = 10;
            break;
        case 'j':
            a->status.json = 1;
            break;
        case 'C':
            a->status.check = 1;
            break;
        case 'd':
            if (cli_check_date("--date", optarg) < 0)
                return CLI_BAD;
            a->status.date = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (a->status.date && !a->status.check) {
        log_error("--date goes with --check");
        return CLI_BAD;
    }
    if (a->status.json && a->status.check) {
        log_error("--json and --check do not go together");
        return CLI_BAD;
    }
    return cli_no_operands(argc, argv);
}

static void iso_utc(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    buf[0] = 0;
    if (t > 0 && gmtime_r(&tt, &tm))
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int run_json(void *ctx, const catalog_run_row_t *r)
{
    char st[32], fin[32];
    json_t *o;

    iso_utc(r->started, st);
    iso_utc(r->finished, fin);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o, s:i, s:I, s:i, s:s?}", "run_id", r->run_id,
                  "date", r->date, "status", r->status, "started", st, "finished",
                  r->finished ? fin : NULL, "duration_seconds",
                  r->finished ? json_integer(r->finished - r->started) : json_null(), "volumes",
                  r->volumes, "bytes", (json_int_t)r->bytes, "units", r->units, "manifest",
                  r->manifest_key);
    if (!o || json_array_append_new(ctx, o) < 0) {
        log_error("status --json: out of memory");
        return -1;
    }
    return 0;
}

static int status_json(catalog_t *c, int n)
{
    json_t *arr = json_array();
    int rc = -1;

    if (!arr)
        return -1;
    if (catalog_runs(c, NULL, NULL, n, run_json, arr) == 0 &&
        json_dumpf(arr, stdout, JSON_INDENT(2)) == 0) {
        putchar('\n');
        rc = 0;
    }
    json_decref(arr);
    return rc;
}

struct newest {
    int found;
    char run_id[64], status[16], started[32];
    int volumes, units;
    int64_t bytes, duration;
};

static int take_newest(void *ctx, const catalog_run_row_t *r)
{
    struct newest *nw = ctx;

    nw->found = 1;
    snprintf(nw->run_id, sizeof nw->run_id, "%s", r->run_id);
    snprintf(nw->status, sizeof nw->status, "%s", r->status);
    iso_utc(r->started, nw->started);
    nw->volumes = r->volumes;
    nw->units = r->units;
    nw->bytes = r->bytes;
    nw->duration = r->finished ? r->finished - r->started : 0;
    return 1; /* newest first: one is enough */
}

static int status_check(const config_t *cfg, const char *date_opt)
{
    static const char *const word[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    char date[11], sz[32];
    struct newest nw = {0};
    catalog_t *c;
    int code, rc;

    if (date_opt)
        snprintf(date, sizeof date, "%s", date_opt);
    else
        util_yesterday(date);
    /* A plugin's stdout is one line; errors still reach stderr. */
    log_set_level(LOG_ERROR);
    c = catalog_open(cfg->catalog.path);
    rc = c ? catalog_runs(c, date, date, 1, take_newest, &nw) : -1;
    catalog_free(c);
    if (rc < 0) {
        printf("COLDPACK UNKNOWN - cannot read the catalog %s\n", cfg->catalog.path);
        return CHECK_UNKNOWN;
    }
    if (!nw.found) {
        printf("COLDPACK CRITICAL - %s: no backup run\n", date);
        return CHECK_CRITICAL;
    }
    if (!strcmp(nw.status, "ok"))
        code = CHECK_OK;
    else if (!strcmp(nw.status, "failed"))
        code = CHECK_CRITICAL;
    else
        code = CHECK_WARNING; /* warnings, partial, running (or killed) */
    printf("COLDPACK %s - %s: run %s %s%s%s%s, %d unit(s) complete, %d volume(s), %s | "
           "bytes=%lldB volumes=%d units=%d duration=%llds\n",
           word[code], date, nw.run_id, nw.status,
           !strcmp(nw.status, "running") ? " (not finished; started " : "",
           !strcmp(nw.status, "running") ? nw.started : "",
           !strcmp(nw.status, "running") ? ")" : "", nw.units, nw.volumes,
           util_fmt_size(nw.bytes, sz, sizeof sz), (long long)nw.bytes, nw.volumes, nw.units,
           (long long)nw.duration);
    return code;
}

int cmd_status(const cli_env_t *env, cli_args_t *a)
{
    catalog_t *c;
    int code = EXIT_FAIL;

    if (catalog_identify(env->cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    if (a->status.check)
        return status_check(env->cfg, a->status.date);
    c = catalog_open(env->cfg->catalog.path);
    if (c &&
        (a->status.json ? status_json(c, a->status.n) : catalog_print_status(c, a->status.n)) == 0)
        code = EXIT_OK;
    catalog_free(c);
    return code;
}
