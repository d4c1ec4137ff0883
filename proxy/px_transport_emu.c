/* "emu:" backend: the card OS of libsdemu in this process. No daemon, no socket; the card
 * answers synchronously, so every call is bounded by the card's own work. */
#include <stdlib.h>
#include <string.h>

#include "px_error.h"
#include "px_transport.h"

#ifdef PX_HAVE_SDEMU
#include "emu_card.h"
#include "emu_profile.h"

static isoIec23465_Status px_emu_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                          uint8_t *resp, size_t cap, size_t *resp_len)
{
    if (cap < 2)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: response buffer too small");
    size_t n = emu_card_transmit(ctx, cmd, cmd_len, resp, cap);
    if (n < 2 || n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: card returned %zu bytes", n);
    *resp_len = n;
    return isoIec23465_Success;
}

static isoIec23465_Status px_emu_reset(void *ctx)
{
    emu_card_reset(ctx);
    return isoIec23465_Success;
}

static isoIec23465_Status px_emu_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    size_t n = 0;
    const uint8_t *a = emu_card_atr(ctx, &n);
    if (!a || n == 0 || n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "emu: no usable ATR");
    memcpy(atr, a, n);
    *len = n;
    return isoIec23465_Success;
}

static void px_emu_close(void *ctx)
{
    emu_card_free(ctx);
}

static const px_transport_ops px_emu_ops = {
    .transmit = px_emu_transmit,
    .reset = px_emu_reset,
    .atr = px_emu_atr,
    .close = px_emu_close,
};

isoIec23465_Status px_transport_emu_open(const char *path, px_transport *out)
{
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *p = emu_profile_load(path, &err);
    if (!p) {
        char msg[1100];
        emu_error_format(&err, msg, sizeof msg);
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                            "emu: %s", msg);
    }
    emu_card *card = emu_card_new(p);
    emu_profile_free(p);
    if (!card)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                            "emu: out of memory");
    emu_card_power_on(card);
    out->ops = &px_emu_ops;
    out->ctx = card;
    return isoIec23465_Success;
}

isoIec23465_Status px_transport_emu_probe(const char *path, uint8_t *atr, size_t cap, size_t *len)
{
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *p = emu_profile_load(path, &err);
    if (!p) {
        char msg[1100];
        emu_error_format(&err, msg, sizeof msg);
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                            "emu: %s", msg);
    }
    size_t n = 0;
    const uint8_t *a = emu_profile_atr(p, &n);
    isoIec23465_Status st = isoIec23465_Success;
    if (!a || n == 0 || n > cap)
        st = px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                          "emu: %s: no usable ATR", path);
    else {
        memcpy(atr, a, n);
        *len = n;
    }
    emu_profile_free(p);
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
