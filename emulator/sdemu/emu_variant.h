/* Several cards from one profile: each gets an ATR variant and a serial number of its own.
 *
 * ATR variant K (1..255): when the historical bytes are in compact-TLV form (category indicator
 * 80) and there is room, a compact-TLV object "card issuer's data" (tag 5, length 1) holding K is
 * appended to them (51 KK): the other historical bytes keep advertising the card's capabilities
 * truthfully. Otherwise the last historical byte is XORed with K. T0's count of historical bytes
 * and the check byte TCK (when the ATR has one) are recomputed. */
#ifndef EMU_VARIANT_H
#define EMU_VARIANT_H

#include <stddef.h>
#include <stdint.h>

/* Longest ATR (ISO/IEC 7816-3). */
#define EMU_VARIANT_ATR_MAX 33

/* Writes ATR variant `k` (1..255) of atr[0..len) into out[0..EMU_VARIANT_ATR_MAX) and sets
 * *out_len. Returns 0, or -1 when the ATR is malformed (truncated interface bytes, wrong length,
 * wrong TCK) or has no historical bytes to vary. */
int emu_variant_atr(const uint8_t *atr, size_t len, unsigned k, uint8_t *out, size_t *out_len);

/* The serial number of card `k` (1-based) made from `serial` (NULL or "": "sdemu"):
 * "<serial>-<k>". Returns 0, or -1 when it does not fit in out[0..cap). */
int emu_variant_serial(const char *serial, unsigned k, char *out, size_t cap);

#endif
