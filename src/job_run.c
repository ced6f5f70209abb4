/*
 * job_run.c — the daily backup: every (source, tenant) of one date becomes a
 * unit packed into volumes; units already complete in the catalog are
 * skipped, so `run` is idempotent and a rerun after a crash does only what is
 * missing.
 *
 * Up to run.parallel_sources sources are scanned at once, each by its own
 * thread, all sharing one compression pool. Within a source, tenants arrive
 * contiguously (sorted walk, or remote tar --sort=name), so a unit is
 * finished as soon as the next tenant starts; a unit is recorded complete in
 * the catalog only after its last volume and index are committed. A unit
 * left incomplete by a crash is redone from scratch: its leftover objects
 * are deleted first, so no object of a failed attempt survives.
 *
 * The store is the truth, the catalog a cache of it. Before anything else a
 * run brings the catalog up to date from the manifests in the store
 * (job_sync_catalog), so a lost or new catalog never makes a backed-up unit
 * look incomplete. Deleting leftovers is proven safe from the store at the
 * moment of deleting: each key must parse to exactly that unit and be named
 * by no manifest at all; a manifest-named object is never deleted (the unit
 * fails instead), so a committed backup cannot be lost by a run. Runs a
 * killed process left "running" are marked "crashed" (the caller holds the
 * run lock: cli.c takes it for every command whose table row says CMD_LOCK).
 *
 * Bytes read from sources pass through the run-wide and per-source token
 * buckets. Past the deadline, no new unit starts.
 *
 * Late files (job_late.h): a local source's complete tenants are walked too
 * (stat only); a file that appeared or grew since the unit was recorded
 * turns the unit into a late one, packed as further volumes after its last.
 * After the scan, an empty day directory and tenants backed up the day
 * before but absent now are warnings.
 *
 * The run's reporting tail (manifests, per-source and run summaries,
 * notifications, metrics, a run that failed before its first unit) is in
 * job_run_report.c; the state both share is in job_run_int.h. (The file
 * passes ~700 lines: a unit's life, from its slot to its catalog row, reads
 * best in one place.)
 */
#include "job.h"
#include "job_run_int.h"

#include "array.h"
#include "catalog.h"
#include "codec.h"
#include "log.h"
#include "objkey.h"
#include "job_late.h"
#include "leftovers.h"
#include "pack.h"
#include "pool.h"
#include "progress.h"
#include "ratelimit.h"
#include "source.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Keep the first reason for a failure in *dst (already logged where it was
 * detected). Out of memory leaves *dst NULL: the log still has it. */
static void keep_error(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void keep_error(char **dst, const char *fmt, ...)
{
    strbuf_t sb = STRBUF_INIT(1024);
    va_list ap;

    if (*dst)
        return;
    va_start(ap, fmt);
    if (strbuf_vaddf(&sb, fmt, ap) == 0)
        *dst = strbuf_detach(&sb, NULL);
    va_end(ap);
    strbuf_release(&sb);
}

struct limited_reader {
    source_read_fn rd;
    void *rctx;
    ratelimit_t *a, *b;
    _Atomic int64_t *count; /* progress */
};

static ssize_t limited_read(void *ctx, void *buf, size_t len)
{
    struct limited_reader *lr = ctx;
    ssize_t n = lr->rd(lr->rctx, buf, len);

    if (n > 0) {
        ratelimit_take(lr->a, (size_t)n);
        ratelimit_take(lr->b, (size_t)n);
        atomic_fetch_add(lr->count, n);
    }
    return n;
}

static int on_volume(void *ctx, const pack_volume_t *v)
{
    struct unit_slot *slot = ctx;
    struct src_state *ss = slot->ss;
    struct run_state *rs = ss->rs;
    catalog_object_t o = {
        v->key,  "data",    rs->opts->date,           ss->src->name, slot->tenant, v->volume,
        v->size, v->sha256, rs->store->storage_class, rs->run_id};

    if (catalog_object_add(rs->cat, &o) < 0)
        return -1;
    o.key = v->index_key;
    o.kind = "index";
    o.size = v->index_size;
    o.sha256 = v->index_sha256;
    o.storage_class = "STANDARD";
    if (catalog_object_add(rs->cat, &o) < 0 ||
        catalog_unit_files_add(rs->cat, rs->opts->date, ss->src->name, slot->tenant, v->volume,
                               v->files_list ? v->files_list : "") < 0)
        return -1;
    slot->volumes++;
    slot->files += v->files;
    slot->bytes_in += v->bytes_in;
    slot->bytes_stored += v->size + v->index_size;
    return 0;
}

static void finish_unit(struct src_state *ss, int idx, int ok)
{
    struct unit_slot *slot = ss->units[idx];
    struct run_state *rs = ss->rs;
    int rc = -1;

    if (slot->state != UNIT_PACKING || !slot->u)
        return;
    if (ok)
        rc = pack_unit_finish(slot->u);
    pthread_mutex_lock(&rs->mu);
    rs->warnings += pack_unit_warnings(slot->u);
    pthread_mutex_unlock(&rs->mu);
    /* a feed's units are recorded once its whole archive is read (feed_units) */
    if (rc == 0 && !ss->feed)
        rc = catalog_unit_set(rs->cat, rs->opts->date, ss->src->name, slot->tenant, "complete",
                              slot->base_volumes + slot->volumes, slot->base_files + slot->files,
                              slot->base_bytes + slot->bytes_in, rs->run_id);
    pack_unit_free(slot->u);
    slot->u = NULL;
    /* A failed unit's committed volumes are leftovers for the next run to
     * delete: keep them out of this run's manifest, ls and restore. */
    if (rc != 0 && slot->late) {
        /* the unit stays complete as it was; the late files are tried again */
        catalog_unit_forget_from(rs->cat, rs->opts->date, ss->src->name, slot->tenant,
                                 slot->base_volumes + 1);
        keep_error(&slot->error, "unit %s/%s/%s: its late files were not backed up (see the log)",
                   rs->opts->date, ss->src->name, slot->tenant);
    } else if (rc != 0) {
        catalog_unit_forget(rs->cat, rs->opts->date, ss->src->name, slot->tenant);
        keep_error(&slot->error, "unit %s/%s/%s: %s", rs->opts->date, ss->src->name, slot->tenant,
                   ok ? "finishing or recording it failed (see the log)"
                      : "not completed: its source or its packing failed (see the log)");
    }
    slot->state = rc == 0 ? UNIT_DONE : UNIT_FAILED;
    /* names are bytes: shown escaped (objkey_name_display), never raw to a terminal */
    char *shown = objkey_name_display(slot->tenant);
    const char *tn = shown ? shown : "?";
    pthread_mutex_lock(&rs->mu);
    if (rc == 0) {
        rs->units_done++;
        rs->bytes_in += slot->bytes_in;
        rs->bytes_stored += slot->bytes_stored;
        if (!rs->opts->quiet && slot->late)
            printf("late files: %d in tenant %s day %s (source %s): volume(s) %d..%d\n",
                   slot->late_files, tn, rs->opts->date, ss->src->name, slot->base_volumes + 1,
                   slot->base_volumes + slot->volumes);
        if (!rs->opts->quiet)
            printf("unit %s/%s/%s: %d volume(s), %d file(s), %lld bytes in, %lld stored\n",
                   rs->opts->date, ss->src->name, tn, slot->volumes, slot->files,
                   (long long)slot->bytes_in, (long long)slot->bytes_stored);
    } else {
        rs->units_failed++;
        if (!rs->opts->quiet)
            printf("unit %s/%s/%s: FAILED (not recorded; the next run redoes it)\n", rs->opts->date,
                   ss->src->name, tn);
    }
    fflush(stdout);
    pthread_mutex_unlock(&rs->mu);
    free(shown);
}

/* A feed (an archive, for import) is not a sorted walk: a tenant may come
 * back after its unit was packed (the scan then fails), or the archive may be
 * cut. So its packed units are recorded complete only when the whole archive
 * was read (ok); otherwise they are forgotten like failed units, and their
 * committed volumes are leftovers for the next attempt. */
static void feed_units(struct src_state *ss, int ok)
{
    struct run_state *rs = ss->rs;

    for (int i = 0; i < ss->nunits; i++) {
        struct unit_slot *slot = ss->units[i];
        if (slot->state != UNIT_DONE)
            continue;
        if (ok && catalog_unit_set(rs->cat, rs->opts->date, ss->src->name, slot->tenant, "complete",
                                   slot->volumes, slot->files, slot->bytes_in, rs->run_id) == 0)
            continue;
        catalog_unit_forget(rs->cat, rs->opts->date, ss->src->name, slot->tenant);
        keep_error(&slot->error, "unit %s/%s/%s: %s", rs->opts->date, ss->src->name, slot->tenant,
                   ok ? "recording it failed (see the log)"
                      : "packed, but the archive was not read to its end: not recorded");
        slot->state = UNIT_FAILED;
        pthread_mutex_lock(&rs->mu);
        rs->units_done--;
        rs->units_failed++;
        rs->bytes_in -= slot->bytes_in;
        rs->bytes_stored -= slot->bytes_stored;
        if (!rs->opts->quiet)
            printf("unit %s/%s/%s: FAILED (%s; the next import redoes it)\n", rs->opts->date,
                   ss->src->name, slot->tenant,
                   ok ? "not recorded" : "the archive was not read to its end");
        fflush(stdout);
        pthread_mutex_unlock(&rs->mu);
    }
}

static int start_unit(struct src_state *ss, const char *tenant)
{
    struct run_state *rs = ss->rs;
    struct unit_slot *slot;
    int idx, done;

    if (ARRAY_GROW(ss->units, (size_t)ss->nunits + 1, ss->cap) < 0 ||
        !(slot = calloc(1, sizeof *slot))) {
        log_error("source %s: out of memory", ss->src->name);
        keep_error(&ss->error, "source %s: out of memory", ss->src->name);
        return -1;
    }
    idx = ss->nunits++;
    ss->units[idx] = slot;
    slot->ss = ss;
    slot->tenant = strdup(tenant);
    if (!slot->tenant) {
        log_error("source %s: out of memory", ss->src->name);
        keep_error(&ss->error, "source %s: out of memory", ss->src->name);
        return -1;
    }
    done = catalog_unit_complete(rs->cat, rs->opts->date, ss->src->name, tenant);
    if (done < 0) {
        keep_error(&ss->error, "unit %s/%s/%s: the catalog cannot be read (see the log)",
                   rs->opts->date, ss->src->name, tenant);
        return -1;
    }
    if (done) {
        slot->state = UNIT_SKIPPED;
        if (!source_skipped((const char *const *)ss->skip, tenant)) {
            pthread_mutex_lock(&rs->mu);
            rs->units_skipped++; /* not counted with the skip list */
            pthread_mutex_unlock(&rs->mu);
        }
        return idx;
    }
    if (rs->deadline && time(NULL) >= rs->deadline) {
        slot->state = UNIT_LEFT;
        pthread_mutex_lock(&rs->mu);
        rs->units_left++;
        json_array_append_new(rs->left,
                              json_pack("{s:s, s:s}", "source", ss->src->name, "tenant", tenant));
        pthread_mutex_unlock(&rs->mu);
        log_warn("deadline passed: unit %s/%s/%s left for the next run", rs->opts->date,
                 ss->src->name, tenant);
        return idx;
    }
    if (!objkey_unit_fits(tenant, rs->opts->date, ss->src->name)) {
        /* only this tenant's unit: the others of the source go on */
        char *shown = objkey_name_display(tenant);
        log_error("unit %s/%s/%s: not backed up: the tenant name is too long for a store key "
                  "(%d bytes at most, escaped)",
                  rs->opts->date, ss->src->name, shown ? shown : "?", OBJKEY_KEY_MAX);
        keep_error(&slot->error, "unit %s/%s/%s: the tenant name is too long for a store key",
                   rs->opts->date, ss->src->name, shown ? shown : "?");
        free(shown);
        slot->state = UNIT_FAILED;
        pthread_mutex_lock(&rs->mu);
        rs->units_failed++;
        pthread_mutex_unlock(&rs->mu);
        return idx;
    }
    /* An incomplete unit: remove whatever an interrupted attempt left. */
    if (leftovers_remove(rs->store, rs->opts->date, ss->src->name, tenant) < 0 ||
        catalog_unit_forget(rs->cat, rs->opts->date, ss->src->name, tenant) < 0) {
        keep_error(&ss->error,
                   "unit %s/%s/%s: what an interrupted run left cannot be removed (see the log)",
                   rs->opts->date, ss->src->name, tenant);
        return -1;
    }
    slot->u = pack_unit_new(&rs->pp, rs->opts->date, ss->src->name, tenant, on_volume, slot);
    if (!slot->u)
        keep_error(&ss->error, "unit %s/%s/%s: cannot be started (see the log)", rs->opts->date,
                   ss->src->name, tenant);
    return slot->u ? idx : -1;
}

/* A complete unit has late files: continue it with volumes after its last
 * (pack_unit_first_volume). Returns 0, or -1 with the unit failed. */
static int start_late(struct src_state *ss, struct unit_slot *slot)
{
    struct run_state *rs = ss->rs;
    int first = slot->base_volumes + 1;

    log_info("unit %s/%s/%s: late files (after it was backed up): backing them up as volume "
             "%d on",
             rs->opts->date, ss->src->name, slot->tenant, first);
    slot->late = 1;
    slot->state = UNIT_PACKING;
    pthread_mutex_lock(&rs->mu);
    rs->units_skipped--; /* counted complete when it was seen */
    pthread_mutex_unlock(&rs->mu);
    if (leftovers_remove_from(rs->store, rs->opts->date, ss->src->name, slot->tenant, first) < 0 ||
        catalog_unit_forget_from(rs->cat, rs->opts->date, ss->src->name, slot->tenant, first) < 0 ||
        !(slot->u = pack_unit_new(&rs->pp, rs->opts->date, ss->src->name, slot->tenant, on_volume,
                                  slot))) {
        keep_error(&slot->error, "unit %s/%s/%s: its late files cannot be backed up (see the log)",
                   rs->opts->date, ss->src->name, slot->tenant);
        slot->state = UNIT_FAILED;
        pthread_mutex_lock(&rs->mu);
        rs->units_failed++;
        pthread_mutex_unlock(&rs->mu);
        return -1;
    }
    pack_unit_first_volume(slot->u, first);
    return 0;
}

/* Is e a late file of the complete unit of slot? Loads what it read once. */
static int is_late(struct src_state *ss, struct unit_slot *slot, const source_entry_t *e)
{
    if (!slot->known_loaded) {
        slot->known_loaded = 1;
        slot->known = job_late_load(ss->rs->cat, ss->rs->opts->date, ss->src->name, slot->tenant,
                                    &slot->base_volumes, &slot->base_files, &slot->base_bytes);
        if (!slot->known)
            log_info("unit %s/%s/%s: no file list in the catalog (backed up by an older "
                     "version, or encrypted and recovered by a catalog rebuild): late files "
                     "are not looked for",
                     ss->rs->opts->date, ss->src->name, slot->tenant);
    }
    return job_late_is_late(slot->known, e);
}

static int on_entry(void *ctx, const source_entry_t *e, source_read_fn rd, void *rctx)
{
    struct src_state *ss = ctx;
    int idx = -1;

    if (ss->cur >= 0 && !strcmp(ss->units[ss->cur]->tenant, e->tenant)) {
        idx = ss->cur;
    } else {
        for (int i = 0; i < ss->nunits; i++)
            if (!strcmp(ss->units[i]->tenant, e->tenant))
                idx = i;
        if (idx >= 0 && ss->eager && ss->units[idx]->state == UNIT_DONE) {
            log_error("source %s: entries of tenant %s are not contiguous in the stream",
                      ss->src->name, e->tenant);
            keep_error(&ss->error,
                       "source %s: entries of tenant %s are not contiguous in the stream",
                       ss->src->name, e->tenant);
            return -1;
        }
        if (idx < 0) {
            if (ss->eager && ss->cur >= 0)
                finish_unit(ss, ss->cur, 1);
            idx = start_unit(ss, e->tenant);
            if (idx < 0)
                return -1;
        }
        ss->cur = idx;
    }
    struct unit_slot *slot = ss->units[idx];
    if (slot->state == UNIT_SKIPPED && ss->late_check && is_late(ss, slot, e) &&
        start_late(ss, slot) < 0)
        return 0; /* only this unit failed; the scan goes on */
    if (slot->state != UNIT_PACKING)
        return 0; /* complete already, or left for later: data is skipped */
    if (slot->late && e->type != SOURCE_DIR) {
        /* directories all go in again (headers only), so a late file's new
         * parent is in its volume; files only when late */
        if (!is_late(ss, slot, e))
            return 0; /* read already */
        slot->late_files++;
    }
    struct limited_reader lr = {rd, rctx, ss->rs->rl_run, ss->rl,
                                ss->feed ? &ss->uncounted : &ss->prog->bytes};
    if (pack_unit_add(slot->u, e, rd ? limited_read : NULL, &lr) < 0) {
        finish_unit(ss, idx, 0);
        return -1;
    }
    return 0;
}

/* Warnings for tenants that are not there: a day directory with no tenant
 * at all, and tenants backed up for the day before that this day lacks.
 * Returns how many warnings it logged. */
static int missing_tenants(struct run_state *rs, struct src_state *ss)
{
    char prev[11], **had = NULL;
    int nhad = 0, warns = 0;

    if (ss->nunits == 0 && ss->nskip == 0) {
        char *dir = source_day_dir(ss->src, rs->opts->date);
        log_warn("source %s: day directory %s has no tenants: nothing backed up for %s",
                 ss->src->name, dir ? dir : "?", rs->opts->date);
        free(dir);
        warns++;
    }
    if (ss->src->tenant_rule == TENANT_FIXED || util_date_add(rs->opts->date, -1, prev) < 0 ||
        catalog_complete_tenants(rs->cat, prev, ss->src->name, &had, &nhad) < 0)
        return warns;
    for (int i = 0; i < nhad; i++) {
        int here = source_skipped((const char *const *)ss->skip, had[i]);
        for (int j = 0; !here && j < ss->nunits; j++)
            here = !strcmp(ss->units[j]->tenant, had[i]);
        if (!here) {
            char *shown = objkey_name_display(had[i]);
            log_warn("source %s: tenant %s was backed up for %s but is absent on %s", ss->src->name,
                     shown ? shown : "?", prev, rs->opts->date);
            free(shown);
            warns++;
        }
        free(had[i]);
    }
    free(had);
    return warns;
}

static void run_source(struct run_state *rs, const config_source_t *src, const run_feed_t *feed,
                       progress_t *prog)
{
    struct src_state ss;
    source_stats_t st;
    int rc;

    memset(&ss, 0, sizeof ss);
    ss.rs = rs;
    ss.src = src;
    ss.cur = -1;
    ss.eager = src->tenant_rule == TENANT_FIXED || src->tenant_dir == 1;
    ss.rl = ratelimit_new(src->bandwidth);
    ss.feed = feed;
    ss.prog = prog;
    ss.prog->started = util_now();
    atomic_store(&ss.prog->total, feed ? -1 : source_local_total(src, rs->opts->date));
    atomic_store(&ss.prog->state, PROGRESS_RUNNING);
    memset(&st, 0, sizeof st);
    rc = catalog_complete_tenants(rs->cat, rs->opts->date, src->name, &ss.skip, &ss.nskip);
    if (rc < 0)
        keep_error(&ss.error, "source %s: the catalog cannot be read (see the log)", src->name);
    if (rc == 0 && ss.nskip) {
        pthread_mutex_lock(&rs->mu);
        rs->units_skipped += ss.nskip;
        pthread_mutex_unlock(&rs->mu);
    }
    /* a local source walks its complete tenants too (stat only, nothing read
     * unless late); a remote one would send their bytes, and an import's
     * archive is read whole anyway: they skip them */
    ss.late_check = !src->host && !feed;
    if (rc == 0 && !(src->tenant_rule == TENANT_FIXED && ss.nskip && !ss.late_check))
        rc = feed ? feed->scan(feed->arg, src, (const char *const *)ss.skip, on_entry, &ss, &st,
                               ss.prog)
                  : source_scan(src, rs->opts->date,
                                ss.late_check ? NULL : (const char *const *)ss.skip, on_entry, &ss,
                                &st);
    for (int i = 0; i < ss.nunits; i++)
        finish_unit(&ss, i, rc == 0);
    if (feed)
        feed_units(&ss, rc == 0);
    else if (rc == 0)
        st.warnings += missing_tenants(rs, &ss);
    job_run_report_source(&ss, &st, rc);
    for (int i = 0; i < ss.nunits; i++) {
        free(ss.units[i]->tenant);
        free(ss.units[i]->error);
        job_late_free(ss.units[i]->known);
        free(ss.units[i]);
    }
    free(ss.error);
    free(st.error);
    for (int i = 0; i < ss.nskip; i++)
        free(ss.skip[i]);
    free(ss.skip);
    free(ss.units);
    ratelimit_free(ss.rl);
}

static void *source_thread(void *arg)
{
    struct run_state *rs = arg;

    for (;;) {
        const config_source_t *src;
        pthread_mutex_lock(&rs->mu);
        if (rs->opts->nfeeds > 0) { /* import: the feeds instead of the days */
            int i = rs->next_source < rs->opts->nfeeds ? rs->next_source++ : -1;
            pthread_mutex_unlock(&rs->mu);
            if (i < 0)
                return NULL;
            src = config_find_source(rs->cfg, rs->opts->feeds[i].source);
            if (src)
                run_source(rs, src, &rs->opts->feeds[i], &rs->prog[i]);
            continue;
        }
        while (rs->next_source < rs->cfg->nsources && rs->opts->only_source &&
               strcmp(rs->cfg->sources[rs->next_source].name, rs->opts->only_source))
            rs->next_source++;
        if (rs->next_source >= rs->cfg->nsources) {
            pthread_mutex_unlock(&rs->mu);
            return NULL;
        }
        src = &rs->cfg->sources[rs->next_source++];
        pthread_mutex_unlock(&rs->mu);
        run_source(rs, src, NULL, &rs->prog[src - rs->cfg->sources]);
    }
}

/* The next local time of day `secs` (seconds after midnight), 0 for none. */
static time_t compute_deadline(int secs)
{
    time_t now = time(NULL), t;
    struct tm tm;

    if (secs < 0)
        return 0;
    localtime_r(&now, &tm);
    tm.tm_hour = secs / 3600;
    tm.tm_min = secs / 60 % 60;
    tm.tm_sec = secs % 60;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    if (t <= now)
        t += 86400; /* the next occurrence: a run started at 22:00 with deadline 06:00 */
    return t;
}

static int note_offboarded(void *ctx, const char *const *col)
{
    (void)ctx;
    log_info("note: tenant %s was offboarded on %s (run %s): its units are skipped", col[0],
             col[1] ? col[1] : "?", col[2] ? col[2] : "?");
    return 0;
}

/* The catalog is a cache of the store: record every manifest it does not
 * know (a lost, replaced or new catalog; another host's runs) before any
 * unit is judged incomplete. */
static int sync_from_store(struct run_state *rs)
{
    job_sync_stats_t st;

    if (catalog_begin(rs->cat) < 0)
        return -1;
    if (job_sync_catalog(rs->store, rs->cat, 0, &st) < 0 || catalog_commit(rs->cat) < 0) {
        catalog_rollback(rs->cat);
        log_error("run: the catalog cannot be brought up to date from the store %s; nothing "
                  "was done",
                  rs->cfg->store.url);
        return -1;
    }
    if (st.manifests > 0)
        log_warn("catalog behind the store: synced %d unit(s) from %d manifest(s)", st.units,
                 st.manifests);
    if (!rs->opts->quiet)
        catalog_offboarded(rs->cat, note_offboarded, NULL);
    return 0;
}

void job_make_run_id(char *buf, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];

    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(buf, n, "%s-%05d", ts, (int)(getpid() % 100000));
}

int job_run_day(const config_t *cfg, const run_opts_t *o)
{
    struct run_state rs;
    int code = EXIT_FAIL, nthreads, run_open = 0, reported = 0, try_open = 1;
    int64_t start = (int64_t)time(NULL);
    const char *fail_what = "run";
    char fail_why[1024] = "";
    pthread_t *th = NULL;

/* What stopped the run before its first unit: the error just logged. */
#define PRERUN(what)                                                                               \
    (fail_what = (what), snprintf(fail_why, sizeof fail_why, "%s", log_last_error()))

    memset(&rs, 0, sizeof rs);
    pthread_mutex_init(&rs.mu, NULL);
    rs.cfg = cfg;
    rs.opts = o;
    job_make_run_id(rs.run_id, sizeof rs.run_id);
    if (o->only_source && !config_find_source(cfg, o->only_source)) {
        log_error("no source \"%s\" in %s", o->only_source, cfg->file);
        code = EXIT_USAGE;
        reported = 1; /* a command-line error, not a run: cli.c notifies it */
        goto out;
    }
    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN) {
        code = EXIT_USAGE;
        PRERUN("catalog");
        try_open = 0;
        goto out;
    }
    rs.store = store_open(cfg);
    if (!rs.store) {
        PRERUN("store");
        goto out;
    }
    rs.cat = catalog_open(cfg->catalog.path);
    if (!rs.cat) {
        PRERUN("catalog");
        try_open = 0;
        goto out;
    }
    if (store_cleanup(rs.store) < 0) {
        PRERUN("store");
        goto out;
    }
    rs.pool = pool_new(cfg->pack.threads);
    rs.rl_run = ratelimit_new(cfg->run.bandwidth);
    rs.sources = json_array();
    rs.units = json_array();
    rs.failures = json_array();
    rs.left = json_array();
    if (!rs.pool || !rs.rl_run || !rs.sources || !rs.units || !rs.failures || !rs.left)
        goto out;
    rs.deadline = compute_deadline(o->deadline_sec >= 0         ? o->deadline_sec
                                   : cfg->run.deadline_min >= 0 ? cfg->run.deadline_min * 60
                                                                : -1);
    rs.pp.store = rs.store;
    rs.pp.pool = rs.pool;
    rs.pp.codec = codec_kind_from_name(cfg->pack.compression);
    rs.pp.level = cfg->pack.level;
    rs.pp.volume_size = cfg->pack.volume_size;
    rs.pp.block_size = (size_t)cfg->pack.block_size;
    /* Sources scanned at once share the pool: each unit may keep its share
     * of 2 blocks per worker in flight (+2 so one is always being filled),
     * so memory is about (2 x threads + 2 x sources) blocks whatever the
     * data size. */
    {
        int n = o->nfeeds > 0 ? o->nfeeds : cfg->nsources;
        int p = o->nfeeds > 0 && o->parallel > 0 ? o->parallel : cfg->run.parallel_sources;
        int conc = p < n ? p : n;
        rs.pp.max_inflight = 2 * pool_size(rs.pool) / (conc > 0 ? conc : 1) + 2;
    }
    rs.pp.run_id = rs.run_id;
    rs.pp.encryption = &cfg->encryption; /* [encryption]: per-tenant age recipients */
    {
        int crashed = catalog_runs_mark_crashed(rs.cat, NULL);
        if (crashed < 0) {
            PRERUN("catalog");
            goto out;
        }
        if (crashed > 0)
            log_warn("%d earlier run(s) were killed while running: marked \"crashed\"", crashed);
    }
    if (sync_from_store(&rs) < 0) {
        PRERUN("store");
        goto out;
    }
    if (catalog_run_begin(rs.cat, rs.run_id, o->date) < 0) {
        PRERUN("catalog");
        goto out;
    }
    run_open = 1;
    log_info("run %s: date %s, %d %s, %d compression thread(s), store %s", rs.run_id, o->date,
             o->nfeeds > 0 ? o->nfeeds : cfg->nsources,
             o->nfeeds > 0 ? "archive(s) to import" : "source(s)", pool_size(rs.pool),
             cfg->store.url);

    /* import: feeds instead of sources, `parallel` of them at once */
    int nsrc = o->nfeeds > 0 ? o->nfeeds : cfg->nsources;
    int par = o->nfeeds > 0 && o->parallel > 0 ? o->parallel : cfg->run.parallel_sources;
    nthreads = par < nsrc ? par : nsrc;
    th = calloc((size_t)nthreads, sizeof *th);
    rs.prog = calloc((size_t)nsrc, sizeof *rs.prog);
    if (!th || !rs.prog)
        goto out;
    for (int i = 0; i < nsrc; i++)
        rs.prog[i].name = o->nfeeds > 0 ? o->feeds[i].source : cfg->sources[i].name;
    progress_display_t *display =
        !o->quiet && isatty(STDERR_FILENO) ? progress_start(rs.prog, nsrc) : NULL;
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, source_thread, &rs) != 0) {
            nthreads = i;
            break;
        }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    progress_stop(display);

    job_run_manifests(&rs);
    code = job_run_code(&rs);
    const char *mkey = rs.mkey;
    run_open = 0;
    if (catalog_run_end(rs.cat, rs.run_id, job_run_status(code), mkey, mkey ? rs.msha : NULL) < 0)
        log_error("run %s: its end could not be recorded in the catalog", rs.run_id);

    job_run_report(&rs, start, code);
    reported = 1;
out:
    if (run_open) /* failed before its end: never leave it "running" */
        catalog_run_end(rs.cat, rs.run_id, "failed", NULL, NULL);
    if (!reported && code != EXIT_OK)
        job_run_prerun_failed(&rs, start, code, fail_what, fail_why, try_open);
#undef PRERUN
    free(th);
    free(rs.prog);
    if (rs.pool)
        pool_free(rs.pool);
    ratelimit_free(rs.rl_run);
    json_decref(rs.sources);
    json_decref(rs.units);
    json_decref(rs.failures);
    json_decref(rs.left);
    catalog_free(rs.cat);
    store_free(rs.store);
    free(rs.mkey);
    pthread_mutex_destroy(&rs.mu);
    return code;
}
