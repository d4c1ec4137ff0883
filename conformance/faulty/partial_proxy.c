/* A proxy that exports almost nothing: only isoIec23465_statusToString. sdconform --proxy on it
 * must report every test as failed with "... is not exported by the proxy" (the functions are
 * FunctionNotImplemented), and none may crash. */
#include "isoiec23465.h"

const char *isoIec23465_statusToString(isoIec23465_Status status)
{
    return status == isoIec23465_Success ? "Success" : "Failure";
}
