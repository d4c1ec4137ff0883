/* The card OS (emu_card) behind the vpcd link. */
#ifndef EMU_VPCD_CARD_H
#define EMU_VPCD_CARD_H

#include "emu_vpcd.h"

/* Link operations for an emu_card; pass the emu_card * as the ops context. */
extern const emu_vpcd_ops emu_vpcd_card_ops;

#endif
