/* 7816-15 decoder: the first byte picks which structure to read, the rest is one file's
 * content, read entry by entry as a client would. Every entry that decodes is encoded again and
 * must decode to the same shape (the encoder and decoder share their definitions). */
#include "codec_p15.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KINDS 9
#define MAX_ENTRIES 256 /* a file holds at most this many entries */

/* What decoded must encode again (the encoder refuses only what the decoder never yields). */
static void check(bool ok)
{
    if (!ok)
        abort();
}

/* Decodes one entry of `kind`; on success re-encodes it into out and returns its length, else 0
 * (with the reader unchanged). */
static size_t one(int kind, codec_reader *r, uint8_t *out, size_t cap)
{
    codec_writer w;
    codec_writer_init(&w, out, cap);
    bool ok;
    switch (kind) {
    case 0: {
        codec_p15_app a;
        if (!codec_p15_read_app(r, &a))
            return 0;
        ok = codec_p15_write_app(&w, &a);
        break;
    }
    case 1: {
        codec_p15_od_entry e;
        if (!codec_p15_read_od_entry(r, &e))
            return 0;
        ok = codec_p15_write_od_entry(&w, &e);
        break;
    }
    case 2: {
        codec_p15_tokeninfo t;
        if (!codec_p15_read_tokeninfo(r, &t))
            return 0;
        ok = codec_p15_write_tokeninfo(&w, &t);
        break;
    }
    case 3: {
        codec_p15_pin p;
        if (!codec_p15_read_pin(r, &p))
            return 0;
        ok = codec_p15_write_pin(&w, &p);
        break;
    }
    case 4:
    case 5:
    case 6: {
        codec_p15_keyobj k;
        bool (*rd)(codec_reader *, codec_p15_keyobj *) = kind == 4   ? codec_p15_read_prkey
                                                         : kind == 5 ? codec_p15_read_pubkey
                                                                     : codec_p15_read_skey;
        bool (*wr)(codec_writer *, const codec_p15_keyobj *) = kind == 4   ? codec_p15_write_prkey
                                                               : kind == 5 ? codec_p15_write_pubkey
                                                                           : codec_p15_write_skey;
        if (!rd(r, &k))
            return 0;
        ok = wr(&w, &k);
        break;
    }
    case 7: {
        codec_p15_cert c;
        if (!codec_p15_read_cert(r, &c))
            return 0;
        ok = codec_p15_write_cert(&w, &c);
        break;
    }
    default: {
        codec_p15_data d;
        if (!codec_p15_read_data(r, &d))
            return 0;
        ok = codec_p15_write_data(&w, &d);
        break;
    }
    }
    check(ok);
    return w.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int kind = data[0] % KINDS;
    codec_reader r;
    codec_reader_init(&r, data + 1, size - 1);
    static uint8_t out[70000], again[70000];
    for (int i = 0; i < MAX_ENTRIES && !codec_p15_at_end(&r); i++) {
        size_t n = one(kind, &r, out, sizeof out);
        if (n == 0) {
            if (!codec_p15_skip(&r))
                break;
            continue;
        }
        /* the re-encoding decodes again, to the same encoding */
        codec_reader r2;
        codec_reader_init(&r2, out, n);
        size_t m = one(kind, &r2, again, sizeof again);
        if (m != n || memcmp(out, again, n) != 0 || codec_reader_remaining(&r2) != 0)
            abort();
    }
    return 0;
}
