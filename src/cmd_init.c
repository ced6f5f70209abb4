/*
 * cmd_init.c — `coldpack init`: create the catalog, open the store (which
 * creates a file:// store's directory), write then delete a probe object to
 * prove write access, and let the store prepare its backing service
 * (store_setup: for s3://, bucket checks and the prefix's lifecycle rule).
 */
#include "catalog.h"
#include "cli.h"
#include "job.h"
#include "log.h"
#include "store.h"

#include <stdio.h>
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

    (void)a;
    s = store_open(cfg);
    if (!s)
        goto out;
    so.retention_days = cfg->retention.days;
    if (store_put_buf(s, "coldpack-probe", "probe", 5, &o) < 0 ||
        store_del(s, "coldpack-probe") < 0) {
        log_error("init: cannot write to the store %s", cfg->store.url);
        goto out;
    }
    if (store_setup(s, &so) < 0)
        goto out;
    c = catalog_open(cfg->catalog.path);
    if (!c)
        goto out;
    printf("initialised: store %s (writable), catalog %s\n", cfg->store.url, cfg->catalog.path);
    code = EXIT_OK;
out:
    catalog_free(c);
    store_free(s);
    return code;
}
