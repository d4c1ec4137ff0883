/* SELECT (7816-4 clause 11.2.2) and the file control information it returns: FCP (62), FCI
 * (6F), FMD (64). */
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"

/* SELECT by FID with P1 = 00: the MF, the current DF, its children, its parent, or the
 * parent's children. */
static uint16_t find_fid(const emu_card *card, uint16_t fid)
{
    const emu_fs *fs = &card->fs;
    uint16_t df = card->chan->cur_df, parent = fs->files[df].parent;
    if (fid == 0x3F00)
        return 0;
    if (fs->files[df].has_fid && fs->files[df].fid == fid)
        return df;
    uint16_t hit = emu_fs_child_by_fid(fs, df, fid);
    if (hit != EMU_NONE || parent == EMU_NONE)
        return hit;
    if (fs->files[parent].has_fid && fs->files[parent].fid == fid)
        return parent;
    return emu_fs_child_by_fid(fs, parent, fid);
}

static bool aid_matches(const emu_file *f, const uint8_t *aid, size_t len)
{
    return !f->deleted && f->type == EMU_FILE_DF && f->aid_len >= len &&
           memcmp(f->aid, aid, len) == 0;
}

/* SELECT by DF name, full or partial (a prefix), occurrence per P2 b2-b1: 0 first, 1 last,
 * 2 next, 3 previous, in tree order relative to the current DF. */
static uint16_t find_aid(const emu_card *card, const uint8_t *aid, size_t len, unsigned occ)
{
    uint16_t count = card->fs.count, cur = card->chan->cur_df;
    const emu_file *files = card->fs.files;
    switch (occ) {
    case 0:
        for (uint16_t i = 0; i < count; i++)
            if (aid_matches(&files[i], aid, len))
                return i;
        break;
    case 1:
        for (uint16_t i = count; i-- > 0;)
            if (aid_matches(&files[i], aid, len))
                return i;
        break;
    case 2:
        for (uint16_t i = (uint16_t)(cur + 1); i < count; i++)
            if (aid_matches(&files[i], aid, len))
                return i;
        break;
    default:
        for (uint16_t i = cur; i-- > 0;)
            if (aid_matches(&files[i], aid, len))
                return i;
        break;
    }
    return EMU_NONE;
}

uint16_t emu_select_find(const emu_card *card, uint8_t p1, unsigned occ, const uint8_t *data,
                         size_t lc, uint16_t *sw)
{
    const emu_fs *fs = &card->fs;
    const emu_channel *ch = card->chan;
    uint16_t target = EMU_NONE;
    *sw = SW_NOT_FOUND;
    if (occ != 0 && p1 != 0x04) {
        *sw = SW_WRONG_P1P2;
        return EMU_NONE;
    }
    switch (p1) {
    case 0x00:
        if (lc == 0)
            return 0;
        if (lc != 2) {
            *sw = SW_WRONG_LENGTH;
            return EMU_NONE;
        }
        return find_fid(card, (uint16_t)(data[0] << 8 | data[1]));
    case 0x01:
    case 0x02:
        if (lc != 2) {
            *sw = SW_WRONG_LENGTH;
            return EMU_NONE;
        }
        target = emu_fs_child_by_fid(fs, ch->cur_df, (uint16_t)(data[0] << 8 | data[1]));
        if (target != EMU_NONE &&
            fs->files[target].type != (p1 == 0x01 ? EMU_FILE_DF : EMU_FILE_EF))
            target = EMU_NONE;
        return target;
    case 0x03:
        if (lc != 0) {
            *sw = SW_NC_INCONSISTENT;
            return EMU_NONE;
        }
        return fs->files[ch->cur_df].parent;
    case 0x04:
        if (lc == 0 || lc > EMU_MAX_AID) {
            *sw = SW_WRONG_LENGTH;
            return EMU_NONE;
        }
        return find_aid(card, data, lc, occ);
    case 0x08:
    case 0x09:
        if (lc == 0 || lc % 2 != 0) {
            *sw = SW_WRONG_LENGTH;
            return EMU_NONE;
        }
        return emu_fs_find_path(fs, p1 == 0x08 ? 0 : ch->cur_df, data, lc);
    default:
        *sw = SW_WRONG_P1P2;
        return EMU_NONE;
    }
}

void emu_select_node(emu_card *card, uint16_t target)
{
    emu_channel *ch = card->chan;
    const emu_file *f = &card->fs.files[target];
    uint16_t old_df = ch->cur_df, new_df = f->type == EMU_FILE_DF ? target : f->parent;
    uint16_t new_ef = f->type == EMU_FILE_DF ? EMU_NONE : target;
    if (new_ef != ch->cur_ef)
        ch->cur_rec = 0;
    ch->cur_df = new_df;
    ch->cur_ef = new_ef;
    if (old_df != new_df)
        emu_security_selected(card, old_df, new_df);
}

/* ---- templates ---- */

static void write_tl(codec_writer *w, uint8_t tag, size_t len)
{
    codec_write_u8(w, tag);
    codec_ber_write_length(w, len);
}

static size_t records_in_use(const emu_file *f)
{
    size_t n = 0;
    for (uint16_t i = 0; i < f->record_count; i++)
        n += f->record_len[i];
    return n;
}

/* FCP content (7816-4 clause 7.4): 80 data size, 81 total size, 82 descriptor, 83 FID, 84 DF
 * name, 88 SFI, 8A life cycle, AB security attributes. */
static void write_fcp_body(codec_writer *w, const emu_fs *fs, uint16_t idx)
{
    const emu_file *f = &fs->files[idx];
    if (f->type == EMU_FILE_EF) {
        bool transparent = f->structure == EMU_EF_TRANSPARENT;
        size_t used = transparent ? f->size : records_in_use(f);
        write_tl(w, 0x80, 2);
        codec_write_u16be(w, (uint16_t)used);
        write_tl(w, 0x81, 2);
        codec_write_u16be(w, (uint16_t)f->size);
        if (transparent) {
            write_tl(w, 0x82, 1);
            codec_write_u8(w, EMU_EF_TRANSPARENT);
        } else {
            /* descriptor, data coding byte, maximum record size (2 bytes), number of records */
            write_tl(w, 0x82, 5);
            codec_write_u8(w, (uint8_t)f->structure);
            codec_write_u8(w, 0x21);
            codec_write_u16be(w, f->record_size);
            codec_write_u8(w, (uint8_t)f->record_count);
        }
    } else {
        write_tl(w, 0x82, 1);
        codec_write_u8(w, 0x38); /* DF */
    }
    if (f->has_fid) {
        write_tl(w, 0x83, 2);
        codec_write_u16be(w, f->fid);
    }
    if (f->aid_len) {
        write_tl(w, 0x84, f->aid_len);
        codec_write_bytes(w, f->aid, f->aid_len);
    }
    if (f->sfi) {
        write_tl(w, 0x88, 1);
        codec_write_u8(w, (uint8_t)(f->sfi << 3));
    }
    write_tl(w, 0x8A, 1);
    codec_write_u8(w, f->lcs);
    emu_access_write_fcp(w, f);
}

/* FMD content: the application label (50) of a DF. */
static void write_fmd_body(codec_writer *w, const emu_file *f)
{
    if (f->type == EMU_FILE_DF && f->label) {
        size_t n = strlen(f->label);
        write_tl(w, 0x50, n);
        codec_write_bytes(w, (const uint8_t *)f->label, n);
    }
}

/* Encodes template `tag` (62 FCP, 6F FCI = FCP and FMD content, 64 FMD) of file `idx`;
 * returns its length, 0 when it does not fit `cap`. */
static size_t build_template(const emu_fs *fs, uint16_t idx, uint8_t tag, uint8_t *out, size_t cap)
{
    uint8_t body[1024];
    codec_writer bw, w;
    codec_writer_init(&bw, body, sizeof body);
    if (tag != 0x64)
        write_fcp_body(&bw, fs, idx);
    if (tag != 0x62)
        write_fmd_body(&bw, &fs->files[idx]);
    if (bw.overflow)
        return 0;
    codec_writer_init(&w, out, cap);
    write_tl(&w, tag, bw.len);
    codec_write_bytes(&w, body, bw.len);
    return w.overflow ? 0 : w.len;
}

uint16_t emu_cmd_select(emu_card *card, const codec_capdu *a, emu_out *out)
{
    uint8_t tag;
    switch (a->p2 & 0xFC) {
    case 0x00:
        tag = 0x6F;
        break;
    case 0x04:
        tag = 0x62;
        break;
    case 0x08:
        tag = 0x64;
        break;
    case 0x0C:
        tag = 0;
        break;
    default:
        return SW_WRONG_P1P2;
    }
    uint16_t sw;
    uint16_t target = emu_select_find(card, a->p1, a->p2 & 0x03, a->data, a->lc, &sw);
    if (target == EMU_NONE)
        return sw;
    if (tag) {
        /* Like most T=1 cards, return the requested template even without Le; with an Le too
         * small for it, ask for the exact length and leave the selection unchanged. */
        size_t n = build_template(&card->fs, target, tag, out->buf, out->cap);
        if (n == 0)
            return SW_WRONG_LENGTH;
        if (a->ne != 0 && a->ne < n)
            return (uint16_t)(SW_WRONG_LE | (n & 0xFF));
        out->len = n;
    }
    emu_select_node(card, target);
    switch (emu_fs_effective_lcs(&card->fs, target)) {
    case EMU_LCS_TERMINATED:
        return SW_WARN_TERMINATED;
    case EMU_LCS_DEACTIVATED:
        return SW_WARN_DEACTIVATED;
    default:
        return SW_OK;
    }
}
