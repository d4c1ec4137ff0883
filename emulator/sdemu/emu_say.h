/* Error messages into caller-provided buffers, shared by the sdemu modules. */
#ifndef EMU_SAY_H
#define EMU_SAY_H

#include <stddef.h>

/* Formats a message into buf[0..cap) (nothing when buf is NULL or cap is 0). */
__attribute__((format(printf, 3, 4))) void emu_say(char *buf, size_t cap, const char *fmt, ...);

#endif
