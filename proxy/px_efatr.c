/* EF.ATR/INFO: reading and parsing, all reads through codec_reader. */
#include "px_efatr.h"

#include <stdlib.h>
#include <string.h>

#include "codec_tlv.h"
#include "px_apdu.h"
#include "px_atr.h"
#include "px_error.h"

/* A non-negative INTEGER (02) of 1..3 content bytes, within [min, max]. */
static bool px_efatr_integer(codec_reader *r, size_t min, size_t max, size_t *out)
{
    uint32_t tag;
    const uint8_t *v;
    size_t len;
    if (!codec_ber_read_tlv(r, &tag, &v, &len) || tag != 0x02 || len < 1 || len > 3 ||
        (v[0] & 0x80))
        return false;
    size_t value = 0;
    for (size_t i = 0; i < len; i++)
        value = value << 8 | v[i];
    if (value < min || value > max)
        return false;
    *out = value;
    return true;
}

/* Extended length information: the command and the response limits, then possibly more
 * INTEGERs (later editions add limits under secure messaging), which are checked and skipped. */
static bool px_efatr_lengths(const uint8_t *v, size_t len, px_efatr_info *info)
{
    codec_reader r;
    codec_reader_init(&r, v, len);
    if (!px_efatr_integer(&r, PX_EFATR_MIN_COMMAND, PX_EFATR_MAX_COMMAND, &info->max_command) ||
        !px_efatr_integer(&r, PX_EFATR_MIN_RESPONSE, PX_EFATR_MAX_RESPONSE, &info->max_response))
        return false;
    while (codec_reader_remaining(&r) > 0) {
        size_t ignored;
        if (!px_efatr_integer(&r, 0, 0xFFFFFF, &ignored))
            return false;
    }
    return true;
}

bool px_efatr_parse(const uint8_t *data, size_t len, px_efatr_info *out)
{
    px_efatr_info info = {.extended_length = -1, .chaining = -1, .logical_channels = -1};
    codec_reader r;
    codec_reader_init(&r, data, len);
    while (codec_reader_remaining(&r) > 0) {
        uint8_t first = r.data[r.off];
        if (first == 0x00 || first == 0xFF)
            break; /* padding, checked below */
        uint32_t tag;
        const uint8_t *v;
        size_t l;
        if (!codec_ber_read_tlv(&r, &tag, &v, &l))
            return false;
        if (tag == 0x47 && l >= 3)
            px_atr_software_byte(v[2], &info.chaining, &info.extended_length,
                                 &info.logical_channels);
        else if (tag == 0x7F66 && !px_efatr_lengths(v, l, &info))
            return false;
    }
    for (size_t i = r.off; i < len; i++)
        if (data[i] != 0x00 && data[i] != 0xFF)
            return false;
    *out = info;
    return true;
}

isoIec23465_Status px_efatr_read(px_conn *c, px_efatr_info *out, bool *found)
{
    static const uint8_t path[] = {0x2F, 0x01};
    *found = false;
    uint8_t *buf = malloc(PX_EFATR_MAX);
    if (!buf)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                            "out of memory reading EF.ATR");
    isoIec23465_Status st = px_apdu_begin(c);
    if (st != isoIec23465_Success) {
        free(buf);
        return st;
    }
    codec_capdu select = {
        .cla = 0x00, .ins = 0xA4, .p1 = 0x08, .p2 = 0x0C, .data = path, .lc = sizeof path};
    const uint8_t *d;
    size_t n = 0, got = 0;
    uint16_t sw;
    st = px_apdu_exchange(c, &select, &d, &n, &sw);
    if (st == isoIec23465_Success && sw == 0x9000)
        st = px_apdu_read_binary(c, 0, PX_EFATR_MAX, true, buf, &got);
    else if (st == isoIec23465_Success)
        st = px_error_set_sw(sw, "SELECT EF.ATR");
    px_apdu_end(c);
    if (st == isoIec23465_Success)
        *found = px_efatr_parse(buf, got, out);
    free(buf);
    if (st == isoIec23465_CommunicationError || st == isoIec23465_NotEnoughMemory)
        return st;
    px_error_clear(); /* a card without the file answers a status word: not the caller's error */
    return isoIec23465_Success;
}
