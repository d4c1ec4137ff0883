/* The card operating system: every command is decoded once (codec), checked for class, then
 * dispatched by INS. Handlers write straight into the caller's response buffer; nothing is
 * allocated per command. */
#include "emu_card.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_fs.h"

#include "emu_card_internal.h"
#include "emu_p15.h"

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
    if (!emu_transport_init(card, profile)) {
        emu_fs_clear(&card->fs);
        free(card);
        return NULL;
    }
    emu_channel_reset_all(card);
    card->pins = *emu_profile_pins(profile);
    if (!emu_key_table_copy(&card->keys, emu_profile_keys(profile))) {
        emu_card_free(card);
        return NULL;
    }
    /* the fingerprint leaves out generated material (emu_state.c): taken before generation */
    if (!emu_profile_cached_fingerprint(profile, card->profile_id)) {
        if (!emu_state_fingerprint(card)) {
            emu_card_free(card);
            return NULL;
        }
        emu_profile_cache_fingerprint(profile, card->profile_id);
    }
    for (uint16_t i = 0; i < card->keys.count; i++) {
        emu_key *k = &card->keys.keys[i];
        if (k->generate_at_start && emu_key_empty(k) && !emu_key_generate(k)) {
            emu_card_free(card);
            return NULL;
        }
    }
    /* last, so that it describes the keys generated above (emu_p15.c) */
    if (emu_profile_pkcs15(profile) && !emu_p15_publish(card, profile)) {
        emu_card_free(card);
        return NULL;
    }
    return card;
}

void emu_card_free(emu_card *card)
{
    if (!card)
        return;
    emu_fs_clear(&card->fs);
    emu_transport_free(card);
    emu_pin_table_wipe(&card->pins);
    emu_key_table_clear(&card->keys);
    OPENSSL_cleanse(card->challenge, sizeof card->challenge);
    free(card);
}

void emu_card_power_on(emu_card *card)
{
    card->powered = true;
    emu_channel_reset_all(card);
    emu_transport_reset(card);
    emu_security_clear(card);
    emu_se_clear_all(card);
}

void emu_card_power_off(emu_card *card)
{
    card->powered = false;
    emu_channel_reset_all(card);
    emu_transport_reset(card);
    emu_security_clear(card);
    emu_se_clear_all(card);
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

/* ---- dispatch ---- */

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
    bool chained = false;
    /* Each stage answers (sw != 0) or passes on: the decoder, the class byte (channel, secure
     * messaging, chaining), then the transport (chain parts, GET RESPONSE, length limits). */
    if (codec_capdu_decode(cmd, cmd_len, &a) != CODEC_APDU_OK)
        sw = SW_WRONG_LENGTH;
    else if ((sw = emu_channel_class(card, a.cla, &chained)) == 0)
        sw = emu_transport_before(card, &a, chained, &out);
    if (sw == 0) {
        switch (a.ins) {
        case 0xA4:
            sw = emu_cmd_select(card, &a, &out);
            break;
        case 0xB0: /* READ BINARY */
        case 0xB1:
        case 0xD6: /* UPDATE BINARY */
        case 0xD7:
        case 0xD0: /* WRITE BINARY */
        case 0xD1:
        case 0x0E: /* ERASE BINARY */
        case 0x0F:
            sw = emu_cmd_binary(card, &a, &out);
            break;
        case 0xB2: /* READ RECORD(S) */
        case 0xDC: /* UPDATE RECORD */
        case 0xD2: /* WRITE RECORD */
        case 0xE2: /* APPEND RECORD */
        case 0x0C: /* ERASE RECORD(S) */
        case 0xA2: /* SEARCH RECORD */
            sw = emu_cmd_record(card, &a, &out);
            break;
        case 0xCA: /* GET DATA */
        case 0xCB:
        case 0xDA: /* PUT DATA */
        case 0xDB:
            sw = emu_cmd_data(card, &a, &out);
            break;
        case 0xE0: /* CREATE FILE */
        case 0xE4: /* DELETE FILE */
        case 0x44: /* ACTIVATE FILE */
        case 0x04: /* DEACTIVATE FILE */
        case 0xE6: /* TERMINATE DF */
        case 0xE8: /* TERMINATE EF */
        case 0xFE: /* TERMINATE CARD USAGE */
            sw = emu_cmd_file(card, &a, &out);
            break;
        case 0x70:
            sw = emu_cmd_manage_channel(card, &a, &out);
            break;
        case 0x20: /* VERIFY */
            sw = emu_cmd_verify(card, &a, &out);
            break;
        case 0x24: /* CHANGE REFERENCE DATA */
            sw = emu_cmd_change_reference_data(card, &a, &out);
            break;
        case 0x2C: /* RESET RETRY COUNTER */
            sw = emu_cmd_reset_retry_counter(card, &a, &out);
            break;
        case 0x26: /* DISABLE VERIFICATION REQUIREMENT */
        case 0x28: /* ENABLE VERIFICATION REQUIREMENT */
            sw = emu_cmd_verification_requirement(card, &a, &out);
            break;
        case 0x84: /* GET CHALLENGE */
            sw = emu_cmd_get_challenge(card, &a, &out);
            break;
        case 0x22: /* MANAGE SECURITY ENVIRONMENT */
            sw = emu_cmd_mse(card, &a, &out);
            break;
        case 0x2A: /* PERFORM SECURITY OPERATION */
            sw = emu_cmd_pso(card, &a, &out);
            break;
        case 0x88: /* INTERNAL AUTHENTICATE */
            sw = emu_cmd_internal_auth(card, &a, &out);
            break;
        case 0x82: /* EXTERNAL AUTHENTICATE */
            sw = emu_cmd_external_auth(card, &a, &out);
            break;
        case 0x86: /* GENERAL AUTHENTICATE */
        case 0x87:
            sw = emu_cmd_general_auth(card, &a, &out);
            break;
        case 0x46: /* GENERATE ASYMMETRIC KEY PAIR */
        case 0x47:
            sw = emu_cmd_genkey(card, &a, &out);
            break;
        default:
            sw = SW_INS_NOT_SUPPORTED;
            break;
        }
        if ((sw & 0xFF00) != 0x6200 && sw != SW_OK)
            out.len = 0;
        sw = emu_transport_after(card, &a, sw, &out);
    }
    /* data goes only with 9000, 61xx and the warnings 62xx */
    if ((sw & 0xFF00) != 0x6200 && (sw & 0xFF00) != 0x6100 && sw != SW_OK)
        out.len = 0;
    resp[out.len] = (uint8_t)(sw >> 8);
    resp[out.len + 1] = (uint8_t)sw;
    return out.len + 2;
}
