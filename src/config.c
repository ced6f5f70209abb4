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
 * applies, and an own key always wins. That fleet machinery is in
 * config_fleet.c, the per-section key handlers in config_keys.c (shared
 * state in config_int.h); this file reads the file and validates it.
 */
#include "config.h"
#include "config_int.h"

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

int config_fail(struct parse *p, const char *fmt, ...)
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
        config_fail(p, "line longer than %d bytes", size - 1);
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

int config_parse_bool(const char *v, int *out)
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

int config_parse_int(const char *v, long lo, long hi, int *out)
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
int config_parse_duration(const char *v, int64_t *out)
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

int config_set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

int config_valid_name(const char *s)
{
    if (!*s || strlen(s) > 128 || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

void config_source_init(config_source_t *s, int line)
{
    memset(s, 0, sizeof *s);
    s->line = line;
    s->remote_nice = 1;
    s->tenant_rule = TENANT_DIR;
    s->tenant_dir = 1;
}

void config_strv_release(char **v)
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
    config_strv_release(s->ssh_options);
}

static int begin_section(struct parse *p, const char *section)
{
    static const char *const plain[] = {"store",  "catalog", "pack",     "retention",  "run",
                                        "notify", "prices",  "defaults", "encryption", "audit"};
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
            return config_fail(p, "section [%s]: expected [source \"NAME\"]", section);
        memcpy(name, q + 1, n - 2);
        name[n - 2] = 0;
        /* {host} is filled in later; the rest must already be a good name */
        check = config_subst(name, "{host}", "h");
        if (!check)
            return config_fail(p, "out of memory");
        int ok = config_valid_name(check);
        free(check);
        if (!ok)
            return config_fail(
                p,
                "source name \"%s\": use letters, digits, '-', '_' and '.' "
                "(it becomes part of object keys), and {host} for each host of hosts =",
                name);
        for (size_t i = 0; i < p->ntmpls; i++)
            if (!strcmp(p->tmpls[i].name, name) && !strstr(name, "{host}"))
                return config_fail(p, "duplicate source \"%s\" (first defined at line %d)", name,
                                   p->tmpls[i].line);
        if (ARRAY_GROW(p->tmpls, p->ntmpls + 1, p->tmpls_cap) < 0)
            return config_fail(p, "out of memory");
        t = &p->tmpls[p->ntmpls++];
        memset(t, 0, sizeof *t);
        t->line = p->line;
        if (!(t->name = strdup(name)))
            return config_fail(p, "out of memory");
        source_release(&p->scratch);
        config_source_init(&p->scratch, p->line);
        snprintf(p->cur_section, sizeof p->cur_section, "source");
        return 1;
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (!strcmp(section, plain[i])) {
            if (p->plain_line[i])
                return config_fail(p, "duplicate section [%s] (first at line %d)", section,
                                   p->plain_line[i]);
            p->plain_line[i] = p->line;
            snprintf(p->cur_section, sizeof p->cur_section, "%s", section);
            return 1;
        }
    }
    return config_fail(p,
                       "unknown section [%s]; expected [store], [catalog], [pack], [retention], "
                       "[run], [notify], [prices], [defaults], [encryption], [audit] or "
                       "[source \"NAME\"]",
                       section);
}

static int handler(void *user, const char *section, const char *key, const char *v)
{
    struct parse *p = user;
    config_t *c = p->c;
    const char *sec = p->cur_section;

    (void)section;
    if (p->err[0])
        return 0;
    if (!sec[0])
        return config_fail(p, "key \"%s\" outside any section", key);
    for (int i = 0; i < p->nseen; i++)
        if (!strcmp(p->seen[i], key))
            return config_fail(p, "key \"%s\" given twice in the same section", key);
    if (p->nseen < 64)
        snprintf(p->seen[p->nseen++], sizeof p->seen[0], "%s", key);
    if (!*v)
        return config_fail(p, "key \"%s\" has an empty value", key);

    if (!strcmp(sec, "store"))
        return config_handle_store(p, sec, key, v);
    if (!strcmp(sec, "pack"))
        return config_handle_pack(p, sec, key, v);
    if (!strcmp(sec, "source") || !strcmp(sec, "defaults"))
        return config_source_key(p, sec, key, v);
    if (!strcmp(sec, "catalog")) {
        if (!strcmp(key, "path")) {
            /* relative to what? cron's and the shell's working directories
             * differ: a second, empty catalog would hide the real one */
            if (v[0] != '/')
                return config_fail(p, "[catalog] path must be absolute, got \"%s\"", v);
            return !config_set_str(&c->catalog.path, v);
        }
        return config_fail(p, "unknown key \"%s\" in [catalog]; expected path", key);
    }
    if (!strcmp(sec, "retention")) {
        if (!strcmp(key, "days")) {
            if (config_parse_int(v, 1, 36500, &c->retention.days) < 0)
                BAD("a number of days from 1 to 36500");
            return 1;
        }
        return config_fail(p, "unknown key \"%s\" in [retention]; expected days", key);
    }
    if (!strcmp(sec, "run")) {
        if (!strcmp(key, "parallel_sources")) {
            if (config_parse_int(v, 1, 256, &c->run.parallel_sources) < 0)
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
            if (config_parse_int(v, 0, 366, &c->run.catch_up_days) < 0)
                BAD("a number of days from 0 to 366");
            return 1;
        }
        if (!strcmp(key, "log_file") || !strcmp(key, "metrics_file")) {
            if (v[0] != '/')
                BAD("an absolute file path");
            return !config_set_str(
                !strcmp(key, "log_file") ? &c->run.log_file : &c->run.metrics_file, v);
        }
        return config_fail(p,
                           "unknown key \"%s\" in [run]; expected parallel_sources, bandwidth, "
                           "deadline, catch_up_days, log_file, metrics_file",
                           key);
    }
    if (!strcmp(sec, "notify")) {
        if (!strcmp(key, "command"))
            return !config_set_str(&c->notify.command, v);
        if (!strcmp(key, "webhook")) {
            if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
                BAD("an http:// or https:// URL");
            return !config_set_str(&c->notify.webhook, v);
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
            return !config_set_str(!strcmp(key, "webhook_auth") ? &c->notify.webhook_auth
                                                                : &c->notify.webhook_secret,
                                   v);
        }
        return config_fail(p,
                           "unknown key \"%s\" in [notify]; expected command, webhook, on, "
                           "webhook_format, webhook_auth, webhook_secret",
                           key);
    }
    if (!strcmp(sec, "prices"))
        return config_handle_prices(p, sec, key, v);
    if (!strcmp(sec, "encryption"))
        return config_handle_encryption(p, sec, key, v);
    if (!strcmp(sec, "audit"))
        return config_handle_audit(p, sec, key, v);
    return config_fail(p, "internal: unhandled section [%s]", section);
}

static int validate(struct parse *p)
{
    config_t *c = p->c;

    p->line = 0;
    if (!c->store.url)
        return config_fail(p, "[store] url is required (file:///dir or s3://bucket/prefix)");
    if (!strncmp(c->store.url, "s3://", 5) && !c->store.region && !c->store.endpoint)
        return config_fail(p, "[store] an s3:// url needs region (or endpoint)");
    if (c->nsources == 0)
        return config_fail(p, "no [source \"NAME\"] section: nothing to back up");
    for (int i = 0; i < c->nsources; i++) {
        config_source_t *s = &c->sources[i];
        p->line = s->line;
        if (!s->path)
            return config_fail(p, "[source \"%s\"] needs path = /dir/{date}", s->name);
        if (!s->host && s->path[0] != '/')
            return config_fail(p, "[source \"%s\"] path must be absolute", s->name);
        if (!s->host && (s->user || s->port || s->identity))
            return config_fail(p, "[source \"%s\"] user/port/identity need host =", s->name);
        if (s->host && config_path_has_tenant(s->path))
            return config_fail(
                p,
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

static void parse_release(struct parse *p)
{
    config_kvs_release(&p->defs);
    for (size_t i = 0; i < p->ntmpls; i++) {
        free(p->tmpls[i].name);
        config_kvs_release(&p->tmpls[i].kv);
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
        config_fail(&p, "syntax error: expected [section], key = value, or a ; comment");
    } else if (rc != 0 && !p.err[0]) {
        config_fail(&p, "cannot parse (error %d)", rc);
    }
    if (!p.err[0])
        config_expand_sources(&p);
    if (!p.err[0])
        validate(&p);
    if (!p.err[0])
        config_validate_encryption(&p);
    parse_release(&p);
    /* Defaults: gzip 5 = libdeflate level 5, which matches GNU gzip -6's
     * ratio at 1.35x libdeflate-6's speed (bench/README.md); zstd 3. */
    if (p.c->pack.level == 0)
        p.c->pack.level = strcmp(p.c->pack.compression, "zstd") ? 5 : 3;
    if (!strcmp(p.c->pack.compression, "gzip") && p.c->pack.level > 12 && !p.err[0]) {
        p.line = 0;
        config_fail(&p, "[pack] level %d is out of range for gzip (1-12)", p.c->pack.level);
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
    free(c->audit.signing_key);
    free(c->audit.public_key);
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
