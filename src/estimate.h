/*
 * estimate.h — what a year of backups costs on S3: steady-state stored
 * bytes, monthly storage, PUT/part requests, Deep Archive's per-object
 * overhead, index and manifest objects, and a one-tenant restore. Inputs
 * come from the catalog's real figures or from what the operator expects
 * before the first run; prices are AWS us-east-1 list prices unless
 * [prices] overrides them.
 *
 * Units: bytes in, dollars out. AWS bills a GB as 2^30 bytes, a KB as 1024;
 * a month is 730 hours (AWS's calculator), so 30.4167 days.
 *
 * Pure arithmetic plus printing; no globals. Every function is thread-safe.
 */
#ifndef COLDPACK_ESTIMATE_H
#define COLDPACK_ESTIMATE_H

#include "catalog.h"
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#define ESTIMATE_GB         1073741824.0 /* 2^30: AWS's billing GB */
#define ESTIMATE_MONTH_DAYS (730.0 / 24.0)

/* USD; the members follow enum config_price. */
typedef struct estimate_prices {
    double v[CONFIG_NPRICES];
} estimate_prices_t;

typedef struct estimate_input {
    const char *mode;      /* "catalog" or "flags", for the output */
    double daily_in;       /* bytes read per night */
    double ratio;          /* bytes read / bytes stored (> 0) */
    int days;              /* retention: days kept (steady state) */
    int64_t part_size;     /* multipart part size */
    double volume_bytes;   /* average data object (volume) size */
    double index_bytes;    /* average index object size (STANDARD) */
    double manifest_bytes; /* average run manifest size (STANDARD), one a night */
    double tenants;        /* tenants a night, for the restore scenario's share */
    double tenant_daily;   /* stored bytes a night of the restored tenant; 0 = share */
    double tenant_objects; /* data objects a night of that tenant; 0 = from volume_bytes */
    int restore_days;      /* the restore scenario: one tenant, this many days */
    const char *storage_class;
} estimate_input_t;

typedef struct estimate {
    double stored_daily, stored_total;   /* data bytes: a night, steady state */
    double objects_daily, objects_total; /* data objects */
    double parts_per_object;             /* ceil(volume / part) */
    double requests_per_object;          /* parts + initiate + complete */
    double requests_month;               /* data-class requests a month */
    double index_total_bytes, index_objects_total;
    double manifest_total_bytes, manifest_objects_total;
    /* USD a month, steady state */
    double storage_month;       /* data bytes at the class price */
    double overhead_month;      /* 8 KB STANDARD + 32 KB class per data object */
    double index_storage_month; /* indexes and manifests, STANDARD */
    double requests_cost_month; /* data parts at the class's PUT price */
    double index_requests_month;
    double total_month;
    double storage_bill_month; /* storage + overhead + index storage */
    double requests_share;     /* requests_cost_month / storage_bill_month */
    /* restore scenario, USD */
    double restore_bytes, restore_objects;
    double restore_bulk, restore_standard, restore_transfer;
    int64_t suggested_part; /* smallest power-of-two MiB part size under 10%, or 0 */
} estimate_t;

/* AWS us-east-1 list prices for S3 Glacier Deep Archive data volumes with
 * STANDARD indexes and manifests (2025). */
void estimate_prices_default(estimate_prices_t *p);
/* Defaults overridden by cfg's [prices] (cfg may be NULL). */
void estimate_prices_from_config(const config_t *cfg, estimate_prices_t *p);

/* The part size cfg's uploads use for a full volume: [store] part_size, or
 * for auto the rule of store_s3_upload_part_size applied to volume_size
 * (<= 0: [pack] volume_size; 64 MiB for the default 4 GiB). Thread-safe. */
int64_t estimate_part_size(const config_t *cfg, int64_t volume_size);

/* Compute *out from *in and *p. Returns 0, or -1 (logged) when an input is
 * out of range (ratio <= 0, days <= 0, part or volume size <= 0). */
int estimate_compute(const estimate_input_t *in, const estimate_prices_t *p, estimate_t *out);

/* Fill *in from the catalog's totals over from..until (NULL = all) and
 * cfg: daily bytes in, ratio, average volume, index and manifest size,
 * tenants; tenant (NULL = the average tenant) for the restore scenario.
 * Leaves days, part_size and restore_days as they are. Returns 0, 1 when
 * the catalog has no data volume yet (logged), -1 on error. */
int estimate_from_catalog(catalog_t *c, const config_t *cfg, const char *from, const char *until,
                          const char *tenant, estimate_input_t *in);

/* Human-readable report on f, ending with the warning when requests
 * exceed 10% of the storage bill. */
void estimate_print(FILE *f, const estimate_input_t *in, const estimate_prices_t *p,
                    const estimate_t *e);
/* The same as a new JSON object (caller owns the reference), NULL on OOM. */
json_t *estimate_json(const estimate_input_t *in, const estimate_prices_t *p, const estimate_t *e);

#endif
