/*
 * job_restore.c — the restore job: which objects, at what cost, once thawed,
 * through the restore pipeline (restore.c), into place.
 *
 * 1. Plan from the catalog: data objects of the tenant in [from, to]
 *    (optionally one source); names from catalog rows are checked before
 *    they become directories. Each volume's index (hot) is read: with a path
 *    glob, volumes without a matching file are dropped; the block table
 *    serves parallel decoding and damage location.
 * 2. Show what will be fetched (objects, bytes, tier time and cost) and get
 *    consent (--yes, or a TTY prompt).
 * 3. Cold objects: request a restore (recorded in the catalog); without
 *    --wait, return EXIT_PENDING so cron can call the same command later;
 *    with --wait, poll with capped exponential back-off.
 * 4. Each volume goes through restore_volume (fetch, verify, decode, safe
 *    extract) into a staging directory inside the target; a damaged object
 *    is named and counted, the others still go through.
 * 5. Only when every object verified and extracted is the staging tree
 *    merged into the target, so an interrupted or failed restore never
 *    leaves a tree that looks complete.
 *
 * Restored layout: <target>/<tenant>/<date>/<source>/<path in tenant>.
 */
#include "job.h"

#include "array.h"
#include "catalog.h"
#include "index.h"
#include "log.h"
#include "objkey.h"
#include "restore.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct obj {
    char *key, *index_key, *sha256, *date, *source, *tenant;
    int64_t size; /* -1: dropped by the --path filter */
    json_t *index;
};

/* The state of one restore job, shared by its steps. */
struct rjob {
    const config_t *cfg;
    const restore_opts_t *o;
    store_t *s;
    catalog_t *c;
    struct obj *v;
    size_t n, cap, nsel; /* objects; nsel of them selected */
    int64_t bytes;       /* of the selected objects */
    char *staging, *spool;
    int refused, corrupt;
};

/* ---- 1. plan ---- */

static int plan_add(void *ctx, const catalog_object_t *co)
{
    struct rjob *j = ctx;
    struct obj *ob;
    int y, m, d;

    if (!objkey_name_ok(co->tenant) || !objkey_name_ok(co->source) ||
        util_parse_date(co->date, &y, &m, &d) < 0 || strlen(co->date) != 10) {
        log_error("restore: catalog row for %s has a bad tenant, source or date; not restoring "
                  "from it (coldpack catalog rebuild recreates the catalog from the store)",
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

static void plan_free(struct rjob *j)
{
    for (size_t i = 0; i < j->n; i++) {
        struct obj *o = &j->v[i];
        free(o->key);
        free(o->index_key);
        free(o->sha256);
        free(o->date);
        free(o->source);
        free(o->tenant);
        json_decref(o->index);
    }
    free(j->v);
}

/* Catalog query, indexes, --path filter, the plan line. Exit code or -1 to go on. */
static int plan(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    char buf[32];

    if (catalog_objects(j->c, "data", o->tenant, o->from, o->to, o->source, plan_add, j) < 0)
        return EXIT_FAIL;
    if (j->n == 0) {
        log_error("restore: no backup of tenant %s from %s to %s%s%s in the catalog %s (if the "
                  "catalog was lost: coldpack catalog rebuild)",
                  o->tenant, o->from, o->to, o->source ? " for source " : "",
                  o->source ? o->source : "", j->cfg->catalog.path);
        return EXIT_FAIL;
    }
    /* Indexes are hot: for the glob filter, parallel decoding and damage location. */
    for (size_t i = 0; i < j->n; i++) {
        struct obj *ob = &j->v[i];
        ob->index = index_load(j->s, ob->index_key);
        if (!ob->index && o->glob) {
            log_error("restore: cannot read index %s needed for --path", ob->index_key);
            return EXIT_FAIL;
        }
        if (o->glob && !restore_index_matches(ob->index, o->glob)) {
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
    printf("restore plan: tenant %s, %s to %s%s%s%s%s: %zu object(s), %s -> %s\n", o->tenant,
           o->from, o->to, o->source ? ", source " : "", o->source ? o->source : "",
           o->glob ? ", path " : "", o->glob ? o->glob : "", j->nsel,
           util_fmt_size(j->bytes, buf, sizeof buf), o->target);
    return -1;
}

/* ---- 2. price and consent ---- */

static void print_estimate(const char *tier, int64_t bytes, int ncold, const char *cls)
{
    /* AWS list prices (us-east-1, 2025): per GB retrieved and per 1000 requests. */
    double gb = (double)bytes / 1e9;
    double per_gb = 0, per_1k = 0;
    const char *eta = "immediately";
    int deep = cls && !strcmp(cls, "DEEP_ARCHIVE");

    if (ncold == 0) {
        printf("all objects are readable now; no retrieval fee\n");
        return;
    }
    if (!strcmp(tier, "Bulk")) {
        per_gb = deep ? 0.0025 : 0.0;
        per_1k = deep ? 0.025 : 0.0;
        eta = deep ? "within 48 hours" : "within 5-12 hours";
    } else if (!strcmp(tier, "Standard")) {
        per_gb = deep ? 0.02 : 0.01;
        per_1k = deep ? 0.10 : 0.05;
        eta = deep ? "within 12 hours" : "within 3-5 hours";
    } else {
        per_gb = 0.03;
        per_1k = 10.0;
        eta = "within 1-5 minutes";
    }
    printf("thaw: %d cold object(s) in %s, tier %s: ready %s on S3; estimated retrieval cost "
           "$%.2f ($%.4f/GB + $%.3f/1000 requests, AWS list price; the file:// store "
           "simulates this with thaw_delay)\n",
           ncold, cls ? cls : "?", tier, eta, gb * per_gb + ncold * per_1k / 1000.0, per_gb,
           per_1k);
}

/* Each selected object with its thaw state, then the cost. Exit code or -1. */
static int price(struct rjob *j)
{
    int ncold = 0;
    int64_t cold_bytes = 0;
    char cls[32] = "", buf[32];

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
            ncold++;
            cold_bytes += info.size;
            snprintf(cls, sizeof cls, "%s", info.storage_class);
        }
        printf("  %s  %s  %s\n", j->v[i].key, util_fmt_size(j->v[i].size, buf, sizeof buf),
               info.cold ? (info.thaw == STORE_THAW_READY     ? "cold, restored"
                            : info.thaw == STORE_THAW_PENDING ? "cold, thaw in progress"
                                                              : "cold")
                         : "hot");
    }
    print_estimate(j->o->tier, cold_bytes, ncold, cls);
    fflush(stdout);
    return -1;
}

static int confirm(const restore_opts_t *o)
{
    char line[16];

    if (o->yes)
        return 1;
    if (!isatty(STDIN_FILENO)) {
        log_error("restore: not on a terminal: add --yes to proceed");
        return 0;
    }
    printf("Proceed? [y/N] ");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return line[0] == 'y' || line[0] == 'Y';
}

/* ---- 3. thaw ---- */

/* One pass over the selected objects: request what is cold and not yet
 * requested. Returns how many are still thawing, or -1. */
static int thaw_pass(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    int npending = 0;

    for (size_t i = 0; i < j->n; i++) {
        const char *key = j->v[i].key;
        store_info_t info;
        if (j->v[i].size < 0)
            continue;
        if (store_head(j->s, key, &info) < 0)
            return -1;
        if (!info.cold || info.thaw == STORE_THAW_READY) {
            if (info.cold)
                catalog_restore_record(j->c, key, o->tier, o->days, "ready");
            continue;
        }
        npending++;
        if (info.thaw == STORE_THAW_NONE) {
            if (store_restore(j->s, key, o->days, o->tier) < 0)
                return -1;
            catalog_restore_record(j->c, key, o->tier, o->days, "requested");
            printf("requested restore of %s (tier %s, %d day(s))\n", key, o->tier, o->days);
        }
    }
    return npending;
}

/* Until every object is readable (with --wait), or EXIT_PENDING. Exit code or -1. */
static int thaw(struct rjob *j)
{
    for (int attempt = 0;; attempt++) {
        int npending = thaw_pass(j);
        if (npending < 0)
            return EXIT_FAIL;
        if (npending == 0)
            return -1;
        /* A request may complete at once (file:// with thaw_delay 0): look again. */
        if (attempt == 0)
            continue;
        if (!j->o->wait) {
            printf("%d object(s) still thawing; run the same restore command again later "
                   "(exit code %d)\n",
                   npending, EXIT_PENDING);
            return EXIT_PENDING;
        }
        unsigned delay = attempt < 8 ? 1u << (attempt - 1) : 300;
        if (delay > 300)
            delay = 300;
        log_info("restore: %d object(s) thawing; checking again in %u s", npending, delay);
        util_sleep(delay);
    }
}

/* ---- 4. the pipeline per volume, into staging ---- */

static int fetch_all(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    restore_t *r = NULL;
    pool_t *pool = NULL;
    int code = EXIT_FAIL;

    if (util_mkdirs(o->target, 0755) < 0) {
        log_error("restore: cannot create target %s: %s", o->target, strerror(errno));
        return EXIT_FAIL;
    }
    j->staging = util_asprintf("%s/.coldpack-partial.%d", o->target, (int)getpid());
    j->spool = util_asprintf("%s/.coldpack-spool.%d", o->target, (int)getpid());
    if (!j->staging || !j->spool || util_mkdirs(j->staging, 0700) < 0) {
        log_error("restore: cannot create staging directory in %s", o->target);
        return EXIT_FAIL;
    }
    pool = pool_new(j->cfg->pack.threads);
    r = restore_new(&(restore_params_t){j->s, pool, j->spool, o->glob});
    if (!r)
        goto out;
    for (size_t i = 0; i < j->n; i++) {
        struct obj *ob = &j->v[i];
        restore_stats_t st;
        restore_rc_t rc;
        if (ob->size < 0)
            continue;
        char *dest = util_asprintf("%s/%s/%s/%s", j->staging, ob->tenant, ob->date, ob->source);
        if (!dest)
            goto out;
        rc = restore_volume(r, &(restore_volume_t){ob->key, ob->sha256, ob->size, ob->index, dest},
                            &st);
        free(dest);
        j->refused += st.refused;
        if (rc == RESTORE_FAIL)
            goto out;
        if (rc == RESTORE_CORRUPT) {
            j->corrupt++;
            continue;
        }
        printf("verified and extracted %s: %d entr%s%s\n", ob->key, st.extracted,
               st.extracted == 1 ? "y" : "ies", st.refused ? " (some refused)" : "");
        fflush(stdout);
    }
    if (j->corrupt) {
        log_error("restore: %d object(s) corrupt or unreadable; nothing was moved into %s",
                  j->corrupt, o->target);
        code = EXIT_CORRUPT;
        goto out;
    }
    restore_finish(r);
    code = -1;
out:
    restore_free(r);
    pool_free(pool);
    return code;
}

/* ---- 5. merge into the target ---- */

static int merge_tree(const char *from, const char *to);

/* merge_tree every entry of directory from into directory to. */
static int merge_children(const char *from, const char *to)
{
    DIR *d = opendir(from);
    struct dirent *de;
    int rc = 0;

    if (!d)
        return -1;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *a = util_asprintf("%s/%s", from, de->d_name);
        char *b = util_asprintf("%s/%s", to, de->d_name);
        if (!a || !b || merge_tree(a, b) < 0)
            rc = -1;
        free(a);
        free(b);
    }
    closedir(d);
    return rc;
}

/* Move staging tree `from` into `to`, merging directories. */
static int merge_tree(const char *from, const char *to)
{
    int rc;

    struct stat sf, st;

    if (lstat(from, &sf) < 0)
        return -1;
    if (lstat(to, &st) < 0) {
        if (rename(from, to) == 0)
            return 0;
        log_error("restore: cannot move %s to %s: %s", from, to, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sf.st_mode) || !S_ISDIR(st.st_mode)) {
        if (S_ISDIR(st.st_mode) && !S_ISDIR(sf.st_mode)) {
            log_error("restore: %s exists as a directory; not replacing it with a file", to);
            return -1;
        }
        if (rename(from, to) == 0)
            return 0;
        log_error("restore: cannot replace %s: %s", to, strerror(errno));
        return -1;
    }
    rc = merge_children(from, to);
    struct timespec ts[2] = {sf.st_atim, sf.st_mtim};
    utimensat(AT_FDCWD, to, ts, AT_SYMLINK_NOFOLLOW);
    rmdir(from);
    return rc;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0; /* go on: remove as much as possible */
}

/* ---- the job ---- */

static int run_steps(struct rjob *j)
{
    int code;

    if ((code = plan(j)) >= 0 || (code = price(j)) >= 0)
        return code;
    if (j->o->dry_run)
        return EXIT_OK;
    if (!confirm(j->o))
        return EXIT_USAGE;
    if ((code = thaw(j)) >= 0 || (code = fetch_all(j)) >= 0)
        return code;
    if (merge_children(j->staging, j->o->target) < 0)
        return EXIT_FAIL;
    printf("restore complete: %s%s\n", j->o->target,
           j->refused ? " (with refused entries, see above)" : "");
    return j->refused ? EXIT_WARN : EXIT_OK;
}

int job_restore(const config_t *cfg, const restore_opts_t *o)
{
    struct rjob j = {.cfg = cfg, .o = o};
    int code = EXIT_FAIL;

    j.s = store_open(cfg);
    j.c = j.s ? catalog_open(cfg->catalog.path) : NULL;
    if (j.c)
        code = run_steps(&j);
    if (j.staging)
        nftw(j.staging, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(j.staging);
    free(j.spool);
    plan_free(&j);
    catalog_free(j.c);
    store_free(j.s);
    return code;
}
