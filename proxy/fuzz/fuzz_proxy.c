/* Card responses into the proxy. The input is a selector byte (px_fuzz_drive.h: which groups
 * of calls run), then a script of length-prefixed frames (2-byte big-endian length, then
 * bytes): the first is the ATR, each further one answers one command; once the script is used
 * up every command fails with a transport error. It drives connect (description matching and
 * ISO/IEC 7816-15 discovery), then px_fuzz_drive on the objects the responses led to.
 * Under libFuzzer a custom mutator keeps the framing: it mutates one response (its bytes or its
 * status word), drops or repeats one, or flips a selector bit, so mutations reach the calls
 * behind the first response instead of breaking every length prefix. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isoiec23465.h"
#include "px_fuzz_drive.h"
#include "px_handle.h"
#include "px_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
/* libFuzzer's own mutator; weak, so the corpus-replay build (no libFuzzer) links too, and never
 * calls the custom mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned selector = data[0];
    px_transport tr;
    if (px_transport_fake_open(data + 1, size - 1, &tr) != isoIec23465_Success)
        return 0;
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "fuzz:");
    isoIec23465_SecurityDevice *dev = NULL;
    if (px_connect_transport(&tr, &info, &dev) != isoIec23465_Success)
        return 0;
    px_fuzz_drive(dev, selector);
    if (isoIec23465_disconnectSecurityDevice(dev) != isoIec23465_Success)
        __builtin_trap(); /* a device handle is always disconnectable */
    return 0;
}

/* Frames of an input: offsets of their bodies and lengths (at most FM_MAX_FRAMES), and where
 * the bytes that form no whole frame start. */
#define FM_MAX_FRAMES 4096
typedef struct fm_frames {
    size_t off[FM_MAX_FRAMES], len[FM_MAX_FRAMES], n, rest;
} fm_frames;

static void fm_parse(const uint8_t *data, size_t size, fm_frames *f)
{
    size_t i = 1;
    f->n = 0;
    while (f->n < FM_MAX_FRAMES && size - i >= 2) {
        size_t n = (size_t)data[i] << 8 | data[i + 1];
        if (n > size - i - 2)
            break;
        f->off[f->n] = i + 2;
        f->len[f->n++] = n;
        i += 2 + n;
    }
    f->rest = i;
}

/* Status words worth trying in place of a response's own (low byte varied for 61, 6C, 63). */
static const uint16_t fm_sws[] = {0x9000, 0x6100, 0x6C00, 0x63C0, 0x6282, 0x6283, 0x6285, 0x6300,
                                  0x6700, 0x6981, 0x6982, 0x6983, 0x6984, 0x6985, 0x6A80, 0x6A81,
                                  0x6A82, 0x6A83, 0x6A84, 0x6A86, 0x6A88, 0x6A89, 0x6B00, 0x6D00};

static uint32_t fm_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static fm_frames f;
    uint32_t x = seed | 1u;
    unsigned op = fm_next(&x) % 8;
    if (size >= 1)
        fm_parse(data, size, &f);
    if (size < 1 || f.n < 2 || op == 0 || !LLVMFuzzerMutate)
        return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max_size) : size;
    size_t k = 1 + fm_next(&x) % (f.n - 1); /* a response, not the ATR */
    if (op == 1) {                          /* another group of calls */
        data[0] ^= (uint8_t)(1u << (fm_next(&x) % 8));
        return size;
    }
    if (op == 2 && f.len[k] >= 2) { /* another status word */
        uint16_t sw = fm_sws[fm_next(&x) % (sizeof fm_sws / sizeof fm_sws[0])];
        if (sw == 0x6100 || sw == 0x6C00)
            sw |= (uint16_t)(fm_next(&x) & 0xFF);
        else if (sw == 0x63C0)
            sw |= (uint16_t)(fm_next(&x) & 0x0F);
        data[f.off[k] + f.len[k] - 2] = (uint8_t)(sw >> 8);
        data[f.off[k] + f.len[k] - 1] = (uint8_t)sw;
        return size;
    }
    /* Rebuild the input with frame k mutated (ops 2..5), dropped (6) or repeated (7). */
    uint8_t *out = malloc(max_size), *body = malloc(max_size);
    if (!out || !body) {
        free(out);
        free(body);
        return size;
    }
    size_t blen = f.len[k], bcap = max_size - (size - f.len[k]);
    if (bcap > 65535)
        bcap = 65535;
    memcpy(body, data + f.off[k], blen);
    if (op <= 5)
        blen = LLVMFuzzerMutate(body, blen, bcap);
    size_t o = 0;
    out[o++] = data[0];
    for (size_t i = 0; i < f.n && o <= max_size; i++) {
        const uint8_t *b = i == k ? body : data + f.off[i];
        size_t n = i == k ? blen : f.len[i];
        unsigned copies = i != k ? 1 : op == 6 ? 0 : op == 7 ? 2 : 1;
        for (unsigned c = 0; c < copies; c++) {
            if (max_size - o < 2 + n) {
                o = max_size + 1;
                break;
            }
            out[o++] = (uint8_t)(n >> 8);
            out[o++] = (uint8_t)n;
            memcpy(out + o, b, n);
            o += n;
        }
    }
    if (o <= max_size && max_size - o >= size - f.rest) {
        memcpy(out + o, data + f.rest, size - f.rest);
        o += size - f.rest;
        memcpy(data, out, o);
        size = o;
    }
    free(out);
    free(body);
    return size;
}
