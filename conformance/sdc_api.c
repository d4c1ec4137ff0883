/* The function table behind every API call of the conformance tests (see sdc_api.h). */
#define SDC_API_NO_REDIRECT
#include "sdc_api.h"
#include "sdc_async.h"
#include "sdc_guard.h"
#include "sdc_trace.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sdc_api_names[SDC_FN_COUNT] = {
#define SDC_API_NAME_(n) "isoIec23465_" #n,
    SDC_API_STATUS_FUNCS(SDC_API_NAME_) SDC_API_VOID_FUNCS(SDC_API_NAME_)
#undef SDC_API_NAME_
        "isoIec23465_getLastError",
    "isoIec23465_statusToString",
};

static sdc_api_table sdc_table;
static pthread_once_t sdc_once = PTHREAD_ONCE_INIT;
static char sdc_path[4096];
static _Thread_local int sdc_last = -1;
/* Set when the last call went to a missing function: getLastError then describes that. */
static _Thread_local int sdc_missing_fn = -1;

static void sdc_direct(void)
{
#define SDC_API_DIRECT_(n) sdc_table.n = isoIec23465_##n;
    SDC_API_STATUS_FUNCS(SDC_API_DIRECT_)
    SDC_API_VOID_FUNCS(SDC_API_DIRECT_)
#undef SDC_API_DIRECT_
    sdc_table.getLastError = isoIec23465_getLastError;
    sdc_table.statusToString = isoIec23465_statusToString;
}

/* dlsym into a function pointer without the object-to-function cast ISO C does not define. */
static void sdc_resolve(void *lib, const char *name, void *slot, size_t size)
{
    void *p = dlsym(lib, name);
    if (size == sizeof p)
        memcpy(slot, &p, sizeof p);
}

static void sdc_dynamic(void *lib)
{
#define SDC_API_DLSYM_(n) sdc_resolve(lib, "isoIec23465_" #n, &sdc_table.n, sizeof sdc_table.n);
    SDC_API_STATUS_FUNCS(SDC_API_DLSYM_)
    SDC_API_VOID_FUNCS(SDC_API_DLSYM_)
    SDC_API_DLSYM_(getLastError)
    SDC_API_DLSYM_(statusToString)
#undef SDC_API_DLSYM_
}

static void sdc_init(void)
{
    const char *p = getenv(SDC_PROXY_ENV);
    if (!p || !*p) {
        sdc_direct();
        sdc_trace_hook(&sdc_table);
        sdc_guard_hook(&sdc_table);
        return;
    }
    snprintf(sdc_path, sizeof sdc_path, "%s", p);
    /* Kept open for the life of the process: handles point into it. On failure the table stays
     * empty and every call answers FunctionNotImplemented. */
    void *lib = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    if (lib)
        sdc_dynamic(lib);
    else
        fprintf(stderr, "sdconform: %s\n", dlerror());
    sdc_trace_hook(&sdc_table); /* per-test APDU traces (sdc_trace.h) */
    sdc_guard_hook(&sdc_table); /* PIN safety on physical cards (sdc_guard.h) */
}

bool sdc_api_load(const char *path, char *err, size_t errLen)
{
    if (path && *path) {
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            snprintf(err, errLen, "%s", dlerror());
            return false;
        }
        dlclose(lib);
        if (setenv(SDC_PROXY_ENV, path, 1) != 0) {
            snprintf(err, errLen, "setenv failed");
            return false;
        }
    } else if (unsetenv(SDC_PROXY_ENV) != 0) {
        snprintf(err, errLen, "unsetenv failed");
        return false;
    }
    pthread_once(&sdc_once, sdc_init);
    return true;
}

const sdc_api_table *sdc_api_get(void)
{
    pthread_once(&sdc_once, sdc_init);
    return &sdc_table;
}

const char *sdc_api_path(void)
{
    pthread_once(&sdc_once, sdc_init);
    return sdc_path;
}

bool sdc_api_has(enum sdc_api_fn fn)
{
    const sdc_api_table *t = sdc_api_get();
    switch (fn) {
#define SDC_API_HAS_(n)                                                                            \
    case SDC_FN_##n:                                                                               \
        return t->n != NULL;
        SDC_API_STATUS_FUNCS(SDC_API_HAS_)
        SDC_API_VOID_FUNCS(SDC_API_HAS_)
        SDC_API_HAS_(getLastError)
        SDC_API_HAS_(statusToString)
#undef SDC_API_HAS_
    case SDC_FN_COUNT:
        break;
    }
    return false;
}

int sdc_api_find(const char *name)
{
    static const char prefix[] = "isoIec23465_";
    if (strncmp(name, prefix, sizeof prefix - 1) == 0)
        name += sizeof prefix - 1;
    for (int i = 0; i < SDC_FN_COUNT; i++)
        if (strcmp(sdc_api_names[i] + sizeof prefix - 1, name) == 0)
            return i;
    return -1;
}

int sdc_api_level(enum sdc_api_fn fn)
{
    /* docs/api.md: the key classes and getRandom are level 2, administration is level 3. */
    static const char *const level2[] = {"_Key_",        "_AsymmetricKey_", "_PublicKey_",
                                         "_PrivateKey_", "_SecretKey_",     "_getRandom"};
    static const char *const level3[] = {"_createDataContainer", "_deleteObject",
                                         "_createApplication", "_deleteApplication"};
    if ((int)fn < 0 || fn >= SDC_FN_COUNT)
        return 0;
    const char *n = sdc_api_names[fn] + strlen("isoIec23465");
    for (size_t i = 0; i < sizeof level3 / sizeof level3[0]; i++)
        if (strstr(n, level3[i]))
            return 3;
    for (size_t i = 0; i < sizeof level2 / sizeof level2[0]; i++)
        if (strstr(n, level2[i]))
            return 2;
    return 1;
}

const char *sdc_api_last(void)
{
    return sdc_last >= 0 && sdc_last < SDC_FN_COUNT ? sdc_api_names[sdc_last] : "";
}

isoIec23465_Status sdc_api_done_(enum sdc_api_fn fn, isoIec23465_Status st)
{
    sdc_last = (int)fn;
    sdc_missing_fn = -1;
    return st;
}

/* A synchronous call through the table: details delivered by an earlier callback go stale. */
isoIec23465_Status sdc_api_sync_(enum sdc_api_fn fn, isoIec23465_Status st)
{
    sdc_async_forget();
    return sdc_api_done_(fn, st);
}

void sdc_api_done_void_(enum sdc_api_fn fn)
{
    sdc_last = (int)fn;
    /* A release leaves the last error alone; so does it here. */
}

void sdc_api_missing_(enum sdc_api_fn fn)
{
    sdc_async_forget();
    sdc_last = (int)fn;
    sdc_missing_fn = (int)fn;
}

isoIec23465_Status sdc_api_getLastError_(isoIec23465_ErrorDetails *details)
{
    isoIec23465_ErrorDetails delivered;
    if (sdc_async_delivered(&delivered)) {
        if (details)
            *details = delivered;
        return delivered.status;
    }
    const sdc_api_table *t = sdc_api_get();
    if (sdc_missing_fn < 0 && t->getLastError)
        return t->getLastError(details);
    if (details) {
        memset(details, 0, sizeof *details);
        details->status = isoIec23465_FunctionNotImplemented;
        details->origin = isoIec23465_OriginLocal;
        details->remainingTries = -1;
        snprintf(details->message, sizeof details->message, "%s is not exported by the proxy",
                 sdc_api_names[sdc_missing_fn >= 0 ? sdc_missing_fn : SDC_FN_getLastError]);
    }
    return isoIec23465_FunctionNotImplemented;
}

const char *sdc_api_status_name(isoIec23465_Status status)
{
    static const char *const names[] = {"Success",
                                        "FunctionNotImplemented",
                                        "IllegalArgument",
                                        "IllegalState",
                                        "SecurityDeviceNotFound",
                                        "ObjectNotFound",
                                        "SecurityStatusNotSatisfied",
                                        "AuthenticationFailed",
                                        "AuthenticationMethodBlocked",
                                        "ReferenceDataNotUsable",
                                        "ConditionsOfUseNotSatisfied",
                                        "NotEnoughMemory",
                                        "ObjectAlreadyExists",
                                        "CommunicationError",
                                        "SecurityDeviceError",
                                        "BufferTooSmall"};
    if ((unsigned)status < sizeof names / sizeof names[0])
        return names[status];
    return "Unknown";
}

const char *sdc_api_statusToString_(isoIec23465_Status status)
{
    const sdc_api_table *t = sdc_api_get();
    return t->statusToString ? t->statusToString(status) : sdc_api_status_name(status);
}
