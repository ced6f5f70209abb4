/*
 * loggen — deterministic generator of a realistic multi-tenant SIEM export.
 *
 * Writes DIR/<source>/<date>/<tenant>/... with firewall (iptables, PAN-OS or
 * Cisco ASA style, hourly rotated), syslog auth.log and messages, JSON-lines
 * application events and BIND DNS query logs, for tests, the demo and
 * benchmarks. Same arguments and seed give byte-identical output.
 *
 * Standalone: libc + libm only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a)  ((a)[rbelow((r), (uint32_t)NELEM(a))])
#define PICKZ(r, a) ((a)[rzipf((r), (uint32_t)NELEM(a))])
#define IP4(a, b, c, d)                                                                            \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

#define OBUF_CAP   (4u << 20) /* output buffer per file */
#define LINE_SLACK 8192u      /* every generated line is shorter than this */

/* ------------------------------------------------------------------------ */
/* PRNG and hashing (splitmix64)                                             */

typedef struct {
    uint64_t s;
} rng_t;

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rnext(rng_t *r)
{
    return mix64(r->s += 0x9e3779b97f4a7c15ULL);
}

/* Uniform in [0, n). */
static inline uint32_t rbelow(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

static inline uint32_t rrange(rng_t *r, uint32_t lo, uint32_t hi)
{
    return lo + rbelow(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static inline double runit(rng_t *r)
{
    return (double)(rnext(r) >> 11) * 0x1.0p-53;
}

/* Skewed index in [0, n): small indexes are hot, a long tail of cold ones. */
static inline uint32_t rzipf(rng_t *r, uint32_t n)
{
    double u = runit(r);
    return (uint32_t)((double)n * u * u * u);
}

static inline int rchance(rng_t *r, uint32_t permille)
{
    return rbelow(r, 1000) < permille;
}

static double rnormal(rng_t *r)
{
    double u1 = runit(r), u2 = runit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    h ^= 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

static inline uint64_t hash_u(uint64_t h, uint64_t v)
{
    return mix64(h ^ mix64(v + 0x632be59bd9b4e019ULL));
}

/* ------------------------------------------------------------------------ */
/* Fast formatting into a buffer                                            */

static inline char *put_s(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_c(char *p, char c)
{
    *p = c;
    return p + 1;
}

static inline char *put_u(char *p, uint64_t v)
{
    char t[20];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static inline char *put_u2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static inline char *put_u3(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 100 % 10);
    p[1] = (char)('0' + v / 10 % 10);
    p[2] = (char)('0' + v % 10);
    return p + 3;
}

static inline char *put_u6(char *p, unsigned v)
{
    for (int i = 5; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + 6;
}

static const char HEX[] = "0123456789abcdef";

static inline char *put_hex(char *p, uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        p[i] = HEX[v & 15];
        v >>= 4;
    }
    return p + digits;
}

static inline char *put_ip(char *p, uint32_t ip)
{
    p = put_u(p, ip >> 24);
    *p++ = '.';
    p = put_u(p, (ip >> 16) & 255);
    *p++ = '.';
    p = put_u(p, (ip >> 8) & 255);
    *p++ = '.';
    return put_u(p, ip & 255);
}

/* A version-4 UUID from 128 bits. */
static char *put_uuid(char *p, uint64_t a, uint64_t b)
{
    a = (a & ~0xf000ULL) | 0x4000ULL;
    b = (b & ~(3ULL << 62)) | (2ULL << 62);
    p = put_hex(p, a >> 32, 8);
    *p++ = '-';
    p = put_hex(p, (a >> 16) & 0xffff, 4);
    *p++ = '-';
    p = put_hex(p, a & 0xffff, 4);
    *p++ = '-';
    p = put_hex(p, b >> 48, 4);
    *p++ = '-';
    return put_hex(p, b & 0xffffffffffffULL, 12);
}

/* "HH:MM:SS" from seconds after midnight. */
static char *put_hms(char *p, uint32_t s)
{
    p = put_u2(p, s / 3600);
    *p++ = ':';
    p = put_u2(p, s / 60 % 60);
    *p++ = ':';
    return put_u2(p, s % 60);
}

/* A number with one decimal from tenths. */
static inline char *put_dec1(char *p, uint64_t tenths)
{
    p = put_u(p, tenths / 10);
    *p++ = '.';
    return put_c(p, (char)('0' + tenths % 10));
}

/* ------------------------------------------------------------------------ */
/* Static vocabulary                                                        */

static const char *const BUILTIN_TENANTS[] = {
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "cyberdyne",
    "soylent",
    "tyrell",
    "vandelay",
    "dunder-mifflin",
    "pied-piper",
    "massive-dyn",
    "aperture",
    "black-mesa",
    "oscorp",
    "wonka",
    "sterling-cooper",
    "nakatomi",
    "virtucon",
    "bluth",
    "gringotts",
    "monsters-inc",
    "weyland-yutani",
    "rekall",
    "ocp",
    "contoso",
    "fabrikam",
    "northwind",
    "tailspin",
    "adventure-works",
    "litware",
    "proseware",
    "fourth-coffee",
    "woodgrove",
    "coho-winery",
    "lucerne",
    "blue-sun",
    "los-pollos",
    "prestige-ww",
    "wernham-hogg",
    "duff",
    "krustyco",
    "gekko",
    "planet-express",
    "mom-corp",
    "vault-tec",
    "abstergo",
    "encom",
};

static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static const char *const FIRST_NAMES[] = {
    "james",   "mary",      "john",    "patricia", "robert",  "jennifer", "michael", "linda",
    "william", "elizabeth", "david",   "barbara",  "richard", "susan",    "joseph",  "jessica",
    "thomas",  "sarah",     "charles", "karen",    "chris",   "nancy",    "daniel",  "lisa",
    "matthew", "betty",     "anthony", "margaret", "mark",    "sandra",   "donald",  "ashley",
    "steven",  "kimberly",  "paul",    "emily",    "andrew",  "donna",    "joshua",  "michelle",
    "kevin",   "carol",     "brian",   "amanda",   "george",  "melissa",  "timothy", "deborah",
    "wei",     "priya",     "arjun",   "mei",      "hiroshi", "yuki",     "ahmed",   "fatima",
    "lukas",   "sofia",     "mateo",   "ingrid",   "olga",    "pierre",   "giulia",  "kwame",
};

static const char *const LAST_NAMES[] = {
    "smith",    "johnson",   "williams", "brown",     "jones",    "garcia",   "miller",
    "davis",    "rodriguez", "martinez", "hernandez", "lopez",    "gonzalez", "wilson",
    "anderson", "thomas",    "taylor",   "moore",     "jackson",  "martin",   "lee",
    "perez",    "thompson",  "white",    "harris",    "sanchez",  "clark",    "ramirez",
    "lewis",    "robinson",  "walker",   "young",     "allen",    "king",     "wright",
    "scott",    "torres",    "nguyen",   "hill",      "flores",   "green",    "adams",
    "nelson",   "baker",     "hall",     "rivera",    "campbell", "mitchell", "chen",
    "wang",     "patel",     "kumar",    "tanaka",    "suzuki",   "mueller",  "schmidt",
    "rossi",    "dubois",    "novak",    "kowalski",  "ivanova",  "okafor",   "larsen",
    "silva",
};

static const char *const HOST_ROLES[] = {
    "web", "app",  "k8s-node",  "db",     "cache", "mq",    "dc",    "mail",
    "vpn", "jump", "ci-runner", "backup", "log",   "files", "proxy", "monitor",
};
/* How many of each role, roughly (scaled per tenant). */
static const uint8_t HOST_ROLE_N[] = {6, 8, 12, 3, 2, 2, 2, 1, 1, 1, 3, 1, 2, 1, 2, 1};

static const char *const SERVICE_ACCOUNTS[] = {"deploy",        "ansible",    "svc-backup",
                                               "jenkins",       "nagios",     "postgres",
                                               "gitlab-runner", "svc-monitor"};

static const char *const SCAN_USERS[] = {
    "root",  "admin",         "test",    "user",      "ubuntu",   "oracle",    "postgres",
    "git",   "guest",         "ftpuser", "pi",        "support",  "mysql",     "deploy",
    "test1", "administrator", "hadoop",  "dev",       "jenkins",  "nagios",    "minecraft",
    "steam", "tomcat",        "www",     "backup",    "ec2-user", "centos",    "debian",
    "es",    "elastic",       "redis",   "ansible",   "server",   "teamspeak", "vagrant",
    "odoo",  "solana",        "sol",     "validator", "node",
};

static const char *const SUDO_CMDS[] = {
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/systemctl status app.service",
    "/usr/bin/apt-get update",
    "/usr/bin/apt-get install -y --only-upgrade openssl",
    "/usr/bin/journalctl -u app.service --since -1h",
    "/usr/bin/tail -n 200 /var/log/syslog",
    "/usr/bin/docker ps -a",
    "/usr/bin/docker logs --tail 100 web",
    "/usr/bin/kubectl get pods -A",
    "/bin/cat /etc/shadow",
    "/usr/sbin/iptables -L -n",
    "/usr/bin/vim /etc/nginx/sites-enabled/default",
    "/usr/bin/du -sh /var/lib/docker",
    "/bin/bash",
    "/usr/bin/su - postgres",
    "/usr/bin/certbot renew --quiet",
    "/usr/bin/rsync -a /srv/data/ backup-01:/srv/backup/",
    "/usr/sbin/reboot",
};

static const char *const CRON_CMDS[] = {
    "   cd / && run-parts --report /etc/cron.hourly",
    "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
    ("[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then "
     "/usr/lib/php/sessionclean; fi"),
    "/usr/local/bin/backup.sh --incremental >> /var/log/backup.log 2>&1",
    "/usr/bin/flock -n /tmp/metrics.lock /opt/metrics/push.sh",
    "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
    "/opt/app/bin/cleanup-sessions --older-than 24h",
    "/usr/bin/certbot -q renew",
};

typedef struct {
    const char *unit, *desc;
} unit_t;

static const unit_t UNITS[] = {
    {"apt-daily.service", "Daily apt download activities"},
    {"apt-daily-upgrade.service", "Daily apt upgrade and clean activities"},
    {"logrotate.service", "Rotate log files"},
    {"man-db.service", "Daily man-db regeneration"},
    {"sysstat-collect.service", "system activity accounting tool"},
    {"systemd-tmpfiles-clean.service", "Cleanup of Temporary Directories"},
    {"phpsessionclean.service", "Clean php session files"},
    {"fstrim.service", "Discard unused blocks on filesystems from /etc/fstab"},
    {"certbot.service", "Certbot"},
    {"docker-image-prune.service", "Prune unused docker images"},
    {"motd-news.service", "Message of the Day"},
    {"update-notifier-download.service", "Download data for packages that failed at package "
                                         "install time"},
};

static const char *const NTP_SERVERS[] = {"time.cloudflare.com", "ntp.ubuntu.com",
                                          "0.debian.pool.ntp.org", "time.google.com",
                                          "169.254.169.123"};

static const char *const SERVICES[] = {
    "checkout-api",  "auth-service", "billing-worker", "search-api",    "notification-svc",
    "inventory-api", "web-frontend", "reporting-job",  "api-gateway",   "user-profile",
    "payments-api",  "catalog-api",  "shipping-svc",   "export-worker", "ledger",
};

enum { RT_API, RT_HEALTH, RT_METRICS, RT_PROBE404, RT_STATIC };

typedef struct {
    const char *method, *route;
    uint16_t weight;
    uint8_t kind;
} route_t;

static const route_t ROUTES[] = {
    {"GET", "/api/v2/orders/{id}", 120, RT_API},
    {"GET", "/api/v1/products/{sku}", 110, RT_API},
    {"GET", "/api/v1/users/{uuid}", 90, RT_API},
    {"POST", "/api/v1/auth/token", 70, RT_API},
    {"GET", "/healthz", 70, RT_HEALTH},
    {"GET", "/api/v1/search?q={q}&page={n}", 60, RT_API},
    {"POST", "/graphql", 55, RT_API},
    {"GET", "/api/v2/orders?page={n}&limit=50", 45, RT_API},
    {"POST", "/api/v2/orders", 40, RT_API},
    {"GET", "/api/v1/inventory/{sku}", 35, RT_API},
    {"GET", "/api/v1/products?category={cat}&sort=price", 35, RT_API},
    {"POST", "/api/v1/cart/{uuid}/items", 30, RT_API},
    {"GET", "/api/v1/users/{uuid}/preferences", 25, RT_API},
    {"POST", "/api/v2/payments", 25, RT_API},
    {"GET", "/api/v2/payments/{uuid}/status", 20, RT_API},
    {"POST", "/api/v1/auth/refresh", 20, RT_API},
    {"PATCH", "/api/v1/users/{uuid}", 12, RT_API},
    {"DELETE", "/api/v1/cart/{uuid}/items/{sku}", 10, RT_API},
    {"GET", "/static/js/main.{hash}.js", 18, RT_STATIC},
    {"GET", "/static/css/app.{hash}.css", 12, RT_STATIC},
    {"GET", "/metrics", 15, RT_METRICS},
    {"PUT", "/api/v1/invoices/{id}", 8, RT_API},
    {"GET", "/api/v1/reports/{id}/download", 6, RT_API},
    {"POST", "/webhooks/stripe", 6, RT_API},
    {"POST", "/api/v1/notifications/send", 6, RT_API},
    {"GET", "/api/v1/sessions/current", 10, RT_API},
    {"GET", "/.env", 2, RT_PROBE404},
    {"GET", "/wp-login.php", 2, RT_PROBE404},
    {"GET", "/actuator/health", 2, RT_PROBE404},
};

static const char *const SEARCH_WORDS[] = {
    "laptop",   "usb-c+cable", "monitor", "office+chair",  "headphones", "keyboard", "coffee",
    "desk",     "webcam",      "printer", "ssd+1tb",       "router",     "backpack", "charger",
    "notebook", "mouse",       "tablet",  "standing+desk", "hdmi",       "speaker",
};

static const char *const CATEGORIES[] = {"electronics", "office", "furniture", "accessories",
                                         "networking",  "audio",  "storage",   "software"};

static const char *const USER_AGENTS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.6723.102 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.68",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Go-http-client/2.0",
    "curl/8.5.0",
    "kube-probe/1.30",
    "Prometheus/2.54.1",
    "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};

typedef struct {
    const char *cc, *city;
} geo_t;

static const geo_t GEOS[] = {
    {"US", "Ashburn"},   {"US", "New York"},     {"US", "San Francisco"}, {"US", "Chicago"},
    {"DE", "Frankfurt"}, {"GB", "London"},       {"FR", "Paris"},         {"NL", "Amsterdam"},
    {"DE", "Berlin"},    {"IE", "Dublin"},       {"IN", "Bengaluru"},     {"SG", "Singapore"},
    {"JP", "Tokyo"},     {"AU", "Sydney"},       {"BR", "Sao Paulo"},     {"CA", "Toronto"},
    {"ES", "Madrid"},    {"IT", "Milan"},        {"SE", "Stockholm"},     {"PL", "Warsaw"},
    {"CH", "Zurich"},    {"ZA", "Johannesburg"}, {"MX", "Mexico City"},   {"KR", "Seoul"},
    {"IN", "Mumbai"},    {"RU", "Moscow"},       {"CN", "Shanghai"},      {"VN", "Hanoi"},
    {"NG", "Lagos"},     {"UA", "Kyiv"},
};

static const char *const ROLES[] = {"viewer", "editor", "admin", "billing", "support", "analyst"};

static const char *const DB_STMTS[] = {
    "SELECT o.id, o.status, o.total FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at "
    "DESC LIMIT 50",
    "SELECT * FROM products WHERE category = $1 AND price BETWEEN $2 AND $3",
    "UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2",
    "INSERT INTO audit_log (actor, action, target, payload) VALUES ($1, $2, $3, $4)",
    "SELECT count(*) FROM sessions WHERE expires_at < now()",
    "DELETE FROM cart_items WHERE cart_id = $1 AND sku = $2",
    "SELECT u.id, u.email, r.name FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN "
    "roles r ON r.id = ur.role_id WHERE u.id = $1",
    "WITH recent AS (SELECT * FROM events WHERE ts > now() - interval '1 hour') SELECT type, "
    "count(*) FROM recent GROUP BY type",
};

static const char *const JOBS[] = {"invoice-export", "nightly-reconcile", "email-digest",
                                   "search-reindex", "cache-warmup",      "gdpr-purge",
                                   "report-render",  "thumbnail-gen"};

typedef struct {
    const char *type, *msg;
} err_t;

static const err_t ERRORS[] = {
    {"TimeoutError", "upstream request timeout after 5000ms"},
    {"ConnectionResetError", "connection reset by peer while reading response"},
    {"ValidationError", "field 'quantity' must be a positive integer"},
    {"PermissionDenied", "user lacks permission 'orders:write'"},
    {"IntegrityError", "duplicate key value violates unique constraint \\\"orders_pkey\\\""},
    {"NullPointerException",
     "Cannot invoke \\\"Order.getTotal()\\\" because \\\"order\\\" is null"},
    {"RateLimitExceeded", "too many requests for api key, retry after 30s"},
    {"PaymentDeclined", "card_declined: insufficient_funds"},
};

/* Popular DNS names: index 0 is hottest. */
static const char *const DOMAINS[] = {
    "www.google.com",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "www.googleapis.com",
    "graph.microsoft.com",
    "teams.microsoft.com",
    "edgeapi.slack.com",
    "api.github.com",
    "ocsp.digicert.com",
    "s3.amazonaws.com",
    "sts.amazonaws.com",
    "registry-1.docker.io",
    "update.googleapis.com",
    "fonts.gstatic.com",
    "www.gstatic.com",
    "clients4.google.com",
    "safebrowsing.googleapis.com",
    "github.com",
    "objects.githubusercontent.com",
    "api.datadoghq.com",
    "http-intake.logs.datadoghq.com",
    "deb.debian.org",
    "security.debian.org",
    "archive.ubuntu.com",
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "ntp.ubuntu.com",
    "time.cloudflare.com",
    "www.youtube.com",
    "i.ytimg.com",
    "fonts.googleapis.com",
    "zoom.us",
    "api.zoom.us",
    "slack.com",
    "hooks.slack.com",
    "api.stripe.com",
    "js.stripe.com",
    "sentry.io",
    "o450912.ingest.sentry.io",
    "www.office.com",
    "aadcdn.msftauth.net",
    "settings-win.data.microsoft.com",
    "v10.events.data.microsoft.com",
    "ctldl.windowsupdate.com",
    "crl.pki.goog",
    "ocsp.pki.goog",
    "r3.o.lencr.org",
    "acme-v02.api.letsencrypt.org",
    "api.snapcraft.io",
    "packages.microsoft.com",
    "dl.google.com",
    "mtalk.google.com",
    "play.googleapis.com",
    "www.linkedin.com",
    "static.licdn.com",
    "www.facebook.com",
    "connect.facebook.net",
    "login.salesforce.com",
    "api.hubapi.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "ajax.googleapis.com",
    "en.wikipedia.org",
    "www.amazon.com",
    "m.media-amazon.com",
    "www.bing.com",
    "api.openai.com",
    "chatgpt.com",
    "api.spotify.com",
    "www.netflix.com",
    "news.ycombinator.com",
    "www.reddit.com",
    "collector.newrelic.com",
    "api.twilio.com",
    "keyserver.ubuntu.com",
};

static const char *const DNS_TYPES[] = {"A",    "A",    "A",    "A",     "A",     "A",
                                        "AAAA", "AAAA", "AAAA", "HTTPS", "HTTPS", "A",
                                        "AAAA", "TXT",  "MX",   "CNAME", "SOA",   "NS"};
static const char *const DNS_FLAGS[] = {"+",     "+E(0)",  "+E(0)",   "+E(0)K", "+ET",
                                        "-E(0)", "+E(0)D", "+E(0)DC", "-",      "+E(0)K"};
static const char *const DGA_TLDS[] = {"xyz", "top", "info", "biz", "ru", "cc", "club", "online"};

/* /16 prefixes of popular cloud/CDN/SaaS destinations. */
static const uint16_t HOT_PREFIXES[] = {
    (142 << 8) | 250, (172 << 8) | 217, (216 << 8) | 58,  (52 << 8) | 84,   (54 << 8) | 239,
    (3 << 8) | 5,     (13 << 8) | 107,  (20 << 8) | 190,  (40 << 8) | 126,  (104 << 8) | 16,
    (104 << 8) | 18,  (151 << 8) | 101, (199 << 8) | 232, (17 << 8) | 253,  (31 << 8) | 13,
    (157 << 8) | 240, (140 << 8) | 82,  (185 << 8) | 199, (23 << 8) | 32,   (2 << 8) | 16,
    (34 << 8) | 120,  (35 << 8) | 186,  (162 << 8) | 125, (170 << 8) | 114, (44 << 8) | 224,
    (18 << 8) | 66,   (52 << 8) | 95,   (108 << 8) | 138, (8 << 8) | 8,     (1 << 8) | 1,
};

/* /16 prefixes that scanners and brute forcers tend to come from. */
static const uint16_t SCAN_PREFIXES[] = {
    (45 << 8) | 155, (185 << 8) | 220, (193 << 8) | 142, (194 << 8) | 26,  (89 << 8) | 248,
    (141 << 8) | 98, (80 << 8) | 94,   (61 << 8) | 177,  (218 << 8) | 92,  (222 << 8) | 186,
    (112 << 8) | 85, (5 << 8) | 188,   (92 << 8) | 63,   (162 << 8) | 142, (167 << 8) | 94,
    (71 << 8) | 6,   (198 << 8) | 235, (179 << 8) | 43,  (103 << 8) | 145, (36 << 8) | 110,
};

static const uint16_t OUT_PORTS[] = {443, 443, 443,  443,  443,  443, 443,  443,  443, 443, 443,
                                     443, 443, 443,  80,   80,   80,  53,   53,   123, 443, 22,
                                     993, 587, 8443, 5228, 3478, 853, 5223, 9443, 25,  8080};
static const uint16_t SCAN_PORTS[] = {
    22, 23, 3389,  445, 80,   443,  8080, 5900, 1433, 3306,  6379, 9200, 2222, 5060, 8443,
    21, 25, 27017, 161, 7547, 5555, 8000, 8888, 9000, 11211, 1900, 110,  143,  6443, 10250};

/* ------------------------------------------------------------------------ */
/* Tenant model                                                             */

typedef struct {
    char name[24];
    uint32_t ip;
    uint8_t role;
    uint8_t ncont;     /* containers on this host */
    uint32_t pid_base; /* per-host pid offset */
    uint32_t boot;     /* kernel uptime at 00:00 (s) */
} host_t;

typedef struct {
    char name[40];
    uint64_t id_hi, id_lo;
    uint16_t uid;
    uint8_t admin;
    uint8_t role;
    uint8_t geo;
    uint8_t ua;
} user_t;

typedef struct {
    char name[64];
    char domain[96]; /* internal AD/DNS domain */
    char pubdom[80]; /* public domain */
    uint64_t key;
    double weight;
    uint32_t net;    /* 10.X.0.0/16 */
    uint32_t nat_ip; /* public egress address */
    uint32_t dns_ip;
    host_t *hosts;
    uint32_t nhosts;
    uint32_t *apphosts; /* indexes of web/app/k8s-node hosts */
    uint32_t napphosts;
    user_t *users;
    uint32_t nusers;
    uint32_t hot_ext[64];
    uint32_t scanners[48];
    uint32_t clients_ext[96]; /* customers hitting the public apps */
    int fw_vendor;            /* 0 iptables, 1 PAN-OS, 2 ASA */
    char fw_names[2][24];
    uint32_t fw_boot[2];
    uint64_t fw_serial;
    uint8_t services[8];
    uint8_t nservices;
    double shares[5];
    double cdf[1441]; /* diurnal cumulative distribution over minutes */
} tenant_t;

static uint32_t rand_public_ip(rng_t *r)
{
    for (;;) {
        uint32_t ip = (uint32_t)rnext(r);
        unsigned a = ip >> 24, b = (ip >> 16) & 255;
        if (a == 0 || a == 10 || a == 127 || a == 100 || a >= 224 ||
            (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || (a == 169 && b == 254))
            continue;
        return ip;
    }
}

static uint32_t ip_in16(rng_t *r, uint16_t prefix)
{
    return ((uint32_t)prefix << 16) | (rbelow(r, 256) << 8) | rrange(r, 1, 254);
}

static void build_tenant(tenant_t *t, const char *name, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->key = hash_str(seed, name);
    rng_t r = {t->key};

    char slug[64];
    size_t i;
    for (i = 0; name[i] && i < sizeof slug - 1; i++) {
        char c = name[i];
        slug[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (c == '_' ? '-' : c);
    }
    slug[i] = 0;
    switch (rbelow(&r, 4)) {
    case 0:
        snprintf(t->domain, sizeof t->domain, "%s.internal", slug);
        break;
    case 1:
        snprintf(t->domain, sizeof t->domain, "corp.%s.com", slug);
        break;
    case 2:
        snprintf(t->domain, sizeof t->domain, "%s.local", slug);
        break;
    default:
        snprintf(t->domain, sizeof t->domain, "ad.%s.net", slug);
        break;
    }
    snprintf(t->pubdom, sizeof t->pubdom, "%s.com", slug);

    t->weight = exp(1.0 * rnormal(&r));
    t->net = IP4(10, rrange(&r, 16, 250), 0, 0);
    t->nat_ip = rand_public_ip(&r);
    t->dns_ip = t->net | IP4(0, 0, 0, 53);

    /* Servers. */
    double scale = 0.5 + runit(&r) * 1.5;
    uint32_t cap = 0;
    for (i = 0; i < NELEM(HOST_ROLES); i++)
        cap += (uint32_t)(HOST_ROLE_N[i] * scale) + 1;
    t->hosts = calloc(cap, sizeof *t->hosts);
    if (!t->hosts) {
        fprintf(stderr, "loggen: out of memory\n");
        exit(1);
    }
    for (i = 0; i < NELEM(HOST_ROLES); i++) {
        uint32_t n = (uint32_t)(HOST_ROLE_N[i] * scale) + 1;
        for (uint32_t k = 0; k < n; k++) {
            host_t *h = &t->hosts[t->nhosts++];
            snprintf(h->name, sizeof h->name, "%s-%02u", HOST_ROLES[i], k + 1);
            h->ip = t->net | IP4(0, 0, i + 1, 10 + k);
            h->role = (uint8_t)i;
            h->ncont = (uint8_t)(i <= 2 ? rrange(&r, 4, 40) : rrange(&r, 0, 3));
            h->pid_base = rrange(&r, 400, 3000);
            h->boot = 86400 * rrange(&r, 1, 400) + rbelow(&r, 86400);
        }
    }
    /* Shuffle so that hot hosts are a mix of roles. */
    for (uint32_t k = t->nhosts - 1; k > 0; k--) {
        uint32_t j = rbelow(&r, k + 1);
        host_t tmp = t->hosts[k];
        t->hosts[k] = t->hosts[j];
        t->hosts[j] = tmp;
    }

    t->apphosts = calloc(t->nhosts, sizeof *t->apphosts);
    if (!t->apphosts) {
        fprintf(stderr, "loggen: out of memory\n");
        exit(1);
    }
    for (uint32_t k = 0; k < t->nhosts; k++)
        if (t->hosts[k].role <= 2)
            t->apphosts[t->napphosts++] = k;

    /* Users. */
    t->nusers = rrange(&r, 40, 400);
    t->users = calloc(t->nusers, sizeof *t->users);
    if (!t->users) {
        fprintf(stderr, "loggen: out of memory\n");
        exit(1);
    }
    unsigned style = rbelow(&r, 3);
    for (uint32_t k = 0; k < t->nusers; k++) {
        user_t *u = &t->users[k];
        const char *fn = PICK(&r, FIRST_NAMES), *ln = PICK(&r, LAST_NAMES);
        if (style == 0)
            snprintf(u->name, sizeof u->name, "%c%s", fn[0], ln);
        else if (style == 1)
            snprintf(u->name, sizeof u->name, "%s.%s", fn, ln);
        else
            snprintf(u->name, sizeof u->name, "%s%c", ln, fn[0]);
        u->id_hi = rnext(&r);
        u->id_lo = rnext(&r);
        u->uid = (uint16_t)(1001 + k);
        u->admin = k < t->nusers / 10 + 1;
        u->role = (uint8_t)(u->admin ? 2 : rzipf(&r, NELEM(ROLES)));
        u->geo = (uint8_t)rzipf(&r, NELEM(GEOS));
        u->ua = (uint8_t)rzipf(&r, 8);
    }

    for (i = 0; i < NELEM(t->hot_ext); i++)
        t->hot_ext[i] = ip_in16(&r, PICKZ(&r, HOT_PREFIXES));
    for (i = 0; i < NELEM(t->scanners); i++)
        t->scanners[i] =
            rchance(&r, 600) ? ip_in16(&r, PICK(&r, SCAN_PREFIXES)) : rand_public_ip(&r);
    for (i = 0; i < NELEM(t->clients_ext); i++)
        t->clients_ext[i] = rand_public_ip(&r);

    t->fw_vendor = (int)rbelow(&r, 3);
    static const char *const fwfmt[] = {"fw", "pa-fw", "asa"};
    snprintf(t->fw_names[0], sizeof t->fw_names[0], "%s-01", fwfmt[t->fw_vendor]);
    snprintf(t->fw_names[1], sizeof t->fw_names[1], "%s-02", fwfmt[t->fw_vendor]);
    t->fw_serial = 13201000000ULL + rbelow(&r, 999999);
    t->fw_boot[0] = 86400 * rrange(&r, 1, 400) + rbelow(&r, 86400);
    t->fw_boot[1] = 86400 * rrange(&r, 1, 400) + rbelow(&r, 86400);

    t->nservices = (uint8_t)rrange(&r, 3, 8);
    for (i = 0; i < t->nservices; i++)
        t->services[i] = (uint8_t)rbelow(&r, NELEM(SERVICES));

    /* File kind shares: fw, app, dns, messages, auth. */
    static const double base_share[5] = {0.40, 0.25, 0.15, 0.13, 0.07};
    double sum = 0;
    for (i = 0; i < 5; i++) {
        t->shares[i] = base_share[i] * exp(0.3 * rnormal(&r));
        sum += t->shares[i];
    }
    for (i = 0; i < 5; i++)
        t->shares[i] /= sum;

    /* Diurnal profile: a business-hours bump (in the tenant's time zone),
     * a nightly backup/batch bump, hourly cron spikes and minute noise. */
    double peak = 13.0 + (runit(&r) - 0.5) * 10.0, width = 3.0 + runit(&r) * 2.0;
    double night = 0.15 + runit(&r) * 0.3, batch_h = rrange(&r, 1, 4);
    t->cdf[0] = 0;
    for (uint32_t m = 0; m < 1440; m++) {
        double h = m / 60.0, d = fabs(h - peak);
        if (d > 12)
            d = 24 - d;
        double w = night + exp(-(d * d) / (2 * width * width));
        double db = fabs(h - batch_h);
        w += 0.3 * exp(-(db * db) / 0.5);
        if (m % 60 < 2)
            w *= 1.6;
        w *= 0.85 + 0.3 * runit(&r);
        t->cdf[m + 1] = t->cdf[m] + w;
    }
    for (uint32_t m = 1; m <= 1440; m++)
        t->cdf[m] /= t->cdf[1440];
    t->cdf[1440] = 1.0;
}

/* ------------------------------------------------------------------------ */
/* Dates                                                                    */

static struct {
    int y, m, d;
    int64_t epoch; /* 00:00:00 UTC of the date */
    char iso[11];  /* 2026-11-23 */
    char sys[8];   /* "Nov 23 " (day space-padded) */
    char pan[11];  /* 2026/11/23 */
    char bind[12]; /* 23-Nov-2026 */
    char klog[5];  /* 1123 */
} D;

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    D.y = y;
    D.m = m;
    D.d = d;
    D.epoch = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
    memcpy(D.iso, s, 11);
    /* Built by hand: y is 4 digits, m and d 2 (checked above). */
    const char *mon = MONTHS[m - 1];
    memcpy(D.sys, mon, 3);
    D.sys[3] = ' ';
    D.sys[4] = d < 10 ? ' ' : (char)('0' + d / 10);
    D.sys[5] = (char)('0' + d % 10);
    D.sys[6] = ' ';
    D.sys[7] = 0;
    memcpy(D.pan, s, 10);
    D.pan[4] = D.pan[7] = '/';
    D.pan[10] = 0;
    memcpy(D.bind, s + 8, 2);
    D.bind[2] = '-';
    memcpy(D.bind + 3, mon, 3);
    D.bind[6] = '-';
    memcpy(D.bind + 7, s, 4);
    D.bind[11] = 0;
    memcpy(D.klog, s + 5, 2);
    memcpy(D.klog + 2, s + 8, 2);
    D.klog[4] = 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static struct {
    uint64_t files, bytes, dirs;
} STATS;

static char *g_obuf;

typedef struct {
    char **v;
    size_t n, cap;
} strvec_t;

static strvec_t g_dirs; /* directories to stamp at the end */

static _Noreturn void die_io(const char *op, const char *path)
{
    fprintf(stderr, "loggen: %s %s: %s\n", op, path, strerror(errno));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "loggen: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static void write_all(int fd, const char *buf, size_t len, const char *path)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die_io("write", path);
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Remember a directory so that its mtime can be fixed once all files are
 * written (creating entries changes it). Order does not matter. */
static void note_dir(const char *path)
{
    if (g_dirs.n && strcmp(g_dirs.v[g_dirs.n - 1], path) == 0)
        return;
    if (g_dirs.n == g_dirs.cap) {
        g_dirs.cap = g_dirs.cap ? g_dirs.cap * 2 : 64;
        g_dirs.v = realloc(g_dirs.v, g_dirs.cap * sizeof *g_dirs.v);
        if (!g_dirs.v) {
            fprintf(stderr, "loggen: out of memory\n");
            exit(1);
        }
    }
    g_dirs.v[g_dirs.n++] = xstrdup(path);
}

/* mkdir -p (new directories get mode 0755); every component is remembered. */
static void mkdirs(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        die_io("mkdir", path);
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != 0)
            continue;
        char save = tmp[i];
        tmp[i] = 0;
        if (mkdir(tmp, 0755) == 0) {
            if (chmod(tmp, 0755) != 0)
                die_io("chmod", tmp);
            STATS.dirs++;
        } else if (errno != EEXIST) {
            die_io("mkdir", tmp);
        } else {
            struct stat st;
            if (stat(tmp, &st) != 0)
                die_io("stat", tmp);
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                die_io("mkdir", tmp);
            }
        }
        note_dir(tmp);
        tmp[i] = save;
    }
}

#define PATH_CAP 4096

/* dst = a "/" b, or die with ENAMETOOLONG. */
static void join(char *dst, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na + 1 + nb >= PATH_CAP) {
        errno = ENAMETOOLONG;
        die_io("path", a);
    }
    memmove(dst, a, na);
    dst[na] = '/';
    memcpy(dst + na + 1, b, nb + 1);
}

static void set_mtime_path(const char *path, int64_t t)
{
    struct timespec ts[2] = {{(time_t)t, 0}, {(time_t)t, 0}};
    if (utimensat(AT_FDCWD, path, ts, 0) != 0)
        die_io("utimensat", path);
}

/* ------------------------------------------------------------------------ */
/* Per-file generator state                                                 */

typedef struct {
    uint32_t id, src, dst;
    uint16_t sport, dport, xport;
    uint8_t udp, used;
} conn_t;

typedef struct {
    rng_t r;
    const tenant_t *t;
    uint32_t tod_ms;  /* current time of day */
    uint32_t hms_sec; /* second cached in hms */
    char hms[8];
    uint32_t t0, t1; /* time range for hourly files (ms) */
    int daily;
    uint32_t minute; /* cursor into t->cdf */
    uint64_t seq;    /* session / connection counters */
    conn_t ring[64]; /* open ASA connections */
} gen_t;

static void gen_init(gen_t *g, const tenant_t *t, uint64_t key, int hour)
{
    memset(g, 0, sizeof *g);
    g->r.s = key;
    g->t = t;
    g->hms_sec = UINT32_MAX;
    if (hour < 0) {
        g->daily = 1;
    } else {
        g->t0 = (uint32_t)hour * 3600000u;
        g->t1 = g->t0 + 3600000u;
        g->tod_ms = g->t0;
    }
    /* Counters grow through the day across hourly files. */
    g->seq = 1000 + (key >> 40) % 50000 + (hour > 0 ? (uint64_t)hour * 250000 : 0);
}

/* Advance the clock to fraction f of this file's time span. */
static inline void gen_clock(gen_t *g, double f)
{
    uint32_t ms;
    if (g->daily) {
        const double *c = g->t->cdf;
        while (g->minute < 1439 && c[g->minute + 1] <= f)
            g->minute++;
        double lo = c[g->minute], hi = c[g->minute + 1];
        double x = hi > lo ? (f - lo) / (hi - lo) : 0;
        if (x < 0)
            x = 0;
        if (x > 0.99999)
            x = 0.99999;
        ms = g->minute * 60000u + (uint32_t)(x * 60000.0);
    } else {
        ms = g->t0 + (uint32_t)(f * (double)(g->t1 - g->t0));
        if (ms >= g->t1)
            ms = g->t1 - 1;
    }
    if (ms >= 86400000u)
        ms = 86399999u;
    if (ms > g->tod_ms)
        g->tod_ms = ms;
    uint32_t s = g->tod_ms / 1000;
    if (s != g->hms_sec) {
        g->hms_sec = s;
        put_hms(g->hms, s);
    }
}

static inline char *put_time(char *p, const gen_t *g)
{
    memcpy(p, g->hms, 8);
    return p + 8;
}

static inline char *put_msec(char *p, const gen_t *g)
{
    *p++ = '.';
    return put_u3(p, g->tod_ms % 1000);
}

/* "Nov 23 03:14:15 host prog[pid]: " */
static inline char *put_syslog(char *p, const gen_t *g, const char *host, const char *prog,
                               uint64_t pid)
{
    memcpy(p, D.sys, 7);
    p = put_time(p + 7, g);
    *p++ = ' ';
    p = put_s(p, host);
    *p++ = ' ';
    p = put_s(p, prog);
    if (pid) {
        *p++ = '[';
        p = put_u(p, pid);
        *p++ = ']';
    }
    *p++ = ':';
    *p++ = ' ';
    return p;
}

/* "2026-11-23T03:14:15.123Z" */
static inline char *put_iso(char *p, const gen_t *g)
{
    memcpy(p, D.iso, 10);
    p[10] = 'T';
    p = put_time(p + 11, g);
    p = put_msec(p, g);
    *p++ = 'Z';
    return p;
}

static inline const host_t *pick_host(gen_t *g)
{
    return &g->t->hosts[rzipf(&g->r, g->t->nhosts)];
}

static inline const user_t *pick_user(gen_t *g)
{
    return &g->t->users[rzipf(&g->r, g->t->nusers)];
}

static inline const user_t *pick_admin(gen_t *g)
{
    uint32_t na = g->t->nusers / 10 + 1;
    return &g->t->users[rzipf(&g->r, na)];
}

static inline uint32_t workstation_ip(gen_t *g)
{
    /* DHCP pool with a stable-ish population: hot desks and a tail. */
    uint32_t k = rzipf(&g->r, 4096);
    uint64_t h = hash_u(g->t->key, k);
    return g->t->net | IP4(0, 0, 100 + (h % 32), 2 + (h >> 8) % 250);
}

static inline uint32_t internal_ip(gen_t *g)
{
    return rchance(&g->r, 550) ? pick_host(g)->ip : workstation_ip(g);
}

static inline uint32_t external_ip(gen_t *g)
{
    if (rchance(&g->r, 720))
        return g->t->hot_ext[rzipf(&g->r, NELEM(g->t->hot_ext))];
    return rand_public_ip(&g->r);
}

static inline uint32_t scanner_ip(gen_t *g)
{
    if (rchance(&g->r, 650))
        return g->t->scanners[rzipf(&g->r, NELEM(g->t->scanners))];
    return rand_public_ip(&g->r);
}

static inline uint32_t client_ip(gen_t *g)
{
    if (rchance(&g->r, 700))
        return g->t->clients_ext[rzipf(&g->r, NELEM(g->t->clients_ext))];
    return rand_public_ip(&g->r);
}

static inline uint16_t eph_port(gen_t *g)
{
    return (uint16_t)rrange(&g->r, 32768, 60999);
}

/* ------------------------------------------------------------------------ */
/* Firewall                                                                  */

typedef struct {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto; /* 6 tcp, 17 udp, 1 icmp */
    uint8_t allow;
    uint8_t inbound;
} flow_t;

static void make_flow(gen_t *g, flow_t *f)
{
    rng_t *r = &g->r;
    uint32_t k = rbelow(r, 1000);
    memset(f, 0, sizeof *f);
    if (k < 690) { /* outbound */
        f->src = internal_ip(g);
        f->dport = PICK(r, OUT_PORTS);
        f->dst = f->dport == 53 && rchance(r, 600)
                     ? (rchance(r, 500) ? IP4(8, 8, 8, 8) : IP4(1, 1, 1, 1))
                     : external_ip(g);
        f->sport = eph_port(g);
        f->proto = (f->dport == 53 || f->dport == 123 || f->dport == 3478 ||
                    (f->dport == 443 && rchance(r, 80)))
                       ? 17
                       : 6;
        f->allow = !rchance(r, 25);
    } else if (k < 760) { /* internal east-west */
        f->src = internal_ip(g);
        f->dst = pick_host(g)->ip;
        static const uint16_t ew[] = {443, 5432, 6379, 389, 636, 88, 445, 53, 9200, 8080, 22, 3306};
        f->dport = PICKZ(r, ew);
        f->sport = eph_port(g);
        f->proto = f->dport == 53 ? 17 : 6;
        f->allow = !rchance(r, 40);
    } else if (k < 860) { /* inbound to public services */
        f->src = client_ip(g);
        f->dst = g->t->nat_ip;
        f->dport = rchance(r, 850) ? 443 : (rchance(r, 500) ? 80 : 1194);
        f->sport = (uint16_t)rrange(r, 1024, 65535);
        f->proto = f->dport == 1194 ? 17 : 6;
        f->allow = !rchance(r, 15);
        f->inbound = 1;
    } else if (k < 985) { /* scans */
        f->src = scanner_ip(g);
        f->dst = g->t->nat_ip + (rchance(r, 700) ? 0 : rbelow(r, 8));
        f->dport = PICKZ(r, SCAN_PORTS);
        f->sport = (uint16_t)rrange(r, 1024, 65535);
        f->proto = rchance(r, 900) ? 6 : 17;
        f->allow = 0;
        f->inbound = 1;
    } else { /* icmp */
        f->src = rchance(r, 500) ? internal_ip(g) : scanner_ip(g);
        f->dst = rchance(r, 500) ? external_ip(g) : g->t->nat_ip;
        f->proto = 1;
        f->allow = rchance(r, 500);
        f->inbound = (f->dst == g->t->nat_ip);
    }
}

static const char *pan_app(gen_t *g, const flow_t *f)
{
    static const char *const tls_apps[] = {
        "ssl",        "ssl",         "ssl",  "google-base",        "ms-office365-base",
        "slack-base", "github-base", "zoom", "amazon-aws-console", "web-browsing",
        "quic"};
    switch (f->dport) {
    case 443:
    case 8443:
    case 9443:
        return f->proto == 17 ? "quic" : PICKZ(&g->r, tls_apps);
    case 80:
    case 8080:
        return "web-browsing";
    case 53:
        return "dns-base";
    case 853:
        return "dns-over-tls";
    case 123:
        return "ntp";
    case 22:
        return "ssh";
    case 25:
    case 587:
        return "smtp-base";
    case 993:
        return "imaps";
    case 3389:
        return "ms-rdp";
    case 445:
        return "ms-ds-smb-base";
    case 5432:
        return "postgres";
    case 389:
    case 636:
        return "ldap";
    case 88:
        return "kerberos";
    case 1194:
        return "openvpn";
    default:
        return f->allow ? "incomplete" : "not-applicable";
    }
}

static char *gen_fw_iptables(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    flow_t f;
    make_flow(g, &f);
    int fi = rchance(r, 200);
    const char *fw = g->t->fw_names[fi];
    p = put_syslog(p, g, fw, "kernel", 0);
    uint64_t up = g->t->fw_boot[fi] + g->tod_ms / 1000;
    *p++ = '[';
    p = put_u(p, up);
    *p++ = '.';
    p = put_u6(p, (g->tod_ms % 1000) * 1000 + rbelow(r, 1000));
    p = put_s(p, "] ");
    p = put_s(p, f.allow ? (f.inbound ? "FW-IN-ACCEPT " : "FW-OUT-ACCEPT ")
                         : (f.inbound ? "FW-IN-DROP " : "FW-OUT-REJECT "));
    p = put_s(p, f.inbound ? "IN=eth0 OUT=eth1 " : "IN=eth1 OUT=eth0 ");
    p = put_s(p, f.inbound ? "MAC=00:50:56:a3:1c:07:3c:fd:fe:9e:52:10:08:00 "
                           : "MAC=00:50:56:a3:1c:08:00:50:56:b1:7e:42:08:00 ");
    p = put_s(p, "SRC=");
    p = put_ip(p, f.src);
    p = put_s(p, " DST=");
    p = put_ip(p, f.dst);
    p = put_s(p, " LEN=");
    p = put_u(p, f.proto == 6 ? (rchance(r, 700) ? 60 : rrange(r, 40, 1500)) : rrange(r, 28, 512));
    p = put_s(p, " TOS=0x00 PREC=0x00 TTL=");
    p = put_u(p, f.inbound ? rrange(r, 40, 120) : 63);
    p = put_s(p, " ID=");
    p = put_u(p, rbelow(r, 65536));
    if (f.proto == 6) {
        p = put_s(p, " DF PROTO=TCP SPT=");
        p = put_u(p, f.sport);
        p = put_s(p, " DPT=");
        p = put_u(p, f.dport);
        p = put_s(p, " WINDOW=");
        p = put_u(p, rchance(r, 600) ? 64240 : (rchance(r, 500) ? 29200 : 1024));
        p = put_s(p, " RES=0x00 SYN URGP=0\n");
    } else if (f.proto == 17) {
        p = put_s(p, " PROTO=UDP SPT=");
        p = put_u(p, f.sport);
        p = put_s(p, " DPT=");
        p = put_u(p, f.dport);
        p = put_s(p, " LEN=");
        p = put_u(p, rrange(r, 20, 512));
        *p++ = '\n';
    } else {
        p = put_s(p, " PROTO=ICMP TYPE=8 CODE=0 ID=");
        p = put_u(p, rbelow(r, 65536));
        p = put_s(p, " SEQ=");
        p = put_u(p, rrange(r, 1, 20));
        *p++ = '\n';
    }
    return p;
}

static char *gen_fw_pan(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    flow_t f;
    make_flow(g, &f);
    const tenant_t *t = g->t;
    const char *fw = t->fw_names[rchance(r, 200)];
    int is_threat = !f.allow && f.inbound && rchance(r, 60);
    p = put_syslog(p, g, fw, "", 0);
    p -= 3; /* no program tag: "host 1,..." */
    *p++ = ' ';
    p = put_s(p, "1,");
    p = put_s(p, D.pan);
    *p++ = ' ';
    p = put_time(p, g);
    *p++ = ',';
    *p++ = '0';
    p = put_u(p, t->fw_serial);
    p = put_s(p, is_threat ? ",THREAT,vulnerability," : ",TRAFFIC,");
    if (!is_threat)
        p = put_s(p, f.allow ? (rchance(r, 850) ? "end," : "start,") : "drop,");
    p = put_u(p, 2560 + rbelow(r, 4));
    *p++ = ',';
    p = put_s(p, D.pan);
    *p++ = ' ';
    p = put_time(p, g);
    *p++ = ',';
    p = put_ip(p, f.src);
    *p++ = ',';
    p = put_ip(p, f.dst);
    *p++ = ',';
    if (!f.inbound && f.allow) {
        p = put_ip(p, t->nat_ip);
        *p++ = ',';
        p = put_ip(p, f.dst);
    } else {
        p = put_s(p, "0.0.0.0,0.0.0.0");
    }
    *p++ = ',';
    static const char *const out_rules[] = {"allow-web-out", "allow-saas", "allow-dns", "allow-ntp",
                                            "allow-infra"};
    static const char *const in_rules[] = {"allow-public-web", "allow-vpn"};
    p = put_s(p, f.allow ? (f.inbound ? PICK(r, in_rules) : PICKZ(r, out_rules))
                         : (f.inbound ? "deny-all-inbound" : "block-malicious-dst"));
    *p++ = ',';
    if (!f.inbound && rchance(r, 450)) {
        p = put_s(p, t->name);
        *p++ = '\\';
        p = put_s(p, pick_user(g)->name);
    }
    p = put_s(p, ",,");
    p = put_s(p, pan_app(g, &f));
    p = put_s(p, ",vsys1,");
    p = put_s(p, f.inbound ? "untrust,trust" : "trust,untrust");
    p = put_s(p, f.inbound ? ",ethernet1/1,ethernet1/2,Log-To-SIEM,"
                           : ",ethernet1/2,ethernet1/1,Log-To-SIEM,");
    p = put_s(p, D.pan);
    *p++ = ' ';
    p = put_time(p, g);
    *p++ = ',';
    p = put_u(p, 100000 + (g->seq++ % 900000));
    p = put_s(p, ",1,");
    p = put_u(p, f.sport);
    *p++ = ',';
    p = put_u(p, f.dport);
    *p++ = ',';
    if (!f.inbound && f.allow) {
        p = put_u(p, eph_port(g));
        *p++ = ',';
        p = put_u(p, f.dport);
    } else {
        p = put_s(p, "0,0");
    }
    p = put_s(p, ",0x400019,");
    p = put_s(p, f.proto == 6 ? "tcp," : (f.proto == 17 ? "udp," : "icmp,"));
    if (is_threat) {
        static const char *const threats[] = {
            "Microsoft Windows RDP Brute Force Attempt(40021)",
            "SSH2 Login Attempt(31914)",
            "HTTP Directory Traversal Vulnerability(30844)",
            "Apache Log4j Remote Code Execution Vulnerability(91991)",
            "SIPVicious Scanner Detection(34583)",
            "Generic HTTP Cross Site Scripting Attempt(31476)",
        };
        p = put_s(p, "reset-both,\"\",");
        p = put_s(p, PICKZ(r, threats));
        p = put_s(p, ",any,high,client-to-server,");
    } else {
        p = put_s(p, f.allow ? "allow," : (rchance(r, 800) ? "drop," : "reset-both,"));
    }
    uint64_t sent = f.allow ? (uint64_t)exp(6.5 + 1.6 * rnormal(r)) : rrange(r, 60, 80);
    uint64_t rcvd = f.allow ? (uint64_t)exp(7.5 + 2.0 * rnormal(r)) : 0;
    p = put_u(p, sent + rcvd);
    *p++ = ',';
    p = put_u(p, sent);
    *p++ = ',';
    p = put_u(p, rcvd);
    *p++ = ',';
    p = put_u(p, f.allow ? 2 + (sent + rcvd) / 900 : 1);
    *p++ = ',';
    uint32_t elapsed = f.allow ? (uint32_t)exp(1.5 + 1.5 * rnormal(r)) : 0;
    uint32_t now = g->tod_ms / 1000;
    p = put_s(p, D.pan);
    *p++ = ' ';
    p = put_hms(p, now > elapsed ? now - elapsed : 0);
    *p++ = ',';
    p = put_u(p, elapsed);
    p = put_s(p, f.allow ? ",computer-and-internet-info,0," : ",any,0,");
    p = put_u(p, 7000000000000000000ULL + (rnext(r) >> 8));
    p = put_s(p, ",0x8000000000000000,");
    p = put_s(p, f.inbound ? GEOS[(f.src >> 3) % NELEM(GEOS)].cc : "10.0.0.0-10.255.255.255");
    *p++ = ',';
    p = put_s(p, f.inbound ? "10.0.0.0-10.255.255.255" : GEOS[(f.dst >> 5) % 4].cc);
    p = put_s(p, ",0,");
    p = put_u(p, f.allow ? 1 + (sent + rcvd) / 1400 : 1);
    *p++ = ',';
    p = put_u(p, f.allow ? 1 + rcvd / 1400 : 0);
    *p++ = ',';
    static const char *const reasons[] = {
        "tcp-fin", "tcp-fin", "tcp-rst-from-server", "aged-out", "tcp-rst-from-client", "n/a"};
    p = put_s(p, f.allow ? (f.proto == 6 ? PICKZ(r, reasons) : "aged-out") : "policy-deny");
    p = put_s(p, ",0,0,0,0,,");
    p = put_s(p, fw);
    p = put_s(p, ",from-policy,,,0,,0,,N/A,0,0,0,0\n");
    return p;
}

static char *asa_endpoint(char *p, const char *zone, uint32_t ip, uint16_t port)
{
    p = put_s(p, zone);
    *p++ = ':';
    p = put_ip(p, ip);
    *p++ = '/';
    return put_u(p, port);
}

static char *gen_fw_asa(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const tenant_t *t = g->t;
    const char *fw = t->fw_names[rchance(r, 200)];
    p = put_syslog(p, g, fw, "", 0);
    p -= 3;
    *p++ = ' ';
    *p++ = ':';
    *p++ = ' ';
    uint32_t k = rbelow(r, 1000);
    conn_t *c = &g->ring[rbelow(r, NELEM(g->ring))];
    if (k < 420 && c->used) { /* teardown of an earlier connection */
        p = put_s(p, c->udp ? "%ASA-6-302016: Teardown UDP connection "
                            : "%ASA-6-302014: Teardown TCP connection ");
        p = put_u(p, c->id);
        p = put_s(p, " for ");
        p = asa_endpoint(p, "outside", c->dst, c->dport);
        p = put_s(p, " to ");
        p = asa_endpoint(p, "inside", c->src, c->sport);
        p = put_s(p, " duration ");
        uint32_t d = c->udp ? rrange(r, 0, 120) : (uint32_t)exp(2.0 + 1.5 * rnormal(r));
        p = put_u(p, d / 3600);
        *p++ = ':';
        p = put_u2(p, d / 60 % 60);
        *p++ = ':';
        p = put_u2(p, d % 60);
        p = put_s(p, " bytes ");
        p = put_u(p, (uint64_t)exp(7.0 + 2.0 * rnormal(r)));
        if (!c->udp) {
            static const char *const why[] = {" TCP FINs",    " TCP FINs",     " TCP Reset-O",
                                              " TCP Reset-I", " Conn-timeout", " SYN Timeout"};
            p = put_s(p, PICKZ(r, why));
            p = put_s(p, rchance(r, 500) ? " from inside" : " from outside");
        }
        *p++ = '\n';
        c->used = 0;
        return p;
    }
    flow_t f;
    make_flow(g, &f);
    if (f.allow && !f.inbound && f.proto != 1) {
        if (rchance(r, 150)) {
            p = put_s(p, f.proto == 6 ? "%ASA-6-305011: Built dynamic TCP translation from "
                                      : "%ASA-6-305011: Built dynamic UDP translation from ");
            p = asa_endpoint(p, "inside", f.src, f.sport);
            p = put_s(p, " to ");
            p = asa_endpoint(p, "outside", t->nat_ip, eph_port(g));
            *p++ = '\n';
            return p;
        }
        c->id = (uint32_t)(g->seq++ & 0x7fffffff);
        c->src = f.src;
        c->dst = f.dst;
        c->sport = f.sport;
        c->dport = f.dport;
        c->xport = eph_port(g);
        c->udp = f.proto == 17;
        c->used = 1;
        p = put_s(p, c->udp ? "%ASA-6-302015: Built outbound UDP connection "
                            : "%ASA-6-302013: Built outbound TCP connection ");
        p = put_u(p, c->id);
        p = put_s(p, " for ");
        p = asa_endpoint(p, "outside", f.dst, f.dport);
        p = put_s(p, " (");
        p = put_ip(p, f.dst);
        *p++ = '/';
        p = put_u(p, f.dport);
        p = put_s(p, ") to ");
        p = asa_endpoint(p, "inside", f.src, f.sport);
        p = put_s(p, " (");
        p = put_ip(p, t->nat_ip);
        *p++ = '/';
        p = put_u(p, c->xport);
        p = put_s(p, ")\n");
        return p;
    }
    if (f.allow && f.inbound && f.proto == 6) {
        p = put_s(p, "%ASA-6-302013: Built inbound TCP connection ");
        p = put_u(p, (uint32_t)(g->seq++ & 0x7fffffff));
        p = put_s(p, " for ");
        p = asa_endpoint(p, "outside", f.src, f.sport);
        p = put_s(p, " (");
        p = put_ip(p, f.src);
        *p++ = '/';
        p = put_u(p, f.sport);
        p = put_s(p, ") to ");
        p = asa_endpoint(p, "dmz", t->hosts[0].ip, f.dport);
        p = put_s(p, " (");
        p = put_ip(p, t->nat_ip);
        *p++ = '/';
        p = put_u(p, f.dport);
        p = put_s(p, ")\n");
        return p;
    }
    if (f.proto == 1) {
        p = put_s(p, "%ASA-3-313001: Denied ICMP type=8, code=0 from ");
        p = put_ip(p, f.src);
        p = put_s(p, " on interface outside\n");
        return p;
    }
    if (f.inbound && rchance(r, 300)) {
        p = put_s(p, "%ASA-2-106001: Inbound TCP connection denied from ");
        p = put_ip(p, f.src);
        *p++ = '/';
        p = put_u(p, f.sport);
        p = put_s(p, " to ");
        p = put_ip(p, f.dst);
        *p++ = '/';
        p = put_u(p, f.dport);
        p = put_s(p, " flags SYN  on interface outside\n");
        return p;
    }
    if (rchance(r, 4)) {
        p = put_s(p, "%ASA-5-111008: User '");
        p = put_s(p, pick_admin(g)->name);
        static const char *const cmds[] = {"show running-config", "write memory", "show conn count",
                                           "clear xlate", "show access-list outside_access_in"};
        p = put_s(p, "' executed the '");
        p = put_s(p, PICK(r, cmds));
        p = put_s(p, "' command.\n");
        return p;
    }
    p = put_s(p, "%ASA-4-106023: Deny ");
    p = put_s(p, f.proto == 6 ? "tcp" : "udp");
    p = put_s(p, " src ");
    p = asa_endpoint(p, f.inbound ? "outside" : "inside", f.src, f.sport);
    p = put_s(p, " dst ");
    p = asa_endpoint(p, f.inbound ? "inside" : "outside", f.dst, f.dport);
    p = put_s(p, f.inbound ? " by access-group \"outside_access_in\" [0x0, 0x0]\n"
                           : " by access-group \"inside_access_out\" [0x5f1e7a2c, 0x0]\n");
    return p;
}

static char *gen_fw(gen_t *g, char *p)
{
    switch (g->t->fw_vendor) {
    case 0:
        return gen_fw_iptables(g, p);
    case 1:
        return gen_fw_pan(g, p);
    default:
        return gen_fw_asa(g, p);
    }
}

/* ------------------------------------------------------------------------ */
/* syslog: auth.log                                                          */

static char *put_sha256_fp(char *p, uint64_t seed)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    p = put_s(p, "SHA256:");
    uint64_t h = seed;
    for (int i = 0; i < 43; i++) {
        if (i % 10 == 0)
            h = mix64(h + (uint64_t)i);
        *p++ = b64[h & 63];
        h >>= 6;
    }
    return p;
}

static char *gen_auth(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const host_t *h = pick_host(g);
    uint32_t k = rbelow(r, 1000);
    uint64_t pid = rrange(r, 1200, 4190000);
    if (k < 240) { /* cron sessions */
        p = put_syslog(p, g, h->name, "CRON", pid);
        p = put_s(p, "pam_unix(cron:session): session ");
        p = put_s(p, rchance(r, 500) ? "opened for user root(uid=0) by (uid=0)\n"
                                     : "closed for user root\n");
    } else if (k < 520) { /* brute force */
        uint32_t ip = scanner_ip(g);
        const char *u = PICKZ(r, SCAN_USERS);
        uint16_t port = (uint16_t)rrange(r, 1024, 65535);
        uint32_t v = rbelow(r, 7);
        p = put_syslog(p, g, h->name, "sshd", pid);
        switch (v) {
        case 0:
            p = put_s(p, "Invalid user ");
            p = put_s(p, u);
            p = put_s(p, " from ");
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            break;
        case 1:
        case 2:
            p = put_s(p, "Failed password for ");
            if (strcmp(u, "root") != 0)
                p = put_s(p, "invalid user ");
            p = put_s(p, u);
            p = put_s(p, " from ");
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, " ssh2");
            break;
        case 3:
            p = put_s(p, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                         "tty=ssh ruser= rhost=");
            p = put_ip(p, ip);
            if (strcmp(u, "root") == 0)
                p = put_s(p, "  user=root");
            break;
        case 4:
            p = put_s(p, "Connection closed by invalid user ");
            p = put_s(p, u);
            *p++ = ' ';
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, " [preauth]");
            break;
        case 5:
            p = put_s(p, "Received disconnect from ");
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, ":11: Bye Bye [preauth]");
            break;
        default:
            p = put_s(p, "Disconnected from authenticating user ");
            p = put_s(p, u);
            *p++ = ' ';
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, " [preauth]");
            break;
        }
        *p++ = '\n';
    } else if (k < 700) { /* legitimate ssh */
        int svc = rchance(r, 350);
        const user_t *u = pick_admin(g);
        const char *name = svc ? PICKZ(r, SERVICE_ACCOUNTS) : u->name;
        uint32_t uid = svc ? 990 + (uint32_t)(hash_str(0, name) % 9) : u->uid;
        uint32_t ip = svc ? g->t->hosts[0].ip : workstation_ip(g);
        uint16_t port = eph_port(g);
        p = put_syslog(p, g, h->name, "sshd", pid);
        switch (rbelow(r, 5)) {
        case 0:
            p = put_s(p, "Accepted publickey for ");
            p = put_s(p, name);
            p = put_s(p, " from ");
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, " ssh2: ED25519 ");
            p = put_sha256_fp(p, hash_str(g->t->key, name));
            break;
        case 1:
            p = put_s(p, "pam_unix(sshd:session): session opened for user ");
            p = put_s(p, name);
            *p++ = '(';
            p = put_s(p, "uid=");
            p = put_u(p, uid);
            p = put_s(p, ") by (uid=0)");
            break;
        case 2:
            p = put_s(p, "Received disconnect from ");
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            p = put_s(p, ":11: disconnected by user");
            break;
        case 3:
            p = put_s(p, "Disconnected from user ");
            p = put_s(p, name);
            *p++ = ' ';
            p = put_ip(p, ip);
            p = put_s(p, " port ");
            p = put_u(p, port);
            break;
        default:
            p = put_s(p, "pam_unix(sshd:session): session closed for user ");
            p = put_s(p, name);
            break;
        }
        *p++ = '\n';
    } else if (k < 830) { /* sudo */
        const user_t *u = pick_admin(g);
        p = put_syslog(p, g, h->name, "sudo", 0);
        uint32_t v = rbelow(r, 100);
        if (v < 45) {
            p = put_s(p, "  ");
            p = put_s(p, u->name);
            p = put_s(p, v < 2 ? " : 3 incorrect password attempts ; TTY=pts/" : " : TTY=pts/");
            p = put_u(p, rzipf(r, 6));
            p = put_s(p, " ; PWD=/home/");
            p = put_s(p, u->name);
            p = put_s(p, " ; USER=root ; COMMAND=");
            p = put_s(p, PICKZ(r, SUDO_CMDS));
        } else if (v < 75) {
            p = put_s(p, "pam_unix(sudo:session): session opened for user root(uid=0) by ");
            p = put_s(p, u->name);
            p = put_s(p, "(uid=");
            p = put_u(p, u->uid);
            *p++ = ')';
        } else {
            p = put_s(p, "pam_unix(sudo:session): session closed for user root");
        }
        *p++ = '\n';
    } else if (k < 960) { /* logind */
        p = put_syslog(p, g, h->name, "systemd-logind", h->pid_base + 12);
        uint64_t sess = g->seq + rbelow(r, 20);
        g->seq += rchance(r, 300);
        switch (rbelow(r, 3)) {
        case 0:
            p = put_s(p, "New session ");
            p = put_u(p, sess);
            p = put_s(p, " of user ");
            p = put_s(p, rchance(r, 400) ? "root" : pick_admin(g)->name);
            p = put_s(p, ".\n");
            break;
        case 1:
            p = put_s(p, "Session ");
            p = put_u(p, sess);
            p = put_s(p, " logged out. Waiting for processes to exit.\n");
            break;
        default:
            p = put_s(p, "Removed session ");
            p = put_u(p, sess);
            p = put_s(p, ".\n");
            break;
        }
    } else { /* misc */
        const user_t *u = pick_admin(g);
        switch (rbelow(r, 4)) {
        case 0:
            p = put_syslog(p, g, h->name, "su", pid);
            p = put_s(p, "(to postgres) ");
            p = put_s(p, u->name);
            p = put_s(p, " on pts/");
            p = put_u(p, rzipf(r, 6));
            *p++ = '\n';
            break;
        case 1:
            p = put_syslog(p, g, h->name, "polkitd", h->pid_base + 7);
            p = put_s(p, "Registered Authentication Agent for unix-process:");
            p = put_u(p, pid);
            p = put_s(p, ":");
            p = put_u(p, 1000000 + rbelow(r, 9000000));
            p = put_s(p, " (system bus name :1.");
            p = put_u(p, rrange(r, 100, 9000));
            p = put_s(p, " [/usr/bin/pkttyagent --notify-fd 5 --fallback], object path "
                         "/org/freedesktop/PolicyKit1/AuthenticationAgent, locale en_US.UTF-8)\n");
            break;
        case 2:
            p = put_syslog(p, g, h->name, "sshd", pid);
            p = put_s(p, "error: kex_exchange_identification: Connection closed by remote host\n");
            break;
        default:
            p = put_syslog(p, g, h->name, "sshd", pid);
            p = put_s(p, "Unable to negotiate with ");
            p = put_ip(p, scanner_ip(g));
            p = put_s(p, " port ");
            p = put_u(p, rrange(r, 1024, 65535));
            p = put_s(p, ": no matching key exchange method found. Their offer: "
                         "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
                         "diffie-hellman-group1-sha1 [preauth]\n");
            break;
        }
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* syslog: messages                                                          */

static char *put_pod(char *p, const tenant_t *t, uint64_t h)
{
    p = put_s(p, SERVICES[t->services[h % t->nservices]]);
    *p++ = '-';
    p = put_hex(p, (h >> 8) & 0xfffffffffULL, 9);
    *p++ = '-';
    static const char an[] = "bcdfghjklmnpqrstvwxz2456789";
    uint64_t x = mix64(h);
    for (int i = 0; i < 5; i++) {
        *p++ = an[x % 27];
        x /= 27;
    }
    return p;
}

static char *gen_messages(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const tenant_t *t = g->t;
    const host_t *h = pick_host(g);
    uint32_t k = rbelow(r, 1000);
    if (k < 230) { /* systemd */
        p = put_syslog(p, g, h->name, "systemd", 1);
        const unit_t *u = &UNITS[rzipf(r, NELEM(UNITS))];
        switch (rbelow(r, 6)) {
        case 0:
            p = put_s(p, "Starting ");
            p = put_s(p, u->desc);
            p = put_s(p, "...\n");
            break;
        case 1:
            p = put_s(p, u->unit);
            p = put_s(p, ": Deactivated successfully.\n");
            break;
        case 2:
            p = put_s(p, "Finished ");
            p = put_s(p, u->desc);
            p = put_s(p, ".\n");
            break;
        case 3:
            p = put_s(p, u->unit);
            p = put_s(p, ": Consumed ");
            p = put_dec1(p, rrange(r, 1, 400));
            p = put_s(p, "s CPU time.\n");
            break;
        case 4:
            p = put_s(p, "Started Session ");
            p = put_u(p, g->seq + rbelow(r, 30));
            p = put_s(p, " of User ");
            p = put_s(p, rchance(r, 500) ? "root" : pick_admin(g)->name);
            p = put_s(p, ".\n");
            break;
        default:
            p = put_s(p, "Started ");
            p = put_s(p, u->desc);
            p = put_s(p, ".\n");
            break;
        }
    } else if (k < 420 && h->ncont) { /* kubelet / containerd */
        uint64_t ch = hash_u(t->key ^ h->ip, rbelow(r, h->ncont));
        if (h->role == 2 && rchance(r, 650)) {
            p = put_syslog(p, g, h->name, "kubelet", h->pid_base + 211);
            static const char lvl[] = "IIIIIIIWWE";
            *p++ = lvl[rbelow(r, 10)];
            memcpy(p, D.klog, 4);
            p += 4;
            *p++ = ' ';
            p = put_time(p, g);
            *p++ = '.';
            p = put_u6(p, (g->tod_ms % 1000) * 1000 + rbelow(r, 1000));
            p = put_s(p, "    ");
            p = put_u(p, h->pid_base + 211);
            static const char *const msgs[] = {
                " kubelet.go:2453] \"SyncLoop (PLEG): event for pod\" pod=\"",
                " prober.go:107] \"Probe failed\" probeType=\"Readiness\" pod=\"",
                " kuberuntime_manager.go:1058] \"Container image already present on machine\" "
                "pod=\"",
                " pod_workers.go:1301] \"Error syncing pod, skipping\" err=\"failed to "
                "\\\"StartContainer\\\" with CrashLoopBackOff\" pod=\"",
                " kubelet.go:2421] \"SyncLoop UPDATE\" source=\"api\" pods=[\"",
                " scope.go:117] \"RemoveContainer\" containerID=\"containerd://",
            };
            uint32_t m = rzipf(r, NELEM(msgs));
            p = put_s(p, msgs[m]);
            if (m == 5) {
                p = put_hex(p, mix64(ch), 16);
                p = put_hex(p, mix64(ch + 1), 16);
                p = put_hex(p, mix64(ch + 2), 16);
                p = put_hex(p, mix64(ch + 3), 16);
                p = put_s(p, "\"\n");
            } else {
                p = put_s(p, "prod/");
                p = put_pod(p, t, ch);
                p = put_s(p, m == 4 ? "\"]\n" : "\" event={\"Type\":\"ContainerStarted\"}\n");
            }
        } else {
            p = put_syslog(p, g, h->name, "containerd", h->pid_base + 98);
            p = put_s(p, "time=\"");
            p = put_iso(p, g);
            p = put_s(p, rchance(r, 900) ? "\" level=info msg=\"" : "\" level=warning msg=\"");
            static const char *const cm[] = {
                "shim disconnected\" id=",
                "cleaning up after shim disconnected\" id=",
                "StartContainer returns successfully\" id=",
                ("loading plugin \\\"io.containerd.event.v1.publisher\\\"...\" runtime=io."
                 "containerd.runc.v2 type=io.containerd.event.v1 id="),
                "TaskExit event in podsandbox handler container_id:\\\"\" id=",
            };
            p = put_s(p, PICKZ(r, cm));
            p = put_hex(p, mix64(ch), 16);
            p = put_hex(p, mix64(ch + 1), 16);
            p = put_hex(p, mix64(ch + 2), 16);
            p = put_hex(p, mix64(ch + 3), 16);
            p = put_s(p, " namespace=k8s.io\n");
        }
    } else if (k < 560) { /* cron */
        const char *cmd = PICKZ(r, CRON_CMDS);
        p = put_syslog(p, g, h->name, "CRON", rrange(r, 1200, 4190000));
        p = put_s(p, rchance(r, 800) ? "(root) CMD (" : "(www-data) CMD (");
        p = put_s(p, cmd);
        p = put_s(p, ")\n");
    } else if (k < 680) { /* kernel */
        p = put_syslog(p, g, h->name, "kernel", 0);
        *p++ = '[';
        p = put_u(p, (uint64_t)h->boot + g->tod_ms / 1000);
        *p++ = '.';
        p = put_u6(p, (g->tod_ms % 1000) * 1000 + rbelow(r, 1000));
        p = put_s(p, "] ");
        uint32_t v = rzipf(r, 7);
        switch (v) {
        case 0:
            p = put_s(
                p, "[UFW BLOCK] IN=ens5 OUT= MAC=0a:3f:5e:21:9c:b7:0a:1d:4e:88:21:01:08:00 SRC=");
            p = put_ip(p, scanner_ip(g));
            p = put_s(p, " DST=");
            p = put_ip(p, h->ip);
            p = put_s(p, " LEN=44 TOS=0x00 PREC=0x00 TTL=");
            p = put_u(p, rrange(r, 40, 250));
            p = put_s(p, " ID=");
            p = put_u(p, rbelow(r, 65536));
            p = put_s(p, " PROTO=TCP SPT=");
            p = put_u(p, rrange(r, 1024, 65535));
            p = put_s(p, " DPT=");
            p = put_u(p, PICKZ(r, SCAN_PORTS));
            p = put_s(p, " WINDOW=1024 RES=0x00 SYN URGP=0\n");
            break;
        case 1:
            p = put_s(p, "audit: type=1400 audit(");
            p = put_u(p, (uint64_t)D.epoch + g->tod_ms / 1000);
            *p++ = '.';
            p = put_u3(p, g->tod_ms % 1000);
            *p++ = ':';
            p = put_u(p, rrange(r, 100, 99999));
            p = put_s(p, "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" "
                         "profile=\"snap.lxd.daemon\" name=\"/proc/");
            p = put_u(p, rrange(r, 1, 99999));
            p = put_s(p, "/mounts\" pid=");
            p = put_u(p, rrange(r, 1000, 99999));
            p = put_s(p, " comm=\"lxd\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n");
            break;
        case 2:
            p = put_s(p, "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending "
                         "cookies.  Check SNMP counters.\n");
            break;
        case 3:
            p = put_s(p, "nf_conntrack: nf_conntrack: table full, dropping packet\n");
            break;
        case 4:
            p = put_s(p, "EXT4-fs (nvme1n1p1): mounted filesystem with ordered data mode. Quota "
                         "mode: none.\n");
            break;
        case 5:
            p = put_s(p, "Out of memory: Killed process ");
            p = put_u(p, rrange(r, 1000, 99999));
            p = put_s(p, " (java) total-vm:");
            p = put_u(p, rrange(r, 4000000, 16000000));
            p = put_s(p, "kB, anon-rss:");
            p = put_u(p, rrange(r, 2000000, 8000000));
            p = put_s(p, "kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:");
            p = put_u(p, rrange(r, 4000, 20000));
            p = put_s(p, "kB oom_score_adj:0\n");
            break;
        default:
            p = put_s(p, "ena 0000:00:05.0 ens5: Link is Up - 25Gbps/Full\n");
            break;
        }
    } else if (k < 760) { /* chrony, dhclient */
        if (rchance(r, 500)) {
            p = put_syslog(p, g, h->name, "chronyd", h->pid_base + 3);
            const char *ntp = PICKZ(r, NTP_SERVERS);
            switch (rbelow(r, 3)) {
            case 0:
                p = put_s(p, "Selected source ");
                p = put_s(p, ntp);
                *p++ = '\n';
                break;
            case 1:
                p = put_s(p, "System clock wrong by ");
                p = put_s(p, rchance(r, 500) ? "-0." : "0.");
                p = put_u6(p, rbelow(r, 30000));
                p = put_s(p, " seconds, adjustment started\n");
                break;
            default:
                p = put_s(p, "Source ");
                p = put_ip(p, external_ip(g));
                p = put_s(p, " replaced with ");
                p = put_ip(p, external_ip(g));
                p = put_s(p, " (");
                p = put_s(p, ntp);
                p = put_s(p, ")\n");
                break;
            }
        } else {
            p = put_syslog(p, g, h->name, "dhclient", h->pid_base + 41);
            uint32_t srv = t->net | IP4(0, 0, 0, 1);
            switch (rbelow(r, 3)) {
            case 0:
                p = put_s(p, "DHCPREQUEST for ");
                p = put_ip(p, h->ip);
                p = put_s(p, " on ens5 to ");
                p = put_ip(p, srv);
                p = put_s(p, " port 67\n");
                break;
            case 1:
                p = put_s(p, "DHCPACK of ");
                p = put_ip(p, h->ip);
                p = put_s(p, " from ");
                p = put_ip(p, srv);
                p = put_s(p, "\n");
                break;
            default:
                p = put_s(p, "bound to ");
                p = put_ip(p, h->ip);
                p = put_s(p, " -- renewal in ");
                p = put_u(p, rrange(r, 1200, 1800));
                p = put_s(p, " seconds.\n");
                break;
            }
        }
    } else if (k < 880) { /* postfix */
        const char *mail = "mail-01";
        uint64_t qid = rnext(r);
        if (rchance(r, 500)) {
            p = put_syslog(p, g, mail, "postfix/smtpd", rrange(r, 1000, 99999));
            switch (rbelow(r, 3)) {
            case 0:
                p = put_s(p, "connect from unknown[");
                p = put_ip(p, client_ip(g));
                p = put_s(p, "]\n");
                break;
            case 1:
                p = put_s(p, "disconnect from unknown[");
                p = put_ip(p, client_ip(g));
                p = put_s(p, "] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n");
                break;
            default:
                p = put_s(p, "NOQUEUE: reject: RCPT from unknown[");
                p = put_ip(p, scanner_ip(g));
                p = put_s(p, "]: 554 5.7.1 Service unavailable; Client host blocked using "
                             "zen.spamhaus.org; from=<");
                p = put_s(p, PICK(r, SCAN_USERS));
                p = put_s(p, "@");
                p = put_s(p, PICK(r, DGA_TLDS));
                p = put_s(p, "-mailer.com> to=<");
                p = put_s(p, pick_user(g)->name);
                *p++ = '@';
                p = put_s(p, t->pubdom);
                p = put_s(p, "> proto=ESMTP helo=<localhost>\n");
                break;
            }
        } else {
            p = put_syslog(p, g, mail, "postfix/qmgr", h->pid_base + 77);
            p = put_hex(p, qid, 10);
            for (char *q = p - 10; q < p; q++)
                if (*q >= 'a')
                    *q = (char)(*q - 'a' + 'A');
            p = put_s(p, ": from=<");
            p = put_s(p, rchance(r, 500) ? "noreply" : pick_user(g)->name);
            *p++ = '@';
            p = put_s(p, t->pubdom);
            p = put_s(p, ">, size=");
            p = put_u(p, (uint64_t)exp(8.5 + rnormal(r)));
            p = put_s(p, ", nrcpt=");
            p = put_u(p, 1 + rzipf(r, 5));
            p = put_s(p, " (queue active)\n");
        }
    } else { /* app daemons: nginx error log via syslog, rsyslogd, snapd */
        uint32_t v = rbelow(r, 10);
        if (v < 6) {
            p = put_syslog(p, g, h->name, "nginx", 0);
            p = put_s(p, D.pan);
            *p++ = ' ';
            p = put_time(p, g);
            p = put_s(p, " [error] ");
            p = put_u(p, h->pid_base + 500 + rbelow(r, 8));
            p = put_s(p, "#0: *");
            p = put_u(p, g->seq++ * 7 + rbelow(r, 7));
            static const char *const ne[] = {
                " upstream timed out (110: Connection timed out) while reading response header "
                "from upstream",
                " connect() failed (111: Connection refused) while connecting to upstream",
                " open() \"/var/www/html/wp-login.php\" failed (2: No such file or directory)",
                " SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) "
                "while SSL handshaking",
                " client intended to send too large body: 10485761 bytes",
            };
            p = put_s(p, PICKZ(r, ne));
            p = put_s(p, ", client: ");
            p = put_ip(p, client_ip(g));
            p = put_s(p, ", server: ");
            p = put_s(p, t->pubdom);
            p = put_s(p, ", request: \"");
            const route_t *rt = &ROUTES[rbelow(r, NELEM(ROUTES))];
            p = put_s(p, rt->method);
            *p++ = ' ';
            p = put_s(p, rt->route);
            p = put_s(p, " HTTP/1.1\", host: \"");
            p = put_s(p, t->pubdom);
            p = put_s(p, "\"\n");
        } else if (v < 8) {
            p = put_syslog(p, g, h->name, "snapd", h->pid_base + 55);
            p = put_s(p, "storehelpers.go:");
            p = put_u(p, 700 + rbelow(r, 200));
            p = put_s(p, ": cannot refresh: snap has no updates available: \"core22\", "
                         "\"lxd\", \"snapd\"\n");
        } else {
            p = put_syslog(p, g, h->name, "rsyslogd", h->pid_base + 5);
            p = put_s(p, "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"");
            p = put_u(p, h->pid_base + 5);
            p = put_s(p, "\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed\n");
        }
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* DNS (BIND query log)                                                      */

static char *put_dns_name(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const tenant_t *t = g->t;
    uint32_t k = rbelow(r, 1000);
    if (k < 600)
        return put_s(p, DOMAINS[rzipf(r, NELEM(DOMAINS))]);
    if (k < 800) { /* internal names */
        uint32_t v = rbelow(r, 10);
        if (v < 6) {
            p = put_s(p, pick_host(g)->name);
        } else if (v < 8) {
            p = put_s(p, "_ldap._tcp.dc._msdcs");
        } else if (v < 9) {
            p = put_s(p, "wpad");
        } else {
            p = put_s(p, "_kerberos._tcp.dc-01");
        }
        *p++ = '.';
        return put_s(p, t->domain);
    }
    if (k < 850) { /* tenant SaaS tenants */
        static const char *const saas[] = {".okta.com",          ".slack.com",
                                           ".atlassian.net",     ".sharepoint.com",
                                           ".my.salesforce.com", ".zendesk.com"};
        p = put_s(p, t->name);
        return put_s(p, PICKZ(r, saas));
    }
    if (k < 960) { /* CDN long tail */
        uint64_t x = rnext(r);
        static const char an[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        switch (rbelow(r, 4)) {
        case 0:
            p = put_s(p, "rr");
            p = put_u(p, 1 + x % 6);
            p = put_s(p, "---sn-");
            x >>= 3;
            for (int i = 0; i < 8; i++, x /= 36)
                *p++ = an[x % 36];
            return put_s(p, ".googlevideo.com");
        case 1:
            *p++ = 'd';
            for (int i = 0; i < 13; i++, x /= 36)
                *p++ = an[x % 36];
            return put_s(p, ".cloudfront.net");
        case 2:
            *p++ = 'e';
            p = put_u(p, 1000 + x % 99000);
            p = put_s(p, ".dscb.akamaiedge.net");
            return p;
        default:
            p = put_hex(p, x, 10);
            return put_s(p, ".execute-api.us-east-1.amazonaws.com");
        }
    }
    if (k < 993) { /* reverse lookups */
        uint32_t ip = rchance(r, 500) ? internal_ip(g) : external_ip(g);
        p = put_u(p, ip & 255);
        *p++ = '.';
        p = put_u(p, (ip >> 8) & 255);
        *p++ = '.';
        p = put_u(p, (ip >> 16) & 255);
        *p++ = '.';
        p = put_u(p, ip >> 24);
        return put_s(p, ".in-addr.arpa");
    }
    /* DGA-looking beacons from one infected workstation per day. */
    uint64_t x = hash_u(t->key, g->tod_ms / 600000 + rbelow(r, 3));
    int n = 10 + (int)(x % 9);
    for (int i = 0; i < n; i++, x = mix64(x))
        *p++ = (char)('a' + x % 26);
    *p++ = '.';
    return put_s(p, DGA_TLDS[x % NELEM(DGA_TLDS)]);
}

static char *gen_dns(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const tenant_t *t = g->t;
    char name[256];
    char *e = put_dns_name(g, name);
    size_t nlen = (size_t)(e - name);
    memcpy(p, D.bind, 11);
    p[11] = ' ';
    p = put_time(p + 12, g);
    p = put_msec(p, g);
    p = put_s(p, " queries: info: client @0x7f");
    uint32_t cip = internal_ip(g);
    p = put_hex(p, (hash_u(t->key, cip) & 0xfffffffff) | 0x10, 10);
    *p++ = ' ';
    p = put_ip(p, cip);
    *p++ = '#';
    p = put_u(p, rrange(r, 1024, 65535));
    p = put_s(p, " (");
    memcpy(p, name, nlen);
    p += nlen;
    p = put_s(p, "): query: ");
    memcpy(p, name, nlen);
    p += nlen;
    p = put_s(p, " IN ");
    const char *type;
    if (nlen > 13 && memcmp(name + nlen - 13, ".in-addr.arpa", 13) == 0)
        type = "PTR";
    else if (name[0] == '_')
        type = "SRV";
    else
        type = DNS_TYPES[rzipf(r, NELEM(DNS_TYPES))];
    p = put_s(p, type);
    *p++ = ' ';
    p = put_s(p, DNS_FLAGS[rzipf(r, NELEM(DNS_FLAGS))]);
    p = put_s(p, " (");
    p = put_ip(p, t->dns_ip);
    p = put_s(p, ")\n");
    return p;
}

/* ------------------------------------------------------------------------ */
/* Application events (JSON lines)                                          */

static char *put_route_path(gen_t *g, char *p, const char *route, int *is_static)
{
    rng_t *r = &g->r;
    *is_static = 0;
    for (const char *s = route; *s;) {
        if (*s != '{') {
            *p++ = *s++;
            continue;
        }
        const char *e = strchr(s, '}');
        size_t n = (size_t)(e - s - 1);
        if (n == 2 && memcmp(s + 1, "id", 2) == 0) {
            p = put_u(p, 1000000 + (hash_u(g->t->key, rzipf(r, 200000)) % 8999999));
        } else if (n == 4 && memcmp(s + 1, "uuid", 4) == 0) {
            uint64_t k = hash_u(g->t->key, rzipf(r, 50000));
            p = put_uuid(p, k, mix64(k));
        } else if (n == 3 && memcmp(s + 1, "sku", 3) == 0) {
            p = put_s(p, "SKU-");
            p = put_u(p, 10000 + rzipf(r, 80000));
        } else if (n == 1 && s[1] == 'q') {
            p = put_s(p, PICKZ(r, SEARCH_WORDS));
        } else if (n == 1 && s[1] == 'n') {
            p = put_u(p, 1 + rzipf(r, 20));
        } else if (n == 3 && memcmp(s + 1, "cat", 3) == 0) {
            p = put_s(p, PICKZ(r, CATEGORIES));
        } else if (n == 4 && memcmp(s + 1, "hash", 4) == 0) {
            p = put_hex(p, g->t->key >> 8, 8);
            *is_static = 1;
        }
        s = e + 1;
    }
    return p;
}

static char *put_json_user(char *p, const user_t *u)
{
    p = put_s(p, ",\"user\":{\"id\":\"");
    p = put_uuid(p, u->id_hi, u->id_lo);
    p = put_s(p, "\",\"name\":\"");
    p = put_s(p, u->name);
    p = put_s(p, "\",\"roles\":[\"");
    p = put_s(p, ROLES[u->role]);
    if (u->admin)
        p = put_s(p, "\",\"viewer");
    p = put_s(p, "\"]}");
    return p;
}

static char *put_json_client(char *p, uint32_t ip, const geo_t *geo)
{
    p = put_s(p, ",\"client\":{\"ip\":\"");
    p = put_ip(p, ip);
    p = put_s(p, "\",\"geo\":{\"country\":\"");
    p = put_s(p, geo->cc);
    p = put_s(p, "\",\"city\":\"");
    p = put_s(p, geo->city);
    p = put_s(p, "\"}}");
    return p;
}

static uint32_t g_route_total;

static char *gen_app(gen_t *g, char *p)
{
    rng_t *r = &g->r;
    const tenant_t *t = g->t;
    uint32_t k = rbelow(r, 1000);
    uint32_t sj = rzipf(r, t->nservices), si = t->services[sj];
    const host_t *h = &t->hosts[t->apphosts[rzipf(r, t->napphosts)]];
    const char *level = "info";
    uint32_t status = 200;
    double lat = 0;

    /* Decide the event first so that the level can be written in order. */
    const route_t *rt = NULL;
    if (k < 760) {
        uint32_t x = rbelow(r, g_route_total), acc = 0;
        for (size_t i = 0; i < NELEM(ROUTES); i++) {
            acc += ROUTES[i].weight;
            if (x < acc) {
                rt = &ROUTES[i];
                break;
            }
        }
        uint32_t s = rbelow(r, 1000);
        if (rt->kind == RT_PROBE404)
            status = s < 900 ? 404 : 403;
        else if (s < 880)
            status = rt->method[0] == 'P' && rt->method[1] == 'O' ? 201 : 200;
        else if (s < 905)
            status = 304;
        else if (s < 925)
            status = 400;
        else if (s < 945)
            status = 401;
        else if (s < 955)
            status = 403;
        else if (s < 975)
            status = 404;
        else if (s < 980)
            status = 429;
        else if (s < 992)
            status = 500;
        else if (s < 997)
            status = 502;
        else
            status = 503;
        if (rt->kind == RT_HEALTH || rt->kind == RT_METRICS)
            status = 200;
        lat = exp(3.3 + 0.9 * rnormal(r));
        if (status >= 500)
            lat *= 4 + runit(r) * 20;
        if (rt->kind == RT_HEALTH)
            lat = 0.3 + runit(r) * 2;
        level = status >= 500 ? "error" : (status >= 400 && status != 404 ? "warn" : "info");
    } else if (k < 850) {
        level = rchance(r, 120) ? "warn" : "info";
    } else if (k < 900) {
        level = "warn";
    } else if (k < 960) {
        level = rchance(r, 50) ? "error" : "info";
    } else {
        level = rchance(r, 300) ? "warn" : "error";
    }

    p = put_s(p, "{\"ts\":\"");
    p = put_iso(p, g);
    p = put_s(p, "\",\"level\":\"");
    p = put_s(p, level);
    p = put_s(p, "\",\"service\":\"");
    p = put_s(p, SERVICES[si]);
    p = put_s(p, "\",\"env\":\"prod\",\"host\":\"");
    p = put_s(p, h->name);
    p = put_s(p, "\",\"pod\":\"");
    p = put_pod(p, t, hash_u(t->key + si, rbelow(r, 6)) / t->nservices * t->nservices + sj);
    p = put_s(p, "\",\"trace_id\":\"");
    uint64_t tr = rnext(r);
    p = put_hex(p, tr, 16);
    p = put_hex(p, mix64(tr), 16);
    p = put_s(p, "\",\"span_id\":\"");
    p = put_hex(p, rnext(r), 16);
    p = put_s(p, "\",\"tenant\":\"");
    p = put_s(p, t->name);
    p = put_s(p, "\",\"event\":\"");

    if (rt) {
        int is_static;
        p = put_s(p, "http.request\",\"http\":{\"method\":\"");
        p = put_s(p, rt->method);
        p = put_s(p, "\",\"route\":\"");
        p = put_s(p, rt->route);
        p = put_s(p, "\",\"path\":\"");
        p = put_route_path(g, p, rt->route, &is_static);
        p = put_s(p, "\",\"status\":");
        p = put_u(p, status);
        p = put_s(p, ",\"latency_ms\":");
        p = put_dec1(p, (uint64_t)(lat * 10));
        p = put_s(p, ",\"req_bytes\":");
        p = put_u(p, rt->method[0] == 'G' ? 0 : (uint64_t)exp(5.5 + rnormal(r)));
        p = put_s(p, ",\"resp_bytes\":");
        p = put_u(p, status == 304 ? 0 : (uint64_t)exp((is_static ? 10.5 : 7.0) + rnormal(r)));
        p = put_s(p, ",\"user_agent\":\"");
        int probe = rt->kind == RT_HEALTH || rt->kind == RT_METRICS;
        const user_t *u = pick_user(g);
        p = put_s(p, probe ? (rt->kind == RT_HEALTH ? "kube-probe/1.30" : "Prometheus/2.54.1")
                           : USER_AGENTS[rchance(r, 850) ? u->ua : rzipf(r, NELEM(USER_AGENTS))]);
        p = put_s(p, "\"}");
        if (probe) {
            p = put_s(p, ",\"client\":{\"ip\":\"");
            p = put_ip(p, t->net | IP4(0, 250, 0, 1 + rbelow(r, 3)));
            p = put_s(p, "\"}");
        } else {
            const geo_t *geo = &GEOS[rchance(r, 900) ? u->geo : rzipf(r, NELEM(GEOS))];
            p = put_json_client(p, client_ip(g), geo);
            if (status != 401)
                p = put_json_user(p, u);
        }
    } else if (k < 850) {
        const user_t *u = pick_user(g);
        int fail = level[0] == 'w';
        static const char *const methods[] = {"sso", "password", "sso", "api_key", "webauthn"};
        static const char *const mfa[] = {"push", "totp", "none", "webauthn", "sms"};
        static const char *const reasons[] = {"invalid_password", "mfa_timeout", "account_locked",
                                              "expired_password", "ip_not_allowed"};
        p = put_s(p, "auth.login\",\"auth\":{\"method\":\"");
        p = put_s(p, PICKZ(r, methods));
        p = put_s(p, "\",\"mfa\":\"");
        p = put_s(p, PICKZ(r, mfa));
        p = put_s(p, fail ? "\",\"result\":\"failure\",\"reason\":\"" : "\",\"result\":\"success");
        if (fail)
            p = put_s(p, PICKZ(r, reasons));
        p = put_s(p, "\"}");
        p = put_json_client(p, fail && rchance(r, 400) ? scanner_ip(g) : client_ip(g),
                            &GEOS[fail && rchance(r, 300) ? rbelow(r, NELEM(GEOS)) : u->geo]);
        p = put_json_user(p, u);
        p = put_s(p, ",\"session_id\":\"");
        uint64_t s = rnext(r);
        p = put_uuid(p, s, mix64(s));
        *p++ = '"';
    } else if (k < 900) {
        uint32_t qi = rzipf(r, NELEM(DB_STMTS));
        p = put_s(p, "db.slow_query\",\"db\":{\"system\":\"postgresql\",\"name\":\"");
        static const char *const dbs[] = {"orders", "catalog", "users", "billing", "analytics"};
        p = put_s(p, dbs[qi % NELEM(dbs)]);
        p = put_s(p, "\",\"statement\":\"");
        p = put_s(p, DB_STMTS[qi]);
        p = put_s(p, "\",\"duration_ms\":");
        p = put_dec1(p, (uint64_t)(exp(6.5 + 0.8 * rnormal(r)) * 10));
        p = put_s(p, ",\"rows\":");
        p = put_u(p, (uint64_t)exp(3 + 2 * rnormal(r)));
        p = put_s(p, "}");
    } else if (k < 960) {
        uint32_t ji = rzipf(r, NELEM(JOBS));
        p = put_s(p, "job.completed\",\"job\":{\"name\":\"");
        p = put_s(p, JOBS[ji]);
        p = put_s(p, "\",\"id\":\"");
        uint64_t s = rnext(r);
        p = put_uuid(p, s, mix64(s));
        p = put_s(p, "\",\"duration_ms\":");
        p = put_u(p, (uint64_t)exp(8 + 1.5 * rnormal(r)));
        p = put_s(p, ",\"items\":");
        p = put_u(p, (uint64_t)exp(5 + 2 * rnormal(r)));
        p = put_s(p, level[0] == 'e' ? ",\"status\":\"failed\",\"attempt\":"
                                     : ",\"status\":\"ok\",\"attempt\":");
        p = put_u(p, 1 + rzipf(r, 3));
        p = put_s(p, "}");
    } else {
        const err_t *er = &ERRORS[rzipf(r, NELEM(ERRORS))];
        p = put_s(p, "exception\",\"error\":{\"type\":\"");
        p = put_s(p, er->type);
        p = put_s(p, "\",\"message\":\"");
        p = put_s(p, er->msg);
        p = put_s(p, "\",\"stack\":\"");
        p = put_s(p, er->type);
        p = put_s(p, ": ");
        p = put_s(p, er->msg);
        static const char *const frames[] = {
            "\\n    at OrderService.create (/app/src/services/order.ts:",
            "\\n    at async Router.handle (/app/node_modules/express/lib/router/index.js:",
            "\\n    at PaymentClient.charge (/app/src/clients/payment.ts:",
            "\\n    at Repository.save (/app/src/db/repository.ts:",
            "\\n    at processTicksAndRejections (node:internal/process/task_queues:",
        };
        uint32_t nf = rrange(r, 2, 5);
        for (uint32_t i = 0; i < nf; i++) {
            uint32_t fi = (i + rbelow(r, 2)) % NELEM(frames);
            p = put_s(p, frames[fi]);
            p = put_u(p, 20 + (hash_u(fi, er->type[0]) % 400));
            *p++ = ':';
            p = put_u(p, 5 + (hash_u(fi, er->type[1]) % 40));
            *p++ = ')';
        }
        p = put_s(p, "\"}");
        if (rchance(r, 600))
            p = put_json_user(p, pick_user(g));
    }
    p = put_s(p, ",\"request_id\":\"");
    uint64_t q = rnext(r);
    p = put_uuid(p, q, mix64(q));
    p = put_s(p, "\"}\n");
    return p;
}

/* A few realistic lines for the edge-case files. */
static char *gen_small(gen_t *g, char *p)
{
    return rchance(&g->r, 500) ? gen_messages(g, p) : gen_auth(g, p);
}

/* ------------------------------------------------------------------------ */
/* Writing files                                                            */

typedef char *(*genfn_t)(gen_t *, char *);

static void write_file(const char *path, genfn_t fn, gen_t *g, uint64_t target, int64_t mtime)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die_io("open", path);
    if (fchmod(fd, 0644) != 0)
        die_io("chmod", path);
    uint64_t written = 0;
    size_t len = 0;
    double inv = target ? 1.0 / (double)target : 0;
    while (written + len < target) {
        gen_clock(g, (double)(written + len) * inv);
        char *e = fn(g, g_obuf + len);
        len = (size_t)(e - g_obuf);
        if (len > OBUF_CAP - LINE_SLACK) {
            write_all(fd, g_obuf, len, path);
            written += len;
            len = 0;
        }
    }
    if (len) {
        write_all(fd, g_obuf, len, path);
        written += len;
    }
    struct timespec ts[2] = {{(time_t)mtime, 0}, {(time_t)mtime, 0}};
    if (futimens(fd, ts) != 0)
        die_io("utimensat", path);
    if (close(fd) != 0)
        die_io("close", path);
    STATS.files++;
    STATS.bytes += written;
}

static uint64_t file_key(uint64_t seed, const char *source, const tenant_t *t, const char *rel)
{
    return hash_str(hash_str(hash_str(seed, source), t->name), rel);
}

static void write_tenant(const char *tdir, const char *source, const tenant_t *t, uint64_t seed,
                         uint64_t bytes)
{
    char path[PATH_CAP], rel[256];
    gen_t *g = xmalloc(sizeof *g);
    rng_t r = {file_key(seed, source, t, "/mtimes")};

    static const char *const subdirs[] = {"fw", "app", "dns", "syslog"};
    for (size_t i = 0; i < NELEM(subdirs); i++) {
        join(path, tdir, subdirs[i]);
        mkdirs(path);
    }

    /* Firewall: hourly rotation, sized by the diurnal profile. */
    uint64_t fw_bytes = (uint64_t)((double)bytes * t->shares[0]);
    for (int hr = 0; hr < 24; hr++) {
        double w = t->cdf[(hr + 1) * 60] - t->cdf[hr * 60];
        snprintf(rel, sizeof rel, "fw/fw-%sT%02d.log", D.iso, hr);
        join(path, tdir, rel);
        gen_init(g, t, file_key(seed, source, t, rel), hr);
        write_file(path, gen_fw, g, (uint64_t)((double)fw_bytes * w),
                   D.epoch + (hr + 1) * 3600 - 1 - rbelow(&r, 20));
    }

    static const struct {
        const char *rel;
        genfn_t fn;
        int share;
    } daily[] = {
        {"app/events.jsonl", gen_app, 1},
        {"dns/queries.log", gen_dns, 2},
        {"syslog/messages", gen_messages, 3},
        {"syslog/auth.log", gen_auth, 4},
    };
    for (size_t i = 0; i < NELEM(daily); i++) {
        join(path, tdir, daily[i].rel);
        gen_init(g, t, file_key(seed, source, t, daily[i].rel), -1);
        write_file(path, daily[i].fn, g, (uint64_t)((double)bytes * t->shares[daily[i].share]),
                   D.epoch + 86399 - rbelow(&r, 60));
    }
    free(g);
}

static void write_edge_cases(const char *ddir, const char *tdir, const char *source,
                             const tenant_t *t, uint64_t seed)
{
    char path[PATH_CAP];
    gen_t *g = xmalloc(sizeof *g);
    rng_t r = {file_key(seed, source, t, "/edge")};

    join(path, ddir, "empty-tenant");
    mkdirs(path);

    join(path, tdir, "odd names/empty-dir");
    mkdirs(path);

    /* ~180 bytes relative to the tenant; the file name alone is > 100 bytes
     * (more than a ustar name field holds). */
    static const char long_dir[] =
        "odd names/deeply/nested/directory/structure/used-for-testing/long-paths";
    char rel[512];
    snprintf(rel, sizeof rel,
             "%s/this-is-a-deliberately-long-file-name-that-does-not-fit-in-the-100-byte-ustar-"
             "name-field-%s.log",
             long_dir, D.iso);
    join(path, tdir, long_dir);
    mkdirs(path);

    const char *files[] = {
        "odd names/file with spaces.log",
        "odd names/journal-\xc3\xa9t\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.log",
        rel,
        "odd names/empty.log",
    };
    for (size_t i = 0; i < NELEM(files); i++) {
        join(path, tdir, files[i]);
        gen_init(g, t, file_key(seed, source, t, files[i]), -1);
        uint64_t size = i == 3 ? 0 : 4096 + rbelow(&r, 16384);
        write_file(path, gen_small, g, size, D.epoch + 3600 * (6 + (int64_t)i) + rbelow(&r, 3600));
    }
    free(g);
}

/* ------------------------------------------------------------------------ */
/* Command line                                                             */

static void usage(FILE *f)
{
    fprintf(f, "usage: loggen --out DIR --date YYYY-MM-DD [--sources N] [--tenants N]\n"
               "              [--size SIZE] [--seed N] [--source-prefix PFX]\n"
               "              [--tenant-names a,b,...] [--edge-cases]\n"
               "\n"
               "Writes a deterministic, realistic multi-tenant SIEM export to\n"
               "DIR/<source>/<date>/<tenant>/{fw,syslog,app,dns}/...\n"
               "\n"
               "  --out DIR            output root (created if missing)\n"
               "  --date YYYY-MM-DD    the day the logs cover (UTC)\n"
               "  --sources N          number of sources, named PFX01, PFX02, ... (default 3)\n"
               "  --tenants N          number of tenants from the built-in list (default 4)\n"
               "  --size SIZE          total approximate size, e.g. 64MiB, 1GiB, 500MB, 1000000\n"
               "                       (default 64MiB)\n"
               "  --seed N             PRNG seed (default 1)\n"
               "  --source-prefix PFX  source name prefix (default siem-)\n"
               "  --tenant-names LIST  comma-separated tenant names (overrides --tenants)\n"
               "  --edge-cases         add an empty tenant, odd/UTF-8/long names, empty files\n");
}

static _Noreturn void bad(const char *msg, const char *arg)
{
    if (*arg)
        fprintf(stderr, "loggen: %s: '%s'\n", msg, arg);
    else
        fprintf(stderr, "loggen: %s\n", msg);
    usage(stderr);
    exit(2);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e)
        return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno || e == s || !(v >= 0))
        return -1;
    while (*e == ' ')
        e++;
    static const struct {
        const char *suf;
        double mul;
    } sufs[] = {
        {"", 1},
        {"b", 1},
        {"k", 1024.0},
        {"kib", 1024.0},
        {"kb", 1e3},
        {"m", 1048576.0},
        {"mib", 1048576.0},
        {"mb", 1e6},
        {"g", 1073741824.0},
        {"gib", 1073741824.0},
        {"gb", 1e9},
        {"t", 1099511627776.0},
        {"tib", 1099511627776.0},
        {"tb", 1e12},
    };
    for (size_t i = 0; i < NELEM(sufs); i++) {
        if (strcasecmp(e, sufs[i].suf) == 0) {
            v *= sufs[i].mul;
            if (v > 1e15)
                return -1;
            *out = (uint64_t)v;
            return 0;
        }
    }
    return -1;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 48 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *date = NULL, *prefix = "siem-", *names = NULL;
    uint64_t nsources = 3, ntenants = 4, size = 64ULL << 20, seed = 1;
    int edge = 0, tenants_given = 0;

    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"date", required_argument, NULL, 'd'},
        {"sources", required_argument, NULL, 's'},
        {"tenants", required_argument, NULL, 't'},
        {"size", required_argument, NULL, 'z'},
        {"seed", required_argument, NULL, 'S'},
        {"source-prefix", required_argument, NULL, 'p'},
        {"tenant-names", required_argument, NULL, 'n'},
        {"edge-cases", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'd':
            date = optarg;
            break;
        case 's':
            if (parse_u64(optarg, &nsources) || nsources < 1 || nsources > 999)
                bad("--sources must be 1..999", optarg);
            break;
        case 't':
            if (parse_u64(optarg, &ntenants) || ntenants < 1 || ntenants > 10000)
                bad("--tenants must be 1..10000", optarg);
            tenants_given = 1;
            break;
        case 'z':
            if (parse_size(optarg, &size))
                bad("bad --size", optarg);
            break;
        case 'S':
            if (parse_u64(optarg, &seed))
                bad("bad --seed", optarg);
            break;
        case 'p':
            prefix = optarg;
            if (strlen(prefix) > 40 || strchr(prefix, '/') || (*prefix && !valid_name(prefix)))
                bad("bad --source-prefix", optarg);
            break;
        case 'n':
            names = optarg;
            break;
        case 'e':
            edge = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            bad("option requires an argument", argv[optind - 1]);
        default:
            bad("unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        bad("unexpected argument", argv[optind]);
    if (!out || !*out)
        bad("missing --out", "");
    if (!date)
        bad("missing --date", "");
    if (parse_date(date))
        bad("bad --date (want YYYY-MM-DD)", date);

    /* Tenant names. */
    char **tnames;
    size_t nt = 0;
    if (names) {
        size_t cap = 1;
        for (const char *s = names; *s; s++)
            cap += *s == ',';
        tnames = xmalloc(cap * sizeof *tnames);
        char *copy = xstrdup(names);
        for (char *tok = copy, *next; tok; tok = next) {
            next = strchr(tok, ',');
            if (next)
                *next++ = 0;
            if (!valid_name(tok))
                bad("bad tenant name (want [A-Za-z0-9._-], at most 48 bytes)", tok);
            for (size_t i = 0; i < nt; i++)
                if (strcmp(tnames[i], tok) == 0)
                    bad("duplicate tenant name", tok);
            tnames[nt++] = tok;
        }
        if (tenants_given && nt != ntenants)
            bad("--tenants does not match the number of --tenant-names", names);
    } else {
        nt = (size_t)ntenants;
        tnames = xmalloc(nt * sizeof *tnames);
        for (size_t i = 0; i < nt; i++) {
            if (i < NELEM(BUILTIN_TENANTS)) {
                tnames[i] = xstrdup(BUILTIN_TENANTS[i]);
            } else {
                char buf[32];
                snprintf(buf, sizeof buf, "tenant-%04zu", i + 1);
                tnames[i] = xstrdup(buf);
            }
        }
    }

    for (size_t i = 0; i < NELEM(ROUTES); i++)
        g_route_total += ROUTES[i].weight;
    g_obuf = xmalloc(OBUF_CAP);

    uint64_t seedk = mix64(seed ^ 0x6c6f6767656e0001ULL);
    tenant_t *tenants = calloc(nt, sizeof *tenants);
    if (!tenants) {
        fprintf(stderr, "loggen: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < nt; i++)
        build_tenant(&tenants[i], tnames[i], seedk);

    /* Size matrix: uneven tenants, slightly uneven sources. */
    double *cell = xmalloc(nsources * nt * sizeof *cell), sum = 0;
    for (uint64_t s = 0; s < nsources; s++) {
        rng_t r = {hash_u(seedk, 0x5000 + s)};
        double sf = 0.85 + 0.3 * runit(&r);
        for (size_t i = 0; i < nt; i++) {
            rng_t rt = {hash_u(tenants[i].key, s)};
            cell[s * nt + i] = sf * tenants[i].weight * exp(0.25 * rnormal(&rt));
            sum += cell[s * nt + i];
        }
    }

    double t0 = now_sec();
    mkdirs(out);
    size_t outlen = strlen(out);
    while (outlen > 1 && out[outlen - 1] == '/')
        outlen--;
    char sdir[PATH_CAP], ddir[PATH_CAP], tdir[PATH_CAP];
    for (uint64_t s = 0; s < nsources; s++) {
        char source[64];
        snprintf(source, sizeof source, "%s%02u", prefix, (unsigned)(s + 1));
        memcpy(ddir, out, outlen);
        ddir[outlen] = 0;
        join(sdir, ddir, source);
        join(ddir, sdir, D.iso);
        mkdirs(ddir);
        for (size_t i = 0; i < nt; i++) {
            uint64_t bytes = (uint64_t)((double)size * cell[s * nt + i] / sum);
            join(tdir, ddir, tenants[i].name);
            mkdirs(tdir);
            write_tenant(tdir, source, &tenants[i], seedk, bytes);
            if (edge && i == 0)
                write_edge_cases(ddir, tdir, source, &tenants[i], seedk);
        }
    }

    /* Directory mtimes last (writing files changes them); only strictly
     * below the output root. */
    for (size_t i = 0; i < g_dirs.n; i++) {
        const char *d = g_dirs.v[i];
        if (strncmp(d, out, outlen) == 0 && d[outlen] == '/' && d[outlen + 1])
            set_mtime_path(d, D.epoch + 86399);
        free(g_dirs.v[i]);
    }
    free(g_dirs.v);
    double dt = now_sec() - t0;
    if (dt <= 0)
        dt = 1e-9;
    printf("loggen: %llu sources x %zu tenants: %llu files, %llu bytes (%.1f MiB) in %.2f s "
           "(%.0f MB/s) -> %s\n",
           (unsigned long long)nsources, nt, (unsigned long long)STATS.files,
           (unsigned long long)STATS.bytes, (double)STATS.bytes / 1048576.0, dt,
           (double)STATS.bytes / 1e6 / dt, out);

    for (size_t i = 0; i < nt; i++) {
        free(tenants[i].hosts);
        free(tenants[i].users);
        free(tenants[i].apphosts);
    }
    free(tenants);
    free(cell);
    free(g_obuf);
    return 0;
}
