/*
 * job_restore.h — internal to job_restore.c and job_restore_plan.c: the
 * state of one restore job, shared by its steps, and the planning steps
 * (catalog rows to objects, price, consent) job_restore.c runs. The
 * contract is job.h.
 */
#ifndef COLDPACK_JOB_RESTORE_H
#define COLDPACK_JOB_RESTORE_H

#include "job.h"

#include "age.h"
#include "catalog.h"
#include "store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct obj {
    char *key, *index_key, *sha256, *date, *source, *tenant;
    char *index_sha256; /* from the catalog's index row, or NULL */
    int64_t index_size;
    int volno;
    int64_t size; /* -1: dropped by the --path filter */
    json_t *index;
    int bad; /* failed verification or decoding (named by --partial) */
};

/* The state of one restore job, shared by its steps. */
struct rjob {
    const config_t *cfg;
    const restore_opts_t *o;
    store_t *s;
    catalog_t *c;
    struct obj *v;
    size_t n, cap, nsel; /* objects; nsel of them selected */
    int64_t bytes;       /* of the selected objects */
    char *staging;       /* name of our staging directory in the target */
    age_identity_t *ids; /* from --identity files */
    size_t nids;
    int targetfd, stagefd;
    int refused, corrupt;
    int bad_row;       /* a catalog row was rejected: the plan is incomplete */
    int64_t tar_bytes; /* what the selected volumes unpack to (index tar_size, else size) */
    int64_t largest;   /* the largest selected object: the spool holds one at a time */
    int64_t eta_secs;  /* the slowest thaw of the plan's tier and classes (0: none cold) */
    int64_t job_id;    /* the tracked restore job (catalog restore_jobs), 0 when none */
    int nready;        /* selected objects readable now (last thaw pass) */
    /* --json (--dry-run only): what the plan prints, gathered for one document */
    json_t *jobjects;  /* [{key, date, source, volume, size, storage_class, state, ...}] */
    json_t *jwarnings; /* [{day or object, message}] */
    double cost_retrieval, cost_requests, cost_transfer;
    int64_t space_free; /* bytes free at the target, -1 when unknown */
    int ncold;          /* selected objects still needing a thaw */
};

/* Under --json: one warning {field: name, message} for the document. */
void job_restore_plan_warning(struct rjob *j, const char *field, const char *name,
                              const char *message);

/* Under --json: print the plan as one JSON document on stdout. Exit code. */
int job_restore_plan_json(struct rjob *j);

void job_restore_plan_free(struct rjob *j);

/* An encrypted object that none of the --identity files opens. */
void job_restore_plan_no_key_error(const struct rjob *j, const char *key, const char *tenant);

/* Read the --identity files. 0 or -1 (logged). */
int job_restore_plan_load_identities(struct rjob *j);

/* Catalog query, indexes, --path filter, the plan line. Exit code or -1 to go on. */
int job_restore_plan_build(struct rjob *j);

/* Each selected object with its thaw state, then the cost. Exit code or -1. */
int job_restore_plan_price(struct rjob *j);

/* Free space at the target (statvfs of it, or of its nearest existing
 * parent) against tar_bytes + largest; refuses (EXIT_FAIL, both numbers
 * named) when short, except under --dry-run (a warning). Exit code or -1. */
int job_restore_plan_space(struct rjob *j);

/* -1 to proceed; EXIT_USAGE off a terminal without --yes; EXIT_FAIL when
 * the operator declines (anything but y, or end of input). */
int job_restore_plan_confirm(const restore_opts_t *o);

#endif
