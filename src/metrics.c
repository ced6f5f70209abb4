/*
 * metrics.c — the Prometheus textfile (metrics.h): formatted from the run's
 * figures, escaped per the text exposition format, replaced atomically.
 */
#include "metrics.h"

#include "log.h"
#include "strbuf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void metrics_escape_label(const char *v, char *out, size_t outsz)
{
    size_t o = 0;

    if (outsz == 0)
        return;
    for (; v && *v; v++) {
        const char *rep = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
        size_t n = rep ? 2 : 1;
        if (o + n >= outsz)
            break;
        if (rep)
            memcpy(out + o, rep, 2);
        else
            out[o] = *v;
        o += n;
    }
    out[o] = 0;
}

static int head(strbuf_t *sb, const char *name, const char *help)
{
    return strbuf_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static int64_t jint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* One sample per source of the integer member key. */
static int per_source(strbuf_t *sb, const json_t *sources, const char *name, const char *key)
{
    size_t i;
    json_t *s;
    int rc = 0;
    char lab[1024];

    json_array_foreach(sources, i, s)
    {
        metrics_escape_label(json_string_value(json_object_get(s, "name")), lab, sizeof lab);
        rc |= strbuf_addf(sb, "%s{source=\"%s\"} %" PRId64 "\n", name, lab, jint(s, key));
    }
    return rc;
}

char *metrics_format(const metrics_run_t *m)
{
    static const char *const outcomes[][2] = {{"done", "units_done"},
                                              {"skipped", "units_skipped"},
                                              {"failed", "units_failed"},
                                              {"left", "units_left"}};
    strbuf_t sb = STRBUF_INIT(0);
    const json_t *src = json_is_array(m->sources) ? m->sources : NULL;
    char *txt = NULL, lab[1024];
    int rc = 0;

    if (m->last_success > 0) {
        rc |= head(&sb, "coldpack_last_success_timestamp_seconds",
                   "Unix time the newest run that ended ok or with warnings finished.");
        rc |= strbuf_addf(&sb, "coldpack_last_success_timestamp_seconds %" PRId64 "\n",
                          m->last_success);
    }
    rc |= head(&sb, "coldpack_last_run_timestamp_seconds", "Unix time the last run finished.");
    rc |= strbuf_addf(&sb, "coldpack_last_run_timestamp_seconds %" PRId64 "\n", m->end);
    rc |= head(&sb, "coldpack_run_duration_seconds", "Duration of the last run in seconds.");
    rc |= strbuf_addf(&sb, "coldpack_run_duration_seconds %" PRId64 "\n",
                      m->end > m->start ? m->end - m->start : 0);
    rc |= head(&sb, "coldpack_last_exit_code",
               "Exit code of the last run (docs/exit-codes.md; 0 = ok).");
    rc |= strbuf_addf(&sb, "coldpack_last_exit_code %d\n", m->exit_code);
    if (src && json_array_size(src) > 0) {
        rc |= head(&sb, "coldpack_bytes_read_total", "Bytes read from the source by the last run.");
        rc |= per_source(&sb, src, "coldpack_bytes_read_total", "bytes_read");
        rc |= head(&sb, "coldpack_bytes_stored_total",
                   "Bytes stored for the source by the last run.");
        rc |= per_source(&sb, src, "coldpack_bytes_stored_total", "bytes_stored");
        rc |= head(&sb, "coldpack_units", "Units (source, tenant) of the last run by outcome.");
        size_t i;
        json_t *s;
        json_array_foreach(src, i, s)
        {
            metrics_escape_label(json_string_value(json_object_get(s, "name")), lab, sizeof lab);
            for (size_t k = 0; k < sizeof outcomes / sizeof outcomes[0]; k++)
                rc |= strbuf_addf(&sb, "coldpack_units{source=\"%s\",outcome=\"%s\"} %" PRId64 "\n",
                                  lab, outcomes[k][0], jint(s, outcomes[k][1]));
        }
    }
    if (m->days_incomplete >= 0) {
        rc |= head(&sb, "coldpack_days_incomplete",
                   "Days of the catch-up window whose newest run did not complete.");
        rc |= strbuf_addf(&sb, "coldpack_days_incomplete %d\n", m->days_incomplete);
    }
    if (rc == 0)
        txt = strbuf_detach(&sb, NULL);
    strbuf_release(&sb);
    return txt;
}

int metrics_write(const char *path, const char *text)
{
    char *tmp = util_asprintf("%s.tmp.%ld", path, (long)getpid());
    size_t len = strlen(text), off = 0;
    int fd = -1, err = 0;

    if (!tmp) {
        log_warn("metrics file %s: out of memory", path);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        err = errno;
    while (!err && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            err = w < 0 ? errno : EIO;
        else
            off += (size_t)w;
    }
    if (!err && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
        err = errno;
    if (fd >= 0 && close(fd) < 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) < 0)
        err = errno;
    if (err) {
        log_warn("metrics file %s: cannot write it: %s", path, strerror(err));
        unlink(tmp);
    }
    free(tmp);
    return err ? -1 : 0;
}

int64_t metrics_read_last_success(const char *path)
{
    static const char name[] = "coldpack_last_success_timestamp_seconds ";
    FILE *f = fopen(path, "re");
    char line[512];
    long long v = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, sizeof name - 1) &&
            sscanf(line + sizeof name - 1, "%lld", &v) == 1)
            break;
    fclose(f);
    return v > 0 ? (int64_t)v : 0;
}
