/* Non-blocking calls for the "_async" cases: SDC_ASYNC_CALL(Name, args...) calls
 * isoIec23465_<Name>_async(args..., callback, user) of the proxy under test (looked up by name,
 * so a --proxy library without it answers FunctionNotImplemented), waits for the callback and
 * returns the status it delivered. Until the next API call, isoIec23465_getLastError on the
 * interpreter's thread gives the details the callback delivered. */
#ifndef SDC_ASYNC_H
#define SDC_ASYNC_H

#include <stdbool.h>

#include "isoiec23465_async.h"
#include "sdc_api.h"

/* The proxy's isoIec23465_<name>_async, or NULL when it has none (as a generic function
 * pointer: the macro converts it to the function's own type). */
typedef void (*sdc_async_fn)(void);
sdc_async_fn sdc_async_lookup(const char *name);

/* The callback handed to every non-blocking call, and the pointer it gets. */
void sdc_async_done(isoIec23465_Status status, const isoIec23465_ErrorDetails *details, void *user);
void *sdc_async_slot(void);

/* Starts one call (resets the slot). Returns 0, for use in the macro's comma expression. */
int sdc_async_begin(void);

/* Ends one call: `queued` is what F_async returned; on Success waits (bounded) for the callback
 * and returns the delivered status. */
isoIec23465_Status sdc_async_end(const char *name, isoIec23465_Status queued);

/* A proxy without the non-blocking form: FunctionNotImplemented with a message. */
isoIec23465_Status sdc_async_absent(const char *name);

/* The details delivered by the last callback, until sdc_async_forget (called by every API call
 * through the table). True when there are such details; they are copied to `details`. */
bool sdc_async_delivered(isoIec23465_ErrorDetails *details);
void sdc_async_forget(void);

#define SDC_ASYNC_FN_(Name) ((__typeof__(isoIec23465_##Name##_async) *)sdc_async_lookup(#Name))
#define SDC_ASYNC_CALL(Name, ...)                                                                  \
    sdc_api_done_(SDC_FN_##Name,                                                                   \
                  (sdc_async_begin(),                                                              \
                   SDC_ASYNC_FN_(Name)                                                             \
                       ? sdc_async_end(#Name, SDC_ASYNC_FN_(Name)(__VA_ARGS__, sdc_async_done,     \
                                                                  sdc_async_slot()))               \
                       : sdc_async_absent(#Name)))

#endif
