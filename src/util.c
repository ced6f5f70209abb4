/*
 * util.c — small pure helpers shared by every layer: size/rate/date parsing,
 * hex, SHA-256 (OpenSSL EVP, which picks SHA-NI where the CPU has it),
 * directory creation, globbing. No global state.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int util_parse_size(const char *s, int64_t *out)
{
    static const struct {
        const char *suf;
        int64_t mul;
    } sufs[] = {{"", 1},
                {"b", 1},
                {"k", 1024},
                {"kib", 1024},
                {"kb", 1000},
                {"m", 1024 * 1024},
                {"mib", 1024 * 1024},
                {"mb", 1000 * 1000},
                {"g", 1024LL * 1024 * 1024},
                {"gib", 1024LL * 1024 * 1024},
                {"gb", 1000LL * 1000 * 1000},
                {"t", 1024LL * 1024 * 1024 * 1024},
                {"tib", 1024LL * 1024 * 1024 * 1024},
                {"tb", 1000LL * 1000 * 1000 * 1000}};
    char *end;
    char suf[8];
    size_t i, n = 0;
    double v;

    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    {
        /* digits with an optional .digits: no exponents, hex or inf */
        const char *q = s;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '.') {
            q++;
            if (!isdigit((unsigned char)*q))
                return -1;
            while (isdigit((unsigned char)*q))
                q++;
        }
        if (*q && !isspace((unsigned char)*q) && !isalpha((unsigned char)*q))
            return -1;
        if ((*q == 'x' || *q == 'X' || *q == 'e' || *q == 'E') && q == s + 1 && *s == '0')
            return -1;
        if (*q == 'e' || *q == 'E')
            return -1;
    }
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    while (*end && !isspace((unsigned char)*end)) {
        if (n + 1 >= sizeof suf)
            return -1;
        suf[n++] = (char)tolower((unsigned char)*end++);
    }
    suf[n] = 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    for (i = 0; i < sizeof sufs / sizeof sufs[0]; i++) {
        if (strcmp(suf, sufs[i].suf) == 0) {
            double r = v * (double)sufs[i].mul;
            if (r > (double)INT64_MAX / 2)
                return -1;
            *out = (int64_t)(r + 0.5);
            return 0;
        }
    }
    return -1;
}

int util_parse_rate(const char *s, int64_t *out)
{
    char buf[64];
    size_t n;

    if (!s || strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    n = strlen(buf);
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = 0;
    if (n >= 2 && buf[n - 2] == '/' && (buf[n - 1] == 's' || buf[n - 1] == 'S'))
        buf[n - 2] = 0;
    return util_parse_size(buf, out);
}

char *util_fmt_size(int64_t n, char *buf, size_t bufsz)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)n;
    int u = 0;

    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, bufsz, "%lld B", (long long)n);
    else
        snprintf(buf, bufsz, "%.1f %s", v, units[u]);
    return buf;
}

int util_parse_date(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int yy, mm, dd, leap;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    yy = atoi(s);
    mm = atoi(s + 5);
    dd = atoi(s + 8);
    if (yy < 1970 || mm < 1 || mm > 12 || dd < 1)
        return -1;
    leap = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0;
    if (dd > mdays[mm - 1] + (mm == 2 && leap))
        return -1;
    if (y)
        *y = yy;
    if (m)
        *m = mm;
    if (d)
        *d = dd;
    return 0;
}

int util_date_add(const char *date, int days, char out[11])
{
    struct tm tm = {0};
    time_t t;

    if (util_parse_date(date, &tm.tm_year, &tm.tm_mon, &tm.tm_mday) < 0)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_hour = 12;
    t = timegm(&tm) + (time_t)days * 86400;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
    return 0;
}

void util_today(char out[11])
{
    const char *knob = getenv("COLDPACK_TODAY");
    time_t t = time(NULL);
    struct tm tm;
    int y, m, d;

    /* tests simulate days: COLDPACK_TODAY=YYYY-MM-DD replaces the clock's date */
    if (knob && strlen(knob) == 10 && util_parse_date(knob, &y, &m, &d) == 0) {
        snprintf(out, 11, "%s", knob);
        return;
    }
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void util_yesterday(char out[11])
{
    char today[11];

    util_today(today);
    if (util_date_add(today, -1, out) < 0)
        snprintf(out, 11, "%s", today);
}

void util_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

int util_parse_hhmm(const char *s)
{
    int h, m;
    char extra;

    if (!s || sscanf(s, "%d:%d%c", &h, &m, &extra) != 2)
        return -1;
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return -1;
    return h * 60 + m;
}

int util_sha256_init(util_sha256_t *h)
{
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
        return -1;
    }
    return 0;
}

void util_sha256_update(util_sha256_t *h, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate(h->ctx, data, len);
}

void util_sha256_final(util_sha256_t *h, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, md, &n);
    util_hex(md, 32, hex);
    util_sha256_free(h);
}

void util_sha256_free(util_sha256_t *h)
{
    if (h && h->ctx) {
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
    }
}

void util_sha256_buf(const void *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;

    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    util_hex(md, 32, hex);
}

char *util_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *util_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* mkdir one level; when it made it, set its mode exactly (through a
 * descriptor of the directory itself, never through a symlink). */
static int mkdir_exact(const char *dir, unsigned mode)
{
    int fd, rc;

    if (mkdir(dir, mode) < 0)
        return errno == EEXIST ? 0 : -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fchmod(fd, mode);
    close(fd);
    return rc;
}

int util_mkdirs(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir_exact(buf, mode) < 0)
            return -1;
        *p = '/';
    }
    return mkdir_exact(buf, mode);
}

int util_open_private(const char *path, int flags)
{
    int fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, UTIL_FILE_MODE);
    int created = fd >= 0;

    if (fd < 0 && errno == EEXIST && !(flags & O_EXCL))
        fd = open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, UTIL_FILE_MODE);
    if (fd < 0)
        return -1;
    if ((created || (flags & O_TRUNC)) && fchmod(fd, UTIL_FILE_MODE) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int util_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int util_fsync_dir_of(const char *path)
{
    char buf[PATH_MAX];
    char *slash;
    int fd, rc;

    if (strlen(path) >= sizeof buf)
        return -1;
    strcpy(buf, path);
    slash = strrchr(buf, '/');
    if (!slash)
        strcpy(buf, ".");
    else if (slash == buf)
        buf[1] = 0;
    else
        *slash = 0;
    fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int util_glob_match(const char *p, const char *s)
{
    /* Iterative matcher with backtracking for '*' and '**'. */
    if (*p == 0)
        return *s == 0;
    if (p[0] == '*' && p[1] == '*') {
        const char *rest = p + 2;
        if (*rest == '/' && util_glob_match(rest + 1, s))
            return 1; /* "**" matched zero directories */
        for (const char *t = s;; t++) {
            if (util_glob_match(rest, t))
                return 1;
            if (*t == 0)
                return 0;
        }
    }
    if (*p == '*') {
        for (const char *t = s;; t++) {
            if (util_glob_match(p + 1, t))
                return 1;
            if (*t == 0 || *t == '/')
                return 0;
        }
    }
    if (*s == 0)
        return 0;
    if (*p == '?')
        return *s != '/' && util_glob_match(p + 1, s + 1);
    if (*p == '[') {
        const char *q = p + 1;
        int neg = 0, ok = 0;
        if (*q == '!' || *q == '^') {
            neg = 1;
            q++;
        }
        for (; *q && *q != ']'; q++) {
            if (q[1] == '-' && q[2] && q[2] != ']') {
                if (*s >= q[0] && *s <= q[2])
                    ok = 1;
                q += 2;
            } else if (*q == *s) {
                ok = 1;
            }
        }
        if (*q != ']')
            return *s == '[' && util_glob_match(p + 1, s + 1);
        return (ok != neg) && util_glob_match(q + 1, s + 1);
    }
    return *p == *s && util_glob_match(p + 1, s + 1);
}

double util_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void util_sleep(double secs)
{
    struct timespec ts;

    if (!(secs > 0))
        return;
    ts.tv_sec = (time_t)secs;
    ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
