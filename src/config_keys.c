/*
 * config_keys.c — the per-section key handlers of the config parser:
 * [store], [pack], [source]/[defaults] (with ssh_options checked against the
 * options coldpack sets itself), [prices], [encryption] and [audit]. Each takes one
 * (section, key, value) from config.c's handler, refuses it with
 * "file:line: message" through config_fail, or stores it in the config_t.
 */
#include "config.h"
#include "config_int.h"

#include "array.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_handle_store(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_t *c = p->c;

    if (!strcmp(key, "url")) {
        if (strncmp(v, "file://", 7) && strncmp(v, "s3://", 5))
            BAD("file:///absolute/dir or s3://bucket/prefix");
        if (!strncmp(v, "file://", 7) && v[7] != '/')
            BAD("an absolute path after file:// (file:///var/lib/coldpack/store)");
        if (!strncmp(v, "s3://", 5) && !v[5])
            BAD("a bucket name after s3://");
        return !config_set_str(&c->store.url, v);
    }
    if (!strcmp(key, "storage_class")) {
        static const char *const ok[] = {
            "STANDARD",   "STANDARD_IA", "ONEZONE_IA",  "INTELLIGENT_TIERING",
            "GLACIER_IR", "GLACIER",     "DEEP_ARCHIVE"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            if (!strcmp(v, ok[i]))
                return !config_set_str(&c->store.storage_class, v);
        BAD("STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or "
            "DEEP_ARCHIVE");
    }
    if (!strcmp(key, "thaw_delay")) {
        if (config_parse_duration(v, &c->store.thaw_delay) < 0)
            BAD("a duration such as 0, 30s, 5m, 2h");
        return 1;
    }
    if (!strcmp(key, "region"))
        return !config_set_str(&c->store.region, v);
    if (!strcmp(key, "endpoint")) {
        if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            BAD("an http:// or https:// URL");
        return !config_set_str(&c->store.endpoint, v);
    }
    if (!strcmp(key, "path_style")) {
        if (config_parse_bool(v, &c->store.path_style) < 0)
            BAD("true or false");
        return 1;
    }
    if (!strcmp(key, "part_size")) {
        if (!strcmp(v, "auto")) {
            c->store.part_size = 0;
            return 1;
        }
        if (util_parse_size(v, &c->store.part_size) < 0 || c->store.part_size < 5 << 20 ||
            c->store.part_size > (int64_t)5 << 30)
            BAD("auto or a size from 5MiB to 5GiB");
        return 1;
    }
    if (!strcmp(key, "concurrency")) {
        if (config_parse_int(v, 1, 256, &c->store.concurrency) < 0)
            BAD("a number from 1 to 256");
        return 1;
    }
    if (!strcmp(key, "sse")) {
        if (strcmp(v, "none") && strcmp(v, "AES256") && strcmp(v, "aws:kms"))
            BAD("none, AES256 or aws:kms");
        return !config_set_str(&c->store.sse, v);
    }
    if (!strcmp(key, "kms_key_id"))
        return !config_set_str(&c->store.kms_key_id, v);
    if (!strcmp(key, "object_lock")) {
        if (strcmp(v, "none") && strcmp(v, "governance") && strcmp(v, "compliance"))
            BAD("none, governance or compliance");
        return !config_set_str(&c->store.object_lock, v);
    }
    if (!strcmp(key, "credentials_profile"))
        return !config_set_str(&c->store.credentials_profile, v);
    return config_fail(
        p,
        "unknown key \"%s\" in [store]; expected url, storage_class, thaw_delay, region, "
        "endpoint, path_style, part_size, concurrency, sse, kms_key_id, object_lock, "
        "credentials_profile",
        key);
}

int config_handle_pack(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_t *c = p->c;

    if (!strcmp(key, "compression")) {
        if (strcmp(v, "gzip") && strcmp(v, "zstd"))
            BAD("gzip or zstd");
        return !config_set_str(&c->pack.compression, v);
    }
    if (!strcmp(key, "level")) {
        if (config_parse_int(v, 1, 19, &c->pack.level) < 0)
            BAD("a number from 1 to 19 (gzip: 1-12)");
        return 1;
    }
    if (!strcmp(key, "volume_size")) {
        if (util_parse_size(v, &c->pack.volume_size) < 0 || c->pack.volume_size < 1)
            BAD("a size such as 4GiB, 512MiB");
        return 1;
    }
    if (!strcmp(key, "block_size")) {
        if (util_parse_size(v, &c->pack.block_size) < 0 || c->pack.block_size < 64 * 1024 ||
            c->pack.block_size > 64 << 20)
            BAD("a size from 64KiB to 64MiB");
        return 1;
    }
    if (!strcmp(key, "threads")) {
        if (config_parse_int(v, 0, 1024, &c->pack.threads) < 0)
            BAD("0 (all cores) or a number of threads");
        return 1;
    }
    return config_fail(p,
                       "unknown key \"%s\" in [pack]; expected compression, level, volume_size, "
                       "block_size, threads",
                       key);
}

int config_path_has_tenant(const char *path)
{
    return path && strstr(path, "{tenant}") != NULL;
}

/* ssh -o options coldpack sets itself (ssh takes the first value given, so
 * these could not be overridden anyway), or that would break the stream. */
static const char *const ssh_fixed[] = {"BatchMode",
                                        "StrictHostKeyChecking",
                                        "ConnectTimeout",
                                        "ServerAliveInterval",
                                        "ServerAliveCountMax",
                                        "IdentitiesOnly",
                                        "IdentityFile",
                                        "Port",
                                        "User",
                                        "RemoteCommand",
                                        "RequestTTY",
                                        "LocalCommand",
                                        "PermitLocalCommand",
                                        "ProxyCommand",
                                        "EscapeChar",
                                        "SessionType",
                                        "StdinNull",
                                        "ForkAfterAuthentication"};
#define SSH_OPTIONS_MAX 16

/* "Name=value Name=value" -> NULL-terminated vector in *out; 0, or -1 with
 * the reason in why. */
static int parse_ssh_options(const char *v, char ***out, char *why, size_t whysz)
{
    char **opt = calloc(SSH_OPTIONS_MAX + 1, sizeof *opt);
    size_t n = 0;

    if (!opt) {
        snprintf(why, whysz, "out of memory");
        return -1;
    }
    while (*v) {
        size_t len, name;
        while (isspace((unsigned char)*v))
            v++;
        if (!*v)
            break;
        len = 0;
        while (v[len] && !isspace((unsigned char)v[len]))
            len++;
        for (name = 0; name < len && isalpha((unsigned char)v[name]); name++)
            ;
        if (name == 0 || name + 1 >= len || v[name] != '=' || v[name + 1] == '-' ||
            memchr(v, '"', len) || memchr(v, '\'', len)) {
            snprintf(why, whysz, "\"%.*s\" is not Name=value (ssh -o, no quotes, no blanks)",
                     (int)len, v);
            goto bad;
        }
        for (size_t i = 0; i < sizeof ssh_fixed / sizeof ssh_fixed[0]; i++)
            if (strlen(ssh_fixed[i]) == name && !strncasecmp(v, ssh_fixed[i], name)) {
                snprintf(why, whysz,
                         "%s is set by coldpack or would break the tar stream (port, user, "
                         "identity and ssh_command are keys of their own)",
                         ssh_fixed[i]);
                goto bad;
            }
        if (n == SSH_OPTIONS_MAX) {
            snprintf(why, whysz, "more than %d options", SSH_OPTIONS_MAX);
            goto bad;
        }
        if (!(opt[n++] = strndup(v, len))) {
            snprintf(why, whysz, "out of memory");
            goto bad;
        }
        v += len;
    }
    *out = opt;
    return 0;
bad:
    config_strv_release(opt);
    return -1;
}

/* A [source] or [defaults] key into s; sec names the section in messages. */
int config_handle_source(struct parse *p, config_source_t *s, const char *sec, const char *key,
                         const char *v)
{
    if (!strcmp(key, "path")) {
        const char *t = strstr(v, "{tenant}");
        if (!strstr(v, "{date}"))
            BAD("a path containing {date} (e.g. /var/siem/export/{date})");
        if (t && (t == v || t[-1] != '/' || (t[8] && t[8] != '/') || strstr(t + 8, "{tenant}")))
            BAD("{tenant} as one whole directory, at most once (e.g. /export/{tenant}/{date})");
        return !config_set_str(&s->path, v);
    }
    if (!strcmp(key, "ssh_options")) {
        char why[200], **opt;
        if (parse_ssh_options(v, &opt, why, sizeof why) < 0)
            return config_fail(p, "%s.ssh_options = \"%s\": %s", sec, v, why);
        config_strv_release(s->ssh_options);
        s->ssh_options = opt;
        return 1;
    }
    if (!strcmp(key, "tenant")) {
        if (!strncmp(v, "dir:", 4)) {
            if (config_parse_int(v + 4, 1, 32, &s->tenant_dir) < 0)
                BAD("dir:N (N from 1) or fixed:NAME");
            s->tenant_rule = TENANT_DIR;
            return 1;
        }
        if (!strncmp(v, "fixed:", 6)) {
            if (!config_valid_name(v + 6))
                BAD("fixed:NAME with letters, digits, '-', '_', '.'");
            s->tenant_rule = TENANT_FIXED;
            return !config_set_str(&s->tenant_fixed, v + 6);
        }
        BAD("dir:N (N from 1) or fixed:NAME");
    }
    if (!strcmp(key, "host"))
        return !config_set_str(&s->host, v);
    if (!strcmp(key, "user"))
        return !config_set_str(&s->user, v);
    if (!strcmp(key, "port")) {
        if (config_parse_int(v, 1, 65535, &s->port) < 0)
            BAD("a port from 1 to 65535");
        return 1;
    }
    if (!strcmp(key, "identity"))
        return !config_set_str(&s->identity, v);
    if (!strcmp(key, "ssh_command"))
        return !config_set_str(&s->ssh_command, v);
    if (!strcmp(key, "remote_nice")) {
        if (config_parse_bool(v, &s->remote_nice) < 0)
            BAD("true or false");
        return 1;
    }
    if (!strcmp(key, "bandwidth")) {
        if (util_parse_rate(v, &s->bandwidth) < 0)
            BAD("a rate such as 50MB/s");
        return 1;
    }
    if (!strcmp(sec, "defaults"))
        return config_fail(
            p,
            "unknown key \"%s\" in [defaults]; expected path, tenant, host, user, port, "
            "identity, remote_nice, bandwidth, ssh_command, ssh_options",
            key);
    return config_fail(p,
                       "unknown key \"%s\" in [source \"%s\"]; expected path, tenant, host, hosts, "
                       "user, port, identity, remote_nice, bandwidth, ssh_command, ssh_options",
                       key, p->ntmpls ? p->tmpls[p->ntmpls - 1].name : "?");
}

const char *const config_price_keys[CONFIG_NPRICES] = {
    "storage_gb_month",      "put_per_1000",
    "standard_gb_month",     "standard_put_per_1000",
    "retrieval_standard_gb", "retrieval_standard_per_1000",
    "retrieval_bulk_gb",     "retrieval_bulk_per_1000",
    "transfer_out_gb"};

/* [prices]: overrides of estimate.c's list prices, USD, >= 0. */
int config_handle_prices(struct parse *p, const char *sec, const char *key, const char *v)
{
    char *end;
    double d;

    for (int i = 0; i < CONFIG_NPRICES; i++) {
        if (strcmp(key, config_price_keys[i]))
            continue;
        errno = 0;
        d = strtod(v, &end);
        if (errno || end == v || *end || !(d >= 0 && d < 1e6))
            BAD("a price in USD such as 0.00099");
        p->c->prices.v[i] = d;
        p->c->prices.set |= 1u << i;
        return 1;
    }
    return config_fail(p,
                       "unknown key \"%s\" in [prices]; expected storage_gb_month, put_per_1000, "
                       "standard_gb_month, standard_put_per_1000, retrieval_standard_gb, "
                       "retrieval_standard_per_1000, retrieval_bulk_gb, retrieval_bulk_per_1000, "
                       "transfer_out_gb",
                       key);
}

/* ---- [encryption] (docs/encryption.md) ---- */

int config_handle_encryption(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_encryption_t *e = &p->c->encryption;

    if (!strcmp(key, "recipients_dir") || !strcmp(key, "identities_dir")) {
        if (v[0] != '/')
            BAD("an absolute directory path");
        return !config_set_str(
            !strcmp(key, "recipients_dir") ? &e->recipients_dir : &e->identities_dir, v);
    }
    if (!strcmp(key, "unknown_tenant")) {
        if (strcmp(v, "fail") && strcmp(v, "keygen"))
            BAD("fail or keygen");
        e->unknown_keygen = !strcmp(v, "keygen");
        return 1;
    }
    return config_fail(
        p,
        "unknown key \"%s\" in [encryption]; expected recipients_dir, identities_dir, "
        "unknown_tenant",
        key);
}

int config_validate_encryption(struct parse *p)
{
    const config_encryption_t *e = &p->c->encryption;
    int at = p->plain_line[8]; /* "encryption" in begin_section's plain[] */

    if (!at)
        return 1;
    p->line = at;
    if (!e->recipients_dir)
        return config_fail(p, "[encryption] needs recipients_dir = /dir (one <tenant>.txt of age "
                              "recipients per tenant)");
    if (e->unknown_keygen && !e->identities_dir)
        return config_fail(
            p, "[encryption] unknown_tenant = keygen needs identities_dir = /dir (where "
               "new identities are written, mode 0600)");
    if (e->identities_dir && !strcmp(e->identities_dir, e->recipients_dir))
        return config_fail(p,
                           "[encryption] identities_dir must not be recipients_dir: identities are "
                           "secret");
    return 1;
}

/* ---- [audit] (docs/audit.md) ---- */

int config_handle_audit(struct parse *p, const char *sec, const char *key, const char *v)
{
    if (!strcmp(key, "signing_key") || !strcmp(key, "public_key")) {
        if (v[0] != '/')
            BAD("an absolute path to an Ed25519 PEM key");
        return !config_set_str(
            !strcmp(key, "signing_key") ? &p->c->audit.signing_key : &p->c->audit.public_key, v);
    }
    return config_fail(p, "unknown key \"%s\" in [audit]; expected signing_key, public_key", key);
}
