/* "replay:" backend: a recorded trace plays the card. Each command must match the next entry
 * (exact, or through the trace's ?? and ** bytes); the recorded response is the answer. The
 * first departure stops the replay for good, so a test cannot drift past the point where the
 * program stopped doing what was recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_trace.h"
#include "px_error.h"
#include "px_transport.h"

typedef struct px_replay {
    codec_trace *trace;
    size_t next;
    bool departed;
    char name[64]; /* the file's base name, for messages (they are 256 bytes at most) */
} px_replay;

static size_t px_replay_fread(void *ctx, char *buf, size_t n)
{
    return fread(buf, 1, n, ctx);
}

/* Reads the whole file (bounded by CODEC_TRACE_MAX_TEXT) and parses it. */
static isoIec23465_Status px_replay_load(const char *path, codec_trace **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginLocal,
                            "replay: %s: cannot open", path);
    codec_trace_error err;
    codec_trace *t = codec_trace_read(px_replay_fread, f, &err);
    fclose(f);
    if (!t) {
        char msg[256];
        codec_trace_error_format(&err, path, msg, sizeof msg);
        return px_error_set(err.line ? isoIec23465_SecurityDeviceNotFound
                                     : isoIec23465_NotEnoughMemory,
                            isoIec23465_OriginLocal, "replay: %s", msg);
    }
    *out = t;
    return isoIec23465_Success;
}

/* At most 16 bytes around `at` ("..01 02 ?? 03.."), so both versions fit one message. */
static void px_replay_excerpt(const uint8_t *b, const uint8_t *kind, size_t len, size_t at,
                              char *out, size_t cap)
{
    size_t from = at > 6 ? at - 6 : 0;
    size_t n = len - from > 16 ? 16 : len - from;
    char hex[16 * 3 + 1];
    codec_trace_format_bytes(b + from, kind ? kind + from : NULL, n, hex, sizeof hex);
    snprintf(out, cap, "%s%s%s", from ? ".. " : "", hex, from + n < len ? " .." : "");
}

static isoIec23465_Status px_replay_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                             uint8_t *resp, size_t cap, size_t *resp_len)
{
    px_replay *r = ctx;
    if (r->departed)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "replay: %s: stopped at an earlier departure", r->name);
    const codec_trace_entry *e = codec_trace_get(r->trace, r->next);
    char got[80];
    if (!e) {
        r->departed = true;
        px_replay_excerpt(cmd, NULL, cmd_len, 0, got, sizeof got);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "replay: %s: command after the last entry (%zu): got > %s", r->name,
                            codec_trace_count(r->trace), got);
    }
    size_t at = 0;
    if (!codec_trace_match_command(e, cmd, cmd_len, &at)) {
        r->departed = true;
        char want[80];
        px_replay_excerpt(e->cmd, e->cmd_kind, e->cmd_len, at, want, sizeof want);
        px_replay_excerpt(cmd, NULL, cmd_len, at, got, sizeof got);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "replay: %s:%zu: entry %zu departs at byte %zu: trace > %s; got > %s",
                            r->name, e->line, r->next + 1, at, want, got);
    }
    if (e->resp_len > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "replay: %s:%zu: response too long for the buffer", r->name, e->line);
    memcpy(resp, e->resp, e->resp_len); /* ?? and ** bytes are stored as 00 */
    *resp_len = e->resp_len;
    r->next++;
    return isoIec23465_Success;
}

static isoIec23465_Status px_replay_reset(void *ctx)
{
    (void)ctx; /* a reset is not an exchange: the trace goes on */
    return isoIec23465_Success;
}

static isoIec23465_Status px_replay_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    px_replay *r = ctx;
    size_t n = 0;
    const uint8_t *a = codec_trace_atr(r->trace, &n);
    static const uint8_t minimal[] = {0x3B, 0x00};
    if (!a) {
        a = minimal;
        n = sizeof minimal;
    }
    if (n > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "replay: ATR too long");
    memcpy(atr, a, n);
    *len = n;
    return isoIec23465_Success;
}

static void px_replay_close(void *ctx)
{
    px_replay *r = ctx;
    codec_trace_free(r->trace);
    free(r);
}

static const px_transport_ops px_replay_ops = {
    .transmit = px_replay_transmit,
    .reset = px_replay_reset,
    .atr = px_replay_atr,
    .close = px_replay_close,
};

isoIec23465_Status px_transport_replay_open(const char *path, px_transport *out)
{
    codec_trace *t = NULL;
    isoIec23465_Status st = px_replay_load(path, &t);
    if (st != isoIec23465_Success)
        return st;
    px_replay *r = calloc(1, sizeof *r);
    if (!r) {
        codec_trace_free(t);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    r->trace = t;
    const char *base = strrchr(path, '/');
    snprintf(r->name, sizeof r->name, "%s", base ? base + 1 : path);
    out->ops = &px_replay_ops;
    out->ctx = r;
    return isoIec23465_Success;
}

isoIec23465_Status px_transport_replay_probe(const char *path, uint8_t *atr, size_t cap,
                                             size_t *len)
{
    px_transport t;
    isoIec23465_Status st = px_transport_replay_open(path, &t);
    if (st != isoIec23465_Success)
        return st;
    st = t.ops->atr(t.ctx, atr, cap, len);
    t.ops->close(t.ctx);
    return st;
}
