/* The card's security status and GET CHALLENGE. Internal to libsdemu.
 *
 * The status is volatile: one flag per PIN object (emu_pin.h), true once the PIN was verified.
 * Flags of global PINs are per card; flags of DF-specific PINs belong to their DF and are
 * cleared when the selection leaves the application (the nearest DF with an AID, or the MF)
 * for another one: SELECT calls emu_security_selected() with the DF before and after.
 * Everything is cleared by power on, reset and power off; one PIN by VERIFY P1 = FF. With
 * logical channels the status stays per card (not per channel); a DF-specific PIN is cleared
 * when any channel leaves its application. */
#ifndef EMU_SECURITY_H
#define EMU_SECURITY_H

#include <stdbool.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "emu_pin.h"

typedef struct emu_security {
    bool verified[EMU_MAX_PINS];
} emu_security;

struct emu_card;
struct emu_out;

/* Clears the whole status (power on, reset, power off). */
void emu_security_clear(struct emu_card *card);

/* The status of PIN object `idx` (EMU_PIN_NO_INDEX: false). */
bool emu_security_verified(const struct emu_card *card, int idx);

/* Sets or clears the status of PIN object `idx`. */
void emu_security_set(struct emu_card *card, int idx, bool verified);

/* The application a DF belongs to: the nearest DF with an AID at or above it, else the MF. */
uint16_t emu_security_application(const struct emu_card *card, uint16_t df);

/* To be called by SELECT after the current DF moved from `old_df` to `new_df`: when the
 * application changes, DF-specific PINs of DFs that are not on new_df's path are cleared. */
void emu_security_selected(struct emu_card *card, uint16_t old_df, uint16_t new_df);

/* GET CHALLENGE (INS 84): P1-P2 00 00, no data, Ne 1..256 random bytes (RAND_bytes). */
uint16_t emu_cmd_get_challenge(struct emu_card *card, const codec_capdu *a, struct emu_out *out);

#endif
