/*
 * job_days.c — `run` over several days: a range (--from D --until D), or,
 * without --date, catch-up: the days of the last [run] catch_up_days whose
 * newest run did not end ok or with warnings (partial, failed, crashed,
 * still "running") and the complete days whose local day directories hold
 * late files (job_late.h), oldest first, then yesterday. Each day is one
 * job_run_day (its own lock, run id, manifest and summary); the exit code is
 * the worst day's (failed > partial > warnings > ok); a lock or usage error
 * stops at once. Days never attempted are not guessed at: back them up with
 * --date or a range.
 */
#include "job.h"

#include "array.h"
#include "catalog.h"
#include "job_late.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct days {
    char (*v)[11];
    size_t n, cap;
};

static int add_day(struct days *d, const char *date)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i], date))
            return 0;
    if (ARRAY_GROW(d->v, d->n + 1, d->cap) < 0)
        return -1;
    snprintf(d->v[d->n++], 11, "%s", date);
    return 0;
}

static int add_day_cb(void *ctx, const char *const *cols)
{
    return cols[0] ? add_day(ctx, cols[0]) : 0;
}

static int day_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The days to run, oldest first: the range, or the incomplete days of the
 * catch-up window then o->date. */
static int plan_days(const config_t *cfg, const run_opts_t *o, struct days *d)
{
    char day[11], first[11], last[11];

    if (o->until) {
        snprintf(day, sizeof day, "%s", o->date);
        while (strcmp(day, o->until) <= 0) {
            if (add_day(d, day) < 0 || util_date_add(day, 1, day) < 0)
                return -1;
        }
        return 0;
    }
    if (o->catch_up && cfg->run.catch_up_days > 0 &&
        catalog_identify(cfg->catalog.path) == CATALOG_ID_COLDPACK) {
        catalog_t *c = catalog_open(cfg->catalog.path);
        struct days done = {NULL, 0, 0};
        if (!c || util_date_add(o->date, -cfg->run.catch_up_days, first) < 0 ||
            util_date_add(o->date, -1, last) < 0 ||
            catalog_incomplete_dates(c, first, last, add_day_cb, d) < 0 ||
            catalog_complete_dates(c, first, last, add_day_cb, &done) < 0) {
            catalog_free(c);
            free(done.v);
            return -1;
        }
        /* complete days are revisited only when their directories hold late
         * files (job_late.h: a stat walk, nothing read) */
        for (size_t i = 0; i < done.n; i++) {
            int late = job_late_probe(cfg, c, done.v[i]);
            if (late > 0)
                log_info("run: %s has files that appeared or grew after it was backed up",
                         done.v[i]);
            if (late < 0 || (late > 0 && add_day(d, done.v[i]) < 0)) {
                catalog_free(c);
                free(done.v);
                return -1;
            }
        }
        free(done.v);
        catalog_free(c);
        qsort(d->v, d->n, sizeof *d->v, day_cmp);
    }
    return add_day(d, o->date);
}

/* Worst first: what a cron wrapper must see. */
static int code_rank(int code)
{
    switch (code) {
    case EXIT_OK:
        return 0;
    case EXIT_WARN:
        return 1;
    case EXIT_PARTIAL:
        return 2;
    default:
        return 3;
    }
}

int job_run(const config_t *cfg, const run_opts_t *o)
{
    struct days d = {NULL, 0, 0};
    int code = EXIT_OK;

    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    if (plan_days(cfg, o, &d) < 0) {
        log_error("run: cannot work out which days to back up");
        free(d.v);
        return EXIT_FAIL;
    }
    if (d.n > 1)
        log_info("run: %zu day(s), oldest first: %s .. %s", d.n, d.v[0], d.v[d.n - 1]);
    for (size_t i = 0; i < d.n; i++) {
        run_opts_t day = *o;
        day.date = d.v[i];
        day.until = NULL;
        int rc = job_run_day(cfg, &day);
        if (rc == EXIT_USAGE || rc == EXIT_LOCKED) {
            code = rc;
            break;
        }
        if (d.n > 1 && !o->quiet)
            printf("day %s: %s\n", d.v[i],
                   rc == EXIT_OK        ? "ok"
                   : rc == EXIT_WARN    ? "done with warnings"
                   : rc == EXIT_PARTIAL ? "partial"
                                        : "failed");
        if (code_rank(rc) > code_rank(code))
            code = rc;
    }
    free(d.v);
    return code;
}
