/*
 * cmd_verify.c — `coldpack verify [--deep]`.
 */
#include "cli.h"
#include "job.h"

#include <stdio.h>
#include <string.h>

int cmd_verify(int argc, char **argv, const char *config_path)
{
    int deep = 0, code;
    config_t *cfg;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--deep")) {
            deep = 1;
        } else if (!strcmp(argv[i], "--help")) {
            printf("usage: coldpack verify [--deep]\n");
            return EXIT_OK;
        } else {
            fprintf(stderr, "coldpack: verify: unknown argument %s\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    code = job_verify(cfg, deep);
    config_free(cfg);
    return code;
}
