/*
 * estimate.c — the cost model behind `coldpack estimate` and the report's
 * projection.
 *
 * Steady state is reached when the first night expires: `days` nights are
 * stored at once. Each data volume is a multipart upload costing
 * ceil(volume / part_size) part PUTs plus initiate and complete at the data
 * class's request price; each also carries Deep Archive's 40 KB of billed
 * metadata (8 KB at the STANDARD price, 32 KB at the class price). Each
 * volume has one STANDARD index object (a single PUT); each night one
 * STANDARD manifest. The restore scenario thaws one tenant's volumes for N
 * nights: per-GB and per-1,000-request retrieval fees by tier, plus data
 * transfer out.
 *
 * Catalog mode takes the nightly bytes read, the compression ratio, the
 * average volume, index and manifest sizes and the tenants from what has
 * really been backed up; flag mode takes them from the command line. The
 * arithmetic is the same and lives in estimate_compute(), which the unit
 * test checks against hand-computed figures.
 */
#include "estimate.h"

#include "log.h"
#include "store_s3.h"
#include "util.h"

#include <string.h>

int64_t estimate_part_size(const config_t *cfg, int64_t volume_size)
{
    if (cfg->store.part_size > 0)
        return cfg->store.part_size;
    return store_s3_upload_part_size(0, volume_size > 0 ? volume_size : cfg->pack.volume_size);
}

/* us-east-1 list prices (2025), USD, in enum config_price order. */
static const double default_prices[CONFIG_NPRICES] = {
    0.00099, /* Deep Archive storage, GB-month */
    0.05,    /* PUT/COPY/POST/LIST to DEEP_ARCHIVE, per 1,000 */
    0.023,   /* STANDARD storage, GB-month (first 50 TB) */
    0.005,   /* PUT to STANDARD, per 1,000 */
    0.02,    /* Deep Archive retrieval, Standard tier, per GB */
    0.10,    /*   per 1,000 requests */
    0.0025,  /* Deep Archive retrieval, Bulk tier, per GB */
    0.025,   /*   per 1,000 requests */
    0.09,    /* data transfer out to the internet, per GB (first 10 TB) */
};

/* ceil() for the non-negative values here, without libm. */
static double ceil_pos(double x)
{
    double t = (double)(int64_t)x;

    return t < x ? t + 1 : t;
}

#define OVERHEAD_STANDARD 8192.0  /* bytes billed at STANDARD per archived object */
#define OVERHEAD_CLASS    32768.0 /* bytes billed at the class price per object */

void estimate_prices_default(estimate_prices_t *p)
{
    memcpy(p->v, default_prices, sizeof p->v);
}

void estimate_prices_from_config(const config_t *cfg, estimate_prices_t *p)
{
    estimate_prices_default(p);
    if (!cfg)
        return;
    for (int i = 0; i < CONFIG_NPRICES; i++)
        if (cfg->prices.set & (1u << i))
            p->v[i] = cfg->prices.v[i];
}

/* Data-class request dollars a month for part size ps. */
static double requests_cost(const estimate_input_t *in, const estimate_prices_t *p, double objects,
                            int64_t ps, double *parts, double *requests)
{
    double pp = ceil_pos(in->volume_bytes / (double)ps);

    if (pp < 1)
        pp = 1;
    if (parts)
        *parts = pp;
    if (requests)
        *requests = objects * ESTIMATE_MONTH_DAYS * (pp + 2);
    return objects * ESTIMATE_MONTH_DAYS * (pp + 2) / 1000.0 * p->v[PRICE_PUT_PER_1000];
}

int estimate_compute(const estimate_input_t *in, const estimate_prices_t *p, estimate_t *e)
{
    const double *v = p->v;
    double tenant_daily, tenant_objects;

    memset(e, 0, sizeof *e);
    if (!(in->ratio > 0) || in->days <= 0 || in->part_size <= 0 || !(in->volume_bytes > 0) ||
        !(in->daily_in >= 0) || in->restore_days < 0) {
        log_error("estimate: ratio, days, part size and volume size must be positive");
        return -1;
    }
    e->stored_daily = in->daily_in / in->ratio;
    e->stored_total = e->stored_daily * in->days;
    e->objects_daily = e->stored_daily / in->volume_bytes;
    e->objects_total = e->objects_daily * in->days;
    e->requests_cost_month = requests_cost(in, p, e->objects_daily, in->part_size,
                                           &e->parts_per_object, &e->requests_month);
    e->requests_per_object = e->parts_per_object + 2;
    e->index_objects_total = e->objects_total;
    e->index_total_bytes = e->objects_total * in->index_bytes;
    e->manifest_objects_total = in->days;
    e->manifest_total_bytes = in->days * in->manifest_bytes;

    e->storage_month = e->stored_total / ESTIMATE_GB * v[PRICE_STORAGE_GB_MONTH];
    e->overhead_month =
        e->objects_total * (OVERHEAD_STANDARD / ESTIMATE_GB * v[PRICE_STANDARD_GB_MONTH] +
                            OVERHEAD_CLASS / ESTIMATE_GB * v[PRICE_STORAGE_GB_MONTH]);
    e->index_storage_month =
        (e->index_total_bytes + e->manifest_total_bytes) / ESTIMATE_GB * v[PRICE_STANDARD_GB_MONTH];
    e->index_requests_month =
        (e->objects_daily + 1) * ESTIMATE_MONTH_DAYS / 1000.0 * v[PRICE_STANDARD_PUT_PER_1000];
    e->storage_bill_month = e->storage_month + e->overhead_month + e->index_storage_month;
    e->total_month = e->storage_bill_month + e->requests_cost_month + e->index_requests_month;
    e->requests_share =
        e->storage_bill_month > 0 ? e->requests_cost_month / e->storage_bill_month : 0;

    /* The smallest power-of-two MiB part size that brings requests under 10%. */
    if (e->requests_share > 0.10) {
        for (int64_t ps = (int64_t)1 << 20; ps <= ((int64_t)4 << 30); ps *= 2) {
            if (ps <= in->part_size)
                continue;
            if (requests_cost(in, p, e->objects_daily, ps, NULL, NULL) <=
                0.10 * e->storage_bill_month) {
                e->suggested_part = ps;
                break;
            }
        }
    }

    /* One tenant, restore_days nights. */
    tenant_daily = in->tenant_daily > 0 ? in->tenant_daily
                   : in->tenants >= 1   ? e->stored_daily / in->tenants
                                        : e->stored_daily;
    tenant_objects =
        in->tenant_objects > 0 ? in->tenant_objects : ceil_pos(tenant_daily / in->volume_bytes);
    if (tenant_objects < 1)
        tenant_objects = 1;
    e->restore_bytes = tenant_daily * in->restore_days;
    e->restore_objects = tenant_objects * in->restore_days;
    e->restore_bulk = e->restore_bytes / ESTIMATE_GB * v[PRICE_RETRIEVAL_BULK_GB] +
                      e->restore_objects / 1000.0 * v[PRICE_RETRIEVAL_BULK_PER_1000];
    e->restore_standard = e->restore_bytes / ESTIMATE_GB * v[PRICE_RETRIEVAL_STANDARD_GB] +
                          e->restore_objects / 1000.0 * v[PRICE_RETRIEVAL_STANDARD_PER_1000];
    e->restore_transfer = e->restore_bytes / ESTIMATE_GB * v[PRICE_TRANSFER_OUT_GB];
    return 0;
}

int estimate_from_catalog(catalog_t *c, const config_t *cfg, const char *from, const char *until,
                          const char *tenant, estimate_input_t *in)
{
    catalog_totals_t t;

    if (catalog_totals(c, from, until, tenant, &t) < 0)
        return -1;
    if (t.data_objects == 0 || t.days == 0 || t.data_bytes == 0) {
        log_error("estimate: the catalog has no backed-up volume yet; give --daily and --ratio");
        return 1;
    }
    in->mode = "catalog";
    in->daily_in = (double)t.bytes_in / (double)t.days;
    in->ratio = (double)t.bytes_in / (double)t.data_bytes;
    if (!(in->ratio > 0))
        in->ratio = 1;
    in->volume_bytes = (double)t.data_bytes / (double)t.data_objects;
    in->index_bytes = t.index_objects ? (double)t.index_bytes / (double)t.index_objects : 0;
    in->tenants = (double)t.tenant_days / (double)t.days;
    in->tenant_daily = 0;
    in->tenant_objects = 0;
    if (tenant) {
        if (t.tenant_tenant_days == 0) {
            log_error("estimate: tenant \"%s\" has no volume in the catalog", tenant);
            return 1;
        }
        in->tenant_daily = (double)t.tenant_data_bytes / (double)t.tenant_tenant_days;
        in->tenant_objects = (double)t.tenant_data_objects / (double)t.tenant_tenant_days;
    } else if (t.tenant_days > 0) {
        in->tenant_objects = (double)t.data_objects / (double)t.tenant_days;
    }
    in->storage_class = cfg ? cfg->store.storage_class : "DEEP_ARCHIVE";
    return 0;
}

/* Bytes as "1.23 TB (1145.8 GB billed)": decimal for reading, 2^30 for the bill. */
static const char *bytes_str(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double x = b;
    int u = 0;

    while (x >= 1000 && u < 5) {
        x /= 1000;
        u++;
    }
    snprintf(buf, n, "%.2f %s", x, unit[u]);
    return buf;
}

void estimate_print(FILE *f, const estimate_input_t *in, const estimate_prices_t *p,
                    const estimate_t *e)
{
    const double *v = p->v;
    const char *cls = in->storage_class ? in->storage_class : "DEEP_ARCHIVE";
    char a[32], b[32], c[32];

    fprintf(f, "estimate from %s: %s read a night, ratio %.2f, kept %d days\n",
            !strcmp(in->mode, "catalog") ? "the catalog" : "the command line",
            bytes_str(in->daily_in, a, sizeof a), in->ratio, in->days);
    fprintf(f,
            "  volumes of %s (%.1f a night), part size %s: %.0f parts + initiate + "
            "complete = %.0f requests a volume\n",
            util_fmt_size((int64_t)in->volume_bytes, a, sizeof a), e->objects_daily,
            util_fmt_size(in->part_size, b, sizeof b), e->parts_per_object, e->requests_per_object);
    fprintf(f, "\nsteady state (%d nights stored):\n", in->days);
    fprintf(f, "  data (%s)      %s = %.1f GB billed, in %.0f volumes (%s a night)\n", cls,
            bytes_str(e->stored_total, a, sizeof a), e->stored_total / ESTIMATE_GB,
            e->objects_total, bytes_str(e->stored_daily, b, sizeof b));
    fprintf(f, "  indexes (STANDARD)   %.0f objects, %s\n", e->index_objects_total,
            bytes_str(e->index_total_bytes, a, sizeof a));
    fprintf(f, "  manifests (STANDARD) %.0f objects, %s\n", e->manifest_objects_total,
            bytes_str(e->manifest_total_bytes, a, sizeof a));
    fprintf(f, "\nmonthly cost, USD (730 hours; GB = 2^30 bytes):\n");
    fprintf(f, "  storage              %10.2f  %.1f GB x $%g\n", e->storage_month,
            e->stored_total / ESTIMATE_GB, v[PRICE_STORAGE_GB_MONTH]);
    fprintf(f, "  per-object overhead  %10.2f  %.0f volumes x (8 KB at $%g + 32 KB at $%g)\n",
            e->overhead_month, e->objects_total, v[PRICE_STANDARD_GB_MONTH],
            v[PRICE_STORAGE_GB_MONTH]);
    fprintf(f, "  index+manifest store %10.2f  at $%g/GB\n", e->index_storage_month,
            v[PRICE_STANDARD_GB_MONTH]);
    fprintf(f, "  PUT/part requests    %10.2f  %.0f requests x $%g/1000\n", e->requests_cost_month,
            e->requests_month, v[PRICE_PUT_PER_1000]);
    fprintf(f, "  index+manifest PUTs  %10.2f  at $%g/1000\n", e->index_requests_month,
            v[PRICE_STANDARD_PUT_PER_1000]);
    fprintf(f, "  total                %10.2f a month (%.2f a year)\n", e->total_month,
            e->total_month * 12);
    fprintf(f, "\nrestore one tenant, %d night(s): %s in %.0f volume(s)\n", in->restore_days,
            bytes_str(e->restore_bytes, a, sizeof a), e->restore_objects);
    fprintf(f, "  Bulk (48 h)          %10.2f  retrieval, + %.2f transfer out = %.2f\n",
            e->restore_bulk, e->restore_transfer, e->restore_bulk + e->restore_transfer);
    fprintf(f, "  Standard (12 h)      %10.2f  retrieval, + %.2f transfer out = %.2f\n",
            e->restore_standard, e->restore_transfer, e->restore_standard + e->restore_transfer);
    fprintf(f, "  (transfer out at $%g/GB; [prices] transfer_out_gb = 0 inside the region)\n",
            v[PRICE_TRANSFER_OUT_GB]);
    if (in->days < 180 && !strcmp(cls, "DEEP_ARCHIVE"))
        fprintf(f,
                "note: Deep Archive bills at least 180 days per object; %d-day retention "
                "pays the early-deletion fee\n",
                in->days);
    if (e->parts_per_object > 10000)
        fprintf(f,
                "warning: %.0f parts a volume exceeds S3's 10,000-part limit; raise "
                "part_size\n",
                e->parts_per_object);
    if (e->requests_share > 0.10) {
        fprintf(f,
                "warning: PUT/part requests cost %.0f%% of the storage bill ($%.2f vs $%.2f a "
                "month): part size %s makes %.0f requests a volume",
                e->requests_share * 100, e->requests_cost_month, e->storage_bill_month,
                util_fmt_size(in->part_size, a, sizeof a), e->requests_per_object);
        if (e->suggested_part) {
            estimate_input_t alt = *in;
            estimate_t ea;
            alt.part_size = e->suggested_part;
            if (estimate_compute(&alt, p, &ea) == 0)
                fprintf(f, "; [store] part_size = %s would cost $%.2f a month",
                        util_fmt_size(e->suggested_part, c, sizeof c), ea.requests_cost_month);
        }
        fputc('\n', f);
    }
}

json_t *estimate_json(const estimate_input_t *in, const estimate_prices_t *p, const estimate_t *e)
{
    json_t *prices = json_object(), *o;

    if (!prices)
        return NULL;
    for (int i = 0; i < CONFIG_NPRICES; i++)
        json_object_set_new(prices, config_price_keys[i], json_real(p->v[i]));
    o = json_pack(
        "{s:s, s:s, s:{s:f, s:f, s:i, s:I, s:f, s:f, s:f, s:f, s:i}, s:o,"
        " s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
        " s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
        " s:{s:i, s:f, s:f, s:f, s:f, s:f}, s:b, s:I}",
        "mode", in->mode, "storage_class", in->storage_class ? in->storage_class : "DEEP_ARCHIVE",
        "input", "daily_bytes_in", in->daily_in, "ratio", in->ratio, "days", in->days, "part_size",
        (json_int_t)in->part_size, "volume_bytes", in->volume_bytes, "index_bytes", in->index_bytes,
        "manifest_bytes", in->manifest_bytes, "tenants", in->tenants, "restore_days",
        in->restore_days, "prices", prices, "steady_state", "stored_bytes_daily", e->stored_daily,
        "stored_bytes", e->stored_total, "stored_gb", e->stored_total / ESTIMATE_GB,
        "volumes_daily", e->objects_daily, "volumes", e->objects_total, "parts_per_volume",
        e->parts_per_object, "requests_per_volume", e->requests_per_object, "requests_month",
        e->requests_month, "index_objects", e->index_objects_total, "index_bytes",
        e->index_total_bytes, "manifest_objects", e->manifest_objects_total, "manifest_bytes",
        e->manifest_total_bytes, "monthly_usd", "storage", e->storage_month, "overhead",
        e->overhead_month, "index_storage", e->index_storage_month, "requests",
        e->requests_cost_month, "index_requests", e->index_requests_month, "total", e->total_month,
        "storage_bill", e->storage_bill_month, "requests_share", e->requests_share, "yearly_total",
        e->total_month * 12, "month_days", ESTIMATE_MONTH_DAYS, "gb_bytes", ESTIMATE_GB, "restore",
        "days", in->restore_days, "bytes", e->restore_bytes, "objects", e->restore_objects,
        "bulk_usd", e->restore_bulk, "standard_usd", e->restore_standard, "transfer_out_usd",
        e->restore_transfer, "requests_warning", e->requests_share > 0.10, "suggested_part_size",
        (json_int_t)e->suggested_part);
    return o;
}
