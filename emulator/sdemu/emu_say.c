/* Error messages into caller-provided buffers. */
#include "emu_say.h"

#include <stdarg.h>
#include <stdio.h>

void emu_say(char *buf, size_t cap, const char *fmt, ...)
{
    if (!buf || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14's valist checker calls this list uninitialized although va_start just
     * initialised it: a false positive, silenced for this line and this check only. */
    vsnprintf(buf, cap, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
}
