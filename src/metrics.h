/*
 * metrics.h — Prometheus textfile-collector metrics of the last run
 * ([run] metrics_file, e.g. /var/lib/node_exporter/textfile/coldpack.prom).
 *
 * After each run (also one that failed before its first unit) the file is
 * replaced atomically: written to "<path>.tmp.<pid>", fsync'd, renamed over
 * path, mode 0644 (node_exporter runs as another user; the file holds
 * figures and source names, no secrets). Samples:
 *   coldpack_last_success_timestamp_seconds  end of the newest run that ended
 *                                            ok or with warnings (omitted when none)
 *   coldpack_last_run_timestamp_seconds      end of this run
 *   coldpack_run_duration_seconds            this run's duration
 *   coldpack_last_exit_code                  this run's exit code
 *   coldpack_bytes_read_total{source}        bytes read from the source by this run
 *   coldpack_bytes_stored_total{source}      bytes stored for it by this run
 *   coldpack_units{source,outcome}           this run's units: done, skipped
 *                                            (already complete), failed, left
 *   coldpack_days_incomplete                 days of the catch-up window whose
 *                                            newest run did not complete (omitted
 *                                            when the catalog could not be read)
 * Every metric is a gauge (the _total ones are this run's figures, not
 * counters across runs); label values are escaped per the text exposition
 * format (backslash, double quote, newline).
 */
#ifndef COLDPACK_METRICS_H
#define COLDPACK_METRICS_H

#include <jansson.h>
#include <stdint.h>

typedef struct metrics_run {
    int64_t start, end;   /* Unix seconds */
    int exit_code;        /* enum exit_code */
    int64_t last_success; /* Unix seconds, 0 = none known */
    int days_incomplete;  /* -1 = unknown */
    /* per source: [{"name", "bytes_read", "bytes_stored", "units_done",
     * "units_skipped", "units_failed", "units_left"}], may be NULL */
    const json_t *sources;
} metrics_run_t;

/* The text of the metrics file (malloc'd), NULL when out of memory.
 * Thread-safe. */
char *metrics_format(const metrics_run_t *m);
/* Escape a label value per the exposition format into out (outsz bytes,
 * truncated safely). Thread-safe. */
void metrics_escape_label(const char *v, char *out, size_t outsz);
/* Write text to path atomically (tmp + fsync + rename, mode 0644). 0, or
 * -1 after logging a warning (a metrics file never changes a run's result). */
int metrics_write(const char *path, const char *text);
/* coldpack_last_success_timestamp_seconds of the file at path, 0 when the
 * file or the sample is missing. */
int64_t metrics_read_last_success(const char *path);

#endif
