/*
 * job_late.h — late files: what a complete unit read (the catalog's per-volume
 * file lists, index_file_list) against what its tenant directory holds now.
 * A regular file whose path the unit did not read, or whose size or mtime
 * differs from the newest copy it read, is late; job_run.c backs late files
 * up as further volumes of the unit, job_days.c revisits complete days of the
 * catch-up window that have any (docs/formats.md "Late files").
 */
#ifndef COLDPACK_JOB_LATE_H
#define COLDPACK_JOB_LATE_H

#include "catalog.h"
#include "config.h"
#include "source.h"

typedef struct job_late job_late_t;

/* What unit (date, source, tenant) read, from the catalog. Caller frees
 * (job_late_free). NULL when the catalog has no file list for the unit (a
 * unit from before file lists were kept) or on error (logged). *volumes,
 * *files and *bytes_in get the unit's catalog counts. */
job_late_t *job_late_load(catalog_t *c, const char *date, const char *source, const char *tenant,
                          int *volumes, int *files, int64_t *bytes_in);
/* 1 when entry e is a late file for the unit, 0 otherwise. */
int job_late_is_late(const job_late_t *k, const source_entry_t *e);
void job_late_free(job_late_t *k);

/* 1 when a local source of cfg holds, for date, a late file of a complete
 * unit or a tenant with no unit of a day that has complete units; 0 when
 * not (or the day directory is gone); -1 on a catalog error. Remote sources
 * are not probed (their whole day would cross the link). */
int job_late_probe(const config_t *cfg, catalog_t *c, const char *date);

#endif
