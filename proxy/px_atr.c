/* ATR parsing: only what the proxy needs, all reads through codec_reader. */
#include "px_atr.h"

#include "codec_bytes.h"

void px_atr_software_byte(uint8_t third, int *chaining, int *extended_length, int *logical_channels)
{
    *chaining = (third & 0x80) ? 1 : 0;
    *extended_length = (third & 0x40) ? 1 : 0;
    *logical_channels = (third & 0x18) ? (third & 0x07) + 1 : 1;
}

/* Reads the card capabilities (compact-TLV tag 7) from historical bytes. */
static void px_atr_caps(const uint8_t *h, size_t n, px_atr_info *info)
{
    codec_reader r;
    uint8_t cat;
    codec_reader_init(&r, h, n);
    if (!codec_read_u8(&r, &cat))
        return;
    size_t end = n;
    if (cat == 0x00) {
        if (n < 4)
            return;
        end = n - 3; /* last three bytes: status indicator, not TLV */
    } else if (cat != 0x80) {
        return;
    }
    codec_reader_init(&r, h, end);
    r.off = 1;
    uint8_t tl;
    while (codec_read_u8(&r, &tl)) {
        const uint8_t *v;
        size_t l = tl & 0x0F;
        if (!codec_read_bytes(&r, l, &v))
            return;
        if ((tl >> 4) == 0x7 && l >= 3) {
            px_atr_software_byte(v[2], &info->chaining, &info->extended_length,
                                 &info->logical_channels);
            if (v[2] & 0x20) /* b6: extended length information in EF.ATR/INFO */
                info->efatr = true;
        } else if ((tl >> 4) == 0x3 && l >= 1 && (v[0] & 0x10) && (v[0] & 0x0E) == 0x08) {
            info->efatr = true; /* card service data: EF.ATR holds BER-TLV, READ BINARY */
        }
    }
}

/* How many of TAi, TBi, TCi follow: the number of bits set in the low three bits of Y. */
static const uint8_t px_atr_iface_bytes[8] = {0, 1, 1, 2, 1, 2, 2, 3};

bool px_atr_parse(const uint8_t *atr, size_t len, px_atr_info *out)
{
    codec_reader r;
    uint8_t ts, t0, td;
    codec_reader_init(&r, atr, len);
    if (!codec_read_u8(&r, &ts) || (ts != 0x3B && ts != 0x3F) || !codec_read_u8(&r, &t0))
        return false;
    size_t k = t0 & 0x0F;
    uint8_t y = t0 >> 4;
    bool tck = false;
    for (int round = 0; round < 16; round++) {
        const uint8_t *skip;
        size_t nb = px_atr_iface_bytes[y & 0x07];
        if (!codec_read_bytes(&r, nb, &skip))
            return false;
        if (!(y & 8))
            break;
        if (!codec_read_u8(&r, &td))
            return false;
        if ((td & 0x0F) != 0)
            tck = true;
        y = td >> 4;
    }
    px_atr_info info = {.extended_length = -1, .chaining = -1, .logical_channels = -1};
    if (!codec_read_bytes(&r, k, &info.hist))
        return false;
    info.hist_len = k;
    if (tck && codec_reader_remaining(&r) < 1)
        return false;
    px_atr_caps(info.hist, info.hist_len, &info);
    *out = info;
    return true;
}
