/* What an ATR says about transport capabilities (ISO/IEC 7816-3 structure, 7816-4 card
 * capabilities in the historical bytes). */
#ifndef PX_ATR_H
#define PX_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct px_atr_info {
    const uint8_t *hist; /* historical bytes, inside the parsed ATR */
    size_t hist_len;
    int extended_length;  /* -1 not said, 0 no, 1 yes */
    int chaining;         /* -1 not said, 0 no, 1 yes */
    int logical_channels; /* -1 not said, else 1..8 */
    /* The historical bytes announce EF.ATR/INFO: card service data (31) b5 with READ BINARY
     * access (b4-b2 100), or card capabilities third byte b6 (extended length information in
     * EF.ATR/INFO). */
    bool efatr;
} px_atr_info;

/* Decodes the third software function byte of the card capabilities (ISO/IEC 7816-4
 * 12.1.1.9), in the historical bytes or in EF.ATR/INFO: b8 command chaining, b7 extended Lc/Le
 * (0 or 1 each), b5-b4 channel assignment (00: no logical channels) and b3-b1 the number of
 * channels minus one (1..8). b6 (extended length information in EF.ATR/INFO) is the caller's. */
void px_atr_software_byte(uint8_t third, int *chaining, int *extended_length,
                          int *logical_channels);

/* Parses atr[0..len). False when the ATR is malformed (too short for what T0/TDi announce);
 * *out is then untouched. */
bool px_atr_parse(const uint8_t *atr, size_t len, px_atr_info *out);

#endif
