/* GET DATA / PUT DATA (7816-4 clause 11.5): the card's data objects (profile key
 * `data_objects`). CA / DA address one object by its tag in P1-P2 and carry its value; CB / DB
 * (P1-P2 3FFF: the current DF) carry a tag list (5C) / whole BER-TLV objects. Access: the
 * object's own read (GET) / update (PUT) rule when the profile gives one, otherwise the current
 * DF's READ / UPDATE rule; checked per object, before anything is answered or written. */
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"

/* The tag P1-P2 names for CA / DA: 0040..00FF one-byte tags, otherwise two bytes. */
static bool tag_of(const codec_capdu *a, uint32_t *tag)
{
    uint16_t v = (uint16_t)(a->p1 << 8 | a->p2);
    if (v < 0x0040 || (a->p1 >= 0x01 && a->p1 <= 0x03) || a->p1 == 0x04)
        return false; /* reserved, SIMPLE-TLV and proprietary forms: not served */
    *tag = a->p1 ? v : a->p2;
    return true;
}

/* The rule GET (`get`) or PUT DATA must satisfy for object `d`. */
static uint16_t do_check(const emu_card *card, uint16_t df, const emu_dobj *d, bool get)
{
    unsigned i = get ? EMU_DO_READ : EMU_DO_UPDATE;
    if (d->access_set & (1u << i))
        return emu_access_rule_check(card, 0, &d->access[i]);
    return emu_access_check(card, &card->fs.files[df], get ? EMU_OP_READ : EMU_OP_UPDATE);
}

/* Copies `n` bytes of response, or 6Cxx when Ne is smaller. */
static uint16_t respond(const codec_capdu *a, emu_out *out, const uint8_t *src, size_t n)
{
    size_t room = a->ne ? a->ne : out->cap;
    if (n > room || n > out->cap)
        return (uint16_t)(SW_WRONG_LE | (n >= 256 ? 0 : n));
    memcpy(out->buf, src, n);
    out->len = n;
    return SW_OK;
}

uint16_t emu_cmd_data(emu_card *card, const codec_capdu *a, emu_out *out)
{
    emu_fs *fs = &card->fs;
    uint16_t df = card->chan->cur_df, sw;
    bool get = a->ins == 0xCA || a->ins == 0xCB;
    if ((sw = emu_fs_lcs_check(fs, df)) != 0)
        return sw;
    uint32_t tag;
    if (a->ins == 0xCA || a->ins == 0xDA) {
        if (!tag_of(a, &tag))
            return SW_WRONG_P1P2;
        emu_dobj *d = emu_fs_find_do(fs, tag);
        if (!d)
            return SW_REF_NOT_FOUND;
        if ((sw = do_check(card, df, d, get)) != SW_OK)
            return sw;
        if (get) {
            if (a->lc != 0)
                return SW_WRONG_LENGTH;
            return respond(a, out, d->value, d->len);
        }
        if (a->lc > d->cap)
            return SW_NO_MEMORY;
        if (a->lc)
            memcpy(d->value, a->data, a->lc);
        d->len = (uint16_t)a->lc;
        return emu_fs_commit(card);
    }
    /* CB / DB: P1-P2 3FFF (the current DF) */
    if (a->p1 != 0x3F || a->p2 != 0xFF)
        return SW_WRONG_P1P2;
    codec_reader r;
    codec_reader_init(&r, a->data, a->lc);
    size_t len;
    const uint8_t *v;
    if (get) {
        /* 5C tag list: the objects are returned whole, in the order asked */
        uint32_t t;
        if (!codec_ber_read_tag(&r, &t) || t != 0x5C || !codec_ber_read_length(&r, &len) ||
            !codec_read_bytes(&r, len, &v) || codec_reader_remaining(&r) != 0)
            return SW_WRONG_DATA;
        codec_reader list;
        codec_reader_init(&list, v, len);
        codec_writer w;
        size_t room = a->ne && a->ne < out->cap ? a->ne : out->cap;
        codec_writer_init(&w, out->buf, room);
        size_t need = 0;
        while (codec_reader_remaining(&list) > 0) {
            if (!codec_ber_read_tag(&list, &tag))
                return SW_WRONG_DATA;
            emu_dobj *d = emu_fs_find_do(fs, tag);
            if (!d)
                return SW_REF_NOT_FOUND;
            if ((sw = do_check(card, df, d, true)) != SW_OK)
                return sw;
            size_t before = w.len;
            codec_ber_write_tag(&w, tag);
            codec_ber_write_length(&w, d->len);
            codec_write_bytes(&w, d->value, d->len);
            need += w.overflow ? (tag > 0xFFFF ? 3u
                                  : tag > 0xFF ? 2u
                                               : 1u) +
                                     (d->len >= 256   ? 3u
                                      : d->len >= 128 ? 2u
                                                      : 1u) +
                                     d->len
                               : w.len - before;
        }
        if (w.overflow)
            return (uint16_t)(SW_WRONG_LE | (need >= 256 ? 0 : need));
        out->len = w.len;
        return SW_OK;
    }
    /* DB: every object must exist and fit before any is written */
    for (int pass = 0; pass < 2; pass++) {
        codec_reader_init(&r, a->data, a->lc);
        if (a->lc == 0)
            return SW_WRONG_LENGTH;
        while (codec_reader_remaining(&r) > 0) {
            if (!codec_ber_read_tag(&r, &tag) || !codec_ber_read_length(&r, &len) ||
                !codec_read_bytes(&r, len, &v))
                return SW_WRONG_DATA;
            emu_dobj *d = emu_fs_find_do(fs, tag);
            if (!d)
                return SW_REF_NOT_FOUND;
            if (len > d->cap)
                return SW_NO_MEMORY;
            if (pass == 0 && (sw = do_check(card, df, d, false)) != SW_OK)
                return sw;
            if (pass == 1) {
                if (len)
                    memcpy(d->value, v, len);
                d->len = (uint16_t)len;
            }
        }
    }
    return emu_fs_commit(card);
}
