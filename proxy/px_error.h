/* Per-thread details of the last API call (isoIec23465_getLastError). */
#ifndef PX_ERROR_H
#define PX_ERROR_H

#include <stdint.h>

#include "isoiec23465.h"

#if defined(__GNUC__)
#define PX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PX_PRINTF(a, b)
#endif

/* Marks the start of an API call: the details become "success". */
void px_error_clear(void);

/* Records a failure found by the proxy or the transport. Use px_error_set. */
void px_error_record(isoIec23465_Status status, isoIec23465_ErrorOrigin origin, const char *fmt,
                     ...) PX_PRINTF(3, 4);

/* Records a failure and evaluates to `status`, for `return px_error_set(...)`. A macro so that
 * the result is visibly `status` at the call site: the analyzers do not look into variadic
 * functions and would otherwise assume an error path can return Success. `status` is always a
 * constant (it is evaluated twice). */
#define px_error_set(status, origin, ...)                                                          \
    (px_error_record((status), (origin), __VA_ARGS__), (status))

/* Records a failure the device answered with `sw` (status from the SW table, tries from 63Cx);
 * `what` names the command. Returns the status. */
isoIec23465_Status px_error_set_sw(uint16_t sw, const char *what);

/* Records BufferTooSmall with the size needed; returns isoIec23465_BufferTooSmall. */
isoIec23465_Status px_error_buffer(size_t required);

/* Puts back details saved with isoIec23465_getLastError (release functions keep the caller's
 * last error). */
void px_error_restore(const isoIec23465_ErrorDetails *saved);

/* The status recorded last on this thread. */
isoIec23465_Status px_error_last(void);

#endif
