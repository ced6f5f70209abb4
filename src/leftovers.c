/*
 * leftovers.c — delete what an interrupted attempt of a unit left in the
 * store, and nothing else. The store is the truth: at the moment of
 * deleting, every manifest in the store is read in full, and an object is
 * deleted only when its key parses (objkey_parse) to exactly the unit being
 * redone and no manifest — chain member or not — names it. An object a
 * manifest names is a committed backup: it is never deleted, and the unit is
 * failed instead (the operator runs verify / catalog rebuild). When the
 * manifests cannot all be read, nothing is deleted.
 */
#include "leftovers.h"

#include "array.h"
#include "log.h"
#include "manifest.h"
#include "objkey.h"
#include "pack.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct keyset {
    char **v;
    size_t n, cap;
};

static int keyset_add(void *ctx, const char *key, int64_t size)
{
    struct keyset *k = ctx;

    (void)size;
    if (ARRAY_GROW(k->v, k->n + 1, k->cap) < 0 || !(k->v[k->n] = strdup(key)))
        return -1;
    k->n++;
    return 0;
}

static void keyset_free(struct keyset *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    free(k->v);
}

/* The manifest (of any manifest in the store, valid chain member or not)
 * that names key, or NULL. */
static const char *named_by(const manifest_set_t *ms, const char *key)
{
    for (size_t i = 0; i < ms->n; i++) {
        size_t j;
        json_t *o;
        json_array_foreach(json_object_get(ms->v[i].json, "objects"), j, o)
        {
            const char *k = json_string_value(json_object_get(o, "key"));
            if (k && !strcmp(k, key))
                return ms->v[i].key;
        }
    }
    return NULL;
}

int leftovers_remove(store_t *s, const char *date, const char *source, const char *tenant)
{
    return leftovers_remove_from(s, date, source, tenant, 1);
}

int leftovers_remove_from(store_t *s, const char *date, const char *source, const char *tenant,
                          int first)
{
    char *prefix = pack_unit_prefix(date, source, tenant);
    struct keyset ks = {NULL, 0, 0};
    manifest_set_t ms;
    int rc = -1, loaded = 0;

    if (!prefix || store_list(s, prefix, keyset_add, &ks) < 0)
        goto out;
    if (ks.n == 0) {
        rc = 0;
        goto out;
    }
    if (manifest_load_all(s, &ms, 0) < 0)
        goto out;
    loaded = 1;
    for (size_t i = 0; i < ks.n; i++) {
        objkey_parts_t kp;
        int mine = objkey_parse(ks.v[i], &kp) == 0 &&
                   (kp.kind == OBJKEY_VOLUME || kp.kind == OBJKEY_INDEX) &&
                   !strcmp(kp.tenant, tenant) && !strcmp(kp.date, date) &&
                   !strcmp(kp.source, source);
        const char *m = named_by(&ms, ks.v[i]);
        int before = mine && kp.volno < first; /* a volume of the complete part: not ours */
        objkey_parts_free(&kp);
        if (before) {
            free(ks.v[i]);
            ks.v[i] = NULL;
            continue;
        }
        if (m) {
            log_error("unit %s/%s/%s: %s is named by the manifest %s: a committed backup is "
                      "never deleted, so the unit is not redone (run `coldpack verify`, then "
                      "`coldpack catalog rebuild`)",
                      date, source, tenant, ks.v[i], m);
            goto out;
        }
        if (!mine) {
            log_warn("%s is not an object of unit %s/%s/%s: left alone", ks.v[i], date, source,
                     tenant);
            free(ks.v[i]);
            ks.v[i] = NULL;
        }
    }
    for (size_t i = 0; i < ks.n; i++) {
        if (!ks.v[i])
            continue;
        log_info("removing %s left by an interrupted run", ks.v[i]);
        if (store_del(s, ks.v[i]) == STORE_ERR)
            goto out;
    }
    rc = 0;
out:
    if (loaded)
        manifest_set_free(&ms);
    keyset_free(&ks);
    free(prefix);
    return rc;
}
