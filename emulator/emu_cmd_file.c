/* File management (7816-9): CREATE FILE, DELETE FILE, ACTIVATE / DEACTIVATE FILE, TERMINATE
 * DF / EF / CARD USAGE, and the life cycle they change. */
#include <stdlib.h>
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"
#include "emu_pin.h"

uint16_t emu_fs_commit(emu_card *card)
{
    if (card->persist && !card->persist(card, card->persist_ctx))
        return SW_MEMORY_FAILURE;
    return SW_OK;
}

/* The file a management command names: no data = the current EF, else the current DF (or
 * only the DF / only the EF for TERMINATE DF / EF); otherwise P1 and data as for SELECT. */
static uint16_t target_of(const emu_card *card, const codec_capdu *a, uint16_t *sw)
{
    const emu_channel *ch = card->chan;
    *sw = SW_NOT_FOUND; /* whatever path finds nothing answers a defined status */
    if (a->lc == 0 && (a->p1 == 0x00 || a->ins == 0xE6 || a->ins == 0xE8)) {
        if (a->ins == 0xE6)
            return ch->cur_df;
        *sw = SW_NO_CURRENT_EF;
        if (a->ins == 0xE8)
            return ch->cur_ef;
        return ch->cur_ef != EMU_NONE ? ch->cur_ef : ch->cur_df;
    }
    return emu_select_find(card, a->p1, 0, a->data, a->lc, sw);
}

/* ---- CREATE FILE ---- */

typedef struct fcp {
    bool is_df;
    uint8_t structure;
    bool has_fid;
    uint16_t fid;
    size_t size;
    uint8_t record_size, record_max;
    uint8_t aid_len;
    uint8_t aid[EMU_MAX_AID];
    uint8_t sfi;
    uint8_t lcs;
    /* security attributes (8C compact, AB expanded), read once the parent DF is known */
    uint8_t n_sec;
    struct {
        uint8_t tag;
        size_t len;
        const uint8_t *v;
    } sec[4];
} fcp;

/* Parses the FCP template (62) of CREATE FILE; SW_OK or the error. */
static uint16_t parse_fcp(const codec_capdu *a, fcp *p)
{
    codec_reader r, in;
    codec_reader_init(&r, a->data, a->lc);
    uint8_t tag;
    size_t len;
    const uint8_t *body, *v;
    memset(p, 0, sizeof *p);
    p->lcs = EMU_LCS_ACTIVATED;
    if (!codec_read_u8(&r, &tag) || tag != 0x62 || !codec_ber_read_length(&r, &len) ||
        !codec_read_bytes(&r, len, &body) || codec_reader_remaining(&r) != 0)
        return SW_WRONG_DATA;
    codec_reader_init(&in, body, len);
    bool has_desc = false;
    while (codec_reader_remaining(&in) > 0) {
        if (!codec_read_u8(&in, &tag) || (tag & 0x1F) == 0x1F ||
            !codec_ber_read_length(&in, &len) || !codec_read_bytes(&in, len, &v))
            return SW_WRONG_DATA;
        switch (tag) {
        case 0x82:
            if (len < 1 || len > 6)
                return SW_WRONG_DATA;
            has_desc = true;
            if ((v[0] & 0xBF) == 0x38) {
                p->is_df = true;
            } else {
                p->structure = v[0] & 0x07;
                if ((v[0] & 0xB8) != 0 ||
                    (p->structure != EMU_EF_TRANSPARENT && p->structure != EMU_EF_LINEAR_FIXED &&
                     p->structure != EMU_EF_LINEAR_VARIABLE && p->structure != EMU_EF_CYCLIC))
                    return SW_WRONG_DATA;
                size_t rs = len == 3 ? v[2] : len >= 4 ? (size_t)(v[2] << 8 | v[3]) : 0;
                if (rs > EMU_MAX_RECORD_SIZE)
                    return SW_WRONG_DATA;
                p->record_size = (uint8_t)rs;
                if (len == 5)
                    p->record_max = v[4];
                else if (len == 6)
                    p->record_max =
                        (uint8_t)((v[4] << 8 | v[5]) > EMU_MAX_RECORDS ? 0xFF : (v[4] << 8 | v[5]));
            }
            break;
        case 0x83:
            if (len != 2)
                return SW_WRONG_DATA;
            p->has_fid = true;
            p->fid = (uint16_t)(v[0] << 8 | v[1]);
            break;
        case 0x80:
            if (len < 1 || len > 2)
                return SW_WRONG_DATA;
            p->size = len == 1 ? v[0] : (size_t)(v[0] << 8 | v[1]);
            break;
        case 0x84:
            if (len < 1 || len > EMU_MAX_AID)
                return SW_WRONG_DATA;
            p->aid_len = (uint8_t)len;
            memcpy(p->aid, v, len);
            break;
        case 0x88:
            if (len > 1 || (len == 1 && (v[0] & 0x07) != 0))
                return SW_WRONG_DATA;
            p->sfi = len ? v[0] >> 3 : 0;
            if (p->sfi == 31)
                return SW_WRONG_DATA;
            break;
        case 0x8A:
            if (len != 1 || (v[0] != EMU_LCS_CREATION && v[0] != EMU_LCS_INITIALISATION &&
                             v[0] != EMU_LCS_ACTIVATED && v[0] != EMU_LCS_DEACTIVATED))
                return SW_WRONG_DATA;
            p->lcs = v[0];
            break;
        case 0x8C:
        case 0xAB:
            if (p->n_sec >= sizeof p->sec / sizeof p->sec[0])
                return SW_WRONG_DATA;
            p->sec[p->n_sec].tag = tag;
            p->sec[p->n_sec].len = len;
            p->sec[p->n_sec].v = v;
            p->n_sec++;
            break;
        default:
            break; /* 81, other security attributes and proprietary DOs: not used */
        }
    }
    if (!has_desc)
        return SW_WRONG_DATA;
    if (p->is_df ? (p->size || p->sfi) : p->aid_len != 0)
        return SW_WRONG_DATA;
    if (p->is_df ? !p->has_fid && !p->aid_len : !p->has_fid)
        return SW_WRONG_DATA;
    if (!p->is_df && p->structure != EMU_EF_TRANSPARENT) {
        if (p->record_size == 0 || p->size)
            return SW_WRONG_DATA;
        if (p->record_max == 0)
            p->record_max = 1;
        if (p->record_max > EMU_MAX_RECORDS)
            return SW_WRONG_DATA;
    }
    if (p->has_fid && (p->fid == 0x3F00 || p->fid == 0x3FFF || p->fid == 0xFFFF))
        return SW_WRONG_DATA;
    return SW_OK;
}

/* The new file's access rules: the parent DF's, replaced for every operation the FCP's security
 * attributes name. Every PIN they reference must be visible from the parent (6A88), and the
 * rules must fit an FCP again (as the profile loader requires). */
static uint16_t fcp_rules(const emu_card *card, const fcp *p, uint16_t parent,
                          emu_rule rules[EMU_OP_COUNT])
{
    memcpy(rules, card->fs.files[parent].access, EMU_OP_COUNT * sizeof *rules);
    if (p->n_sec == 0)
        return SW_OK;
    emu_file_type type = p->is_df ? EMU_FILE_DF : EMU_FILE_EF;
    uint16_t set = 0;
    for (uint8_t i = 0; i < p->n_sec; i++)
        if (!emu_access_parse_fcp(p->sec[i].tag, p->sec[i].v, p->sec[i].len, type, rules, &set))
            return SW_WRONG_DATA;
    for (int op = 0; op < EMU_OP_COUNT; op++)
        for (uint8_t t = 0; rules[op].kind == EMU_RULE_PINS && t < rules[op].n_terms; t++)
            for (uint8_t k = 0; k < rules[op].terms[t].n; k++)
                if (emu_pin_find(&card->pins, &card->fs, parent, rules[op].terms[t].pin_ref[k]) ==
                    EMU_PIN_NO_INDEX)
                    return SW_REF_NOT_FOUND;
    emu_file probe;
    memset(&probe, 0, sizeof probe);
    probe.type = type;
    memcpy(probe.access, rules, sizeof probe.access);
    uint8_t tmp[160];
    codec_writer w;
    codec_writer_init(&w, tmp, sizeof tmp);
    return emu_access_write_fcp(&w, &probe) ? SW_OK : SW_WRONG_DATA;
}

/* A new node at the end of the table. Deleted slots are not reused: objects that refer to a
 * DF by index (PIN objects) must not come back with a new DF. */
static uint16_t new_node(emu_card *card)
{
    emu_fs *fs = &card->fs;
    if (fs->count >= EMU_MAX_FILES)
        return EMU_NONE;
    emu_file *grown = realloc(fs->files, (fs->count + 1u) * sizeof *fs->files);
    if (!grown)
        return EMU_NONE;
    fs->files = grown;
    memset(&fs->files[fs->count], 0, sizeof *fs->files);
    return fs->count++;
}

static uint16_t create_file(emu_card *card, const codec_capdu *a)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    fcp p;
    uint16_t sw = parse_fcp(a, &p);
    if (sw != SW_OK)
        return sw;
    emu_fs *fs = &card->fs;
    uint16_t parent = card->chan->cur_df;
    if ((sw = emu_fs_lcs_check(fs, parent)) != 0)
        return sw;
    if ((sw = emu_access_check(card, &fs->files[parent], EMU_OP_CREATE)) != SW_OK)
        return sw;
    emu_rule rules[EMU_OP_COUNT];
    if ((sw = fcp_rules(card, &p, parent, rules)) != SW_OK)
        return sw;
    if (p.is_df && fs->files[parent].depth >= EMU_MAX_DEPTH + 0u)
        return SW_NO_MEMORY;
    if (p.has_fid && ((fs->files[parent].has_fid && fs->files[parent].fid == p.fid) ||
                      emu_fs_child_by_fid(fs, parent, p.fid) != EMU_NONE))
        return SW_FILE_EXISTS;
    if (p.sfi && emu_fs_child_by_sfi(fs, parent, p.sfi) != EMU_NONE)
        return SW_FILE_EXISTS;
    for (uint16_t i = 0; p.aid_len && i < fs->count; i++)
        if (!fs->files[i].deleted && fs->files[i].aid_len == p.aid_len &&
            memcmp(fs->files[i].aid, p.aid, p.aid_len) == 0)
            return SW_DF_NAME_EXISTS;
    size_t bytes = p.is_df                             ? 0
                   : p.structure == EMU_EF_TRANSPARENT ? p.size
                                                       : (size_t)p.record_max * p.record_size;
    uint8_t *data = bytes ? calloc(1, bytes) : NULL;
    uint8_t *lens = !p.is_df && p.structure != EMU_EF_TRANSPARENT ? calloc(p.record_max, 1) : NULL;
    uint16_t idx = EMU_NONE;
    if ((bytes == 0 || data) && (lens || p.is_df || p.structure == EMU_EF_TRANSPARENT))
        idx = new_node(card);
    if (idx == EMU_NONE) {
        free(data);
        free(lens);
        return SW_NO_MEMORY;
    }
    emu_file *files = fs->files, *f = &files[idx];
    memset(f, 0, sizeof *f);
    f->type = p.is_df ? EMU_FILE_DF : EMU_FILE_EF;
    f->structure = p.is_df ? 0 : (emu_ef_structure)p.structure;
    f->has_fid = p.has_fid;
    f->fid = p.fid;
    f->sfi = p.sfi;
    f->aid_len = p.aid_len;
    memcpy(f->aid, p.aid, p.aid_len);
    f->parent = parent;
    f->first_child = EMU_NONE;
    f->next_sibling = EMU_NONE;
    f->depth = (uint8_t)(files[parent].depth + 1);
    f->data = data;
    f->size = bytes;
    f->record_len = lens;
    f->record_size = p.record_size;
    f->record_max = p.record_max;
    f->lcs = p.lcs;
    memcpy(f->access, rules, sizeof f->access);
    uint16_t *link = &files[parent].first_child;
    while (*link != EMU_NONE)
        link = &files[*link].next_sibling;
    *link = idx;
    emu_select_node(card, idx);
    return emu_fs_commit(card);
}

/* ---- DELETE FILE ---- */

static void free_node(emu_file *f)
{
    free(f->data);
    free(f->record_len);
    free(f->label);
    memset(f, 0, sizeof *f);
    f->deleted = true;
    f->parent = f->first_child = f->next_sibling = EMU_NONE;
}

static uint16_t delete_file(emu_card *card, const codec_capdu *a)
{
    uint16_t sw;
    uint16_t t = target_of(card, a, &sw);
    if (t == EMU_NONE)
        return sw;
    emu_fs *fs = &card->fs;
    if (t == 0)
        return SW_CONDITIONS_NOT_SATISFIED; /* the MF stays */
    if ((sw = emu_access_check(card, &fs->files[t], EMU_OP_DELETE)) != SW_OK)
        return sw;
    uint16_t parent = fs->files[t].parent;
    /* channels inside the deleted subtree fall back to its parent DF */
    for (size_t c = 0; c < EMU_MAX_CHANNELS; c++) {
        emu_channel *ch = &card->ch[c];
        if (!ch->open)
            continue;
        if (emu_fs_is_below(fs, ch->cur_df, t) ||
            (ch->cur_ef != EMU_NONE && emu_fs_is_below(fs, ch->cur_ef, t))) {
            if (ch == card->chan) {
                emu_select_node(card, parent);
            } else {
                ch->cur_df = parent;
                ch->cur_ef = EMU_NONE;
                ch->cur_rec = 0;
            }
        }
    }
    uint16_t *link = &fs->files[parent].first_child;
    while (*link != t)
        link = &fs->files[*link].next_sibling;
    *link = fs->files[t].next_sibling;
    /* below-ness is decided before any node of the subtree is freed */
    for (uint16_t i = fs->count; i-- > 1;)
        if (i != t && !fs->files[i].deleted && emu_fs_is_below(fs, i, t))
            fs->files[i].lcs = 0xFF; /* mark */
    /* A deleted DF's local PINs go with it: their values must not linger in memory or state. */
    for (uint16_t i = 1; i < fs->count; i++) {
        if (fs->files[i].lcs != 0xFF || fs->files[i].deleted)
            continue;
        if (fs->files[i].type == EMU_FILE_DF) {
            emu_pin_forget_df(card, i);
            emu_key_forget_df(card, i);
        }
        free_node(&fs->files[i]);
    }
    if (fs->files[t].type == EMU_FILE_DF) {
        emu_pin_forget_df(card, t);
        emu_key_forget_df(card, t);
    }
    free_node(&fs->files[t]);
    return emu_fs_commit(card);
}

/* ---- ACTIVATE / DEACTIVATE / TERMINATE ---- */

static uint16_t set_state(emu_card *card, const codec_capdu *a)
{
    uint16_t sw;
    uint16_t t;
    emu_op op;
    uint8_t lcs;
    if (a->ins == 0xFE) {
        if (a->p1 != 0 || a->p2 != 0)
            return SW_WRONG_P1P2;
        if (a->lc != 0)
            return SW_WRONG_LENGTH;
        t = 0;
    } else {
        t = target_of(card, a, &sw);
        if (t == EMU_NONE)
            return sw;
    }
    emu_fs *fs = &card->fs;
    const emu_file *f = &fs->files[t];
    switch (a->ins) {
    case 0x44:
        op = EMU_OP_ACTIVATE;
        lcs = EMU_LCS_ACTIVATED;
        break;
    case 0x04:
        op = EMU_OP_DEACTIVATE;
        lcs = EMU_LCS_DEACTIVATED;
        break;
    default:
        op = EMU_OP_TERMINATE;
        lcs = EMU_LCS_TERMINATED;
        if ((a->ins == 0xE6 && f->type != EMU_FILE_DF) ||
            (a->ins == 0xE8 && f->type != EMU_FILE_EF))
            return SW_INCOMPATIBLE_FILE;
        break;
    }
    if (emu_fs_effective_lcs(fs, t) == EMU_LCS_TERMINATED)
        return SW_FUNC_NOT_SUPPORTED; /* termination is final */
    if ((sw = emu_access_check(card, f, op)) != SW_OK)
        return sw;
    fs->files[t].lcs = lcs;
    if (a->ins != 0xFE)
        emu_select_node(card, t);
    return emu_fs_commit(card);
}

uint16_t emu_cmd_file(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    if (a->ins == 0xE0)
        return create_file(card, a);
    if (a->ins == 0xE4)
        return delete_file(card, a);
    return set_state(card, a);
}
