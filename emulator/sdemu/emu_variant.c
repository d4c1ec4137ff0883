/* ATR variants and serial numbers for several cards made from one profile. */
#include "emu_variant.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codec_bytes.h"

/* Where the historical bytes start and whether a TCK follows them. */
typedef struct atr_layout {
    size_t hist_off;
    size_t hist_len;
    bool tck;
} atr_layout;

static int parse_layout(const uint8_t *atr, size_t len, atr_layout *lay)
{
    codec_reader r;
    codec_reader_init(&r, atr, len);
    uint8_t ts, t0;
    if (!codec_read_u8(&r, &ts) || !codec_read_u8(&r, &t0) || (ts != 0x3B && ts != 0x3F))
        return -1;
    lay->tck = false;
    lay->hist_len = t0 & 0x0F;
    uint8_t y = t0 >> 4;
    for (unsigned i = 0; i < 8; i++) { /* at most TD1..TD8 chain within 33 bytes anyway */
        const uint8_t *skip;
        /* TAi, TBi, TCi: one byte each when present */
        size_t n = (size_t)(y & 1u) + (size_t)((y >> 1) & 1u) + (size_t)((y >> 2) & 1u);
        if (!codec_read_bytes(&r, n, &skip))
            return -1;
        if (!(y & 8))
            break;
        uint8_t td;
        if (!codec_read_u8(&r, &td))
            return -1;
        if ((td & 0x0F) != 0)
            lay->tck = true; /* a protocol other than T=0 is indicated */
        y = td >> 4;
        if (i == 7 && (y & 8))
            return -1;
    }
    lay->hist_off = r.off;
    if (codec_reader_remaining(&r) != lay->hist_len + (lay->tck ? 1u : 0u))
        return -1;
    if (lay->tck) {
        uint8_t x = 0;
        for (size_t i = 1; i < len; i++)
            x ^= atr[i];
        if (x != 0)
            return -1;
    }
    return 0;
}

int emu_variant_atr(const uint8_t *atr, size_t len, unsigned k, uint8_t *out, size_t *out_len)
{
    atr_layout lay;
    if (k < 1 || k > 255 || len > EMU_VARIANT_ATR_MAX || parse_layout(atr, len, &lay) != 0 ||
        lay.hist_len == 0)
        return -1;
    size_t end = lay.hist_off + lay.hist_len; /* one past the last historical byte */
    memcpy(out, atr, end);
    size_t n = end;
    bool compact = atr[lay.hist_off] == 0x80;
    if (compact && lay.hist_len + 2 <= 15 && len + 2 <= EMU_VARIANT_ATR_MAX) {
        out[n++] = 0x51; /* card issuer's data, 1 byte */
        out[n++] = (uint8_t)k;
        out[1] = (uint8_t)((out[1] & 0xF0) | (lay.hist_len + 2));
    } else {
        out[n - 1] ^= (uint8_t)k;
    }
    if (lay.tck) {
        uint8_t x = 0;
        for (size_t i = 1; i < n; i++)
            x ^= out[i];
        out[n++] = x;
    }
    *out_len = n;
    return 0;
}

int emu_variant_serial(const char *serial, unsigned k, char *out, size_t cap)
{
    if (!serial || !*serial)
        serial = "sdemu";
    int n = snprintf(out, cap, "%s-%u", serial, k);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}
