/*
 * cmd_init.c — `coldpack init`: create the catalog, open the store (which
 * creates a file:// store's directory), write then delete a probe object to
 * prove write access, and let the store prepare its backing service
 * (store_setup: for s3://, bucket checks and the prefix's lifecycle rule).
 * A store that already holds backups is adopted: the catalog is brought up
 * to date from its manifests (job_sync_catalog, under the run lock that cli.c holds), never
 * started blank beside them.
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
