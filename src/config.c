/*
 * config.c — load and validate the INI file with inih.
 *
 * inih hands us (section, key, value) triples; we feed it lines through our
 * own reader so that we always know the current line number, and stop at the
 * first problem with "file:line: message". Validation that needs the whole
 * file (required keys, {date} in paths) runs after parsing and names the
 * line of the section it concerns.
 *
 * [defaults] and [source] keys are checked as they are read (on a scratch
 * source, so errors come in file order) and kept as (key, value, line); once
 * the whole file is read, each [source] becomes one source per host of its
 * hosts = (or just one), built by applying the [defaults] keys and then its
 * own through the same handler. So a [defaults] after a [source] still
 * applies, and an own key always wins.
 */
#include "config.h"

#include "array.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kv {
    char *key, *val;
    int line;
};

struct kvs {
    struct kv *v;
    size_t n, cap;
};

/* A [source "NAME"] section as written: NAME may hold {host}. */
struct tmpl {
    char *name;
    int line;
    struct kvs kv; /* its keys, hosts excepted */
    char **hosts;  /* hosts = expanded, or NULL */
    size_t nhosts;
    int hosts_line;
};

struct parse {
    config_t *c;
    const char *name;
    const char *text; /* remaining input */
    int line;
    char err[512];
    int err_line;
    char cur_section[256];
    int plain_line[9];  /* first line of each plain section, to refuse repeats */
    size_t sources_cap; /* allocated entries of c->sources */
    struct kvs defs;    /* [defaults] */
    struct tmpl *tmpls; /* [source] sections in file order */
    size_t ntmpls, tmpls_cap;
    config_source_t scratch; /* where keys are checked as they are read */
    /* keys seen in the current section, to refuse duplicates */
    char seen[64][64];
    int nseen;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;

    if (p->err[0])
        return 0;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    p->err_line = p->line;
    return 0;
}

static int begin_section(struct parse *p, const char *section);

/* Our reader sees section headers before inih does, so that empty sections
 * are validated too and the handler knows which [source] it is in. */
static void section_line(struct parse *p, const char *line)
{
    const char *s = line, *e;
    char name[256];

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '[' || p->err[0])
        return;
    e = strrchr(s, ']');
    if (!e || (size_t)(e - s - 1) >= sizeof name)
        return; /* inih reports the syntax error with its line */
    memcpy(name, s + 1, (size_t)(e - s - 1));
    name[e - s - 1] = 0;
    begin_section(p, name);
}

static char *reader(char *buf, int size, void *stream)
{
    struct parse *p = stream;
    const char *nl;
    size_t n;

    if (!*p->text)
        return NULL;
    nl = strchr(p->text, '\n');
    n = nl ? (size_t)(nl - p->text + 1) : strlen(p->text);
    p->line++;
    if (n >= (size_t)size) {
        fail(p, "line longer than %d bytes", size - 1);
        n = (size_t)size - 1;
        /* skip the rest of the line so inih does not see it as a new line */
        buf[0] = 0;
        p->text += nl ? (size_t)(nl - p->text + 1) : strlen(p->text);
        return buf;
    }
    /* Leading blanks are dropped: inih would take an indented line as the
     * continuation of the previous value and blame the wrong key. */
    size_t lead = 0;
    while (lead < n && (p->text[lead] == ' ' || p->text[lead] == '\t'))
        lead++;
    memcpy(buf, p->text + lead, n - lead);
    buf[n - lead] = 0;
    p->text += n;
    section_line(p, buf);
    return buf;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") ||
        !strcasecmp(v, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
        !strcasecmp(v, "off")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int parse_int(const char *v, long lo, long hi, int *out)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return -1;
    *out = (int)n;
    return 0;
}

/* "30", "30s", "5m", "2h", "1d" -> seconds */
static int parse_duration(const char *v, int64_t *out)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || n < 0)
        return -1;
    long long mul;
    if (!*end || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "m"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else if (!strcmp(end, "d"))
        mul = 86400;
    else
        return -1;
    if (n > 100LL * 365 * 86400 / mul) /* over a century: a typo */
        return -1;
    *out = n * mul;
    return 0;
}

static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

static int valid_name(const char *s)
{
    if (!*s || strlen(s) > 128 || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

static void source_init(config_source_t *s, int line)
{
    memset(s, 0, sizeof *s);
    s->line = line;
    s->remote_nice = 1;
    s->tenant_rule = TENANT_DIR;
    s->tenant_dir = 1;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void source_release(config_source_t *s)
{
    free(s->name);
    free(s->path);
    free(s->tenant_fixed);
    free(s->host);
    free(s->user);
    free(s->identity);
    free(s->ssh_command);
    strv_free(s->ssh_options);
}

/* s with every "{var}" replaced by val; NULL when out of memory. */
static char *subst(const char *s, const char *var, const char *val)
{
    strbuf_t b = STRBUF_INIT(1 << 20);
    size_t vl = strlen(var), al = strlen(val);
    const char *at;
    char *out;

    while ((at = strstr(s, var))) {
        if (strbuf_add(&b, s, (size_t)(at - s)) < 0 || strbuf_add(&b, val, al) < 0)
            goto oom;
        s = at + vl;
    }
    if (strbuf_add(&b, s, strlen(s)) < 0)
        goto oom;
    out = strdup(strbuf_str(&b));
    strbuf_release(&b);
    return out;
oom:
    strbuf_release(&b);
    return NULL;
}

static int begin_section(struct parse *p, const char *section)
{
    static const char *const plain[] = {"store",  "catalog", "pack",     "retention", "run",
                                        "notify", "prices",  "defaults", "encryption"};
    char name[256];
    size_t n;

    p->nseen = 0;
    if (strncmp(section, "source", 6) == 0 && isspace((unsigned char)section[6])) {
        const char *q = section + 6;
        struct tmpl *t;
        char *check;
        while (isspace((unsigned char)*q))
            q++;
        n = strlen(q);
        if (n < 2 || q[0] != '"' || q[n - 1] != '"' || n - 2 >= sizeof name)
            return fail(p, "section [%s]: expected [source \"NAME\"]", section);
        memcpy(name, q + 1, n - 2);
        name[n - 2] = 0;
        /* {host} is filled in later; the rest must already be a good name */
        check = subst(name, "{host}", "h");
        if (!check)
            return fail(p, "out of memory");
        int ok = valid_name(check);
        free(check);
        if (!ok)
            return fail(p,
                        "source name \"%s\": use letters, digits, '-', '_' and '.' "
                        "(it becomes part of object keys), and {host} for each host of hosts =",
                        name);
        for (size_t i = 0; i < p->ntmpls; i++)
            if (!strcmp(p->tmpls[i].name, name) && !strstr(name, "{host}"))
                return fail(p, "duplicate source \"%s\" (first defined at line %d)", name,
                            p->tmpls[i].line);
        if (ARRAY_GROW(p->tmpls, p->ntmpls + 1, p->tmpls_cap) < 0)
            return fail(p, "out of memory");
        t = &p->tmpls[p->ntmpls++];
        memset(t, 0, sizeof *t);
        t->line = p->line;
        if (!(t->name = strdup(name)))
            return fail(p, "out of memory");
        source_release(&p->scratch);
        source_init(&p->scratch, p->line);
        snprintf(p->cur_section, sizeof p->cur_section, "source");
        return 1;
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (!strcmp(section, plain[i])) {
            if (p->plain_line[i])
                return fail(p, "duplicate section [%s] (first at line %d)", section,
                            p->plain_line[i]);
            p->plain_line[i] = p->line;
            snprintf(p->cur_section, sizeof p->cur_section, "%s", section);
            return 1;
        }
    }
    return fail(p,
                "unknown section [%s]; expected [store], [catalog], [pack], [retention], "
                "[run], [notify], [prices], [defaults], [encryption] or [source \"NAME\"]",
                section);
}

#define BAD(what) return fail(p, "%s.%s = \"%s\": expected %s", sec, key, v, what)

static int handle_store(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_t *c = p->c;

    if (!strcmp(key, "url")) {
        if (strncmp(v, "file://", 7) && strncmp(v, "s3://", 5))
            BAD("file:///absolute/dir or s3://bucket/prefix");
        if (!strncmp(v, "file://", 7) && v[7] != '/')
            BAD("an absolute path after file:// (file:///var/lib/coldpack/store)");
        if (!strncmp(v, "s3://", 5) && !v[5])
            BAD("a bucket name after s3://");
        return !set_str(&c->store.url, v);
    }
    if (!strcmp(key, "storage_class")) {
        static const char *const ok[] = {
            "STANDARD",   "STANDARD_IA", "ONEZONE_IA",  "INTELLIGENT_TIERING",
            "GLACIER_IR", "GLACIER",     "DEEP_ARCHIVE"};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            if (!strcmp(v, ok[i]))
                return !set_str(&c->store.storage_class, v);
        BAD("STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or "
            "DEEP_ARCHIVE");
    }
    if (!strcmp(key, "thaw_delay")) {
        if (parse_duration(v, &c->store.thaw_delay) < 0)
            BAD("a duration such as 0, 30s, 5m, 2h");
        return 1;
    }
    if (!strcmp(key, "region"))
        return !set_str(&c->store.region, v);
    if (!strcmp(key, "endpoint")) {
        if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            BAD("an http:// or https:// URL");
        return !set_str(&c->store.endpoint, v);
    }
    if (!strcmp(key, "path_style")) {
        if (parse_bool(v, &c->store.path_style) < 0)
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
        if (parse_int(v, 1, 256, &c->store.concurrency) < 0)
            BAD("a number from 1 to 256");
        return 1;
    }
    if (!strcmp(key, "sse")) {
        if (strcmp(v, "none") && strcmp(v, "AES256") && strcmp(v, "aws:kms"))
            BAD("none, AES256 or aws:kms");
        return !set_str(&c->store.sse, v);
    }
    if (!strcmp(key, "kms_key_id"))
        return !set_str(&c->store.kms_key_id, v);
    if (!strcmp(key, "object_lock")) {
        if (strcmp(v, "none") && strcmp(v, "governance") && strcmp(v, "compliance"))
            BAD("none, governance or compliance");
        return !set_str(&c->store.object_lock, v);
    }
    if (!strcmp(key, "credentials_profile"))
        return !set_str(&c->store.credentials_profile, v);
    return fail(p,
                "unknown key \"%s\" in [store]; expected url, storage_class, thaw_delay, region, "
                "endpoint, path_style, part_size, concurrency, sse, kms_key_id, object_lock, "
                "credentials_profile",
                key);
}

static int handle_pack(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_t *c = p->c;

    if (!strcmp(key, "compression")) {
        if (strcmp(v, "gzip") && strcmp(v, "zstd"))
            BAD("gzip or zstd");
        return !set_str(&c->pack.compression, v);
    }
    if (!strcmp(key, "level")) {
        if (parse_int(v, 1, 19, &c->pack.level) < 0)
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
        if (parse_int(v, 0, 1024, &c->pack.threads) < 0)
            BAD("0 (all cores) or a number of threads");
        return 1;
    }
    return fail(p,
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
    strv_free(opt);
    return -1;
}

/* A [source] or [defaults] key into s; sec names the section in messages. */
static int handle_source(struct parse *p, config_source_t *s, const char *sec, const char *key,
                         const char *v)
{
    if (!strcmp(key, "path")) {
        const char *t = strstr(v, "{tenant}");
        if (!strstr(v, "{date}"))
            BAD("a path containing {date} (e.g. /var/siem/export/{date})");
        if (t && (t == v || t[-1] != '/' || (t[8] && t[8] != '/') || strstr(t + 8, "{tenant}")))
            BAD("{tenant} as one whole directory, at most once (e.g. /export/{tenant}/{date})");
        return !set_str(&s->path, v);
    }
    if (!strcmp(key, "ssh_options")) {
        char why[200], **opt;
        if (parse_ssh_options(v, &opt, why, sizeof why) < 0)
            return fail(p, "%s.ssh_options = \"%s\": %s", sec, v, why);
        strv_free(s->ssh_options);
        s->ssh_options = opt;
        return 1;
    }
    if (!strcmp(key, "tenant")) {
        if (!strncmp(v, "dir:", 4)) {
            if (parse_int(v + 4, 1, 32, &s->tenant_dir) < 0)
                BAD("dir:N (N from 1) or fixed:NAME");
            s->tenant_rule = TENANT_DIR;
            return 1;
        }
        if (!strncmp(v, "fixed:", 6)) {
            if (!valid_name(v + 6))
                BAD("fixed:NAME with letters, digits, '-', '_', '.'");
            s->tenant_rule = TENANT_FIXED;
            return !set_str(&s->tenant_fixed, v + 6);
        }
        BAD("dir:N (N from 1) or fixed:NAME");
    }
    if (!strcmp(key, "host"))
        return !set_str(&s->host, v);
    if (!strcmp(key, "user"))
        return !set_str(&s->user, v);
    if (!strcmp(key, "port")) {
        if (parse_int(v, 1, 65535, &s->port) < 0)
            BAD("a port from 1 to 65535");
        return 1;
    }
    if (!strcmp(key, "identity"))
        return !set_str(&s->identity, v);
    if (!strcmp(key, "ssh_command"))
        return !set_str(&s->ssh_command, v);
    if (!strcmp(key, "remote_nice")) {
        if (parse_bool(v, &s->remote_nice) < 0)
            BAD("true or false");
        return 1;
    }
    if (!strcmp(key, "bandwidth")) {
        if (util_parse_rate(v, &s->bandwidth) < 0)
            BAD("a rate such as 50MB/s");
        return 1;
    }
    if (!strcmp(sec, "defaults"))
        return fail(p,
                    "unknown key \"%s\" in [defaults]; expected path, tenant, host, user, port, "
                    "identity, remote_nice, bandwidth, ssh_command, ssh_options",
                    key);
    return fail(p,
                "unknown key \"%s\" in [source \"%s\"]; expected path, tenant, host, hosts, "
                "user, port, identity, remote_nice, bandwidth, ssh_command, ssh_options",
                key, p->ntmpls ? p->tmpls[p->ntmpls - 1].name : "?");
}

static int kv_add(struct parse *p, struct kvs *l, const char *key, const char *v)
{
    struct kv *e;

    if (ARRAY_GROW(l->v, l->n + 1, l->cap) < 0)
        return fail(p, "out of memory");
    e = &l->v[l->n];
    e->key = strdup(key);
    e->val = strdup(v);
    e->line = p->line;
    if (!e->key || !e->val) {
        free(e->key);
        free(e->val);
        return fail(p, "out of memory");
    }
    l->n++;
    return 1;
}

static const struct kv *kv_find(const struct kvs *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].key, key))
            return &l->v[i];
    return NULL;
}

static int valid_host(const char *h)
{
    if (!*h || *h == '-' || strlen(h) > 253)
        return 0;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && !strchr("-_.:", *h))
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int handle_hosts(struct parse *p, struct tmpl *t, const char *v)
{
    char err[256], **sorted;

    if (kv_find(&t->kv, "host"))
        return fail(p, "hosts = and host = cannot both be given (line %d has host =)",
                    kv_find(&t->kv, "host")->line);
    if (config_brace_expand(v, CONFIG_MAX_EXPANSION, &t->hosts, &t->nhosts, err, sizeof err) < 0)
        return fail(p, "source.hosts = \"%s\": %s", v, err);
    t->hosts_line = p->line;
    for (size_t i = 0; i < t->nhosts; i++)
        if (!valid_host(t->hosts[i]))
            return fail(p,
                        "source.hosts = \"%s\": \"%s\" is not a host name (letters, digits, "
                        "'-', '_', '.', ':')",
                        v, t->hosts[i]);
    if (!(sorted = malloc(t->nhosts * sizeof *sorted)))
        return fail(p, "out of memory");
    memcpy(sorted, t->hosts, t->nhosts * sizeof *sorted);
    qsort(sorted, t->nhosts, sizeof *sorted, cmp_str);
    for (size_t i = 1; i < t->nhosts; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            fail(p, "source.hosts = \"%s\": \"%s\" is listed twice", v, sorted[i]);
            free(sorted);
            return 0;
        }
    free(sorted);
    return 1;
}

/* A key of [defaults] or of the current [source]: checked now, applied
 * once the whole file is read (expand_sources). */
static int source_key(struct parse *p, const char *sec, const char *key, const char *v)
{
    struct tmpl *t = strcmp(sec, "defaults") ? &p->tmpls[p->ntmpls - 1] : NULL;

    if (!strcmp(key, "hosts")) {
        if (!t)
            return fail(p, "hosts = belongs in a [source \"{host}\"] section, not in [defaults]");
        return handle_hosts(p, t, v);
    }
    if (t && !strcmp(key, "host") && t->hosts)
        return fail(p, "host = and hosts = cannot both be given (line %d has hosts =)",
                    t->hosts_line);
    if (!handle_source(p, &p->scratch, sec, key, v))
        return 0;
    return kv_add(p, t ? &t->kv : &p->defs, key, v);
}

const char *const config_price_keys[CONFIG_NPRICES] = {
    "storage_gb_month",      "put_per_1000",
    "standard_gb_month",     "standard_put_per_1000",
    "retrieval_standard_gb", "retrieval_standard_per_1000",
    "retrieval_bulk_gb",     "retrieval_bulk_per_1000",
    "transfer_out_gb"};

/* [prices]: overrides of estimate.c's list prices, USD, >= 0. */
static int handle_prices(struct parse *p, const char *sec, const char *key, const char *v)
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
    return fail(p,
                "unknown key \"%s\" in [prices]; expected storage_gb_month, put_per_1000, "
                "standard_gb_month, standard_put_per_1000, retrieval_standard_gb, "
                "retrieval_standard_per_1000, retrieval_bulk_gb, retrieval_bulk_per_1000, "
                "transfer_out_gb",
                key);
}

static int handle_encryption(struct parse *p, const char *sec, const char *key, const char *v);
static int validate_encryption(struct parse *p);

static int handler(void *user, const char *section, const char *key, const char *v)
{
    struct parse *p = user;
    config_t *c = p->c;
    const char *sec = p->cur_section;

    (void)section;
    if (p->err[0])
        return 0;
    if (!sec[0])
        return fail(p, "key \"%s\" outside any section", key);
    for (int i = 0; i < p->nseen; i++)
        if (!strcmp(p->seen[i], key))
            return fail(p, "key \"%s\" given twice in the same section", key);
    if (p->nseen < 64)
        snprintf(p->seen[p->nseen++], sizeof p->seen[0], "%s", key);
    if (!*v)
        return fail(p, "key \"%s\" has an empty value", key);

    if (!strcmp(sec, "store"))
        return handle_store(p, sec, key, v);
    if (!strcmp(sec, "pack"))
        return handle_pack(p, sec, key, v);
    if (!strcmp(sec, "source") || !strcmp(sec, "defaults"))
        return source_key(p, sec, key, v);
    if (!strcmp(sec, "catalog")) {
        if (!strcmp(key, "path")) {
            /* relative to what? cron's and the shell's working directories
             * differ: a second, empty catalog would hide the real one */
            if (v[0] != '/')
                return fail(p, "[catalog] path must be absolute, got \"%s\"", v);
            return !set_str(&c->catalog.path, v);
        }
        return fail(p, "unknown key \"%s\" in [catalog]; expected path", key);
    }
    if (!strcmp(sec, "retention")) {
        if (!strcmp(key, "days")) {
            if (parse_int(v, 1, 36500, &c->retention.days) < 0)
                BAD("a number of days from 1 to 36500");
            return 1;
        }
        return fail(p, "unknown key \"%s\" in [retention]; expected days", key);
    }
    if (!strcmp(sec, "run")) {
        if (!strcmp(key, "parallel_sources")) {
            if (parse_int(v, 1, 256, &c->run.parallel_sources) < 0)
                BAD("a number from 1 to 256");
            return 1;
        }
        if (!strcmp(key, "bandwidth")) {
            if (util_parse_rate(v, &c->run.bandwidth) < 0)
                BAD("a rate such as 200MB/s");
            return 1;
        }
        if (!strcmp(key, "deadline")) {
            if ((c->run.deadline_min = util_parse_hhmm(v)) < 0)
                BAD("a local time HH:MM");
            return 1;
        }
        if (!strcmp(key, "catch_up_days")) {
            if (parse_int(v, 0, 366, &c->run.catch_up_days) < 0)
                BAD("a number of days from 0 to 366");
            return 1;
        }
        if (!strcmp(key, "log_file") || !strcmp(key, "metrics_file")) {
            if (v[0] != '/')
                BAD("an absolute file path");
            return !set_str(!strcmp(key, "log_file") ? &c->run.log_file : &c->run.metrics_file, v);
        }
        return fail(p,
                    "unknown key \"%s\" in [run]; expected parallel_sources, bandwidth, "
                    "deadline, catch_up_days, log_file, metrics_file",
                    key);
    }
    if (!strcmp(sec, "notify")) {
        if (!strcmp(key, "command"))
            return !set_str(&c->notify.command, v);
        if (!strcmp(key, "webhook")) {
            if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
                BAD("an http:// or https:// URL");
            return !set_str(&c->notify.webhook, v);
        }
        if (!strcmp(key, "on")) {
            if (strcmp(v, "failure") && strcmp(v, "always"))
                BAD("failure or always");
            c->notify.always = !strcmp(v, "always");
            return 1;
        }
        if (!strcmp(key, "webhook_format")) {
            if (strcmp(v, "json") && strcmp(v, "slack"))
                BAD("json or slack");
            c->notify.webhook_slack = !strcmp(v, "slack");
            return 1;
        }
        if (!strcmp(key, "webhook_auth") || !strcmp(key, "webhook_secret")) {
            if (!v[0] || strpbrk(v, "\r\n"))
                BAD("a non-empty value on one line");
            return !set_str(!strcmp(key, "webhook_auth") ? &c->notify.webhook_auth
                                                         : &c->notify.webhook_secret,
                            v);
        }
        return fail(p,
                    "unknown key \"%s\" in [notify]; expected command, webhook, on, "
                    "webhook_format, webhook_auth, webhook_secret",
                    key);
    }
    if (!strcmp(sec, "prices"))
        return handle_prices(p, sec, key, v);
    if (!strcmp(sec, "encryption"))
        return handle_encryption(p, sec, key, v);
    return fail(p, "internal: unhandled section [%s]", section);
}

/* Keys that only mean something for a remote source: inherited from
 * [defaults] by a local source, they are dropped, not refused. */
static void drop_inherited_remote(config_source_t *s, const struct tmpl *t)
{
    if (!kv_find(&t->kv, "user"))
        free(s->user), s->user = NULL;
    if (!kv_find(&t->kv, "identity"))
        free(s->identity), s->identity = NULL;
    if (!kv_find(&t->kv, "port"))
        s->port = 0;
    if (!kv_find(&t->kv, "ssh_command"))
        free(s->ssh_command), s->ssh_command = NULL;
    if (!kv_find(&t->kv, "ssh_options"))
        strv_free(s->ssh_options), s->ssh_options = NULL;
}

static int apply_kvs(struct parse *p, config_source_t *s, const struct kvs *l, const char *sec)
{
    for (size_t i = 0; i < l->n; i++) {
        p->line = l->v[i].line;
        if (!handle_source(p, s, sec, l->v[i].key, l->v[i].val))
            return 0;
    }
    return 1;
}

/* One source of template t for host (NULL: t has no hosts =). */
static int expand_one(struct parse *p, const struct tmpl *t, const char *host)
{
    config_t *c = p->c;
    config_source_t *s;
    char *v;

    if (c->nsources >= CONFIG_MAX_EXPANSION) {
        p->line = t->line;
        return fail(p, "more than %d sources after expanding hosts =", CONFIG_MAX_EXPANSION);
    }
    if (ARRAY_GROW(c->sources, (size_t)c->nsources + 1, p->sources_cap) < 0)
        return fail(p, "out of memory");
    s = &c->sources[c->nsources++];
    source_init(s, t->line);
    if (!apply_kvs(p, s, &p->defs, "defaults") || !apply_kvs(p, s, &t->kv, "source"))
        return 0;
    p->line = t->line;
    if (host && set_str(&s->host, host) < 0)
        return fail(p, "out of memory");
    if (!s->host)
        drop_inherited_remote(s, t);
    if ((strstr(t->name, "{host}") || (s->path && strstr(s->path, "{host}"))) && !s->host)
        return fail(p, "[source \"%s\"] uses {host} but has no hosts = (or host =)", t->name);
    if (t->nhosts > 1 && !strstr(t->name, "{host}")) {
        p->line = t->hosts_line;
        return fail(p,
                    "hosts = gives %zu hosts but the source name \"%s\" has no {host} "
                    "(e.g. [source \"{host}\"] or [source \"%s-{host}\"])",
                    t->nhosts, t->name, t->name);
    }
    if (!(s->name = subst(t->name, "{host}", s->host ? s->host : "")))
        return fail(p, "out of memory");
    if (s->path && strstr(s->path, "{host}")) {
        if (!(v = subst(s->path, "{host}", s->host)))
            return fail(p, "out of memory");
        free(s->path);
        s->path = v;
    }
    if (!valid_name(s->name))
        return fail(p,
                    "source name \"%s\" (from [source \"%s\"]): use letters, digits, '-', '_' "
                    "and '.'",
                    s->name, t->name);
    for (int i = 0; i < c->nsources - 1; i++)
        if (!strcmp(c->sources[i].name, s->name))
            return fail(p, "duplicate source \"%s\" (first defined at line %d)", s->name,
                        c->sources[i].line);
    if (config_path_has_tenant(s->path)) {
        const struct kv *own = kv_find(&t->kv, "tenant");
        if (own) {
            p->line = own->line;
            return fail(p, "tenant = is not used when path has a {tenant} directory (that "
                           "directory's name is the tenant): remove it");
        }
        /* an inherited rule does not apply: the path names the tenant */
        s->tenant_rule = TENANT_DIR;
        s->tenant_dir = 1;
        free(s->tenant_fixed);
        s->tenant_fixed = NULL;
    }
    return 1;
}

static int expand_sources(struct parse *p)
{
    for (size_t i = 0; i < p->ntmpls; i++) {
        const struct tmpl *t = &p->tmpls[i];
        if (!t->hosts && !expand_one(p, t, NULL))
            return 0;
        for (size_t h = 0; h < t->nhosts; h++)
            if (!expand_one(p, t, t->hosts[h]))
                return 0;
    }
    return 1;
}

static int validate(struct parse *p)
{
    config_t *c = p->c;

    p->line = 0;
    if (!c->store.url)
        return fail(p, "[store] url is required (file:///dir or s3://bucket/prefix)");
    if (!strncmp(c->store.url, "s3://", 5) && !c->store.region && !c->store.endpoint)
        return fail(p, "[store] an s3:// url needs region (or endpoint)");
    if (c->nsources == 0)
        return fail(p, "no [source \"NAME\"] section: nothing to back up");
    for (int i = 0; i < c->nsources; i++) {
        config_source_t *s = &c->sources[i];
        p->line = s->line;
        if (!s->path)
            return fail(p, "[source \"%s\"] needs path = /dir/{date}", s->name);
        if (!s->host && s->path[0] != '/')
            return fail(p, "[source \"%s\"] path must be absolute", s->name);
        if (!s->host && (s->user || s->port || s->identity))
            return fail(p, "[source \"%s\"] user/port/identity need host =", s->name);
        if (s->host && config_path_has_tenant(s->path))
            return fail(p,
                        "[source \"%s\"] a {tenant} directory in path works for local sources "
                        "only; for a remote source use a {date}-first path with tenant = dir:N",
                        s->name);
    }
    return 1;
}

static void set_defaults(config_t *c)
{
    c->store.storage_class = strdup("DEEP_ARCHIVE");
    c->store.concurrency = 8;
    c->catalog.path = strdup("/var/lib/coldpack/catalog.db");
    c->pack.compression = strdup("gzip");
    c->pack.level = 0; /* the codec's default, chosen after parsing */
    c->pack.volume_size = 4LL << 30;
    c->pack.block_size = 4 << 20;
    c->retention.days = 365;
    c->run.parallel_sources = 4;
    c->run.deadline_min = -1;
    c->run.catch_up_days = 7;
}

static void kvs_release(struct kvs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].val);
    }
    free(l->v);
}

static void parse_release(struct parse *p)
{
    kvs_release(&p->defs);
    for (size_t i = 0; i < p->ntmpls; i++) {
        free(p->tmpls[i].name);
        kvs_release(&p->tmpls[i].kv);
        config_strv_free(p->tmpls[i].hosts, p->tmpls[i].nhosts);
    }
    free(p->tmpls);
    source_release(&p->scratch);
}

config_t *config_parse_string(const char *name, const char *text)
{
    struct parse p;
    int rc;

    memset(&p, 0, sizeof p);
    p.name = name;
    p.text = text;
    p.c = calloc(1, sizeof *p.c);
    if (!p.c)
        return NULL;
    p.c->file = strdup(name);
    set_defaults(p.c);
    rc = ini_parse_stream(reader, &p, handler, &p);
    if (rc > 0 && (!p.err[0] || rc < p.err_line)) {
        /* inih goes on past a syntax error: report whichever came first */
        p.err[0] = 0;
        p.line = rc;
        fail(&p, "syntax error: expected [section], key = value, or a ; comment");
    } else if (rc != 0 && !p.err[0]) {
        fail(&p, "cannot parse (error %d)", rc);
    }
    if (!p.err[0])
        expand_sources(&p);
    if (!p.err[0])
        validate(&p);
    if (!p.err[0])
        validate_encryption(&p);
    parse_release(&p);
    /* Defaults: gzip 5 = libdeflate level 5, which matches GNU gzip -6's
     * ratio at 1.35x libdeflate-6's speed (bench/README.md); zstd 3. */
    if (p.c->pack.level == 0)
        p.c->pack.level = strcmp(p.c->pack.compression, "zstd") ? 5 : 3;
    if (!strcmp(p.c->pack.compression, "gzip") && p.c->pack.level > 12 && !p.err[0]) {
        p.line = 0;
        fail(&p, "[pack] level %d is out of range for gzip (1-12)", p.c->pack.level);
    }
    if (p.err[0]) {
        if (p.err_line > 0)
            log_error("%s:%d: %s", name, p.err_line, p.err);
        else
            log_error("%s: %s", name, p.err);
        config_free(p.c);
        return NULL;
    }
    return p.c;
}

config_t *config_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    strbuf_t text = STRBUF_INIT(1 << 20);
    char chunk[4096];
    config_t *c = NULL;

    if (!f) {
        log_error("cannot read config %s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (strbuf_add(&text, chunk, n) < 0) {
            log_error(errno == E2BIG ? "%s: config file larger than 1 MiB" : "%s: out of memory",
                      path);
            goto out;
        }
        if (n < sizeof chunk)
            break;
    }
    if (ferror(f)) {
        log_error("cannot read config %s: %s", path, strerror(errno));
        goto out;
    }
    if (memchr(strbuf_str(&text), 0, text.len)) {
        log_error("%s: not a text file (contains a NUL byte)", path);
        goto out;
    }
    c = config_parse_string(path, strbuf_str(&text));
out:
    strbuf_release(&text);
    fclose(f);
    return c;
}

void config_free(config_t *c)
{
    if (!c)
        return;
    free(c->file);
    free(c->store.url);
    free(c->store.storage_class);
    free(c->store.region);
    free(c->store.endpoint);
    free(c->store.sse);
    free(c->store.kms_key_id);
    free(c->store.object_lock);
    free(c->store.credentials_profile);
    free(c->catalog.path);
    free(c->pack.compression);
    free(c->notify.command);
    free(c->notify.webhook);
    free(c->notify.webhook_auth);
    free(c->notify.webhook_secret);
    free(c->run.log_file);
    free(c->run.metrics_file);
    free(c->encryption.recipients_dir);
    free(c->encryption.identities_dir);
    for (int i = 0; i < c->nsources; i++)
        source_release(&c->sources[i]);
    free(c->sources);
    free(c);
}

const config_source_t *config_find_source(const config_t *c, const char *name)
{
    for (int i = 0; i < c->nsources; i++)
        if (!strcmp(c->sources[i].name, name))
            return &c->sources[i];
    return NULL;
}

void config_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* One brace group or literal run of a word: its alternatives. */
struct alt {
    char **item;
    size_t n;
};

static void alts_free(struct alt *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        config_strv_free(a[i].item, a[i].n);
    free(a);
}

static int alt_push(struct alt *a, const char *s, size_t len)
{
    char **v = realloc(a->item, (a->n + 1) * sizeof *v);

    if (!v)
        return -1;
    a->item = v;
    if (!(v[a->n] = strndup(s, len)))
        return -1;
    a->n++;
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int berr(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int berr(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return -1;
}

/* The alternatives of "{inner}" (without the braces) into a. */
static int brace_group(const char *inner, size_t len, size_t max, struct alt *a, char *err,
                       size_t errsz)
{
    const char *dots;

    if (!len)
        return berr(err, errsz, "empty braces {}");
    if (memchr(inner, ',', len)) {
        const char *s = inner, *end = inner + len;
        for (;;) {
            const char *comma = memchr(s, ',', (size_t)(end - s));
            size_t n = comma ? (size_t)(comma - s) : (size_t)(end - s);
            if (!n)
                return berr(err, errsz, "{%.*s} has an empty item", (int)len, inner);
            if (alt_push(a, s, n) < 0)
                return berr(err, errsz, "out of memory");
            if (!comma)
                return 0;
            s = comma + 1;
        }
    }
    dots = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (inner[i] == '.' && inner[i + 1] == '.') {
            dots = inner + i;
            break;
        }
    if (!dots)
        return berr(err, errsz,
                    "{%.*s} has one item: write it without braces, or a list {a,b} or a range "
                    "{1..3}",
                    (int)len, inner);
    {
        size_t ll = (size_t)(dots - inner), hl = len - ll - 2;
        const char *hi = dots + 2;
        unsigned long lo_n, hi_n;
        int width = 0;
        char num[32];
        if (!all_digits(inner, ll) || !all_digits(hi, hl))
            return berr(err, errsz, "{%.*s}: a range is {N..M} with whole numbers (e.g. {01..24})",
                        (int)len, inner);
        if (ll > 9 || hl > 9)
            return berr(err, errsz, "{%.*s}: expands to more than %zu names", (int)len, inner, max);
        memcpy(num, inner, ll);
        num[ll] = 0;
        lo_n = strtoul(num, NULL, 10);
        memcpy(num, hi, hl);
        num[hl] = 0;
        hi_n = strtoul(num, NULL, 10);
        if (lo_n > hi_n)
            return berr(err, errsz, "{%.*s} counts down: write {%.*s..%.*s}", (int)len, inner,
                        (int)hl, hi, (int)ll, inner);
        if (hi_n - lo_n >= max)
            return berr(err, errsz, "{%.*s}: expands to more than %zu names", (int)len, inner, max);
        if ((ll > 1 && inner[0] == '0') || (hl > 1 && hi[0] == '0'))
            width = (int)(ll > hl ? ll : hl);
        for (unsigned long v = lo_n; v <= hi_n; v++) {
            int n = snprintf(num, sizeof num, "%0*lu", width, v);
            if (alt_push(a, num, (size_t)n) < 0)
                return berr(err, errsz, "out of memory");
        }
    }
    return 0;
}

/* Expand one word (no blanks, no commas outside braces), appending to v. */
static int brace_word(const char *w, size_t wl, size_t max, char ***v, size_t *n, size_t *cap,
                      char *err, size_t errsz)
{
    struct alt *a = NULL;
    size_t na = 0, total = 1, *idx = NULL;
    int rc = -1;

    for (size_t i = 0; i < wl;) {
        struct alt *t = realloc(a, (na + 1) * sizeof *a);
        if (!t) {
            berr(err, errsz, "out of memory");
            goto out;
        }
        a = t;
        memset(&a[na], 0, sizeof a[na]);
        na++;
        if (w[i] == '}') {
            berr(err, errsz, "\"%.*s\": '}' without '{'", (int)wl, w);
            goto out;
        }
        if (w[i] == '{') {
            size_t j = i + 1;
            while (j < wl && w[j] != '}' && w[j] != '{')
                j++;
            if (j == wl) {
                berr(err, errsz, "\"%.*s\": '{' without '}'", (int)wl, w);
                goto out;
            }
            if (w[j] == '{') {
                berr(err, errsz, "\"%.*s\": nested braces are not supported", (int)wl, w);
                goto out;
            }
            if (brace_group(w + i + 1, j - i - 1, max, &a[na - 1], err, errsz) < 0)
                goto out;
            i = j + 1;
        } else {
            size_t j = i;
            while (j < wl && w[j] != '{' && w[j] != '}')
                j++;
            if (alt_push(&a[na - 1], w + i, j - i) < 0) {
                berr(err, errsz, "out of memory");
                goto out;
            }
            i = j;
        }
        if (a[na - 1].n > max / total || *n + total * a[na - 1].n > max) {
            berr(err, errsz, "expands to more than %zu names", max);
            goto out;
        }
        total *= a[na - 1].n;
    }
    if (!(idx = calloc(na + 1, sizeof *idx))) {
        berr(err, errsz, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < total; k++) {
        strbuf_t b = STRBUF_INIT(4096);
        int bad = 0;
        for (size_t s = 0; s < na; s++)
            bad |= strbuf_add(&b, a[s].item[idx[s]], strlen(a[s].item[idx[s]])) < 0;
        if (bad || ARRAY_GROW(*v, *n + 1, *cap) < 0 || !((*v)[*n] = strdup(strbuf_str(&b)))) {
            strbuf_release(&b);
            berr(err, errsz, "%s", bad ? "a name longer than 4096 bytes" : "out of memory");
            goto out;
        }
        strbuf_release(&b);
        (*n)++;
        /* odometer: the rightmost group varies fastest */
        for (size_t s = na; s-- > 0;) {
            if (++idx[s] < a[s].n)
                break;
            idx[s] = 0;
        }
    }
    rc = 0;
out:
    free(idx);
    alts_free(a, na);
    return rc;
}

int config_brace_expand(const char *value, size_t max, char ***out, size_t *n, char *err,
                        size_t errsz)
{
    char **v = NULL;
    size_t nv = 0, cap = 0;
    const char *s = value;

    while (*s) {
        size_t len = 0;
        int depth = 0;
        while (isspace((unsigned char)*s) || *s == ',')
            s++;
        if (!*s)
            break;
        while (s[len] && !isspace((unsigned char)s[len]) && (depth || s[len] != ',')) {
            depth += s[len] == '{';
            depth -= s[len] == '}' && depth > 0;
            len++;
        }
        if (brace_word(s, len, max, &v, &nv, &cap, err, errsz) < 0) {
            config_strv_free(v, nv);
            return -1;
        }
        s += len;
    }
    if (!nv) {
        snprintf(err, errsz, "no names");
        free(v);
        return -1;
    }
    *out = v;
    *n = nv;
    return 0;
}

/* ---- [encryption] (docs/encryption.md) ---- */

static int handle_encryption(struct parse *p, const char *sec, const char *key, const char *v)
{
    config_encryption_t *e = &p->c->encryption;

    if (!strcmp(key, "recipients_dir") || !strcmp(key, "identities_dir")) {
        if (v[0] != '/')
            BAD("an absolute directory path");
        return !set_str(!strcmp(key, "recipients_dir") ? &e->recipients_dir : &e->identities_dir,
                        v);
    }
    if (!strcmp(key, "unknown_tenant")) {
        if (strcmp(v, "fail") && strcmp(v, "keygen"))
            BAD("fail or keygen");
        e->unknown_keygen = !strcmp(v, "keygen");
        return 1;
    }
    return fail(p,
                "unknown key \"%s\" in [encryption]; expected recipients_dir, identities_dir, "
                "unknown_tenant",
                key);
}

static int validate_encryption(struct parse *p)
{
    const config_encryption_t *e = &p->c->encryption;
    int at = p->plain_line[8]; /* "encryption" in begin_section's plain[] */

    if (!at)
        return 1;
    p->line = at;
    if (!e->recipients_dir)
        return fail(p, "[encryption] needs recipients_dir = /dir (one <tenant>.txt of age "
                       "recipients per tenant)");
    if (e->unknown_keygen && !e->identities_dir)
        return fail(p, "[encryption] unknown_tenant = keygen needs identities_dir = /dir (where "
                       "new identities are written, mode 0600)");
    if (e->identities_dir && !strcmp(e->identities_dir, e->recipients_dir))
        return fail(p, "[encryption] identities_dir must not be recipients_dir: identities are "
                       "secret");
    return 1;
}
