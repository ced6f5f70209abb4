/*
 * job_restore_plan.c — steps 1 and 2 of the restore job (job_restore.c):
 * catalog rows of the tenant in [from, to] become the objects to fetch, each
 * row checked before its names become directories, each volume's index read
 * (trusted only when it matches the catalog's SHA-256) to apply --path and
 * to get the block table; then the objects, bytes, thaw time and cost are
 * shown and consent is asked (--yes, or a TTY prompt). The --identity files
 * are loaded here too, since indexes of ".age" volumes are opened while
 * planning. Under --dry-run --json the plan's lines go to stderr and the
 * plan (objects with their thaw state, totals, cost, thaw time, space,
 * warnings) is gathered into struct rjob and printed as one JSON document on
 * stdout (job_restore_plan_json).
 */
#include "job.h"
#include "job_restore.h"

#include "age.h"
#include "array.h"
#include "catalog.h"
#include "estimate.h"
#include "index.h"
#include "keys.h"
#include "log.h"
#include "objkey.h"
#include "pathsafe.h"
#include "restore.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* ---- 1. plan ---- */

static int sha_ok(const char *h)
{
    if (!h || strlen(h) != 64)
        return 0;
    for (; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
            return 0;
    return 1;
}

static int plan_row(struct rjob *j, const catalog_object_t *co)
{
    struct obj *ob;
    objkey_parts_t kp;
    int y, m, d, same;

    if (!co->key || !co->tenant || !co->source || !co->date || !co->sha256) {
        log_error("restore: catalog row for %s has no %s; not restoring from it (coldpack "
                  "catalog rebuild recreates the catalog from the store)",
                  co->key ? co->key : "(no key)",
                  !co->key      ? "key"
                  : !co->tenant ? "tenant"
                  : !co->source ? "source"
                  : !co->date   ? "date"
                                : "sha256");
        return -1;
    }
    if (!objkey_name_ok(co->tenant) || !objkey_name_ok(co->source) ||
        util_parse_date(co->date, &y, &m, &d) < 0 || strlen(co->date) != 10 ||
        !sha_ok(co->sha256) || co->size < 0) {
        log_error("restore: catalog row for %s has a bad tenant, source, date, size or SHA-256; "
                  "not restoring from it (coldpack catalog rebuild recreates the catalog from "
                  "the store)",
                  co->key);
        return -1;
    }
    if (objkey_parse(co->key, &kp) < 0) {
        log_error("restore: catalog key %s is not a data volume key", co->key);
        return -1;
    }
    same = kp.kind == OBJKEY_VOLUME && !strcmp(kp.tenant, co->tenant) &&
           !strcmp(kp.date, co->date) && !strcmp(kp.source, co->source);
    objkey_parts_free(&kp);
    if (!same) {
        log_error("restore: catalog row for %s names another tenant, date or source than its "
                  "key; not restoring from it",
                  co->key);
        return -1;
    }
    if (ARRAY_GROW(j->v, j->n + 1, j->cap) < 0)
        goto oom;
    ob = &j->v[j->n];
    memset(ob, 0, sizeof *ob);
    ob->key = strdup(co->key);
    ob->sha256 = strdup(co->sha256);
    ob->date = strdup(co->date);
    ob->source = strdup(co->source);
    ob->tenant = strdup(co->tenant);
    ob->size = co->size;
    ob->volno = kp.volno;
    ob->index_key = objkey_index_of(co->key);
    j->n++; /* freed with the plan even when incomplete */
    if (!ob->index_key) {
        log_error("restore: catalog key %s is not a data volume key", co->key);
        return -1;
    }
    if (!ob->key || !ob->sha256 || !ob->date || !ob->source || !ob->tenant)
        goto oom;
    j->bytes += co->size;
    return 0;
oom:
    log_error("restore: out of memory");
    return -1;
}

/* One data row into the plan. A rejected row stops the query (catalog_objects
 * then still returns 0), so it is remembered: the plan must not go on with
 * the rows read before it. */
static int plan_add(void *ctx, const catalog_object_t *co)
{
    struct rjob *j = ctx;

    if (plan_row(j, co) < 0) {
        j->bad_row = 1;
        return -1;
    }
    return 0;
}

/* An index row: remember its SHA-256 and size on the volume it belongs to. */
static int plan_index(void *ctx, const catalog_object_t *co)
{
    struct rjob *j = ctx;

    for (size_t i = 0; co->key && i < j->n; i++)
        if (!strcmp(j->v[i].index_key, co->key) && sha_ok(co->sha256)) {
            free(j->v[i].index_sha256);
            if (!(j->v[i].index_sha256 = strdup(co->sha256))) {
                log_error("restore: out of memory");
                j->bad_row = 1;
                return -1;
            }
            j->v[i].index_size = co->size;
        }
    return 0;
}

void job_restore_plan_free(struct rjob *j)
{
    for (size_t i = 0; i < j->n; i++) {
        struct obj *o = &j->v[i];
        free(o->key);
        free(o->index_key);
        free(o->sha256);
        free(o->date);
        free(o->source);
        free(o->tenant);
        free(o->index_sha256);
        json_decref(o->index);
    }
    free(j->v);
    json_decref(j->jobjects);
    json_decref(j->jwarnings);
}

/* Where the plan's human lines go: stdout, stderr under --json (stdout then
 * holds the JSON document only). */
static FILE *job_restore_out(const struct rjob *j)
{
    return j->o->json ? stderr : stdout;
}

void job_restore_plan_warning(struct rjob *j, const char *field, const char *name,
                              const char *message)
{
    if (!j->o->json)
        return;
    if (!j->jwarnings)
        j->jwarnings = json_array();
    if (j->jwarnings)
        json_array_append_new(j->jwarnings,
                              json_pack("{s:s, s:s}", field, name, "message", message));
}

/* An encrypted object that none of the --identity files opens. */
void job_restore_plan_no_key_error(const struct rjob *j, const char *key, const char *tenant)
{
    char *needs = keys_describe(&j->cfg->encryption, tenant);

    log_error("restore: %s is encrypted and %s; it needs an identity of %s: pass its identity "
              "file with --identity FILE",
              key,
              j->nids ? "none of the --identity files given opens it" : "no --identity was given",
              needs ? needs : "the tenant's recipients");
    free(needs);
}

/* Read the --identity files. 0 or -1 (logged). */
int job_restore_plan_load_identities(struct rjob *j)
{
    for (int i = 0; i < j->o->nidentities; i++) {
        age_identity_t *ids = NULL, *all;
        size_t n = 0;
        if (age_identities_load(j->o->identities[i], &ids, &n) < 0)
            return -1;
        all = calloc(j->nids + n, sizeof *all);
        if (!all) {
            age_identities_free(ids, n);
            log_error("restore: out of memory");
            return -1;
        }
        if (j->nids)
            memcpy(all, j->ids, j->nids * sizeof *all);
        memcpy(all + j->nids, ids, n * sizeof *all);
        age_identities_free(j->ids, j->nids);
        age_identities_free(ids, n);
        j->ids = all;
        j->nids += n;
    }
    return 0;
}

/* Warn about each day of the range without any backup of the tenant (of
 * the source, with --source) in the catalog. */
static void plan_missing_days(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    struct tm tm = {0};
    char day[16];
    int y, m, d;

    if (util_parse_date(o->from, &y, &m, &d) < 0)
        return;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    for (int k = 0; k < 36600; k++, tm.tm_mday++) {
        time_t t = timegm(&tm);
        size_t i;
        gmtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        if (strcmp(day, o->to) > 0)
            break;
        for (i = 0; i < j->n && strcmp(j->v[i].date, day); i++)
            ;
        if (i == j->n) {
            char *msg = util_asprintf("no backup of tenant %s on %s%s%s (a day of the range "
                                      "without any backup; nothing to restore for it)",
                                      o->tenant, day, o->source ? " for source " : "",
                                      o->source ? o->source : "");
            log_warn("restore: %s", msg ? msg : "out of memory");
            if (msg)
                job_restore_plan_warning(j, "day", day, msg);
            free(msg);
        }
    }
}

/* What the selected volumes unpack to (the index's tar_size when trusted,
 * else the stored size) and the largest object (spooled whole). */
static void plan_space_needed(struct rjob *j)
{
    for (size_t i = 0; i < j->n; i++) {
        const struct obj *ob = &j->v[i];
        json_int_t tar = 0;
        if (ob->size < 0)
            continue;
        if (ob->index)
            tar = json_integer_value(
                json_object_get(json_object_get(ob->index, "object"), "tar_size"));
        j->tar_bytes += tar > 0 ? (int64_t)tar : ob->size;
        if (ob->size > j->largest)
            j->largest = ob->size;
    }
}

/* Free space at the target (statvfs of it, or of its nearest existing
 * parent) against tar_bytes + largest. Exit code or -1. */
int job_restore_plan_space(struct rjob *j)
{
    const char *target = j->o->target;
    char *p = malloc(strlen(target) + 2), b1[32], b2[32], b3[32], b4[32];
    struct statvfs sv;
    int64_t need = j->tar_bytes + j->largest, avail;
    int rc;

    if (!p) {
        log_error("restore: out of memory");
        return EXIT_FAIL;
    }
    strcpy(p, target);
    /* the target may not exist yet: its nearest existing parent */
    while ((rc = statvfs(p, &sv)) < 0 && errno == ENOENT) {
        char *slash = strrchr(p, '/');
        if (!slash && strcmp(p, ".")) {
            strcpy(p, "."); /* a relative name: the current directory */
            continue;
        }
        if (!slash || slash == p) {
            if (!slash || !p[1])
                break;
            p[1] = 0; /* "/" */
            continue;
        }
        *slash = 0;
    }
    j->space_free = -1;
    if (rc < 0) {
        log_warn("restore: cannot tell the free space at %s (%s): not checked", target,
                 strerror(errno));
        free(p);
        return -1;
    }
    free(p);
    avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
    j->space_free = avail;
    fprintf(job_restore_out(j),
            "space: needs %s at %s (%s of files + %s spool for the largest object), %s free\n",
            util_fmt_size(need, b1, sizeof b1), target, util_fmt_size(j->tar_bytes, b2, sizeof b2),
            util_fmt_size(j->largest, b3, sizeof b3), util_fmt_size(avail, b4, sizeof b4));
    if (avail >= need)
        return -1;
    if (j->o->dry_run) {
        char *msg = util_asprintf("not enough space at %s: needs %lld bytes, %lld free", target,
                                  (long long)need, (long long)avail);
        log_warn("restore: %s", msg ? msg : "not enough space");
        if (msg)
            job_restore_plan_warning(j, "target", target, msg);
        free(msg);
        return -1;
    }
    log_error("restore: not enough space at %s: the restore needs %lld bytes (%s: %s of files "
              "plus %s for the spool), only %lld bytes (%s) are free; nothing was requested",
              target, (long long)need, b1, b2, b3, (long long)avail, b4);
    return EXIT_FAIL;
}

struct expired_days {
    struct rjob *j;
    const char *source; /* NULL = any */
    int fatal;          /* nothing else to restore: an error, else a warning */
    int n;
};

/* cols: date, source, tenant, expired_on, run_id, reason, objects */
static int say_expired(void *ctx, const char *const *col)
{
    struct expired_days *ed = ctx;
    const char *how = col[5] && !strcmp(col[5], "offboard") ? "deleted when the tenant was "
                                                              "offboarded"
                                                            : "past the retention";
    char *c[5] = {NULL}; /* catalog rows are not trusted: shown escaped */

    if (ed->source && col[1] && strcmp(ed->source, col[1]))
        return 0;
    ed->n++;
    for (int i = 0; i < 5; i++)
        c[i] = pathsafe_escape(col[i] ? col[i] : "?");
    if (ed->fatal)
        log_error("restore: tenant %s, day %s, source %s: expired on %s (pruned by run %s, %s)",
                  c[2] ? c[2] : "?", c[0] ? c[0] : "?", c[1] ? c[1] : "?", c[3] ? c[3] : "?",
                  c[4] ? c[4] : "?", how);
    else {
        char *msg = util_asprintf("tenant %s, day %s, source %s: expired on %s (pruned by run "
                                  "%s, %s); restoring the rest",
                                  c[2] ? c[2] : "?", c[0] ? c[0] : "?", c[1] ? c[1] : "?",
                                  c[3] ? c[3] : "?", c[4] ? c[4] : "?", how);
        log_warn("restore: %s", msg ? msg : "an expired day");
        if (msg)
            job_restore_plan_warning(ed->j, "day", c[0] ? c[0] : "?", msg);
        free(msg);
    }
    for (int i = 0; i < 5; i++)
        free(c[i]);
    return 0;
}

/* Catalog query, indexes, --path filter, the plan line. Exit code or -1 to go on. */
int job_restore_plan_build(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    char buf[32];

    if (catalog_objects(j->c, "data", o->tenant, o->from, o->to, o->source, plan_add, j) < 0 ||
        j->bad_row)
        return EXIT_FAIL;
    struct expired_days ed = {j, o->source, j->n == 0, 0};
    if (catalog_expired(j->c, o->tenant, o->from, o->to, say_expired, &ed) < 0)
        return EXIT_FAIL;
    if (j->n == 0 && ed.n) {
        log_error("restore: nothing left to restore of tenant %s from %s to %s: expired (deleted "
                  "on purpose, see above); not an error in the store",
                  o->tenant, o->from, o->to);
        return EXIT_FAIL;
    }
    if (j->n == 0) {
        log_error("restore: no backup of tenant %s from %s to %s%s%s in the catalog %s (if the "
                  "catalog was lost: coldpack catalog rebuild)",
                  o->tenant, o->from, o->to, o->source ? " for source " : "",
                  o->source ? o->source : "", j->cfg->catalog.path);
        return EXIT_FAIL;
    }
    if (catalog_objects(j->c, "index", o->tenant, o->from, o->to, o->source, plan_index, j) < 0 ||
        j->bad_row)
        return EXIT_FAIL;
    /* Indexes are hot: for the glob filter, parallel decoding and damage
     * location; each is verified first, and an untrusted one is not used. */
    for (size_t i = 0; i < j->n; i++) {
        struct obj *ob = &j->v[i];
        int no_key = 0;
        ob->index = index_load_age(j->s, ob->index_key, ob->index_sha256, ob->index_size, j->ids,
                                   j->nids, &no_key);
        if (no_key) {
            job_restore_plan_no_key_error(j, ob->index_key, ob->tenant);
            return EXIT_FAIL;
        }
        if (ob->index && !index_describes(ob->index, ob->key, ob->tenant, ob->date, ob->source,
                                          ob->volno, ob->sha256, ob->size)) {
            log_warn("index %s does not describe volume %s (names, key, size or SHA-256 differ); "
                     "not using it",
                     ob->index_key, ob->key);
            job_restore_plan_warning(j, "object", ob->key,
                                     "its index does not describe it (names, key, size or "
                                     "SHA-256 differ); not using it");
            json_decref(ob->index);
            ob->index = NULL;
        }
        if (!ob->index) {
            log_warn("restore: no trusted index for %s: it is decoded sequentially%s", ob->key,
                     o->glob ? " and --path applied while extracting" : "");
            job_restore_plan_warning(j, "object", ob->key,
                                     o->glob ? "no trusted index: decoded sequentially and "
                                               "--path applied while extracting"
                                             : "no trusted index: decoded sequentially");
        }
        if (o->glob && ob->index && !index_covers_tar(ob->index)) {
            log_warn("index %s does not account for the whole tar of %s; --path is applied "
                     "while extracting",
                     ob->index_key, ob->key);
        } else if (o->glob && ob->index && !restore_index_matches(ob->index, o->glob)) {
            j->bytes -= ob->size;
            ob->size = -1;
            continue;
        }
        j->nsel++;
    }
    if (j->nsel == 0) {
        log_error("restore: no file matches --path '%s' for tenant %s from %s to %s", o->glob,
                  o->tenant, o->from, o->to);
        return EXIT_FAIL;
    }
    plan_missing_days(j);
    plan_space_needed(j);
    fprintf(job_restore_out(j),
            "restore plan: tenant %s, %s to %s%s%s%s%s: %zu object(s), %s -> %s\n", o->tenant,
            o->from, o->to, o->source ? ", source " : "", o->source ? o->source : "",
            o->glob ? ", path " : "", o->glob ? o->glob : "", j->nsel,
            util_fmt_size(j->bytes, buf, sizeof buf), o->target);
    return -1;
}

/* ---- 2. price and consent ---- */

/* Hours until a thaw of class cls at tier is readable (AWS's documented
 * upper bounds); 0 when the class cannot do that tier. */
static int thaw_hours(const char *cls, const char *tier)
{
    int deep = cls && !strcmp(cls, "DEEP_ARCHIVE");

    if (!strcmp(tier, "Bulk"))
        return deep ? 48 : 12;
    if (!strcmp(tier, "Standard"))
        return deep ? 12 : 5;
    return deep ? 0 : 1; /* Expedited: 1-5 minutes on GLACIER */
}

static double print_estimate(struct rjob *j, int64_t bytes, int ncold, const char *cls)
{
    /* Deep Archive: [prices] or AWS list prices (estimate.c); GLACIER
     * Flexible Retrieval: AWS list prices (us-east-1, 2025). Per GB
     * (2^30 bytes, as AWS bills) and per 1000 requests. */
    const char *tier = j->o->tier;
    estimate_prices_t pr;
    double gb = (double)bytes / ESTIMATE_GB;
    double per_gb = 0, per_1k = 0;
    const char *eta = "immediately";
    int deep = cls && !strcmp(cls, "DEEP_ARCHIVE");

    estimate_prices_from_config(j->cfg, &pr);
    if (ncold == 0) {
        fprintf(job_restore_out(j), "all objects are readable now; no retrieval fee\n");
        return 0;
    }
    if (!strcmp(tier, "Bulk")) {
        per_gb = deep ? pr.v[PRICE_RETRIEVAL_BULK_GB] : 0.0;
        per_1k = deep ? pr.v[PRICE_RETRIEVAL_BULK_PER_1000] : 0.0;
        eta = deep ? "within 48 hours" : "within 5-12 hours";
    } else if (!strcmp(tier, "Standard")) {
        per_gb = deep ? pr.v[PRICE_RETRIEVAL_STANDARD_GB] : 0.01;
        per_1k = deep ? pr.v[PRICE_RETRIEVAL_STANDARD_PER_1000] : 0.05;
        eta = deep ? "within 12 hours" : "within 3-5 hours";
    } else {
        per_gb = 0.03;
        per_1k = 10.0;
        eta = "within 1-5 minutes";
    }
    j->cost_retrieval = gb * per_gb;
    j->cost_requests = ncold * per_1k / 1000.0;
    fprintf(job_restore_out(j),
            "thaw: %d cold object(s) in %s, tier %s: ready %s on S3; estimated retrieval cost "
            "$%.2f ($%.4f/GB + $%.3f/1000 requests, AWS list price; the file:// store "
            "simulates this with thaw_delay)\n",
            ncold, cls ? cls : "?", tier, eta, gb * per_gb + ncold * per_1k / 1000.0, per_gb,
            per_1k);
    return gb * per_gb + ncold * per_1k / 1000.0;
}

/* Data transfer out of every selected object (hot ones too: all are
 * downloaded), at [prices] transfer_out or the list price; --transfer
 * private (same region, e.g. EC2 or a VPC endpoint) is free. */
static double print_transfer(struct rjob *j)
{
    estimate_prices_t pr;
    double per_gb, cost;
    char buf[32];

    estimate_prices_from_config(j->cfg, &pr);
    per_gb = j->o->transfer_private ? 0.0 : pr.v[PRICE_TRANSFER_OUT_GB];
    cost = (double)j->bytes / ESTIMATE_GB * per_gb;
    j->cost_transfer = cost;
    fprintf(job_restore_out(j), "transfer out: %s %s at $%.4f/GB: $%.2f%s\n",
            util_fmt_size(j->bytes, buf, sizeof buf),
            j->o->transfer_private ? "within the region (--transfer private)" : "to the internet",
            per_gb, cost,
            j->o->transfer_private ? "" : " (--transfer private when restoring inside the region)");
    return cost;
}

/* Under --json: one selected object of the plan, as the store sees it now. */
static int plan_json_object(struct rjob *j, const struct obj *ob, const store_info_t *info)
{
    const char *state = !info->cold                        ? "hot"
                        : info->thaw == STORE_THAW_READY   ? "ready"
                        : info->thaw == STORE_THAW_PENDING ? "thawing"
                                                           : "cold";
    json_t *o;

    if (!j->jobjects && !(j->jobjects = json_array()))
        goto oom;
    o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:b}", "key", ob->key, "date", ob->date,
                  "source", ob->source, "volume", ob->volno, "size", (json_int_t)ob->size,
                  "storage_class", info->storage_class, "state", state, "index_trusted",
                  ob->index != NULL);
    if (!o || json_array_append_new(j->jobjects, o) < 0)
        goto oom;
    return 0;
oom:
    log_error("restore: out of memory");
    return -1;
}

/* Each selected object with its thaw state, then the cost. Exit code or -1. */
int job_restore_plan_price(struct rjob *j)
{
    int ncold = 0;
    int64_t cold_bytes = 0;
    char cls[32] = "", buf[32], deep_key[512] = "";
    double cost;

    for (size_t i = 0; i < j->n; i++) {
        store_info_t info;
        if (j->v[i].size < 0)
            continue;
        if (store_head(j->s, j->v[i].key, &info) < 0) {
            log_error("restore: object %s is missing from the store %s", j->v[i].key,
                      j->cfg->store.url);
            return EXIT_CORRUPT;
        }
        if (info.cold && info.thaw != STORE_THAW_READY) {
            int h = thaw_hours(info.storage_class, j->o->tier);
            ncold++;
            cold_bytes += info.size;
            snprintf(cls, sizeof cls, "%s", info.storage_class);
            if (!h && !deep_key[0])
                snprintf(deep_key, sizeof deep_key, "%s", j->v[i].key);
            if ((int64_t)h * 3600 > j->eta_secs)
                j->eta_secs = (int64_t)h * 3600;
        }
        if (j->o->json && plan_json_object(j, &j->v[i], &info) < 0)
            return EXIT_FAIL;
        fprintf(job_restore_out(j), "  %s  %s  %s\n", j->v[i].key,
                util_fmt_size(j->v[i].size, buf, sizeof buf),
                info.cold ? (info.thaw == STORE_THAW_READY     ? "cold, restored"
                             : info.thaw == STORE_THAW_PENDING ? "cold, thaw in progress"
                                                               : "cold")
                          : "hot");
    }
    if (deep_key[0]) {
        log_error("restore: --tier expedited is not available for DEEP_ARCHIVE objects (%s): "
                  "use --tier standard (ready within 12 hours) or --tier bulk (within 48 hours)",
                  deep_key);
        return EXIT_USAGE;
    }
    cost = print_estimate(j, cold_bytes, ncold, cls);
    j->ncold = ncold;
    cost += print_transfer(j);
    fprintf(job_restore_out(j), "estimated total: $%.2f\n", cost);
    fflush(job_restore_out(j));
    return -1;
}

/* -1 to proceed; EXIT_USAGE off a terminal without --yes; EXIT_FAIL when
 * the operator declines (anything but y, or end of input). */
int job_restore_plan_confirm(const restore_opts_t *o)
{
    char line[16];

    if (o->yes)
        return -1;
    if (!isatty(STDIN_FILENO)) {
        log_error("restore: not on a terminal: add --yes to proceed");
        return EXIT_USAGE;
    }
    printf("Proceed? [y/N] ");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y'))
        return -1;
    log_warn("restore cancelled: nothing was requested or written");
    return EXIT_FAIL;
}

/* A dollar amount for the document: to a millionth of a dollar, without the
 * binary noise of the sums. */
static double usd(double v)
{
    char buf[64];

    snprintf(buf, sizeof buf, "%.6f", v);
    return strtod(buf, NULL);
}

/* Under --json: the plan (build, space, price) as one JSON document on
 * stdout; the human lines went to stderr. Exit code. */
int job_restore_plan_json(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    int64_t need = j->tar_bytes + j->largest;
    double total = usd(j->cost_retrieval) + usd(j->cost_requests) + usd(j->cost_transfer);
    json_t *doc;
    int rc;

    doc = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I},"
                    " s:{s:f, s:f, s:f, s:f, s:s}, s:{s:s, s:i, s:f}, s:{s:I, s:o, s:o}, s:o}",
                    "tenant", o->tenant, "from", o->from, "until", o->to, "source", o->source,
                    "path", o->glob, "target", o->target, "tier", o->tier, "objects",
                    j->jobjects ? json_incref(j->jobjects) : json_array(), "totals", "objects",
                    (json_int_t)j->nsel, "bytes_stored", (json_int_t)j->bytes, "bytes_unpacked",
                    (json_int_t)j->tar_bytes, "largest", (json_int_t)j->largest, "cost",
                    "retrieval", usd(j->cost_retrieval), "requests", usd(j->cost_requests),
                    "transfer_out", usd(j->cost_transfer), "total", usd(total), "currency", "USD",
                    "time", "tier", o->tier, "cold_objects", j->ncold, "hours",
                    (double)j->eta_secs / 3600.0, "space", "needed", (json_int_t)need, "free",
                    j->space_free >= 0 ? json_integer(j->space_free) : json_null(), "ok",
                    j->space_free >= 0 ? json_boolean(j->space_free >= need) : json_null(),
                    "warnings", j->jwarnings ? json_incref(j->jwarnings) : json_array());
    if (!doc) {
        log_error("restore --json: out of memory");
        return EXIT_FAIL;
    }
    rc = json_dumpf(doc, stdout, JSON_INDENT(2));
    json_decref(doc);
    if (rc < 0 || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
        log_error("restore --json: cannot write the plan to stdout");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
