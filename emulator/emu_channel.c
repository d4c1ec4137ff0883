/* Logical channels (7816-4 clause 5.4.2): the channel number in CLA, MANAGE CHANNEL, and the
 * per-channel selection. */
#include <string.h>

#include "emu_card_internal.h"

uint16_t emu_card_current_df(const emu_card *card)
{
    return card->chan->cur_df;
}

static void channel_clear(emu_channel *c)
{
    c->open = false;
    c->cur_df = 0;
    c->cur_ef = EMU_NONE;
    c->cur_rec = 0;
}

void emu_channel_reset_all(emu_card *card)
{
    for (size_t i = 0; i < EMU_MAX_CHANNELS; i++)
        channel_clear(&card->ch[i]);
    card->ch[0].open = true;
    card->chan = &card->ch[0];
}

uint16_t emu_channel_class(emu_card *card, uint8_t cla, bool *chained)
{
    unsigned n;
    if (cla & 0x80)
        return SW_CLA_NOT_SUPPORTED; /* proprietary, or FF invalid */
    if ((cla & 0xE0) == 0x20)
        return SW_CLA_NOT_SUPPORTED; /* reserved for future use */
    if (cla & 0x40) {
        /* further interindustry: channels 4-19; b6 secure messaging, b5 chaining */
        if (cla & 0x20)
            return SW_SM_NOT_SUPPORTED;
        n = 4u + (cla & 0x0Fu);
    } else {
        if (cla & 0x0C)
            return SW_SM_NOT_SUPPORTED;
        n = cla & 0x03u;
    }
    if (n >= card->tp.channels || !card->ch[n].open)
        return SW_CHANNEL_NOT_SUPPORTED;
    *chained = (cla & 0x10) != 0;
    if (*chained && !card->tp.chaining)
        return SW_CHAINING_NOT_SUPPORTED;
    card->chan = &card->ch[n];
    return 0;
}

/* MANAGE CHANNEL: P1 00 open (P2 00: the card picks and returns the number; P2 n: open n),
 * P1 80 close P2 (00: the channel of the command). Opening from the basic channel starts at
 * the MF; from another channel, the new one inherits that channel's selection (7816-4). */
uint16_t emu_cmd_manage_channel(emu_card *card, const codec_capdu *a, emu_out *out)
{
    if (card->tp.channels <= 1)
        return SW_CHANNEL_NOT_SUPPORTED;
    if (a->lc != 0)
        return SW_WRONG_LENGTH;
    emu_channel *from = card->chan;
    if (a->p1 == 0x00) {
        unsigned n = a->p2;
        if (n == 0) {
            /* the card assigns the number; any Le (or none) is enough for its one byte */
            n = 1;
            while (n < card->tp.channels && card->ch[n].open)
                n++;
            if (n == card->tp.channels)
                return SW_FUNC_NOT_SUPPORTED; /* no channel left */
        } else {
            if (a->ne != 0)
                return SW_WRONG_LENGTH;
            if (n >= card->tp.channels)
                return SW_WRONG_P1P2;
            if (card->ch[n].open)
                return SW_CONDITIONS_NOT_SATISFIED;
        }
        emu_channel *c = &card->ch[n];
        channel_clear(c);
        emu_se_clear_channel(card, n);
        c->open = true;
        if (from != &card->ch[0]) {
            c->cur_df = from->cur_df;
            c->cur_ef = from->cur_ef;
            c->cur_rec = from->cur_rec;
        }
        if (a->p2 == 0) {
            if (out->cap < 1)
                return SW_WRONG_LENGTH;
            out->buf[0] = (uint8_t)n;
            out->len = 1;
        }
        return SW_OK;
    }
    if (a->p1 == 0x80) {
        if (a->ne != 0)
            return SW_WRONG_LENGTH;
        unsigned n = a->p2 ? a->p2 : (unsigned)(from - card->ch);
        if (n == 0 || n >= card->tp.channels)
            return SW_WRONG_P1P2; /* the basic channel is never closed */
        if (!card->ch[n].open)
            return SW_WRONG_P1P2;
        channel_clear(&card->ch[n]);
        emu_se_clear_channel(card, n);
        return SW_OK;
    }
    return SW_WRONG_P1P2;
}
