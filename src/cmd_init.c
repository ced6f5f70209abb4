/*
 * cmd_init.c — `coldpack init`: create the catalog, open the store (which
 * creates a file:// store's directory), write then delete a probe object to
 * prove write access, and let the store prepare its backing service
 * (store_setup: for s3://, bucket checks and the prefix's lifecycle rule).
 * A store that already holds backups is adopted: the catalog is brought up
 * to date from its manifests (job_sync_catalog, under the run lock that cli.c holds), never
 * started blank beside them.
 *
 * With object_lock = compliance | governance, init also reads the bucket's
 * Object Lock and versioning configuration (store_bucket_info) and refuses a
 * bucket without both; it reports the bucket's default retention and never
 * changes it (docs/audit.md).
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_init_parse(int argc, char **argv, cli_args_t *a)
{
    int r = cli_help_only(argc, argv);

    (void)a;
    return r != CLI_GO ? r : cli_no_operands(argc, argv);
}

/* object_lock set: the bucket must have Object Lock and versioning; say
 * what its default retention is. 0, or -1 (logged). */
static int check_object_lock(const config_t *cfg, store_t *s)
{
    store_bucket_info_t bi;
    int rc = -1;

    if (!cfg->store.object_lock || !strcmp(cfg->store.object_lock, "none"))
        return 0;
    if (store_bucket_info(s, &bi) < 0) {
        log_error("init: cannot read the Object Lock configuration of %s", cfg->store.url);
        goto out;
    }
    if (strcmp(bi.lock_enabled, "Enabled") != 0) {
        log_error("init: object_lock = %s, but the bucket of %s does not have Object Lock "
                  "enabled: create the bucket with it (aws s3api create-bucket "
                  "--object-lock-enabled-for-bucket); init does not change a bucket's lock",
                  cfg->store.object_lock, cfg->store.url);
        goto out;
    }
    if (strcmp(bi.versioning, "Enabled") != 0) {
        log_error("init: object_lock = %s, but versioning is %s on the bucket of %s (Object Lock "
                  "needs it Enabled)",
                  cfg->store.object_lock, bi.versioning[0] ? bi.versioning : "off", cfg->store.url);
        goto out;
    }
    if (bi.default_mode[0])
        printf("bucket Object Lock: enabled, versioning enabled, default retention %s %d %s "
               "(left as it is; coldpack sets each object's own retention: %s, %d days)\n",
               bi.default_mode, bi.default_years ? bi.default_years : bi.default_days,
               bi.default_years ? "year(s)" : "day(s)", cfg->store.object_lock,
               cfg->retention.days > 0 ? cfg->retention.days : 365);
    else
        printf("bucket Object Lock: enabled, versioning enabled, no default retention (left as "
               "it is; coldpack sets each object's own retention: %s, %d days)\n",
               cfg->store.object_lock, cfg->retention.days > 0 ? cfg->retention.days : 365);
    rc = 0;
out:
    store_bucket_info_free(&bi);
    return rc;
}

int cmd_init(const cli_env_t *env, cli_args_t *a)
{
    const config_t *cfg = env->cfg;
    store_t *s = NULL;
    catalog_t *c = NULL;
    int code = EXIT_FAIL;
    store_put_opts_t o = {"STANDARD", "text/plain", 0, 5};
    store_setup_opts_t so = {0};
    job_sync_stats_t st;

    (void)a;
    if (catalog_identify(cfg->catalog.path) == CATALOG_ID_FOREIGN)
        return EXIT_USAGE;
    s = store_open(cfg);
    if (!s)
        goto out;
    so.retention_days = cfg->retention.days;
    /* before the probe: with object_lock, its PUT carries lock headers that a
     * bucket without Object Lock refuses with a less helpful answer */
    if (check_object_lock(cfg, s) < 0)
        goto out;
    if (store_put_buf(s, "coldpack-probe", "probe", 5, &o) < 0 ||
        store_del(s, "coldpack-probe") < 0) {
        log_error("init: cannot write to the store %s", cfg->store.url);
        goto out;
    }
    {
        int src = store_setup(s, &so);
        if (src == STORE_CONFIG)
            code = EXIT_USAGE;
        if (src < 0)
            goto out;
    }
    c = catalog_open(cfg->catalog.path);
    if (!c)
        goto out;
    if (catalog_begin(c) < 0)
        goto out;
    if (job_sync_catalog(s, c, 0, &st) < 0 || catalog_commit(c) < 0) {
        catalog_rollback(c);
        log_error("init: the backups already in the store %s cannot be adopted", cfg->store.url);
        code = st.store_errors ? EXIT_STORE : EXIT_FAIL;
        goto out;
    }
    printf("initialised: store %s (writable), catalog %s\n", cfg->store.url, cfg->catalog.path);
    if (st.manifests)
        printf("adopted the backups already in the store: %d unit(s) from %d manifest(s)\n",
               st.units, st.manifests);
    code = EXIT_OK;
out:
    catalog_free(c);
    store_free(s);
    return code;
}
