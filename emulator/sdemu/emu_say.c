/* Error messages into caller-provided buffers. */
#include "emu_say.h"

#include <stdio.h>

void emu_vsay(char *buf, size_t cap, const char *fmt, va_list ap)
{
    if (buf && cap != 0)
        vsnprintf(buf, cap, fmt, ap);
}

void emu_say(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emu_vsay(buf, cap, fmt, ap);
    va_end(ap);
}
