/* The card's non-volatile state as bytes (emu_state.c): the profile fingerprint that binds a
 * saved state to the profile it came from. Internal to libsdemu; the public half (save, load,
 * persistence hook, PIN counters) is declared in emu_card.h. */
#ifndef EMU_STATE_H
#define EMU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define EMU_STATE_FINGERPRINT_LEN 32 /* SHA-256 */

struct emu_card;

/* Computes the profile fingerprint of a card fresh from emu_card_new (before any command):
 * SHA-256 over the ATR and the card's initial non-volatile image in the state encoding. Stores
 * it in card->profile_id. Returns false when out of memory. */
bool emu_state_fingerprint(struct emu_card *card);

/* The fingerprint cache of a profile (emu_profile.c): emu_card_new computes the fingerprint
 * once per profile. `cached` copies it into out (EMU_STATE_FINGERPRINT_LEN bytes) and answers
 * true when known; `cache` keeps the first one given. Safe from several threads. */
struct emu_profile;
bool emu_profile_cached_fingerprint(const struct emu_profile *profile, uint8_t *out);
void emu_profile_cache_fingerprint(const struct emu_profile *profile, const uint8_t *id);

#endif
