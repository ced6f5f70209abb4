/*
 * job_prune.c — explicit expiry: `prune` and `tenant offboard` (job_prune.h).
 *
 * Only these remove backed-up data, and each leaves tombstones in the
 * manifest chain. Order: the catalog is synced from the store (a lost
 * catalog, another host's prune), the plan is made from the catalog, each
 * object is deleted (one the store no longer has, e.g. removed by the S3
 * lifecycle rule, counts as deleted), then one tombstone manifest lists what
 * is gone (key, SHA-256, size, reason), then the catalog moves those objects
 * to its expired table and marks their units expired. A delete the store
 * refuses (Object Lock: 403 AccessDenied on a locked version) keeps the
 * object, says so and leaves its unit "expiring" for a later prune. If the
 * process dies between deleting and writing the tombstone, verify reports
 * the objects missing until the next prune, which finds them gone and
 * records them.
 */
#include "job_prune.h"

#include "catalog.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pjob {
    const config_t *cfg;
    store_t *s;
    catalog_t *c;
    char run_id[64];
    char today[11];
    json_t *units;     /* [{date, source, tenant, reason, objects: [{key, kind, size, sha256}]}] */
    json_t *tomb;      /* tombstone entries written */
    json_t *kept;      /* objects whose delete was refused */
    json_t *offboards; /* tenant entries (offboard) */
    int deleted, refused;
};

static void iso_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Lock (unless dry), open store and catalog, sync the catalog from the
 * store. Exit code, or -1 to go on. */
static int pjob_open(struct pjob *j, const config_t *cfg, int dry)
{
    job_sync_stats_t st;

    memset(j, 0, sizeof *j);
    j->cfg = cfg;
    job_make_run_id(j->run_id, sizeof j->run_id);
    util_today(j->today);
    j->units = json_array();
    j->tomb = json_array();
    j->kept = json_array();
    j->offboards = json_array();
    if (!j->units || !j->tomb || !j->kept || !j->offboards)
        return EXIT_FAIL;
    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    j->s = store_open(cfg);
    j->c = j->s ? catalog_open(cfg->catalog.path) : NULL;
    if (!j->c)
        return EXIT_FAIL;
    if (dry)
        return -1; /* the catalog as it is: a dry run changes nothing */
    if (catalog_begin(j->c) < 0)
        return EXIT_FAIL;
    if (job_sync_catalog(j->s, j->c, 0, &st) < 0 || catalog_commit(j->c) < 0) {
        catalog_rollback(j->c);
        log_error("the catalog cannot be brought up to date from the store %s; nothing deleted",
                  cfg->store.url);
        return st.store_errors ? EXIT_STORE : EXIT_FAIL;
    }
    if (st.manifests > 0)
        log_warn("catalog behind the store: synced %d unit(s) from %d manifest(s)", st.units,
                 st.manifests);
    return -1;
}

static void pjob_close(struct pjob *j)
{
    catalog_free(j->c);
    store_free(j->s);
    json_decref(j->units);
    json_decref(j->tomb);
    json_decref(j->kept);
    json_decref(j->offboards);
}

static int add_object(void *ctx, const catalog_object_t *o)
{
    json_t *objs = ctx;

    if (!o->key || !o->kind || strcmp(o->kind, "manifest") == 0)
        return 0;
    return json_array_append_new(
        objs, json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s?, s:s?}", "key", o->key, "kind", o->kind,
                        "size", (json_int_t)o->size, "sha256", o->sha256 ? o->sha256 : "", "date",
                        o->date, "source", o->source, "tenant", o->tenant));
}

struct unit_pick {
    struct pjob *j;
    const char *reason;
};

/* cols: date, source, tenant, status, ... (catalog_units) */
static int pick_unit(void *ctx, const char *const *col)
{
    struct unit_pick *p = ctx;
    json_t *objs = json_array(), *u;

    if (!col[0] || !col[1] || !col[2] || !col[3] || !objs)
        return json_decref(objs), 0;
    if (strcmp(col[3], "complete") && strcmp(col[3], "expiring")) {
        json_decref(objs);
        return 0;
    }
    for (size_t i = 0; i < json_array_size(p->j->units); i++) {
        u = json_array_get(p->j->units, i);
        if (!strcmp(json_string_value(json_object_get(u, "date")), col[0]) &&
            !strcmp(json_string_value(json_object_get(u, "source")), col[1]) &&
            !strcmp(json_string_value(json_object_get(u, "tenant")), col[2])) {
            json_decref(objs);
            return 0; /* already picked */
        }
    }
    if (catalog_objects(p->j->c, NULL, col[2], col[0], col[0], col[1], add_object, objs) < 0) {
        json_decref(objs);
        return -1;
    }
    u = json_pack("{s:s, s:s, s:s, s:s, s:o}", "date", col[0], "source", col[1], "tenant", col[2],
                  "reason", p->reason, "objects", objs);
    return u ? json_array_append_new(p->j->units, u) : -1;
}

static int pick_offboarded(void *ctx, const char *const *col)
{
    struct unit_pick *p = ctx;

    return col[0] ? catalog_units(p->j->c, col[0], NULL, NULL, pick_unit, p) : 0;
}

/* When a refused object's lock ends, as far as coldpack can tell: the store
 * interface does not report retain-until, but coldpack uploads under Object
 * Lock with retain-until = upload + [retention] days, so that is the
 * estimate (said so); "unknown" when the object cannot be read. */
static void locked_until(struct pjob *j, const char *key, char *out, size_t n)
{
    store_info_t info;
    char day[11];
    time_t t;
    struct tm tm;

    if (store_head(j->s, key, &info) < 0 || info.mtime <= 0) {
        snprintf(out, n, "unknown (the store did not report it)");
        return;
    }
    t = (time_t)info.mtime + (time_t)j->cfg->retention.days * 86400;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(out, n, "about %s (upload + %d day(s))", day, j->cfg->retention.days);
}

/* Delete the planned objects; fill tomb and kept. */
static void delete_planned(struct pjob *j, int quiet)
{
    size_t i, k;
    json_t *u, *ob;

    json_array_foreach(j->units, i, u)
    {
        int gone = 0, kept = 0;
        const char *reason = json_string_value(json_object_get(u, "reason"));
        json_array_foreach(json_object_get(u, "objects"), k, ob)
        {
            const char *key = json_string_value(json_object_get(ob, "key"));
            int rc = store_del(j->s, key);
            if (rc == STORE_OK || rc == STORE_NOTFOUND) {
                json_t *t = json_deep_copy(ob);
                json_object_del(t, "kind");
                json_object_set_new(t, "reason", json_string(reason));
                json_array_append_new(j->tomb, t);
                json_object_set_new(ob, "deleted", json_true());
                gone++;
            } else {
                json_t *t = json_deep_copy(ob);
                char until[64];
                locked_until(j, key, until, sizeof until);
                json_object_set_new(t, "locked_until", json_string(until));
                json_array_append_new(j->kept, t);
                printf("KEPT %s: the store refused the delete (Object Lock retention not "
                       "expired, or a store error: see the log); locked until %s; a later "
                       "prune retries\n",
                       key, until);
                kept++;
            }
        }
        j->deleted += gone;
        j->refused += kept;
        json_object_set_new(u, "status", json_string(kept ? "expiring" : "expired"));
        if (!quiet && gone)
            printf("%s %s %s %s: %d object(s) deleted%s\n",
                   !strcmp(reason, "offboard") ? "OFFBOARDED" : "EXPIRED",
                   json_string_value(json_object_get(u, "date")),
                   json_string_value(json_object_get(u, "source")),
                   json_string_value(json_object_get(u, "tenant")), gone,
                   kept ? ", some kept (see KEPT above)" : "");
    }
}

/* The tombstone manifest, then the catalog. Exit code. */
static int record(struct pjob *j, const char *outcome, char **mkey, char msha[65])
{
    json_t *all = json_deep_copy(j->tomb);
    manifest_run_info_t ri = {
        j->run_id, j->today, (int64_t)time(NULL),      (int64_t)time(NULL),
        outcome,   NULL,     j->cfg->audit.signing_key}; /* tombstones are signed too */
    size_t i, k;
    json_t *u, *ob;

    *mkey = NULL;
    if (!all || json_array_extend(all, j->offboards) < 0) {
        json_decref(all);
        return EXIT_FAIL;
    }
    if (json_array_size(all) == 0) {
        json_decref(all);
        return EXIT_OK;
    }
    if (manifest_write_tombstones(j->s, &ri, all, mkey, msha) < 0) {
        json_decref(all);
        log_error("%d object(s) were deleted but their tombstones could not be written to the "
                  "store: verify reports them missing until the next prune records them",
                  j->deleted);
        return EXIT_STORE;
    }
    json_decref(all);
    catalog_run_t r = {j->run_id, j->today, ri.started, ri.finished, outcome, *mkey, msha};
    catalog_object_t mo = {*mkey, "manifest", j->today, NULL,       NULL,
                           0,     0,          msha,     "STANDARD", j->run_id};
    if (catalog_begin(j->c) < 0)
        goto fail;
    if (catalog_run_record(j->c, &r) < 0 || catalog_object_add(j->c, &mo) < 0)
        goto fail;
    json_array_foreach(j->units, i, u)
    {
        const char *reason = json_string_value(json_object_get(u, "reason"));
        json_array_foreach(json_object_get(u, "objects"), k, ob)
        {
            if (json_is_true(json_object_get(ob, "deleted")) &&
                catalog_object_expire(j->c, json_string_value(json_object_get(ob, "key")), reason,
                                      j->run_id, j->today, NULL) < 0)
                goto fail;
        }
        if (catalog_unit_set_status(j->c, json_string_value(json_object_get(u, "date")),
                                    json_string_value(json_object_get(u, "source")),
                                    json_string_value(json_object_get(u, "tenant")),
                                    json_string_value(json_object_get(u, "status"))) < 0)
            goto fail;
    }
    json_array_foreach(j->offboards, i, ob)
    {
        if (catalog_offboard_set(j->c, json_string_value(json_object_get(ob, "tenant")), j->today,
                                 j->run_id) < 0)
            goto fail;
    }
    if (catalog_commit(j->c) < 0)
        goto fail;
    return EXIT_OK;
fail:
    catalog_rollback(j->c);
    log_error("the tombstones are in the store (%s) but the catalog could not record them: the "
              "next run or prune syncs them",
              *mkey);
    return EXIT_FAIL;
}

/* Ask on a terminal; refuse off one. Exit code, or -1 to go on. */
static int consent(const char *what, int yes)
{
    char line[16];

    if (yes)
        return -1;
    if (!isatty(STDIN_FILENO)) {
        log_error("%s: stdin is not a terminal and --yes was not given: nothing deleted", what);
        return EXIT_USAGE;
    }
    printf("Proceed? [y/N] ");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
        printf("%s cancelled: nothing deleted\n", what);
        return EXIT_FAIL;
    }
    return -1;
}

static size_t count_objects(json_t *units)
{
    size_t i, n = 0;
    json_t *u;

    json_array_foreach(units, i, u)
    {
        n += json_array_size(json_object_get(u, "objects"));
    }
    return n;
}

int job_prune(const config_t *cfg, const prune_opts_t *o)
{
    struct pjob j;
    char cutoff[11], *mkey = NULL, msha[65];
    int code = pjob_open(&j, cfg, o->dry_run);
    struct unit_pick pr = {&j, "retention"}, po = {&j, "offboard"};
    size_t i;
    json_t *u;

    if (code >= 0)
        goto out;
    code = EXIT_FAIL;
    /* expired: date + days < today, i.e. date <= today - days - 1 */
    if (util_date_add(j.today, -cfg->retention.days - 1, cutoff) < 0 ||
        catalog_units(j.c, NULL, NULL, cutoff, pick_unit, &pr) < 0 ||
        catalog_offboarded(j.c, pick_offboarded, &po) < 0)
        goto out;
    size_t nobj = count_objects(j.units);
    if (o->dry_run) {
        json_array_foreach(j.units, i, u)
        {
            printf("WOULD DELETE %s %s %s: %zu object(s) (%s)\n",
                   json_string_value(json_object_get(u, "date")),
                   json_string_value(json_object_get(u, "source")),
                   json_string_value(json_object_get(u, "tenant")),
                   json_array_size(json_object_get(u, "objects")),
                   json_string_value(json_object_get(u, "reason")));
        }
        printf("prune --dry-run: today %s, retention %d day(s): would delete %zu object(s) of "
               "%zu unit(s) dated up to %s; nothing changed\n",
               j.today, cfg->retention.days, nobj, json_array_size(j.units), cutoff);
        code = EXIT_OK;
        goto out;
    }
    if (json_array_size(j.units) == 0) {
        if (!o->quiet)
            printf("prune: today %s, retention %d day(s): nothing dated up to %s to delete\n",
                   j.today, cfg->retention.days, cutoff);
        code = EXIT_OK;
        goto out;
    }
    if (!o->yes) {
        printf("prune: delete %zu object(s) of %zu unit(s) dated up to %s (retention %d "
               "day(s), today %s)\n",
               nobj, json_array_size(j.units), cutoff, cfg->retention.days, j.today);
        if ((code = consent("prune", o->yes)) >= 0)
            goto out;
    }
    delete_planned(&j, o->quiet);
    code = record(&j, "prune", &mkey, msha);
    if (code != EXIT_OK)
        goto out;
    if (!o->quiet)
        printf("prune: %d object(s) deleted of %zu unit(s), tombstones in %s; %d kept "
               "(delete refused)\n",
               j.deleted, json_array_size(j.units), mkey ? mkey : "(none)", j.refused);
    code = j.refused ? EXIT_WARN : EXIT_OK;
out:
    free(mkey);
    pjob_close(&j);
    return code;
}

/* ---- tenant offboard ---- */

/* Objects under tenant=T/ the catalog does not know (unattested leftovers):
 * deleted too, their SHA-256 from the store's metadata. */
struct stray {
    struct pjob *j;
    json_t *known, *objs;
};

static int collect_stray(void *ctx, const char *key, int64_t size)
{
    struct stray *st = ctx;
    store_info_t info;
    objkey_parts_t kp;

    if (json_object_get(st->known, key))
        return 0;
    if (objkey_parse(key, &kp) < 0)
        return 0;
    memset(&info, 0, sizeof info);
    store_head(st->j->s, key, &info);
    json_array_append_new(st->objs,
                          json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "key", key, "kind",
                                    kp.kind == OBJKEY_VOLUME ? "data" : "index", "size",
                                    (json_int_t)size, "sha256", info.sha256, "date", kp.date,
                                    "source", kp.source, "tenant", kp.tenant));
    objkey_parts_free(&kp);
    return 0;
}

/* Overwrite, sync and unlink path. 1 destroyed, 0 absent, -1 failed. */
static int shred_file(const char *path)
{
    struct stat sb;
    char zero[4096];
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    memset(zero, 0, sizeof zero);
    if (fstat(fd, &sb) == 0)
        for (off_t off = 0; off < sb.st_size; off += (off_t)sizeof zero)
            if (write(fd, zero, sizeof zero) < 0)
                break;
    fsync(fd);
    close(fd);
    return unlink(path) == 0 ? 1 : -1;
}

static int write_file_0600(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t n = strlen(text);

    if (fd < 0) {
        log_error("cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (write(fd, text, n) != (ssize_t)n || fsync(fd) < 0) {
        log_error("cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return close(fd);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static char *cert_text(json_t *cert)
{
    size_t i, len = 0;
    json_t *ob;
    char *out = NULL;
    FILE *f = open_memstream(&out, &len);

    if (!f)
        return NULL;
    fprintf(f, "COLDPACK DELETION CERTIFICATE\n\n");
    fprintf(f, "Tenant:          %s\n", str(cert, "tenant"));
    fprintf(f, "Issued:          %s (day %s)\n", str(cert, "issued"), str(cert, "today"));
    fprintf(f, "Store:           %s\n", str(cert, "store"));
    fprintf(f, "Run:             %s\n", str(cert, "run_id"));
    fprintf(f, "Tombstones:      %s (SHA-256 %s)\n", str(cert, "manifest"),
            str(cert, "manifest_sha256"));
    fprintf(f, "Deleted now:     %zu object(s)\n",
            json_array_size(json_object_get(cert, "deleted")));
    fprintf(f, "Scheduled:       %zu object(s) locked, deleted by prune when the lock expires\n",
            json_array_size(json_object_get(cert, "scheduled")));
    fprintf(f, "Crypto-shredded: %s\n",
            json_is_true(json_object_get(cert, "crypto_shredded")) ? "yes" : "no");
    json_array_foreach(json_object_get(cert, "shredded_identities"), i, ob)
    {
        fprintf(f, "  destroyed identity %s\n", json_string_value(ob));
    }
    json_array_foreach(json_object_get(cert, "must_also_destroy"), i, ob)
    {
        fprintf(f, "  must also be destroyed: %s\n", json_string_value(ob));
    }
    fprintf(f, "\nDeleted objects (date source key sha256):\n");
    json_array_foreach(json_object_get(cert, "deleted"), i, ob)
    {
        fprintf(f, "  %s %s %s %s\n", str(ob, "date"), str(ob, "source"), str(ob, "key"),
                str(ob, "sha256"));
    }
    fprintf(f, "\nScheduled for deletion at lock expiry (date source key locked until):\n");
    json_array_foreach(json_object_get(cert, "scheduled"), i, ob)
    {
        fprintf(f, "  %s %s %s %s\n", str(ob, "date"), str(ob, "source"), str(ob, "key"),
                str(ob, "locked_until"));
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* --shred: destroy the identity files coldpack knows; say what else must go. */
static int shred_tenant(const config_t *cfg, const char *tenant, json_t *cert)
{
    const config_encryption_t *e = &cfg->encryption;
    json_t *done = json_array(), *also = json_array();
    char name[1024];
    int shredded = 0, rc = 0;

    if (!done || !also || keys_tenant_name(tenant, name, sizeof name) < 0) {
        json_decref(done);
        json_decref(also);
        return -1;
    }
    if (e->identities_dir) {
        char *p = util_asprintf("%s/%s.key", e->identities_dir, name);
        int r = p ? shred_file(p) : -1;
        if (r > 0) {
            json_array_append_new(done, json_string(p));
            shredded = 1;
            printf("SHREDDED identity %s\n", p);
        } else if (r < 0) {
            log_error("offboard: cannot destroy %s: %s", p ? p : "(identity)", strerror(errno));
            rc = -1;
        }
        free(p);
    }
    if (e->recipients_dir) {
        char *esc = util_asprintf("%s/%s.escrow.txt", e->recipients_dir, name);
        struct stat sb;
        if (esc && stat(esc, &sb) == 0) {
            char *m = util_asprintf("the escrow identities matching the recipients in %s (held "
                                    "by the escrow agent)",
                                    esc);
            json_array_append_new(also, json_string(m ? m : esc));
            free(m);
        }
        free(esc);
        char *m = util_asprintf("every offline copy of %s's identity (%s.key: backups of "
                                "identities_dir, copies made by `coldpack keygen --out`, the "
                                "tenant's own copy)",
                                tenant, name);
        json_array_append_new(also, json_string(m ? m : name));
        free(m);
    } else {
        json_array_append_new(also, json_string("nothing to shred: [encryption] is not "
                                                "configured, objects still locked stay readable "
                                                "until prune deletes them"));
    }
    json_object_set_new(cert, "crypto_shredded", json_boolean(shredded));
    json_object_set_new(cert, "shredded_identities", done);
    json_object_set_new(cert, "must_also_destroy", also);
    size_t i;
    json_t *m;
    json_array_foreach(also, i, m)
    {
        printf("DESTROY OFFLINE %s\n", json_string_value(m));
    }
    return rc;
}

int job_offboard(const config_t *cfg, const offboard_opts_t *o)
{
    struct pjob j;
    char *mkey = NULL, msha[65] = "", issued[32];
    int code;
    struct unit_pick po = {&j, "offboard"};
    json_t *cert = NULL, *deleted = NULL, *known = NULL, *stray = NULL;
    char *prefix = NULL, *jpath = NULL, *tpath = NULL, *txt = NULL, *jtxt = NULL;
    size_t i, k;
    json_t *u, *ob;

    if (!objkey_name_ok(o->tenant)) {
        log_error("tenant offboard: %s is not a tenant name coldpack writes", o->tenant);
        return EXIT_USAGE;
    }
    code = pjob_open(&j, cfg, 0);
    if (code >= 0)
        goto out;
    code = EXIT_FAIL;
    if (catalog_units(j.c, o->tenant, NULL, NULL, pick_unit, &po) < 0)
        goto out;
    /* what the catalog does not know under tenant=T/ goes too */
    known = json_object();
    stray = json_array();
    prefix = util_asprintf("%s%s/", OBJKEY_DATA_ROOT, o->tenant);
    if (!known || !stray || !prefix)
        goto out;
    json_array_foreach(j.units, i, u)
    {
        json_array_foreach(json_object_get(u, "objects"), k, ob)
        {
            json_object_set_new(known, json_string_value(json_object_get(ob, "key")), json_true());
        }
    }
    struct stray sc = {&j, known, stray};
    if (store_list(j.s, prefix, collect_stray, &sc) < 0) {
        code = EXIT_STORE;
        goto out;
    }
    if (json_array_size(stray))
        json_array_append_new(j.units, json_pack("{s:s, s:s, s:s, s:s, s:O}", "date", "", "source",
                                                 "", "tenant", o->tenant, "reason", "offboard",
                                                 "objects", stray));
    printf("tenant offboard %s: %zu object(s) of %zu unit(s) to delete; future runs skip %s\n",
           o->tenant, count_objects(j.units), json_array_size(j.units), o->tenant);
    if ((code = consent("tenant offboard", o->yes)) >= 0)
        goto out;
    delete_planned(&j, o->quiet);
    cert = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "format", "coldpack-deletion-certificate-1",
                     "tenant", o->tenant, "run_id", j.run_id, "today", j.today, "store",
                     cfg->store.url, "crypto_shredded", 0);
    if (!cert)
        goto out;
    iso_now(issued);
    json_object_set_new(cert, "issued", json_string(issued));
    if (o->shred && shred_tenant(cfg, o->tenant, cert) < 0)
        log_warn("offboard: an identity could not be destroyed (see above)");
    /* the tenant's own tombstone: every host's next sync excludes it */
    json_array_append_new(j.offboards,
                          json_pack("{s:s, s:s, s:O, s:b}", "tenant", o->tenant, "reason",
                                    "offboard", "scheduled", j.kept, "shredded",
                                    json_is_true(json_object_get(cert, "crypto_shredded"))));
    code = record(&j, "offboard", &mkey, msha);
    if (code != EXIT_OK)
        goto out;
    /* an object with nothing to tombstone (stray, no unit) is fine: the unit
     * row update is a no-op */
    deleted = json_deep_copy(j.tomb);
    json_object_set_new(cert, "deleted", deleted ? deleted : json_array());
    json_object_set(cert, "scheduled", j.kept);
    json_object_set_new(cert, "manifest", json_string(mkey ? mkey : ""));
    json_object_set_new(cert, "manifest_sha256", json_string(msha));
    json_object_set_new(cert, "deleted_count", json_integer(j.deleted));
    json_object_set_new(cert, "scheduled_count", json_integer(j.refused));
    const char *dir = o->out ? o->out : ".";
    jpath = util_asprintf("%s/coldpack-offboard-%s-%s.json", dir, o->tenant, j.run_id);
    tpath = util_asprintf("%s/coldpack-offboard-%s-%s.txt", dir, o->tenant, j.run_id);
    jtxt = json_dumps(cert, JSON_INDENT(2) | JSON_SORT_KEYS);
    txt = cert_text(cert);
    if (!jpath || !tpath || !jtxt || !txt || write_file_0600(jpath, jtxt) < 0 ||
        write_file_0600(tpath, txt) < 0) {
        log_error("tenant offboard %s: done (tombstones in %s) but the deletion certificate "
                  "could not be written",
                  o->tenant, mkey ? mkey : "?");
        code = EXIT_FAIL;
        goto out;
    }
    printf("tenant offboard %s: %d object(s) deleted, %d scheduled for deletion at lock "
           "expiry; tombstones in %s; certificate %s and %s\n",
           o->tenant, j.deleted, j.refused, mkey ? mkey : "?", jpath, tpath);
    code = j.refused ? EXIT_WARN : EXIT_OK;
out:
    free(mkey);
    free(prefix);
    free(jpath);
    free(tpath);
    free(txt);
    free(jtxt);
    json_decref(cert);
    json_decref(known);
    json_decref(stray);
    pjob_close(&j);
    return code;
}
