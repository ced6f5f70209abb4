/*
 * s3_page.c — walks the pages of an S3 listing (s3_page.h).
 *
 * Design: fetch page, parse it (the caller's consumer sees each item), then
 * build the next query from the first page's query and the markers the page
 * named. A page truncated without a marker, or naming the same markers as the
 * page before it, ends the walk with an error: following it would loop
 * forever. No state outlives a call.
 */
#include "s3_page.h"

#include "log.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

/* The query of the next page: the first page's plus its markers. */
static char *page_query(const s3_page_opts_t *pg, char *const next[2])
{
    strbuf_t q = STRBUF_INIT(0);
    int bad = strbuf_addstr(&q, pg->query);
    for (int i = 0; i < 2 && !bad; i++) {
        if (!pg->marker[i] || !next[i])
            continue;
        char *e = s3_qenc(next[i]);
        bad = !e || strbuf_addf(&q, "&%s=%s", pg->marker[i], e) != 0;
        free(e);
    }
    if (bad) {
        strbuf_release(&q);
        return NULL;
    }
    return strbuf_detach(&q, NULL);
}

static int same_markers(char *const a[2], char *const b[2])
{
    for (int i = 0; i < 2; i++)
        if ((a[i] == NULL) != (b[i] == NULL) || (a[i] && strcmp(a[i], b[i]) != 0))
            return 0;
    return 1;
}

int s3_page_walk(const s3_page_opts_t *pg)
{
    char *next[2] = {NULL, NULL}, *prev[2] = {NULL, NULL};
    int rc = S3_ERR;
    for (int page = 1;; page++) {
        char *q = page_query(pg, next);
        if (!q) {
            log_error("%s: %s: out of memory", pg->label, pg->what);
            goto out;
        }
        s3_response_t resp;
        int r = pg->fetch(pg->fetch_ctx, q, &resp);
        free(q);
        if (r != S3_OK) {
            s3_response_free(&resp);
            rc = r;
            goto out;
        }
        for (int i = 0; i < 2; i++) {
            free(prev[i]);
            prev[i] = next[i];
            next[i] = NULL;
        }
        int trunc = 0;
        int pr = pg->parse(pg->parse_ctx, resp.body, resp.body_len, &trunc, next);
        s3_response_free(&resp);
        if (pr == 1 || (pr == 0 && !trunc)) {
            rc = S3_OK;
            goto out;
        }
        if (pr != 0) {
            log_error("%s: %s: unreadable answer (page %d)", pg->label, pg->what, page);
            goto out;
        }
        if (!next[0] && !next[1]) {
            log_error("%s: %s: truncated answer without a continuation marker (page %d)", pg->label,
                      pg->what, page);
            goto out;
        }
        if (page > 1 && same_markers(next, prev)) {
            log_error("%s: %s: the service repeated its continuation marker (page %d); "
                      "stopping instead of looping",
                      pg->label, pg->what, page);
            goto out;
        }
    }
out:
    for (int i = 0; i < 2; i++) {
        free(next[i]);
        free(prev[i]);
    }
    return rc;
}
