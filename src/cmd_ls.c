/*
 * cmd_ls.c — `coldpack ls [--tenant T] [--date D | --from D --until D]
 * [--source S]`: the volumes the catalog knows, one per line. --to D is the
 * older spelling of --until D (unambiguous here: ls has no target).
 * --json prints one JSON array of objects (key, date, source, tenant,
 * volume, size, sha256, storage_class, run_id) instead of the table.
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "report.h"
#include "util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static int print_obj(void *ctx, const catalog_object_t *o)
{
    char sz[32];

    (*(int *)ctx)++;
    printf("%s  %-12s %-16s vol %-4d %10s  %s  %s\n", o->date, o->source, o->tenant, o->volume,
           util_fmt_size(o->size, sz, sizeof sz), o->storage_class ? o->storage_class : "-",
           o->key);
    return 0;
}

struct json_ctx {
    json_t *arr;
    int err;
};

/* A name as a JSON string: names are bytes, so one that is not UTF-8 is
 * shown with \xNN for its stray bytes (jansson refuses invalid UTF-8). */
static json_t *jname(const char *s)
{
    char *clean;
    json_t *j;

    if (!s)
        return json_null();
    if ((j = json_string(s)))
        return j;
    clean = report_utf8_sanitize(s);
    j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}

static int json_obj(void *ctx, const catalog_object_t *o)
{
    struct json_ctx *jc = ctx;
    json_t *j =
        json_pack("{s:o, s:o, s:o, s:o, s:i, s:I, s:s?, s:s?, s:s?}", "key", jname(o->key), "date",
                  jname(o->date), "source", jname(o->source), "tenant", jname(o->tenant), "volume",
                  o->volume, "size", (json_int_t)o->size, "sha256", o->sha256, "storage_class",
                  o->storage_class, "run_id", o->run_id);

    if (!j || json_array_append_new(jc->arr, j) < 0) {
        log_error("ls --json: out of memory");
        jc->err = 1;
        return -1;
    }
    return 0;
}

int cmd_ls_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, 'T'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"to", required_argument, NULL, 't'},
                                         {"date", required_argument, NULL, 'd'},
                                         {"source", required_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "T:f:u:t:d:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            a->ls.tenant = optarg;
            break;
        case 'f':
            a->ls.from = optarg;
            break;
        case 'u':
        case 't':
            a->ls.until = optarg;
            break;
        case 'd':
            a->ls.from = a->ls.until = optarg;
            break;
        case 's':
            a->ls.source = optarg;
            break;
        case 'j':
            a->ls.json = 1;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if ((a->ls.from && cli_check_date("--from", a->ls.from) < 0) ||
        (a->ls.until && cli_check_date("--until", a->ls.until) < 0))
        return CLI_BAD;
    return cli_no_operands(argc, argv);
}

int cmd_ls(const cli_env_t *env, cli_args_t *a)
{
    catalog_t *c = catalog_open(env->cfg->catalog.path);
    int n = 0, code = EXIT_FAIL;

    if (a->ls.json) {
        struct json_ctx jc = {json_array(), 0};
        if (c && jc.arr &&
            catalog_objects(c, "data", a->ls.tenant, a->ls.from, a->ls.until, a->ls.source,
                            json_obj, &jc) == 0 &&
            !jc.err && json_dumpf(jc.arr, stdout, JSON_INDENT(2)) == 0) {
            putchar('\n');
            code = EXIT_OK;
        }
        json_decref(jc.arr);
        catalog_free(c);
        return code;
    }
    if (c && catalog_objects(c, "data", a->ls.tenant, a->ls.from, a->ls.until, a->ls.source,
                             print_obj, &n) == 0) {
        code = EXIT_OK;
        if (n == 0)
            log_info("no volumes match");
    }
    catalog_free(c);
    return code;
}
