/*
 * fuzz_config.c — libFuzzer target for the INI parser: config_parse_string
 * on arbitrary text must either return a config (which is then walked, so
 * every string it holds is read) or NULL, without memory errors, leaks or
 * undefined behaviour. Seeds: tests/fuzz/corpus/config/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    config_t *c;
    size_t sum = 0;

    if (size > (1 << 20))
        return 0; /* config_load refuses files over 1 MiB */
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0; /* an embedded NUL ends the text, as a C string */
    log_set_level(LOG_ERROR);
    c = config_parse_string("fuzz.conf", text);
    if (c) {
        sum += touch(c->store.url) + touch(c->store.storage_class) + touch(c->catalog.path) +
               touch(c->pack.compression) + touch(c->store.region) + touch(c->store.endpoint) +
               touch(c->notify.command) + touch(c->notify.webhook);
        for (int i = 0; i < c->nsources; i++) {
            const config_source_t *s = &c->sources[i];
            sum += touch(s->name) + touch(s->path) + touch(s->host) + touch(s->user) +
                   touch(s->identity) + touch(s->ssh_command) + touch(s->tenant_fixed);
            /* invariants the rest of the program relies on */
            if (!s->name || !s->path || !strstr(s->path, "{date}"))
                abort();
            if (config_find_source(c, s->name) != s)
                abort(); /* duplicate source names slipped through */
            if (s->tenant_rule == TENANT_FIXED && !s->tenant_fixed)
                abort();
        }
        if (!c->store.url || c->nsources < 1 || c->pack.volume_size < 1 || c->pack.level < 1)
            abort();
        if (!strcmp(c->pack.compression, "gzip") && c->pack.level > 12)
            abort();
        if (c->store.thaw_delay < 0)
            abort();
        config_free(c);
    }
    free(text);
    return (int)(sum & 0);
}
