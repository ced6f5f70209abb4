/*
 * config_int.h — internal to config.c, config_fleet.c and config_keys.c: the
 * parser state they share and the functions one calls in another. Nothing
 * outside config*.c includes this; the contract is config.h.
 */
#ifndef COLDPACK_CONFIG_INT_H
#define COLDPACK_CONFIG_INT_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

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
    int plain_line[10]; /* first line of each plain section, to refuse repeats */
    size_t sources_cap; /* allocated entries of c->sources */
    struct kvs defs;    /* [defaults] */
    struct tmpl *tmpls; /* [source] sections in file order */
    size_t ntmpls, tmpls_cap;
    config_source_t scratch; /* where keys are checked as they are read */
    /* keys seen in the current section, to refuse duplicates */
    char seen[64][64];
    int nseen;
};

/* In a key handler (p, sec, key, v in scope): refuse v, naming what was expected. */
#define BAD(what) return config_fail(p, "%s.%s = \"%s\": expected %s", sec, key, v, what)

/* config.c: error reporting, value parsers, source lifetime */
int config_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int config_parse_bool(const char *v, int *out);
int config_parse_int(const char *v, long lo, long hi, int *out);
int config_parse_duration(const char *v, int64_t *out);
int config_set_str(char **dst, const char *v);
int config_valid_name(const char *s);
void config_source_init(config_source_t *s, int line);
void config_strv_release(char **v);

/* config_fleet.c: [defaults] inheritance, hosts = brace expansion, {host} templates */
char *config_subst(const char *s, const char *var, const char *val);
int config_source_key(struct parse *p, const char *sec, const char *key, const char *v);
int config_expand_sources(struct parse *p);
void config_kvs_release(struct kvs *l);

/* config_keys.c: the per-section key handlers */
int config_handle_store(struct parse *p, const char *sec, const char *key, const char *v);
int config_handle_pack(struct parse *p, const char *sec, const char *key, const char *v);
int config_handle_source(struct parse *p, config_source_t *s, const char *sec, const char *key,
                         const char *v);
int config_handle_prices(struct parse *p, const char *sec, const char *key, const char *v);
int config_handle_encryption(struct parse *p, const char *sec, const char *key, const char *v);
int config_validate_encryption(struct parse *p);
int config_handle_audit(struct parse *p, const char *sec, const char *key, const char *v);

#endif
