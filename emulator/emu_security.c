/* The volatile security status and GET CHALLENGE. */
#include "emu_security.h"

#include <openssl/rand.h>
#include <string.h>

#include "emu_card_internal.h"

void emu_security_clear(emu_card *card)
{
    memset(&card->sec, 0, sizeof card->sec);
    memset(card->challenge, 0, sizeof card->challenge);
    card->challenge_len = 0;
}

bool emu_security_verified(const emu_card *card, int idx)
{
    return idx >= 0 && idx < card->pins.count && card->sec.verified[idx];
}

void emu_security_set(emu_card *card, int idx, bool verified)
{
    if (idx >= 0 && idx < card->pins.count)
        card->sec.verified[idx] = verified;
}

uint16_t emu_security_application(const emu_card *card, uint16_t df)
{
    const emu_file *files = card->fs.files;
    for (uint16_t d = df; d != EMU_NONE; d = files[d].parent)
        if (files[d].aid_len)
            return d;
    return 0;
}

/* True when `anc` is `df` or one of its ancestors. */
static bool on_path(const emu_card *card, uint16_t anc, uint16_t df)
{
    for (uint16_t d = df; d != EMU_NONE; d = card->fs.files[d].parent)
        if (d == anc)
            return true;
    return false;
}

void emu_security_selected(emu_card *card, uint16_t old_df, uint16_t new_df)
{
    if (emu_security_application(card, old_df) == emu_security_application(card, new_df))
        return;
    for (uint16_t i = 0; i < card->pins.count; i++) {
        const emu_pin *p = &card->pins.pins[i];
        if ((p->ref & 0x80) && !on_path(card, p->owner, new_df))
            card->sec.verified[i] = false;
    }
}

uint16_t emu_cmd_get_challenge(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (a->p1 != 0x00 || a->p2 != 0x00)
        return SW_WRONG_P1P2;
    /* A challenge is at most 256 bytes: a case 2 command with Le 1..256 (extended Le too). */
    if (a->lc != 0 || a->ne == 0 || a->ne > 256)
        return SW_WRONG_LENGTH;
    if (a->ne > out->cap)
        return SW_WRONG_LENGTH;
    if (RAND_bytes(out->buf, (int)a->ne) != 1)
        return SW_NO_DIAGNOSIS;
    out->len = a->ne;
    /* kept for EXTERNAL AUTHENTICATE (emu_cmd_auth.c), which uses it once */
    memcpy(card->challenge, out->buf, a->ne);
    card->challenge_len = (uint16_t)a->ne;
    return SW_OK;
}
