/* BER-TLV tags and definite lengths. */
#include "codec_tlv.h"

#include <stdint.h>

/* Longest tag and longest length field accepted, in bytes. */
#define TAG_MAX_BYTES 3
#define LEN_MAX_BYTES 2

bool codec_ber_read_tag(codec_reader *r, uint32_t *tag)
{
    codec_reader t = *r;
    uint8_t b;
    if (!codec_read_u8(&t, &b) || b == 0x00 || b == 0xFF)
        return false;
    uint32_t v = b;
    if ((b & 0x1F) == 0x1F) {
        /* Subsequent bytes: bit 8 set means another byte follows. */
        for (int i = 1;; i++) {
            if (i == TAG_MAX_BYTES || !codec_read_u8(&t, &b))
                return false;
            v = v << 8 | b;
            if (!(b & 0x80))
                break;
        }
    }
    *tag = v;
    *r = t;
    return true;
}

bool codec_ber_read_length(codec_reader *r, size_t *len)
{
    codec_reader t = *r;
    uint8_t b;
    if (!codec_read_u8(&t, &b))
        return false;
    size_t v = b;
    if (b & 0x80) {
        /* Long form: the low bits count the length bytes that follow. */
        size_t n = b & 0x7F;
        if (n < 1 || n > LEN_MAX_BYTES)
            return false;
        v = 0;
        for (size_t i = 0; i < n; i++) {
            if (!codec_read_u8(&t, &b))
                return false;
            v = v << 8 | b;
        }
    }
    *len = v;
    *r = t;
    return true;
}

bool codec_ber_read_tlv(codec_reader *r, uint32_t *tag, const uint8_t **value, size_t *len)
{
    codec_reader t = *r;
    uint32_t tg;
    size_t l;
    const uint8_t *v;
    if (!codec_ber_read_tag(&t, &tg) || !codec_ber_read_length(&t, &l) ||
        !codec_read_bytes(&t, l, &v))
        return false;
    *tag = tg;
    *value = v;
    *len = l;
    *r = t;
    return true;
}

/* Writes the low n bytes of v big-endian, all or nothing. */
static bool write_be(codec_writer *w, uint32_t v, size_t n)
{
    uint8_t b[4];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return codec_write_bytes(w, b, n);
}

bool codec_ber_write_tag(codec_writer *w, uint32_t tag)
{
    if (tag == 0 || tag > 0xFFFFFF) {
        w->overflow = true;
        return false;
    }
    size_t n = tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
    return write_be(w, tag, n);
}

bool codec_ber_write_length(codec_writer *w, size_t len)
{
    if (len > 0xFFFF) {
        w->overflow = true;
        return false;
    }
    if (len < 0x80)
        return codec_write_u8(w, (uint8_t)len);
    /* Long form, 81 xx or 82 xxxx, in one write so a length is never half written. */
    size_t n = len > 0xFF ? 2 : 1;
    return write_be(w, (uint32_t)(0x80 | n) << (8 * n) | (uint32_t)len, 1 + n);
}
