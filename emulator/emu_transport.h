/* The transport personality of a card (profile key `transport`): T=0 or T=1 style, extended
 * length, command chaining, logical channels. Internal to libsdemu. */
#ifndef EMU_TRANSPORT_H
#define EMU_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_profile.h"

typedef struct emu_transport {
    bool t0;             /* T=0 style: 61xx + GET RESPONSE, 6Cxx for a wrong Le */
    bool extended;       /* extended Lc/Le accepted (else 6700) */
    bool chaining;       /* command chaining (CLA b5) accepted (else 6884) */
    uint8_t channels;    /* logical channels 1..20 (1 = the basic channel only) */
    size_t max_command;  /* largest Nc accepted (a whole chain included) */
    size_t max_response; /* largest Ne served; a larger Ne is served up to this */
} emu_transport;

/* The defaults of a profile without `transport`: T=1 style, extended length up to 65535 /
 * 65536, no chaining, the basic channel only. */
void emu_transport_defaults(emu_transport *tp);

/* The profile's transport personality (defined by the profile loader). */
const emu_transport *emu_profile_transport(const emu_profile *profile);

#endif
