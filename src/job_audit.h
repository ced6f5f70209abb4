/*
 * job_audit.h — what the two halves of the audit job share: job_audit.c
 * writes a bundle (`coldpack audit`), job_audit_verify.c re-checks one
 * (`verify --bundle`). The jobs themselves are declared in job.h.
 */
#ifndef COLDPACK_JOB_AUDIT_H
#define COLDPACK_JOB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/* bundle.json's "format" */
#define JOB_AUDIT_FORMAT "coldpack-audit-bundle-1"

/* 1 when rel is a bundle-relative file name job_audit.c could have written:
 * [dir/]name of [A-Za-z0-9._=-], no "..", no leading dot. Pure. */
int job_audit_safe_rel(const char *rel);
/* Read a whole file (at most 256 MiB) into *out (caller frees). 0, or -1
 * with errno. Thread-safe. */
int job_audit_read_file(const char *path, unsigned char **out, size_t *n);
/* ISO 8601 UTC ("2026-12-02T10:00:00Z", fractions ignored) -> epoch
 * seconds, -1 when not a date. Pure. */
int64_t job_audit_iso_epoch(const char *s);

#endif
