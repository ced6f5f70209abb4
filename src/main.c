/*
 * main.c — global options and the git-style command table. Only main exits;
 * every command returns an exit code from job.h's table.
 */
#include "cli.h"
#include "job.h"
#include "log.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#define COLDPACK_VERSION "0.1.0"

static const cli_cmd_t commands[] = {
    {"init", cmd_init, "create the store and catalog, check the store is reachable"},
    {"check", cmd_check, "validate the config and check sources and store"},
    {"run", cmd_run, "back up one day (default: yesterday)"},
    {"status", cmd_status, "show recent runs"},
    {"ls", cmd_ls, "list backed-up volumes of a tenant"},
    {"restore", cmd_restore, "restore a tenant's days into a directory"},
    {"verify", cmd_verify, "check the manifest chain and the objects"},
    {"catalog", cmd_catalog, "catalog rebuild: recreate the catalog from the store"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: coldpack [-c CONFIG] [-q|-v] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nCONFIG defaults to $COLDPACK_CONFIG, then /etc/coldpack/coldpack.conf.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage/config error, 3 done with warnings,\n"
               "4 partial (some units failed), 5 locked, 6 restore pending, 7 corrupt data.\n");
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int i;

    /* File names are bytes, usually UTF-8. libarchive converts names through
     * the locale's charset, and in the C locale (cron, systemd) it cannot
     * represent UTF-8 names: run with a UTF-8 LC_CTYPE whatever the caller's. */
    setlocale(LC_ALL, "");
    if (!strstr(setlocale(LC_CTYPE, NULL), "UTF-8") && !strstr(setlocale(LC_CTYPE, NULL), "utf8"))
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
            setlocale(LC_CTYPE, "en_US.UTF-8");
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
            if (++i >= argc) {
                fprintf(stderr, "coldpack: -c needs a file\n");
                return EXIT_USAGE;
            }
            config = argv[i];
        } else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
            log_set_level(LOG_WARN);
        } else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
            log_set_level(LOG_DEBUG);
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            printf("coldpack %s\n", COLDPACK_VERSION);
            return EXIT_OK;
        } else {
            fprintf(stderr, "coldpack: unknown option %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (!strcmp(argv[i], commands[k].name))
            return commands[k].fn(argc - i, argv + i, config);
    fprintf(stderr, "coldpack: unknown command \"%s\"\n", argv[i]);
    usage(stderr);
    return EXIT_USAGE;
}
