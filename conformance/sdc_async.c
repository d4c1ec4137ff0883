/* Non-blocking calls for the "_async" cases (see sdc_async.h). */
#include "sdc_async.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a callback may take before the case fails: longer than any card operation here. */
#define SDC_ASYNC_WAIT_S 60

typedef struct sdc_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    isoIec23465_Status status;
    isoIec23465_ErrorDetails details;
} sdc_wait;

static sdc_wait sdc_slot = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, {0}};
static bool sdc_have_delivered;
static isoIec23465_ErrorDetails sdc_delivered;

sdc_async_fn sdc_async_lookup(const char *name)
{
    static void *lib;
    static bool opened, linked;
    char full[160];
    snprintf(full, sizeof full, "isoIec23465_%s_async", name);
    if (!opened) {
        const char *p = getenv(SDC_PROXY_ENV);
        /* the library sdc_api opened: dlopen again only takes another reference; without
         * --proxy the linked libsdproxy is searched (RTLD_DEFAULT is a null pointer) */
        linked = !(p && *p);
        lib = linked ? NULL : dlopen(p, RTLD_NOW | RTLD_LOCAL);
        opened = true;
    }
    void *sym = linked ? dlsym(RTLD_DEFAULT, full) : lib ? dlsym(lib, full) : NULL;
    sdc_async_fn fn = NULL;
    memcpy(&fn, &sym, sizeof fn); /* POSIX: dlsym's object pointer holds a function */
    return fn;
}

void sdc_async_done(isoIec23465_Status status, const isoIec23465_ErrorDetails *details, void *user)
{
    sdc_wait *w = user;
    pthread_mutex_lock(&w->lock);
    w->status = status;
    if (details)
        w->details = *details;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void *sdc_async_slot(void)
{
    return &sdc_slot;
}

int sdc_async_begin(void)
{
    pthread_mutex_lock(&sdc_slot.lock);
    sdc_slot.done = false;
    memset(&sdc_slot.details, 0, sizeof sdc_slot.details);
    pthread_mutex_unlock(&sdc_slot.lock);
    return 0;
}

isoIec23465_Status sdc_async_end(const char *name, isoIec23465_Status queued)
{
    if (queued != isoIec23465_Success)
        return queued; /* not queued: the details are this thread's */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SDC_ASYNC_WAIT_S;
    pthread_mutex_lock(&sdc_slot.lock);
    int rc = 0;
    while (!sdc_slot.done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&sdc_slot.cond, &sdc_slot.lock, &until);
    bool done = sdc_slot.done;
    isoIec23465_Status st = sdc_slot.status;
    sdc_delivered = sdc_slot.details;
    pthread_mutex_unlock(&sdc_slot.lock);
    if (!done) {
        /* the callback may still come and write into the slot: it stays valid (static) */
        memset(&sdc_delivered, 0, sizeof sdc_delivered);
        sdc_delivered.status = isoIec23465_CommunicationError;
        snprintf(sdc_delivered.message, sizeof sdc_delivered.message,
                 "%s_async: no callback within %d s", name, SDC_ASYNC_WAIT_S);
        st = isoIec23465_CommunicationError;
    }
    sdc_have_delivered = true;
    return st;
}

isoIec23465_Status sdc_async_absent(const char *name)
{
    memset(&sdc_delivered, 0, sizeof sdc_delivered);
    sdc_delivered.status = isoIec23465_FunctionNotImplemented;
    sdc_delivered.origin = isoIec23465_OriginLocal;
    sdc_delivered.remainingTries = -1;
    snprintf(sdc_delivered.message, sizeof sdc_delivered.message,
             "isoIec23465_%s_async is not exported by the proxy", name);
    sdc_have_delivered = true;
    return isoIec23465_FunctionNotImplemented;
}

bool sdc_async_delivered(isoIec23465_ErrorDetails *details)
{
    if (sdc_have_delivered && details)
        *details = sdc_delivered;
    return sdc_have_delivered;
}

void sdc_async_forget(void)
{
    sdc_have_delivered = false;
}
