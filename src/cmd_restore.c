/*
 * cmd_restore.c — `coldpack restore --tenant T (--date D | --from D --until D)
 * --to DIR [--source S] [--path GLOB] [--tier bulk|standard|expedited]
 * [--days N] [--wait] [--yes] [--dry-run] [--identity FILE]... [--partial]
 * [--transfer private|internet] [--json]`, and `coldpack restore list` (or
 * `restore --list`): the restore jobs, pending and finished.
 *
 * --identity FILE (repeatable, at most RESTORE_MAX_IDENTITIES): age
 * identities for encrypted objects (docs/encryption.md).
 *
 * --to DIR (or --target DIR) is the target directory, whatever it looks
 * like. Deprecated, for one release: before --until existed, --to was also
 * the range end, told apart by looking like a date. So when a target is given
 * otherwise too (a second --to, or --target), a --to that is a valid
 * YYYY-MM-DD date is still taken as the range end, with a warning naming
 * --until. Declining the confirmation prompt exits 1 ("restore cancelled",
 * decided by job_restore). --overwrite lets files already in the target be
 * replaced; --same-owner (root only, refused otherwise) restores owners.
 * --json prints the plan as one JSON document on stdout (job_restore_plan.c);
 * only with --dry-run, else a usage error.
 */
#include "cli.h"
#include "job.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int is_date(const char *s)
{
    return util_parse_date(s, NULL, NULL, NULL) == 0;
}

/* Sort the --to values (at most two) and --target into the target and, under
 * the deprecated spelling, the range end. */
static int resolve_to(restore_opts_t *o, const char *const to[2], int nto, const char *target,
                      int have_until)
{
    const char *end = NULL;

    if (nto == 0) {
        o->target = target;
        return CLI_GO;
    }
    if (nto == 1 && !target) {
        o->target = to[0];
        return CLI_GO;
    }
    if (nto == 1 && is_date(to[0])) {
        end = to[0];
        o->target = target;
    } else if (nto == 2 && !target && is_date(to[0]) != is_date(to[1])) {
        end = is_date(to[0]) ? to[0] : to[1];
        o->target = is_date(to[0]) ? to[1] : to[0];
    } else {
        log_error("restore: the target directory is given more than once (--to DIR or --target "
                  "DIR, once; the range end is --until DATE)");
        return CLI_BAD;
    }
    if (have_until) {
        log_error("restore: --to %s and --until both give the range end: drop --to %s", end, end);
        return CLI_BAD;
    }
    log_warn("restore: --to %s as the range end is deprecated and will be removed in the next "
             "release: use --until %s",
             end, end);
    o->to = end;
    return CLI_GO;
}

int cmd_restore_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {
        {"tenant", required_argument, NULL, 'T'}, {"date", required_argument, NULL, 'd'},
        {"from", required_argument, NULL, 'f'},   {"until", required_argument, NULL, 'u'},
        {"to", required_argument, NULL, 't'},     {"target", required_argument, NULL, 'o'},
        {"source", required_argument, NULL, 's'}, {"path", required_argument, NULL, 'p'},
        {"tier", required_argument, NULL, 'r'},   {"days", required_argument, NULL, 'D'},
        {"wait", no_argument, NULL, 'w'},         {"yes", no_argument, NULL, 'y'},
        {"dry-run", no_argument, NULL, 'n'},      {"overwrite", no_argument, NULL, 'O'},
        {"same-owner", no_argument, NULL, 'S'},   {"identity", required_argument, NULL, 'i'},
        {"partial", no_argument, NULL, 'P'},      {"transfer", required_argument, NULL, 'X'},
        {"list", no_argument, NULL, 'L'},         {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    restore_opts_t *o = &a->restore;
    const char *to[2] = {NULL, NULL}, *target = NULL;
    int c, nto = 0, have_until = 0;

    o->days = 7;
    o->tier = "Bulk";
    if (argc > 1 && !strcmp(argv[1], "list")) { /* `restore list` */
        o->list = 1;
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    while ((c = getopt_long(argc, argv, "T:d:f:u:t:o:s:p:r:D:wynOSi:hPLX:J", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            o->tenant = optarg;
            break;
        case 'd':
            o->from = o->to = optarg;
            break;
        case 'f':
            o->from = optarg;
            break;
        case 'u':
            o->to = optarg;
            have_until = 1;
            break;
        case 't':
            if (nto == 2) {
                log_error("restore: --to given more than twice");
                return CLI_BAD;
            }
            to[nto++] = optarg;
            break;
        case 'o':
            target = optarg;
            break;
        case 's':
            o->source = optarg;
            break;
        case 'p':
            o->glob = optarg;
            break;
        case 'r':
            if (!strcasecmp(optarg, "bulk"))
                o->tier = "Bulk";
            else if (!strcasecmp(optarg, "standard"))
                o->tier = "Standard";
            else if (!strcasecmp(optarg, "expedited"))
                o->tier = "Expedited";
            else {
                log_error("--tier %s: expected bulk, standard or expedited", optarg);
                return CLI_BAD;
            }
            break;
        case 'D':
            o->days = atoi(optarg);
            if (o->days < 1 || o->days > 365) {
                log_error("--days %s: expected 1 to 365", optarg);
                return CLI_BAD;
            }
            break;
        case 'w':
            o->wait = 1;
            break;
        case 'y':
            o->yes = 1;
            break;
        case 'n':
            o->dry_run = 1;
            break;
        case 'O':
            o->overwrite = 1;
            break;
        case 'i':
            if (o->nidentities == RESTORE_MAX_IDENTITIES) {
                log_error("restore: --identity given more than %d times", RESTORE_MAX_IDENTITIES);
                return CLI_BAD;
            }
            o->identities[o->nidentities++] = optarg;
            break;
        case 'S':
            if (geteuid() != 0) {
                log_error("restore: --same-owner needs root (files are restored owned by you "
                          "without it)");
                return CLI_BAD;
            }
            o->same_owner = 1;
            break;
        case 'P':
            o->partial = 1;
            break;
        case 'L':
            o->list = 1;
            break;
        case 'J':
            o->json = 1;
            break;
        case 'X':
            if (!strcasecmp(optarg, "private"))
                o->transfer_private = 1;
            else if (!strcasecmp(optarg, "internet"))
                o->transfer_private = 0;
            else {
                log_error("--transfer %s: expected private or internet", optarg);
                return CLI_BAD;
            }
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (cli_no_operands(argc, argv) != CLI_GO)
        return CLI_BAD;
    if (o->json && (o->list || !o->dry_run)) {
        log_error("restore: --json goes with --dry-run only (it prints the plan)");
        return CLI_BAD;
    }
    if (o->list)
        return CLI_GO;
    if (resolve_to(o, to, nto, target, have_until) != CLI_GO)
        return CLI_BAD;
    if (!o->tenant || !o->from || !o->to || !o->target) {
        log_error("restore needs --tenant, --date (or --from and --until) and --to DIR");
        return CLI_BAD;
    }
    if (cli_check_date("--from", o->from) < 0 || cli_check_date("--until", o->to) < 0)
        return CLI_BAD;
    if (strcmp(o->from, o->to) > 0) {
        log_error("--from %s is after --until %s", o->from, o->to);
        return CLI_BAD;
    }
    return CLI_GO;
}

int cmd_restore(const cli_env_t *env, cli_args_t *a)
{
    return job_restore(env->cfg, &a->restore);
}
