/* The card operating system: every command is decoded once (codec), checked for class, then
 * dispatched by INS. Handlers write straight into the caller's response buffer; nothing is
 * allocated per command. */
#include "emu_card.h"

#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_fs.h"

#include "emu_card_internal.h"

emu_card *emu_card_new(const emu_profile *profile)
{
    emu_card *card = calloc(1, sizeof *card);
    if (!card)
        return NULL;
    if (!emu_fs_copy(&card->fs, emu_profile_fs(profile)) || card->fs.count == 0) {
        emu_fs_clear(&card->fs);
        free(card);
        return NULL;
    }
    const uint8_t *atr = emu_profile_atr(profile, &card->atr_len);
    memcpy(card->atr, atr, card->atr_len);
    card->cur_df = 0;
    card->cur_ef = EMU_NONE;
    return card;
}

void emu_card_free(emu_card *card)
{
    if (!card)
        return;
    emu_fs_clear(&card->fs);
    free(card);
}

void emu_card_power_on(emu_card *card)
{
    card->powered = true;
    card->cur_df = 0;
    card->cur_ef = EMU_NONE;
}

void emu_card_power_off(emu_card *card)
{
    card->powered = false;
    card->cur_df = 0;
    card->cur_ef = EMU_NONE;
}

void emu_card_reset(emu_card *card)
{
    emu_card_power_on(card);
}

const uint8_t *emu_card_atr(const emu_card *card, size_t *len)
{
    *len = card->atr_len;
    return card->atr;
}

/* ---- file tree lookups ---- */

static uint16_t child_by_fid(const emu_card *card, uint16_t df, uint16_t fid)
{
    const emu_file *files = card->fs.files;
    for (uint16_t c = files[df].first_child; c != EMU_NONE; c = files[c].next_sibling)
        if (files[c].has_fid && files[c].fid == fid)
            return c;
    return EMU_NONE;
}

/* SELECT by FID with P1 = 00 (7816-4 clause 11.2.2): the MF, the current DF, its children, its
 * parent, or the parent's children. */
static uint16_t find_fid(const emu_card *card, uint16_t fid)
{
    const emu_file *files = card->fs.files;
    uint16_t df = card->cur_df, parent = files[df].parent;
    if (fid == 0x3F00)
        return 0;
    if (files[df].has_fid && files[df].fid == fid)
        return df;
    uint16_t hit = child_by_fid(card, df, fid);
    if (hit != EMU_NONE || parent == EMU_NONE)
        return hit;
    if (files[parent].has_fid && files[parent].fid == fid)
        return parent;
    return child_by_fid(card, parent, fid);
}

static uint16_t find_aid(const emu_card *card, const uint8_t *aid, size_t len)
{
    for (uint16_t i = 0; i < card->fs.count; i++) {
        const emu_file *f = &card->fs.files[i];
        if (f->type == EMU_FILE_DF && f->aid_len == len && memcmp(f->aid, aid, len) == 0)
            return i;
    }
    return EMU_NONE;
}

/* Follows a path of FIDs (2 bytes each) down from `df`; every step but the last is a DF. */
static uint16_t find_path(const emu_card *card, uint16_t df, const uint8_t *path, size_t len)
{
    codec_reader r;
    codec_reader_init(&r, path, len);
    uint16_t at = df, fid;
    while (codec_read_u16be(&r, &fid)) {
        if (card->fs.files[at].type != EMU_FILE_DF)
            return EMU_NONE;
        at = child_by_fid(card, at, fid);
        if (at == EMU_NONE)
            return EMU_NONE;
    }
    return at;
}

static uint16_t find_sfi(const emu_card *card, uint8_t sfi)
{
    const emu_file *files = card->fs.files;
    for (uint16_t c = files[card->cur_df].first_child; c != EMU_NONE; c = files[c].next_sibling)
        if (files[c].type == EMU_FILE_EF && files[c].sfi == sfi)
            return c;
    return EMU_NONE;
}

/* ---- SELECT ---- */

/* The FCP template (7816-4 clause 7.4): 80 size, 82 descriptor, 83 FID, 84 DF name, 88 SFI. */
static void write_fcp_body(codec_writer *w, const emu_file *f)
{
    if (f->type == EMU_FILE_EF) {
        codec_write_u8(w, 0x80);
        codec_write_u8(w, 2);
        codec_write_u16be(w, (uint16_t)f->size);
        codec_write_u8(w, 0x82);
        if (f->structure == EMU_EF_TRANSPARENT) {
            codec_write_u8(w, 1);
            codec_write_u8(w, EMU_EF_TRANSPARENT);
        } else {
            /* descriptor, data coding byte, maximum record size, number of records */
            codec_write_u8(w, 4);
            codec_write_u8(w, (uint8_t)f->structure);
            codec_write_u8(w, 0x21);
            codec_write_u8(w, f->record_size);
            codec_write_u8(w, (uint8_t)f->record_count);
        }
    } else {
        codec_write_u8(w, 0x82);
        codec_write_u8(w, 1);
        codec_write_u8(w, 0x38); /* DF */
    }
    if (f->has_fid) {
        codec_write_u8(w, 0x83);
        codec_write_u8(w, 2);
        codec_write_u16be(w, f->fid);
    }
    if (f->aid_len) {
        codec_write_u8(w, 0x84);
        codec_write_u8(w, f->aid_len);
        codec_write_bytes(w, f->aid, f->aid_len);
    }
    if (f->sfi) {
        codec_write_u8(w, 0x88);
        codec_write_u8(w, 1);
        codec_write_u8(w, (uint8_t)(f->sfi << 3));
    }
    codec_write_u8(w, 0x8A);
    codec_write_u8(w, 1);
    codec_write_u8(w, 0x05); /* operational, activated */
}

/* Encodes the FCP (62) or FCI (6F) of `f`; returns its length (always < 256). */
static size_t build_fci(const emu_file *f, uint8_t tag, uint8_t *out, size_t cap)
{
    uint8_t body[64];
    codec_writer bw, w;
    codec_writer_init(&bw, body, sizeof body);
    write_fcp_body(&bw, f);
    if (bw.overflow)
        return 0;
    codec_writer_init(&w, out, cap);
    codec_write_u8(&w, tag);
    codec_write_u8(&w, (uint8_t)bw.len);
    codec_write_bytes(&w, body, bw.len);
    return w.overflow ? 0 : w.len;
}

static uint16_t cmd_select(emu_card *card, const codec_capdu *a, emu_out *out)
{
    uint8_t tag;
    switch (a->p2) {
    case 0x00:
        tag = 0x6F;
        break;
    case 0x04:
        tag = 0x62;
        break;
    case 0x0C:
        tag = 0;
        break;
    default:
        return SW_WRONG_P1P2;
    }
    const emu_file *files = card->fs.files;
    uint16_t target = EMU_NONE;
    switch (a->p1) {
    case 0x00:
        if (a->lc == 0)
            target = 0;
        else if (a->lc != 2)
            return SW_WRONG_LENGTH;
        else
            target = find_fid(card, (uint16_t)(a->data[0] << 8 | a->data[1]));
        break;
    case 0x01:
    case 0x02:
        if (a->lc != 2)
            return SW_WRONG_LENGTH;
        target = child_by_fid(card, card->cur_df, (uint16_t)(a->data[0] << 8 | a->data[1]));
        if (target != EMU_NONE && files[target].type != (a->p1 == 0x01 ? EMU_FILE_DF : EMU_FILE_EF))
            target = EMU_NONE;
        break;
    case 0x03:
        if (a->lc != 0)
            return SW_NC_INCONSISTENT;
        target = files[card->cur_df].parent;
        break;
    case 0x04:
        if (a->lc == 0 || a->lc > EMU_MAX_AID)
            return SW_WRONG_LENGTH;
        target = find_aid(card, a->data, a->lc);
        break;
    case 0x08:
    case 0x09:
        if (a->lc == 0 || a->lc % 2 != 0)
            return SW_WRONG_LENGTH;
        target = find_path(card, a->p1 == 0x08 ? 0 : card->cur_df, a->data, a->lc);
        break;
    default:
        return SW_WRONG_P1P2;
    }
    if (target == EMU_NONE)
        return SW_NOT_FOUND;
    if (tag) {
        /* Like most T=1 cards, return the requested template even without Le; with an Le too
         * small for it, ask for the exact length and leave the selection unchanged. */
        size_t n = build_fci(&files[target], tag, out->buf, out->cap);
        if (n == 0)
            return SW_WRONG_LENGTH;
        if (a->ne != 0 && a->ne < n)
            return (uint16_t)(SW_WRONG_LE | n);
        out->len = n;
    }
    if (files[target].type == EMU_FILE_DF) {
        card->cur_df = target;
        card->cur_ef = EMU_NONE;
    } else {
        card->cur_df = files[target].parent;
        card->cur_ef = target;
    }
    return SW_OK;
}

/* ---- READ BINARY ---- */

static uint16_t cmd_read_binary(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (a->lc != 0 || a->ne == 0)
        return SW_WRONG_LENGTH;
    uint16_t ef;
    size_t offset;
    if (a->p1 & 0x80) {
        uint8_t sfi = a->p1 & 0x1F;
        if ((a->p1 & 0x60) != 0 || sfi == 0 || sfi == 31)
            return SW_WRONG_P1P2;
        ef = find_sfi(card, sfi);
        if (ef == EMU_NONE)
            return SW_NOT_FOUND;
        offset = a->p2;
    } else {
        ef = card->cur_ef;
        if (ef == EMU_NONE)
            return SW_NO_CURRENT_EF;
        offset = (size_t)a->p1 << 8 | a->p2;
    }
    const emu_file *f = &card->fs.files[ef];
    if (f->structure != EMU_EF_TRANSPARENT)
        return SW_INCOMPATIBLE_FILE;
    /* Reading by SFI makes the file current (7816-4 clause 7.2.2). */
    card->cur_ef = ef;
    if (offset >= f->size)
        return SW_WRONG_OFFSET;
    size_t avail = f->size - offset, n = a->ne;
    if (n > avail)
        n = avail;
    /* What does not fit the frame is left for the next READ BINARY, not an end of file. */
    if (n > out->cap)
        n = out->cap;
    bool short_read = n == avail && n < a->ne;
    memcpy(out->buf, f->data + offset, n);
    out->len = n;
    return short_read ? SW_END_OF_FILE : SW_OK;
}

/* ---- dispatch ---- */

/* Checks CLA (7816-4 clause 5.4.1); returns 0 when the class is served. */
static uint16_t check_class(uint8_t cla)
{
    if (cla & 0x80)
        return SW_CLA_NOT_SUPPORTED; /* proprietary, or FF invalid */
    if ((cla & 0xE0) == 0x20)
        return SW_CLA_NOT_SUPPORTED; /* reserved for future use */
    if (cla & 0x40) {
        /* further interindustry: channels 4-19; b6 secure messaging, b5 chaining */
        if (cla & 0x20)
            return SW_SM_NOT_SUPPORTED;
        return SW_CHANNEL_NOT_SUPPORTED;
    }
    if (cla & 0x0C)
        return SW_SM_NOT_SUPPORTED;
    if (cla & 0x03)
        return SW_CHANNEL_NOT_SUPPORTED;
    if (cla & 0x10)
        return SW_CHAINING_NOT_SUPPORTED;
    return 0;
}

size_t emu_card_transmit(emu_card *card, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                         size_t cap)
{
    if (cap > EMU_RESPONSE_MAX)
        cap = EMU_RESPONSE_MAX;
    if (cap < 2)
        return 0;
    if (!card->powered)
        emu_card_power_on(card);
    emu_out out = {.buf = resp, .cap = cap - 2, .len = 0};
    codec_capdu a;
    uint16_t sw;
    if (codec_capdu_decode(cmd, cmd_len, &a) != CODEC_APDU_OK) {
        sw = SW_WRONG_LENGTH;
    } else if ((sw = check_class(a.cla)) != 0) {
        /* refused by class */
    } else {
        switch (a.ins) {
        case 0xA4:
            sw = cmd_select(card, &a, &out);
            break;
        case 0xB0:
            sw = cmd_read_binary(card, &a, &out);
            break;
        default:
            sw = SW_INS_NOT_SUPPORTED;
            break;
        }
    }
    if (sw != SW_OK && sw != SW_END_OF_FILE)
        out.len = 0;
    resp[out.len] = (uint8_t)(sw >> 8);
    resp[out.len + 1] = (uint8_t)sw;
    return out.len + 2;
}
