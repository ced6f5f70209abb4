/*
 * cmd_keygen.c — `coldpack keygen --tenant T --out DIR`: a new age key pair
 * for tenant T, DIR/<name>.key (the identity, 0600: keep it off the backup
 * host's store credentials, it is the only way to read T's backups) and
 * DIR/<name>.txt (the recipient, to copy into [encryption] recipients_dir).
 * <name> is T percent-encoded for a file name (keys.h). Needs no config;
 * never replaces an existing file (exit 1).
 */
#include "cli.h"
#include "keys.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

int cmd_keygen_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {{"tenant", required_argument, NULL, 'T'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "T:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            a->keygen.tenant = optarg;
            break;
        case 'o':
            a->keygen.out = optarg;
            break;
        default:
            return cli_opt_default(c);
        }
    }
    if (!a->keygen.tenant || !a->keygen.tenant[0] || !a->keygen.out || !a->keygen.out[0]) {
        log_error("keygen: --tenant T and --out DIR are required");
        return CLI_BAD;
    }
    return cli_no_operands(argc, argv);
}

int cmd_keygen(const cli_env_t *env, cli_args_t *a)
{
    char rec[AGE_RECIPIENT_STRLEN], name[768];

    (void)env;
    if (keys_tenant_name(a->keygen.tenant, name, sizeof name) < 0) {
        log_error("keygen: tenant name too long");
        return EXIT_USAGE;
    }
    if (keys_generate(a->keygen.tenant, a->keygen.out, a->keygen.out, rec) < 0)
        return EXIT_FAIL;
    printf("tenant %s: identity %s/%s.key (secret, mode 0600), recipient %s/%s.txt: %s\n",
           a->keygen.tenant, a->keygen.out, name, a->keygen.out, name, rec);
    return EXIT_OK;
}
