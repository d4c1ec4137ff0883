/* A scripted device for tests and the 'proxy' fuzz target: frames are read with the bounded
 * codec_reader, so a malformed script only ends the conversation. */
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "px_error.h"
#include "px_transport.h"

typedef struct px_fake {
    uint8_t *script;
    codec_reader rd;
    size_t count;
    uint8_t last[512];
    size_t last_len;
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len;
} px_fake;

static const px_transport_ops px_fake_ops;

/* Takes the next frame from the script; false when none is left or it is cut short. */
static int px_fake_next(px_fake *f, const uint8_t **frame, size_t *len)
{
    uint16_t n;
    codec_reader save = f->rd;
    if (!codec_read_u16be(&f->rd, &n) || !codec_read_bytes(&f->rd, n, frame)) {
        f->rd = save;
        return 0;
    }
    *len = n;
    return 1;
}

static isoIec23465_Status px_fake_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                           uint8_t *resp, size_t cap, size_t *resp_len)
{
    px_fake *f = ctx;
    f->count++;
    f->last_len = cmd_len < sizeof f->last ? cmd_len : sizeof f->last;
    memcpy(f->last, cmd, f->last_len);
    const uint8_t *frame;
    size_t n;
    if (!px_fake_next(f, &frame, &n))
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "fake transport: script exhausted");
    if (n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "fake transport: response of %zu bytes exceeds %zu", n, cap);
    if (n)
        memcpy(resp, frame, n);
    *resp_len = n;
    return isoIec23465_Success;
}

static isoIec23465_Status px_fake_reset(void *ctx)
{
    (void)ctx;
    return isoIec23465_Success;
}

static isoIec23465_Status px_fake_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    px_fake *f = ctx;
    if (f->atr_len > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "fake transport: ATR too long");
    memcpy(atr, f->atr, f->atr_len);
    *len = f->atr_len;
    return isoIec23465_Success;
}

static void px_fake_close(void *ctx)
{
    px_fake *f = ctx;
    if (!f)
        return;
    free(f->script);
    free(f);
}

static const px_transport_ops px_fake_ops = {
    .transmit = px_fake_transmit,
    .reset = px_fake_reset,
    .atr = px_fake_atr,
    .close = px_fake_close,
};

isoIec23465_Status px_transport_fake_open(const uint8_t *script, size_t len, px_transport *out)
{
    px_fake *f = calloc(1, sizeof *f);
    uint8_t *copy = malloc(len ? len : 1);
    if (!f || !copy) {
        free(f);
        free(copy);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    if (len)
        memcpy(copy, script, len);
    f->script = copy;
    codec_reader_init(&f->rd, copy, len);
    const uint8_t *atr;
    size_t atr_len;
    if (!px_fake_next(f, &atr, &atr_len) || atr_len == 0 || atr_len > PX_ATR_MAX) {
        px_fake_close(f);
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                            "fake transport: no valid ATR frame");
    }
    memcpy(f->atr, atr, atr_len);
    f->atr_len = atr_len;
    out->ops = &px_fake_ops;
    out->ctx = f;
    return isoIec23465_Success;
}

size_t px_transport_fake_count(const px_transport *t)
{
    return t && t->ops == &px_fake_ops ? ((const px_fake *)t->ctx)->count : 0;
}

size_t px_transport_fake_last(const px_transport *t, uint8_t *buf, size_t cap)
{
    if (!t || t->ops != &px_fake_ops)
        return 0;
    const px_fake *f = t->ctx;
    size_t n = f->last_len < cap ? f->last_len : cap;
    memcpy(buf, f->last, n);
    return n;
}
