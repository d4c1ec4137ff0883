/* The one table from device status words to API statuses. */
#ifndef PX_STATUS_H
#define PX_STATUS_H

#include <stdint.h>

#include "isoiec23465.h"

/* Maps a final SW1-SW2 (9000 = success) to a status. For 63Cx sets *tries to x (else -1).
 * 61xx and 6Cxx never reach here: the APDU engine resolves them. */
isoIec23465_Status px_status_from_sw(uint16_t sw, int *tries);

#endif
