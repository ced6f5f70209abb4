/*
 * cli.c — the one place where a command's table flags take effect: after the
 * command's parse(), load the config (CMD_CONFIG) and take the catalog's run
 * lock (CMD_LOCK), call exec(), then release both. Also the usage printer
 * and the small checks the cmd_*.c parsers share.
 *
 * `run` is what cron and systemd start, and every non-zero exit of it must
 * reach the operators: a config refused before anything ran is notified
 * from its [notify] section read on its own (notify_config_fallback: a bad
 * value elsewhere still notifies; a file that does not parse, or a bad
 * [notify], cannot), and a `run` that exits non-zero without its job having
 * notified (a foreign catalog, days that cannot be planned) is notified
 * here. [run] log_file is opened here unless --log-file was given.
 */
#include "cli.h"

#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *config_path_of(const char *path)
{
    if (!path)
        path = getenv("COLDPACK_CONFIG");
    if (!path || !*path)
        path = "/etc/coldpack/coldpack.conf";
    return path;
}

/* A `run` that exits non-zero (code) without its job having notified:
 * notify what is known (the date, the last error logged), and write the
 * metrics file when the config names one. cfg may be the [notify]-only
 * fallback config. */
static void run_failed(const config_t *cfg, const char *date, time_t start, int code,
                       const char *what)
{
    char y[11], why[1024];
    notify_info_t ni = {NULL, date, (int64_t)start, (int64_t)time(NULL), code, "failed"};
    json_t *sum;
    char *txt;

    if (!date) {
        util_yesterday(y);
        ni.date = y;
    }
    snprintf(why, sizeof why, "%s", log_last_error()[0] ? log_last_error() : "see the log");
    sum = notify_summary_failed(&ni, what, why);
    txt = sum ? json_dumps(sum, JSON_INDENT(2)) : NULL;
    if (txt) /* counted by notify_failed_count even with no notifier */
        notify_run(cfg, txt, 1);
    if (cfg->run.metrics_file) {
        metrics_run_t m = {ni.start, ni.end, code, metrics_read_last_success(cfg->run.metrics_file),
                           -1,       NULL};
        char *mt = metrics_format(&m);
        if (mt)
            metrics_write(cfg->run.metrics_file, mt);
        free(mt);
    }
    free(txt);
    json_decref(sum);
}

/* The lock file beside the catalog; its directory is created first, as the
 * catalog's would be. Returns an fd, -1 on error, -2 when held (logged). */
static int take_lock(const config_t *cfg)
{
    char *path = util_asprintf("%s.lock", cfg->catalog.path);
    char *slash = path ? strrchr(path, '/') : NULL;
    int fd = -1;

    if (!path)
        return -1;
    if (slash && slash != path) {
        *slash = 0;
        util_mkdirs(path, UTIL_DIR_MODE);
        *slash = '/';
    }
    fd = lock_acquire(path);
    free(path);
    return fd;
}

const cli_cmd_t *cli_find(const cli_cmd_t *cmds, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cmds[i].name, name))
            return &cmds[i];
    return NULL;
}

void cli_usage(FILE *f, const cli_cmd_t *cmd)
{
    fprintf(f, "usage: coldpack [-c CONFIG] [-q|-v] %s ", cmd->name);
    for (const char *p = cmd->synopsis; *p; p++) {
        if (*p == '\n')
            fputs("\n          ", f);
        else
            fputc(*p, f);
    }
    fprintf(f, "\n\n%s\n", cmd->summary);
    if (cmd->flags & CMD_RDONLY)
        fprintf(f, "Read-only: changes neither the store nor the catalog; safe during a run.\n");
    if (cmd->flags & CMD_LOCK)
        fprintf(f, "Holds the run lock; exits %d while another run holds it.\n", EXIT_LOCKED);
}

int cli_dispatch(const cli_cmd_t *cmds, size_t n, int argc, char **argv, const char *config_path,
                 int quiet)
{
    const cli_cmd_t *cmd = cli_find(cmds, n, argv[0]);
    char prog[64];
    cli_args_t args;
    cli_env_t env = {NULL, quiet};
    config_t *cfg = NULL;
    int lockfd = -1, code, is_run = cmd && !strcmp(cmd->name, "run");
    time_t start = time(NULL);
    const char *run_date = NULL;

    if (!cmd) {
        fprintf(stderr, "coldpack: unknown command \"%s\" (coldpack help lists them)\n", argv[0]);
        return EXIT_USAGE;
    }
    /* getopt names the program in its messages: "coldpack run: ..." */
    snprintf(prog, sizeof prog, "coldpack %s", cmd->name);
    argv[0] = prog;
    memset(&args, 0, sizeof args);
    optind = 0; /* GNU: full reinitialisation, so each parse starts afresh */
    switch (cmd->parse(argc, argv, &args)) {
    case CLI_GO:
        break;
    case CLI_HELP:
        cli_usage(stdout, cmd);
        return EXIT_OK;
    default:
        cli_usage(stderr, cmd);
        return EXIT_USAGE;
    }
    if (is_run)
        run_date = args.run.date; /* argv's; exec may point it at its own buffer */
    if (cmd->flags & (CMD_CONFIG | CMD_LOCK)) {
        cfg = config_load(config_path_of(config_path));
        if (!cfg) {
            config_t *fb = is_run ? notify_config_fallback(config_path_of(config_path)) : NULL;
            if (fb)
                run_failed(fb, run_date, start, EXIT_USAGE, "config");
            config_free(fb);
            return EXIT_USAGE;
        }
        env.cfg = cfg;
        /* a log file that cannot be opened does not stop a backup */
        if (cfg->run.log_file && !log_file_is_open() && log_open_file(cfg->run.log_file) < 0)
            log_warn("[run] log_file %s: %s; logging to stderr only", cfg->run.log_file,
                     strerror(errno));
    }
    if (cmd->flags & CMD_LOCK) {
        lockfd = take_lock(cfg);
        if (lockfd < 0) {
            code = lockfd == LOCK_HELD ? EXIT_LOCKED : EXIT_FAIL;
            if (is_run) /* a refused run is recorded and notified like any failed run */
                job_run_refused(cfg, &args.run, (int64_t)start, code, "lock",
                                log_last_error()[0] ? log_last_error() : "the run lock");
            config_free(cfg);
            return code;
        }
    }
    code = cmd->exec(&env, &args);
    if (is_run && code != EXIT_OK && notify_failed_count() == 0)
        run_failed(cfg, run_date, start, code, "run");
    lock_release(lockfd);
    config_free(cfg);
    return code;
}

int cli_check_date(const char *opt, const char *value)
{
    if (util_parse_date(value, NULL, NULL, NULL) < 0) {
        log_error("%s %s: expected a date YYYY-MM-DD", opt, value ? value : "(missing)");
        return -1;
    }
    return 0;
}

int cli_opt_default(int c)
{
    return c == 'h' ? CLI_HELP : CLI_BAD;
}

int cli_help_only(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c = getopt_long(argc, argv, "h", opts, NULL);

    return c == -1 ? CLI_GO : cli_opt_default(c);
}

int cli_no_operands(int argc, char **argv)
{
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", argv[0], argv[optind]);
        return CLI_BAD;
    }
    return CLI_GO;
}
