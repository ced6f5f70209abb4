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
 *    extract) into a private staging directory inside the target
 *    (mkdtemp ".coldpack-staging.XXXXXX", 0700, never reused) whose marker
 *    file "owner" names host, pid, boot id and the process start time; a
 *    damaged object is named and counted, the others still go through.
 *    Before that, staging directories of restores that were killed (their
 *    process is gone, or the pid now belongs to another process, or the
 *    machine rebooted) are removed; a live one is left with a warning.
 * 5. Only when every object verified and extracted is the staging tree
 *    merged into the target (by directory fds, never through a symlink),
 *    so an interrupted or failed restore never leaves a tree that looks
 *    complete. Nothing already in the target is replaced unless
 *    --overwrite: such files are refused and named (exit 3).
 *
 * Trust: every name that becomes a path (tenant, date, source) comes from
 * a catalog row that is checked (objkey_name_ok, a calendar date, a key
 * that parses to the same names). An index is used only when its bytes
 * match the catalog's SHA-256 and it names the same volume; for --path it
 * must also account for the whole tar, else the volume is kept and the
 * glob applied while extracting. An untrusted index costs speed (sequential
 * decoding), never correctness.
 *
 * Encryption (docs/encryption.md): identities from --identity FILE (each
 * refused unless mode 0600-ish, age_identities_load) open ".age" indexes
 * while planning and ".age" volumes after verification. An object none of
 * them opens stops the restore before anything is thawed (its index) or
 * moved (its volume), naming the recipients it was written for as far as
 * this host's [encryption] recipients_dir knows.
 *
 * Restored layout: <target>/<tenant>/<date>/<source>/<path in tenant>.
 */
#include "job.h"

#include "age.h"
#include "array.h"
#include "catalog.h"
#include "index.h"
#include "keys.h"
#include "log.h"
#include "objkey.h"
#include "restore.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGING_PREFIX ".coldpack-staging."
#define MARKER         "owner"

struct obj {
    char *key, *index_key, *sha256, *date, *source, *tenant;
    char *index_sha256; /* from the catalog's index row, or NULL */
    int64_t index_size;
    int volno;
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
    char *staging;       /* name of our staging directory in the target */
    age_identity_t *ids; /* from --identity files */
    size_t nids;
    int targetfd, stagefd;
    int refused, corrupt;
    int bad_row; /* a catalog row was rejected: the plan is incomplete */
};

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
        free(o->index_sha256);
        json_decref(o->index);
    }
    free(j->v);
}

/* An encrypted object that none of the --identity files opens. */
static void no_key_error(const struct rjob *j, const char *key, const char *tenant)
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
static int load_identities(struct rjob *j)
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

/* Catalog query, indexes, --path filter, the plan line. Exit code or -1 to go on. */
static int plan(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    char buf[32];

    if (catalog_objects(j->c, "data", o->tenant, o->from, o->to, o->source, plan_add, j) < 0 ||
        j->bad_row)
        return EXIT_FAIL;
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
            no_key_error(j, ob->index_key, ob->tenant);
            return EXIT_FAIL;
        }
        if (ob->index && !index_describes(ob->index, ob->key, ob->tenant, ob->date, ob->source,
                                          ob->volno, ob->sha256, ob->size)) {
            log_warn("index %s does not describe volume %s (names, key, size or SHA-256 differ); "
                     "not using it",
                     ob->index_key, ob->key);
            json_decref(ob->index);
            ob->index = NULL;
        }
        if (!ob->index)
            log_warn("restore: no trusted index for %s: it is decoded sequentially%s", ob->key,
                     o->glob ? " and --path applied while extracting" : "");
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

/* -1 to proceed; EXIT_USAGE off a terminal without --yes; EXIT_FAIL when
 * the operator declines (anything but y, or end of input). */
static int confirm(const restore_opts_t *o)
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

/* ---- 4. staging: private, marked, stale ones of killed restores removed ---- */

/* Remove name (a file, link or tree) in dirfd without following symlinks. */
static void rm_at(int dfd, const char *name)
{
    int fd;
    DIR *d;
    struct dirent *de;

    if (unlinkat(dfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        return;
    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    fchmod(fd, 0700); /* restored directories may be read-only */
    if (!(d = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            rm_at(dirfd(d), de->d_name);
    closedir(d);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

/* This machine's boot id and pid's start time (clock ticks since boot,
 * field 22 of /proc/PID/stat): together they name one process. 0 or -1. */
static int proc_identity(int pid, char boot[64], unsigned long long *start)
{
    char path[64], buf[1024], *p;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    size_t n;

    if (!f || !fgets(boot, 64, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    boot[strcspn(boot, "\n")] = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!(f = fopen(path, "r")))
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    if (!(p = strrchr(buf, ')')))
        return -1;
    /* after ") ": state is field 3; starttime is field 22 */
    p += 2;
    for (int field = 3; field < 22 && p; field++)
        if ((p = strchr(p, ' ')))
            p++;
    return p && sscanf(p, "%llu", start) == 1 ? 0 : -1;
}

static void host_name(char host[256])
{
    if (gethostname(host, 256) < 0)
        snprintf(host, 256, "unknown");
    host[255] = 0;
}

/* Is the staging directory `name` in targetfd (fd sfd) of a live restore?
 * 1 live (or cannot tell), 0 stale; *why gets a reason for messages. */
static int staging_live(int sfd, const struct stat *sb, const char **why)
{
    char buf[1024], host[256], mhost[256] = "", mboot[64] = "", boot[64];
    unsigned long long mstart = 0, start;
    int mpid = 0, fd = openat(sfd, MARKER, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        /* killed between mkdtemp and the marker: only old ones are taken */
        *why = "no marker";
        return time(NULL) - sb->st_mtime < 3600;
    }
    buf[n] = 0;
    if (sscanf(buf, "coldpack-staging-1\nhost=%255[^\n]\npid=%d\nboot_id=%63[^\n]\nstart=%llu",
               mhost, &mpid, mboot, &mstart) != 4 ||
        mpid <= 0) {
        *why = "unreadable marker";
        return time(NULL) - sb->st_mtime < 3600;
    }
    host_name(host);
    if (strcmp(host, mhost)) {
        *why = "made on another host";
        return 1;
    }
    if (proc_identity(getpid(), boot, &start) < 0) {
        *why = "cannot read /proc";
        return 1;
    }
    if (strcmp(boot, mboot)) {
        *why = "made before the last reboot";
        return 0;
    }
    if (proc_identity(mpid, boot, &start) < 0) {
        *why = "its process is gone";
        return 0;
    }
    if (start != mstart) {
        *why = "its pid now belongs to another process";
        return 0;
    }
    *why = "its restore is still running";
    return 1;
}

/* Remove the staging directories of killed restores in the target. */
static void clean_stale(int targetfd, const char *target)
{
    int dfd = openat(targetfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;

    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    while ((de = readdir(d))) {
        struct stat sb;
        const char *why = "";
        int sfd;
        if (strncmp(de->d_name, STAGING_PREFIX, strlen(STAGING_PREFIX)))
            continue;
        sfd = openat(targetfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0 || fstat(sfd, &sb) < 0 || sb.st_uid != geteuid()) {
            log_warn("restore: %s/%s is not a staging directory of ours; leaving it", target,
                     de->d_name);
        } else if (staging_live(sfd, &sb, &why)) {
            log_warn("restore: staging directory %s/%s left alone: %s", target, de->d_name, why);
        } else {
            log_info("restore: removing stale staging directory %s/%s (%s)", target, de->d_name,
                     why);
            rm_at(targetfd, de->d_name);
        }
        if (sfd >= 0)
            close(sfd);
    }
    closedir(d);
}

/* Make our staging directory (mkdtemp: new, 0700) with its marker and tree. */
static int make_staging(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    char *tmpl = util_asprintf("%s/" STAGING_PREFIX "XXXXXX", o->target);
    char host[256], boot[64] = "?", *m = NULL;
    unsigned long long start = 0;
    struct stat sb;
    int fd = -1, rc = -1;

    if (!tmpl || !mkdtemp(tmpl)) {
        log_error("restore: cannot create a staging directory in %s: %s", o->target,
                  strerror(errno));
        goto out;
    }
    j->staging = strdup(strrchr(tmpl, '/') + 1);
    j->stagefd = j->staging ? openat(j->targetfd, j->staging,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                            : -1;
    if (j->stagefd < 0 || fstat(j->stagefd, &sb) < 0 || sb.st_uid != geteuid() ||
        (sb.st_mode & 077)) {
        log_error("restore: staging directory %s is not private", tmpl);
        goto out;
    }
    host_name(host);
    proc_identity(getpid(), boot, &start);
    m = util_asprintf("coldpack-staging-1\nhost=%s\npid=%d\nboot_id=%s\nstart=%llu\n", host,
                      (int)getpid(), boot, start);
    fd = openat(j->stagefd, MARKER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (!m || fd < 0 || util_write_all(fd, m, strlen(m)) < 0 ||
        mkdirat(j->stagefd, "tree", 0700) < 0) {
        log_error("restore: cannot set up staging directory %s: %s", tmpl, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(m);
    free(tmpl);
    return rc;
}

/* ---- the pipeline per volume, into staging ---- */

static int fetch_all(struct rjob *j)
{
    const restore_opts_t *o = j->o;
    restore_t *r = NULL;
    pool_t *pool = NULL;
    restore_stats_t st;
    int code = EXIT_FAIL;

    if (util_mkdirs(o->target, UTIL_DIR_MODE) < 0 ||
        (j->targetfd = open(o->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        log_error("restore: cannot create target %s: %s", o->target, strerror(errno));
        return EXIT_FAIL;
    }
    clean_stale(j->targetfd, o->target);
    if (make_staging(j) < 0)
        return EXIT_FAIL;
    pool = pool_new(j->cfg->pack.threads);
    r = restore_new(
        &(restore_params_t){j->s, pool, j->stagefd, o->glob, o->same_owner, j->ids, j->nids});
    if (!r)
        goto out;
    for (size_t i = 0; i < j->n; i++) {
        struct obj *ob = &j->v[i];
        restore_rc_t rc;
        if (ob->size < 0)
            continue;
        char *dest = util_asprintf("tree/%s/%s/%s", ob->tenant, ob->date, ob->source);
        if (!dest)
            goto out;
        rc = restore_volume(r, &(restore_volume_t){ob->key, ob->sha256, ob->size, ob->index, dest},
                            &st);
        free(dest);
        j->refused += st.refused;
        if (rc == RESTORE_NO_KEY)
            no_key_error(j, ob->key, ob->tenant);
        if (rc == RESTORE_FAIL || rc == RESTORE_NO_KEY)
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
    restore_finish(r, &st);
    j->refused += st.refused;
    code = -1;
out:
    restore_free(r);
    pool_free(pool);
    return code;
}

/* ---- 5. merge into the target ---- */

static int merge_dir(struct rjob *j, int from, int to, const char *rel);

/* Move entry name of directory fd from into directory fd to (rel: its path
 * in the target, for messages). */
static int merge_one(struct rjob *j, int from, int to, const char *name, const char *rel)
{
    struct stat sf, st;
    int rc = 0;

    if (fstatat(from, name, &sf, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    if (fstatat(to, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT && renameat2(from, name, to, name, RENAME_NOREPLACE) == 0)
            return 0;
        log_error("restore: cannot move %s into %s: %s", rel, j->o->target, strerror(errno));
        return -1;
    }
    if (S_ISDIR(sf.st_mode) && S_ISDIR(st.st_mode)) {
        int a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int b = a >= 0 ? openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        rc = b >= 0 ? merge_dir(j, a, b, rel) : -1;
        if (b >= 0) {
            struct timespec ts[2] = {sf.st_atim, sf.st_mtim};
            futimens(b, ts);
            close(b);
        }
        if (a >= 0)
            close(a);
        return rc;
    }
    if (!j->o->overwrite || S_ISDIR(st.st_mode)) {
        printf("REFUSED %s/%s: already exists in the target%s\n", j->o->target, rel,
               S_ISDIR(st.st_mode) ? " as a directory" : " (--overwrite replaces it)");
        log_warn("restore: not replacing %s/%s", j->o->target, rel);
        j->refused++;
        return 0;
    }
    if (S_ISDIR(sf.st_mode) && unlinkat(to, name, 0) < 0) {
        log_error("restore: cannot replace %s/%s: %s", j->o->target, rel, strerror(errno));
        return -1;
    }
    if (renameat(from, name, to, name) < 0) {
        log_error("restore: cannot replace %s/%s: %s", j->o->target, rel, strerror(errno));
        return -1;
    }
    return 0;
}

static int merge_dir(struct rjob *j, int from, int to, const char *rel)
{
    int fd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *sub = *rel ? util_asprintf("%s/%s", rel, de->d_name) : strdup(de->d_name);
        if (!sub || merge_one(j, from, to, de->d_name, sub) < 0)
            rc = -1;
        free(sub);
    }
    closedir(d);
    return rc;
}

static int merge(struct rjob *j)
{
    int tree = openat(j->stagefd, "tree", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = tree >= 0 ? merge_dir(j, tree, j->targetfd, "") : -1;

    if (tree >= 0)
        close(tree);
    return rc;
}

/* ---- the job ---- */

static int run_steps(struct rjob *j)
{
    int code;

    if ((code = plan(j)) >= 0 || (code = price(j)) >= 0)
        return code;
    if (j->o->dry_run)
        return EXIT_OK;
    if ((code = confirm(j->o)) >= 0)
        return code;
    if ((code = thaw(j)) >= 0 || (code = fetch_all(j)) >= 0)
        return code;
    if (merge(j) < 0)
        return EXIT_FAIL;
    printf("restore complete: %s%s\n", j->o->target,
           j->refused ? " (with refused entries, see above)" : "");
    return j->refused ? EXIT_WARN : EXIT_OK;
}

int job_restore(const config_t *cfg, const restore_opts_t *o)
{
    struct rjob j = {.cfg = cfg, .o = o, .targetfd = -1, .stagefd = -1};
    int code = EXIT_FAIL;

    if (load_identities(&j) < 0)
        goto out;
    j.s = store_open(cfg);
    j.c = j.s ? catalog_open(cfg->catalog.path) : NULL;
    if (j.c)
        code = run_steps(&j);
    if (j.staging && j.targetfd >= 0)
        rm_at(j.targetfd, j.staging);
    if (j.stagefd >= 0)
        close(j.stagefd);
    if (j.targetfd >= 0)
        close(j.targetfd);
out:
    free(j.staging);
    age_identities_free(j.ids, j.nids);
    plan_free(&j);
    catalog_free(j.c);
    store_free(j.s);
    return code;
}
