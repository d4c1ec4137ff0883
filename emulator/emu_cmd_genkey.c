/* GENERATE ASYMMETRIC KEY PAIR (46/47): P1 80 generates the key pair of a slot, P1 81 reads the
 * existing public key; both answer the public key template 7F49. P2 = key reference, or 00 with
 * the reference in a CRT of the data field (B6 / B8 / A4 / A6 { 83|84 01 ref }) or, without
 * data, in the current SE's DST (compute). */
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"
#include "emu_crypto.h"

static uint16_t key_ref(const emu_card *card, const codec_capdu *a, uint8_t *ref)
{
    if (a->p2) {
        if (a->lc != 0)
            return SW_WRONG_DATA;
        *ref = a->p2;
        return SW_OK;
    }
    if (a->lc == 0) {
        const emu_crt *c = emu_se_get(card, EMU_CRT_DST, EMU_SE_COMPUTE);
        if (!c || !c->has_key)
            return SW_CONDITIONS_NOT_SATISFIED;
        *ref = c->key_ref;
        return SW_OK;
    }
    codec_reader r, in;
    codec_reader_init(&r, a->data, a->lc);
    uint32_t tag;
    const uint8_t *v;
    size_t l;
    if (!codec_ber_read_tlv(&r, &tag, &v, &l) || codec_reader_remaining(&r) != 0 ||
        (tag != 0xB6 && tag != 0xB8 && tag != 0xA4 && tag != 0xA6))
        return SW_WRONG_DATA;
    codec_reader_init(&in, v, l);
    bool found = false;
    while (codec_reader_remaining(&in) > 0) {
        const uint8_t *iv;
        size_t il;
        if (!codec_ber_read_tlv(&in, &tag, &iv, &il))
            return SW_WRONG_DATA;
        if ((tag == 0x83 || tag == 0x84) && il == 1 && !found) {
            *ref = iv[0];
            found = true;
        } else if (tag != 0x80 && tag != 0x95) {
            return SW_WRONG_DATA;
        }
    }
    return found ? SW_OK : SW_WRONG_DATA;
}

static uint16_t genkey(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (a->p1 != 0x80 && a->p1 != 0x81)
        return SW_WRONG_P1P2;
    uint8_t ref = 0;
    uint16_t sw = key_ref(card, a, &ref);
    if (sw != SW_OK)
        return sw;
    int idx = emu_key_find(&card->keys, &card->fs, emu_card_current_df(card), ref);
    if (idx < 0)
        return SW_REF_NOT_FOUND;
    emu_key *k = &card->keys.keys[idx];
    if (k->type != EMU_KEY_RSA && k->type != EMU_KEY_EC)
        return SW_CONDITIONS_NOT_SATISFIED;
    if (a->p1 == 0x80) {
        if (!(k->usage & EMU_KEY_GENERATE))
            return SW_CONDITIONS_NOT_SATISFIED;
        sw = emu_access_rule_check(card, k->owner, &k->access[EMU_KEY_OP_GENERATE]);
        if (sw != SW_OK)
            return sw;
        emu_key_drop_ctx(k); /* `old` and `k` must not share contexts */
        emu_key old = *k;
        k->pkey = NULL; /* emu_key_generate frees the current material: keep it for a rollback */
        if (!emu_key_generate(k)) {
            *k = old;
            return SW_MEMORY_FAILURE;
        }
        if (card->persist && !card->persist(card, card->persist_ctx)) {
            EVP_PKEY_free(k->pkey);
            *k = old;
            return SW_MEMORY_FAILURE;
        }
        EVP_PKEY_free(old.pkey);
    } else if (emu_key_empty(k)) {
        return SW_REF_NOT_USABLE;
    }
    codec_writer w;
    codec_writer_init(&w, out->buf, out->cap);
    if (!emu_key_write_public(&w, k))
        return w.overflow ? SW_WRONG_LENGTH : SW_NO_DIAGNOSIS;
    out->len = w.len;
    return SW_OK;
}

uint16_t emu_cmd_genkey(emu_card *card, const codec_capdu *a, emu_out *out)
{
    return emu_crypto_answer(card, a, out, genkey(card, a, out));
}
