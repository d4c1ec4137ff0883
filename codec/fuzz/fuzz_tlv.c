/* BER-TLV reader: walk nested TLVs (depth at most 8); every tag and length read must re-encode
 * to the bytes it was read from, in its shortest form unless the input used a longer one. */
#include "codec_tlv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *data, size_t size, int depth)
{
    codec_reader r;
    codec_reader_init(&r, data, size);
    while (codec_reader_remaining(&r) > 0) {
        size_t start = r.off;
        uint32_t tag;
        size_t len;
        const uint8_t *v;
        if (!codec_ber_read_tlv(&r, &tag, &v, &len))
            return;
        size_t hdr = (size_t)(v - data) - start;

        uint8_t enc[8];
        codec_writer w;
        codec_writer_init(&w, enc, sizeof enc);
        if (!codec_ber_write_tag(&w, tag))
            abort();
        size_t tag_len = w.len;
        if (tag_len > hdr || memcmp(enc, data + start, tag_len) != 0)
            abort();
        if (!codec_ber_write_length(&w, len))
            abort();
        size_t len_len = w.len - tag_len;
        size_t in_len_len = hdr - tag_len;
        /* The input may use a longer (81 05) form; the writer uses the shortest one. */
        if (len_len > in_len_len)
            abort();
        if (len_len == in_len_len && memcmp(enc + tag_len, data + start + tag_len, len_len) != 0)
            abort();
        codec_reader lr;
        size_t back;
        codec_reader_init(&lr, data + start + tag_len, in_len_len);
        if (!codec_ber_read_length(&lr, &back) || back != len || codec_reader_remaining(&lr) != 0)
            abort();

        /* Constructed (bit 6 of the first tag byte): descend, bounded. */
        uint8_t first = (uint8_t)(tag >> (tag > 0xFFFF ? 16 : tag > 0xFF ? 8 : 0));
        if ((first & 0x20) && depth < MAX_DEPTH)
            walk(v, len, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size, 0);
    return 0;
}
