/*
 * job_import.c — `coldpack import`: existing per-machine tar archives (made
 * before coldpack, one per source and day) re-packed into the day's units.
 *
 * An import is a run whose sources' days are replaced by archives: each
 * archive becomes a feed (job.h) of job_run_day, read by source_tar_scan on
 * one of the run's source threads, so its units are packed, committed,
 * catalogued and chained in a manifest by exactly the code of a nightly run
 * (lock, catalog sync, leftovers, skipping of complete units, summary,
 * notify). Nothing of the commit path is repeated here. What import adds:
 *
 *  - the operands: FILE or "-" (stdin) for --source, or SOURCE=FILE for a
 *    configured SOURCE, so several machines' archives of one day are read
 *    in parallel (--jobs N); each source at most once, since two archives of
 *    one (source, date) would write the same units;
 *  - retention: a day already past [retention] days is refused (exit 2)
 *    unless --force, since it would be stored only to be expired;
 *  - provenance: each archive's basename, size and SHA-256 (hashed by the
 *    source while streaming: the bytes unpacked are the bytes hashed) are
 *    recorded in the run's manifest as "import" and printed.
 *
 * An archive is not a sorted walk: a tenant may come back after its unit was
 * packed, or the file may be cut. job_run therefore records a feed's units
 * complete only once the whole archive was read (feed_units); otherwise
 * nothing of that archive counts, and the next import redoes it.
 *
 * A second import of the same archive finds every unit complete and writes
 * nothing to the store (the archive is still read, to hash it).
 */
#include "job.h"

#include "log.h"
#include "source.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct import_item {
    const char *source; /* configured source (borrowed: config or argv) */
    const char *name;   /* the archive's basename, or "stdin" */
    int64_t size;       /* file size for the ETA, -1 for stdin / a pipe */
    source_tar_t tar;   /* path, and the provenance once read */
    int scanned;        /* its scan started */
};

struct provenance_arg {
    const import_opts_t *o;
    const struct import_item *items;
};

/* run_feed_t.scan: read the archive as src's day. */
static int import_scan(void *arg, const config_source_t *src, const char *const *skip,
                       source_entry_fn fn, void *ctx, source_stats_t *st, progress_t *prog)
{
    struct import_item *it = arg;

    it->scanned = 1;
    atomic_store(&prog->total, it->size);
    it->tar.read = &prog->bytes;
    return source_tar_scan(src, &it->tar, skip, fn, ctx, st);
}

/* The manifest's "import": one object per archive whose scan started. */
static json_t *import_provenance(void *arg)
{
    const struct provenance_arg *pa = arg;
    const import_opts_t *o = pa->o;
    const struct import_item *items = pa->items;
    json_t *a = json_array();

    for (int i = 0; a && i < o->nfiles; i++) {
        const struct import_item *it = &items[i];
        json_t *p;
        if (!it->scanned)
            continue;
        /* an archive cut or unreadable part-way: units finished before the
         * failure are committed, so name it, without a hash of half a file */
        if (it->tar.complete)
            p = json_pack("{s:s, s:s, s:s, s:I}", "source", it->source, "archive", it->name,
                          "sha256", it->tar.sha256, "bytes", (json_int_t)it->tar.bytes);
        else
            p = json_pack("{s:s, s:s, s:b}", "source", it->source, "archive", it->name, "complete",
                          0);
        if (json_array_append_new(a, p) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Today (local time) after date + days: the day is past retention. */
static int past_retention(const char *date, int days)
{
    char until[11], today[11];
    time_t now = time(NULL);
    struct tm tm;

    if (util_date_add(date, days, until) < 0)
        return 0;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    return strcmp(until, today) < 0;
}

/* Split the operands into items; -1 (named on stderr) for a usage error. */
static int plan(const config_t *cfg, const import_opts_t *o, struct import_item *items)
{
    int nstdin = 0;

    for (int i = 0; i < o->nfiles; i++) {
        struct import_item *it = &items[i];
        char *arg = o->files[i], *eq = strchr(arg, '=');
        const config_source_t *src = NULL;

        it->tar.path = arg;
        if (eq) { /* SOURCE=FILE, when SOURCE is a configured source */
            *eq = 0;
            src = config_find_source(cfg, arg);
            if (src) {
                it->tar.path = eq + 1;
                it->source = src->name;
            }
            *eq = '=';
        }
        if (!it->source) {
            if (!o->source) {
                log_error("import: %s: no --source, and not SOURCE=FILE with a source of %s", arg,
                          cfg->file);
                return -1;
            }
            if (!config_find_source(cfg, o->source)) {
                log_error("import: no source \"%s\" in %s", o->source, cfg->file);
                return -1;
            }
            it->source = o->source;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(items[j].source, it->source)) {
                log_error("import: source %s is given two archives for %s (%s and %s); import "
                          "them one at a time with different dates, or one archive per source",
                          it->source, o->date, items[j].tar.path, it->tar.path);
                return -1;
            }
        if (!strcmp(it->tar.path, "-")) {
            if (nstdin++) {
                log_error("import: standard input (-) given twice");
                return -1;
            }
            it->name = "stdin";
            it->size = -1;
            continue;
        }
        const char *sl = strrchr(it->tar.path, '/');
        it->name = sl ? sl + 1 : it->tar.path;
        struct stat sb;
        if (stat(it->tar.path, &sb) < 0) {
            log_error("import: %s: %s", it->tar.path, strerror(errno));
            return -2;
        }
        if (S_ISDIR(sb.st_mode)) {
            log_error("import: %s is a directory, not an archive (use run for a directory)",
                      it->tar.path);
            return -1;
        }
        it->size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
    }
    return 0;
}

int job_import(const config_t *cfg, const import_opts_t *o)
{
    struct import_item *items = calloc((size_t)o->nfiles, sizeof *items);
    run_feed_t *feeds = calloc((size_t)o->nfiles, sizeof *feeds);
    int code = EXIT_FAIL, r;

    if (!items || !feeds) {
        log_error("import: out of memory");
        goto out;
    }
    r = plan(cfg, o, items);
    if (r < 0) {
        code = r == -1 ? EXIT_USAGE : EXIT_FAIL;
        goto out;
    }
    if (past_retention(o->date, cfg->retention.days)) {
        if (!o->force) {
            log_error("import: %s is past retention ([retention] days = %d): it would be "
                      "expired at once; nothing imported (--force imports it anyway)",
                      o->date, cfg->retention.days);
            code = EXIT_USAGE;
            goto out;
        }
        log_warn("import: %s is past retention ([retention] days = %d): imported (--force)",
                 o->date, cfg->retention.days);
    }
    for (int i = 0; i < o->nfiles; i++) {
        feeds[i].source = items[i].source;
        feeds[i].scan = import_scan;
        feeds[i].arg = &items[i];
    }
    struct provenance_arg parg = {o, items};
    run_opts_t ro = {0};
    ro.date = o->date;
    ro.deadline_sec = -1; /* [run] deadline applies: what is left, a rerun completes */
    ro.quiet = o->quiet;
    ro.feeds = feeds;
    ro.nfeeds = o->nfiles;
    ro.parallel = o->jobs;
    ro.provenance = import_provenance;
    ro.provenance_arg = &parg;
    code = job_run_day(cfg, &ro);
    for (int i = 0; i < o->nfiles && !o->quiet; i++) {
        const struct import_item *it = &items[i];
        if (!it->scanned) {
            if (code == EXIT_OK) /* tenant = fixed: its one unit is complete */
                printf("import %s/%s: archive %s not read: the source's units of the day are "
                       "complete\n",
                       o->date, it->source, it->name);
            continue;
        }
        if (it->tar.complete)
            printf("import %s/%s: archive %s, %lld bytes, sha256 %s\n", o->date, it->source,
                   it->name, (long long)it->tar.bytes, it->tar.sha256);
        else
            printf("import %s/%s: archive %s: NOT completely read (see the log)\n", o->date,
                   it->source, it->name);
    }
    fflush(stdout);
out:
    free(items);
    free(feeds);
    return code;
}
