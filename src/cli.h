/*
 * cli.h — the command-line layer between main and the jobs: the command table
 * entry, its flags, the parsed arguments of every command, and the helpers
 * the cmd_*.c files share.
 *
 * A command runs in two steps. parse() reads the command's own options with
 * getopt_long and touches nothing else; then main (cli_dispatch) does what the
 * table flags ask — load the config, take the run lock — in one place, and
 * calls exec() with the result. So `CMD --help` and usage errors never need a
 * config, and no command loads a config or takes the lock itself.
 *
 * Single-threaded: everything here runs on main's thread before any job.
 */
#ifndef COLDPACK_CLI_H
#define COLDPACK_CLI_H

#include "config.h"
#include "job.h"
#include "job_prune.h"

#include <stdio.h>

/* Table flags: what main does before exec(). */
enum cli_flag {
    CMD_CONFIG = 1u << 0, /* load the config (-c, $COLDPACK_CONFIG, default); env->cfg set */
    CMD_LOCK = 1u << 1,   /* hold the catalog's run lock (lock.h) during exec; exit 5 if held.
                             Implies CMD_CONFIG (the lock lives beside the catalog). */
    CMD_RDONLY = 1u << 2, /* writes neither the store nor the catalog's records: safe to
                             run beside a `run` that holds the lock */
};

/* What parse() decided. */
enum cli_parsed {
    CLI_GO = 0,   /* arguments fine: run exec() */
    CLI_HELP = 1, /* -h/--help: main prints the usage on stdout, exits 0 */
    CLI_BAD = 2,  /* usage error, already named on stderr: main prints the usage on
                     stderr, exits 2 (EXIT_USAGE) */
};

/* Every command's parsed arguments; parse() fills its member, exec() reads it.
 * Strings point into argv (they live as long as main's argv). */
typedef union cli_args {
    struct {
        char date[11];   /* YYYY-MM-DD, default yesterday */
        int notify_test; /* --notify-test */
        int timeout;     /* --timeout SECS per target, default 20 */
    } check;
    run_opts_t run; /* date NULL = yesterday; quiet comes from the global -q */
    struct {
        int n;            /* how many runs, default 10 */
        int json;         /* --json */
        int check;        /* --check: monitoring-plugin exit codes */
        const char *date; /* --check's night, NULL = yesterday */
    } status;
    struct {
        const char *tenant, *from, *until, *source; /* NULL = any */
        int json;                                   /* --json */
    } ls;
    struct {
        const char *daily;                 /* --daily SIZE: flag mode; NULL = catalog */
        double ratio;                      /* --ratio, 0 = catalog's (flag mode: required) */
        int days;                          /* --days, 0 = [retention] days */
        int64_t part_size, volume_size;    /* 0 = config's */
        int64_t index_size;                /* --index-size, flag mode; 0 = 64 KiB */
        double tenants;                    /* --tenants, 0 = catalog's or 1 */
        int restore_days;                  /* --restore-days, default 7 */
        const char *tenant, *from, *until; /* catalog mode's scope; NULL = all */
        int json;
    } estimate;
    struct {
        const char *html;  /* --html FILE */
        int days;          /* --days N, default 30 */
        const char *until; /* --until D, default yesterday */
    } report;
    restore_opts_t restore;
    verify_opts_t verify;
    audit_opts_t audit;
    struct {
        const char *tenant; /* --tenant T */
        const char *out;    /* --out DIR */
    } keygen;
    struct {
        const char *topic; /* command name, NULL = the command list */
    } help;
    struct {
        int json; /* config show --json */
    } config;
    import_opts_t import;     /* files point into argv */
    prune_opts_t prune;       /* quiet comes from the global -q */
    offboard_opts_t offboard; /* tenant offboard T */
} cli_args_t;

/* What exec() gets from main. */
typedef struct cli_env {
    const config_t *cfg; /* loaded when the command has CMD_CONFIG, else NULL; owned by main */
    int quiet;           /* global -q: print nothing on success, warnings and errors only */
} cli_env_t;

typedef struct cli_cmd {
    const char *name;
    /* Parse argv (argv[0] is "coldpack NAME", for getopt's messages) into *a,
     * which is zeroed. Returns an enum cli_parsed. No side effects. */
    int (*parse)(int argc, char **argv, cli_args_t *a);
    /* Do the command; returns an exit code (enum exit_code). */
    int (*exec)(const cli_env_t *env, cli_args_t *a);
    unsigned flags;       /* enum cli_flag */
    const char *synopsis; /* after "coldpack [GLOBAL OPTIONS] "; '\n' between lines */
    const char *summary;  /* one line */
} cli_cmd_t;

/* Run the command named argv[0] of table cmds[0..n): parse, then config and
 * lock per its flags, then exec; release and free everything. Returns the
 * exit code. config_path NULL = $COLDPACK_CONFIG, then the default. Not
 * thread-safe (getopt); call once, from main. */
int cli_dispatch(const cli_cmd_t *cmds, size_t n, int argc, char **argv, const char *config_path,
                 int quiet);
/* Print "usage: coldpack ..." for cmd (and its summary and flags) to f. */
void cli_usage(FILE *f, const cli_cmd_t *cmd);
/* The table entry named name, or NULL. */
const cli_cmd_t *cli_find(const cli_cmd_t *cmds, size_t n, const char *name);

/* Validate a --date style value; names opt on stderr and returns -1 when bad. */
int cli_check_date(const char *opt, const char *value);
/* For parse()'s getopt loop, `default: return cli_opt_default(c);`: CLI_HELP
 * for -h/--help (which every command maps to 'h'), else CLI_BAD (getopt has
 * named the bad option). */
int cli_opt_default(int c);
/* parse() of a command whose only option is -h/--help: CLI_HELP, CLI_BAD, or
 * CLI_GO with optind at the first operand. */
int cli_help_only(int argc, char **argv);
/* For parse(): reject positional arguments from argv[optind] on (after
 * getopt_long). Returns CLI_GO, or CLI_BAD after naming the first one. */
int cli_no_operands(int argc, char **argv);

/* parse / exec of each command (cmd_NAME.c). */
int cmd_init_parse(int argc, char **argv, cli_args_t *a);
int cmd_init(const cli_env_t *env, cli_args_t *a);
int cmd_check_parse(int argc, char **argv, cli_args_t *a);
int cmd_check(const cli_env_t *env, cli_args_t *a);
int cmd_run_parse(int argc, char **argv, cli_args_t *a);
int cmd_run(const cli_env_t *env, cli_args_t *a);
int cmd_status_parse(int argc, char **argv, cli_args_t *a);
int cmd_status(const cli_env_t *env, cli_args_t *a);
int cmd_ls_parse(int argc, char **argv, cli_args_t *a);
int cmd_ls(const cli_env_t *env, cli_args_t *a);
int cmd_restore_parse(int argc, char **argv, cli_args_t *a);
int cmd_restore(const cli_env_t *env, cli_args_t *a);
int cmd_verify_parse(int argc, char **argv, cli_args_t *a);
int cmd_verify(const cli_env_t *env, cli_args_t *a);
int cmd_audit_parse(int argc, char **argv, cli_args_t *a);
int cmd_audit(const cli_env_t *env, cli_args_t *a);
int cmd_catalog_parse(int argc, char **argv, cli_args_t *a);
int cmd_catalog(const cli_env_t *env, cli_args_t *a);
int cmd_estimate_parse(int argc, char **argv, cli_args_t *a);
int cmd_estimate(const cli_env_t *env, cli_args_t *a);
int cmd_report_parse(int argc, char **argv, cli_args_t *a);
int cmd_report(const cli_env_t *env, cli_args_t *a);
int cmd_config_parse(int argc, char **argv, cli_args_t *a);
int cmd_config(const cli_env_t *env, cli_args_t *a);
int cmd_keygen_parse(int argc, char **argv, cli_args_t *a);
int cmd_keygen(const cli_env_t *env, cli_args_t *a);
int cmd_import_parse(int argc, char **argv, cli_args_t *a);
int cmd_import(const cli_env_t *env, cli_args_t *a);
int cmd_prune_parse(int argc, char **argv, cli_args_t *a);
int cmd_prune(const cli_env_t *env, cli_args_t *a);
int cmd_tenant_parse(int argc, char **argv, cli_args_t *a);
int cmd_tenant(const cli_env_t *env, cli_args_t *a);

#endif
