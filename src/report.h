/*
 * report.h — `coldpack report --html`: one self-contained HTML file (inline
 * CSS and SVG, no script, no external asset) about the last nights: bytes
 * read and stored and run duration per night, tenants and sources, failed
 * and warned runs, missing nights, storage growth and estimate.c's cost
 * projection. Every name from the catalog is HTML-escaped; bytes that are
 * not UTF-8 are shown as \xNN.
 */
#ifndef COLDPACK_REPORT_H
#define COLDPACK_REPORT_H

#include "catalog.h"
#include "config.h"

#include <stdio.h>

/* Write the report for the `days` nights ending at until (YYYY-MM-DD) to
 * path, atomically (temp file in the same directory, then rename), mode
 * 0600. Reads the catalog only. Returns 0, or -1 after logging. Not
 * thread-safe only in that two calls must not write the same path. */
int report_write(catalog_t *c, const config_t *cfg, const char *path, const char *until, int days);

/* s as valid UTF-8: every byte that is not part of a valid UTF-8 sequence,
 * and every C0 control and DEL, becomes the four characters \xNN (a
 * literal backslash is left as it is). Returns a malloc'd string the caller frees, NULL on OOM.
 * Thread-safe. */
char *report_utf8_sanitize(const char *s);

/* Write s to f HTML-escaped (& < > " ' and report_utf8_sanitize()'s
 * treatment). Thread-safe for distinct f. */
void report_html_escape(FILE *f, const char *s);

#endif
