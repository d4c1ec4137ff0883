// The non-blocking header compiles alone as C++ with -pedantic-errors, and links.
#include "isoiec23465_async.h"

static void done(isoIec23465_Status, const isoIec23465_ErrorDetails *, void *) {}

int main()
{
    isoIec23465_Callback cb = done;
    size_t n = 0;
    // A NULL callback is refused before anything is queued.
    if (isoIec23465_SecurityDeviceList_getCount_async(nullptr, &n, nullptr, nullptr) !=
        isoIec23465_IllegalArgument)
        return 1;
    return cb ? 0 : 1;
}
