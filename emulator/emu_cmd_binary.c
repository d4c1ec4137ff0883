/* READ / UPDATE / WRITE / ERASE BINARY (7816-4 clause 11.3): even INS with a 15-bit offset or
 * an SFI in P1, odd INS with the file in P1-P2 and the offset in DO 54 (offsets beyond 32767).
 * WRITE BINARY ORs the data into the file (data coding byte 21: proprietary write behaviour,
 * documented in docs/profile.md); ERASE sets bytes to 00. */
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"

/* An offset DO (54): 1..3 bytes big-endian. */
static bool offset_value(const uint8_t *v, size_t len, size_t *out)
{
    if (len < 1 || len > 3)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        o = o << 8 | v[i];
    *out = o;
    return true;
}

/* Length of the TL header of a DO 53 holding n bytes. */
static size_t hdr_len(size_t n)
{
    return n < 128 ? 2 : n < 256 ? 3 : 4;
}

static emu_op op_of(uint8_t ins)
{
    switch (ins & 0xFE) {
    case 0xB0:
        return EMU_OP_READ;
    case 0xD6:
        return EMU_OP_UPDATE;
    case 0xD0:
        return EMU_OP_WRITE;
    default:
        return EMU_OP_ERASE;
    }
}

/* The EF an odd-INS command names in P1-P2: 0000 the current EF, 0001..001E an SFI, else a
 * FID (as SELECT P1 00 finds it). */
static uint16_t odd_target(const emu_card *card, uint16_t ref, uint16_t *sw)
{
    const emu_channel *ch = card->chan;
    if (ref == 0) {
        *sw = SW_NO_CURRENT_EF;
        return ch->cur_ef;
    }
    *sw = SW_NOT_FOUND;
    if ((ref & 0xFFE0) == 0) {
        if (ref == 0x1F) {
            *sw = SW_WRONG_P1P2;
            return EMU_NONE;
        }
        return emu_fs_child_by_sfi(&card->fs, ch->cur_df, (uint8_t)ref);
    }
    uint8_t fid[2] = {(uint8_t)(ref >> 8), (uint8_t)ref};
    return emu_select_find(card, 0x00, 0, fid, 2, sw);
}

uint16_t emu_cmd_binary(emu_card *card, const codec_capdu *a, emu_out *out)
{
    bool odd = a->ins & 1;
    emu_op op = op_of(a->ins);
    const emu_channel *ch = card->chan;
    uint16_t ef, sw;
    size_t offset = 0, end = SIZE_MAX, plen = 0;
    const uint8_t *payload = NULL;
    if (!odd) {
        if (a->p1 & 0x80) {
            uint8_t sfi = a->p1 & 0x1F;
            if ((a->p1 & 0x60) != 0 || sfi == 0 || sfi == 31)
                return SW_WRONG_P1P2;
            ef = emu_fs_child_by_sfi(&card->fs, ch->cur_df, sfi);
            if (ef == EMU_NONE)
                return SW_NOT_FOUND;
            offset = a->p2;
        } else {
            ef = ch->cur_ef;
            if (ef == EMU_NONE)
                return SW_NO_CURRENT_EF;
            offset = (size_t)a->p1 << 8 | a->p2;
        }
        payload = a->data;
        plen = a->lc;
        if (op == EMU_OP_ERASE && a->lc != 0) {
            /* the offset of the first byte not to erase */
            if (a->lc != 2)
                return SW_WRONG_LENGTH;
            end = (size_t)a->data[0] << 8 | a->data[1];
        }
    } else {
        ef = odd_target(card, (uint16_t)(a->p1 << 8 | a->p2), &sw);
        if (ef == EMU_NONE)
            return sw;
        codec_reader r;
        codec_reader_init(&r, a->data, a->lc);
        uint32_t tag;
        size_t len;
        const uint8_t *v;
        if (!codec_ber_read_tlv(&r, &tag, &v, &len) || tag != 0x54 ||
            !offset_value(v, len, &offset))
            return SW_WRONG_DATA;
        if (op == EMU_OP_UPDATE || op == EMU_OP_WRITE) {
            if (!codec_ber_read_tlv(&r, &tag, &payload, &plen) || (tag != 0x53 && tag != 0x73))
                return SW_WRONG_DATA;
        } else if (op == EMU_OP_ERASE && codec_reader_remaining(&r) > 0) {
            if (!codec_ber_read_tlv(&r, &tag, &v, &len) || tag != 0x54 ||
                !offset_value(v, len, &end))
                return SW_WRONG_DATA;
        }
        if (codec_reader_remaining(&r) != 0)
            return SW_WRONG_DATA;
    }
    const emu_file *cf = &card->fs.files[ef];
    if (cf->type != EMU_FILE_EF || cf->structure != EMU_EF_TRANSPARENT)
        return SW_INCOMPATIBLE_FILE;
    if ((sw = emu_fs_lcs_check(&card->fs, ef)) != 0)
        return sw;
    if ((sw = emu_access_check(card, cf, op)) != SW_OK)
        return sw;
    /* Addressing by SFI or FID makes the file current (7816-4 clause 7.2.2). */
    if (ef != ch->cur_ef)
        emu_select_node(card, ef);
    emu_file *f = &card->fs.files[ef];

    if (op == EMU_OP_READ) {
        if (a->ne == 0 || (!odd && a->lc != 0))
            return SW_WRONG_LENGTH;
        if (offset >= f->size)
            return SW_WRONG_OFFSET;
        size_t avail = f->size - offset, room = a->ne < out->cap ? a->ne : out->cap, n;
        if (!odd) {
            n = avail < room ? avail : room;
            /* What does not fit the frame is left for the next command, not an end of file. */
            memcpy(out->buf, f->data + offset, n);
            out->len = n;
            return n == avail && n < a->ne ? SW_END_OF_FILE : SW_OK;
        }
        /* odd INS: the bytes come in DO 53 and Ne counts its header */
        if (room < 3)
            return SW_WRONG_LENGTH;
        n = avail;
        if (n + hdr_len(n) > room) {
            n = room - 2;
            while (n + hdr_len(n) > room)
                n--;
        }
        codec_writer w;
        codec_writer_init(&w, out->buf, out->cap);
        codec_write_u8(&w, 0x53);
        codec_ber_write_length(&w, n);
        codec_write_bytes(&w, f->data + offset, n);
        out->len = w.len;
        return n == avail && w.len < a->ne ? SW_END_OF_FILE : SW_OK;
    }
    if (op == EMU_OP_ERASE) {
        if (end == SIZE_MAX)
            end = f->size;
        if (offset > f->size || (offset == f->size && f->size != 0))
            return SW_WRONG_OFFSET;
        if (end < offset || end > f->size)
            return SW_WRONG_DATA;
        memset(f->data + offset, 0, end - offset);
        return emu_fs_commit(card);
    }
    /* UPDATE / WRITE */
    if (plen == 0)
        return SW_WRONG_LENGTH;
    if (offset >= f->size)
        return SW_WRONG_OFFSET;
    if (plen > f->size - offset)
        return SW_NO_MEMORY;
    if (op == EMU_OP_UPDATE) {
        memcpy(f->data + offset, payload, plen);
    } else {
        for (size_t i = 0; i < plen; i++)
            f->data[offset + i] |= payload[i];
    }
    return emu_fs_commit(card);
}
