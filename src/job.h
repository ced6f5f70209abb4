/*
 * job.h — the jobs above the pipeline: run (daily backup), restore, verify,
 * catalog rebuild. Each returns an exit code from the table below (only main
 * exits). docs/exit-codes.md says when each is returned and what the
 * operator does; README.md and `coldpack --help` summarise it.
 */
#ifndef COLDPACK_JOB_H
#define COLDPACK_JOB_H

#include "config.h"
#include "progress.h"
#include "source.h"

#include <jansson.h>

enum exit_code {
    EXIT_OK = 0,      /* everything done */
    EXIT_FAIL = 1,    /* failure: nothing or not everything could be done; also an
                         operator declining the restore prompt ("restore cancelled") */
    EXIT_USAGE = 2,   /* bad command line or configuration (usage printed on stderr);
                         also restore off a terminal without --yes */
    EXIT_WARN = 3,    /* done, with warnings (files unreadable, changed while read,
                         entries refused on restore) */
    EXIT_PARTIAL = 4, /* some units failed (a source down); rerun completes them */
    EXIT_LOCKED = 5,  /* another run holds the lock */
    EXIT_PENDING = 6, /* restore: waiting for cold objects to thaw; run again later */
    EXIT_CORRUPT = 7, /* verify/restore found corrupt or missing data */
    EXIT_STORE = 8,   /* the store failed (transport, permission, disk full): nothing
                         is known to be corrupt; the same command again may succeed */
};

/* A feed replaces a configured source's day by something else to read (an
 * archive, for `import`): the run scans feed->source with scan() instead of
 * source_scan, and the progress line shows what scan() puts in prog->bytes
 * and prog->total (the run then does not count the bytes delivered there).
 * scan() runs on a source thread of the run; feeds run concurrently. */
typedef struct run_feed {
    const char *source; /* name of a configured source: tenant rule, layout */
    int (*scan)(void *arg, const config_source_t *src, const char *const *skip, source_entry_fn fn,
                void *ctx, source_stats_t *st, progress_t *prog);
    void *arg;
} run_feed_t;

/* Options of one run; strings are borrowed (argv) for the job's duration. */
typedef struct run_opts {
    const char *date;        /* YYYY-MM-DD; with until: the first day of a range */
    const char *until;       /* last day of a range (--from D --until D), NULL = one day */
    int catch_up;            /* no --date: also complete the incomplete days of the last
                                [run] catch_up_days, oldest first */
    const char *only_source; /* NULL = all */
    int deadline_sec;        /* seconds after local midnight, -1 = from the config */
    int quiet;               /* global -q: no per-unit lines, summary or progress bar;
                                warnings and errors still print (log level) */
    /* import (job_import.c): with nfeeds > 0 the run reads feeds[0..nfeeds)
     * instead of the configured sources' days, up to `parallel` at once (0 =
     * [run] parallel_sources); only_source is ignored. */
    const run_feed_t *feeds;
    int nfeeds, parallel;
    /* NULL, or called once the scans ended: what this run's manifest records
     * as "import" (a new reference, or NULL for nothing). */
    json_t *(*provenance)(void *arg);
    void *provenance_arg;
} run_opts_t;

/* A new run id, "YYYYMMDDTHHMMSSZ-PID" (UTC start, pid mod 100000), into buf
 * (job_run.c; prune and offboard use it too). */
void job_make_run_id(char *buf, size_t n);

/* Back up o->date, or the days of a range / catch-up (job_days.c). */
int job_run(const config_t *cfg, const run_opts_t *o);
/* Back up exactly one day, o->date (job_run.c; o->until and o->catch_up are
 * ignored). The caller holds the run lock (cli.c, CMD_LOCK); not to be
 * called concurrently. */
int job_run_day(const config_t *cfg, const run_opts_t *o);
/* A run refused before it started (code: EXIT_LOCKED when the lock is held):
 * recorded "failed" with what/why in the catalog when it can be opened,
 * notified, and its metrics written — as any run that fails early. */
void job_run_refused(const config_t *cfg, const run_opts_t *o, int64_t start, int code,
                     const char *what, const char *why);

/* Options of import; strings are borrowed (argv). */
typedef struct import_opts {
    const char *date;   /* YYYY-MM-DD */
    const char *source; /* default source of plain FILE operands; NULL = none */
    int force;          /* import a day already past [retention] days */
    int jobs;           /* archives read at once, 0 = [run] parallel_sources */
    int quiet;          /* global -q */
    char **files;       /* operands: FILE, -, or SOURCE=FILE */
    int nfiles;
} import_opts_t;

/* Re-pack existing per-machine tar archives into the day's units, committed
 * exactly as a run's (job_import.c; takes the run lock through job_run_day).
 * Returns an exit code like run's; EXIT_USAGE for a day past retention
 * without force, an unknown source, or one source given twice. */
int job_import(const config_t *cfg, const import_opts_t *o);

/* Options of one restore; strings are borrowed (argv) for the job's duration. */
#define RESTORE_MAX_IDENTITIES 16

typedef struct restore_opts {
    const char *tenant;
    const char *from, *to; /* inclusive dates: --from and --until (or --date for both) */
    const char *source;    /* NULL = all */
    const char *glob;      /* NULL = all files */
    const char *target;    /* --to DIR (or --target DIR) */
    const char *tier;      /* Bulk | Standard | Expedited */
    int days;              /* how long restored copies stay readable */
    int yes;               /* proceed without asking; without it restore asks on a terminal */
    int wait;
    int dry_run;
    int overwrite;  /* replace files already in the target (else they are refused) */
    int same_owner; /* restore archived owners (root only; cmd_restore checks) */
    const char *identities[RESTORE_MAX_IDENTITIES]; /* --identity FILE (age identities) */
    int nidentities;
    int partial;          /* --partial: restore what verified, name the rest, exit 3 */
    int list;             /* `restore list` / --list: show the restore jobs */
    int transfer_private; /* --transfer private: no data-transfer-out charge */
    int json;             /* --json (only with --dry-run): the plan as one JSON document */
} restore_opts_t;

int job_restore(const config_t *cfg, const restore_opts_t *o);
/* Options of verify; strings are borrowed (argv). */
typedef struct verify_opts {
    int deep;
    const char *from, *until; /* inclusive dates; NULL = open */
    const char *tenant;       /* NULL = all */
    const char *bundle;       /* --bundle DIR: check an audit bundle instead */
} verify_opts_t;

/* Cross-check chain, store and catalog within o's scope (job_verify.c);
 * read-only, safe during a run. Returns 0, 2, 6, 7 or 8 (docs/exit-codes.md). */
int job_verify(const config_t *cfg, const verify_opts_t *o);

/* Options of `coldpack audit` (job_audit.c); strings borrowed (argv). */
typedef struct audit_opts {
    const char *date;   /* YYYY-MM-DD */
    const char *tenant; /* NULL = all */
    const char *out;    /* bundle directory, created 0700; must not exist */
} audit_opts_t;

/* Write the proof bundle of day o->date (docs/audit.md). Read-only on the
 * store. Returns 0, 1, 7 (bundle written, but an object is missing or the
 * chain is broken: named on stdout and in summary.txt) or 8. */
int job_audit(const config_t *cfg, const audit_opts_t *o);
/* Re-check the bundle in dir against itself and the store. Returns 0, 1, 7
 * (a claim does not hold; each named on stdout) or 8. */
int job_audit_verify_bundle(const config_t *cfg, const char *dir);

/* Options of `coldpack check` (job_check.c). */
typedef struct check_opts {
    const char *date; /* YYYY-MM-DD of the day directories to look for */
    int notify_test;  /* send a test message through [notify] */
    int timeout_sec;  /* per target, default 20 */
} check_opts_t;

/* Contact the store, every source, the catalog (and the notifiers with
 * notify_test) in parallel; print a table on stdout. EXIT_FAIL for any FAIL
 * row, EXIT_WARN for warnings only, else EXIT_OK. */
int job_check(const config_t *cfg, const check_opts_t *o);
/* Recreate the catalog from the attested manifest chain under the run lock
 * (job_rebuild.c); on a store read error the catalog is left unchanged. */
int job_rebuild(const config_t *cfg);

struct store;
struct catalog;

typedef struct job_sync_stats {
    int manifests;    /* manifests newly recorded (runs) */
    int runs;         /* run rows written */
    int units;        /* units recorded complete */
    int objects;      /* data + index objects recorded */
    int unattested;   /* objects under tenant= that no chain manifest lists (full only) */
    int problems;     /* inconsistencies reported (printed) */
    int store_errors; /* store read failures (the sync was aborted) */
} job_sync_stats_t;

/* Bring catalog c up to date from the store s (job_rebuild.c): full = every
 * manifest and unit (c should be empty: rebuild, in the caller's
 * transaction); otherwise only manifests c does not know and the units they
 * complete. Only objects attested by the verified manifest chain count.
 * Returns 0, or -1 (store error or catalog failure; the caller rolls back).
 * The caller holds the run lock; not thread-safe against other writers. */
int job_sync_catalog(struct store *s, struct catalog *c, int full, job_sync_stats_t *st);

#endif
