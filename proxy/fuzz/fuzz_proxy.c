/* Card responses into the proxy: the input is a script of length-prefixed frames (2-byte
 * big-endian length, then bytes); the first is the ATR, each further one answers one command.
 * It drives connect (description matching), findObject, getSize, getData and getDataRange. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isoiec23465.h"
#include "px_handle.h"
#include "px_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    px_transport tr;
    if (px_transport_fake_open(data, size, &tr) != isoIec23465_Success)
        return 0;
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "fuzz:");
    isoIec23465_SecurityDevice *dev = NULL;
    if (px_connect_transport(&tr, &info, &dev) != isoIec23465_Success)
        return 0;
    isoIec23465_RootApplication *root = NULL;
    if (isoIec23465_SecurityDevice_getRootApplication(dev, &root) == isoIec23465_Success) {
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
    isoIec23465_disconnectSecurityDevice(dev);
    return 0;
}
