/* Bounded byte reader and writer, hex text in and out. */
#include "codec_bytes.h"

#include <stdint.h>
#include <string.h>

void codec_reader_init(codec_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->off = 0;
}

size_t codec_reader_remaining(const codec_reader *r)
{
    return r->len - r->off;
}

bool codec_read_u8(codec_reader *r, uint8_t *out)
{
    if (1 > r->len - r->off)
        return false;
    *out = r->data[r->off];
    r->off += 1;
    return true;
}

bool codec_read_u16be(codec_reader *r, uint16_t *out)
{
    if (2 > r->len - r->off)
        return false;
    *out = (uint16_t)((unsigned)r->data[r->off] << 8 | r->data[r->off + 1]);
    r->off += 2;
    return true;
}

bool codec_read_bytes(codec_reader *r, size_t n, const uint8_t **out)
{
    if (n > r->len - r->off)
        return false;
    *out = r->data + r->off;
    r->off += n;
    return true;
}

void codec_writer_init(codec_writer *w, uint8_t *buf, size_t cap)
{
    w->data = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

bool codec_write_bytes(codec_writer *w, const uint8_t *src, size_t n)
{
    /* Sticky: after one failed write nothing more is appended, so the output stays a prefix of
     * what the caller meant to write. */
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return false;
    }
    if (n > 0)
        memcpy(w->data + w->len, src, n);
    w->len += n;
    return true;
}

bool codec_write_u8(codec_writer *w, uint8_t v)
{
    return codec_write_bytes(w, &v, 1);
}

bool codec_write_u16be(codec_writer *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return codec_write_bytes(w, b, sizeof b);
}

int codec_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':';
}

bool codec_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *out_len,
                      size_t *err_pos)
{
    size_t n = 0;
    size_t i = 0;
    if (!text)
        text_len = 0;
    while (i < text_len) {
        if (hex_separator(text[i])) {
            i++;
            continue;
        }
        int hi = codec_hex_digit(text[i]);
        if (hi < 0)
            goto fail;
        if (i + 1 == text_len)
            goto fail; /* odd trailing digit */
        int lo = codec_hex_digit(text[i + 1]);
        if (lo < 0) {
            i++; /* the offending character is the second one (a separator inside a pair too) */
            goto fail;
        }
        if (n >= cap || !out)
            goto fail; /* i is the first digit of the byte that does not fit */
        out[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    *out_len = n;
    return true;
fail:
    if (err_pos)
        *err_pos = i;
    return false;
}

size_t codec_hex_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
    static const char digits[] = "0123456789ABCDEF";
    if (len > SIZE_MAX / 3)
        return SIZE_MAX;
    size_t need = len ? 3 * len - 1 : 0;
    if (!out || cap == 0)
        return need;
    size_t pos = 0;
    for (size_t i = 0; i < len && pos < cap - 1; i++) {
        char chunk[3] = {digits[data[i] >> 4], digits[data[i] & 0x0f], ' '};
        size_t chunk_len = i + 1 < len ? 3 : 2;
        for (size_t j = 0; j < chunk_len && pos < cap - 1; j++)
            out[pos++] = chunk[j];
    }
    out[pos] = '\0';
    return need;
}
