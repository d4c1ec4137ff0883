/* Per-thread error details: each API call clears them on entry and fills them on failure. */
#include "px_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec_apdu.h"
#include "px_status.h"

static _Thread_local isoIec23465_ErrorDetails px_last = {.remainingTries = -1};

void px_error_clear(void)
{
    memset(&px_last, 0, sizeof px_last);
    px_last.remainingTries = -1;
}

void px_error_record(isoIec23465_Status status, isoIec23465_ErrorOrigin origin, const char *fmt,
                     ...)
{
    px_error_clear();
    px_last.status = status;
    px_last.origin = origin;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(px_last.message, sizeof px_last.message, fmt, ap);
    va_end(ap);
}

isoIec23465_Status px_error_set_sw(uint16_t sw, const char *what)
{
    int tries = -1;
    isoIec23465_Status st = px_status_from_sw(sw, &tries);
    px_error_clear();
    px_last.status = st;
    px_last.origin = isoIec23465_OriginDevice;
    px_last.hasStatusWord = 1;
    px_last.statusWord = sw;
    px_last.remainingTries = tries;
    snprintf(px_last.message, sizeof px_last.message, "%s: SW %04X (%s)", what, sw,
             codec_sw_describe(sw));
    return st;
}

isoIec23465_Status px_error_buffer(size_t required)
{
    px_error_record(isoIec23465_BufferTooSmall, isoIec23465_OriginLocal,
                    "buffer too small: %zu bytes needed", required);
    px_last.requiredLength = required;
    return isoIec23465_BufferTooSmall;
}

void px_error_restore(const isoIec23465_ErrorDetails *saved)
{
    px_last = *saved;
}

isoIec23465_Status px_error_last(void)
{
    return px_last.status;
}

isoIec23465_Status isoIec23465_getLastError(isoIec23465_ErrorDetails *details)
{
    if (details)
        *details = px_last;
    return px_last.status;
}
