/* Card responses into the proxy: the input is a script of length-prefixed frames (2-byte
 * big-endian length, then bytes); the first is the ATR, each further one answers one command.
 * It drives connect (description matching), then px_fuzz_drive. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isoiec23465.h"
#include "px_fuzz_drive.h"
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
    px_fuzz_drive(dev);
    isoIec23465_disconnectSecurityDevice(dev);
    return 0;
}
