/* INTERNAL AUTHENTICATE (88), EXTERNAL AUTHENTICATE (82) after GET CHALLENGE, GENERAL
 * AUTHENTICATE (86/87) for ECDH key agreement. P1 = algorithm reference, P2 = key reference;
 * 00 takes them from the current SE (AT for the first two, KAT for the third). */
#include <openssl/crypto.h>
#include <string.h>

#include "codec_tlv.h"
#include "emu_card_internal.h"
#include "emu_crypto.h"

#define INT_AUTH_KINDS                                                                             \
    (EMU_ALG_BIT(EMU_ALG_RSA_PKCS1_DIGESTINFO) | EMU_ALG_BIT(EMU_ALG_ECDSA_PLAIN) |                \
     EMU_ALG_BIT(EMU_ALG_ECDSA_DER) | EMU_ALG_BIT(EMU_ALG_AES_CMAC) |                              \
     EMU_ALG_BIT(EMU_ALG_AES_ECB))
#define EXT_AUTH_KINDS (EMU_ALG_BIT(EMU_ALG_AES_CMAC) | EMU_ALG_BIT(EMU_ALG_AES_ECB))

static uint16_t internal_auth(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (a->lc == 0)
        return SW_WRONG_LENGTH;
    emu_key *k;
    const emu_alg *alg;
    const emu_crt *crt;
    uint16_t sw = emu_crypto_select(card, EMU_CRT_AT, EMU_SE_COMPUTE, a->p1, a->p2,
                                    EMU_KEY_INT_AUTH, INT_AUTH_KINDS, &k, &alg, &crt);
    if (sw != SW_OK)
        return sw;
    switch (alg->kind) {
    case EMU_ALG_AES_CMAC:
        if (out->cap < 16)
            return SW_WRONG_LENGTH;
        sw = emu_crypto_cmac(k, a->data, a->lc, out->buf);
        if (sw == SW_OK)
            out->len = 16;
        return sw;
    case EMU_ALG_AES_ECB:
        return emu_crypto_cipher(k, alg, 1, NULL, a->data, a->lc, out->buf, out->cap, &out->len);
    default: /* RSA PKCS#1 v1.5 over the challenge as given, ECDSA over it as a hash */
        return emu_crypto_sign(k, alg, a->data, a->lc, out->buf, out->cap, &out->len);
    }
}

uint16_t emu_cmd_internal_auth(emu_card *card, const codec_capdu *a, emu_out *out)
{
    return emu_crypto_answer(card, a, out, internal_auth(card, a, out));
}

uint16_t emu_cmd_external_auth(emu_card *card, const codec_capdu *a, emu_out *out)
{
    (void)out;
    if (a->lc == 0 || a->ne != 0)
        return SW_WRONG_LENGTH;
    emu_key *k;
    const emu_alg *alg;
    const emu_crt *crt;
    uint16_t sw = emu_crypto_select(card, EMU_CRT_AT, EMU_SE_VERIFY, a->p1, a->p2, EMU_KEY_EXT_AUTH,
                                    EXT_AUTH_KINDS, &k, &alg, &crt);
    if (sw != SW_OK)
        return sw;
    if (card->challenge_len == 0)
        return SW_CONDITIONS_NOT_SATISFIED; /* GET CHALLENGE first */
    /* single use: whatever happens now, this challenge is gone */
    uint8_t challenge[sizeof card->challenge];
    size_t clen = card->challenge_len;
    memcpy(challenge, card->challenge, clen);
    OPENSSL_cleanse(card->challenge, sizeof card->challenge);
    card->challenge_len = 0;
    uint8_t expect[16];
    size_t elen = 0;
    if (alg->kind == EMU_ALG_AES_CMAC) {
        sw = emu_crypto_cmac(k, challenge, clen, expect);
        elen = 16;
    } else if (clen != 16) {
        sw = SW_CONDITIONS_NOT_SATISFIED; /* AES-ECB needs a 16-byte challenge */
    } else {
        sw = emu_crypto_cipher(k, alg, 1, NULL, challenge, clen, expect, sizeof expect, &elen);
    }
    OPENSSL_cleanse(challenge, sizeof challenge);
    if (sw == SW_OK && a->lc != elen)
        sw = SW_WRONG_DATA;
    if (sw == SW_OK && CRYPTO_memcmp(expect, a->data, elen) != 0)
        sw = SW_VERIFICATION_FAILED;
    OPENSSL_cleanse(expect, sizeof expect);
    return sw;
}

/* 7C { 85 point [82 00] } -> 7C { 82 shared secret } */
static uint16_t general_auth(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (a->lc == 0)
        return SW_WRONG_LENGTH;
    codec_reader r, in;
    codec_reader_init(&r, a->data, a->lc);
    uint32_t tag;
    const uint8_t *v, *point = NULL;
    size_t l, point_len = 0;
    if (!codec_ber_read_tlv(&r, &tag, &v, &l) || tag != 0x7C || codec_reader_remaining(&r) != 0)
        return SW_WRONG_DATA;
    codec_reader_init(&in, v, l);
    bool want_response = false;
    while (codec_reader_remaining(&in) > 0) {
        const uint8_t *iv;
        size_t il;
        if (!codec_ber_read_tlv(&in, &tag, &iv, &il))
            return SW_WRONG_DATA;
        if (tag == 0x85 && !point) {
            point = iv;
            point_len = il;
        } else if (tag == 0x82 && il == 0 && !want_response) {
            want_response = true;
        } else {
            return SW_WRONG_DATA;
        }
    }
    if (!point)
        return SW_WRONG_DATA;
    emu_key *k;
    const emu_alg *alg;
    const emu_crt *crt;
    uint16_t sw = emu_crypto_select(card, EMU_CRT_KAT, EMU_SE_COMPUTE, a->p1, a->p2, EMU_KEY_DERIVE,
                                    EMU_ALG_BIT(EMU_ALG_ECDH), &k, &alg, &crt);
    if (sw != SW_OK)
        return sw;
    uint8_t secret[80];
    size_t slen = 0;
    sw = emu_crypto_ecdh(k, point, point_len, secret, sizeof secret, &slen);
    if (sw != SW_OK)
        return sw;
    codec_writer w;
    codec_writer_init(&w, out->buf, out->cap);
    codec_ber_write_tag(&w, 0x7C);
    codec_ber_write_length(&w, 2 + slen);
    codec_ber_write_tag(&w, 0x82);
    codec_ber_write_length(&w, slen);
    codec_write_bytes(&w, secret, slen);
    OPENSSL_cleanse(secret, sizeof secret);
    if (w.overflow)
        return SW_WRONG_LENGTH;
    out->len = w.len;
    return SW_OK;
}

uint16_t emu_cmd_general_auth(emu_card *card, const codec_capdu *a, emu_out *out)
{
    return emu_crypto_answer(card, a, out, general_auth(card, a, out));
}
