/* Security environments and MANAGE SECURITY ENVIRONMENT (SET, STORE, RESTORE, ERASE). */
#include "emu_se.h"

#include <string.h>

#include "codec_bytes.h"
#include "emu_card_internal.h"

void emu_se_clear_all(emu_card *card)
{
    memset(&card->se, 0, sizeof card->se);
}

void emu_se_clear_channel(emu_card *card, unsigned channel)
{
    if (channel < sizeof card->se.current / sizeof card->se.current[0])
        memset(&card->se.current[channel], 0, sizeof card->se.current[channel]);
}

static emu_se *current(const emu_card *card)
{
    size_t ch = (size_t)(card->chan - card->ch);
    if (!card->chan || ch >= sizeof card->se.current / sizeof card->se.current[0])
        ch = 0;
    return (emu_se *)&card->se.current[ch];
}

const emu_crt *emu_se_get(const emu_card *card, emu_crt_kind kind, emu_se_dir dir)
{
    const emu_crt *c = &current(card)->crt[kind][dir];
    return c->set ? c : NULL;
}

static int crt_of_tag(uint8_t tag)
{
    switch (tag) {
    case 0xA4:
        return EMU_CRT_AT;
    case 0xA6:
        return EMU_CRT_KAT;
    case 0xAA:
        return EMU_CRT_HT;
    case 0xB4:
        return EMU_CRT_CCT;
    case 0xB6:
        return EMU_CRT_DST;
    case 0xB8:
        return EMU_CRT_CT;
    default:
        return -1;
    }
}

/* Reads the data field of MSE SET into *c (simple TLV, each tag at most once). */
static uint16_t parse_crt(const emu_card *card, emu_crt_kind kind, const uint8_t *data, size_t len,
                          emu_crt *c)
{
    memset(c, 0, sizeof *c);
    c->set = true;
    codec_reader r;
    codec_reader_init(&r, data, len);
    uint32_t seen = 0;
    while (codec_reader_remaining(&r) > 0) {
        uint8_t tag, l;
        const uint8_t *v;
        if (!codec_read_u8(&r, &tag) || !codec_read_u8(&r, &l) || !codec_read_bytes(&r, l, &v))
            return SW_WRONG_DATA;
        unsigned bit = tag & 0x1F;
        if ((tag & 0xE0) != 0x80 || (seen & (1u << bit)))
            return SW_WRONG_DATA;
        seen |= 1u << bit;
        switch (tag) {
        case 0x80:
            if (l != 1)
                return SW_WRONG_DATA;
            c->has_alg = true;
            c->alg = v[0];
            break;
        case 0x81:
            if (l < 2 || l > EMU_SE_MAX_FILE_REF || l % 2)
                return SW_WRONG_DATA;
            memcpy(c->file_ref, v, l);
            c->file_ref_len = l;
            break;
        case 0x83:
        case 0x84:
            if (l != 1 || (seen & (1u << 3) && seen & (1u << 4)))
                return SW_WRONG_DATA;
            c->has_key = true;
            c->key_ref = v[0];
            break;
        case 0x87:
            if (l != EMU_SE_MAX_IV)
                return SW_WRONG_DATA;
            memcpy(c->iv, v, l);
            c->iv_len = l;
            break;
        case 0x95: /* usage qualifier: the CRT and P1 already say it */
            if (l != 1)
                return SW_WRONG_DATA;
            break;
        default:
            return SW_WRONG_DATA;
        }
    }
    const emu_alg *alg = c->has_alg ? emu_alg_by_ref(c->alg) : NULL;
    if (c->has_alg && (!alg || (kind == EMU_CRT_HT) != (alg->kind == EMU_ALG_HASH)))
        return SW_WRONG_DATA;
    if (c->has_key) {
        if (kind == EMU_CRT_HT)
            return SW_WRONG_DATA;
        int idx = emu_key_find(&card->keys, &card->fs, emu_card_current_df(card), c->key_ref);
        if (idx < 0)
            return SW_REF_NOT_FOUND;
        const emu_key *k = &card->keys.keys[idx];
        if (c->has_alg) {
            bool accepted = false;
            for (uint8_t i = 0; i < k->alg_count; i++)
                accepted |= k->algs[i] == c->alg;
            if (!accepted)
                return SW_WRONG_DATA;
        }
    }
    return SW_OK;
}

uint16_t emu_cmd_mse(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    emu_se *se = current(card);
    uint8_t fn = a->p1 & 0x0F;
    if (a->ne != 0)
        return SW_WRONG_LENGTH;
    if (fn == 0x01) {
        if (a->p1 & 0x30)
            return SW_SM_NOT_SUPPORTED;
        bool compute = a->p1 & 0x40, verify = a->p1 & 0x80;
        int kind = crt_of_tag(a->p2);
        if (kind < 0 || !(compute || verify))
            return SW_WRONG_P1P2;
        emu_crt c;
        uint16_t sw = parse_crt(card, (emu_crt_kind)kind, a->data, a->lc, &c);
        if (sw != SW_OK)
            return sw;
        if (a->lc == 0)
            c.set = false; /* an empty template clears it */
        if (compute)
            se->crt[kind][EMU_SE_COMPUTE] = c;
        if (verify)
            se->crt[kind][EMU_SE_VERIFY] = c;
        return SW_OK;
    }
    if (a->p1 != 0xF2 && a->p1 != 0xF3 && a->p1 != 0xF4)
        return SW_WRONG_P1P2;
    if (a->lc != 0)
        return SW_WRONG_LENGTH;
    if (a->p1 == 0xF3 && a->p2 == 0x00) { /* RESTORE 00: the empty environment */
        memset(se, 0, sizeof *se);
        return SW_OK;
    }
    if (a->p2 < 1 || a->p2 > EMU_SE_STORED)
        return SW_REF_NOT_FOUND;
    unsigned n = a->p2 - 1u;
    switch (a->p1) {
    case 0xF2: /* STORE */
        card->se.stored[n] = *se;
        card->se.stored_set[n] = true;
        return SW_OK;
    case 0xF3: /* RESTORE */
        if (!card->se.stored_set[n])
            return SW_REF_NOT_FOUND;
        *se = card->se.stored[n];
        return SW_OK;
    default: /* ERASE */
        if (!card->se.stored_set[n])
            return SW_REF_NOT_FOUND;
        memset(&card->se.stored[n], 0, sizeof card->se.stored[n]);
        card->se.stored_set[n] = false;
        return SW_OK;
    }
}
