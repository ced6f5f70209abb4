/*
 * objkey.c — build and parse store keys (layout in objkey.h). Parsing is the
 * exact inverse of building: every key a builder returns parses back to the
 * same parts, and nothing else parses, so a listing from a hostile or buggy
 * store cannot smuggle a path segment, a second tenant or a bogus volume
 * number past it.
 */
#include "objkey.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

int objkey_name_ok(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;

    if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int date_ok(const char *d)
{
    int y, m, dd;

    return d && strlen(d) == 10 && util_parse_date(d, &y, &m, &dd) == 0;
}

static int unit_ok(const char *tenant, const char *date, const char *source)
{
    return objkey_name_ok(tenant) && date_ok(date) && objkey_name_ok(source);
}

char *objkey_unit_prefix(const char *tenant, const char *date, const char *source)
{
    if (!unit_ok(tenant, date, source))
        return NULL;
    return util_asprintf(OBJKEY_DATA_ROOT "%s/date=%s/source=%s/", tenant, date, source);
}

char *objkey_volume(const char *tenant, const char *date, const char *source, int volno,
                    const char *suffix)
{
    if (!unit_ok(tenant, date, source) || volno < 1 || volno > 999999 || !suffix ||
        (strcmp(suffix, ".tar.gz") && strcmp(suffix, ".tar.zst") &&
         strcmp(suffix, ".tar.gz" OBJKEY_AGE_SUFFIX) &&
         strcmp(suffix, ".tar.zst" OBJKEY_AGE_SUFFIX)))
        return NULL;
    return util_asprintf(OBJKEY_DATA_ROOT "%s/date=%s/source=%s/vol-%04d%s", tenant, date, source,
                         volno, suffix);
}

char *objkey_index(const char *tenant, const char *date, const char *source, int volno)
{
    if (!unit_ok(tenant, date, source) || volno < 1 || volno > 999999)
        return NULL;
    return util_asprintf(OBJKEY_DATA_ROOT "%s/date=%s/source=%s/vol-%04d" OBJKEY_INDEX_SUFFIX,
                         tenant, date, source, volno);
}

char *objkey_index_age(const char *tenant, const char *date, const char *source, int volno)
{
    if (!unit_ok(tenant, date, source) || volno < 1 || volno > 999999)
        return NULL;
    return util_asprintf(OBJKEY_DATA_ROOT
                         "%s/date=%s/source=%s/vol-%04d" OBJKEY_INDEX_SUFFIX OBJKEY_AGE_SUFFIX,
                         tenant, date, source, volno);
}

int objkey_is_age(const char *key)
{
    size_t n = key ? strlen(key) : 0, a = strlen(OBJKEY_AGE_SUFFIX);

    return n > a && !strcmp(key + n - a, OBJKEY_AGE_SUFFIX);
}

char *objkey_index_of(const char *volume_key)
{
    objkey_parts_t p;
    char *k;

    if (objkey_parse(volume_key, &p) < 0)
        return NULL;
    k = p.kind != OBJKEY_VOLUME ? NULL
        : p.encrypted           ? objkey_index_age(p.tenant, p.date, p.source, p.volno)
                                : objkey_index(p.tenant, p.date, p.source, p.volno);
    objkey_parts_free(&p);
    return k;
}

char *objkey_manifest(const char *date, const char *run_id)
{
    if (!date_ok(date) || !objkey_name_ok(run_id))
        return NULL;
    return util_asprintf(OBJKEY_RUNS_ROOT "%s/%s.json", date, run_id);
}

/* Take the segment "<tag><value>/" at *pp; value copied out. */
static char *segment(const char **pp, const char *tag)
{
    size_t tl = strlen(tag);
    const char *s = *pp, *slash;
    char *v;

    if (strncmp(s, tag, tl))
        return NULL;
    s += tl;
    if (!(slash = strchr(s, '/')))
        return NULL;
    if (!(v = strndup(s, (size_t)(slash - s))))
        return NULL;
    *pp = slash + 1;
    return v;
}

/* "vol-NNNN" followed by the rest: digits (at least 4, no sign) then *rest. */
static int volume_number(const char *s, int *volno, const char **rest)
{
    int n = 0, digits = 0;

    if (strncmp(s, "vol-", 4))
        return -1;
    for (s += 4; *s >= '0' && *s <= '9'; s++, digits++) {
        if (digits >= 6)
            return -1;
        n = n * 10 + (*s - '0');
    }
    if (digits < 4 || n < 1)
        return -1;
    *volno = n;
    *rest = s;
    return 0;
}

int objkey_parse(const char *key, objkey_parts_t *out)
{
    const char *p = key, *rest;
    char *check = NULL;

    memset(out, 0, sizeof *out);
    if (!key)
        return -1;
    if (!strncmp(p, OBJKEY_RUNS_ROOT, strlen(OBJKEY_RUNS_ROOT))) {
        size_t n;

        p += strlen(OBJKEY_RUNS_ROOT);
        out->kind = OBJKEY_MANIFEST;
        if (!(out->date = segment(&p, "")))
            goto bad;
        n = strlen(p);
        if (n <= 5 || strcmp(p + n - 5, ".json") || !(out->run_id = strndup(p, n - 5)))
            goto bad;
        check = objkey_manifest(out->date, out->run_id);
    } else {
        if (!(out->tenant = segment(&p, OBJKEY_DATA_ROOT)) || !(out->date = segment(&p, "date=")) ||
            !(out->source = segment(&p, "source=")) || volume_number(p, &out->volno, &rest) < 0)
            goto bad;
        out->encrypted = objkey_is_age(rest);
        if (!strcmp(rest, OBJKEY_INDEX_SUFFIX)) {
            out->kind = OBJKEY_INDEX;
            check = objkey_index(out->tenant, out->date, out->source, out->volno);
        } else if (!strcmp(rest, OBJKEY_INDEX_SUFFIX OBJKEY_AGE_SUFFIX)) {
            out->kind = OBJKEY_INDEX;
            check = objkey_index_age(out->tenant, out->date, out->source, out->volno);
        } else {
            out->kind = OBJKEY_VOLUME;
            if (!(out->suffix = strdup(rest)))
                goto bad;
            check = objkey_volume(out->tenant, out->date, out->source, out->volno, out->suffix);
        }
    }
    /* the inverse property: what we parsed must build back to the same key */
    if (!check || strcmp(check, key))
        goto bad;
    free(check);
    return 0;
bad:
    free(check);
    objkey_parts_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

void objkey_parts_free(objkey_parts_t *p)
{
    if (!p)
        return;
    free(p->tenant);
    free(p->date);
    free(p->source);
    free(p->suffix);
    free(p->run_id);
    p->tenant = p->date = p->source = p->suffix = p->run_id = NULL;
}
