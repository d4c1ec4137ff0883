/* The call sequence of the 'proxy' fuzz target (px_fuzz_drive.h). */
#include "px_fuzz_drive.h"

#include <stdint.h>

void px_fuzz_drive(isoIec23465_SecurityDevice *dev)
{
    isoIec23465_RootApplication *root = NULL;
    if (isoIec23465_SecurityDevice_getRootApplication(dev, &root) != isoIec23465_Success)
        return;
    static const char *const labels[] = {"public-256", "app-hello", "public-4096"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        isoIec23465_DataContainer *dc = NULL;
        if (isoIec23465_SecurityDeviceApplication_findObject(root, labels[i], &dc) !=
            isoIec23465_Success)
            continue;
        static uint8_t buf[65536];
        size_t n = 0, len = sizeof buf;
        (void)isoIec23465_DataContainer_getSize(dc, &n);
        (void)isoIec23465_DataContainer_getData(dc, buf, &len);
        len = sizeof buf;
        (void)isoIec23465_DataContainer_getDataRange(dc, 3, 40, buf, &len);
        isoIec23465_Object_release(dc);
    }
}
