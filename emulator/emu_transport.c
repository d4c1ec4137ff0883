/* The transport personality: length limits, command chaining (CLA b5), and the T=0 style of
 * answering (61xx + GET RESPONSE, 6Cxx). Buffers are allocated once with the card. */
#include <stdlib.h>
#include <string.h>

#include "emu_card_internal.h"

#define CHAIN_MAX 65535 /* data bytes of a whole chain */

bool emu_transport_init(emu_card *card, const emu_profile *profile)
{
    card->tp = *emu_profile_transport(profile);
    emu_tstate *t = &card->tstate;
    memset(t, 0, sizeof *t);
    if (card->tp.t0 && !(t->pending = malloc(EMU_RESPONSE_MAX)))
        return false;
    if (card->tp.chaining && !(t->chain = malloc(CHAIN_MAX))) {
        free(t->pending);
        t->pending = NULL;
        return false;
    }
    return true;
}

void emu_transport_free(emu_card *card)
{
    free(card->tstate.pending);
    free(card->tstate.chain);
    card->tstate.pending = NULL;
    card->tstate.chain = NULL;
}

void emu_transport_reset(emu_card *card)
{
    emu_tstate *t = &card->tstate;
    t->pending_len = t->pending_off = 0;
    t->chain_len = 0;
    t->chain_active = false;
}

/* 61xx for `left` bytes still waiting (00 = 256 or more). */
static uint16_t more_bytes(size_t left)
{
    return (uint16_t)(SW_BYTES_AVAILABLE | (left >= 256 ? 0 : left));
}

/* GET RESPONSE (00 C0 00 00 Le): the next part of a T=0 response. */
static uint16_t get_response(emu_card *card, const codec_capdu *a, emu_out *out)
{
    emu_tstate *t = &card->tstate;
    size_t left = t->pending_len - t->pending_off;
    if (left == 0)
        return SW_CONDITIONS_NOT_SATISFIED; /* nothing to get */
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->lc != 0 || a->ne == 0)
        return SW_WRONG_LENGTH;
    if (a->ne > left)
        return (uint16_t)(SW_WRONG_LE | (left >= 256 ? 0 : left));
    size_t n = a->ne < out->cap ? a->ne : out->cap;
    memcpy(out->buf, t->pending + t->pending_off, n);
    out->len = n;
    t->pending_off += n;
    left -= n;
    if (left)
        return more_bytes(left);
    t->pending_len = t->pending_off = 0;
    return t->pending_sw;
}

static bool same_header(const emu_tstate *t, const codec_capdu *a)
{
    return t->chain_hdr[0] == (a->cla & 0xEF) && t->chain_hdr[1] == a->ins &&
           t->chain_hdr[2] == a->p1 && t->chain_hdr[3] == a->p2;
}

uint16_t emu_transport_before(emu_card *card, codec_capdu *a, bool chained, emu_out *out)
{
    emu_tstate *t = &card->tstate;
    if (!card->tp.extended && codec_capdu_is_extended(a))
        return SW_WRONG_LENGTH;
    if (a->lc > card->tp.max_command)
        return SW_WRONG_LENGTH;
    if (a->ne > card->tp.max_response)
        a->ne = card->tp.max_response;
    if (card->tp.t0) {
        if (a->ins == 0xC0 && !chained && !t->chain_active)
            return get_response(card, a, out);
        /* any other command drops what was not fetched */
        t->pending_len = t->pending_off = 0;
        /* T=0 carries no Le with data: the answer comes through 61xx */
        if (a->lc > 0)
            a->ne = 256;
    }
    if (chained) {
        if (t->chain_active && !same_header(t, a)) {
            t->chain_active = false;
            return SW_LAST_OF_CHAIN_EXPECTED;
        }
        if (!t->chain_active) {
            t->chain_active = true;
            t->chain_len = 0;
            t->chain_hdr[0] = a->cla & 0xEF;
            t->chain_hdr[1] = a->ins;
            t->chain_hdr[2] = a->p1;
            t->chain_hdr[3] = a->p2;
        }
        if (a->lc > card->tp.max_command - t->chain_len || a->lc > CHAIN_MAX - t->chain_len) {
            t->chain_active = false;
            return SW_WRONG_LENGTH;
        }
        if (a->lc)
            memcpy(t->chain + t->chain_len, a->data, a->lc);
        t->chain_len += a->lc;
        return SW_OK;
    }
    if (t->chain_active) {
        t->chain_active = false;
        if (!same_header(t, a))
            return SW_LAST_OF_CHAIN_EXPECTED;
        if (a->lc > card->tp.max_command - t->chain_len || a->lc > CHAIN_MAX - t->chain_len)
            return SW_WRONG_LENGTH;
        if (a->lc)
            memcpy(t->chain + t->chain_len, a->data, a->lc);
        t->chain_len += a->lc;
        a->data = t->chain_len ? t->chain : NULL;
        a->lc = t->chain_len;
    }
    return 0;
}

uint16_t emu_transport_after(emu_card *card, const codec_capdu *a, uint16_t sw, emu_out *out)
{
    emu_tstate *t = &card->tstate;
    if (!card->tp.t0 || out->len == 0)
        return sw;
    /* case 2 that found less than Le: T=0 asks for the exact length */
    if (a->lc == 0 && a->ne != 0 && a->ne <= 256 && out->len < a->ne && sw == SW_END_OF_FILE) {
        uint16_t exact = (uint16_t)(SW_WRONG_LE | (out->len & 0xFF));
        out->len = 0;
        return exact;
    }
    /* data for a command that carried data (case 3/4), no Le, or too long for one answer */
    if (a->lc > 0 || a->ne == 0 || out->len > 256) {
        memcpy(t->pending, out->buf, out->len);
        t->pending_len = out->len;
        t->pending_off = 0;
        t->pending_sw = sw;
        out->len = 0;
        return more_bytes(t->pending_len);
    }
    return sw;
}
