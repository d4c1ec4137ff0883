/* The card OS (emu_card) behind the vpcd link. */
#include "emu_vpcd_card.h"

#include "emu_card.h"

static void card_power_on(void *ctx)
{
    emu_card_power_on(ctx);
}

static void card_power_off(void *ctx)
{
    emu_card_power_off(ctx);
}

static void card_reset(void *ctx)
{
    emu_card_reset(ctx);
}

static const uint8_t *card_atr(void *ctx, size_t *len)
{
    return emu_card_atr(ctx, len);
}

static size_t card_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                            size_t cap)
{
    return emu_card_transmit(ctx, cmd, cmd_len, resp, cap);
}

const emu_vpcd_ops emu_vpcd_card_ops = {
    .power_on = card_power_on,
    .power_off = card_power_off,
    .reset = card_reset,
    .atr = card_atr,
    .transmit = card_transmit,
};
