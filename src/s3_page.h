/*
 * s3_page.h — the one paginator of S3's listings (ListObjectsV2's
 * continuation token, ListMultipartUploads' key and upload-id markers).
 * The caller supplies how to fetch a page and how to parse one; this walks
 * the pages and refuses a service that would make it loop.
 */
#ifndef COLDPACK_S3_PAGE_H
#define COLDPACK_S3_PAGE_H

#include "s3.h"

#include <stddef.h>

/* One page of a listing: parse body, handing each item to the caller's
 * consumer; set *truncated and the next page's markers (malloc'd, NULL when
 * absent; next[i] goes with s3_page_opts_t.marker[i]). Returns 0, 1 when the
 * consumer stopped the listing, -1 when the body is unreadable. */
typedef int (*s3_page_parse_fn)(void *ctx, const char *body, size_t len, int *truncated,
                                char *next[2]);
/* Fetch one page: GET the bucket with this (encoded) query. An s3_rc. */
typedef int (*s3_page_fetch_fn)(void *ctx, const char *query, s3_response_t *resp);

typedef struct s3_page_opts {
    const char *label;     /* for messages: the store url */
    const char *what;      /* for messages: "listing cp/x/" */
    const char *query;     /* the first page's query, encoded */
    const char *marker[2]; /* query names of the next-page markers, NULL when unused */
    s3_page_fetch_fn fetch;
    void *fetch_ctx;
    s3_page_parse_fn parse;
    void *parse_ctx;
} s3_page_opts_t;

/* Walk every page of a listing: fetch, parse, follow the markers. Returns
 * S3_OK when the listing ended or the consumer stopped it; the fetch's rc
 * when a fetch failed (the fetch logged it); S3_ERR after logging when a page
 * is unreadable, is truncated without a marker, or names the same markers as
 * the page before it (a service that would make us loop forever).
 * Thread-safe when fetch and parse are. */
int s3_page_walk(const s3_page_opts_t *pg);

#endif
