/*
 * config_fleet.c — the fleet machinery of the config parser: [defaults] and
 * [source] keys, once checked by config.c as they are read, are kept as
 * (key, value, line); after the whole file, each [source] becomes one source
 * per host of its hosts = (brace-expanded, sorted for duplicates), built by
 * applying the [defaults] keys and then its own through the same handler,
 * with {host} substituted in name and path. Kept apart from config.c so the
 * file reader and this expansion each fit on their own.
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

/* s with every "{var}" replaced by val; NULL when out of memory. */
char *config_subst(const char *s, const char *var, const char *val)
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

static int kv_add(struct parse *p, struct kvs *l, const char *key, const char *v)
{
    struct kv *e;

    if (ARRAY_GROW(l->v, l->n + 1, l->cap) < 0)
        return config_fail(p, "out of memory");
    e = &l->v[l->n];
    e->key = strdup(key);
    e->val = strdup(v);
    e->line = p->line;
    if (!e->key || !e->val) {
        free(e->key);
        free(e->val);
        return config_fail(p, "out of memory");
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
        return config_fail(p, "hosts = and host = cannot both be given (line %d has host =)",
                           kv_find(&t->kv, "host")->line);
    if (config_brace_expand(v, CONFIG_MAX_EXPANSION, &t->hosts, &t->nhosts, err, sizeof err) < 0)
        return config_fail(p, "source.hosts = \"%s\": %s", v, err);
    t->hosts_line = p->line;
    for (size_t i = 0; i < t->nhosts; i++)
        if (!valid_host(t->hosts[i]))
            return config_fail(p,
                               "source.hosts = \"%s\": \"%s\" is not a host name (letters, digits, "
                               "'-', '_', '.', ':')",
                               v, t->hosts[i]);
    if (!(sorted = malloc(t->nhosts * sizeof *sorted)))
        return config_fail(p, "out of memory");
    memcpy(sorted, t->hosts, t->nhosts * sizeof *sorted);
    qsort(sorted, t->nhosts, sizeof *sorted, cmp_str);
    for (size_t i = 1; i < t->nhosts; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            config_fail(p, "source.hosts = \"%s\": \"%s\" is listed twice", v, sorted[i]);
            free(sorted);
            return 0;
        }
    free(sorted);
    return 1;
}

/* A key of [defaults] or of the current [source]: checked now, applied
 * once the whole file is read (config_expand_sources). */
int config_source_key(struct parse *p, const char *sec, const char *key, const char *v)
{
    struct tmpl *t = strcmp(sec, "defaults") ? &p->tmpls[p->ntmpls - 1] : NULL;

    if (!strcmp(key, "hosts")) {
        if (!t)
            return config_fail(
                p, "hosts = belongs in a [source \"{host}\"] section, not in [defaults]");
        return handle_hosts(p, t, v);
    }
    if (t && !strcmp(key, "host") && t->hosts)
        return config_fail(p, "host = and hosts = cannot both be given (line %d has hosts =)",
                           t->hosts_line);
    if (!config_handle_source(p, &p->scratch, sec, key, v))
        return 0;
    return kv_add(p, t ? &t->kv : &p->defs, key, v);
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
        config_strv_release(s->ssh_options), s->ssh_options = NULL;
}

static int apply_kvs(struct parse *p, config_source_t *s, const struct kvs *l, const char *sec)
{
    for (size_t i = 0; i < l->n; i++) {
        p->line = l->v[i].line;
        if (!config_handle_source(p, s, sec, l->v[i].key, l->v[i].val))
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
        return config_fail(p, "more than %d sources after expanding hosts =", CONFIG_MAX_EXPANSION);
    }
    if (ARRAY_GROW(c->sources, (size_t)c->nsources + 1, p->sources_cap) < 0)
        return config_fail(p, "out of memory");
    s = &c->sources[c->nsources++];
    config_source_init(s, t->line);
    if (!apply_kvs(p, s, &p->defs, "defaults") || !apply_kvs(p, s, &t->kv, "source"))
        return 0;
    p->line = t->line;
    if (host && config_set_str(&s->host, host) < 0)
        return config_fail(p, "out of memory");
    if (!s->host)
        drop_inherited_remote(s, t);
    if ((strstr(t->name, "{host}") || (s->path && strstr(s->path, "{host}"))) && !s->host)
        return config_fail(p, "[source \"%s\"] uses {host} but has no hosts = (or host =)",
                           t->name);
    if (t->nhosts > 1 && !strstr(t->name, "{host}")) {
        p->line = t->hosts_line;
        return config_fail(p,
                           "hosts = gives %zu hosts but the source name \"%s\" has no {host} "
                           "(e.g. [source \"{host}\"] or [source \"%s-{host}\"])",
                           t->nhosts, t->name, t->name);
    }
    if (!(s->name = config_subst(t->name, "{host}", s->host ? s->host : "")))
        return config_fail(p, "out of memory");
    if (s->path && strstr(s->path, "{host}")) {
        if (!(v = config_subst(s->path, "{host}", s->host)))
            return config_fail(p, "out of memory");
        free(s->path);
        s->path = v;
    }
    if (!config_valid_name(s->name))
        return config_fail(
            p,
            "source name \"%s\" (from [source \"%s\"]): use letters, digits, '-', '_' "
            "and '.'",
            s->name, t->name);
    for (int i = 0; i < c->nsources - 1; i++)
        if (!strcmp(c->sources[i].name, s->name))
            return config_fail(p, "duplicate source \"%s\" (first defined at line %d)", s->name,
                               c->sources[i].line);
    if (config_path_has_tenant(s->path)) {
        const struct kv *own = kv_find(&t->kv, "tenant");
        if (own) {
            p->line = own->line;
            return config_fail(p, "tenant = is not used when path has a {tenant} directory (that "
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

int config_expand_sources(struct parse *p)
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

void config_kvs_release(struct kvs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].val);
    }
    free(l->v);
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
