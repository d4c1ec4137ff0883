/* The card's internal state and the conventions every command handler follows. Internal to
 * libsdemu: handlers live in one module per command group (emu_card.c dispatches). */
#ifndef EMU_CARD_INTERNAL_H
#define EMU_CARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "emu_card.h"
#include "emu_fs.h"

#define SW_OK 0x9000
#define SW_END_OF_FILE 0x6282
#define SW_WRONG_LENGTH 0x6700
#define SW_CHANNEL_NOT_SUPPORTED 0x6881
#define SW_SM_NOT_SUPPORTED 0x6882
#define SW_CHAINING_NOT_SUPPORTED 0x6884
#define SW_INCOMPATIBLE_FILE 0x6981
#define SW_NO_CURRENT_EF 0x6986
#define SW_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6A86
#define SW_NC_INCONSISTENT 0x6A87
#define SW_WRONG_OFFSET 0x6B00
#define SW_WRONG_LE 0x6C00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00

/* The card. Volatile state (selection, security status) is cleared by power on and reset. */
struct emu_card {
    emu_fs fs;
    uint8_t atr[EMU_MAX_ATR];
    size_t atr_len;
    bool powered;
    uint16_t cur_df; /* always a DF */
    uint16_t cur_ef; /* EMU_NONE when no EF is current */
};

/* Where a handler writes its response data: resp[0..cap) with cap leaving room for SW1 SW2. */
typedef struct emu_out {
    uint8_t *buf;
    size_t cap;
    size_t len;
} emu_out;

#endif
