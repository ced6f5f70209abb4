/*
 * keys.c — per-tenant age recipients and key generation for [encryption]
 * (layout and contract in keys.h, operator's view in docs/encryption.md).
 *
 * Tenant names come from directory names and remote tar streams, so they
 * are percent-encoded before they become file names: the encoding is
 * injective and never yields "", "." or "..", or a '/'. New files are
 * written to a mkstemp temporary (0600) in their directory, fsynced, and
 * link()ed into place, which fails if the name exists: a crash never leaves
 * a half-written key under its final name, and two writers cannot replace
 * each other's key. The identity is written before its recipient, so no
 * object can be encrypted to a recipient whose identity was not saved; a
 * crash between the two is repaired on the next use by deriving the
 * recipient from the saved identity.
 */
#include "keys.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME_MAX_ENC 768 /* an encoded tenant name: 3 bytes per input byte at most */

static pthread_mutex_t keygen_mu = PTHREAD_MUTEX_INITIALIZER;

int keys_tenant_name(const char *tenant, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    if (!tenant || !*tenant || cap == 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)tenant; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
                    (*p == '.' && p != (const unsigned char *)tenant);
        if (o + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
    return 0;
}

/* Make dir (and parents) 0700 when missing. 0 or -1 (logged). */
static int private_dir(const char *dir)
{
    struct stat sb;

    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    if (util_mkdirs(dir, 0700) < 0 || chmod(dir, 0700) < 0) {
        log_error("cannot create key directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Write text to dir/name (0600) unless it exists: temp file, fsync, link.
 * 0, or -1 (logged; EEXIST in errno when the name was taken). */
static int write_new(const char *dir, const char *name, const char *text)
{
    char *path = util_asprintf("%s/%s", dir, name);
    char *tmp = util_asprintf("%s/.%s.tmp.XXXXXX", dir, name);
    int fd = -1, rc = -1, e = 0;

    if (!path || !tmp) {
        log_error("out of memory");
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, 0600) < 0 || util_write_all(fd, text, strlen(text)) < 0 ||
        fsync(fd) < 0) {
        log_error("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (link(tmp, path) < 0) {
        e = errno;
        log_error("cannot create %s: %s", path, strerror(e));
        goto out;
    }
    util_fsync_dir_of(path);
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(path);
    free(tmp);
    errno = e;
    return rc;
}

static int write_recipient(const char *tenant, const char *dir, const char *fname,
                           const char *recipient)
{
    char *txt = util_asprintf("# age recipient of coldpack tenant %s\n%s\n", tenant, recipient);
    int rc = txt ? write_new(dir, fname, txt) : -1;

    free(txt);
    return rc;
}

int keys_generate(const char *tenant, const char *key_dir, const char *pub_dir,
                  char recipient[AGE_RECIPIENT_STRLEN])
{
    char name[NAME_MAX_ENC], fkey[NAME_MAX_ENC + 8], fpub[NAME_MAX_ENC + 8], stamp[32];
    char identity[AGE_IDENTITY_STRLEN];
    char *txt = NULL;
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;

    if (keys_tenant_name(tenant, name, sizeof name) < 0) {
        log_error("tenant name \"%s\" cannot be a key file name (empty or too long)", tenant);
        return -1;
    }
    snprintf(fkey, sizeof fkey, "%s.key", name);
    snprintf(fpub, sizeof fpub, "%s.txt", name);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (private_dir(key_dir) < 0 || private_dir(pub_dir) < 0 || age_keygen(identity, recipient) < 0)
        goto out;
    txt = util_asprintf("# created: %s\n# tenant: %s\n# public key: %s\n%s\n", stamp, tenant,
                        recipient, identity);
    if (!txt || write_new(key_dir, fkey, txt) < 0)
        goto out;
    if (write_recipient(tenant, pub_dir, fpub, recipient) < 0)
        goto out;
    rc = 0;
out:
    if (txt) {
        memset(txt, 0, strlen(txt));
        free(txt);
    }
    memset(identity, 0, sizeof identity);
    return rc;
}

/* unknown_tenant = keygen, with keygen_mu held: the recipients file rec is
 * missing. Make the key pair, or finish one a crash left half-written. */
static int auto_keygen(const config_encryption_t *e, const char *tenant, const char *name)
{
    char *kpath = util_asprintf("%s/%s.key", e->identities_dir, name);
    char *fpub = util_asprintf("%s.txt", name);
    char rec[AGE_RECIPIENT_STRLEN];
    age_identity_t *ids = NULL;
    size_t nids = 0;
    struct stat sb;
    int rc = -1;

    if (!kpath || !fpub)
        goto out;
    if (stat(kpath, &sb) == 0) {
        age_recipient_t r;
        /* the identity was saved, its recipient not: derive it */
        if (age_identities_load(kpath, &ids, &nids) < 0)
            goto out;
        memcpy(r.pub, ids[0].pub, sizeof r.pub);
        if (age_recipient_format(&r, rec) < 0 ||
            write_recipient(tenant, e->recipients_dir, fpub, rec) < 0)
            goto out;
    } else if (keys_generate(tenant, e->identities_dir, e->recipients_dir, rec) < 0) {
        goto out;
    }
    log_info("tenant %s: new age key pair: identity %s (keep it safe: it is the only way to read "
             "this tenant's backups), recipient %s/%s (%s)",
             tenant, kpath, e->recipients_dir, fpub, rec);
    rc = 0;
out:
    age_identities_free(ids, nids);
    free(kpath);
    free(fpub);
    return rc;
}

int keys_tenant_recipients(const config_encryption_t *e, const char *tenant, age_recipient_t **out,
                           size_t *n)
{
    char name[NAME_MAX_ENC];
    char *rpath = NULL, *epath = NULL;
    age_recipient_t *r = NULL, *esc = NULL;
    size_t nr = 0, nesc = 0;
    struct stat sb;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (keys_tenant_name(tenant, name, sizeof name) < 0) {
        log_error("tenant name \"%s\" cannot be a key file name (empty or too long)", tenant);
        return -1;
    }
    rpath = util_asprintf("%s/%s.txt", e->recipients_dir, name);
    epath = util_asprintf("%s/%s.escrow.txt", e->recipients_dir, name);
    if (!rpath || !epath) {
        log_error("out of memory");
        goto out;
    }
    if (stat(rpath, &sb) < 0 && errno == ENOENT) {
        if (!e->unknown_keygen) {
            log_error("tenant %s has no age recipients: expected %s ([encryption] "
                      "unknown_tenant = fail); create it (coldpack keygen --tenant '%s' --out "
                      "DIR, then copy DIR/%s.txt there) and run again",
                      tenant, rpath, tenant, name);
            goto out;
        }
        pthread_mutex_lock(&keygen_mu);
        int k = stat(rpath, &sb) < 0 && errno == ENOENT ? auto_keygen(e, tenant, name) : 0;
        pthread_mutex_unlock(&keygen_mu);
        if (k < 0) {
            log_error("tenant %s: no recipients file %s and no key pair could be made", tenant,
                      rpath);
            goto out;
        }
    }
    if (age_recipients_load(rpath, &r, &nr) < 0)
        goto out;
    if (stat(epath, &sb) == 0) {
        age_recipient_t *all;
        if (age_recipients_load(epath, &esc, &nesc) < 0)
            goto out;
        all = realloc(r, (nr + nesc) * sizeof *r);
        if (!all) {
            log_error("out of memory");
            goto out;
        }
        r = all;
        memcpy(r + nr, esc, nesc * sizeof *esc);
        nr += nesc;
    }
    *out = r;
    *n = nr;
    r = NULL;
    rc = 0;
out:
    free(r);
    free(esc);
    free(rpath);
    free(epath);
    return rc;
}

/* Append "age1... (path)" for each recipient of path to sb-like string *s. */
static void describe_file(char **s, const char *path)
{
    char *text = NULL;
    age_recipient_t *r = NULL;
    size_t n = 0;
    struct stat sb;

    if (stat(path, &sb) < 0)
        return;
    if (age_recipients_load(path, &r, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        char str[AGE_RECIPIENT_STRLEN];
        if (age_recipient_format(&r[i], str) < 0)
            continue;
        text = util_asprintf("%s%s%s (%s)", *s ? *s : "", *s ? ", " : "", str, path);
        if (text) {
            free(*s);
            *s = text;
        }
    }
    free(r);
}

char *keys_describe(const config_encryption_t *e, const char *tenant)
{
    char name[NAME_MAX_ENC], *s = NULL;

    if (!e || !e->recipients_dir)
        return util_asprintf("the recipients of tenant %s (this host has no [encryption] "
                             "recipients_dir to name them)",
                             tenant);
    if (keys_tenant_name(tenant, name, sizeof name) == 0) {
        char *a = util_asprintf("%s/%s.txt", e->recipients_dir, name);
        char *b = util_asprintf("%s/%s.escrow.txt", e->recipients_dir, name);
        if (a)
            describe_file(&s, a);
        if (b)
            describe_file(&s, b);
        free(a);
        free(b);
    }
    if (!s)
        s = util_asprintf("the recipients of tenant %s (no %s/%s.txt on this host)", tenant,
                          e->recipients_dir, name);
    return s;
}
