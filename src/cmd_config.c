/*
 * cmd_config.c — `coldpack config show [--json]`: the configuration as
 * coldpack reads it — [defaults] applied, hosts = expanded, defaults filled
 * in — one [source] per source with its effective keys. The text form is an
 * INI file coldpack loads back to the same configuration (unless a value was
 * masked). Values of keys named *secret*, *auth*, *password* or *token* are masked,
 * and so is everything after the host of the notify webhook (such URLs carry
 * their credential in the path).
 */
#include "cli.h"
#include "config.h"
#include "job.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MASK "********"

int cmd_config_parse(int argc, char **argv, cli_args_t *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j')
            a->config.json = 1;
        else
            return cli_opt_default(c);
    }
    if (optind >= argc || strcmp(argv[optind], "show")) {
        fprintf(stderr, "%s: expected the subcommand \"show\"\n", argv[0]);
        return CLI_BAD;
    }
    optind++;
    return cli_no_operands(argc, argv);
}

static int secret_key(const char *key)
{
    return strcasestr(key, "secret") || strcasestr(key, "auth") || strcasestr(key, "password") ||
           strcasestr(key, "token");
}

/* The webhook up to its host, the rest masked. buf holds the result. */
static const char *mask_url(const char *url, char *buf, size_t bufsz)
{
    const char *host = strstr(url, "://"), *end;

    if (!host)
        return MASK;
    host += 3;
    if ((end = strchr(host, '@'))) /* user:password@ */
        host = end + 1;
    end = host + strcspn(host, "/?#");
    if (!*end)
        snprintf(buf, bufsz, "%.*s%.*s", (int)(strstr(url, "://") + 3 - url), url,
                 (int)(end - host), host);
    else
        snprintf(buf, bufsz, "%.*s%.*s/" MASK, (int)(strstr(url, "://") + 3 - url), url,
                 (int)(end - host), host);
    return buf;
}

/* An exact size a config accepts back: 4GiB, 256KiB, 50MB, 1000. */
static const char *fmt_exact(int64_t n, char *buf, size_t bufsz)
{
    static const char *const unit[] = {"TiB", "GiB", "MiB", "KiB"};

    for (int i = 0; i < 4; i++) {
        int64_t m = (int64_t)1 << (10 * (4 - i));
        if (n >= m && n % m == 0) {
            snprintf(buf, bufsz, "%lld%s", (long long)(n / m), unit[i]);
            return buf;
        }
    }
    for (int i = 0; i < 4; i++) {
        static const char *const dec[] = {"TB", "GB", "MB", "KB"};
        int64_t m = 1000;
        for (int k = 0; k < 3 - i; k++)
            m *= 1000;
        if (n >= m && n % m == 0) {
            snprintf(buf, bufsz, "%lld%s", (long long)(n / m), dec[i]);
            return buf;
        }
    }
    snprintf(buf, bufsz, "%lld", (long long)n);
    return buf;
}

/* Output either as INI text or into a JSON object. */
struct out {
    json_t *obj; /* NULL: text to stdout */
};

static void put_str(struct out *o, const char *key, const char *v)
{
    if (!v)
        return;
    if (secret_key(key))
        v = MASK;
    if (o->obj)
        json_object_set_new(o->obj, key, json_string(v));
    else
        printf("%s = %s\n", key, v);
}

static void put_int(struct out *o, const char *key, long long v)
{
    if (o->obj)
        json_object_set_new(o->obj, key, json_integer(v));
    else
        printf("%s = %lld\n", key, v);
}

static void put_bool(struct out *o, const char *key, int v)
{
    if (o->obj)
        json_object_set_new(o->obj, key, json_boolean(v));
    else
        printf("%s = %s\n", key, v ? "true" : "false");
}

/* bytes (JSON) or an exact size (text); rate appends "/s" */
static void put_size(struct out *o, const char *key, int64_t v, int rate)
{
    char buf[48];

    if (o->obj) {
        json_object_set_new(o->obj, key, json_integer(v));
        return;
    }
    fmt_exact(v, buf, sizeof buf);
    printf("%s = %s%s\n", key, buf, rate ? "/s" : "");
}

static void section(struct out *o, json_t *root, const char *name)
{
    if (root) {
        o->obj = json_object();
        json_object_set_new(root, name, o->obj);
    } else {
        printf("\n[%s]\n", name);
    }
}

static void show_source(struct out *o, const config_source_t *s)
{
    char buf[256];

    put_str(o, "path", s->path);
    if (!config_path_has_tenant(s->path)) {
        if (s->tenant_rule == TENANT_FIXED)
            snprintf(buf, sizeof buf, "fixed:%s", s->tenant_fixed);
        else
            snprintf(buf, sizeof buf, "dir:%d", s->tenant_dir);
        put_str(o, "tenant", buf);
    }
    put_str(o, "host", s->host);
    put_str(o, "user", s->user);
    if (s->port)
        put_int(o, "port", s->port);
    put_str(o, "identity", s->identity);
    if (s->host)
        put_bool(o, "remote_nice", s->remote_nice);
    if (s->bandwidth)
        put_size(o, "bandwidth", s->bandwidth, 1);
    put_str(o, "ssh_command", s->ssh_command);
    if (s->ssh_options && o->obj) {
        json_t *a = json_array();
        for (char **p = s->ssh_options; *p; p++)
            json_array_append_new(a, json_string(*p));
        json_object_set_new(o->obj, "ssh_options", a);
    } else if (s->ssh_options) {
        printf("ssh_options =");
        for (char **p = s->ssh_options; *p; p++)
            printf(" %s", *p);
        printf("\n");
    }
}

int cmd_config(const cli_env_t *env, cli_args_t *a)
{
    const config_t *c = env->cfg;
    json_t *root = a->config.json ? json_object() : NULL, *srcs = NULL;
    struct out o = {NULL};
    char buf[512];

    if (root) {
        json_object_set_new(root, "file", json_string(c->file));
    } else {
        printf("; coldpack config show: %s\n; %d source(s), [defaults] applied and hosts = "
               "expanded; values of secret keys are masked\n",
               c->file, c->nsources);
    }
    section(&o, root, "store");
    put_str(&o, "url", c->store.url);
    put_str(&o, "storage_class", c->store.storage_class);
    if (!strncmp(c->store.url, "file://", 7)) {
        snprintf(buf, sizeof buf, "%llds", (long long)c->store.thaw_delay);
        if (root)
            put_int(&o, "thaw_delay", c->store.thaw_delay);
        else
            put_str(&o, "thaw_delay", buf);
    }
    put_str(&o, "region", c->store.region);
    put_str(&o, "endpoint", c->store.endpoint);
    put_bool(&o, "path_style", c->store.path_style);
    if (c->store.part_size)
        put_size(&o, "part_size", c->store.part_size, 0);
    else
        put_str(&o, "part_size", "auto");
    put_int(&o, "concurrency", c->store.concurrency);
    put_str(&o, "sse", c->store.sse);
    put_str(&o, "kms_key_id", c->store.kms_key_id);
    put_str(&o, "object_lock", c->store.object_lock);
    put_str(&o, "credentials_profile", c->store.credentials_profile);

    section(&o, root, "catalog");
    put_str(&o, "path", c->catalog.path);

    section(&o, root, "pack");
    put_str(&o, "compression", c->pack.compression);
    put_int(&o, "level", c->pack.level);
    put_size(&o, "volume_size", c->pack.volume_size, 0);
    put_size(&o, "block_size", c->pack.block_size, 0);
    put_int(&o, "threads", c->pack.threads);

    section(&o, root, "retention");
    put_int(&o, "days", c->retention.days);

    section(&o, root, "run");
    put_int(&o, "parallel_sources", c->run.parallel_sources);
    if (c->run.bandwidth)
        put_size(&o, "bandwidth", c->run.bandwidth, 1);
    if (c->run.deadline_min >= 0) {
        snprintf(buf, sizeof buf, "%02d:%02d", c->run.deadline_min / 60, c->run.deadline_min % 60);
        put_str(&o, "deadline", buf);
    }
    put_str(&o, "log_file", c->run.log_file);
    put_str(&o, "metrics_file", c->run.metrics_file);

    if (c->notify.command || c->notify.webhook) {
        section(&o, root, "notify");
        put_str(&o, "command", c->notify.command);
        if (c->notify.webhook)
            put_str(&o, "webhook", mask_url(c->notify.webhook, buf, sizeof buf));
        put_str(&o, "on", c->notify.always ? "always" : "failure");
        put_str(&o, "webhook_format", c->notify.webhook_slack ? "slack" : "json");
        put_str(&o, "webhook_auth", c->notify.webhook_auth);
        put_str(&o, "webhook_secret", c->notify.webhook_secret);
    }

    if (root) {
        srcs = json_array();
        json_object_set_new(root, "sources", srcs);
    }
    for (int i = 0; i < c->nsources; i++) {
        const config_source_t *s = &c->sources[i];
        if (root) {
            o.obj = json_object();
            json_object_set_new(o.obj, "name", json_string(s->name));
            json_object_set_new(o.obj, "line", json_integer(s->line));
            json_array_append_new(srcs, o.obj);
        } else {
            printf("\n[source \"%s\"] ; %s:%d\n", s->name, c->file, s->line);
        }
        show_source(&o, s);
    }
    if (root) {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        if (!text) {
            fprintf(stderr, "coldpack: config show: out of memory\n");
            return EXIT_FAIL;
        }
        printf("%s\n", text);
        free(text);
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}
