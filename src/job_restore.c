/*
 * job_restore.c — the restore job: which objects, at what cost, once thawed,
 * through the restore pipeline (restore.c), into place.
 *
 * 1. Plan from the catalog: data objects of the tenant in [from, to]
 *    (optionally one source); names from catalog rows are checked before
 *    they become directories. Each volume's index (hot) is read: with a path
 *    glob, volumes without a matching file are dropped; the block table
 *    serves parallel decoding and damage location.
 * 2. Show what will be fetched (objects, bytes, days without backup, the
 *    space needed against the space free at the target — refused when
 *    short —, tier time, retrieval and transfer-out cost; expedited refused
 *    for DEEP_ARCHIVE) and get consent (--yes, or a TTY prompt).
 * 3. Cold objects: request a restore (recorded in the catalog); a restore
 *    that requests thaws is a job (catalog restore_jobs, `restore list`),
 *    found again by its arguments; without --wait, return EXIT_PENDING so
 *    cron can call the same command later; with --wait, poll with capped
 *    exponential back-off. The run that finishes the job closes it and
 *    sends a "thaw complete" event to [notify].
 * 4. Each volume goes through restore_volume (fetch, verify, decode, safe
 *    extract) into a private staging directory inside the target
 *    (mkdtemp ".coldpack-staging.XXXXXX", 0700, never reused) whose marker
 *    file "owner" names host, pid, boot id and the process start time; a
 *    damaged object is named and counted, the others still go through.
 *    Before that, staging directories of restores that were killed (their
 *    process is gone, or the pid now belongs to another process, or the
 *    machine rebooted) are removed; a live one is left with a warning.
 * 5. Only when every object verified and extracted (with --partial: the
 *    ones that did; the others are named, exit 3) is the staging tree
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
 *
 * Steps 1 and 2 (plan, price, consent) are in job_restore_plan.c; this file
 * runs the job's steps and holds thaw, staging, fetch and merge.
 */
#include "job.h"
#include "job_restore.h"

#include "age.h"
#include "array.h"
#include "catalog.h"
#include "index.h"
#include "keys.h"
#include "log.h"
#include "notify.h"
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

/* ---- 3. thaw ---- */

/* One pass over the selected objects: request what is cold and not yet
 * requested. Returns how many are still thawing, or -1. */
static int thaw_pass(struct rjob *j, int *nrequested)
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
            (*nrequested)++;
        }
    }
    j->nready = (int)j->nsel - npending;
    return npending;
}

/* The restore job of these arguments in the catalog: found (a pending one
 * of an earlier run), or recorded now when this run requested thaws. A
 * catalog error only costs the tracking (logged). */
static void job_track(struct rjob *j, int nrequested, int npending)
{
    const restore_opts_t *o = j->o;
    catalog_restore_job_t k = {.tenant = o->tenant,
                               .from = o->from,
                               .to = o->to,
                               .source = o->source,
                               .glob = o->glob,
                               .target = o->target,
                               .tier = o->tier};
    time_t now = time(NULL);

    if (!j->job_id && (j->job_id = catalog_restore_job_find(j->c, &k)) < 0)
        j->job_id = 0;
    if (!j->job_id && nrequested > 0) {
        k.requested = now;
        k.eta = now + j->eta_secs;
        k.objects = (int)j->nsel;
        k.ready = j->nready;
        if ((j->job_id = catalog_restore_job_add(j->c, &k)) < 0)
            j->job_id = 0;
        else
            printf("restore job %lld recorded: %d object(s), %d thawing (coldpack restore list "
                   "shows it)\n",
                   (long long)j->job_id, (int)j->nsel, npending);
    } else if (j->job_id) {
        catalog_restore_job_update(j->c, j->job_id, (int)j->nsel, j->nready, "pending");
    }
}

/* Until every object is readable (with --wait), or EXIT_PENDING. Exit code or -1. */
static int thaw(struct rjob *j)
{
    for (int attempt = 0;; attempt++) {
        int nrequested = 0, npending = thaw_pass(j, &nrequested);
        if (npending < 0)
            return EXIT_FAIL;
        job_track(j, nrequested, npending);
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
            job_restore_plan_no_key_error(j, ob->key, ob->tenant);
        if (rc == RESTORE_FAIL || rc == RESTORE_NO_KEY)
            goto out;
        if (rc == RESTORE_CORRUPT) {
            j->corrupt++;
            ob->bad = 1;
            continue;
        }
        printf("verified and extracted %s: %d entr%s%s\n", ob->key, st.extracted,
               st.extracted == 1 ? "y" : "ies", st.refused ? " (some refused)" : "");
        fflush(stdout);
    }
    if (j->corrupt && (!o->partial || (size_t)j->corrupt == j->nsel)) {
        log_error("restore: %d object(s) corrupt or unreadable; nothing was moved into %s%s",
                  j->corrupt, o->target,
                  o->partial ? "" : " (--partial restores the others and names these)");
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

/* --partial: name each object that did not verify; its files are missing. */
static void name_bad(const struct rjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->v[i].bad)
            printf("NOT RESTORED %s (%s/%s/%s): failed verification; its files are missing from "
                   "%s\n",
                   j->v[i].key, j->v[i].tenant, j->v[i].date, j->v[i].source, j->o->target);
}

/* The end of a tracked job: its state in the catalog and, with [notify],
 * "thaw complete, restore done" (or what went wrong). */
static void job_finish(struct rjob *j, int code)
{
    const restore_opts_t *o = j->o;
    const char *state =
        code == EXIT_OK || code == EXIT_WARN ? (j->corrupt ? "partial" : "done") : "failed";
    json_t *js;
    char *txt;

    if (!j->job_id || code == EXIT_PENDING || code < 0)
        return;
    catalog_restore_job_update(j->c, j->job_id, (int)j->nsel, j->nready, state);
    if (!(j->cfg->notify.command && j->cfg->notify.command[0]) &&
        !(j->cfg->notify.webhook && j->cfg->notify.webhook[0]))
        return;
    js = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "event", "restore",
                   "job_id", (json_int_t)j->job_id, "status", state, "tenant", o->tenant, "from",
                   o->from, "to", o->to, "target", o->target, "objects", (int)j->nsel,
                   "not_restored", j->corrupt, "exit_code", code, "message",
                   !strcmp(state, "failed") ? "thaw complete, restore failed"
                   : !strcmp(state, "done") ? "thaw complete, restore done"
                                            : "thaw complete, restore done in part");
    txt = js ? json_dumps(js, JSON_COMPACT) : NULL;
    if (txt)
        notify_event(j->cfg, txt, !strcmp(state, "failed"));
    free(txt);
    json_decref(js);
}

static int run_steps(struct rjob *j)
{
    int code;

    /* the space line before the price: the cost is the plan's last words */
    if ((code = job_restore_plan_build(j)) >= 0 || (code = job_restore_plan_space(j)) >= 0 ||
        (code = job_restore_plan_price(j)) >= 0)
        return code;
    if (j->o->dry_run)
        return j->o->json ? job_restore_plan_json(j) : EXIT_OK;
    if ((code = job_restore_plan_confirm(j->o)) >= 0)
        return code;
    if ((code = thaw(j)) >= 0 || (code = fetch_all(j)) >= 0)
        return code;
    if (merge(j) < 0)
        return EXIT_FAIL;
    if (j->corrupt) {
        name_bad(j);
        printf("restore partial: %s: %d of %zu object(s) restored, %d not (named above)\n",
               j->o->target, (int)j->nsel - j->corrupt, j->nsel, j->corrupt);
        return EXIT_WARN;
    }
    printf("restore complete: %s%s\n", j->o->target,
           j->refused ? " (with refused entries, see above)" : "");
    return j->refused ? EXIT_WARN : EXIT_OK;
}

/* ---- restore list ---- */

static void fmt_time(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, n, "-");
}

static int list_one(void *ctx, const catalog_restore_job_t *k)
{
    char req[32], eta[32], fin[32], range[32];

    (void)ctx;
    fmt_time(k->requested, req, sizeof req);
    fmt_time(k->eta, eta, sizeof eta);
    fmt_time(k->finished, fin, sizeof fin);
    if (!strcmp(k->from, k->to))
        snprintf(range, sizeof range, "%s", k->from);
    else
        snprintf(range, sizeof range, "%s..%s", k->from, k->to);
    printf("%-4lld %-16s %-12s %-22s %-9s %3d/%-3d %-16s %-8s %s%s%s%s%s\n", (long long)k->id, req,
           k->tenant, range, k->tier ? k->tier : "-", k->ready, k->objects,
           strcmp(k->state, "pending") ? fin : eta, k->state, k->target,
           k->source ? " source=" : "", k->source ? k->source : "", k->glob ? " path=" : "",
           k->glob ? k->glob : "");
    return 0;
}

static int list_jobs(const config_t *cfg)
{
    catalog_t *c = catalog_open(cfg->catalog.path);
    int rc;

    if (!c)
        return EXIT_FAIL;
    printf("%-4s %-16s %-12s %-22s %-9s %-7s %-16s %-8s %s\n", "ID", "REQUESTED", "TENANT", "RANGE",
           "TIER", "READY", "ETA/FINISHED", "STATE", "TARGET");
    rc = catalog_restore_jobs(c, list_one, NULL);
    catalog_free(c);
    return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

int job_restore(const config_t *cfg, const restore_opts_t *o)
{
    struct rjob j = {.cfg = cfg, .o = o, .targetfd = -1, .stagefd = -1, .space_free = -1};
    int code = EXIT_FAIL;

    if (o->list)
        return list_jobs(cfg);
    if (job_restore_plan_load_identities(&j) < 0)
        goto out;
    j.s = store_open(cfg);
    j.c = j.s ? catalog_open(cfg->catalog.path) : NULL;
    if (j.c) {
        code = run_steps(&j);
        job_finish(&j, code);
    }
    if (j.staging && j.targetfd >= 0)
        rm_at(j.targetfd, j.staging);
    if (j.stagefd >= 0)
        close(j.stagefd);
    if (j.targetfd >= 0)
        close(j.targetfd);
out:
    free(j.staging);
    age_identities_free(j.ids, j.nids);
    job_restore_plan_free(&j);
    catalog_free(j.c);
    store_free(j.s);
    return code;
}
