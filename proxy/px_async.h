/* Private side of the non-blocking API (px_async.c): the hooks the rest of the proxy and the
 * tests call. The public side is include/isoiec23465_async.h. */
#ifndef PX_ASYNC_H
#define PX_ASYNC_H

#include "px_handle.h"

/* Tells the async layer that `conn` was closed (call it after clearing conn->open, outside
 * conn->lock, while the caller still holds a reference on conn). The device's worker runs
 * every job still queued (they answer IllegalState) and calls their callbacks; when the caller
 * is not itself an async worker thread this waits for that and joins the worker, so no callback
 * of the device runs after it returns. From a worker thread (a callback that disconnects) it
 * only asks the worker to end once its queue is empty; the thread is joined later. */
void px_async_device_closed(px_conn *conn);

/* Ends every worker: each runs its queued jobs first, then is joined (worker threads are not
 * joined when this runs on one of them). For tests and for orderly shutdown; new jobs may be
 * queued afterwards and start new workers. */
void px_async_shutdown(void);

/* Idle time, in milliseconds, after which a worker with an empty queue ends (it is started
 * again by the next job). */
#define PX_ASYNC_IDLE_MS 200

#endif
