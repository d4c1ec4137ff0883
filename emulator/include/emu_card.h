/* The card operating system (libsdemu): bytes in, bytes out, no I/O. */
#ifndef EMU_CARD_H
#define EMU_CARD_H

#include <stdbool.h>
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

/* ---- Non-volatile state (implemented in emu_state.c) ---- */

/* Serialises the card's non-volatile memory (file tree and contents, life-cycle states, data
 * objects, PIN values, retry counters and flags) into a new buffer the caller frees. Volatile
 * state (selection, security status, channels) is not part of it. Returns 0, or -1 when out of
 * memory. */
int emu_card_state_save(const emu_card *card, uint8_t **buf, size_t *len);

/* Replaces the card's non-volatile memory with a state saved by emu_card_state_save for a card
 * of the same profile, then powers the card off. Returns 0; on malformed, truncated or foreign
 * input returns -1 with *err filled and the card unchanged. */
int emu_card_state_load(emu_card *card, const uint8_t *buf, size_t len, emu_error *err);

/* Called after every change of non-volatile memory, before the response leaves the card (and,
 * for VERIFY and the other PIN checks, after the retry counter is decremented and before the
 * comparison). Returns false when the change could not be made durable: the command then
 * answers 6581 (memory failure). NULL removes the hook. */
typedef bool (*emu_persist_fn)(emu_card *card, void *ctx);
void emu_card_set_persist(emu_card *card, emu_persist_fn fn, void *ctx);

/* Reads the retry counter (tries left) of the PIN with 7816-4 reference `ref` (b8 set: the
 * DF-specific PIN of the DF at `df_path`, given as FIDs from the MF, e.g. "5000"; NULL for global).
 * Returns 0, or -1 when there is no such PIN. */
int emu_card_pin_tries(const emu_card *card, uint8_t ref, const char *df_path, unsigned *tries);

/* Sets the retry counter of a PIN (0 blocks it; at most its retry limit) and makes it durable.
 * Returns 0, or -1 when there is no such PIN or the value is out of range. */
int emu_card_set_pin_tries(emu_card *card, uint8_t ref, const char *df_path, unsigned tries);

#ifdef __cplusplus
}
#endif

#endif
