/* "emu:" backend: the card OS of libsdemu in this process. No daemon, no socket; the card
 * answers synchronously, so every call is bounded by the card's own work.
 *
 * libsdemu (and the libcrypto it needs) is not linked: it is loaded with dlopen the first time
 * an emu: device is opened or probed, so a program that never uses emu: does not pay for the
 * emulator's code. Where it is looked for, first hit wins:
 *   1. $SDPROXY_SDEMU_LIB (a path; when set, nothing else is tried),
 *   2. libsdemu.so next to the object holding this code (libsdproxy.so, or the program that
 *      links the proxy statically),
 *   3. the build tree's libsdemu.so (compiled in as PX_SDEMU_BUILD_PATH),
 *   4. "libsdemu.so" through the dynamic linker's search path. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_error.h"
#include "px_transport.h"

#ifdef PX_HAVE_SDEMU
#include "emu_card.h"
#include "emu_profile.h"

/* The libsdemu functions the backend calls, resolved once. */
typedef struct px_sdemu_api {
    emu_profile *(*profile_load)(const char *path, emu_error *err);
    void (*profile_free)(emu_profile *profile);
    const uint8_t *(*profile_atr)(const emu_profile *profile, size_t *len);
    void (*error_format)(const emu_error *err, char *out, size_t cap);
    emu_card *(*card_new)(const emu_profile *profile);
    void (*card_free)(emu_card *card);
    void (*card_power_on)(emu_card *card);
    void (*card_reset)(emu_card *card);
    const uint8_t *(*card_atr)(const emu_card *card, size_t *len);
    size_t (*card_transmit)(emu_card *card, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                            size_t cap);
} px_sdemu_api;

static pthread_once_t px_sdemu_once = PTHREAD_ONCE_INIT;
static px_sdemu_api px_sdemu;
static bool px_sdemu_ok;
static char px_sdemu_why[1200]; /* why loading failed, for every later call */

/* dlopen of one candidate; appends dlerror() to px_sdemu_why when it fails. */
static void *px_sdemu_try(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        size_t used = strlen(px_sdemu_why);
        snprintf(px_sdemu_why + used, sizeof px_sdemu_why - used, "%s%s", used ? "; " : "",
                 e ? e : path);
    }
    return h;
}

/* Looks for libsdemu (order in the file's head comment) and opens it. */
static void *px_sdemu_open(void)
{
    const char *env = getenv("SDPROXY_SDEMU_LIB");
    if (env && *env)
        return px_sdemu_try(env);
    Dl_info self;
    if (dladdr(&px_sdemu_why, &self) && self.dli_fname) {
        const char *slash = strrchr(self.dli_fname, '/');
        if (slash) {
            char path[4096];
            int n = snprintf(path, sizeof path, "%.*s/libsdemu.so", (int)(slash - self.dli_fname),
                             self.dli_fname);
            void *h;
            if (n > 0 && (size_t)n < sizeof path && (h = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
                return h;
            (void)dlerror(); /* not there: the usual case for a statically linked proxy */
        }
    }
#ifdef PX_SDEMU_BUILD_PATH
    void *h = dlopen(PX_SDEMU_BUILD_PATH, RTLD_NOW | RTLD_LOCAL);
    if (h)
        return h;
    (void)dlerror();
#endif
    return px_sdemu_try("libsdemu.so");
}

/* Resolves `name` into *slot (a function pointer); false when missing. */
static bool px_sdemu_sym(void *lib, const char *name, void *slot)
{
    void *f = dlsym(lib, name);
    if (!f) {
        snprintf(px_sdemu_why, sizeof px_sdemu_why, "libsdemu has no %s", name);
        return false;
    }
    memcpy(slot, &f, sizeof f); /* object to function pointer, as POSIX dlsym intends */
    return true;
}

static void px_sdemu_load(void)
{
    void *lib = px_sdemu_open();
    if (!lib)
        return;
    px_sdemu_api a;
    bool ok = px_sdemu_sym(lib, "emu_profile_load", &a.profile_load) &&
              px_sdemu_sym(lib, "emu_profile_free", &a.profile_free) &&
              px_sdemu_sym(lib, "emu_profile_atr", &a.profile_atr) &&
              px_sdemu_sym(lib, "emu_error_format", &a.error_format) &&
              px_sdemu_sym(lib, "emu_card_new", &a.card_new) &&
              px_sdemu_sym(lib, "emu_card_free", &a.card_free) &&
              px_sdemu_sym(lib, "emu_card_power_on", &a.card_power_on) &&
              px_sdemu_sym(lib, "emu_card_reset", &a.card_reset) &&
              px_sdemu_sym(lib, "emu_card_atr", &a.card_atr) &&
              px_sdemu_sym(lib, "emu_card_transmit", &a.card_transmit);
    if (!ok) {
        dlclose(lib);
        return;
    }
    /* Stays loaded for the life of the process: cards may be open on any thread. */
    px_sdemu = a;
    px_sdemu_ok = true;
}

/* The loaded API, or NULL with the error details set (FunctionNotImplemented). */
static const px_sdemu_api *px_sdemu_get(void)
{
    pthread_once(&px_sdemu_once, px_sdemu_load);
    if (px_sdemu_ok)
        return &px_sdemu;
    px_error_record(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                    "emu: cannot load the emulator library libsdemu (%s); set SDPROXY_SDEMU_LIB to "
                    "its path",
                    px_sdemu_why);
    return NULL;
}

static isoIec23465_Status px_emu_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                          uint8_t *resp, size_t cap, size_t *resp_len)
{
    if (cap < 2)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: response buffer too small");
    size_t n = px_sdemu.card_transmit(ctx, cmd, cmd_len, resp, cap);
    if (n < 2 || n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: card returned %zu bytes", n);
    *resp_len = n;
    return isoIec23465_Success;
}

static isoIec23465_Status px_emu_reset(void *ctx)
{
    px_sdemu.card_reset(ctx);
    return isoIec23465_Success;
}

static isoIec23465_Status px_emu_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    size_t n = 0;
    const uint8_t *a = px_sdemu.card_atr(ctx, &n);
    if (!a || n == 0 || n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: no usable ATR");
    memcpy(atr, a, n);
    *len = n;
    return isoIec23465_Success;
}

static void px_emu_close(void *ctx)
{
    px_sdemu.card_free(ctx);
}

static const px_transport_ops px_emu_ops = {
    .transmit = px_emu_transmit,
    .reset = px_emu_reset,
    .atr = px_emu_atr,
    .close = px_emu_close,
};

/* Loads the profile at `path`; NULL with the error details set when it cannot. */
static emu_profile *px_emu_profile(const px_sdemu_api *api, const char *path)
{
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *p = api->profile_load(path, &err);
    if (!p) {
        char msg[1100];
        api->error_format(&err, msg, sizeof msg);
        px_error_record(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport, "emu: %s",
                        msg);
    }
    return p;
}

isoIec23465_Status px_transport_emu_open(const char *path, px_transport *out)
{
    const px_sdemu_api *api = px_sdemu_get();
    if (!api)
        return isoIec23465_FunctionNotImplemented;
    emu_profile *p = px_emu_profile(api, path);
    if (!p)
        return isoIec23465_SecurityDeviceNotFound;
    emu_card *card = api->card_new(p);
    api->profile_free(p);
    if (!card)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                            "emu: out of memory");
    api->card_power_on(card);
    out->ops = &px_emu_ops;
    out->ctx = card;
    return isoIec23465_Success;
}

isoIec23465_Status px_transport_emu_probe(const char *path, uint8_t *atr, size_t cap, size_t *len)
{
    const px_sdemu_api *api = px_sdemu_get();
    if (!api)
        return isoIec23465_FunctionNotImplemented;
    emu_profile *p = px_emu_profile(api, path);
    if (!p)
        return isoIec23465_SecurityDeviceNotFound;
    size_t n = 0;
    const uint8_t *a = api->profile_atr(p, &n);
    isoIec23465_Status st = isoIec23465_Success;
    if (!a || n == 0 || n > cap)
        st = px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                          "emu: %s: no usable ATR", path);
    else {
        memcpy(atr, a, n);
        *len = n;
    }
    api->profile_free(p);
    return st;
}

#else

isoIec23465_Status px_transport_emu_probe(const char *path, uint8_t *atr, size_t cap, size_t *len)
{
    (void)atr;
    (void)cap;
    (void)len;
    return px_transport_emu_open(path, NULL);
}

isoIec23465_Status px_transport_emu_open(const char *path, px_transport *out)
{
    (void)path;
    (void)out;
    return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                        "emu: libsdproxy was built without libsdemu");
}

#endif
