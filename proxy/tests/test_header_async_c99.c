/* The non-blocking header compiles alone as C99 with -pedantic-errors, and links. */
#include "isoiec23465_async.h"

static void done(isoIec23465_Status status, const isoIec23465_ErrorDetails *details, void *user)
{
    (void)status;
    (void)details;
    (void)user;
}

int main(void)
{
    isoIec23465_Callback cb = done;
    size_t n = 0;
    /* A NULL callback is refused before anything is queued. */
    if (isoIec23465_SecurityDeviceList_getCount_async(NULL, &n, NULL, NULL) !=
        isoIec23465_IllegalArgument)
        return 1;
    return cb ? 0 : 1;
}
