/* A function this version declares but does not implement: checks its handle (so wrong classes
 * and stale handles answer as everywhere else) and then returns FunctionNotImplemented. */
#ifndef PX_UNIMPL_H
#define PX_UNIMPL_H

#include "px_error.h"
#include "px_handle.h"

#define PX_NOT_IMPLEMENTED(h, cls)                                                                 \
    do {                                                                                           \
        px_conn *c;                                                                                \
        px_error_clear();                                                                          \
        isoIec23465_Status st = px_handle_enter((h), (cls), &c);                                   \
        if (st != isoIec23465_Success)                                                             \
            return st;                                                                             \
        px_handle_leave(c);                                                                        \
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,           \
                            "%s is not implemented in this version", __func__);                    \
    } while (0)

#endif
