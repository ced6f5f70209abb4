/*
 * job_late.c — notice files that appeared or grew in a tenant's directory
 * after its unit was recorded complete (job_late.h). The catalog keeps, per
 * volume, what the volume read (path bytes, size, mtime: index_file_list);
 * the lists of a unit's volumes are merged, a later volume's copy of a path
 * winning, into one array sorted by path for bsearch. The probe for
 * job_days.c is the local source walk itself with nothing read: stat only,
 * stopped at the first late file.
 */
#include "job_late.h"

#include "array.h"
#include "index.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct known {
    char *path;
    int64_t size, mtime;
    size_t seq; /* order read: a later volume's copy wins */
};

struct job_late {
    struct known *v;
    size_t n, cap;
    int rows;   /* volumes with a list */
    int maxvol; /* the unit's recorded volumes: lists past it are a late attempt's that failed */
};

struct counts {
    int found, volumes, files;
    int64_t bytes_in;
};

static int counts_cb(void *ctx, const char *const *cols)
{
    struct counts *c = ctx;

    c->found = 1;
    c->volumes = cols[0] ? atoi(cols[0]) : 0;
    c->files = cols[1] ? atoi(cols[1]) : 0;
    c->bytes_in = cols[2] ? strtoll(cols[2], NULL, 10) : 0;
    return 0;
}

static int add_known(void *ctx, const char *path, int64_t size, int64_t mtime)
{
    job_late_t *k = ctx;

    if (ARRAY_GROW(k->v, k->n + 1, k->cap) < 0 || !(k->v[k->n].path = strdup(path)))
        return -1;
    k->v[k->n].size = size;
    k->v[k->n].mtime = mtime;
    k->v[k->n].seq = k->n;
    k->n++;
    return 0;
}

static int list_cb(void *ctx, const char *const *cols)
{
    job_late_t *k = ctx;

    if (!cols[0] || atoi(cols[0]) > k->maxvol)
        return 0;
    k->rows++;
    return cols[1] ? index_file_list_each(cols[1], add_known, ctx) : 0;
}

static int known_cmp(const void *a, const void *b)
{
    const struct known *x = a, *y = b;
    int c = strcmp(x->path, y->path);

    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

job_late_t *job_late_load(catalog_t *c, const char *date, const char *source, const char *tenant,
                          int *volumes, int *files, int64_t *bytes_in)
{
    job_late_t *k = calloc(1, sizeof *k);
    struct counts cn = {0, 0, 0, 0};
    size_t o = 0;

    if (!k || catalog_unit_counts(c, date, source, tenant, counts_cb, &cn) < 0 || !cn.found) {
        job_late_free(k);
        return NULL;
    }
    k->maxvol = cn.volumes;
    if (catalog_unit_files(c, date, source, tenant, list_cb, k) < 0 || k->rows < cn.volumes ||
        k->n < (size_t)cn.files) {
        /* no list, or a list that does not account for the unit's files (a
         * unit written before lists were kept, or a damaged row): unknown */
        job_late_free(k);
        return NULL;
    }
    qsort(k->v, k->n, sizeof *k->v, known_cmp);
    /* keep the newest copy of each path */
    for (size_t i = 0; i < k->n; i++) {
        if (i + 1 < k->n && !strcmp(k->v[i].path, k->v[i + 1].path)) {
            free(k->v[i].path);
            continue;
        }
        k->v[o++] = k->v[i];
    }
    k->n = o;
    *volumes = cn.volumes;
    *files = cn.files;
    *bytes_in = cn.bytes_in;
    return k;
}

static int path_cmp(const void *key, const void *el)
{
    return strcmp(key, ((const struct known *)el)->path);
}

int job_late_is_late(const job_late_t *k, const source_entry_t *e)
{
    const struct known *hit;

    if (!k || e->type != SOURCE_FILE)
        return 0;
    hit = bsearch(e->path, k->v, k->n, sizeof *k->v, path_cmp);
    return !hit || hit->size != e->size || hit->mtime != e->mtime;
}

void job_late_free(job_late_t *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i].path);
    free(k->v);
    free(k);
}

struct probe {
    catalog_t *c;
    const char *date, *source;
    char *tenant; /* the tenant whose list is loaded */
    job_late_t *known;
    int complete; /* tenant has a complete unit */
    int late;
    int err;
};

static int probe_cb(void *ctx, const source_entry_t *e, source_read_fn rd, void *rctx)
{
    struct probe *p = ctx;
    int v, f;
    int64_t b;

    (void)rd;
    (void)rctx;
    if (!p->tenant || strcmp(p->tenant, e->tenant)) {
        free(p->tenant);
        job_late_free(p->known);
        p->known = NULL;
        if (!(p->tenant = strdup(e->tenant)))
            return p->err = -1;
        p->complete = catalog_unit_complete(p->c, p->date, p->source, e->tenant);
        if (p->complete < 0)
            return p->err = -1;
        if (!p->complete) {
            p->late = 1; /* a tenant that appeared after the day was backed up */
            return -1;
        }
        p->known = job_late_load(p->c, p->date, p->source, e->tenant, &v, &f, &b);
    }
    if (job_late_is_late(p->known, e)) {
        p->late = 1;
        return -1;
    }
    return 0;
}

int job_late_probe(const config_t *cfg, catalog_t *c, const char *date)
{
    int late = 0;

    for (int i = 0; i < cfg->nsources && !late; i++) {
        const config_source_t *src = &cfg->sources[i];
        struct probe p = {c, date, src->name, NULL, NULL, 0, 0, 0};
        char **had = NULL;
        int nhad = 0;
        struct stat sb;
        source_stats_t st;
        char *dir;

        if (src->host)
            continue;
        /* only a (date, source) that has complete units, whose directory is still there */
        if (catalog_complete_tenants(c, date, src->name, &had, &nhad) < 0)
            return -1;
        for (int j = 0; j < nhad; j++)
            free(had[j]);
        free(had);
        dir = source_day_dir(src, date);
        if (!nhad || !dir || stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
            free(dir);
            continue;
        }
        free(dir);
        (void)source_scan(src, date, NULL, probe_cb, &p, &st);
        free(st.error);
        free(p.tenant);
        job_late_free(p.known);
        if (p.err < 0)
            return -1;
        late = p.late;
    }
    return late;
}
