/*
 * store_s3_admin.c — the s3:// store's housekeeping (store_s3.h): cleanup of
 * interrupted multipart uploads (run) and bucket setup (init).
 *
 * Cleanup lists the multipart uploads under the prefix (through the one
 * paginator) and aborts those whose marker (store_s3_upload.c) names a dead
 * process on this host, those whose marker is older than
 * COLDPACK_S3_STALE_HOURS (default 24) from another host, and unmarked ones
 * that old; uploads of live runs (other shards) are left alone.
 *
 * Setup checks the bucket is reachable, puts the lifecycle rule
 * "coldpack:<prefix>" merged with the bucket's other rules (only rules with
 * that ID are replaced), filtered on <prefix>tenant= (data and indexes; the
 * run manifests under runs/ never expire before the data they attest):
 * expire after retention + STORE_S3_EXPIRY_MARGIN_DAYS days (a safety net
 * behind the retention, which counts from the log day while a rule counts
 * from the upload), noncurrent versions 1 day after they become noncurrent
 * when the bucket is versioned, abort incomplete multipart uploads after 7
 * days. A store url without a prefix (s3://bucket) is refused: the rule would
 * expire the whole bucket. With object_lock set, a bucket without Object Lock
 * is refused, saying how to create one.
 */
#include "store_s3.h"

#include "array.h"
#include "log.h"
#include "objkey.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

unsigned long long store_s3_admin_proc_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    /* fields after ')': state(3) ... starttime is field 22 */
    unsigned long long v = 0;
    int field = 2;
    for (char *t = p + 1; *t; t++) {
        if (*t == ' ') {
            field++;
            if (field == 22) {
                v = strtoull(t + 1, NULL, 10);
                break;
            }
        }
    }
    return v;
}

typedef struct upl_item {
    char *key, *id;
    int64_t initiated;
} upl_item_t;

typedef struct upl_list {
    upl_item_t *v;
    size_t n, cap;
    int oom;
} upl_list_t;

static int collect_upload(void *vctx, const s3_xml_upload_t *u)
{
    upl_list_t *l = vctx;
    if (ARRAY_GROW(l->v, l->n + 1, l->cap) < 0) {
        l->oom = 1;
        return -1;
    }
    l->v[l->n].key = util_strdup(u->key);
    l->v[l->n].id = util_strdup(u->upload_id);
    l->v[l->n].initiated = s3_parse_iso8601(u->initiated);
    if (!l->v[l->n].key || !l->v[l->n].id) {
        free(l->v[l->n].key);
        free(l->v[l->n].id);
        l->oom = 1;
        return -1;
    }
    l->n++;
    return 0;
}

typedef struct marker_info {
    char host[128];
    int pid;
    unsigned long long start;
} marker_info_t;

static int read_marker(store_s3_t *s, const char *mkey, marker_info_t *mi)
{
    s3_response_t resp;
    memset(mi, 0, sizeof *mi);
    int rc = store_s3_call(s, "GET", mkey, NULL, NULL, 0, NULL, 0, S3Q_404, &resp);
    if (rc == S3_OK && resp.body) {
        char *h = strstr(resp.body, "\nhost "), *p = strstr(resp.body, "\npid "),
             *st = strstr(resp.body, "\nstart ");
        if (h)
            sscanf(h + 6, "%127s", mi->host);
        if (p)
            mi->pid = atoi(p + 5);
        if (st)
            mi->start = strtoull(st + 7, NULL, 10);
    }
    s3_response_free(&resp);
    return rc == S3_OK ? 1 : (rc == S3_NOTFOUND ? 0 : -1);
}

int store_s3_admin_cleanup(store_t *st)
{
    store_s3_t *s = (store_s3_t *)st;
    upl_list_t l = {0};
    int rc = STORE_ERR, aborted = 0;
    long stale_h = 24;
    const char *sv = getenv("COLDPACK_S3_STALE_HOURS");
    if (sv && atol(sv) >= 0)
        stale_h = atol(sv);
    rc = store_s3_list_uploads(s, s->prefix, collect_upload, &l);
    if (rc == STORE_OK && l.oom) {
        log_error("%s: cleanup: out of memory listing incomplete uploads", st->url);
        rc = STORE_ERR;
    }
    if (rc != STORE_OK)
        goto out;
    time_t now = time(NULL);
    for (size_t i = 0; i < l.n; i++) {
        upl_item_t *u = &l.v[i];
        char mk[128];
        marker_info_t mi;
        store_s3_marker_key(s, u->id, mk, sizeof mk);
        int m = read_marker(s, mk, &mi);
        if (m < 0)
            continue;
        int64_t age = u->initiated > 0 ? (int64_t)now - u->initiated : 0;
        int stale = age > stale_h * 3600;
        const char *why = NULL;
        if (m == 1 && !strcmp(mi.host, s->hostname)) {
            int alive = mi.pid > 0 && (kill(mi.pid, 0) == 0 || errno == EPERM) &&
                        (mi.start == 0 || store_s3_admin_proc_start(mi.pid) == mi.start);
            if (!alive)
                why = "its coldpack process is gone";
        } else if (m == 1 && stale) {
            why = "started on another host and stale";
        } else if (m == 0 && stale) {
            why = "unmarked and stale";
        }
        if (!why)
            continue;
        log_info("%s: aborting incomplete upload of %s (%s)", st->url, u->key, why);
        store_s3_upload_abort_id(s, u->key, u->id, m == 1 ? mk : NULL);
        aborted++;
    }
    if (aborted)
        log_info("%s: cleanup aborted %d incomplete upload(s)", st->url, aborted);
    rc = STORE_OK;
out:
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].key);
        free(l.v[i].id);
    }
    free(l.v);
    return rc;
}

/* -------------------------------------------------------------- setup --- */

/* malloc'd copy of in with & < > escaped for XML text. */
static char *xml_escape(const char *in)
{
    size_t n = 1;
    for (const char *p = in; *p; p++)
        n += (*p == '&' || *p == '<' || *p == '>') ? 5 : 1;
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const char *p = in; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Removes from xml (in place) every <Rule>...</Rule> whose text contains id. */
static void drop_rule(char *xml, const char *id)
{
    char *p = xml;
    while ((p = strstr(p, "<Rule>")) != NULL) {
        char *e = strstr(p, "</Rule>");
        if (!e)
            return;
        e += strlen("</Rule>");
        char save = *e;
        *e = '\0';
        int ours = strstr(p, id) != NULL;
        *e = save;
        if (ours)
            memmove(p, e, strlen(e) + 1);
        else
            p = e;
    }
}

int store_s3_admin_setup(store_t *st, const store_setup_opts_t *o)
{
    store_s3_t *s = (store_s3_t *)st;
    s3_response_t resp;
    char val[64];
    int rc = -1, versioned = 0;
    char *id = NULL, *epfx = NULL, *rule = NULL, *body = NULL;

    /* 1. the bucket exists and these credentials reach it */
    int r = store_s3_call(s, "HEAD", NULL, NULL, NULL, 0, NULL, 0, 0, &resp);
    s3_response_free(&resp);
    if (r != S3_OK) {
        log_error("%s: bucket %s is not reachable (see the message above)", st->url, s->bucket);
        return -1;
    }
    /* 2. versioning decides whether noncurrent versions need expiring */
    if (store_s3_call(s, "GET", NULL, "versioning", NULL, 0, NULL, 0, S3Q_ALL, &resp) == S3_OK) {
        s3_xml_find(resp.body, resp.body_len, "/VersioningConfiguration/Status", val, sizeof val);
        versioned = !strcmp(val, "Enabled") || !strcmp(val, "Suspended");
    }
    s3_response_free(&resp);
    /* 3. Object Lock, when configured, must be enabled on the bucket */
    if (s->lock_mode) {
        char lock_name[16];
        snprintf(lock_name, sizeof lock_name, "%s", s->lock_mode);
        for (char *c = lock_name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        r = store_s3_call(s, "GET", NULL, "object-lock", NULL, 0, NULL, 0, S3Q_ALL, &resp);
        val[0] = '\0';
        if (r == S3_OK)
            s3_xml_find(resp.body, resp.body_len, "/ObjectLockConfiguration/ObjectLockEnabled", val,
                        sizeof val);
        s3_response_free(&resp);
        if (strcmp(val, "Enabled") != 0) {
            log_error("%s: object_lock = %s needs Object Lock on bucket %s, which does not have it "
                      "enabled: create the bucket with it (aws s3api create-bucket --bucket %s "
                      "--object-lock-enabled-for-bucket) or, on a versioned bucket, enable it (aws "
                      "s3api put-object-lock-configuration --bucket %s --object-lock-configuration "
                      "ObjectLockEnabled=Enabled)",
                      st->url, lock_name, s->bucket, s->bucket, s->bucket);
            return -1;
        }
    }
    /* 4. lifecycle rule for the prefix, merged with the bucket's others */
    if (!*s->prefix) {
        log_error("%s: refusing to install a lifecycle expiration rule for the whole bucket %s: "
                  "the store url names no prefix, so the rule would expire every object in the "
                  "bucket, coldpack's or not; use a url with a prefix (s3://%s/coldpack)",
                  st->url, s->bucket, s->bucket);
        return STORE_CONFIG;
    }
    epfx = xml_escape(s->prefix);
    id = epfx ? util_asprintf("<ID>coldpack:%s</ID>", epfx) : NULL;
    int days = (o && o->retention_days > 0 ? o->retention_days : s->retention_days) +
               STORE_S3_EXPIRY_MARGIN_DAYS;
    /* only data and indexes expire, and later than the retention (counted
     * from each log day, store_s3_retain_until) since the rule counts from
     * the upload: a safety net, never ahead of the retention. Manifests
     * (runs/) stay: they are the chain that attests what was kept. */
    rule = id ? util_asprintf("<Rule>%s<Filter><Prefix>%s" OBJKEY_DATA_ROOT
                              "</Prefix></Filter><Status>Enabled</Status>"
                              "<Expiration><Days>%d</Days></Expiration>%s"
                              "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
                              "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
                              id, epfx, days,
                              versioned ? "<NoncurrentVersionExpiration><NoncurrentDays>1"
                                          "</NoncurrentDays></NoncurrentVersionExpiration>"
                                        : "")
              : NULL;
    if (!rule)
        goto out;
    r = store_s3_call(s, "GET", NULL, "lifecycle", NULL, 0, NULL, 0, S3Q_404, &resp);
    if (r == S3_OK && resp.body && strstr(resp.body, "</LifecycleConfiguration>")) {
        drop_rule(resp.body, id);
        char *end = strstr(resp.body, "</LifecycleConfiguration>");
        *end = '\0';
        char *open_tag = strstr(resp.body, "<LifecycleConfiguration");
        body = util_asprintf("%s%s</LifecycleConfiguration>", open_tag ? open_tag : "", rule);
    } else if (r == S3_OK || r == S3_NOTFOUND) {
        body = util_asprintf("<LifecycleConfiguration>%s</LifecycleConfiguration>", rule);
    } else {
        s3_response_free(&resp);
        goto out;
    }
    s3_response_free(&resp);
    if (!body)
        goto out;
    char md5[32];
    s3_content_md5(body, strlen(body), md5);
    s3_header_t h[] = {{"Content-Type", "application/xml"}, {"Content-MD5", md5}};
    r = store_s3_call(s, "PUT", NULL, "lifecycle", h, 2, body, strlen(body), 0, &resp);
    s3_response_free(&resp);
    if (r != S3_OK)
        goto out;
    log_info("%s: bucket %s reachable%s%s; lifecycle rule coldpack:%s: expire %s" OBJKEY_DATA_ROOT
             " after %d days (retention + %d)%s, abort incomplete uploads after 7 days",
             st->url, s->bucket, s->lock_mode ? ", Object Lock enabled" : "",
             versioned ? ", versioned" : "", s->prefix, s->prefix, days,
             STORE_S3_EXPIRY_MARGIN_DAYS, versioned ? " (noncurrent versions after 1 day)" : "");
    rc = 0;
out:
    free(id);
    free(epfx);
    free(rule);
    free(body);
    return rc;
}
