/*
 * job_run_int.h — internal to job_run.c and job_run_report.c: the state of
 * one run (struct run_state) and the run's reporting tail. The contract of
 * both is job.h.
 */
#ifndef COLDPACK_JOB_RUN_INT_H
#define COLDPACK_JOB_RUN_INT_H

#include "job.h"

#include "catalog.h"
#include "config.h"
#include "job_late.h"
#include "pack.h"
#include "pool.h"
#include "progress.h"
#include "ratelimit.h"
#include "source.h"
#include "store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

struct run_state {
    const config_t *cfg;
    const run_opts_t *opts;
    store_t *store;
    catalog_t *cat;
    pool_t *pool;
    pack_params_t pp;
    char run_id[64];
    ratelimit_t *rl_run;
    time_t deadline; /* 0 = none */

    pthread_mutex_t mu;
    int next_source;
    int warnings, failed_sources, units_done, units_skipped, units_failed, units_left;
    int64_t bytes_in, bytes_stored;
    json_t *sources;  /* summary per source */
    json_t *units;    /* summary per unit (source, tenant): outcome and error */
    json_t *failures; /* what failed and why, for the notification */
    json_t *left;     /* units not started because of the deadline */
    progress_t *prog; /* one per configured source */
    char *mkey;       /* this run's manifest, once written */
    char msha[65];
};

struct src_state;

/* Where a unit of this run stands. */
enum unit_state {
    UNIT_PACKING = 0, /* being packed (or about to be) */
    UNIT_SKIPPED,     /* complete in the catalog before this run */
    UNIT_DONE,        /* packed and recorded complete by this run */
    UNIT_FAILED,      /* failed; the next run redoes it */
    UNIT_LEFT,        /* not started: the deadline had passed */
};

struct unit_slot {
    struct src_state *ss;
    char *tenant;
    pack_unit_t *u;
    enum unit_state state;
    char *error; /* UNIT_FAILED: why, set where the failure was detected */
    int volumes, files;
    int64_t bytes_in, bytes_stored;
    /* late files (job_late.h): a complete unit continued by further volumes */
    job_late_t *known; /* what it read; NULL: unknown */
    int known_loaded;
    int late;       /* packing late files from volume base_volumes + 1 */
    int late_files; /* late files packed */
    int base_volumes, base_files;
    int64_t base_bytes;
};

struct src_state {
    struct run_state *rs;
    const config_source_t *src;
    ratelimit_t *rl;
    struct unit_slot **units; /* each slot allocated once: pack callbacks hold it */
    int nunits;
    size_t cap;
    int cur;   /* index of the unit being packed, -1 none */
    int eager; /* tenants are contiguous: finish a unit when the next starts */
    progress_t *prog;
    char **skip; /* tenants complete before the scan (NULL-terminated) */
    int nskip;
    const run_feed_t *feed;    /* import: what is read instead of the day, else NULL */
    _Atomic int64_t uncounted; /* a feed's delivered bytes (its progress is its own) */
    int late_check;            /* complete tenants are walked (stat only) for late files */
    char *error;               /* the source failed outside any unit: why (first cause) */
};

/* The summary of one source once its units are finished (run_source): its
 * counts into the run's, its units and its failures into the run's JSON
 * summary, the source line on the console. rc: the scan's result. Called
 * by the source's thread; takes rs->mu. */
void job_run_report_source(struct src_state *ss, source_stats_t *st, int rc);

/* The exit code of a run from its counts, and its status word in the catalog. */
int job_run_code(const struct run_state *rs);
const char *job_run_status(int code);

/* The manifest lists what this run wrote; a run that wrote nothing adds
 * none. Runs killed before writing theirs get theirs first, so every
 * committed object ends up in the chain. A failure is counted as a failed
 * unit and added to rs->failures. After the source threads are joined. */
void job_run_manifests(struct run_state *rs);

/* The end of a run that reached its units: the console summary (unless
 * quiet), why it failed into the catalog, the JSON summary to the notifiers
 * and the metrics file. code: job_run_code's. */
void job_run_report(struct run_state *rs, int64_t start, int code);

/* A run that failed before its first unit (lock held, store or catalog
 * unusable): recorded "failed" in the catalog when it can be opened (its
 * own, or try_open and the file is not foreign), notified with what failed
 * and why, and its metrics written. */
void job_run_prerun_failed(struct run_state *rs, int64_t start, int code, const char *what,
                           const char *why, int try_open);

#endif
