/*
 * keys.h — the per-tenant age keys of [encryption] (docs/encryption.md):
 *
 *   recipients_dir/<name>.txt          the tenant's age recipients (public)
 *   recipients_dir/<name>.escrow.txt   optional: escrow recipients added to
 *                                      every object of that tenant
 *   identities_dir/<name>.key          made by unknown_tenant = keygen (0600)
 *
 * <name> is the tenant name with every byte outside [A-Za-z0-9._-], and a
 * leading '.', percent-encoded as %XX (uppercase hex), so any tenant maps
 * to one plain file name and no two tenants share one. There is no global
 * recipient: a tenant's objects are readable only with its own identities
 * (and its escrow's).
 *
 * Thread-safety: every function may run concurrently; keys_tenant_recipients
 * serializes key generation in the process (the run lock keeps other
 * processes out).
 */
#ifndef COLDPACK_KEYS_H
#define COLDPACK_KEYS_H

#include "age.h"
#include "config.h"

#include <stddef.h>

/* The file name stem of tenant (see above) into out (cap bytes, NUL
 * included). Returns 0, or -1 when tenant is empty or out is too small. */
int keys_tenant_name(const char *tenant, char *out, size_t cap);

/* The recipients of tenant's objects: recipients_dir/<name>.txt plus
 * <name>.escrow.txt when present. A tenant without a recipients file either
 * fails (unknown_tenant = fail: the message names the tenant and the file
 * expected) or gets a new key pair (keygen: identity written to
 * identities_dir/<name>.key, 0600, then the recipient to
 * recipients_dir/<name>.txt; directories made 0700). *out is malloc'd
 * (caller frees), *n its count. Returns 0 or -1 (logged). */
int keys_tenant_recipients(const config_encryption_t *e, const char *tenant, age_recipient_t **out,
                           size_t *n);

/* A new key pair for tenant: identity to key_dir/<name>.key (0600, created
 * O_EXCL) and recipient to pub_dir/<name>.txt (0644, created O_EXCL), each
 * written to a temporary file, fsynced and linked into place; the
 * directories are made 0700 when missing. recipient gets the "age1..."
 * string. Fails (logged) if either file already exists. Returns 0 or -1. */
int keys_generate(const char *tenant, const char *key_dir, const char *pub_dir,
                  char recipient[AGE_RECIPIENT_STRLEN]);

/* For messages: "age1... (DIR/<name>.txt), age1... (DIR/<name>.escrow.txt)"
 * — the recipients an object of tenant was written for, as far as this
 * host's [encryption] knows; or a sentence saying it does not know. Caller
 * frees. Never NULL unless out of memory. */
char *keys_describe(const config_encryption_t *e, const char *tenant);

#endif
