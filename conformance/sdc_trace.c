/* Per-test APDU traces (see sdc_trace.h). */
#include "sdc_trace.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The table's own connect functions, called by the wrappers. */
static __typeof__(isoIec23465_connectSecurityDevice) *sdc_real_connect;
static __typeof__(isoIec23465_connectSecurityDeviceBySpec) *sdc_real_connect_spec;
static unsigned sdc_connections; /* connections opened by this process's test */

/* Points SDPROXY_TRACE at the next file of the running test (in the parent, which connects
 * only to read the device's attributes, nothing is traced). */
static void sdc_trace_next(void)
{
    const char *dir = getenv(SDC_TRACE_ENV);
    if (!dir || !*dir || !criterion_current_test || !criterion_current_test->category)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s.%u.trace", dir, criterion_current_test->category,
             criterion_current_test->name, ++sdc_connections);
    setenv("SDPROXY_TRACE", path, 1);
}

static isoIec23465_Status sdc_traced_connect(const isoIec23465_SecurityDeviceEntry *entry,
                                             isoIec23465_SecurityDevice **device)
{
    sdc_trace_next();
    return sdc_real_connect(entry, device);
}

static isoIec23465_Status sdc_traced_connect_spec(const char *spec,
                                                  isoIec23465_SecurityDevice **device)
{
    sdc_trace_next();
    return sdc_real_connect_spec(spec, device);
}

void sdc_trace_hook(sdc_api_table *t)
{
    const char *dir = getenv(SDC_TRACE_ENV);
    if (!dir || !*dir)
        return;
    if (t->connectSecurityDevice) {
        sdc_real_connect = t->connectSecurityDevice;
        t->connectSecurityDevice = sdc_traced_connect;
    }
    if (t->connectSecurityDeviceBySpec) {
        sdc_real_connect_spec = t->connectSecurityDeviceBySpec;
        t->connectSecurityDeviceBySpec = sdc_traced_connect_spec;
    }
}

static void sdc_trace_path(char *buf, size_t size, const char *dir, const char *suite,
                           const char *test, unsigned k)
{
    snprintf(buf, size, "%s/%s.%s.%u.trace", dir, suite, test, k);
}

/* Appends up to n bytes of s to the growing text; false once the limit is reached. */
static bool sdc_append(char *text, size_t *len, const char *s, size_t n)
{
    size_t room = SDC_TRACE_EMBED_MAX - *len;
    size_t take = n < room ? n : room;
    memcpy(text + *len, s, take);
    *len += take;
    return take == n;
}

char *sdc_trace_read(const char *dir, const char *suite, const char *test)
{
    if (!dir || !*dir)
        return NULL;
    char *text = malloc(SDC_TRACE_EMBED_MAX + 128);
    if (!text)
        return NULL;
    size_t len = 0;
    bool whole = true, any = false;
    for (unsigned k = 1; whole; k++) {
        char path[4096];
        sdc_trace_path(path, sizeof path, dir, suite, test, k);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        any = true;
        char head[4200];
        int hn = snprintf(head, sizeof head, "# connection %u: %s\n", k, path);
        whole = sdc_append(text, &len, head, hn > 0 ? (size_t)hn : 0);
        char buf[4096];
        size_t n;
        while (whole && (n = fread(buf, 1, sizeof buf, f)) > 0)
            whole = sdc_append(text, &len, buf, n);
        fclose(f);
    }
    if (!any) {
        free(text);
        return NULL;
    }
    if (!whole)
        len += (size_t)snprintf(text + len, 128, "\n# ... truncated at %u bytes: see the files\n",
                                SDC_TRACE_EMBED_MAX);
    text[len] = '\0';
    return text;
}

void sdc_trace_discard(const char *dir, const char *suite, const char *test)
{
    if (!dir || !*dir)
        return;
    for (unsigned k = 1;; k++) {
        char path[4096];
        sdc_trace_path(path, sizeof path, dir, suite, test, k);
        if (unlink(path) != 0)
            break;
    }
}
