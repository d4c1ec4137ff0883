// The public header compiles alone as C++ with -pedantic-errors, and links.
#include "isoiec23465.h"

int main()
{
    isoIec23465_SecurityDeviceList *list = nullptr;
    (void)list;
    return isoIec23465_statusToString(isoIec23465_IllegalArgument)[0] == 'I' ? 0 : 1;
}
