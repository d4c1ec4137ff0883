/* The card operating system (libsdemu): bytes in, bytes out, no I/O. */
#ifndef EMU_CARD_H
#define EMU_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "emu_profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A response frame never exceeds what one vpcd frame carries: 65533 data bytes + SW1 SW2. */
#define EMU_RESPONSE_MAX 65535

typedef struct emu_card emu_card;

/* Creates a powered-off card from a profile. The card copies what it needs; the profile may be
 * freed afterwards. Returns NULL on allocation failure. */
emu_card *emu_card_new(const emu_profile *profile);

/* Frees a card; NULL is accepted. */
void emu_card_free(emu_card *card);

/* Power on / cold reset: clears the security status and the current selection, returns to MF. */
void emu_card_power_on(emu_card *card);

/* Power off: clears volatile state. */
void emu_card_power_off(emu_card *card);

/* Warm reset: same volatile effect as power on. */
void emu_card_reset(emu_card *card);

/* The card's ATR; *len receives its length. */
const uint8_t *emu_card_atr(const emu_card *card, size_t *len);

/* Processes one command APDU and writes the response (data || SW1 SW2) into resp[0..cap).
 * `cap` must be at least 2; responses are limited to min(cap, EMU_RESPONSE_MAX). Returns the
 * response length (always >= 2; 0 only when cap < 2). A card that is powered off powers on
 * implicitly. Allocates nothing; a card serves one caller at a time. */
size_t emu_card_transmit(emu_card *card, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                         size_t cap);

#ifdef __cplusplus
}
#endif

#endif
