/*
 * report.c — the HTML report. It reads the catalog into small arrays
 * (nights, tenants, sources, runs needing attention), then writes one HTML
 * document: inline CSS, inline SVG bar charts drawn here (no script, no
 * font or image fetched), tables. Every string from the catalog goes
 * through report_html_escape(): tenant and source names are whatever a
 * directory was called on a SIEM host, so they are hostile and may not be
 * UTF-8. The file is written to a mkstemp() temp file (mode 0600) beside
 * the target and renamed over it, so a reader never sees half a report and
 * the report is never more readable than the catalog's owner decided.
 */
#include "report.h"

#include "estimate.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s (1-4), 0 when invalid. */
static int utf8_len(const unsigned char *s)
{
    int n;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

char *report_utf8_sanitize(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    char *out = malloc(len * 4 + 1), *o = out;

    if (!out)
        return NULL;
    while (*p) {
        int n = utf8_len(p);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            o += sprintf(o, "\\x%02X", *p);
            p++;
            continue;
        }
        memcpy(o, p, (size_t)n);
        o += n;
        p += n;
    }
    *o = 0;
    return out;
}

void report_html_escape(FILE *f, const char *s)
{
    char *clean = report_utf8_sanitize(s);

    for (const char *p = clean ? clean : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*p, f);
        }
    }
    free(clean);
}

/* ---- what the report reads ---- */

typedef struct night {
    char date[11];
    int have; /* a run or unit recorded for the date */
    int64_t bytes_in, stored, duration;
    int units, volumes, runs, runs_failed, runs_warned;
    char status[16];
} night_t;

typedef struct group {
    char *name;
    int64_t bytes_in, stored;
    int units, volumes;
} group_t;

typedef struct attention {
    char *run_id;
    char date[11], status[16];
    int64_t started, duration;
    int units, volumes;
} attention_t;

typedef struct report {
    night_t *nights; /* one per date of the window, oldest first */
    int nnights;
    group_t *groups[2];
    int ngroups[2];
    attention_t *att;
    int natt;
    char first[11]; /* the oldest run in the catalog */
    int64_t stored_before;
} report_t;

static int take_day(void *ctx, const catalog_day_t *d)
{
    report_t *r = ctx;

    for (int i = 0; i < r->nnights; i++) {
        night_t *n = &r->nights[i];
        if (strcmp(n->date, d->date))
            continue;
        n->have = 1;
        n->bytes_in = d->bytes_in;
        n->stored = d->stored;
        n->duration = d->duration;
        n->units = d->units;
        n->volumes = d->volumes;
        n->runs = d->runs;
        n->runs_failed = d->runs_failed;
        n->runs_warned = d->runs_warned;
        snprintf(n->status, sizeof n->status, "%s", d->last_status ? d->last_status : "");
    }
    return 0;
}

static int take_group(void *ctx, const catalog_group_t *g, int by)
{
    report_t *r = ctx;
    group_t *t = realloc(r->groups[by], sizeof *t * (size_t)(r->ngroups[by] + 1));

    if (!t)
        return -1;
    r->groups[by] = t;
    t = &t[r->ngroups[by]];
    if (!(t->name = strdup(g->name ? g->name : "")))
        return -1;
    r->ngroups[by]++;
    t->bytes_in = g->bytes_in;
    t->stored = g->stored;
    t->units = g->units;
    t->volumes = g->volumes;
    return 0;
}

static int take_tenant(void *ctx, const catalog_group_t *g)
{
    return take_group(ctx, g, CATALOG_BY_TENANT);
}

static int take_source(void *ctx, const catalog_group_t *g)
{
    return take_group(ctx, g, CATALOG_BY_SOURCE);
}

static int take_run(void *ctx, const catalog_run_row_t *run)
{
    report_t *r = ctx;
    attention_t *a;

    if (!strcmp(run->status, "ok"))
        return 0;
    if (!(a = realloc(r->att, sizeof *a * (size_t)(r->natt + 1))))
        return -1;
    r->att = a;
    a = &a[r->natt];
    if (!(a->run_id = strdup(run->run_id)))
        return -1;
    r->natt++;
    snprintf(a->date, sizeof a->date, "%s", run->date);
    snprintf(a->status, sizeof a->status, "%s", run->status);
    a->started = run->started;
    a->duration = run->finished ? run->finished - run->started : -1;
    a->units = run->units;
    a->volumes = run->volumes;
    return 0;
}

static void report_free(report_t *r)
{
    for (int b = 0; b < 2; b++) {
        for (int i = 0; i < r->ngroups[b]; i++)
            free(r->groups[b][i].name);
        free(r->groups[b]);
    }
    for (int i = 0; i < r->natt; i++)
        free(r->att[i].run_id);
    free(r->att);
    free(r->nights);
}

/* ---- formatting ---- */

static const char *fmt_bytes(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;

    while (b >= 1000 && u < 5) {
        b /= 1000;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

static const char *fmt_secs(double s, char *buf, size_t n)
{
    if (s >= 3600)
        snprintf(buf, n, "%.1f h", s / 3600);
    else if (s >= 60)
        snprintf(buf, n, "%.1f min", s / 60);
    else
        snprintf(buf, n, s < 10 ? "%.1f s" : "%.0f s", s);
    return buf;
}

static const char *fmt_usd(double d, char *buf, size_t n)
{
    snprintf(buf, n, d >= 100 ? "$%.0f" : "$%.2f", d);
    return buf;
}

typedef const char *(*fmt_fn)(double v, char *buf, size_t n);

/* A bar chart: n bars (k series side by side) of vals[i * k + s], labels
 * under every few bars, four grid lines labelled with fmt. */
static void svg_bars(FILE *f, const char *title, int n, int k, const double *vals,
                     char (*labels)[11], const char *const *series, const char *const *colors,
                     fmt_fn fmt)
{
    const double W = 1080, H = 260, L = 80, R = 10, T = 30, B = 50;
    double max = 0, pw = W - L - R, ph = H - T - B, slot, bw;
    char buf[32];
    int step;

    for (int i = 0; i < n * k; i++)
        if (vals[i] > max)
            max = vals[i];
    if (max <= 0)
        max = 1;
    slot = n > 0 ? pw / n : pw;
    bw = slot * 0.8 / k;
    step = n > 12 ? (n + 11) / 12 : 1;
    fprintf(f,
            "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
            "role=\"img\" aria-label=\"",
            W, H);
    report_html_escape(f, title);
    fprintf(f, "\">\n<text x=\"%.0f\" y=\"18\" class=\"t\">", L);
    report_html_escape(f, title);
    fputs("</text>\n", f);
    for (int s = 0; s < k && k > 1; s++) {
        fprintf(f,
                "<rect x=\"%.0f\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                "<text x=\"%.0f\" y=\"18\" class=\"l\">",
                W - R - 260 + s * 130, colors[s], W - R - 244 + s * 130);
        report_html_escape(f, series[s]);
        fputs("</text>\n", f);
    }
    for (int g = 0; g <= 4; g++) {
        double y = T + ph - ph * g / 4;
        fprintf(f,
                "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" class=\"g\"/>"
                "<text x=\"%.0f\" y=\"%.1f\" class=\"a\" text-anchor=\"end\">%s</text>\n",
                L, W - R, y, y, L - 6, y + 4, fmt(max * g / 4, buf, sizeof buf));
    }
    for (int i = 0; i < n; i++) {
        for (int s = 0; s < k; s++) {
            double v = vals[i * k + s], h = v / max * ph;
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    "<title>",
                    L + i * slot + slot * 0.1 + s * bw, T + ph - h, bw, h, colors[s]);
            report_html_escape(f, labels[i]);
            fputs(" ", f);
            report_html_escape(f, series[s]);
            fprintf(f, ": %s</title></rect>\n", fmt(v, buf, sizeof buf));
        }
        if (i % step == 0) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"a\" text-anchor=\"middle\">",
                    L + i * slot + slot / 2, T + ph + 16);
            report_html_escape(f, labels[i]);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg></figure>\n", f);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
    "color:#1b1f24;background:#fff;max-width:1120px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:1px solid #d0d7de;padding-bottom:4px}"
    ".sub{color:#57606a}figure{margin:8px 0}svg{width:100%;height:auto;background:#fafbfc;"
    "border:1px solid #e1e4e8}"
    "svg .t{font-size:14px;font-weight:600;fill:#1b1f24}svg .a{font-size:11px;fill:#57606a}"
    "svg .l{font-size:12px;fill:#1b1f24}svg .g{stroke:#e1e4e8}"
    "table{border-collapse:collapse;margin:6px 0}th,td{padding:3px 10px;text-align:right;"
    "border-bottom:1px solid #eaeef2}th{background:#f6f8fa}td.n,th.n{text-align:left;"
    "word-break:break-all;max-width:380px}"
    ".cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;"
    "border-radius:6px;padding:8px 14px;min-width:150px}.card b{display:block;font-size:20px}"
    ".ok{color:#1a7f37}.warn{color:#9a6700}.bad{color:#cf222e}";

static const char *status_class(const char *st)
{
    if (!st || !*st)
        return "bad";
    if (!strcmp(st, "ok"))
        return "ok";
    return !strcmp(st, "failed") ? "bad" : "warn";
}

static void card(FILE *f, const char *label, const char *value, const char *cls)
{
    fprintf(f, "<div class=\"card\">%s<b class=\"%s\">", label, cls ? cls : "");
    report_html_escape(f, value);
    fputs("</b></div>\n", f);
}

static void group_table(FILE *f, const char *what, const group_t *g, int n)
{
    char a[32], b[32];

    fprintf(f,
            "<table><tr><th class=\"n\">%s</th><th>read</th><th>stored</th><th>ratio</th>"
            "<th>units</th><th>volumes</th></tr>\n",
            what);
    for (int i = 0; i < n; i++) {
        fputs("<tr><td class=\"n\">", f);
        report_html_escape(f, g[i].name);
        fprintf(f, "</td><td>%s</td><td>%s</td><td>%.2f</td><td>%d</td><td>%d</td></tr>\n",
                fmt_bytes((double)g[i].bytes_in, a, sizeof a),
                fmt_bytes((double)g[i].stored, b, sizeof b),
                g[i].stored > 0 ? (double)g[i].bytes_in / (double)g[i].stored : 0.0, g[i].units,
                g[i].volumes);
    }
    if (n == 0)
        fputs("<tr><td class=\"n\" colspan=\"6\">none in this window</td></tr>\n", f);
    fputs("</table>\n", f);
}

static void write_html(FILE *f, const report_t *r, const config_t *cfg, catalog_t *c,
                       const char *from, const char *until)
{
    static const char *const s_bytes[] = {"read", "stored"};
    static const char *const c_bytes[] = {"#8fb8de", "#1f6feb"};
    static const char *const s_dur[] = {"duration"};
    static const char *const c_dur[] = {"#8250df"};
    static const char *const s_grow[] = {"stored (all data volumes)"};
    static const char *const c_grow[] = {"#1a7f37"};
    static const char *const s_cost[] = {"projected bill"};
    static const char *const c_cost[] = {"#bf8700"};
    int n = r->nnights, ok = 0, warned = 0, failed = 0, missing = 0, since = 0;
    double *v = calloc((size_t)(n > 12 ? n : 12) * 2 + 2, sizeof *v);
    char(*labels)[11] = calloc((size_t)(n > 12 ? n : 12) + 1, sizeof *labels);
    char a[32], b[32], now[32];
    int64_t in = 0, stored = 0, cum;
    time_t t = time(NULL);
    struct tm tm;
    estimate_prices_t prices;
    estimate_input_t ein = {0};
    estimate_t e;
    int have_est = 0;

    strftime(now, sizeof now, "%Y-%m-%d %H:%M %Z", localtime_r(&t, &tm));
    for (int i = 0; i < n; i++) {
        const night_t *x = &r->nights[i];
        in += x->bytes_in;
        stored += x->stored;
        since += r->first[0] && strcmp(x->date, r->first) >= 0;
        if (!x->have)
            missing += r->first[0] && strcmp(x->date, r->first) >= 0;
        else if (!strcmp(x->status, "ok"))
            ok++;
        else if (!strcmp(x->status, "failed"))
            failed++;
        else
            warned++;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<title>coldpack report ",
          f);
    report_html_escape(f, from);
    fputs(" to ", f);
    report_html_escape(f, until);
    fprintf(f,
            "</title>\n<style>%s</style></head><body>\n<h1>coldpack report</h1>\n"
            "<p class=\"sub\">nights ",
            css);
    report_html_escape(f, from);
    fputs(" to ", f);
    report_html_escape(f, until);
    fputs(" &middot; store ", f);
    report_html_escape(f, cfg->store.url);
    fputs(" &middot; generated ", f);
    report_html_escape(f, now);
    fputs("</p>\n<div class=\"cards\">\n", f);
    snprintf(a, sizeof a, "%d of %d", ok, since);
    card(f, "nights ok since the first backup", a, ok == since ? "ok" : "warn");
    snprintf(a, sizeof a, "%d", warned);
    card(f, "with warnings / partial", a, warned ? "warn" : "ok");
    snprintf(a, sizeof a, "%d", failed);
    card(f, "failed", a, failed ? "bad" : "ok");
    snprintf(a, sizeof a, "%d", missing);
    card(f, "missing", a, missing ? "bad" : "ok");
    card(f, "read", fmt_bytes((double)in, a, sizeof a), NULL);
    card(f, "stored", fmt_bytes((double)stored, a, sizeof a), NULL);
    snprintf(a, sizeof a, "%.2f", stored > 0 ? (double)in / (double)stored : 0.0);
    card(f, "compression ratio", a, NULL);
    fputs("</div>\n", f);

    if (!v || !labels) {
        fputs("<p class=\"bad\">out of memory drawing the charts</p>", f);
        goto tables;
    }
    fputs("<h2>Nightly bytes and duration</h2>\n", f);
    for (int i = 0; i < n; i++) {
        memcpy(labels[i], r->nights[i].date + 5, 5); /* MM-DD */
        labels[i][5] = 0;
        v[i * 2] = (double)r->nights[i].bytes_in;
        v[i * 2 + 1] = (double)r->nights[i].stored;
    }
    svg_bars(f, "bytes read and stored per night", n, 2, v, labels, s_bytes, c_bytes, fmt_bytes);
    for (int i = 0; i < n; i++)
        v[i] = (double)r->nights[i].duration;
    svg_bars(f, "run duration per night (all runs of the night)", n, 1, v, labels, s_dur, c_dur,
             fmt_secs);

    fputs("<h2>Storage growth</h2>\n", f);
    cum = r->stored_before;
    for (int i = 0; i < n; i++) {
        cum += r->nights[i].stored;
        v[i] = (double)cum;
    }
    svg_bars(f, "data stored at the end of each night", n, 1, v, labels, s_grow, c_grow, fmt_bytes);

tables:
    fputs("<h2>Tenants</h2>\n", f);
    group_table(f, "tenant", r->groups[CATALOG_BY_TENANT], r->ngroups[CATALOG_BY_TENANT]);
    fputs("<h2>Sources</h2>\n", f);
    group_table(f, "source", r->groups[CATALOG_BY_SOURCE], r->ngroups[CATALOG_BY_SOURCE]);

    fputs("<h2>Failures and warnings</h2>\n", f);
    if (r->natt == 0) {
        fputs("<p class=\"ok\">every run in this window finished ok</p>\n", f);
    } else {
        fputs("<table><tr><th class=\"n\">night</th><th class=\"n\">run</th>"
              "<th class=\"n\">status</th><th>duration</th><th>units complete</th>"
              "<th>volumes</th></tr>\n",
              f);
        for (int i = 0; i < r->natt; i++) {
            const attention_t *x = &r->att[i];
            fputs("<tr><td class=\"n\">", f);
            report_html_escape(f, x->date);
            fputs("</td><td class=\"n\">", f);
            report_html_escape(f, x->run_id);
            fprintf(f, "</td><td class=\"n %s\">", status_class(x->status));
            report_html_escape(f, x->status);
            fprintf(f, "</td><td>%s</td><td>%d</td><td>%d</td></tr>\n",
                    x->duration >= 0 ? fmt_secs((double)x->duration, a, sizeof a) : "-", x->units,
                    x->volumes);
        }
        fputs("</table>\n", f);
    }
    fputs("<h2>Missing nights</h2>\n", f);
    if (!r->first[0]) {
        fputs("<p>no run recorded yet</p>\n", f);
    } else if (missing == 0) {
        fputs("<p class=\"ok\">no night without a run since the first backup (", f);
        report_html_escape(f, r->first);
        fputs(")</p>\n", f);
    } else {
        fputs("<p class=\"bad\">no run recorded for: ", f);
        for (int i = 0, k = 0; i < n; i++) {
            if (r->nights[i].have || strcmp(r->nights[i].date, r->first) < 0)
                continue;
            fputs(k++ ? ", " : "", f);
            report_html_escape(f, r->nights[i].date);
        }
        fputs("</p>\n", f);
    }

    fputs("<h2>Cost projection</h2>\n", f);
    estimate_prices_from_config(cfg, &prices);
    ein.days = cfg->retention.days;
    ein.part_size = estimate_part_size(cfg, 0);
    ein.restore_days = 7;
    ein.manifest_bytes = 16384;
    if (estimate_from_catalog(c, cfg, from, until, NULL, &ein) == 0 &&
        estimate_compute(&ein, &prices, &e) == 0)
        have_est = 1;
    if (!have_est) {
        fputs("<p>no backed-up volume in this window to project from</p>\n", f);
    } else {
        fprintf(f,
                "<p>At this window's rate (%s read a night, ratio %.2f, %s volumes, part "
                "size %s), kept %d days, storage class ",
                fmt_bytes(ein.daily_in, a, sizeof a), ein.ratio,
                fmt_bytes(ein.volume_bytes, b, sizeof b),
                util_fmt_size(ein.part_size, now, sizeof now), ein.days);
        report_html_escape(f, ein.storage_class);
        fprintf(f, ": steady state %s in %.0f volumes.</p>\n",
                fmt_bytes(e.stored_total, a, sizeof a), e.objects_total);
        fputs("<table><tr><th class=\"n\">a month at steady state</th><th>USD</th></tr>\n", f);
        fprintf(f, "<tr><td class=\"n\">storage</td><td>%s</td></tr>\n",
                fmt_usd(e.storage_month, a, sizeof a));
        fprintf(f, "<tr><td class=\"n\">per-object overhead (40 KB each)</td><td>%s</td></tr>\n",
                fmt_usd(e.overhead_month, a, sizeof a));
        fprintf(f, "<tr><td class=\"n\">indexes and manifests (STANDARD)</td><td>%s</td></tr>\n",
                fmt_usd(e.index_storage_month, a, sizeof a));
        fprintf(f, "<tr><td class=\"n\">PUT / part requests</td><td class=\"%s\">%s</td></tr>\n",
                e.requests_share > 0.10 ? "warn" : "", fmt_usd(e.requests_cost_month, a, sizeof a));
        fprintf(f, "<tr><td class=\"n\">index and manifest PUTs</td><td>%s</td></tr>\n",
                fmt_usd(e.index_requests_month, a, sizeof a));
        fprintf(f, "<tr><th class=\"n\">total</th><th>%s</th></tr></table>\n",
                fmt_usd(e.total_month, a, sizeof a));
        if (e.requests_share > 0.10)
            fprintf(f,
                    "<p class=\"warn\">Part requests are %.0f%% of the storage bill; "
                    "<code>coldpack estimate</code> suggests a larger <code>[store] "
                    "part_size</code>.</p>\n",
                    e.requests_share * 100);
        if (v && labels) {
            /* Month m of backups holds min(m months, retention) of nights. */
            for (int m = 0; m < 12; m++) {
                estimate_input_t x = ein;
                estimate_t xe;
                double held = (m + 1) * ESTIMATE_MONTH_DAYS;
                x.days = held < ein.days ? (int)(held + 0.5) : ein.days;
                v[m] = estimate_compute(&x, &prices, &xe) == 0 ? xe.total_month : 0;
                snprintf(labels[m], sizeof labels[m], "mo %d", (m + 1) % 100);
            }
            svg_bars(f, "projected monthly bill (USD) over the first year", 12, 1, v, labels,
                     s_cost, c_cost, fmt_usd);
        }
    }
    fputs("<p class=\"sub\">Prices: AWS us-east-1 list prices unless [prices] in the config "
          "overrides them; a GB is 2<sup>30</sup> bytes, a month 730 hours. See "
          "<code>coldpack estimate</code> for the details and a restore scenario.</p>\n"
          "</body></html>\n",
          f);
    free(v);
    free(labels);
}

int report_write(catalog_t *c, const config_t *cfg, const char *path, const char *until, int days)
{
    report_t r;
    catalog_totals_t before;
    char from[11], prev[11];
    char *tmp = NULL;
    FILE *f = NULL;
    int fd = -1, rc = -1;

    memset(&r, 0, sizeof r);
    if (days < 1 || util_date_add(until, -(days - 1), from) < 0 ||
        util_date_add(from, -1, prev) < 0) {
        log_error("report: bad window of %d night(s) ending %s", days, until);
        goto out;
    }
    if (!(r.nights = calloc((size_t)days, sizeof *r.nights)))
        goto oom;
    r.nnights = days;
    for (int i = 0; i < days; i++)
        util_date_add(from, i, r.nights[i].date);
    if (catalog_days(c, from, until, take_day, &r) < 0 ||
        catalog_groups(c, CATALOG_BY_TENANT, from, until, take_tenant, &r) < 0 ||
        catalog_groups(c, CATALOG_BY_SOURCE, from, until, take_source, &r) < 0 ||
        catalog_runs(c, from, until, 0, take_run, &r) < 0 || catalog_first_date(c, r.first) < 0 ||
        catalog_totals(c, NULL, prev, NULL, &before) < 0)
        goto out;
    r.stored_before = before.data_bytes;

    if (!(tmp = util_asprintf("%s.XXXXXX", path)))
        goto oom;
    if ((fd = mkstemp(tmp)) < 0) {
        log_error("report: cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
        log_error("report: %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    write_html(f, &r, cfg, c, from, until);
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
        log_error("report: cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        log_error("report: cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) < 0) {
        log_error("report: cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    rc = 0;
    goto out;
oom:
    log_error("report: out of memory");
out:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    report_free(&r);
    return rc;
}
