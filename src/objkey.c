/*
 * objkey.c — build and parse store keys (layout in objkey.h). Parsing is the
 * exact inverse of building: every key a builder returns parses back to the
 * same parts, and nothing else parses, so a listing from a hostile or buggy
 * store cannot smuggle a path segment, a second tenant or a bogus volume
 * number past it.
 */
#include "objkey.h"

#include "strbuf.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

int objkey_name_ok(const char *name)
{
    if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) > OBJKEY_NAME_MAX || strchr(name, '/'))
        return 0;
    return 1;
}

/* A run id: printable ASCII only (we make them). */
static int run_id_ok(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;

    if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (; *p; p++)
        if (*p == '/' || *p < 0x20 || *p >= 0x7f)
            return 0;
    return 1;
}

/* Length of the valid UTF-8 sequence at p (no overlongs, no surrogates, at
 * most U+10FFFF), or 0 when p does not start one. */
size_t objkey_utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[0] == 0xe0 && p[1] < 0xa0) ||
            (p[0] == 0xed && p[1] >= 0xa0))
            return 0;
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80 ||
            (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Append the key form of name after tag to sb: bytes that are '%', control
 * bytes (< 0x20, 0x7f) or not part of valid UTF-8 become "%XX"; the result
 * is cut into path segments of at most OBJKEY_SEGMENT_MAX bytes, the first
 * "<tag>...", the others "+..." (never inside an escape or a character), so
 * a file store's path components stay within NAME_MAX. -1 on ENOMEM. */
static int put_name(strbuf_t *sb, const char *tag, const char *name, size_t segmax)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t seg = strlen(tag);

    if (strbuf_addstr(sb, tag) < 0)
        return -1;
    while (*p) {
        char tok[5];
        size_t n = objkey_utf8_len(p), tl;
        if (*p == '%' || *p < 0x20 || *p == 0x7f || n == 0) {
            snprintf(tok, sizeof tok, "%%%02X", *p);
            tl = 3;
            n = 1;
        } else {
            memcpy(tok, p, n);
            tl = n;
        }
        if (seg + tl > segmax) {
            if (strbuf_addstr(sb, "/" OBJKEY_CONT) < 0)
                return -1;
            seg = strlen(OBJKEY_CONT);
        }
        if (strbuf_add(sb, tok, tl) < 0)
            return -1;
        seg += tl;
        p += n;
    }
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode the key form (segments already joined) back to the name. */
static char *decode_name(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;

    if (!out)
        return NULL;
    for (; *s; s++) {
        if (*s == '%') {
            int hi = hexval((unsigned char)s[1]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);
            if (lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
    return out;
}

char *objkey_name_display(const char *name)
{
    strbuf_t sb = STRBUF_INIT(4096);

    if (!name || put_name(&sb, "", name, SIZE_MAX) < 0) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb, NULL);
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

/* "tenant=T/date=D/source=S/" then tail, or NULL when a name is not
 * allowed or the whole key would pass OBJKEY_KEY_MAX bytes. */
static char *unit_key(const char *tenant, const char *date, const char *source, const char *tail)
{
    strbuf_t sb = STRBUF_INIT(OBJKEY_KEY_MAX);

    if (!unit_ok(tenant, date, source) ||
        put_name(&sb, OBJKEY_DATA_ROOT, tenant, OBJKEY_SEGMENT_MAX) < 0 ||
        strbuf_addf(&sb, "/date=%s/", date) < 0 ||
        put_name(&sb, "source=", source, OBJKEY_SEGMENT_MAX) < 0 ||
        strbuf_addf(&sb, "/%s", tail) < 0 || sb.len > OBJKEY_KEY_MAX) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb, NULL);
}

char *objkey_unit_prefix(const char *tenant, const char *date, const char *source)
{
    return objkey_unit_fits(tenant, date, source) ? unit_key(tenant, date, source, "") : NULL;
}

int objkey_unit_fits(const char *tenant, const char *date, const char *source)
{
    char *k = unit_key(tenant, date, source, "vol-999999.tar.zst" OBJKEY_AGE_SUFFIX);
    int ok = k != NULL;

    free(k);
    return ok;
}

char *objkey_volume(const char *tenant, const char *date, const char *source, int volno,
                    const char *suffix)
{
    char tail[64];

    if (volno < 1 || volno > 999999 || !suffix ||
        (strcmp(suffix, ".tar.gz") && strcmp(suffix, ".tar.zst") &&
         strcmp(suffix, ".tar.gz" OBJKEY_AGE_SUFFIX) &&
         strcmp(suffix, ".tar.zst" OBJKEY_AGE_SUFFIX)))
        return NULL;
    snprintf(tail, sizeof tail, "vol-%04d%s", volno, suffix);
    return unit_key(tenant, date, source, tail);
}

char *objkey_index(const char *tenant, const char *date, const char *source, int volno)
{
    char tail[64];

    if (volno < 1 || volno > 999999)
        return NULL;
    snprintf(tail, sizeof tail, "vol-%04d" OBJKEY_INDEX_SUFFIX, volno);
    return unit_key(tenant, date, source, tail);
}

char *objkey_index_age(const char *tenant, const char *date, const char *source, int volno)
{
    char tail[64];

    if (volno < 1 || volno > 999999)
        return NULL;
    snprintf(tail, sizeof tail, "vol-%04d" OBJKEY_INDEX_SUFFIX OBJKEY_AGE_SUFFIX, volno);
    return unit_key(tenant, date, source, tail);
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
    if (!date_ok(date) || !run_id_ok(run_id))
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

/* A name segment and its "+" continuations, decoded. */
static char *name_segment(const char **pp, const char *tag)
{
    strbuf_t sb = STRBUF_INIT(OBJKEY_KEY_MAX);
    char *v = segment(pp, tag), *name = NULL;

    while (v && strbuf_addstr(&sb, v) == 0) {
        free(v);
        v = NULL;
        if (strncmp(*pp, OBJKEY_CONT, strlen(OBJKEY_CONT))) {
            name = sb.len ? decode_name(sb.buf) : NULL;
            break;
        }
        v = segment(pp, OBJKEY_CONT);
    }
    free(v);
    strbuf_release(&sb);
    return name;
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
        if (!(out->tenant = name_segment(&p, OBJKEY_DATA_ROOT)) ||
            !(out->date = segment(&p, "date=")) || !(out->source = name_segment(&p, "source=")) ||
            volume_number(p, &out->volno, &rest) < 0)
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
