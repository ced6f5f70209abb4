/*
 * store_s3_audit.c — the S3 store's read-only audit operations (store.h
 * audit_head, bucket_info): what S3 itself says about an object's version
 * and retention lock, and the bucket's Object Lock, lifecycle and versioning
 * configuration, for `coldpack audit`, `verify --bundle` and `init`'s report.
 *
 * audit_head is one HeadObject (never a GET: it neither thaws nor reads an
 * archived object) whose x-amz-version-id, x-amz-object-lock-mode and
 * x-amz-object-lock-retain-until-date are returned verbatim, with the
 * store_info_t of store_s3_head (the SHA-256 of a multipart object is its
 * tag, one more GET ?tagging). bucket_info keeps the three configuration
 * documents raw (an auditor compares them byte for byte) and parses only the
 * few fields coldpack reports. Kept apart from store_s3_admin.c, which
 * changes the bucket: nothing here writes.
 */
#include "store_s3.h"

#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_s3_audit_head(store_t *st, const char *rel, store_audit_t *out)
{
    store_s3_t *s = (store_s3_t *)st;
    s3_response_t resp;
    memset(out, 0, sizeof *out);
    char *k = store_s3_key(s, rel);
    if (!k)
        return STORE_ERR;
    int rc = store_s3_call(s, "HEAD", k, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    if (rc == S3_OK) {
        snprintf(out->version_id, sizeof out->version_id, "%s", resp.version_id);
        snprintf(out->lock_mode, sizeof out->lock_mode, "%s", resp.lock_mode);
        snprintf(out->lock_until, sizeof out->lock_until, "%s", resp.lock_until);
    }
    s3_response_free(&resp);
    free(k);
    if (rc != S3_OK)
        return rc;
    /* size, class, SHA-256 (metadata or tag) exactly as head() reads them */
    return store_s3_head(st, rel, &out->info);
}

/* GET ?sub on the bucket; the body (malloc'd) into *out, NULL when the
 * bucket has no such configuration (404 and the configuration-specific
 * codes) or the service does not implement it (501). */
static int get_config(store_s3_t *s, const char *sub, char **out)
{
    s3_response_t resp;
    *out = NULL;
    int r =
        store_s3_call(s, "GET", NULL, sub, NULL, 0, NULL, 0, S3Q_404 | S3Q_501 | S3Q_409, &resp);
    int rc = STORE_OK;
    if (r == S3_OK) {
        *out = strdup(resp.body ? resp.body : "");
        if (!*out)
            rc = STORE_ERR;
    } else if (r == S3_NOTFOUND || resp.status == 404 || resp.status == 501 || resp.status == 409) {
        log_debug("%s: bucket %s has no %s configuration (HTTP %ld %s)", s->base.url, s->bucket,
                  sub, resp.status, resp.error_code);
    } else {
        log_error("%s: cannot read the %s configuration of bucket %s (HTTP %ld %s)", s->base.url,
                  sub, s->bucket, resp.status, resp.error_code);
        rc = STORE_ERR;
    }
    s3_response_free(&resp);
    return rc;
}

int store_s3_audit_bucket_info(store_t *st, store_bucket_info_t *out)
{
    store_s3_t *s = (store_s3_t *)st;
    char num[32];
    memset(out, 0, sizeof *out);
    if (get_config(s, "object-lock", &out->lock_xml) < 0 ||
        get_config(s, "lifecycle", &out->lifecycle_xml) < 0 ||
        get_config(s, "versioning", &out->versioning_xml) < 0)
        return STORE_ERR;
    if (out->lock_xml) {
        size_t n = strlen(out->lock_xml);
        s3_xml_find(out->lock_xml, n, "/ObjectLockConfiguration/ObjectLockEnabled",
                    out->lock_enabled, sizeof out->lock_enabled);
        s3_xml_find(out->lock_xml, n, "/ObjectLockConfiguration/Rule/DefaultRetention/Mode",
                    out->default_mode, sizeof out->default_mode);
        num[0] = '\0';
        s3_xml_find(out->lock_xml, n, "/ObjectLockConfiguration/Rule/DefaultRetention/Days", num,
                    sizeof num);
        out->default_days = atoi(num);
        num[0] = '\0';
        s3_xml_find(out->lock_xml, n, "/ObjectLockConfiguration/Rule/DefaultRetention/Years", num,
                    sizeof num);
        out->default_years = atoi(num);
    }
    if (out->versioning_xml)
        s3_xml_find(out->versioning_xml, strlen(out->versioning_xml),
                    "/VersioningConfiguration/Status", out->versioning, sizeof out->versioning);
    return STORE_OK;
}
