/*
 * job_run_report.c — the tail of a run (job_run.c): the manifests of this
 * run and of interrupted ones, the exit code and status, each source's
 * summary, the console and JSON summary handed to the notifiers, the [run]
 * metrics file, and the report of a run that failed (or was refused) before
 * its first unit.
 * Split from job_run.c, which packs the units; the run's state they share is
 * struct run_state (job_run_int.h). A source's summary is made by its own
 * thread under rs->mu; the rest runs on the main thread once the source
 * threads have been joined.
 */
#include "job.h"
#include "job_run_int.h"

#include "catalog.h"
#include "log.h"
#include "manifest.h"
#include "metrics.h"
#include "notify.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct late {
    struct run_state *rs;
    int failed;
    const char *outcome; /* this run's */
    json_t *import;      /* this run's provenance (import), or NULL */
};

/* Write the manifest of a run that has none (this run, or one that was
 * killed after committing units). */
static int late_manifest(void *ctx, const char *run_id, const char *date)
{
    struct late *l = ctx;
    char *key = NULL, sha[65], status[32] = "";
    int64_t started = 0, finished = 0;
    int self = !strcmp(run_id, l->rs->run_id);

    if (catalog_run_get(l->rs->cat, run_id, &started, &finished, status, sizeof status) < 0) {
        l->failed++;
        return 0;
    }
    const char *sk = l->rs->cfg->audit.signing_key; /* [audit]: sign the manifest */
    manifest_run_info_t ri = {run_id,
                              date,
                              started,
                              self ? (int64_t)time(NULL) : finished,
                              self ? l->outcome : status,
                              self ? l->import : NULL,
                              sk};
    if (manifest_write(l->rs->store, l->rs->cat, &ri, &key, sha) < 0 ||
        catalog_set_manifest(l->rs->cat, run_id, key, sha) < 0) {
        l->failed++;
        free(key);
        return 0;
    }
    if (strcmp(run_id, l->rs->run_id))
        log_info("wrote the manifest %s of interrupted run %s", key, run_id);
    else {
        free(l->rs->mkey);
        l->rs->mkey = key;
        memcpy(l->rs->msha, sha, sizeof sha);
        return 0;
    }
    free(key);
    return 0;
}

/* The manifest lists what this run wrote; a run that wrote nothing adds
 * none. Runs killed before writing theirs get it now, first, so every
 * committed object ends up in the chain. */
void job_run_manifests(struct run_state *rs)
{
    const run_opts_t *o = rs->opts;
    int code;

    code = job_run_code(rs);
    {
        struct late l = {rs, 0, job_run_status(code),
                         o->provenance ? o->provenance(o->provenance_arg) : NULL};
        int lrc = catalog_runs_without_manifest(rs->cat, late_manifest, &l);
        json_decref(l.import);
        if (lrc < 0 || l.failed) {
            rs->units_failed++;
            log_error("run %s: a manifest could not be written; the objects are recorded in the "
                      "catalog and the next run writes it",
                      rs->run_id);
            json_array_append_new(
                rs->failures, json_pack("{s:s, s:s}", "what", "manifest", "why", log_last_error()));
        }
    }
}

int job_run_code(const struct run_state *rs)
{
    if (rs->units_failed > 0 || rs->failed_sources > 0)
        return (rs->units_done + rs->units_skipped > 0) ? EXIT_PARTIAL : EXIT_FAIL;
    if (rs->units_left > 0)
        return EXIT_PARTIAL;
    return rs->warnings > 0 ? EXIT_WARN : EXIT_OK;
}

const char *job_run_status(int code)
{
    return code == EXIT_OK     ? "ok"
           : code == EXIT_WARN ? "warnings"
           : code == EXIT_FAIL ? "failed"
                               : "partial";
}

static int last_ok_cb(void *ctx, const catalog_run_row_t *r)
{
    int64_t *t = ctx;

    if ((!strcmp(r->status, "ok") || !strcmp(r->status, "warnings")) && r->finished > *t)
        *t = r->finished;
    return 0;
}

static int count_cb(void *ctx, const char *const *cols)
{
    (void)cols;
    ++*(int *)ctx;
    return 0;
}

/* [run] metrics_file after a run (also one that failed before its first
 * unit); cat NULL when the catalog cannot be read. Failures are warnings. */
static void write_metrics(const config_t *cfg, catalog_t *cat, int64_t start, int64_t end, int code,
                          const json_t *sources)
{
    metrics_run_t m = {start, end, code, 0, -1, sources};
    char y[11], first[11], *txt;
    int n = 0;

    if (!cfg->run.metrics_file)
        return;
    if (code == EXIT_OK || code == EXIT_WARN)
        m.last_success = end;
    else {
        int64_t prev = metrics_read_last_success(cfg->run.metrics_file);
        if (cat)
            catalog_runs(cat, NULL, NULL, 0, last_ok_cb, &m.last_success);
        if (prev > m.last_success)
            m.last_success = prev;
    }
    util_yesterday(y);
    if (cat && util_date_add(y, -cfg->run.catch_up_days, first) == 0 &&
        catalog_incomplete_dates(cat, first, y, count_cb, &n) == 0)
        m.days_incomplete = n;
    txt = metrics_format(&m);
    if (txt)
        metrics_write(cfg->run.metrics_file, txt);
    else
        log_warn("metrics file %s: out of memory", cfg->run.metrics_file);
    free(txt);
}

void job_run_refused(const config_t *cfg, const run_opts_t *o, int64_t start, int code,
                     const char *what, const char *why)
{
    struct run_state rs;
    run_opts_t day = *o;
    char y[11];

    if (!day.date) { /* no --date: the night it would have backed up */
        util_yesterday(y);
        day.date = y;
    }
    memset(&rs, 0, sizeof rs);
    rs.cfg = cfg;
    rs.opts = &day;
    job_make_run_id(rs.run_id, sizeof rs.run_id);
    job_run_prerun_failed(&rs, start, code, what, why, 1);
}

void job_run_prerun_failed(struct run_state *rs, int64_t start, int code, const char *what,
                           const char *why, int try_open)
{
    const config_t *cfg = rs->cfg;
    catalog_t *cat = rs->cat, *own = NULL;
    int64_t end = (int64_t)time(NULL);
    notify_info_t ni = {rs->run_id, rs->opts->date, start,
                        end,        code,           code == EXIT_LOCKED ? "locked" : "failed"};
    json_t *sum;
    char *txt;

    if (!cat && try_open) {
        int id = catalog_identify(cfg->catalog.path);
        if (id == CATALOG_ID_ABSENT || id == CATALOG_ID_EMPTY || id == CATALOG_ID_COLDPACK)
            cat = own = catalog_open(cfg->catalog.path);
    }
    if (cat) {
        catalog_run_t r = {rs->run_id, rs->opts->date, start, end, "failed", NULL, NULL};
        char *reason = util_asprintf("%s: %s", what, why[0] ? why : "see the log");
        if (catalog_run_record(cat, &r) < 0 ||
            (reason && catalog_run_set_error(cat, rs->run_id, reason) < 0))
            log_warn("run %s: its failure could not be recorded in the catalog", rs->run_id);
        free(reason);
    }
    log_info("run %s: failed before its first unit: %s: %s", rs->run_id, what,
             why[0] ? why : "see the log");
    sum = notify_summary_failed(&ni, what, why);
    txt = sum ? json_dumps(sum, JSON_INDENT(2)) : NULL;
    if (txt) /* counted by notify_failed_count even with no notifier */
        notify_run(cfg, txt, 1);
    else
        log_warn("run %s: cannot build the notification: out of memory", rs->run_id);
    write_metrics(cfg, cat, start, end, code, NULL);
    free(txt);
    json_decref(sum);
    catalog_free(own);
}

void job_run_report(struct run_state *rs, int64_t start, int code)
{
    const config_t *cfg = rs->cfg;
    const run_opts_t *o = rs->opts;
    const char *mkey = rs->mkey;

    if (!o->quiet) {
        char a[32], b[32];
        printf("run %s date %s: %d unit(s) done, %d already complete, %d failed, %d left by "
               "deadline, %d warning(s); %s read, %s stored%s%s\n",
               rs->run_id, o->date, rs->units_done, rs->units_skipped, rs->units_failed,
               rs->units_left, rs->warnings, util_fmt_size(rs->bytes_in, a, sizeof a),
               util_fmt_size(rs->bytes_stored, b, sizeof b), mkey ? "; manifest " : "",
               mkey ? mkey : "");
        fflush(stdout);
    }
    {
        int64_t end = (int64_t)time(NULL);
        notify_info_t ni = {rs->run_id, o->date, start, end, code, job_run_status(code)};
        if (rs->units_left > 0) {
            char why[128];
            snprintf(why, sizeof why, "%d unit(s) not started: the deadline passed",
                     rs->units_left);
            json_array_append_new(rs->failures,
                                  json_pack("{s:s, s:s}", "what", "deadline", "why", why));
        }
        if (code == EXIT_WARN && json_array_size(rs->failures) == 0) {
            char why[128];
            snprintf(why, sizeof why, "%d warning(s): files not backed up (see the log)",
                     rs->warnings);
            json_array_append_new(rs->failures,
                                  json_pack("{s:s, s:s}", "what", "warnings", "why", why));
        }
        if (json_array_size(rs->failures) > 0) { /* `status` shows the first reason */
            json_t *f0 = json_array_get(rs->failures, 0);
            size_t nf = json_array_size(rs->failures);
            char more[48] = "";
            if (nf > 1)
                snprintf(more, sizeof more, " (and %zu more)", nf - 1);
            const char *what = json_string_value(json_object_get(f0, "what"));
            const char *why = json_string_value(json_object_get(f0, "why"));
            /* "source S: source S: ..." says it once */
            char *reason = !what || !why ? NULL
                           : !strncmp(why, what, strlen(what))
                               ? util_asprintf("%s%s", why, more)
                               : util_asprintf("%s: %s%s", what, why, more);
            if (reason && catalog_run_set_error(rs->cat, rs->run_id, reason) < 0)
                log_warn("run %s: why it failed could not be recorded in the catalog", rs->run_id);
            free(reason);
        }
        json_t *sum = json_pack(
            "{s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:s?, s:O, s:O, s:O, s:O}", "units_done",
            rs->units_done, "units_skipped", rs->units_skipped, "units_failed", rs->units_failed,
            "units_left", rs->units_left, "warnings", rs->warnings, "bytes_read",
            (json_int_t)rs->bytes_in, "bytes_in", (json_int_t)rs->bytes_in, "bytes_stored",
            (json_int_t)rs->bytes_stored, "manifest", mkey, "sources", rs->sources, "units",
            rs->units, "failures", rs->failures, "left", rs->left);
        if (sum && notify_summary_base(sum, &ni) < 0) {
            json_decref(sum);
            sum = NULL;
        }
        char *txt = sum ? json_dumps(sum, JSON_INDENT(2)) : NULL;
        if (txt) /* counted by notify_failed_count even with no notifier */
            notify_run(cfg, txt, code != EXIT_OK);
        else
            log_warn("run %s: cannot build the summary: out of memory", rs->run_id);
        write_metrics(cfg, rs->cat, start, end, code, rs->sources);
        free(txt);
        json_decref(sum);
    }
}

/* The summary of one source once its units are finished (run_source): its
 * counts into the run's, its units and its failures into the run's JSON
 * summary, and the source line on the console. rc: the scan's result. */
void job_run_report_source(struct src_state *ss, source_stats_t *st, int rc)
{
    struct run_state *rs = ss->rs;
    const config_source_t *src = ss->src;
    const char *why = "";

    int failed = 0, done = 0, skipped = ss->nskip, left = 0;
    int64_t stored = 0;
    const char *unit_why = NULL;
    for (int i = 0; i < ss->nunits; i++) {
        failed += ss->units[i]->state == UNIT_FAILED;
        done += ss->units[i]->state == UNIT_DONE;
        left += ss->units[i]->state == UNIT_LEFT;
        skipped += ss->units[i]->state == UNIT_SKIPPED &&
                   !source_skipped((const char *const *)ss->skip, ss->units[i]->tenant);
        if (ss->units[i]->state == UNIT_DONE)
            stored += ss->units[i]->bytes_stored;
        if (!unit_why && ss->units[i]->state == UNIT_FAILED)
            unit_why = ss->units[i]->error;
    }
    /* why the source failed: the source's own reason, else what stopped its
     * scan, else the first failed unit's */
    if (rc < 0)
        why = st->error ? st->error : ss->error ? ss->error : unit_why ? unit_why : "";
    atomic_store(&ss->prog->state, PROGRESS_DONE);
    pthread_mutex_lock(&rs->mu);
    rs->warnings += st->warnings;
    if (rc < 0) {
        rs->failed_sources++;
        /* A source that failed before (or after) its units counts as one
         * failed unit of an unknown tenant: units_failed never says 0 for
         * a run whose sources failed. */
        if (failed == 0) {
            failed = 1;
            rs->units_failed++;
            json_array_append_new(rs->units,
                                  json_pack("{s:s, s:n, s:s, s:s}", "source", src->name, "tenant",
                                            "outcome", "failed", "error", why));
        }
        char *what = util_asprintf("source %s", src->name);
        json_array_append_new(rs->failures,
                              json_pack("{s:s, s:s}", "what", what ? what : src->name, "why",
                                        why[0] ? why : "unknown (see the log)"));
        free(what);
    }
    for (int i = 0; i < ss->nskip; i++)
        json_array_append_new(rs->units,
                              json_pack("{s:s, s:s, s:s, s:s}", "source", src->name, "tenant",
                                        ss->skip[i], "outcome", "skipped", "error", ""));
    for (int i = 0; i < ss->nunits; i++) {
        struct unit_slot *u = ss->units[i];
        static const char *const outcome[] = {"failed", "skipped", "done", "failed", "left"};
        if (u->state == UNIT_SKIPPED && source_skipped((const char *const *)ss->skip, u->tenant))
            continue; /* listed above */
        json_array_append_new(
            rs->units, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I}", "source", src->name,
                                 "tenant", u->tenant, "outcome", outcome[u->state], "error",
                                 u->error ? u->error : "", "volumes", u->volumes, "files", u->files,
                                 "bytes_read", (json_int_t)u->bytes_in, "bytes_stored",
                                 (json_int_t)(u->state == UNIT_DONE ? u->bytes_stored : 0)));
        if (u->state == UNIT_FAILED && rc == 0) {
            char *what = util_asprintf("unit %s/%s/%s", rs->opts->date, src->name, u->tenant);
            json_array_append_new(rs->failures,
                                  json_pack("{s:s, s:s}", "what", what ? what : src->name, "why",
                                            u->error ? u->error : "unknown (see the log)"));
            free(what);
        }
    }
    json_array_append_new(rs->sources,
                          json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:I, s:I}",
                                    "name", src->name, "status",
                                    rc < 0   ? "failed"
                                    : failed ? "partial"
                                             : "ok",
                                    "outcome",
                                    rc < 0   ? "failed"
                                    : failed ? "partial"
                                             : "ok",
                                    "error", why, "units_done", done, "units_skipped", skipped,
                                    "units_failed", failed, "units_left", left, "warnings",
                                    st->warnings, "bytes_read", (json_int_t)st->bytes_read,
                                    "bytes_stored", (json_int_t)stored));
    if (rc < 0 && !rs->opts->quiet)
        printf("source %s: FAILED: %s\n", src->name, why[0] ? why : "see log");
    pthread_mutex_unlock(&rs->mu);
}
