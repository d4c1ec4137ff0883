/* Recording decorator: forwards every operation to the wrapped transport and appends each
 * exchange to a trace file in the "sdtrace 1" format (docs/trace.md). Secrets are masked unless
 * the user asked to keep them. Each entry is flushed as it is written, so a crash keeps the
 * trace up to the last exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_trace.h"
#include "px_error.h"
#include "px_transport.h"

typedef struct px_record {
    px_transport inner;
    FILE *f;
    unsigned flags;
    struct timespec start;
    char *text; /* CODEC_TRACE_ENTRY_TEXT_MAX bytes */
} px_record;

static uint64_t px_record_us(const struct timespec *from, const struct timespec *to)
{
    int64_t us =
        (int64_t)(to->tv_sec - from->tv_sec) * 1000000 + (to->tv_nsec - from->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

static isoIec23465_Status px_record_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                             uint8_t *resp, size_t cap, size_t *resp_len)
{
    px_record *r = ctx;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    isoIec23465_Status st = r->inner.ops->transmit(r->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!r->f)
        return st;
    if (st != isoIec23465_Success || *resp_len < 2 || cmd_len == 0) {
        /* No response to record: a comment keeps the failure visible in the trace. */
        fprintf(r->f, "# transmit failed (%s)\n", isoIec23465_statusToString(st));
        fflush(r->f);
        return st;
    }
    codec_trace_entry e = {
        .time_us = px_record_us(&r->start, &t0),
        .duration_us = px_record_us(&t0, &t1),
        .channel = codec_trace_channel(cmd[0]),
        .cmd = cmd,
        .cmd_len = cmd_len,
        .resp = resp,
        .resp_len = *resp_len,
    };
    size_t n = codec_trace_format_entry(&e, r->flags, r->text, CODEC_TRACE_ENTRY_TEXT_MAX);
    if (n < CODEC_TRACE_ENTRY_TEXT_MAX)
        fwrite(r->text, 1, n, r->f);
    fflush(r->f);
    return st;
}

static isoIec23465_Status px_record_reset(void *ctx)
{
    px_record *r = ctx;
    isoIec23465_Status st = r->inner.ops->reset(r->inner.ctx);
    if (r->f) {
        fputs("# reset\n", r->f);
        fflush(r->f);
    }
    return st;
}

static isoIec23465_Status px_record_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    px_record *r = ctx;
    return r->inner.ops->atr(r->inner.ctx, atr, cap, len);
}

static isoIec23465_Status px_record_begin(void *ctx)
{
    px_record *r = ctx;
    return r->inner.ops->begin ? r->inner.ops->begin(r->inner.ctx) : isoIec23465_Success;
}

static void px_record_end(void *ctx)
{
    px_record *r = ctx;
    if (r->inner.ops->end)
        r->inner.ops->end(r->inner.ctx);
}

static void px_record_close(void *ctx)
{
    px_record *r = ctx;
    r->inner.ops->close(r->inner.ctx);
    if (r->f)
        fclose(r->f);
    free(r->text);
    free(r);
}

static const px_transport_ops px_record_ops = {
    .transmit = px_record_transmit,
    .reset = px_record_reset,
    .atr = px_record_atr,
    .begin = px_record_begin,
    .end = px_record_end,
    .close = px_record_close,
};

isoIec23465_Status px_transport_record_wrap(px_transport *t, const char *path, bool keep_secrets)
{
    px_record *r = calloc(1, sizeof *r);
    char *text = malloc(CODEC_TRACE_ENTRY_TEXT_MAX);
    if (!r || !text) {
        free(r);
        free(text);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        free(r);
        free(text);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginLocal,
                            "trace: cannot write %s", path);
    }
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len = 0;
    if (t->ops->atr(t->ctx, atr, sizeof atr, &atr_len) != isoIec23465_Success)
        atr_len = 0;
    px_error_clear(); /* a missing ATR is the connect's business, reported there */
    char head[CODEC_TRACE_HEADER_TEXT_MAX];
    size_t hn = codec_trace_format_header(atr, atr_len, head, sizeof head);
    fwrite(head, 1, hn < sizeof head ? hn : 0, f);
    fputs("# recorded by libsdproxy\n", f);
    fflush(f);
    r->inner = *t;
    r->f = f;
    r->text = text;
    r->flags = keep_secrets ? CODEC_TRACE_KEEP_SECRETS : 0;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    t->ops = &px_record_ops;
    t->ctx = r;
    return isoIec23465_Success;
}

isoIec23465_Status px_transport_record_from_env(px_transport *t)
{
    const char *path = getenv("SDPROXY_TRACE");
    if (!path || !*path)
        return isoIec23465_Success;
    const char *keep = getenv("SDPROXY_TRACE_SECRETS");
    return px_transport_record_wrap(t, path, keep && strcmp(keep, "keep") == 0);
}
