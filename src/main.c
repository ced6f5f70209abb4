/*
 * main.c — global options and the git-style command table. Each entry names
 * the command's parse and exec functions, its flags (what cli_dispatch does
 * before exec: load the config, take the run lock; or that it is read-only)
 * and its usage. Only main exits; every command returns an exit code from
 * job.h's table (docs/exit-codes.md).
 */
#include "cli.h"
#include "job.h"
#include "log.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#define COLDPACK_VERSION "0.1.0"

static int help_parse(int argc, char **argv, cli_args_t *a);
static int help_exec(const cli_env_t *env, cli_args_t *a);

/* Every command that writes the catalog or the store's chain carries
 * CMD_LOCK: cli.c takes the run lock once, before exec, and no job takes it
 * itself. */
static const cli_cmd_t commands[] = {
    {"init", cmd_init_parse, cmd_init, CMD_CONFIG | CMD_LOCK, "",
     "create the store and catalog, prove the store is writable"},
    {"check", cmd_check_parse, cmd_check, CMD_CONFIG,
     "[--date YYYY-MM-DD] [--notify-test] [--timeout SECS]",
     "contact everything a run needs, in parallel, and print a table: the store (write,\n"
     "read back, delete a probe under .coldpack/check/), each source (ssh login, GNU tar,\n"
     "the day directory), the catalog, [store] part_size; --notify-test: send a test\n"
     "notification. --timeout: per target (default 20 s). Exit 1 on any FAIL, 3 on\n"
     "warnings only. Safe during a run (touches only its own probe object)"},
    {"run", cmd_run_parse, cmd_run, CMD_CONFIG | CMD_LOCK,
     "[--date YYYY-MM-DD | --from D --until D] [--source NAME] [--deadline HH:MM[:SS]]",
     "back up one day or a range, idempotently (default: yesterday, local time)\n"
     "Without --date, the days of the last [run] catch_up_days left incomplete (failed,\n"
     "partial, crashed) are completed first, oldest first.\n"
     "With the global -q a successful run prints nothing; warnings and errors still do."},
    {"status", cmd_status_parse, cmd_status, CMD_CONFIG | CMD_RDONLY,
     "[-n N] [--json] | --check [--date YYYY-MM-DD]",
     "show the last N runs (default 10); --json as a JSON array\n"
     "--check: one line for a monitoring system (Nagios/Icinga plugin codes) about last\n"
     "night (or --date): exit 0 OK (complete), 1 WARNING (warnings, partial, still\n"
     "running), 2 CRITICAL (failed or no run), 3 UNKNOWN (catalog unreadable)"},
    {"ls", cmd_ls_parse, cmd_ls, CMD_CONFIG | CMD_RDONLY,
     "[--tenant T] [--date D | --from D --until D] [--source S] [--json]",
     "list the backed-up volumes the catalog knows (--json: a JSON array)"},
    {"restore", cmd_restore_parse, cmd_restore, CMD_CONFIG,
     "--tenant T (--date D | --from D --until D) --to DIR\n"
     "[--source S] [--path GLOB] [--tier bulk|standard|expedited] [--days N]\n"
     "[--wait] [--yes] [--dry-run [--json]] [--overwrite] [--same-owner] [--identity FILE]...\n"
     "[--partial] [--transfer internet|private]\n"
     "restore list",
     "restore a tenant's days into DIR/<tenant>/<date>/<source>/...\n"
     "--to (or --target) is the target directory. The old `--from D --to D --to DIR`\n"
     "still works for one release (deprecated: use --until D)."},
    {"verify", cmd_verify_parse, cmd_verify, CMD_CONFIG | CMD_RDONLY,
     "[--deep] [--date D | --from D --until D] [--tenant T] | --bundle DIR",
     "check the manifest hash chain and every catalogued object (--deep: re-hash);\n"
     "--bundle DIR: re-check an audit bundle's claims against itself and the store"},
    {"audit", cmd_audit_parse, cmd_audit, CMD_CONFIG | CMD_RDONLY,
     "--date D [--tenant T] --out DIR",
     "write a proof bundle for day D into DIR (0700): its manifests and the chain to the\n"
     "tip, each object's version, size, SHA-256, lock mode and retain-until as the store\n"
     "reports them, the bucket's lock and lifecycle configuration; see docs/audit.md"},
    {"catalog", cmd_catalog_parse, cmd_catalog, CMD_CONFIG | CMD_LOCK, "rebuild",
     "recreate the catalog from the store alone"},
    {"estimate", cmd_estimate_parse, cmd_estimate, CMD_CONFIG | CMD_RDONLY,
     "[--daily SIZE --ratio R] [--days N] [--part-size SIZE] [--volume-size SIZE]\n"
     "[--index-size SIZE] [--tenants N] [--tenant T] [--restore-days N]\n"
     "[--from D] [--until D] [--json]",
     "monthly S3 cost at steady state (storage, requests, per-object overhead, indexes)\n"
     "and a one-tenant restore, from the catalog's real figures, or from --daily and\n"
     "--ratio before the first run. Prices: AWS us-east-1 list, overridden by [prices].\n"
     "Warns when part requests exceed 10% of the storage bill."},
    {"report", cmd_report_parse, cmd_report, CMD_CONFIG | CMD_RDONLY,
     "--html FILE [--days N] [--until D]",
     "write a self-contained HTML report (mode 0600) of the last N nights (default 30)\n"
     "up to D (default yesterday): nightly bytes and duration, tenants and sources,\n"
     "failures, missing nights, storage growth and the cost projection"},
    {"config", cmd_config_parse, cmd_config, CMD_CONFIG | CMD_RDONLY, "show [--json]",
     "print the configuration as read: [defaults] applied, hosts = expanded\n"
     "Every source with its effective keys; secret values masked. The text form loads back."},
    {"keygen", cmd_keygen_parse, cmd_keygen, 0, "--tenant T --out DIR",
     "make an age key pair for tenant T: DIR/T.key (identity, 0600) and DIR/T.txt\n"
     "(recipient, for [encryption] recipients_dir); see docs/encryption.md"},
    {"import", cmd_import_parse, cmd_import, CMD_CONFIG | CMD_LOCK,
     "--date D (--source S FILE | SOURCE=FILE...) [--jobs N] [--force]",
     "re-pack existing per-machine tar archives (.tar.gz, .tar.zst, .tar; - = stdin)\n"
     "into the day's units of their source, committed like a run's (idempotent).\n"
     "FILE is read for --source S; SOURCE=FILE names a configured source, so one\n"
     "command imports several machines' archives of day D, N at once (--jobs).\n"
     "Each archive's name, size and SHA-256 are printed and recorded in the manifest.\n"
     "A day past [retention] days is refused (exit 2) unless --force."},
    {"prune", cmd_prune_parse, cmd_prune, CMD_CONFIG | CMD_LOCK, "[--dry-run] [--yes]",
     "delete the days past [retention] days (date + days < today) and what is left of\n"
     "offboarded tenants; each deletion is a tombstone in the manifest chain, so verify\n"
     "stays green and restore says \"expired\". Objects the store refuses to delete\n"
     "(Object Lock) are kept and retried later (exit 3). --yes is required off a terminal"},
    {"tenant", cmd_tenant_parse, cmd_tenant, CMD_CONFIG | CMD_LOCK,
     "offboard TENANT [--shred] [--out DIR] --yes",
     "offboard a tenant: future runs skip it (a tombstone every host syncs), its objects\n"
     "are deleted (locked ones by prune when the lock expires), --shred destroys its\n"
     "identities in [encryption] identities_dir and names the offline copies and escrow\n"
     "keys to destroy; a deletion certificate (JSON and text, 0600) goes to DIR (default .)"},
    {"help", help_parse, help_exec, 0, "[COMMAND]", "show the commands, or COMMAND's usage"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: coldpack [-c CONFIG] [-q|-v] [--log-file FILE] COMMAND [ARGS]\n"
               "       coldpack help COMMAND | COMMAND --help\n\n"
               "options:\n"
               "  -c, --config FILE  default $COLDPACK_CONFIG, then /etc/coldpack/coldpack.conf\n"
               "  -q, --quiet        warnings and errors only (a successful run prints nothing)\n"
               "  -v, --verbose      debug messages\n"
               "  --log-file FILE    also append every log line there (0600, timestamped);\n"
               "                     default [run] log_file\n"
               "  -h, --help         this text;  --version  the version\n\n"
               "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *nl = strchr(commands[i].summary, '\n');
        int len = nl ? (int)(nl - commands[i].summary) : (int)strlen(commands[i].summary);
        fprintf(f, "  %-8s %.*s\n", commands[i].name, len, commands[i].summary);
    }
    fprintf(f, "\nexit codes (docs/exit-codes.md): 0 ok, 1 failure or restore cancelled,\n"
               "2 usage or config error, 3 done with warnings, 4 partial (rerun completes),\n"
               "5 locked by another run, 6 restore pending (thawing) or cold not checked,\n"
               "7 corrupt or missing data, 8 store failure (nothing known corrupt)\n");
}

static int help_parse(int argc, char **argv, cli_args_t *a)
{
    int r = cli_help_only(argc, argv);

    if (r != CLI_GO)
        return r;
    if (optind < argc)
        a->help.topic = argv[optind++];
    return cli_no_operands(argc, argv);
}

static int help_exec(const cli_env_t *env, cli_args_t *a)
{
    const cli_cmd_t *cmd;

    (void)env;
    if (!a->help.topic) {
        usage(stdout);
        return EXIT_OK;
    }
    cmd = cli_find(commands, NCOMMANDS, a->help.topic);
    if (!cmd) {
        fprintf(stderr, "coldpack: help: unknown command \"%s\"\n", a->help.topic);
        usage(stderr);
        return EXIT_USAGE;
    }
    cli_usage(stdout, cmd);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"log-file", required_argument, NULL, 'L'},
                                         {NULL, 0, NULL, 0}};
    char prog[] = "coldpack";
    const char *config = NULL;
    int c, quiet = 0;

    /* File names are bytes, usually UTF-8. libarchive converts names through
     * the locale's charset, and in the C locale (cron, systemd) it cannot
     * represent UTF-8 names: run with a UTF-8 LC_CTYPE whatever the caller's. */
    setlocale(LC_ALL, "");
    if (!strstr(setlocale(LC_CTYPE, NULL), "UTF-8") && !strstr(setlocale(LC_CTYPE, NULL), "utf8"))
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
            setlocale(LC_CTYPE, "en_US.UTF-8");
    argv[0] = prog; /* getopt's messages say "coldpack: ..." */
    /* '+': stop at the command name; the command parses the rest. */
    while ((c = getopt_long(argc, argv, "+c:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'q':
            quiet = 1;
            log_set_level(LOG_WARN);
            break;
        case 'v':
            quiet = 0;
            log_set_level(LOG_DEBUG);
            break;
        case 'L': /* opened once, before the config: its own errors are logged there too */
            if (log_open_file(optarg) < 0) {
                log_error("--log-file %s: %s", optarg, strerror(errno));
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("coldpack %s\n", COLDPACK_VERSION);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "coldpack: no command given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!cli_find(commands, NCOMMANDS, argv[optind])) {
        fprintf(stderr, "coldpack: unknown command \"%s\"\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    return cli_dispatch(commands, NCOMMANDS, argc - optind, argv + optind, config, quiet);
}
