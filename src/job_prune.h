/*
 * job_prune.h — explicit expiry (job_prune.c): `prune` deletes the units past
 * [retention] days and `tenant offboard` a tenant's objects; each deletion is
 * recorded as tombstones in the manifest chain (docs/formats.md
 * "Tombstones"), so verify stays green and says what is gone. Objects whose
 * delete the store refuses (Object Lock) are kept and retried by a later
 * prune. Both take the run lock.
 */
#ifndef COLDPACK_JOB_PRUNE_H
#define COLDPACK_JOB_PRUNE_H

#include "job.h"

typedef struct prune_opts {
    int dry_run; /* list what would be deleted; change nothing */
    int yes;     /* delete without asking (required off a terminal) */
    int quiet;   /* global -q: only warnings, errors */
} prune_opts_t;

typedef struct offboard_opts {
    const char *tenant;
    int shred;       /* destroy the tenant's identities known to coldpack */
    int yes;         /* required off a terminal */
    const char *out; /* directory of the deletion certificate; NULL = "." */
    int quiet;
} offboard_opts_t;

/* Delete every unit whose date + [retention] days < today ($COLDPACK_TODAY
 * or the clock), and what is left of offboarded tenants. Returns 0, 3 (some
 * objects kept: delete refused), 1, 2 (no --yes off a terminal), 5 or 8. */
int job_prune(const config_t *cfg, const prune_opts_t *o);

/* Exclude o->tenant from future runs (a tombstone every host syncs),
 * delete its objects the store lets go, schedule the rest for prune, with
 * shred destroy its identities; write the deletion certificate (JSON and
 * text, 0600) to o->out. Returns like job_prune. */
int job_offboard(const config_t *cfg, const offboard_opts_t *o);

#endif
