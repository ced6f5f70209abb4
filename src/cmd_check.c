/*
 * cmd_check.c — `coldpack check [--date D]`: the config parses (else exit 2
 * with file:line), and for the date (default yesterday) each local source's
 * day directory exists. Remote sources are checked by `run` itself.
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "source.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cmd_check(int argc, char **argv, const char *config_path)
{
    char date[11];
    config_t *cfg;
    int bad = 0;

    util_yesterday(date);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--date") && i + 1 < argc &&
            cli_check_date("--date", argv[i + 1]) == 0) {
            snprintf(date, sizeof date, "%s", argv[++i]);
        } else {
            fprintf(stderr, "usage: coldpack check [--date YYYY-MM-DD]\n");
            return EXIT_USAGE;
        }
    }
    cfg = cli_load_config(config_path);
    if (!cfg)
        return EXIT_USAGE;
    printf("config %s: ok (%d source(s), store %s)\n", cfg->file, cfg->nsources, cfg->store.url);
    for (int i = 0; i < cfg->nsources; i++) {
        const config_source_t *s = &cfg->sources[i];
        char *path = source_day_dir(s, date);
        struct stat st;
        if (s->host) {
            printf("source %s: remote %s:%s\n", s->name, s->host, path ? path : "");
        } else if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            printf("source %s: %s present\n", s->name, path);
        } else {
            printf("source %s: %s MISSING\n", s->name, path ? path : "");
            bad++;
        }
        free(path);
    }
    config_free(cfg);
    return bad ? EXIT_WARN : EXIT_OK;
}
