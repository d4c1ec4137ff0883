/* Records the seed for the 'proxy' fuzz target from real traffic: runs the fuzz target's call
 * sequence against the in-process reference card through a recording transport and writes the
 * responses as a script (ATR first, then one frame per command). With CARD_OUT_FILE it also
 * writes the commands the proxy sent, one frame each: a seed for the card's own fuzz target
 * ('card'), recorded from the proxy's real traffic.
 * The script starts with the selector byte of the fuzz target (px_fuzz_drive.h; -s, default 0:
 * every call).
 * Usage: gen-proxy-corpus [-s SELECTOR] PROFILE OUT_FILE [CARD_OUT_FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isoiec23465.h"
#include "px_fuzz_drive.h"
#include "px_handle.h"
#include "px_transport.h"

typedef struct rec {
    px_transport inner;
    FILE *out;
    FILE *commands; /* NULL unless asked for */
} rec;

static void put_frame(FILE *f, const uint8_t *b, size_t n)
{
    fputc((int)(n >> 8), f);
    fputc((int)(n & 0xFF), f);
    fwrite(b, 1, n, f);
}

static isoIec23465_Status rec_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                       size_t cap, size_t *resp_len)
{
    rec *r = ctx;
    if (r->commands)
        put_frame(r->commands, cmd, cmd_len);
    isoIec23465_Status st = r->inner.ops->transmit(r->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
    if (st == isoIec23465_Success)
        put_frame(r->out, resp, *resp_len);
    return st;
}

static isoIec23465_Status rec_reset(void *ctx)
{
    rec *r = ctx;
    return r->inner.ops->reset(r->inner.ctx);
}

static isoIec23465_Status rec_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    rec *r = ctx;
    isoIec23465_Status st = r->inner.ops->atr(r->inner.ctx, atr, cap, len);
    if (st == isoIec23465_Success)
        put_frame(r->out, atr, *len);
    return st;
}

static void rec_close(void *ctx)
{
    rec *r = ctx;
    r->inner.ops->close(r->inner.ctx);
}

static const px_transport_ops rec_ops = {
    .transmit = rec_transmit, .reset = rec_reset, .atr = rec_atr, .close = rec_close};

int main(int argc, char **argv)
{
    const char *prog = argv[0];
    unsigned selector = 0;
    if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
        selector = (unsigned)strtoul(argv[2], NULL, 0) & 0xFFu;
        argc -= 2;
        argv += 2;
    }
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s [-s SELECTOR] PROFILE OUT_FILE [CARD_OUT_FILE]\n", prog);
        return 2;
    }
    rec r = {.commands = NULL};
    if (px_transport_emu_open(argv[1], &r.inner) != isoIec23465_Success) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    r.out = fopen(argv[2], "wb");
    if (!r.out) {
        perror(argv[2]);
        return 1;
    }
    fputc((int)selector, r.out);
    if (argc == 4 && !(r.commands = fopen(argv[3], "wb"))) {
        perror(argv[3]);
        return 1;
    }
    px_transport t = {&rec_ops, &r};
    px_devinfo info;
    memset(&info, 0, sizeof info);
    isoIec23465_SecurityDevice *dev = NULL;
    if (px_connect_transport(&t, &info, &dev) != isoIec23465_Success)
        return 1;
    px_fuzz_drive(dev, selector);
    isoIec23465_disconnectSecurityDevice(dev);
    fclose(r.out);
    if (r.commands)
        fclose(r.commands);
    return 0;
}
