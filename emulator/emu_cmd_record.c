/* Record commands (7816-4 clause 11.4): READ RECORD(S), UPDATE RECORD, WRITE RECORD, APPEND
 * RECORD, ERASE RECORD(S), SEARCH RECORD (simple search). P2 = SFI (b8-b4, 0 = current EF) and
 * the mode (b3-b1). Record 1 of a cyclic EF is the newest. The record pointer is per channel:
 * first/last/next/previous set it, access by number leaves it. WRITE RECORD ORs the data in. */
#include <string.h>

#include "emu_card_internal.h"

#define MODE_FIRST 0
#define MODE_LAST 1
#define MODE_NEXT 2
#define MODE_PREVIOUS 3
#define MODE_NUMBER 4
#define MODE_FROM_P1 5 /* P1 to last (READ/ERASE), backward from P1 (SEARCH) */
#define MODE_TO_P1 6   /* last to P1 (READ) */

static emu_op op_of(uint8_t ins)
{
    switch (ins) {
    case 0xDC:
        return EMU_OP_UPDATE;
    case 0xD2:
        return EMU_OP_WRITE;
    case 0xE2:
        return EMU_OP_APPEND;
    case 0x0C:
        return EMU_OP_ERASE;
    default:
        return EMU_OP_READ; /* B2, A2 */
    }
}

static uint8_t *rec_data(emu_file *f, unsigned n)
{
    return f->data + (size_t)(n - 1) * f->record_size;
}

/* Does record n carry identifier `id` (its first byte)? 00 matches every record. */
static bool has_id(const emu_file *f, unsigned n, uint8_t id)
{
    return id == 0 || (f->record_len[n - 1] > 0 && f->data[(size_t)(n - 1) * f->record_size] == id);
}

/* The record modes 0..4 designate, or 0 with *sw set. */
static unsigned pick_record(const emu_file *f, const emu_channel *ch, uint8_t p1, unsigned mode,
                            uint16_t *sw)
{
    unsigned count = f->record_count, cur = ch->cur_rec;
    bool cyclic = f->structure == EMU_EF_CYCLIC;
    *sw = SW_RECORD_NOT_FOUND;
    if (mode == MODE_NUMBER) {
        if (p1 == 0xFF) {
            *sw = SW_WRONG_P1P2;
            return 0;
        }
        unsigned n = p1 ? p1 : cur;
        return n >= 1 && n <= count ? n : 0;
    }
    if (count == 0)
        return 0;
    switch (mode) {
    case MODE_FIRST:
        for (unsigned n = 1; n <= count; n++)
            if (has_id(f, n, p1))
                return n;
        return 0;
    case MODE_LAST:
        for (unsigned n = count; n >= 1; n--)
            if (has_id(f, n, p1))
                return n;
        return 0;
    case MODE_NEXT:
        for (unsigned i = 1; i <= count; i++) {
            unsigned n = cur + i;
            if (n > count) {
                if (!cyclic || cur == 0)
                    return 0;
                n -= count;
            }
            if (has_id(f, n, p1))
                return n;
        }
        return 0;
    default: /* MODE_PREVIOUS */
        for (unsigned i = 1; i <= count; i++) {
            unsigned n;
            if (cur == 0) {
                n = count + 1 - i;
            } else if (i < cur) {
                n = cur - i;
            } else {
                if (!cyclic)
                    return 0;
                n = cur + count - i;
            }
            if (has_id(f, n, p1))
                return n;
        }
        return 0;
    }
}

/* Checks the length of a record's new content. */
static bool length_ok(const emu_file *f, size_t lc)
{
    if (f->structure == EMU_EF_LINEAR_VARIABLE)
        return lc >= 1 && lc <= f->record_size;
    return lc == f->record_size;
}

static uint16_t read_records(emu_file *f, emu_channel *ch, const codec_capdu *a, unsigned mode,
                             emu_out *out)
{
    if (a->ne == 0)
        return SW_WRONG_LENGTH;
    size_t room = a->ne < out->cap ? a->ne : out->cap;
    uint16_t sw;
    if (mode <= MODE_NUMBER) {
        unsigned n = pick_record(f, ch, a->p1, mode, &sw);
        if (n == 0)
            return sw;
        size_t len = f->record_len[n - 1];
        if (len > room)
            return (uint16_t)(SW_WRONG_LE | len);
        memcpy(out->buf, rec_data(f, n), len);
        out->len = len;
        if (mode != MODE_NUMBER)
            ch->cur_rec = (uint8_t)n;
        return len < a->ne ? SW_END_OF_FILE : SW_OK;
    }
    if (mode != MODE_FROM_P1 && mode != MODE_TO_P1)
        return SW_WRONG_P1P2;
    unsigned start = a->p1 ? a->p1 : ch->cur_rec;
    if (a->p1 == 0xFF)
        return SW_WRONG_P1P2;
    if (start < 1 || start > f->record_count)
        return SW_RECORD_NOT_FOUND;
    unsigned count = f->record_count - start + 1;
    size_t used = 0;
    for (unsigned i = 0; i < count; i++) {
        unsigned n = mode == MODE_FROM_P1 ? start + i : f->record_count - i;
        size_t len = f->record_len[n - 1];
        if (len > room - used) {
            if (used == 0)
                return (uint16_t)(SW_WRONG_LE | len);
            out->len = used;
            return SW_OK; /* the rest did not fit Ne */
        }
        memcpy(out->buf + used, rec_data(f, n), len);
        used += len;
    }
    out->len = used;
    return used < a->ne ? SW_END_OF_FILE : SW_OK;
}

static uint16_t append_record(emu_card *card, emu_file *f, emu_channel *ch, const codec_capdu *a)
{
    if (a->p1 != 0 || (a->p2 & 7) != 0)
        return SW_WRONG_P1P2;
    if (!length_ok(f, a->lc))
        return SW_WRONG_LENGTH;
    size_t rs = f->record_size;
    if (f->structure == EMU_EF_CYCLIC) {
        if (f->record_max == 0)
            return SW_NO_MEMORY;
        /* the oldest record makes room when the file is full; the new one is record 1 */
        unsigned keep = f->record_count < f->record_max ? f->record_count : f->record_max - 1u;
        memmove(f->data + rs, f->data, keep * rs);
        memmove(f->record_len + 1, f->record_len, keep);
        memcpy(f->data, a->data, a->lc);
        f->record_len[0] = (uint8_t)a->lc;
        f->record_count = (uint16_t)(keep + 1);
        ch->cur_rec = 1;
        return emu_fs_commit(card);
    }
    if (f->record_count >= f->record_max)
        return SW_NO_MEMORY;
    unsigned n = f->record_count + 1u;
    memset(rec_data(f, n), 0, rs);
    memcpy(rec_data(f, n), a->data, a->lc);
    f->record_len[n - 1] = (uint8_t)a->lc;
    f->record_count = (uint16_t)n;
    ch->cur_rec = (uint8_t)n;
    return emu_fs_commit(card);
}

static uint16_t search_record(emu_file *f, emu_channel *ch, const codec_capdu *a, unsigned mode,
                              emu_out *out)
{
    if (mode != MODE_NUMBER && mode != MODE_FROM_P1)
        return SW_WRONG_P1P2;
    if (a->lc == 0)
        return SW_WRONG_LENGTH;
    if (a->p1 == 0xFF)
        return SW_WRONG_P1P2;
    unsigned count = f->record_count;
    bool forward = mode == MODE_NUMBER;
    unsigned start = a->p1 ? a->p1 : ch->cur_rec ? ch->cur_rec : forward ? 1 : count;
    if (start < 1 || start > count)
        return SW_RECORD_NOT_FOUND;
    size_t room = a->ne && a->ne < out->cap ? a->ne : out->cap;
    size_t found = 0;
    for (unsigned n = start; n >= 1 && n <= count; n = forward ? n + 1 : n - 1) {
        size_t len = f->record_len[n - 1];
        const uint8_t *d = rec_data(f, n);
        bool hit = false;
        for (size_t i = 0; !hit && a->lc <= len && i <= len - a->lc; i++)
            hit = memcmp(d + i, a->data, a->lc) == 0;
        if (hit && found < room)
            out->buf[found++] = (uint8_t)n;
    }
    if (found == 0)
        return SW_RECORD_NOT_FOUND;
    ch->cur_rec = out->buf[0];
    out->len = found;
    return SW_OK;
}

uint16_t emu_cmd_record(emu_card *card, const codec_capdu *a, emu_out *out)
{
    emu_channel *ch = card->chan;
    uint8_t sfi = a->p2 >> 3;
    unsigned mode = a->p2 & 7;
    uint16_t ef, sw;
    if (sfi == 31)
        return SW_WRONG_P1P2;
    if (sfi) {
        ef = emu_fs_child_by_sfi(&card->fs, ch->cur_df, sfi);
        if (ef == EMU_NONE)
            return SW_NOT_FOUND;
    } else {
        ef = ch->cur_ef;
        if (ef == EMU_NONE)
            return SW_NO_CURRENT_EF;
    }
    emu_op op = op_of(a->ins);
    const emu_file *cf = &card->fs.files[ef];
    if (cf->type != EMU_FILE_EF || cf->structure == EMU_EF_TRANSPARENT)
        return SW_INCOMPATIBLE_FILE;
    if ((sw = emu_fs_lcs_check(&card->fs, ef)) != 0)
        return sw;
    if ((sw = emu_access_check(card, cf, op)) != SW_OK)
        return sw;
    if (ef != ch->cur_ef)
        emu_select_node(card, ef);
    emu_file *f = &card->fs.files[ef];
    switch (a->ins) {
    case 0xB2:
        if (a->lc != 0)
            return SW_WRONG_LENGTH;
        return read_records(f, ch, a, mode, out);
    case 0xA2:
        return search_record(f, ch, a, mode, out);
    case 0xE2:
        return append_record(card, f, ch, a);
    case 0x0C: {
        if (mode != MODE_NUMBER && mode != MODE_FROM_P1)
            return SW_WRONG_P1P2;
        if (a->lc != 0)
            return SW_WRONG_LENGTH;
        unsigned n = pick_record(f, ch, a->p1, MODE_NUMBER, &sw);
        if (n == 0)
            return sw;
        unsigned last = mode == MODE_FROM_P1 ? f->record_count : n;
        for (; n <= last; n++)
            memset(rec_data(f, n), 0, f->record_len[n - 1]);
        return emu_fs_commit(card);
    }
    default: { /* DC UPDATE, D2 WRITE */
        if (mode > MODE_NUMBER)
            return SW_WRONG_P1P2;
        unsigned n = pick_record(f, ch, a->p1, mode, &sw);
        if (n == 0)
            return sw;
        uint8_t *d = rec_data(f, n);
        if (op == EMU_OP_UPDATE) {
            if (!length_ok(f, a->lc))
                return SW_WRONG_LENGTH;
            memcpy(d, a->data, a->lc);
            f->record_len[n - 1] = (uint8_t)a->lc;
        } else {
            if (a->lc == 0 || a->lc > f->record_len[n - 1])
                return SW_WRONG_LENGTH;
            for (size_t i = 0; i < a->lc; i++)
                d[i] |= a->data[i];
        }
        if (mode != MODE_NUMBER)
            ch->cur_rec = (uint8_t)n;
        return emu_fs_commit(card);
    }
    }
}
