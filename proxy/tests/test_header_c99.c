/* The public header compiles alone as C99 with -pedantic-errors, and links. */
#include "isoiec23465.h"

int main(void)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    return isoIec23465_statusToString(isoIec23465_Success)[0] == 'S' ? 0 : 1;
}
