/* Card responses into the proxy. The input is a selector byte (px_fuzz_drive.h: which groups
 * of calls run), then a script of length-prefixed frames (2-byte big-endian length, then
 * bytes): the first is the ATR, each further one answers one command; once the script is used
 * up every command fails with a transport error. It drives connect (description matching and
 * ISO/IEC 7816-15 discovery), then px_fuzz_drive on the objects the responses led to. */
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
    if (size < 1)
        return 0;
    unsigned selector = data[0];
    px_transport tr;
    if (px_transport_fake_open(data + 1, size - 1, &tr) != isoIec23465_Success)
        return 0;
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "fuzz:");
    isoIec23465_SecurityDevice *dev = NULL;
    if (px_connect_transport(&tr, &info, &dev) != isoIec23465_Success)
        return 0;
    px_fuzz_drive(dev, selector);
    if (isoIec23465_disconnectSecurityDevice(dev) != isoIec23465_Success)
        __builtin_trap(); /* a device handle is always disconnectable */
    return 0;
}
