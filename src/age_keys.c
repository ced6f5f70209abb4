/*
 * age_keys.c — age X25519 keys as text (see age.h): Bech32 identities and
 * recipients, key generation, and recipients / identity files. Identity
 * bytes pass only through buffers that are wiped before they are freed, and
 * messages name the file and line, never the key.
 */
#include "age.h"

#include "bech32.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

int age_recipient_parse(const char *s, age_recipient_t *out)
{
    char hrp[8];
    size_t n = 0;

    if (bech32_decode(s, hrp, sizeof hrp, out->pub, 32, &n) || strcmp(hrp, "age") || n != 32)
        return -1;
    return 0;
}

int age_identity_parse(const char *s, age_identity_t *out)
{
    char hrp[20];
    size_t n = 0;
    int rc = -1;

    if (bech32_decode(s, hrp, sizeof hrp, out->secret, 32, &n) == 0 &&
        strcmp(hrp, "AGE-SECRET-KEY-") == 0 && n == 32 &&
        age_x25519_public(out->secret, out->pub) == 0)
        rc = 0;
    if (rc)
        OPENSSL_cleanse(out, sizeof *out);
    return rc;
}

int age_recipient_format(const age_recipient_t *r, char out[AGE_RECIPIENT_STRLEN])
{
    return bech32_encode("age", r->pub, 32, 0, out, AGE_RECIPIENT_STRLEN) < 0 ? -1 : 0;
}

int age_identity_format(const age_identity_t *id, char out[AGE_IDENTITY_STRLEN])
{
    return bech32_encode("age-secret-key-", id->secret, 32, 1, out, AGE_IDENTITY_STRLEN) < 0 ? -1
                                                                                             : 0;
}

int age_keygen(char identity[AGE_IDENTITY_STRLEN], char recipient[AGE_RECIPIENT_STRLEN])
{
    age_identity_t id;
    age_recipient_t r;
    int rc = -1;

    if (RAND_bytes(id.secret, 32) != 1 || age_x25519_public(id.secret, id.pub)) {
        log_error("age: key generation failed in OpenSSL");
        goto out;
    }
    memcpy(r.pub, id.pub, 32);
    if (age_identity_format(&id, identity) || age_recipient_format(&r, recipient))
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(&id, sizeof id);
    return rc;
}

/* Parse key lines: kind 0 recipients, 1 identities. */
static int parse_keys(const char *text, size_t len, const char *name, int kind, void **out,
                      size_t *n)
{
    size_t esz = kind ? sizeof(age_identity_t) : sizeof(age_recipient_t), cnt = 0, cap = 0;
    unsigned char *arr = NULL;
    char line[256];
    int lineno = 0, rc = -1;

    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, b = pos, e = end;
        lineno++;
        pos = end + 1;
        while (b < e && (text[b] == ' ' || text[b] == '\t'))
            b++;
        while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
            e--;
        if (b == e || text[b] == '#')
            continue;
        if (e - b >= sizeof line)
            goto bad;
        memcpy(line, text + b, e - b);
        line[e - b] = 0;
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            unsigned char *na = calloc(ncap, esz);
            if (!na) {
                log_error("%s: out of memory", name);
                goto out;
            }
            if (arr)
                memcpy(na, arr, cnt * esz);
            OPENSSL_cleanse(arr, cap * esz);
            free(arr);
            arr = na;
            cap = ncap;
        }
        if (kind ? age_identity_parse(line, (age_identity_t *)(void *)(arr + cnt * esz))
                 : age_recipient_parse(line, (age_recipient_t *)(void *)(arr + cnt * esz)))
            goto bad;
        cnt++;
    }
    if (cnt == 0) {
        log_error("%s: no %s found", name,
                  kind ? "identities (AGE-SECRET-KEY-1...)" : "recipients (age1...)");
        goto out;
    }
    rc = 0;
    goto out;
bad:
    log_error("%s:%d: not an age X25519 %s", name, lineno,
              kind ? "identity (want AGE-SECRET-KEY-1..., uppercase)"
                   : "recipient (want age1..., lowercase)");
out:
    OPENSSL_cleanse(line, sizeof line);
    if (rc) {
        OPENSSL_cleanse(arr, cap * esz);
        free(arr);
        arr = NULL;
        cnt = 0;
    }
    *out = arr;
    *n = cnt;
    return rc;
}

int age_recipients_parse(const char *text, size_t len, const char *name, age_recipient_t **out,
                         size_t *n)
{
    void *p = NULL;
    int rc = parse_keys(text, len, name, 0, &p, n);

    *out = p;
    return rc;
}

int age_identities_parse(const char *text, size_t len, const char *name, age_identity_t **out,
                         size_t *n)
{
    void *p = NULL;
    int rc = parse_keys(text, len, name, 1, &p, n);

    *out = p;
    return rc;
}

void age_identities_free(age_identity_t *ids, size_t n)
{
    if (!ids)
        return;
    OPENSSL_cleanse(ids, n * sizeof *ids);
    free(ids);
}

/* Read a key file (at most 1 MiB) and parse it; identities must be private. */
static int load_keys(const char *path, int kind, void **out, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
    struct stat st;
    char *buf = NULL;
    size_t len = 0;

    *out = NULL;
    *n = 0;
    if (fd < 0 || fstat(fd, &st) < 0) {
        log_error("%s file %s: %s", kind ? "identity" : "recipients", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
        log_error("%s file %s: not a regular file of at most 1 MiB",
                  kind ? "identity" : "recipients", path);
        goto out;
    }
    if (kind && (st.st_mode & 077)) {
        log_error("identity file %s is readable by group or others (mode %04o); chmod 600 %s", path,
                  (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        log_error("%s: out of memory", path);
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            log_error("%s: read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    rc = parse_keys(buf, len, path, kind, out, n);
out:
    if (buf)
        OPENSSL_cleanse(buf, (size_t)st.st_size);
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int age_recipients_load(const char *path, age_recipient_t **out, size_t *n)
{
    void *p = NULL;
    int rc = load_keys(path, 0, &p, n);

    *out = p;
    return rc;
}

int age_identities_load(const char *path, age_identity_t **out, size_t *n)
{
    void *p = NULL;
    int rc = load_keys(path, 1, &p, n);

    *out = p;
    return rc;
}
